//! ReplicaSet controller: keeps `spec.replicas` active pods matching the selector.
//!
//! Reconcile (`manageReplicas` upstream): adopt matching orphans, release owned pods that no
//! longer match, create the missing pods (`generateName: <rs>-`, event
//! `SuccessfulCreate` `Created pod: web-7d4b9c5f8-x2kqp`) or delete the surplus, choosing like
//! upstream's `getPodsToDelete`: unscheduled before scheduled, Pending before Running, not
//! ready before ready, then the most recently ready/created (`SuccessfulDelete`
//! `Deleted pod: ...`). Then it writes `status` (replicas, fullyLabeledReplicas,
//! readyReplicas, availableReplicas, observedGeneration).
//!
//! A pod being deleted (Terminating) no longer counts, so a replacement is created at once,
//! as in a real cluster.

use super::{Ctl, Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use std::sync::Arc;

pub const COMPONENT: &str = "replicaset-controller";
/// At most this many pods are created or deleted per reconcile (`burstReplicas` upstream):
/// the rest follows in the next rounds, so a huge `replicas` cannot stall a step.
pub const BURST_REPLICAS: usize = 500;

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let rs_res = super::res("ReplicaSet");
    if let Some(ns) = key.strip_prefix("ns:") {
        // An orphan pod changed: any ReplicaSet of the namespace may adopt it.
        let keys: Vec<String> = ctx
            .list(rs_res, Some(ns))
            .iter()
            .map(|r| meta::key_of(r))
            .collect();
        for k in keys {
            reconcile(ctx, st, &k);
        }
        return;
    }
    let Some(rs) = ctx.get(rs_res, key) else {
        return;
    };
    let rs: Value = (*rs).clone();
    let ns = meta::str_at(&rs, &["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let uid = meta::uid(&rs).to_string();
    let selector = rs
        .path(&["spec", "selector"])
        .cloned()
        .unwrap_or_else(Value::map);
    let want = meta::int_at(&rs, &["spec", "replicas"]).unwrap_or(1).max(0) as usize;
    // What the informer counts of our pods; the pods themselves are read only to release,
    // adopt or delete some (a ReplicaSet may own 10,000 and is reconciled at nearly every
    // step while they start).
    super::sync_counts(ctx, st);
    let (counted_active, all_match) = match st.index.counts.get(&uid) {
        Some(c) => (c.active as usize, !c.collided && c.all_match(&selector)),
        None => (0, true),
    };
    // The active pods, read only when some must be chosen for deletion.
    let mut active: Vec<Arc<Value>> = Vec::new();
    let mut active_len = counted_active;
    if !meta::is_terminating(&rs) {
        let orphans = super::orphans_matching(ctx, st, &ns, &selector);
        if !all_match || !orphans.is_empty() || counted_active > want {
            let pods = super::owned_pods(ctx, st, &uid);
            // Release pods whose labels no longer match (someone relabelled them).
            let mut kept = Vec::with_capacity(pods.len());
            for p in pods {
                if meta::selector_matches(&selector, &p) {
                    kept.push(p);
                } else {
                    let mut q = (*p).clone();
                    let refs: Vec<_> = meta::owner_refs(&q)
                        .into_iter()
                        .filter(|r| r.uid != uid)
                        .collect();
                    meta::set_owner_refs(&mut q, &refs);
                    let _ = ctx.update(super::res("Pod"), q);
                }
            }
            for orphan in orphans {
                if let Some(p) = super::adopt(ctx, &orphan, &rs) {
                    kept.push(Arc::new(p));
                }
            }
            active = kept
                .into_iter()
                .filter(|p| meta::pod_is_active(p))
                .collect();
            active_len = active.len();
        }
    }
    if !meta::is_terminating(&rs) {
        if active_len < want {
            let template = rs
                .path(&["spec", "template"])
                .cloned()
                .unwrap_or_else(Value::map);
            let rs_name = meta::str_at(&rs, &["metadata", "name"]).unwrap_or("");
            if want - active_len > BURST_REPLICAS {
                st.enqueue(Ctl::ReplicaSet, key);
            }
            for _ in 0..(want - active_len).min(BURST_REPLICAS) {
                let mut pod = super::pod_from_template(&rs, &template);
                pod.path_mut_or_insert(&["metadata"])
                    .set("generateName", format!("{rs_name}-"));
                match ctx.create(super::res("Pod"), pod) {
                    Ok(created) => {
                        let name = meta::str_at(&created, &["metadata", "name"]).unwrap_or("");
                        ctx.event(
                            &rs,
                            Type::Normal,
                            "SuccessfulCreate",
                            &format!("Created pod: {name}"),
                            COMPONENT,
                        );
                    }
                    Err(e) => {
                        ctx.event(
                            &rs,
                            Type::Warning,
                            "FailedCreate",
                            &format!("Error creating: {}", e.message),
                            COMPONENT,
                        );
                        break;
                    }
                }
            }
        } else if active_len > want {
            let mut victims = active;
            rank_for_deletion(&mut victims, ctx.now());
            if active_len - want > BURST_REPLICAS {
                st.enqueue(Ctl::ReplicaSet, key);
            }
            for p in victims.iter().take((active_len - want).min(BURST_REPLICAS)) {
                let k = meta::key_of(p);
                if ctx
                    .delete(super::res("Pod"), &k, &DeleteOptions::default())
                    .is_ok()
                {
                    let name = meta::str_at(p, &["metadata", "name"]).unwrap_or("");
                    ctx.event(
                        &rs,
                        Type::Normal,
                        "SuccessfulDelete",
                        &format!("Deleted pod: {name}"),
                        COMPONENT,
                    );
                }
            }
        }
    }
    // Status, from the pods as they are now (counted, with this reconcile's writes).
    super::sync_counts(ctx, st);
    let now = ctx.now();
    let min_ready = meta::int_at(&rs, &["spec", "minReadySeconds"]).unwrap_or(0);
    let no_labels = crate::sim::value::Map::new();
    let template_labels = rs
        .path(&["spec", "template", "metadata", "labels"])
        .and_then(Value::as_map)
        .unwrap_or(&no_labels);
    let (replicas, fully, ready, available) = match st.index.counts.get(&uid) {
        Some(c) => (
            c.active,
            c.fully_labeled(template_labels),
            c.ready,
            c.available(min_ready, now),
        ),
        None => (0, 0, 0, 0),
    };
    if available < ready {
        // Some pods become available once minReadySeconds pass: look again then.
        st.enqueue_after(Ctl::ReplicaSet, key, now.plus_ms(1_000));
    }
    let mut status = rs.get("status").cloned().unwrap_or_else(Value::map);
    status.set("replicas", i64::from(replicas));
    status.set("fullyLabeledReplicas", i64::from(fully));
    status.set("readyReplicas", i64::from(ready));
    status.set("availableReplicas", i64::from(available));
    if let Some(g) = meta::int_at(&rs, &["metadata", "generation"]) {
        status.set("observedGeneration", g);
    }
    if rs.get("status") != Some(&status) {
        let mut next = rs.clone();
        next.set("status", status);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update_status(super::res("ReplicaSet"), &next);
    }
}

/// Orders pods so the best ones to delete come first (`controller.ActivePodsWithRanks`).
pub fn rank_for_deletion(pods: &mut [Arc<Value>], now: crate::sim::SimTime) {
    let phase_rank = |p: &Value| match meta::pod_phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        _ => 2,
    };
    let ready_since = |p: &Value| {
        meta::condition(p, "Ready")
            .and_then(|c| meta::str_at(c, &["lastTransitionTime"]))
            .and_then(crate::sim::SimTime::parse_rfc3339)
            .unwrap_or(now)
    };
    let restarts = |p: &Value| -> i64 {
        p.path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| meta::int_at(c, &["restartCount"]))
                    .sum()
            })
            .unwrap_or(0)
    };
    pods.sort_small_by(|a, b| {
        let ka = (
            meta::node_name(a).is_some(),
            phase_rank(a),
            meta::pod_is_ready(a),
        );
        let kb = (
            meta::node_name(b).is_some(),
            phase_rank(b),
            meta::pod_is_ready(b),
        );
        ka.cmp(&kb)
            // Ready for less time first.
            .then_with(|| ready_since(b).cmp(&ready_since(a)))
            // More restarts first.
            .then_with(|| restarts(b).cmp(&restarts(a)))
            // Newer first.
            .then_with(|| meta::creation_time(b).cmp(&meta::creation_time(a)))
            .then_with(|| meta::key_of(b).cmp(&meta::key_of(a)))
    });
}
