//! Garbage collector: ownerReferences, cascading deletion and the `foregroundDeletion` /
//! `orphan` finalizers — `pkg/controller/garbagecollector`.
//!
//! - **Background** (default): the owner is gone at once; its dependents, whose owners no
//!   longer exist, are deleted here afterwards (a dependent keeping another live owner only
//!   loses the dangling reference).
//! - **Foreground**: the owner carries `foregroundDeletion` and a `deletionTimestamp`; its
//!   dependents are deleted (foreground too), and once none is left the finalizer is removed
//!   and the owner goes.
//! - **Orphan**: the owner carries `orphan`; its dependents lose their ownerReference, then
//!   the finalizer is removed.

use super::{Ctx, ObjKey, State};
use crate::sim::api;
use crate::sim::apiserver::{DeleteOptions, Propagation, FOREGROUND_FINALIZER, ORPHAN_FINALIZER};
use crate::sim::meta;
use crate::sim::value::Value;

pub fn run(ctx: &mut Ctx<'_>, st: &mut State) {
    let gone = std::mem::take(&mut st.gc_gone);
    for uid in gone {
        if let Some(deps) = st.index.dependents.get(&uid) {
            st.gc_queue.extend(deps.iter().cloned());
        }
    }
    let queue = std::mem::take(&mut st.gc_queue);
    for k in queue {
        process(ctx, st, &k);
    }
}

fn process(ctx: &mut Ctx<'_>, st: &mut State, k: &ObjKey) {
    let Some(r) = api::resource_for(k.0) else {
        return;
    };
    let Some(obj) = ctx.get(r, &k.1) else {
        return;
    };
    let uid = meta::uid(&obj).to_string();
    let finalizers = meta::finalizers(&obj);
    if meta::is_terminating(&obj) && finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
        for dep in deps_of(st, &uid) {
            if let Some(dr) = api::resource_for(dep.0) {
                if let Some(d) = ctx.get(dr, &dep.1) {
                    let mut d = (*d).clone();
                    let refs: Vec<_> = meta::owner_refs(&d)
                        .into_iter()
                        .filter(|o| o.uid != uid)
                        .collect();
                    meta::set_owner_refs(&mut d, &refs);
                    meta::remove(d.path_mut_or_insert(&["metadata"]), "resourceVersion");
                    let _ = ctx.update(dr, d);
                }
            }
        }
        remove_finalizer(ctx, r, &obj, ORPHAN_FINALIZER);
        return;
    }
    if meta::is_terminating(&obj) && finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
        let deps = deps_of(st, &uid);
        if deps.is_empty() {
            remove_finalizer(ctx, r, &obj, FOREGROUND_FINALIZER);
            return;
        }
        for dep in deps {
            let Some(dr) = api::resource_for(dep.0) else {
                continue;
            };
            let Some(d) = ctx.get(dr, &dep.1) else {
                continue;
            };
            // Each dependent is deleted in the foreground too (pods gracefully).
            if !meta::is_terminating(&d) || (dr.kind != "Pod" && meta::finalizers(&d).is_empty()) {
                let _ = ctx.delete(
                    dr,
                    &dep.1,
                    &DeleteOptions {
                        propagation: Propagation::Foreground,
                        grace_period_s: None,
                    },
                );
            }
        }
        return;
    }
    // A dependent: are its owners still there?
    let refs = meta::owner_refs(&obj);
    if refs.is_empty() {
        return;
    }
    let (alive, dangling): (Vec<_>, Vec<_>) =
        refs.into_iter().partition(|o| st.index.uid_exists(&o.uid));
    if dangling.is_empty() {
        return;
    }
    if alive.is_empty() {
        if !meta::is_terminating(&obj) {
            let _ = ctx.delete(r, &k.1, &DeleteOptions::default());
        }
    } else {
        let mut next: Value = (*obj).clone();
        meta::set_owner_refs(&mut next, &alive);
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update(r, next);
    }
    // Owners in foreground deletion wait for this one: look at them again.
    for o in dangling.iter().chain(alive.iter()) {
        if let Some(ok) = st.index.by_uid.get(&o.uid).cloned() {
            st.gc_queue.insert(ok);
        }
    }
}

fn deps_of(st: &State, uid: &str) -> Vec<ObjKey> {
    st.index
        .dependents
        .get(uid)
        .map(|d| d.iter().cloned().collect())
        .unwrap_or_default()
}

fn remove_finalizer(ctx: &mut Ctx<'_>, r: &api::Resource, obj: &Value, f: &str) {
    let mut next = obj.clone();
    let list: Vec<String> = meta::finalizers(obj)
        .into_iter()
        .filter(|x| x != f)
        .collect();
    meta::set_finalizers(&mut next, &list);
    meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
    let _ = ctx.update(r, next);
}
