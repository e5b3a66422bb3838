//! The kubelets (one per node) and their container runtimes: heartbeat the Node (a Lease in
//! `kube-node-lease` every 10 s, node conditions), drive each bound pod through its lifecycle
//! stages, keep containers, images and logs.
//!
//! Start with [`step`]. Pod lifecycles are timed by the [`STAGES`] table (kwok-style data: a
//! stage name, a delay and a seeded jitter, the event it emits); the per-container state
//! machine only decides which stage comes next:
//!
//! ```text
//! sandbox ─► pull (Pulling/Pulled, or "already present") ─► create (Created) ─► start (Started)
//!              │ unknown image: ErrImagePull ⇄ ImagePullBackOff (10s … 5m)
//! Running ─► exit ─► restart now (1st) / CrashLoopBackOff 10s, 20s … 5m / Completed
//! deletionTimestamp ─► Killing ─► stopped (fast, or the whole grace period for a shell
//!                                         that ignores SIGTERM) ─► pod deleted
//! ```
//!
//! Each stage emits its Events, but the pod status is written once per pod-worker sync, as
//! upstream's kubelet does: not while a container is pulling, being created or started
//! (sandbox → start is one `SyncPod` upstream), so a new pod is reported Pending/
//! ContainerCreating without an IP, then Running (see `in_sync_pod_pass`).
//!
//! # What a container does (a convention, documented for lesson writers)
//! The effective command line is `command` + `args`; `sh -c '<script>'` is unwrapped. Then:
//! - no command: shells (`busybox`, `alpine`, `ubuntu`, `debian`...) exit 0 at once, so a
//!   Deployment of plain `busybox` ends in `CrashLoopBackOff` like on a real cluster;
//!   every other known image serves forever (`nginx`, `redis`, ...);
//! - `while true`, `sleep infinity`, `tail -f`: runs forever (and ignores SIGTERM: deletion
//!   waits the whole grace period, as PID 1 shells do);
//! - `false` or `exit N` (N ≠ 0): exits with that code after ~1 s;
//! - `sleep N` alone: exits 0 after N seconds; anything else (`echo hello`): exits 0 at once.
//!
//! Images: a known repository ([`KNOWN_IMAGES`]) with a listed tag (or one starting with it,
//! `1.27.3`, `1.27-alpine`) or `latest` pulls; a known repository with another tag fails with
//! containerd's `not found`; an unknown repository fails with `pull access denied`.
//!
//! Probes: an httpGet/tcpSocket probe on a port the image does not listen on fails
//! (`connection refused`); an exec probe running `false`/`exit 1` fails; others pass after
//! `initialDelaySeconds`.
//!
//! ```
//! use kubesim::sim::{World, presets::Preset, kubelet};
//! let mut w = World::new(1, Preset::Kind);
//! w.step(1000);
//! let rt = kubelet::runtime(&w.clusters["kind-kind"], "kind-worker").unwrap();
//! assert!(rt.version.starts_with("2."));
//! ```

use super::api::{self, resource_for_kind};
use super::apiserver::ApiError;
use super::clock::SimTime;
use super::events::{self, Type};
use super::network;
use super::scheduler::normalize_image;
use super::store::EventKind;
use super::value::Value;
use super::world::{Cluster, World};
use crate::sort::SortSmall;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The kubelet renews its node Lease this often (`nodeLeaseDurationSeconds` 40 / 4).
pub const LEASE_RENEW_MS: u64 = 10_000;
pub const LEASE_DURATION_S: i64 = 40;
/// How soon a pod status the API server refused is sent again.
const STATUS_RETRY_MS: u64 = 1_000;
/// How soon a pod whose sandbox failed is tried again.
const SANDBOX_RETRY_MS: u64 = 15_000;
/// `nodeStatusReportFrequency`: the node status is posted at least this often.
pub const NODE_STATUS_REPORT_MS: u64 = 5 * 60 * 1000;
/// Container restart back-off: 10 s doubling up to 5 min (also image pulls).
pub const BACKOFF_INITIAL_MS: u64 = 10_000;
pub const BACKOFF_MAX_MS: u64 = 300_000;

/// One lifecycle stage: how long it takes (plus a seeded jitter in `0..jitter_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub name: &'static str,
    pub delay_ms: u64,
    pub jitter_ms: u64,
    /// The event reason emitted when the stage completes (if any).
    pub reason: Option<&'static str>,
}

/// The lifecycle stages, as data (see module docs for the order).
pub const STAGES: &[Stage] = &[
    Stage {
        name: "sandbox",
        delay_ms: 300,
        jitter_ms: 300,
        reason: None,
    },
    Stage {
        name: "pull",
        delay_ms: 1_500,
        jitter_ms: 2_000,
        reason: Some("Pulled"),
    },
    Stage {
        name: "pull-cached",
        delay_ms: 0,
        jitter_ms: 0,
        reason: Some("Pulled"),
    },
    Stage {
        name: "pull-failed",
        delay_ms: 800,
        jitter_ms: 700,
        reason: Some("Failed"),
    },
    Stage {
        name: "err-image-pull",
        delay_ms: 4_000,
        jitter_ms: 2_000,
        reason: Some("BackOff"),
    },
    Stage {
        name: "create",
        delay_ms: 100,
        jitter_ms: 200,
        reason: Some("Created"),
    },
    Stage {
        name: "start",
        delay_ms: 100,
        jitter_ms: 200,
        reason: Some("Started"),
    },
    Stage {
        name: "exit-fast",
        delay_ms: 300,
        jitter_ms: 300,
        reason: None,
    },
    Stage {
        name: "exit-error",
        delay_ms: 1_000,
        jitter_ms: 500,
        reason: None,
    },
    Stage {
        name: "restart",
        delay_ms: 1_000,
        jitter_ms: 500,
        reason: None,
    },
    Stage {
        name: "stop",
        delay_ms: 300,
        jitter_ms: 400,
        reason: None,
    },
    Stage {
        name: "node-ready",
        delay_ms: 2_000,
        jitter_ms: 1_000,
        reason: Some("NodeReady"),
    },
];

fn stage(name: &str) -> Stage {
    STAGES
        .iter()
        .copied()
        .find(|s| s.name == name)
        .unwrap_or(Stage {
            name: "unknown",
            delay_ms: 0,
            jitter_ms: 0,
            reason: None,
        })
}

/// Known image repositories: `(repository, tags, size in MB, ports it listens on)`.
pub const KNOWN_IMAGES: &[(&str, &[&str], i64, &[i64])] = &[
    (
        "docker.io/library/nginx",
        &["1.2", "stable", "mainline", "alpine"],
        72,
        &[80],
    ),
    (
        "docker.io/library/busybox",
        &["1.3", "stable", "musl", "glibc", "uclibc"],
        2,
        &[],
    ),
    ("docker.io/library/alpine", &["3."], 4, &[]),
    // The Job example of the Kubernetes docs (`perl -Mbignum=bpi -wle 'print bpi(2000)'`).
    ("docker.io/library/perl", &["5", "slim", "stable"], 330, &[]),
    (
        "docker.io/library/ubuntu",
        &["2", "jammy", "noble"],
        29,
        &[],
    ),
    (
        "docker.io/library/debian",
        &["1", "bookworm", "trixie", "stable"],
        49,
        &[],
    ),
    ("docker.io/library/httpd", &["2.4", "alpine"], 58, &[80]),
    (
        "docker.io/library/redis",
        &["6", "7", "8", "alpine"],
        45,
        &[6379],
    ),
    ("docker.io/library/postgres", &["1", "alpine"], 160, &[5432]),
    ("docker.io/library/mysql", &["8", "9", "lts"], 230, &[3306]),
    ("docker.io/library/mongo", &["6", "7", "8"], 250, &[27017]),
    (
        "docker.io/library/memcached",
        &["1.6", "alpine"],
        30,
        &[11211],
    ),
    (
        "docker.io/library/python",
        &["3", "alpine", "slim"],
        50,
        &[],
    ),
    (
        "docker.io/library/node",
        &["18", "20", "22", "24", "alpine", "lts"],
        60,
        &[],
    ),
    (
        "docker.io/library/traefik",
        &["v2", "v3", "2.", "3."],
        50,
        &[80, 8080],
    ),
    (
        "docker.io/library/rabbitmq",
        &["3", "4", "management"],
        100,
        &[5672, 15672],
    ),
    ("docker.io/curlimages/curl", &["8."], 12, &[]),
    ("docker.io/hashicorp/http-echo", &["0.2", "1."], 4, &[5678]),
    ("docker.io/kindest/kindnetd", &["v2025"], 16, &[]),
    (
        "docker.io/rancher/local-path-provisioner",
        &["v0."],
        20,
        &[],
    ),
    (
        "docker.io/rancher/mirrored-coredns-coredns",
        &["1."],
        20,
        &[53, 8080, 8181],
    ),
    (
        "docker.io/rancher/mirrored-metrics-server",
        &["v0."],
        20,
        &[10250],
    ),
    (
        "docker.io/rancher/mirrored-library-traefik",
        &["3.", "2."],
        50,
        &[80, 443, 8080],
    ),
    ("docker.io/rancher/klipper-helm", &["v0."], 60, &[]),
    ("docker.io/rancher/klipper-lb", &["v0."], 5, &[]),
    ("docker.io/calico/node", &["v3."], 150, &[]),
    ("docker.io/calico/cni", &["v3."], 90, &[]),
    ("ghcr.io/flannel-io/flannel", &["v0."], 30, &[]),
    ("ghcr.io/flannel-io/flannel-cni-plugin", &["v1."], 5, &[]),
    ("registry.k8s.io/pause", &["3."], 1, &[]),
    ("registry.k8s.io/etcd", &["3."], 60, &[2379, 2380, 2381]),
    ("registry.k8s.io/kube-apiserver", &["v1."], 30, &[6443]),
    (
        "registry.k8s.io/kube-controller-manager",
        &["v1."],
        28,
        &[10257],
    ),
    ("registry.k8s.io/kube-scheduler", &["v1."], 20, &[10259]),
    ("registry.k8s.io/kube-proxy", &["v1."], 30, &[10256]),
    (
        "registry.k8s.io/coredns/coredns",
        &["v1."],
        20,
        &[53, 8080, 8181],
    ),
    (
        "registry.k8s.io/metrics-server/metrics-server",
        &["v0."],
        20,
        &[10250],
    ),
    (
        "registry.k8s.io/e2e-test-images/agnhost",
        &["2."],
        50,
        &[8080],
    ),
    ("registry.k8s.io/echoserver", &["1."], 45, &[8080]),
    ("gcr.io/k8s-minikube/storage-provisioner", &["v5"], 10, &[]),
];

/// A shell image: no command means `sh`, which exits at once without a terminal.
const SHELL_IMAGES: &[&str] = &[
    "busybox", "alpine", "ubuntu", "debian", "curl", "python", "node",
];

/// The outcome of pulling `image` (normalized): `Ok(size)` or the runtime's error.
pub fn pull_result(image: &str) -> Result<(i64, &'static [i64]), String> {
    let (repo, tag) = split_image(image);
    let shown = format!("{repo}:{tag}");
    match KNOWN_IMAGES.iter().find(|(r, ..)| *r == repo) {
        Some((_, tags, mb, ports)) => {
            if tag == "latest" || tag.contains("sha256") || tags.iter().any(|t| tag.starts_with(t)) {
                Ok((mb * 1024 * 1024 + fnv(image.as_bytes()) as i64 % 1_000_000, ports))
            } else {
                Err(format!(
                    "rpc error: code = NotFound desc = failed to pull and unpack image \"{shown}\": failed to resolve reference \"{shown}\": {shown}: not found"
                ))
            }
        }
        None => Err(format!(
            "failed to pull and unpack image \"{shown}\": failed to resolve reference \"{shown}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        )),
    }
}

fn split_image(image: &str) -> (&str, &str) {
    if let Some((r, d)) = image.split_once('@') {
        return (r, d);
    }
    match image.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (image, "latest"),
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `sha256:<64 hex>` derived from the image name (stable across runs).
pub fn image_digest(image: &str) -> String {
    // A pinned image (`repo@sha256:...`) is that digest; otherwise each tag is its own
    // image: 256 bits drawn from the whole reference, mixed (SplitMix64's finalizer) so that
    // the four words do not share a visible pattern.
    if let Some((_, digest)) = image.split_once('@') {
        return digest.to_string();
    }
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let seed = fnv(image.as_bytes());
    let mut out = String::from("sha256:");
    for i in 1..=4u64 {
        out.push_str(&format!(
            "{:016x}",
            mix(seed.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        ));
    }
    out
}

/// An image in a node's content store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRt {
    pub size: i64,
    pub digest: String,
}

/// One node's kubelet and container runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRt {
    /// `containerd://2.1.4`, from the Node's `nodeInfo`.
    pub runtime: String,
    pub images: BTreeMap<String, ImageRt>,
    last_lease: Option<SimTime>,
    last_status: Option<SimTime>,
    status_dirty: bool,
    /// Was the kubelet running at the previous step (to notice restarts and power-ons)?
    running: bool,
    /// Set by a power-off: containers died and will be restarted at power-on.
    pub lost_power: bool,
    /// Host numbers of the pod IPs handed out in the node's podCIDR.
    ips: BTreeSet<u32>,
    ready_since: Option<SimTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behavior {
    Serve,
    /// Exits with this code after the stage's delay, or after `after_ms` when set.
    Exit {
        code: i64,
        after_ms: Option<u64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CState {
    /// Waiting for the sandbox or for earlier init containers.
    Idle,
    Pulling,
    PullFailing,
    ErrImagePull,
    ImagePullBackOff,
    Creating,
    Starting,
    Running,
    /// Exited; `next` says when (if ever) it restarts.
    Exited,
    CrashLoopBackOff,
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    exit_code: i64,
    reason: &'static str,
    started: SimTime,
    finished: SimTime,
    id: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Ctr {
    name: String,
    image: String,
    /// `image` normalized (`docker.io/library/nginx:1.27`) and the `imageID` it reports once
    /// pulled (`docker.io/library/nginx@sha256:...`): computed once, not at every status.
    image_norm: String,
    image_id: String,
    always_pull: bool,
    behavior: Behavior,
    ignores_sigterm: bool,
    ports: Vec<i64>,
    readiness: Option<(u64, bool)>,
    liveness: Option<(u64, bool)>,
    st: CState,
    next: Option<SimTime>,
    restarts: u32,
    id: Option<String>,
    started: Option<SimTime>,
    term: Option<Term>,
    last: Option<Term>,
    backoff_ms: u64,
    pull_backoff_ms: u64,
    pull_error: Option<String>,
    ready: bool,
    /// The process exits with this code at `next`, once (see [`exit_containers`]).
    exit_once: Option<i64>,
    /// The pod's spec changed this container (a new image): the running process is killed
    /// and the new definition started at once, without back-off.
    redefined: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct PodRt {
    uid: String,
    node: String,
    host_network: bool,
    restart: char, // 'A'lways, 'O'nFailure, 'N'ever
    sandbox: Option<String>,
    sandbox_at: Option<SimTime>,
    ip: Option<String>,
    start_time: SimTime,
    init: Vec<Ctr>,
    ctrs: Vec<Ctr>,
    deleting: Option<SimTime>,
    network_warned: bool,
    qos: &'static str,
    /// `(time, client IP)` of requests served (nginx access log), the last 50.
    access: Vec<(SimTime, String)>,
}

/// Counters for benchmarks and the UI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub pods_started: u64,
    pub containers_started: u64,
    pub status_updates: u64,
}

/// This component's state for one cluster (kept in [`super::world::Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {
    last_revision: i64,
    synced: bool,
    pub nodes: BTreeMap<String, NodeRt>,
    pods: BTreeMap<String, PodRt>,
    due: BTreeSet<(SimTime, String)>,
    /// The CNI built into this distribution (`kindnet`, `bridge`, `flannel`); `None` means
    /// nodes stay NotReady until one is installed ([`network::install_cni`]).
    pub builtin_cni: Option<String>,
    pub counters: Counters,
}

fn delay(rng: &mut super::rng::SimRng, name: &str) -> u64 {
    let s = stage(name);
    s.delay_ms + u64::from(rng.below(s.jitter_ms as u32))
}

fn hex_id(rng: &mut super::rng::SimRng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

/// Splits a command line into the script it runs (`sh -c '...'` unwrapped).
fn script_of(c: &Value) -> Option<String> {
    let words: Vec<String> = ["command", "args"]
        .iter()
        .flat_map(|f| c.get(f).and_then(Value::as_seq).into_iter().flatten())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if words.is_empty() {
        return None;
    }
    let shells = ["sh", "/bin/sh", "bash", "/bin/bash", "ash"];
    if words.len() >= 3 && shells.contains(&words[0].as_str()) && words[1] == "-c" {
        return Some(words[2..].join(" "));
    }
    Some(words.join(" "))
}

/// Programs that serve until stopped when a manifest names them as its `command`.
const SERVER_COMMANDS: &[&str] = &[
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "cloud-controller-manager",
    "coredns",
    "kindnetd",
    "local-path-provisioner",
    "metrics-server",
    "storage-provisioner",
    "flanneld",
    "calico-node",
    "nginx",
];

fn behavior_of(c: &Value, image: &str) -> (Behavior, bool) {
    let (repo, _) = split_image(image);
    let short = repo.rsplit('/').next().unwrap_or(repo);
    let program = c
        .get("command")
        .and_then(Value::as_seq)
        .and_then(|cmd| cmd.first())
        .and_then(Value::as_str);
    match program {
        // Control-plane and add-on binaries run until stopped (static pods name them).
        Some(p) if SERVER_COMMANDS.contains(&p.rsplit('/').next().unwrap_or(p)) => {
            return (Behavior::Serve, false);
        }
        // Only `args` to a server image: its own entrypoint serves (CoreDNS `-conf ...`).
        None if SERVER_COMMANDS.contains(&short)
            || pull_result(image).is_ok_and(|(_, ports)| !ports.is_empty()) =>
        {
            return (Behavior::Serve, false);
        }
        _ => {}
    }
    let Some(script) = script_of(c) else {
        let (repo, _) = split_image(image);
        let short = repo.rsplit('/').next().unwrap_or(repo);
        return if SHELL_IMAGES.contains(&short) {
            (
                Behavior::Exit {
                    code: 0,
                    after_ms: None,
                },
                false,
            )
        } else {
            (Behavior::Serve, false)
        };
    };
    let s = script.trim();
    if s.contains("while true")
        || s.contains("while :")
        || s.contains("sleep infinity")
        || s.contains("tail -f")
    {
        return (Behavior::Serve, true);
    }
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    let exit_code = words
        .windows(2)
        .find(|w| w[0] == "exit")
        .and_then(|w| w[1].parse::<i64>().ok());
    let sleep_s = words
        .windows(2)
        .find(|w| w[0] == "sleep")
        .and_then(|w| w[1].trim_end_matches('s').parse::<u64>().ok());
    let code = exit_code.unwrap_or(
        if words.last() == Some(&"false") || words.first() == Some(&"false") {
            1
        } else {
            0
        },
    );
    (
        Behavior::Exit {
            code,
            after_ms: sleep_s.map(|s| s * 1000),
        },
        sleep_s.is_some(),
    )
}

fn probe_of(c: &Value, field: &str, ports: &[i64]) -> Option<(u64, bool)> {
    let p = c.get(field)?;
    let delay_ms = p
        .get("initialDelaySeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0) as u64
        * 1000;
    let port = |h: &Value| match h.get("port") {
        Some(Value::Int(n)) => Some(*n),
        Some(Value::Str(name)) => c
            .get("ports")
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .find(|x| x.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|x| x.get("containerPort").and_then(Value::as_i64)),
        _ => None,
    };
    let ok = if let Some(h) = p.get("httpGet").or_else(|| p.get("tcpSocket")) {
        port(h).is_some_and(|n| ports.contains(&n))
    } else if let Some(e) = p.get("exec") {
        let cmd = script_of(&{
            let mut v = Value::map();
            v.set(
                "command",
                e.get("command")
                    .cloned()
                    .unwrap_or(Value::Seq(vec![].into())),
            );
            v
        })
        .unwrap_or_default();
        !(cmd.trim() == "false" || cmd.contains("exit 1") || cmd.contains("/nonexistent"))
    } else {
        true
    };
    Some((delay_ms, ok))
}

fn ctr_from(c: &Value, pod_images_listen: bool) -> Ctr {
    let _ = pod_images_listen;
    let raw = c
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let image = normalize_image(&raw);
    let (behavior, ignores_sigterm) = behavior_of(c, &image);
    let mut ports: Vec<i64> = pull_result(&image)
        .map(|(_, p)| p.to_vec())
        .unwrap_or_default();
    if ports.is_empty() && behavior == Behavior::Serve {
        // Unknown servers listen where they say they do.
        ports = c
            .get("ports")
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("containerPort").and_then(Value::as_i64))
            .collect();
    }
    let policy = c.get("imagePullPolicy").and_then(Value::as_str);
    let always_pull = match policy {
        Some(p) => p == "Always",
        None => split_image(&image).1 == "latest",
    };
    let image_id = format!("{}@{}", split_image(&image).0, image_digest(&image));
    Ctr {
        image_norm: image,
        image_id,
        name: c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        readiness: probe_of(c, "readinessProbe", &ports),
        liveness: probe_of(c, "livenessProbe", &ports),
        image: raw,
        always_pull,
        behavior,
        ignores_sigterm,
        ports,
        st: CState::Idle,
        next: None,
        restarts: 0,
        id: None,
        started: None,
        term: None,
        last: None,
        backoff_ms: BACKOFF_INITIAL_MS,
        pull_backoff_ms: BACKOFF_INITIAL_MS,
        pull_error: None,
        ready: false,
        exit_once: None,
        redefined: false,
    }
}

fn qos_of(pod: &Value) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for c in pod
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
    {
        for r in ["cpu", "memory"] {
            let req = c.path(&["resources", "requests", r]);
            let lim = c.path(&["resources", "limits", r]);
            any |= req.is_some() || lim.is_some();
            guaranteed &= lim.is_some() && (req.is_none() || req == lim);
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        _ => "Burstable",
    }
}

fn pod_rt_from(pod: &Value, node: &str, now: SimTime) -> PodRt {
    let ctrs = |f: &str| -> Vec<Ctr> {
        pod.path(&["spec", f])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .map(|c| ctr_from(c, true))
            .collect()
    };
    let mut rt = PodRt {
        uid: api::meta_str(pod, "uid").unwrap_or("").to_string(),
        node: node.to_string(),
        host_network: pod.path(&["spec", "hostNetwork"]) == Some(&Value::Bool(true)),
        restart: match pod.path(&["spec", "restartPolicy"]).and_then(Value::as_str) {
            Some("Never") => 'N',
            Some("OnFailure") => 'O',
            _ => 'A',
        },
        sandbox: None,
        sandbox_at: None,
        ip: None,
        start_time: now,
        init: ctrs("initContainers"),
        ctrs: ctrs("containers"),
        deleting: None,
        network_warned: false,
        qos: qos_of(pod),
        access: Vec::new(),
    };
    adopt_status(&mut rt, pod);
    rt
}

/// Does `pod` carry a spec generation its status does not report yet (a new spec the
/// kubelet has not synced)? Pods whose status has no `observedGeneration` (mirror pods, pods
/// not synced yet) never do.
fn new_generation(pod: &Value) -> bool {
    let observed = pod.path(&["status", "observedGeneration"]);
    observed.is_some() && observed != pod.path(&["metadata", "generation"])
}

/// A pod whose spec changed a container's image (`kubectl set image pod/...`): the kubelet
/// takes the new definition; a running container is killed and started again with it
/// ("definition changed"), a waiting one just uses it at its next attempt.
fn redefine_containers(rt: &mut PodRt, pod: &Value, now: SimTime) {
    for (field, list) in [
        ("initContainers", &mut rt.init),
        ("containers", &mut rt.ctrs),
    ] {
        for c in pod
            .path(&["spec", field])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            let image = c.get("image").and_then(Value::as_str).unwrap_or("");
            let Some(ctr) = list.iter_mut().find(|x| x.name == name && x.image != image) else {
                continue;
            };
            // The definition comes from the new spec; what the runtime knows stays.
            let old = std::mem::replace(ctr, ctr_from(c, true));
            ctr.st = old.st;
            ctr.next = old.next;
            ctr.restarts = old.restarts;
            ctr.id = old.id;
            ctr.started = old.started;
            ctr.term = old.term;
            ctr.last = old.last;
            ctr.backoff_ms = old.backoff_ms;
            ctr.pull_backoff_ms = old.pull_backoff_ms;
            ctr.pull_error = old.pull_error;
            ctr.ready = old.ready;
            ctr.exit_once = old.exit_once;
            ctr.redefined = old.redefined;
            if ctr.st == CState::Running {
                ctr.redefined = true;
                ctr.next = Some(now);
            }
        }
    }
}

/// A pod that already runs (a preset's pods, an imported World): take its state from its
/// status instead of starting it again.
fn adopt_status(rt: &mut PodRt, pod: &Value) {
    let Some(status) = pod.get("status") else {
        return;
    };
    if let Some(t) = status
        .get("startTime")
        .and_then(Value::as_str)
        .and_then(SimTime::parse_rfc3339)
    {
        rt.start_time = t;
    }
    let Some(ip) = status.get("podIP").and_then(Value::as_str) else {
        return;
    };
    rt.ip = Some(ip.to_string());
    rt.sandbox = Some(format!("{:064x}", fnv(rt.uid.as_bytes())));
    for (field, list) in [
        ("initContainerStatuses", &mut rt.init),
        ("containerStatuses", &mut rt.ctrs),
    ] {
        for cs in status
            .get(field)
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let name = cs.get("name").and_then(Value::as_str).unwrap_or("");
            let Some(c) = list.iter_mut().find(|c| c.name == name) else {
                continue;
            };
            c.restarts = cs
                .get("restartCount")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0) as u32;
            c.id = cs
                .get("containerID")
                .and_then(Value::as_str)
                .map(|s| s.rsplit("://").next().unwrap_or(s).to_string());
            c.ready = cs.get("ready") == Some(&Value::Bool(true));
            let t = |v: Option<&Value>| v.and_then(Value::as_str).and_then(SimTime::parse_rfc3339);
            let term = |r: &Value| {
                let code = r.get("exitCode").and_then(Value::as_i64).unwrap_or(0);
                Term {
                    exit_code: code,
                    reason: if code == 0 { "Completed" } else { "Error" },
                    started: t(r.get("startedAt")).unwrap_or(SimTime::ZERO),
                    finished: t(r.get("finishedAt")).unwrap_or(SimTime::ZERO),
                    id: r
                        .get("containerID")
                        .and_then(Value::as_str)
                        .map(|s| s.rsplit("://").next().unwrap_or(s).to_string())
                        .or_else(|| c.id.clone())
                        .unwrap_or_default(),
                }
            };
            // The run before this one (`kubectl logs --previous`, `LAST STATE`).
            c.last = cs.path(&["lastState", "terminated"]).map(term);
            if let Some(r) = cs.path(&["state", "running"]) {
                c.st = CState::Running;
                c.started = t(r.get("startedAt"));
            } else if let Some(r) = cs.path(&["state", "terminated"]) {
                c.st = CState::Exited;
                c.term = Some(term(r));
            } else if let (Some("CrashLoopBackOff"), Some(last)) = (
                cs.path(&["state", "waiting", "reason"])
                    .and_then(Value::as_str),
                &c.last,
            ) {
                // Backing off: restarts when the back-off its message shows (`back-off 20s`)
                // has passed since the last exit, then doubles, as it would have.
                let shown_s = cs
                    .path(&["state", "waiting", "message"])
                    .and_then(Value::as_str)
                    .and_then(|m| m.strip_prefix("back-off "))
                    .and_then(|m| m.split(' ').next())
                    .map(|d| {
                        let (m, s) = d
                            .trim_end_matches('s')
                            .split_once('m')
                            .unwrap_or(("0", d.trim_end_matches('s')));
                        m.parse::<u64>().unwrap_or(0) * 60 + s.parse::<u64>().unwrap_or(0)
                    })
                    .unwrap_or(BACKOFF_INITIAL_MS / 1000);
                let backoff_ms = (shown_s * 1000).max(BACKOFF_INITIAL_MS);
                c.st = CState::CrashLoopBackOff;
                c.next = Some(last.finished.plus_ms(backoff_ms));
                c.backoff_ms = (backoff_ms * 2).min(BACKOFF_MAX_MS);
            }
        }
    }
}

fn lease_time(t: SimTime) -> String {
    let s = t.rfc3339();
    format!("{}.{:03}000Z", s.trim_end_matches('Z'), t.as_ms() % 1000)
}

/// Runs one round of this component for `cluster`, `dt_ms` after the previous one.
///
/// A round is [`begin`], then [`node_tick`] for each node it returned, then [`advance_next`]
/// until it returns `false`: [`super::world::World::run_step_while`] runs those units a few
/// at a time (a sliced step), in the same order, so both give the same world.
pub fn step(world: &mut World, cluster: &str, dt_ms: u64) {
    let _ = dt_ms;
    let now = world.now();
    for node in begin(world, cluster, now) {
        node_tick(world, cluster, &node, now);
    }
    while advance_next(world, cluster, now) {}
}

/// The start of a round: applies the store's changes since the last one and returns the
/// nodes to tick, in name order.
pub(crate) fn begin(world: &mut World, cluster: &str, now: SimTime) -> Vec<String> {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return Vec::new();
    };
    sync(c, now);
    c.kubelet.nodes.keys().cloned().collect()
}

/// Runs the pod whose next stage is due first (oldest first), if one is due by `now`.
/// Returns `false` when none is (the round is over).
pub(crate) fn advance_next(world: &mut World, cluster: &str, now: SimTime) -> bool {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return false;
    };
    let Some((at, key)) = c.kubelet.due.iter().next().cloned() else {
        return false;
    };
    if at > now {
        return false;
    }
    c.kubelet.due.remove(&(at, key.clone()));
    let node = match c.kubelet.pods.get(&key) {
        Some(p) => p.node.clone(),
        None => return true,
    };
    if !kubelet_running(c, &node) {
        // Parked until the kubelet is back (it re-arms every pod then).
        return true;
    }
    advance(world, cluster, &key, now);
    true
}

fn kubelet_running(c: &Cluster, node: &str) -> bool {
    if c.down.is_empty() {
        // Nothing is stopped (the usual case): no component names to build, for every node
        // at every step.
        return true;
    }
    // A partitioned kubelet runs but cannot reach the API server: for the cluster it is gone.
    c.is_up(&format!("node/{node}"))
        && c.is_up(&format!("kubelet/{node}"))
        && c.is_up(&format!("partition/{node}"))
}

fn runtime_running(c: &Cluster, node: &str) -> bool {
    if c.down.is_empty() {
        return true;
    }
    c.is_up(&format!("node/{node}")) && c.is_up(&format!("containerd/{node}"))
}

fn arm(st: &mut State, key: &str, at: SimTime) {
    st.due.insert((at, key.to_string()));
}

/// Applies the store's changes since the last step: new pods on our nodes, deletions.
fn sync(c: &mut Cluster, now: SimTime) {
    let st = &mut c.kubelet;
    let changes: Vec<(EventKind, String, Arc<Value>)> = match c.store.events_since(st.last_revision)
    {
        Ok(evs) if st.synced => evs
            .filter(|e| {
                e.kv.key.starts_with("/registry/pods/")
                    || e.kv.key.starts_with("/registry/minions/")
            })
            .map(|e| (e.kind, e.kv.key.to_string(), e.kv.value.clone()))
            .collect(),
        _ => {
            st.synced = true;
            let mut all: Vec<_> = c
                .store
                .range("/registry/minions/")
                .map(|kv| (EventKind::Put, kv.key.to_string(), kv.value.clone()))
                .collect();
            all.extend(
                c.store
                    .range("/registry/pods/")
                    .map(|kv| (EventKind::Put, kv.key.to_string(), kv.value.clone())),
            );
            all
        }
    };
    st.last_revision = c.store.revision();
    for (kind, key, value) in changes {
        if let Some(name) = key.strip_prefix("/registry/minions/") {
            if kind == EventKind::Delete {
                st.nodes.remove(name);
            } else if !st.nodes.contains_key(name) {
                let mut images = BTreeMap::new();
                for img in value
                    .path(&["status", "images"])
                    .and_then(Value::as_seq)
                    .into_iter()
                    .flatten()
                {
                    let size = img.get("sizeBytes").and_then(Value::as_i64).unwrap_or(0);
                    for n in img
                        .get("names")
                        .and_then(Value::as_seq)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !n.contains('@') {
                            images.insert(
                                n.to_string(),
                                ImageRt {
                                    size,
                                    digest: image_digest(n),
                                },
                            );
                        }
                    }
                }
                st.nodes.insert(
                    name.to_string(),
                    NodeRt {
                        runtime: value
                            .path(&["status", "nodeInfo", "containerRuntimeVersion"])
                            .and_then(Value::as_str)
                            .unwrap_or("containerd://2.1.4")
                            .to_string(),
                        images,
                        last_lease: None,
                        last_status: None,
                        status_dirty: true,
                        running: true,
                        lost_power: false,
                        ips: BTreeSet::new(),
                        ready_since: None,
                    },
                );
            }
            continue;
        }
        let pod_key = key.trim_start_matches("/registry/pods/").to_string();
        if kind == EventKind::Delete {
            if let Some(rt) = st.pods.remove(&pod_key) {
                release_ip(st, &rt);
            }
            continue;
        }
        let Some(node) = value
            .path(&["spec", "nodeName"])
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let uid = api::meta_str(&value, "uid").unwrap_or("");
        match st.pods.get_mut(&pod_key) {
            Some(rt) if rt.uid == uid => {
                // A new spec (a new generation) gets a sync that reports it in
                // `status.observedGeneration`.
                let new_generation = new_generation(&value);
                if new_generation {
                    redefine_containers(rt, &value, now);
                }
                if (rt.deleting.is_none()
                    && value.path(&["metadata", "deletionTimestamp"]).is_some())
                    || new_generation
                {
                    st.due.insert((now, pod_key));
                }
            }
            _ => {
                if let Some(old) = st.pods.remove(&pod_key) {
                    release_ip(st, &old);
                }
                let terminal = matches!(
                    value.path(&["status", "phase"]).and_then(Value::as_str),
                    Some("Succeeded" | "Failed")
                );
                let rt = pod_rt_from(&value, node, now);
                if let (Some(ip), Some(n), false) =
                    (&rt.ip, st.nodes.get_mut(node), rt.host_network)
                {
                    if let Some(h) = network::parse_ip(ip) {
                        n.ips.insert(h & 0xff);
                    }
                }
                let running = rt.sandbox.is_some();
                st.pods.insert(pod_key.clone(), rt);
                if !running || !terminal || value.path(&["metadata", "deletionTimestamp"]).is_some()
                {
                    st.due.insert((now, pod_key));
                }
            }
        }
    }
}

fn release_ip(st: &mut State, rt: &PodRt) {
    if rt.host_network {
        return;
    }
    if let (Some(ip), Some(n)) = (&rt.ip, st.nodes.get_mut(&rt.node)) {
        if let Some(h) = network::parse_ip(ip) {
            n.ips.remove(&(h & 0xff));
        }
    }
}

/// Heartbeats (Lease), node status, and restarts after a kubelet or power outage.
pub(crate) fn node_tick(world: &mut World, cluster: &str, node: &str, now: SimTime) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let up = kubelet_running(c, node);
    let powered = c.down.is_empty() || c.is_up(&format!("node/{node}"));
    let cni = network::cni_ready(c);
    let runtime_up = runtime_running(c, node);
    let st = &mut c.kubelet;
    let Some(n) = st.nodes.get_mut(node) else {
        return;
    };
    if !powered && !n.lost_power {
        // Power lost: every container on the node dies with it.
        n.lost_power = true;
    }
    if !up {
        n.running = false;
        return;
    }
    let restarted = !n.running;
    n.running = true;
    let mut rearm = Vec::new();
    if restarted {
        n.status_dirty = true;
        n.last_lease = None;
        let power_cycle = std::mem::replace(&mut n.lost_power, false);
        for (key, p) in st.pods.iter_mut().filter(|(_, p)| p.node == node) {
            if power_cycle {
                // Containers died with the machine: the kubelet starts them again.
                p.sandbox = None;
                p.sandbox_at = None;
                for ctr in p.init.iter_mut().chain(p.ctrs.iter_mut()) {
                    if ctr.st == CState::Running {
                        ctr.last = Some(Term {
                            exit_code: 255,
                            reason: "Unknown",
                            started: ctr.started.unwrap_or(now),
                            finished: now,
                            id: ctr.id.clone().unwrap_or_default(),
                        });
                        ctr.restarts += 1;
                        ctr.st = CState::Idle;
                        ctr.ready = false;
                        ctr.next = None;
                    }
                }
            }
            rearm.push(key.clone());
        }
    }
    for k in rearm {
        st.due.insert((now, k));
    }
    let Some(n) = st.nodes.get_mut(node) else {
        return;
    };
    let lease_due = n
        .last_lease
        .is_none_or(|t| now.since_ms(t) >= LEASE_RENEW_MS);
    let ready = cni && runtime_up;
    let was_ready = n.ready_since.is_some();
    if ready != was_ready {
        n.status_dirty = true;
        n.ready_since = ready.then_some(now);
    }
    let status_due = n.status_dirty
        || n.last_status
            .is_none_or(|t| now.since_ms(t) >= NODE_STATUS_REPORT_MS);
    if !lease_due && !status_due {
        return;
    }
    if lease_due {
        n.last_lease = Some(now);
    }
    if status_due {
        n.last_status = Some(now);
        n.status_dirty = false;
    }
    let images = n.images.clone();
    let actor = format!("kubelet/{node}");
    let Some(mut api) = world.api(cluster, &actor) else {
        return;
    };
    let node_res = resource_for_kind("Node");
    let lease_res = resource_for_kind("Lease");
    let node_obj = node_res.and_then(|r| {
        api.cluster
            .store
            .get(&r.storage_key(None, node))
            .map(|kv| kv.value.clone())
    });
    if lease_due {
        if let (Some(res), Some(node_obj)) = (lease_res, &node_obj) {
            let key = res.storage_key(Some("kube-node-lease"), node);
            let mut lease = match api.cluster.store.get(&key) {
                Some(kv) => (*kv.value).clone(),
                None => {
                    let mut l = Value::map();
                    let meta = l.path_mut_or_insert(&["metadata"]);
                    meta.set("name", node);
                    meta.set("namespace", "kube-node-lease");
                    let mut owner = Value::map();
                    owner.set("apiVersion", "v1");
                    owner.set("kind", "Node");
                    owner.set("name", node);
                    owner.set("uid", api::meta_str(node_obj, "uid").unwrap_or(""));
                    meta.set("ownerReferences", Value::Seq(vec![owner].into()));
                    l.path_mut_or_insert(&["spec"]).set("holderIdentity", node);
                    l.path_mut_or_insert(&["spec"])
                        .set("leaseDurationSeconds", LEASE_DURATION_S);
                    l
                }
            };
            lease
                .path_mut_or_insert(&["spec"])
                .set("renewTime", lease_time(now));
            let r = if lease.path(&["metadata", "uid"]).is_some() {
                api.update(res, lease)
            } else {
                api.create(res, lease)
            };
            let _ = r;
        }
    }
    if status_due {
        if let (Some(res), Some(node_obj)) = (node_res, node_obj) {
            let mut obj = (*node_obj).clone();
            let (status, reason, message) = if !runtime_up {
                (
                    "False",
                    "KubeletNotReady",
                    "container runtime is down".to_string(),
                )
            } else if !cni {
                (
                    "False",
                    "KubeletNotReady",
                    network::CNI_NOT_READY.to_string(),
                )
            } else {
                (
                    "True",
                    "KubeletReady",
                    "kubelet is posting ready status".to_string(),
                )
            };
            let stamp = now.rfc3339();
            if let Some(Value::Seq(conds)) = obj
                .path_mut_or_insert(&["status"])
                .as_map()
                .and_then(|_| None::<Value>)
            {
                let _ = conds;
            }
            let conds = obj.path_mut_or_insert(&["status", "conditions"]);
            if !matches!(conds, Value::Seq(_)) {
                *conds = Value::Seq(Default::default());
            }
            if let Value::Seq(list) = conds {
                for cond in list.iter_mut() {
                    cond.set("lastHeartbeatTime", stamp.as_str());
                    if cond.get("type").and_then(Value::as_str) == Some("Ready") {
                        if cond.get("status").and_then(Value::as_str) != Some(status) {
                            cond.set("lastTransitionTime", stamp.as_str());
                        }
                        cond.set("status", status);
                        cond.set("reason", reason);
                        cond.set("message", message.as_str());
                    }
                }
            }
            let mut by_size: Vec<(&String, &ImageRt)> = images.iter().collect();
            by_size.sort_small_by(|a, b| b.1.size.cmp(&a.1.size).then(a.0.cmp(b.0)));
            let imgs: Vec<Value> = by_size
                .into_iter()
                .take(50)
                .map(|(name, img)| {
                    let (repo, _) = split_image(name);
                    let mut v = Value::map();
                    v.set(
                        "names",
                        Value::Seq(
                            vec![
                                format!("{repo}@{}", img.digest).into(),
                                name.as_str().into(),
                            ]
                            .into(),
                        ),
                    );
                    v.set("sizeBytes", img.size);
                    v
                })
                .collect();
            obj.path_mut_or_insert(&["status"])
                .set("images", Value::Seq(imgs.into()));
            let ready_changed =
                node_obj.path(&["status", "conditions"]) != obj.path(&["status", "conditions"]);
            let _ = ready_changed;
            if let Ok(updated) = api.update(res, obj) {
                if restarted_or_ready_changed(&node_obj, &updated) {
                    let reason = if status == "True" {
                        "NodeReady"
                    } else {
                        "NodeNotReady"
                    };
                    let msg = format!("Node {node} status is now: {reason}");
                    events::record(
                        &mut api,
                        &updated,
                        Type::Normal,
                        reason,
                        &msg,
                        "kubelet",
                        Some(node),
                    );
                }
            }
        }
    }
}

fn ready_status(node: &Value) -> Option<&str> {
    node.path(&["status", "conditions"])
        .and_then(Value::as_seq)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))?
        .get("status")
        .and_then(Value::as_str)
}

fn restarted_or_ready_changed(old: &Value, new: &Value) -> bool {
    ready_status(old) != ready_status(new)
}

/// A kubelet event about a pod or one of its containers.
struct Ev {
    kind: Type,
    reason: &'static str,
    message: String,
    field_path: Option<String>,
}

fn ev(kind: Type, reason: &'static str, message: String, ctr: Option<(&str, bool)>) -> Ev {
    Ev {
        kind,
        reason,
        message,
        field_path: ctr.map(|(n, init)| {
            if init {
                format!("spec.initContainers{{{n}}}")
            } else {
                format!("spec.containers{{{n}}}")
            }
        }),
    }
}

/// Advances one pod as far as it can go at `now` and writes its status if it changed.
fn advance(world: &mut World, cluster: &str, key: &str, now: SimTime) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let store_key = format!("/registry/pods/{key}");
    let Some(pod) = c.store.get(&store_key).map(|kv| kv.value.clone()) else {
        if let Some(rt) = c.kubelet.pods.remove(key) {
            release_ip(&mut c.kubelet, &rt);
        }
        return;
    };
    let cni = network::cni_ready(c);
    let Some(mut rt) = c.kubelet.pods.remove(key) else {
        return;
    };
    let runtime_up = runtime_running(c, &rt.node);
    // What the CNI plugin would answer a new sandbox (flannel without a subnet).
    let (net_err, ipam) = if rt.sandbox.is_none() && !rt.host_network {
        (
            super::flannel::sandbox_error(c, &rt.node),
            network::ipam_block(c, &rt.node),
        )
    } else {
        (None, None)
    };
    let mut out: Vec<Ev> = Vec::new();
    let mut delete_now = false;
    let rng = &mut world.rng;
    let st = &mut c.kubelet;
    // One read of the node for both (its address and pod CIDR can change: cloud providers
    // and `kubeadm init` set them after the kubelet registered).
    let node_obj = c
        .store
        .get(&format!("/registry/minions/{}", rt.node))
        .map(|kv| Arc::clone(&kv.value));
    let node_ip = node_obj
        .as_deref()
        .and_then(|n| super::meta::node_address(n, "InternalIP").map(str::to_string))
        .unwrap_or_default();
    let pod_cidr = node_obj
        .as_deref()
        .and_then(|n| n.path(&["spec", "podCIDR"]).and_then(Value::as_str))
        .filter(|cidr| !cidr.is_empty())
        .map(str::to_string)
        .or(ipam)
        .unwrap_or_default();
    drop(node_obj);
    let pod_name = api::name_of(&pod).to_string();
    let ns = api::namespace_of(&pod).unwrap_or("default").to_string();
    let mut next: Option<SimTime> = None;
    let mut want = |t: SimTime| next = Some(next.map_or(t, |n: SimTime| n.min(t)));
    // Inside one pod-worker sync (see [`in_sync_pod_pass`]): no status is written.
    let mut in_sync_pod = false;

    if !runtime_up {
        // The pod workers retry until the runtime answers again.
        want(now.plus_ms(1_000));
    } else {
        // Graceful termination.
        let deletion = pod
            .path(&["metadata", "deletionTimestamp"])
            .and_then(Value::as_str)
            .and_then(SimTime::parse_rfc3339);
        if let Some(deadline) = deletion {
            if rt.deleting.is_none() {
                rt.deleting = Some(deadline);
                for (init, ctr) in rt
                    .init
                    .iter_mut()
                    .map(|c| (true, c))
                    .chain(rt.ctrs.iter_mut().map(|c| (false, c)))
                {
                    if ctr.st == CState::Running {
                        out.push(ev(
                            Type::Normal,
                            "Killing",
                            format!("Stopping container {}", ctr.name),
                            Some((&ctr.name, init)),
                        ));
                        let stop = if ctr.ignores_sigterm {
                            deadline
                        } else {
                            now.plus_ms(delay(rng, "stop")).min(deadline)
                        };
                        ctr.next = Some(stop);
                    } else {
                        ctr.next = Some(now);
                    }
                }
            }
            let mut all_stopped = true;
            for ctr in rt.init.iter_mut().chain(rt.ctrs.iter_mut()) {
                match ctr.next {
                    Some(t) if t > now && ctr.st == CState::Running => {
                        all_stopped = false;
                        want(t);
                    }
                    _ => {
                        if ctr.st == CState::Running {
                            let killed = ctr.ignores_sigterm;
                            ctr.term = Some(Term {
                                exit_code: if killed { 137 } else { 0 },
                                reason: if killed { "Error" } else { "Completed" },
                                started: ctr.started.unwrap_or(now),
                                finished: now,
                                id: ctr.id.clone().unwrap_or_default(),
                            });
                            ctr.st = CState::Exited;
                            ctr.ready = false;
                        }
                        ctr.next = None;
                    }
                }
            }
            if all_stopped {
                delete_now = true;
            }
        } else {
            // The kubelet names pods `<name>_<namespace>(<uid>)` in its messages (`format.Pod`).
            let pod_ref = format!("{pod_name}_{ns}({})", rt.uid);
            let init_done_before = init_done_now(&rt.init);
            run_pod(
                &mut rt, st, rng, now, cni, net_err, &pod_cidr, &node_ip, &pod_ref, &mut out,
            );
            // Init containers that just finished are reported (the sync that starts the app
            // containers begins with a status showing them done), even if the app containers
            // are already pulling.
            in_sync_pod = in_sync_pod_pass(&rt) && (init_done_before || !init_done_now(&rt.init));
            // Only the containers that can move now: the first unfinished init container,
            // or (once they all succeeded) the app containers.
            let active: Vec<&Ctr> = if init_done_now(&rt.init) {
                rt.ctrs.iter().collect()
            } else {
                rt.init
                    .iter()
                    .find(|c| {
                        !(c.st == CState::Exited
                            && c.term.as_ref().is_some_and(|t| t.exit_code == 0))
                    })
                    .into_iter()
                    .collect()
            };
            for ctr in active {
                if let Some(t) = ctr.next {
                    want(t);
                }
            }
            if rt.sandbox.is_none() {
                if let Some(t) = rt.sandbox_at {
                    want(t);
                }
            }
        }
    }
    // The status is built only when the status manager would send one: not between the
    // sandbox and the containers' start, which upstream's kubelet does in one `SyncPod`.
    // A sync for a new spec starts, as every `SyncPod`, with a status reporting the
    // generation it saw, even when the containers it restarts are then pulling.
    let status =
        (!in_sync_pod || new_generation(&pod)).then(|| build_status(&rt, &pod, now, &node_ip));
    let node = rt.node.clone();
    if let Some(t) = next {
        // Never re-arm for the same instant: what is due now was done by this call.
        arm(st, key, t.max(now.plus_ms(1)));
    }
    let deleting = rt.deleting.is_some();
    if delete_now {
        release_ip(st, &rt);
    } else {
        st.pods.insert(key.to_string(), rt);
    }
    let changed = status.is_some() && pod.get("status") != status.as_ref();
    if changed {
        st.counters.status_updates += 1;
    }
    let actor = format!("kubelet/{node}");
    let Some(pod_res) = resource_for_kind("Pod") else {
        return;
    };
    let Some(mut api) = world.api(cluster, &actor) else {
        return;
    };
    // Through the status subresource, only when the status changed (events need only the
    // pod's metadata): no defaulting or spec validation, no copy of the pod.
    let updated = if changed && !delete_now {
        api.update_status_shared(pod_res, &pod, status).ok()
    } else {
        None
    };
    let current: &Value = updated.as_ref().unwrap_or(&pod);
    for e in out {
        let mut involved = Value::map();
        involved.set("apiVersion", "v1");
        involved.set("kind", "Pod");
        for f in ["name", "namespace", "uid", "resourceVersion"] {
            if let Some(v) = current.path(&["metadata", f]) {
                involved.path_mut_or_insert(&["metadata"]).set(f, v.clone());
            }
        }
        if let Some(fp) = &e.field_path {
            involved.set("fieldPath", fp.as_str());
        }
        events::record(
            &mut api,
            &involved,
            e.kind,
            e.reason,
            &e.message,
            "kubelet",
            Some(&node),
        );
    }
    if delete_now && deleting {
        let opts = super::apiserver::DeleteOptions {
            grace_period_s: Some(0),
            ..Default::default()
        };
        let _ = api.delete_with(pod_res, Some(&ns), &pod_name, &opts);
    }
    // The status manager retries a status the API server refused (etcd without quorum).
    let refused = changed && !delete_now && updated.is_none();
    if refused {
        if let Some(c) = world.clusters.get_mut(cluster) {
            arm(&mut c.kubelet, key, now.plus_ms(STATUS_RETRY_MS));
        }
    }
}

/// Whether the pod is inside one pass of upstream's pod worker (`SyncPod`): the sandbox
/// is made and a container is being pulled, created or started. Upstream's kubelet sets the
/// pod status at the start of each `SyncPod` from what the runtime reported, then creates the
/// sandbox and pulls, creates and starts the containers within that one call ("Pod status is
/// updated before each SyncPod, while the whole image pulling process happens during
/// SyncPod", kubernetes/kubernetes#19077); the next status is sent when the sync after it
/// (woken by the runtime's events) sees the containers running or failed. So a starting pod
/// is reported twice (Pending with ContainerCreating, no pod IP yet; then Running), and a
/// restarting container goes from Completed/CrashLoopBackOff straight to running, never
/// through ContainerCreating; the Events (Pulling, Pulled, Created, Started) are still
/// emitted at each stage.
fn in_sync_pod_pass(rt: &PodRt) -> bool {
    let busy = |c: &Ctr| {
        matches!(
            c.st,
            CState::Pulling | CState::PullFailing | CState::Creating | CState::Starting
        )
    };
    rt.sandbox.is_some() && rt.init.iter().chain(rt.ctrs.iter()).any(busy)
}

/// The lifecycle of a pod that is not being deleted.
#[allow(clippy::too_many_arguments)]
fn run_pod(
    rt: &mut PodRt,
    st: &mut State,
    rng: &mut super::rng::SimRng,
    now: SimTime,
    cni: bool,
    net_err: Option<&str>,
    pod_cidr: &str,
    node_ip: &str,
    pod_ref: &str,
    out: &mut Vec<Ev>,
) {
    // Sandbox (pause container + network namespace).
    if rt.sandbox.is_none() {
        if !rt.host_network && !cni {
            if !rt.network_warned {
                rt.network_warned = true;
                out.push(ev(
                    Type::Warning,
                    "NetworkNotReady",
                    format!("network is not ready: {}", network::CNI_NOT_READY),
                    None,
                ));
            }
            rt.sandbox_at = Some(now.plus_ms(5_000));
            return;
        }
        match rt.sandbox_at {
            None => {
                rt.sandbox_at = Some(now.plus_ms(delay(rng, "sandbox")));
                return;
            }
            Some(t) if t > now => return,
            _ => {}
        }
        if let Some(err) = net_err {
            // The pod workers retry about every 15 s. One sandbox id per pod keeps the
            // repeated event aggregated (real ids differ per attempt).
            let mut x = fnv(rt.uid.as_bytes());
            let id: String = (0..4)
                .map(|_| {
                    // splitmix64: well-spread words from one seed.
                    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = x;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    format!("{:016x}", z ^ (z >> 31))
                })
                .collect();
            out.push(ev(
                Type::Warning,
                "FailedCreatePodSandBox",
                format!("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"{id}\": {err}"),
                None,
            ));
            rt.sandbox_at = Some(now.plus_ms(SANDBOX_RETRY_MS));
            return;
        }
        let ip = if rt.host_network {
            Some(node_ip.to_string())
        } else {
            let Some(n) = st.nodes.get_mut(&rt.node) else {
                return;
            };
            let host = (2..255u32).find(|h| !n.ips.contains(h));
            match host.and_then(|h| network::nth_ip(pod_cidr, h).map(|ip| (h, ip))) {
                Some((h, ip)) => {
                    n.ips.insert(h);
                    Some(ip)
                }
                None => None,
            }
        };
        rt.ip = ip;
        rt.sandbox = Some(hex_id(rng));
        rt.sandbox_at = None;
        for ctr in rt.init.iter_mut().chain(rt.ctrs.iter_mut()) {
            if ctr.st == CState::Idle {
                ctr.next = Some(now);
            }
        }
        st.counters.pods_started += 1;
    }
    // Init containers one at a time, then all app containers.
    let init_done = rt
        .init
        .iter()
        .all(|c| c.st == CState::Exited && c.term.as_ref().is_some_and(|t| t.exit_code == 0));
    let restart = rt.restart;
    let Some(node) = st.nodes.get_mut(&rt.node) else {
        return;
    };
    if !init_done {
        let mut failed_for_good = false;
        if let Some(ctr) = rt.init.iter_mut().find(|c| {
            !(c.st == CState::Exited && c.term.as_ref().is_some_and(|t| t.exit_code == 0))
        }) {
            if ctr.st == CState::Idle && ctr.next.is_none() {
                ctr.next = Some(now);
            }
            // Init containers restart unless the pod's policy is Never.
            let policy = if restart == 'N' { 'N' } else { 'O' };
            tick_ctr(
                ctr,
                node,
                rng,
                now,
                policy,
                true,
                pod_ref,
                out,
                &mut st.counters,
            );
            failed_for_good = ctr.st == CState::Exited && ctr.next.is_none();
        }
        if init_done_now(&rt.init) {
            for ctr in rt.ctrs.iter_mut() {
                ctr.next = Some(now);
            }
            run_pod(
                rt, st, rng, now, cni, net_err, pod_cidr, node_ip, pod_ref, out,
            );
        }
        let _ = failed_for_good;
        return;
    }
    for ctr in rt.ctrs.iter_mut() {
        tick_ctr(
            ctr,
            node,
            rng,
            now,
            restart,
            false,
            pod_ref,
            out,
            &mut st.counters,
        );
    }
}

fn init_done_now(init: &[Ctr]) -> bool {
    init.iter()
        .all(|c| c.st == CState::Exited && c.term.as_ref().is_some_and(|t| t.exit_code == 0))
}

/// Moves one container through as many stages as are due at `now`.
#[allow(clippy::too_many_arguments)]
fn tick_ctr(
    ctr: &mut Ctr,
    node: &mut NodeRt,
    rng: &mut super::rng::SimRng,
    now: SimTime,
    policy: char,
    init: bool,
    // `<name>_<namespace>(<uid>)`, as the kubelet's `format.Pod` prints it.
    pod_ref: &str,
    out: &mut Vec<Ev>,
    counters: &mut Counters,
) {
    for _ in 0..16 {
        let Some(due) = ctr.next else { return };
        if due > now {
            return;
        }
        let image = ctr.image_norm.clone();
        let shown = ctr.image.clone();
        let who = Some((ctr.name.as_str(), init));
        match ctr.st {
            CState::Idle | CState::ImagePullBackOff | CState::CrashLoopBackOff => {
                if ctr.st == CState::CrashLoopBackOff {
                    // The back-off is over: a new attempt starts. restartCount is the attempt
                    // number of the latest container, so it moves now, not when the back-off
                    // began.
                    ctr.restarts += 1;
                }
                let present = node.images.contains_key(&image);
                if present && !ctr.always_pull {
                    out.push(ev(
                        Type::Normal,
                        "Pulled",
                        format!("Container image \"{shown}\" already present on machine"),
                        who,
                    ));
                    ctr.st = CState::Creating;
                    ctr.next = Some(due.plus_ms(delay(rng, "create")));
                } else {
                    out.push(ev(
                        Type::Normal,
                        "Pulling",
                        format!("Pulling image \"{shown}\""),
                        who,
                    ));
                    match pull_result(&image) {
                        Ok(_) => {
                            ctr.st = CState::Pulling;
                            let d = if present {
                                400 + u64::from(rng.below(400))
                            } else {
                                delay(rng, "pull")
                            };
                            ctr.next = Some(due.plus_ms(d));
                        }
                        Err(e) => {
                            ctr.pull_error = Some(e);
                            ctr.st = CState::PullFailing;
                            ctr.next = Some(due.plus_ms(delay(rng, "pull-failed")));
                        }
                    }
                }
            }
            CState::Pulling => {
                let size = pull_result(&image).map(|(s, _)| s).unwrap_or(0);
                let started = ctr.next.unwrap_or(now);
                let took_ms = 1_000 + (size / 40_000).max(1) as u64 % 2_500;
                let took = format!("{}.{:03}s", took_ms / 1000, took_ms % 1000);
                out.push(ev(
                    Type::Normal,
                    "Pulled",
                    format!("Successfully pulled image \"{shown}\" in {took} ({took} including waiting). Image size: {size} bytes."),
                    who,
                ));
                let _ = started;
                node.images.insert(
                    image.clone(),
                    ImageRt {
                        size,
                        digest: image_digest(&image),
                    },
                );
                node.status_dirty = true;
                ctr.pull_backoff_ms = BACKOFF_INITIAL_MS;
                ctr.st = CState::Creating;
                ctr.next = Some(due.plus_ms(delay(rng, "create")));
            }
            CState::PullFailing => {
                let err = ctr.pull_error.clone().unwrap_or_default();
                out.push(ev(
                    Type::Warning,
                    "Failed",
                    format!("Failed to pull image \"{shown}\": {err}"),
                    who,
                ));
                out.push(ev(
                    Type::Warning,
                    "Failed",
                    "Error: ErrImagePull".into(),
                    who,
                ));
                ctr.st = CState::ErrImagePull;
                ctr.next = Some(due.plus_ms(delay(rng, "err-image-pull")));
            }
            CState::ErrImagePull => {
                out.push(ev(
                    Type::Normal,
                    "BackOff",
                    format!("Back-off pulling image \"{shown}\""),
                    who,
                ));
                out.push(ev(
                    Type::Warning,
                    "Failed",
                    "Error: ImagePullBackOff".into(),
                    who,
                ));
                ctr.st = CState::ImagePullBackOff;
                ctr.next = Some(due.plus_ms(ctr.pull_backoff_ms));
                ctr.pull_backoff_ms = (ctr.pull_backoff_ms * 2).min(BACKOFF_MAX_MS);
            }
            CState::Creating => {
                ctr.id = Some(hex_id(rng));
                out.push(ev(
                    Type::Normal,
                    "Created",
                    format!("Created container: {}", ctr.name),
                    who,
                ));
                ctr.st = CState::Starting;
                ctr.next = Some(due.plus_ms(delay(rng, "start")));
            }
            CState::Starting => {
                out.push(ev(
                    Type::Normal,
                    "Started",
                    format!("Started container {}", ctr.name),
                    who,
                ));
                counters.containers_started += 1;
                ctr.st = CState::Running;
                ctr.started = Some(due);
                ctr.term = None;
                ctr.ready = false;
                let mut next = None::<SimTime>;
                let mut at = |t: SimTime| next = Some(next.map_or(t, |n: SimTime| n.min(t)));
                match ctr.behavior {
                    Behavior::Exit { code, after_ms } => {
                        let d = after_ms.unwrap_or_else(|| {
                            delay(rng, if code == 0 { "exit-fast" } else { "exit-error" })
                        });
                        at(due.plus_ms(d));
                    }
                    Behavior::Serve => {}
                }
                match ctr.readiness {
                    Some((d, true)) => at(due.plus_ms(d.max(1))),
                    Some((_, false)) => {}
                    None => ctr.ready = !init,
                }
                if let Some((d, false)) = ctr.liveness {
                    // failureThreshold 3, periodSeconds 10.
                    at(due.plus_ms(d + 30_000));
                }
                ctr.next = next;
            }
            CState::Running => {
                let started = ctr.started.unwrap_or(due);
                let exit = match (ctr.exit_once.take(), ctr.behavior) {
                    (Some(code), _) | (None, Behavior::Exit { code, .. }) => Some(code),
                    (None, Behavior::Serve) => None,
                };
                let live_fail =
                    matches!(ctr.liveness, Some((d, false)) if now.since_ms(started) >= d + 30_000);
                let ready_due =
                    matches!(ctr.readiness, Some((d, true)) if now.since_ms(started) >= d.max(1));
                if ready_due && !ctr.ready && exit.is_none() && !ctr.redefined {
                    ctr.ready = true;
                    ctr.next = None;
                    continue;
                }
                if ctr.redefined {
                    // `computePodActions`: the spec hash changed. The process stops (SIGTERM,
                    // exit 0) and the new definition starts now: a new spec has no back-off.
                    out.push(ev(
                        Type::Normal,
                        "Killing",
                        format!(
                            "Container {} definition changed, will be restarted",
                            ctr.name
                        ),
                        who,
                    ));
                    ctr.term = Some(Term {
                        exit_code: 0,
                        reason: "Completed",
                        started,
                        finished: due,
                        id: ctr.id.clone().unwrap_or_default(),
                    });
                    ctr.st = CState::Exited;
                    ctr.ready = false;
                    ctr.next = Some(due);
                    continue;
                }
                if live_fail {
                    let port = ctr.ports.first().copied().unwrap_or(8080);
                    out.push(ev(
                        Type::Warning,
                        "Unhealthy",
                        format!(
                            "Liveness probe failed: dial tcp :{port}: connect: connection refused"
                        ),
                        who,
                    ));
                    out.push(ev(
                        Type::Normal,
                        "Killing",
                        format!(
                            "Container {} failed liveness probe, will be restarted",
                            ctr.name
                        ),
                        who,
                    ));
                }
                let code = if live_fail { 137 } else { exit.unwrap_or(0) };
                ctr.term = Some(Term {
                    exit_code: code,
                    reason: if code == 0 { "Completed" } else { "Error" },
                    started,
                    finished: due,
                    id: ctr.id.clone().unwrap_or_default(),
                });
                ctr.st = CState::Exited;
                ctr.ready = false;
                let restart = match policy {
                    'A' => true,
                    'O' => code != 0,
                    _ => false,
                };
                if !restart {
                    ctr.next = None;
                    return;
                }
                // Ran long enough: the back-off is forgotten.
                if due.since_ms(started) > 10 * 60 * 1000 {
                    ctr.backoff_ms = BACKOFF_INITIAL_MS;
                }
                ctr.next = Some(due.plus_ms(if ctr.restarts == 0 && !live_fail {
                    delay(rng, "restart")
                } else {
                    0
                }));
            }
            CState::Exited => {
                // Restart now (the first time, or a new definition) or after the back-off.
                let Some(term) = ctr.term.take() else {
                    ctr.next = None;
                    return;
                };
                if std::mem::take(&mut ctr.redefined) {
                    ctr.last = Some(term);
                    ctr.restarts += 1;
                    ctr.st = CState::Idle;
                    ctr.next = Some(due);
                } else if ctr.restarts == 0 {
                    ctr.last = Some(term);
                    ctr.restarts = 1;
                    ctr.st = CState::Idle;
                    ctr.next = Some(due);
                } else {
                    out.push(ev(
                        Type::Warning,
                        "BackOff",
                        format!(
                            "Back-off restarting failed container {} in pod {}",
                            ctr.name, pod_ref
                        ),
                        who,
                    ));
                    ctr.last = Some(term);
                    ctr.st = CState::CrashLoopBackOff;
                    ctr.next = Some(due.plus_ms(ctr.backoff_ms));
                    ctr.backoff_ms = (ctr.backoff_ms * 2).min(BACKOFF_MAX_MS);
                }
            }
        }
    }
}

fn term_value(t: &Term) -> Value {
    let mut v = Value::map();
    v.set("containerID", format!("containerd://{}", t.id));
    v.set("exitCode", t.exit_code);
    v.set("finishedAt", t.finished.rfc3339());
    v.set("reason", t.reason);
    v.set("startedAt", t.started.rfc3339());
    v
}

fn ctr_status(ctr: &Ctr, pod_name: &str, ns: &str, uid: &str) -> Value {
    let mut v = Value::map();
    v.set("name", ctr.name.as_str());
    v.set("image", ctr.image_norm.as_str());
    let pulled = !matches!(
        ctr.st,
        CState::Idle
            | CState::Pulling
            | CState::PullFailing
            | CState::ErrImagePull
            | CState::ImagePullBackOff
    ) || ctr.restarts > 0;
    v.set("imageID", if pulled { ctr.image_id.as_str() } else { "" });
    if let Some(id) = &ctr.id {
        if pulled {
            v.set("containerID", format!("containerd://{id}"));
        }
    }
    v.set("ready", ctr.ready);
    v.set("restartCount", i64::from(ctr.restarts));
    v.set("started", ctr.st == CState::Running);
    let mut state = Value::map();
    let waiting = |reason: &str, message: Option<String>| {
        let mut w = Value::map();
        w.set("reason", reason);
        if let Some(m) = message {
            w.set("message", m);
        }
        let mut s = Value::map();
        s.set("waiting", w);
        s
    };
    let shown = &ctr.image;
    match ctr.st {
        CState::Running => {
            let mut r = Value::map();
            r.set("startedAt", ctr.started.unwrap_or(SimTime::ZERO).rfc3339());
            state.set("running", r);
        }
        CState::Exited => match &ctr.term {
            Some(t) => state.set("terminated", term_value(t)),
            None => state = waiting("ContainerCreating", None),
        },
        CState::ErrImagePull => state = waiting("ErrImagePull", ctr.pull_error.clone()),
        CState::ImagePullBackOff => {
            state = waiting(
                "ImagePullBackOff",
                Some(format!(
                    "Back-off pulling image \"{shown}\": ErrImagePull: {}",
                    ctr.pull_error.clone().unwrap_or_default()
                )),
            )
        }
        CState::CrashLoopBackOff => {
            let secs = (ctr.backoff_ms / 2).max(BACKOFF_INITIAL_MS) / 1000;
            let dur = if secs >= 60 {
                format!("{}m{}s", secs / 60, secs % 60)
            } else {
                format!("{secs}s")
            };
            state = waiting(
                "CrashLoopBackOff",
                Some(format!(
                    "back-off {dur} restarting failed container={} pod={pod_name}_{ns}({uid})",
                    ctr.name
                )),
            )
        }
        _ => state = waiting("ContainerCreating", None),
    }
    // Containers that reach a state in the same step share one copy (its `startedAt`).
    v.set("state", crate::sim::value::shared_recent(state));
    let mut last = Value::map();
    if let Some(t) = &ctr.last {
        last.set("terminated", term_value(t));
    }
    v.set("lastState", last);
    v
}

/// `hostIPs` for a node address: `[{ip}]` with one shared copy of the map per address, as
/// every pod of a node holds it (~50 B a pod). Sharing never shows in behaviour.
fn host_ips(node_ip: &str) -> Value {
    thread_local! {
        static BY_IP: std::cell::RefCell<BTreeMap<String, Value>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    BY_IP.with(|by_ip| {
        let mut by_ip = by_ip.borrow_mut();
        if let Some(v) = by_ip.get(node_ip) {
            return v.clone();
        }
        // Bounded: a world with more addresses than this only shares less.
        if by_ip.len() >= 4096 {
            by_ip.clear();
        }
        let mut h = Value::map();
        h.set("ip", node_ip);
        let mut v = Value::Seq(vec![h].into());
        v.share_deep();
        by_ip.insert(node_ip.to_string(), v.clone());
        v
    })
}

/// The pod's `status` as this kubelet reports it (keeps conditions owned by others).
fn build_status(rt: &PodRt, pod: &Value, now: SimTime, node_ip: &str) -> Value {
    let pod_name = api::name_of(pod);
    let ns = api::namespace_of(pod).unwrap_or("default");
    let old = pod.get("status");
    // The generation this status reports (PodObservedGenerationTracking, beta and on in 1.34):
    // `status.observedGeneration` and each condition's. Mirror pods carry none (upstream's
    // kubelet does not pass their generation on to the status manager).
    let observed = super::meta::int_at(pod, &["metadata", "generation"])
        .filter(|_| super::meta::annotation(pod, "kubernetes.io/config.mirror").is_none());
    let init_done = init_done_now(&rt.init);
    let init_failed = rt.restart == 'N'
        && rt
            .init
            .iter()
            .any(|c| c.st == CState::Exited && c.term.as_ref().is_some_and(|t| t.exit_code != 0));
    let main_terminal = !rt.ctrs.is_empty()
        && rt
            .ctrs
            .iter()
            .all(|c| c.st == CState::Exited && c.next.is_none());
    let phase = if init_failed {
        "Failed"
    } else if main_terminal {
        if rt
            .ctrs
            .iter()
            .all(|c| c.term.as_ref().is_some_and(|t| t.exit_code == 0))
        {
            "Succeeded"
        } else {
            "Failed"
        }
    } else if init_done
        && rt.sandbox.is_some()
        && rt
            .ctrs
            .iter()
            .any(|c| c.started.is_some() || c.restarts > 0)
    {
        "Running"
    } else {
        "Pending"
    };
    // What others wrote stays (nominatedNodeName, resize, ...); what is rebuilt below is not
    // copied first (the container statuses were most of the copy).
    let mut status = Value::map();
    if let Some(Value::Map(old)) = old {
        for (k, v) in old.iter() {
            if !matches!(k, "containerStatuses" | "conditions") {
                status.set(k, v.clone());
            }
        }
    }
    status.set("phase", phase);
    if !node_ip.is_empty() {
        status.set("hostIP", node_ip);
        status.set("hostIPs", host_ips(node_ip));
    }
    if let Some(ip) = &rt.ip {
        if rt.sandbox.is_some() || phase != "Pending" {
            status.set("podIP", ip.as_str());
            let mut p = Value::map();
            p.set("ip", ip.as_str());
            status.set("podIPs", Value::Seq(vec![p].into()));
        }
    }
    status.set("startTime", rt.start_time.rfc3339());
    status.set("qosClass", rt.qos);
    if let Some(g) = observed {
        status.set("observedGeneration", g);
    }
    let all_ready = !rt.ctrs.is_empty() && rt.ctrs.iter().all(|c| c.ready);
    let not_ready: Vec<&str> = rt
        .ctrs
        .iter()
        .filter(|c| !c.ready)
        .map(|c| c.name.as_str())
        .collect();
    let incomplete: Vec<&str> = rt
        .init
        .iter()
        .filter(|c| !(c.st == CState::Exited && c.term.as_ref().is_some_and(|t| t.exit_code == 0)))
        .map(|c| c.name.as_str())
        .collect();
    let terminal = matches!(phase, "Succeeded" | "Failed");
    let ready_reason = if terminal {
        "PodCompleted"
    } else {
        "ContainersNotReady"
    };
    let cond = |t: &str, ok: bool, reason: Option<&str>, message: Option<String>| {
        (t.to_string(), ok, reason.map(str::to_string), message)
    };
    let mine = vec![
        cond(
            "PodReadyToStartContainers",
            rt.sandbox.is_some() && !terminal,
            None,
            None,
        ),
        cond(
            "Initialized",
            init_done || terminal,
            (!(init_done || terminal))
                .then_some("ContainersNotInitialized")
                .or(terminal
                    .then_some("PodCompleted")
                    .filter(|_| !rt.init.is_empty())),
            (!(init_done || terminal)).then(|| {
                format!(
                    "containers with incomplete status: [{}]",
                    incomplete.join(" ")
                )
            }),
        ),
        cond(
            "Ready",
            all_ready,
            (!all_ready).then_some(ready_reason),
            (!all_ready && !terminal)
                .then(|| format!("containers with unready status: [{}]", not_ready.join(" "))),
        ),
        cond(
            "ContainersReady",
            all_ready,
            (!all_ready).then_some(ready_reason),
            (!all_ready && !terminal)
                .then(|| format!("containers with unready status: [{}]", not_ready.join(" "))),
        ),
    ];
    let old_conds: Vec<Value> = old
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let mut conds = Vec::new();
    for (t, ok, reason, message) in mine {
        let status_s = if ok { "True" } else { "False" };
        let prev = old_conds
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(&t));
        let transition = match prev {
            Some(p) if p.get("status").and_then(Value::as_str) == Some(status_s) => p
                .get("lastTransitionTime")
                .cloned()
                .unwrap_or_else(|| now.rfc3339().into()),
            _ => now.rfc3339().into(),
        };
        let mut c = Value::map();
        c.set("type", t.as_str());
        c.set("status", status_s);
        c.set("lastProbeTime", Value::Null);
        c.set("lastTransitionTime", transition);
        if let Some(r) = reason {
            c.set("reason", r);
        }
        if let Some(m) = message {
            c.set("message", m);
        }
        if let Some(g) = observed {
            c.set("observedGeneration", g);
        }
        // Pods that reach a condition in the same step share one copy of it (~190 B each).
        conds.push(crate::sim::value::shared_recent(c));
    }
    // Conditions other components own (PodScheduled, DisruptionTarget, ...) stay.
    for c in old_conds {
        let t = c.get("type").and_then(Value::as_str).unwrap_or("");
        if ![
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
        ]
        .contains(&t)
        {
            // The kubelet also writes `PodScheduled=True` (the binding set it without a
            // generation): its observedGeneration is the kubelet's.
            match observed {
                Some(g)
                    if t == "PodScheduled"
                        && c.get("observedGeneration").and_then(Value::as_i64) != Some(g) =>
                {
                    let mut c = c;
                    c.set("observedGeneration", g);
                    conds.push(c);
                }
                _ => conds.push(c),
            }
        }
    }
    // Pods whose conditions all changed in the same steps share the list too.
    status.set(
        "conditions",
        crate::sim::value::shared_recent(Value::Seq(conds.into())),
    );
    let uid = rt.uid.as_str();
    if !rt.init.is_empty() {
        status.set(
            "initContainerStatuses",
            Value::Seq(
                rt.init
                    .iter()
                    .map(|c| {
                        let mut v = ctr_status(c, pod_name, ns, uid);
                        if !init_done && c.st == CState::Idle {
                            v.set("state", {
                                let mut s = Value::map();
                                let mut w = Value::map();
                                w.set(
                                    "reason",
                                    if rt.sandbox.is_some() {
                                        "PodInitializing"
                                    } else {
                                        "PodInitializing"
                                    },
                                );
                                s.set("waiting", w);
                                s
                            });
                        }
                        v
                    })
                    .collect(),
            ),
        );
    }
    status.set(
        "containerStatuses",
        Value::Seq(
            rt.ctrs
                .iter()
                .map(|c| {
                    let mut v = ctr_status(c, pod_name, ns, uid);
                    if !init_done && !rt.init.is_empty() {
                        let mut s = Value::map();
                        let mut w = Value::map();
                        w.set("reason", "PodInitializing");
                        s.set("waiting", w);
                        v.set("state", s);
                    }
                    v
                })
                .collect(),
        ),
    );
    status
}

// ---------------------------------------------------------------------------------------------
// Views for the terminal (`crictl`, `kubectl logs`) and the UI.

/// A container as `crictl ps -a` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerView {
    pub id: String,
    pub image: String,
    pub created: SimTime,
    /// `Running`, `Exited`.
    pub state: &'static str,
    pub name: String,
    pub attempt: u32,
    pub pod_id: String,
    pub pod: String,
    pub namespace: String,
}

/// A pod sandbox as `crictl pods` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxView {
    pub id: String,
    pub created: SimTime,
    /// `Ready` or `NotReady`.
    pub state: &'static str,
    pub name: String,
    pub namespace: String,
    pub ip: Option<String>,
}

/// An image as `crictl images` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageView {
    pub repository: String,
    pub tag: String,
    /// The first 13 characters of the digest, like crictl's IMAGE ID column.
    pub id: String,
    pub size: i64,
}

/// A node's container runtime, for `crictl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeView {
    /// `containerd`.
    pub name: String,
    /// `2.1.4`.
    pub version: String,
    pub running: bool,
    pub containers: Vec<ContainerView>,
    pub sandboxes: Vec<SandboxView>,
    pub images: Vec<ImageView>,
}

/// The container runtime of `node` (None for an unknown node).
pub fn runtime(cluster: &Cluster, node: &str) -> Option<RuntimeView> {
    let n = cluster.kubelet.nodes.get(node)?;
    let (name, version) = n
        .runtime
        .split_once("://")
        .unwrap_or(("containerd", &n.runtime));
    let running = runtime_running(cluster, node);
    let mut view = RuntimeView {
        name: name.to_string(),
        version: version.to_string(),
        running,
        containers: Vec::new(),
        sandboxes: Vec::new(),
        images: n
            .images
            .iter()
            .map(|(img, rt)| {
                let (repo, tag) = split_image(img);
                ImageView {
                    repository: repo.to_string(),
                    tag: tag.to_string(),
                    id: rt
                        .digest
                        .trim_start_matches("sha256:")
                        .chars()
                        .take(13)
                        .collect(),
                    size: rt.size,
                }
            })
            .collect(),
    };
    if n.lost_power {
        return Some(view);
    }
    for (key, p) in cluster.kubelet.pods.iter().filter(|(_, p)| p.node == node) {
        let (ns, pod) = key.split_once('/').unwrap_or(("", key));
        let Some(sandbox) = &p.sandbox else { continue };
        view.sandboxes.push(SandboxView {
            id: sandbox.clone(),
            created: p.start_time,
            state: "Ready",
            name: pod.to_string(),
            namespace: ns.to_string(),
            ip: p.ip.clone(),
        });
        for c in p.init.iter().chain(p.ctrs.iter()) {
            // The previous container is the latest attempt while the restart backs off.
            let last_attempt = if c.st == CState::CrashLoopBackOff {
                c.restarts
            } else {
                c.restarts.saturating_sub(1)
            };
            for (id, state, created, attempt) in [
                c.last
                    .as_ref()
                    .map(|t| (t.id.clone(), "Exited", t.started, last_attempt)),
                match (c.st, &c.id) {
                    (CState::Running, Some(id)) => Some((
                        id.clone(),
                        "Running",
                        c.started.unwrap_or(p.start_time),
                        c.restarts,
                    )),
                    (CState::Exited, Some(id)) => Some((
                        id.clone(),
                        "Exited",
                        c.started.unwrap_or(p.start_time),
                        c.restarts,
                    )),
                    _ => None,
                },
            ]
            .into_iter()
            .flatten()
            {
                view.containers.push(ContainerView {
                    id,
                    image: c.image.clone(),
                    created,
                    state,
                    name: c.name.clone(),
                    attempt,
                    pod_id: sandbox.clone(),
                    pod: pod.to_string(),
                    namespace: ns.to_string(),
                });
            }
        }
    }
    Some(view)
}

/// Notes a request a pod served (the nginx access log shows it).
pub fn record_request(cluster: &mut Cluster, ns: &str, pod: &str, client_ip: &str, at: SimTime) {
    if let Some(p) = cluster.kubelet.pods.get_mut(&format!("{ns}/{pod}")) {
        if p.access.len() == 50 {
            p.access.remove(0);
        }
        p.access.push((at, client_ip.to_string()));
    }
}

fn bad_request(msg: String) -> ApiError {
    ApiError::bad_request(msg)
}

/// `kubectl logs [-p] pod [-c container]`: the container's output so far, or the API
/// server's error (`container "x" in pod "y" is waiting to start: ContainerCreating`).
pub fn logs(
    cluster: &Cluster,
    ns: &str,
    pod: &str,
    container: Option<&str>,
    previous: bool,
    now: SimTime,
) -> Result<String, ApiError> {
    let res = resource_for_kind("Pod").ok_or_else(|| ApiError::internal("no pods"))?;
    let kv = cluster
        .store
        .get(&res.storage_key(Some(ns), pod))
        .ok_or_else(|| ApiError::not_found(res, pod))?;
    let spec_ctrs: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .flat_map(|f| {
            kv.value
                .path(&["spec", f])
                .and_then(Value::as_seq)
                .into_iter()
                .flatten()
        })
        .collect();
    let names: Vec<&str> = kv
        .value
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect();
    let name = match container {
        Some(c) => c,
        None if names.len() == 1 => names[0],
        None => {
            return Err(bad_request(format!(
                "a container name must be specified for pod {pod}, choose one of: [{}]",
                names.join(" ")
            )))
        }
    };
    let Some(spec) = spec_ctrs
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
    else {
        return Err(bad_request(format!(
            "container {name} is not valid for pod {pod}"
        )));
    };
    let rt = cluster.kubelet.pods.get(&format!("{ns}/{pod}"));
    let ctr = rt.and_then(|p| p.init.iter().chain(p.ctrs.iter()).find(|c| c.name == name));
    let Some(ctr) = ctr else {
        // Not synced by its kubelet yet (a cluster made this very instant, or imported from a
        // file): the container's status says what ran, to the second.
        let cs = ["initContainerStatuses", "containerStatuses"]
            .iter()
            .filter_map(|f| kv.value.path(&["status", f]).and_then(Value::as_seq))
            .flatten()
            .find(|cs| cs.get("name").and_then(Value::as_str) == Some(name));
        let time = |v: Option<&Value>| v.and_then(Value::as_str).and_then(SimTime::parse_rfc3339);
        let terminated = |t: Option<&Value>| {
            let t = t?;
            Some((
                time(t.get("startedAt"))?,
                time(t.get("finishedAt"))?,
                t.get("exitCode").and_then(Value::as_i64).unwrap_or(0),
            ))
        };
        let last = cs.and_then(|cs| terminated(cs.path(&["lastState", "terminated"])));
        let image = spec.get("image").and_then(Value::as_str).unwrap_or("");
        // (since, start, end, exited, exit code)
        let run = if previous {
            let Some((started, finished, code)) = last else {
                return Err(bad_request(format!(
                    "previous terminated container \"{name}\" in pod \"{pod}\" not found"
                )));
            };
            (started, started, finished, true, code)
        } else if let Some(started) =
            cs.and_then(|cs| time(cs.path(&["state", "running", "startedAt"])))
        {
            let since = match last {
                Some((_, finished, _)) if finished <= started => finished,
                _ => started,
            };
            (since, started, now, false, 0)
        } else if let Some((started, finished, code)) = cs
            .and_then(|cs| terminated(cs.path(&["state", "terminated"])))
            .or(last)
        {
            (started, started, finished, true, code)
        } else {
            let waiting = cs
                .and_then(|cs| cs.path(&["state", "waiting", "reason"]))
                .and_then(Value::as_str);
            let why = match waiting {
                Some("ErrImagePull" | "ImagePullBackOff") => "trying and failing to pull image",
                _ => "ContainerCreating",
            };
            return Err(bad_request(format!(
                "container \"{name}\" in pod \"{pod}\" is waiting to start: {why}"
            )));
        };
        let (since, start, end, exited, code) = run;
        let node = kv.value.path(&["spec", "nodeName"]).and_then(Value::as_str);
        let component = node.and_then(|node| {
            super::component_log::logs(
                cluster,
                super::component_log::Run {
                    node,
                    pod,
                    image,
                    since,
                    start,
                    end,
                    exited,
                },
            )
        });
        if let Some(out) = component {
            return Ok(out);
        }
        let ip = meta_ip(&kv.value);
        return Ok(render_logs(spec, image, pod, &ip, start, end, &[], code));
    };
    let pod_ip = rt.and_then(|p| p.ip.clone()).unwrap_or_default();
    let access = rt.map(|p| p.access.as_slice()).unwrap_or(&[]);
    if previous {
        let Some(t) = &ctr.last else {
            return Err(bad_request(format!(
                "previous terminated container \"{name}\" in pod \"{pod}\" not found"
            )));
        };
        if is_flanneld(spec, &ctr.image) {
            if let Some(rt) = rt {
                return Ok(super::flannel::logs(
                    cluster,
                    &rt.node,
                    t.started,
                    t.exit_code != 0,
                ));
            }
        }
        if let Some(out) = rt.and_then(|rt| {
            let run = super::component_log::Run {
                node: &rt.node,
                pod,
                image: &ctr.image,
                since: t.started,
                start: t.started,
                end: t.finished,
                exited: true,
            };
            super::component_log::logs(cluster, run)
        }) {
            return Ok(out);
        }
        return Ok(render_logs(
            spec,
            &ctr.image,
            pod,
            &pod_ip,
            t.started,
            t.finished,
            &[],
            t.exit_code,
        ));
    }
    let exited = ctr.st != CState::Running;
    let (start, end, code) = match (ctr.st, &ctr.term) {
        (CState::Running, _) => (ctr.started.unwrap_or(now), now, 0),
        (CState::Exited, Some(t)) => (t.started, t.finished, t.exit_code),
        (CState::CrashLoopBackOff, _) | (CState::Idle, _) if ctr.last.is_some() => ctr
            .last
            .as_ref()
            .map(|t| (t.started, t.finished, t.exit_code))
            .unwrap_or((now, now, 0)),
        (CState::ImagePullBackOff | CState::ErrImagePull, _) => {
            return Err(bad_request(format!(
                "container \"{name}\" in pod \"{pod}\" is waiting to start: trying and failing to pull image"
            )))
        }
        _ => {
            return Err(bad_request(format!(
                "container \"{name}\" in pod \"{pod}\" is waiting to start: ContainerCreating"
            )))
        }
    };
    if is_flanneld(spec, &ctr.image) {
        if let Some(rt) = rt {
            return Ok(super::flannel::logs(cluster, &rt.node, start, code != 0));
        }
    }
    // The run before this one ended when it exited: election marks since then are this one's.
    let since = match &ctr.last {
        Some(t) if t.finished <= start => t.finished,
        _ => start,
    };
    if let Some(out) = rt.and_then(|rt| {
        let run = super::component_log::Run {
            node: &rt.node,
            pod,
            image: &ctr.image,
            since,
            start,
            end,
            exited,
        };
        super::component_log::logs(cluster, run)
    }) {
        return Ok(out);
    }
    Ok(render_logs(
        spec, &ctr.image, pod, &pod_ip, start, end, access, code,
    ))
}

/// The flannel image running flanneld (its manifest's `/opt/bin/flanneld`, or no command),
/// not the `install-cni` init containers that copy files with `cp`.
fn is_flanneld(spec: &Value, image: &str) -> bool {
    let (repo, _) = split_image(image);
    let program = spec
        .get("command")
        .and_then(Value::as_seq)
        .and_then(|c| c.first())
        .and_then(Value::as_str);
    repo.ends_with("/flannel") && program.is_none_or(|p| p.ends_with("flanneld"))
}

/// `status.podIP` of a pod, or empty.
fn meta_ip(pod: &Value) -> String {
    pod.path(&["status", "podIP"])
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn nginx_time(t: SimTime) -> String {
    // 2026/01/05 09:00:03
    let s = t.rfc3339();
    format!(
        "{} {}",
        s.get(0..10).unwrap_or("").replace('-', "/"),
        s.get(11..19).unwrap_or("")
    )
}

fn clf_time(t: SimTime) -> String {
    // 05/Jan/2026:09:01:00 +0000
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = t.rfc3339();
    let m: usize = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    format!(
        "{}/{}/{}:{} +0000",
        s.get(8..10).unwrap_or(""),
        MONTHS.get(m.saturating_sub(1)).unwrap_or(&"Jan"),
        s.get(0..4).unwrap_or(""),
        s.get(11..19).unwrap_or("")
    )
}

fn date_line(t: SimTime) -> String {
    // `date` in busybox: Mon Jan  5 09:00:03 UTC 2026
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = t.rfc3339();
    let day = (t.unix_s().div_euclid(86_400)).rem_euclid(7) as usize;
    let m: usize = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let d: u32 = s.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(1);
    format!(
        "{} {} {d:>2} {} UTC {}",
        DAYS[day],
        MONTHS.get(m.saturating_sub(1)).unwrap_or(&"Jan"),
        s.get(11..19).unwrap_or(""),
        s.get(0..4).unwrap_or("")
    )
}

/// The longest π a container prints (the spigot below is quadratic).
const PI_DIGITS_MAX: usize = 3_000;

/// π to `n` significant digits (`3.14159…`, truncated), by Rabinowitz and Wagon's spigot.
fn pi_digits(n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    // A few guard digits absorb the spigot's pending carries.
    let want = n + 8;
    let len = want * 10 / 3 + 1;
    let mut a = vec![2u32; len];
    let mut digits: Vec<u8> = Vec::with_capacity(want);
    let mut predigit: u32 = 0;
    let mut nines = 0usize;
    for _ in 0..want {
        let mut carry: u32 = 0;
        for i in (0..len).rev() {
            let x = a[i] * 10 + carry * (i as u32 + 1);
            let den = 2 * i as u32 + 1;
            a[i] = x % den;
            carry = x / den;
        }
        a[0] = carry % 10;
        let q = carry / 10;
        match q {
            9 => nines += 1,
            10 => {
                digits.push((predigit + 1) as u8);
                digits.extend(std::iter::repeat_n(0, nines));
                predigit = 0;
                nines = 0;
            }
            _ => {
                digits.push(predigit as u8);
                digits.extend(std::iter::repeat_n(9, nines));
                predigit = q;
                nines = 0;
            }
        }
    }
    // The first pushed digit is the initial placeholder 0.
    let mut out = String::with_capacity(n + 1);
    for (i, d) in digits.iter().skip(1).take(n).enumerate() {
        if i == 1 {
            out.push('.');
        }
        out.push(char::from(b'0' + d));
    }
    out
}

/// Renders what a container printed between `start` and `end`.
#[allow(clippy::too_many_arguments)]
fn render_logs(
    spec: &Value,
    image: &str,
    pod: &str,
    pod_ip: &str,
    start: SimTime,
    end: SimTime,
    access: &[(SimTime, String)],
    _code: i64,
) -> String {
    let img = normalize_image(image);
    let (repo, tag) = split_image(&img);
    let short = repo.rsplit('/').next().unwrap_or(repo);
    let mut out = String::new();
    if let Some(script) = script_of(spec) {
        // `perl -Mbignum=bpi -wle 'print bpi(2000)'`: π to that many digits.
        if let Some(n) = script
            .split_once("bpi(")
            .and_then(|(_, rest)| rest.split(')').next()?.trim().parse::<usize>().ok())
        {
            out.push_str(&pi_digits(n.min(PI_DIGITS_MAX)));
            out.push('\n');
            return out;
        }
        // Echo lines, repeated by `while true; ... sleep N` loops.
        let looped = script.contains("while true") || script.contains("while :");
        let period_s = script
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect::<Vec<_>>()
            .windows(2)
            .find(|w| w[0] == "sleep")
            .and_then(|w| w[1].trim_end_matches('s').parse::<u64>().ok())
            .unwrap_or(1)
            .max(1);
        let body: Vec<String> = script
            .split([';', '\n'])
            .flat_map(|s| s.split("&&"))
            .map(|s| s.trim().trim_start_matches("do ").trim())
            .filter_map(|s| {
                if let Some(rest) = s.strip_prefix("echo ") {
                    Some(
                        rest.trim()
                            .trim_matches(|c| c == '"' || c == '\'')
                            .to_string(),
                    )
                } else if s == "date" {
                    Some("$(date)".to_string())
                } else if s == "hostname" {
                    Some(pod.to_string())
                } else {
                    None
                }
            })
            .collect();
        let iterations = if looped {
            (end.since_ms(start) / (period_s * 1000) + 1).min(2000)
        } else {
            1
        };
        for i in 0..iterations {
            let t = start.plus_ms(i * period_s * 1000);
            for line in &body {
                let l = line
                    .replace("$(date)", &date_line(t))
                    .replace("$(hostname)", pod)
                    .replace("$HOSTNAME", pod);
                out.push_str(&l);
                out.push('\n');
            }
        }
        return out;
    }
    match short {
        "nginx" => {
            let version = if tag.starts_with("1.") {
                tag.split('-').next().unwrap_or(tag).to_string()
            } else {
                "1.29.3".to_string()
            };
            let version = if version.matches('.').count() == 1 {
                format!("{version}.5")
            } else {
                version
            };
            for l in [
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
                "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
                "/docker-entrypoint.sh: Configuration complete; ready for start up",
            ] {
                out.push_str(l);
                out.push('\n');
            }
            let t = nginx_time(start.plus_ms(120));
            for l in [
                "using the \"epoll\" event method".to_string(),
                format!("nginx/{version}"),
                "built by gcc 12.2.0 (Debian 12.2.0-14+deb12u1) ".to_string(),
                "OS: Linux 6.8.0-49-generic".to_string(),
                "getrlimit(RLIMIT_NOFILE): 1048576:1048576".to_string(),
                "start worker processes".to_string(),
            ] {
                out.push_str(&format!("{t} [notice] 1#1: {l}\n"));
            }
            for w in 0..4 {
                out.push_str(&format!(
                    "{t} [notice] 1#1: start worker process {}\n",
                    29 + w
                ));
            }
            for (at, client) in access.iter().filter(|(at, _)| *at >= start && *at <= end) {
                out.push_str(&format!(
                    "{client} - - [{}] \"GET / HTTP/1.1\" 200 615 \"-\" \"curl/8.17.0\" \"-\"\n",
                    clf_time(*at)
                ));
            }
        }
        "redis" => {
            out.push_str(&format!(
                "1:C {} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n",
                nginx_time(start)
            ));
            out.push_str("1:M * Ready to accept connections tcp\n");
        }
        "http-echo" => out.push_str(&format!(
            "{} [INFO] server is listening on :5678\n",
            nginx_time(start)
        )),
        "agnhost" | "echoserver" => out.push_str(&format!(
            "I{} Started HTTP server on port 8080 ({pod_ip})\n",
            nginx_time(start)
        )),
        _ => {}
    }
    out
}

/// The pods this cluster's kubelets run whose `namespace/name` starts with one of
/// `prefixes`, with their node (for [`super::flannel`]).
pub(crate) fn pods_under(c: &Cluster, prefixes: &[&str]) -> Vec<(String, String)> {
    prefixes
        .iter()
        .flat_map(|p| {
            c.kubelet
                .pods
                .range(p.to_string()..)
                .take_while(move |(k, _)| k.starts_with(p))
        })
        .map(|(k, rt)| (k.clone(), rt.node.clone()))
        .collect()
}

/// The running containers of a pod exit now with `code`, once: the kubelet restarts them as
/// usual and they run normally again. What a control-plane component does when it loses its
/// leader Lease ([`super::leader`]). Returns whether a container was running.
pub(crate) fn exit_containers(c: &mut Cluster, pod_key: &str, code: i64, now: SimTime) -> bool {
    let st = &mut c.kubelet;
    let Some(rt) = st.pods.get_mut(pod_key) else {
        return false;
    };
    let mut any = false;
    for ctr in rt.ctrs.iter_mut().filter(|c| c.st == CState::Running) {
        ctr.exit_once = Some(code);
        ctr.next = Some(now);
        any = true;
    }
    if any {
        arm(st, pod_key, now);
    }
    any
}

/// How long a stopped control-plane component's container runs before it exits again.
const CRASH_RUN_MS: u64 = 1_000;

/// Makes the containers of a running pod crash (exit 1 shortly after each start, so the
/// usual restart back-off applies) or serve again; used for the static pods of stopped
/// control-plane components ([`super::mirror`]). Returns whether anything changed.
pub(crate) fn set_crashing(c: &mut Cluster, pod_key: &str, crashing: bool, now: SimTime) -> bool {
    let st = &mut c.kubelet;
    let Some(rt) = st.pods.get_mut(pod_key) else {
        return false;
    };
    let crash = Behavior::Exit {
        code: 1,
        after_ms: Some(CRASH_RUN_MS),
    };
    let mut changed = false;
    for ctr in rt.ctrs.iter_mut() {
        let is_crashing = ctr.behavior == crash;
        if crashing == is_crashing {
            continue;
        }
        changed = true;
        if crashing {
            ctr.behavior = crash;
            if ctr.st == CState::Running {
                // The process dies now.
                ctr.next = Some(now);
            }
        } else {
            ctr.behavior = Behavior::Serve;
            match ctr.st {
                CState::Running if ctr.readiness.is_none() => ctr.next = None,
                CState::CrashLoopBackOff | CState::Exited | CState::Idle => {
                    // The kubelet starts the fixed component at once.
                    ctr.backoff_ms = BACKOFF_INITIAL_MS;
                    ctr.next = Some(now);
                }
                _ => {}
            }
        }
    }
    if changed {
        arm(st, pod_key, now);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::meta;
    use crate::sim::presets::Preset;

    fn m(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::map();
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }
    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }
    fn words(ws: &[&str]) -> Value {
        Value::Seq(ws.iter().map(|w| s(w)).collect())
    }

    pub(crate) fn run_pod_with(w: &mut World, name: &str, ctr: Value, extra: &[(&str, Value)]) {
        let mut spec = m(&[("containers", Value::Seq(vec![ctr].into()))]);
        for (k, v) in extra {
            spec.set(k, v.clone());
        }
        let p = m(&[
            (
                "metadata",
                m(&[("name", s(name)), ("namespace", s("default"))]),
            ),
            ("spec", spec),
        ]);
        w.api("kind-kind", "kubectl")
            .unwrap()
            .create(resource_for_kind("Pod").unwrap(), p)
            .unwrap();
    }

    fn pod(w: &World, name: &str) -> Value {
        w.clusters["kind-kind"]
            .store
            .get(&format!("/registry/pods/default/{name}"))
            .map(|kv| (*kv.value).clone())
            .unwrap_or(Value::Null)
    }
    fn cstate(w: &World, name: &str) -> Value {
        pod(w, name)
            .path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .and_then(|s| s.first().cloned())
            .unwrap_or(Value::Null)
    }
    fn reasons(w: &World, name: &str) -> Vec<String> {
        let mut evs: Vec<(i64, String)> = w.clusters["kind-kind"]
            .store
            .range("/registry/events/default/")
            .filter(|kv| kv.value.path(&["involvedObject", "name"]) == Some(&s(name)))
            .map(|kv| {
                (
                    kv.create_revision,
                    kv.value
                        .get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        evs.sort();
        evs.into_iter().map(|e| e.1).collect()
    }
    fn nginx() -> Value {
        m(&[("name", s("web")), ("image", s("nginx:1.27"))])
    }
    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 100 {
            w.step(100);
        }
    }

    #[test]
    fn nginx_pod_goes_through_the_stages_to_running_and_ready() {
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[]);
        w.step(100);
        assert_eq!(pod(&w, "web").path(&["spec", "nodeName"]).is_some(), true);
        run(&mut w, 600);
        // Sandbox made, pulling: ContainerCreating.
        let cs = cstate(&w, "web");
        assert_eq!(
            cs.path(&["state", "waiting", "reason"]),
            Some(&s("ContainerCreating")),
            "{cs:?}"
        );
        run(&mut w, 6_000);
        let p = pod(&w, "web");
        assert_eq!(p.path(&["status", "phase"]), Some(&s("Running")));
        let cs = cstate(&w, "web");
        assert_eq!(cs.get("ready"), Some(&Value::Bool(true)));
        let id = cs.get("containerID").and_then(Value::as_str).unwrap();
        assert!(
            id.starts_with("containerd://") && id.len() == 13 + 64,
            "{id}"
        );
        assert!(cs
            .get("imageID")
            .and_then(Value::as_str)
            .unwrap()
            .starts_with("docker.io/library/nginx@sha256:"));
        let ip = p
            .path(&["status", "podIP"])
            .and_then(Value::as_str)
            .unwrap();
        let node = p
            .path(&["spec", "nodeName"])
            .and_then(Value::as_str)
            .unwrap();
        let cidr = w.clusters["kind-kind"]
            .store
            .get(&format!("/registry/minions/{node}"))
            .unwrap()
            .value
            .path(&["spec", "podCIDR"])
            .and_then(Value::as_str)
            .unwrap()
            .to_string();
        assert!(network::cidr_contains(&cidr, ip), "{ip} in {cidr}");
        assert_eq!(
            reasons(&w, "web"),
            ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
        );
        let ready = p
            .path(&["status", "conditions"])
            .and_then(Value::as_seq)
            .unwrap()
            .iter()
            .find(|c| c.get("type") == Some(&s("Ready")))
            .unwrap()
            .clone();
        assert_eq!(ready.get("status"), Some(&s("True")));
        // The image is now cached on that node: a second pod there does not pull.
        let logs = logs(
            &w.clusters["kind-kind"],
            "default",
            "web",
            None,
            false,
            w.now(),
        )
        .unwrap();
        assert!(logs.contains("nginx/1.27.5"), "{logs}");
        assert!(runtime(&w.clusters["kind-kind"], node)
            .unwrap()
            .images
            .iter()
            .any(|i| i.repository == "docker.io/library/nginx" && i.tag == "1.27"));
    }

    /// What each write of pod `name` said, in order: `(phase, first container's waiting
    /// reason or "running"/"terminated", pod IP set, restartCount)`, from the store's log.
    fn status_history(w: &World, name: &str) -> Vec<(String, String, bool, i64)> {
        let key = format!("/registry/pods/default/{name}");
        let str_at = |v: &Value, p: &[&str]| v.path(p).and_then(Value::as_str).map(str::to_string);
        w.clusters["kind-kind"]
            .store
            .events_since(0)
            .unwrap()
            .filter(|e| &*e.kv.key == key.as_str())
            .filter_map(|e| {
                let st = e.kv.value.get("status")?;
                let cs = st
                    .get("containerStatuses")
                    .and_then(Value::as_seq)?
                    .first()?;
                let state = str_at(cs, &["state", "waiting", "reason"]).unwrap_or_else(|| {
                    let running = cs.path(&["state", "running"]).is_some();
                    (if running { "running" } else { "terminated" }).to_string()
                });
                Some((
                    str_at(st, &["phase"]).unwrap_or_default(),
                    state,
                    st.get("podIP").is_some(),
                    cs.get("restartCount").and_then(Value::as_i64).unwrap_or(0),
                ))
            })
            .collect()
    }

    #[test]
    fn status_is_written_once_per_pod_worker_sync_like_upstream() {
        // Upstream's kubelet sets the status at the start of each SyncPod and makes the
        // sandbox, pulls, creates and starts the containers within it: a new pod is reported
        // Pending/ContainerCreating without an IP, then Running. The Events of each stage stay.
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[]);
        run(&mut w, 8_000);
        let h = status_history(&w, "web");
        let row = |p: &str, st: &str, ip: bool| (p.to_string(), st.to_string(), ip, 0);
        assert_eq!(
            h,
            [
                row("Pending", "ContainerCreating", false),
                row("Running", "running", true)
            ]
        );
        assert_eq!(
            reasons(&w, "web"),
            ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
        );
        // create, bind, and the kubelet's two writes.
        let kv = w.clusters["kind-kind"]
            .store
            .get("/registry/pods/default/web")
            .unwrap();
        assert_eq!(kv.version, 4);
        // A failing pull goes ErrImagePull <-> ImagePullBackOff, never back through
        // ContainerCreating (the retry happens inside a sync); a crashing container goes from
        // terminated/CrashLoopBackOff to running. Every write still changes something.
        run_pod_with(
            &mut w,
            "bad",
            m(&[("name", s("c")), ("image", s("nginxx:1.0"))]),
            &[],
        );
        run_pod_with(
            &mut w,
            "crash",
            m(&[("name", s("c")), ("image", s("busybox"))]),
            &[],
        );
        run(&mut w, 60_000);
        for name in ["bad", "crash"] {
            let h = status_history(&w, name);
            assert_eq!(h[0], row("Pending", "ContainerCreating", false), "{name}");
            assert!(h.len() >= 5, "{name}: {h:?}");
            assert!(
                h[1..].iter().all(|r| r.1 != "ContainerCreating"),
                "{name}: {h:?}"
            );
            assert!(h.windows(2).all(|p| p[0] != p[1]), "{name}: {h:?}");
        }
        let bad_history = status_history(&w, "bad");
        let bad: Vec<&str> = bad_history[1..].iter().map(|r| r.1.as_str()).collect();
        assert!(
            bad.chunks(2).all(
                |c| c[0] == "ErrImagePull" && c.get(1).is_none_or(|r| *r == "ImagePullBackOff")
            ),
            "{bad:?}"
        );
        let crash = status_history(&w, "crash");
        assert!(
            crash.iter().any(|r| r.1 == "running" && r.3 >= 2),
            "{crash:?}"
        );
        assert!(crash.iter().any(|r| r.1 == "CrashLoopBackOff"), "{crash:?}");
    }

    #[test]
    fn second_pull_on_the_same_node_is_already_present() {
        let mut w = World::new(4, Preset::Kind);
        let pin = |n: &str| ("nodeName", s(n));
        run_pod_with(&mut w, "a", nginx(), &[pin("kind-worker")]);
        run(&mut w, 8_000);
        run_pod_with(&mut w, "b", nginx(), &[pin("kind-worker")]);
        run(&mut w, 3_000);
        assert_eq!(reasons(&w, "b"), ["Pulled", "Created", "Started"]);
        let msg: Vec<String> = w.clusters["kind-kind"]
            .store
            .range("/registry/events/default/b.")
            .map(|kv| {
                kv.value
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        assert!(
            msg.contains(&"Container image \"nginx:1.27\" already present on machine".to_string()),
            "{msg:?}"
        );
    }

    #[test]
    fn unknown_images_fail_to_pull_with_backoff() {
        let table = [
            ("nginx:9.99", "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:9.99\": failed to resolve reference \"docker.io/library/nginx:9.99\": docker.io/library/nginx:9.99: not found"),
            ("nginxx", "failed to pull and unpack image \"docker.io/library/nginxx:latest\": failed to resolve reference \"docker.io/library/nginxx:latest\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"),
        ];
        for (image, err) in table {
            assert_eq!(pull_result(&normalize_image(image)).unwrap_err(), err);
        }
        assert!(pull_result("docker.io/library/nginx:1.27.3").is_ok());
        assert!(pull_result("docker.io/library/busybox:latest").is_ok());
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(
            &mut w,
            "bad",
            m(&[("name", s("c")), ("image", s("nginxx:1.0"))]),
            &[],
        );
        run(&mut w, 2_500);
        assert_eq!(
            cstate(&w, "bad").path(&["state", "waiting", "reason"]),
            Some(&s("ErrImagePull"))
        );
        run(&mut w, 6_000);
        let cs = cstate(&w, "bad");
        assert_eq!(
            cs.path(&["state", "waiting", "reason"]),
            Some(&s("ImagePullBackOff"))
        );
        assert!(cs
            .path(&["state", "waiting", "message"])
            .and_then(Value::as_str)
            .unwrap()
            .starts_with("Back-off pulling image \"nginxx:1.0\": ErrImagePull: "));
        let r = reasons(&w, "bad");
        assert_eq!(
            r,
            [
                "Scheduled",
                "Pulling",
                "Failed",
                "Failed",
                "BackOff",
                "Failed"
            ]
        );
        assert!(logs(
            &w.clusters["kind-kind"],
            "default",
            "bad",
            None,
            false,
            w.now()
        )
        .unwrap_err()
        .message
        .contains("is waiting to start"));
    }

    #[test]
    fn logs_of_a_running_pod_before_the_first_step() {
        let w = World::new(4, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        // A system pod the preset created running: its kubelet has not seen it yet.
        let dns = c
            .store
            .range("/registry/pods/kube-system/coredns-")
            .next()
            .map(|kv| {
                meta::str_at(&kv.value, &["metadata", "name"])
                    .unwrap()
                    .to_string()
            })
            .unwrap();
        // What the status says is running has been printing since it started (CoreDNS's
        // banner, [`super::super::component_log`]).
        let out = logs(c, "kube-system", &dns, None, false, w.now()).unwrap();
        assert!(out.starts_with(".:53\n"), "{out}");
        let err = logs(c, "kube-system", &dns, None, true, w.now()).unwrap_err();
        assert!(
            err.message.contains("previous terminated container"),
            "{err:?}"
        );
    }

    #[test]
    fn the_docs_pi_job_prints_pi() {
        assert_eq!(pi_digits(1), "3");
        assert_eq!(pi_digits(10), "3.141592653");
        // Digits 762-767 are the Feynman point (six nines), which the carries must survive.
        let long = pi_digits(1000);
        assert_eq!(long.len(), 1001);
        assert_eq!(&long[761..769], "34999999");
        // The 1000th significant digit: decimals 991-999 are 216420198.
        assert!(long.ends_with("216420198"), "{}", &long[990..]);
        let mut w = World::new(4, Preset::Kind);
        let ctr = m(&[
            ("name", s("pi")),
            ("image", s("perl:5.34.0")),
            (
                "command",
                words(&["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]),
            ),
        ]);
        run_pod_with(&mut w, "pi", ctr, &[("restartPolicy", s("Never"))]);
        run(&mut w, 60_000);
        let cs = cstate(&w, "pi");
        assert_eq!(
            cs.path(&["state", "terminated", "reason"]),
            Some(&s("Completed")),
            "{cs:?}"
        );
        let out = logs(
            &w.clusters["kind-kind"],
            "default",
            "pi",
            None,
            false,
            w.now(),
        )
        .unwrap();
        assert!(out.starts_with("3.14159265358979323846"), "{out}");
        assert_eq!(out.len(), 2002, "2000 digits, the point and a newline");
    }

    #[test]
    fn crashing_container_backs_off_exponentially() {
        let mut w = World::new(4, Preset::Kind);
        let ctr = m(&[
            ("name", s("app")),
            ("image", s("busybox:1.36")),
            ("command", words(&["sh", "-c", "echo boom; exit 3"])),
        ]);
        run_pod_with(&mut w, "crash", ctr, &[]);
        run(&mut w, 8_000);
        // First exit restarts at once, the second one backs off.
        let cs = cstate(&w, "crash");
        assert!(
            cs.get("restartCount").and_then(Value::as_i64).unwrap() >= 1,
            "{cs:?}"
        );
        run(&mut w, 6_000);
        let cs = cstate(&w, "crash");
        assert_eq!(
            cs.path(&["state", "waiting", "reason"]),
            Some(&s("CrashLoopBackOff")),
            "{cs:?}"
        );
        assert_eq!(
            cs.path(&["lastState", "terminated", "exitCode"]),
            Some(&Value::Int(3))
        );
        // restartCount is the attempt number of the latest container: the one that just
        // exited (attempt 1) while the restart backs off, as the kubelet reports it.
        assert_eq!(cs.get("restartCount"), Some(&Value::Int(1)), "{cs:?}");
        assert!(reasons(&w, "crash").contains(&"BackOff".to_string()));
        // Worded like kuberuntime's doBackOff, the pod as `format.Pod` prints it.
        let uid = meta::str_at(&pod(&w, "crash"), &["metadata", "uid"])
            .unwrap()
            .to_string();
        let backoff = w.clusters["kind-kind"]
            .store
            .range("/registry/events/default/")
            .filter_map(|kv| meta::str_at(&kv.value, &["message"]).map(str::to_string))
            .find(|m| m.starts_with("Back-off restarting"));
        assert_eq!(
            backoff.as_deref(),
            Some(
                format!("Back-off restarting failed container app in pod crash_default({uid})")
                    .as_str()
            )
        );
        let prev = logs(
            &w.clusters["kind-kind"],
            "default",
            "crash",
            None,
            true,
            w.now(),
        )
        .unwrap();
        assert_eq!(prev, "boom\n");
        // Restarts slow down: 10s, 20s, 40s...
        let restarts_at = |w: &World| {
            cstate(w, "crash")
                .get("restartCount")
                .and_then(Value::as_i64)
                .unwrap()
        };
        let r0 = restarts_at(&w);
        run(&mut w, 60_000);
        let r1 = restarts_at(&w);
        run(&mut w, 60_000);
        let r2 = restarts_at(&w);
        assert!(r1 - r0 >= 2 && r2 - r1 <= r1 - r0, "{r0} {r1} {r2}");
        assert_eq!(
            pod(&w, "crash").path(&["status", "phase"]),
            Some(&s("Running"))
        );
    }

    #[test]
    fn job_like_pods_complete_and_init_containers_run_first() {
        let mut w = World::new(4, Preset::Kind);
        let ctr = m(&[
            ("name", s("main")),
            ("image", s("busybox")),
            ("command", words(&["echo", "hello"])),
        ]);
        run_pod_with(&mut w, "once", ctr, &[("restartPolicy", s("Never"))]);
        run(&mut w, 10_000);
        assert_eq!(
            pod(&w, "once").path(&["status", "phase"]),
            Some(&s("Succeeded"))
        );
        assert_eq!(
            cstate(&w, "once").path(&["state", "terminated", "reason"]),
            Some(&s("Completed"))
        );
        assert_eq!(
            logs(
                &w.clusters["kind-kind"],
                "default",
                "once",
                None,
                false,
                w.now()
            )
            .unwrap(),
            "hello\n"
        );
        let init = m(&[
            ("name", s("wait")),
            ("image", s("busybox:1.36")),
            ("command", words(&["sh", "-c", "sleep 20"])),
        ]);
        run_pod_with(
            &mut w,
            "withinit",
            nginx(),
            &[("initContainers", Value::Seq(vec![init].into()))],
        );
        run(&mut w, 5_000);
        let p = pod(&w, "withinit");
        assert_eq!(p.path(&["status", "phase"]), Some(&s("Pending")));
        let ics = &p
            .path(&["status", "initContainerStatuses"])
            .and_then(Value::as_seq)
            .unwrap()[0];
        assert!(ics.path(&["state", "running"]).is_some(), "{ics:?}");
        assert_eq!(
            cstate(&w, "withinit").path(&["state", "waiting", "reason"]),
            Some(&s("PodInitializing"))
        );
        run(&mut w, 25_000);
        assert_eq!(
            pod(&w, "withinit").path(&["status", "phase"]),
            Some(&s("Running"))
        );
    }

    #[test]
    fn deletion_is_graceful_and_shell_loops_wait_for_the_grace_period() {
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[]);
        let looper = m(&[
            ("name", s("loop")),
            ("image", s("busybox")),
            (
                "command",
                words(&["sh", "-c", "while true; do echo tick; sleep 5; done"]),
            ),
        ]);
        run_pod_with(&mut w, "loop", looper, &[]);
        run(&mut w, 20_000);
        let l = logs(
            &w.clusters["kind-kind"],
            "default",
            "loop",
            None,
            false,
            w.now(),
        )
        .unwrap();
        assert!(
            l.lines().count() >= 3 && l.lines().all(|x| x == "tick"),
            "{l}"
        );
        let res = resource_for_kind("Pod").unwrap();
        for n in ["web", "loop"] {
            let d = w
                .api("kind-kind", "kubectl")
                .unwrap()
                .delete(res, Some("default"), n)
                .unwrap();
            assert!(d.path(&["metadata", "deletionTimestamp"]).is_some());
        }
        run(&mut w, 2_000);
        assert!(pod(&w, "web") == Value::Null, "nginx stops on SIGTERM");
        assert!(pod(&w, "loop") != Value::Null, "sh ignores SIGTERM");
        assert!(reasons(&w, "loop").contains(&"Killing".to_string()));
        run(&mut w, 30_000);
        assert!(pod(&w, "loop") == Value::Null);
    }

    #[test]
    fn heartbeats_renew_the_lease_and_stop_when_the_kubelet_stops() {
        let mut w = World::new(4, Preset::Kind);
        w.step(100);
        let renew = |w: &World| {
            w.clusters["kind-kind"]
                .store
                .get("/registry/leases/kube-node-lease/kind-worker")
                .and_then(|kv| {
                    kv.value
                        .path(&["spec", "renewTime"])
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
        };
        let first = renew(&w).unwrap();
        assert_eq!(first, "2026-01-05T09:00:00.100000Z");
        run(&mut w, 10_000);
        assert_ne!(renew(&w).unwrap(), first);
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kubelet/kind-worker");
        let frozen = renew(&w);
        run(&mut w, 30_000);
        assert_eq!(renew(&w), frozen);
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .start("kubelet/kind-worker");
        w.step(100);
        assert_ne!(renew(&w), frozen);
    }

    #[test]
    fn probes_and_behaviors_table() {
        let c = |cmd: &[&str]| {
            m(&[
                ("name", s("c")),
                ("image", s("busybox")),
                ("command", words(cmd)),
            ])
        };
        for (ctr, want) in [
            (
                c(&["sh", "-c", "while true; do sleep 1; done"]),
                Behavior::Serve,
            ),
            (c(&["sleep", "infinity"]), Behavior::Serve),
            (
                c(&["false"]),
                Behavior::Exit {
                    code: 1,
                    after_ms: None,
                },
            ),
            (
                c(&["sh", "-c", "exit 2"]),
                Behavior::Exit {
                    code: 2,
                    after_ms: None,
                },
            ),
            (
                c(&["sleep", "30"]),
                Behavior::Exit {
                    code: 0,
                    after_ms: Some(30_000),
                },
            ),
            (
                c(&["echo", "hi"]),
                Behavior::Exit {
                    code: 0,
                    after_ms: None,
                },
            ),
            (
                m(&[("name", s("c")), ("image", s("busybox"))]),
                Behavior::Exit {
                    code: 0,
                    after_ms: None,
                },
            ),
            (
                m(&[("name", s("c")), ("image", s("redis:7"))]),
                Behavior::Serve,
            ),
        ] {
            let img = normalize_image(ctr.get("image").and_then(Value::as_str).unwrap());
            assert_eq!(behavior_of(&ctr, &img).0, want, "{ctr:?}");
        }
        let probe = |port: i64| {
            m(&[
                (
                    "httpGet",
                    m(&[("port", Value::Int(port)), ("path", s("/"))]),
                ),
                ("initialDelaySeconds", Value::Int(5)),
            ])
        };
        assert_eq!(
            probe_of(
                &m(&[("readinessProbe", probe(80))]),
                "readinessProbe",
                &[80]
            ),
            Some((5000, true))
        );
        assert_eq!(
            probe_of(
                &m(&[("readinessProbe", probe(8080))]),
                "readinessProbe",
                &[80]
            ),
            Some((5000, false))
        );
        let mut w = World::new(4, Preset::Kind);
        let mut ctr = nginx();
        ctr.set("readinessProbe", probe(8080));
        run_pod_with(&mut w, "notready", ctr, &[]);
        run(&mut w, 20_000);
        assert_eq!(
            pod(&w, "notready").path(&["status", "phase"]),
            Some(&s("Running"))
        );
        assert_eq!(
            cstate(&w, "notready").get("ready"),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn power_cycle_restarts_containers() {
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[("nodeName", s("kind-worker"))]);
        run(&mut w, 8_000);
        assert_eq!(cstate(&w, "web").get("restartCount"), Some(&Value::Int(0)));
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("node/kind-worker");
        run(&mut w, 5_000);
        assert!(runtime(&w.clusters["kind-kind"], "kind-worker")
            .unwrap()
            .containers
            .is_empty());
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .start("node/kind-worker");
        run(&mut w, 5_000);
        let cs = cstate(&w, "web");
        assert_eq!(cs.get("restartCount"), Some(&Value::Int(1)));
        assert!(cs.path(&["state", "running"]).is_some());
        assert_eq!(
            cs.path(&["lastState", "terminated", "exitCode"]),
            Some(&Value::Int(255))
        );
    }

    /// PodObservedGenerationTracking (beta, on in 1.34): the kubelet reports the generation
    /// it saw in `status.observedGeneration` and in every condition, PodScheduled included;
    /// the binding did not move the generation. Mirror pods carry none.
    #[test]
    fn the_kubelet_reports_the_generation_it_saw() {
        fn observed(p: &Value) -> (Option<i64>, Vec<(String, Option<i64>)>) {
            let conds = p
                .path(&["status", "conditions"])
                .and_then(Value::as_seq)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            (
                                c.get("type")
                                    .and_then(Value::as_str)
                                    .unwrap_or("")
                                    .to_string(),
                                c.get("observedGeneration").and_then(Value::as_i64),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (meta::int_at(p, &["status", "observedGeneration"]), conds)
        }
        let all = |g: Option<i64>| {
            [
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled",
            ]
            .iter()
            .map(|t| (t.to_string(), g))
            .collect::<Vec<_>>()
        };
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[]);
        run(&mut w, 10_000);
        let p = pod(&w, "web");
        assert_eq!(p.path(&["status", "phase"]), Some(&s("Running")));
        assert_eq!(meta::int_at(&p, &["metadata", "generation"]), Some(1));
        assert_eq!(observed(&p), (Some(1), all(Some(1))));

        let mut changed = p.clone();
        let ctr = changed
            .path_mut_or_insert(&["spec", "containers"])
            .as_seq_mut()
            .and_then(|c| c.first_mut())
            .unwrap();
        ctr.set("image", "nginx:1.29");
        let updated = w
            .api("kind-kind", "kubectl")
            .unwrap()
            .update(resource_for_kind("Pod").unwrap(), changed)
            .unwrap();
        assert_eq!(meta::int_at(&updated, &["metadata", "generation"]), Some(2));
        run(&mut w, 2_000);
        assert_eq!(observed(&pod(&w, "web")), (Some(2), all(Some(2))));

        let mirror = w.clusters["kind-kind"]
            .store
            .get("/registry/pods/kube-system/kube-scheduler-kind-control-plane")
            .map(|kv| (*kv.value).clone())
            .unwrap();
        assert_eq!(meta::int_at(&mirror, &["metadata", "generation"]), Some(1));
        assert_eq!(observed(&mirror), (None, all(None)));
    }

    /// `kubectl set image pod/...`: the running container is killed ("definition changed")
    /// and the new image started at once: restartCount 1, the old run as its last state.
    #[test]
    fn a_new_image_restarts_the_container_without_back_off() {
        let mut w = World::new(4, Preset::Kind);
        run_pod_with(&mut w, "web", nginx(), &[]);
        run(&mut w, 10_000);
        let mut changed = pod(&w, "web");
        changed
            .path_mut_or_insert(&["spec", "containers"])
            .as_seq_mut()
            .and_then(|c| c.first_mut())
            .unwrap()
            .set("image", "nginx:1.29");
        w.api("kind-kind", "kubectl")
            .unwrap()
            .update(resource_for_kind("Pod").unwrap(), changed)
            .unwrap();
        run(&mut w, 8_000);
        let cs = cstate(&w, "web");
        assert_eq!(cs.get("restartCount"), Some(&Value::Int(1)), "{cs:?}");
        assert!(cs.path(&["state", "running"]).is_some(), "{cs:?}");
        assert_eq!(
            cs.get("image").and_then(Value::as_str),
            Some("docker.io/library/nginx:1.29")
        );
        assert_eq!(
            cs.path(&["lastState", "terminated", "exitCode"]),
            Some(&Value::Int(0))
        );
        let r = reasons(&w, "web");
        assert!(r.contains(&"Killing".to_string()), "{r:?}");
        assert!(!r.contains(&"BackOff".to_string()), "{r:?}");
    }
}
