//! The kubelets (one per node) and their container runtimes: register and heartbeat the Node,
//! drive each bound pod through its lifecycle stages, keep containers, images and logs.
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
