//! The determinism check, compiled twice: natively (`cargo test`) and for wasm32 (run in
//! headless Chromium by `.ci/test`). Both assert the SAME constant, so a platform difference
//! (a `usize` draw, a HashMap order, float formatting) fails one of them.
//!
//! When a deliberate change to the simulation changes the hash, update [`EXPECTED_HASH`] with
//! the value the native test prints.

use crate::sim::{presets::Preset, World};
use crate::term::Terminal;

const EXPECTED_HASH: u64 = 1_400_155_123_728_141_447;

/// A fixed scenario: a kind cluster, some commands, simulated time passing.
fn probe() -> u64 {
    let mut term = Terminal::new(World::new(42, Preset::Kind));
    for line in [
        "kubectl get nodes",
        "sleep 30",
        "kubectl get pods -A",
        "sleep 120",
    ] {
        term.run(line);
    }
    term.world.state_hash()
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn same_scenario_same_hash_natively() {
    let first = probe();
    assert_eq!(first, probe(), "two runs in one process differ");
    assert_eq!(first, EXPECTED_HASH, "state hash changed: {first}");
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn same_scenario_same_hash_in_wasm() {
        assert_eq!(super::probe(), super::EXPECTED_HASH);
    }

    /// The simulation-core scenario (scheduling, kubelets, deletion, node power cycle).
    #[wasm_bindgen_test]
    fn sim_scenario_same_hash_in_wasm() {
        use crate::sim::scenario::{determinism_hash, DETERMINISM_HASH};
        assert_eq!(determinism_hash(), DETERMINISM_HASH);
    }
}
