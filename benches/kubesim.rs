//! Native benchmark runner: `cargo bench --bench kubesim` prints the table of figures with
//! their targets (see BENCHMARKS.md). Memory per pod is measured with a counting allocator.

use kubesim::bench;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK_BYTES.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn main() {
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64() * 1000.0;
    let mut rows = bench::run_all(&clock);

    // Memory per pod: live bytes of a world with 10,000 pods minus an empty one.
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let world = bench::world_with_pods(10_000);
    let per_pod = (LIVE_BYTES.load(Ordering::Relaxed) - before) as f64 / 10_000.0;
    drop(world);
    rows.push(bench::Row {
        name: "memory per pod (stored, 10k pods)".into(),
        value: per_pod,
        unit: "bytes",
        target: "<= 2048".into(),
        met: per_pod <= 2048.0,
    });
    print!("{}", bench::render(&rows, "native"));
    println!(
        "peak heap during the run: {:.1} MiB",
        PEAK_BYTES.load(Ordering::Relaxed) as f64 / 1048576.0
    );
}
