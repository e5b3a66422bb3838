//! [`World`]: owns every simulated cluster, the virtual clock and the one random generator.
//!
//! Only [`World::step`] moves time forward (whole, or in slices: [`World::begin_step`] and
//! [`World::run_step_while`], one unit of work at a time, with the same result). Each step
//! runs, for every cluster in name order, the components in this fixed order (so a step is
//! reproducible):
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
    /// The step begun by [`World::begin_step`] and not finished yet.
    in_step: Option<Box<StepCursor>>,
}

/// Where a step in progress stands: the cluster and the unit of work to run next.
#[derive(Debug, Clone, PartialEq)]
struct StepCursor {
    dt_ms: u64,
    /// The step's end, the time every unit runs at (as in a whole step).
    now: SimTime,
    /// The clusters when the step began, in name order.
    names: Vec<String>,
    /// Index in `names` of the cluster being stepped (`names.len()`: the step is over).
    cluster: usize,
    unit: Unit,
    /// The nodes the kubelet round ticks (from [`super::kubelet::begin`]).
    nodes: Vec<String>,
}

impl StepCursor {
    fn next_cluster(&mut self) {
        self.cluster += 1;
        self.unit = Unit::Leader;
    }
}

/// The units of a step, in order (see the module docs). Housekeeping is one unit for all
/// clusters; the others repeat per cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Housekeeping,
    /// Leader election, mirror pods and flanneld (after checking the API server is up).
    Leader,
    KubeletBegin,
    /// The kubelet of the n-th node (of [`StepCursor::nodes`]).
    KubeletNode(usize),
    /// One due pod per unit, until none is due.
    KubeletDue,
    Controllers,
    Scheduler,
    Cloud,
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
            in_step: None,
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
    /// A step in progress is finished first: requests see whole steps only.
    pub fn api<'a>(&'a mut self, cluster: &str, actor: &'a str) -> Option<ApiServer<'a>> {
        self.finish_step();
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
    /// (A step begun with [`World::begin_step`] and not finished is finished first.)
    pub fn step(&mut self, dt_ms: u64) {
        self.begin_step(dt_ms);
        self.finish_step();
    }

    /// Starts a step of `dt_ms` without running it: the clock moves now, the components run
    /// in [`World::run_step_while`], a few units at a time, so a caller with a frame budget
    /// (the web app) never blocks for a whole step. Nothing else may touch the world until
    /// the step is finished: [`World::api`] and [`World::step`] finish it first, and the UI
    /// finishes it before any command. Sliced or whole, a step gives the same world.
    pub fn begin_step(&mut self, dt_ms: u64) {
        self.finish_step();
        self.now = self.now.plus_ms(dt_ms);
        self.in_step = Some(Box::new(StepCursor {
            dt_ms,
            now: self.now,
            names: self.clusters.keys().cloned().collect(),
            cluster: 0,
            unit: Unit::Housekeeping,
            nodes: Vec::new(),
        }));
    }

    /// Is a step begun and not finished?
    pub fn stepping(&self) -> bool {
        self.in_step.is_some()
    }

    /// Runs the step in progress one unit of work at a time (a component of one cluster, one
    /// node's kubelet, one due pod), asking `more()` after each unit whether to go on.
    /// Returns `true` when no step is in progress any more. The sim has no wall clock:
    /// `more` is the caller's budget.
    pub fn run_step_while(&mut self, mut more: impl FnMut() -> bool) -> bool {
        // Taken out while it runs, so the components' own `api()` calls see no step pending.
        let Some(mut cursor) = self.in_step.take() else {
            return true;
        };
        loop {
            if !self.run_unit(&mut cursor) {
                return true;
            }
            if !more() {
                self.in_step = Some(cursor);
                return false;
            }
        }
    }

    /// Runs the rest of the step in progress, if any.
    pub fn finish_step(&mut self) {
        self.run_step_while(|| true);
    }

    /// Runs the unit of work `cursor` points at and moves it to the next one. Returns `false`
    /// when the step is over (nothing was left to run). The order is the module docs' order.
    fn run_unit(&mut self, cur: &mut StepCursor) -> bool {
        let now = cur.now;
        let dt_ms = cur.dt_ms;
        loop {
            let Some(name) = cur.names.get(cur.cluster).cloned() else {
                if cur.unit != Unit::Housekeeping {
                    return false;
                }
                // Housekeeping covers every cluster at once (even with none, it is a unit).
                self.housekeeping(now);
                cur.unit = Unit::Leader;
                return true;
            };
            match cur.unit {
                Unit::Housekeeping => {
                    self.housekeeping(now);
                    cur.unit = Unit::Leader;
                    return true;
                }
                Unit::Leader => {
                    // Without an API server no component can read or write anything.
                    if !self
                        .clusters
                        .get(&name)
                        .is_some_and(|c| c.is_up("kube-apiserver"))
                    {
                        // ...but leaders notice they cannot renew their Lease.
                        super::leader::api_down(self, &name);
                        cur.next_cluster();
                        return true;
                    }
                    super::leader::step(self, &name);
                    super::mirror::step(self, &name);
                    super::flannel::step(self, &name);
                    cur.unit = Unit::KubeletBegin;
                    return true;
                }
                Unit::KubeletBegin => {
                    cur.nodes = super::kubelet::begin(self, &name, now);
                    cur.unit = Unit::KubeletNode(0);
                    return true;
                }
                Unit::KubeletNode(i) => {
                    let Some(node) = cur.nodes.get(i) else {
                        cur.nodes.clear();
                        cur.unit = Unit::KubeletDue;
                        continue;
                    };
                    super::kubelet::node_tick(self, &name, node, now);
                    cur.unit = Unit::KubeletNode(i + 1);
                    return true;
                }
                Unit::KubeletDue => {
                    if super::kubelet::advance_next(self, &name, now) {
                        return true;
                    }
                    cur.unit = Unit::Controllers;
                    continue;
                }
                Unit::Controllers => {
                    cur.unit = Unit::Scheduler;
                    if self
                        .clusters
                        .get(&name)
                        .is_some_and(|c| super::leader::acts(c, "kube-controller-manager", now))
                    {
                        super::controllers::step(self, &name, dt_ms);
                        return true;
                    }
                }
                Unit::Scheduler => {
                    cur.unit = Unit::Cloud;
                    if self
                        .clusters
                        .get(&name)
                        .is_some_and(|c| super::leader::acts(c, "kube-scheduler", now))
                    {
                        super::scheduler::step(self, &name, dt_ms);
                        return true;
                    }
                }
                Unit::Cloud => {
                    cur.next_cluster();
                    if self
                        .clusters
                        .get(&name)
                        .is_some_and(|c| c.is_up("cloud-controller-manager"))
                    {
                        super::cloud::step(self, &name);
                        return true;
                    }
                }
            }
        }
    }

    /// Step 1 of the module docs for every cluster: compaction, Event expiry, etcd.
    fn housekeeping(&mut self, now: SimTime) {
        for cluster in self.clusters.values_mut() {
            if now.since_ms(cluster.last_compaction) >= COMPACTION_INTERVAL_MS {
                cluster.last_compaction = now;
                super::events::expire(cluster, now);
                // Keep one interval of history, as the API server's compactor does.
                let keep_from = cluster.store.revision() - 1000;
                if keep_from > cluster.store.compact_revision() {
                    let _ = cluster.store.compact(keep_from);
                }
            }
        }
        for cluster in self.clusters.values_mut() {
            super::etcd::step(cluster, now);
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

    /// Runs one step of `dt_ms` in slices of `every` units; returns how many slices it took.
    fn sliced_step(w: &mut World, dt_ms: u64, every: usize) -> usize {
        w.begin_step(dt_ms);
        let mut units = 0;
        let mut slices = 1;
        while !w.run_step_while(|| {
            units += 1;
            units % every != 0
        }) {
            assert!(w.stepping());
            slices += 1;
        }
        assert!(!w.stepping());
        slices
    }

    /// Two clusters (kind with a Deployment, extra nodes and bare pods, a crashing pod; and
    /// minikube), then a scenario of `secs` steps of 100 ms with a pod deletion and a worker
    /// power cycle, each step run by `step(world, index)`. Returns the hash after every phase.
    fn scenario(mut step: impl FnMut(&mut World, usize)) -> Vec<u64> {
        use super::super::api::resource_for_kind;
        use super::super::faults::{self, Fault};
        use super::super::scenario::deployment;
        let mut w = World::new(7, Preset::Kind);
        Preset::Minikube.install(&mut w);
        assert_eq!(w.clusters.len(), 2);
        let c = "kind-kind";
        crate::bench::add_nodes(&mut w, c, 5);
        let (dep, pod) = (
            resource_for_kind("Deployment").unwrap(),
            resource_for_kind("Pod").unwrap(),
        );
        {
            let mut api = w.api(c, "kubectl").unwrap();
            api.create(dep, deployment("web", "nginx:1.27", 6)).unwrap();
            for i in 0..40 {
                let mut p = crate::bench::pending_pod("default", &format!("bare-{i:02}"));
                p.path_mut_or_insert(&["spec"])
                    .set("nodeName", format!("bench-node-{:05}", i % 5));
                api.create(pod, p).unwrap();
            }
        }
        let mut hashes = Vec::new();
        let mut i = 0;
        let mut run = |w: &mut World, steps: usize, hashes: &mut Vec<u64>| {
            for _ in 0..steps {
                step(w, i);
                i += 1;
            }
            hashes.push(w.state_hash());
        };
        run(&mut w, 150, &mut hashes);
        w.api(c, "kubectl")
            .unwrap()
            .delete(pod, Some("default"), "bare-03")
            .unwrap();
        run(&mut w, 100, &mut hashes);
        faults::apply(&mut w, c, &Fault::PowerOff("kind-worker".into())).unwrap();
        run(&mut w, 600, &mut hashes);
        faults::apply(&mut w, c, &Fault::PowerOn("kind-worker".into())).unwrap();
        run(&mut w, 300, &mut hashes);
        let running = super::super::scenario::count_pods(&w, c, "default", "", "Running");
        assert!(running >= 40, "the scenario should run its pods: {running}");
        hashes
    }

    #[test]
    fn a_step_run_in_slices_gives_the_same_world_as_a_whole_step() {
        let whole = scenario(|w, _| w.step(100));
        let mut slices = 0;
        let mut steps = 0;
        let sliced = scenario(|w, i| {
            // Slices of 1, 2, 3, 5 and 8 units: every unit boundary gets cut somewhere.
            slices += sliced_step(w, 100, [1, 2, 3, 5, 8][i % 5]);
            steps += 1;
        });
        assert_eq!(whole, sliced);
        // About 20 units a step (9 kubelets, components of two clusters, due pods) cut in
        // slices of 3.8 units on average: the steps were really cut.
        assert!(slices > 5 * steps, "{slices} slices for {steps} steps");
    }

    #[test]
    fn requests_and_steps_finish_the_step_in_progress_first() {
        let mut whole = World::new(3, Preset::Kind);
        whole.step(100);
        whole.step(100);
        let mut w = World::new(3, Preset::Kind);
        w.begin_step(100);
        assert!(!w.run_step_while(|| false), "one unit, then stop");
        assert!(w.stepping());
        // The clock moved at the start of the step: what a user sees is the step's end.
        assert_eq!(w.now().as_ms(), 100);
        // A step begun while one is in progress finishes it first.
        w.begin_step(100);
        assert_eq!(w.now().as_ms(), 200);
        w.run_step_while(|| false);
        assert!(w.stepping());
        // An API request (a kubectl command) sees whole steps only.
        assert!(w.api("kind-kind", "kubectl").is_some());
        assert!(!w.stepping());
        assert_eq!(w.state_hash(), whole.state_hash());
        // Nothing in progress: running does nothing and says the step is over.
        assert!(w.run_step_while(|| true));
        assert_eq!(w.state_hash(), whole.state_hash());
    }
}
