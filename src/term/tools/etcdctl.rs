//! `etcdctl` on a control-plane node: `get KEY [--prefix] [--keys-only] [--print-value-only]
//! [-w json]` (values are the API server's protobuf, see [`storage_bytes`]), `member list`,
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

/// The bytes the API server stores for an object: `k8s\0` and a `runtime.Unknown` protobuf
/// envelope (field 1 TypeMeta{apiVersion, kind}, field 2 raw, fields 3-4 content encoding and
/// type, empty), as in k8s.io/apimachinery/pkg/runtime/serializer/protobuf. The real `raw`
/// is the object's generated protobuf; here it is the same wire format built from the object
/// (each map's fields numbered in key order), so the strings sit among binary lengths and
/// tags just as in a real value, and `-w json` shows plausible base64.
pub fn storage_bytes(v: &Value) -> Vec<u8> {
    let Some(kind) = v.get("kind").and_then(Value::as_str) else {
        // Not an API object (CRDs and plain keys are stored as JSON).
        return json::to_json_compact(v).into_bytes();
    };
    let api_version = v.get("apiVersion").and_then(Value::as_str).unwrap_or("v1");
    let mut type_meta = Vec::new();
    field_bytes(&mut type_meta, 1, api_version.as_bytes());
    field_bytes(&mut type_meta, 2, kind.as_bytes());
    let mut body = v.clone();
    body.remove("apiVersion");
    body.remove("kind");
    let mut raw = Vec::new();
    encode(&mut raw, &body);
    let mut out = b"k8s\0".to_vec();
    field_bytes(&mut out, 1, &type_meta);
    field_bytes(&mut out, 2, &raw);
    field_bytes(&mut out, 3, b"");
    field_bytes(&mut out, 4, b"");
    out
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A length-delimited field (wire type 2).
fn field_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

const GO_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "stringData",
    "binaryData",
    "matchLabels",
    "nodeSelector",
    "selector",
    "capacity",
    "allocatable",
    "requests",
    "limits",
];

/// Protobuf wire encoding of a JSON-like value: a map's entries are fields 1..n in key
/// order, lists repeated fields, numbers and booleans varints (keys themselves are not
/// encoded, as in generated protobuf).
fn encode(out: &mut Vec<u8>, v: &Value) {
    let Some(m) = v.as_map() else { return };
    for (i, (name, val)) in m.iter().enumerate() {
        let f = i as u64 + 1;
        // Go maps (labels, annotations, data, selectors, resource lists) are repeated
        // entries {1: key, 2: value}: their keys are in the bytes too.
        if GO_MAPS.contains(&name.as_str()) {
            for (k, x) in val.as_map().into_iter().flatten() {
                let mut entry = Vec::new();
                field_bytes(&mut entry, 1, k.as_bytes());
                let text = match x {
                    Value::Str(s) => s.clone(),
                    other => json::to_json_compact(other),
                };
                field_bytes(&mut entry, 2, text.as_bytes());
                field_bytes(out, f, &entry);
            }
            continue;
        }
        let items: Vec<&Value> = match val {
            Value::Seq(s) => s.iter().collect(),
            other => vec![other],
        };
        for item in items {
            match item {
                Value::Null => {}
                Value::Bool(b) => {
                    varint(out, f << 3);
                    varint(out, u64::from(*b));
                }
                Value::Int(n) => {
                    varint(out, f << 3);
                    varint(out, *n as u64);
                }
                Value::Float(x) => {
                    varint(out, f << 3 | 1);
                    out.extend_from_slice(&x.to_le_bytes());
                }
                Value::Str(s) => field_bytes(out, f, s.as_bytes()),
                Value::Map(_) => {
                    let mut inner = Vec::new();
                    encode(&mut inner, item);
                    field_bytes(out, f, &inner);
                }
                Value::Seq(_) => {}
            }
        }
    }
}

/// What a terminal shows for those bytes: text stays, line feeds and tabs too, other control
/// bytes are invisible, and bytes that are not UTF-8 become U+FFFD.
fn terminal_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    crate::sim::auth::base64_encode(bytes)
}

/// `etcdctl get -w json`: the RangeResponse as etcdctl's JSON printer writes it (keys and
/// values base64, ids as unsigned integers, one line).
fn get_json(
    c: &crate::sim::world::Cluster,
    host: &str,
    kvs: &[crate::sim::store::KeyValue],
    keys_only: bool,
) -> String {
    let id = |s: &str| u64::from_str_radix(&member_id(s), 16).unwrap_or(0);
    let term = etcd::status(c)
        .into_iter()
        .flatten()
        .map(|s| s.raft_term)
        .max()
        .unwrap_or(2);
    let items: Vec<String> = kvs
        .iter()
        .map(|kv| {
            let value = if keys_only {
                String::new()
            } else {
                format!(",\"value\":\"{}\"", b64(&storage_bytes(&kv.value)))
            };
            format!(
                "{{\"key\":\"{}\",\"create_revision\":{},\"mod_revision\":{},\"version\":{}{value}}}",
                b64(kv.key.as_bytes()),
                kv.create_revision,
                kv.mod_revision,
                kv.version
            )
        })
        .collect();
    let kvs_json = if items.is_empty() {
        String::new()
    } else {
        format!(",\"kvs\":[{}]", items.join(","))
    };
    format!(
        "{{\"header\":{{\"cluster_id\":{},\"member_id\":{},\"revision\":{},\"raft_term\":{term}}}{kvs_json},\"count\":{}}}\n",
        id(&c.name),
        id(host),
        c.store.revision(),
        kvs.len()
    )
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
            let value_only = args.iter().any(|a| a == "--print-value-only");
            let kvs: Vec<crate::sim::store::KeyValue> = if prefix {
                c.store.range(key).cloned().collect()
            } else {
                c.store.get(key).cloned().into_iter().collect()
            };
            let format = flag(args, "-w").or_else(|| flag(args, "--write-out"));
            if format.as_deref() == Some("json") {
                return Output::out(get_json(c, &host, &kvs, keys_only));
            }
            let mut out = String::new();
            for kv in &kvs {
                if !value_only {
                    out.push_str(&kv.key);
                    out.push('\n');
                }
                if keys_only {
                    // etcdctl prints an empty line after each key with --keys-only.
                    out.push('\n');
                } else {
                    out.push_str(&terminal_text(&storage_bytes(&kv.value)));
                    out.push('\n');
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
        // A value is `k8s\0` + protobuf: the terminal shows its strings among binary noise.
        let v = t.run("etcdctl get /registry/namespaces/default").stdout();
        assert!(
            v.starts_with("/registry/namespaces/default\nk8s\n"),
            "{v:?}"
        );
        assert!(
            v.contains("v1")
                && v.contains("Namespace")
                && v.contains("kubernetes.io/metadata.name"),
            "{v:?}"
        );
        assert!(!v.contains("{\""), "no JSON: {v:?}");
        let j = t
            .run("etcdctl get /registry/namespaces/default -w json")
            .stdout();
        assert!(j.starts_with("{\"header\":{\"cluster_id\":"), "{j}");
        assert!(
            j.contains("\"key\":\"L3JlZ2lzdHJ5L25hbWVzcGFjZXMvZGVmYXVsdA==\""),
            "{j}"
        );
        assert!(j.contains("\"value\":\"azhzAA"), "k8s\\0 in base64: {j}");
        assert!(j.ends_with(",\"count\":1}\n"), "{j}");
        let only = t
            .run("etcdctl get /registry/namespaces/default --print-value-only")
            .stdout();
        assert!(only.starts_with("k8s\n"), "{only:?}");
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
