//! Leader election of the control-plane components (client-go `leaderelection` with a
//! `coordination.k8s.io` Lease lock), so that in an HA cluster only one replica of
//! kube-scheduler and of kube-controller-manager acts.
//!
//! Every control-plane node (label `node-role.kubernetes.io/control-plane`) runs one replica
//! of each [`COMPONENTS`] entry. A replica is up unless its component is stopped cluster-wide
//! (`kube-scheduler` in [`Cluster::down`]) or on its node (`kube-scheduler/<node>`), or its
//! node is powered off or partitioned from the API server. Each replica process has an
//! identity `<node>_<uuid>` (a new uuid each time it starts) and, with the upstream defaults:
//! - the leader renews `kube-system/<component>` every [`RETRY_PERIOD_MS`] (`renewTime`);
//! - other replicas wait until `renewTime + leaseDurationSeconds` ([`LEASE_DURATION_S`]) has
//!   passed, then the first up replica (by node name) takes the Lease: new `holderIdentity`,
//!   `acquireTime`, `leaseTransitions + 1`. A stopped leader is therefore replaced 15 s after
//!   its last renewal; a restarted one comes back as a new identity and waits like the others
//!   (the fault is a crash: the Lease is not released).
//!
//! [`World::step`](super::world::World::step) runs a component only when [`acts`] says its
//! replica holds a live Lease. Clusters without control-plane nodes (managed clouds, where
//! the control plane is hidden) have no Leases: there the component acts while it is up.
//! The state here is only each running replica's identity; after an import, the replica on
//! the holder's node takes the holder's identity back from the Lease.

use super::clock::SimTime;
use super::meta;
use super::value::Value;
use super::world::{Cluster, World};
use std::collections::BTreeMap;

/// The components that elect a leader (cloud-controller-manager only runs on managed
/// clusters, where no replica is visible).
pub const COMPONENTS: [&str; 2] = ["kube-scheduler", "kube-controller-manager"];
/// `--leader-elect-lease-duration` default.
pub const LEASE_DURATION_S: i64 = 15;
/// `--leader-elect-retry-period` default: how often the leader renews and others retry.
pub const RETRY_PERIOD_MS: u64 = 2_000;
/// How often the list of control-plane nodes is read again.
const REPLICAS_REFRESH_MS: u64 = 10_000;
const CONTROL_PLANE_LABEL: &str = "node-role.kubernetes.io/control-plane";

/// Leader-election state of one cluster (kept in [`Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Control-plane node names, in order.
    replicas: Vec<String>,
    replicas_read: Option<SimTime>,
    /// The identity of each running replica process, by `component/node`.
    identities: BTreeMap<String, String>,
    /// Who holds each component's Lease (its node) and until when it is valid.
    holders: BTreeMap<String, (String, SimTime)>,
}

/// Is the replica of `component` on `node` running and able to reach the API server?
pub fn replica_up(c: &Cluster, component: &str, node: &str) -> bool {
    c.is_up(component)
        && c.is_up(&format!("{component}/{node}"))
        && c.is_up(&format!("node/{node}"))
        && c.is_up(&format!("partition/{node}"))
}

/// Does `component` act in this step? Its leader replica is up and its Lease is live; without
/// control-plane nodes, whenever it is up.
pub fn acts(c: &Cluster, component: &str, now: SimTime) -> bool {
    if c.leader.replicas.is_empty() {
        return c.is_up(component);
    }
    c.leader
        .holders
        .get(component)
        .is_some_and(|(node, until)| now < *until && replica_up(c, component, node))
}

/// The control-plane nodes (as last read; empty before the first step).
pub fn control_plane_nodes(c: &Cluster) -> Vec<String> {
    c.leader.replicas.clone()
}

/// The node whose replica of `component` leads, if any (for the UI and tests).
pub fn leader_node(c: &Cluster, component: &str) -> Option<String> {
    c.leader.holders.get(component).map(|(n, _)| n.clone())
}

/// One round of elections in `cluster`: renewals, expiries, takeovers.
pub fn step(world: &mut World, cluster: &str) {
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let stale = c
        .leader
        .replicas_read
        .is_none_or(|t| now.since_ms(t) >= REPLICAS_REFRESH_MS);
    if stale {
        c.leader.replicas = c
            .store
            .range("/registry/minions/")
            .filter(|kv| meta::label(&kv.value, CONTROL_PLANE_LABEL).is_some())
            .filter_map(|kv| meta::str_at(&kv.value, &["metadata", "name"]).map(str::to_string))
            .collect();
        c.leader.replicas_read = Some(now);
    }
    if c.leader.replicas.is_empty() {
        return;
    }
    let replicas = c.leader.replicas.clone();
    for component in COMPONENTS {
        elect(world, cluster, component, &replicas, now);
    }
}

fn elect(world: &mut World, cluster: &str, component: &str, replicas: &[String], now: SimTime) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    // A stopped replica process is gone: when it starts again it is a new identity.
    for node in replicas {
        if !replica_up(c, component, node) {
            c.leader.identities.remove(&format!("{component}/{node}"));
        }
    }
    let leases = super::api::resource_for("leases").unwrap_or(&super::api::RESOURCES[0]);
    let key = format!("/registry/leases/kube-system/{component}");
    let lease: Option<Value> = c.store.get(&key).map(|kv| (*kv.value).clone());
    let holder = lease
        .as_ref()
        .and_then(|l| meta::str_at(l, &["spec", "holderIdentity"]))
        .unwrap_or("")
        .to_string();
    let renewed = lease
        .as_ref()
        .and_then(|l| meta::str_at(l, &["spec", "renewTime"]))
        .and_then(parse_micro);
    let duration_ms = lease
        .as_ref()
        .and_then(|l| meta::int_at(l, &["spec", "leaseDurationSeconds"]))
        .unwrap_or(LEASE_DURATION_S)
        .max(0) as u64
        * 1000;
    // After an import the holder's replica recognises its own identity in the Lease.
    if let Some((node, _)) = holder.split_once('_') {
        let slot = format!("{component}/{node}");
        if replicas.iter().any(|r| r == node)
            && replica_up(c, component, node)
            && !c.leader.identities.contains_key(&slot)
            && c.leader.holders.get(component).is_none()
        {
            c.leader.identities.insert(slot, holder.clone());
        }
    }
    let holding = replicas.iter().find(|n| {
        replica_up(c, component, n)
            && c.leader.identities.get(&format!("{component}/{n}")) == Some(&holder)
    });
    let mut next = lease.clone().unwrap_or_else(|| new_lease(component));
    match holding.cloned() {
        Some(node) => {
            // The leader renews every retry period.
            if renewed.is_none_or(|t| now.since_ms(t) >= RETRY_PERIOD_MS) {
                next.path_mut_or_insert(&["spec"])
                    .set("renewTime", micro(now));
                if write(world, cluster, component, leases, next) {
                    set_holder(world, cluster, component, &node, now.plus_ms(duration_ms));
                }
            } else if let Some(t) = renewed {
                set_holder(world, cluster, component, &node, t.plus_ms(duration_ms));
            }
        }
        None => {
            let expired = lease.is_none()
                || holder.is_empty()
                || renewed.is_none_or(|t| now >= t.plus_ms(duration_ms));
            if !expired {
                // Someone we cannot see renewing (a stopped leader): wait for expiry.
                if let Some(t) = renewed {
                    let node = holder.split_once('_').map_or("", |(n, _)| n).to_string();
                    set_holder(world, cluster, component, &node, t.plus_ms(duration_ms));
                }
                return;
            }
            let Some(node) = replicas
                .iter()
                .find(|n| replica_up(&world.clusters[cluster], component, n))
                .cloned()
            else {
                if let Some(c) = world.clusters.get_mut(cluster) {
                    c.leader.holders.remove(component);
                }
                return;
            };
            let slot = format!("{component}/{node}");
            let identity = match world.clusters[cluster].leader.identities.get(&slot) {
                Some(id) => id.clone(),
                None => format!("{node}_{}", world.rng.uuid()),
            };
            if let Some(c) = world.clusters.get_mut(cluster) {
                c.leader.identities.insert(slot, identity.clone());
            }
            let transitions = lease
                .as_ref()
                .and_then(|l| meta::int_at(l, &["spec", "leaseTransitions"]))
                .unwrap_or(0);
            let spec = next.path_mut_or_insert(&["spec"]);
            spec.set("holderIdentity", identity.as_str());
            spec.set("leaseDurationSeconds", LEASE_DURATION_S);
            spec.set("acquireTime", micro(now));
            spec.set("renewTime", micro(now));
            // A first acquisition is not a transition.
            spec.set(
                "leaseTransitions",
                if holder.is_empty() {
                    transitions
                } else {
                    transitions + 1
                },
            );
            if write(world, cluster, component, leases, next) {
                set_holder(
                    world,
                    cluster,
                    component,
                    &node,
                    now.plus_ms(LEASE_DURATION_S as u64 * 1000),
                );
                // client-go's resource lock records `<identity> became leader` on the Lease,
                // from the component's event recorder.
                let source = match component {
                    "kube-scheduler" => "default-scheduler",
                    c => c,
                };
                let lease = world.clusters.get(cluster).and_then(|c| {
                    c.store.get(&key).map(|kv| (*kv.value).clone())
                });
                if let (Some(lease), Some(mut a)) = (lease, world.api(cluster, component)) {
                    super::events::record(
                        &mut a,
                        &lease,
                        super::events::Type::Normal,
                        "LeaderElection",
                        &format!("{identity} became leader"),
                        source,
                        None,
                    );
                }
            }
        }
    }
}

fn set_holder(world: &mut World, cluster: &str, component: &str, node: &str, until: SimTime) {
    if let Some(c) = world.clusters.get_mut(cluster) {
        c.leader
            .holders
            .insert(component.to_string(), (node.to_string(), until));
    }
}

fn new_lease(component: &str) -> Value {
    let mut l = Value::map();
    l.set("apiVersion", "coordination.k8s.io/v1");
    l.set("kind", "Lease");
    let m = l.path_mut_or_insert(&["metadata"]);
    m.set("name", component);
    m.set("namespace", "kube-system");
    l
}

/// Creates or updates the Lease as the component itself; false if the API server refused
/// (etcd without quorum: the leader then lapses like a real one that cannot renew).
fn write(
    world: &mut World,
    cluster: &str,
    component: &str,
    leases: &'static super::api::Resource,
    lease: Value,
) -> bool {
    let Some(mut a) = world.api(cluster, component) else {
        return false;
    };
    if lease.path(&["metadata", "uid"]).is_some() {
        a.update(leases, lease).is_ok()
    } else {
        a.create(leases, lease).is_ok()
    }
}

/// A `metav1.MicroTime` (`2026-01-05T09:00:02.000000Z`), as Leases carry.
fn micro(t: SimTime) -> String {
    let s = t.rfc3339();
    format!("{}.{:03}000Z", s.trim_end_matches('Z'), t.as_ms() % 1000)
}

fn parse_micro(s: &str) -> Option<SimTime> {
    let (base, frac) = match s.split_once('.') {
        Some((b, f)) => (format!("{b}Z"), f.trim_end_matches('Z')),
        None => (s.to_string(), ""),
    };
    let t = SimTime::parse_rfc3339(&base)?;
    let ms: u64 = frac
        .get(..3.min(frac.len()))
        .and_then(|d| format!("{d:0<3}").parse().ok())
        .unwrap_or(0);
    Some(t.plus_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::{self, Fault};
    use crate::sim::presets::Preset;

    fn lease(w: &World, cluster: &str, component: &str) -> Value {
        w.clusters[cluster]
            .store
            .get(&format!("/registry/leases/kube-system/{component}"))
            .map(|kv| (*kv.value).clone())
            .expect("lease")
    }

    fn holder(w: &World, cluster: &str, component: &str) -> String {
        meta::str_at(&lease(w, cluster, component), &["spec", "holderIdentity"])
            .unwrap_or("")
            .to_string()
    }

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    #[test]
    fn micro_times_round_trip() {
        let t = SimTime::ZERO.plus_ms(61_250);
        assert!(micro(t).ends_with(":01.250000Z"), "{}", micro(t));
        assert_eq!(parse_micro(&micro(t)), Some(t));
    }

    #[test]
    fn ha_scheduler_fails_over_after_the_lease_duration() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let (node, uuid) = first.split_once('_').expect("<node>_<uuid>");
        assert_eq!(uuid.len(), 36, "{first}");
        assert_eq!(leader_node(&w.clusters[&cluster], "kube-scheduler").as_deref(), Some(node));
        let l = lease(&w, &cluster, "kube-controller-manager");
        assert_eq!(meta::int_at(&l, &["spec", "leaseDurationSeconds"]), Some(15));
        assert_eq!(meta::int_at(&l, &["spec", "leaseTransitions"]), Some(0));
        // The leader renews every 2 s.
        let renew = |w: &World| {
            meta::str_at(&lease(w, &cluster, "kube-scheduler"), &["spec", "renewTime"])
                .map(str::to_string)
        };
        let before = renew(&w);
        run(&mut w, 2_000);
        assert_ne!(renew(&w), before);
        // Stop the leader's kube-scheduler: nobody schedules until the Lease expires.
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        run(&mut w, 10_000);
        assert_eq!(holder(&w, &cluster, "kube-scheduler"), first, "not yet expired");
        assert!(!acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        run(&mut w, 7_000);
        let second = holder(&w, &cluster, "kube-scheduler");
        assert_ne!(second, first);
        assert!(!second.starts_with(&format!("{node}_")), "another replica: {second}");
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        let l = lease(&w, &cluster, "kube-scheduler");
        assert_eq!(meta::int_at(&l, &["spec", "leaseTransitions"]), Some(1));
        let became: Vec<String> = w.clusters[&cluster]
            .store
            .range("/registry/events/kube-system/")
            .filter(|kv| meta::str_at(&kv.value, &["reason"]) == Some("LeaderElection"))
            .filter_map(|kv| meta::str_at(&kv.value, &["message"]).map(str::to_string))
            .collect();
        assert!(became.contains(&format!("{first} became leader")), "{became:?}");
        assert!(became.contains(&format!("{second} became leader")), "{became:?}");
        // The controller-manager's leader was never disturbed.
        assert_eq!(
            meta::int_at(&lease(&w, &cluster, "kube-controller-manager"), &["spec", "leaseTransitions"]),
            Some(0)
        );
        // The old replica comes back as a follower with a new identity.
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StartComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        run(&mut w, 20_000);
        assert_eq!(holder(&w, &cluster, "kube-scheduler"), second);
    }

    #[test]
    fn only_the_leader_acts_and_a_pod_waits_for_the_takeover() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let node = first.split_once('_').unwrap().0.to_string();
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        let mut pod = Value::map();
        pod.path_mut_or_insert(&["metadata"]).set("name", "p");
        pod.path_mut_or_insert(&["metadata"]).set("namespace", "default");
        let mut c = Value::map();
        c.set("name", "c");
        c.set("image", "nginx");
        pod.path_mut_or_insert(&["spec"]).set("containers", Value::Seq(vec![c]));
        let pods = crate::sim::api::resource_for("pods").unwrap();
        w.api(&cluster, "kubectl").unwrap().create(pods, pod).unwrap();
        let bound = |w: &World| {
            w.clusters[&cluster]
                .store
                .get("/registry/pods/default/p")
                .is_some_and(|kv| kv.value.path(&["spec", "nodeName"]).is_some())
        };
        run(&mut w, 8_000);
        assert!(!bound(&w), "two schedulers are up but neither leads yet");
        run(&mut w, 10_000);
        assert!(bound(&w), "the new leader scheduled it");
    }

    #[test]
    fn clusters_without_visible_control_plane_have_no_leases() {
        let mut w = World::new(1, Preset::Managed);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        assert!(w.clusters[&cluster]
            .store
            .get("/registry/leases/kube-system/kube-scheduler")
            .is_none());
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
    }

    /// Replica identities are not saved: after an import the holder's replica finds its own
    /// identity in the Lease and keeps leading (no gap, no transition).
    #[test]
    fn an_imported_world_keeps_its_leaders() {
        let mut w = World::new(4, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 5_000);
        let before = holder(&w, &cluster, "kube-controller-manager");
        let mut back = World::import(&w.export()).unwrap();
        for _ in 0..60 {
            back.step(500);
            assert!(acts(&back.clusters[&cluster], "kube-controller-manager", back.now()));
        }
        assert_eq!(holder(&back, &cluster, "kube-controller-manager"), before);
        assert_eq!(
            meta::int_at(
                &lease(&back, &cluster, "kube-controller-manager"),
                &["spec", "leaseTransitions"]
            ),
            Some(0)
        );
    }
}
