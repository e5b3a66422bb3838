//! Per-owner pod counts, kept incrementally by the informer ([`super::Index`]).
//!
//! A ReplicaSet of 10,000 pods is reconciled after nearly every step of a rollout (pods get
//! scheduled, start, become ready). Reading its 10,000 pods each time cost more than
//! everything else the controller-manager does; instead, each pod's [`PodFacts`] (what the
//! owners read: active, Ready and since when, which labels) are added to its controller's
//! [`OwnerCounts`] when the pod is filed, and swapped when it changes. A reconcile then reads
//! the counts (O(1)) and reads pod objects only when it must choose which to delete.
//!
//! What the counts describe, exactly: the pods the index files under the owner (its keys
//! are refreshed by `catch_up`), with the values the store holds *now*. Between two
//! `catch_up`s (inside one pass) other controllers write pods (the garbage collector deletes
//! them, a ReplicaSet deletes its surplus); [`super::sync_counts`] replays those writes
//! before a controller reads the counts, so they always equal a full recount of
//! `owned_pods` (tests: `counts_tests` in `scenarios.rs`).

use crate::sim::clock::SimTime;
use crate::sim::meta;
use crate::sim::value::{Map, Value};
use crate::sim::world::{hash_value, Fnv};
use std::collections::BTreeMap;

/// What the workload controllers read of one pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodFacts {
    /// Not finished and not being deleted (`controller.FilterActivePods`).
    pub active: bool,
    /// The Ready condition is True.
    pub ready: bool,
    /// The Ready condition's `lastTransitionTime` in ms (0 when missing or unparsable, as
    /// [`meta::pod_is_available`] reads it).
    pub ready_since_ms: u64,
    /// A hash of `metadata.labels` ([`labels_hash`]): which [`LabelSet`] the pod is in.
    pub labels: u64,
    /// Being deleted (`deletionTimestamp` set), finished or not.
    pub terminating: bool,
}

impl PodFacts {
    pub fn of(pod: &Value) -> PodFacts {
        let ready = meta::pod_is_ready(pod);
        let ready_since_ms = if ready {
            meta::condition(pod, "Ready")
                .and_then(|c| c.get("lastTransitionTime"))
                .and_then(Value::as_str)
                .and_then(SimTime::parse_rfc3339)
                .unwrap_or_default()
                .as_ms()
        } else {
            0
        };
        PodFacts {
            active: meta::pod_is_active(pod),
            ready,
            ready_since_ms,
            labels: labels_hash(pod_labels(pod)),
            terminating: meta::is_terminating(pod),
        }
    }
}

/// A pod's labels (`None` when it has none).
pub fn pod_labels(pod: &Value) -> Option<&Map> {
    pod.path(&["metadata", "labels"]).and_then(Value::as_map)
}

/// FNV-1a of a label map (no labels and an empty map hash alike: selectors see no difference).
pub fn labels_hash(labels: Option<&Map>) -> u64 {
    let mut h = Fnv::default();
    if let Some(l) = labels {
        for (k, v) in l {
            h.write(k.as_bytes());
            h.write(b"=");
            hash_value(&mut h, v);
        }
    }
    h.0
}

/// The pods of one owner that carry the same labels.
#[derive(Debug, Clone)]
pub struct LabelSet {
    pub labels: Map,
    pub pods: u32,
    pub active: u32,
    /// Not being deleted (finished ones included).
    pub live: u32,
}

/// Sums of [`PodFacts`] over the pods filed under one owner uid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnerCounts {
    /// Pods that exist in the store.
    pub pods: u32,
    pub active: u32,
    /// Active and Ready.
    pub ready: u32,
    /// Active and Ready pods by the time they became Ready (ms), for `minReadySeconds`.
    ready_since: BTreeMap<u64, u32>,
    /// Distinct label maps, by [`labels_hash`].
    label_sets: BTreeMap<u64, LabelSet>,
    /// Two different label maps had the same hash: the label sets cannot be trusted, the
    /// owner must read its pods (never seen; the check costs one map comparison per pod).
    pub collided: bool,
}

impl PartialEq for LabelSet {
    fn eq(&self, o: &Self) -> bool {
        self.labels == o.labels
            && self.pods == o.pods
            && self.active == o.active
            && self.live == o.live
    }
}

impl OwnerCounts {
    /// Adds one pod (`labels` are the pod's, hashed into `f.labels`).
    pub fn add(&mut self, f: &PodFacts, labels: Option<&Map>) {
        self.pods += 1;
        let set = self.label_sets.entry(f.labels).or_insert_with(|| LabelSet {
            labels: labels.cloned().unwrap_or_default(),
            pods: 0,
            active: 0,
            live: 0,
        });
        if set.pods > 0 && set.labels != *labels.unwrap_or(&Map::new()) {
            self.collided = true;
        }
        set.pods += 1;
        if !f.terminating {
            set.live += 1;
        }
        if f.active {
            set.active += 1;
            self.active += 1;
            if f.ready {
                self.ready += 1;
                *self.ready_since.entry(f.ready_since_ms).or_default() += 1;
            }
        }
    }

    /// Removes one pod added with the same facts.
    pub fn remove(&mut self, f: &PodFacts) {
        self.pods = self.pods.saturating_sub(1);
        if let Some(set) = self.label_sets.get_mut(&f.labels) {
            set.pods = set.pods.saturating_sub(1);
            if !f.terminating {
                set.live = set.live.saturating_sub(1);
            }
            if f.active {
                set.active = set.active.saturating_sub(1);
            }
            if set.pods == 0 {
                self.label_sets.remove(&f.labels);
            }
        }
        if f.active {
            self.active = self.active.saturating_sub(1);
            if f.ready {
                self.ready = self.ready.saturating_sub(1);
                if let Some(n) = self.ready_since.get_mut(&f.ready_since_ms) {
                    *n -= 1;
                    if *n == 0 {
                        self.ready_since.remove(&f.ready_since_ms);
                    }
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pods == 0
    }

    /// Active pods Ready for at least `min_ready_s` at `now` ([`meta::pod_is_available`]).
    pub fn available(&self, min_ready_s: i64, now: SimTime) -> u32 {
        if min_ready_s <= 0 {
            return self.ready;
        }
        let min_ms = (min_ready_s as u64).saturating_mul(1000);
        match now.as_ms().checked_sub(min_ms) {
            // Ready at or before `now - minReadySeconds`.
            Some(latest) => self.ready_since.range(..=latest).map(|(_, n)| n).sum(),
            None => 0,
        }
    }

    /// Active pods whose labels include every one of `template_labels`.
    pub fn fully_labeled(&self, template_labels: &Map) -> u32 {
        self.label_sets
            .values()
            .filter(|s| {
                template_labels
                    .iter()
                    .all(|(k, v)| s.labels.get(k) == Some(v))
            })
            .map(|s| s.active)
            .sum()
    }

    /// The distinct values of label `key` among the pods not being deleted, in order (the
    /// revisions a DaemonSet's pods are at).
    pub fn live_label_values(&self, key: &str) -> Vec<String> {
        crate::sort::set_of(
            self.label_sets
                .values()
                .filter(|s| s.live > 0)
                .filter_map(|s| s.labels.get(key).and_then(Value::as_str)),
        )
        .into_iter()
        .map(str::to_string)
        .collect()
    }

    /// Does every pod match `selector` (a label selector)?
    pub fn all_match(&self, selector: &Value) -> bool {
        self.label_sets
            .values()
            .all(|s| meta::selector_matches_labels(selector, &s.labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::value::json;

    fn pod(labels: &str, phase: &str, ready_at: Option<&str>, deleting: bool) -> Value {
        let ready = match ready_at {
            Some(t) => format!(
                r#","conditions":[{{"type":"Ready","status":"True","lastTransitionTime":"{t}"}}]"#
            ),
            None => String::new(),
        };
        let del = if deleting {
            r#","deletionTimestamp":"2025-01-01T00:00:09Z""#
        } else {
            ""
        };
        json::parse(&format!(
            r#"{{"metadata":{{"labels":{labels}{del}}},"status":{{"phase":"{phase}"{ready}}}}}"#
        ))
        .expect("test pod")
    }

    fn add(c: &mut OwnerCounts, p: &Value) -> PodFacts {
        let f = PodFacts::of(p);
        c.add(&f, pod_labels(p));
        f
    }

    #[test]
    fn counts_follow_adds_and_removes_like_a_recount() {
        let t0 = crate::sim::clock::EPOCH_UNIX_S;
        let at = |s: i64| crate::sim::clock::format_unix_s(t0 + s);
        let mut c = OwnerCounts::default();
        let a = add(
            &mut c,
            &pod(r#"{"app":"web"}"#, "Running", Some(&at(10)), false),
        );
        let _b = add(
            &mut c,
            &pod(r#"{"app":"web"}"#, "Running", Some(&at(20)), false),
        );
        let _pending = add(
            &mut c,
            &pod(r#"{"app":"web","x":"1"}"#, "Pending", None, false),
        );
        let _gone = add(
            &mut c,
            &pod(r#"{"app":"web"}"#, "Running", Some(&at(5)), true),
        );
        assert_eq!((c.pods, c.active, c.ready), (4, 3, 2));
        let now = SimTime::from_ms(25_000);
        assert_eq!(c.available(0, now), 2);
        assert_eq!(c.available(10, now), 1, "ready at 10 s, not at 20 s");
        assert_eq!(c.available(30, now), 0, "now < minReadySeconds");
        let mut tl = Map::new();
        tl.insert("x".into(), "1".into());
        assert_eq!(c.fully_labeled(&tl), 1);
        assert_eq!(c.fully_labeled(&Map::new()), 3);
        let sel = json::parse(r#"{"matchLabels":{"app":"web"}}"#).expect("selector");
        assert!(c.all_match(&sel));
        let other = json::parse(r#"{"matchLabels":{"x":"1"}}"#).expect("selector");
        assert!(!c.all_match(&other));
        assert_eq!(c.live_label_values("x"), vec!["1".to_string()]);
        assert_eq!(c.live_label_values("app"), vec!["web".to_string()]);
        c.remove(&a);
        assert_eq!((c.pods, c.active, c.ready), (3, 2, 1));
        assert_eq!(c.available(10, now), 0);
        assert!(!c.collided);
        // A value only pods being deleted carry is not live.
        let old = add(
            &mut c,
            &pod(r#"{"app":"web","x":"0"}"#, "Running", None, true),
        );
        assert_eq!(c.live_label_values("x"), vec!["1".to_string()]);
        c.remove(&old);
        c.remove(&_pending);
        assert!(c.live_label_values("x").is_empty());
    }
}
