//! kube-scheduler: a queue of unscheduled pods, Filter and Score plugins, bind.
//!
//! Start with [`step`]: it reads the store's changes since the last step (an informer, not a
//! re-list), keeps a cache of every node's allocatable resources minus what its bound pods
//! request ([`NodeInfo`]), then pops eligible pods from the queue and runs one scheduling
//! cycle each:
//! 1. Filter, in the default profile's order ([`FILTERS`]): NodeUnschedulable, NodeName,
//!    TaintToleration, NodeAffinity (with nodeSelector), NodePorts, NodeResourcesFit,
//!    PodTopologySpread. Like upstream, a node stops at its first failing plugin and, on big
//!    clusters, the search stops after `numFeasibleNodesToFind` feasible nodes (adaptive
//!    percentage, at least 100), starting where the previous cycle stopped.
//! 2. Score the feasible nodes ([`SCORES`]): NodeResourcesFit (LeastAllocated),
//!    NodeResourcesBalancedAllocation, ImageLocality; the best total wins, ties are broken with
//!    the World's rng (upstream uses reservoir sampling).
//! 3. Bind: `spec.nodeName` and `PodScheduled=True` are written through the API server as
//!    `kube-scheduler`, with a `Scheduled` event from `default-scheduler`.
//!
//! A pod no node fits gets `PodScheduled=False` (reason `Unschedulable`) and a
//! `FailedScheduling` warning worded like upstream's `FitError.Error()`:
//! `0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.`
//! It is retried after a back-off (1 s doubling up to 10 s) once the cluster changed (a node
//! was added or changed in a way that matters, a bound pod went away), or after 5 minutes.
//!
//! Every cycle leaves an [`Explanation`] (per node: the failing plugin and its reasons, or the
//! scores) that the UI reads with [`explain`].
//!
//! ```
//! use kubesim::sim::{World, presets::Preset, scheduler, api::resource_for, value::Value};
//! let mut w = World::new(1, Preset::Kind);
//! let mut pod = Value::map();
//! pod.path_mut_or_insert(&["metadata"]).set("name", "web");
//! let mut c = Value::map();
//! c.set("name", "web");
//! c.set("image", "nginx");
//! pod.path_mut_or_insert(&["spec"]).set("containers", Value::Seq(vec![c].into()));
//! w.api("kind-kind", "kubectl").unwrap().create(resource_for("pods").unwrap(), pod).unwrap();
//! w.step(1000);
//! assert!(w.clusters["kind-kind"].scheduler.counters.attempts >= 1);
//! assert!(scheduler::explain(&w.clusters["kind-kind"], "default", "web").is_some());
//! ```

use super::api::{self, resource_for_kind};
use super::clock::SimTime;
use super::events;
use super::quantity::{parse_milli, parse_value};
use super::store::EventKind;
use super::value::{shared_recent, Value};
use super::world::{Cluster, World};
use crate::sort::SortSmall;
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// The scheduler name pods get by default (and the events' `source.component`).
pub const DEFAULT_SCHEDULER: &str = "default-scheduler";
/// `podInitialBackoffSeconds` and `podMaxBackoffSeconds` defaults.
pub const INITIAL_BACKOFF_MS: u64 = 1_000;
pub const MAX_BACKOFF_MS: u64 = 10_000;
/// `podMaxInUnschedulablePodsDuration`: an unschedulable pod is retried at least this often.
pub const MAX_UNSCHEDULABLE_MS: u64 = 5 * 60 * 1000;
/// How many explanations are kept (the oldest are dropped first).
pub const EXPLAIN_CAPACITY: usize = 64;
/// Requests the scorers assume for containers that set none (upstream's
/// `DefaultMilliCPURequest` / `DefaultMemoryRequest`).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Filter plugins in the default profile's order.
pub const FILTERS: [&str; 7] = [
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "PodTopologySpread",
];
/// Score plugins (all weight 1 in the default profile).
pub const SCORES: [&str; 3] = [
    "NodeResourcesFit",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
];

/// What the scheduler knows about one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub name: Arc<str>,
    pub labels: BTreeMap<String, String>,
    /// `(key, value, effect)`.
    pub taints: Vec<(String, String, String)>,
    pub unschedulable: bool,
    pub alloc_milli_cpu: i64,
    pub alloc_memory: i64,
    pub alloc_pods: i64,
    pub req_milli_cpu: i64,
    pub req_memory: i64,
    pub pods: i64,
    /// The requests the scorers see (containers without requests count as 100m / 200Mi).
    pub nonzero_milli_cpu: i64,
    pub nonzero_memory: i64,
    /// `(protocol, hostIP, hostPort)` in use.
    pub used_ports: Vec<(String, String, i64)>,
    /// Image names (every tag/digest name) → size in bytes, from `status.images`.
    pub images: BTreeMap<String, i64>,
}

impl NodeInfo {
    /// Builds the cache entry from a Node object (no pods accounted yet).
    pub fn from_node(node: &Value) -> NodeInfo {
        let labels = str_map(node.path(&["metadata", "labels"]));
        let taints = node
            .path(&["spec", "taints"])
            .and_then(Value::as_seq)
            .map(|ts| {
                ts.iter()
                    .map(|t| {
                        let s =
                            |f: &str| t.get(f).and_then(Value::as_str).unwrap_or("").to_string();
                        (s("key"), s("value"), s("effect"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let alloc = |r: &str, milli: bool| {
            node.path(&["status", "allocatable", r])
                .and_then(quantity_str)
                .and_then(|q| {
                    if milli {
                        parse_milli(&q)
                    } else {
                        parse_value(&q)
                    }
                })
                .unwrap_or(0)
        };
        let mut images = BTreeMap::new();
        for img in node
            .path(&["status", "images"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let size = img.get("sizeBytes").and_then(Value::as_i64).unwrap_or(0);
            for n in img
                .get("names")
                .and_then(Value::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(n) = n.as_str() {
                    images.insert(normalize_image(n), size);
                }
            }
        }
        NodeInfo {
            name: Arc::from(api::name_of(node)),
            labels,
            taints,
            unschedulable: node.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true)),
            alloc_milli_cpu: alloc("cpu", true),
            alloc_memory: alloc("memory", false),
            alloc_pods: alloc("pods", false),
            req_milli_cpu: 0,
            req_memory: 0,
            pods: 0,
            nonzero_milli_cpu: 0,
            nonzero_memory: 0,
            used_ports: Vec::new(),
            images,
        }
    }

    fn add(&mut self, p: &BoundPod, sign: i64) {
        self.req_milli_cpu += sign * p.milli_cpu;
        self.req_memory += sign * p.memory;
        self.nonzero_milli_cpu += sign * p.nonzero_milli_cpu;
        self.nonzero_memory += sign * p.nonzero_memory;
        self.pods += sign;
        for port in &p.ports {
            if sign > 0 {
                self.used_ports.push(port.clone());
            } else if let Some(i) = self.used_ports.iter().position(|u| u == port) {
                self.used_ports.swap_remove(i);
            }
        }
    }

    /// What makes a retry worthwhile when it changes (heartbeats and image lists do not:
    /// images only change scores).
    fn same_scheduling_inputs(&self, other: &NodeInfo) -> bool {
        self.labels == other.labels
            && self.taints == other.taints
            && self.unschedulable == other.unschedulable
            && self.alloc_milli_cpu == other.alloc_milli_cpu
            && self.alloc_memory == other.alloc_memory
            && self.alloc_pods == other.alloc_pods
    }
}

/// A pod the cache counts against a node.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundPod {
    pub node: Arc<str>,
    pub milli_cpu: i64,
    pub memory: i64,
    pub nonzero_milli_cpu: i64,
    pub nonzero_memory: i64,
    pub ports: Vec<(String, String, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
struct QueueEntry {
    seq: u64,
    priority: i64,
    attempts: u32,
    next_at: SimTime,
    /// The cluster generation when the pod was found unschedulable.
    unschedulable_at: Option<(u64, SimTime)>,
}

/// One node's verdict in a scheduling cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeVerdict {
    pub node: Arc<str>,
    /// The first filter plugin that rejected the node and its reasons; plugins before it in
    /// [`FILTERS`] passed, plugins after it did not run. `None`: every filter passed.
    pub failed: Option<(&'static str, Vec<Cow<'static, str>>)>,
    /// Scores (0–100) per [`SCORES`] plugin, for feasible nodes.
    pub scores: Option<[i64; 3]>,
}

impl NodeVerdict {
    pub fn total(&self) -> Option<i64> {
        self.scores.map(|s| s.iter().sum())
    }
}

/// Why a pod went (or did not go) where it did, for the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub at: SimTime,
    pub attempt: u32,
    /// Nodes in the order they were evaluated (a big cluster stops early, see module docs).
    pub nodes: Vec<NodeVerdict>,
    pub chosen: Option<Arc<str>>,
    /// The `Scheduled` or `FailedScheduling` event message.
    pub message: String,
}

/// Counters for benchmarks and the UI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub attempts: u64,
    pub scheduled: u64,
    pub unschedulable: u64,
    pub nodes_evaluated: u64,
}

/// This component's state for one cluster (kept in [`super::world::Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {
    last_revision: i64,
    synced: bool,
    /// Sorted by name.
    nodes: Vec<NodeInfo>,
    bound: BTreeMap<String, BoundPod>,
    queue: BTreeMap<String, QueueEntry>,
    seq: u64,
    generation: u64,
    next_start_node_index: usize,
    /// How many nodes hold each image (for ImageLocality's spread factor).
    image_nodes: BTreeMap<String, u32>,
    explanations: BTreeMap<String, Explanation>,
    explanation_order: VecDeque<String>,
    pub counters: Counters,
}

impl State {
    /// Pods waiting in the queue (`namespace/name`), in key order.
    pub fn pending(&self) -> impl Iterator<Item = String> + '_ {
        self.queue
            .keys()
            .map(|k| k.trim_start_matches("/registry/pods/").to_string())
    }
    pub fn node_info(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes
            .binary_search_by(|n| (*n.name).cmp(name))
            .ok()
            .and_then(|i| self.nodes.get(i))
    }
    fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.binary_search_by(|n| (*n.name).cmp(name)).ok()
    }
}

/// The last scheduling explanation of a pod, if one is still kept.
pub fn explain<'a>(cluster: &'a Cluster, ns: &str, pod: &str) -> Option<&'a Explanation> {
    cluster
        .scheduler
        .explanations
        .get(&format!("/registry/pods/{ns}/{pod}"))
}

/// What the scheduler needs from a pod, parsed once per cycle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodReq {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub node_name: Option<String>,
    pub milli_cpu: i64,
    pub memory: i64,
    pub nonzero_milli_cpu: i64,
    pub nonzero_memory: i64,
    pub ports: Vec<(String, String, i64)>,
    pub node_selector: BTreeMap<String, String>,
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (ORed).
    pub affinity_terms: Option<Vec<Value>>,
    /// The one node `affinity_terms` allow when they are a single `metadata.name In [x]`
    /// field term, as the DaemonSet controller pins its pods: each such pod is filtered
    /// against every node, and a string comparison decides what the terms would.
    pub affinity_pin: Option<String>,
    pub tolerations: Vec<Value>,
    pub spread: Vec<Spread>,
    pub images: Vec<String>,
    pub priority: i64,
    pub preemption_never: bool,
}

/// One `topologySpreadConstraints` entry with `whenUnsatisfiable: DoNotSchedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub max_skew: i64,
    pub topology_key: String,
    pub selector: Value,
    /// Matching pods per domain (filled in PreFilter), and the minimum over eligible domains.
    pub counts: BTreeMap<String, i64>,
    pub min: i64,
    pub self_match: i64,
}

impl PodReq {
    pub fn from_pod(pod: &Value) -> PodReq {
        let spec = pod.get("spec");
        let sp = |k: &str| spec.and_then(|s| s.get(k));
        let mut req = PodReq {
            namespace: api::namespace_of(pod).unwrap_or("default").to_string(),
            labels: str_map(pod.path(&["metadata", "labels"])),
            node_name: sp("nodeName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            node_selector: str_map(sp("nodeSelector")),
            affinity_terms: sp("affinity")
                .and_then(|a| {
                    a.path(&[
                        "nodeAffinity",
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        "nodeSelectorTerms",
                    ])
                })
                .and_then(Value::as_seq)
                .map(|s| s.to_vec()),
            tolerations: sp("tolerations")
                .and_then(Value::as_seq)
                .map(|s| s.to_vec())
                .unwrap_or_default(),
            priority: sp("priority").and_then(Value::as_i64).unwrap_or(0),
            preemption_never: sp("preemptionPolicy").and_then(Value::as_str) == Some("Never"),
            ..Default::default()
        };
        req.affinity_pin = req.affinity_terms.as_deref().and_then(pinned_node);
        let (mut cpu, mut mem, mut nz_cpu, mut nz_mem) = (0, 0, 0, 0);
        for c in seq(sp("containers")) {
            let (c_cpu, c_mem) = container_requests(c);
            cpu += c_cpu.unwrap_or(0);
            mem += c_mem.unwrap_or(0);
            nz_cpu += c_cpu.unwrap_or(DEFAULT_MILLI_CPU_REQUEST);
            nz_mem += c_mem.unwrap_or(DEFAULT_MEMORY_REQUEST);
            if let Some(img) = c.get("image").and_then(Value::as_str) {
                req.images.push(normalize_image(img));
            }
            for p in seq(c.get("ports")) {
                if let Some(hp) = p.get("hostPort").and_then(Value::as_i64).filter(|p| *p > 0) {
                    let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    let ip = p.get("hostIP").and_then(Value::as_str).unwrap_or("0.0.0.0");
                    req.ports.push((proto.to_string(), ip.to_string(), hp));
                }
            }
        }
        // Init containers run one at a time: the pod needs the biggest of them.
        for c in seq(sp("initContainers")) {
            let (c_cpu, c_mem) = container_requests(c);
            cpu = cpu.max(c_cpu.unwrap_or(0));
            mem = mem.max(c_mem.unwrap_or(0));
        }
        req.milli_cpu = cpu;
        req.memory = mem;
        req.nonzero_milli_cpu = nz_cpu.max(cpu);
        req.nonzero_memory = nz_mem.max(mem);
        for c in seq(sp("topologySpreadConstraints")) {
            if c.get("whenUnsatisfiable").and_then(Value::as_str) != Some("DoNotSchedule") {
                continue;
            }
            let selector = c.get("labelSelector").cloned().unwrap_or(Value::Null);
            let self_match = i64::from(label_selector_matches(&selector, &req.labels));
            req.spread.push(Spread {
                max_skew: c.get("maxSkew").and_then(Value::as_i64).unwrap_or(1).max(1),
                topology_key: c
                    .get("topologyKey")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                selector,
                counts: BTreeMap::new(),
                min: 0,
                self_match,
            });
        }
        req
    }

    fn bound_on(&self, node: Arc<str>) -> BoundPod {
        BoundPod {
            node,
            milli_cpu: self.milli_cpu,
            memory: self.memory,
            nonzero_milli_cpu: self.nonzero_milli_cpu,
            nonzero_memory: self.nonzero_memory,
            ports: self.ports.clone(),
        }
    }
}

fn container_requests(c: &Value) -> (Option<i64>, Option<i64>) {
    // Limits default the requests when only limits are given (apiserver defaulting).
    let get = |r: &str, milli: bool| {
        c.path(&["resources", "requests", r])
            .or_else(|| c.path(&["resources", "limits", r]))
            .and_then(quantity_str)
            .and_then(|q| {
                if milli {
                    parse_milli(&q)
                } else {
                    parse_value(&q)
                }
            })
    };
    (get("cpu", true), get("memory", false))
}

fn quantity_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

fn seq(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_seq).into_iter().flatten()
}

fn str_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_map)
        .map(|m| {
            crate::sort::map_of(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or("").to_string())),
            )
        })
        .unwrap_or_default()
}

/// `nginx` → `docker.io/library/nginx:latest`, as the container runtime names images.
pub fn normalize_image(image: &str) -> String {
    let (name, tagged) = match image.rsplit_once('/') {
        Some((_, last)) => (image, last.contains(':') || last.contains('@')),
        None => (image, image.contains(':') || image.contains('@')),
    };
    let mut out = String::new();
    let first = name.split('/').next().unwrap_or("");
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if !has_registry {
        out.push_str("docker.io/");
        if !name.contains('/') {
            out.push_str("library/");
        }
    }
    out.push_str(name);
    if !tagged {
        out.push_str(":latest");
    }
    out
}

/// Does a `metav1.LabelSelector` (`matchLabels` + `matchExpressions`) select these labels?
/// A null selector selects nothing, an empty one everything (as upstream).
pub fn label_selector_matches(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = selector.as_map() else {
        return false;
    };
    if let Some(ml) = sel.get("matchLabels").and_then(Value::as_map) {
        for (k, v) in ml {
            if labels.get(k).map(String::as_str) != v.as_str() {
                return false;
            }
        }
    }
    for e in seq(sel.get("matchExpressions")) {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = seq(e.get("values")).filter_map(Value::as_str).collect();
        let have = labels.get(key).map(String::as_str);
        let ok = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Does a node selector term (`matchExpressions` on labels, `matchFields` on
/// `metadata.name`) match? An empty term matches nothing.
/// `Some(x)` when `terms` match exactly the node named `x` by [`node_selector_term_matches`]:
/// one term, no label expressions, one field expression `metadata.name In [x]`.
fn pinned_node(terms: &[Value]) -> Option<String> {
    let [term] = terms else { return None };
    if seq(term.get("matchExpressions")).next().is_some() {
        return None;
    }
    let mut fields = seq(term.get("matchFields"));
    let (Some(e), None) = (fields.next(), fields.next()) else {
        return None;
    };
    let s = |f: &str| e.get(f).and_then(Value::as_str).unwrap_or("");
    if s("key") != "metadata.name" || s("operator") != "In" {
        return None;
    }
    let mut values = seq(e.get("values")).filter_map(Value::as_str);
    match (values.next(), values.next()) {
        (Some(x), None) => Some(x.to_string()),
        _ => None,
    }
}

fn node_selector_term_matches(term: &Value, node: &NodeInfo) -> bool {
    // No allocation here: a DaemonSet pod pinned to one node is checked against every node.
    let mut exprs = seq(term.get("matchExpressions")).peekable();
    let mut fields = seq(term.get("matchFields")).peekable();
    if exprs.peek().is_none() && fields.peek().is_none() {
        return false;
    }
    let check = |e: &Value, have: Option<&str>| {
        let mut values = seq(e.get("values")).filter_map(Value::as_str);
        let num = |s: &str| s.parse::<i64>().ok();
        match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| values.any(|v| v == h)),
            "NotIn" => have.is_none_or(|h| !values.any(|v| v == h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            "Gt" => {
                matches!((have.and_then(num), values.next().and_then(num)), (Some(h), Some(v)) if h > v)
            }
            "Lt" => {
                matches!((have.and_then(num), values.next().and_then(num)), (Some(h), Some(v)) if h < v)
            }
            _ => false,
        }
    };
    exprs.all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        check(e, node.labels.get(key).map(String::as_str))
    }) && fields.all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        key == "metadata.name" && check(e, Some(&node.name))
    })
}

fn tolerates(tol: &Value, key: &str, value: &str, effect: &str) -> bool {
    let s = |f: &str| tol.get(f).and_then(Value::as_str).unwrap_or("");
    let t_effect = s("effect");
    if !t_effect.is_empty() && t_effect != effect {
        return false;
    }
    let t_key = s("key");
    match s("operator") {
        "Exists" => t_key.is_empty() || t_key == key,
        "" | "Equal" => t_key == key && s("value") == value,
        _ => false,
    }
}

/// A filter's rejection: its reasons and whether preemption could help.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub reasons: Vec<Cow<'static, str>>,
    /// `UnschedulableAndUnresolvable` upstream: evicting pods would not help.
    pub unresolvable: bool,
}

fn reject(reason: impl Into<Cow<'static, str>>, unresolvable: bool) -> Result<(), Rejection> {
    Err(Rejection {
        reasons: vec![reason.into()],
        unresolvable,
    })
}

/// Runs filter plugin `plugin` (one of [`FILTERS`]) for `pod` on `node`.
pub fn filter(plugin: &str, pod: &PodReq, node: &NodeInfo) -> Result<(), Rejection> {
    match FILTERS.iter().position(|p| *p == plugin) {
        Some(i) => filter_at(i, pod, node),
        None => Ok(()),
    }
}

/// [`filter`] by position in [`FILTERS`]: the scheduling loop runs 7 filters on hundreds of
/// nodes per pod, so it dispatches on an index rather than comparing plugin names.
fn filter_at(plugin: usize, pod: &PodReq, node: &NodeInfo) -> Result<(), Rejection> {
    match plugin {
        0 => {
            if node.unschedulable
                && !pod
                    .tolerations
                    .iter()
                    .any(|t| tolerates(t, "node.kubernetes.io/unschedulable", "", "NoSchedule"))
            {
                return reject("node(s) were unschedulable", true);
            }
            Ok(())
        }
        1 => match &pod.node_name {
            Some(n) if **n != *node.name => {
                reject("node(s) didn't match the requested node name", true)
            }
            _ => Ok(()),
        },
        2 => {
            for (k, v, e) in &node.taints {
                if (e == "NoSchedule" || e == "NoExecute")
                    && !pod.tolerations.iter().any(|t| tolerates(t, k, v, e))
                {
                    return reject(format!("node(s) had untolerated taint {{{k}: {v}}}"), true);
                }
            }
            Ok(())
        }
        3 => {
            let selector_ok = pod
                .node_selector
                .iter()
                .all(|(k, v)| node.labels.get(k) == Some(v));
            let affinity_ok = match &pod.affinity_pin {
                Some(pin) => **pin == *node.name,
                None => pod
                    .affinity_terms
                    .as_ref()
                    .is_none_or(|terms| terms.iter().any(|t| node_selector_term_matches(t, node))),
            };
            if selector_ok && affinity_ok {
                Ok(())
            } else {
                reject("node(s) didn't match Pod's node affinity/selector", true)
            }
        }
        4 => {
            let conflict = pod.ports.iter().any(|(proto, ip, port)| {
                node.used_ports.iter().any(|(p2, ip2, port2)| {
                    port == port2
                        && proto == p2
                        && (ip == ip2 || ip == "0.0.0.0" || ip2 == "0.0.0.0")
                })
            });
            if conflict {
                reject(
                    "node(s) didn't have free ports for the requested pod ports",
                    false,
                )
            } else {
                Ok(())
            }
        }
        5 => {
            let mut reasons = Vec::new();
            if node.pods + 1 > node.alloc_pods {
                reasons.push(Cow::Borrowed("Too many pods"));
            }
            if pod.milli_cpu > 0 && node.req_milli_cpu + pod.milli_cpu > node.alloc_milli_cpu {
                reasons.push(Cow::Borrowed("Insufficient cpu"));
            }
            if pod.memory > 0 && node.req_memory + pod.memory > node.alloc_memory {
                reasons.push(Cow::Borrowed("Insufficient memory"));
            }
            if reasons.is_empty() {
                Ok(())
            } else {
                Err(Rejection {
                    reasons,
                    unresolvable: false,
                })
            }
        }
        6 => {
            for c in &pod.spread {
                let Some(domain) = node.labels.get(&c.topology_key) else {
                    return reject(
                        "node(s) didn't match pod topology spread constraints (missing required label)",
                        true,
                    );
                };
                let count = c.counts.get(domain).copied().unwrap_or(0);
                if count + c.self_match - c.min > c.max_skew {
                    return reject(
                        "node(s) didn't match pod topology spread constraints",
                        false,
                    );
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Runs score plugin `plugin` (one of [`SCORES`]) for `pod` on `node`; 0–100.
/// `image_spread(image)` is the fraction numerator of nodes having the image, `total_nodes`
/// its denominator (ImageLocality favours images present on few nodes less).
pub fn score(
    plugin: &str,
    pod: &PodReq,
    node: &NodeInfo,
    image_nodes: &BTreeMap<String, u32>,
    total_nodes: usize,
) -> i64 {
    match SCORES.iter().position(|p| *p == plugin) {
        Some(i) => score_at(i, pod, node, image_nodes, total_nodes),
        None => 0,
    }
}

/// [`score`] by position in [`SCORES`] (see [`filter_at`]).
fn score_at(
    plugin: usize,
    pod: &PodReq,
    node: &NodeInfo,
    image_nodes: &BTreeMap<String, u32>,
    total_nodes: usize,
) -> i64 {
    let frac = |req: i64, alloc: i64| {
        if alloc <= 0 {
            1.0
        } else {
            (req as f64 / alloc as f64).min(1.0)
        }
    };
    match plugin {
        0 => {
            // LeastAllocated: ((allocatable - requested) * 100 / allocatable), averaged.
            let least = |req: i64, alloc: i64| {
                if alloc <= 0 || req > alloc {
                    0
                } else {
                    (alloc - req) * 100 / alloc
                }
            };
            let cpu = least(
                node.nonzero_milli_cpu + pod.nonzero_milli_cpu,
                node.alloc_milli_cpu,
            );
            let mem = least(node.nonzero_memory + pod.nonzero_memory, node.alloc_memory);
            (cpu + mem) / 2
        }
        1 => {
            let cpu = frac(
                node.nonzero_milli_cpu + pod.nonzero_milli_cpu,
                node.alloc_milli_cpu,
            );
            let mem = frac(node.nonzero_memory + pod.nonzero_memory, node.alloc_memory);
            // Standard deviation of two fractions is half their distance.
            let std = (cpu - mem).abs() / 2.0;
            ((1.0 - std) * 100.0) as i64
        }
        2 => {
            const MB: i64 = 1024 * 1024;
            let min = 23 * MB;
            let max = 1000 * MB * pod.images.len().max(1) as i64;
            let total = total_nodes.max(1) as f64;
            let sum: i64 = pod
                .images
                .iter()
                .filter_map(|img| {
                    let size = node.images.get(img)?;
                    let spread = f64::from(image_nodes.get(img).copied().unwrap_or(1)) / total;
                    Some((*size as f64 * spread) as i64)
                })
                .sum();
            if sum < min {
                0
            } else if sum >= max {
                100
            } else {
                100 * (sum - min) / (max - min)
            }
        }
        _ => 0,
    }
}

/// Upstream's `numFeasibleNodesToFind` with the default `percentageOfNodesToScore`.
pub fn num_feasible_nodes_to_find(all: usize) -> usize {
    if all < 100 {
        return all;
    }
    let pct = 50usize.saturating_sub(all / 125).max(5);
    (all * pct / 100).max(100)
}

/// `FitError.Error()` plus the DefaultPreemption post-filter message.
pub fn fit_error_message(verdicts: &[NodeVerdict], preemption_never: bool) -> String {
    let all = verdicts.len();
    if all == 0 {
        return "no nodes available to schedule pods".to_string();
    }
    let mut hist: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unresolvable = 0usize;
    for v in verdicts {
        if let Some((plugin, reasons)) = &v.failed {
            for r in reasons {
                *hist.entry(r).or_default() += 1;
            }
            if is_unresolvable(plugin, reasons) {
                unresolvable += 1;
            }
        }
    }
    let sorted = |h: &BTreeMap<&str, usize>| {
        let mut lines: Vec<String> = h.iter().map(|(r, n)| format!("{n} {r}")).collect();
        lines.sort_small();
        lines.join(", ")
    };
    let mut msg = format!("0/{all} nodes are available: {}.", sorted(&hist));
    if preemption_never {
        msg.push_str(" preemption: not eligible due to preemptionPolicy=Never.");
        return msg;
    }
    let mut pre: BTreeMap<&str, usize> = BTreeMap::new();
    if unresolvable == all {
        pre.insert("Preemption is not helpful for scheduling", all);
    } else {
        if unresolvable > 0 {
            pre.insert("Preemption is not helpful for scheduling", unresolvable);
        }
        // Every pod has the same priority here, so there is never a victim.
        pre.insert(
            "No preemption victims found for incoming pod",
            all - unresolvable,
        );
    }
    msg.push_str(&format!(
        " preemption: 0/{all} nodes are available: {}.",
        sorted(&pre)
    ));
    msg
}

fn is_unresolvable(plugin: &str, reasons: &[Cow<'static, str>]) -> bool {
    match plugin {
        "NodeUnschedulable" | "NodeName" | "TaintToleration" | "NodeAffinity" => true,
        "PodTopologySpread" => reasons.iter().any(|r| r.contains("missing required label")),
        _ => false,
    }
}

fn remember(state: &mut State, key: &str, e: Explanation) {
    if state.explanations.insert(key.to_string(), e).is_none() {
        state.explanation_order.push_back(key.to_string());
        while state.explanation_order.len() > EXPLAIN_CAPACITY {
            if let Some(old) = state.explanation_order.pop_front() {
                state.explanations.remove(&old);
            }
        }
    }
}

/// Applies the store's changes since the last step to the cache and the queue.
fn sync(cluster: &mut Cluster, now: SimTime) {
    let st = &mut cluster.scheduler;
    let store = &cluster.store;
    let changes: Vec<(EventKind, String, Arc<Value>)> = match store.events_since(st.last_revision) {
        Ok(evs) if st.synced => evs
            .filter(|e| {
                e.kv.key.starts_with("/registry/pods/")
                    || e.kv.key.starts_with("/registry/minions/")
            })
            .map(|e| (e.kind, e.kv.key.to_string(), e.kv.value.clone()))
            .collect(),
        _ => {
            // First run or history compacted: re-list (what an informer does on "too old").
            let queue = std::mem::take(&mut st.queue);
            *st = State {
                counters: st.counters,
                explanations: std::mem::take(&mut st.explanations),
                explanation_order: std::mem::take(&mut st.explanation_order),
                seq: st.seq,
                ..Default::default()
            };
            st.synced = true;
            let mut all: Vec<(EventKind, String, Arc<Value>)> = store
                .range("/registry/minions/")
                .map(|kv| (EventKind::Put, kv.key.to_string(), kv.value.clone()))
                .collect();
            all.extend(
                store
                    .range("/registry/pods/")
                    .map(|kv| (EventKind::Put, kv.key.to_string(), kv.value.clone())),
            );
            // Keep back-off state of pods that were already queued.
            for (k, e) in queue {
                if store.get(&k).is_some() {
                    st.queue.insert(k, e);
                }
            }
            all
        }
    };
    st.last_revision = store.revision();
    for (kind, key, value) in changes {
        if key.starts_with("/registry/minions/") {
            let name = key.trim_start_matches("/registry/minions/");
            let idx = st.node_index(name);
            match (kind, idx) {
                (EventKind::Delete, Some(i)) => {
                    let old = st.nodes.remove(i);
                    for img in old.images.keys() {
                        if let Some(n) = st.image_nodes.get_mut(img) {
                            *n = n.saturating_sub(1);
                        }
                    }
                    st.generation += 1;
                }
                (EventKind::Put, _) => {
                    let mut info = NodeInfo::from_node(&value);
                    let changed = match idx {
                        Some(i) => {
                            let old = &st.nodes[i];
                            let changed = !old.same_scheduling_inputs(&info);
                            for img in old.images.keys() {
                                if let Some(n) = st.image_nodes.get_mut(img) {
                                    *n = n.saturating_sub(1);
                                }
                            }
                            // Keep the pod accounting.
                            info.req_milli_cpu = old.req_milli_cpu;
                            info.req_memory = old.req_memory;
                            info.nonzero_milli_cpu = old.nonzero_milli_cpu;
                            info.nonzero_memory = old.nonzero_memory;
                            info.pods = old.pods;
                            info.used_ports = old.used_ports.clone();
                            info.name = old.name.clone();
                            st.nodes[i] = info.clone();
                            changed
                        }
                        None => {
                            // Pods bound before the node was seen are accounted now.
                            let early: Vec<BoundPod> = st
                                .bound
                                .values()
                                .filter(|p| *p.node == *info.name)
                                .cloned()
                                .collect();
                            for p in &early {
                                info.add(p, 1);
                            }
                            let at = st
                                .nodes
                                .binary_search_by(|n| n.name.cmp(&info.name))
                                .unwrap_or_else(|i| i);
                            st.nodes.insert(at, info.clone());
                            true
                        }
                    };
                    for img in info.images.keys() {
                        *st.image_nodes.entry(img.clone()).or_default() += 1;
                    }
                    if changed {
                        st.generation += 1;
                    }
                }
                _ => {}
            }
            continue;
        }
        // A pod.
        let unbind = |st: &mut State, key: &str| {
            if let Some(old) = st.bound.remove(key) {
                if let Some(i) = st.node_index(&old.node) {
                    st.nodes[i].add(&old, -1);
                }
                st.generation += 1;
            }
        };
        if kind == EventKind::Delete {
            unbind(st, &key);
            st.queue.remove(&key);
            continue;
        }
        let node_name = value
            .path(&["spec", "nodeName"])
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty());
        let phase = value.path(&["status", "phase"]).and_then(Value::as_str);
        let terminal = matches!(phase, Some("Succeeded" | "Failed"));
        match node_name {
            Some(node) => {
                st.queue.remove(&key);
                if terminal {
                    unbind(st, &key);
                    continue;
                }
                if st.bound.get(&key).is_some_and(|b| *b.node == *node) {
                    continue;
                }
                unbind(st, &key);
                let node_arc = st
                    .node_info(node)
                    .map(|n| n.name.clone())
                    .unwrap_or_else(|| Arc::from(node));
                let b = PodReq::from_pod(&value).bound_on(node_arc);
                if let Some(i) = st.node_index(node) {
                    st.nodes[i].add(&b, 1);
                }
                st.bound.insert(key, b);
            }
            None => {
                let scheduler = value
                    .path(&["spec", "schedulerName"])
                    .and_then(Value::as_str)
                    .unwrap_or(DEFAULT_SCHEDULER);
                let deleting = value.path(&["metadata", "deletionTimestamp"]).is_some();
                if scheduler != DEFAULT_SCHEDULER || deleting || terminal {
                    st.queue.remove(&key);
                    continue;
                }
                if !st.queue.contains_key(&key) {
                    st.seq += 1;
                    let priority = value
                        .path(&["spec", "priority"])
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    st.queue.insert(
                        key,
                        QueueEntry {
                            seq: st.seq,
                            priority,
                            attempts: 0,
                            next_at: now,
                            unschedulable_at: None,
                        },
                    );
                }
            }
        }
    }
}

/// Runs one round of this component for `cluster`, `dt_ms` after the previous one.
pub fn step(world: &mut World, cluster: &str, dt_ms: u64) {
    let _ = dt_ms;
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    sync(c, now);
    let st = &c.scheduler;
    let mut ready: Vec<(i64, u64, String)> = st
        .queue
        .iter()
        .filter(|(_, e)| {
            now >= e.next_at
                && e.unschedulable_at.is_none_or(|(generation, at)| {
                    generation != st.generation || now.since_ms(at) >= MAX_UNSCHEDULABLE_MS
                })
        })
        .map(|(k, e)| (-e.priority, e.seq, k.clone()))
        .collect();
    ready.sort_small();
    for (_, _, key) in ready {
        schedule_one(world, cluster, &key);
    }
}

/// One scheduling cycle for the pod stored at `key`.
fn schedule_one(world: &mut World, cluster_name: &str, key: &str) {
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster_name) else {
        return;
    };
    let Some(pod) = c.store.get(key).map(|kv| kv.value.clone()) else {
        c.scheduler.queue.remove(key);
        return;
    };
    let mut req = PodReq::from_pod(&pod);
    prefilter_spread(c, &mut req);
    let st = &mut c.scheduler;
    st.counters.attempts += 1;
    let attempt = st.queue.get(key).map_or(1, |e| e.attempts + 1);
    let n = st.nodes.len();
    let to_find = num_feasible_nodes_to_find(n);
    let mut verdicts: Vec<NodeVerdict> = Vec::with_capacity(n.min(to_find * 2));
    let mut feasible = 0usize;
    let mut processed = 0usize;
    let start = if n == 0 {
        0
    } else {
        st.next_start_node_index % n
    };
    let images_somewhere = req
        .images
        .iter()
        .any(|i| st.image_nodes.get(i).is_some_and(|c| *c > 0));
    while processed < n && feasible < to_find {
        let node = &st.nodes[(start + processed) % n];
        processed += 1;
        let mut failed = None;
        for (i, plugin) in FILTERS.iter().enumerate() {
            if let Err(r) = filter_at(i, &req, node) {
                failed = Some((*plugin, r.reasons));
                break;
            }
        }
        let scores = if failed.is_none() {
            feasible += 1;
            // ImageLocality only matters when some node has one of the pod's images.
            let image = if images_somewhere {
                score_at(2, &req, node, &st.image_nodes, n)
            } else {
                0
            };
            Some([
                score_at(0, &req, node, &st.image_nodes, n),
                score_at(1, &req, node, &st.image_nodes, n),
                image,
            ])
        } else {
            None
        };
        verdicts.push(NodeVerdict {
            node: node.name.clone(),
            failed,
            scores,
        });
    }
    st.counters.nodes_evaluated += processed as u64;
    if n > 0 {
        st.next_start_node_index = (start + processed) % n;
    }
    // Pick the best total; ties are broken uniformly with the World's rng (reservoir).
    let mut best: Option<(i64, usize)> = None;
    let mut ties = 0u32;
    for (i, v) in verdicts.iter().enumerate() {
        let Some(total) = v.total() else { continue };
        match best {
            Some((b, _)) if total < b => {}
            Some((b, _)) if total == b => {
                ties += 1;
                if world.rng.below(ties + 1) == 0 {
                    best = Some((total, i));
                }
            }
            _ => {
                best = Some((total, i));
                ties = 0;
            }
        }
    }
    let (ns, name) = (
        api::namespace_of(&pod).unwrap_or("default").to_string(),
        api::name_of(&pod).to_string(),
    );
    let Some(pod_res) = resource_for_kind("Pod") else {
        return;
    };
    match best
        .and_then(|(_, i)| verdicts.get(i))
        .map(|v| v.node.clone())
    {
        Some(node) => {
            let message = format!("Successfully assigned {ns}/{name} to {node}");
            // The new status (its PodScheduled condition) on a copy of the pod that shares
            // everything else with the stored one; bound through the binding subresource.
            let mut with_condition = (*pod).clone();
            set_condition(&mut with_condition, "True", None, None, now);
            let status = with_condition.remove("status").unwrap_or_else(Value::map);
            let ok = world
                .api(cluster_name, "kube-scheduler")
                .map(|mut a| {
                    let r = a.bind(pod_res, &pod, &node, status);
                    if let Ok(b) = &r {
                        events::record(
                            &mut a,
                            b,
                            events::Type::Normal,
                            "Scheduled",
                            &message,
                            DEFAULT_SCHEDULER,
                            None,
                        );
                    }
                    r.is_ok()
                })
                .unwrap_or(false);
            let Some(c) = world.clusters.get_mut(cluster_name) else {
                return;
            };
            let st = &mut c.scheduler;
            if ok {
                st.counters.scheduled += 1;
                st.queue.remove(key);
                // Assume the pod on the node now (the informer will confirm it).
                if let Some(i) = st.node_index(&node) {
                    let b = req.bound_on(node.clone());
                    st.nodes[i].add(&b, 1);
                    st.bound.insert(key.to_string(), b);
                }
            } else if let Some(e) = st.queue.get_mut(key) {
                // A conflict (the pod changed meanwhile): retry after the back-off.
                e.attempts = attempt;
                e.next_at = now.plus_ms(backoff_ms(attempt));
            }
            remember(
                st,
                key,
                Explanation {
                    at: now,
                    attempt,
                    nodes: verdicts,
                    chosen: Some(node),
                    message,
                },
            );
        }
        None => {
            let message = fit_error_message(&verdicts, req.preemption_never);
            st.counters.unschedulable += 1;
            let generation = st.generation;
            if let Some(e) = st.queue.get_mut(key) {
                e.attempts = attempt;
                e.next_at = now.plus_ms(backoff_ms(attempt));
                e.unschedulable_at = Some((generation, now));
            }
            remember(
                st,
                key,
                Explanation {
                    at: now,
                    attempt,
                    nodes: verdicts,
                    chosen: None,
                    message: message.clone(),
                },
            );
            let mut updated = (*pod).clone();
            let changed = set_condition(
                &mut updated,
                "False",
                Some("Unschedulable"),
                Some(&message),
                now,
            );
            if let Some(mut a) = world.api(cluster_name, "kube-scheduler") {
                let obj = if changed {
                    let status = updated.remove("status");
                    a.update_status_shared(pod_res, &pod, status)
                        .unwrap_or_else(|_| Arc::clone(&pod))
                } else {
                    Arc::clone(&pod)
                };
                events::record(
                    &mut a,
                    &obj,
                    events::Type::Warning,
                    "FailedScheduling",
                    &message,
                    DEFAULT_SCHEDULER,
                    None,
                );
            }
        }
    }
}

/// `podInitialBackoff * 2^(attempts-1)`, capped at `podMaxBackoff`.
pub fn backoff_ms(attempts: u32) -> u64 {
    let shift = attempts.saturating_sub(1).min(10);
    (INITIAL_BACKOFF_MS << shift).min(MAX_BACKOFF_MS)
}

/// Sets the `PodScheduled` condition; returns whether anything changed.
fn set_condition(
    pod: &mut Value,
    status: &str,
    reason: Option<&str>,
    message: Option<&str>,
    now: SimTime,
) -> bool {
    // PodObservedGenerationTracking (on in 1.34): the scheduler stamps the pod's generation
    // on the `PodScheduled=False` it writes; `True` comes from the binding subresource,
    // which stamps none (the kubelet adds its own).
    let generation = pod
        .path(&["metadata", "generation"])
        .and_then(Value::as_i64)
        .filter(|_| status == "False");
    let conds = pod.path_mut_or_insert(&["status", "conditions"]);
    if !matches!(conds, Value::Seq(_)) {
        *conds = Value::Seq(Default::default());
    }
    let Value::Seq(list) = conds else {
        return false;
    };
    let mut c = Value::map();
    c.set("type", "PodScheduled");
    c.set("status", status);
    c.set("lastProbeTime", Value::Null);
    if let Some(r) = reason {
        c.set("reason", r);
    }
    if let Some(m) = message {
        c.set("message", m);
    }
    if let Some(g) = generation {
        c.set("observedGeneration", g);
    }
    match list
        .iter_mut()
        .find(|x| x.get("type").and_then(Value::as_str) == Some("PodScheduled"))
    {
        Some(old) => {
            let same = old.get("status") == c.get("status")
                && old.get("reason") == c.get("reason")
                && old.get("message") == c.get("message")
                && old.get("observedGeneration") == c.get("observedGeneration");
            if same {
                return false;
            }
            let transition = if old.get("status") == c.get("status") {
                old.get("lastTransitionTime").cloned()
            } else {
                None
            };
            c.set(
                "lastTransitionTime",
                transition.unwrap_or_else(|| now.rfc3339().into()),
            );
            *old = shared_recent(c);
        }
        None => {
            c.set("lastTransitionTime", now.rfc3339());
            // Pods bound in the same step hold one copy of the condition (~200 B each).
            list.push(shared_recent(c));
        }
    }
    if status == "False" {
        pod.path_mut_or_insert(&["status"]).set("phase", "Pending");
    }
    true
}

/// PodTopologySpread's PreFilter: counts matching pods per topology domain.
fn prefilter_spread(c: &Cluster, req: &mut PodReq) {
    if req.spread.is_empty() {
        return;
    }
    let prefix = format!("/registry/pods/{}/", req.namespace);
    let nodes = &c.scheduler.nodes;
    // Domains of the nodes this pod could go to (nodeAffinityPolicy: Honor).
    let eligible: Vec<&NodeInfo> = nodes
        .iter()
        .filter(|n| filter("NodeAffinity", req, n).is_ok())
        .collect();
    let pods: Vec<(String, BTreeMap<String, String>)> = c
        .store
        .range(&prefix)
        .filter_map(|kv| {
            let node = kv.value.path(&["spec", "nodeName"])?.as_str()?.to_string();
            Some((node, str_map(kv.value.path(&["metadata", "labels"]))))
        })
        .collect();
    for s in &mut req.spread {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for n in &eligible {
            if let Some(d) = n.labels.get(&s.topology_key) {
                counts.entry(d.clone()).or_insert(0);
            }
        }
        for (node, labels) in &pods {
            if !label_selector_matches(&s.selector, labels) {
                continue;
            }
            let domain = c
                .scheduler
                .node_info(node)
                .and_then(|n| n.labels.get(&s.topology_key));
            if let Some(d) = domain {
                if let Some(n) = counts.get_mut(d) {
                    *n += 1;
                }
            }
        }
        s.min = counts.values().copied().min().unwrap_or(0);
        s.counts = counts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;

    fn m(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::map();
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }
    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }
    fn node(name: &str, cpu: &str, mem: &str) -> NodeInfo {
        let n = m(&[
            (
                "metadata",
                m(&[("name", s(name)), ("labels", m(&[("zone", s("a"))]))]),
            ),
            (
                "status",
                m(&[(
                    "allocatable",
                    m(&[("cpu", s(cpu)), ("memory", s(mem)), ("pods", s("110"))]),
                )]),
            ),
        ]);
        NodeInfo::from_node(&n)
    }
    fn pod(spec: Value) -> PodReq {
        PodReq::from_pod(&m(&[
            (
                "metadata",
                m(&[("name", s("p")), ("labels", m(&[("app", s("web"))]))]),
            ),
            ("spec", spec),
        ]))
    }
    fn container(cpu: &str, mem: &str) -> Value {
        m(&[
            ("name", s("c")),
            ("image", s("nginx")),
            (
                "resources",
                m(&[("requests", m(&[("cpu", s(cpu)), ("memory", s(mem))]))]),
            ),
        ])
    }
    fn reasons(r: Result<(), Rejection>) -> Option<(Vec<String>, bool)> {
        r.err().map(|r| {
            (
                r.reasons.iter().map(|x| x.to_string()).collect(),
                r.unresolvable,
            )
        })
    }

    #[test]
    fn node_resources_fit_table() {
        let mut busy = node("n", "2", "1Gi");
        busy.req_milli_cpu = 1500;
        busy.req_memory = 512 * 1024 * 1024;
        for (cpu, mem, want) in [
            ("500m", "512Mi", None),
            ("501m", "100Mi", Some(vec!["Insufficient cpu"])),
            ("100m", "513Mi", Some(vec!["Insufficient memory"])),
            (
                "1",
                "1Gi",
                Some(vec!["Insufficient cpu", "Insufficient memory"]),
            ),
        ] {
            let p = pod(m(&[(
                "containers",
                Value::Seq(vec![container(cpu, mem)].into()),
            )]));
            let got = reasons(filter("NodeResourcesFit", &p, &busy));
            assert_eq!(
                got.map(|(r, _)| r),
                want.map(|w| w.iter().map(|x| x.to_string()).collect::<Vec<_>>()),
                "{cpu} {mem}"
            );
        }
        let mut full = node("n", "2", "1Gi");
        full.pods = 110;
        let p = pod(m(&[(
            "containers",
            Value::Seq(vec![container("1m", "1")].into()),
        )]));
        assert_eq!(
            reasons(filter("NodeResourcesFit", &p, &full)),
            Some((vec!["Too many pods".to_string()], false))
        );
    }

    #[test]
    fn taint_toleration_table() {
        let mut n = node("cp", "4", "8Gi");
        n.taints = vec![(
            "node-role.kubernetes.io/control-plane".into(),
            "".into(),
            "NoSchedule".into(),
        )];
        let tol =
            |pairs: &[(&str, Value)]| pod(m(&[("tolerations", Value::Seq(vec![m(pairs)].into()))]));
        let cases: Vec<(PodReq, bool)> = vec![
            (pod(Value::map()), false),
            (
                tol(&[
                    ("key", s("node-role.kubernetes.io/control-plane")),
                    ("operator", s("Exists")),
                    ("effect", s("NoSchedule")),
                ]),
                true,
            ),
            (tol(&[("operator", s("Exists"))]), true),
            (
                tol(&[
                    ("key", s("node-role.kubernetes.io/control-plane")),
                    ("operator", s("Exists")),
                    ("effect", s("NoExecute")),
                ]),
                false,
            ),
            (
                tol(&[("key", s("other")), ("operator", s("Exists"))]),
                false,
            ),
        ];
        for (i, (p, ok)) in cases.into_iter().enumerate() {
            let r = filter("TaintToleration", &p, &n);
            assert_eq!(r.is_ok(), ok, "case {i}");
            if !ok {
                assert_eq!(
                    reasons(r).unwrap().0,
                    ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]
                );
            }
        }
        n.taints = vec![("dedicated".into(), "gpu".into(), "PreferNoSchedule".into())];
        assert!(filter("TaintToleration", &pod(Value::map()), &n).is_ok());
    }

    #[test]
    fn node_affinity_selector_name_unschedulable_ports_table() {
        let mut n = node("w1", "4", "8Gi");
        n.labels.insert("disk".into(), "ssd".into());
        n.labels.insert("gen".into(), "5".into());
        let expr = |op: &str, key: &str, vals: &[&str]| {
            pod(m(&[(
                "affinity",
                m(&[(
                    "nodeAffinity",
                    m(&[(
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        m(&[(
                            "nodeSelectorTerms",
                            Value::Seq(
                                vec![m(&[(
                                    "matchExpressions",
                                    Value::Seq(
                                        vec![m(&[
                                            ("key", s(key)),
                                            ("operator", s(op)),
                                            (
                                                "values",
                                                Value::Seq(vals.iter().map(|v| s(v)).collect()),
                                            ),
                                        ])]
                                        .into(),
                                    ),
                                )])]
                                .into(),
                            ),
                        )]),
                    )]),
                )]),
            )]))
        };
        let sel = |k: &str, v: &str| pod(m(&[("nodeSelector", m(&[(k, s(v))]))]));
        for (i, (p, ok)) in [
            (sel("disk", "ssd"), true),
            (sel("disk", "hdd"), false),
            (expr("In", "disk", &["hdd", "ssd"]), true),
            (expr("NotIn", "disk", &["ssd"]), false),
            (expr("Exists", "gpu", &[]), false),
            (expr("DoesNotExist", "gpu", &[]), true),
            (expr("Gt", "gen", &["4"]), true),
            (expr("Lt", "gen", &["4"]), false),
        ]
        .into_iter()
        .enumerate()
        {
            let r = filter("NodeAffinity", &p, &n);
            assert_eq!(r.is_ok(), ok, "case {i}");
            if !ok {
                assert_eq!(
                    reasons(r),
                    Some((
                        vec!["node(s) didn't match Pod's node affinity/selector".into()],
                        true
                    ))
                );
            }
        }
        let named = pod(m(&[("nodeName", s("w2"))]));
        assert_eq!(
            reasons(filter("NodeName", &named, &n)).unwrap().0,
            ["node(s) didn't match the requested node name"]
        );
        assert!(filter("NodeName", &pod(m(&[("nodeName", s("w1"))])), &n).is_ok());
        n.unschedulable = true;
        assert_eq!(
            reasons(filter("NodeUnschedulable", &pod(Value::map()), &n))
                .unwrap()
                .0,
            ["node(s) were unschedulable"]
        );
        let hp = pod(m(&[(
            "containers",
            Value::Seq(
                vec![m(&[(
                    "ports",
                    Value::Seq(
                        vec![m(&[
                            ("containerPort", Value::Int(80)),
                            ("hostPort", Value::Int(8080)),
                        ])]
                        .into(),
                    ),
                )])]
                .into(),
            ),
        )]));
        assert!(filter("NodePorts", &hp, &n).is_ok());
        n.used_ports.push(("TCP".into(), "0.0.0.0".into(), 8080));
        assert_eq!(
            reasons(filter("NodePorts", &hp, &n)),
            Some((
                vec!["node(s) didn't have free ports for the requested pod ports".into()],
                false
            ))
        );
    }

    #[test]
    fn a_daemon_pin_decides_like_the_node_selector_terms() {
        // (terms JSON, the pin expected)
        let cases = [
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w1"]}]}]"#,
                Some("w1"),
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w2"]}]}]"#,
                Some("w2"),
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w1","w2"]}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["w1"]}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w1"]}],"matchExpressions":[{"key":"disk","operator":"Exists"}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w1"]}]},{"matchFields":[{"key":"metadata.name","operator":"In","values":["w2"]}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":["w1"]},{"key":"metadata.name","operator":"Exists"}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"spec.x","operator":"In","values":["w1"]}]}]"#,
                None,
            ),
            (
                r#"[{"matchFields":[{"key":"metadata.name","operator":"In","values":[]}]}]"#,
                None,
            ),
            (r#"[{}]"#, None),
        ];
        let mut w2 = node("w2", "4", "8Gi");
        w2.labels.insert("disk".into(), "ssd".into());
        for (i, (terms, pin)) in cases.into_iter().enumerate() {
            let terms = crate::sim::value::json::parse(terms).expect("terms");
            let spec = m(&[(
                "affinity",
                m(&[(
                    "nodeAffinity",
                    m(&[(
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        m(&[("nodeSelectorTerms", terms.clone())]),
                    )]),
                )]),
            )]);
            let p = pod(spec);
            assert_eq!(p.affinity_pin.as_deref(), pin, "case {i}");
            for n in [node("w1", "4", "8Gi"), w2.clone()] {
                let by_terms = terms
                    .as_seq()
                    .expect("seq")
                    .iter()
                    .any(|t| node_selector_term_matches(t, &n));
                assert_eq!(
                    filter("NodeAffinity", &p, &n).is_ok(),
                    by_terms,
                    "case {i} on {}",
                    n.name
                );
            }
        }
    }

    #[test]
    fn topology_spread_filter() {
        let sel = m(&[("matchLabels", m(&[("app", s("web"))]))]);
        let mut p = pod(m(&[(
            "topologySpreadConstraints",
            Value::Seq(
                vec![m(&[
                    ("maxSkew", Value::Int(1)),
                    ("topologyKey", s("zone")),
                    ("whenUnsatisfiable", s("DoNotSchedule")),
                    ("labelSelector", sel),
                ])]
                .into(),
            ),
        )]));
        assert_eq!(p.spread[0].self_match, 1);
        p.spread[0].counts = [("a".to_string(), 2), ("b".to_string(), 1)].into();
        p.spread[0].min = 1;
        let a = node("na", "4", "8Gi");
        let mut b = node("nb", "4", "8Gi");
        b.labels.insert("zone".into(), "b".into());
        assert_eq!(
            reasons(filter("PodTopologySpread", &p, &a)),
            Some((
                vec!["node(s) didn't match pod topology spread constraints".into()],
                false
            ))
        );
        assert!(filter("PodTopologySpread", &p, &b).is_ok());
        b.labels.remove("zone");
        assert!(reasons(filter("PodTopologySpread", &p, &b)).unwrap().1);
    }

    #[test]
    fn scores_table() {
        let empty = node("n", "4", "8Gi");
        let mut half = node("n", "4", "8Gi");
        half.nonzero_milli_cpu = 2000;
        half.nonzero_memory = 4 * 1024 * 1024 * 1024;
        let p = pod(m(&[(
            "containers",
            Value::Seq(vec![m(&[("name", s("c")), ("image", s("nginx"))])].into()),
        )]));
        let no_img = BTreeMap::new();
        // nonzero defaults: 100m of 4000m, 200Mi of 8Gi.
        assert_eq!(score("NodeResourcesFit", &p, &empty, &no_img, 1), 97);
        assert_eq!(score("NodeResourcesFit", &p, &half, &no_img, 1), 47);
        assert!(score("NodeResourcesBalancedAllocation", &p, &half, &no_img, 1) >= 98);
        let mut lopsided = node("n", "4", "8Gi");
        lopsided.nonzero_milli_cpu = 3900;
        assert!(score("NodeResourcesBalancedAllocation", &p, &lopsided, &no_img, 1) < 55);
        let mut cached = node("n", "4", "8Gi");
        cached
            .images
            .insert("docker.io/library/nginx:latest".into(), 500 * 1024 * 1024);
        let spread = [("docker.io/library/nginx:latest".to_string(), 1u32)].into();
        assert_eq!(score("ImageLocality", &p, &empty, &spread, 1), 0);
        assert_eq!(score("ImageLocality", &p, &cached, &spread, 1), 48);
        assert_eq!(score("ImageLocality", &p, &cached, &spread, 10), 2);
    }

    #[test]
    fn fit_error_is_worded_like_upstream() {
        let v = |plugin: &'static str, reason: &'static str| NodeVerdict {
            node: Arc::from("n"),
            failed: Some((plugin, vec![Cow::Borrowed(reason)])),
            scores: None,
        };
        let verdicts = [
            v(
                "TaintToleration",
                "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
            ),
            v("NodeResourcesFit", "Insufficient cpu"),
            v("NodeResourcesFit", "Insufficient cpu"),
        ];
        assert_eq!(
            fit_error_message(&verdicts, false),
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        );
        assert_eq!(
            fit_error_message(&verdicts[..1], false),
            "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            fit_error_message(&[], false),
            "no nodes available to schedule pods"
        );
        assert!(fit_error_message(&verdicts, true)
            .ends_with(" preemption: not eligible due to preemptionPolicy=Never."));
    }

    #[test]
    fn feasible_nodes_to_find_and_backoff() {
        assert_eq!(num_feasible_nodes_to_find(50), 50);
        assert_eq!(num_feasible_nodes_to_find(1000), 420);
        assert_eq!(num_feasible_nodes_to_find(5000), 500);
        assert_eq!(num_feasible_nodes_to_find(100), 100);
        let b: Vec<u64> = (1..=6).map(backoff_ms).collect();
        assert_eq!(b, [1000, 2000, 4000, 8000, 10000, 10000]);
        assert_eq!(
            normalize_image("nginx:1.27"),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(
            normalize_image("bitnami/redis"),
            "docker.io/bitnami/redis:latest"
        );
        assert_eq!(
            normalize_image("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
    }

    pub(crate) fn make_pod(w: &mut World, cluster: &str, name: &str, cpu: &str) {
        let mut p = m(&[
            (
                "metadata",
                m(&[("name", s(name)), ("namespace", s("default"))]),
            ),
            (
                "spec",
                m(&[(
                    "containers",
                    Value::Seq(vec![container(cpu, "64Mi")].into()),
                )]),
            ),
        ]);
        p.path_mut_or_insert(&["status"]).set("phase", "Pending");
        w.api(cluster, "kubectl")
            .unwrap()
            .create(resource_for_kind("Pod").unwrap(), p)
            .unwrap();
    }

    fn pod_value(w: &World, name: &str) -> Value {
        (*w.clusters["kind-kind"]
            .store
            .get(&format!("/registry/pods/default/{name}"))
            .unwrap()
            .value)
            .clone()
    }

    fn events_for(w: &World, name: &str) -> Vec<(String, String)> {
        w.clusters["kind-kind"]
            .store
            .range("/registry/events/default/")
            .filter(|kv| kv.value.path(&["involvedObject", "name"]) == Some(&s(name)))
            .map(|kv| {
                let g = |f: &str| {
                    kv.value
                        .get(f)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                (g("reason"), g("message"))
            })
            .collect()
    }

    #[test]
    fn binds_to_a_worker_with_event_and_condition() {
        let mut w = World::new(7, Preset::Kind);
        make_pod(&mut w, "kind-kind", "web-1", "100m");
        w.step(100);
        let p = pod_value(&w, "web-1");
        let node = p
            .path(&["spec", "nodeName"])
            .and_then(Value::as_str)
            .unwrap();
        assert!(node == "kind-worker" || node == "kind-worker2", "{node}");
        let cond = &p.path(&["status", "conditions"]).unwrap().as_seq().unwrap()[0];
        assert_eq!(cond.get("status"), Some(&s("True")));
        assert_eq!(
            events_for(&w, "web-1"),
            [(
                "Scheduled".to_string(),
                format!("Successfully assigned default/web-1 to {node}")
            )]
        );
        let e = explain(&w.clusters["kind-kind"], "default", "web-1").unwrap();
        assert_eq!(e.chosen.as_deref(), Some(node));
        let cp = e
            .nodes
            .iter()
            .find(|v| &*v.node == "kind-control-plane")
            .unwrap();
        assert_eq!(cp.failed.as_ref().unwrap().0, "TaintToleration");
    }

    #[test]
    fn unschedulable_pod_gets_condition_event_and_is_retried_when_nodes_change() {
        let mut w = World::new(7, Preset::Kind);
        make_pod(&mut w, "kind-kind", "big", "3");
        make_pod(&mut w, "kind-kind", "fill-1", "3");
        make_pod(&mut w, "kind-kind", "fill-2", "3");
        // Pods are scheduled in creation order: both fills fit, `big` does not.
        w.step(100);
        w.step(100);
        let names: Vec<_> = ["big", "fill-1", "fill-2"]
            .iter()
            .map(|n| pod_value(&w, n).path(&["spec", "nodeName"]).is_some())
            .collect();
        assert_eq!(names, [true, true, false]);
        let msg = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.";
        assert!(events_for(&w, "fill-2").contains(&("FailedScheduling".into(), msg.into())));
        let p = pod_value(&w, "fill-2");
        let cond = &p.path(&["status", "conditions"]).unwrap().as_seq().unwrap()[0];
        assert_eq!(cond.get("reason"), Some(&s("Unschedulable")));
        assert_eq!(cond.get("message"), Some(&s(msg)));
        // Nothing changed: no retry even after the back-off.
        let attempts = w.clusters["kind-kind"].scheduler.counters.attempts;
        w.step(20_000);
        assert_eq!(
            w.clusters["kind-kind"].scheduler.counters.attempts,
            attempts
        );
        // Deleting a bound pod frees room: the pod is retried and bound. (Force: without a
        // running kubelet a graceful delete would leave the pod Terminating.)
        let force = crate::sim::apiserver::DeleteOptions {
            grace_period_s: Some(0),
            ..Default::default()
        };
        w.api("kind-kind", "kubectl")
            .unwrap()
            .delete_with(
                resource_for_kind("Pod").unwrap(),
                Some("default"),
                "big",
                &force,
            )
            .unwrap();
        w.step(100);
        assert!(pod_value(&w, "fill-2")
            .path(&["spec", "nodeName"])
            .is_some());
    }

    #[test]
    fn spreads_pods_over_workers_and_is_deterministic() {
        let run = || {
            let mut w = World::new(11, Preset::Kind);
            for i in 0..8 {
                make_pod(&mut w, "kind-kind", &format!("p-{i}"), "100m");
            }
            w.step(100);
            (0..8)
                .map(|i| {
                    pod_value(&w, &format!("p-{i}"))
                        .path(&["spec", "nodeName"])
                        .and_then(Value::as_str)
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let on_w1 = a.iter().filter(|n| *n == "kind-worker").count();
        assert_eq!(on_w1, 4, "LeastAllocated balances: {a:?}");
    }

    #[test]
    fn stopped_scheduler_leaves_pods_pending_until_restarted() {
        let mut w = World::new(3, Preset::Kind);
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kube-scheduler");
        make_pod(&mut w, "kind-kind", "web", "100m");
        w.step(5_000);
        assert!(pod_value(&w, "web").path(&["spec", "nodeName"]).is_none());
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .start("kube-scheduler");
        w.step(100);
        assert!(pod_value(&w, "web").path(&["spec", "nodeName"]).is_some());
    }
}
