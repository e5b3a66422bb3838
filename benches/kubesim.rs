//! Native benchmark runner: `cargo bench --bench kubesim --no-default-features` prints the
//! table of figures with their targets (see BENCHMARKS.md; `bash .ci/bench` also runs the
//! wasm side and prints both in one table). Memory is measured with a counting allocator.
//!
//! Environment: `KUBESIM_SOAK_MINUTES` (default 60) shortens the soak; `KUBESIM_BENCH_ONLY=list`
//! runs only the workloads whose name contains `list` (scheduling, running, store, list,
//! kubectl, memory, big, soak);
//! `KUBESIM_BENCH_WASM=<file>` adds the `BENCHROW` lines of a wasm run as a second column.
//! `KUBESIM_BENCH_CPU=1` times with this thread's CPU time (`/proc/thread-self/schedstat`,
//! Linux) instead of the wall clock: on a shared machine, wall times say more about the
//! other jobs than about the code.

use kubesim::bench::{self, CountingAlloc, Probe, Row};
use std::time::Instant;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let start = Instant::now();
    let cpu = std::env::var("KUBESIM_BENCH_CPU").is_ok_and(|v| v == "1");
    let clock = move || {
        if cpu {
            // The first field is the time this thread ran on a CPU, in ns.
            let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
            let ns: f64 = s
                .split_whitespace()
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0.0);
            ns / 1e6
        } else {
            start.elapsed().as_secs_f64() * 1000.0
        }
    };
    let probe = Probe {
        clock: &clock,
        live_bytes: &bench::live_bytes,
    };
    let minutes = std::env::var("KUBESIM_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(60);
    let only = std::env::var("KUBESIM_BENCH_ONLY").ok();
    let progress = |rows: &[Row], ms: f64| {
        for r in rows {
            eprintln!("bench: {} -> {:?} {} ({ms:.0} ms)", r.name, r.value, r.unit);
        }
    };
    let rows = bench::run_all(
        &probe,
        &bench::peak_bytes,
        &bench::reset_peak,
        minutes,
        only.as_deref(),
        &progress,
    );
    let wasm: Option<Vec<Row>> = std::env::var("KUBESIM_BENCH_WASM")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| {
            text.lines()
                .filter_map(|l| Row::parse(l.trim_start()))
                .collect()
        });
    let platform = if wasm.is_some() {
        "native and wasm32 in headless Chromium"
    } else {
        "native"
    };
    print!(
        "{}",
        bench::render_combined(&rows, wasm.as_deref(), platform)
    );
    println!(
        "native peak heap during the whole run: {:.1} MiB",
        bench::peak_bytes() as f64 / 1_048_576.0
    );
}
