//! What the cluster view draws: the [`ClusterPic`] of a cluster (live, or read-only at an
//! earlier etcd revision) with every pod, the same picture the lessons' `diagram cluster`
//! blocks draw ([`crate::lessons::cluster_pic`]), and when to build it again
//! ([`DrawnRevision`]: not for every lease renewal).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! let w = World::new(1, Preset::Kind);
//! let m = kubesim::ui::model::picture_now(&w.clusters["kind-kind"]);
//! assert_eq!(m.nodes.len(), 3);
//! ```

use crate::lessons::cluster_pic::Options;
pub use crate::lessons::cluster_pic::{
    ClusterPic, Comp, NodePic, PodCards, PodPic, Readiness, ServicePic, Tone,
};
use crate::sim::world::Cluster;

/// The cluster view's picture of `cluster`: every pod by name, at `at_revision` (the
/// read-only view; a compacted revision falls back to the latest) or the latest, reusing the
/// pods of the previous build in `cache` (`epoch`: [`super::core::Core::epoch`]).
pub fn picture(
    cluster: &Cluster,
    at_revision: Option<i64>,
    epoch: u64,
    cache: &mut PodCards,
) -> ClusterPic {
    let opts = Options {
        namespace: Some("*"),
        at_revision,
    };
    ClusterPic::build_cached(cluster, &opts, epoch, cache)
}

/// [`picture`] of the latest revision, without a cache.
pub fn picture_now(cluster: &Cluster) -> ClusterPic {
    picture(cluster, None, 0, &mut PodCards::default())
}

/// The etcd prefixes the cluster view draws. Leases and Events are not among them: a busy
/// cluster writes those many times a second (100 nodes renew 10 leases a second), and
/// rebuilding the view for them is most of the work on a big cluster.
const DRAWN: &[&str] = &[
    "/registry/pods/",
    "/registry/minions/",
    "/registry/services/",
];

/// Did anything the view draws change in `cluster` after revision `since`? (True when the
/// watch log no longer reaches back that far.)
pub fn drawn_changed(cluster: &Cluster, since: i64) -> bool {
    match cluster.store.events_since(since) {
        Ok(mut events) => events.any(|e| DRAWN.iter().any(|p| e.kv.key.starts_with(p))),
        Err(_) => true,
    }
}

/// Which revision the view should show: remembers the last revision seen and moves the
/// drawn revision only when [`drawn_changed`] says so. Keyed by cluster and world epoch, so
/// switching context or rewinding (a new store whose revisions may repeat) redraws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawnRevision {
    key: (String, u64),
    seen: i64,
    drawn: i64,
}

impl DrawnRevision {
    /// The revision to draw now (`epoch`: [`super::core::Core::epoch`]).
    pub fn update(&mut self, cluster: &Cluster, epoch: u64) -> i64 {
        let now = cluster.store.revision();
        let key = (cluster.name.clone(), epoch);
        if key != self.key || now < self.seen || drawn_changed(cluster, self.seen) {
            self.drawn = now;
        }
        self.key = key;
        self.seen = now;
        self.drawn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::api;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    use crate::lessons::cluster_pic::test_pod as pod;

    #[test]
    fn the_view_is_redrawn_for_pods_not_for_leases() {
        let mut w = World::new(1, Preset::Kind);
        w.step(15_000);
        let mut d = DrawnRevision::default();
        let first = d.update(&w.clusters["kind-kind"], 0);
        assert_eq!(first, w.clusters["kind-kind"].store.revision());
        // 10 s more: the kubelets renew their leases (etcd writes), nothing drawn changes.
        for _ in 0..100 {
            w.step(100);
            if d.update(&w.clusters["kind-kind"], 0) != first {
                panic!("redrawn for a write the view does not show");
            }
        }
        assert!(
            w.clusters["kind-kind"].store.revision() > first,
            "no lease was renewed"
        );
        let res = api::resource_for("pods").unwrap();
        w.api("kind-kind", "kubectl")
            .unwrap()
            .create(res, pod("web", None, "Pending", None))
            .unwrap();
        let after = d.update(&w.clusters["kind-kind"], 0);
        assert_eq!(after, w.clusters["kind-kind"].store.revision());
        // Another epoch (a rewind) redraws even when nothing new was written.
        assert_eq!(d.update(&w.clusters["kind-kind"], 1), after);
        assert_eq!(d.seen, after);
    }

    /// Every pod, by name, and the `default/kubernetes` Service (the lessons leave it out).
    #[test]
    fn the_view_shows_every_pod_and_service() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        let m = picture_now(c);
        assert!(m.nodes.iter().all(|n| n.other_pods == 0));
        assert!(m
            .nodes
            .iter()
            .flat_map(|n| n.pods.iter())
            .any(|p| p.namespace == "kube-system"));
        assert!(m
            .services
            .iter()
            .any(|s| s.namespace == "default" && s.name == "kubernetes"));
    }
}
