//! Robustness: random and mutated inputs through every door a user can open — terminal lines,
//! YAML manifests given to `kubectl apply`, kubeconfig files, saved states — must never panic
//! (a panic kills the whole wasm app) and a failed kubectl command must always say why.
//!
//! Runs inside the test command with a small time budget, longer on demand:
//!
//! ```text
//! cargo test --test fuzz                                  # ~2 s per target
//! FUZZ_SECONDS=600 cargo test --release --test fuzz       # 10 minutes per target
//! FUZZ_SEED=12345 cargo test --test fuzz                  # replay one run
//! ```
//!
//! The generator is a deterministic xorshift seeded per run (the seed is printed). Each case
//! runs under `catch_unwind`; a panic fails the test and prints the input. Keep found crashers
//! as files in `tests/fuzz_regressions/<target>/` (one input per file, replayed first, every
//! run): `lines` (one terminal line per line), `manifests`, `kubeconfigs`, `states`,
//! `progress`.

use kubesim::sim::{presets::Preset, World};
use kubesim::term::Terminal;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Harness

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

fn budget() -> Duration {
    let secs: f64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Silences the default panic printout (thousands of cases) and keeps the message instead.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = format!("{msg} at {at}"));
        }))
    });
}

/// A problem found: which target, the input, and what went wrong.
struct Finding {
    input: String,
    problem: String,
}

/// Runs `case` on the regression inputs of `target`, then on generated inputs until the time
/// budget is spent. Returns every finding (deduplicated by problem).
fn fuzz(
    target: &str,
    mut generate: impl FnMut(&mut Rng) -> String,
    mut case: impl FnMut(&str) -> Result<(), String>,
) {
    quiet_panics();
    let seed = seed();
    // Written straight to stderr (not captured by the test harness) so the seed survives an
    // abort such as a stack overflow.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("fuzz {target}: seed {seed} (replay with FUZZ_SEED={seed})\n").as_bytes(),
    );
    let mut findings: Vec<Finding> = Vec::new();
    let mut run = |input: &str, findings: &mut Vec<Finding>| {
        let result = panic::catch_unwind(AssertUnwindSafe(|| case(input)));
        let problem = match result {
            Ok(Ok(())) => return,
            Ok(Err(silent)) => silent,
            Err(_) => format!("panic: {}", LAST_PANIC.with(|p| p.borrow().clone())),
        };
        if !findings.iter().any(|f| f.problem == problem) {
            findings.push(Finding {
                input: input.to_string(),
                problem,
            });
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut replayed = 0;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if target == "lines" {
                for line in text.lines() {
                    run(line, &mut findings);
                    replayed += 1;
                }
            } else {
                run(&text, &mut findings);
                replayed += 1;
            }
        }
    }
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut cases = 0u64;
    while started.elapsed() < budget() {
        let input = generate(&mut rng);
        run(&input, &mut findings);
        cases += 1;
    }
    println!(
        "fuzz {target}: {replayed} regression inputs, {cases} generated cases in {:.1} s, {} problems",
        started.elapsed().as_secs_f64(),
        findings.len()
    );
    for f in &findings {
        println!("--- {target}: {}\ninput: {:?}", f.problem, f.input);
    }
    assert!(
        findings.is_empty(),
        "{} problem(s) in {target} (inputs above; seed {seed}); keep each input in tests/fuzz_regressions/{target}/",
        findings.len()
    );
}

/// A terminal on a fresh kind cluster (cheap enough to make per case).
fn terminal() -> Terminal {
    Terminal::new(World::new(1, Preset::Kind))
}

/// kubectl must say why it failed: a non-zero exit with nothing on stderr is a finding.
fn check_kubectl(term: &mut Terminal, line: &str) -> Result<(), String> {
    let out = term.run(line);
    if out.exit_code != 0 && out.stderr().trim().is_empty() && out.stdout().trim().is_empty() {
        return Err(format!(
            "`{line}` exited {} without any message",
            out.exit_code
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators

const VERBS: &[&str] = &[
    "get",
    "describe",
    "apply",
    "create",
    "delete",
    "logs",
    "exec",
    "run",
    "expose",
    "scale",
    "rollout",
    "edit",
    "label",
    "annotate",
    "patch",
    "replace",
    "set",
    "explain",
    "top",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "config",
    "version",
    "api-resources",
    "auth",
    "wait",
    "port-forward",
    "cluster-info",
    "diff",
    "debug",
    "attach",
    "cp",
    "autoscale",
    "certificate",
    "kustomize",
    "help",
];
const TYPES: &[&str] = &[
    "pods",
    "po",
    "pod",
    "nodes",
    "no",
    "deployments",
    "deploy",
    "deployment.apps",
    "rs",
    "svc",
    "services",
    "ns",
    "namespaces",
    "cm",
    "secrets",
    "ds",
    "sts",
    "jobs",
    "cronjobs",
    "events",
    "ev",
    "pv",
    "pvc",
    "sc",
    "sa",
    "endpoints",
    "endpointslices",
    "leases",
    "all",
    "pods,svc",
    "deploy/web",
    "pod/web",
    "foo",
    "",
    "PODS",
    "pods.v1.",
    "status",
    "history",
    "undo",
    "current-context",
    "get-contexts",
    "use-context",
    "view",
    "set-context",
    "can-i",
];
const FLAGS: &[&str] = &[
    "-A",
    "--all-namespaces",
    "-n",
    "-n=kube-system",
    "--namespace",
    "-o",
    "-o=yaml",
    "-o=json",
    "-o=wide",
    "-o=name",
    "-o=jsonpath={.items[*].metadata.name}",
    "-ojsonpath={",
    "-o=custom-columns=N:.metadata.name",
    "-l",
    "-l=app=web",
    "--selector=app!=x",
    "-w",
    "--watch",
    "--show-labels",
    "--no-headers",
    "-f",
    "-f=-",
    "--filename",
    "--replicas=3",
    "--replicas=-1",
    "--image=nginx",
    "--image",
    "--dry-run=client",
    "--dry-run",
    "--force",
    "--grace-period=0",
    "--now",
    "--port=80",
    "--to-revision=1",
    "-c",
    "--container",
    "--tail=5",
    "-p",
    "--previous",
    "--context",
    "--kubeconfig",
    "--sort-by=.metadata.name",
    "--field-selector=status.phase=Running",
    "-it",
    "--",
    "--help",
    "-h",
    "--output",
    "--v=9",
    "-v",
    "--overwrite",
    "--all",
    "--ignore-daemonsets",
    "--record",
    "-",
    "--",
    "--=",
    "-=",
    "---",
    "-n=",
    "--namespace=",
];
const WORDS: &[&str] = &[
    "web",
    "nginx",
    "default",
    "kube-system",
    "kind-worker",
    "kind-control-plane",
    "app=web",
    "key=value:NoSchedule",
    "key-",
    "sh",
    "-c",
    "echo hi",
    "deploy/web",
    "3",
    "-1",
    "0",
    "99999999999999999999",
    "😀",
    "é",
    "\u{0}",
    "a/b/c",
    "..",
    "/",
    "~",
    "$HOME",
    "${HOME",
    "$?",
    "*",
    "'",
    "\"",
    "\\",
    "`",
    "$(ls)",
    "web-7d4b9c5f8-x2kqp",
    "1.5",
    "NaN",
    "inf",
    "-0",
];
const OTHER_COMMANDS: &[&str] = &[
    "echo",
    "cat",
    "ls",
    "cd",
    "pwd",
    "export",
    "sleep",
    "history",
    "help",
    "clear",
    "grep",
    "head",
    "tail",
    "wc",
    "sort",
    "alias",
    "unalias",
    "etcdctl",
    "crictl",
    "kubeadm",
    "minikube",
    "kind",
    "k3s",
    "ssh",
    "watch",
    "touch",
    "rm",
    "mkdir",
    "vi",
    "nano",
    "base64",
    "true",
    "false",
    "source",
    "which",
    "env",
    "printf",
    "tee",
    "jq",
    "curl",
    "systemctl",
    "journalctl",
];
const GLUE: &[&str] = &[
    " | ", " && ", " || ", "; ", " > ", " >> ", " < ", " 2>&1 ", " & ", " <<EOF\n",
];

fn garbage(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len)
        .map(|_| match rng.below(6) {
            0 => char::from(rng.below(128) as u8),
            1 => rng.pick(&[
                '"', '\'', '\\', '$', '{', '}', '|', '&', ';', '<', '>', '(', ')', '`', '=', '-',
                ' ', '\n', '\t', '#', '*',
            ]),
            2 => rng.pick(&[
                'é', '😀', '\u{200b}', '\u{feff}', 'ß', 'İ', '\u{0}', '\u{7f}',
            ]),
            _ => char::from(b'a' + rng.below(26) as u8),
        })
        .collect()
}

fn kubectl_line(rng: &mut Rng) -> String {
    let mut words = vec![if rng.chance(80) { "kubectl" } else { "k" }.to_string()];
    words.push(rng.pick(VERBS).to_string());
    for _ in 0..rng.below(5) {
        words.push(match rng.below(10) {
            0..=2 => rng.pick(TYPES).to_string(),
            3..=6 => rng.pick(FLAGS).to_string(),
            7..=8 => rng.pick(WORDS).to_string(),
            _ => garbage(rng),
        });
    }
    words.join(" ")
}

fn terminal_line(rng: &mut Rng) -> String {
    let mut line = String::new();
    for i in 0..=rng.below(3) {
        if i > 0 {
            line.push_str(rng.pick(GLUE));
        }
        match rng.below(10) {
            0..=5 => line.push_str(&kubectl_line(rng)),
            6..=7 => {
                line.push_str(rng.pick(OTHER_COMMANDS));
                for _ in 0..rng.below(3) {
                    line.push(' ');
                    line.push_str(if rng.chance(50) {
                        rng.pick(WORDS)
                    } else {
                        rng.pick(FLAGS)
                    });
                }
            }
            _ => line.push_str(&garbage(rng)),
        }
    }
    // Sometimes break it: cut anywhere (on a char boundary), or insert garbage.
    if rng.chance(15) {
        let cut = rng.below(line.len() + 1);
        let cut = (0..=cut)
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0);
        line.truncate(cut);
    }
    if rng.chance(10) {
        let at = rng.below(line.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0);
        let g = garbage(rng);
        line.insert_str(at, &g);
    }
    line
}

const MANIFESTS: &[&str] = &[
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.27\n    ports:\n    - containerPort: 80\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n        resources:\n          requests:\n            cpu: 100m\n            memory: 64Mi\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n    nodePort: 30080\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  key: value\n  multi: |\n    line one\n    line two\n  folded: >\n    a\n    b\n",
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: team-a\ntype: Opaque\nstringData:\n  password: \"p@ss: word\"\n",
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"command\":[\"sh\",\"-c\",\"sleep 3600\"]}]}}",
    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  completions: 3\n  parallelism: 2\n  backoffLimit: 4\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: pi, image: perl, command: [\"perl\", \"-e\", 'print 1']}]\n",
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations:\n    a: &anchor x\n    b: *anchor\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n",
];

const YAML_BITS: &[&str] = &[
    ":",
    "- ",
    "  ",
    "\t",
    "---\n",
    "...\n",
    "|",
    ">",
    "|-",
    "&a",
    "*a",
    "!!str",
    "!!binary",
    "? ",
    "#",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\\",
    "\n",
    "null",
    "~",
    "true",
    "no",
    "0x1F",
    "1e400",
    "-.inf",
    "9999999999999999999999",
    "<<: *a",
    "%YAML 1.2\n",
    "\u{feff}",
    "é",
    "apiVersion: v1\n",
    "kind: Pod\n",
    "metadata:\n",
    "  name: x\n",
    "spec:\n",
    "  containers:\n",
    "  - name: c\n",
    "    image: nginx\n",
    "replicas: -5\n",
    "replicas: \"3\"\n",
    "name: UPPER\n",
    "name: \"\"\n",
    "namespace: nope\n",
    "kind: Unknown\n",
    "apiVersion: v99\n",
    "cpu: 100x\n",
    "memory: -1Gi\n",
];

fn manifest(rng: &mut Rng) -> String {
    let mut text = rng.pick(MANIFESTS).to_string();
    for _ in 0..=rng.below(4) {
        let at = rng.below(text.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        match rng.below(4) {
            0 => text.insert_str(at, rng.pick(YAML_BITS)),
            1 => {
                let end = (at + rng.below(20)).min(text.len());
                let end = (end..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                text.replace_range(at..end, "");
            }
            2 => {
                let g = garbage(rng);
                text.insert_str(at, &g);
            }
            _ => {
                // Duplicate a line somewhere else (indentation soup).
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let l = lines[rng.below(lines.len())].to_string();
                    text.insert_str(at, &format!("{l}\n"));
                }
            }
        }
    }
    if rng.chance(5) {
        // Deep nesting.
        let depth = 50 + rng.below(5000);
        text = "[".repeat(depth) + &"]".repeat(rng.below(depth + 1));
    }
    text
}

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTg==\n    server: https://127.0.0.1:6443\n  name: kind-kind\ncontexts:\n- context:\n    cluster: kind-kind\n    user: kind-kind\n    namespace: default\n  name: kind-kind\ncurrent-context: kind-kind\npreferences: {}\nusers:\n- name: kind-kind\n  user:\n    client-certificate-data: LS0t\n    client-key-data: LS0t\n";

fn kubeconfig(rng: &mut Rng) -> String {
    let mut text = KUBECONFIG.to_string();
    for _ in 0..=rng.below(4) {
        let at = rng.below(text.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        match rng.below(5) {
            0 => text.insert_str(at, rng.pick(YAML_BITS)),
            1 => {
                let end = (at + rng.below(30)).min(text.len());
                let end = (end..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                text.replace_range(at..end, "");
            }
            2 => {
                text = text.replacen(
                    "kind-kind",
                    rng.pick(&["", "other", "kind-kind ", "é", "- x"]),
                    1,
                )
            }
            3 => {
                text = text.replacen(
                    "https://127.0.0.1:6443",
                    rng.pick(&[
                        "",
                        "http://",
                        "https://[::1",
                        "ftp://x:99999",
                        "127.0.0.1:notaport",
                    ]),
                    1,
                )
            }
            _ => {
                let g = garbage(rng);
                text.insert_str(at, &g);
            }
        }
    }
    if rng.chance(10) {
        text = garbage(rng);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Targets

#[test]
fn fuzz_terminal_lines() {
    fuzz("lines", terminal_line, |line| {
        let mut term = terminal();
        let words = line.split_whitespace().collect::<Vec<_>>();
        let plain_kubectl = matches!(words.first(), Some(&"kubectl"))
            && !line.contains([
                '|', '&', ';', '>', '<', '\n', '$', '`', '"', '\'', '\\', '#',
            ]);
        if plain_kubectl {
            check_kubectl(&mut term, line)
        } else {
            term.run(line);
            Ok(())
        }
    });
}

#[test]
fn fuzz_manifests_through_kubectl_apply() {
    fuzz("manifests", manifest, |text| {
        let mut term = terminal();
        let path = format!("{}/m.yaml", kubesim::term::fs::HOME);
        term.fs.write(&path, text);
        check_kubectl(&mut term, &format!("kubectl apply -f {path}"))?;
        check_kubectl(&mut term, &format!("kubectl create -f {path}"))?;
        check_kubectl(&mut term, &format!("kubectl delete -f {path}"))?;
        // Through stdin too (`cat m.yaml | kubectl apply -f -`).
        term.run(&format!("cat {path} | kubectl apply -f -"));
        Ok(())
    });
}

#[test]
fn fuzz_kubeconfig_files() {
    fuzz("kubeconfigs", kubeconfig, |text| {
        let mut term = terminal();
        let path = format!("{}/.kube/config", kubesim::term::fs::HOME);
        term.fs.write(&path, text);
        for line in [
            "kubectl get pods",
            "kubectl config view",
            "kubectl config get-contexts",
            "kubectl config current-context",
            "kubectl config use-context kind-kind",
            "kubectl --context other get nodes",
            "kubectl cluster-info",
        ] {
            check_kubectl(&mut term, line)?;
        }
        Ok(())
    });
}

/// A saved state to mutate: a kind world with a Deployment, exported.
fn exported_world() -> String {
    let mut world = World::new(3, Preset::Kind);
    if let (Some(res), Some(mut api)) = (
        kubesim::sim::api::resource_for("deployments"),
        world.api("kind-kind", "fuzz"),
    ) {
        let _ = api.create(res, kubesim::bench::deployment("default", "web", 2));
    }
    world.step(10_000);
    world.export()
}

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut text = base.to_string();
    for _ in 0..=rng.below(4) {
        let at = rng.below(text.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        match rng.below(5) {
            0 => text.insert_str(at, rng.pick(YAML_BITS)),
            1 => {
                let end = (at + rng.below(40)).min(text.len());
                let end = (end..=text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                text.replace_range(at..end, "");
            }
            2 => text.truncate(at),
            3 => {
                let g = garbage(rng);
                text.insert_str(at, &g);
            }
            _ => {
                let n = rng.pick(&[
                    "-1",
                    "0",
                    "1e999",
                    "\"x\"",
                    "null",
                    "[]",
                    "{}",
                    "99999999999999999999",
                ]);
                if let Some(pos) = text[at..].find(|c: char| c.is_ascii_digit()) {
                    let p = at + pos;
                    text.replace_range(p..p + 1, n);
                }
            }
        }
    }
    text
}

#[test]
fn fuzz_saved_states_through_world_import() {
    let base = exported_world();
    fuzz(
        "states",
        |rng| mutate(rng, &base),
        |text| {
            // Ok or a typed error: both fine; the imported world must also step.
            if let Ok(mut world) = World::import(text) {
                world.step(1_000);
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_lessons_progress_loader() {
    let base = "{\"version\":1,\"lessons\":{\"01-first-steps\":{\"step\":2,\"done\":[\"a\",\"b\"],\"attempts\":3}}}";
    fuzz(
        "progress",
        |rng| mutate(rng, base),
        |text| {
            let _ = kubesim::lessons::progress::Progress::from_json(text);
            Ok(())
        },
    );
}
