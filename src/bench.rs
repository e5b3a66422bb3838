//! Benchmark workloads, shared by the native runner (`benches/kubesim.rs`) and the wasm one
//! (run in headless Chromium by `.ci/bench`), so both report the same figures.
//!
//! Each workload takes a clock (`&dyn Fn() -> f64`, milliseconds): `Instant` natively,
//! `performance.now()` in the browser. Results are [`Row`]s with the target beside the figure.

use crate::sim::api::resource_for;
use crate::sim::store::Store;
use crate::sim::value::Value;
use crate::sim::{presets::Preset, World};
use crate::term::Terminal;
use std::sync::Arc;

/// One line of the benchmark table.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    /// The target, e.g. `>= 500000` or `<= 5`.
    pub target: String,
    pub met: bool,
}

impl Row {
    fn at_least(name: &str, value: f64, unit: &'static str, target: f64) -> Row {
        Row {
            name: name.into(),
            value,
            unit,
            target: format!(">= {target}"),
            met: value >= target,
        }
    }
    fn at_most(name: &str, value: f64, unit: &'static str, target: f64) -> Row {
        Row {
            name: name.into(),
            value,
            unit,
            target: format!("<= {target}"),
            met: value <= target,
        }
    }
}

/// Renders rows as an aligned text table.
pub fn render(rows: &[Row], platform: &str) -> String {
    let mut out = format!(
        "{:<48} {:>14} {:<8} {:<12} {}\n",
        format!("benchmark ({platform})"),
        "value",
        "unit",
        "target",
        "met"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<48} {:>14.2} {:<8} {:<12} {}\n",
            r.name,
            r.value,
            r.unit,
            r.target,
            if r.met { "yes" } else { "NO" }
        ));
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
                    m.insert(k, v);
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
                Value::Seq(v)
            }
            Some(b'"') => {
                *i += 1;
                let start = *i;
                while b.get(*i).is_some_and(|c| *c != b'"') {
                    *i += 1;
                }
                let s = String::from_utf8_lossy(&b[start..*i]).into_owned();
                *i += 1;
                Value::Str(s)
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

/// etcd model: writes per second while 20 watchers each read every new event.
pub fn store_writes_with_watchers(clock: &dyn Fn() -> f64) -> Row {
    let mut store = Store::new();
    let pod = Arc::new(sample_pod("default", "web", "kind-worker", 1));
    let writes = 200_000u32;
    let mut watched = [1i64; 20];
    let mut seen = 0usize;
    let t0 = clock();
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
    let secs = (clock() - t0) / 1000.0;
    let per_s = f64::from(writes) / secs.max(1e-9);
    assert!(seen > 0);
    Row::at_least(
        "store writes/s with 20 watchers",
        per_s,
        "writes/s",
        500_000.0,
    )
}

/// A world with `pods` pods spread over its nodes, stored directly (fixture, not a workload).
pub fn world_with_pods(pods: u32) -> World {
    let mut world = World::new(1, Preset::Kind);
    let res = resource_for("pods").expect("pods is a known resource"); // ok: static table
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

/// API server list of `n` pods (all namespaces), in ms.
pub fn list_pods(clock: &dyn Fn() -> f64, n: u32, target_ms: f64) -> Row {
    let mut world = world_with_pods(n);
    let res = resource_for("pods").expect("pods is a known resource"); // ok: static table
    let t0 = clock();
    let count = world
        .api("kind-kind", "bench")
        .map_or(0, |mut api| api.list_shared(res, None).len());
    let ms = clock() - t0;
    assert_eq!(count as u32, n);
    Row::at_most(&format!("list {n} pods"), ms, "ms", target_ms)
}

/// `kubectl get pods -A` end to end through the terminal, in ms.
pub fn kubectl_get_pods(clock: &dyn Fn() -> f64, n: u32, target_ms: f64) -> Row {
    let mut term = Terminal::new(world_with_pods(n));
    term.run("kubectl get pods -A"); // warm-up
    let runs = if n <= 1000 { 20 } else { 3 };
    let t0 = clock();
    for _ in 0..runs {
        term.run("kubectl get pods -A");
    }
    let ms = (clock() - t0) / f64::from(runs);
    Row::at_most(
        &format!("kubectl get pods -A ({n} pods)"),
        ms,
        "ms",
        target_ms,
    )
}

/// Every workload that runs the same way natively and in wasm.
pub fn run_all(clock: &dyn Fn() -> f64) -> Vec<Row> {
    vec![
        store_writes_with_watchers(clock),
        list_pods(clock, 10_000, 5.0),
        list_pods(clock, 100_000, 50.0),
        kubectl_get_pods(clock, 100, 16.0),
        // No target is set for 10,000 pods (it prints 10,000 lines); reported for scale.
        kubectl_get_pods(clock, 10_000, f64::INFINITY),
    ]
}
