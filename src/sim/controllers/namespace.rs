//! Namespace controller: empties a `Terminating` namespace, then removes it.
//!
//! Deleting a namespace only marks it (`status.phase: Terminating`, a `deletionTimestamp`).
//! Here every namespaced object in it is deleted (pods gracefully, so they show
//! `Terminating` first); the namespace's deletion conditions say what is left
//! (`NamespaceContentRemaining`), and once nothing is left the `kubernetes` finalizer is
//! removed from `spec.finalizers` and the namespace disappears.

use super::{Ctl, Ctx, State};
use crate::sim::api;
use crate::sim::apiserver::DeleteOptions;
use crate::sim::meta;
use crate::sim::value::Value;
use crate::sort::SortSmall;

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let ns_res = super::res("Namespace");
    let Some(ns) = ctx.get(ns_res, key) else {
        return;
    };
    if !meta::is_terminating(&ns) {
        return;
    }
    let ns: Value = (*ns).clone();
    let mut remaining: Vec<(&'static str, usize)> = Vec::new();
    let mut with_finalizers: Vec<String> = Vec::new();
    for r in api::RESOURCES.iter().filter(|r| r.namespaced) {
        let items = ctx.list(r, Some(key));
        if items.is_empty() {
            continue;
        }
        for obj in &items {
            let f = meta::finalizers(obj);
            if !f.is_empty() {
                with_finalizers.extend(f);
            }
            if !meta::is_terminating(obj) {
                let _ = ctx.delete(r, &meta::key_of(obj), &DeleteOptions::default());
            }
        }
        let left = ctx.list(r, Some(key)).len();
        if left > 0 {
            remaining.push((r.plural, left));
        }
    }
    let now = ctx.now();
    let mut next = ns.clone();
    let status = next.path_mut_or_insert(&["status"]);
    status.set("phase", "Terminating");
    let conds = [
        (
            "NamespaceDeletionDiscoveryFailure",
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered".to_string(),
        ),
        (
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed".to_string(),
        ),
        (
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization".to_string(),
        ),
        if remaining.is_empty() {
            (
                "NamespaceContentRemaining",
                "False",
                "ContentRemoved",
                "All content successfully removed".to_string(),
            )
        } else {
            let parts: Vec<String> = remaining
                .iter()
                .map(|(p, n)| format!("{p} has {n} resource instances"))
                .collect();
            (
                "NamespaceContentRemaining",
                "True",
                "SomeResourcesRemain",
                format!("Some resources are remaining: {}", parts.join(", ")),
            )
        },
        if with_finalizers.is_empty() {
            (
                "NamespaceFinalizersRemaining",
                "False",
                "ContentHasNoFinalizers",
                "All content-preserving finalizers finished".to_string(),
            )
        } else {
            with_finalizers.sort_small();
            with_finalizers.dedup();
            let parts: Vec<String> = with_finalizers
                .iter()
                .map(|f| format!("{f} in 1 resource instances"))
                .collect();
            (
                "NamespaceFinalizersRemaining",
                "True",
                "SomeFinalizersRemain",
                format!(
                    "Some content in the namespace has finalizers remaining: {}",
                    parts.join(", ")
                ),
            )
        },
    ];
    for (t, s, r, m) in conds {
        meta::set_condition(&mut next, meta::make_condition(t, s, r, &m), now);
    }
    if remaining.is_empty() {
        next.path_mut_or_insert(&["spec"])
            .set("finalizers", Value::Seq(Default::default()));
        meta::remove(next.path_mut_or_insert(&["metadata"]), "resourceVersion");
        let _ = ctx.update(ns_res, next);
    } else {
        if next != ns {
            let _ = ctx.update_status(ns_res, &next);
        }
        st.enqueue_after(Ctl::Namespace, key, now.plus_ms(1_000));
    }
}
