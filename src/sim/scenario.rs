//! Running the World until something happens ([`World::run_until`]) and the reference
//! scenario whose hash must be the same natively and in wasm ([`determinism_hash`]).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! let mut w = World::new(1, Preset::Kind);
//! let waited = w.run_until(|w| w.now().as_ms() >= 1_000, 5_000).unwrap();
//! assert_eq!(waited, 1_000);
//! assert!(w.run_until(|_| false, 500).is_err());
//! ```

use super::api::resource_for_kind;
use super::faults::{self, Fault};
use super::presets::Preset;
use super::value::Value;
use super::world::World;

/// The fixed increment [`World::run_until`] steps by.
pub const RUN_STEP_MS: u64 = 100;

/// `run_until` gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("condition still false after {waited_ms} ms of simulated time")]
pub struct Timeout {
    pub waited_ms: u64,
}

impl World {
    /// Steps by [`RUN_STEP_MS`] until `done(world)` holds (checked before each step too) and
    /// returns the simulated time it took; past `max_sim_ms` it stops with [`Timeout`].
    pub fn run_until(
        &mut self,
        mut done: impl FnMut(&World) -> bool,
        max_sim_ms: u64,
    ) -> Result<u64, Timeout> {
        let mut waited = 0;
        loop {
            if done(self) {
                return Ok(waited);
            }
            if waited >= max_sim_ms {
                return Err(Timeout { waited_ms: waited });
            }
            let dt = RUN_STEP_MS.min(max_sim_ms - waited);
            self.step(dt);
            waited += dt;
        }
    }
}

/// Pods of `cluster` in `ns` whose name starts with `prefix` and whose phase is `phase`.
pub fn count_pods(world: &World, cluster: &str, ns: &str, prefix: &str, phase: &str) -> usize {
    world.clusters.get(cluster).map_or(0, |c| {
        c.store
            .range(&format!("/registry/pods/{ns}/{prefix}"))
            .filter(|kv| {
                kv.value.path(&["status", "phase"]).and_then(Value::as_str) == Some(phase)
                    && kv.value.path(&["metadata", "deletionTimestamp"]).is_none()
            })
            .count()
    })
}

/// A Deployment object (`apps/v1`) running `image` with `replicas` pods.
pub fn deployment(name: &str, image: &str, replicas: i64) -> Value {
    let mut d = Value::map();
    d.path_mut_or_insert(&["metadata"]).set("name", name);
    d.path_mut_or_insert(&["metadata"])
        .set("namespace", "default");
    let spec = d.path_mut_or_insert(&["spec"]);
    spec.set("replicas", replicas);
    spec.path_mut_or_insert(&["selector", "matchLabels"])
        .set("app", name);
    let tpl = spec.path_mut_or_insert(&["template"]);
    tpl.path_mut_or_insert(&["metadata", "labels"])
        .set("app", name);
    let mut c = Value::map();
    c.set("name", name);
    c.set("image", image);
    let mut req = Value::map();
    req.set("cpu", "100m");
    req.set("memory", "64Mi");
    c.path_mut_or_insert(&["resources"]).set("requests", req);
    tpl.path_mut_or_insert(&["spec"])
        .set("containers", Value::Seq(vec![c].into()));
    d
}

/// The reference scenario: a kind cluster; a Deployment of 4 nginx pods scheduled and run;
/// one pod deleted and replaced; a worker powered off for 2 minutes and back; a crashing pod.
/// Returns [`World::state_hash`] at the end. The same constant is asserted natively and in
/// wasm, so any platform difference in the simulation shows.
pub fn determinism_hash() -> u64 {
    determinism_world().state_hash()
}

/// The world at the end of the reference scenario (see [`determinism_hash`]).
pub fn determinism_world() -> World {
    let mut w = World::new(2026, Preset::Kind);
    let cluster = "kind-kind";
    let (Some(dep), Some(pod_res)) = (resource_for_kind("Deployment"), resource_for_kind("Pod"))
    else {
        return w;
    };
    if let Some(mut api) = w.api(cluster, "kubectl") {
        let _ = api.create(dep, deployment("web", "nginx:1.27", 4));
        let mut crash = Value::map();
        crash.path_mut_or_insert(&["metadata"]).set("name", "crash");
        crash
            .path_mut_or_insert(&["metadata"])
            .set("namespace", "default");
        let mut c = Value::map();
        c.set("name", "app");
        c.set("image", "busybox:1.36");
        c.set(
            "command",
            Value::Seq(vec!["sh".into(), "-c".into(), "echo boom; exit 1".into()].into()),
        );
        crash
            .path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c].into()));
        let _ = api.create(pod_res, crash);
    }
    let _ = w.run_until(
        |w| count_pods(w, cluster, "default", "web-", "Running") == 4,
        60_000,
    );
    let victim = w.clusters.get(cluster).and_then(|c| {
        c.store
            .range("/registry/pods/default/web-")
            .next()
            .map(|kv| super::api::name_of(&kv.value).to_string())
    });
    if let (Some(victim), Some(mut api)) = (victim, w.api(cluster, "kubectl")) {
        let _ = api.delete(pod_res, Some("default"), &victim);
    }
    let _ = w.run_until(|_| false, 30_000);
    let _ = faults::apply(&mut w, cluster, &Fault::PowerOff("kind-worker".into()));
    let _ = w.run_until(|_| false, 120_000);
    let _ = faults::apply(&mut w, cluster, &Fault::PowerOn("kind-worker".into()));
    let _ = w.run_until(|_| false, 60_000);
    w
}

/// The value [`determinism_hash`] must return on every platform.
pub const DETERMINISM_HASH: u64 = 4_952_606_078_474_453_172;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_until_returns_the_time_taken_or_a_timeout() {
        let mut w = World::new(1, Preset::Kind);
        assert_eq!(w.run_until(|_| true, 0), Ok(0));
        assert_eq!(w.run_until(|w| w.now().as_ms() >= 250, 1_000), Ok(300));
        assert_eq!(w.run_until(|_| false, 250), Err(Timeout { waited_ms: 250 }));
        assert_eq!(w.now().as_ms(), 550);
        assert_eq!(
            Timeout { waited_ms: 250 }.to_string(),
            "condition still false after 250 ms of simulated time"
        );
    }

    #[test]
    fn determinism_scenario_is_reproducible_and_pinned() {
        // The scenario must exercise the scheduler, kubelets and controllers, or the hash
        // proves little: the Deployment's 4 pods run again after the power cycle.
        let w = determinism_world();
        assert_eq!(count_pods(&w, "kind-kind", "default", "web-", "Running"), 4);
        let a = determinism_hash();
        assert_eq!(a, w.state_hash());
        assert_eq!(a, determinism_hash());
        assert_eq!(a, DETERMINISM_HASH, "determinism hash changed: {a}");
    }

    #[test]
    fn deployment_pods_are_scheduled_run_and_replaced_but_not_without_the_controller_manager() {
        let mut w = World::new(5, Preset::Kind);
        let c = "kind-kind";
        let dep = resource_for_kind("Deployment").unwrap();
        let pod_res = resource_for_kind("Pod").unwrap();
        w.api(c, "kubectl")
            .unwrap()
            .create(dep, deployment("web", "nginx:1.27", 3))
            .unwrap();
        let took = w
            .run_until(
                |w| count_pods(w, c, "default", "web-", "Running") == 3,
                60_000,
            )
            .unwrap();
        assert!(took < 15_000, "{took}");
        faults::apply(
            &mut w,
            c,
            &Fault::StopComponent("kube-controller-manager".into()),
        )
        .unwrap();
        let victim = w.clusters[c]
            .store
            .range("/registry/pods/default/web-")
            .next()
            .map(|kv| super::super::api::name_of(&kv.value).to_string())
            .unwrap();
        w.api(c, "kubectl")
            .unwrap()
            .delete(pod_res, Some("default"), &victim)
            .unwrap();
        w.run_until(|_| false, 30_000).unwrap_err();
        assert_eq!(count_pods(&w, c, "default", "web-", "Running"), 2);
        faults::apply(
            &mut w,
            c,
            &Fault::StartComponent("kube-controller-manager".into()),
        )
        .unwrap();
        w.run_until(
            |w| count_pods(w, c, "default", "web-", "Running") == 3,
            30_000,
        )
        .unwrap();
    }

    #[test]
    fn powered_off_node_goes_not_ready_and_its_pods_come_back_after_power_on() {
        let mut w = World::new(6, Preset::Kind);
        let c = "kind-kind";
        let dep = resource_for_kind("Deployment").unwrap();
        w.api(c, "kubectl")
            .unwrap()
            .create(dep, deployment("web", "nginx:1.27", 4))
            .unwrap();
        w.run_until(
            |w| count_pods(w, c, "default", "web-", "Running") == 4,
            60_000,
        )
        .unwrap();
        faults::apply(&mut w, c, &Fault::PowerOff("kind-worker".into())).unwrap();
        let ready = |w: &World| {
            w.clusters[c]
                .store
                .get("/registry/minions/kind-worker")
                .and_then(|n| {
                    n.value
                        .path(&["status", "conditions"])?
                        .as_seq()?
                        .iter()
                        .find(|x| x.get("type") == Some(&Value::from("Ready")))?
                        .get("status")?
                        .as_str()
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        w.run_until(|w| ready(w) == "Unknown", 70_000).unwrap();
        faults::apply(&mut w, c, &Fault::PowerOn("kind-worker".into())).unwrap();
        w.run_until(|w| ready(w) == "True", 30_000).unwrap();
        w.run_until(
            |w| count_pods(w, c, "default", "web-", "Running") == 4,
            60_000,
        )
        .unwrap();
    }
}

/// Throughput figures (run in release: `cargo test --release --no-default-features --lib
/// perf_figures -- --ignored --nocapture`); the full table is `cargo bench --bench kubesim`.
#[cfg(test)]
mod perf {
    #[test]
    #[ignore]
    fn perf_figures() {
        let start = std::time::Instant::now();
        let clock = move || start.elapsed().as_secs_f64() * 1000.0;
        let probe = crate::bench::Probe {
            clock: &clock,
            live_bytes: &|| 0,
        };
        let arg = |k: &str, d: u32| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        if arg("PERF_SCHED", 1) == 1 {
            let row = crate::bench::scheduling_throughput(&probe, 5_000, 5_000);
            println!("{}", row.to_line());
        }
        let (nodes, pods) = (arg("PERF_NODES", 1_000), arg("PERF_PODS", 10_000));
        if pods > 0 {
            println!(
                "{}",
                crate::bench::pods_to_running(&probe, nodes, pods).to_line()
            );
        }
    }
}
