//! Native benchmark runner: `cargo bench --bench kubesim --no-default-features` prints the
//! table of figures with their targets (see BENCHMARKS.md; `bash .ci/bench` also runs the
//! wasm side, `tests/wasm_bench.rs`, and prints both in one table). Memory is measured with a
//! counting allocator.
//!
//! Environment: `KUBESIM_SOAK_MINUTES` (default 60) shortens the soak; `KUBESIM_BENCH_ONLY=list`
//! runs only the workloads whose name contains `list` (scheduling, running, store, list,
//! kubectl, memory, big, soak);
//! `KUBESIM_BENCH_WASM=<file>` adds the `BENCHROW` lines of a wasm run as a second column
//! (with the engine that ran each: Node.js or headless Chromium); `KUBESIM_BENCH_NATIVE_LOG=<file>`
//! writes the native rows there as `BENCHROW` lines; `KUBESIM_BENCH_CLOCK=cpu` measures CPU
//! time of the benchmark thread instead of wall time (`KUBESIM_BENCH_CPU=1` too): on a shared
//! machine, wall times say more about the other jobs than about the code.

use kubesim::bench::{self, CountingAlloc, Probe, Row};
use std::time::Instant;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// CPU time of this thread in ms (Linux: `/proc/thread-self/schedstat`, nanoseconds on CPU),
/// or `None` where it cannot be read.
fn thread_cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

/// The 1-minute load average (Linux), to tell a loaded machine's figures apart.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let start = Instant::now();
    let wall = move || start.elapsed().as_secs_f64() * 1000.0;
    // KUBESIM_BENCH_CLOCK=cpu: CPU time of the benchmark thread instead of wall time, so a
    // machine shared with other work still gives comparable figures.
    let cpu_clock = (std::env::var("KUBESIM_BENCH_CLOCK").is_ok_and(|c| c == "cpu")
        || std::env::var("KUBESIM_BENCH_CPU").is_ok_and(|v| v == "1"))
        && thread_cpu_ms().is_some();
    let cpu = || thread_cpu_ms().unwrap_or(0.0);
    let clock: &dyn Fn() -> f64 = if cpu_clock { &cpu } else { &wall };
    let probe = Probe {
        clock,
        live_bytes: &bench::live_bytes,
    };
    let minutes = std::env::var("KUBESIM_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(60);
    let only = std::env::var("KUBESIM_BENCH_ONLY").ok();
    let progress = |rows: &[Row], ms: f64| {
        for r in rows {
            eprintln!(
                "bench: {} -> {:?} {} ({ms:.0} ms, load {})",
                r.name,
                r.value,
                r.unit,
                load_average()
            );
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
    // The rows as BENCHROW lines too (exact values, for tools), when asked.
    if let Ok(path) = std::env::var("KUBESIM_BENCH_NATIVE_LOG") {
        let lines: String = rows.iter().map(|r| r.to_line() + "\n").collect();
        if let Err(e) = std::fs::write(&path, lines) {
            eprintln!("bench: cannot write {path}: {e}");
        }
    }
    let wasm: Option<Vec<Row>> = std::env::var("KUBESIM_BENCH_WASM")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| {
            text.lines()
                .filter_map(|l| Row::parse(l.trim_start()))
                .collect()
        });
    let platform = match (wasm.is_some(), cpu_clock) {
        (true, false) => "native and wasm32",
        (true, true) => "native and wasm32; CPU time, Chromium rows wall time",
        (false, false) => "native",
        (false, true) => "native; CPU time",
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
