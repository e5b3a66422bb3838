//! Operations on running workloads and nodes: rollout, taint, cordon/uncordon, drain, logs,
//! exec and wait (top lives in [`super::top`]).
//!
//! `rollout status`, `logs -f` and `wait` need simulated time to pass: `rollout status` and
//! `logs -f` start a [`super::watch::Watch`] the UI polls; `wait` steps the world itself in
//! small increments until its condition holds or its timeout passes.

use super::get::parse_targets;
use super::mutate::{resolve_objects, resolve_reporting};
use super::select::{scalar_string, LabelSelector};
use super::tables::kind_name;
use super::watch::Watch;
use super::{jsonpath, Ctx};
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::sim::World;
use crate::sort::SortSmall;
use crate::term::Output;

fn one_target(ctx: &mut Ctx) -> Result<(&'static Resource, Value), Output> {
    if ctx.p.args.is_empty() {
        return Err(ctx.usage("required resource not specified"));
    }
    let (objs, errors) = resolve_objects(ctx, false)?;
    if let Some(e) = errors.into_iter().next() {
        return Err(Output::error(e, 1));
    }
    objs.into_iter()
        .next()
        .ok_or_else(|| ctx.usage("required resource not specified"))
}

fn update(ctx: &mut Ctx, res: &'static Resource, obj: Value) -> Result<Value, Output> {
    let mut a = ctx.api()?;
    a.update(res, obj).map_err(|e| Ctx::api_err(&e))
}

fn i(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(0)
}

/// The line `rollout status` prints for the object's current state, and whether it is done.
pub fn rollout_status_message(res: &Resource, obj: &Value) -> (String, bool) {
    let name = api::name_of(obj);
    let st = |k: &str| i(obj.path(&["status", k]));
    let generation = i(obj.path(&["metadata", "generation"]));
    let observed = st("observedGeneration");
    let replicas = obj
        .path(&["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(1);
    match res.kind {
        "Deployment" => {
            if generation > observed {
                return (
                    "Waiting for deployment spec update to be observed...\n".into(),
                    false,
                );
            }
            let conds = obj
                .path(&["status", "conditions"])
                .and_then(Value::as_seq)
                .cloned()
                .unwrap_or_default();
            if conds.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Progressing")
                    && c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
            }) {
                return (
                    format!("error: deployment \"{name}\" exceeded its progress deadline\n"),
                    true,
                );
            }
            let (updated, total, avail) = (
                st("updatedReplicas"),
                st("replicas"),
                st("availableReplicas"),
            );
            if updated < replicas {
                (format!("Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated...\n"), false)
            } else if total > updated {
                (format!("Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n", total - updated), false)
            } else if avail < updated {
                (format!("Waiting for deployment \"{name}\" rollout to finish: {avail} of {updated} updated replicas are available...\n"), false)
            } else {
                (
                    format!("deployment \"{name}\" successfully rolled out\n"),
                    true,
                )
            }
        }
        "DaemonSet" => {
            if generation > observed {
                return (
                    "Waiting for daemon set spec update to be observed...\n".into(),
                    false,
                );
            }
            let (desired, updated, avail) = (
                st("desiredNumberScheduled"),
                st("updatedNumberScheduled"),
                st("numberAvailable"),
            );
            if updated < desired {
                (format!("Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated...\n"), false)
            } else if avail < desired {
                (format!("Waiting for daemon set \"{name}\" rollout to finish: {avail} of {desired} updated pods are available...\n"), false)
            } else {
                (
                    format!("daemon set \"{name}\" successfully rolled out\n"),
                    true,
                )
            }
        }
        "StatefulSet" => {
            if observed == 0 || generation > observed {
                return (
                    "Waiting for statefulset spec update to be observed...\n".into(),
                    false,
                );
            }
            let ready = st("readyReplicas");
            if ready < replicas {
                return (
                    format!("Waiting for {} pods to be ready...\n", replicas - ready),
                    false,
                );
            }
            // kubectl's StatefulSetStatusViewer: with a rollingUpdate block (the API server
            // defaults `partition: 0`) it reports the partitioned roll out and stops there.
            if obj
                .path(&["spec", "updateStrategy", "rollingUpdate"])
                .is_some()
            {
                if let Some(p) = obj
                    .path(&["spec", "updateStrategy", "rollingUpdate", "partition"])
                    .and_then(Value::as_i64)
                {
                    if st("updatedReplicas") < replicas - p {
                        return (format!("Waiting for partitioned roll out to finish: {} out of {} new pods have been updated...\n", st("updatedReplicas"), replicas - p), false);
                    }
                }
                return (
                    format!(
                        "partitioned roll out complete: {} new pods have been updated...\n",
                        st("updatedReplicas")
                    ),
                    true,
                );
            }
            let cur = obj
                .path(&["status", "currentRevision"])
                .map(scalar_string)
                .unwrap_or_default();
            let upd = obj
                .path(&["status", "updateRevision"])
                .map(scalar_string)
                .unwrap_or_default();
            if cur != upd {
                return (format!("waiting for statefulset rolling update to complete {} pods at revision {upd}...\n", st("updatedReplicas")), false);
            }
            (
                format!(
                    "statefulset rolling update complete {replicas} pods at revision {cur}...\n"
                ),
                true,
            )
        }
        _ => (
            format!(
                "error: no status viewer has been implemented for {}\n",
                res.kind
            ),
            true,
        ),
    }
}

/// The revisions `rollout history|undo` work with, oldest first, each as an object with the
/// pod template in `spec.template` and the change cause in its annotations: a Deployment's
/// ReplicaSets, or the ControllerRevisions of a DaemonSet or StatefulSet (their `data` is the
/// patch that restores the template).
fn history_entries(
    ctx: &mut Ctx,
    res: &Resource,
    obj: &Value,
) -> Result<Vec<(i64, Value)>, Output> {
    if res.kind == "Deployment" {
        return owned_replicasets(ctx, obj);
    }
    let uid = api::meta_str(obj, "uid").unwrap_or("").to_string();
    let ns = api::namespace_of(obj).unwrap_or("default").to_string();
    let Some(cr_res) = api::resource_for("controllerrevisions") else {
        return Ok(Vec::new());
    };
    let mut a = ctx.api()?;
    let mut out: Vec<(i64, Value)> = a
        .list(cr_res, Some(&ns))
        .into_iter()
        .filter(|cr| crate::sim::meta::controller_ref(cr).is_some_and(|o| o.uid == uid))
        .map(|cr| {
            let rev = cr.get("revision").and_then(Value::as_i64).unwrap_or(0);
            let mut entry = Value::map();
            if let Some(ann) = cr.path(&["metadata", "annotations"]) {
                entry
                    .path_mut_or_insert(&["metadata"])
                    .set("annotations", ann.clone());
            }
            let template =
                crate::sim::controllers::history::template_of(&cr).unwrap_or_else(Value::map);
            entry
                .path_mut_or_insert(&["spec"])
                .set("template", template);
            (rev, entry)
        })
        .collect();
    out.sort_small_by_key(|(r, _)| *r);
    Ok(out)
}

/// ReplicaSets owned by a deployment, with their revision numbers, oldest first.
fn owned_replicasets(ctx: &mut Ctx, dep: &Value) -> Result<Vec<(i64, Value)>, Output> {
    let uid = api::meta_str(dep, "uid").unwrap_or("").to_string();
    let ns = api::namespace_of(dep).unwrap_or("default").to_string();
    let Some(rs_res) = api::resource_for("replicasets") else {
        return Ok(Vec::new());
    };
    let mut a = ctx.api()?;
    let mut out: Vec<(i64, Value)> = a
        .list(rs_res, Some(&ns))
        .into_iter()
        .filter(|rs| {
            rs.path(&["metadata", "ownerReferences"])
                .and_then(Value::as_seq)
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                })
        })
        .map(|rs| {
            let rev = rs
                .path(&[
                    "metadata",
                    "annotations",
                    "deployment.kubernetes.io/revision",
                ])
                .and_then(Value::as_str)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            (rev, rs)
        })
        .collect();
    out.sort_small_by_key(|(r, _)| *r);
    Ok(out)
}

pub fn rollout(ctx: &mut Ctx) -> Output {
    let sub = ctx.cmd.name();
    let (res, mut obj) = match one_target(ctx) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let name = api::name_of(&obj).to_string();
    let kn = kind_name(res, &name);
    let supported = match sub {
        "status" | "history" | "undo" | "restart" => {
            matches!(res.kind, "Deployment" | "DaemonSet" | "StatefulSet")
        }
        _ => res.kind == "Deployment",
    };
    if !supported {
        return ctx.fail(format!("{} is not supported by \"rollout {sub}\"", kn));
    }
    match sub {
        "status" => {
            let (msg, done) = rollout_status_message(res, &obj);
            let mut out = Output::out(msg.clone());
            if msg.starts_with("error:") {
                return Output::error(msg.trim_end(), 1);
            }
            if !done && ctx.p.value("watch") != Some("false") {
                let cluster = ctx.cluster().unwrap_or_default();
                ctx.term.watch = Some(Watch::Rollout {
                    cluster,
                    res,
                    namespace: api::namespace_of(&obj).unwrap_or("default").to_string(),
                    name,
                    last: msg,
                });
                out.streaming = true;
            }
            out
        }
        "history" => {
            let rss = match history_entries(ctx, res, &obj) {
                Ok(r) => r,
                Err(o) => return o,
            };
            if let Some(rev) = ctx
                .p
                .value("revision")
                .and_then(|r| r.parse::<i64>().ok())
                .filter(|r| *r > 0)
            {
                let Some((_, rs)) = rss.iter().find(|(r, _)| *r == rev) else {
                    return ctx.fail("unable to find the specified revision".to_string());
                };
                let mut text = format!("{kn} with revision #{rev}\n");
                text.push_str(&super::describe::pod_template_text(
                    rs.path(&["spec", "template"]),
                ));
                text.push('\n');
                return Output::out(text);
            }
            let mut text = format!("{kn} \nREVISION\tCHANGE-CAUSE\n");
            for (rev, rs) in &rss {
                let cause = rs
                    .path(&["metadata", "annotations", "kubernetes.io/change-cause"])
                    .and_then(Value::as_str)
                    .unwrap_or("<none>");
                text.push_str(&format!("{rev}\t{cause}\n"));
            }
            text.push('\n');
            Output::out(super::printers::tabwrite(&text, 0, 2))
        }
        "undo" => {
            let rss = match history_entries(ctx, res, &obj) {
                Ok(r) => r,
                Err(o) => return o,
            };
            let to = ctx
                .p
                .value("to-revision")
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(0);
            let current = rss.last().map(|(r, _)| *r).unwrap_or(0);
            let target = if to == 0 {
                rss.iter().rev().find(|(r, _)| *r != current)
            } else {
                rss.iter().find(|(r, _)| *r == to)
            };
            let Some((_, rs)) = target else {
                // DaemonSets and StatefulSets (`findHistory`) say so with the revision asked.
                return if to == 0 && res.kind == "Deployment" {
                    ctx.fail(format!(
                        "no rollout history found for deployment \"{name}\""
                    ))
                } else {
                    ctx.fail(format!("unable to find specified revision {to} in history"))
                };
            };
            let mut template = rs
                .path(&["spec", "template"])
                .cloned()
                .unwrap_or(Value::Null);
            if let Some(Value::Map(l)) = template.path(&["metadata", "labels"]).cloned() {
                let mut l = l;
                l.remove("pod-template-hash");
                template
                    .path_mut_or_insert(&["metadata"])
                    .set("labels", Value::Map(l));
            }
            if obj.path(&["spec", "template"]) == Some(&template) {
                let shown = if res.kind == "Deployment" {
                    to.max(1)
                } else {
                    to
                };
                return Output::out(format!(
                    "{kn} skipped rollback (current template already matches revision {shown})\n"
                ));
            }
            obj.path_mut_or_insert(&["spec"]).set("template", template);
            match update(ctx, res, obj) {
                Ok(_) => Output::out(format!("{kn} rolled back\n")),
                Err(o) => o,
            }
        }
        "restart" => {
            if obj.path(&["spec", "paused"]) == Some(&Value::Bool(true)) {
                return ctx.fail(format!(
                    "{} \"{name}\" can't restart paused deployment (run rollout resume first)",
                    res.qualified_plural()
                ));
            }
            let now = ctx.term.world.now().rfc3339();
            obj.path_mut_or_insert(&["spec", "template", "metadata", "annotations"])
                .set("kubectl.kubernetes.io/restartedAt", now.as_str());
            match update(ctx, res, obj) {
                Ok(_) => Output::out(format!("{kn} restarted\n")),
                Err(o) => o,
            }
        }
        "pause" | "resume" => {
            let pause = sub == "pause";
            let paused = obj.path(&["spec", "paused"]) == Some(&Value::Bool(true));
            if paused == pause {
                return ctx.fail(format!(
                    "{} \"{name}\" is {}",
                    res.qualified_plural(),
                    if pause {
                        "already paused"
                    } else {
                        "not paused"
                    }
                ));
            }
            obj.path_mut_or_insert(&["spec"]).set("paused", pause);
            match update(ctx, res, obj) {
                Ok(_) => Output::out(format!(
                    "{kn} {}\n",
                    if pause { "paused" } else { "resumed" }
                )),
                Err(o) => o,
            }
        }
        _ => ctx.fail("unknown rollout command"),
    }
}

/// `kubectl taint nodes NAME key=value:Effect | key:Effect- | key-`.
pub fn taint(ctx: &mut Ctx) -> Output {
    let (targets, specs): (Vec<String>, Vec<String>) = ctx
        .p
        .args
        .iter()
        .cloned()
        .partition(|a| !(a.contains('=') || a.contains(':') || a.ends_with('-')));
    if specs.is_empty() {
        return ctx.usage("at least one taint update is required");
    }
    ctx.p.args = targets;
    if ctx
        .p
        .args
        .first()
        .is_some_and(|t| super::get::resolve(t).map(|r| r.kind) != Ok("Node") && !t.contains('/'))
    {
        return ctx.fail(format!(
            "invalid resource type {}, only node types are supported",
            ctx.p.args[0]
        ));
    }
    let (objs, mut out) = match resolve_reporting(ctx, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    for (res, mut node) in objs {
        let name = api::name_of(&node).to_string();
        let mut taints = node
            .path(&["spec", "taints"])
            .and_then(Value::as_seq)
            .cloned()
            .unwrap_or_default();
        let mut removed = false;
        let mut added = false;
        let mut modified = false;
        for spec in &specs {
            if let Some(rm) = spec.strip_suffix('-') {
                let (key, effect) = rm.split_once(':').map_or((rm, None), |(k, e)| (k, Some(e)));
                let before = taints.len();
                taints.retain(|t| {
                    !(t.get("key").and_then(Value::as_str) == Some(key)
                        && effect
                            .is_none_or(|e| t.get("effect").and_then(Value::as_str) == Some(e)))
                });
                if taints.len() == before {
                    out.err(format!("error: taint \"{rm}\" not found"));
                    out.exit_code = 1;
                    return out;
                }
                removed = true;
                continue;
            }
            let (kv_part, effect) = match spec.rsplit_once(':') {
                Some(x) => x,
                None => {
                    out.err(format!(
                        "error: invalid taint spec: {spec}, unknown taint effect"
                    ));
                    out.exit_code = 1;
                    return out;
                }
            };
            if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
                out.err(format!(
                    "error: invalid taint effect: {effect}, unsupported taint effect"
                ));
                out.exit_code = 1;
                return out;
            }
            let (key, value) = kv_part.split_once('=').unwrap_or((kv_part, ""));
            let exists = taints.iter().position(|t| {
                t.get("key").and_then(Value::as_str) == Some(key)
                    && t.get("effect").and_then(Value::as_str) == Some(effect)
            });
            if exists.is_some() && !ctx.p.on("overwrite") {
                out.err(format!("error: Node {name} already has {key} taint(s) with same effect(s) and --overwrite is false"));
                out.exit_code = 1;
                return out;
            }
            let mut t = Value::map();
            t.set("effect", effect);
            t.set("key", key);
            if !value.is_empty() {
                t.set("value", value);
            }
            if effect == "NoExecute" {
                t.set("timeAdded", ctx.term.world.now().rfc3339());
            }
            match exists {
                Some(idx) => {
                    taints[idx] = t;
                    modified = true;
                }
                None => taints.push(t),
            }
            added = true;
        }
        if taints.is_empty() {
            if let Some(Value::Map(m)) = node.get("spec").cloned() {
                let mut m = m;
                m.remove("taints");
                node.set("spec", Value::Map(m));
            }
        } else {
            node.path_mut_or_insert(&["spec"])
                .set("taints", Value::Seq(taints));
        }
        match update(ctx, res, node) {
            Ok(_) => {
                let verb = if modified || (added && removed) {
                    "modified"
                } else if added {
                    "tainted"
                } else {
                    "untainted"
                };
                out.print(format!("{} {verb}\n", kind_name(res, &name)));
            }
            Err(o) => return o,
        }
    }
    out
}

fn set_unschedulable(ctx: &mut Ctx, node: &str, on: bool) -> Result<String, Output> {
    let Some(res) = api::resource_for("nodes") else {
        return Err(Output::default());
    };
    let mut a = ctx.api()?;
    let mut n = a.get(res, None, node).map_err(|e| Ctx::api_err(&e))?;
    let cur = n.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true));
    let word = if on { "cordoned" } else { "uncordoned" };
    if cur == on {
        return Ok(format!("node/{node} already {word}\n"));
    }
    if on {
        n.path_mut_or_insert(&["spec"]).set("unschedulable", true);
    } else if let Some(Value::Map(m)) = n.get("spec").cloned() {
        let mut m = m;
        m.remove("unschedulable");
        n.set("spec", Value::Map(m));
    }
    a.update(res, n).map_err(|e| Ctx::api_err(&e))?;
    Ok(format!("node/{node} {word}\n"))
}

pub fn cordon(ctx: &mut Ctx) -> Output {
    let on = ctx.cmd.name() == "cordon";
    let Some(node) = ctx.p.args.first().cloned() else {
        return ctx.usage("USAGE: cordon NODE [flags]");
    };
    match set_unschedulable(ctx, &node, on) {
        Ok(t) => Output::out(t),
        Err(o) => o,
    }
}

/// Pods bound to a node, as drain sees them.
fn pods_on(ctx: &mut Ctx, node: &str) -> Result<Vec<Value>, Output> {
    let Some(res) = api::resource_for("pods") else {
        return Ok(Vec::new());
    };
    let mut a = ctx.api()?;
    Ok(a.list(res, None)
        .into_iter()
        .filter(|p| p.path(&["spec", "nodeName"]).and_then(Value::as_str) == Some(node))
        .collect())
}

pub fn drain(ctx: &mut Ctx) -> Output {
    let Some(node) = ctx.p.args.first().cloned() else {
        return ctx.usage("USAGE: drain NODE [flags]");
    };
    let mut out = match set_unschedulable(ctx, &node, true) {
        Ok(t) => Output::out(t),
        Err(o) => return o,
    };
    let pods = match pods_on(ctx, &node) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let ignore_ds = ctx.p.on("ignore-daemonsets");
    let del_empty = ctx.p.on("delete-emptydir-data");
    let force = ctx.p.on("force");
    let mut ds_pods = Vec::new();
    let mut unmanaged = Vec::new();
    let mut local = Vec::new();
    let mut to_evict = Vec::new();
    for p in pods {
        let id = format!(
            "{}/{}",
            api::namespace_of(&p).unwrap_or(""),
            api::name_of(&p)
        );
        let owner = p
            .path(&["metadata", "ownerReferences"])
            .and_then(Value::as_seq)
            .and_then(|r| {
                r.iter()
                    .find(|o| o.get("controller") == Some(&Value::Bool(true)))
                    .or(r.first())
                    .cloned()
            });
        let owner_kind = owner
            .as_ref()
            .and_then(|o| o.get("kind"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mirror = p
            .path(&["metadata", "annotations", "kubernetes.io/config.mirror"])
            .is_some();
        let phase = p
            .path(&["status", "phase"])
            .and_then(Value::as_str)
            .unwrap_or("");
        if mirror {
            continue;
        }
        if owner_kind == "DaemonSet" {
            ds_pods.push(id);
            continue;
        }
        let finished = phase == "Succeeded" || phase == "Failed";
        if owner.is_none() && !finished {
            unmanaged.push(id.clone());
        }
        let empty_dir = p
            .path(&["spec", "volumes"])
            .and_then(Value::as_seq)
            .is_some_and(|vs| vs.iter().any(|v| v.get("emptyDir").is_some()));
        if empty_dir && !finished {
            local.push(id.clone());
        }
        to_evict.push(p);
    }
    let mut errors = Vec::new();
    if !ds_pods.is_empty() && !ignore_ds {
        errors.push(format!(
            "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}",
            ds_pods.join(", ")
        ));
    }
    if !unmanaged.is_empty() && !force {
        errors.push(format!(
            "cannot delete Pods that declare no controller (use --force to override): {}",
            unmanaged.join(", ")
        ));
    }
    if !local.is_empty() && !del_empty {
        errors.push(format!(
            "cannot delete Pods with local storage (use --delete-emptydir-data to override): {}",
            local.join(", ")
        ));
    }
    if !errors.is_empty() {
        // utilerrors.NewAggregate: one error as is, several as `[a, b]`.
        let all = if errors.len() == 1 {
            errors[0].clone()
        } else {
            format!("[{}]", errors.join(", "))
        };
        out.err(format!("error: unable to drain node \"{node}\" due to error: {all}, continuing command...\nThere are pending nodes to be drained:\n {node}"));
        out.err(format!("error: {all}"));
        out.exit_code = 1;
        return out;
    }
    let mut warnings = Vec::new();
    if !unmanaged.is_empty() {
        warnings.push(format!(
            "deleting Pods that declare no controller: {}",
            unmanaged.join(", ")
        ));
    }
    if !ds_pods.is_empty() {
        warnings.push(format!(
            "ignoring DaemonSet-managed Pods: {}",
            ds_pods.join(", ")
        ));
    }
    if !warnings.is_empty() {
        out.err(format!("Warning: {}", warnings.join("; ")));
    }
    let Some(pod_res) = api::resource_for("pods") else {
        return out;
    };
    for p in &to_evict {
        out.print(format!(
            "evicting pod {}/{}\n",
            api::namespace_of(p).unwrap_or(""),
            api::name_of(p)
        ));
    }
    for p in &to_evict {
        let r = match ctx.api() {
            Ok(mut a) => a.delete(pod_res, api::namespace_of(p), api::name_of(p)),
            Err(o) => return o,
        };
        if let Err(e) = r {
            out.err(format!(
                "error when evicting pods/\"{}\" -n \"{}\" (will retry after 5s): {}",
                api::name_of(p),
                api::namespace_of(p).unwrap_or(""),
                e.message
            ));
            continue;
        }
        out.print(format!("pod/{} evicted\n", api::name_of(p)));
    }
    ctx.term.world.step(1000);
    out.print(format!("node/{node} drained\n"));
    out
}

/// A container's log lines (the kubelet keeps them).
pub fn log_lines(
    world: &mut World,
    cluster: &str,
    ns: &str,
    pod: &str,
    container: &str,
    previous: bool,
) -> Vec<String> {
    let now = world.now();
    world
        .clusters
        .get(cluster)
        .and_then(|c| crate::sim::kubelet::logs(c, ns, pod, Some(container), previous, now).ok())
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn find_pod(ctx: &mut Ctx, target: &str) -> Result<Value, Output> {
    let ns = ctx.namespace();
    let Some(pods) = api::resource_for("pods") else {
        return Err(Output::default());
    };
    let (kind, name) = target.split_once('/').unwrap_or(("pod", target));
    let res = super::get::resolve(kind).map_err(|e| ctx.fail(e))?;
    let mut a = ctx.api()?;
    if res.kind == "Pod" {
        return a.get(pods, Some(&ns), name).map_err(|e| Ctx::api_err(&e));
    }
    let owner = a.get(res, Some(&ns), name).map_err(|e| Ctx::api_err(&e))?;
    let sel = owner
        .path(&["spec", "selector", "matchLabels"])
        .or_else(|| owner.path(&["spec", "selector"]));
    let labels = super::select::string_map(sel);
    let mut candidates: Vec<Value> = a
        .list(pods, Some(&ns))
        .into_iter()
        .filter(|p| {
            let l = super::select::labels_of(p);
            !labels.is_empty() && labels.iter().all(|(k, v)| l.get(k) == Some(v))
        })
        .collect();
    candidates.sort_small_by_key(|p| {
        api::meta_str(p, "creationTimestamp")
            .unwrap_or("")
            .to_string()
    });
    if candidates.len() > 1 {
        if let Some(first) = candidates.first() {
            // kubectl says which pod it picked (on stderr).
            ctx.note = Some(format!(
                "Found {} pods, using pod/{}",
                candidates.len(),
                api::name_of(first)
            ));
        }
    }
    candidates
        .into_iter()
        .next()
        .ok_or_else(|| ctx.fail("timed out waiting for the condition".to_string()))
}

fn pick_container(ctx: &Ctx, pod: &Value, out: &mut Output) -> Result<String, Output> {
    let names: Vec<String> = pod
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let all: Vec<String> = pod
        .path(&["spec", "initContainers"])
        .and_then(Value::as_seq)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                .collect::<Vec<String>>()
        })
        .unwrap_or_default()
        .into_iter()
        .chain(names.iter().cloned())
        .collect();
    match ctx.p.value("container") {
        Some(c) if all.iter().any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(Output::error(
            format!(
                "Error from server (BadRequest): container {c} is not valid for pod {}",
                api::name_of(pod)
            ),
            1,
        )),
        None => {
            let first = pod
                .path(&[
                    "metadata",
                    "annotations",
                    "kubectl.kubernetes.io/default-container",
                ])
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| names.first().cloned())
                .unwrap_or_default();
            if names.len() > 1 {
                out.err(format!(
                    "Defaulted container \"{first}\" out of: {}",
                    all.join(", ")
                ));
            }
            Ok(first)
        }
    }
}

pub fn logs(ctx: &mut Ctx) -> Output {
    let mut out = Output::default();
    let pods: Vec<Value> = if let Some(sel) = ctx.p.value("selector").map(str::to_string) {
        let sel = match LabelSelector::parse(&sel) {
            Ok(s) => s,
            Err(e) => return ctx.fail(e),
        };
        let ns = ctx.namespace();
        let Some(res) = api::resource_for("pods") else {
            return out;
        };
        match ctx.api() {
            Ok(mut a) => a
                .list(res, Some(&ns))
                .into_iter()
                .filter(|p| sel.matches_obj(p))
                .collect(),
            Err(o) => return o,
        }
    } else {
        let Some(target) = ctx.p.args.first().cloned() else {
            return ctx
                .usage("expected POD or TYPE/NAME is a required argument for the logs command");
        };
        if let Some(c) = ctx.p.args.get(1) {
            if !ctx.p.has("container") {
                ctx.p.flags.insert("container", vec![c.clone()]);
            }
        }
        match find_pod(ctx, &target) {
            Ok(p) => vec![p],
            Err(o) => return o,
        }
    };
    let tail: i64 = ctx
        .p
        .value("tail")
        .and_then(|t| t.parse().ok())
        .unwrap_or(if ctx.p.has("selector") { 10 } else { -1 });
    let cluster = match ctx.cluster() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let multi = ctx.p.on("prefix");
    for pod in &pods {
        let container = match pick_container(ctx, pod, &mut out) {
            Ok(c) => c,
            Err(o) => return o,
        };
        let ns = api::namespace_of(pod).unwrap_or("default").to_string();
        let name = api::name_of(pod).to_string();
        let now = ctx.term.world.now();
        let answer = ctx.term.world.clusters.get(&cluster).map(|c| {
            crate::sim::kubelet::logs(c, &ns, &name, Some(&container), ctx.p.on("previous"), now)
        });
        let mut lines: Vec<String> = match answer {
            Some(Ok(text)) => text.lines().map(str::to_string).collect(),
            Some(Err(e)) => {
                out.err(e.kubectl_message());
                out.exit_code = 1;
                continue;
            }
            None => Vec::new(),
        };
        if tail >= 0 {
            let skip = lines.len().saturating_sub(tail as usize);
            lines.drain(..skip);
        }
        for l in &lines {
            if multi {
                out.print(format!("[pod/{name}/{container}] {l}\n"));
            } else {
                out.print(format!("{l}\n"));
            }
        }
        if ctx.p.on("follow") && pods.len() == 1 {
            let printed =
                log_lines(&mut ctx.term.world, &cluster, &ns, &name, &container, false).len();
            ctx.term.watch = Some(Watch::Logs {
                cluster: cluster.clone(),
                namespace: ns,
                pod: name,
                container,
                printed,
            });
            out.streaming = true;
        }
    }
    out
}

/// `kubectl exec POD -- COMMAND`: a few commands answered from the simulated container.
pub fn exec(ctx: &mut Ctx) -> Output {
    let Some(target) = ctx.p.args.first().cloned() else {
        return ctx.usage("pod, type/name or --filename must be specified");
    };
    let Some(cmd) = ctx.p.after_dash.clone().filter(|c| !c.is_empty()) else {
        if ctx.p.args.len() > 1 {
            return ctx.usage("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead");
        }
        return ctx.usage("you must specify at least one command for the container");
    };
    let pod = match find_pod(ctx, &target) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let mut out = Output::default();
    let container = match pick_container(ctx, &pod, &mut out) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let phase = pod
        .path(&["status", "phase"])
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    if phase == "Succeeded" || phase == "Failed" {
        return ctx.fail(format!(
            "cannot exec into a container in a completed pod; current phase is {phase}"
        ));
    }
    let running = pod
        .path(&["status", "containerStatuses"])
        .and_then(Value::as_seq)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("name").and_then(Value::as_str) == Some(container.as_str())
                    && c.path(&["state", "running"]).is_some()
            })
        });
    if !running {
        return ctx.fail(format!(
            "unable to upgrade connection: container not found (\"{container}\")"
        ));
    }
    let name = api::name_of(&pod).to_string();
    let ns = api::namespace_of(&pod).unwrap_or("default").to_string();
    let spec = pod
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(container.as_str()))
                .cloned()
        })
        .unwrap_or(Value::Null);
    let (prog, args) = cmd
        .split_first()
        .map(|(p, a)| (p.as_str(), a.to_vec()))
        .unwrap_or(("", Vec::new()));
    // curl/wget/nslookup options are skipped (`curl -s http://web`).
    let host_arg: String = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_default();
    let prog = prog.rsplit('/').next().unwrap_or(prog);
    match (prog, args.first().map(String::as_str)) {
        ("sh" | "bash" | "ash", Some("-c")) => {
            let inner: Vec<String> = args.get(1).map(|s| s.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
            ctx.p.after_dash = Some(inner);
            return exec(ctx);
        }
        ("sh" | "bash" | "ash" | "zsh", None) => {
            out.err(format!("error: interactive shells are not modelled by this simulator; run one command at a time, e.g. kubectl exec {name} -- ls /"));
            out.exit_code = 1;
        }
        ("hostname", _) => out.print(format!("{name}\n")),
        ("env" | "printenv", _) => {
            let mut env = vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                format!("HOSTNAME={name}"),
            ];
            for e in spec.get("env").and_then(Value::as_seq).cloned().unwrap_or_default() {
                let k = e.get("name").map(scalar_string).unwrap_or_default();
                let v = e.get("value").map(scalar_string).unwrap_or_default();
                env.push(format!("{k}={v}"));
            }
            env.extend(service_env(
                ctx,
                &ns,
                api::meta_str(&pod, "creationTimestamp").unwrap_or(""),
            ));
            env.push("HOME=/root".into());
            out.print(env.iter().map(|l| format!("{l}\n")).collect::<String>());
        }
        ("cat", Some("/etc/hostname")) => out.print(format!("{name}\n")),
        ("cat", Some("/etc/resolv.conf")) => out.print(format!("search {ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")),
        ("cat", Some(path)) => {
            out.err(format!("cat: can't open '{path}': No such file or directory"));
            out.err("command terminated with exit code 1");
            out.exit_code = 1;
        }
        ("ls", _) => out.print("bin\ndev\netc\nhome\nlib\nproc\nroot\nsys\ntmp\nusr\nvar\n"),
        ("date", _) => out.print(format!("{}\n", ctx.term.world.now().rfc3339())),
        ("nslookup" | "curl" | "wget", Some(_)) => {
            let host = host_arg.as_str();
            let host = host.trim_start_matches("http://").split('/').next().unwrap_or(host).to_string();
            let (h, _port) = host.split_once(':').unwrap_or((host.as_str(), "80"));
            let parts: Vec<&str> = h.split('.').collect();
            let (svc, svc_ns) = (parts.first().copied().unwrap_or(""), parts.get(1).copied().unwrap_or(ns.as_str()));
            let found = api::resource_for("services").and_then(|r| ctx.api().ok()?.get(r, Some(svc_ns), svc).ok());
            match (prog, found) {
                ("nslookup", Some(s)) => {
                    let ip = s.path(&["spec", "clusterIP"]).map(scalar_string).unwrap_or_default();
                    out.print(format!("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\t{svc}.{svc_ns}.svc.cluster.local\nAddress: {ip}\n\n"));
                }
                ("nslookup", None) => {
                    out.print(format!("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find {h}.{ns}.svc.cluster.local: NXDOMAIN\n\n"));
                    out.err("command terminated with exit code 1");
                    out.exit_code = 1;
                }
                _ => {
                    let port: i64 = _port.parse().unwrap_or(80);
                    let node = pod
                        .path(&["spec", "nodeName"])
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let cluster = ctx.cluster().unwrap_or_default();
                    let pod_ip = pod.path(&["status", "podIP"]).map(scalar_string).unwrap_or_default();
                    let now = ctx.term.world.now();
                    match crate::sim::network::resolve(&mut ctx.term.world, &cluster, &node, &ns, h, port) {
                        Ok(target) => {
                            if let (Some(c), Some((tns, tpod))) =
                                (ctx.term.world.clusters.get_mut(&cluster), target.pod.split_once('/'))
                            {
                                crate::sim::kubelet::record_request(c, tns, tpod, &pod_ip, now);
                            }
                            out.print("<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n");
                        }
                        Err(e) => {
                            let code = match e {
                                crate::sim::network::NetError::UnknownHost(_) => 6,
                                crate::sim::network::NetError::Refused { .. } => 7,
                                crate::sim::network::NetError::Timeout => 28,
                            };
                            out.err(e.to_string());
                            out.err(format!("command terminated with exit code {code}"));
                            out.exit_code = code;
                        }
                    }
                }
            }
        }
        (p, _) => {
            out.err(format!("error: Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \"0\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{p}\": executable file not found in $PATH: unknown"));
            out.exit_code = 1;
        }
    }
    out
}

/// The `<SVC>_SERVICE_HOST` variables kubelet injects for the namespace's services.
/// Only services that existed when the container started are injected (kubelet sets the
/// environment once).
fn service_env(ctx: &mut Ctx, ns: &str, started: &str) -> Vec<String> {
    let Some(res) = api::resource_for("services") else {
        return Vec::new();
    };
    let svcs = match ctx.api() {
        Ok(mut a) => a.list(res, Some(ns)),
        Err(_) => return Vec::new(),
    };
    let mut env = Vec::new();
    for s in svcs {
        let ip = s
            .path(&["spec", "clusterIP"])
            .map(scalar_string)
            .unwrap_or_default();
        if ip.is_empty()
            || ip == "None"
            || api::meta_str(&s, "creationTimestamp").unwrap_or("") > started
        {
            continue;
        }
        let prefix = api::name_of(&s).to_ascii_uppercase().replace('-', "_");
        if let Some(p) = s
            .path(&["spec", "ports"])
            .and_then(Value::as_seq)
            .and_then(|p| p.first())
        {
            let port = p.get("port").map(scalar_string).unwrap_or_default();
            env.push(format!("{prefix}_SERVICE_HOST={ip}"));
            env.push(format!("{prefix}_SERVICE_PORT={port}"));
        }
    }
    env
}

/// Parses `30s`, `2m`, `1h`, `500ms`, `0` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| s.split_at(i))?;
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some((n * mult) as i64)
}

/// `kubectl wait --for=... TYPE/NAME --timeout=30s`: lets simulated time pass.
pub fn wait(ctx: &mut Ctx) -> Output {
    let Some(cond) = ctx.p.value("for").map(str::to_string) else {
        return ctx.fail("--for must be specified");
    };
    let timeout_ms = match ctx.p.value("timeout").unwrap_or("30s") {
        t => match parse_duration_ms(t) {
            Some(ms) if ms < 0 => 7 * 24 * 3_600_000,
            Some(ms) => ms,
            None => return ctx.fail(format!("invalid argument \"{t}\" for \"--timeout\" flag")),
        },
    };
    let reqs = match parse_targets(&ctx.p.args) {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    let ns = ctx.namespace();
    let sel = match LabelSelector::parse(ctx.p.value("selector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ctx.fail(e),
    };
    let select_all = ctx.p.on("all") || ctx.p.has("selector");
    let mut targets: Vec<(&'static Resource, String)> = Vec::new();
    for r in &reqs {
        if r.names.is_empty() {
            if !select_all {
                return ctx.fail("resource name may not be empty");
            }
            let list = match ctx.api() {
                Ok(mut a) => a.list(r.res, r.res.namespaced.then_some(ns.as_str())),
                Err(o) => return o,
            };
            for o in list.into_iter().filter(|o| sel.matches_obj(o)) {
                targets.push((r.res, api::name_of(&o).to_string()));
            }
        } else {
            targets.extend(r.names.iter().map(|n| (r.res, n.clone())));
        }
    }
    if targets.is_empty() {
        return ctx.fail("no matching resources found");
    }
    let check = |obj: Option<&Value>| -> bool {
        if cond == "delete" {
            return obj.is_none();
        }
        let Some(obj) = obj else { return false };
        if cond == "create" {
            return true;
        }
        if let Some(c) = cond.strip_prefix("condition=") {
            let (ctype, want) = c.split_once('=').unwrap_or((c, "true"));
            return obj
                .path(&["status", "conditions"])
                .and_then(Value::as_seq)
                .is_some_and(|cs| {
                    cs.iter().any(|x| {
                        x.get("type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t.eq_ignore_ascii_case(ctype))
                            && x.get("status")
                                .and_then(Value::as_str)
                                .is_some_and(|s| s.eq_ignore_ascii_case(want))
                    })
                });
        }
        if let Some(j) = cond.strip_prefix("jsonpath=") {
            let (expr, want) = match j.rsplit_once('=') {
                Some((e, w)) if e.ends_with('}') => (e, Some(w)),
                _ => (j, None),
            };
            let vals = jsonpath::eval(expr, obj).unwrap_or_default();
            return match want {
                Some(w) => vals.iter().any(|v| jsonpath::show(v) == w),
                None => !vals.is_empty(),
            };
        }
        false
    };
    if !(cond == "delete"
        || cond == "create"
        || cond.starts_with("condition=")
        || cond.starts_with("jsonpath="))
    {
        return ctx.fail(format!("unrecognized condition: \"{cond}\""));
    }
    let mut out = Output::default();
    let start = ctx.term.world.now();
    for (res, name) in targets {
        loop {
            let obj = match ctx.api() {
                Ok(mut a) => a.get(res, res.namespaced.then_some(ns.as_str()), &name),
                Err(o) => return o,
            };
            if let Err(e) = &obj {
                if e.code == 404 && cond != "delete" && cond != "create" {
                    out.err(e.kubectl_message());
                    out.exit_code = 1;
                    break;
                }
            }
            if cond == "delete" && obj.is_err() && ctx.term.world.now() == start {
                // Already gone: kubectl ignores NotFound for --for=delete and prints nothing.
                break;
            }
            if check(obj.as_ref().ok()) {
                out.print(format!("{} condition met\n", kind_name(res, &name)));
                break;
            }
            let elapsed = ctx.term.world.now().since_ms(start) as i64;
            if elapsed >= timeout_ms {
                out.err(format!(
                    "error: timed out waiting for the condition on {}/{name}",
                    res.plural
                ));
                out.exit_code = 1;
                break;
            }
            ctx.term
                .world
                .step(500.min((timeout_ms - elapsed).max(1)) as u64);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rollout_messages() {
        assert_eq!(parse_duration_ms("30s"), Some(30_000));
        assert_eq!(parse_duration_ms("2m"), Some(120_000));
        assert_eq!(parse_duration_ms("x"), None);
        let dep = api::resource_for("deploy").unwrap();
        let mut d = Value::map();
        d.path_mut_or_insert(&["metadata"]).set("name", "web");
        d.path_mut_or_insert(&["metadata"]).set("generation", 1i64);
        d.path_mut_or_insert(&["spec"]).set("replicas", 3i64);
        let st = d.path_mut_or_insert(&["status"]);
        st.set("observedGeneration", 1i64);
        st.set("updatedReplicas", 1i64);
        assert_eq!(
            rollout_status_message(dep, &d).0,
            "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n"
        );
        let st = d.path_mut_or_insert(&["status"]);
        st.set("updatedReplicas", 3i64);
        st.set("replicas", 3i64);
        st.set("availableReplicas", 3i64);
        assert_eq!(
            rollout_status_message(dep, &d),
            ("deployment \"web\" successfully rolled out\n".into(), true)
        );
    }
}
