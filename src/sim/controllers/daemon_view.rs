//! The DaemonSet controller's per-node view, kept incrementally by the informer
//! ([`super::Index`]), like the ReplicaSet's [`super::counts`].
//!
//! A DaemonSet reconcile decides node by node (run a pod there? replace it? delete it?),
//! and is woken by any change to any of its pods or by any relabelled, retainted, new or
//! deleted node: with 1,000 nodes, walking them all at each wake was ~6 % of the
//! `running` benchmark. Instead the informer files each daemon pod under its target node
//! ([`DsView::pods_on`]) and marks a node *dirty* whenever something the per-node decision
//! reads may have changed: a pod of the DaemonSet on it was filed, unfiled or changed in
//! what [`super::pod_fingerprint`] covers (or written between two `catch_up`s, replayed by
//! [`super::sync_counts`]), or the node's labels/taints changed or it came or went. The
//! reconcile then re-decides only the dirty nodes and takes the others' [`NodeResult`]s
//! from its previous run; everything else (revision history, rolling budget, status) is
//! computed from the sums as before. A node where the reconcile wrote something stays
//! dirty (a failed create is retried, a second reconcile in the same pass decides the same
//! as the walk did). A change to the DaemonSet itself ([`DsView::inputs_fp`]), a
//! `minReadySeconds` (availability then depends on the clock), a relist or a compacted
//! watch mean a full walk. Tests: `daemon_view_tests` in `scenarios.rs` run the same
//! scenarios with the view and with the full walk and compare the worlds' hashes.

use crate::sim::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Pod keys by target node, as [`DsView::filing`] lists them.
pub type Filing = Vec<(String, Vec<String>)>;

/// What one node contributed to its DaemonSet's last reconcile.
#[derive(Debug, Clone, Default)]
pub struct NodeResult {
    pub desired: bool,
    pub current: bool,
    pub ready: bool,
    pub available: bool,
    pub updated: bool,
    pub misscheduled: i64,
    /// 1 when the node's pod is missing or not available (the rolling update's budget).
    pub unavailable: i64,
    /// An available pod of an old revision: a candidate for the rolling update.
    pub old_ready: Option<Arc<Value>>,
    /// The reconcile wrote something for this node: decide it again next time.
    pub acted: bool,
}

/// One DaemonSet's pods by target node, and its last per-node decisions.
#[derive(Debug, Clone, Default)]
pub struct DsView {
    /// Target node → keys of the pods filed under the DaemonSet that target it.
    pods_by_node: BTreeMap<String, BTreeSet<String>>,
    /// Pod key → its target node.
    node_of: BTreeMap<String, String>,
    /// Pods filed under the DaemonSet without a target node (the walk ignores them; counted
    /// so the view can tell it holds every pod the index files under the DaemonSet).
    untargeted: BTreeSet<String>,
    /// Nodes to decide again.
    pub dirty: BTreeSet<String>,
    /// The last decision per node (every node in the store, once a walk ran).
    pub results: BTreeMap<String, NodeResult>,
    /// A hash of the DaemonSet inputs `results` were decided with (`None`: walk all nodes).
    pub inputs_fp: Option<u64>,
}

impl DsView {
    /// Files pod `key` (targeting `node`, if any) under the DaemonSet.
    pub fn add_pod(&mut self, key: &str, node: Option<&str>) {
        match node {
            Some(n) => {
                self.pods_by_node
                    .entry(n.to_string())
                    .or_default()
                    .insert(key.to_string());
                self.node_of.insert(key.to_string(), n.to_string());
                self.dirty.insert(n.to_string());
            }
            None => {
                self.untargeted.insert(key.to_string());
            }
        }
    }

    /// Unfiles pod `key`.
    pub fn remove_pod(&mut self, key: &str) {
        self.untargeted.remove(key);
        if let Some(n) = self.node_of.remove(key) {
            if let Some(set) = self.pods_by_node.get_mut(&n) {
                set.remove(key);
                if set.is_empty() {
                    self.pods_by_node.remove(&n);
                }
            }
            self.dirty.insert(n);
        }
    }

    /// Pod `key` changed in place: its node must be decided again.
    pub fn touch_pod(&mut self, key: &str) {
        if let Some(n) = self.node_of.get(key) {
            if !self.dirty.contains(n) {
                self.dirty.insert(n.clone());
            }
        }
    }

    /// Node `name` changed, came or went.
    pub fn touch_node(&mut self, name: &str) {
        if self.inputs_fp.is_some() && !self.dirty.contains(name) {
            self.dirty.insert(name.to_string());
        }
    }

    /// The keys of the pods targeting `node`, in key order.
    pub fn pods_on(&self, node: &str) -> impl Iterator<Item = &String> {
        self.pods_by_node.get(node).into_iter().flatten()
    }

    /// How many pods are filed (with or without a target).
    pub fn pod_count(&self) -> usize {
        self.node_of.len() + self.untargeted.len()
    }

    /// The pod keys by target node (`""` for those without one), for tests.
    pub fn filing(&self) -> Filing {
        let mut out: Filing = self
            .pods_by_node
            .iter()
            .map(|(n, ks)| (n.clone(), ks.iter().cloned().collect()))
            .collect();
        if !self.untargeted.is_empty() {
            out.push((String::new(), self.untargeted.iter().cloned().collect()));
        }
        out
    }

    /// Nothing filed and nothing decided: the view can go.
    pub fn is_empty(&self) -> bool {
        self.pod_count() == 0 && self.inputs_fp.is_none()
    }

    /// Forgets the decisions (the next reconcile walks every node); the pods stay filed.
    pub fn forget_results(&mut self) {
        self.results.clear();
        self.dirty.clear();
        self.inputs_fp = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_marks_nodes_dirty_only_once_decided_for_node_changes() {
        let mut v = DsView::default();
        v.add_pod("ns/a", Some("n1"));
        v.add_pod("ns/b", None);
        assert_eq!(v.pod_count(), 2);
        assert!(v.dirty.contains("n1"));
        v.forget_results();
        v.touch_node("n2");
        assert!(
            v.dirty.is_empty(),
            "never decided: the next reconcile walks all"
        );
        v.inputs_fp = Some(1);
        v.touch_node("n2");
        v.touch_pod("ns/a");
        v.touch_pod("ns/b");
        assert_eq!(
            v.dirty.iter().map(String::as_str).collect::<Vec<_>>(),
            ["n1", "n2"]
        );
        assert_eq!(v.pods_on("n1").collect::<Vec<_>>(), ["ns/a"]);
        v.dirty.clear();
        v.remove_pod("ns/a");
        assert!(v.dirty.contains("n1"));
        assert_eq!(v.pods_on("n1").count(), 0);
        v.remove_pod("ns/b");
        assert_eq!(v.pod_count(), 0);
        v.forget_results();
        assert!(v.is_empty());
    }
}
