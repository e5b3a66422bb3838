//! Node lifecycle and taint-based eviction (`node-lifecycle-controller`,
//! `taint-eviction-controller`).
//!
//! Each step, for every node:
//! - **heartbeat**: the kubelet renews `kube-node-lease/<node>` every ~10 s. When the lease
//!   (or the node's Ready heartbeat) has not changed for [`NODE_MONITOR_GRACE_MS`] (40 s),
//!   every node condition turns `Unknown` (`NodeStatusUnknown`, `Kubelet stopped posting node
//!   status.`), the node's pods are marked not ready, and a `NodeNotReady` event is recorded.
//!   A node that never had a lease is watched through its Ready condition's lastHeartbeatTime;
//! - **taints** follow the Ready condition (TaintNodesByCondition): `Unknown` ⇒
//!   `node.kubernetes.io/unreachable` NoSchedule + NoExecute, `False` ⇒
//!   `node.kubernetes.io/not-ready` NoSchedule + NoExecute, `spec.unschedulable` ⇒
//!   `node.kubernetes.io/unschedulable:NoSchedule`; they go away when the node is back;
//! - **eviction**: a pod on a node with a NoExecute taint it does not tolerate gets the
//!   condition `DisruptionTarget=True` (`DeletionByTaintManager`) and is deleted at once; one tolerating it for `tolerationSeconds` (300 s by default admission) is deleted
//!   when that time has passed since the taint's `timeAdded` (`TaintManagerEviction` event).
//!   The pod then stays `Terminating` until its kubelet confirms — which a dead node never
//!   does — while its ReplicaSet already made a replacement elsewhere.

use super::{Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sim::SimTime;
use std::collections::BTreeMap;

/// `--node-monitor-grace-period` default.
pub const NODE_MONITOR_GRACE_MS: u64 = 40_000;
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// What the controller remembers per node: the last heartbeat it saw and when it saw it.
#[derive(Debug, Clone, Default)]
pub struct Tracking {
    probes: BTreeMap<String, (String, SimTime)>,
    last_run: Option<SimTime>,
}

/// How often nodes are checked (`--node-monitor-period` is 5 s upstream; 1 s keeps the
/// timeline crisp for demos and costs little).
pub const NODE_MONITOR_PERIOD_MS: u64 = 1_000;

pub fn run(ctx: &mut Ctx<'_>, st: &mut State) {
    let now = ctx.now();
    if st
        .nodes
        .last_run
        .is_some_and(|t| now.since_ms(t) < NODE_MONITOR_PERIOD_MS)
    {
        return;
    }
    st.nodes.last_run = Some(now);
    let node_res = super::res("Node");
    let lease_res = super::res("Lease");
    let nodes = ctx.list(node_res, None);
    let mut alive = Vec::new();
    for node in nodes {
        let name = meta::str_at(&node, &["metadata", "name"])
            .unwrap_or("")
            .to_string();
        alive.push(name.clone());
        let lease = ctx.get(lease_res, &format!("kube-node-lease/{name}"));
        // Shared until a write needs a copy: most nodes are healthy and left alone.
        let mut node_v: std::sync::Arc<Value> = node;
        // The heartbeat is the Lease when the kubelet made one, else (like upstream's probe
        // timestamps) the Ready condition's lastHeartbeatTime in the node's status.
        let beat = match &lease {
            Some(lease) => Some(format!(
                "{}|{}",
                meta::str_at(lease, &["spec", "renewTime"]).unwrap_or(""),
                meta::str_at(lease, &["metadata", "resourceVersion"]).unwrap_or("")
            )),
            None => meta::condition(&node_v, "Ready")
                .and_then(|c| meta::str_at(c, &["lastHeartbeatTime"]))
                .map(|t| format!("status|{t}")),
        };
        if let Some(beat) = beat {
            let entry = st
                .nodes
                .probes
                .entry(name.clone())
                .or_insert((String::new(), now));
            if entry.0 != beat {
                *entry = (beat, now);
            }
            let probe = entry.1;
            let ready = meta::condition_status(&node_v, "Ready")
                .unwrap_or("Unknown")
                .to_string();
            let stale = now.since_ms(probe) > NODE_MONITOR_GRACE_MS;
            if stale && ready != "Unknown" {
                let mut v = (*node_v).clone();
                mark_unknown(&mut v, now);
                node_v = std::sync::Arc::new(match ctx.update_status(node_res, &strip_rv(&v)) {
                    Ok(u) => u,
                    Err(_) => v,
                });
                ctx.event(
                    &node_v,
                    Type::Normal,
                    "NodeNotReady",
                    &format!("Node {name} status is now: NodeNotReady"),
                    "node-controller",
                );
                mark_pods_not_ready(ctx, st, &name, now);
            } else if !stale
                && ready == "Unknown"
                && meta::condition(&node_v, "Ready").and_then(|c| meta::str_at(c, &["reason"]))
                    == Some("NodeStatusUnknown")
            {
                // The kubelet is back: its next status post says Ready again.
                let mut v = (*node_v).clone();
                mark_ready(&mut v, now);
                node_v = std::sync::Arc::new(match ctx.update_status(node_res, &strip_rv(&v)) {
                    Ok(u) => u,
                    Err(_) => v,
                });
            }
        }
        sync_taints(ctx, &node_v, now);
        if let Some(n) = ctx.get(node_res, &name) {
            evict(ctx, st, &n, now);
        }
    }
    st.nodes.probes.retain(|n, _| alive.contains(n));
}

fn strip_rv(v: &Value) -> Value {
    let mut v = v.clone();
    meta::remove(v.path_mut_or_insert(&["metadata"]), "resourceVersion");
    v
}

fn mark_unknown(node: &mut Value, now: SimTime) {
    let stamp = now.rfc3339();
    if let Some(Value::Seq(conds)) = meta::path_mut(node, &["status", "conditions"]) {
        for c in conds {
            if meta::str_at(c, &["status"]) != Some("Unknown") {
                c.set("lastTransitionTime", stamp.as_str());
            }
            c.set("status", "Unknown");
            c.set("reason", "NodeStatusUnknown");
            c.set("message", "Kubelet stopped posting node status.");
        }
    }
}

fn mark_ready(node: &mut Value, now: SimTime) {
    let stamp = now.rfc3339();
    if let Some(Value::Seq(conds)) = meta::path_mut(node, &["status", "conditions"]) {
        for c in conds {
            let (status, reason, message) = match meta::str_at(c, &["type"]).unwrap_or("") {
                "Ready" => ("True", "KubeletReady", "kubelet is posting ready status"),
                "MemoryPressure" => (
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                "DiskPressure" => (
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                "PIDPressure" => (
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                _ => continue,
            };
            c.set("status", status);
            c.set("reason", reason);
            c.set("message", message);
            c.set("lastTransitionTime", stamp.as_str());
            c.set("lastHeartbeatTime", stamp.as_str());
        }
    }
}

/// `MarkPodsNotReady`: pods of an unreachable node lose their Ready condition (so they
/// leave Service endpoints).
fn mark_pods_not_ready(ctx: &mut Ctx<'_>, st: &State, node: &str, now: SimTime) {
    let pod_res = super::res("Pod");
    let keys: Vec<String> = st
        .index
        .pods_by_node
        .get(node)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    for k in keys {
        let Some(p) = ctx.get(pod_res, &k) else {
            continue;
        };
        if meta::condition_status(&p, "Ready") == Some("True") {
            let mut q = (*p).clone();
            meta::set_condition(&mut q, meta::make_condition("Ready", "False", "", ""), now);
            let _ = ctx.update_status(pod_res, &strip_rv(&q));
        }
    }
}

fn taint(key: &str, effect: &str, now: SimTime) -> Value {
    let mut t = Value::map();
    t.set("effect", effect);
    t.set("key", key);
    if effect == "NoExecute" {
        t.set("timeAdded", now.rfc3339());
    }
    t
}

/// Adds/removes the condition taints so they match the node's state.
fn sync_taints(ctx: &mut Ctx<'_>, node: &Value, now: SimTime) {
    let ready = meta::condition_status(node, "Ready").unwrap_or("Unknown");
    let mut want: Vec<(&str, &str)> = Vec::new();
    match ready {
        "Unknown" if meta::condition(node, "Ready").is_some() => {
            // NoExecute first: the monitor taints for eviction as it marks the node Unknown,
            // the NoSchedule pass follows on the node's update (`kubectl describe node`
            // lists `unreachable:NoExecute` then `unreachable:NoSchedule`).
            want.push((UNREACHABLE, "NoExecute"));
            want.push((UNREACHABLE, "NoSchedule"));
        }
        "False" => {
            want.push((NOT_READY, "NoSchedule"));
            want.push((NOT_READY, "NoExecute"));
        }
        _ => {}
    }
    if meta::bool_at(node, &["spec", "unschedulable"]) == Some(true) {
        want.push((UNSCHEDULABLE, "NoSchedule"));
    }
    let managed = [UNREACHABLE, NOT_READY, UNSCHEDULABLE];
    let current: Vec<Value> = node
        .path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let mut next: Vec<Value> = current
        .iter()
        .filter(|t| {
            let k = meta::str_at(t, &["key"]).unwrap_or("");
            let e = meta::str_at(t, &["effect"]).unwrap_or("");
            !managed.contains(&k) || want.contains(&(k, e))
        })
        .cloned()
        .collect();
    for (k, e) in &want {
        let present = next.iter().any(|t| {
            meta::str_at(t, &["key"]) == Some(k) && meta::str_at(t, &["effect"]) == Some(e)
        });
        if !present {
            next.push(taint(k, e, now));
        }
    }
    if next != current {
        let mut n = node.clone();
        if next.is_empty() {
            meta::remove(n.path_mut_or_insert(&["spec"]), "taints");
        } else {
            n.path_mut_or_insert(&["spec"])
                .set("taints", Value::Seq(next.into()));
        }
        let _ = ctx.update(super::res("Node"), strip_rv(&n));
    }
}

/// Does `toleration` tolerate `taint` (`v1.Toleration.ToleratesTaint`)?
pub fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let te = meta::str_at(toleration, &["effect"]).unwrap_or("");
    let e = meta::str_at(taint, &["effect"]).unwrap_or("");
    if !te.is_empty() && te != e {
        return false;
    }
    let tk = meta::str_at(toleration, &["key"]).unwrap_or("");
    let k = meta::str_at(taint, &["key"]).unwrap_or("");
    let op = meta::str_at(toleration, &["operator"]).unwrap_or("Equal");
    if !tk.is_empty() && tk != k {
        return false;
    }
    match op {
        "Exists" => true,
        _ => {
            meta::str_at(toleration, &["value"]).unwrap_or("")
                == meta::str_at(taint, &["value"]).unwrap_or("")
                && !tk.is_empty()
        }
    }
}

/// When a pod must leave a node with these NoExecute taints: `None` = never.
pub fn eviction_time(pod: &Value, taints: &[Value], now: SimTime) -> Option<SimTime> {
    let tolerations: Vec<Value> = pod
        .path(&["spec", "tolerations"])
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let mut at: Option<SimTime> = None;
    for t in taints
        .iter()
        .filter(|t| meta::str_at(t, &["effect"]) == Some("NoExecute"))
    {
        let matching: Vec<&Value> = tolerations.iter().filter(|tol| tolerates(tol, t)).collect();
        if matching.is_empty() {
            return Some(now);
        }
        // The shortest tolerationSeconds among the matching tolerations that set one
        // (`getMinTolerationTime`); when none sets it, the taint is tolerated forever.
        let Some(secs) = matching
            .iter()
            .filter_map(|tol| meta::int_at(tol, &["tolerationSeconds"]))
            .min()
        else {
            continue;
        };
        let added = meta::str_at(t, &["timeAdded"])
            .and_then(SimTime::parse_rfc3339)
            .unwrap_or(now);
        let due = added.plus_ms((secs.max(0) as u64).saturating_mul(1000));
        at = Some(at.map_or(due, |a| a.min(due)));
    }
    at
}

fn evict(ctx: &mut Ctx<'_>, st: &State, node: &Value, now: SimTime) {
    let taints: Vec<Value> = node
        .path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .map(|ts| {
            ts.iter()
                .filter(|t| meta::str_at(t, &["effect"]) == Some("NoExecute"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if taints.is_empty() {
        return;
    }
    let name = meta::str_at(node, &["metadata", "name"]).unwrap_or("");
    let keys: Vec<String> = st
        .index
        .pods_by_node
        .get(name)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default();
    let pod_res = super::res("Pod");
    for k in keys {
        let Some(p) = ctx.get(pod_res, &k) else {
            continue;
        };
        if meta::is_terminating(&p) {
            continue;
        }
        if eviction_time(&p, &taints, now).is_some_and(|t| t <= now) {
            // `addConditionAndDeletePod`: DisruptionTarget=True first, then the deletion.
            let mut p = (*p).clone();
            let mut cond = meta::make_condition(
                "DisruptionTarget",
                "True",
                "DeletionByTaintManager",
                "Taint manager: deleting due to NoExecute taint",
            );
            cond.set("lastProbeTime", Value::Null);
            if let Some(g) = meta::int_at(&p, &["metadata", "generation"]) {
                cond.set("observedGeneration", g);
            }
            if meta::set_condition(&mut p, cond, now) {
                if let Ok(stored) = ctx.update_status(pod_res, &p) {
                    p = stored;
                }
            }
            if ctx.delete(pod_res, &k, &DeleteOptions::default()).is_ok() {
                ctx.event(
                    &p,
                    Type::Normal,
                    "TaintManagerEviction",
                    &format!("Marking for deletion Pod {k}"),
                    "taint-eviction-controller",
                );
            }
        }
    }
}
