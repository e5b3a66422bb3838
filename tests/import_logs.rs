//! A world saved and loaded again ([`World::export`] / [`World::import`]) prints the same
//! `kubectl logs` for the system components as the world it came from, now and as both go on:
//! the election history and Raft elections the logs are written from survive the file, and
//! container runs are read at the precision pods' statuses keep (seconds). (A container
//! caught backing off restarts at the second its status gives, so a crash loop in progress
//! can shift by a second after an import: not tested here.)

use kubesim::sim::faults::{self, Fault};
use kubesim::sim::{presets::Preset, World};
use kubesim::term::Terminal;

fn run(w: &mut World, ms: u64) {
    for _ in 0..ms / 500 {
        w.step(500);
    }
}

/// Every container's logs of every kube-system pod, current and previous.
fn all_logs(w: &World) -> String {
    let mut term = Terminal::new(w.clone());
    let pods = term.run("kubectl get pods -n kube-system -o name").text();
    let mut out = String::new();
    for pod in pods.lines() {
        for flag in ["", " --previous"] {
            let cmd = format!("kubectl logs -n kube-system {pod} --all-containers{flag}");
            out.push_str(&format!("$ {cmd}\n{}", term.run(&cmd).text()));
        }
    }
    out
}

fn assert_same_logs(a: &World, b: &World, when: &str) {
    let (la, lb) = (all_logs(a), all_logs(b));
    if la != lb {
        let first = la
            .lines()
            .zip(lb.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let ctx = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "{when}: logs differ at line {first}\n--- original\n{}\n--- imported\n{}",
            ctx(&la),
            ctx(&lb)
        );
    }
}

fn round_trip(preset: Preset, seed: u64, history: impl Fn(&mut World, &str)) {
    let mut w = World::new(seed, preset);
    let cluster = w.clusters.keys().next().unwrap().clone();
    history(&mut w, &cluster);
    let mut back = World::import(&w.export()).expect("import");
    assert_same_logs(&w, &back, "right after the import");
    run(&mut w, 30_000);
    run(&mut back, 30_000);
    assert_same_logs(&w, &back, "30 s later");
}

#[test]
fn logs_survive_an_import_after_a_scheduler_outage() {
    round_trip(Preset::Kind, 1, |w, cluster| {
        run(w, 5_000);
        faults::apply(w, cluster, &Fault::StopComponent("kube-scheduler".into())).unwrap();
        run(w, 40_000);
        faults::apply(w, cluster, &Fault::StartComponent("kube-scheduler".into())).unwrap();
        run(w, 20_000);
    });
}

#[test]
fn logs_survive_an_import_after_ha_failovers() {
    round_trip(Preset::Ha, 4, |w, cluster| {
        run(w, 5_000);
        faults::apply(w, cluster, &Fault::KillEtcd("cp-1".into())).unwrap();
        faults::apply(w, cluster, &Fault::PowerOff("cp-1".into())).unwrap();
        run(w, 30_000);
        faults::apply(w, cluster, &Fault::PowerOn("cp-1".into())).unwrap();
        faults::apply(w, cluster, &Fault::RestoreEtcd("cp-1".into())).unwrap();
        run(w, 90_000);
    });
}
