//! Job controller: run pods to `completions` successes, `parallelism` at a time, giving up
//! after `backoffLimit` failures.
//!
//! Pods carry `job-name` / `batch.kubernetes.io/job-name` and the controller-uid labels (set
//! by defaulting on the template). Finished pods are counted once (by uid) into
//! `status.succeeded` / `status.failed`; a failure delays the next pod by the back-off
//! (10 s, 20 s, 40 s ... capped at 6 min). The Job fails when `failed > backoffLimit`, or with
//! `restartPolicy: OnFailure` when the container restarts of its running/pending pods reach
//! the limit (`pastBackoffLimitOnFailure`). `completionMode: Indexed` is in
//! [`super::indexed_job`]: one pod per index, `status.completedIndexes`. The end states are the conditions `Complete` (event
//! `Completed` `Job completed`) and `Failed` / `BackoffLimitExceeded` (`Job has reached the
//! specified backoff limit`); `ttlSecondsAfterFinished` then deletes the Job.

use super::{indexed_job, Ctl, Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sim::SimTime;
use std::collections::{BTreeMap, BTreeSet};

pub const COMPONENT: &str = "job-controller";

/// Finished pods already counted, per job uid (upstream uses a tracking finalizer).
#[derive(Debug, Clone, Default)]
pub struct Tracking {
    counted: BTreeMap<String, BTreeSet<String>>,
    not_before: BTreeMap<String, SimTime>,
}

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let job_res = super::res("Job");
    let Some(job) = ctx.get(job_res, key) else {
        return;
    };
    let job: Value = (*job).clone();
    let uid = meta::uid(&job).to_string();
    let name = meta::str_at(&job, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let now = ctx.now();
    let pods = super::owned_pods(ctx, st, &uid);
    let mut status = job.get("status").cloned().unwrap_or_else(Value::map);
    let finished = ["Complete", "Failed"]
        .iter()
        .any(|c| meta::condition_status(&job, c) == Some("True"));
    let mut succeeded = meta::int_at(&status, &["succeeded"]).unwrap_or(0);
    let mut failed = meta::int_at(&status, &["failed"]).unwrap_or(0);
    let counted = st.jobs.counted.entry(uid.clone()).or_default();
    let mut new_failure = false;
    for p in &pods {
        let puid = meta::uid(p).to_string();
        if counted.contains(&puid) {
            continue;
        }
        match meta::pod_phase(p) {
            "Succeeded" => {
                succeeded += 1;
                counted.insert(puid);
            }
            "Failed" => {
                failed += 1;
                new_failure = true;
                counted.insert(puid);
            }
            _ => {}
        }
    }
    let active: Vec<_> = pods
        .iter()
        .filter(|p| meta::pod_is_active(p))
        .cloned()
        .collect();
    // `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, container restarts of
    // running or pending pods count against the limit too.
    let on_failure =
        meta::str_at(&job, &["spec", "template", "spec", "restartPolicy"]) == Some("OnFailure");
    let restarts: i64 = if on_failure {
        active
            .iter()
            .filter(|p| matches!(meta::pod_phase(p), "Running" | "Pending"))
            .flat_map(|p| {
                ["initContainerStatuses", "containerStatuses"]
                    .into_iter()
                    .filter_map(|f| p.path(&["status", f])?.as_seq().cloned())
                    .flatten()
                    .collect::<Vec<_>>()
            })
            .filter_map(|c| meta::int_at(&c, &["restartCount"]))
            .sum()
    } else {
        0
    };
    if status.get("startTime").is_none() && !finished {
        status.set("startTime", now.rfc3339());
    }
    let completions = meta::int_at(&job, &["spec", "completions"]);
    let parallelism = meta::int_at(&job, &["spec", "parallelism"])
        .unwrap_or(1)
        .max(0);
    let backoff_limit = meta::int_at(&job, &["spec", "backoffLimit"]).unwrap_or(6);
    let suspended = meta::bool_at(&job, &["spec", "suspend"]) == Some(true);
    // Indexed Jobs count succeeded indexes, not pods.
    let indexed = indexed_job::is_indexed(&job);
    let mut done_indexes = std::collections::BTreeSet::new();
    if indexed {
        let c = completions.unwrap_or(1);
        done_indexes = indexed_job::parse(
            meta::str_at(&status, &["completedIndexes"]).unwrap_or(""),
            c,
        );
        for p in pods.iter().filter(|p| meta::pod_phase(p) == "Succeeded") {
            if let Some(ix) = indexed_job::index_of(p).filter(|ix| *ix < c) {
                done_indexes.insert(ix);
            }
        }
        succeeded = done_indexes.len() as i64;
    }
    let pod_res = super::res("Pod");
    let mut job_v = job.clone();
    if !finished {
        let complete = match completions {
            Some(c) => succeeded >= c,
            None => succeeded > 0 && active.is_empty(),
        };
        let past_restarts = on_failure
            && if backoff_limit == 0 {
                restarts > 0
            } else {
                restarts >= backoff_limit
            };
        let failure_target = meta::condition_status(&job, "FailureTarget") == Some("True");
        if failure_target || failed > backoff_limit || past_restarts {
            // Upstream (1.31+): `FailureTarget` first, the running pods are deleted, and the
            // terminal `Failed` condition (with its event) once none is left terminating.
            if !failure_target {
                meta::set_condition(
                    &mut job_v,
                    meta::make_condition(
                        "FailureTarget",
                        "True",
                        "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit",
                    ),
                    now,
                );
            }
            for p in &active {
                let _ = ctx.delete(pod_res, &meta::key_of(p), &DeleteOptions::default());
            }
            let reason = meta::condition(&job_v, "FailureTarget")
                .and_then(|c| meta::str_at(c, &["reason"]))
                .unwrap_or("BackoffLimitExceeded")
                .to_string();
            let message = meta::condition(&job_v, "FailureTarget")
                .and_then(|c| meta::str_at(c, &["message"]))
                .unwrap_or("Job has reached the specified backoff limit")
                .to_string();
            let terminating = pods.iter().any(|p| meta::is_terminating(p));
            if active.is_empty() && !terminating {
                meta::set_condition(
                    &mut job_v,
                    meta::make_condition("Failed", "True", &reason, &message),
                    now,
                );
                ctx.event(&job, Type::Warning, &reason, &message, COMPONENT);
            } else {
                // Deleted pods disappearing wake the Job; look again in case they don't.
                st.enqueue_after(Ctl::Job, key, now.plus_ms(1_000));
            }
        } else if complete {
            meta::set_condition(
                &mut job_v,
                meta::make_condition(
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
                now,
            );
            meta::set_condition(
                &mut job_v,
                meta::make_condition(
                    "Complete",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
                now,
            );
            status = merge_conditions(status, &job_v);
            status.set("completionTime", now.rfc3339());
            ctx.event(&job, Type::Normal, "Completed", "Job completed", COMPONENT);
        } else if !suspended {
            if new_failure {
                let delay_s = (10u64 << failed.clamp(1, 6).saturating_sub(1) as u32).min(360);
                st.jobs
                    .not_before
                    .insert(uid.clone(), now.plus_ms(delay_s * 1000));
                st.enqueue_after(Ctl::Job, key, now.plus_ms(delay_s * 1000));
            }
            let allowed = st.jobs.not_before.get(&uid).is_none_or(|t| *t <= now);
            let target = match completions {
                Some(c) => parallelism.min(c - succeeded).max(0),
                None => {
                    if succeeded > 0 {
                        0
                    } else {
                        parallelism
                    }
                }
            };
            let missing = target - active.len() as i64;
            if missing > 0 && allowed {
                let template = job
                    .path(&["spec", "template"])
                    .cloned()
                    .unwrap_or_else(Value::map);
                if missing > super::replicaset::BURST_REPLICAS as i64 {
                    st.enqueue(Ctl::Job, key);
                }
                let burst = missing.min(super::replicaset::BURST_REPLICAS as i64);
                // Indexed: one pod per pending index, lowest first; otherwise anonymous pods.
                let slots: Vec<Option<i64>> = if indexed {
                    let running =
                        crate::sort::set_of(active.iter().filter_map(|p| indexed_job::index_of(p)));
                    indexed_job::first_pending(
                        &done_indexes,
                        &running,
                        burst,
                        completions.unwrap_or(1),
                    )
                    .into_iter()
                    .map(Some)
                    .collect()
                } else {
                    (0..burst).map(|_| None).collect()
                };
                for slot in slots {
                    let mut pod = super::pod_from_template(&job, &template);
                    pod.path_mut_or_insert(&["metadata"])
                        .set("generateName", format!("{name}-"));
                    if let Some(ix) = slot {
                        indexed_job::decorate(&mut pod, &name, ix);
                    }
                    match ctx.create(pod_res, pod) {
                        Ok(c) => {
                            let pn = meta::str_at(&c, &["metadata", "name"]).unwrap_or("");
                            ctx.event(
                                &job,
                                Type::Normal,
                                "SuccessfulCreate",
                                &format!("Created pod: {pn}"),
                                COMPONENT,
                            );
                        }
                        Err(e) => {
                            ctx.event(
                                &job,
                                Type::Warning,
                                "FailedCreate",
                                &format!("Error creating: {}", e.message),
                                COMPONENT,
                            );
                            break;
                        }
                    }
                }
            }
        }
    } else if let Some(ttl) = meta::int_at(&job, &["spec", "ttlSecondsAfterFinished"]) {
        let done = meta::str_at(&job, &["status", "completionTime"])
            .or_else(|| {
                meta::condition(&job, "Failed")
                    .and_then(|c| meta::str_at(c, &["lastTransitionTime"]))
            })
            .and_then(SimTime::parse_rfc3339)
            .unwrap_or(now);
        let due = done.plus_ms((ttl.max(0) as u64).saturating_mul(1000));
        if now >= due {
            let _ = ctx.delete(
                job_res,
                key,
                &DeleteOptions {
                    propagation: crate::sim::apiserver::Propagation::Foreground,
                    grace_period_s: None,
                },
            );
            return;
        }
        st.enqueue_after(Ctl::Job, key, due);
    }
    status = merge_conditions(status, &job_v);
    let pods = super::owned_pods(ctx, st, &uid);
    let active_now = pods.iter().filter(|p| meta::pod_is_active(p)).count() as i64;
    let ready = pods
        .iter()
        .filter(|p| meta::pod_is_active(p) && meta::pod_is_ready(p))
        .count() as i64;
    let terminating = pods.iter().filter(|p| meta::is_terminating(p)).count() as i64;
    for (f, v) in [
        ("active", active_now),
        ("succeeded", succeeded),
        ("failed", failed),
    ] {
        if v > 0 {
            status.set(f, v);
        } else {
            meta::remove(&mut status, f);
        }
    }
    if indexed && !done_indexes.is_empty() {
        status.set("completedIndexes", indexed_job::format(&done_indexes));
    }
    status.set("ready", ready);
    status.set("terminating", terminating);
    if status.get("uncountedTerminatedPods").is_none() {
        status.set("uncountedTerminatedPods", Value::map());
    }
    if job.get("status") != Some(&status) {
        let mut next = job.clone();
        next.set("status", status);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update_status(job_res, &next);
    }
}

fn merge_conditions(mut status: Value, job_v: &Value) -> Value {
    if let Some(c) = job_v.path(&["status", "conditions"]) {
        status.set("conditions", c.clone());
    }
    status
}
