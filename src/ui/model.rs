//! What the cluster view draws, computed from a [`Cluster`] (live, or read-only at an
//! earlier etcd revision): nodes with their components and pods, pending pods, Services and
//! their endpoints. Plain data with `PartialEq`, so each node card re-renders only when its
//! own data changed (that is what keeps 100 nodes and 3,000 pods smooth).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! use kubesim::ui::model::ClusterModel;
//! let w = World::new(1, Preset::Kind);
//! let m = ClusterModel::build(&w.clusters["kind-kind"], None);
//! assert_eq!(m.nodes.len(), 3);
//! ```

use crate::sim::api;
use crate::sim::store::KeyValue;
use crate::sim::value::Value;
use crate::sim::world::Cluster;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A pod's state as kubectl's STATUS column would say it, for colouring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    Pending,
    ContainerCreating,
    Running,
    Succeeded,
    CrashLoopBackOff,
    Terminating,
    /// Any other failure reason (`ImagePullBackOff`, `Error`, `Failed`...).
    Failed(String),
}

impl PodState {
    pub fn label(&self) -> &str {
        match self {
            PodState::Pending => "Pending",
            PodState::ContainerCreating => "ContainerCreating",
            PodState::Running => "Running",
            PodState::Succeeded => "Completed",
            PodState::CrashLoopBackOff => "CrashLoopBackOff",
            PodState::Terminating => "Terminating",
            PodState::Failed(r) => r,
        }
    }
    pub fn class(&self) -> &'static str {
        match self {
            PodState::Pending => "ph-pending",
            PodState::ContainerCreating => "ph-creating",
            PodState::Running => "ph-running",
            PodState::Succeeded => "ph-done",
            PodState::CrashLoopBackOff => "ph-crash",
            PodState::Terminating => "ph-terminating",
            PodState::Failed(_) => "ph-failed",
        }
    }
    pub fn of(pod: &Value) -> PodState {
        if pod.path(&["metadata", "deletionTimestamp"]).is_some() {
            return PodState::Terminating;
        }
        let waiting = pod
            .path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .find_map(|cs| {
                cs.path(&["state", "waiting", "reason"])
                    .or_else(|| cs.path(&["state", "terminated", "reason"]))
                    .and_then(Value::as_str)
            });
        match (
            waiting,
            pod.path(&["status", "phase"]).and_then(Value::as_str),
        ) {
            (Some("CrashLoopBackOff"), _) => PodState::CrashLoopBackOff,
            (Some("ContainerCreating") | Some("PodInitializing"), _) => PodState::ContainerCreating,
            (Some("Completed"), _) | (_, Some("Succeeded")) => PodState::Succeeded,
            (Some(r), _) => PodState::Failed(r.to_string()),
            (None, Some("Running")) => PodState::Running,
            (None, Some("Failed")) => PodState::Failed("Failed".into()),
            (None, _) => {
                let bound = pod.path(&["spec", "nodeName"]).is_some();
                if bound {
                    PodState::ContainerCreating
                } else {
                    PodState::Pending
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCard {
    pub namespace: String,
    pub name: String,
    pub state: PodState,
}

/// One component on a node: what to show, its `Cluster::down` name, and whether it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub label: &'static str,
    pub key: String,
    pub up: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCard {
    pub name: String,
    pub control_plane: bool,
    pub ready: bool,
    pub powered: bool,
    pub unschedulable: bool,
    pub components: Vec<Component>,
    pub pods: Vec<Rc<PodCard>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCard {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub cluster_ip: String,
    /// Ready endpoints as `pod-name (10.244.1.3)` or the bare IP.
    pub endpoints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterModel {
    pub name: String,
    pub revision: i64,
    /// Shared so an unchanged node compares equal cheaply and its card skips re-rendering.
    pub nodes: Vec<Rc<NodeCard>>,
    /// Pods not bound to any node yet.
    pub unscheduled: Vec<Rc<PodCard>>,
    pub services: Vec<ServiceCard>,
    /// Control-plane components of a managed cluster (no control-plane node visible).
    pub managed_control_plane: Option<Vec<Component>>,
}

fn component(c: &Cluster, label: &'static str, key: String) -> Component {
    let up = c.is_up(&key);
    Component { label, key, up }
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    obj.path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some(kind)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

/// The etcd prefixes the cluster view draws. Leases and Events are not among them: a busy
/// cluster writes those many times a second (100 nodes renew 10 leases a second), and
/// rebuilding the view for them is most of the work on a big cluster.
const DRAWN: &[&str] = &[
    "/registry/pods/",
    "/registry/minions/",
    "/registry/services/",
];

/// Did anything the view draws change in `cluster` after revision `since`? (True when the
/// watch log no longer reaches back that far.)
pub fn drawn_changed(cluster: &Cluster, since: i64) -> bool {
    match cluster.store.events_since(since) {
        Ok(mut events) => events.any(|e| DRAWN.iter().any(|p| e.kv.key.starts_with(p))),
        Err(_) => true,
    }
}

/// Which revision the view should show: remembers the last revision seen and moves the
/// drawn revision only when [`drawn_changed`] says so. Keyed by cluster and world epoch, so
/// switching context or rewinding (a new store whose revisions may repeat) redraws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawnRevision {
    key: (String, u64),
    seen: i64,
    drawn: i64,
}

impl DrawnRevision {
    /// The revision to draw now (`epoch`: [`super::core::Core::epoch`]).
    pub fn update(&mut self, cluster: &Cluster, epoch: u64) -> i64 {
        let now = cluster.store.revision();
        let key = (cluster.name.clone(), epoch);
        if key != self.key || now < self.seen || drawn_changed(cluster, self.seen) {
            self.drawn = now;
        }
        self.key = key;
        self.seen = now;
        self.drawn
    }
}

/// The pod cards of the previous build, by etcd key, with the revision they were read at
/// and their node: a pod not written since is not read again (3,000 pods make most of a
/// build's work, and a tick changes few of them, or, while they start, not all).
#[derive(Debug, Default)]
pub struct PodCards {
    /// (cluster, world epoch) the cards belong to: revisions only identify a pod's version
    /// within one store's history.
    of: (String, u64),
    cards: BTreeMap<String, (i64, Option<String>, Rc<PodCard>)>,
}

impl ClusterModel {
    /// The model of `cluster`, at its latest revision or (read-only view) at `at_revision`.
    /// A compacted revision falls back to the latest.
    pub fn build(cluster: &Cluster, at_revision: Option<i64>) -> ClusterModel {
        ClusterModel::build_cached(cluster, at_revision, 0, &mut PodCards::default())
    }

    /// [`ClusterModel::build`], reusing the pod cards of the previous build in `cache`
    /// (`epoch`: [`super::core::Core::epoch`]).
    pub fn build_cached(
        cluster: &Cluster,
        at_revision: Option<i64>,
        epoch: u64,
        cache: &mut PodCards,
    ) -> ClusterModel {
        if cache.of.0 != cluster.name || cache.of.1 != epoch {
            *cache = PodCards {
                of: (cluster.name.clone(), epoch),
                cards: BTreeMap::new(),
            };
        }
        let mut old_cards = std::mem::take(&mut cache.cards);
        let store = &cluster.store;
        let list = |prefix: &'static str| -> Vec<&KeyValue> {
            match at_revision {
                Some(rev) => match store.range_at(prefix, rev) {
                    Ok(it) => it.collect(),
                    Err(_) => store.range(prefix).collect(),
                },
                None => store.range(prefix).collect(),
            }
        };
        let cp_components = |node: &str| {
            let mut v = vec![
                component(cluster, "kube-apiserver", "kube-apiserver".into()),
                component(cluster, "etcd", format!("etcd/{node}")),
                component(cluster, "kube-scheduler", "kube-scheduler".into()),
                component(
                    cluster,
                    "kube-controller-manager",
                    "kube-controller-manager".into(),
                ),
            ];
            // Only clusters with a cloud provider run a cloud-controller-manager (kind,
            // minikube and kubeadm clusters do not).
            if cluster.cloud_provider.is_some() {
                v.push(component(
                    cluster,
                    "cloud-controller-manager",
                    "cloud-controller-manager".into(),
                ));
            }
            v
        };
        let mut nodes: Vec<NodeCard> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for kv in list("/registry/minions/") {
            let node = &kv.value;
            let name = api::name_of(node).to_string();
            let control_plane = node
                .path(&[
                    "metadata",
                    "labels",
                    "node-role.kubernetes.io/control-plane",
                ])
                .is_some();
            let mut components = if control_plane {
                cp_components(&name)
            } else {
                Vec::new()
            };
            components.push(component(cluster, "kubelet", format!("kubelet/{name}")));
            components.push(component(
                cluster,
                "kube-proxy",
                format!("kube-proxy/{name}"),
            ));
            components.push(component(
                cluster,
                "containerd",
                format!("containerd/{name}"),
            ));
            index.insert(name.clone(), nodes.len());
            nodes.push(NodeCard {
                powered: cluster.is_up(&format!("node/{name}")),
                ready: condition_true(node, "Ready"),
                unschedulable: node
                    .path(&["spec", "unschedulable"])
                    .is_some_and(|v| *v == Value::Bool(true)),
                name,
                control_plane,
                components,
                pods: Vec::new(),
            });
        }
        let mut unscheduled = Vec::new();
        for kv in list("/registry/pods/") {
            let (key, (_, node_name, card)) = match old_cards.remove_entry(&*kv.key) {
                Some((key, (rev, node_name, card))) if rev == kv.mod_revision => {
                    (key, (rev, node_name, card))
                }
                _ => {
                    let pod = &kv.value;
                    let card = PodCard {
                        namespace: api::namespace_of(pod).unwrap_or("default").to_string(),
                        name: api::name_of(pod).to_string(),
                        state: PodState::of(pod),
                    };
                    let node_name = pod
                        .path(&["spec", "nodeName"])
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    (
                        kv.key.to_string(),
                        (kv.mod_revision, node_name, Rc::new(card)),
                    )
                }
            };
            match node_name
                .as_deref()
                .and_then(|n| index.get(n))
                .and_then(|&i| nodes.get_mut(i))
            {
                Some(node) => node.pods.push(card.clone()),
                None => unscheduled.push(card.clone()),
            }
            cache.cards.insert(key, (kv.mod_revision, node_name, card));
        }
        let mut endpoints: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for kv in list("/registry/services/endpoints/") {
            let ep = &kv.value;
            let key = format!(
                "{}/{}",
                api::namespace_of(ep).unwrap_or("default"),
                api::name_of(ep)
            );
            let addrs = ep
                .get("subsets")
                .and_then(Value::as_seq)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("addresses").and_then(Value::as_seq))
                .flatten()
                .map(|a| {
                    let ip = a.get("ip").and_then(Value::as_str).unwrap_or("");
                    match a.path(&["targetRef", "name"]).and_then(Value::as_str) {
                        Some(pod) => format!("{pod} ({ip})"),
                        None => ip.to_string(),
                    }
                })
                .collect();
            endpoints.insert(key, addrs);
        }
        let services = list("/registry/services/specs/")
            .iter()
            .map(|kv| {
                let s = &kv.value;
                let namespace = api::namespace_of(s).unwrap_or("default").to_string();
                let name = api::name_of(s).to_string();
                let str_at =
                    |p: &[&str]| s.path(p).and_then(Value::as_str).unwrap_or("").to_string();
                ServiceCard {
                    endpoints: endpoints
                        .remove(&format!("{namespace}/{name}"))
                        .unwrap_or_default(),
                    kind: match str_at(&["spec", "type"]) {
                        t if t.is_empty() => "ClusterIP".into(),
                        t => t,
                    },
                    cluster_ip: str_at(&["spec", "clusterIP"]),
                    namespace,
                    name,
                }
            })
            .collect();
        let managed_control_plane = (!nodes.iter().any(|n| n.control_plane)).then(|| {
            let mut cs = cp_components("");
            cs[1] = component(cluster, "etcd", "etcd".into());
            cs
        });
        ClusterModel {
            name: cluster.name.clone(),
            revision: at_revision.unwrap_or(store.revision()),
            nodes: nodes.into_iter().map(Rc::new).collect(),
            unscheduled,
            services,
            managed_control_plane,
        }
    }

    pub fn pod_count(&self) -> usize {
        self.unscheduled.len() + self.nodes.iter().map(|n| n.pods.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    fn pod(name: &str, node: Option<&str>, phase: &str, waiting: Option<&str>) -> Value {
        let mut p = Value::map();
        p.set("apiVersion", "v1");
        p.set("kind", "Pod");
        let mut meta = Value::map();
        meta.set("name", name);
        meta.set("namespace", "default");
        p.set("metadata", meta);
        let mut spec = Value::map();
        if let Some(n) = node {
            spec.set("nodeName", n);
        }
        // The API server validates pods: they need a container.
        let mut c = Value::map();
        c.set("name", "app");
        c.set("image", "nginx");
        spec.set("containers", Value::Seq(vec![c].into()));
        p.set("spec", spec);
        let mut status = Value::map();
        status.set("phase", phase);
        if let Some(r) = waiting {
            let mut cs = Value::map();
            let mut w = Value::map();
            w.set("reason", r);
            let mut st = Value::map();
            st.set("waiting", w);
            cs.set("state", st);
            status.set("containerStatuses", Value::Seq(vec![cs].into()));
        }
        p.set("status", status);
        p
    }

    #[test]
    fn pod_states_follow_kubectl_status() {
        for (p, want) in [
            (pod("a", None, "Pending", None), PodState::Pending),
            (
                pod("a", Some("n"), "Pending", None),
                PodState::ContainerCreating,
            ),
            (pod("a", Some("n"), "Running", None), PodState::Running),
            (
                pod("a", Some("n"), "Running", Some("CrashLoopBackOff")),
                PodState::CrashLoopBackOff,
            ),
            (
                pod("a", Some("n"), "Pending", Some("ImagePullBackOff")),
                PodState::Failed("ImagePullBackOff".into()),
            ),
            (pod("a", Some("n"), "Succeeded", None), PodState::Succeeded),
        ] {
            assert_eq!(PodState::of(&p), want);
        }
        let mut t = pod("a", Some("n"), "Running", None);
        t.path_mut_or_insert(&["metadata"])
            .set("deletionTimestamp", "x");
        assert_eq!(PodState::of(&t), PodState::Terminating);
    }

    #[test]
    fn nodes_pods_components_and_history() {
        let mut w = World::new(1, Preset::Kind);
        let res = api::resource_for("pods").unwrap();
        let before = w.clusters["kind-kind"].store.revision();
        // The preset's system pods (kube-system) are there from the start.
        let system = ClusterModel::build(&w.clusters["kind-kind"], None).pod_count();
        {
            let mut a = w.api("kind-kind", "kubectl").unwrap();
            a.create(res, pod("web", Some("kind-worker"), "Running", None))
                .unwrap();
            a.create(res, pod("wait", None, "Pending", None)).unwrap();
        }
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kubelet/kind-worker2");
        let c = &w.clusters["kind-kind"];
        let m = ClusterModel::build(c, None);
        assert_eq!(m.pod_count(), system + 2);
        let worker = m.nodes.iter().find(|n| n.name == "kind-worker").unwrap();
        let web = worker.pods.iter().find(|p| p.name == "web").unwrap();
        assert_eq!(web.namespace, "default");
        assert_eq!(web.state, PodState::Running);
        assert!(m.unscheduled.iter().any(|p| p.name == "wait"));
        let cp = m.nodes.iter().find(|n| n.control_plane).unwrap();
        assert!(cp
            .components
            .iter()
            .any(|c| c.label == "etcd" && c.key == "etcd/kind-control-plane"));
        let w2 = m.nodes.iter().find(|n| n.name == "kind-worker2").unwrap();
        assert!(
            !w2.components
                .iter()
                .find(|c| c.label == "kubelet")
                .unwrap()
                .up
        );
        assert!(m.managed_control_plane.is_none());
        // Read-only view at the revision before the pods existed.
        let old = ClusterModel::build(c, Some(before));
        assert_eq!(old.pod_count(), system);
        assert_eq!(old.revision, before);
    }

    #[test]
    fn the_view_is_redrawn_for_pods_not_for_leases() {
        let mut w = World::new(1, Preset::Kind);
        w.step(15_000);
        let mut d = DrawnRevision::default();
        let first = d.update(&w.clusters["kind-kind"], 0);
        assert_eq!(first, w.clusters["kind-kind"].store.revision());
        // 10 s more: the kubelets renew their leases (etcd writes), nothing drawn changes.
        for _ in 0..100 {
            w.step(100);
            if d.update(&w.clusters["kind-kind"], 0) != first {
                panic!("redrawn for a write the view does not show");
            }
        }
        assert!(
            w.clusters["kind-kind"].store.revision() > first,
            "no lease was renewed"
        );
        let res = api::resource_for("pods").unwrap();
        w.api("kind-kind", "kubectl")
            .unwrap()
            .create(res, pod("web", None, "Pending", None))
            .unwrap();
        let after = d.update(&w.clusters["kind-kind"], 0);
        assert_eq!(after, w.clusters["kind-kind"].store.revision());
        // Another epoch (a rewind) redraws even when nothing new was written.
        assert_eq!(d.update(&w.clusters["kind-kind"], 1), after);
        assert_eq!(d.seen, after);
    }

    #[test]
    fn a_cached_build_equals_a_fresh_one_and_reads_only_pods_written_since() {
        let mut w = World::new(1, Preset::Kind);
        let res = api::resource_for("pods").unwrap();
        for (name, node) in [
            ("a", Some("kind-worker")),
            ("b", None),
            ("c", Some("kind-worker2")),
        ] {
            w.api("kind-kind", "kubectl")
                .unwrap()
                .create(res, pod(name, node, "Pending", None))
                .unwrap();
        }
        let mut cache = PodCards::default();
        let c = |w: &World| w.clusters["kind-kind"].clone();
        let first = ClusterModel::build_cached(&c(&w), None, 0, &mut cache);
        assert_eq!(first, ClusterModel::build(&c(&w), None));
        let card = |m: &ClusterModel, name: &str| {
            m.nodes
                .iter()
                .flat_map(|n| n.pods.iter())
                .chain(m.unscheduled.iter())
                .find(|p| p.name == name)
                .cloned()
        };
        // The scheduler binds b, the kubelets start the pods; b is deleted (gracefully).
        w.step(5_000);
        w.api("kind-kind", "kubectl")
            .unwrap()
            .delete(res, Some("default"), "b")
            .unwrap();
        let second = ClusterModel::build_cached(&c(&w), None, 0, &mut cache);
        assert_eq!(second, ClusterModel::build(&c(&w), None));
        assert_eq!(card(&second, "b").unwrap().state, PodState::Terminating);
        // a was written (its status): read again.
        assert!(!Rc::ptr_eq(
            &card(&second, "a").unwrap(),
            &card(&first, "a").unwrap()
        ));
        // Nothing written since: every card is the one already built (not read again).
        let third = ClusterModel::build_cached(&c(&w), None, 0, &mut cache);
        let (a2, a3) = (card(&second, "a").unwrap(), card(&third, "a").unwrap());
        assert!(Rc::ptr_eq(&a2, &a3));
        // Another epoch (a rewind: revisions may repeat) starts over.
        let other = ClusterModel::build_cached(&c(&w), None, 1, &mut cache);
        assert!(!Rc::ptr_eq(&card(&other, "a").unwrap(), &a3));
        assert_eq!(other, third);
    }

    #[test]
    fn managed_clusters_show_a_control_plane_box() {
        let w = World::new(1, Preset::Managed);
        let c = w.clusters.values().next().unwrap();
        let m = ClusterModel::build(c, None);
        assert!(m.nodes.iter().all(|n| !n.control_plane));
        assert_eq!(m.managed_control_plane.map(|c| c.len()), Some(5));
    }
}
