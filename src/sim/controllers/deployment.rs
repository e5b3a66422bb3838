//! Deployment controller: ReplicaSets per pod template, rolling updates, Recreate, revision
//! history, pause, progress deadline and status — `pkg/controller/deployment`.
//!
//! Reconcile of one Deployment:
//! 1. gather its ReplicaSets (owned, or orphans matching the selector, adopted);
//! 2. find the *new* ReplicaSet, the one whose template equals the Deployment's (ignoring
//!    `pod-template-hash`); create it if missing as `<deploy>-<hash>` with revision
//!    `max + 1` (`deployment.kubernetes.io/revision`);
//! 3. paused: only keep the replica count; otherwise roll: **RollingUpdate** scales the new
//!    ReplicaSet up within `replicas + maxSurge` and the old ones down keeping
//!    `replicas - maxUnavailable` available (step by step, as pods become ready);
//!    **Recreate** scales every old one to 0, waits for their pods to be gone, then scales up;
//! 4. delete old ReplicaSets beyond `revisionHistoryLimit`;
//! 5. status and the `Available` / `Progressing` conditions (with the upstream reasons:
//!    `NewReplicaSetCreated`, `ReplicaSetUpdated`, `NewReplicaSetAvailable`,
//!    `ProgressDeadlineExceeded`, `DeploymentPaused`, `DeploymentResumed`).
//!
//! The kubectl side (`rollout undo/history/restart/pause/resume`, `scale`) is in the `pub fn`s
//! at the bottom: they act through the API server like kubectl does.

use super::{Ctl, Ctx, State};
use crate::sim::apiserver::{ApiError, DeleteOptions};
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sim::world::World;
use crate::sim::SimTime;
use crate::sort::SortSmall;
use std::sync::Arc;

pub const COMPONENT: &str = "deployment-controller";
pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const HASH_LABEL: &str = "pod-template-hash";

fn rev_of(rs: &Value) -> i64 {
    meta::annotation(rs, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn replicas(v: &Value) -> i64 {
    meta::int_at(v, &["spec", "replicas"]).unwrap_or(0)
}

fn stat(v: &Value, f: &str) -> i64 {
    meta::int_at(v, &["status", f]).unwrap_or(0)
}

/// A template without the `pod-template-hash` label (for "same template?" comparisons).
pub fn strip_hash(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(labels) = meta::path_mut(&mut t, &["metadata", "labels"]) {
        meta::remove(labels, HASH_LABEL);
        if labels.as_map().is_some_and(|m| m.is_empty()) {
            if let Some(m) = meta::path_mut(&mut t, &["metadata"]) {
                meta::remove(m, "labels");
            }
        }
    }
    t
}

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let d_res = super::res("Deployment");
    let rs_res = super::res("ReplicaSet");
    let Some(d) = ctx.get(d_res, key) else {
        return;
    };
    let d: Value = (*d).clone();
    let ns = meta::str_at(&d, &["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let name = meta::str_at(&d, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let uid = meta::uid(&d).to_string();
    let selector = d
        .path(&["spec", "selector"])
        .cloned()
        .unwrap_or_else(Value::map);
    let template = d
        .path(&["spec", "template"])
        .cloned()
        .unwrap_or_else(Value::map);
    let mut all: Vec<Value> = rs_of(ctx, st, &uid);
    if meta::is_terminating(&d) {
        sync_status(ctx, st, key, &d, &all, None, false);
        return;
    }
    // Adopt orphan ReplicaSets that match.
    let orphans: Vec<Arc<Value>> = ctx
        .list(rs_res, Some(&ns))
        .into_iter()
        .filter(|r| {
            meta::controller_ref(r).is_none()
                && !meta::is_terminating(r)
                && meta::selector_matches(&selector, r)
        })
        .collect();
    for o in orphans {
        if let Some(a) = super::adopt(ctx, &o, &d) {
            all.push(a);
        }
    }
    let paused = meta::bool_at(&d, &["spec", "paused"]) == Some(true);
    let want = replicas(&d);
    let stripped = strip_hash(&template);
    let mut new_rs = all
        .iter()
        .find(|r| {
            r.path(&["spec", "template"])
                .is_some_and(|t| strip_hash(t) == stripped)
        })
        .cloned();
    let max_rev = all.iter().map(rev_of).max().unwrap_or(0);
    let strategy = meta::str_at(&d, &["spec", "strategy", "type"])
        .unwrap_or("RollingUpdate")
        .to_string();
    let max_surge = if strategy == "RollingUpdate" {
        super::int_or_percent(
            d.path(&["spec", "strategy", "rollingUpdate", "maxSurge"]),
            want,
            true,
            0,
        )
    } else {
        0
    };
    let max_unavailable = if strategy == "RollingUpdate" {
        super::int_or_percent(
            d.path(&["spec", "strategy", "rollingUpdate", "maxUnavailable"]),
            want,
            false,
            0,
        )
        .min(want)
    } else {
        0
    };
    // Surge and unavailability can't both be 0: upstream makes maxUnavailable 1 then.
    let max_unavailable = if max_surge == 0 && max_unavailable == 0 && want > 0 {
        1
    } else {
        max_unavailable
    };
    let mut created_new = false;
    if new_rs.is_none() && !paused {
        let collision = meta::int_at(&d, &["status", "collisionCount"]);
        let hash = super::template_hash(&stripped, collision);
        let rs_name = format!("{name}-{hash}");
        let olds_total: i64 = all.iter().map(replicas).sum();
        let initial = match strategy.as_str() {
            "Recreate" => 0,
            _ => {
                if olds_total == 0 {
                    want
                } else {
                    (want.saturating_add(max_surge) - olds_total).clamp(0, want)
                }
            }
        };
        let mut rs = Value::map();
        rs.set("apiVersion", "apps/v1");
        rs.set("kind", "ReplicaSet");
        let m = rs.path_mut_or_insert(&["metadata"]);
        m.set("name", rs_name.as_str());
        m.set("namespace", ns.as_str());
        let mut labels = template
            .path(&["metadata", "labels"])
            .cloned()
            .unwrap_or_else(Value::map);
        labels.set(HASH_LABEL, hash.as_str());
        rs.path_mut_or_insert(&["metadata"])
            .set("labels", labels.clone());
        meta::set_annotation(
            &mut rs,
            "deployment.kubernetes.io/desired-replicas",
            &want.to_string(),
        );
        meta::set_annotation(
            &mut rs,
            "deployment.kubernetes.io/max-replicas",
            &want.saturating_add(max_surge).to_string(),
        );
        meta::set_annotation(&mut rs, REVISION, &(max_rev + 1).to_string());
        meta::set_owner_refs(&mut rs, &[meta::OwnerRef::controller_of(&d)]);
        let mut t = template.clone();
        t.path_mut_or_insert(&["metadata", "labels"])
            .set(HASH_LABEL, hash.as_str());
        let mut sel = selector.clone();
        sel.path_mut_or_insert(&["matchLabels"])
            .set(HASH_LABEL, hash.as_str());
        let spec = rs.path_mut_or_insert(&["spec"]);
        spec.set("replicas", initial);
        spec.set("selector", sel);
        spec.set("template", t);
        if let Some(mrs) = d.path(&["spec", "minReadySeconds"]) {
            spec.set("minReadySeconds", mrs.clone());
        }
        match ctx.create(rs_res, rs) {
            Ok(created) => {
                if initial > 0 {
                    ctx.event(
                        &d,
                        Type::Normal,
                        "ScalingReplicaSet",
                        &format!("Scaled up replica set {rs_name} from 0 to {initial}"),
                        COMPONENT,
                    );
                }
                created_new = true;
                all.push(created.clone());
                new_rs = Some(created);
            }
            Err(e) if e.reason == "AlreadyExists" => {
                // A different template hashed to the same name: bump collisionCount.
                let mut next = d.clone();
                let c = collision.unwrap_or(0) + 1;
                next.path_mut_or_insert(&["status"])
                    .set("collisionCount", c);
                let _ = ctx.update_status(d_res, &next);
                return;
            }
            Err(_) => return,
        }
    } else if let Some(rs) = &new_rs {
        // A rollback to an old template: that ReplicaSet becomes the newest revision.
        if rev_of(rs) < max_rev && !paused {
            let mut next = rs.clone();
            let old_rev = rev_of(rs);
            let mut history: Vec<String> =
                meta::annotation(rs, "deployment.kubernetes.io/revision-history")
                    .map(|h| h.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
            history.push(old_rev.to_string());
            meta::set_annotation(&mut next, REVISION, &(max_rev + 1).to_string());
            meta::set_annotation(
                &mut next,
                "deployment.kubernetes.io/revision-history",
                &history.join(","),
            );
            if let Ok(u) = ctx.update(rs_res, next) {
                replace(&mut all, &u);
                new_rs = Some(u);
            }
        }
    }
    let new_name = new_rs
        .as_ref()
        .and_then(|r| meta::str_at(r, &["metadata", "name"]))
        .map(str::to_string);
    let is_new = |r: &Value| meta::str_at(r, &["metadata", "name"]).map(str::to_string) == new_name;
    if paused {
        // Scaling while paused keeps working on the newest (or only) ReplicaSet.
        let active: Vec<Value> = all.iter().filter(|r| replicas(r) > 0).cloned().collect();
        if active.len() <= 1 {
            if let Some(target) = active.first().cloned().or(new_rs.clone()) {
                if replicas(&target) != want {
                    scale(ctx, &d, &mut all, &target, want);
                }
            }
        }
    } else if let Some(nrs) = new_rs.clone() {
        let olds: Vec<Value> = all.iter().filter(|r| !is_new(r)).cloned().collect();
        match strategy.as_str() {
            "Recreate" => {
                let old_active = olds.iter().any(|r| replicas(r) > 0);
                for o in olds.iter().filter(|r| replicas(r) > 0) {
                    scale(ctx, &d, &mut all, o, 0);
                }
                super::sync_counts(ctx, st);
                let old_pods_left = olds
                    .iter()
                    .any(|r| st.index.counts.contains_key(meta::uid(r)));
                if !old_active && !old_pods_left && replicas(&nrs) != want {
                    scale(ctx, &d, &mut all, &nrs, want);
                } else if old_pods_left {
                    // Pods disappearing do not touch the Deployment: look again shortly.
                    let at = ctx.now().plus_ms(1_000);
                    st.enqueue_after(Ctl::Deployment, key, at);
                }
            }
            _ => rolling(ctx, &d, &mut all, &nrs, want, max_surge, max_unavailable),
        }
        // Keep the desired-replicas annotation of the new ReplicaSet current.
        if let Some(cur) = all.iter().find(|r| is_new(r)).cloned() {
            let desired = want.to_string();
            let maxr = want.saturating_add(max_surge).to_string();
            if meta::annotation(&cur, "deployment.kubernetes.io/desired-replicas")
                != Some(desired.as_str())
                || meta::annotation(&cur, "deployment.kubernetes.io/max-replicas")
                    != Some(maxr.as_str())
            {
                let mut next = cur.clone();
                meta::set_annotation(
                    &mut next,
                    "deployment.kubernetes.io/desired-replicas",
                    &desired,
                );
                meta::set_annotation(&mut next, "deployment.kubernetes.io/max-replicas", &maxr);
                if let Ok(u) = ctx.update(rs_res, next) {
                    replace(&mut all, &u);
                }
            }
        }
        cleanup(ctx, &d, &all, new_name.as_deref());
    }
    // The Deployment's own revision annotation follows the new ReplicaSet.
    if let Some(nrs) = all.iter().find(|r| is_new(r)) {
        let rev = rev_of(nrs).to_string();
        if meta::annotation(&d, REVISION) != Some(rev.as_str()) {
            let mut next = d.clone();
            meta::set_annotation(&mut next, REVISION, &rev);
            meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
            let _ = ctx.update(d_res, next);
        }
    }
    let d = ctx.get(d_res, key).map(|v| (*v).clone()).unwrap_or(d);
    let new_now = all.iter().find(|r| is_new(r)).cloned();
    sync_status(ctx, st, key, &d, &all, new_now.as_ref(), created_new);
}

fn replace(all: &mut [Value], updated: &Value) {
    let uid = meta::uid(updated);
    if let Some(slot) = all.iter_mut().find(|r| meta::uid(r) == uid) {
        *slot = updated.clone();
    }
}

/// The ReplicaSets this Deployment controls (by ownerReference), freshest first by name.
fn rs_of(ctx: &Ctx<'_>, st: &State, uid: &str) -> Vec<Value> {
    let rs_res = super::res("ReplicaSet");
    st.index
        .dependents
        .get(uid)
        .map(|deps| {
            deps.iter()
                .filter(|(plural, _)| *plural == "replicasets")
                .filter_map(|(_, k)| ctx.get(rs_res, k))
                .filter(|r| meta::controller_ref(r).is_some_and(|o| o.uid == uid))
                .map(|r| (*r).clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Scales one ReplicaSet and records `ScalingReplicaSet`.
fn scale(ctx: &mut Ctx<'_>, d: &Value, all: &mut [Value], rs: &Value, to: i64) {
    let from = replicas(rs);
    if from == to {
        return;
    }
    let mut next = rs.clone();
    next.path_mut_or_insert(&["spec"]).set("replicas", to);
    meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
    if let Ok(u) = ctx.update(super::res("ReplicaSet"), next) {
        replace(all, &u);
        let dir = if to > from { "up" } else { "down" };
        let name = meta::str_at(rs, &["metadata", "name"]).unwrap_or("");
        ctx.event(
            d,
            Type::Normal,
            "ScalingReplicaSet",
            &format!("Scaled {dir} replica set {name} from {from} to {to}"),
            COMPONENT,
        );
    }
}

/// One round of a rolling update (`rolloutRolling`).
fn rolling(
    ctx: &mut Ctx<'_>,
    d: &Value,
    all: &mut Vec<Value>,
    nrs: &Value,
    want: i64,
    max_surge: i64,
    max_unavailable: i64,
) {
    let new_uid = meta::uid(nrs).to_string();
    // Scale up the new ReplicaSet within the surge budget.
    let cur_new = all
        .iter()
        .find(|r| meta::uid(r) == new_uid)
        .cloned()
        .unwrap_or_else(|| nrs.clone());
    let total: i64 = all.iter().map(replicas).sum();
    let new_target = if replicas(&cur_new) > want {
        want
    } else {
        let room = (want.saturating_add(max_surge) - total).max(0);
        (replicas(&cur_new) + room).min(want)
    };
    if new_target != replicas(&cur_new) {
        scale(ctx, d, all, &cur_new, new_target);
    }
    // Scale down old ReplicaSets while keeping enough pods available.
    let cur_new = all
        .iter()
        .find(|r| meta::uid(r) == new_uid)
        .cloned()
        .unwrap_or_else(|| nrs.clone());
    let mut olds: Vec<Value> = all
        .iter()
        .filter(|r| meta::uid(r) != new_uid && replicas(r) > 0)
        .cloned()
        .collect();
    if olds.is_empty() {
        return;
    }
    olds.sort_small_by_key(|r| (meta::creation_time(r), meta::key_of(r)));
    let all_pods: i64 = all.iter().map(replicas).sum();
    let min_available = want - max_unavailable;
    let new_unavailable = (replicas(&cur_new) - stat(&cur_new, "availableReplicas")).max(0);
    let mut max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    // First the old pods that are not available anyway (cleanupUnhealthyReplicas).
    for o in &olds {
        if max_scaled_down <= 0 {
            break;
        }
        let unhealthy = (replicas(o) - stat(o, "availableReplicas")).max(0);
        let n = unhealthy.min(max_scaled_down);
        if n > 0 {
            scale(ctx, d, all, o, replicas(o) - n);
            max_scaled_down -= n;
        }
    }
    // Then available ones, as long as availability stays above the minimum.
    let available: i64 = all.iter().map(|r| stat(r, "availableReplicas")).sum();
    let mut budget = available - min_available;
    for o in olds {
        if budget <= 0 {
            break;
        }
        let Some(cur) = all.iter().find(|r| meta::uid(r) == meta::uid(&o)).cloned() else {
            continue;
        };
        let n = replicas(&cur).min(budget);
        if n > 0 {
            scale(ctx, d, all, &cur, replicas(&cur) - n);
            budget -= n;
        }
    }
}

/// Deletes old, empty ReplicaSets beyond `revisionHistoryLimit`, oldest revision first.
fn cleanup(ctx: &mut Ctx<'_>, d: &Value, all: &[Value], new_name: Option<&str>) {
    let limit = meta::int_at(d, &["spec", "revisionHistoryLimit"])
        .unwrap_or(10)
        .max(0) as usize;
    let mut olds: Vec<&Value> = all
        .iter()
        .filter(|r| meta::str_at(r, &["metadata", "name"]) != new_name)
        .filter(|r| !meta::is_terminating(r))
        .collect();
    if olds.len() <= limit {
        return;
    }
    olds.sort_small_by_key(|r| (rev_of(r), meta::key_of(r)));
    let extra = olds.len() - limit;
    for r in olds.into_iter().take(extra) {
        if replicas(r) == 0 && stat(r, "replicas") == 0 {
            let _ = ctx.delete(
                super::res("ReplicaSet"),
                &meta::key_of(r),
                &DeleteOptions::default(),
            );
        }
    }
}

fn dcond(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    meta::make_condition(type_, status, reason, message)
}

/// Sets a Deployment condition the way `SetDeploymentCondition` does: `lastUpdateTime` moves
/// whenever it is set again, `lastTransitionTime` only when the status changes.
fn set_dcond(status: &mut Value, mut cond: Value, now: SimTime, touch: bool) {
    let type_ = meta::str_at(&cond, &["type"]).unwrap_or("").to_string();
    let stamp = now.rfc3339();
    let conds = status.path_mut_or_insert(&["conditions"]);
    if !matches!(conds, Value::Seq(_)) {
        *conds = Value::Seq(Default::default());
    }
    let Value::Seq(list) = conds else { return };
    let existing = list
        .iter()
        .position(|c| meta::str_at(c, &["type"]) == Some(type_.as_str()));
    if let Some(i) = existing {
        let old = &list[i];
        let same = old.get("status") == cond.get("status")
            && old.get("reason") == cond.get("reason")
            && old.get("message") == cond.get("message");
        if same && !touch {
            return;
        }
        let transition = if old.get("status") == cond.get("status") {
            old.get("lastTransitionTime").cloned()
        } else {
            None
        };
        cond.set(
            "lastTransitionTime",
            transition.unwrap_or_else(|| stamp.clone().into()),
        );
        cond.set("lastUpdateTime", stamp.as_str());
        list[i] = cond;
    } else {
        cond.set("lastTransitionTime", stamp.as_str());
        cond.set("lastUpdateTime", stamp.as_str());
        list.push(cond);
    }
    // Upstream keeps Available before Progressing.
    list.sort_small_by_key(|c| meta::str_at(c, &["type"]) != Some("Available"));
}

fn sync_status(
    ctx: &mut Ctx<'_>,
    st: &mut State,
    key: &str,
    d: &Value,
    all: &[Value],
    new_rs: Option<&Value>,
    created_new: bool,
) {
    let now = ctx.now();
    let want = replicas(d);
    let sum = |f: &str| all.iter().map(|r| stat(r, f)).sum::<i64>();
    let (total, ready, available) = (
        sum("replicas"),
        sum("readyReplicas"),
        sum("availableReplicas"),
    );
    let updated = new_rs.map_or(0, |r| stat(r, "replicas"));
    let old = d.get("status").cloned().unwrap_or_else(Value::map);
    let mut status = old.clone();
    status.set("replicas", total);
    status.set("updatedReplicas", updated);
    status.set("readyReplicas", ready);
    status.set("availableReplicas", available);
    status.set("unavailableReplicas", (want - available).max(0));
    if let Some(g) = meta::int_at(d, &["metadata", "generation"]) {
        status.set("observedGeneration", g);
    }
    for f in [
        "readyReplicas",
        "availableReplicas",
        "updatedReplicas",
        "replicas",
        "unavailableReplicas",
    ] {
        if status.get(f) == Some(&Value::Int(0)) {
            meta::remove(&mut status, f);
        }
    }
    // Available.
    let max_unavailable = if meta::str_at(d, &["spec", "strategy", "type"]) == Some("Recreate") {
        0
    } else {
        super::int_or_percent(
            d.path(&["spec", "strategy", "rollingUpdate", "maxUnavailable"]),
            want,
            false,
            0,
        )
    };
    let avail_cond = if available >= want - max_unavailable {
        dcond(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        dcond(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    set_dcond(&mut status, avail_cond, now, false);
    // Progressing.
    let rs_name = new_rs
        .and_then(|r| meta::str_at(r, &["metadata", "name"]))
        .unwrap_or("")
        .to_string();
    let paused = meta::bool_at(d, &["spec", "paused"]) == Some(true);
    let prog = meta::condition(d, "Progressing").cloned();
    let prog_reason = prog
        .as_ref()
        .and_then(|c| meta::str_at(c, &["reason"]))
        .unwrap_or("")
        .to_string();
    let deadline_s = meta::int_at(d, &["spec", "progressDeadlineSeconds"]);
    if paused {
        if prog_reason != "DeploymentPaused" {
            set_dcond(
                &mut status,
                dcond(
                    "Progressing",
                    "Unknown",
                    "DeploymentPaused",
                    "Deployment is paused",
                ),
                now,
                false,
            );
        }
    } else if prog_reason == "DeploymentPaused" {
        set_dcond(
            &mut status,
            dcond(
                "Progressing",
                "Unknown",
                "DeploymentResumed",
                "Deployment is resumed",
            ),
            now,
            false,
        );
    } else if new_rs.is_some() {
        let complete = updated == want
            && stat(new_rs.unwrap_or(d), "availableReplicas") == want
            && total == want;
        let was = |f: &str| meta::int_at(&old, &[f]).unwrap_or(0);
        let progressed = was("updatedReplicas") < updated
            || was("readyReplicas") < ready
            || was("availableReplicas") < available
            || was("replicas") > total;
        if created_new {
            set_dcond(
                &mut status,
                dcond(
                    "Progressing",
                    "True",
                    "NewReplicaSetCreated",
                    &format!("Created new replica set \"{rs_name}\""),
                ),
                now,
                true,
            );
        } else if complete {
            set_dcond(
                &mut status,
                dcond(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                ),
                now,
                false,
            );
        } else if progressed
            || prog.is_none()
            || prog_reason == "NewReplicaSetAvailable"
            || prog_reason == "DeploymentResumed"
        {
            set_dcond(
                &mut status,
                dcond(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    &format!("ReplicaSet \"{rs_name}\" is progressing."),
                ),
                now,
                true,
            );
        } else if let (Some(deadline_s), Some(c)) = (deadline_s, prog.as_ref()) {
            let last = meta::str_at(c, &["lastUpdateTime"])
                .and_then(SimTime::parse_rfc3339)
                .unwrap_or(now);
            let due = last.plus_ms((deadline_s.max(0) as u64).saturating_mul(1000));
            if prog_reason != "ProgressDeadlineExceeded" {
                if now >= due {
                    set_dcond(
                        &mut status,
                        dcond(
                            "Progressing",
                            "False",
                            "ProgressDeadlineExceeded",
                            &format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                        ),
                        now,
                        false,
                    );
                } else {
                    st.enqueue_after(Ctl::Deployment, key, due);
                }
            }
        }
    }
    if status != old {
        let mut next = d.clone();
        next.set("status", status);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update_status(super::res("Deployment"), &next);
    }
}

// ---- kubectl's side: rollout and scale, through the API server as `kubectl` ----

fn kubectl_api<'a>(
    world: &'a mut World,
    cluster: &str,
) -> Result<crate::sim::apiserver::ApiServer<'a>, String> {
    world
        .api(cluster, "kubectl")
        .ok_or_else(|| format!("error: cluster {cluster:?} not found"))
}

fn get_deploy(world: &mut World, cluster: &str, ns: &str, name: &str) -> Result<Value, String> {
    let mut a = kubectl_api(world, cluster)?;
    a.get(super::res("Deployment"), Some(ns), name)
        .map_err(|e| e.kubectl_message())
}

/// The ReplicaSets of a Deployment, sorted by revision.
pub fn history(
    world: &mut World,
    cluster: &str,
    ns: &str,
    name: &str,
) -> Result<Vec<(i64, Value)>, String> {
    let d = get_deploy(world, cluster, ns, name)?;
    let uid = meta::uid(&d).to_string();
    let mut a = kubectl_api(world, cluster)?;
    let mut out: Vec<(i64, Value)> = a
        .list(super::res("ReplicaSet"), Some(ns))
        .into_iter()
        .filter(|r| meta::controller_ref(r).is_some_and(|o| o.uid == uid))
        .map(|r| (rev_of(&r), r))
        .collect();
    out.sort_small_by_key(|(rev, _)| *rev);
    Ok(out)
}

/// `kubectl rollout undo deployment/<name> [--to-revision=N]`: puts the template of that
/// revision (default: the previous one) back in the Deployment. Returns kubectl's line
/// (`deployment.apps/web rolled back`) or its error text.
pub fn rollout_undo(
    world: &mut World,
    cluster: &str,
    ns: &str,
    name: &str,
    to_revision: Option<i64>,
) -> Result<String, String> {
    let d = get_deploy(world, cluster, ns, name)?;
    if meta::bool_at(&d, &["spec", "paused"]) == Some(true) {
        return Err("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again".into());
    }
    let hist = history(world, cluster, ns, name)?;
    let target = match to_revision.filter(|r| *r != 0) {
        Some(r) => hist
            .iter()
            .find(|(rev, _)| *rev == r)
            .ok_or_else(|| format!("error: unable to find specified revision {r} in history"))?,
        None => {
            if hist.len() < 2 {
                return Err(format!(
                    "error: no rollout history found for deployment {name:?}"
                ));
            }
            &hist[hist.len() - 2]
        }
    };
    let (rev, rs) = target;
    let tmpl = strip_hash(rs.path(&["spec", "template"]).unwrap_or(&Value::map()));
    let current = d
        .path(&["spec", "template"])
        .cloned()
        .unwrap_or_else(Value::map);
    if strip_hash(&current) == tmpl {
        return Ok(format!("deployment.apps/{name} skipped rollback (current template already matches revision {rev})"));
    }
    let mut next = d.clone();
    next.path_mut_or_insert(&["spec"]).set("template", tmpl);
    meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
    let mut a = kubectl_api(world, cluster)?;
    a.update(super::res("Deployment"), next)
        .map_err(|e| e.kubectl_message())?;
    Ok(format!("deployment.apps/{name} rolled back"))
}

/// `kubectl rollout restart`: stamps `kubectl.kubernetes.io/restartedAt` on the template.
pub fn rollout_restart(
    world: &mut World,
    cluster: &str,
    ns: &str,
    name: &str,
) -> Result<String, String> {
    let stamp = world.now().rfc3339();
    let mut d = get_deploy(world, cluster, ns, name)?;
    d.path_mut_or_insert(&["spec", "template", "metadata", "annotations"])
        .set("kubectl.kubernetes.io/restartedAt", stamp);
    meta::remove(d.path_mut_or_insert(&["metadata"]), "resourceVersion");
    let mut a = kubectl_api(world, cluster)?;
    a.update(super::res("Deployment"), d)
        .map_err(|e| e.kubectl_message())?;
    Ok(format!("deployment.apps/{name} restarted"))
}

/// `kubectl rollout pause|resume`.
pub fn rollout_pause(
    world: &mut World,
    cluster: &str,
    ns: &str,
    name: &str,
    pause: bool,
) -> Result<String, String> {
    let mut d = get_deploy(world, cluster, ns, name)?;
    let is_paused = meta::bool_at(&d, &["spec", "paused"]) == Some(true);
    let word = if pause { "paused" } else { "resumed" };
    if is_paused == pause {
        return Err(if pause {
            format!("error: deployments.apps {name:?} is already paused")
        } else {
            format!("error: deployments.apps {name:?} is not paused")
        });
    }
    let spec = d.path_mut_or_insert(&["spec"]);
    if pause {
        spec.set("paused", true);
    } else {
        meta::remove(spec, "paused");
    }
    meta::remove(d.path_mut_or_insert(&["metadata"]), "resourceVersion");
    let mut a = kubectl_api(world, cluster)?;
    a.update(super::res("Deployment"), d)
        .map_err(|e| e.kubectl_message())?;
    Ok(format!("deployment.apps/{name} {word}"))
}

/// `kubectl scale <kind>/<name> --replicas=N` for Deployments, ReplicaSets, StatefulSets.
pub fn scale_workload(
    world: &mut World,
    cluster: &str,
    kind: &str,
    ns: &str,
    name: &str,
    replicas: i64,
) -> Result<String, ApiError> {
    let r = super::res(kind);
    let mut a = world
        .api(cluster, "kubectl")
        .ok_or_else(|| ApiError::internal("no such cluster"))?;
    let mut obj = a.get(r, Some(ns), name)?;
    obj.path_mut_or_insert(&["spec"]).set("replicas", replicas);
    meta::remove(obj.path_mut_or_insert(&["metadata"]), "resourceVersion");
    a.update(r, obj)?;
    Ok(format!("{}/{name} scaled", kind_ref(r)))
}

/// `deployment.apps`, `pod`: how kubectl names a type in `<type>/<name> <verb>` lines.
pub fn kind_ref(r: &crate::sim::api::Resource) -> String {
    match r.group() {
        "" => r.singular.to_string(),
        g => format!("{}.{g}", r.singular),
    }
}
