//! Mirror pods of control-plane static pods follow their component's faults.
//!
//! On kubeadm-like clusters each control-plane node runs `kube-scheduler-<node>`,
//! `kube-controller-manager-<node>` and `etcd-<node>` as static pods; the API server shows
//! their mirror pods in `kube-system`. A stopped component ([`super::faults`]) is a process
//! that keeps failing: its kubelet reports the container exiting with code 1 and restarting
//! with the usual back-off, so the mirror pod reads `0/1 CrashLoopBackOff` with a growing
//! RESTARTS count and `Ready: False`, exactly as the kubelet would
//! ([`super::kubelet::set_crashing`]). Started again, the container runs and the pod is Ready.
//!
//! A component is stopped on a node when it is stopped cluster-wide (`kube-scheduler`) or
//! on that node (`kube-scheduler/<node>`); etcd's member on the node is `etcd/<node>`.
//! kube-apiserver is not covered: with it stopped nothing can update a mirror pod anyway.
//! Nodes that are powered off or whose kubelet is stopped report nothing (the kubelet applies
//! the change when it comes back).

use super::world::World;

/// The static pods that follow a fault, with the switch that stops them on `node`.
fn switches(component: &str, node: &str) -> Vec<String> {
    match component {
        "etcd" => vec![format!("etcd/{node}")],
        c => vec![c.to_string(), format!("{c}/{node}")],
    }
}

const STATIC_COMPONENTS: [&str; 3] = ["etcd", "kube-scheduler", "kube-controller-manager"];

/// Runs before the kubelets in each step: tells them which static pods crash.
pub fn step(world: &mut World, cluster: &str) {
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let nodes = super::leader::control_plane_nodes(c);
    for node in &nodes {
        for component in STATIC_COMPONENTS {
            let stopped = switches(component, node).iter().any(|s| !c.is_up(s));
            let key = format!("kube-system/{component}-{node}");
            super::kubelet::set_crashing(c, &key, stopped, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::faults::{self, Fault};
    use crate::sim::meta;
    use crate::sim::presets::Preset;
    use crate::sim::value::Value;
    use crate::sim::world::World;

    const KIND: &str = "kind-kind";
    const POD: &str = "/registry/pods/kube-system/kube-scheduler-kind-control-plane";

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    fn pod(w: &World) -> Value {
        w.clusters[KIND]
            .store
            .get(POD)
            .map(|kv| (*kv.value).clone())
            .expect("mirror pod")
    }

    fn container(w: &World) -> Value {
        pod(w)
            .path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .and_then(|cs| cs.first().cloned())
            .expect("container status")
    }

    #[test]
    fn a_stopped_scheduler_crash_loops_in_its_mirror_pod_and_recovers() {
        let mut w = World::new(1, Preset::Kind);
        run(&mut w, 2_000);
        assert!(meta::pod_is_ready(&pod(&w)));
        faults::apply(&mut w, KIND, &Fault::StopComponent("kube-scheduler".into())).unwrap();
        run(&mut w, 60_000);
        let p = pod(&w);
        assert!(!meta::pod_is_ready(&p), "not Ready while stopped");
        let c = container(&w);
        assert_eq!(c.get("ready"), Some(&Value::Bool(false)));
        assert!(
            meta::int_at(&c, &["restartCount"]).unwrap_or(0) >= 2,
            "restarts: {c:?}"
        );
        assert_eq!(
            meta::str_at(&c, &["state", "waiting", "reason"]),
            Some("CrashLoopBackOff"),
            "{c:?}"
        );
        assert_eq!(
            meta::int_at(&c, &["lastState", "terminated", "exitCode"]),
            Some(1)
        );
        // The other components' pods are untouched.
        let cm = w.clusters[KIND]
            .store
            .get("/registry/pods/kube-system/kube-controller-manager-kind-control-plane")
            .map(|kv| (*kv.value).clone())
            .unwrap();
        assert!(meta::pod_is_ready(&cm));
        let restarts = meta::int_at(&c, &["restartCount"]).unwrap();
        faults::apply(
            &mut w,
            KIND,
            &Fault::StartComponent("kube-scheduler".into()),
        )
        .unwrap();
        run(&mut w, 10_000);
        assert!(meta::pod_is_ready(&pod(&w)), "Ready again after start");
        let c = container(&w);
        assert!(c.path(&["state", "running"]).is_some(), "{c:?}");
        assert!(meta::int_at(&c, &["restartCount"]).unwrap() >= restarts);
    }

    #[test]
    fn stopping_one_ha_replica_only_touches_its_own_mirror_pod() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 2_000);
        let nodes = crate::sim::leader::control_plane_nodes(&w.clusters[&cluster]);
        assert_eq!(nodes.len(), 3);
        let target = &nodes[1];
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-controller-manager/{target}")),
        )
        .unwrap();
        run(&mut w, 30_000);
        for n in &nodes {
            let p = w.clusters[&cluster]
                .store
                .get(&format!(
                    "/registry/pods/kube-system/kube-controller-manager-{n}"
                ))
                .map(|kv| (*kv.value).clone())
                .unwrap();
            assert_eq!(meta::pod_is_ready(&p), n != target, "{n}");
        }
    }
}
#[cfg(test)]
mod power_cycle {
    use crate::sim::faults::{self, Fault};
    use crate::sim::meta;
    use crate::sim::presets::Preset;
    use crate::sim::world::World;

    /// Static pods run binaries (`kube-apiserver --...`) and CoreDNS only gets `args`: after a
    /// power cycle the kubelet restarts them once and they serve again, while the stopped
    /// scheduler alone crash-loops.
    #[test]
    fn after_a_power_cycle_only_the_stopped_component_crash_loops() {
        let mut w = World::new(1, Preset::Kind);
        let node = "kind-control-plane";
        for _ in 0..4 {
            w.step(500);
        }
        faults::apply(&mut w, "kind-kind", &Fault::PowerOff(node.into())).unwrap();
        for _ in 0..20 {
            w.step(500);
        }
        faults::apply(&mut w, "kind-kind", &Fault::PowerOn(node.into())).unwrap();
        faults::apply(
            &mut w,
            "kind-kind",
            &Fault::StopComponent("kube-scheduler".into()),
        )
        .unwrap();
        for _ in 0..120 {
            w.step(500);
        }
        for kv in w.clusters["kind-kind"]
            .store
            .range("/registry/pods/kube-system/")
        {
            let name = meta::str_at(&kv.value, &["metadata", "name"]).unwrap_or("");
            let on_node = meta::node_name(&kv.value) == Some(node);
            if !on_node {
                continue;
            }
            let restarts: i64 = kv
                .value
                .path(&["status", "containerStatuses"])
                .and_then(crate::sim::value::Value::as_seq)
                .map(|cs| {
                    cs.iter()
                        .filter_map(|c| meta::int_at(c, &["restartCount"]))
                        .sum()
                })
                .unwrap_or(0);
            if name.starts_with("kube-scheduler-") {
                assert!(!meta::pod_is_ready(&kv.value), "{name}");
                assert!(restarts >= 3, "{name}: {restarts}");
            } else {
                assert!(meta::pod_is_ready(&kv.value), "{name} runs again");
                assert_eq!(restarts, 1, "{name} restarted once");
            }
        }
    }
}
