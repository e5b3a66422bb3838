//! Benchmark workloads, shared by the native runner (`benches/kubesim.rs`) and the wasm32 one
//! (`tests/wasm_bench.rs`, run in Node.js or headless Chromium), so both report the same
//! figures. `bash .ci/bench` runs both and prints one table (see BENCHMARKS.md).
//!
//! Each workload takes a [`Probe`]: a clock (milliseconds: `Instant` natively,
//! `performance.now()` in wasm) and the live heap bytes of a [`CountingAlloc`] the
//! binary installed as its global allocator. Results are [`Row`]s with the target beside the
//! figure; a workload that needs a component not on this branch yet reports `n/a (why)`
//! instead of a number.
//!
//! ```
//! use kubesim::bench::{self, Probe};
//! let start = std::time::Instant::now();
//! let clock = move || start.elapsed().as_secs_f64() * 1000.0;
//! let probe = Probe { clock: &clock, live_bytes: &|| 0 };
//! let row = bench::list_pods(&probe, 100, 5.0);
//! assert!(row.value.is_some());
//! ```

use crate::sim::api::{self, resource_for};
use crate::sim::store::Store;
use crate::sim::value::Value;
use crate::sim::{presets::Preset, World};
use crate::term::Terminal;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What a workload measures with.
pub struct Probe<'a> {
    /// Milliseconds since some fixed point.
    pub clock: &'a dyn Fn() -> f64,
    /// Bytes currently allocated (0 when the binary did not install [`CountingAlloc`]).
    pub live_bytes: &'a dyn Fn() -> usize,
}

/// A global allocator that counts live and peak bytes (`layout.size()`, so allocator overhead
/// is not included). Install it with `#[global_allocator]` in a benchmark binary.
pub struct CountingAlloc;
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        note_peak(live);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let grow = new_size - layout.size();
            let live = LIVE_BYTES.fetch_add(grow, Ordering::Relaxed) + grow;
            note_peak(live);
        } else {
            LIVE_BYTES.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// A plain load and a rare store instead of `fetch_max`'s compare-and-swap loop on every
/// allocation (the benchmarks are single-threaded; a lost race only misses a peak by a hair).
#[inline]
fn note_peak(live: usize) {
    if live > PEAK_BYTES.load(Ordering::Relaxed) {
        PEAK_BYTES.store(live, Ordering::Relaxed);
    }
}

/// Live bytes counted by [`CountingAlloc`].
pub fn live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}
/// Peak live bytes since the last [`reset_peak`].
pub fn peak_bytes() -> usize {
    PEAK_BYTES.load(Ordering::Relaxed)
}
pub fn reset_peak() {
    PEAK_BYTES.store(live_bytes(), Ordering::Relaxed);
}

/// One line of the benchmark table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    /// `None`: not measurable on this build (see `note`).
    pub value: Option<f64>,
    pub unit: &'static str,
    /// The target, e.g. `>= 500000` or `<= 5`; empty when the figure is reported for scale.
    pub target: String,
    pub met: Option<bool>,
    /// Why a value is missing, or what else was seen (heap at start/end...).
    pub note: String,
    /// What ran it when not this process (the wasm runner sets `node 20.20.2`,
    /// `chromium 156.0...`); empty for native rows.
    pub engine: String,
}

impl Row {
    pub fn at_least(name: &str, value: f64, unit: &'static str, target: f64) -> Row {
        Row {
            name: name.into(),
            value: Some(value),
            unit,
            target: format!(">= {target}"),
            met: Some(value >= target),
            note: String::new(),
            engine: String::new(),
        }
    }
    pub fn at_most(name: &str, value: f64, unit: &'static str, target: f64) -> Row {
        Row {
            name: name.into(),
            value: Some(value),
            unit,
            target: format!("<= {target}"),
            met: Some(value <= target),
            note: String::new(),
            engine: String::new(),
        }
    }
    /// A figure without a target (reported for scale).
    pub fn info(name: &str, value: f64, unit: &'static str) -> Row {
        Row {
            name: name.into(),
            value: Some(value),
            unit,
            target: String::new(),
            met: None,
            note: String::new(),
            engine: String::new(),
        }
    }
    /// A figure that cannot be measured on this build, and why.
    pub fn not_available(name: &str, unit: &'static str, target: &str, why: &str) -> Row {
        Row {
            name: name.into(),
            value: None,
            unit,
            target: target.into(),
            met: None,
            note: format!("n/a ({why})"),
            engine: String::new(),
        }
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }

    /// One tab-separated line (`name, value, unit, target, met, note, engine`), how the wasm
    /// run hands its rows to the native renderer. [`Row::parse`] reads it back.
    pub fn to_line(&self) -> String {
        format!(
            "BENCHROW\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.name,
            self.value.map_or("n/a".to_string(), |v| format!("{v}")),
            self.unit,
            self.target,
            match self.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            },
            self.note.replace('\t', " "),
            self.engine
        )
    }
    pub fn parse(line: &str) -> Option<Row> {
        // Whatever prefixes the line (a console prefix) is skipped.
        let line = &line[line.find("BENCHROW")?..];
        let mut f = line.trim_end().split('\t');
        if f.next()? != "BENCHROW" {
            return None;
        }
        let name = f.next()?.to_string();
        let value = f.next()?.parse().ok();
        let unit = match f.next()? {
            "writes/s" => "writes/s",
            "pods/s" => "pods/s",
            "ms" => "ms",
            "s" => "s",
            "bytes" => "bytes",
            "MiB" => "MiB",
            "x" => "x",
            _ => "",
        };
        let target = f.next()?.to_string();
        let met = match f.next()? {
            "yes" => Some(true),
            "NO" => Some(false),
            _ => None,
        };
        let note = f.next().unwrap_or("").to_string();
        let engine = f.next().unwrap_or("").to_string();
        Some(Row {
            name,
            value,
            unit,
            target,
            met,
            note,
            engine,
        })
    }
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}
fn fmt_met(m: Option<bool>) -> &'static str {
    match m {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    }
}

/// Renders rows as an aligned text table (one platform).
pub fn render(rows: &[Row], platform: &str) -> String {
    render_combined(rows, None, platform)
}

/// Renders native rows with the wasm rows of the same names beside them (one table), the
/// engine that ran each wasm row in its own column (`node`, `chromium`: the versions are
/// listed under the table). Wasm rows without a native twin come last.
pub fn render_combined(native: &[Row], wasm: Option<&[Row]>, platform: &str) -> String {
    let mut out = String::new();
    let title = format!("benchmark ({platform})");
    let wasm_only: Vec<&Row> = wasm
        .unwrap_or(&[])
        .iter()
        .filter(|w| !native.iter().any(|r| r.name == w.name))
        .collect();
    let width = native
        .iter()
        .chain(wasm_only.iter().copied())
        .map(|r| r.name.len())
        .chain([title.len()])
        .max()
        .unwrap_or(0);
    out.push_str(&format!("{title:<width$}  {:>12} {:<4}", "native", "met"));
    if wasm.is_some() {
        out.push_str(&format!("  {:>12} {:<4} {:<8}", "wasm", "met", "engine"));
    }
    out.push_str(&format!("  {:<9} {:<10} notes\n", "unit", "target"));
    let short_engine = |w: &Row| w.engine.split(' ').next().unwrap_or("").to_string();
    for r in native {
        out.push_str(&format!(
            "{:<width$}  {:>12} {:<4}",
            r.name,
            fmt_value(r.value),
            fmt_met(r.met)
        ));
        let mut notes = r.note.clone();
        if let Some(wasm) = wasm {
            let w = wasm.iter().find(|w| w.name == r.name);
            out.push_str(&format!(
                "  {:>12} {:<4} {:<8}",
                fmt_value(w.and_then(|w| w.value)),
                fmt_met(w.and_then(|w| w.met)),
                w.map_or(String::new(), short_engine)
            ));
            let extra = match w {
                Some(w) if !w.note.is_empty() && w.note != r.note => format!("wasm: {}", w.note),
                None => "wasm: not run".to_string(),
                _ => String::new(),
            };
            if !extra.is_empty() {
                notes = if notes.is_empty() {
                    extra
                } else {
                    format!("{notes}; {extra}")
                };
            }
        }
        out.push_str(&format!("  {:<9} {:<10} {}\n", r.unit, r.target, notes));
    }
    for w in &wasm_only {
        out.push_str(&format!(
            "{:<width$}  {:>12} {:<4}  {:>12} {:<4} {:<8}  {:<9} {:<10} wasm only: {}\n",
            w.name,
            "-",
            "",
            fmt_value(w.value),
            fmt_met(w.met),
            short_engine(w),
            w.unit,
            w.target,
            w.note
        ));
    }
    if let Some(wasm) = wasm {
        let engines: std::collections::BTreeSet<&str> = wasm
            .iter()
            .map(|w| w.engine.as_str())
            .filter(|e| !e.is_empty())
            .collect();
        if !engines.is_empty() {
            let list: Vec<&str> = engines.into_iter().collect();
            out.push_str(&format!("wasm engines: {}\n", list.join(", ")));
        }
    }
    out
}

/// A pod as a ReplicaSet would create it and the kubelet would report it: the size that
/// matters for memory and list figures.
pub fn sample_pod(ns: &str, name: &str, node: &str, i: u32) -> Value {
    let text = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\",\
         \"labels\":{{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c5f8\"}},\
         \"ownerReferences\":[{{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-7d4b9c5f8\",\"uid\":\"3f1c\",\"controller\":true,\"blockOwnerDeletion\":true}}]}},\
         \"spec\":{{\"containers\":[{{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\"ports\":[{{\"containerPort\":80,\"protocol\":\"TCP\"}}],\
         \"resources\":{{\"requests\":{{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}}}}],\"nodeName\":\"{node}\",\"restartPolicy\":\"Always\"}},\
         \"status\":{{\"phase\":\"Running\",\"podIP\":\"10.244.{}.{}\",\"hostIP\":\"172.18.0.3\",\
         \"conditions\":[{{\"type\":\"Ready\",\"status\":\"True\"}}],\
         \"containerStatuses\":[{{\"name\":\"nginx\",\"ready\":true,\"restartCount\":0,\"image\":\"nginx:1.27\"}}]}}}}",
        i / 250 % 256,
        i % 250 + 2
    );
    simple_json(&text)
}

/// A minimal JSON reader for the sample above (the benchmark must not depend on the codec's
/// speed to build its fixtures).
fn simple_json(s: &str) -> Value {
    fn parse(b: &[u8], i: &mut usize) -> Value {
        while b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
            *i += 1;
        }
        match b.get(*i) {
            Some(b'{') => {
                *i += 1;
                let mut m = crate::sim::value::Map::new();
                while b.get(*i) != Some(&b'}') && *i < b.len() {
                    let Value::Str(k) = parse(b, i) else { break };
                    *i += 1; // ':'
                    let v = parse(b, i);
                    m.insert(k.into(), v);
                    if b.get(*i) == Some(&b',') {
                        *i += 1;
                    }
                }
                *i += 1;
                Value::Map(m)
            }
            Some(b'[') => {
                *i += 1;
                let mut v = Vec::new();
                while b.get(*i) != Some(&b']') && *i < b.len() {
                    v.push(parse(b, i));
                    if b.get(*i) == Some(&b',') {
                        *i += 1;
                    }
                }
                *i += 1;
                Value::Seq(v.into())
            }
            Some(b'"') => {
                *i += 1;
                let start = *i;
                while b.get(*i).is_some_and(|c| *c != b'"') {
                    *i += 1;
                }
                let s = String::from_utf8_lossy(&b[start..*i]).into_owned();
                *i += 1;
                Value::Str(s.into())
            }
            Some(b't') => {
                *i += 4;
                Value::Bool(true)
            }
            Some(b'f') => {
                *i += 5;
                Value::Bool(false)
            }
            _ => {
                let start = *i;
                while b.get(*i).is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
                    *i += 1;
                }
                Value::Int(
                    std::str::from_utf8(&b[start..*i])
                        .ok()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0),
                )
            }
        }
    }
    parse(s.as_bytes(), &mut 0)
}

/// etcd model: writes per second while 20 watchers each read every new event. The object is
/// built once and shared (`Store::put_shared`), as etcd stores the bytes it is given: this
/// measures the store, not `Value::clone`.
pub fn store_writes_with_watchers(p: &Probe) -> Row {
    let mut store = Store::new();
    let pod = Arc::new(sample_pod("default", "web", "kind-worker", 1));
    let writes = 200_000u32;
    let mut watched = [1i64; 20];
    let mut seen = 0usize;
    let t0 = (p.clock)();
    for i in 0..writes {
        let key = format!("/registry/pods/default/web-{}", i % 5000);
        let _ = store.put_shared(&key, Arc::clone(&pod), None);
        if i % 100 == 99 {
            for w in watched.iter_mut() {
                if let Ok(evs) = store.events_since(*w) {
                    for e in evs {
                        seen += 1;
                        *w = e.kv.mod_revision;
                    }
                }
            }
        }
        if i % 20_000 == 19_999 {
            let _ = store.compact(store.revision() - 1000);
        }
    }
    let secs = ((p.clock)() - t0) / 1000.0;
    let per_s = f64::from(writes) / secs.max(1e-9);
    let row = Row::at_least(
        "store writes/s with 20 watchers",
        per_s,
        "writes/s",
        500_000.0,
    );
    if seen == 0 {
        return row.with_note("watchers saw no event: broken workload");
    }
    row
}

/// A world with `pods` pods spread over its nodes, stored directly (fixture, not a workload).
pub fn world_with_pods(pods: u32) -> World {
    let mut world = World::new(1, Preset::Kind);
    let Some(res) = resource_for("pods") else {
        return world;
    };
    let nodes = ["kind-worker", "kind-worker2"];
    if let Some(mut api) = world.api("kind-kind", "bench") {
        for i in 0..pods {
            let ns = if i % 2 == 0 { "default" } else { "kube-system" };
            let pod = sample_pod(ns, &format!("web-{i:06}"), nodes[i as usize % 2], i);
            let _ = api.create(res, pod);
        }
    }
    world
}

/// API server list of `n` pods (all namespaces), shared objects (what kubectl get uses), in ms.
pub fn list_pods(p: &Probe, n: u32, target_ms: f64) -> Row {
    let mut world = world_with_pods(n);
    let name = format!("list {n} pods");
    let Some(res) = resource_for("pods") else {
        return Row::not_available(&name, "ms", "", "no pods resource");
    };
    let t0 = (p.clock)();
    let count = world
        .api("kind-kind", "bench")
        .map_or(0, |mut api| api.list_shared(res, None).len());
    let ms = (p.clock)() - t0;
    let row = Row::at_most(&name, ms, "ms", target_ms);
    // The preset's own kube-system pods come on top.
    if (count as u32) < n {
        return row.with_note(format!("listed {count}, expected {n}"));
    }
    row
}

/// `kubectl get pods -A` end to end through the terminal, in ms.
pub fn kubectl_get_pods(p: &Probe, n: u32, target_ms: Option<f64>) -> Row {
    let mut term = Terminal::new(world_with_pods(n));
    let lines = term.run("kubectl get pods -A").stdout().lines().count(); // and warm-up
    let runs = if n <= 1000 { 20 } else { 3 };
    let t0 = (p.clock)();
    for _ in 0..runs {
        term.run("kubectl get pods -A");
    }
    let ms = ((p.clock)() - t0) / f64::from(runs);
    let name = format!("kubectl get pods -A ({n} pods)");
    let row = match target_ms {
        Some(t) => Row::at_most(&name, ms, "ms", t),
        None => Row::info(&name, ms, "ms"),
    };
    if lines < n as usize + 1 {
        return row.with_note(format!("printed {lines} lines, expected {}", n + 1));
    }
    row
}

/// Live heap per stored pod: a world with 10,000 pods minus an empty one.
pub fn memory_per_pod(p: &Probe) -> Row {
    let name = "memory per pod (10k stored pods)";
    let before = (p.live_bytes)();
    if before == 0 {
        return Row::not_available(name, "bytes", "<= 2048", "no counting allocator");
    }
    let empty = world_with_pods(0);
    let base = (p.live_bytes)().saturating_sub(before);
    let mut world = world_with_pods(10_000);
    let total = (p.live_bytes)().saturating_sub(before + base);
    // The watch log holds every change until the API server's next compaction (5 min): show
    // what a pod costs once it is compacted away, too.
    for c in world.clusters.values_mut() {
        let rev = c.store.revision();
        let _ = c.store.compact(rev);
    }
    let compacted = (p.live_bytes)().saturating_sub(before + base);
    drop((world, empty));
    Row::at_most(name, total as f64 / 10_000.0, "bytes", 2048.0).with_note(format!(
        "{:.0} bytes once the watch log is compacted",
        compacted as f64 / 10_000.0
    ))
}

/// Live heap per pod as a real cluster gets them: a Deployment of `pods` replicas on `nodes`
/// nodes, `World::step(100)` until every pod runs (its ReplicaSet created them from its
/// template, the scheduler bound them, the kubelets wrote their status). The figure is what
/// the stored pods cost in a store of their own (their objects, and the parts shared between
/// them counted once, plus etcd's per-key bookkeeping), measured by moving the pods' shared
/// objects out of the world into a fresh [`Store`]; the note gives what else the world holds
/// per pod (Events, kubelet and scheduler state...): the world with the pods, minus the pods,
/// minus the same world with 0 replicas.
pub fn memory_per_running_pod(p: &Probe, nodes: u32, pods: u32) -> Row {
    let name = format!("memory per pod (Deployment, {pods} Running)");
    let target = "<= 2048";
    if (p.live_bytes)() == 0 {
        return Row::not_available(&name, "bytes", target, "no counting allocator");
    }
    let run = |replicas: u32, steps: Option<u32>| -> (World, u32) {
        let mut world = World::new(1, Preset::Kind);
        add_nodes(&mut world, "kind-kind", nodes);
        if let (Some(res), Some(mut api)) =
            (resource_for("deployments"), world.api("kind-kind", "bench"))
        {
            let _ = api.create(res, deployment("default", "web", replicas));
        }
        let mut n = 0;
        // At most five simulated minutes, checked once per simulated second.
        while steps.map_or(n < 3000, |s| n < s) {
            world.step(100);
            n += 1;
            let running = || pods_where(&world, "kind-kind", |v| is_running(v) && is_web(v));
            if steps.is_none() && n % 10 == 0 && running() >= pods as usize {
                break;
            }
        }
        // As the API server's compaction (every 5 simulated minutes) would: the figure is
        // the steady state, not the history of the start-up.
        for c in world.clusters.values_mut() {
            let rev = c.store.revision();
            let _ = c.store.compact(rev);
        }
        (world, n)
    };
    fn is_web(pod: &Value) -> bool {
        api::namespace_of(pod) == Some("default")
    }
    let before = (p.live_bytes)();
    let (world, steps) = run(pods, None);
    let with_pods = (p.live_bytes)().saturating_sub(before);
    let stored: Vec<(String, Arc<Value>)> =
        world.clusters.get("kind-kind").map_or(Vec::new(), |c| {
            c.store
                .range("/registry/pods/default/")
                .map(|kv| (kv.key.to_string(), kv.value.clone()))
                .collect()
        });
    let running = stored.iter().filter(|(_, v)| is_running(v)).count();
    drop(world);
    let pods_alone = (p.live_bytes)().saturating_sub(before);
    let (empty, _) = run(0, Some(steps));
    let empty_world = (p.live_bytes)().saturating_sub(before + pods_alone);
    drop(empty);
    // Everything else the pods made the world hold: their Events, component state, indexes.
    let rest = (with_pods as f64 - pods_alone as f64 - empty_world as f64) / f64::from(pods.max(1));
    // Only the pods are left alive (`stored`): move them into a store of their own.
    let mut store = Store::new();
    for (key, value) in stored {
        let _ = store.put_shared(&key, value, None);
    }
    let per_pod = (p.live_bytes)().saturating_sub(before) as f64 / running.max(1) as f64;
    let rev = store.revision();
    let _ = store.compact(rev);
    let compacted = (p.live_bytes)().saturating_sub(before) as f64 / running.max(1) as f64;
    drop(store);
    let row = Row::at_most(&name, per_pod, "bytes", 2048.0).with_note(format!(
        "the stored pods ({compacted:.0} compacted), plus {rest:.0} per pod elsewhere in the world (Events, component state; {:.1} simulated s)",
        f64::from(steps) / 10.0
    ));
    if running < pods as usize {
        return row.with_note(format!("only {running}/{pods} Running"));
    }
    row
}

/// Adds `n` worker nodes to `cluster`, copies of its first worker renamed `bench-node-00001`...
/// (created through the API, as a kubelet registering would). Returns how many were added.
pub fn add_nodes(world: &mut World, cluster: &str, n: u32) -> u32 {
    let Some(res) = resource_for("nodes") else {
        return 0;
    };
    let Some(template) = world.clusters.get(cluster).and_then(|c| {
        c.store
            .range("/registry/minions/")
            .find(|kv| {
                kv.value
                    .path(&[
                        "metadata",
                        "labels",
                        "node-role.kubernetes.io/control-plane",
                    ])
                    .is_none()
            })
            .map(|kv| (*kv.value).clone())
    }) else {
        return 0;
    };
    let mut added = 0;
    let Some(mut api) = world.api(cluster, "bench") else {
        return 0;
    };
    for i in 0..n {
        let name = format!("bench-node-{i:05}");
        let mut node = template.clone();
        let meta = node.path_mut_or_insert(&["metadata"]);
        meta.set("name", name.as_str());
        if let Value::Map(m) = meta {
            m.remove("uid");
            m.remove("resourceVersion");
            m.remove("creationTimestamp");
        }
        node.path_mut_or_insert(&["metadata", "labels"])
            .set("kubernetes.io/hostname", name.as_str());
        node.path_mut_or_insert(&["spec"])
            .set("podCIDR", format!("10.{}.{}.0/24", 100 + i / 256, i % 256));
        if api.create(res, node).is_ok() {
            added += 1;
        }
    }
    added
}

/// A pending pod (no node) requesting 100m CPU / 64Mi, as a ReplicaSet would create it.
pub fn pending_pod(ns: &str, name: &str) -> Value {
    simple_json(&format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\",\
         \"labels\":{{\"app\":\"bench\"}}}},\
         \"spec\":{{\"containers\":[{{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\
         \"resources\":{{\"requests\":{{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}}}}],\"restartPolicy\":\"Always\"}}}}"
    ))
}

fn pods_where(world: &World, cluster: &str, f: impl Fn(&Value) -> bool) -> usize {
    world.clusters.get(cluster).map_or(0, |c| {
        c.store
            .range("/registry/pods/")
            .filter(|kv| f(&kv.value))
            .count()
    })
}
fn is_bound(pod: &Value) -> bool {
    pod.path(&["spec", "nodeName"])
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty())
}
fn is_running(pod: &Value) -> bool {
    pod.path(&["status", "phase"]).and_then(Value::as_str) == Some("Running")
}

/// kube-scheduler throughput: `pods` pending pods on `nodes` nodes, scheduler steps only
/// (`scheduler::step`, as upstream's scheduler_perf isolates the scheduler), pods bound per
/// second of wall time.
pub fn scheduling_throughput(p: &Probe, nodes: u32, pods: u32) -> Row {
    let name = format!("scheduling {pods} pods on {nodes} nodes");
    let target = ">= 5000";
    let mut world = World::new(1, Preset::Kind);
    let cluster = "kind-kind";
    if add_nodes(&mut world, cluster, nodes) != nodes {
        return Row::not_available(&name, "pods/s", target, "could not create the nodes");
    }
    let Some(res) = resource_for("pods") else {
        return Row::not_available(&name, "pods/s", target, "no pods resource");
    };
    if let Some(mut api) = world.api(cluster, "bench") {
        for i in 0..pods {
            let _ = api.create(res, pending_pod("default", &format!("sched-{i:06}")));
        }
    }
    let t0 = (p.clock)();
    let mut bound = 0;
    let mut idle_rounds = 0;
    while bound < pods as usize && idle_rounds < 3 {
        crate::sim::scheduler::step(&mut world, cluster, 100);
        let now = pods_where(&world, cluster, is_bound);
        idle_rounds = if now == bound { idle_rounds + 1 } else { 0 };
        bound = now;
    }
    let secs = ((p.clock)() - t0) / 1000.0;
    if bound == 0 {
        return Row::not_available(&name, "pods/s", target, "scheduler not on main");
    }
    let row = Row::at_least(&name, bound as f64 / secs.max(1e-9), "pods/s", 5000.0);
    if bound < pods as usize {
        return row.with_note(format!("only {bound}/{pods} bound"));
    }
    row
}

/// A Deployment of `replicas` nginx pods.
pub fn deployment(ns: &str, name: &str, replicas: u32) -> Value {
    simple_json(&format!(
        "{{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\"}},\
         \"spec\":{{\"replicas\":{replicas},\"selector\":{{\"matchLabels\":{{\"app\":\"{name}\"}}}},\
         \"template\":{{\"metadata\":{{\"labels\":{{\"app\":\"{name}\"}}}},\
         \"spec\":{{\"containers\":[{{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\
         \"resources\":{{\"requests\":{{\"cpu\":\"10m\",\"memory\":\"16Mi\"}}}}}}]}}}}}}}}"
    ))
}

/// 10,000 pods to Running on 1,000 nodes: a Deployment of 10,000 replicas (bare pods when no
/// Deployment controller creates any), `World::step(100)` until all run. Wall time in s.
pub fn pods_to_running(p: &Probe, nodes: u32, pods: u32) -> Row {
    let name = format!("{pods} pods to Running on {nodes} nodes");
    let target = "<= 1";
    let mut world = World::new(1, Preset::Kind);
    let cluster = "kind-kind";
    if add_nodes(&mut world, cluster, nodes) != nodes {
        return Row::not_available(&name, "s", target, "could not create the nodes");
    }
    let (Some(deploy_res), Some(pod_res)) = (resource_for("deployments"), resource_for("pods"))
    else {
        return Row::not_available(&name, "s", target, "no deployments resource");
    };
    let t0 = (p.clock)();
    if let Some(mut api) = world.api(cluster, "bench") {
        let _ = api.create(deploy_res, deployment("default", "bench", pods));
    }
    // Ten simulated seconds for the Deployment and ReplicaSet controllers to create pods.
    let mut how = "Deployment";
    for _ in 0..100 {
        world.step(100);
        if pods_where(&world, cluster, |_| true) > 0 {
            break;
        }
    }
    if pods_where(&world, cluster, |_| true) == 0 {
        how = "bare pods: no Deployment controller on main";
        if let Some(mut api) = world.api(cluster, "bench") {
            for i in 0..pods {
                let _ = api.create(pod_res, pending_pod("default", &format!("run-{i:06}")));
            }
        }
    }
    // At most ten simulated minutes; give up after one if nothing runs at all.
    let mut running = 0;
    for i in 0..6000 {
        world.step(100);
        // Counting reads every pod: once per simulated second, not per step.
        if i % 10 != 9 {
            continue;
        }
        running = pods_where(&world, cluster, is_running);
        if running >= pods as usize || (running == 0 && i >= 600) {
            break;
        }
    }
    let secs = ((p.clock)() - t0) / 1000.0;
    if running == 0 {
        let why = if pods_where(&world, cluster, is_bound) == 0 {
            "scheduler not on main"
        } else {
            "kubelet not on main"
        };
        return Row::not_available(&name, "s", target, why);
    }
    let sim_s = world.now().as_ms() as f64 / 1000.0;
    let row =
        Row::at_most(&name, secs, "s", 1.0).with_note(format!("{how}; {sim_s:.1} simulated s"));
    if running < pods as usize {
        return row.with_note(format!(
            "{how}; only {running}/{pods} Running after 10 simulated min"
        ));
    }
    row
}

/// Peak heap while building a world with `nodes` nodes and `pods` pods (bound, Running, owned
/// by a live ReplicaSet per namespace so the garbage collector leaves them alone), in MiB;
/// then the wall time of `World::step(100)`: the first step (every informer lists the
/// 100,000 pods, every kubelet adopts its running pods) and the mean of the next
/// [`STEADY_STEPS`] steps, when nothing changes (what a step costs while the user watches).
pub fn big_world(
    p: &Probe,
    nodes: u32,
    pods: u32,
    peak: &dyn Fn() -> usize,
    reset: &dyn Fn(),
) -> Vec<Row> {
    let name = format!("peak heap with {nodes} nodes / {pods} pods");
    let step_name = format!("World::step(100) with {nodes} nodes / {pods} pods");
    reset();
    let before = (p.live_bytes)();
    let mut world = World::new(1, Preset::Kind);
    let cluster = "kind-kind";
    add_nodes(&mut world, cluster, nodes);
    let owners = owner_replicasets(&mut world, cluster, pods);
    if let (Some(res), Some(mut api)) = (resource_for("pods"), world.api(cluster, "bench")) {
        for i in 0..pods {
            let ns = if i % 2 == 0 { "default" } else { "kube-system" };
            let node = format!("bench-node-{:05}", i % nodes.max(1));
            let mut pod = sample_pod(ns, &format!("web-{i:06}"), &node, i);
            if let (Some(uid), Some(Value::Seq(refs))) = (
                owners.get(ns),
                pod.path_mut_or_insert(&["metadata"])
                    .get_mut("ownerReferences"),
            ) {
                if let Some(r) = refs.first_mut() {
                    r.set("uid", uid.as_str());
                }
            }
            let _ = api.create(res, pod);
        }
    }
    let t0 = (p.clock)();
    world.step(100);
    let first_ms = (p.clock)() - t0;
    let t1 = (p.clock)();
    for _ in 0..STEADY_STEPS {
        world.step(100);
    }
    let steady_ms = ((p.clock)() - t1) / f64::from(STEADY_STEPS);
    let peak_mib = peak().saturating_sub(before) as f64 / 1_048_576.0;
    let live_mib = (p.live_bytes)().saturating_sub(before) as f64 / 1_048_576.0;
    drop(world);
    let mem = if before == 0 {
        Row::not_available(&name, "MiB", "", "no counting allocator")
    } else {
        Row::info(&name, peak_mib, "MiB").with_note(format!("live after build: {live_mib:.1} MiB"))
    };
    let step = Row::info(&step_name, steady_ms, "ms").with_note(format!(
        "mean of {STEADY_STEPS} steady steps; the first step (informers list, kubelets adopt): {first_ms:.0} ms"
    ));
    vec![mem, step]
}

/// How many steps after the first [`big_world`] averages.
pub const STEADY_STEPS: u32 = 20;

/// The ReplicaSet `web-7d4b9c5f8` that [`sample_pod`]s name as their owner, in `default` and
/// `kube-system`, each wanting half of `pods`: their uids, by namespace.
fn owner_replicasets(
    world: &mut World,
    cluster: &str,
    pods: u32,
) -> std::collections::BTreeMap<&'static str, String> {
    let mut uids = std::collections::BTreeMap::new();
    let (Some(res), Some(mut api)) = (resource_for("replicasets"), world.api(cluster, "bench"))
    else {
        return uids;
    };
    for (ns, n) in [("default", pods.div_ceil(2)), ("kube-system", pods / 2)] {
        let rs = simple_json(&format!(
            "{{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{{\"name\":\"web-7d4b9c5f8\",\"namespace\":\"{ns}\"}},\
             \"spec\":{{\"replicas\":{n},\"selector\":{{\"matchLabels\":{{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c5f8\"}}}},\
             \"template\":{{\"metadata\":{{\"labels\":{{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c5f8\"}}}},\
             \"spec\":{{\"containers\":[{{\"name\":\"nginx\",\"image\":\"nginx:1.27\",\
             \"resources\":{{\"requests\":{{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}}}}]}}}}}}}}"
        ));
        if let Ok(created) = api.create(res, rs) {
            uids.insert(ns, api::meta_str(&created, "uid").unwrap_or("").to_string());
        }
    }
    uids
}

/// A tiny deterministic generator for the soak's churn (xorshift64*; the World's own rng is
/// left alone so the simulation sees only what a user would do).
struct Churn(u64);
impl Churn {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) % u64::from(n.max(1))) as u32
    }
}

/// One simulated hour at 10x speed (a 160 ms step per 16 ms frame) with 100 nodes and churn:
/// every 30 s a Deployment is rescaled, every 20 s a random pod is deleted, every 10 min a
/// node is powered off for 3 min. Reports the simulated/wall speed-up (must be >= 10 to keep
/// up) and the live heap at start and end (must stay flat), both measured after a warm-up
/// of 65 simulated minutes (the event TTL plus one compaction: see below).
pub fn soak(p: &Probe, sim_minutes: u64) -> Vec<Row> {
    let mut world = World::new(7, Preset::Kind);
    let cluster = "kind-kind";
    add_nodes(&mut world, cluster, 100);
    let deployments = 10u32;
    if let Some(res) = resource_for("deployments") {
        if let Some(mut api) = world.api(cluster, "bench") {
            for d in 0..deployments {
                let _ = api.create(res, deployment("default", &format!("soak-{d}"), 20));
            }
        }
    }
    let mut churn = Churn(0x9e37_79b9_7f4a_7c15);
    let step_ms = 160u64;
    let total_ms = sim_minutes * 60_000;
    // Warm-up, not measured: rollouts, then one event TTL plus one compaction interval. Events
    // live an hour (`--event-ttl`) and expire at compactions, so a real cluster's heap grows
    // for its first hour whatever it does; flat means flat once that retention is full.
    let warmup_ms = crate::sim::events::EVENT_TTL_MS + crate::sim::world::COMPACTION_INTERVAL_MS;
    let mut t = 0u64;
    let mut heap_start = 0usize;
    let mut heap_max = 0usize;
    let mut wall_ms = 0.0;
    let mut down_node: Option<(String, u64)> = None;
    while t < warmup_ms + total_ms {
        if t == warmup_ms {
            heap_start = (p.live_bytes)();
            if pods_where(&world, cluster, is_running) == 0 {
                break; // Nothing runs: no churn to measure (reported as n/a below).
            }
        }
        let t0 = (p.clock)();
        world.step(step_ms);
        t += step_ms;
        if t % 30_000 < step_ms {
            let d = churn.below(deployments);
            let replicas = 5 + churn.below(30);
            scale(&mut world, cluster, &format!("soak-{d}"), replicas);
        }
        if t % 20_000 < step_ms {
            delete_random_pod(&mut world, cluster, &mut churn);
        }
        if t % 600_000 < step_ms {
            let node = format!("bench-node-{:05}", churn.below(100));
            if let Some(c) = world.clusters.get_mut(cluster) {
                c.stop(&format!("node/{node}"));
            }
            down_node = Some((node, t + 180_000));
        }
        if let Some((node, until)) = &down_node {
            if t >= *until {
                if let Some(c) = world.clusters.get_mut(cluster) {
                    c.start(&format!("node/{node}"));
                }
                down_node = None;
            }
        }
        if t > warmup_ms {
            wall_ms += (p.clock)() - t0;
            heap_max = heap_max.max((p.live_bytes)());
        }
    }
    let heap_end = (p.live_bytes)();
    let running = pods_where(&world, cluster, is_running);
    let speedup = (total_ms as f64) / wall_ms.max(1e-9);
    let name = format!("soak {sim_minutes} sim-min, 100 nodes, churn: speed-up");
    let mem_name = format!("soak {sim_minutes} sim-min: heap growth start -> end");
    let mib = |b: usize| b as f64 / 1_048_576.0;
    let seen = format!(
        "speed-up {speedup:.0}x, heap start {:.1} MiB, end {:.1} MiB",
        mib(heap_start),
        mib(heap_end)
    );
    if running == 0 {
        // Without pods there is no churn: a flat heap would prove nothing.
        let why = format!("no pod ever Running: controllers/scheduler/kubelet not on main; {seen}");
        return vec![
            Row::not_available(&name, "x", ">= 10", &why),
            Row::not_available(&mem_name, "MiB", "<= 1", "see above"),
        ];
    }
    let speed = Row::at_least(&name, speedup, "x", 10.0).with_note(format!(
        "wall {:.1} s for {sim_minutes} sim-min; {running} pods Running at end",
        wall_ms / 1000.0
    ));
    let mem = if heap_start == 0 {
        Row::not_available(&mem_name, "MiB", "<= 1", "no counting allocator")
    } else {
        let growth = mib(heap_end) - mib(heap_start);
        Row::at_most(&mem_name, growth, "MiB", 1.0).with_note(format!(
            "heap start {:.1} MiB, end {:.1} MiB, max {:.1} MiB",
            mib(heap_start),
            mib(heap_end),
            mib(heap_max)
        ))
    };
    vec![speed, mem]
}

fn scale(world: &mut World, cluster: &str, name: &str, replicas: u32) {
    let Some(res) = resource_for("deployments") else {
        return;
    };
    let Some(mut api) = world.api(cluster, "bench") else {
        return;
    };
    if let Ok(mut d) = api.get(res, Some("default"), name) {
        d.path_mut_or_insert(&["spec"])
            .set("replicas", i64::from(replicas));
        let _ = api.update(res, d);
    }
}

fn delete_random_pod(world: &mut World, cluster: &str, churn: &mut Churn) {
    let Some(res) = resource_for("pods") else {
        return;
    };
    let names: Vec<String> = world.clusters.get(cluster).map_or(Vec::new(), |c| {
        c.store
            .range("/registry/pods/default/")
            .map(|kv| api::name_of(&kv.value).to_string())
            .collect()
    });
    if names.is_empty() {
        return;
    }
    let victim = &names[churn.below(names.len() as u32) as usize % names.len()];
    if let Some(mut api) = world.api(cluster, "bench") {
        let _ = api.delete(res, Some("default"), victim);
    }
}

/// The workloads' names, in table order (for `only` filters).
pub const WORKLOADS: [&str; 8] = [
    "scheduling",
    "running",
    "store",
    "list",
    "kubectl",
    "memory",
    "big",
    "soak",
];

/// Every workload, in table order, as `(name, run)`; [`run_all`] runs them.
type Workload<'a> = (&'static str, Box<dyn FnOnce() -> Vec<Row> + 'a>);

/// Runs every workload whose name contains `only` (all with `None`), calling `progress` after
/// each (the native runner prints it, so a slow workload shows where the time goes).
/// `peak`/`reset` read the counting allocator's peak; `soak_minutes` is the soak's length.
pub fn run_all(
    p: &Probe,
    peak: &dyn Fn() -> usize,
    reset: &dyn Fn(),
    soak_minutes: u64,
    only: Option<&str>,
    progress: &dyn Fn(&[Row], f64),
) -> Vec<Row> {
    let workloads: Vec<Workload> = vec![
        (
            "scheduling",
            Box::new(|| vec![scheduling_throughput(p, 5_000, 5_000)]),
        ),
        (
            "running",
            Box::new(|| vec![pods_to_running(p, 1_000, 10_000)]),
        ),
        ("store", Box::new(|| vec![store_writes_with_watchers(p)])),
        (
            "list",
            Box::new(|| vec![list_pods(p, 10_000, 5.0), list_pods(p, 100_000, 50.0)]),
        ),
        (
            "kubectl",
            Box::new(|| {
                vec![
                    kubectl_get_pods(p, 100, Some(16.0)),
                    // No target for 10,000 pods (it prints 10,000 lines); reported for scale.
                    kubectl_get_pods(p, 10_000, None),
                ]
            }),
        ),
        (
            "memory",
            Box::new(|| vec![memory_per_pod(p), memory_per_running_pod(p, 100, 2_000)]),
        ),
        (
            "big",
            Box::new(|| big_world(p, 1_000, 100_000, peak, reset)),
        ),
        ("soak", Box::new(move || soak(p, soak_minutes))),
    ];
    let mut rows = Vec::new();
    for (name, run) in workloads {
        if only.is_some_and(|o| !name.contains(o)) || !WORKLOADS.contains(&name) {
            continue;
        }
        let t0 = (p.clock)();
        let new = run();
        progress(&new, (p.clock)() - t0);
        rows.extend(new);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a running Deployment pod's bytes are, by path (`cargo test --lib
    /// pod_bytes_by_path -- --ignored --nocapture`): each shared copy counted once over all
    /// the pods, then divided by their number. Not a figure of the table: a map for the next
    /// memory step.
    #[test]
    #[ignore]
    fn pod_bytes_by_path() {
        let pods = 200;
        let mut world = World::new(1, Preset::Kind);
        add_nodes(&mut world, "kind-kind", 20);
        if let (Some(res), Some(mut api)) =
            (resource_for("deployments"), world.api("kind-kind", "bench"))
        {
            let _ = api.create(res, deployment("default", "web", pods));
        }
        for n in 0..600 {
            world.step(100);
            if n % 10 == 9 && pods_where(&world, "kind-kind", is_running) >= pods as usize + 1 {
                break;
            }
        }
        let stored: Vec<Arc<Value>> = world.clusters["kind-kind"]
            .store
            .range("/registry/pods/default/")
            .map(|kv| kv.value.clone())
            .filter(|v| is_running(v))
            .collect();
        let mut by_path = std::collections::BTreeMap::<String, usize>::new();
        let mut seen = std::collections::HashSet::new();
        fn walk(
            v: &Value,
            path: &str,
            depth: usize,
            seen: &mut std::collections::HashSet<usize>,
            out: &mut std::collections::BTreeMap<String, usize>,
        ) {
            if depth == 0 {
                *out.entry(path.to_string()).or_default() += v.heap_bytes(seen);
                return;
            }
            let own = match v {
                Value::Map(m) => match m.own_heap_bytes(seen) {
                    Some(b) => b,
                    None => return, // a shared copy counted before
                },
                Value::Seq(s) => match s.own_heap_bytes(seen) {
                    Some(b) => b,
                    None => return,
                },
                other => other.heap_bytes(seen),
            };
            *out.entry(format!("{path} (own)")).or_default() += own;
            match v {
                Value::Map(m) => {
                    for (k, c) in m.iter() {
                        walk(c, &format!("{path}.{k}"), depth - 1, seen, out);
                    }
                }
                Value::Seq(s) => {
                    for c in s.iter() {
                        walk(c, &format!("{path}[]"), depth - 1, seen, out);
                    }
                }
                _ => {}
            }
        }
        for pod in &stored {
            walk(pod, "", 4, &mut seen, &mut by_path);
        }
        let n = stored.len().max(1);
        let mut total = 0;
        for (path, bytes) in &by_path {
            total += bytes;
            if *bytes / n > 0 {
                println!("{:>6} {path}", bytes / n);
            }
        }
        println!(
            "{:>6} total over {n} pods (a Value is {} B)",
            total / n,
            std::mem::size_of::<Value>()
        );
    }

    #[test]
    fn a_wasm_row_survives_its_line_with_engine_and_a_tab_in_its_note() {
        let mut row = Row::at_most("list 10000 pods", 4.25, "ms", 5.0).with_note("a\tb");
        row.engine = "node 20.20.2".into();
        let back = Row::parse(&format!("console.log: {}", row.to_line())).unwrap();
        assert_eq!(back.engine, "node 20.20.2");
        assert_eq!(back.note, "a b");
        assert_eq!((back.value, back.met), (Some(4.25), Some(true)));
        // A line of the older six-field format still reads, without an engine.
        let old = Row::parse("BENCHROW\tx\t1\tms\t<= 5\tyes\tnote").unwrap();
        assert_eq!((old.note.as_str(), old.engine.as_str()), ("note", ""));
    }

    #[test]
    fn the_combined_table_names_each_wasm_engine_and_what_did_not_run() {
        let native = [
            Row::at_most("list 10000 pods", 1.5, "ms", 5.0),
            Row::info("peak heap", 1764.0, "MiB"),
        ];
        let mut wasm_list = Row::at_most("list 10000 pods", 6.0, "ms", 5.0);
        wasm_list.engine = "chromium 156".into();
        let mut smaller = Row::info("peak heap (smaller)", 900.0, "MiB");
        smaller.engine = "node 20.20.2".into();
        let table = render_combined(&native, Some(&[wasm_list, smaller]), "native and wasm32");
        let line = |name: &str| {
            table
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
                .to_string()
        };
        let list = line("list 10000 pods");
        assert!(list.contains("6.00 NO   chromium"), "{list}");
        assert!(line("peak heap ").contains("wasm: not run"));
        assert!(line("peak heap (smaller)").contains("node"));
        assert!(
            table.ends_with("wasm engines: chromium 156, node 20.20.2\n"),
            "{table}"
        );
    }
}
