//! What `kubectl logs` prints for the system components' containers: kube-scheduler,
//! kube-controller-manager, kube-apiserver, etcd, kube-proxy and CoreDNS.
//!
//! Nothing is stored per line: a run's output is written on demand from what the simulation
//! recorded, with timestamps from the virtual clock, so it is deterministic and bounded by
//! what is already kept elsewhere:
//! - every component prints its startup lines, at fixed offsets from the container's start;
//! - kube-scheduler and kube-controller-manager print their leader election from the replica's
//!   marks ([`leader::marks`], at most [`leader::MARKS_PER_REPLICA`] per replica):
//!   `attempting to acquire leader lease`, `successfully acquired lease`, and on loss the
//!   failed renewals and `"Leaderelection lost"` / `"leaderelection lost"` just before the
//!   process exits 1;
//! - kube-controller-manager, while it leads, prints `"Started controller"` lines and one
//!   `"Event occurred"` line per Event its controllers recorded (read back from the stored
//!   Events, which expire after an hour as real ones do); kube-scheduler prints nothing per
//!   pod at the default verbosity;
//! - etcd prints its JSON lines, and the Raft leader changes it saw ([`super::etcd::State`]'s
//!   elections, the last 100);
//! - CoreDNS prints its banner (`.:53`, `CoreDNS-1.12.1`, `linux/amd64, go1.24.1, 707c7c1`).
//!
//! Lines after the end of the run are not printed: a process that was killed (a stopped
//! component crash-looping) stops mid-startup. Messages and line numbers are those of 1.34
//! logs where one could be checked (see the README's approximations for the others).

use super::clock::SimTime;
use super::leader::{self, LossCause, Mark};
use super::value::Value;
use super::world::Cluster;
use crate::sort::SortSmall;
use std::collections::BTreeMap;

/// The programs this module writes logs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Scheduler,
    ControllerManager,
    ApiServer,
    Etcd,
    Proxy,
    CoreDns,
}

impl Program {
    /// The program an image runs (`registry.k8s.io/kube-scheduler:v1.34.1`), if it is one.
    pub fn of_image(image: &str) -> Option<Program> {
        let repo = image.split(['@']).next().unwrap_or(image);
        let repo = match repo.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => r,
            _ => repo,
        };
        let last = repo.rsplit('/').next().unwrap_or(repo);
        Some(match last {
            "kube-scheduler" => Program::Scheduler,
            "kube-controller-manager" => Program::ControllerManager,
            "kube-apiserver" => Program::ApiServer,
            "etcd" => Program::Etcd,
            "kube-proxy" => Program::Proxy,
            l if l.ends_with("coredns") => Program::CoreDns,
            _ => return None,
        })
    }
    /// The leader-election component name, for those that elect one.
    fn elects(self) -> Option<&'static str> {
        match self {
            Program::Scheduler => Some("kube-scheduler"),
            Program::ControllerManager => Some("kube-controller-manager"),
            _ => None,
        }
    }
}

/// One run of a container: on `node`, from `start` to `end` (now, for a running one;
/// `exited` when it is the time the process ended). `since` is when the run before it ended
/// (marks after it belong to this process: a replica may win the election while its
/// container is still backing off); `since == start` when there was none.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub node: &'a str,
    pub pod: &'a str,
    pub image: &'a str,
    pub since: SimTime,
    pub start: SimTime,
    pub end: SimTime,
    pub exited: bool,
}

impl Run<'_> {
    /// The run as a pod's status gives it: `startedAt` and `finishedAt` are whole seconds, and
    /// that is all an imported world's kubelet knows of a container, so the logs are written
    /// from that much. The process starts at its second; a finished run ends at the last
    /// millisecond of its second (its last lines, the exit included, stay in it), and the
    /// next run's election marks begin after that.
    fn at_status_precision(self) -> Self {
        let second = |t: SimTime| SimTime::from_ms(t.as_ms() - t.as_ms() % 1000);
        let seal = |t: SimTime| second(t).plus_ms(999);
        let start_s = second(self.start);
        Run {
            since: if self.since >= self.start {
                SimTime::from_ms(start_s.as_ms().saturating_sub(1))
            } else {
                seal(self.since)
            },
            start: start_s,
            end: if self.exited {
                seal(self.end)
            } else {
                self.end
            },
            ..self
        }
    }
}

/// The output of one run of a system component's container, or `None` for other images.
pub fn logs(c: &Cluster, run: Run) -> Option<String> {
    let program = Program::of_image(run.image)?;
    let run = run.at_status_precision();
    let mut w = Writer::new(run);
    let ip = node_ip(c, run.node);
    let version = tag(run.image);
    match program {
        Program::Scheduler | Program::ControllerManager => elector(c, &mut w, program, &ip),
        Program::ApiServer => apiserver(&mut w, &ip, &version),
        Program::Etcd => etcd(c, &mut w, &ip, &version),
        Program::Proxy => proxy(&mut w, &ip, &version),
        Program::CoreDns => coredns(&mut w, &version),
    }
    Some(w.finish())
}

/// Where a line's microseconds go until the lines are sorted by time.
const US: &str = "\u{1}";

/// Lines with their time, in the order they were printed; rendered up to the run's end.
struct Writer<'a> {
    run: Run<'a>,
    lines: Vec<(SimTime, String)>,
    seed: u32,
}

impl<'a> Writer<'a> {
    fn new(run: Run<'a>) -> Self {
        Writer {
            run,
            lines: Vec::new(),
            seed: hash(run.pod) ^ hash(&run.start.as_ms().to_string()),
        }
    }
    fn at(&self, offset_ms: u64) -> SimTime {
        self.run.start.plus_ms(offset_ms)
    }
    /// A klog line (`I1204 20:18:27.123456       1 file.go:N] msg`), pid 1 in the container.
    fn klog(&mut self, severity: char, t: SimTime, source: &str, msg: &str) {
        // The microseconds are filled in once the lines are in order (see `finish`).
        let line = klog(severity, t, 0, 1, source, msg).replacen(".000000 ", &format!(".{US} "), 1);
        self.lines.push((t, line));
    }
    fn plain(&mut self, t: SimTime, text: String) {
        self.lines.push((t, text));
    }
    fn finish(mut self) -> String {
        // Stable: lines of the same instant keep the order they were written in.
        self.lines.as_mut_slice().sort_small_by_key(|(t, _)| *t);
        let end = self.run.end;
        let mut out = String::new();
        for (i, (t, l)) in self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, (t, _))| *t <= end)
        {
            match l.split_once(US) {
                Some((head, tail)) => {
                    out.push_str(head);
                    out.push_str(&format!("{:06}", micros(*t, self.seed, i)));
                    out.push_str(tail);
                }
                None => out.push_str(l),
            }
            out.push('\n');
        }
        out
    }
}

/// klog's text header: severity, MMDD, time with microseconds, the thread id right-aligned in
/// 7 columns, `file:line]`, then the message. The one formatter of the sim's klog lines.
pub(crate) fn klog(
    severity: char,
    t: SimTime,
    us: u32,
    pid: u32,
    source: &str,
    msg: &str,
) -> String {
    let rfc = t.rfc3339();
    let (mm, dd, hms) = (
        rfc.get(5..7).unwrap_or("01"),
        rfc.get(8..10).unwrap_or("01"),
        rfc.get(11..19).unwrap_or("00:00:00"),
    );
    format!("{severity}{mm}{dd} {hms}.{us:06} {pid:>7} {source}] {msg}")
}

/// Microseconds of a line printed at `t`: the millisecond of `t`, plus a deterministic jitter
/// that grows with the line index so lines of one instant stay in order.
pub(crate) fn micros(t: SimTime, seed: u32, index: usize) -> u32 {
    let jitter = (seed % 600) + (index as u32 % 40) * 9;
    ((t.as_ms() % 1000) as u32) * 1000 + jitter.min(999)
}

/// FNV-1a, for deterministic jitter.
fn hash(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The image tag (`v1.34.1`), without a `-0` build suffix (etcd's `3.6.4-0`).
fn tag(image: &str) -> String {
    let t = match image.rsplit_once(':') {
        Some((_, t)) if !t.contains('/') => t,
        _ => "",
    };
    t.split('-').next().unwrap_or(t).to_string()
}

/// The node's InternalIP (what kubeadm's kubeconfigs point the components at).
fn node_ip(c: &Cluster, node: &str) -> String {
    c.store
        .get(&format!("/registry/minions/{node}"))
        .and_then(|kv| super::meta::node_address(&kv.value, "InternalIP").map(str::to_string))
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

const GOLANG: &str = "\"Golang settings\" GOGC=\"\" GOMAXPROCS=\"\" GOTRACEBACK=\"\"";
/// When the elector starts trying for its Lease, after its startup lines.
const ELECTION_START_MS: u64 = 400;

/// kube-scheduler and kube-controller-manager: startup, then the leader election.
fn elector(c: &Cluster, w: &mut Writer, program: Program, ip: &str) {
    let Some(component) = program.elects() else {
        return;
    };
    let version = tag(w.run.image);
    let t0 = w.at(0);
    let t1 = w.at(300);
    w.klog(
        'I',
        t0,
        "serving.go:386",
        "Generated self-signed cert in-memory",
    );
    let client_ca = "client-ca::kube-system::extension-apiserver-authentication::client-ca-file";
    if program == Program::Scheduler {
        w.klog(
            'I',
            t1,
            "server.go:175",
            &format!("\"Starting Kubernetes Scheduler\" version=\"{version}\""),
        );
        w.klog('I', t1, "server.go:177", GOLANG);
        w.klog(
            'I',
            t1,
            "secure_serving.go:211",
            "Serving securely on 127.0.0.1:10259",
        );
        w.klog(
            'I',
            t1,
            "configmap_cafile_content.go:205",
            &format!("\"Starting controller\" name=\"{client_ca}\""),
        );
        w.klog(
            'I',
            t1,
            "shared_informer.go:349",
            &format!("\"Waiting for caches to sync\" controller=\"{client_ca}\""),
        );
        w.klog(
            'I',
            t1,
            "tlsconfig.go:243",
            "\"Starting DynamicServingCertificateController\"",
        );
    } else {
        w.klog(
            'I',
            t1,
            "controllermanager.go:191",
            &format!("\"Starting\" version=\"{version}\""),
        );
        w.klog('I', t1, "controllermanager.go:193", GOLANG);
        w.klog('I', t1, "dynamic_cafile_content.go:161", "\"Starting controller\" name=\"request-header::/etc/kubernetes/pki/front-proxy-ca.crt\"");
        w.klog(
            'I',
            t1,
            "dynamic_cafile_content.go:161",
            "\"Starting controller\" name=\"client-ca-bundle::/etc/kubernetes/pki/ca.crt\"",
        );
        w.klog(
            'I',
            t1,
            "secure_serving.go:211",
            "Serving securely on 127.0.0.1:10257",
        );
        w.klog(
            'I',
            t1,
            "tlsconfig.go:243",
            "\"Starting DynamicServingCertificateController\"",
        );
    }
    let tries = w.at(ELECTION_START_MS);
    w.klog(
        'I',
        tries,
        "leaderelection.go:257",
        &format!("attempting to acquire leader lease kube-system/{component}..."),
    );
    if program == Program::Scheduler {
        w.klog(
            'I',
            tries,
            "shared_informer.go:356",
            &format!("\"Caches are synced\" controller=\"{client_ca}\""),
        );
    }
    let (since, end) = (w.run.since, w.run.end);
    let mut leading_from: Option<SimTime> = None;
    for m in leader::marks(c, component, w.run.node)
        .iter()
        .filter(|m| m.at() > since && m.at() <= end)
    {
        // The process cannot act before it has started and begun to try.
        let at = m.at().max(tries);
        match m {
            Mark::Acquired { identity, .. } => {
                w.klog(
                    'I',
                    at,
                    "leaderelection.go:271",
                    &format!("successfully acquired lease kube-system/{component}"),
                );
                leading_from = Some(at);
                if program == Program::ControllerManager {
                    w.klog('I', at, "event.go:389", &format!(
                        "\"Event occurred\" object=\"kube-system/{component}\" fieldPath=\"\" kind=\"Lease\" apiVersion=\"coordination.k8s.io/v1\" type=\"Normal\" reason=\"LeaderElection\" message=\"{identity} became leader\""
                    ));
                    started_controllers(w, at);
                }
            }
            Mark::Lost { cause, .. } => {
                if let (Some(from), Program::ControllerManager) = (leading_from, program) {
                    controller_events(c, w, from, at);
                }
                leading_from = None;
                lost(w, component, ip, at, *cause);
            }
        }
    }
    if let (Some(from), Program::ControllerManager) = (leading_from, program) {
        controller_events(c, w, from, end);
    }
}

/// The failed renewals of a leader that gives up at `at`, and its last words.
fn lost(w: &mut Writer, component: &str, ip: &str, at: SimTime, cause: LossCause) {
    let url = format!("https://{ip}:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{component}?timeout=5s");
    // The renew deadline (10 s) started at the last successful renewal.
    let first = SimTime::from_ms(at.as_ms().saturating_sub(8_000));
    match cause {
        LossCause::Unreachable => {
            w.klog('E', first, "leaderelection.go:429", &format!(
                "Failed to update lock optimitically: Put \"{url}\": net/http: request canceled (Client.Timeout exceeded while awaiting headers), falling back to slow path"
            ));
            w.klog('E', at, "leaderelection.go:436", &format!(
                "error retrieving resource lock kube-system/{component}: Get \"{url}\": context deadline exceeded"
            ));
        }
        LossCause::NoQuorum => {
            w.klog('E', first, "leaderelection.go:429", "Failed to update lock optimitically: etcdserver: request timed out, falling back to slow path");
        }
        LossCause::TakenOver => {
            w.klog('E', first, "leaderelection.go:429", &format!(
                "Failed to update lock optimitically: Operation cannot be fulfilled on leases.coordination.k8s.io \"{component}\": the object has been modified; please apply your changes to the latest version and try again, falling back to slow path"
            ));
        }
    }
    w.klog(
        'I',
        at,
        "leaderelection.go:297",
        &format!(
            "failed to renew lease kube-system/{component}: timed out waiting for the condition"
        ),
    );
    if component == "kube-scheduler" {
        w.klog('E', at, "server.go:307", "\"Leaderelection lost\"");
    } else {
        w.klog(
            'E',
            at,
            "controllermanager.go:373",
            "\"leaderelection lost\"",
        );
    }
}

/// The controllers kube-controller-manager starts once it leads (those the simulation runs),
/// in a fixed order; the service account token controller always comes first.
const CONTROLLERS: [&str; 16] = [
    "serviceaccount-token-controller",
    "endpoints-controller",
    "endpointslice-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "garbage-collector-controller",
    "daemonset-controller",
    "job-controller",
    "deployment-controller",
    "replicaset-controller",
    "statefulset-controller",
    "cronjob-controller",
    "node-ipam-controller",
    "node-lifecycle-controller",
    "persistentvolume-binder-controller",
    "taint-eviction-controller",
];

fn started_controllers(w: &mut Writer, at: SimTime) {
    for (i, name) in CONTROLLERS.iter().enumerate() {
        let t = at.plus_ms(2 + i as u64 * 3);
        w.klog(
            'I',
            t,
            "controllermanager.go:781",
            &format!("\"Started controller\" controller=\"{name}\""),
        );
    }
}

/// kube-controller-manager logs each Event its controllers record (`StartStructuredLogging`):
/// those stored with a time in `[from, to]`, at their first (or, if earlier, last) time.
fn controller_events(c: &Cluster, w: &mut Writer, from: SimTime, to: SimTime) {
    let mut found: BTreeMap<(SimTime, String), String> = BTreeMap::new();
    for kv in c.store.range("/registry/events/") {
        let e = &kv.value;
        let source = e
            .path(&["source", "component"])
            .and_then(Value::as_str)
            .unwrap_or("");
        if !source.ends_with("-controller")
            || source.starts_with("cloud")
            || source == "service-controller"
        {
            continue;
        }
        let time = |f: &str| {
            e.get(f)
                .and_then(Value::as_str)
                .and_then(SimTime::parse_rfc3339)
        };
        let (Some(first), Some(last)) = (time("firstTimestamp"), time("lastTimestamp")) else {
            continue;
        };
        let at = if first >= from && first <= to {
            first
        } else if last >= from && last <= to {
            last
        } else {
            continue;
        };
        let s = |p: &[&str]| e.path(p).and_then(Value::as_str).unwrap_or("").to_string();
        let ns = s(&["involvedObject", "namespace"]);
        let name = s(&["involvedObject", "name"]);
        let object = if ns.is_empty() {
            name
        } else {
            format!("{ns}/{name}")
        };
        let line = format!(
            "\"Event occurred\" object={} fieldPath={} kind={} apiVersion={} type={} reason={} message={}",
            quoted(&object),
            quoted(&s(&["involvedObject", "fieldPath"])),
            quoted(&s(&["involvedObject", "kind"])),
            quoted(&s(&["involvedObject", "apiVersion"])),
            quoted(&s(&["type"])),
            quoted(&s(&["reason"])),
            quoted(&s(&["message"])),
        );
        found.insert((at, kv.key.to_string()), line);
    }
    for ((at, _), line) in found {
        w.klog('I', at, "event.go:389", &line);
    }
}

/// Go's `%q` for the strings events carry (Rust's `{:?}` escapes the same characters).
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn apiserver(w: &mut Writer, ip: &str, version: &str) {
    let (t0, t1, t2, t3) = (w.at(0), w.at(2), w.at(1_500), w.at(1_700));
    w.klog(
        'I',
        t0,
        "options.go:263",
        &format!("external host was not specified, using {ip}"),
    );
    w.klog('I', t1, "server.go:150", &format!("Version: {version}"));
    w.klog('I', t1, "server.go:152", GOLANG);
    w.klog(
        'I',
        w.at(200),
        "shared_informer.go:349",
        "\"Waiting for caches to sync\" controller=\"node_authorizer\"",
    );
    w.klog(
        'I',
        t2,
        "secure_serving.go:211",
        "Serving securely on [::]:6443",
    );
    w.klog(
        'I',
        t2,
        "tlsconfig.go:243",
        "\"Starting DynamicServingCertificateController\"",
    );
    w.klog(
        'I',
        t3,
        "shared_informer.go:356",
        "\"Caches are synced\" controller=\"node_authorizer\"",
    );
}

fn proxy(w: &mut Writer, ip: &str, version: &str) {
    let t = |ms| w.at(ms);
    let (t0, t1, t2, t3, t4) = (t(0), t(50), t(150), t(200), t(300));
    w.klog('I', t0, "server_linux.go:53", "\"Using iptables proxy\"");
    w.klog(
        'I',
        t1,
        "shared_informer.go:349",
        "\"Waiting for caches to sync\" controller=\"node informer cache\"",
    );
    w.klog(
        'I',
        t2,
        "shared_informer.go:356",
        "\"Caches are synced\" controller=\"node informer cache\"",
    );
    w.klog(
        'I',
        t2,
        "server.go:219",
        &format!("\"Successfully retrieved NodeIPs\" NodeIPs=[\"{ip}\"]"),
    );
    w.klog(
        'I',
        t2,
        "conntrack.go:60",
        "\"Setting nf_conntrack_max\" nfConntrackMax=131072",
    );
    w.klog(
        'I',
        t2,
        "server.go:265",
        "\"kube-proxy running in dual-stack mode\" primary ipFamily=\"IPv4\"",
    );
    w.klog('I', t2, "server_linux.go:132", "\"Using iptables Proxier\"");
    w.klog('I', t2, "proxier.go:242", "\"Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses\" ipFamily=\"IPv4\"");
    w.klog(
        'I',
        t3,
        "server.go:527",
        &format!("\"Version info\" version=\"{version}\""),
    );
    w.klog('I', t3, "server.go:529", GOLANG);
    for (src, what, cache) in [
        (
            "config.go:200",
            "service config controller",
            "service config",
        ),
        (
            "config.go:106",
            "endpoint slice config controller",
            "endpoint slice config",
        ),
        (
            "config.go:403",
            "serviceCIDR config controller",
            "serviceCIDR config",
        ),
        ("config.go:309", "node config controller", "node config"),
    ] {
        w.klog('I', t3, src, &format!("\"Starting {what}\""));
        w.klog(
            'I',
            t3,
            "shared_informer.go:349",
            &format!("\"Waiting for caches to sync\" controller=\"{cache}\""),
        );
    }
    for cache in [
        "node config",
        "service config",
        "serviceCIDR config",
        "endpoint slice config",
    ] {
        w.klog(
            'I',
            t4,
            "shared_informer.go:356",
            &format!("\"Caches are synced\" controller=\"{cache}\""),
        );
    }
}

fn coredns(w: &mut Writer, version: &str) {
    let v = version.trim_start_matches('v');
    // The Go version and commit each release was built with.
    let build = match v {
        "1.12.3" => "go1.24.5, 463fd1c",
        _ => "go1.24.1, 707c7c1",
    };
    let t0 = w.at(0);
    w.plain(t0, ".:53".into());
    w.plain(t0, "[INFO] plugin/reload: Running configuration SHA512 = e7e8a6c4578bf29b9f453cb54ade3fb14671793481527b7435e35119b25e84eb3a79242b1f470199f8605ace441674db8f1b6715b77448c20dde63e2dc5d2169".into());
    w.plain(t0, format!("CoreDNS-{v}"));
    w.plain(t0, format!("linux/amd64, {build}"));
    // The loop plugin's self-check: a random HINFO query to itself, answered NXDOMAIN.
    let h = w.seed;
    let probe = format!(
        "[INFO] 127.0.0.1:{} - {} \"HINFO IN {}.{}. udp 57 false 512\" NXDOMAIN qr,rd,ra 57 0.{:09}s",
        32768 + h % 28000,
        h % 65536,
        u64::from(hash(w.run.pod)) * 2_147_483_647 % 9_000_000_000_000_000_000 + 1_000_000_000_000_000_000,
        u64::from(h) * 4_294_967_291 % 9_000_000_000_000_000_000 + 1_000_000_000_000_000_000,
        1_000_000 + h % 9_000_000
    );
    w.plain(w.at(40), probe);
}

/// etcd's JSON log time: `2026-01-05T09:00:12.104233Z`.
fn etcd_ts(t: SimTime) -> String {
    let rfc = t.rfc3339();
    format!("{}.{US}Z", rfc.trim_end_matches('Z'))
}

fn etcd(c: &Cluster, w: &mut Writer, ip: &str, version: &str) {
    let node = w.run.node.to_string();
    let members = &c.etcd.members;
    let me = members.iter().find(|m| m.node == node);
    let id_of = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| format!("{:x}", m.id))
            .unwrap_or_default()
    };
    let my_id = me.map(|m| format!("{:x}", m.id)).unwrap_or_default();
    let json =
        |w: &mut Writer, t: SimTime, logger: Option<&str>, caller: &str, msg: &str, rest: &str| {
            let logger = logger
                .map(|l| format!("\"logger\":\"{l}\","))
                .unwrap_or_default();
            let line = format!(
            "{{\"level\":\"info\",\"ts\":\"{}\",{logger}\"caller\":\"{caller}\",\"msg\":{}{rest}}}",
            etcd_ts(t),
            quoted(msg)
        );
            w.plain(t, line);
        };
    let v = version.trim_start_matches('v');
    json(
        w,
        w.at(0),
        None,
        "embed/etcd.go:138",
        "configuring peer listeners",
        &format!(",\"listen-peer-urls\":[\"https://{ip}:2380\"]"),
    );
    json(w, w.at(1), None, "embed/etcd.go:311", "starting an etcd server", &format!(
        ",\"etcd-version\":\"{v}\",\"go-os\":\"linux\",\"go-arch\":\"amd64\",\"name\":\"{node}\",\"data-dir\":\"/var/lib/etcd\",\"advertise-client-urls\":[\"https://{ip}:2379\"]"
    ));
    json(w, w.at(300), None, "etcdserver/server.go:1820", "published local member to cluster through raft", &format!(
        ",\"local-member-id\":\"{my_id}\",\"local-member-attributes\":\"{{Name:{node} ClientURLs:[https://{ip}:2379]}}\",\"cluster-id\":\"{:x}\"",
        c.etcd.cluster_id
    ));
    json(
        w,
        w.at(301),
        None,
        "embed/serve.go:275",
        "serving client traffic securely",
        &format!(",\"traffic\":\"grpc+http\",\"address\":\"{ip}:2379\""),
    );
    // The leader this member found when it joined: the last election before it started, or
    // the first member at term 2 (how a new cluster starts, [`super::etcd::State::new`]).
    let (since, end) = (w.run.since, w.run.end);
    let joined = w.at(302);
    let initial = c
        .etcd
        .elections
        .iter()
        .rev()
        .find(|e| e.at <= since)
        .map(|e| (e.leader.clone(), e.term))
        .unwrap_or_else(|| (members.first().map(|m| m.name.clone()), 2));
    match &initial.0 {
        Some(l) if *l == node => {
            json(
                w,
                joined,
                Some("raft"),
                "v3@v3.6.0/raft.go:988",
                &format!("{my_id} became leader at term {}", initial.1),
                "",
            );
            json(
                w,
                joined,
                Some("raft"),
                "v3@v3.6.0/node.go:370",
                &format!(
                    "raft.node: {my_id} elected leader {my_id} at term {}",
                    initial.1
                ),
                "",
            );
        }
        Some(l) => {
            json(
                w,
                joined,
                Some("raft"),
                "v3@v3.6.0/node.go:370",
                &format!(
                    "raft.node: {my_id} elected leader {} at term {}",
                    id_of(l),
                    initial.1
                ),
                "",
            );
        }
        None => {}
    }
    // The Raft leader changes this member saw while it ran.
    let mut previous: Option<String> = initial.0;
    for e in &c.etcd.elections {
        let seen = e.at > since && e.at <= end;
        if seen {
            let at = e.at.max(w.at(302));
            match &e.leader {
                Some(l) if *l == node => {
                    json(
                        w,
                        at,
                        Some("raft"),
                        "v3@v3.6.0/raft.go:988",
                        &format!("{my_id} became leader at term {}", e.term),
                        "",
                    );
                    json(
                        w,
                        at,
                        Some("raft"),
                        "v3@v3.6.0/node.go:370",
                        &format!(
                            "raft.node: {my_id} elected leader {my_id} at term {}",
                            e.term
                        ),
                        "",
                    );
                }
                Some(l) if previous.as_ref() == Some(l) => {}
                Some(l) => {
                    let msg = match &previous {
                        Some(p) => format!(
                            "raft.node: {my_id} changed leader from {} to {} at term {}",
                            id_of(p),
                            id_of(l),
                            e.term
                        ),
                        None => format!(
                            "raft.node: {my_id} elected leader {} at term {}",
                            id_of(l),
                            e.term
                        ),
                    };
                    json(w, at, Some("raft"), "v3@v3.6.0/node.go:370", &msg, "");
                }
                None => {
                    if let Some(p) = &previous {
                        json(
                            w,
                            at,
                            Some("raft"),
                            "v3@v3.6.0/node.go:376",
                            &format!(
                                "raft.node: {my_id} lost leader {} at term {}",
                                id_of(p),
                                e.term
                            ),
                            "",
                        );
                    }
                }
            }
        }
        previous = e.leader.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::{self, Fault};
    use crate::sim::kubelet;
    use crate::sim::presets::Preset;
    use crate::sim::world::World;

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    fn logs(w: &World, cluster: &str, pod: &str, previous: bool) -> String {
        kubelet::logs(
            &w.clusters[cluster],
            "kube-system",
            pod,
            None,
            previous,
            w.now(),
        )
        .unwrap()
    }

    fn pod_named(w: &World, cluster: &str, prefix: &str) -> String {
        w.clusters[cluster]
            .store
            .range(&format!("/registry/pods/kube-system/{prefix}"))
            .next()
            .map(|kv| kv.key.rsplit('/').next().unwrap_or("").to_string())
            .expect("pod")
    }

    #[test]
    fn images_name_their_program() {
        assert_eq!(
            Program::of_image("registry.k8s.io/kube-scheduler:v1.34.1"),
            Some(Program::Scheduler)
        );
        assert_eq!(
            Program::of_image("registry.k8s.io/etcd:3.6.4-0"),
            Some(Program::Etcd)
        );
        assert_eq!(
            Program::of_image("docker.io/rancher/mirrored-coredns-coredns:1.12.3"),
            Some(Program::CoreDns)
        );
        assert_eq!(Program::of_image("nginx:1.27"), None);
        assert_eq!(tag("registry.k8s.io/etcd:3.6.4-0"), "3.6.4");
    }

    #[test]
    fn kind_components_print_their_startup_lines_after_start() {
        let mut w = World::new(1, Preset::Kind);
        run(&mut w, 3_000);
        let k = "kind-kind";
        let sched = logs(&w, k, "kube-scheduler-kind-control-plane", false);
        for want in [
            "] Generated self-signed cert in-memory\n",
            " server.go:175] \"Starting Kubernetes Scheduler\" version=\"v1.34.1\"\n",
            " leaderelection.go:257] attempting to acquire leader lease kube-system/kube-scheduler...\n",
            " leaderelection.go:271] successfully acquired lease kube-system/kube-scheduler\n",
        ] {
            assert!(sched.contains(want), "{want:?} in\n{sched}");
        }
        // klog header: severity, MMDD, time.micros, pid 1 in 7 columns.
        let first = sched.lines().next().unwrap();
        assert_eq!(&first[..1], "I");
        assert_eq!(&first[21..29], "       1", "{first:?}");
        let kcm = logs(&w, k, "kube-controller-manager-kind-control-plane", false);
        assert!(
            kcm.contains(" controllermanager.go:191] \"Starting\" version=\"v1.34.1\"\n"),
            "{kcm}"
        );
        assert!(
            kcm.contains("reason=\"LeaderElection\" message=\"kind-control-plane_"),
            "{kcm}"
        );
        assert!(kcm.contains(" controllermanager.go:781] \"Started controller\" controller=\"deployment-controller\"\n"), "{kcm}");
        let etcd = logs(&w, k, "etcd-kind-control-plane", false);
        assert!(etcd.starts_with("{\"level\":\"info\",\"ts\":\""), "{etcd}");
        assert!(
            etcd.contains("\"msg\":\"starting an etcd server\",\"etcd-version\":\"3.6.4\""),
            "{etcd}"
        );
        // The lone member of a new cluster leads from term 2.
        assert!(etcd.contains(" became leader at term 2\"}\n"), "{etcd}");
        let api = logs(&w, k, "kube-apiserver-kind-control-plane", false);
        assert!(api.contains(" server.go:150] Version: v1.34.1\n"), "{api}");
        let proxy = logs(&w, k, &pod_named(&w, k, "kube-proxy-"), false);
        assert!(proxy.contains("\"Using iptables Proxier\""), "{proxy}");
        assert!(
            proxy.contains("\"Successfully retrieved NodeIPs\" NodeIPs=[\"172.18.0."),
            "{proxy}"
        );
        let dns = logs(&w, k, &pod_named(&w, k, "coredns-"), false);
        assert!(
            dns.starts_with(".:53\n[INFO] plugin/reload: Running configuration SHA512 = "),
            "{dns}"
        );
        assert!(
            dns.contains("\nCoreDNS-1.12.1\nlinux/amd64, go1.24.1, 707c7c1\n"),
            "{dns}"
        );
        // Deterministic: the same seed prints the same bytes.
        let mut again = World::new(1, Preset::Kind);
        run(&mut again, 3_000);
        assert_eq!(
            logs(&again, k, "kube-scheduler-kind-control-plane", false),
            sched
        );
    }

    #[test]
    fn the_controller_manager_logs_the_events_it_records() {
        let mut w = World::new(1, Preset::Kind);
        run(&mut w, 2_000);
        let k = "kind-kind";
        let dep = crate::sim::value::yaml::parse(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n",
        )
        .unwrap();
        let res = crate::sim::api::resource_for_kind("Deployment").unwrap();
        w.api(k, "kubectl").unwrap().create(res, dep).unwrap();
        run(&mut w, 5_000);
        let kcm = logs(&w, k, "kube-controller-manager-kind-control-plane", false);
        assert!(
            kcm.contains("\"Event occurred\" object=\"default/web\" fieldPath=\"\" kind=\"Deployment\" apiVersion=\"apps/v1\" type=\"Normal\" reason=\"ScalingReplicaSet\" message=\"Scaled up replica set web-"),
            "{kcm}"
        );
        // The scheduler prints nothing per pod at the default verbosity.
        let sched = logs(&w, k, "kube-scheduler-kind-control-plane", false);
        assert!(!sched.contains("web-"), "{sched}");
    }

    #[test]
    fn ha_takeover_shows_in_the_new_leaders_log() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let c = &w.clusters[&cluster];
        let first = leader::leader_node(c, "kube-scheduler").unwrap();
        let nodes = leader::control_plane_nodes(c);
        for n in &nodes {
            let l = logs(&w, &cluster, &format!("kube-scheduler-{n}"), false);
            assert!(
                l.contains("attempting to acquire leader lease kube-system/kube-scheduler..."),
                "{n}: {l}"
            );
            assert_eq!(
                l.contains("successfully acquired lease"),
                *n == first,
                "{n}: {l}"
            );
        }
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-scheduler/{first}")),
        )
        .unwrap();
        run(&mut w, 20_000);
        let second = leader::leader_node(&w.clusters[&cluster], "kube-scheduler").unwrap();
        assert_ne!(second, first);
        let l = logs(&w, &cluster, &format!("kube-scheduler-{second}"), false);
        let acquired = l
            .lines()
            .find(|l| l.contains("successfully acquired lease"))
            .expect(&l);
        // Logged when the Lease changed hands, 15 s after the stopped leader's last renewal.
        let lease = w.clusters[&cluster]
            .store
            .get("/registry/leases/kube-system/kube-scheduler")
            .unwrap();
        let acquire = crate::sim::meta::str_at(&lease.value, &["spec", "acquireTime"]).unwrap();
        // `2026-01-05T09:00:17.500000Z` → `0105 09:00:17.5`
        let stamp = format!(
            "{}{} {}.{}",
            &acquire[5..7],
            &acquire[8..10],
            &acquire[11..19],
            &acquire[20..21]
        );
        assert!(acquired.contains(&stamp), "{acquired} vs {acquire}");
    }

    #[test]
    fn a_partitioned_leader_logs_leaderelection_lost_and_restarts() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = leader::leader_node(&w.clusters[&cluster], "kube-controller-manager").unwrap();
        faults::apply(&mut w, &cluster, &Fault::Partition(first.clone())).unwrap();
        run(&mut w, 15_000);
        faults::apply(&mut w, &cluster, &Fault::Heal(first.clone())).unwrap();
        run(&mut w, 30_000);
        let pod = format!("kube-controller-manager-{first}");
        let prev = logs(&w, &cluster, &pod, true);
        assert!(
            prev.contains("successfully acquired lease kube-system/kube-controller-manager\n"),
            "{prev}"
        );
        assert!(prev.contains("] error retrieving resource lock kube-system/kube-controller-manager: Get \"https://"), "{prev}");
        assert!(prev.contains(" leaderelection.go:297] failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition\n"), "{prev}");
        assert!(prev.ends_with("] \"leaderelection lost\"\n"), "{prev}");
        assert!(prev.lines().last().unwrap().starts_with('E'));
        // The restarted process starts over and waits for the Lease like any replica.
        let now = logs(&w, &cluster, &pod, false);
        assert!(
            now.contains(
                "attempting to acquire leader lease kube-system/kube-controller-manager...\n"
            ),
            "{now}"
        );
        assert!(!now.contains("leaderelection lost"), "{now}");
    }

    #[test]
    fn a_stopped_scheduler_crash_loops_with_a_cut_short_log() {
        let mut w = World::new(1, Preset::Kind);
        run(&mut w, 2_000);
        faults::apply(
            &mut w,
            "kind-kind",
            &Fault::StopComponent("kube-scheduler".into()),
        )
        .unwrap();
        run(&mut w, 30_000);
        let l = logs(&w, "kind-kind", "kube-scheduler-kind-control-plane", false);
        // Each run lives a second: started, never got to take the Lease.
        assert!(l.contains("\"Starting Kubernetes Scheduler\""), "{l}");
        assert!(!l.contains("successfully acquired lease"), "{l}");
        faults::apply(
            &mut w,
            "kind-kind",
            &Fault::StartComponent("kube-scheduler".into()),
        )
        .unwrap();
        run(&mut w, 30_000);
        let l = logs(&w, "kind-kind", "kube-scheduler-kind-control-plane", false);
        let marks = leader::marks(
            &w.clusters["kind-kind"],
            "kube-scheduler",
            "kind-control-plane",
        );
        assert!(
            l.contains("successfully acquired lease kube-system/kube-scheduler\n"),
            "{l} {marks:?}"
        );
    }

    #[test]
    fn etcd_logs_the_raft_leader_changes_it_saw() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 1_000);
        let leader = w.clusters[&cluster].etcd.members[0].name.clone();
        faults::apply(&mut w, &cluster, &Fault::KillEtcd(leader.clone())).unwrap();
        run(&mut w, 2_000);
        let c = &w.clusters[&cluster];
        let new = c
            .etcd
            .leader
            .map(|i| c.etcd.members[i].name.clone())
            .unwrap();
        assert_ne!(new, leader);
        let l = logs(&w, &cluster, &format!("etcd-{new}"), false);
        let id = format!(
            "{:x}",
            c.etcd.members.iter().find(|m| m.name == new).unwrap().id
        );
        assert!(l.contains(&format!("\"logger\":\"raft\",\"caller\":\"v3@v3.6.0/raft.go:988\",\"msg\":\"{id} became leader at term ")), "{l}");
    }
}
