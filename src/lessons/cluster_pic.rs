//! The picture of one cluster: nodes (control planes first) with their components and pods,
//! pods waiting for a node, Services with their endpoints. The one reading of a [`Cluster`]
//! for drawing it: the cluster view (`ui::cluster`, every pod, at any retained revision) and
//! the lessons' ```` ```diagram cluster ```` blocks ([`super::diagram`], pods of some
//! namespaces by name, the others counted) both draw a [`ClusterPic`].
//!
//! Plain data with `PartialEq`; nodes and pods are shared (`Rc`) so that an unchanged node
//! compares equal at once and its drawing is skipped, and [`PodCards`] keeps the pods of the
//! previous build: a pod not written since is not read again (3,000 pods make most of a
//! build's work, and a tick changes few of them).
//!
//! ```
//! use kubesim::lessons::cluster_pic::{ClusterPic, Options};
//! use kubesim::sim::{World, presets::Preset};
//! let w = World::new(1, Preset::Kind);
//! let all = Options { namespace: Some("*"), ..Options::default() };
//! let pic = ClusterPic::build(&w.clusters["kind-kind"], &all);
//! assert_eq!(pic.nodes.len(), 3);
//! assert!(pic.pod_count() > 0); // kube-system's pods, by name
//! ```

use crate::sim::api;
use crate::sim::store::KeyValue;
use crate::sim::value::Value;
use crate::sim::world::Cluster;
use crate::sort::SortSmall;
use crate::term::kubectl::tables;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A component, its fault name ([`Cluster::down`]: `kubelet/<node>`, `etcd/<node>`,
/// `kube-scheduler`...) and whether it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comp {
    pub name: String,
    pub key: String,
    pub up: bool,
}

/// How a pod looks: kubectl's STATUS column, and its family for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Pending,
    Creating,
    Running,
    Done,
    Crash,
    Terminating,
    Failed,
}

impl Tone {
    /// The family of a kubectl STATUS value.
    pub fn of(status: &str) -> Tone {
        match status {
            "Running" => Tone::Running,
            "Pending" | "SchedulingGated" => Tone::Pending,
            "ContainerCreating" | "PodInitializing" => Tone::Creating,
            "Completed" | "Succeeded" => Tone::Done,
            "CrashLoopBackOff" => Tone::Crash,
            "Terminating" | "Unknown" => Tone::Terminating,
            s if s.starts_with("Init:") && !s.contains("Error") && !s.contains("BackOff") => {
                Tone::Creating
            }
            _ => Tone::Failed,
        }
    }
    /// The CSS class both drawings colour a pod with.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Pending => "ph-pending",
            Tone::Creating => "ph-creating",
            Tone::Running => "ph-running",
            Tone::Done => "ph-done",
            Tone::Crash => "ph-crash",
            Tone::Terminating => "ph-terminating",
            Tone::Failed => "ph-failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPic {
    pub namespace: String,
    pub name: String,
    /// kubectl's STATUS column.
    pub status: String,
    pub tone: Tone,
}

impl PodPic {
    /// The picture of a stored pod.
    pub fn of(pod: &Value) -> PodPic {
        let status = tables::pod_summary(pod).reason;
        PodPic {
            namespace: api::namespace_of(pod).unwrap_or("default").to_string(),
            name: api::name_of(pod).to_string(),
            tone: Tone::of(&status),
            status,
        }
    }
}

/// A node's Ready condition as `kubectl get nodes` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    NotReady,
    /// No Ready condition yet.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePic {
    pub name: String,
    pub control_plane: bool,
    pub ready: Readiness,
    pub powered: bool,
    pub unschedulable: bool,
    /// Control-plane components first (on control-plane nodes), then kubelet, kube-proxy and
    /// the container runtime.
    pub components: Vec<Comp>,
    /// The pods shown by name (see [`Options::namespace`]).
    pub pods: Vec<Rc<PodPic>>,
    /// The other pods (those of system namespaces by default), counted.
    pub other_pods: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePic {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub cluster_ip: String,
    /// LoadBalancer only: the external address, or `None` while `<pending>`.
    pub external: Option<Option<String>>,
    /// Ready endpoints as `pod-name (10.244.1.3)`, or the bare IP.
    pub endpoints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterPic {
    pub cluster: String,
    /// The control plane of a managed cluster (no control-plane node visible): its components.
    pub managed: Option<Vec<Comp>>,
    /// Control-plane nodes first, then workers, by name.
    pub nodes: Vec<Rc<NodePic>>,
    /// Pods no node was chosen for (shown by name, same filter as nodes).
    pub unscheduled: Vec<Rc<PodPic>>,
    pub services: Vec<ServicePic>,
    /// `namespace=` as given (`None`: all but the system namespaces).
    pub namespace: Option<String>,
}

/// What to read: which revision, which pods by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options<'a> {
    /// `None`: all but the system namespaces ([`is_system_namespace`]), whose pods are
    /// counted on their node; `Some("*")`: every pod; `Some(ns)`: that namespace's.
    pub namespace: Option<&'a str>,
    /// A retained etcd revision to read (the read-only view of the past); a compacted one
    /// falls back to the latest. `None`: the latest.
    pub at_revision: Option<i64>,
}

/// Namespaces of the cluster's own machinery (kube-system, kind's local-path-storage,
/// kube-flannel, calico-system...), counted rather than named by default.
pub fn is_system_namespace(ns: &str) -> bool {
    ns.starts_with("kube-") || ns.ends_with("-system") || ns == "local-path-storage"
}

fn shown(namespace_filter: Option<&str>, ns: &str) -> bool {
    match namespace_filter {
        None => !is_system_namespace(ns),
        Some("*") => true,
        Some(f) => f == ns,
    }
}

fn comp(c: &Cluster, name: &str, key: String) -> Comp {
    Comp {
        name: name.to_string(),
        up: c.is_up(&key),
        key,
    }
}

/// The control-plane components of `c`, as they run on `node` (`None`: a managed cluster).
pub(crate) fn cp_components(c: &Cluster, node: Option<&str>) -> Vec<Comp> {
    let etcd_key = node.map_or("etcd".to_string(), |n| format!("etcd/{n}"));
    let mut v = vec![
        comp(c, "kube-apiserver", "kube-apiserver".into()),
        comp(c, "etcd", etcd_key),
        comp(c, "kube-scheduler", "kube-scheduler".into()),
        comp(
            c,
            "kube-controller-manager",
            "kube-controller-manager".into(),
        ),
    ];
    // Only clusters with a cloud provider run one (kind, minikube and kubeadm do not).
    if c.cloud_provider.is_some() {
        v.push(comp(
            c,
            "cloud-controller-manager",
            "cloud-controller-manager".into(),
        ));
    }
    v
}

fn ready(node: &Value) -> Readiness {
    let status = node
        .path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        .and_then(|c| c.get("status").and_then(Value::as_str));
    match status {
        Some("True") => Readiness::Ready,
        Some(_) => Readiness::NotReady,
        None => Readiness::Unknown,
    }
}

/// The pods of the previous build, by etcd key, with the revision they were read at and
/// their node.
#[derive(Debug, Default)]
pub struct PodCards {
    /// (cluster, world epoch) the cards belong to: revisions only identify a pod's version
    /// within one store's history.
    of: (String, u64),
    cards: BTreeMap<String, (i64, Option<String>, Rc<PodPic>)>,
}

impl ClusterPic {
    /// The picture of `c` (see [`Options`]).
    pub fn build(c: &Cluster, opts: &Options) -> ClusterPic {
        ClusterPic::build_cached(c, opts, 0, &mut PodCards::default())
    }

    /// [`ClusterPic::build`], reusing the pods of the previous build in `cache` (`epoch`:
    /// bumped whenever the world is replaced, so that repeated revisions are not mistaken
    /// for the same pod version).
    pub fn build_cached(
        c: &Cluster,
        opts: &Options,
        epoch: u64,
        cache: &mut PodCards,
    ) -> ClusterPic {
        if cache.of.0 != c.name || cache.of.1 != epoch {
            *cache = PodCards {
                of: (c.name.clone(), epoch),
                cards: BTreeMap::new(),
            };
        }
        let mut old_cards = std::mem::take(&mut cache.cards);
        let store = &c.store;
        let list = |prefix: &'static str| -> Vec<&KeyValue> {
            match opts.at_revision {
                Some(rev) => match store.range_at(prefix, rev) {
                    Ok(it) => it.collect(),
                    Err(_) => store.range(prefix).collect(),
                },
                None => store.range(prefix).collect(),
            }
        };
        let mut nodes: Vec<NodePic> = Vec::new();
        for kv in list("/registry/minions/") {
            let n = &kv.value;
            let name = api::name_of(n).to_string();
            let control_plane = n
                .path(&[
                    "metadata",
                    "labels",
                    "node-role.kubernetes.io/control-plane",
                ])
                .is_some();
            let mut components = if control_plane {
                cp_components(c, Some(&name))
            } else {
                Vec::new()
            };
            components.push(comp(c, "kubelet", format!("kubelet/{name}")));
            components.push(comp(c, "kube-proxy", format!("kube-proxy/{name}")));
            // containerd://2.1.4 → containerd, cri-o://1.34 → cri-o. The fault is always
            // `containerd/<node>` (the simulation's name for the node's runtime).
            let runtime = n
                .path(&["status", "nodeInfo", "containerRuntimeVersion"])
                .and_then(Value::as_str)
                .and_then(|v| v.split("://").next())
                .filter(|r| !r.is_empty())
                .unwrap_or("containerd");
            components.push(comp(c, runtime, format!("containerd/{name}")));
            nodes.push(NodePic {
                ready: ready(n),
                powered: c.is_up(&format!("node/{name}")),
                unschedulable: n.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true)),
                name,
                control_plane,
                components,
                pods: Vec::new(),
                other_pods: 0,
            });
        }
        // Control planes first; the store lists names in order within each group.
        nodes.sort_small_by_key(|n| !n.control_plane);
        let index: BTreeMap<String, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        let mut unscheduled = Vec::new();
        for kv in list("/registry/pods/") {
            let (key, (_, node_name, card)) = match old_cards.remove_entry(&*kv.key) {
                Some((key, (rev, node_name, card))) if rev == kv.mod_revision => {
                    (key, (rev, node_name, card))
                }
                _ => {
                    let pod = &kv.value;
                    let node_name = pod
                        .path(&["spec", "nodeName"])
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    (
                        kv.key.to_string(),
                        (kv.mod_revision, node_name, Rc::new(PodPic::of(pod))),
                    )
                }
            };
            let node = node_name
                .as_deref()
                .and_then(|n| index.get(n))
                .and_then(|&i| nodes.get_mut(i));
            match (node, shown(opts.namespace, &card.namespace)) {
                (Some(n), true) => n.pods.push(Rc::clone(&card)),
                (Some(n), false) => n.other_pods += 1,
                (None, true) => unscheduled.push(Rc::clone(&card)),
                (None, false) => {}
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
            .filter_map(|kv| {
                let s = &kv.value;
                let namespace = api::namespace_of(s).unwrap_or("default").to_string();
                if !shown(opts.namespace, &namespace) {
                    return None;
                }
                let name = api::name_of(s).to_string();
                let str_at = |p: &[&str]| s.path(p).and_then(Value::as_str).unwrap_or("");
                let kind = match str_at(&["spec", "type"]) {
                    "" => "ClusterIP",
                    t => t,
                }
                .to_string();
                let external = (kind == "LoadBalancer").then(|| {
                    s.path(&["status", "loadBalancer", "ingress"])
                        .and_then(Value::as_seq)
                        .and_then(|i| i.first())
                        .and_then(|i| i.get("ip").or_else(|| i.get("hostname")))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                Some(ServicePic {
                    endpoints: endpoints
                        .remove(&format!("{namespace}/{name}"))
                        .unwrap_or_default(),
                    cluster_ip: str_at(&["spec", "clusterIP"]).to_string(),
                    namespace,
                    name,
                    kind,
                    external,
                })
            })
            .collect();
        let managed = (!nodes.iter().any(|n| n.control_plane)).then(|| cp_components(c, None));
        ClusterPic {
            cluster: c.name.clone(),
            managed,
            nodes: nodes.into_iter().map(Rc::new).collect(),
            unscheduled,
            services,
            namespace: opts.namespace.map(str::to_string),
        }
    }

    pub fn control_planes(&self) -> impl Iterator<Item = &NodePic> {
        self.nodes.iter().map(|n| &**n).filter(|n| n.control_plane)
    }
    pub fn workers(&self) -> impl Iterator<Item = &NodePic> {
        self.nodes.iter().map(|n| &**n).filter(|n| !n.control_plane)
    }
    /// Pods shown by name, on nodes or waiting for one.
    pub fn pod_count(&self) -> usize {
        self.unscheduled.len() + self.nodes.iter().map(|n| n.pods.len()).sum::<usize>()
    }
}

/// A Pod object for tests of the cluster picture and of what draws it (`ui::model`).
#[cfg(test)]
pub(crate) fn test_pod(
    name: &str,
    node: Option<&str>,
    phase: &str,
    waiting: Option<&str>,
) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    const ALL: Options = Options {
        namespace: Some("*"),
        at_revision: None,
    };

    use super::test_pod as pod;

    #[test]
    fn pod_tones_follow_kubectl_status() {
        for (p, status, tone) in [
            (pod("a", None, "Pending", None), "Pending", Tone::Pending),
            (
                pod("a", Some("n"), "Running", None),
                "Running",
                Tone::Running,
            ),
            (
                pod("a", Some("n"), "Running", Some("CrashLoopBackOff")),
                "CrashLoopBackOff",
                Tone::Crash,
            ),
            (
                pod("a", Some("n"), "Pending", Some("ImagePullBackOff")),
                "ImagePullBackOff",
                Tone::Failed,
            ),
            (
                pod("a", Some("n"), "Succeeded", None),
                "Succeeded",
                Tone::Done,
            ),
        ] {
            let pic = PodPic::of(&p);
            assert_eq!((pic.status.as_str(), pic.tone), (status, tone));
        }
        let mut t = pod("a", Some("n"), "Running", None);
        t.path_mut_or_insert(&["metadata"])
            .set("deletionTimestamp", "2026-01-05T09:00:00Z");
        assert_eq!(PodPic::of(&t).tone, Tone::Terminating);
        assert_eq!(Tone::of("Init:0/1"), Tone::Creating);
        assert_eq!(Tone::of("Init:CrashLoopBackOff"), Tone::Failed);
    }

    #[test]
    fn nodes_pods_components_and_history() {
        let mut w = World::new(1, Preset::Kind);
        let res = api::resource_for("pods").unwrap();
        let before = w.clusters["kind-kind"].store.revision();
        // The preset's system pods (kube-system) are there from the start.
        let system = ClusterPic::build(&w.clusters["kind-kind"], &ALL).pod_count();
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
        let m = ClusterPic::build(c, &ALL);
        assert_eq!(m.pod_count(), system + 2);
        let worker = m.nodes.iter().find(|n| n.name == "kind-worker").unwrap();
        let web = worker.pods.iter().find(|p| p.name == "web").unwrap();
        assert_eq!(web.namespace, "default");
        assert_eq!(web.tone, Tone::Running);
        assert!(m.unscheduled.iter().any(|p| p.name == "wait"));
        let cp = m.nodes.iter().find(|n| n.control_plane).unwrap();
        assert!(cp
            .components
            .iter()
            .any(|c| c.name == "etcd" && c.key == "etcd/kind-control-plane"));
        let w2 = m.nodes.iter().find(|n| n.name == "kind-worker2").unwrap();
        assert!(
            !w2.components
                .iter()
                .find(|c| c.name == "kubelet")
                .unwrap()
                .up
        );
        assert!(m.managed.is_none());
        // Read-only view at the revision before the pods existed.
        let old = ClusterPic::build(
            c,
            &Options {
                at_revision: Some(before),
                ..ALL
            },
        );
        assert_eq!(old.pod_count(), system);
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
        let first = ClusterPic::build_cached(&c(&w), &ALL, 0, &mut cache);
        assert_eq!(first, ClusterPic::build(&c(&w), &ALL));
        let card = |m: &ClusterPic, name: &str| {
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
        let second = ClusterPic::build_cached(&c(&w), &ALL, 0, &mut cache);
        assert_eq!(second, ClusterPic::build(&c(&w), &ALL));
        assert_eq!(card(&second, "b").unwrap().tone, Tone::Terminating);
        // a was written (its status): read again.
        assert!(!Rc::ptr_eq(
            &card(&second, "a").unwrap(),
            &card(&first, "a").unwrap()
        ));
        // Nothing written since: every card is the one already built (not read again).
        let third = ClusterPic::build_cached(&c(&w), &ALL, 0, &mut cache);
        let (a2, a3) = (card(&second, "a").unwrap(), card(&third, "a").unwrap());
        assert!(Rc::ptr_eq(&a2, &a3));
        // Another epoch (a rewind: revisions may repeat) starts over.
        let other = ClusterPic::build_cached(&c(&w), &ALL, 1, &mut cache);
        assert!(!Rc::ptr_eq(&card(&other, "a").unwrap(), &a3));
        assert_eq!(other, third);
    }

    #[test]
    fn managed_clusters_show_a_control_plane_box() {
        let w = World::new(1, Preset::Managed);
        let c = w.clusters.values().next().unwrap();
        let m = ClusterPic::build(c, &ALL);
        assert!(m.nodes.iter().all(|n| !n.control_plane));
        assert_eq!(m.managed.map(|c| c.len()), Some(5));
    }
}
