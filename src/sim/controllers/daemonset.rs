//! DaemonSet controller: one pod per eligible node.
//!
//! A node is eligible when the pod template's `nodeSelector` and required node affinity match
//! it and every NoSchedule/NoExecute taint is tolerated — DaemonSet pods get the upstream
//! automatic tolerations (`not-ready`, `unreachable` NoExecute without a limit; `disk-pressure`,
//! `memory-pressure`, `pid-pressure`, `unschedulable` NoSchedule). Each pod is pinned with
//! required node affinity on `metadata.name` (the scheduler binds it, as since 1.12). New
//! nodes get a pod; nodes that stop being eligible lose it. A changed template rolls pods
//! out `maxUnavailable` at a time (`controller-revision-hash` label), as pods become ready.

use super::{Ctl, Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const COMPONENT: &str = "daemonset-controller";
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// The tolerations the DaemonSet controller adds to every daemon pod.
fn daemon_tolerations(spec: &mut Value) {
    let mut list: Vec<Value> = spec
        .get("tolerations")
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    for (key, effect) in [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ] {
        if !list.iter().any(|t| meta::str_at(t, &["key"]) == Some(key)) {
            let mut t = Value::map();
            t.set("effect", effect);
            t.set("key", key);
            t.set("operator", "Exists");
            list.push(t);
        }
    }
    spec.set("tolerations", Value::Seq(list));
}

/// Does a node satisfy a pod spec's nodeSelector and required node affinity?
pub fn node_matches(spec: &Value, node: &Value) -> bool {
    // Borrowed: the controller asks this for every node at every reconcile.
    let empty = crate::sim::value::Map::new();
    let labels = node
        .path(&["metadata", "labels"])
        .and_then(Value::as_map)
        .unwrap_or(&empty);
    if let Some(sel) = spec.get("nodeSelector").and_then(Value::as_map) {
        if !sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            return false;
        }
    }
    let terms = spec
        .path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Value::as_seq);
    if let Some(terms) = terms {
        let name = meta::str_at(node, &["metadata", "name"]).unwrap_or("");
        let any = terms.iter().any(|term| {
            let exprs_ok = term
                .get("matchExpressions")
                .and_then(Value::as_seq)
                .is_none_or(|es| {
                    es.iter().all(|e| {
                        let mut sel = Value::map();
                        sel.set("matchExpressions", Value::Seq(vec![e.clone()]));
                        meta::selector_matches_labels(&sel, labels)
                    })
                });
            let fields_ok = term
                .get("matchFields")
                .and_then(Value::as_seq)
                .is_none_or(|fs| {
                    fs.iter().all(|f| {
                        let mut fl = crate::sim::value::Map::new();
                        fl.insert("metadata.name".into(), name.into());
                        let mut sel = Value::map();
                        sel.set("matchExpressions", Value::Seq(vec![f.clone()]));
                        meta::selector_matches_labels(&sel, &fl)
                    })
                });
            exprs_ok && fields_ok
        });
        if !any {
            return false;
        }
    }
    true
}

/// `(should run, should continue running)` like upstream's `NodeShouldRunDaemonPod`: a new
/// pod needs every NoSchedule/NoExecute taint tolerated; an existing one only NoExecute.
fn should_run(spec: &Value, node: &Value) -> (bool, bool) {
    if !node_matches(spec, node) {
        return (false, false);
    }
    (
        tolerated(spec, node, &["NoSchedule", "NoExecute"]),
        tolerated(spec, node, &["NoExecute"]),
    )
}

/// Are the node's taints with one of `effects` tolerated? (Node selection is checked apart.)
fn tolerated(spec: &Value, node: &Value, effects: &[&str]) -> bool {
    let tolerations: &[Value] = spec
        .get("tolerations")
        .and_then(Value::as_seq)
        .map_or(&[], |v| v.as_slice());
    node.path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .is_none_or(|taints| {
            taints
                .iter()
                .filter(|t| meta::str_at(t, &["effect"]).is_some_and(|e| effects.contains(&e)))
                .all(|t| {
                    tolerations
                        .iter()
                        .any(|tol| super::nodelifecycle::tolerates(tol, t))
                })
        })
}

fn pin_to_node(spec: &mut Value, node: &str) {
    let mut f = Value::map();
    f.set("key", "metadata.name");
    f.set("operator", "In");
    f.set("values", Value::Seq(vec![node.into()]));
    let mut term = Value::map();
    term.set("matchFields", Value::Seq(vec![f]));
    spec.path_mut_or_insert(&[
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ])
    .set("nodeSelectorTerms", Value::Seq(vec![term]));
}

/// The node a daemon pod is for: its binding, or its pinned affinity while pending.
fn target_node(p: &Value) -> Option<&str> {
    if let Some(n) = meta::node_name(p) {
        return Some(n);
    }
    p.path(&[
        "spec",
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ])?
    .as_seq()?
    .first()?
    .get("matchFields")?
    .as_seq()?
    .first()?
    .get("values")?
    .as_seq()?
    .first()?
    .as_str()
}

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let ds_res = super::res("DaemonSet");
    if key == "*" {
        let keys: Vec<String> = ctx
            .list(ds_res, None)
            .iter()
            .map(|d| meta::key_of(d))
            .collect();
        for k in keys {
            reconcile(ctx, st, &k);
        }
        return;
    }
    let Some(ds) = ctx.get(ds_res, key) else {
        return;
    };
    let ds: Value = (*ds).clone();
    let uid = meta::uid(&ds).to_string();
    let name = meta::str_at(&ds, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let template = ds
        .path(&["spec", "template"])
        .cloned()
        .unwrap_or_else(Value::map);
    let mut tspec = template.get("spec").cloned().unwrap_or_else(Value::map);
    daemon_tolerations(&mut tspec);
    let nodes = ctx.list(super::res("Node"), None);
    let pods = super::owned_pods(ctx, st, &uid);
    // The revision history (ControllerRevisions) names the hash new pods are labelled with.
    let collision = meta::int_at(&ds, &["status", "collisionCount"]);
    let mut hash = super::template_hash(&template, collision);
    if !meta::is_terminating(&ds) {
        // Distinct values only (usually one or two for 1,000 pods).
        let in_use: Vec<String> = crate::sort::set_of(
            pods.iter()
                .filter(|p| !meta::is_terminating(p))
                .filter_map(|p| meta::label(p, REVISION_LABEL)),
        )
        .into_iter()
        .map(str::to_string)
        .collect();
        match super::history::sync(ctx, st, &ds, "DaemonSet", &in_use) {
            Some(cur) => hash = cur.pod_label,
            // Hash collision or refused write: try again shortly rather than roll blindly.
            None => {
                st.enqueue_after(Ctl::DaemonSet, key, ctx.now().plus_ms(1_000));
                return;
            }
        }
    }
    // Borrowed from `pods` and `nodes`: this runs over every node at every reconcile.
    let mut by_node: BTreeMap<&str, Vec<&Arc<Value>>> = BTreeMap::new();
    for p in &pods {
        if let Some(n) = target_node(p) {
            by_node.entry(n).or_default().push(p);
        }
    }
    let now = ctx.now();
    let pod_res = super::res("Pod");
    let terminating_ds = meta::is_terminating(&ds);
    let max_unavailable = super::int_or_percent(
        ds.path(&["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]),
        nodes.len() as i64,
        true,
        1,
    )
    .max(1);
    let rolling = meta::str_at(&ds, &["spec", "updateStrategy", "type"]) != Some("OnDelete");
    let (mut desired, mut current, mut ready, mut available, mut updated, mut misscheduled) =
        (0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    let is_updated = |p: &Value| meta::label(p, REVISION_LABEL).is_none_or(|h| h == hash);
    let mut old_ready: Vec<Arc<Value>> = Vec::new();
    let mut unavailable = 0i64;
    for node in &nodes {
        let nname = meta::str_at(node, &["metadata", "name"]).unwrap_or("");
        let here: &[&Arc<Value>] = by_node.get(nname).map_or(&[], Vec::as_slice);
        let live: Vec<&Arc<Value>> = here
            .iter()
            .filter(|p| !meta::is_terminating(p))
            .copied()
            .collect();
        let (should_run, keep_running) = should_run(&tspec, node);
        let run = should_run || (keep_running && !live.is_empty());
        if run {
            desired += 1;
        }
        if terminating_ds {
            continue;
        }
        if run {
            // Failed pods are deleted and replaced.
            for p in live.iter().filter(|p| meta::pod_phase(p) == "Failed") {
                delete_pod(ctx, &ds, p);
            }
            let healthy: Vec<&Arc<Value>> = live
                .iter()
                .filter(|p| meta::pod_phase(p) != "Failed")
                .copied()
                .collect();
            if healthy.is_empty()
                && here
                    .iter()
                    .all(|p| !meta::is_terminating(p) || meta::pod_phase(p) == "Failed")
            {
                let mut pod = super::pod_from_template(&ds, &template);
                let mut spec = tspec.clone();
                pin_to_node(&mut spec, nname);
                pod.set("spec", spec);
                pod.path_mut_or_insert(&["metadata"])
                    .set("generateName", format!("{name}-"));
                let labels = pod.path_mut_or_insert(&["metadata", "labels"]);
                labels.set(REVISION_LABEL, hash.as_str());
                labels.set(
                    "pod-template-generation",
                    crate::sim::apiserver::template_generation(&ds).to_string(),
                );
                match ctx.create(pod_res, pod) {
                    Ok(c) => {
                        let pn = meta::str_at(&c, &["metadata", "name"]).unwrap_or("");
                        ctx.event(
                            &ds,
                            Type::Normal,
                            "SuccessfulCreate",
                            &format!("Created pod: {pn}"),
                            COMPONENT,
                        );
                    }
                    Err(e) => ctx.event(
                        &ds,
                        Type::Warning,
                        "FailedCreate",
                        &format!("Error creating: {}", e.message),
                        COMPONENT,
                    ),
                }
                unavailable += 1;
                continue;
            }
            // Extra pods on one node: keep the oldest.
            let mut keep = healthy;
            if keep.len() > 1 {
                keep.sort_small_by_key(|p| meta::creation_time(p));
            }
            for extra in keep.iter().skip(1) {
                delete_pod(ctx, &ds, extra);
            }
            if let Some(p) = keep.first() {
                current += 1;
                if meta::pod_is_ready(p) {
                    ready += 1;
                }
                let min_ready = meta::int_at(&ds, &["spec", "minReadySeconds"]).unwrap_or(0);
                if meta::pod_is_available(p, min_ready, now) {
                    available += 1;
                } else {
                    unavailable += 1;
                }
                if is_updated(p) {
                    updated += 1;
                } else if meta::pod_is_available(p, min_ready, now) {
                    old_ready.push((*p).clone());
                } else if rolling {
                    // Old and not even available: replace it right away.
                    delete_pod(ctx, &ds, p);
                }
            }
        } else {
            for p in &live {
                misscheduled += 1;
                delete_pod(ctx, &ds, p);
            }
        }
    }
    if rolling && !terminating_ds {
        let budget = (max_unavailable - unavailable).max(0) as usize;
        for p in old_ready.iter().take(budget) {
            delete_pod(ctx, &ds, p);
        }
    }
    if ready > available {
        st.enqueue_after(Ctl::DaemonSet, key, now.plus_ms(1_000));
    }
    let mut status = ds.get("status").cloned().unwrap_or_else(Value::map);
    status.set("currentNumberScheduled", current);
    status.set("desiredNumberScheduled", desired);
    status.set("numberMisscheduled", misscheduled);
    status.set("numberReady", ready);
    status.set("numberAvailable", available);
    status.set("updatedNumberScheduled", updated);
    if desired - available > 0 {
        status.set("numberUnavailable", desired - available);
    } else {
        meta::remove(&mut status, "numberUnavailable");
    }
    if available == 0 {
        meta::remove(&mut status, "numberAvailable");
    }
    if let Some(g) = meta::int_at(&ds, &["metadata", "generation"]) {
        status.set("observedGeneration", g);
    }
    if ds.get("status") != Some(&status) {
        let mut next = ds.clone();
        next.set("status", status);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update_status(super::res("DaemonSet"), &next);
    }
}

fn delete_pod(ctx: &mut Ctx<'_>, ds: &Value, p: &Value) {
    if ctx
        .delete(
            super::res("Pod"),
            &meta::key_of(p),
            &DeleteOptions::default(),
        )
        .is_ok()
    {
        let pn = meta::str_at(p, &["metadata", "name"]).unwrap_or("");
        ctx.event(
            ds,
            Type::Normal,
            "SuccessfulDelete",
            &format!("Deleted pod: {pn}"),
            COMPONENT,
        );
    }
}
