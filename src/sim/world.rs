//! [`World`]: owns every simulated cluster, the virtual clock and the one random generator.
//!
//! Only [`World::step`] moves time forward. Each step runs, for every cluster in name order,
//! the components in this fixed order (so a step is reproducible):
//! 1. etcd housekeeping (compaction every [`COMPACTION_INTERVAL_MS`], like kube-apiserver's;
//!    expiry of Events past their one-hour TTL) and Raft leader election
//!    ([`super::etcd::step`]); if `kube-apiserver` is down, nothing below runs for that cluster
//!    (only its leaders notice they cannot renew, [`super::leader::api_down`]);
//! 2. leader election ([`super::leader`]): the control-plane replicas renew or take the
//!    `kube-system` Leases of kube-scheduler and kube-controller-manager (a leader past its
//!    renew deadline exits and its static pod restarts); the static pods of
//!    stopped components are marked crashing for their kubelet ([`super::mirror`]), and so
//!    are flanneld's on nodes without a usable podCIDR ([`super::flannel`]);
//! 3. kubelets ([`super::kubelet`]): heartbeats, pod lifecycles, container runtime;
//! 4. kube-controller-manager ([`super::controllers`]): every controller's reconcile loop,
//!    if its leader replica is up;
//! 5. kube-scheduler ([`super::scheduler`]): binds pending pods, if its leader is up;
//! 6. cloud-controller-manager ([`super::cloud`], managed clusters only).
//!
//! A component that is down (see [`Cluster::is_up`]) is skipped: that is how faults work.
//!
//! Everything a cluster's API server does is appended to its bounded trace
//! ([`Cluster::trace`]), which the UI animates and the determinism check hashes.

use super::apiserver::ApiServer;
use super::clock::SimTime;
use super::presets::Preset;
use super::rng::SimRng;
use super::store::Store;
use super::value::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// kube-apiserver compacts etcd every 5 minutes by default (`--etcd-compaction-interval`).
pub const COMPACTION_INTERVAL_MS: u64 = 5 * 60 * 1000;
/// How many trace records a cluster keeps (older ones are dropped first).
pub const TRACE_CAPACITY: usize = 4096;

/// One request the API server handled: who asked, what, and the store revision after it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRecord {
    pub at: SimTime,
    pub actor: String,
    pub verb: &'static str,
    pub resource: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    pub revision: i64,
}

/// One simulated Kubernetes cluster: its etcd, its API endpoint and its history.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The name tools give it (`kind-kind`, `minikube`).
    pub name: String,
    /// The API server URL kubeconfig files point at (`https://127.0.0.1:6443`).
    pub server: String,
    pub store: Store,
    /// The Kubernetes version every component reports (`v1.34.0`).
    pub version: String,
    /// Components that are stopped or broken, by name: `kube-scheduler`,
    /// `kube-controller-manager`, `kubelet/<node>`, `containerd/<node>`, `node/<node>` (powered
    /// off), `etcd/<member>`. Everything not listed is running. See [`Cluster::stop`].
    pub down: BTreeSet<String>,
    pub kubelet: super::kubelet::State,
    pub controllers: super::controllers::State,
    pub scheduler: super::scheduler::State,
    /// Leader election of the control-plane components ([`super::leader`]).
    pub leader: super::leader::State,
    /// etcd members and Raft leader ([`super::etcd`]).
    pub etcd: super::etcd::State,
    /// The cloud provider of managed clusters (`gce`); `None` elsewhere, where no
    /// cloud-controller-manager runs (LoadBalancer Services stay `<pending>`).
    pub cloud_provider: Option<String>,
    pub cloud: super::cloud::State,
    /// Event storage keys by a hash of `ns/name, uid, reason, message`, so identical events
    /// aggregate without a scan ([`super::events::record`], which checks the event found).
    pub event_index: BTreeMap<u64, String>,
    /// Its CA and the bearer tokens it accepts ([`super::auth`]).
    pub auth: super::auth::ClusterAuth,
    trace: VecDeque<TraceRecord>,
    /// Total records ever traced (the trace itself is bounded).
    traced_total: u64,
    last_compaction: SimTime,
}

impl Cluster {
    pub fn new(name: &str, server: &str, version: &str) -> Self {
        Cluster {
            name: name.to_string(),
            server: server.to_string(),
            store: Store::new(),
            version: version.to_string(),
            down: BTreeSet::new(),
            kubelet: Default::default(),
            controllers: Default::default(),
            scheduler: Default::default(),
            leader: Default::default(),
            etcd: Default::default(),
            cloud_provider: None,
            cloud: Default::default(),
            event_index: BTreeMap::new(),
            auth: Default::default(),
            trace: VecDeque::new(),
            traced_total: 0,
            last_compaction: SimTime::ZERO,
        }
    }
    /// Is this component running? (`kube-scheduler`, `kubelet/worker-1`, `node/worker-1`...)
    pub fn is_up(&self, component: &str) -> bool {
        !self.down.contains(component)
    }
    /// Stops a component (a fault); it stays down until [`Cluster::start`].
    pub fn stop(&mut self, component: &str) {
        self.down.insert(component.to_string());
    }
    pub fn start(&mut self, component: &str) {
        self.down.remove(component);
    }
    pub fn record(&mut self, rec: TraceRecord) {
        if self.trace.len() == TRACE_CAPACITY {
            self.trace.pop_front();
        }
        self.trace.push_back(rec);
        self.traced_total += 1;
    }
    /// The most recent API requests, oldest first.
    pub fn trace(&self) -> impl Iterator<Item = &TraceRecord> {
        self.trace.iter()
    }
    pub fn traced_total(&self) -> u64 {
        self.traced_total
    }
    /// When etcd was last compacted (saved by `World::export`).
    pub fn last_compaction(&self) -> SimTime {
        self.last_compaction
    }
    /// Restores the counters `World::import` read from a file.
    pub(crate) fn restore_counters(&mut self, traced_total: u64, last_compaction: SimTime) {
        self.traced_total = traced_total;
        self.last_compaction = last_compaction;
    }
}

/// The whole simulation. See the module docs for the order of a step.
#[derive(Debug, Clone)]
pub struct World {
    now: SimTime,
    seed: u64,
    pub rng: SimRng,
    pub clusters: BTreeMap<String, Cluster>,
}

impl World {
    /// A world with one cluster built from `preset`.
    pub fn new(seed: u64, preset: Preset) -> Self {
        let mut world = World::empty(seed);
        preset.install(&mut world);
        world
    }
    /// A world with no cluster at all (machines and tools can create some later).
    pub fn empty(seed: u64) -> Self {
        World {
            now: SimTime::ZERO,
            seed,
            rng: SimRng::new(seed),
            clusters: BTreeMap::new(),
        }
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Sets the clock (only `World::import` does: time otherwise moves with `step`).
    pub(crate) fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    /// The API server of cluster `name`, acting on behalf of `actor`.
    pub fn api<'a>(&'a mut self, cluster: &str, actor: &'a str) -> Option<ApiServer<'a>> {
        let now = self.now;
        let cluster = self.clusters.get_mut(cluster)?;
        Some(ApiServer {
            cluster,
            rng: &mut self.rng,
            now,
            actor,
        })
    }

    /// Advances simulated time by `dt_ms`, running every component in the documented order.
    pub fn step(&mut self, dt_ms: u64) {
        self.now = self.now.plus_ms(dt_ms);
        for cluster in self.clusters.values_mut() {
            if self.now.since_ms(cluster.last_compaction) >= COMPACTION_INTERVAL_MS {
                cluster.last_compaction = self.now;
                super::events::expire(cluster, self.now);
                // Keep one interval of history, as the API server's compactor does.
                let keep_from = cluster.store.revision() - 1000;
                if keep_from > cluster.store.compact_revision() {
                    let _ = cluster.store.compact(keep_from);
                }
            }
        }
        let now = self.now;
        for cluster in self.clusters.values_mut() {
            super::etcd::step(cluster, now);
        }
        let names: Vec<String> = self.clusters.keys().cloned().collect();
        for name in &names {
            // Without an API server no component can read or write anything.
            if self
                .clusters
                .get(name)
                .is_some_and(|c| !c.is_up("kube-apiserver"))
            {
                // ...but leaders notice they cannot renew their Lease.
                super::leader::api_down(self, name);
                continue;
            }
            super::leader::step(self, name);
            super::mirror::step(self, name);
            super::flannel::step(self, name);
            super::kubelet::step(self, name, dt_ms);
            if self
                .clusters
                .get(name)
                .is_some_and(|c| super::leader::acts(c, "kube-controller-manager", now))
            {
                super::controllers::step(self, name, dt_ms);
            }
            if self
                .clusters
                .get(name)
                .is_some_and(|c| super::leader::acts(c, "kube-scheduler", now))
            {
                super::scheduler::step(self, name, dt_ms);
            }
            if self
                .clusters
                .get(name)
                .is_some_and(|c| c.is_up("cloud-controller-manager"))
            {
                super::cloud::step(self, name);
            }
        }
    }

    /// A hash of everything observable (every cluster's objects and revisions, the clock),
    /// to check that the same seed and commands give the same world on every platform.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv::default();
        h.write(&self.now.as_ms().to_le_bytes());
        for (name, c) in &self.clusters {
            h.write(name.as_bytes());
            h.write(&c.store.revision().to_le_bytes());
            for kv in c.store.range("") {
                h.write(kv.key.as_bytes());
                h.write(&kv.mod_revision.to_le_bytes());
                hash_value(&mut h, &kv.value);
            }
        }
        h.0
    }
}

/// FNV-1a: tiny, stable across platforms (unlike `DefaultHasher`, which may change).
pub(crate) struct Fnv(pub(crate) u64);
impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}
impl Fnv {
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) fn hash_value(h: &mut Fnv, v: &Value) {
    match v {
        Value::Null => h.write(b"n"),
        Value::Bool(b) => h.write(if *b { b"t" } else { b"f" }),
        Value::Int(i) => h.write(&i.to_le_bytes()),
        Value::Float(f) => h.write(&f.to_bits().to_le_bytes()),
        Value::Str(s) => {
            h.write(b"s");
            h.write(s.as_bytes());
        }
        Value::Seq(items) => {
            h.write(b"[");
            items.iter().for_each(|i| hash_value(h, i));
        }
        Value::Map(m) => {
            h.write(b"{");
            for (k, v) in m {
                h.write(k.as_bytes());
                hash_value(h, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_hash_different_seed_different_hash() {
        let a = World::new(1, Preset::Kind);
        let b = World::new(1, Preset::Kind);
        let c = World::new(2, Preset::Kind);
        assert_eq!(a.state_hash(), b.state_hash());
        assert_ne!(a.state_hash(), c.state_hash());
    }

    #[test]
    fn step_advances_the_clock_only_by_dt() {
        let mut w = World::new(1, Preset::Kind);
        w.step(250);
        w.step(750);
        assert_eq!(w.now().as_ms(), 1000);
    }
}
