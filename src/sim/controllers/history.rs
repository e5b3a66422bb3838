//! ControllerRevisions: the revision history of DaemonSets and StatefulSets
//! (`pkg/controller/history`, `daemon/update.go`, `statefulset/stateful_set_utils.go`).
//!
//! Each distinct pod template a workload has had is kept as an `apps/v1` ControllerRevision it
//! owns. `data` holds the strategic-merge patch that restores the template
//! (`{"spec":{"template":{"$patch":"replace", ...}}}`, [`patch_of`]) and `revision` a number that
//! grows with every change; going back to an old template (rollback) renumbers its revision
//! to the newest instead of making a new one. Revisions beyond `revisionHistoryLimit`
//! (default 10) that no live pod uses are deleted, oldest first.
//!
//! Names and hashes, as upstream:
//! - DaemonSet: `<ds>-<hash>` with `hash` = [`super::template_hash`] of the template and the
//!   `collisionCount` (`controller.ComputeHash`); the revision is labelled
//!   `controller-revision-hash: <hash>`, and so are the pods.
//! - StatefulSet: `<sts>-<hash>` with `hash` = [`revision_hash`] (FNV-32 of the patch bytes and
//!   the collision count in decimal, `history.HashControllerRevision`); the revision is labelled
//!   `controller.kubernetes.io/hash: <hash>` and pods carry the full name in
//!   `controller-revision-hash`.
//!
//! `kubectl rollout history|undo daemonset|statefulset` read these ([`list`]).

use super::{Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sim::world::World;
use crate::sort::SortSmall;

/// The label with a StatefulSet revision's hash (`history.ControllerRevisionHashLabel`).
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// The patch that puts `template` back: what a ControllerRevision's `data` holds.
pub fn patch_of(template: &Value) -> Value {
    let mut t = template.clone();
    if !matches!(t, Value::Map(_)) {
        t = Value::map();
    }
    t.set("$patch", "replace");
    let mut spec = Value::map();
    spec.set("template", t);
    let mut patch = Value::map();
    patch.set("spec", spec);
    patch
}

/// The pod template a revision's `data` restores (without the `$patch` directive).
pub fn template_of(revision: &Value) -> Option<Value> {
    let mut t = revision.path(&["data", "spec", "template"])?.clone();
    if let Value::Map(m) = &mut t {
        m.remove("$patch");
    }
    Some(t)
}

/// `history.HashControllerRevision`: FNV-32 (not 32a) of the data's JSON bytes, then the
/// collision count written in decimal, rendered through `rand.SafeEncodeString`.
pub fn revision_hash(data: &Value, collision_count: Option<i64>) -> String {
    let mut bytes = crate::sim::validation::json(data).into_bytes();
    if let Some(c) = collision_count {
        bytes.extend_from_slice(c.to_string().as_bytes());
    }
    super::safe_encode(&fnv32(&bytes).to_string())
}

/// FNV-1, 32 bits (Go's `fnv.New32`): multiply, then xor.
fn fnv32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        h.wrapping_mul(0x0100_0193) ^ u32::from(*b)
    })
}

fn revision_of(cr: &Value) -> i64 {
    meta::int_at(cr, &["revision"]).unwrap_or(0)
}

/// The revisions `owner` controls, oldest revision first (ties by name).
fn owned(ctx: &Ctx<'_>, st: &State, owner_uid: &str) -> Vec<Value> {
    let r = super::res("ControllerRevision");
    let mut out: Vec<Value> = st
        .index
        .dependents
        .get(owner_uid)
        .map(|deps| {
            deps.iter()
                .filter(|(plural, _)| *plural == "controllerrevisions")
                .filter_map(|(_, k)| ctx.get(r, k))
                .filter(|cr| meta::controller_ref(cr).is_some_and(|o| o.uid == owner_uid))
                .map(|cr| (*cr).clone())
                .collect()
        })
        .unwrap_or_default();
    out.sort_small_by(|a, b| {
        (revision_of(a), meta::key_of(a)).cmp(&(revision_of(b), meta::key_of(b)))
    });
    out
}

/// The current revision of a workload, made or renumbered if needed.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// What the pods' `controller-revision-hash` label must say.
    pub pod_label: String,
    pub name: String,
    pub revision: i64,
}

/// Makes sure `owner` (a DaemonSet or StatefulSet) has a ControllerRevision for its current
/// template with the highest revision number (`constructHistory` / `getStatefulSetRevisions`),
/// then trims the history. `in_use` are the `controller-revision-hash` values of live pods,
/// which are never deleted. `None` when the API server refused (the caller retries later).
pub fn sync(
    ctx: &mut Ctx<'_>,
    st: &State,
    owner: &Value,
    kind: &str,
    in_use: &[String],
) -> Option<Current> {
    let name = meta::str_at(owner, &["metadata", "name"])?.to_string();
    let ns = meta::str_at(owner, &["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let uid = meta::uid(owner).to_string();
    let template = owner
        .path(&["spec", "template"])
        .cloned()
        .unwrap_or_else(Value::map);
    let data = patch_of(&template);
    let collision = meta::int_at(owner, &["status", "collisionCount"]);
    let is_sts = kind == "StatefulSet";
    let hash = if is_sts {
        revision_hash(&data, Some(collision.unwrap_or(0)))
    } else {
        super::template_hash(&template, collision)
    };
    let cr_name = format!("{}-{hash}", truncate(&name, 223));
    let pod_label = if is_sts {
        cr_name.clone()
    } else {
        hash.clone()
    };
    let label_key = if is_sts {
        HASH_LABEL
    } else {
        super::daemonset::REVISION_LABEL
    };
    let r = super::res("ControllerRevision");
    let all = owned(ctx, st, &uid);
    let max = all.iter().map(revision_of).max().unwrap_or(0);
    let current = all.iter().find(|cr| cr.get("data") == Some(&data)).cloned();
    let current = match current {
        Some(cr) if revision_of(&cr) < max => {
            // A rollback: the old revision becomes the newest.
            let mut next = cr.clone();
            next.set("revision", max + 1);
            meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
            ctx.update(r, next).ok()?
        }
        Some(cr) => cr,
        None => {
            let mut cr = Value::map();
            cr.set("apiVersion", "apps/v1");
            cr.set("kind", "ControllerRevision");
            cr.set("data", data.clone());
            cr.set("revision", max + 1);
            let m = cr.path_mut_or_insert(&["metadata"]);
            m.set("name", cr_name.as_str());
            m.set("namespace", ns.as_str());
            let mut labels = template
                .path(&["metadata", "labels"])
                .cloned()
                .filter(|l| matches!(l, Value::Map(_)))
                .unwrap_or_else(Value::map);
            labels.set(label_key, hash.as_str());
            m.set("labels", labels);
            if !is_sts {
                // The DaemonSet controller copies the DaemonSet's annotations (change-cause).
                if let Some(a) = owner.path(&["metadata", "annotations"]) {
                    m.set("annotations", a.clone());
                }
            }
            meta::set_owner_refs(&mut cr, &[meta::OwnerRef::controller_of(owner)]);
            match ctx.create(r, cr) {
                Ok(c) => c,
                Err(e) if e.reason == "AlreadyExists" => {
                    // Someone else's data under our name: bump collisionCount and retry.
                    let existing = ctx.get(r, &format!("{ns}/{cr_name}"))?;
                    if existing.get("data") == Some(&data) {
                        (*existing).clone()
                    } else {
                        let mut next = owner.clone();
                        next.path_mut_or_insert(&["status"])
                            .set("collisionCount", collision.unwrap_or(0) + 1);
                        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
                        let _ = ctx.update_status(super::res(kind), &next);
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
    };
    let cur_name = meta::str_at(&current, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    // History limit: old revisions no live pod runs, oldest first.
    let limit = meta::int_at(owner, &["spec", "revisionHistoryLimit"])
        .unwrap_or(10)
        .max(0) as usize;
    let olds: Vec<&Value> = all
        .iter()
        .filter(|cr| meta::str_at(cr, &["metadata", "name"]) != Some(cur_name.as_str()))
        .filter(|cr| {
            let used = if is_sts {
                meta::str_at(cr, &["metadata", "name"])
                    .unwrap_or("")
                    .to_string()
            } else {
                meta::label(cr, label_key).unwrap_or("").to_string()
            };
            !in_use.contains(&used)
        })
        .collect();
    if olds.len() > limit {
        for cr in olds.iter().take(olds.len() - limit) {
            let _ = ctx.delete(r, &meta::key_of(cr), &DeleteOptions::default());
        }
    }
    Some(Current {
        pod_label,
        name: cur_name,
        revision: revision_of(&current),
    })
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The ControllerRevisions of a DaemonSet or StatefulSet, by revision (what
/// `kubectl rollout history` lists), read through the API server as `kubectl`.
pub fn list(world: &mut World, cluster: &str, owner: &Value) -> Vec<(i64, Value)> {
    let uid = meta::uid(owner).to_string();
    let ns = meta::str_at(owner, &["metadata", "namespace"]).unwrap_or("default");
    let Some(mut a) = world.api(cluster, "kubectl") else {
        return Vec::new();
    };
    let mut out: Vec<(i64, Value)> = a
        .list(super::res("ControllerRevision"), Some(ns))
        .into_iter()
        .filter(|cr| meta::controller_ref(cr).is_some_and(|o| o.uid == uid))
        .map(|cr| (revision_of(&cr), cr))
        .collect();
    out.sort_small_by_key(|(r, _)| *r);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_replaces_the_template_and_gives_it_back() {
        let mut t = Value::map();
        t.path_mut_or_insert(&["metadata", "labels"])
            .set("app", "web");
        let p = patch_of(&t);
        assert_eq!(
            crate::sim::validation::json(&p),
            r#"{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}}}}}"#
        );
        let mut cr = Value::map();
        cr.set("data", p);
        assert_eq!(template_of(&cr), Some(t));
    }

    #[test]
    fn revision_hash_is_fnv32_of_the_bytes_then_the_collision_count() {
        // The FNV-1 test vector: "a" → 0x050c5d7e = 84696446, which SafeEncodeString maps
        // digit by digit ('8' = 56, 56 % 27 = 2 → 'd') to "d8bfb88b".
        assert_eq!(fnv32(b"a"), 0x050c_5d7e);
        assert_eq!(super::super::safe_encode("84696446"), "d8bfb88b");
        // The collision count is appended in decimal: "0" changes the hash, as upstream.
        let d = Value::Int(1);
        assert_eq!(
            revision_hash(&d, Some(0)),
            super::super::safe_encode(&fnv32(b"10").to_string())
        );
        assert_ne!(revision_hash(&d, Some(0)), revision_hash(&d, None));
    }

    /// A DaemonSet's history: one revision per template, a rollback renumbers the old one
    /// instead of adding a third, and `revisionHistoryLimit` trims unused old revisions.
    #[test]
    fn daemonset_revisions_are_made_renumbered_and_trimmed() {
        use super::super::testkit::{self, Fake, KIND};
        let r = |k: &str| crate::sim::api::resource_for(k).expect("resource");
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        let mut ds = testkit::deployment("agent", 0, "nginx:1.26");
        meta::remove(ds.path_mut_or_insert(&["spec"]), "replicas");
        ds.path_mut_or_insert(&["spec"])
            .set("revisionHistoryLimit", 1i64);
        w.api(KIND, "kubectl").unwrap().create(r("ds"), ds).unwrap();
        f.run(&mut w, 3_000);
        let revs = |w: &World| -> Vec<(i64, String)> {
            let ds = testkit::get(w, KIND, "/registry/daemonsets/default/agent").unwrap();
            let mut v: Vec<(i64, String)> = list(&mut w.clone(), KIND, &ds)
                .into_iter()
                .map(|(n, cr)| {
                    (
                        n,
                        meta::label(&cr, "controller-revision-hash").unwrap().into(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let first = revs(&w);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].0, 1);
        let pod_hashes = |w: &World| -> Vec<String> {
            testkit::pods(w, KIND, "default")
                .iter()
                .filter(|p| !meta::is_terminating(p))
                .filter_map(|p| meta::label(p, "controller-revision-hash").map(str::to_string))
                .collect()
        };
        assert!(pod_hashes(&w).iter().all(|h| *h == first[0].1));
        let set_image = |w: &mut World, image: &str| {
            let mut ds = testkit::get(w, KIND, "/registry/daemonsets/default/agent").unwrap();
            if let Some(Value::Seq(cs)) =
                meta::path_mut(&mut ds, &["spec", "template", "spec", "containers"])
            {
                cs[0].set("image", image);
            }
            w.api(KIND, "kubectl").unwrap().update(r("ds"), ds).unwrap();
        };
        set_image(&mut w, "nginx:1.27");
        f.run(&mut w, 20_000);
        let second = revs(&w);
        assert_eq!(second.len(), 2);
        assert_eq!(second[1].0, 2);
        assert!(
            pod_hashes(&w).iter().all(|h| *h == second[1].1),
            "pods rolled"
        );
        // The template generation (annotation) moved with the template, pods carry it.
        let ds = testkit::get(&w, KIND, "/registry/daemonsets/default/agent").unwrap();
        assert_eq!(
            meta::annotation(&ds, "deprecated.daemonset.template.generation"),
            Some("2")
        );
        assert!(testkit::pods(&w, KIND, "default")
            .iter()
            .filter(|p| !meta::is_terminating(p))
            .all(|p| meta::label(p, "pod-template-generation") == Some("2")));
        // Back to the first template: revision 1 becomes 3, no new object.
        set_image(&mut w, "nginx:1.26");
        f.run(&mut w, 20_000);
        let third = revs(&w);
        assert_eq!(
            third,
            vec![(2, second[1].1.clone()), (3, first[0].1.clone())]
        );
        // A third template: the limit (1 old revision) deletes revision 2.
        set_image(&mut w, "nginx:1.28");
        f.run(&mut w, 20_000);
        let fourth = revs(&w);
        assert_eq!(fourth.len(), 2, "{fourth:?}");
        assert_eq!(fourth[0], (3, first[0].1.clone()));
        assert_eq!(fourth[1].0, 4);
        // Deleting the DaemonSet garbage-collects its revisions.
        w.api(KIND, "kubectl")
            .unwrap()
            .delete(r("ds"), Some("default"), "agent")
            .unwrap();
        f.run(&mut w, 5_000);
        assert_eq!(
            w.clusters[KIND]
                .store
                .range("/registry/controllerrevisions/default/")
                .count(),
            0
        );
    }

    /// A StatefulSet's revisions are named `<sts>-<revision_hash(patch, collisionCount 0)>`;
    /// during a rolling update `currentRevision` stays the old one until every pod runs the
    /// update revision.
    #[test]
    fn statefulset_current_revision_moves_when_the_rollout_completes() {
        use super::super::testkit::{self, Fake, KIND};
        let r = |k: &str| crate::sim::api::resource_for(k).expect("resource");
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        f.ready_after_ms = 2_000;
        let mut sts = testkit::deployment("db", 3, "nginx:1.26");
        sts.path_mut_or_insert(&["spec"]).set("serviceName", "db");
        w.api(KIND, "kubectl")
            .unwrap()
            .create(r("sts"), sts)
            .unwrap();
        f.run(&mut w, 30_000);
        let get = |w: &World| testkit::get(w, KIND, "/registry/statefulsets/default/db").unwrap();
        let sts = get(&w);
        let want = format!(
            "db-{}",
            revision_hash(&patch_of(sts.path(&["spec", "template"]).unwrap()), Some(0))
        );
        let first = meta::str_at(&sts, &["status", "updateRevision"])
            .unwrap()
            .to_string();
        assert_eq!(first, want);
        assert_eq!(
            meta::str_at(&sts, &["status", "currentRevision"]),
            Some(want.as_str())
        );
        let mut next = sts.clone();
        if let Some(Value::Seq(cs)) =
            meta::path_mut(&mut next, &["spec", "template", "spec", "containers"])
        {
            cs[0].set("image", "nginx:1.27");
        }
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("sts"), next)
            .unwrap();
        let mut saw_mixed = false;
        for _ in 0..60 {
            f.run(&mut w, 1_000);
            let sts = get(&w);
            let cur = meta::str_at(&sts, &["status", "currentRevision"]).unwrap_or("");
            let upd = meta::str_at(&sts, &["status", "updateRevision"]).unwrap_or("");
            let updated = meta::int_at(&sts, &["status", "updatedReplicas"]).unwrap_or(0);
            if upd != first && updated < 3 {
                assert_eq!(cur, first, "current stays old mid-rollout");
                saw_mixed = true;
            }
            if updated == 3 && cur == upd {
                break;
            }
        }
        assert!(saw_mixed);
        let sts = get(&w);
        let upd = meta::str_at(&sts, &["status", "updateRevision"]).unwrap();
        assert_ne!(upd, first);
        assert_eq!(
            meta::str_at(&sts, &["status", "currentRevision"]),
            Some(upd)
        );
        assert!(testkit::pods(&w, KIND, "default")
            .iter()
            .filter(|p| !meta::is_terminating(p))
            .all(|p| meta::label(p, "controller-revision-hash") == Some(upd)));
    }
}
