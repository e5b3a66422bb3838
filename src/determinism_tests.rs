//! The wasm half of the determinism check. [`crate::sim::scenario::determinism_hash`] runs a
//! fixed scenario (a Deployment scheduled and run by the kubelets, a pod deleted and
//! replaced, a crashing pod, a worker powered off and on) and must return
//! [`crate::sim::scenario::DETERMINISM_HASH`] on every platform: the native test sits next to
//! the scenario; this one runs the same scenario in headless Chromium (`.ci/test`), so a
//! platform difference (a `usize` draw, a HashMap order, float formatting) fails here.

#[cfg(target_arch = "wasm32")]
mod wasm {
    use crate::sim::scenario::{determinism_hash, DETERMINISM_HASH};
    use wasm_bindgen_test::*;
    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn sim_scenario_same_hash_in_wasm() {
        assert_eq!(determinism_hash(), DETERMINISM_HASH);
    }
}
