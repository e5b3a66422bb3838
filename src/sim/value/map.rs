//! [`Map`]: the object type of [`super::Value`], a map kept as a vector sorted by key.
//!
//! It has the part of `BTreeMap<String, Value>`'s API the project uses (same names, same
//! sorted iteration), but stores entries contiguously: Kubernetes objects are made of many
//! small maps (2–10 keys), where a B-tree's node allocation (~600 bytes for 11 slots) costs
//! several times the data. Lookups are binary searches; inserts shift (fine for small maps).
//!
//! Keys are interned: a key is a one-word pointer to its text, either in [`KNOWN_KEYS`] (the
//! field names Kubernetes objects are made of) or in a per-thread table of the other keys,
//! kept once each for the program's life (see [`Key`]). An entry is 40 bytes natively
//! instead of 56 plus a heap copy of the key for a `(String, Value)` (a stored pod has ~90
//! entries: 1.5 KB of its 7.3 KB were keys once). Iteration yields keys as `&str`.
//!
//! ```
//! use kubesim::sim::value::{Map, Value};
//! let mut m = Map::new();
//! m.insert("b".into(), Value::Int(2));
//! m.insert("a".into(), Value::Int(1));
//! assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
//! assert_eq!(m.get("b"), Some(&Value::Int(2)));
//! ```

use super::Value;
use crate::sort::SortSmall;
use std::fmt;
use std::sync::Arc;

/// Field names of the objects the simulation stores, sorted (byte order) for binary search:
/// the keys of every object of every preset, counted by `examples`-style walks of the store.
/// Adding one only saves memory; a missing one costs an allocation, never a behaviour.
pub static KNOWN_KEYS: &[&str] = &[
    "addonmanager.kubernetes.io/mode",
    "address",
    "addressType",
    "addresses",
    "affinity",
    "allocatable",
    "allowVolumeExpansion",
    "annotations",
    "apiVersion",
    "architecture",
    "args",
    "availableReplicas",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "blockOwnerDeletion",
    "bootID",
    "ca.crt",
    "capacity",
    "clusterIP",
    "clusterIPs",
    "command",
    "component",
    "conditions",
    "configMap",
    "containerID",
    "containerPort",
    "containerRuntimeVersion",
    "containerStatuses",
    "containers",
    "controller",
    "controller-revision-hash",
    "count",
    "cpu",
    "creationTimestamp",
    "currentNumberScheduled",
    "daemonEndpoints",
    "data",
    "defaultMode",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deployment.kubernetes.io/revision",
    "desiredNumberScheduled",
    "dnsPolicy",
    "downwardAPI",
    "effect",
    "enableServiceLinks",
    "endpoints",
    "endpointslice.kubernetes.io/managed-by",
    "endpointslice.kubernetes.io/skip-mirror",
    "ephemeral-storage",
    "expirationSeconds",
    "fieldPath",
    "fieldRef",
    "finalizers",
    "firstTimestamp",
    "fullyLabeledReplicas",
    "generateName",
    "generation",
    "holderIdentity",
    "host",
    "hostIP",
    "hostIPs",
    "hostNetwork",
    "httpGet",
    "hugepages-1Gi",
    "hugepages-2Mi",
    "image",
    "imageID",
    "imagePullPolicy",
    "images",
    "initialDelaySeconds",
    "internalTrafficPolicy",
    "involvedObject",
    "ip",
    "ipFamilies",
    "ipFamilyPolicy",
    "items",
    "k8s-app",
    "kernelVersion",
    "key",
    "kind",
    "kubeProxyVersion",
    "kubeadm.kubernetes.io/etcd.advertise-client-urls",
    "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint",
    "kubeletEndpoint",
    "kubeletVersion",
    "kubernetes.io/arch",
    "kubernetes.io/cluster-service",
    "kubernetes.io/config.hash",
    "kubernetes.io/config.mirror",
    "kubernetes.io/config.seen",
    "kubernetes.io/config.source",
    "kubernetes.io/description",
    "kubernetes.io/hostname",
    "kubernetes.io/metadata.name",
    "kubernetes.io/name",
    "kubernetes.io/os",
    "kubernetes.io/service-name",
    "labels",
    "lastHeartbeatTime",
    "lastProbeTime",
    "lastState",
    "lastTimestamp",
    "lastTransitionTime",
    "lastUpdateTime",
    "leaseDurationSeconds",
    "livenessProbe",
    "loadBalancer",
    "machineID",
    "matchFields",
    "matchLabels",
    "maxSurge",
    "maxUnavailable",
    "memory",
    "message",
    "metadata",
    "mountPath",
    "name",
    "names",
    "namespace",
    "node-role.kubernetes.io/control-plane",
    "node.kubernetes.io/instance-type",
    "nodeAffinity",
    "nodeInfo",
    "nodeName",
    "nodeSelector",
    "nodeSelectorTerms",
    "numberAvailable",
    "numberMisscheduled",
    "numberReady",
    "observedGeneration",
    "operatingSystem",
    "operator",
    "osImage",
    "ownerReferences",
    "parameters",
    "path",
    "phase",
    "pod-template-generation",
    "pod-template-hash",
    "podCIDR",
    "podCIDRs",
    "podIP",
    "podIPs",
    "pods",
    "port",
    "ports",
    "preemptionPolicy",
    "priority",
    "priorityClassName",
    "progressDeadlineSeconds",
    "projected",
    "protocol",
    "provider",
    "providerID",
    "provisioner",
    "qosClass",
    "readOnly",
    "readinessProbe",
    "ready",
    "readyReplicas",
    "reason",
    "reclaimPolicy",
    "renewTime",
    "replicas",
    "reportingComponent",
    "reportingInstance",
    "requests",
    "requiredDuringSchedulingIgnoredDuringExecution",
    "resourceVersion",
    "resources",
    "restartCount",
    "restartPolicy",
    "revisionHistoryLimit",
    "rollingUpdate",
    "running",
    "schedulerName",
    "scheme",
    "securityContext",
    "selector",
    "serviceAccount",
    "serviceAccountName",
    "serviceAccountToken",
    "serving",
    "sessionAffinity",
    "sizeBytes",
    "source",
    "sources",
    "spec",
    "startTime",
    "started",
    "startedAt",
    "state",
    "status",
    "storageclass.kubernetes.io/is-default-class",
    "strategy",
    "subsets",
    "systemUUID",
    "taints",
    "targetPort",
    "targetRef",
    "template",
    "terminating",
    "terminationGracePeriodSeconds",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tolerationSeconds",
    "tolerations",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "type",
    "uid",
    "updateStrategy",
    "updatedNumberScheduled",
    "updatedReplicas",
    "values",
    "volumeBindingMode",
    "volumeMounts",
    "volumes",
];

/// A map key (opaque; read it as `&str`): a thin pointer to its text, which lives either in
/// [`KNOWN_KEYS`] or in this thread's table of other keys ([`intern`]). One word instead of
/// the two of a boxed string: an entry is 40 bytes natively instead of 48 (wasm32: 24 either
/// way, alignment), and a key is copied, never allocated, when a map is cloned.
#[derive(Clone, Copy)]
pub struct Key(&'static &'static str);

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        // Each thread interns on its own: equal texts may sit at two addresses.
        std::ptr::eq(self.0, other.0) || *self.0 == *other.0
    }
}
impl Eq for Key {}

/// `have.cmp(wanted)`, deciding on the first byte inline when it differs (see [`Map::find`]).
#[inline]
fn first_byte_cmp(have: &str, wanted: &str) -> std::cmp::Ordering {
    match (have.as_bytes().first(), wanted.as_bytes().first()) {
        (Some(a), Some(b)) if a != b => a.cmp(b),
        _ => have.cmp(wanted),
    }
}

/// The index of `s` in [`KNOWN_KEYS`] (every `set` of a field looks its key up here).
fn known_key(s: &str) -> Result<usize, usize> {
    KNOWN_KEYS.binary_search_by(|k| first_byte_cmp(k, s))
}

impl Key {
    fn new(s: &str) -> Key {
        match known_key(s) {
            Ok(i) => Key(&KNOWN_KEYS[i]),
            Err(_) => Key(intern(s)),
        }
    }
    fn from_string(s: String) -> Key {
        Key::new(&s)
    }
    fn as_str(&self) -> &'static str {
        self.0
    }
    /// Whether this key is one of [`KNOWN_KEYS`] (tests).
    #[cfg(test)]
    fn is_known(&self) -> bool {
        KNOWN_KEYS
            .binary_search(self.0)
            .is_ok_and(|i| std::ptr::eq(&KNOWN_KEYS[i], self.0))
    }
}

/// The one copy of a key outside [`KNOWN_KEYS`] for this thread, made on first use and kept
/// for the life of the program: keys are field names, labels and data keys, of which a
/// session sees a bounded set (what a user types, what presets and lessons bring), so the
/// table only grows with new names, never with objects (a million pods labelled `app` hold
/// one `app`).
fn intern(s: &str) -> &'static &'static str {
    thread_local! {
        // A BTreeMap like everything else here (no hasher code in the wasm for this).
        static TABLE: std::cell::RefCell<std::collections::BTreeMap<&'static str, &'static &'static str>> =
            const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
    }
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if let Some(k) = table.get(s) {
            return *k;
        }
        let text: &'static str = Box::leak(Box::<str>::from(s));
        let key: &'static &'static str = Box::leak(Box::new(text));
        table.insert(text, key);
        key
    })
}

#[derive(Clone, Default)]
pub struct Map {
    entries: Entries,
}

/// Own entries, or entries shared with other maps (see [`Map::shared`]): a shared map is
/// copied into an owned one on its first change, so sharing never shows in behaviour.
#[derive(Clone)]
enum Entries {
    Own(Vec<Pair>),
    Shared(Arc<[Pair]>),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::Own(Vec::new())
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        // Two revisions of a stored object share their unchanged subtrees: comparing them
        // (did a write change anything?) must not walk those.
        if let (Entries::Shared(a), Entries::Shared(b)) = (&self.entries, &other.entries) {
            if Arc::ptr_eq(a, b) {
                return true;
            }
        }
        self.v() == other.v()
    }
}

type Pair = (Key, Value);
pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, Pair>, fn(&'a Pair) -> (&'a str, &'a Value)>;
pub type IterMut<'a> =
    std::iter::Map<std::slice::IterMut<'a, Pair>, fn(&'a mut Pair) -> (&'a str, &'a mut Value)>;
pub type IntoIter = std::iter::Map<std::vec::IntoIter<Pair>, fn(Pair) -> (String, Value)>;

fn owned((k, v): Pair) -> (String, Value) {
    (k.as_str().to_string(), v)
}

impl Map {
    pub const fn new() -> Self {
        Map {
            entries: Entries::Own(Vec::new()),
        }
    }
    /// This map, made cheap to clone: every clone shares one copy of the entries until it is
    /// changed. For the subtrees the API server adds to every object alike (a pod's default
    /// tolerations, its service-account token volume), which would otherwise cost each pod
    /// ~1.4 KB.
    pub fn shared(self) -> Map {
        let entries = match self.entries {
            Entries::Own(v) => Entries::Shared(v.into()),
            shared => shared,
        };
        Map { entries }
    }
    /// Whether this map's entries are shared ([`Map::shared`]) rather than owned.
    pub fn is_shared(&self) -> bool {
        matches!(self.entries, Entries::Shared(_))
    }
    /// [`Map::shared`] all the way down: this map and every map below it (inside sequences
    /// too) become shared, so a clone of the tree costs one reference count, and a change
    /// deep inside a clone copies only the maps on the path to it (each copy shares the rest).
    /// For pod templates, whose labels, containers, ports and resources every pod created
    /// from them holds unchanged. Empty maps stay unshared: they own no allocation.
    pub fn shared_deep(mut self) -> Map {
        match &mut self.entries {
            Entries::Own(v) if v.is_empty() => self,
            Entries::Own(v) => {
                for (_, value) in v.iter_mut() {
                    value.share_deep();
                }
                self.shared()
            }
            // Already shared: what is below was shared when it was made (or is unchanged).
            Entries::Shared(_) => self,
        }
    }
    /// Whether both maps hold one shared copy of their entries (see [`Map::shared`]): what
    /// tests check to prove that objects share memory.
    pub fn shares_entries_with(&self, other: &Map) -> bool {
        matches!((&self.entries, &other.entries), (Entries::Shared(a), Entries::Shared(b)) if Arc::ptr_eq(a, b))
    }
    /// Heap bytes of this map's entries and everything below them, each shared copy
    /// counted once across calls that pass the same `seen` (its address goes there): what
    /// memory tests and the benchmark's per-pod breakdown read. Allocator overhead is not
    /// counted.
    pub fn heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> usize {
        match self.own_heap_bytes(seen) {
            Some(own) => own + self.values().map(|v| v.heap_bytes(seen)).sum::<usize>(),
            None => 0,
        }
    }
    /// The bytes of this map's own allocation (entries by capacity, a shared one's
    /// reference counts) and of its keys, without the values; `None` for a shared copy
    /// already in `seen` (counted before).
    pub fn own_heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> Option<usize> {
        let entries = match &self.entries {
            Entries::Own(v) => v.capacity() * std::mem::size_of::<Pair>(),
            Entries::Shared(a) => {
                if !seen.insert(Arc::as_ptr(a) as *const u8 as usize) {
                    return None;
                }
                2 * std::mem::size_of::<usize>() + a.len() * std::mem::size_of::<Pair>()
            }
        };
        // Keys are interned: they cost their map nothing ([`intern`]).
        Some(entries)
    }
    fn v(&self) -> &[Pair] {
        match &self.entries {
            Entries::Own(v) => v,
            Entries::Shared(v) => v,
        }
    }
    fn v_mut(&mut self) -> &mut Vec<Pair> {
        if let Entries::Shared(v) = &self.entries {
            self.entries = Entries::Own(v.to_vec());
        }
        match &mut self.entries {
            Entries::Own(v) => v,
            Entries::Shared(_) => unreachable!("made owned just above"),
        }
    }
    fn into_vec(self) -> Vec<Pair> {
        match self.entries {
            Entries::Own(v) => v,
            Entries::Shared(v) => v.to_vec(),
        }
    }
    fn find(&self, key: &str) -> Result<usize, usize> {
        // Most keys of one map differ in their first byte (`metadata`/`spec`/`status`):
        // deciding on it inline skips a call to the C library's `memcmp` per probe, which
        // was a fifth of the `running` benchmark. Same order as `str::cmp` (bytes).
        self.v()
            .binary_search_by(|(k, _)| first_byte_cmp(k.as_str(), key))
    }
    pub fn len(&self) -> usize {
        self.v().len()
    }
    pub fn is_empty(&self) -> bool {
        self.v().is_empty()
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.v()[i].1)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.find(key).ok().map(|i| &mut self.v_mut()[i].1)
    }
    pub fn get_key_value(&self, key: &str) -> Option<(&str, &Value)> {
        self.find(key)
            .ok()
            .map(|i| (self.v()[i].0.as_str(), &self.v()[i].1))
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }
    /// Inserts, returning the previous value of the key.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.find(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.v_mut()[i].1, value)),
            Err(i) => {
                self.v_mut().insert(i, (Key::from_string(key), value));
                None
            }
        }
    }
    /// [`Map::insert`] with a borrowed key: allocates only for a new key outside
    /// [`KNOWN_KEYS`].
    pub fn insert_str(&mut self, key: &str, value: Value) -> Option<Value> {
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.v_mut()[i].1, value)),
            Err(i) => {
                self.v_mut().insert(i, (Key::new(key), value));
                None
            }
        }
    }
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|i| self.v_mut().remove(i).1)
    }
    pub fn remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        self.find(key).ok().map(|i| owned(self.v_mut().remove(i)))
    }
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        match self.find(key.as_str()) {
            Ok(i) => Entry::Occupied(OccupiedEntry {
                map: self,
                index: i,
            }),
            Err(i) => Entry::Vacant(VacantEntry {
                map: self,
                index: i,
                key: Key::from_string(key),
            }),
        }
    }
    /// [`Map::entry`] with a borrowed key (allocates only for a new key outside the table).
    pub fn entry_str(&mut self, key: &str) -> Entry<'_> {
        match self.find(key) {
            Ok(i) => Entry::Occupied(OccupiedEntry {
                map: self,
                index: i,
            }),
            Err(i) => Entry::Vacant(VacantEntry {
                map: self,
                index: i,
                key: Key::new(key),
            }),
        }
    }
    pub fn iter(&self) -> Iter<'_> {
        self.v().iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.v_mut().iter_mut().map(|(k, v)| (k.as_str(), v))
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        self.v().iter().map(|(k, _)| k.as_str())
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + '_ {
        self.v().iter().map(|(_, v)| v)
    }
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator + '_ {
        self.v_mut().iter_mut().map(|(_, v)| v)
    }
    pub fn into_keys(self) -> impl Iterator<Item = String> {
        self.into_iter().map(|(k, _)| k)
    }
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.into_vec().into_iter().map(|(_, v)| v)
    }
    pub fn retain(&mut self, mut f: impl FnMut(&str, &mut Value) -> bool) {
        self.v_mut().retain_mut(|(k, v)| f(k.as_str(), v));
    }
    pub fn clear(&mut self) {
        self.entries = Entries::default();
    }
    pub fn first_key_value(&self) -> Option<(&str, &Value)> {
        self.v().first().map(|(k, v)| (k.as_str(), v))
    }
    pub fn last_key_value(&self) -> Option<(&str, &Value)> {
        self.v().last().map(|(k, v)| (k.as_str(), v))
    }
    /// Moves every entry of `other` into `self` (overwriting equal keys), like BTreeMap's.
    pub fn append(&mut self, other: &mut Map) {
        for (k, v) in std::mem::take(other).into_vec() {
            match self.find(k.as_str()) {
                Ok(i) => self.v_mut()[i].1 = v,
                Err(i) => self.v_mut().insert(i, (k, v)),
            }
        }
    }
}

pub enum Entry<'a> {
    Occupied(OccupiedEntry<'a>),
    Vacant(VacantEntry<'a>),
}
pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    index: usize,
}
pub struct VacantEntry<'a> {
    map: &'a mut Map,
    index: usize,
    key: Key,
}

impl<'a> Entry<'a> {
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }
    pub fn or_insert_with(self, f: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(o) => &mut o.map.v_mut()[o.index].1,
            Entry::Vacant(v) => {
                v.map.v_mut().insert(v.index, (v.key, f()));
                &mut v.map.v_mut()[v.index].1
            }
        }
    }
    pub fn or_default(self) -> &'a mut Value {
        self.or_insert_with(|| Value::Null)
    }
    pub fn key(&self) -> &str {
        match self {
            Entry::Occupied(o) => o.map.v()[o.index].0.as_str(),
            Entry::Vacant(v) => v.key.as_str(),
        }
    }
    pub fn and_modify(self, f: impl FnOnce(&mut Value)) -> Self {
        match self {
            Entry::Occupied(o) => {
                f(&mut o.map.v_mut()[o.index].1);
                Entry::Occupied(o)
            }
            vacant => vacant,
        }
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut entries: Vec<Pair> = iter
            .into_iter()
            .map(|(k, v)| (Key::from_string(k), v))
            .collect();
        // Stable sort + keep the LAST of equal keys, like inserting one by one would.
        entries.sort_small_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let mut out: Vec<Pair> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        Map {
            entries: Entries::Own(out),
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Map {
    fn from(arr: [(String, Value); N]) -> Self {
        arr.into_iter().collect()
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        self.into_vec().into_iter().map(owned)
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a str, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    /// Panics on a missing key, like `BTreeMap`: use `get` on anything user-controlled.
    fn index(&self, key: &str) -> &Value {
        self.get(key).expect("no entry found for key") // ok: same contract as BTreeMap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_btreemap() {
        let mut m = Map::new();
        assert_eq!(m.insert("b".into(), Value::Int(1)), None);
        assert_eq!(m.insert("a".into(), Value::Int(2)), None);
        assert_eq!(m.insert("b".into(), Value::Int(3)), Some(Value::Int(1)));
        assert_eq!(m.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
        *m.entry("c".into()).or_insert(Value::Null) = Value::Bool(true);
        m.entry("a".into()).and_modify(|v| *v = Value::Int(9));
        assert_eq!(m.get("a"), Some(&Value::Int(9)));
        assert_eq!(m.remove("b"), Some(Value::Int(3)));
        assert!(!m.contains_key("b") && m.len() == 2);
        let collected: Map = [
            ("z".to_string(), Value::Int(1)),
            ("y".into(), Value::Int(2)),
            ("z".into(), Value::Int(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            collected
                .iter()
                .map(|(k, v)| (k, v.clone()))
                .collect::<Vec<_>>(),
            [("y", Value::Int(2)), ("z", Value::Int(3))]
        );
        m.retain(|k, _| k != "c");
        assert_eq!(format!("{m:?}"), "{\"a\": Int(9)}");
        for (_, v) in &mut m {
            *v = Value::Null;
        }
        assert_eq!(m["a"], Value::Null);
    }

    #[test]
    fn known_keys_are_sorted_unique_and_indexable() {
        assert!(
            KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]),
            "sort KNOWN_KEYS (byte order)"
        );
        assert!(KNOWN_KEYS.len() <= usize::from(u16::MAX));
        // A known key points into the table and reads back as itself; another key is one
        // copy per thread, however many maps hold it.
        assert!(Key::new("metadata").is_known());
        assert_eq!(Key::new("metadata").as_str(), "metadata");
        let (a, b) = (Key::from_string("x-custom".into()), Key::new("x-custom"));
        assert!(!a.is_known() && std::ptr::eq(a.0, b.0) && a == b);
        assert_eq!(a.as_str(), "x-custom");
        // Interning must not change order: known and other keys sort as strings together.
        let mut m = Map::new();
        for k in ["spec", "zz-user", "apiVersion", "Zebra", "kind", "metadatb"] {
            m.insert_str(k, Value::Null);
        }
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["Zebra", "apiVersion", "kind", "metadatb", "spec", "zz-user"]
        );
        let owned: Vec<String> = m.clone().into_keys().collect();
        assert_eq!(owned, m.keys().collect::<Vec<_>>());
        #[cfg(target_pointer_width = "64")]
        assert_eq!(std::mem::size_of::<Pair>(), 40);
    }

    #[test]
    fn shared_maps_behave_like_copies() {
        let mut base = Map::new();
        base.insert_str("effect", Value::from("NoExecute"));
        base.insert_str("key", Value::from("node.kubernetes.io/not-ready"));
        let shared = base.clone().shared();
        let (mut a, b) = (shared.clone(), shared.clone());
        assert!(
            matches!((&a.entries, &b.entries), (Entries::Shared(x), Entries::Shared(y)) if Arc::ptr_eq(x, y))
        );
        assert_eq!(a, base, "equality ignores sharing");
        a.insert_str("operator", Value::from("Exists"));
        *a.get_mut("effect").unwrap() = Value::from("NoSchedule");
        assert_eq!(b, base, "a change to one copy leaves the others alone");
        assert_eq!(a.keys().collect::<Vec<_>>(), ["effect", "key", "operator"]);
        assert_eq!(b.clone().into_keys().count(), 2);
        // Deep sharing: a change far down one copy copies only its path; the others keep
        // the old values, the untouched siblings stay shared.
        let mut tree = Map::new();
        let mut inner = Map::new();
        inner.insert_str("cpu", Value::from("100m"));
        let mut sibling = Map::new();
        sibling.insert_str("containerPort", Value::Int(80));
        tree.insert_str("requests", Value::Map(inner));
        tree.insert_str("ports", Value::Seq(vec![Value::Map(sibling)].into()));
        tree.insert_str("empty", Value::map());
        let plain = tree.clone();
        let shared = tree.shared_deep();
        let (mut c, d) = (shared.clone(), shared.clone());
        if let Some(Value::Map(r)) = c.get_mut("requests") {
            r.insert_str("cpu", Value::from("2"));
        }
        assert_eq!(d, plain, "the other copy is unchanged");
        assert_eq!(shared, plain, "the original is unchanged");
        assert_eq!(
            c.get("requests").and_then(|r| r.get("cpu")),
            Some(&Value::from("2"))
        );
        let ports = |m: &Map| match m.get("ports") {
            Some(Value::Seq(s)) => match &s[0] {
                Value::Map(p) => match &p.entries {
                    Entries::Shared(a) => Some(Arc::as_ptr(a) as *const u8),
                    Entries::Own(_) => None,
                },
                _ => None,
            },
            _ => None,
        };
        assert!(
            ports(&c).is_some() && ports(&c) == ports(&d),
            "siblings stay shared"
        );
        assert!(matches!(
            c.get("empty"),
            Some(Value::Map(Map {
                entries: Entries::Own(_)
            }))
        ));
        // Sharing must not make values bigger.
        assert!(std::mem::size_of::<Value>() <= 4 * std::mem::size_of::<usize>());
    }
}
