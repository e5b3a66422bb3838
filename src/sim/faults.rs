//! Faults for lessons and live demos: break a component, watch the cluster react, repair it.
//!
//! One entry point, [`apply`], takes a [`Fault`]; each one flips a switch in
//! [`Cluster::down`](super::world::Cluster) that the components read:
//!
//! | fault | switch | what you then see |
//! |---|---|---|
//! | stop `kube-scheduler` | `kube-scheduler` | new pods stay `Pending`, bound at restart |
//! | stop `kube-controller-manager` | `kube-controller-manager` | deleted pods are not replaced, no rollouts, no NotReady marking |
//! | stop one replica, `kube-scheduler/<node>` or `kube-controller-manager/<node>` | same | if it led, another replica takes its Lease 15 s after its last renewal ([`super::leader`]) |
//! | stop `kube-apiserver` | `kube-apiserver` | every component freezes; kubectl gets `connection refused` |
//! | stop `cloud-controller-manager` | `cloud-controller-manager` | LoadBalancers stay `<pending>` |
//! | stop kubelet on a node | `kubelet/<node>` | its Lease stops; NotReady (Unknown) after 40 s; containers keep running |
//! | stop the container runtime | `containerd/<node>` | node NotReady `container runtime is down`; new pods stay `ContainerCreating` |
//! | power a node off | `node/<node>` | kubelet, containers and its etcd member gone; at power-on every container restarts (restartCount+1) |
//! | kill an etcd member | `etcd/<member>` | re-election; without quorum every write fails `etcdserver: request timed out` |
//! | partition a node | `partition/<node>` | like a dead kubelet for the control plane, but containers keep serving |
//!
//! ```
//! use kubesim::sim::{World, presets::Preset, faults::{self, Fault}};
//! let mut w = World::new(1, Preset::Kind);
//! faults::apply(&mut w, "kind-kind", &Fault::PowerOff("kind-worker".into())).unwrap();
//! assert!(!w.clusters["kind-kind"].is_up("node/kind-worker"));
//! faults::apply(&mut w, "kind-kind", &Fault::PowerOn("kind-worker".into())).unwrap();
//! ```

use super::world::World;

/// The control-plane components that can be stopped as a whole.
pub const COMPONENTS: [&str; 4] = [
    "kube-apiserver",
    "kube-scheduler",
    "kube-controller-manager",
    "cloud-controller-manager",
];

/// Something to break or repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// One of [`COMPONENTS`].
    StopComponent(String),
    StartComponent(String),
    StopKubelet(String),
    StartKubelet(String),
    StopRuntime(String),
    StartRuntime(String),
    PowerOff(String),
    PowerOn(String),
    /// An etcd member, by name (kubeadm names members after their node).
    KillEtcd(String),
    RestoreEtcd(String),
    /// Cuts a node off the control plane (and its etcd member off its peers).
    Partition(String),
    Heal(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("cluster {0:?} not found")]
    NoCluster(String),
    #[error("node {0:?} not found")]
    NoNode(String),
    #[error("no etcd member named {0:?}")]
    NoMember(String),
    #[error("unknown component {0:?} (kube-apiserver, kube-scheduler, kube-controller-manager, cloud-controller-manager, or kube-scheduler/<node>, kube-controller-manager/<node>)")]
    NoComponent(String),
}

/// Applies `fault` to `cluster`. Repairing something that is not broken is fine.
pub fn apply(world: &mut World, cluster: &str, fault: &Fault) -> Result<(), FaultError> {
    let now = world.now();
    let c = world
        .clusters
        .get_mut(cluster)
        .ok_or_else(|| FaultError::NoCluster(cluster.to_string()))?;
    let node_exists = |c: &super::world::Cluster, n: &str| {
        c.store.get(&format!("/registry/minions/{n}")).is_some()
    };
    let (switch, up) = match fault {
        Fault::StopComponent(x) | Fault::StartComponent(x) => {
            // `kube-scheduler/<node>`: one replica of an HA control plane.
            match x.split_once('/') {
                Some((comp, node)) if super::leader::COMPONENTS.contains(&comp) => {
                    if !node_exists(c, node) {
                        return Err(FaultError::NoNode(node.to_string()));
                    }
                }
                _ if COMPONENTS.contains(&x.as_str()) => {}
                _ => return Err(FaultError::NoComponent(x.clone())),
            }
            (x.clone(), matches!(fault, Fault::StartComponent(_)))
        }
        Fault::KillEtcd(m) | Fault::RestoreEtcd(m) => {
            if !c.etcd.members.iter().any(|x| &x.name == m) {
                return Err(FaultError::NoMember(m.clone()));
            }
            (format!("etcd/{m}"), matches!(fault, Fault::RestoreEtcd(_)))
        }
        Fault::StopKubelet(n)
        | Fault::StartKubelet(n)
        | Fault::StopRuntime(n)
        | Fault::StartRuntime(n)
        | Fault::PowerOff(n)
        | Fault::PowerOn(n)
        | Fault::Partition(n)
        | Fault::Heal(n) => {
            if !node_exists(c, n) {
                return Err(FaultError::NoNode(n.clone()));
            }
            let (prefix, up) = match fault {
                Fault::StopKubelet(_) => ("kubelet", false),
                Fault::StartKubelet(_) => ("kubelet", true),
                Fault::StopRuntime(_) => ("containerd", false),
                Fault::StartRuntime(_) => ("containerd", true),
                Fault::PowerOff(_) => ("node", false),
                Fault::PowerOn(_) => ("node", true),
                Fault::Partition(_) => ("partition", false),
                _ => ("partition", true),
            };
            (format!("{prefix}/{n}"), up)
        }
    };
    if up {
        c.start(&switch);
    } else {
        c.stop(&switch);
    }
    // Membership changes are visible at once (etcdctl right after the fault).
    super::etcd::step(c, now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{api::resource_for_kind, presets::Preset, value::Value};

    fn pod(name: &str) -> Value {
        let mut p = Value::map();
        p.path_mut_or_insert(&["metadata"]).set("name", name);
        p.path_mut_or_insert(&["metadata"])
            .set("namespace", "default");
        let mut c = Value::map();
        c.set("name", "web");
        c.set("image", "nginx:1.27");
        p.path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c].into()));
        p
    }

    fn get(w: &World, key: &str) -> Option<Value> {
        w.clusters["kind-kind"]
            .store
            .get(key)
            .map(|kv| (*kv.value).clone())
    }

    fn ready_status(w: &World, node: &str) -> String {
        get(w, &format!("/registry/minions/{node}"))
            .and_then(|n| {
                n.path(&["status", "conditions"])?
                    .as_seq()?
                    .iter()
                    .find(|c| c.get("type") == Some(&Value::from("Ready")))?
                    .get("status")?
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    #[test]
    fn unknown_targets_are_typed_errors() {
        let mut w = World::new(1, Preset::Kind);
        for (f, e) in [
            (
                Fault::PowerOff("nope".into()),
                FaultError::NoNode("nope".into()),
            ),
            (
                Fault::KillEtcd("x".into()),
                FaultError::NoMember("x".into()),
            ),
            (
                Fault::StopComponent("kube-dns".into()),
                FaultError::NoComponent("kube-dns".into()),
            ),
        ] {
            assert_eq!(apply(&mut w, "kind-kind", &f), Err(e));
        }
        assert_eq!(
            apply(&mut w, "nope", &Fault::Heal("a".into())),
            Err(FaultError::NoCluster("nope".into()))
        );
    }

    #[test]
    fn scheduler_stopped_pods_stay_pending_then_get_scheduled() {
        let mut w = World::new(2, Preset::Kind);
        apply(
            &mut w,
            "kind-kind",
            &Fault::StopComponent("kube-scheduler".into()),
        )
        .unwrap();
        w.api("kind-kind", "kubectl")
            .unwrap()
            .create(resource_for_kind("Pod").unwrap(), pod("web"))
            .unwrap();
        run(&mut w, 30_000);
        let p = get(&w, "/registry/pods/default/web").unwrap();
        assert!(p.path(&["spec", "nodeName"]).is_none());
        apply(
            &mut w,
            "kind-kind",
            &Fault::StartComponent("kube-scheduler".into()),
        )
        .unwrap();
        run(&mut w, 10_000);
        let p = get(&w, "/registry/pods/default/web").unwrap();
        assert_eq!(p.path(&["status", "phase"]), Some(&Value::from("Running")));
    }

    #[test]
    fn kubelet_stopped_node_goes_not_ready_and_recovers() {
        let mut w = World::new(2, Preset::Kind);
        run(&mut w, 2_000);
        assert_eq!(ready_status(&w, "kind-worker"), "True");
        apply(
            &mut w,
            "kind-kind",
            &Fault::StopKubelet("kind-worker".into()),
        )
        .unwrap();
        run(&mut w, 60_000);
        // The node lifecycle controller saw the Lease expire.
        assert_eq!(ready_status(&w, "kind-worker"), "Unknown");
        apply(
            &mut w,
            "kind-kind",
            &Fault::StartKubelet("kind-worker".into()),
        )
        .unwrap();
        run(&mut w, 5_000);
        assert_eq!(ready_status(&w, "kind-worker"), "True");
    }

    #[test]
    fn runtime_down_reports_not_ready_and_blocks_new_containers() {
        let mut w = World::new(2, Preset::Kind);
        apply(
            &mut w,
            "kind-kind",
            &Fault::StopRuntime("kind-worker".into()),
        )
        .unwrap();
        run(&mut w, 2_000);
        let n = get(&w, "/registry/minions/kind-worker").unwrap();
        let msg = n
            .path(&["status", "conditions"])
            .and_then(Value::as_seq)
            .unwrap()
            .iter()
            .find(|c| c.get("type") == Some(&Value::from("Ready")))
            .unwrap()
            .get("message")
            .cloned();
        assert_eq!(msg, Some(Value::from("container runtime is down")));
        let mut p = pod("pinned");
        p.path_mut_or_insert(&["spec"])
            .set("nodeName", "kind-worker");
        w.api("kind-kind", "kubectl")
            .unwrap()
            .create(resource_for_kind("Pod").unwrap(), p)
            .unwrap();
        run(&mut w, 10_000);
        let p = get(&w, "/registry/pods/default/pinned").unwrap();
        assert_ne!(p.path(&["status", "phase"]), Some(&Value::from("Running")));
        apply(
            &mut w,
            "kind-kind",
            &Fault::StartRuntime("kind-worker".into()),
        )
        .unwrap();
        run(&mut w, 10_000);
        let p = get(&w, "/registry/pods/default/pinned").unwrap();
        assert_eq!(p.path(&["status", "phase"]), Some(&Value::from("Running")));
    }

    #[test]
    fn partitioned_node_stops_heartbeating_but_heals() {
        let mut w = World::new(2, Preset::Kind);
        run(&mut w, 1_000);
        let lease = |w: &World| {
            get(w, "/registry/leases/kube-node-lease/kind-worker2")
                .and_then(|l| l.path(&["spec", "renewTime"]).cloned())
        };
        apply(
            &mut w,
            "kind-kind",
            &Fault::Partition("kind-worker2".into()),
        )
        .unwrap();
        let before = lease(&w);
        run(&mut w, 30_000);
        assert_eq!(lease(&w), before);
        apply(&mut w, "kind-kind", &Fault::Heal("kind-worker2".into())).unwrap();
        run(&mut w, 1_000);
        assert_ne!(lease(&w), before);
    }
}
