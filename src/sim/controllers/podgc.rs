//! The pod garbage collector (`pod-garbage-collector`): pods bound to a node that no longer
//! exists (`kubectl delete node`) are removed, so that their controllers replace them.
//!
//! As upstream's `gcOrphaned`: every [`GC_CHECK_PERIOD_MS`] the pods are checked; a node
//! they name that is missing goes into quarantine for [`QUARANTINE_MS`] (a node being
//! re-registered comes back in that time); still missing after it, its pods are marked
//! `Failed` with the condition `DisruptionTarget=True` (`DeletionByPodGC`, `PodGC: node no
//! longer exists`) and deleted at once (grace period 0). No Event is recorded for them.

use super::{Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sim::SimTime;
use std::collections::BTreeMap;

/// `gcCheckPeriod`.
pub const GC_CHECK_PERIOD_MS: u64 = 20_000;
/// `quarantineTime`: how long a node must stay missing before its pods go.
pub const QUARANTINE_MS: u64 = 40_000;

/// Missing nodes and since when; when the controller last looked.
#[derive(Debug, Clone, Default)]
pub struct Tracking {
    missing_since: BTreeMap<String, SimTime>,
    last_run: Option<SimTime>,
}

pub fn run(ctx: &mut Ctx<'_>, st: &mut State) {
    let now = ctx.now();
    if st
        .podgc
        .last_run
        .is_some_and(|t| now.since_ms(t) < GC_CHECK_PERIOD_MS)
    {
        return;
    }
    st.podgc.last_run = Some(now);
    let node_res = super::res("Node");
    let missing: Vec<String> = st
        .index
        .pods_by_node
        .iter()
        .filter(|(node, pods)| !node.is_empty() && !pods.is_empty())
        .map(|(node, _)| node.clone())
        .filter(|node| ctx.get(node_res, node).is_none())
        .collect();
    st.podgc
        .missing_since
        .retain(|node, _| missing.contains(node));
    for node in missing {
        let since = *st.podgc.missing_since.entry(node.clone()).or_insert(now);
        if now.since_ms(since) < QUARANTINE_MS {
            continue;
        }
        let pods: Vec<String> = st
            .index
            .pods_by_node
            .get(&node)
            .map(|p| p.iter().cloned().collect())
            .unwrap_or_default();
        for key in pods {
            delete_orphan(ctx, &key, now);
        }
    }
}

/// `markFailedAndDeletePodWithCondition`: Failed with the condition first (so that a Job
/// counts the pod as failed), then a grace-0 delete.
fn delete_orphan(ctx: &mut Ctx<'_>, key: &str, now: SimTime) {
    let pod_res = super::res("Pod");
    let Some(pod) = ctx.get(pod_res, key) else {
        return;
    };
    if !meta::pod_is_finished(&pod) {
        let mut failed = (*pod).clone();
        failed
            .path_mut_or_insert(&["status"])
            .set("phase", "Failed");
        let mut cond = Value::map();
        cond.set("type", "DisruptionTarget");
        cond.set("status", "True");
        cond.set("lastProbeTime", Value::Null);
        cond.set("reason", "DeletionByPodGC");
        cond.set("message", "PodGC: node no longer exists");
        if let Some(g) = meta::int_at(&pod, &["metadata", "generation"]) {
            cond.set("observedGeneration", g);
        }
        meta::set_condition(&mut failed, cond, now);
        if ctx.update_status(pod_res, &failed).is_err() {
            return;
        }
    }
    let _ = ctx.delete(
        pod_res,
        key,
        &DeleteOptions {
            grace_period_s: Some(0),
            ..DeleteOptions::default()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::sim::api::resource_for;
    use crate::sim::controllers::testkit::deployment;
    use crate::sim::meta;
    use crate::sim::presets::Preset;
    use crate::sim::value::Value;
    use crate::sim::World;

    const KIND: &str = "kind-kind";

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    fn pods_on(w: &World) -> Vec<(String, String)> {
        w.clusters[KIND]
            .store
            .range("/registry/pods/default/")
            .map(|kv| {
                (
                    meta::str_at(&kv.value, &["metadata", "name"])
                        .unwrap_or("")
                        .to_string(),
                    meta::node_name(&kv.value).unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// `kubectl delete node`: the node's pods stay for the quarantine, then the pod GC fails
    /// and deletes them and their ReplicaSet replaces them on the nodes that are left.
    #[test]
    fn pods_of_a_deleted_node_are_collected_after_the_quarantine() {
        let mut w = World::new(1, Preset::Kind);
        w.api(KIND, "kubectl")
            .unwrap()
            .create(
                resource_for("deployments").unwrap(),
                deployment("web", 4, "nginx"),
            )
            .unwrap();
        run(&mut w, 20_000);
        let gone_node = "kind-worker2";
        let doomed: Vec<String> = pods_on(&w)
            .into_iter()
            .filter(|(_, n)| n == gone_node)
            .map(|(p, _)| p)
            .collect();
        assert!(!doomed.is_empty(), "{:?}", pods_on(&w));
        let before = w.clusters[KIND].store.revision();
        w.api(KIND, "kubectl")
            .unwrap()
            .delete(resource_for("nodes").unwrap(), None, gone_node)
            .unwrap();
        run(&mut w, 30_000);
        let still: Vec<String> = pods_on(&w).into_iter().map(|(p, _)| p).collect();
        assert!(
            doomed.iter().all(|p| still.contains(p)),
            "quarantined for 40 s: {still:?}"
        );
        run(&mut w, 60_000);
        let now = pods_on(&w);
        assert!(
            now.iter()
                .all(|(p, n)| !doomed.contains(p) && n != gone_node),
            "{now:?}"
        );
        assert_eq!(now.len(), 4, "{now:?}");
        // Each was marked Failed, DisruptionTarget=True (DeletionByPodGC), before it went.
        let store = &w.clusters[KIND].store;
        let marked: Vec<String> = store
            .events_since(before)
            .unwrap()
            .filter(|e| {
                meta::str_at(&e.kv.value, &["status", "phase"]) == Some("Failed")
                    && meta::condition(&e.kv.value, "DisruptionTarget").is_some_and(|c| {
                        c.get("reason").and_then(Value::as_str) == Some("DeletionByPodGC")
                            && c.get("message").and_then(Value::as_str)
                                == Some("PodGC: node no longer exists")
                    })
            })
            .filter_map(|e| meta::str_at(&e.kv.value, &["metadata", "name"]).map(str::to_string))
            .collect();
        for p in &doomed {
            assert!(marked.contains(p), "{p} not marked: {marked:?}");
        }
    }
}
