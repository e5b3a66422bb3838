//! StatefulSet controller (ordered, basic): pods `<sts>-0`, `<sts>-1`, ... with stable names.
//!
//! `OrderedReady` (default): ordinal *i* is created only when every lower ordinal is Running
//! and Ready; scaling down removes the highest ordinal first, one at a time. `Parallel`
//! creates/deletes without waiting. Each `volumeClaimTemplates` entry gives a PVC
//! `<claim>-<sts>-<ordinal>` that the pod mounts and that outlives the pod (retention policy
//! Retain). A changed template is rolled out from the highest ordinal down, one pod at a
//! time (`controller-revision-hash`). Events use the upstream wording:
//! `create Pod web-0 in StatefulSet web successful`.

use super::{Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::events::Type;
use crate::sim::meta;
use crate::sim::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const COMPONENT: &str = "statefulset-controller";

fn ordinal(sts_name: &str, pod: &Value) -> Option<i64> {
    meta::str_at(pod, &["metadata", "name"])?
        .strip_prefix(sts_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let sts_res = super::res("StatefulSet");
    let Some(sts) = ctx.get(sts_res, key) else {
        return;
    };
    let sts: Value = (*sts).clone();
    let uid = meta::uid(&sts).to_string();
    let name = meta::str_at(&sts, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let ns = meta::str_at(&sts, &["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let template = sts
        .path(&["spec", "template"])
        .cloned()
        .unwrap_or_else(Value::map);
    let want = meta::int_at(&sts, &["spec", "replicas"])
        .unwrap_or(1)
        .max(0);
    let parallel = meta::str_at(&sts, &["spec", "podManagementPolicy"]) == Some("Parallel");
    let pods: Vec<Arc<Value>> = super::owned_pods(ctx, st, &uid);
    // The update revision is the ControllerRevision of the current template.
    let in_use: Vec<String> = pods
        .iter()
        .filter(|p| !meta::is_terminating(p))
        .filter_map(|p| meta::label(p, "controller-revision-hash").map(str::to_string))
        .collect();
    let update_rev = if meta::is_terminating(&sts) {
        meta::str_at(&sts, &["status", "updateRevision"])
            .unwrap_or("")
            .to_string()
    } else {
        match super::history::sync(ctx, st, &sts, "StatefulSet", &in_use) {
            Some(cur) => cur.pod_label,
            None => {
                st.enqueue_after(super::Ctl::StatefulSet, key, ctx.now().plus_ms(1_000));
                return;
            }
        }
    };
    let mut by_ord: BTreeMap<i64, Arc<Value>> = BTreeMap::new();
    for p in &pods {
        if let Some(o) = ordinal(&name, p) {
            by_ord.insert(o, p.clone());
        }
    }
    let healthy = |p: &Value| {
        meta::pod_phase(p) == "Running" && meta::pod_is_ready(p) && !meta::is_terminating(p)
    };
    let pod_res = super::res("Pod");
    if !meta::is_terminating(&sts) {
        // Create missing ordinals below `want`, in order.
        let mut created = 0usize;
        for ord in 0..want {
            if created >= super::replicaset::BURST_REPLICAS {
                st.enqueue(super::Ctl::StatefulSet, key);
                break;
            }
            match by_ord.get(&ord) {
                Some(p) if meta::pod_is_finished(p) && !meta::is_terminating(p) => {
                    // A failed pod is deleted and made again.
                    if ctx
                        .delete(
                            pod_res,
                            &meta::key_of(p),
                            &DeleteOptions {
                                grace_period_s: Some(0),
                                ..Default::default()
                            },
                        )
                        .is_ok()
                    {
                        ctx.event(
                            &sts,
                            Type::Normal,
                            "SuccessfulDelete",
                            &format!("delete Pod {name}-{ord} in StatefulSet {name} successful"),
                            COMPONENT,
                        );
                    }
                    if !parallel {
                        break;
                    }
                }
                Some(p) => {
                    if !parallel && !healthy(p) {
                        break;
                    }
                }
                None => {
                    create_pod(ctx, &sts, &template, &name, &ns, ord, &update_rev);
                    created += 1;
                    if !parallel {
                        break;
                    }
                }
            }
        }
        // Scale down: highest ordinal first.
        let extra: Vec<(i64, Arc<Value>)> = by_ord
            .iter()
            .rev()
            .filter(|(o, _)| **o >= want)
            .map(|(o, p)| (*o, p.clone()))
            .collect();
        let all_below_ok = (0..want).all(|o| by_ord.get(&o).is_some_and(|p| healthy(p)));
        for (ord, p) in extra {
            if meta::is_terminating(&p) {
                if parallel {
                    continue;
                }
                break;
            }
            if !parallel && !all_below_ok {
                break;
            }
            if ctx
                .delete(pod_res, &meta::key_of(&p), &DeleteOptions::default())
                .is_ok()
            {
                ctx.event(
                    &sts,
                    Type::Normal,
                    "SuccessfulDelete",
                    &format!("delete Pod {name}-{ord} in StatefulSet {name} successful"),
                    COMPONENT,
                );
            }
            if !parallel {
                break;
            }
        }
        // Rolling update: highest ordinal first, once everything is healthy.
        let rolling = meta::str_at(&sts, &["spec", "updateStrategy", "type"]) != Some("OnDelete");
        let partition = meta::int_at(
            &sts,
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
        )
        .unwrap_or(0);
        if rolling && all_below_ok && by_ord.len() as i64 == want {
            if let Some((ord, p)) = by_ord
                .iter()
                .rev()
                .filter(|(o, _)| **o < want && **o >= partition)
                .find(|(_, p)| {
                    meta::label(p, "controller-revision-hash").is_some_and(|h| h != update_rev)
                })
            {
                if ctx
                    .delete(pod_res, &meta::key_of(p), &DeleteOptions::default())
                    .is_ok()
                {
                    ctx.event(
                        &sts,
                        Type::Normal,
                        "SuccessfulDelete",
                        &format!("delete Pod {name}-{ord} in StatefulSet {name} successful"),
                        COMPONENT,
                    );
                }
            }
        }
    }
    // Status.
    let pods = super::owned_pods(ctx, st, &uid);
    let live: Vec<&Arc<Value>> = pods.iter().filter(|p| !meta::is_terminating(p)).collect();
    let ready = live.iter().filter(|p| meta::pod_is_ready(p)).count() as i64;
    let updated = live
        .iter()
        .filter(|p| meta::label(p, "controller-revision-hash") == Some(update_rev.as_str()))
        .count() as i64;
    let mut status = sts.get("status").cloned().unwrap_or_else(Value::map);
    // The current revision stays the old one until every pod runs the update revision.
    let current_rev = match meta::str_at(&status, &["currentRevision"]) {
        Some(c) if updated < want || (live.len() as i64) != want => c.to_string(),
        _ => update_rev.clone(),
    };
    let current = live
        .iter()
        .filter(|p| meta::label(p, "controller-revision-hash") == Some(current_rev.as_str()))
        .count() as i64;
    status.set("replicas", live.len() as i64);
    status.set("readyReplicas", ready);
    status.set("availableReplicas", ready);
    status.set("currentReplicas", current);
    status.set("updatedReplicas", updated);
    status.set("currentRevision", current_rev.as_str());
    status.set("updateRevision", update_rev.as_str());
    if status.get("collisionCount").is_none() {
        status.set("collisionCount", 0i64);
    }
    for f in [
        "readyReplicas",
        "availableReplicas",
        "currentReplicas",
        "updatedReplicas",
    ] {
        if status.get(f) == Some(&Value::Int(0)) {
            meta::remove(&mut status, f);
        }
    }
    if let Some(g) = meta::int_at(&sts, &["metadata", "generation"]) {
        status.set("observedGeneration", g);
    }
    if sts.get("status") != Some(&status) {
        let mut next = sts.clone();
        next.set("status", status);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update_status(sts_res, &next);
    }
}

fn create_pod(
    ctx: &mut Ctx<'_>,
    sts: &Value,
    template: &Value,
    name: &str,
    ns: &str,
    ord: i64,
    rev: &str,
) {
    let pod_name = format!("{name}-{ord}");
    let mut pod = super::pod_from_template(sts, template);
    {
        let m = pod.path_mut_or_insert(&["metadata"]);
        m.set("name", pod_name.as_str());
        let labels = m.path_mut_or_insert(&["labels"]);
        labels.set("apps.kubernetes.io/pod-index", ord.to_string());
        labels.set("controller-revision-hash", rev);
        labels.set("statefulset.kubernetes.io/pod-name", pod_name.as_str());
    }
    let spec = pod.path_mut_or_insert(&["spec"]);
    spec.set("hostname", pod_name.as_str());
    if let Some(svc) = meta::str_at(sts, &["spec", "serviceName"]) {
        spec.set("subdomain", svc);
    }
    // Claims from volumeClaimTemplates, mounted under the template's name.
    let claims: Vec<Value> = sts
        .path(&["spec", "volumeClaimTemplates"])
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let pvc_res = super::res("PersistentVolumeClaim");
    for c in &claims {
        let cname = meta::str_at(c, &["metadata", "name"]).unwrap_or("data");
        let claim_name = format!("{cname}-{pod_name}");
        if ctx.get(pvc_res, &format!("{ns}/{claim_name}")).is_none() {
            let mut pvc = Value::map();
            let m = pvc.path_mut_or_insert(&["metadata"]);
            m.set("name", claim_name.as_str());
            m.set("namespace", ns);
            if let Some(sel) = sts.path(&["spec", "selector", "matchLabels"]) {
                m.set("labels", sel.clone());
            }
            pvc.set("spec", c.get("spec").cloned().unwrap_or_else(Value::map));
            match ctx.create(pvc_res, pvc) {
                Ok(_) => ctx.event(
                    sts,
                    Type::Normal,
                    "SuccessfulCreate",
                    &format!(
                        "create Claim {claim_name} Pod {pod_name} in StatefulSet {name} success"
                    ),
                    COMPONENT,
                ),
                Err(e) => {
                    ctx.event(sts, Type::Warning, "FailedCreate", &format!("create Claim {claim_name} for Pod {pod_name} in StatefulSet {name} failed error: {}", e.message), COMPONENT);
                    return;
                }
            }
        }
        let mut vol = Value::map();
        vol.set("name", cname);
        vol.path_mut_or_insert(&["persistentVolumeClaim"])
            .set("claimName", claim_name.as_str());
        let spec = pod.path_mut_or_insert(&["spec"]);
        let mut vols: Vec<Value> = spec
            .get("volumes")
            .and_then(Value::as_seq)
            .map(|s| s.to_vec())
            .unwrap_or_default();
        vols.retain(|v| meta::str_at(v, &["name"]) != Some(cname));
        vols.push(vol);
        spec.set("volumes", Value::Seq(vols.into()));
    }
    match ctx.create(super::res("Pod"), pod) {
        Ok(_) => ctx.event(
            sts,
            Type::Normal,
            "SuccessfulCreate",
            &format!("create Pod {pod_name} in StatefulSet {name} successful"),
            COMPONENT,
        ),
        Err(e) => ctx.event(
            sts,
            Type::Warning,
            "FailedCreate",
            &format!(
                "create Pod {pod_name} in StatefulSet {name} failed error: {}",
                e.message
            ),
            COMPONENT,
        ),
    }
}
