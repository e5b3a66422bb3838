//! The wasm32 runner of the benchmark workloads in `src/bench.rs` (the native one is
//! `benches/kubesim.rs`). `bash .ci/bench` builds this test binary in release mode (the shipped
//! profile) and runs each workload as its own ignored test, one wasm-bindgen-test-runner per
//! workload: in Node.js (the runner's default: no time limit, so the long workloads run too) or
//! in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`: WebDriver gives up on a page busy for
//! 30 s, so only the short ones go there). A test binary of its own because the library's
//! unit tests are configured to run in a browser (`src/determinism_tests.rs`).
//!
//! Each workload logs one `BENCHROW` line per figure ([`Row::to_line`]), with the engine that
//! measured it; the native runner reads them back and prints them beside its own figures.
//! Memory is counted the same way as natively: [`CountingAlloc`] is this binary's global
//! allocator (over wasm32's dlmalloc); the peak-heap row also says how far the wasm32 linear
//! memory grew, against its 4 GiB limit.
#![cfg(target_arch = "wasm32")]

use kubesim::bench::{self, CountingAlloc, Probe, Row};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Evaluates a JavaScript expression that yields a string ("" for anything else).
fn js_string(expr: &str) -> String {
    js_sys::eval(expr)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Which JavaScript engine runs this: `node 20.20.2` or `chromium 156` (a page's user agent
/// carries only the major version).
fn engine() -> String {
    js_string(
        "(typeof process !== 'undefined' && process.versions && process.versions.node) \
           ? 'node ' + process.versions.node \
           : 'chromium ' + ((navigator.userAgent.match(/Chrom(?:e|ium)\\/([0-9]+)/) || [])[1] || '?')",
    )
}

/// An environment variable when Node runs this (read at run time, so changing it needs no
/// rebuild); `""` in a page, which has no environment.
fn env_var(name: &str) -> String {
    js_string(&format!(
        "(typeof process !== 'undefined' && process.env && process.env.{name}) || ''"
    ))
}

/// The soak's length in simulated minutes: `KUBESIM_SOAK_MINUTES` at run time under Node
/// (`.ci/bench` runs the soak there), else the native default (60). Not read at build time:
/// changing it would relink the whole wasm.
fn soak_minutes() -> u64 {
    env_var("KUBESIM_SOAK_MINUTES").parse().unwrap_or(60)
}

/// The benchmark clock in milliseconds: `performance.now()` (wall time), or with
/// `KUBESIM_BENCH_CLOCK=cpu` under Node the CPU time of the Node process (user + system, all
/// its threads: V8's compiler and GC helpers too), as the native runner's CPU clock is for a
/// loaded machine. A page has no CPU clock: Chromium rows are always wall time.
fn clock() -> Box<dyn Fn() -> f64> {
    if env_var("KUBESIM_BENCH_CLOCK") == "cpu" {
        let cpu = js_sys::Function::new_no_args(
            "const u = process.cpuUsage(); return (u.user + u.system) / 1000;",
        );
        return Box::new(move || {
            cpu.call0(&JsValue::UNDEFINED)
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0)
        });
    }
    Box::new(performance_now)
}

/// wasm32 linear memory in bytes (it only grows: the high-water mark of the whole run).
fn linear_memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

/// Runs one workload of [`bench::WORKLOADS`] and logs its rows.
fn run(workload: &str) {
    let clock = clock();
    let probe = Probe {
        clock: &*clock,
        live_bytes: &bench::live_bytes,
    };
    let engine = engine();
    let rows = bench::run_all(
        &probe,
        &bench::peak_bytes,
        &bench::reset_peak,
        soak_minutes(),
        Some(workload),
        &|_: &[Row], _| {},
    );
    for mut row in rows {
        if row.name.starts_with("peak heap") {
            let mib = linear_memory_bytes() as f64 / 1_048_576.0;
            row.note = format!("{}; wasm32 linear memory {mib:.0} of 4096 MiB", row.note);
        }
        row.engine = engine.clone();
        console_log!("{}", row.to_line());
    }
}

/// One ignored test per workload, named after it, so `.ci/bench` runs each in its own
/// runner (and engine) and one that fails (out of memory) does not take the others along.
macro_rules! workloads {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test]
            #[ignore = "benchmark: run by .ci/bench"]
            fn $name() {
                run(stringify!($name));
            }
        )*
        /// The tests above are exactly [`bench::WORKLOADS`], in order.
        #[wasm_bindgen_test]
        fn one_test_per_workload() {
            assert_eq!([$(stringify!($name)),*], bench::WORKLOADS);
        }
    };
}
workloads!(scheduling, running, store, list, kubectl, memory, big, soak);
