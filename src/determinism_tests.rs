//! The determinism check, compiled twice: natively (`cargo test`) and for wasm32 (run in
//! headless Chromium by `.ci/test`). Both assert the SAME constant, so a platform difference
//! (a `usize` draw, a HashMap order, float formatting) fails one of them.
//!
//! When a deliberate change to the simulation changes the hash, update [`EXPECTED_HASH`] with
//! the value the native test prints.

use crate::sim::{presets::Preset, World};
use crate::term::Terminal;

const EXPECTED_HASH: u64 = 16_590_940_167_159_662_568;

/// A fixed scenario: a kind cluster, commands, a Deployment scaled up and down (through the
/// API: controllers, scheduler), a pod deleted, a worker powered off and on again, simulated
/// time passing between each.
fn scenario() -> World {
    use crate::sim::api::resource_for;
    let mut term = Terminal::new(World::new(42, Preset::Kind));
    let run = |term: &mut Terminal, lines: &[&str]| {
        for line in lines {
            term.run(line);
        }
    };
    run(
        &mut term,
        &["kubectl get nodes", "sleep 30", "kubectl get pods -A"],
    );
    let (Some(deploy), Some(pods)) = (resource_for("deployments"), resource_for("pods")) else {
        return term.world;
    };
    if let Some(mut api) = term.world.api("kind-kind", "kubectl") {
        let _ = api.create(deploy, crate::bench::deployment("default", "web", 3));
    }
    run(&mut term, &["sleep 30"]);
    if let Some(mut api) = term.world.api("kind-kind", "kubectl") {
        if let Ok(mut d) = api.get(deploy, Some("default"), "web") {
            d.path_mut_or_insert(&["spec"]).set("replicas", 5i64);
            let _ = api.update(deploy, d);
        }
    }
    run(&mut term, &["sleep 20"]);
    let victim = term.world.clusters.get("kind-kind").and_then(|c| {
        c.store
            .range("/registry/pods/default/")
            .next()
            .map(|kv| crate::sim::api::name_of(&kv.value).to_string())
    });
    if let (Some(victim), Some(mut api)) = (victim, term.world.api("kind-kind", "kubectl")) {
        let _ = api.delete(pods, Some("default"), &victim);
    }
    if let Some(c) = term.world.clusters.get_mut("kind-kind") {
        c.stop("node/kind-worker2");
    }
    run(&mut term, &["sleep 120"]);
    if let Some(c) = term.world.clusters.get_mut("kind-kind") {
        c.start("node/kind-worker2");
    }
    run(&mut term, &["sleep 60", "kubectl get pods -A"]);
    term.world
}

fn probe() -> u64 {
    scenario().state_hash()
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn same_scenario_same_hash_natively() {
    // The scenario must exercise the controllers and the scheduler, or the hash proves little.
    let world = scenario();
    let pods: Vec<_> = world.clusters["kind-kind"]
        .store
        .range("/registry/pods/default/")
        .collect();
    // 5 replicas, plus the deleted one while it terminates (no kubelet confirms it yet).
    assert!(pods.len() >= 5, "the Deployment's pods: {}", pods.len());
    assert!(pods
        .iter()
        .any(|kv| kv.value.path(&["spec", "nodeName"]).is_some()));
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
