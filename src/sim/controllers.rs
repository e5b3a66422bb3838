//! kube-controller-manager: the level-triggered reconcilers (Deployment, ReplicaSet,
//! DaemonSet, StatefulSet, Job, node lifecycle, endpoints, namespace, garbage collector, ...).
//!
//! Not implemented yet: [`step`] is called by `World::step` in its documented order.

use super::world::World;

/// This component's state for one cluster (kept in [`super::world::Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {}

/// Runs one round of this component for `cluster`, `dt_ms` after the previous one.
pub fn step(world: &mut World, cluster: &str, dt_ms: u64) {
    let _ = (world, cluster, dt_ms);
}
