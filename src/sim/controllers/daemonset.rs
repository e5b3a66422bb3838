//! DaemonSet controller: one pod per eligible node.
//!
//! A node is eligible when the pod template's `nodeSelector` and required node affinity match
//! it and every NoSchedule/NoExecute taint is tolerated — DaemonSet pods get the upstream
//! automatic tolerations (`not-ready`, `unreachable` NoExecute without a limit; `disk-pressure`,
//! `memory-pressure`, `pid-pressure`, `unschedulable` NoSchedule). Each pod is pinned with
//! required node affinity on `metadata.name` (the scheduler binds it, as since 1.12). New
//! nodes get a pod; nodes that stop being eligible lose it. A changed template rolls pods
//! out `maxUnavailable` at a time (`controller-revision-hash` label), as pods become ready.

use super::daemon_view::NodeResult;
use super::{Ctl, Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::clock::SimTime;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sort::SortSmall;
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
pub(super) fn target_node(p: &Value) -> Option<&str> {
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

/// What every per-node decision of one reconcile reads besides the node and its pods.
struct Env<'a> {
    ds: &'a Value,
    template: &'a Value,
    /// The template's pod spec with the daemon tolerations.
    tspec: &'a Value,
    name: &'a str,
    /// The revision new pods are labelled with.
    hash: &'a str,
    terminating_ds: bool,
    rolling: bool,
    min_ready: i64,
    now: SimTime,
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
    // The counts and the view follow the store from here (writes since the last catch_up
    // replayed); which pods are ours is what the index filed, as `owned_pods` reads it.
    super::sync_counts(ctx, st);
    // The revision history (ControllerRevisions) names the hash new pods are labelled with.
    let collision = meta::int_at(&ds, &["status", "collisionCount"]);
    let mut hash = super::template_hash(&template, collision);
    if !meta::is_terminating(&ds) {
        // Distinct values only (usually one or two for 1,000 pods), from the counts unless
        // two label maps collided there.
        let in_use: Vec<String> = match st.index.counts.get(&uid) {
            Some(c) if !c.collided => c.live_label_values(REVISION_LABEL),
            None => Vec::new(),
            Some(_) => crate::sort::set_of(
                super::owned_pods(ctx, st, &uid)
                    .iter()
                    .filter(|p| !meta::is_terminating(p))
                    .filter_map(|p| meta::label(p, REVISION_LABEL).map(str::to_string)),
            )
            .into_iter()
            .collect(),
        };
        match super::history::sync(ctx, st, &ds, "DaemonSet", &in_use) {
            Some(cur) => hash = cur.pod_label,
            // Hash collision or refused write: try again shortly rather than roll blindly.
            None => {
                st.enqueue_after(Ctl::DaemonSet, key, ctx.now().plus_ms(1_000));
                return;
            }
        }
    }
    let now = ctx.now();
    let node_res = super::res("Node");
    let node_count = ctx.store().range(&node_res.storage_prefix(None)).count();
    let max_unavailable = super::int_or_percent(
        ds.path(&["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]),
        node_count as i64,
        true,
        1,
    )
    .max(1);
    let env = Env {
        ds: &ds,
        template: &template,
        tspec: &tspec,
        name: &name,
        hash: &hash,
        terminating_ds: meta::is_terminating(&ds),
        rolling: meta::str_at(&ds, &["spec", "updateStrategy", "type"]) != Some("OnDelete"),
        min_ready: meta::int_at(&ds, &["spec", "minReadySeconds"]).unwrap_or(0),
        now,
    };
    // Everything a per-node decision reads of the DaemonSet: the object (not its status),
    // and the revision (from the history).
    let inputs_fp = {
        let mut h = crate::sim::world::Fnv::default();
        h.write(&super::spec_fingerprint(&ds).to_le_bytes());
        h.write(hash.as_bytes());
        h.0
    };
    // With minReadySeconds, availability depends on the clock: decide every node.
    let walk_all = st.daemon_full_walk || env.min_ready > 0;
    let view = st.index.daemon_view(ctx.store(), &uid);
    let nodes: Vec<(String, Option<Arc<Value>>)> = if walk_all || view.inputs_fp != Some(inputs_fp)
    {
        view.forget_results();
        ctx.list(node_res, None)
            .into_iter()
            .map(|n| {
                let name = meta::str_at(&n, &["metadata", "name"])
                    .unwrap_or("")
                    .to_string();
                (name, Some(n))
            })
            .collect()
    } else {
        std::mem::take(&mut view.dirty)
            .into_iter()
            .map(|n| {
                let node = ctx.get(node_res, &n);
                (n, node)
            })
            .collect()
    };
    view.inputs_fp = Some(inputs_fp);
    let pod_res = super::res("Pod");
    let mut pods: Vec<Arc<Value>> = Vec::new();
    for (nname, node) in nodes {
        let Some(node) = node else {
            view.results.remove(&nname);
            continue;
        };
        pods.clear();
        pods.extend(view.pods_on(&nname).filter_map(|k| ctx.get(pod_res, k)));
        let r = decide(ctx, &env, &node, &nname, &pods);
        if r.acted {
            view.dirty.insert(nname.clone());
        }
        view.results.insert(nname, r);
    }
    let (mut desired, mut current, mut ready, mut available, mut updated, mut misscheduled) =
        (0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    let mut unavailable = 0i64;
    let mut old_ready: Vec<(&str, &Arc<Value>)> = Vec::new();
    for (n, r) in &view.results {
        desired += i64::from(r.desired);
        current += i64::from(r.current);
        ready += i64::from(r.ready);
        available += i64::from(r.available);
        updated += i64::from(r.updated);
        misscheduled += r.misscheduled;
        unavailable += r.unavailable;
        if let Some(p) = &r.old_ready {
            old_ready.push((n, p));
        }
    }
    if env.rolling && !env.terminating_ds {
        let budget = (max_unavailable - unavailable).max(0) as usize;
        let mut deleted: Vec<String> = Vec::new();
        for (n, p) in old_ready.into_iter().take(budget) {
            delete_pod(ctx, &ds, p);
            deleted.push(n.to_string());
        }
        view.dirty.extend(deleted);
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

/// Decides node `nname` from its pods (`here`, those filed as targeting it, in key order):
/// creates, replaces or deletes pods there and says what the node adds to the status.
fn decide(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    node: &Value,
    nname: &str,
    here: &[Arc<Value>],
) -> NodeResult {
    let mut r = NodeResult::default();
    let live: Vec<&Arc<Value>> = here.iter().filter(|p| !meta::is_terminating(p)).collect();
    let (should_run, keep_running) = should_run(env.tspec, node);
    let run = should_run || (keep_running && !live.is_empty());
    r.desired = run;
    if env.terminating_ds {
        return r;
    }
    let ds = env.ds;
    if !run {
        for p in &live {
            r.misscheduled += 1;
            delete_pod(ctx, ds, p);
            r.acted = true;
        }
        return r;
    }
    // Failed pods are deleted and replaced.
    for p in live.iter().filter(|p| meta::pod_phase(p) == "Failed") {
        delete_pod(ctx, ds, p);
        r.acted = true;
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
        let mut pod = super::pod_from_template(ds, env.template);
        let mut spec = env.tspec.clone();
        pin_to_node(&mut spec, nname);
        pod.set("spec", spec);
        pod.path_mut_or_insert(&["metadata"])
            .set("generateName", format!("{}-", env.name));
        let labels = pod.path_mut_or_insert(&["metadata", "labels"]);
        labels.set(REVISION_LABEL, env.hash);
        labels.set(
            "pod-template-generation",
            crate::sim::apiserver::template_generation(ds).to_string(),
        );
        match ctx.create(super::res("Pod"), pod) {
            Ok(c) => {
                let pn = meta::str_at(&c, &["metadata", "name"]).unwrap_or("");
                ctx.event(
                    ds,
                    Type::Normal,
                    "SuccessfulCreate",
                    &format!("Created pod: {pn}"),
                    COMPONENT,
                );
            }
            Err(e) => ctx.event(
                ds,
                Type::Warning,
                "FailedCreate",
                &format!("Error creating: {}", e.message),
                COMPONENT,
            ),
        }
        r.acted = true;
        r.unavailable = 1;
        return r;
    }
    // Extra pods on one node: keep the oldest.
    let mut keep = healthy;
    if keep.len() > 1 {
        keep.sort_small_by_key(|p| meta::creation_time(p));
    }
    for extra in keep.iter().skip(1) {
        delete_pod(ctx, ds, extra);
        r.acted = true;
    }
    if let Some(p) = keep.first() {
        r.current = true;
        r.ready = meta::pod_is_ready(p);
        let avail = meta::pod_is_available(p, env.min_ready, env.now);
        r.available = avail;
        if !avail {
            r.unavailable = 1;
        }
        if meta::label(p, REVISION_LABEL).is_none_or(|h| h == env.hash) {
            r.updated = true;
        } else if avail {
            r.old_ready = Some((*p).clone());
        } else if env.rolling {
            // Old and not even available: replace it right away.
            delete_pod(ctx, ds, p);
            r.acted = true;
        }
    }
    r
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
