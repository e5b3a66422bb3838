//! Tools on a node (after `ssh NODE` or `docker exec -it NODE bash`): `crictl ps|pods|images`
//! from the pods the node runs, `systemctl status|stop|start|restart kubelet|containerd`
//! (stopping the kubelet stops it in the simulation: `Cluster::stop("kubelet/<node>")`), and
//! `journalctl -u kubelet`.
//!
//! Containers and images are derived from the pods bound to the node; the kubelet's journal
//! from what the simulated kubelet did there ([`super::kubelet_log`]).

use super::Terminal;
use crate::sim::api::{self, resource_for_kind};
use crate::sim::clock::SimTime;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Output;

/// crictl's `tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)`: like kubectl's tables with a
/// minimum cell width of 20.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str]) -> Self {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
        }
    }
    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0usize; cols];
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(r.len().saturating_sub(1)) {
                widths[i] = widths[i].max(c.chars().count() + 3).max(20);
            }
        }
        let mut out = String::new();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                out.push_str(c);
                if i + 1 < r.len() {
                    out.extend(std::iter::repeat_n(
                        ' ',
                        widths[i].saturating_sub(c.chars().count()),
                    ));
                }
            }
            out.push('\n');
        }
        out
    }
}

fn on_node(term: &Terminal, prog: &str) -> Result<(String, String), Output> {
    let host = term.host.clone().ok_or_else(|| {
        if prog == "systemctl" || prog == "journalctl" {
            Output::error(format!("{prog}: the laptop has no kubelet; run it on a node (`ssh NODE`, or `docker exec -it NODE bash` for kind)"), 1)
        } else {
            Output::error(format!("bash: {prog}: command not found"), 127)
        }
    })?;
    let cluster = term
        .tools
        .machines
        .get(&host)
        .and_then(|m| m.cluster.clone())
        .unwrap_or_default();
    Ok((host, cluster))
}

/// Go's `units.HumanDuration` + " ago", as crictl prints CREATED.
fn ago(now: SimTime, then: SimTime) -> String {
    let s = now.since_ms(then) / 1000;
    let text = match s {
        0 => "Less than a second".to_string(),
        1 => "1 second".to_string(),
        2..=59 => format!("{s} seconds"),
        60..=119 => "About a minute".to_string(),
        _ if s < 3600 => format!("{} minutes", s / 60),
        _ if s < 7200 => "About an hour".to_string(),
        _ if s < 48 * 3600 => format!("{} hours", s / 3600),
        _ => format!("{} days", s / 86400),
    };
    format!("{text} ago")
}

fn hex_id(seed: &str, len: usize) -> String {
    let mut out = String::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut round = 0u8;
    while out.len() < len {
        for b in seed.bytes().chain(std::iter::once(round)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
        round = round.wrapping_add(1);
    }
    out.truncate(len);
    out
}

fn pods_on(term: &Terminal, cluster: &str, node: &str) -> Vec<Value> {
    let (Some(c), Some(res)) = (term.world.clusters.get(cluster), resource_for_kind("Pod")) else {
        return Vec::new();
    };
    c.store
        .range(&res.storage_prefix(None))
        .map(|kv| (*kv.value).clone())
        .filter(|p| p.path(&["spec", "nodeName"]).and_then(Value::as_str) == Some(node))
        .collect()
}

pub fn crictl(term: &mut Terminal, args: &[String]) -> Output {
    let (host, cluster) = match on_node(term, "crictl") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let kubelet_up = term
        .world
        .clusters
        .get(&cluster)
        .is_some_and(|c| c.is_up(&format!("containerd/{host}")));
    if !kubelet_up || cluster.is_empty() {
        return Output::error("E0105 09:00:00.000000    4242 remote_runtime.go:390] \"ListContainers with filter from runtime service failed\" err=\"rpc error: code = Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\\"\"\nFATA[0000] listing containers: rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\"", 1);
    }
    let now = term.world.now();
    let pods = pods_on(term, &cluster, &host);
    let created = |p: &Value| {
        api::meta_str(p, "creationTimestamp")
            .and_then(SimTime::parse_rfc3339)
            .unwrap_or(now)
    };
    let all = args.iter().any(|a| a == "-a" || a == "--all");
    match args.first().map(String::as_str) {
        Some("ps") => {
            let mut t = Table::new(&["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD", "NAMESPACE"]);
            for p in &pods {
                let uid = api::meta_str(p, "uid").unwrap_or("");
                let running = p.path(&["status", "phase"]).and_then(Value::as_str) == Some("Running");
                if !running && !all {
                    continue;
                }
                for ctr in p.path(&["spec", "containers"]).and_then(Value::as_seq).into_iter().flatten() {
                    let name = ctr.get("name").and_then(Value::as_str).unwrap_or("");
                    t.row(vec![
                        hex_id(&format!("{uid}/{name}"), 13),
                        hex_id(ctr.get("image").and_then(Value::as_str).unwrap_or(""), 13),
                        ago(now, created(p)),
                        if running { "Running" } else { "Exited" }.into(),
                        name.into(),
                        "0".into(),
                        hex_id(uid, 13),
                        api::name_of(p).into(),
                        api::namespace_of(p).unwrap_or("").into(),
                    ]);
                }
            }
            Output::out(t.render())
        }
        Some("pods") => {
            let mut t = Table::new(&["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"]);
            for p in &pods {
                let uid = api::meta_str(p, "uid").unwrap_or("");
                t.row(vec![
                    hex_id(uid, 13),
                    ago(now, created(p)),
                    "Ready".into(),
                    api::name_of(p).into(),
                    api::namespace_of(p).unwrap_or("").into(),
                    "0".into(),
                    "(default)".into(),
                ]);
            }
            Output::out(t.render())
        }
        Some("images") => {
            let mut images: Vec<String> = pods
                .iter()
                .flat_map(|p| p.path(&["spec", "containers"]).and_then(Value::as_seq).cloned().unwrap_or_default())
                .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
                .collect();
            images.push("registry.k8s.io/pause:3.10".into());
            images.sort_small();
            images.dedup();
            let mut t = Table::new(&["IMAGE", "TAG", "IMAGE ID", "SIZE"]);
            for img in images {
                let (repo, tag) = match img.rsplit_once(':') {
                    Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
                    _ => (img.clone(), "latest".to_string()),
                };
                let repo = if repo.contains('/') { repo } else { format!("docker.io/library/{repo}") };
                let size = 10 + (hex_id(&img, 4).bytes().map(u32::from).sum::<u32>() % 90);
                t.row(vec![repo, tag, hex_id(&img, 13), format!("{size}.{}MB", size % 10)]);
            }
            Output::out(t.render())
        }
        Some("--version") | Some("version") => Output::out("crictl version v1.34.0\n"),
        _ => Output::error("crictl: only `crictl ps [-a]`, `crictl pods` and `crictl images` are modelled in this terminal", 1),
    }
}

fn unit_component(unit: &str, host: &str) -> Option<String> {
    match unit.trim_end_matches(".service") {
        "kubelet" => Some(format!("kubelet/{host}")),
        "containerd" => Some(format!("containerd/{host}")),
        _ => None,
    }
}

pub fn systemctl(term: &mut Terminal, args: &[String]) -> Output {
    let (host, cluster) = match on_node(term, "systemctl") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let words: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let (Some(action), Some(unit)) = (words.first(), words.get(1)) else {
        return Output::error("Too few arguments.", 1);
    };
    let unit_name = unit.trim_end_matches(".service").to_string();
    let Some(component) = unit_component(&unit_name, &host) else {
        return Output::error(format!("Unit {unit_name}.service could not be found."), 4);
    };
    let now = term.world.now();
    let up = term
        .world
        .clusters
        .get(&cluster)
        .is_some_and(|c| c.is_up(&component))
        && !cluster.is_empty();
    match action.as_str() {
        "stop" | "start" | "restart" => {
            if term.user != "root" {
                return Output::error(format!("Failed to {action} {unit_name}.service: Access denied\nSee system logs and 'systemctl status {unit_name}.service' for details."), 1);
            }
            use crate::sim::faults::{self, Fault};
            let kubelet = unit_name == "kubelet";
            let stop = *action == "stop";
            let fault = match (kubelet, stop) {
                (true, true) => Fault::StopKubelet(host.clone()),
                (true, false) => Fault::StartKubelet(host.clone()),
                (false, true) => Fault::StopRuntime(host.clone()),
                (false, false) => Fault::StartRuntime(host.clone()),
            };
            if faults::apply(&mut term.world, &cluster, &fault).is_err() {
                // Not a node of a running cluster: only the unit's own state changes.
                if let Some(c) = term.world.clusters.get_mut(&cluster) {
                    if stop {
                        c.stop(&component);
                    } else {
                        c.start(&component);
                    }
                }
            }
            let desc = if unit_name == "kubelet" {
                "kubelet.service - kubelet: The Kubernetes Node Agent"
            } else {
                "containerd.service - containerd container runtime"
            };
            let line = match action.as_str() {
                "stop" => format!("Stopped {desc}."),
                _ => format!("Started {desc}."),
            };
            if let Some(m) = term.tools.machines.get_mut(&host) {
                let u = m.units.entry(unit_name.clone()).or_default();
                u.since = now;
                u.journal.push((now, line));
            }
            Output::default()
        }
        "status" | "is-active" => {
            if *action == "is-active" {
                let mut o = Output::out(if up { "active\n" } else { "inactive\n" });
                o.exit_code = if up { 0 } else { 3 };
                return o;
            }
            let since = term
                .tools
                .machines
                .get(&host)
                .and_then(|m| m.units.get(&unit_name))
                .map_or(SimTime::ZERO, |u| u.since);
            let when = crate::term::builtins::date_string(since);
            // "Mon Jan  5 09:00:00 UTC 2026" → "Mon 2026-01-05 09:00:00 UTC"
            let rfc = since.rfc3339();
            let stamp = format!("{} {} {} UTC", &when[..3], &rfc[..10], &rfc[11..19]);
            let age =
                crate::term::kubectl::printers::human_duration((now.since_ms(since) / 1000) as i64);
            let age = systemd_age(now.since_ms(since) / 1000, &age);
            let ip = term
                .tools
                .machines
                .get(&host)
                .map(|m| m.ip.clone())
                .unwrap_or_default();
            let (dot, active) = if up {
                ("●", format!("active (running) since {stamp}; {age} ago"))
            } else {
                ("○", format!("inactive (dead) since {stamp}; {age} ago"))
            };
            let body = if unit_name == "kubelet" {
                let pid_lines = if up {
                    format!("   Main PID: 712 (kubelet)\n      Tasks: 14 (limit: 9367)\n     Memory: 43.1M (peak: 44.6M)\n        CPU: {}.512s\n     CGroup: /system.slice/kubelet.service\n             └─712 /usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip={ip} --pod-infra-container-image=registry.k8s.io/pause:3.10\n", 4 + now.since_ms(since) / 60_000)
                } else {
                    format!("   Duration: {age}\n    Process: 712 ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS (code=killed, signal=TERM)\n   Main PID: 712 (code=killed, signal=TERM)\n")
                };
                format!("{dot} kubelet.service - kubelet: The Kubernetes Node Agent\n     Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; preset: enabled)\n    Drop-In: /usr/lib/systemd/system/kubelet.service.d\n             └─10-kubeadm.conf\n     Active: {active}\n       Docs: https://kubernetes.io/docs/\n{pid_lines}")
            } else {
                let pid_lines = if up {
                    "   Main PID: 301 (containerd)\n      Tasks: 98\n     Memory: 612.4M (peak: 640.2M)\n        CPU: 1min 2.114s\n     CGroup: /system.slice/containerd.service\n             └─301 /usr/bin/containerd\n".to_string()
                } else {
                    "   Main PID: 301 (code=exited, status=0/SUCCESS)\n".to_string()
                };
                format!("{dot} containerd.service - containerd container runtime\n     Loaded: loaded (/usr/lib/systemd/system/containerd.service; enabled; preset: enabled)\n     Active: {active}\n       Docs: https://containerd.io\n{pid_lines}")
            };
            let journal = journal_lines(term, &host, &unit_name, 10);
            let mut o = Output::out(if journal.is_empty() {
                body
            } else {
                format!("{body}\n{journal}")
            });
            o.exit_code = if up { 0 } else { 3 };
            o
        }
        other => Output::error(
            format!("Unknown command verb '{other}', expected a systemctl verb."),
            1,
        ),
    }
}

/// systemd's age format (`5min`, `1h 2min`, `3s`).
fn systemd_age(secs: u64, _kubectl: &str) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}min", secs / 60)
    } else {
        format!("{}h {}min", secs / 3600, secs % 3600 / 60)
    }
}

/// The unit's journal on `host`: what the tools wrote (systemd's Started/Stopped, kubeadm's
/// lines) merged by time with, for the kubelet, the lines the simulated kubelet logged
/// ([`super::kubelet_log`]). The last `last` lines.
fn journal_lines(term: &Terminal, host: &str, unit: &str, last: usize) -> String {
    let Some(m) = term.tools.machines.get(host) else {
        return String::new();
    };
    let pid = if unit == "kubelet" {
        super::kubelet_log::PID
    } else {
        301
    };
    let mut entries: Vec<(SimTime, String)> = m
        .units
        .get(unit)
        .map(|u| {
            u.journal
                .iter()
                .map(|(t, line)| {
                    let who = if line.starts_with("Started ")
                        || line.starts_with("Stopped ")
                        || line.starts_with("Stopping ")
                    {
                        "systemd[1]".to_string()
                    } else {
                        format!("{unit}[{pid}]")
                    };
                    (*t, who, line.clone())
                })
                .map(|(t, who, line)| (t, format!("{who}: {line}")))
                .collect()
        })
        .unwrap_or_default();
    if unit == "kubelet" {
        if let Some(cluster) = m.cluster.as_deref() {
            let logged = super::kubelet_log::lines(term, cluster, host);
            // A preset's node booted with its kubelet running: systemd's start line comes
            // first (kubeadm and the other tools write their own when they start it).
            if let Some((first, _)) = logged.first() {
                if !entries
                    .iter()
                    .any(|(t, l)| t <= first && l.contains(": Started kubelet.service"))
                {
                    entries.insert(0, (*first, "systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.".to_string()));
                }
            }
            entries.extend(logged);
        }
    }
    // Stable: at the same second, systemd's "Started" stays before the kubelet's first lines.
    entries.sort_small_by_key(|(t, _)| *t);
    let lines: Vec<String> = entries
        .iter()
        .map(|(t, line)| {
            let d = crate::term::builtins::date_string(*t);
            // "Mon Jan  5 09:00:00 UTC 2026" → "Jan 05 09:00:00"
            let parts: Vec<&str> = d.split_whitespace().collect();
            let stamp = match parts.as_slice() {
                [_, mon, day, time, ..] => format!("{mon} {:0>2} {time}", day),
                _ => d.clone(),
            };
            format!("{stamp} {host} {line}\n")
        })
        .collect();
    lines[lines.len().saturating_sub(last)..].concat()
}

pub fn journalctl(term: &mut Terminal, args: &[String]) -> Output {
    let (host, _) = match on_node(term, "journalctl") {
        Ok(v) => v,
        Err(e) => return e,
    };
    let unit = args
        .iter()
        .position(|a| a == "-u" || a == "--unit")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .or_else(|| {
            args.iter().find_map(|a| {
                a.strip_prefix("-u")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
        });
    let Some(unit) = unit else {
        return Output::error("journalctl: give a unit, e.g. `journalctl -u kubelet`", 1);
    };
    let unit = unit.trim_end_matches(".service").to_string();
    let n = args
        .iter()
        .position(|a| a == "-n" || a == "--lines")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let text = journal_lines(term, &host, &unit, n);
    if text.is_empty() {
        return Output::out("-- No entries --\n");
    }
    Output::out(text)
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn stopping_the_kubelet_stops_it_in_the_simulation() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        assert!(t
            .run("systemctl status kubelet")
            .stderr()
            .contains("the laptop has no kubelet"));
        t.run("docker exec -it kind-worker bash");
        assert_eq!(t.prompt(), "root@kind-worker:/# ");
        let s = t.run("systemctl status kubelet");
        assert!(
            s.stdout()
                .starts_with("● kubelet.service - kubelet: The Kubernetes Node Agent\n"),
            "{}",
            s.text()
        );
        assert!(
            s.stdout().contains(
                "     Active: active (running) since Mon 2026-01-05 09:00:00 UTC; 0s ago\n"
            ),
            "{}",
            s.text()
        );
        t.run("sleep 90");
        t.run("systemctl stop kubelet");
        assert!(!t.world.clusters["kind-kind"].is_up("kubelet/kind-worker"));
        let s = t.run("systemctl status kubelet");
        assert_eq!(s.exit_code, 3);
        assert!(s.stdout().starts_with("○ kubelet.service"));
        assert!(t.run("journalctl -u kubelet").stdout().contains("kind-worker systemd[1]: Stopped kubelet.service - kubelet: The Kubernetes Node Agent.\n"));
        t.run("systemctl start kubelet");
        assert!(t.world.clusters["kind-kind"].is_up("kubelet/kind-worker"));
        assert!(t
            .run("crictl ps")
            .stdout()
            .starts_with("CONTAINER           IMAGE"));
        assert_eq!(
            t.run("systemctl status foo").stderr(),
            "Unit foo.service could not be found.\n"
        );
    }
}
