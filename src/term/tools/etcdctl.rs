//! `etcdctl` on a control-plane node: `get KEY [--prefix] [--keys-only]`, `member list`,
//! `endpoint health|status` with etcd 3.6's line formats (`-w table` too). Like the real one,
//! it needs the client certificates (`--cacert --cert --key` or `ETCDCTL_*`), else it times
//! out with a `context deadline exceeded`.
//!
//! Members, health and status come from the etcd model ([`crate::sim::etcd`]): stop a member
//! (`faults`) and `member list`/`endpoint health --cluster` show it.

use super::Terminal;
use crate::sim::etcd;
use crate::sim::value::{json, Value};
use crate::term::Output;

fn flag(args: &[String], name: &str) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == name {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{name}=")) {
            return Some(v.to_string());
        }
    }
    None
}

fn member_id(name: &str) -> String {
    let mut h: u64 = 0x8e9e_05c5_2164_694d;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:x}")
}

fn deadline(term: &Terminal, method: &str) -> Output {
    let ts = term.world.now().rfc3339().replace('Z', ".000000Z");
    Output::error(format!("{{\"level\":\"warn\",\"ts\":\"{ts}\",\"logger\":\"etcd-client\",\"caller\":\"v3@v3.6.4/retry_interceptor.go:65\",\"msg\":\"retrying of unary invoker failed\",\"target\":\"etcd-endpoints://0xc0003a2000/127.0.0.1:2379\",\"method\":\"/etcdserverpb.{method}\",\"attempt\":0,\"error\":\"rpc error: code = DeadlineExceeded desc = latest balancer error: last connection error: connection error: desc = \\\"error reading server preface: EOF\\\"\"}}\nError: context deadline exceeded"), 1)
}

/// A table in etcdctl's `-w table` style.
fn ascii_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let sep: String = format!(
        "+{}+\n",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let center = |s: &str, w: usize| {
        let total = w.saturating_sub(s.chars().count());
        let left = total / 2;
        format!("{}{s}{}", " ".repeat(left), " ".repeat(total - left))
    };
    let mut out = sep.clone();
    out.push_str(&format!(
        "|{}|\n",
        headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!(" {} ", center(h, *w)))
            .collect::<Vec<_>>()
            .join("|")
    ));
    out.push_str(&sep);
    for r in rows {
        out.push_str(&format!(
            "|{}|\n",
            r.iter()
                .zip(&widths)
                .map(|(c, w)| format!(" {c:>w$} ", w = *w))
                .collect::<Vec<_>>()
                .join("|")
        ));
    }
    out.push_str(&sep);
    out
}

pub fn run(term: &mut Terminal, args: &[String]) -> Output {
    let Some(host) = term.host.clone() else {
        return Output::error("bash: etcdctl: command not found\n(etcd runs on the control-plane nodes: try `ssh` to one)", 127);
    };
    let Some(m) = term.tools.machines.get(&host) else {
        return Output::error("bash: etcdctl: command not found", 127);
    };
    let cluster = m.cluster.clone().unwrap_or_default();
    let is_cp = m.role == Some(crate::sim::presets::Role::ControlPlane);
    let env = |k: &str| term.env.get(k).cloned();
    let has_certs = (flag(args, "--cacert")
        .or_else(|| env("ETCDCTL_CACERT"))
        .is_some()
        && flag(args, "--cert")
            .or_else(|| env("ETCDCTL_CERT"))
            .is_some()
        && flag(args, "--key").or_else(|| env("ETCDCTL_KEY")).is_some())
        || m.flavor == "k3s";
    let words: Vec<&str> = {
        let mut w = Vec::new();
        let mut skip = false;
        for a in args {
            if skip {
                skip = false;
                continue;
            }
            if a.starts_with("--")
                && !a.contains('=')
                && matches!(
                    a.as_str(),
                    "--cacert" | "--cert" | "--key" | "--endpoints" | "-w" | "--write-out"
                )
            {
                skip = true;
                continue;
            }
            if a == "-w" {
                skip = true;
                continue;
            }
            if !a.starts_with('-') {
                w.push(a.as_str());
            }
        }
        w
    };
    let table = flag(args, "-w")
        .or_else(|| flag(args, "--write-out"))
        .is_some_and(|w| w == "table");
    if matches!(words.first(), Some(&"version")) {
        return Output::out("etcdctl version: 3.6.4\nAPI version: 3.6\n");
    }
    let c = match term.world.clusters.get(&cluster) {
        Some(c) if is_cp => c,
        _ => return deadline(term, "KV/Range"),
    };
    if !has_certs {
        return deadline(
            term,
            match words.first() {
                Some(&"member") => "Cluster/MemberList",
                Some(&"endpoint") => "Maintenance/Status",
                _ => "KV/Range",
            },
        );
    }
    let members: Vec<(String, String)> = term
        .tools
        .machines
        .iter()
        .filter(|(_, x)| {
            x.cluster.as_deref() == Some(cluster.as_str())
                && x.role == Some(crate::sim::presets::Role::ControlPlane)
        })
        .map(|(n, x)| (n.clone(), x.ip.clone()))
        .collect();
    match words.as_slice() {
        ["get", key, ..] => {
            let prefix = args.iter().any(|a| a == "--prefix");
            let keys_only = args.iter().any(|a| a == "--keys-only");
            let kvs: Vec<(String, Value)> = if prefix {
                c.store.range(key).map(|kv| (kv.key.clone(), (*kv.value).clone())).collect()
            } else {
                c.store.get(key).map(|kv| vec![(kv.key.clone(), (*kv.value).clone())]).unwrap_or_default()
            };
            let mut out = String::new();
            for (k, v) in kvs {
                out.push_str(&k);
                out.push('\n');
                if keys_only {
                    // etcdctl prints an empty line after each key with --keys-only.
                    out.push('\n');
                } else {
                    // Real values are protobuf (`k8s\0` + a binary envelope); show the envelope
                    // header and the object as JSON, which is what it decodes to.
                    let api_version = v.get("apiVersion").and_then(Value::as_str).unwrap_or("v1");
                    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
                    out.push_str(&format!("k8s\n\u{2}{api_version}\u{12}{kind}\n{}\n", json::to_json_compact(&v)));
                }
            }
            Output::out(out)
        }
        ["member", "list", ..] => {
            let rows: Vec<Vec<String>> = if c.etcd.members.is_empty() {
                members
                    .iter()
                    .map(|(n, ip)| {
                        let started = if c.is_up(&format!("etcd/{n}")) { "started" } else { "unstarted" };
                        vec![member_id(n), started.into(), n.clone(), format!("https://{ip}:2380"), format!("https://{ip}:2379"), "false".into()]
                    })
                    .collect()
            } else {
                etcd::members(c)
                    .into_iter()
                    .map(|m| vec![m.id, m.status.to_string(), m.name, m.peer_addrs, m.client_addrs, m.is_learner.to_string()])
                    .collect()
            };
            if table {
                Output::out(ascii_table(&["ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"], &rows))
            } else {
                Output::out(rows.iter().map(|r| format!("{}\n", r.join(", "))).collect::<String>())
            }
        }
        ["endpoint", "health", ..] => {
            let all = args.iter().any(|a| a == "--cluster");
            let ep = flag(args, "--endpoints").unwrap_or_else(|| "https://127.0.0.1:2379".into());
            let my_ip = term.tools.machines.get(&host).map(|m| m.ip.clone()).unwrap_or_default();
            let results: Vec<(String, Result<u32, String>)> = etcd::health(c)
                .into_iter()
                .filter(|(url, _)| all || url.contains(&my_ip))
                .map(|(url, r)| (if all { url } else { ep.clone() }, r))
                .collect();
            let results = if results.is_empty() { vec![(ep.clone(), Ok(9))] } else { results };
            let mut out = Output::default();
            let mut bad = false;
            for (url, r) in results {
                match r {
                    Ok(ms) => out.print(format!("{url} is healthy: successfully committed proposal: took = {ms}.506239ms\n")),
                    Err(e) => {
                        bad = true;
                        out.err(format!("{url} is unhealthy: {e}"));
                    }
                }
            }
            if bad {
                out.err("Error: unhealthy cluster");
                out.exit_code = 1;
            }
            out
        }
        ["endpoint", "status", ..] => {
            let all = args.iter().any(|a| a == "--cluster");
            let ep = flag(args, "--endpoints").unwrap_or_else(|| "https://127.0.0.1:2379".into());
            let my_ip = term.tools.machines.get(&host).map(|m| m.ip.clone()).unwrap_or_default();
            let mut rows = Vec::new();
            let mut out = Output::default();
            for r in etcd::status(c) {
                match r {
                    Ok(s) if all || s.endpoint.contains(&my_ip) => {
                        let endpoint = if all { s.endpoint.clone() } else { ep.clone() };
                        let mb = s.db_size_bytes as f64 / 1_000_000.0;
                        rows.push(vec![endpoint, s.id, s.version.to_string(), "3.6.0".into(), format!("{mb:.1} MB"), s.is_leader.to_string(), "false".into(), s.raft_term.to_string(), s.raft_index.to_string(), s.raft_index.to_string(), s.errors.unwrap_or_default()]);
                    }
                    Ok(_) => {}
                    Err(e) if all || e.contains(&my_ip) => {
                        out.err(format!("{{\"level\":\"warn\",\"msg\":\"{e}\"}}"));
                        out.exit_code = 1;
                    }
                    Err(_) => {}
                }
            }
            if table {
                out.print(ascii_table(&["ENDPOINT", "ID", "VERSION", "STORAGE VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"], &rows));
            } else {
                out.print(rows.iter().map(|r| format!("{}\n", r.join(", "))).collect::<String>());
            }
            out
        }
        _ => Output::error("etcdctl: only `get`, `member list` and `endpoint health|status` are modelled in this terminal", 1),
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn etcdctl_needs_certs_then_lists_keys() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        t.run("docker exec -it kind-control-plane bash");
        let e = t.run("etcdctl get / --prefix --keys-only");
        assert!(e.stderr().ends_with("Error: context deadline exceeded\n"));
        t.run("export ETCDCTL_CACERT=/etc/kubernetes/pki/etcd/ca.crt ETCDCTL_CERT=/etc/kubernetes/pki/etcd/server.crt ETCDCTL_KEY=/etc/kubernetes/pki/etcd/server.key");
        let keys = t
            .run("etcdctl get /registry/minions --prefix --keys-only")
            .stdout();
        assert_eq!(keys, "/registry/minions/kind-control-plane\n\n/registry/minions/kind-worker\n\n/registry/minions/kind-worker2\n\n");
        let ml = t.run("etcdctl member list").stdout();
        assert!(ml.contains(", started, kind-control-plane, https://172.18.0.2:2380, https://172.18.0.2:2379, false\n"), "{ml}");
        assert_eq!(t.run("etcdctl endpoint health").stdout(), "https://127.0.0.1:2379 is healthy: successfully committed proposal: took = 8.506239ms\n");
        // A stopped member shows in the cluster-wide health check.
        let _ = crate::sim::faults::apply(
            &mut t.world,
            "kind-kind",
            &crate::sim::faults::Fault::KillEtcd("kind-control-plane".into()),
        );
        let h = t.run("etcdctl endpoint health --cluster");
        assert_eq!(h.exit_code, 1, "{}", h.text());
        assert!(
            h.stderr().ends_with("Error: unhealthy cluster\n"),
            "{}",
            h.text()
        );
    }
}
