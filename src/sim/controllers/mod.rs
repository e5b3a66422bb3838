//! kube-controller-manager: level-triggered reconcilers, one file each.
//!
//! Start with [`step`]. Like client-go informers, the manager keeps a cursor on the store
//! (`last_revision`) and reads only the changes since ([`Store::events_since`]); each change
//! updates the [`Index`] (pods by owner, node and namespace; objects by uid; dependents by
//! owner uid) and queues the keys of the controllers that care. Each controller then drains
//! its queue and reconciles one `ns/name` at a time from the current state, so the outcome
//! depends only on what is in etcd, never on which events were seen (level-triggered).
//! A periodic resync ([`RESYNC_INTERVAL_MS`]) re-queues everything, and a delay queue wakes
//! controllers that wait for time to pass (progress deadlines, job back-off, tolerations).
//!
//! Every write goes through the API server as `kube-controller-manager`; events use the
//! upstream components' names (`deployment-controller`, `replicaset-controller`...).
//!
//! Order inside one step (fixed): namespace, serviceaccount, garbage collector, deployment,
//! replicaset, daemonset, statefulset, job, endpoints and endpointslices, PV binder
//! ([`super::storage`]), then the time-driven node lifecycle + taint eviction and pod GC
//! ([`podgc`]: pods of deleted nodes). Up to [`PASSES_PER_STEP`] passes run per
//! step so that a cascade (Deployment → ReplicaSet → Pods) settles without waiting.
//!
//! What the other components provide: the kubelet renews `kube-node-lease/<node>` (the node
//! lifecycle controller only watches nodes that have a lease), reports pod `phase`, `podIP`
//! and the `Ready` condition, and finishes graceful deletions with a grace-0 delete; the
//! scheduler binds (`spec.nodeName`), honouring the DaemonSet pods' `matchFields` affinity.
//! Objects created outside (preset CoreDNS/kube-proxy) are adopted if they carry the right
//! ownerReferences or match a selector; label DaemonSet pods with
//! `controller-revision-hash` = [`template_hash`] of the template (or leave it out) so they are
//! not rolled.
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! let mut w = World::new(1, Preset::Kind);
//! w.step(1_000);
//! // The ServiceAccount controller made a `default` account in every namespace.
//! assert!(w.clusters["kind-kind"].store.get("/registry/serviceaccounts/kube-public/default").is_some());
//! ```

pub mod counts;
pub mod daemon_view;
pub mod daemonset;
pub mod deployment;
pub mod endpoints;
pub mod gc;
pub mod history;
pub mod indexed_job;
pub mod job;
pub mod namespace;
pub mod nodelifecycle;
pub mod podgc;
pub mod replicaset;
pub mod serviceaccount;
pub mod statefulset;

use super::api::{self, Resource};
use super::apiserver::{ApiError, ApiServer, DeleteOptions};
use super::clock::SimTime;
use super::events;
use super::meta;
use super::store::{EventKind, Store};
use super::value::{Map, Value};
use super::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// Who the controller-manager's writes are traced as.
pub const ACTOR: &str = "kube-controller-manager";
/// Informer resync period: every object is reconciled again at least this often.
pub const RESYNC_INTERVAL_MS: u64 = 30_000;
/// How many event-process/reconcile rounds one step may run.
pub const PASSES_PER_STEP: usize = 4;

/// The controllers, in the order a step runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ctl {
    Namespace,
    ServiceAccount,
    GarbageCollector,
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
    Job,
    Endpoints,
    Storage,
}

pub const ALL: [Ctl; 10] = [
    Ctl::Namespace,
    Ctl::ServiceAccount,
    Ctl::GarbageCollector,
    Ctl::Deployment,
    Ctl::ReplicaSet,
    Ctl::DaemonSet,
    Ctl::StatefulSet,
    Ctl::Job,
    Ctl::Endpoints,
    Ctl::Storage,
];

/// `(resource plural, "ns/name")`: how the index names any object.
pub type ObjKey = (&'static str, String);

/// What the informers know, kept up to date from store events. Only keys and uids are
/// indexed; objects are read from the store when reconciled.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Pod keys by the uid of their controller (ReplicaSet, DaemonSet, StatefulSet, Job).
    pub pods_by_owner: BTreeMap<String, BTreeSet<String>>,
    pub pods_by_node: BTreeMap<String, BTreeSet<String>>,
    pub pods_by_ns: BTreeMap<String, BTreeSet<String>>,
    /// Pods without a controller, by namespace (candidates for adoption).
    pub orphan_pods_by_ns: BTreeMap<String, BTreeSet<String>>,
    /// What each pod key was filed under (to unfile it on change), with its counted facts.
    pod_slots: BTreeMap<String, PodSlot>,
    /// Per controller uid, sums over the pods filed under it ([`counts`]).
    pub counts: BTreeMap<String, counts::OwnerCounts>,
    /// The store revision up to which `counts` and `svc_members` follow the store (ahead of
    /// `State::last_revision` when [`sync_counts`] ran since the last `catch_up`).
    counted_revision: i64,
    /// Selectors of the Services of each namespace (by Service key), as filed.
    svc_selectors: BTreeMap<String, BTreeMap<String, Map>>,
    /// Per Service key (with a selector), the keys of the pods of its namespace it selects.
    svc_members: BTreeMap<String, BTreeSet<String>>,
    /// Every live object by uid.
    pub by_uid: BTreeMap<String, ObjKey>,
    uid_of: BTreeMap<ObjKey, String>,
    /// Objects by the uid of each owner in their ownerReferences.
    pub dependents: BTreeMap<String, BTreeSet<ObjKey>>,
    owners_of: BTreeMap<ObjKey, Vec<String>>,
    /// Per node, what [`Index::node_inputs_changed`] compares.
    node_inputs: BTreeMap<String, Value>,
    /// Per ReplicaSet/DaemonSet, a hash of everything but its status ([`spec_fingerprint`]).
    spec_fp: BTreeMap<ObjKey, u64>,
    /// Per DaemonSet uid, its pods by node and its last per-node decisions ([`daemon_view`]).
    pub daemon_views: BTreeMap<String, daemon_view::DsView>,
}

/// Where a pod key is filed: its controller's uid, its node, and what is counted of it
/// under its controller (`None` once the store says it is gone, until `catch_up` unfiles it).
#[derive(Debug, Clone)]
struct PodSlot {
    owner: Option<String>,
    node: Option<String>,
    facts: Option<counts::PodFacts>,
    /// [`pod_filing`] when filed: an update with the same value (and node) needs no
    /// re-filing.
    filing: u64,
    /// [`pod_fingerprint`] of the last value seen.
    fp: u64,
    /// Also filed in the [`daemon_view::DsView`] of `owner`.
    daemon: bool,
}

/// A hash of what decides under which owners a pod is filed: its uid and its
/// ownerReferences (uids and which one is the controller). The informer compares it (and
/// the node) at every pod change (several per pod as it starts) instead of looking the key
/// up in four maps.
fn pod_filing(pod: &Value) -> u64 {
    let mut h = super::world::Fnv::default();
    h.write(meta::uid(pod).as_bytes());
    if let Some(refs) = pod
        .path(&["metadata", "ownerReferences"])
        .and_then(Value::as_seq)
    {
        for r in refs {
            h.write(b"|");
            h.write(meta::str_at(r, &["uid"]).unwrap_or("").as_bytes());
            let controller = meta::bool_at(r, &["controller"]).unwrap_or(false);
            h.write(if controller { b"c" } else { b"-" });
        }
    }
    h.0
}

/// A Service's selector as the endpoints controller reads it (`None`: no managed endpoints).
fn service_selector(svc: &Value) -> Option<&Map> {
    svc.path(&["spec", "selector"]).and_then(Value::as_map)
}

/// A hash of an object without its `status` and `resourceVersion`: what changes when someone
/// edits it, not when its controller reports on it.
fn spec_fingerprint(obj: &Value) -> u64 {
    let mut h = super::world::Fnv::default();
    if let Some(m) = obj.as_map() {
        for (k, v) in m {
            match (k, v) {
                ("status", _) => {}
                ("metadata", Value::Map(meta)) => {
                    for (mk, mv) in meta {
                        if mk != "resourceVersion" {
                            h.write(mk.as_bytes());
                            super::world::hash_value(&mut h, mv);
                        }
                    }
                }
                _ => {
                    h.write(k.as_bytes());
                    super::world::hash_value(&mut h, v);
                }
            }
        }
    }
    h.0
}

/// A hash of the pod fields the ReplicaSet, DaemonSet and endpoints controllers read: labels,
/// deletion, node, phase, IP and the Ready condition. The kubelet writes a pod's status
/// several times while it starts (pulling, created, started...): only the writes that change
/// this wake the pod's ReplicaSet (which then reads all its pods, maybe 10,000).
fn pod_fingerprint(pod: &Value) -> u64 {
    let mut h = super::world::Fnv::default();
    for path in [
        &["metadata", "labels"][..],
        &["metadata", "deletionTimestamp"],
        &["spec", "nodeName"],
        &["status", "phase"],
        &["status", "podIP"],
    ] {
        match pod.path(path) {
            Some(v) => super::world::hash_value(&mut h, v),
            None => h.write(b"-"),
        }
    }
    match meta::condition(pod, "Ready") {
        Some(c) => {
            for f in ["status", "lastTransitionTime"] {
                match c.get(f) {
                    Some(v) => super::world::hash_value(&mut h, v),
                    None => h.write(b"-"),
                }
            }
        }
        None => h.write(b"-"),
    }
    h.0
}

impl Index {
    fn unfile(&mut self, k: &ObjKey) {
        if let Some(uid) = self.uid_of.remove(k) {
            self.by_uid.remove(&uid);
            if k.0 == "daemonsets" {
                self.forget_daemon_results(&uid);
            }
        }
        for owner in self.owners_of.remove(k).unwrap_or_default() {
            if let Some(set) = self.dependents.get_mut(&owner) {
                set.remove(k);
                if set.is_empty() {
                    self.dependents.remove(&owner);
                }
            }
        }
        if k.0 == "pods" {
            let (ns, _) = meta::split_key(&k.1);
            let ns = ns.unwrap_or("").to_string();
            if let Some(slot) = self.pod_slots.remove(&k.1) {
                if let (true, Some(o)) = (slot.daemon, &slot.owner) {
                    if let Some(v) = self.daemon_views.get_mut(o) {
                        v.remove_pod(&k.1);
                        if v.is_empty() {
                            self.daemon_views.remove(o);
                        }
                    }
                }
                match &slot.owner {
                    Some(o) => {
                        remove_from(&mut self.pods_by_owner, o, &k.1);
                        if let Some(f) = &slot.facts {
                            self.uncount(o, f);
                        }
                    }
                    None => remove_from(&mut self.orphan_pods_by_ns, &ns, &k.1),
                }
                if let Some(n) = slot.node {
                    remove_from(&mut self.pods_by_node, &n, &k.1);
                }
                remove_from(&mut self.pods_by_ns, &ns, &k.1);
                if let Some(svcs) = self.svc_selectors.get(&ns) {
                    for svc in svcs.keys() {
                        if let Some(m) = self.svc_members.get_mut(svc) {
                            m.remove(&k.1);
                        }
                    }
                }
            }
        }
    }

    fn file(&mut self, k: &ObjKey, obj: &Value) {
        let uid = meta::uid(obj).to_string();
        if !uid.is_empty() {
            self.by_uid.insert(uid.clone(), k.clone());
            self.uid_of.insert(k.clone(), uid);
        }
        let owners: Vec<String> = meta::owner_refs(obj).into_iter().map(|r| r.uid).collect();
        for o in &owners {
            self.dependents
                .entry(o.clone())
                .or_default()
                .insert(k.clone());
        }
        if !owners.is_empty() {
            self.owners_of.insert(k.clone(), owners);
        }
        if k.0 == "pods" {
            let ns = meta::split_key(&k.1).0.unwrap_or("").to_string();
            let controller = meta::controller_ref(obj);
            let daemon = controller.as_ref().is_some_and(|r| r.kind == "DaemonSet");
            let owner = controller.map(|r| r.uid);
            let node = meta::node_name(obj).map(str::to_string);
            if let (true, Some(o)) = (daemon, &owner) {
                self.daemon_views
                    .entry(o.clone())
                    .or_default()
                    .add_pod(&k.1, daemonset::target_node(obj));
            }
            match &owner {
                Some(o) => {
                    self.pods_by_owner
                        .entry(o.clone())
                        .or_default()
                        .insert(k.1.clone());
                }
                None => {
                    self.orphan_pods_by_ns
                        .entry(ns.clone())
                        .or_default()
                        .insert(k.1.clone());
                }
            }
            if let Some(n) = &node {
                self.pods_by_node
                    .entry(n.clone())
                    .or_default()
                    .insert(k.1.clone());
            }
            let facts = counts::PodFacts::of(obj);
            if let Some(o) = &owner {
                self.counts
                    .entry(o.clone())
                    .or_default()
                    .add(&facts, counts::pod_labels(obj));
            }
            self.update_members(&ns, &k.1, Some(obj));
            self.pods_by_ns.entry(ns).or_default().insert(k.1.clone());
            self.pod_slots.insert(
                k.1.clone(),
                PodSlot {
                    owner,
                    node,
                    facts: Some(facts),
                    filing: pod_filing(obj),
                    fp: pod_fingerprint(obj),
                    daemon,
                },
            );
        }
    }

    fn uncount(&mut self, owner: &str, f: &counts::PodFacts) {
        if let Some(c) = self.counts.get_mut(owner) {
            c.remove(f);
            if c.is_empty() {
                self.counts.remove(owner);
            }
        }
    }

    /// Puts pod `key` of `ns` in or out of each Service of the namespace (out when `pod` is
    /// `None`: gone from the store).
    fn update_members(&mut self, ns: &str, key: &str, pod: Option<&Value>) {
        let Some(svcs) = self.svc_selectors.get(ns) else {
            return;
        };
        let no_labels = Map::new();
        for (svc, sel) in svcs {
            let hit = pod.is_some_and(|p| {
                meta::map_selector_matches(sel, counts::pod_labels(p).unwrap_or(&no_labels))
            });
            let members = self.svc_members.entry(svc.clone()).or_default();
            if hit {
                if !members.contains(key) {
                    members.insert(key.to_string());
                }
            } else {
                members.remove(key);
            }
        }
    }

    /// A filed pod's value changed (`None`: deleted) without a change of filing: swaps its
    /// facts in its owner's counts and re-checks its Services if its labels changed.
    fn pod_changed(&mut self, key: &str, pod: Option<&Value>) {
        let Some(slot) = self.pod_slots.get_mut(key) else {
            return;
        };
        let facts = pod.map(counts::PodFacts::of);
        if facts == slot.facts {
            return;
        }
        let old = std::mem::replace(&mut slot.facts, facts);
        let owner = slot.owner.clone();
        if let Some(o) = &owner {
            if let Some(f) = &old {
                self.uncount(o, f);
            }
            if let (Some(f), Some(p)) = (&facts, pod) {
                self.counts
                    .entry(o.clone())
                    .or_default()
                    .add(f, counts::pod_labels(p));
            }
        }
        let labels_changed = old.map(|f| f.labels) != facts.map(|f| f.labels);
        if labels_changed {
            let ns = meta::split_key(key).0.unwrap_or("").to_string();
            self.update_members(&ns, key, pod);
        }
    }

    /// A Service was created, changed or deleted: when its selector changed, its members are
    /// found again among the namespace's pods (their values as the store holds them now).
    fn service_changed(&mut self, store: &Store, key: &str, svc: Option<&Value>) {
        let ns = meta::split_key(key).0.unwrap_or("").to_string();
        let sel = svc.and_then(service_selector).filter(|m| !m.is_empty());
        let filed = self.svc_selectors.get(&ns).and_then(|m| m.get(key));
        if filed == sel {
            return;
        }
        let Some(sel) = sel.cloned() else {
            if let Some(m) = self.svc_selectors.get_mut(&ns) {
                m.remove(key);
                if m.is_empty() {
                    self.svc_selectors.remove(&ns);
                }
            }
            self.svc_members.remove(key);
            return;
        };
        let mut members = BTreeSet::new();
        let no_labels = Map::new();
        if let Some(keys) = self.pods_by_ns.get(&ns) {
            let prefix = res("Pod").storage_prefix(None);
            let mut skey = String::with_capacity(prefix.len() + 64);
            for k in keys {
                skey.clear();
                skey.push_str(&prefix);
                skey.push_str(k);
                if let Some(kv) = store.get(&skey) {
                    let labels = counts::pod_labels(&kv.value).unwrap_or(&no_labels);
                    if meta::map_selector_matches(&sel, labels) {
                        members.insert(k.clone());
                    }
                }
            }
        }
        self.svc_selectors
            .entry(ns)
            .or_default()
            .insert(key.to_string(), sel);
        self.svc_members.insert(key.to_string(), members);
    }

    /// The pods a Service selects (keys), if its selector is the one filed.
    pub fn service_members(&self, key: &str, selector: &Map) -> Option<&BTreeSet<String>> {
        let ns = meta::split_key(key).0.unwrap_or("");
        if self.svc_selectors.get(ns)?.get(key)? != selector {
            return None;
        }
        self.svc_members.get(key)
    }

    /// Would [`Index::file`] put `obj` exactly where `k` is filed now? (Most changes are
    /// status updates: re-filing them would cost a dozen map operations for nothing.)
    fn filed_same(&self, k: &ObjKey, obj: &Value) -> bool {
        let uid = meta::uid(obj);
        if self.uid_of.get(k).map_or(!uid.is_empty(), |u| u != uid) {
            return false;
        }
        // Borrowed (`meta::owner_refs` copies four strings per reference): this runs for
        // every change the informer sees.
        let refs: &[Value] = obj
            .path(&["metadata", "ownerReferences"])
            .and_then(Value::as_seq)
            .map_or(&[], |v| &v[..]);
        fn ref_uid(r: &Value) -> &str {
            meta::str_at(r, &["uid"]).unwrap_or("")
        }
        let owners_same = match self.owners_of.get(k) {
            Some(o) => o.len() == refs.len() && o.iter().zip(refs).all(|(a, r)| a == ref_uid(r)),
            None => refs.is_empty(),
        };
        // (Pods are compared by [`pod_filing`] in `catch_up`.)
        owners_same && k.0 != "pods"
    }

    /// The DaemonSet-relevant part of a node (labels, taints, unschedulable): only a change
    /// there (or a new or deleted node) can change which nodes run daemon pods.
    fn node_inputs_changed(&mut self, name: &str, node: Option<&Value>) -> bool {
        let inputs = node.map(|n| {
            let mut v = Value::map();
            for (f, path) in [
                ("labels", &["metadata", "labels"][..]),
                ("taints", &["spec", "taints"][..]),
                ("unschedulable", &["spec", "unschedulable"][..]),
            ] {
                if let Some(x) = n.path(path) {
                    v.set(f, x.clone());
                }
            }
            v
        });
        match inputs {
            Some(v) => {
                if self.node_inputs.get(name) == Some(&v) {
                    return false;
                }
                self.node_inputs.insert(name.to_string(), v);
                true
            }
            None => {
                self.node_inputs.remove(name);
                true
            }
        }
    }

    /// Pod `key` moved from `old` to node `new` (its slot already says so); `daemon`: the
    /// DaemonSet whose view files it.
    fn move_pod_node(
        &mut self,
        key: &str,
        old: Option<String>,
        new: Option<&str>,
        daemon: Option<&String>,
        pod: &Value,
    ) {
        if let Some(n) = old {
            remove_from(&mut self.pods_by_node, &n, key);
        }
        if let Some(n) = new {
            self.pods_by_node
                .entry(n.to_string())
                .or_default()
                .insert(key.to_string());
        }
        if let Some(o) = daemon {
            let v = self.daemon_views.entry(o.clone()).or_default();
            v.remove_pod(key);
            v.add_pod(key, daemonset::target_node(pod));
        }
    }

    /// The DaemonSet with `uid` changed or went: its next reconcile walks every node.
    fn forget_daemon_results(&mut self, uid: &str) {
        if let Some(v) = self.daemon_views.get_mut(uid) {
            v.forget_results();
            if v.is_empty() {
                self.daemon_views.remove(uid);
            }
        }
    }

    /// Pod `key` changed in place: if a DaemonSet owns it, its node is decided again.
    fn touch_daemon_pod(&mut self, key: &str) {
        if let Some(PodSlot {
            daemon: true,
            owner: Some(o),
            ..
        }) = self.pod_slots.get(key)
        {
            if let Some(v) = self.daemon_views.get_mut(o) {
                v.touch_pod(key);
            }
        }
    }

    /// Node `name` changed what DaemonSets read of it, came or went.
    fn touch_daemon_node(&mut self, name: &str) {
        for v in self.daemon_views.values_mut() {
            v.touch_node(name);
        }
    }

    /// The view of DaemonSet `uid`, holding exactly the pods filed under it: when some pod
    /// is filed under `uid` but not in the view (its ownerReference names another kind),
    /// the view is filed again from the index and its decisions forgotten.
    pub fn daemon_view(&mut self, store: &Store, uid: &str) -> &mut daemon_view::DsView {
        let filed = self.pods_by_owner.get(uid).map_or(0, BTreeSet::len);
        let in_view = self.daemon_views.get(uid).map_or(0, |v| v.pod_count());
        if filed != in_view {
            let mut view = daemon_view::DsView::default();
            let prefix = res("Pod").storage_prefix(None);
            for k in self.pods_by_owner.get(uid).into_iter().flatten() {
                let pod = store.get(&format!("{prefix}{k}"));
                view.add_pod(k, pod.and_then(|kv| daemonset::target_node(&kv.value)));
                if let Some(slot) = self.pod_slots.get_mut(k) {
                    slot.daemon = true;
                }
            }
            view.forget_results();
            self.daemon_views.insert(uid.to_string(), view);
        }
        self.daemon_views.entry(uid.to_string()).or_default()
    }

    pub fn uid_exists(&self, uid: &str) -> bool {
        self.by_uid.contains_key(uid)
    }
}

fn remove_from(map: &mut BTreeMap<String, BTreeSet<String>>, key: &str, item: &str) {
    if let Some(set) = map.get_mut(key) {
        set.remove(item);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// This component's state for one cluster (kept in [`super::world::Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The store revision the informers have caught up to.
    pub last_revision: i64,
    synced: bool,
    last_resync: SimTime,
    pub index: Index,
    queues: BTreeMap<Ctl, BTreeSet<String>>,
    /// Keys to re-queue once the clock reaches a time.
    delayed: BTreeMap<SimTime, BTreeSet<(Ctl, String)>>,
    /// Garbage collector work: objects whose owners or dependents must be checked.
    pub(crate) gc_queue: BTreeSet<ObjKey>,
    /// Uids of objects that were deleted: their dependents must be checked.
    pub(crate) gc_gone: BTreeSet<String>,
    pub jobs: job::Tracking,
    pub nodes: nodelifecycle::Tracking,
    pub podgc: podgc::Tracking,
    pub storage: super::storage::Tracking,
    /// Tests: DaemonSets walk every node at every reconcile instead of their
    /// [`daemon_view`] (the view must decide exactly like the walk).
    pub(crate) daemon_full_walk: bool,
}

impl State {
    pub fn enqueue(&mut self, ctl: Ctl, key: &str) {
        let q = self.queues.entry(ctl).or_default();
        // Most wakes find the key queued already (10,000 pods waking one ReplicaSet).
        if !q.contains(key) {
            q.insert(key.to_string());
        }
    }
    pub fn enqueue_after(&mut self, ctl: Ctl, key: &str, at: SimTime) {
        self.delayed
            .entry(at)
            .or_default()
            .insert((ctl, key.to_string()));
    }
    fn take_queue(&mut self, ctl: Ctl) -> BTreeSet<String> {
        self.queues.remove(&ctl).unwrap_or_default()
    }
    fn has_work(&self) -> bool {
        self.queues.values().any(|q| !q.is_empty())
            || !self.gc_queue.is_empty()
            || !self.gc_gone.is_empty()
    }
}

/// The resource a store key belongs to, with its `ns/name` (or `name`).
pub fn resource_of_key(key: &str) -> Option<(&'static Resource, String)> {
    let rest = key.strip_prefix("/registry/")?;
    api::RESOURCES.iter().find_map(|r| {
        let tail = rest.strip_prefix(r.etcd_prefix)?.strip_prefix('/')?;
        Some((r, tail.to_string()))
    })
}

/// One controller's view of the world for a reconcile: the cluster, its clock and rng.
pub struct Ctx<'w> {
    pub world: &'w mut World,
    pub cluster: String,
}

impl<'w> Ctx<'w> {
    pub fn now(&self) -> SimTime {
        self.world.now()
    }
    /// The store (read-only: writes go through [`Ctx::api`]).
    pub fn store(&self) -> &Store {
        static EMPTY: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
        match self.world.clusters.get(&self.cluster) {
            Some(c) => &c.store,
            None => EMPTY.get_or_init(Store::new),
        }
    }
    pub fn api(&mut self) -> Option<ApiServer<'_>> {
        self.world.api(&self.cluster, ACTOR)
    }
    /// Reads an object by resource and `ns/name` key (a cheap `Arc` clone of the stored value).
    pub fn get(&self, res: &Resource, key: &str) -> Option<std::sync::Arc<Value>> {
        let (ns, name) = meta::split_key(key);
        self.store()
            .get(&res.storage_key(ns, name))
            .map(|kv| kv.value.clone())
    }
    pub fn list(&self, res: &Resource, ns: Option<&str>) -> Vec<std::sync::Arc<Value>> {
        let prefix = res.storage_prefix(ns);
        self.store()
            .range(&prefix)
            .map(|kv| kv.value.clone())
            .collect()
    }
    pub fn create(&mut self, res: &Resource, obj: Value) -> Result<Value, ApiError> {
        match self.api() {
            Some(mut a) => a.create(res, obj),
            None => Err(ApiError::internal("no such cluster")),
        }
    }
    pub fn update(&mut self, res: &Resource, obj: Value) -> Result<Value, ApiError> {
        match self.api() {
            Some(mut a) => a.update(res, obj),
            None => Err(ApiError::internal("no such cluster")),
        }
    }
    pub fn update_status(&mut self, res: &Resource, obj: &Value) -> Result<Value, ApiError> {
        match self.api() {
            Some(mut a) => a.update_status(res, obj),
            None => Err(ApiError::internal("no such cluster")),
        }
    }
    pub fn delete(
        &mut self,
        res: &Resource,
        key: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let (ns, name) = meta::split_key(key);
        let (ns, name) = (ns.map(str::to_string), name.to_string());
        match self.api() {
            Some(mut a) => a.delete_with(res, ns.as_deref(), &name, opts),
            None => Err(ApiError::internal("no such cluster")),
        }
    }
    /// Records an event about `obj` from `component`.
    pub fn event(
        &mut self,
        obj: &Value,
        kind: events::Type,
        reason: &str,
        message: &str,
        component: &str,
    ) {
        if let Some(mut a) = self.api() {
            events::record(&mut a, obj, kind, reason, message, component, None);
        }
    }
    pub fn rng_suffix(&mut self, n: usize) -> String {
        self.world.rng.suffix(n)
    }
}

/// A resource by kind (every kind the controllers use is in the table).
pub fn res(kind: &str) -> &'static Resource {
    api::resource_for_kind(kind).unwrap_or(&api::RESOURCES[0])
}

/// Runs one round of the controller-manager for `cluster`, `dt_ms` after the previous one.
pub fn step(world: &mut World, cluster: &str, dt_ms: u64) {
    let _ = dt_ms;
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let mut st = std::mem::take(&mut c.controllers);
    let mut ctx = Ctx {
        world,
        cluster: cluster.to_string(),
    };
    run(&mut ctx, &mut st);
    if let Some(c) = ctx.world.clusters.get_mut(cluster) {
        c.controllers = st;
    }
}

fn run(ctx: &mut Ctx<'_>, st: &mut State) {
    let now = ctx.now();
    if !st.synced || now.since_ms(st.last_resync) >= RESYNC_INTERVAL_MS {
        if !st.synced {
            relist(ctx, st);
        }
        resync(ctx, st);
        st.last_resync = now;
    }
    // Wake delayed work.
    let due: Vec<SimTime> = st.delayed.range(..=now).map(|(t, _)| *t).collect();
    for t in due {
        for (ctl, key) in st.delayed.remove(&t).unwrap_or_default() {
            st.enqueue(ctl, &key);
        }
    }
    for _ in 0..PASSES_PER_STEP {
        catch_up(ctx, st);
        if !st.has_work() {
            break;
        }
        for ctl in ALL {
            let keys = st.take_queue(ctl);
            if ctl == Ctl::GarbageCollector {
                gc::run(ctx, st);
                continue;
            }
            for key in keys {
                match ctl {
                    Ctl::Namespace => namespace::reconcile(ctx, st, &key),
                    Ctl::ServiceAccount => serviceaccount::reconcile(ctx, st, &key),
                    Ctl::GarbageCollector => {}
                    Ctl::Deployment => deployment::reconcile(ctx, st, &key),
                    Ctl::ReplicaSet => replicaset::reconcile(ctx, st, &key),
                    Ctl::DaemonSet => daemonset::reconcile(ctx, st, &key),
                    Ctl::StatefulSet => statefulset::reconcile(ctx, st, &key),
                    Ctl::Job => job::reconcile(ctx, st, &key),
                    Ctl::Endpoints => endpoints::reconcile(ctx, st, &key),
                    Ctl::Storage => super::storage::reconcile(ctx, st, &key),
                }
            }
        }
    }
    // Time-driven: node heartbeats and taint-based eviction look at every node each step;
    // the pod GC, every 20 s, at pods of nodes that are gone.
    catch_up(ctx, st);
    nodelifecycle::run(ctx, st);
    catch_up(ctx, st);
    podgc::run(ctx, st);
    catch_up(ctx, st);
}

/// Rebuilds the index from a full list (first start, or after the watch was compacted away).
fn relist(ctx: &mut Ctx<'_>, st: &mut State) {
    st.index = Index::default();
    let all: Vec<(String, std::sync::Arc<Value>)> = ctx
        .store()
        .range("/registry/")
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect();
    for (key, obj) in &all {
        if let Some((r, k)) = resource_of_key(key) {
            st.index.file(&(r.plural, k.clone()), obj);
            if !obj.path(&["metadata", "ownerReferences"]).is_none() || meta::is_terminating(obj) {
                st.gc_queue.insert((r.plural, k));
            }
        }
    }
    // Services last: their members are found among the pods filed above.
    for (key, obj) in &all {
        if let Some(k) = key.strip_prefix(&res("Service").storage_prefix(None)) {
            st.index.service_changed(ctx.store(), k, Some(obj));
        }
    }
    st.last_revision = ctx.store().revision();
    st.index.counted_revision = st.last_revision;
    st.synced = true;
}

/// Brings the per-owner counts and Service members up to the store's current revision: pods
/// written since the last `catch_up` (by controllers earlier in this pass) are counted with
/// their new values. Filing (which pods belong to which owner) still changes only in
/// `catch_up`, as `owned_pods` sees it. Call before reading [`Index::counts`].
pub fn sync_counts(ctx: &Ctx<'_>, st: &mut State) {
    let store = ctx.store();
    let index = &mut st.index;
    if index.counted_revision >= store.revision() {
        return;
    }
    let pod_prefix = res("Pod").storage_prefix(None);
    let node_prefix = res("Node").storage_prefix(None);
    match store.events_since(index.counted_revision) {
        Ok(evs) => {
            for e in evs {
                if let Some(k) = e.kv.key.strip_prefix(pod_prefix.as_str()) {
                    let pod = (e.kind == EventKind::Put).then_some(&*e.kv.value);
                    index.pod_changed(k, pod);
                    index.touch_daemon_pod(k);
                } else if let Some(n) = e.kv.key.strip_prefix(node_prefix.as_str()) {
                    index.touch_daemon_node(n);
                }
            }
        }
        // Compacted past our cursor (not within one step in practice): recount every pod.
        Err(_) => {
            let uids: Vec<String> = index.daemon_views.keys().cloned().collect();
            for uid in uids {
                index.forget_daemon_results(&uid);
            }
            let keys: Vec<String> = index.pod_slots.keys().cloned().collect();
            for k in keys {
                let pod = store
                    .get(&format!("{pod_prefix}{k}"))
                    .map(|kv| kv.value.clone());
                index.pod_changed(&k, pod.as_deref());
            }
        }
    }
    index.counted_revision = store.revision();
}

/// The counts of the pods filed under `owner_uid`, up to date ([`sync_counts`] first).
pub fn owner_counts(ctx: &Ctx<'_>, st: &mut State, owner_uid: &str) -> counts::OwnerCounts {
    sync_counts(ctx, st);
    st.index.counts.get(owner_uid).cloned().unwrap_or_default()
}

/// Queues every object of every controller (informer resync).
fn resync(ctx: &mut Ctx<'_>, st: &mut State) {
    let plan: [(&str, Ctl); 10] = [
        ("namespaces", Ctl::Namespace),
        ("namespaces", Ctl::ServiceAccount),
        ("deployments", Ctl::Deployment),
        ("replicasets", Ctl::ReplicaSet),
        ("daemonsets", Ctl::DaemonSet),
        ("statefulsets", Ctl::StatefulSet),
        ("jobs", Ctl::Job),
        ("services", Ctl::Endpoints),
        ("persistentvolumeclaims", Ctl::Storage),
        ("persistentvolumes", Ctl::Storage),
    ];
    for (plural, ctl) in plan {
        let Some(r) = api::resource_for(plural) else {
            continue;
        };
        let keys: Vec<String> = ctx
            .store()
            .range(&r.storage_prefix(None))
            .map(|kv| meta::key_of(&kv.value))
            .collect();
        for k in keys {
            let k = if plural == "persistentvolumes" {
                format!("pv:{k}")
            } else {
                k
            };
            st.enqueue(ctl, &k);
        }
    }
}

/// Reads the store changes since the last revision, updating the index and the queues.
fn catch_up(ctx: &mut Ctx<'_>, st: &mut State) {
    let changes: Option<Vec<(EventKind, String, std::sync::Arc<Value>)>> =
        ctx.store().events_since(st.last_revision).ok().map(|evs| {
            // Events are the most frequent writes and no controller watches them: skipped
            // before their key is copied.
            evs.filter(|e| !e.kv.key.starts_with("/registry/events/"))
                .map(|e| (e.kind, e.kv.key.to_string(), e.kv.value.clone()))
                .collect()
        });
    let Some(changes) = changes else {
        relist(ctx, st);
        resync(ctx, st);
        return;
    };
    st.last_revision = ctx.store().revision();
    st.index.counted_revision = st.last_revision;
    for (kind, key, obj) in changes {
        let Some((r, k)) = resource_of_key(&key) else {
            continue;
        };
        // Events are the most frequent writes and no controller watches them.
        if r.kind == "Event" {
            continue;
        }
        let okey: ObjKey = (r.plural, k.clone());
        let put = kind == EventKind::Put;
        // For pods: the owner before the change (to wake it if an ownerReference was
        // removed), and whether the change is `quiet`: same filing, and nothing its owners or
        // Services read changed ([`pod_fingerprint`]), so it wakes nobody.
        let (old_owner, quiet) = if r.plural == "pods" {
            let filing = if put { pod_filing(&obj) } else { 0 };
            let node = if put { meta::node_name(&obj) } else { None };
            match st.index.pod_slots.get_mut(&k) {
                Some(slot) if put && slot.filing == filing && slot.node.as_deref() != node => {
                    // Bound (or moved): same owners, another node. What unfiling and filing
                    // again would do, without touching the maps that stay the same.
                    let old_owner = slot.owner.clone();
                    let old_node = std::mem::replace(&mut slot.node, node.map(str::to_string));
                    slot.fp = pod_fingerprint(&obj);
                    let daemon = slot.daemon;
                    let facts_changed = slot.facts != Some(counts::PodFacts::of(&obj));
                    st.index.move_pod_node(
                        &k,
                        old_node,
                        node,
                        old_owner.as_ref().filter(|_| daemon),
                        &obj,
                    );
                    if facts_changed {
                        st.index.pod_changed(&k, Some(&obj));
                    }
                    (old_owner, false)
                }
                Some(slot) if put && slot.filing == filing => {
                    let fp = pod_fingerprint(&obj);
                    let quiet =
                        std::mem::replace(&mut slot.fp, fp) == fp && !meta::is_terminating(&obj);
                    let old_owner = if quiet { None } else { slot.owner.clone() };
                    if slot.facts != Some(counts::PodFacts::of(&obj)) {
                        st.index.pod_changed(&k, Some(&obj));
                    }
                    // What a DaemonSet decides from is in the fingerprint.
                    if !quiet {
                        st.index.touch_daemon_pod(&k);
                    }
                    (old_owner, quiet)
                }
                slot => {
                    let old_owner = slot.and_then(|slot| slot.owner.clone());
                    st.index.unfile(&okey);
                    if put {
                        st.index.file(&okey, &obj);
                    }
                    (old_owner, false)
                }
            }
        } else {
            if !(put && st.index.filed_same(&okey, &obj)) {
                st.index.unfile(&okey);
                if put {
                    st.index.file(&okey, &obj);
                }
            }
            (None, false)
        };
        if r.kind == "Service" {
            let svc = put.then_some(&*obj);
            st.index.service_changed(ctx.store(), &k, svc);
        }
        // A ReplicaSet or DaemonSet whose status alone changed (its controller just wrote it)
        // needs no second reconcile: only its owner (a Deployment) reads its status.
        let status_only = matches!(r.kind, "ReplicaSet" | "DaemonSet") && {
            let fp = (kind == EventKind::Put).then(|| spec_fingerprint(&obj));
            let old = match fp {
                Some(fp) => st.index.spec_fp.insert(okey.clone(), fp),
                None => st.index.spec_fp.remove(&okey),
            };
            fp.is_some() && old == fp
        };
        route(st, r, &k, &obj, kind, old_owner, quiet, status_only);
    }
}

/// Which controllers care about a change.
#[allow(clippy::too_many_arguments)]
fn route(
    st: &mut State,
    r: &'static Resource,
    key: &str,
    obj: &Value,
    kind: EventKind,
    old_owner: Option<String>,
    quiet: bool,
    status_only: bool,
) {
    if quiet {
        // Same owners, same fingerprint, not terminating: the garbage collector already
        // checked its owners, and the ReplicaSet/DaemonSet/endpoints controllers would compute
        // the same thing. Jobs and StatefulSets read more of the status: they still hear it.
        if let Some((kind, name)) = controller_kind_name(obj) {
            let ctl = match kind {
                "StatefulSet" => Ctl::StatefulSet,
                "Job" => Ctl::Job,
                _ => return,
            };
            let ns = meta::split_key(key).0.unwrap_or("");
            st.enqueue(ctl, &format!("{ns}/{name}"));
        }
        return;
    }
    let ns = meta::split_key(key).0.unwrap_or("").to_string();
    // The garbage collector looks at everything with owners, finalizers or dependents.
    if kind == EventKind::Delete {
        let uid = meta::uid(obj);
        if !uid.is_empty() {
            st.gc_gone.insert(uid.to_string());
        }
        // Owners in foreground deletion wait for their dependents: wake them.
        for o in meta::owner_refs(obj) {
            if let Some(ok) = st.index.by_uid.get(&o.uid).cloned() {
                st.gc_queue.insert(ok);
            }
        }
    } else if obj.path(&["metadata", "ownerReferences"]).is_some() || meta::is_terminating(obj) {
        st.gc_queue.insert((r.plural, key.to_string()));
    }
    let wake_owner = |st: &mut State, (kind, name): (&str, &str)| {
        let ctl = match kind {
            "ReplicaSet" => Ctl::ReplicaSet,
            "Deployment" => Ctl::Deployment,
            "DaemonSet" => Ctl::DaemonSet,
            "StatefulSet" => Ctl::StatefulSet,
            "Job" => Ctl::Job,
            _ => return,
        };
        st.enqueue(ctl, &format!("{ns}/{name}"));
    };
    match r.kind {
        "Namespace" => {
            st.enqueue(Ctl::Namespace, key);
            st.enqueue(Ctl::ServiceAccount, key);
        }
        "ServiceAccount" | "ConfigMap" => st.enqueue(Ctl::ServiceAccount, &ns),
        "Pod" => {
            match controller_kind_name(obj) {
                Some(o) => wake_owner(st, o),
                None => {
                    // An orphan may be adopted by any workload of its namespace: resync
                    // handles the rare case; wake the ReplicaSets of the namespace cheaply
                    // by marking the namespace for the ReplicaSet controller.
                    st.enqueue(Ctl::ReplicaSet, &format!("ns:{ns}"));
                }
            }
            if let Some(uid) = old_owner {
                if let Some((plural, okey)) = st.index.by_uid.get(&uid).cloned() {
                    let ctl = match plural {
                        "replicasets" => Ctl::ReplicaSet,
                        "daemonsets" => Ctl::DaemonSet,
                        "statefulsets" => Ctl::StatefulSet,
                        "jobs" => Ctl::Job,
                        _ => Ctl::Storage,
                    };
                    if ctl != Ctl::Storage {
                        st.enqueue(ctl, &okey);
                    }
                }
            }
            st.enqueue(Ctl::Endpoints, &format!("ns:{ns}"));
            if obj
                .path(&["spec", "volumes"])
                .and_then(Value::as_seq)
                .is_some_and(|v| v.iter().any(|v| v.get("persistentVolumeClaim").is_some()))
            {
                st.enqueue(Ctl::Storage, &format!("ns:{ns}"));
            }
        }
        "ReplicaSet" => {
            if !status_only {
                st.enqueue(Ctl::ReplicaSet, key);
            }
            if let Some(o) = controller_kind_name(obj) {
                wake_owner(st, o);
            }
        }
        "Deployment" => st.enqueue(Ctl::Deployment, key),
        // Revisions changed or deleted by hand are recreated/renumbered by their owner.
        "ControllerRevision" => {
            if let Some(o) = controller_kind_name(obj) {
                wake_owner(st, o);
            }
        }
        "DaemonSet" if status_only => {}
        "DaemonSet" => st.enqueue(Ctl::DaemonSet, key),
        "StatefulSet" => st.enqueue(Ctl::StatefulSet, key),
        "Job" => st.enqueue(Ctl::Job, key),
        "Service" => st.enqueue(Ctl::Endpoints, key),
        "Node" => {
            // New, deleted or relabelled/retainted nodes matter to every DaemonSet; heartbeats
            // (a status update every few seconds per node) do not.
            let node = (kind == EventKind::Put).then_some(obj);
            if st.index.node_inputs_changed(key, node) {
                st.index.touch_daemon_node(key);
                st.enqueue(Ctl::DaemonSet, "*");
            }
        }
        "PersistentVolumeClaim" => st.enqueue(Ctl::Storage, key),
        "PersistentVolume" => st.enqueue(Ctl::Storage, &format!("pv:{key}")),
        _ => {}
    }
}

/// The kind and name of `obj`'s controller (`meta::controller_ref`, borrowed: the informer
/// asks for every change it routes).
fn controller_kind_name(obj: &Value) -> Option<(&str, &str)> {
    obj.path(&["metadata", "ownerReferences"])?
        .as_seq()?
        .iter()
        .find(|r| meta::bool_at(r, &["controller"]).unwrap_or(false))
        .map(|r| {
            (
                meta::str_at(r, &["kind"]).unwrap_or(""),
                meta::str_at(r, &["name"]).unwrap_or(""),
            )
        })
}

/// The pod keys an owner controls (by its uid), read from the index.
pub fn owned_pods(ctx: &Ctx<'_>, st: &State, owner_uid: &str) -> Vec<std::sync::Arc<Value>> {
    let Some(keys) = st.index.pods_by_owner.get(owner_uid) else {
        return Vec::new();
    };
    // One key buffer for all of them: a ReplicaSet may own 10,000 pods and is reconciled
    // after every change to any of them.
    let prefix = res("Pod").storage_prefix(None);
    let mut key = String::with_capacity(prefix.len() + 64);
    let store = ctx.store();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        key.clear();
        key.push_str(&prefix);
        key.push_str(k);
        if let Some(kv) = store.get(&key) {
            out.push(kv.value.clone());
        }
    }
    out
}

/// Orphan pods of a namespace that `selector` matches (candidates for adoption).
pub fn orphans_matching(
    ctx: &Ctx<'_>,
    st: &State,
    ns: &str,
    selector: &Value,
) -> Vec<std::sync::Arc<Value>> {
    let pods = res("Pod");
    st.index
        .orphan_pods_by_ns
        .get(ns)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| ctx.get(pods, k))
                .filter(|p| !meta::is_terminating(p) && meta::selector_matches(selector, p))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `owner` as the controller of an orphan `obj` (adoption) through the API server.
pub fn adopt(ctx: &mut Ctx<'_>, obj: &Value, owner: &Value) -> Option<Value> {
    let r = api::resource_for_kind(obj.get("kind")?.as_str()?)?;
    let mut o = obj.clone();
    let mut refs = meta::owner_refs(&o);
    refs.push(meta::OwnerRef::controller_of(owner));
    meta::set_owner_refs(&mut o, &refs);
    ctx.update(r, o).ok()
}

/// A pod made from a workload's template: labels, annotations and spec of the template,
/// a controller reference to `owner`, in the owner's namespace.
pub fn pod_from_template(owner: &Value, template: &Value) -> Value {
    let mut pod = Value::map();
    pod.set("apiVersion", "v1");
    pod.set("kind", "Pod");
    let m = pod.path_mut_or_insert(&["metadata"]);
    if let Some(ns) = meta::str_at(owner, &["metadata", "namespace"]) {
        m.set("namespace", ns);
    }
    for f in ["labels", "annotations", "finalizers"] {
        if let Some(v) = template.path(&["metadata", f]) {
            m.set(f, v.clone());
        }
    }
    pod.path_mut_or_insert(&["metadata"])
        .set("ownerReferences", shared_owner_ref(owner));
    pod.set(
        "spec",
        template.get("spec").cloned().unwrap_or_else(Value::map),
    );
    pod
}

/// `[controller_of(owner)]` as the `ownerReferences` value, one shared copy for every pod of
/// the same owner: the last one built is kept and handed out again while the owner is the
/// same (a controller creates its pods in a row), saving each pod ~400 bytes. The value is
/// equal either way, so the cache only changes memory, never behaviour.
fn shared_owner_ref(owner: &Value) -> Value {
    thread_local! {
        static LAST: std::cell::RefCell<Value> = const { std::cell::RefCell::new(Value::Null) };
    }
    let mut refs = Value::Seq(vec![meta::OwnerRef::controller_of(owner).to_value()].into());
    refs.share_deep();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if *last != refs {
            *last = refs;
        }
        last.clone()
    })
}

/// The hash of a pod template, as the name suffix of ReplicaSets (`web-7d4b9c5f8`) and the
/// `pod-template-hash` label: FNV-32a of the template, then the collision count as 8
/// little-endian bytes (a `uint32` in an 8-byte buffer), printed in decimal and mapped through
/// `rand.SafeEncodeString`, like `controller.ComputeHash`.
///
/// Upstream hashes `spew`'s `%#v` dump of the typed Go `PodTemplateSpec` (every field of every
/// struct, zero values included, with Go type names); our templates are unstructured values,
/// so we feed their sorted JSON instead: same algorithm and shape, not upstream's values.
pub fn template_hash(template: &Value, collision_count: Option<i64>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    feed(super::validation::json(template).as_bytes());
    if let Some(c) = collision_count {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&(c as u32).to_le_bytes());
        feed(&buf);
    }
    safe_encode(&h.to_string())
}

/// `rand.SafeEncodeString`: each byte becomes `alphanums[b % 27]` (no vowels, no 0/1/3, so
/// generated names never spell words).
pub fn safe_encode(s: &str) -> String {
    let a = super::rng::NAME_ALPHABET;
    s.bytes()
        .map(|b| a[usize::from(b) % a.len()] as char)
        .collect()
}

/// Resolves an int-or-percent (`maxSurge: 25%`) against `total`, rounding up or down like
/// `intstr.GetScaledValueFromIntOrPercent`.
pub fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: i64) -> i64 {
    match v {
        Some(Value::Int(i)) => *i,
        Some(Value::Str(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) => {
                let x = p.saturating_mul(total);
                if round_up {
                    x.saturating_add(99) / 100
                } else {
                    x / 100
                }
            }
            None => s.parse().unwrap_or(default),
        },
        _ => default,
    }
}

/// The pods of a workload, split into the active ones and the rest.
pub fn active(pods: &[std::sync::Arc<Value>]) -> Vec<std::sync::Arc<Value>> {
    pods.iter()
        .filter(|p| meta::pod_is_active(p))
        .cloned()
        .collect()
}

/// A quick check that an object still exists with the same uid (for read-modify-write).
pub fn current(ctx: &Ctx<'_>, res: &Resource, key: &str) -> Option<Value> {
    ctx.get(res, key).map(|v| (*v).clone())
}

#[cfg(test)]
mod scenarios;
#[cfg(test)]
pub(crate) mod testkit;

/// What the control plane creates when a cluster comes up, before any controller loop runs:
/// the `default/kubernetes` Service (+ Endpoints/EndpointSlice) and the default StorageClass
/// of the distribution. Called by [`super::presets::Preset::install`].
pub fn bootstrap_cluster(world: &mut World, cluster: &str) {
    endpoints::bootstrap_kubernetes_service(world, cluster);
    let Some(c) = world.clusters.get(cluster) else {
        return;
    };
    if let Some(sc) = super::storage::default_storage_class_object(&c.version, &c.name) {
        if let Some(mut a) = world.api(cluster, "kube-apiserver") {
            let _ = a.create(res("StorageClass"), sc);
        }
    }
}

#[cfg(test)]
mod wake_tests {
    //! What wakes a controller: only changes to what it reads.
    use super::*;
    use crate::sim::value::json;

    fn v(src: &str) -> Value {
        json::parse(src).expect("test JSON")
    }

    #[test]
    fn node_heartbeats_do_not_wake_daemonsets_but_new_nodes_labels_and_taints_do() {
        let mut index = Index::default();
        let node = v(r#"{"metadata":{"name":"w1","labels":{"a":"1"}},"status":{"t":"1"}}"#);
        assert!(index.node_inputs_changed("w1", Some(&node)), "a new node");
        let beat = v(r#"{"metadata":{"name":"w1","labels":{"a":"1"}},"status":{"t":"2"}}"#);
        assert!(!index.node_inputs_changed("w1", Some(&beat)), "a heartbeat");
        let relabelled = v(r#"{"metadata":{"name":"w1","labels":{"a":"2"}}}"#);
        assert!(index.node_inputs_changed("w1", Some(&relabelled)));
        let tainted = v(
            r#"{"metadata":{"name":"w1","labels":{"a":"2"}},"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}"#,
        );
        assert!(index.node_inputs_changed("w1", Some(&tainted)));
        assert!(index.node_inputs_changed("w1", None), "a deleted node");
    }

    #[test]
    fn pod_fingerprint_follows_what_owners_and_services_read() {
        let base = r#"{"metadata":{"labels":{"app":"web"}},"spec":{"nodeName":"w1"},
            "status":{"phase":"Running","podIP":"10.0.0.5",
            "conditions":[{"type":"Ready","status":"False","lastTransitionTime":"t1"}],
            "containerStatuses":[{"name":"c","restartCount":0}]}}"#;
        let fp = pod_fingerprint(&v(base));
        let same = base.replace("\"restartCount\":0", "\"restartCount\":1");
        assert_eq!(
            pod_fingerprint(&v(&same)),
            fp,
            "container details do not matter"
        );
        for changed in [
            base.replace("\"status\":\"False\"", "\"status\":\"True\""),
            base.replace("10.0.0.5", "10.0.0.6"),
            base.replace("\"Running\"", "\"Succeeded\""),
            base.replace("\"app\":\"web\"", "\"app\":\"db\""),
            base.replace("\"w1\"", "\"w2\""),
        ] {
            assert_ne!(pod_fingerprint(&v(&changed)), fp, "{changed}");
        }
    }

    #[test]
    fn spec_fingerprint_ignores_status_and_resource_version_only() {
        let a = v(
            r#"{"metadata":{"name":"rs","resourceVersion":"5"},"spec":{"replicas":3},"status":{"replicas":1}}"#,
        );
        let b = v(
            r#"{"metadata":{"name":"rs","resourceVersion":"6"},"spec":{"replicas":3},"status":{"replicas":2}}"#,
        );
        let c = v(
            r#"{"metadata":{"name":"rs","resourceVersion":"7"},"spec":{"replicas":4},"status":{"replicas":2}}"#,
        );
        assert_eq!(spec_fingerprint(&a), spec_fingerprint(&b));
        assert_ne!(spec_fingerprint(&b), spec_fingerprint(&c));
    }
}

#[cfg(test)]
mod template_sharing_tests {
    use super::testkit::{self, Fake, KIND};
    use crate::sim::api::resource_for;
    use crate::sim::value::{Map, Value};

    fn map_at<'a>(v: &'a Value, path: &[&str]) -> &'a Map {
        v.path(path).and_then(Value::as_map).expect("map at path")
    }

    /// Pods created from one template share its parts in memory, and a change to one pod (or
    /// to a copy of it) shows in no other pod nor in the template: copy-on-write.
    #[test]
    fn pods_share_their_template_until_one_changes() {
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        let mut d = testkit::deployment("web", 3, "nginx:1.27");
        let c = d
            .path_mut(&["spec", "template", "spec", "containers", "0"])
            .expect("container");
        c.path_mut_or_insert(&["resources", "requests"])
            .set("cpu", "100m");
        let mut a = w.api(KIND, "kubectl").expect("api");
        a.create(resource_for("deploy").expect("res"), d)
            .expect("create");
        f.run(&mut w, 5_000);
        let pods = testkit::pods(&w, KIND, "default");
        assert_eq!(pods.len(), 3);
        let requests = ["spec", "containers", "0", "resources", "requests"];
        let (p0, p1) = (&pods[0], &pods[1]);
        // Shared: labels, owner reference, the container's resources (with the ReplicaSet's
        // template too).
        assert!(map_at(p0, &requests).shares_entries_with(map_at(p1, &requests)));
        assert!(map_at(p0, &["metadata", "labels"])
            .shares_entries_with(map_at(p1, &["metadata", "labels"])));
        assert!(map_at(p0, &["metadata", "ownerReferences", "0"])
            .shares_entries_with(map_at(p1, &["metadata", "ownerReferences", "0"])));
        let rs_key = w.clusters[KIND]
            .store
            .range("/registry/replicasets/default/")
            .map(|kv| kv.key.clone())
            .next()
            .expect("replicaset");
        let rs = testkit::get(&w, KIND, &rs_key).expect("rs");
        let template_requests = [
            "spec",
            "template",
            "spec",
            "containers",
            "0",
            "resources",
            "requests",
        ];
        assert!(map_at(&rs, &template_requests).shares_entries_with(map_at(p0, &requests)));

        // A change to a copy of one pod, deep inside a shared map, leaves the others alone.
        let mut copy = p0.clone();
        copy.path_mut(&requests).expect("requests").set("cpu", "2");
        copy.path_mut(&["metadata", "labels"])
            .expect("labels")
            .set("app", "changed");
        copy.path_mut(&["metadata", "ownerReferences", "0"])
            .expect("ref")
            .set("name", "other");
        assert_eq!(
            copy.path(&requests).and_then(|r| r.get("cpu")),
            Some(&"2".into())
        );
        let again = testkit::pods(&w, KIND, "default");
        assert_eq!(again, pods, "the stored pods did not change");
        for p in &again {
            assert_eq!(
                p.path(&requests).and_then(|r| r.get("cpu")),
                Some(&"100m".into())
            );
            assert_eq!(p.path(&["metadata", "labels", "app"]), Some(&"web".into()));
        }

        // The same through the API: relabel one pod; its siblings and the template keep theirs.
        let name = p1
            .path(&["metadata", "name"])
            .and_then(Value::as_str)
            .expect("name")
            .to_string();
        let mut relabeled = p1.clone();
        relabeled
            .path_mut(&["metadata", "labels"])
            .expect("labels")
            .set("tier", "front");
        let mut a = w.api(KIND, "kubectl").expect("api");
        a.update(resource_for("pods").expect("res"), relabeled)
            .expect("update");
        for p in testkit::pods(&w, KIND, "default") {
            let tier = p.path(&["metadata", "labels", "tier"]);
            let is_p1 = p.path(&["metadata", "name"]).and_then(Value::as_str) == Some(&name);
            assert_eq!(tier.is_some(), is_p1, "{p:?}");
        }
        let rs_after = testkit::get(&w, KIND, &rs_key).expect("rs");
        assert_eq!(
            rs_after.path(&["spec", "template", "metadata", "labels", "tier"]),
            None
        );
    }
}
