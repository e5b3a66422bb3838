//! Property test: thousands of random command lines (verbs, flags, resource types, names,
//! quotes and garbage) through `Terminal::run` never panic, and streams/edits can be polled.

use kubesim::sim::{presets::Preset, World};
use kubesim::term::kubectl::cli::COMMANDS;
use kubesim::term::Terminal;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

const WORDS: &[&str] = &[
    "pods",
    "po",
    "deploy",
    "svc",
    "all",
    "nodes",
    "ns",
    "cm",
    "secret",
    "events",
    "cs",
    "rs",
    "ds",
    "sts",
    "jobs",
    "pod/web",
    "deployment/web",
    "node/kind-worker",
    "kind-worker",
    "web",
    "db",
    "-n",
    "kube-system",
    "-A",
    "-o",
    "yaml",
    "json",
    "wide",
    "name",
    "-ojsonpath={.items[*]}",
    "-o=custom-columns=N:.metadata.name",
    "--sort-by=.metadata.name",
    "-l",
    "app=web",
    "app in (a,b)",
    "--field-selector=status.phase=Running",
    "--image=nginx",
    "--replicas=3",
    "--port=80",
    "--tcp=80:8080",
    "--from-literal=a=b",
    "--dry-run=client",
    "--",
    "env",
    "ls",
    "-f",
    "-",
    "--all",
    "--force",
    "--grace-period=0",
    "--now",
    "--overwrite",
    "app-",
    "key=v:NoSchedule",
    "--to-revision=1",
    "--for=condition=Ready",
    "--for=delete",
    "--timeout=2s",
    "-w",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "=",
    ",",
    "--foo",
    "-z",
    "x=y",
    "--help",
    "-h",
    "\u{e9}t\u{e9}",
    "-p",
    "{\"spec\":{\"replicas\":2}}",
    "--type=json",
    "[{\"op\":\"remove\",\"path\":\"/x\"}]",
    "|",
    "&&",
    ";",
    "$HOME",
    "--ignore-daemonsets",
    "--delete-emptydir-data",
    "-c",
    "nginx",
    "--tail=2",
    "--show-labels",
    "--no-headers",
    "-L",
    "app",
    "--namespaced=false",
    "--client",
    "0",
    "-1",
    "99999999999999999999",
    "",
];

#[test]
fn random_lines_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let verbs: Vec<String> = COMMANDS.iter().map(|c| c.path.join(" ")).collect();
    let mut term = Terminal::new(World::new(3, Preset::Kind));
    for round in 0..3000 {
        let mut line = String::from(if rng.next_u32() % 8 == 0 {
            "k "
        } else {
            "kubectl "
        });
        let v = &verbs[(rng.next_u32() as usize) % verbs.len()];
        line.push_str(v);
        let n = rng.next_u32() % 7;
        for _ in 0..n {
            line.push(' ');
            line.push_str(WORDS[(rng.next_u32() as usize) % WORDS.len()]);
        }
        let out = term.run(&line);
        if out.streaming {
            let _ = term.poll_watch();
            term.cancel_watch();
        }
        if let Some(path) = out.open_editor.clone() {
            term.write_file(&path, if round % 2 == 0 { "kind: Pod\n" } else { "" });
            let _ = term.editor_closed(&path);
        }
        if round % 97 == 0 {
            term.world.step(5_000);
        }
    }
}
