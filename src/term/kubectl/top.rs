//! `kubectl top node|pod`: what metrics-server would report for the simulated cluster.
//!
//! The simulation has no cgroups, so usage is modelled here, deterministically: each running
//! container uses its image's typical idle footprint (an nginx ~1m/3Mi, a kube-apiserver
//! ~60m/300Mi), varied by ±20 % per container and per 15-second scrape window, capped by its
//! limits. A node's usage is the sum of its running pods plus the node's own daemons (kubelet,
//! containerd, the OS), so `top node` and `top pod` always agree.
//!
//! Availability follows metrics-server: no Ready metrics-server Deployment in kube-system ⇒
//! `error: Metrics API not available` (kubectl checks the discovery groups); a container
//! needs two scrapes (30 s of running) before it has metrics, so a namespace of fresh pods
//! answers `error: metrics not available yet` (kubectl's verifyEmptyMetrics); a node whose
//! kubelet is not Ready prints `<unknown>` cells (printMissingMetricsNodeLine).
//! Printing is kubectl's metricsutil.TopCmdPrinter: every cell, the last included, ends with
//! a tab, so the last column is padded too.

use super::printers::{tabwrite, MIN_WIDTH, PADDING};
use super::select::{labels_of, scalar_string, LabelSelector};
use super::Ctx;
use crate::sim::api;
use crate::sim::clock::SimTime;
use crate::sim::quantity::{parse_milli, parse_value};
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Output;

const MI: i64 = 1 << 20;
/// metrics-server's default resolution: usage is a rate over one scrape interval.
const SCRAPE_MS: u64 = 15_000;
/// Two scrapes are needed before a container has a CPU rate.
const FIRST_METRICS_MS: u64 = 2 * SCRAPE_MS;
/// kubectl's metricsCreationDelay: older pods without metrics are an error.
const CREATION_DELAY_MS: u64 = 2 * 60 * 1000;

/// Typical idle usage (millicores, MiB) of a container running `image`.
fn profile(image: &str) -> (i64, i64) {
    let base = image.rsplit('/').next().unwrap_or(image);
    let name = base.split([':', '@']).next().unwrap_or(base);
    match name {
        "kube-apiserver" => (60, 300),
        "etcd" => (30, 45),
        "kube-controller-manager" => (20, 50),
        "kube-scheduler" => (4, 22),
        "cloud-controller-manager" => (5, 30),
        "kube-proxy" => (1, 15),
        "coredns" | "mirrored-coredns-coredns" => (2, 14),
        "kindnetd" => (1, 10),
        "flannel" | "mirrored-flannelio-flannel" => (3, 12),
        "node" if image.contains("calico") => (30, 90),
        "kube-controllers" => (4, 16),
        "metrics-server" | "mirrored-metrics-server" => (4, 18),
        "local-path-provisioner" => (1, 8),
        "storage-provisioner" => (1, 9),
        "nginx" | "httpd" => (1, 3),
        "redis" => (2, 4),
        "postgres" => (3, 30),
        "mysql" | "mariadb" => (6, 360),
        "busybox" | "alpine" | "pause" => (0, 0),
        _ => (1, 5),
    }
}

/// A quantity of `resource` in the units kubectl compares: millicores for `cpu`
/// (`MilliValue()`), base units otherwise (`Value()`: bytes, pods).
pub fn quantity(q: &Value, resource: &str) -> Option<i64> {
    let text = scalar_string(q);
    if resource == "cpu" {
        parse_milli(&text)
    } else {
        parse_value(&text)
    }
}

/// A deterministic factor in [80, 120] % for one container in one scrape window.
fn jitter_pct(key: &str, window: u64) -> i64 {
    // FNV-1a: stable across platforms and runs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(window.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    80 + (h % 41) as i64
}

/// Usage of one running container: (millicores, bytes).
fn container_usage(pod: &Value, c: &Value, now: SimTime) -> (i64, i64) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let (cpu_m, mem_mi) = profile(image);
    let key = format!(
        "{}/{}",
        api::meta_str(pod, "uid").unwrap_or(api::name_of(pod)),
        c.get("name").and_then(Value::as_str).unwrap_or("")
    );
    let window = now.unix_s() as u64 * 1000 / SCRAPE_MS;
    let pct = jitter_pct(&key, window);
    // metrics-server reports nanocores; kubectl prints MilliValue(), which rounds up.
    let mut cpu = (cpu_m * pct + 99) / 100;
    // Memory moves less than CPU between scrapes: half the spread.
    let mut mem = mem_mi * MI * (100 + (pct - 100) / 2) / 100;
    let limit = |k: &str| {
        c.path(&["resources", "limits", k])
            .and_then(|q| quantity(q, k))
    };
    if let Some(l) = limit("cpu") {
        cpu = cpu.min(l);
    }
    if let Some(l) = limit("memory") {
        mem = mem.min(l);
    }
    (cpu, mem)
}

/// The containers of `pod` that metrics-server reports: running for two scrapes.
fn measured_containers(pod: &Value, now: SimTime) -> Vec<(String, i64, i64)> {
    if pod.path(&["status", "phase"]).and_then(Value::as_str) != Some("Running") {
        return Vec::new();
    }
    let statuses = pod
        .path(&["status", "containerStatuses"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for c in pod
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
    {
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let started = statuses
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|s| s.path(&["state", "running", "startedAt"]))
            .and_then(Value::as_str)
            .and_then(SimTime::parse_rfc3339);
        if started.is_some_and(|t| now.since_ms(t) >= FIRST_METRICS_MS) {
            let (cpu, mem) = container_usage(pod, c, now);
            out.push((name.to_string(), cpu, mem));
        }
    }
    out
}

/// The node's own daemons (kubelet, containerd, systemd...) on top of its pods.
fn node_overhead(node: &Value) -> (i64, i64) {
    let cp = node
        .path(&[
            "metadata",
            "labels",
            "node-role.kubernetes.io/control-plane",
        ])
        .is_some();
    let k3s = node
        .path(&["status", "nodeInfo", "kubeletVersion"])
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("+k3s"));
    if cp && k3s {
        // k3s runs the API server, controllers and its datastore inside the k3s process.
        (140, 780 * MI)
    } else if cp {
        (45, 420 * MI)
    } else {
        (20, 180 * MI)
    }
}

fn ready(node: &Value) -> bool {
    node.path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
        .any(|c| {
            c.get("type").and_then(Value::as_str) == Some("Ready")
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
}

/// Is metrics-server deployed, available, and old enough to have scraped twice?
fn metrics_api(pods: &[Value], deploys: &[Value], now: SimTime) -> bool {
    let available = deploys.iter().any(|d| {
        api::name_of(d) == "metrics-server"
            && d.path(&["status", "availableReplicas"])
                .and_then(Value::as_i64)
                .unwrap_or(0)
                > 0
    });
    available
        && pods.iter().any(|p| {
            api::namespace_of(p) == Some("kube-system")
                && api::name_of(p).starts_with("metrics-server-")
                && !measured_containers(p, now).is_empty()
        })
}

/// One `printValue` per cell: `%v\t`, so the last column is padded too.
fn render(rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    for r in rows {
        for c in r {
            text.push_str(c);
            text.push('\t');
        }
        text.push('\n');
    }
    tabwrite(&text, MIN_WIDTH, PADDING)
}

fn cpu_text(m: i64) -> String {
    format!("{m}m")
}
fn mem_text(b: i64) -> String {
    format!("{}Mi", b / MI)
}

/// Sorts by `--sort-by=cpu|memory` (descending, like kubectl's metrics sorters); the value
/// was checked by [`validate`].
fn sort_rows<T>(items: &mut [(T, i64, i64)], by: Option<&str>) {
    match by {
        Some("cpu") => items.sort_small_by(|a, b| b.1.cmp(&a.1)),
        Some("memory") => items.sort_small_by(|a, b| b.2.cmp(&a.2)),
        _ => {}
    }
}

/// TopNodeOptions/TopPodOptions.Validate, which runs before any request.
fn validate(ctx: &Ctx) -> Result<(), Output> {
    if !matches!(
        ctx.p.value("sort-by"),
        None | Some("") | Some("cpu") | Some("memory")
    ) {
        return Err(ctx.fail("--sort-by accepts only cpu or memory"));
    }
    if !ctx.p.args.is_empty() && ctx.p.value("selector").is_some_and(|s| !s.is_empty()) {
        return Err(ctx.fail("only one of NAME or --selector can be provided"));
    }
    Ok(())
}

pub fn top(ctx: &mut Ctx) -> Output {
    if let Err(o) = validate(ctx) {
        return o;
    }
    let now = ctx.term.world.now();
    let (pods_res, nodes_res, dep_res) = (
        api::resource_for("pods"),
        api::resource_for("nodes"),
        api::resource_for("deployments"),
    );
    let (all_pods, all_nodes, system_deploys) = match (pods_res, nodes_res, dep_res, ctx.api()) {
        (Some(p), Some(n), Some(d), Ok(mut a)) => (
            a.list(p, None),
            a.list(n, None),
            a.list(d, Some("kube-system")),
        ),
        (_, _, _, Err(o)) => return o,
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    if !metrics_api(&all_pods, &system_deploys, now) {
        return Output::error("error: Metrics API not available", 1);
    }
    let selector = match LabelSelector::parse(ctx.p.value("selector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ctx.fail(e),
    };
    let sort_by = ctx.p.value("sort-by").map(str::to_string);
    let name = ctx.p.args.first().cloned();
    let no_headers = ctx.p.on("no-headers");
    if ctx.cmd.name() == "node" {
        let mut nodes: Vec<&Value> = all_nodes
            .iter()
            .filter(|n| name.as_deref().is_none_or(|x| api::name_of(n) == x))
            .filter(|n| selector.matches(&labels_of(n)))
            .collect();
        if let Some(x) = &name {
            if nodes.is_empty() {
                return Output::error(format!("Error from server (NotFound): nodemetrics.metrics.k8s.io \"{x}\" not found"), 1);
            }
        }
        // Nodes with metrics first (in API order, or sorted), then the unreachable ones.
        let mut measured: Vec<(&Value, i64, i64)> = Vec::new();
        let mut missing: Vec<&Value> = Vec::new();
        for n in nodes.drain(..) {
            if !ready(n) {
                missing.push(n);
                continue;
            }
            let (mut cpu, mut mem) = node_overhead(n);
            for p in all_pods.iter().filter(|p| {
                p.path(&["spec", "nodeName"]).and_then(Value::as_str) == Some(api::name_of(n))
            }) {
                for (_, c, m) in measured_containers(p, now) {
                    cpu += c;
                    mem += m;
                }
            }
            measured.push((n, cpu, mem));
        }
        sort_rows(&mut measured, sort_by.as_deref());
        let mut rows = Vec::new();
        if !no_headers {
            rows.push(
                ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
                    .map(String::from)
                    .to_vec(),
            );
        }
        for (n, cpu, mem) in measured {
            let alloc = |k: &str| {
                n.path(&["status", "allocatable", k])
                    .and_then(|q| quantity(q, k))
                    .unwrap_or(0)
            };
            // metrics_printer.go: int64(usage.MilliValue() / available.MilliValue() * 100).
            let pct = |used: i64, avail: i64| {
                if avail == 0 {
                    0
                } else {
                    (used as f64 / avail as f64 * 100.0) as i64
                }
            };
            rows.push(vec![
                api::name_of(n).to_string(),
                cpu_text(cpu),
                format!("{}%", pct(cpu, alloc("cpu"))),
                mem_text(mem),
                format!("{}%", pct(mem, alloc("memory"))),
            ]);
        }
        for n in missing {
            let mut r = vec![api::name_of(n).to_string()];
            r.extend(std::iter::repeat_n("<unknown>".to_string(), 4));
            rows.push(r);
        }
        return Output::out(render(&rows));
    }

    let all_ns = ctx.all_namespaces();
    let ns = ctx.namespace();
    let in_scope: Vec<&Value> = all_pods
        .iter()
        .filter(|p| all_ns || api::namespace_of(p) == Some(ns.as_str()))
        .filter(|p| name.as_deref().is_none_or(|x| api::name_of(p) == x))
        .filter(|p| selector.matches(&labels_of(p)))
        .collect();
    // A named pod is one GET on metrics-server, which has no entry until the pod is measured.
    if let Some(x) = &name {
        if in_scope
            .iter()
            .all(|p| measured_containers(p, now).is_empty())
        {
            return Output::error(
                format!("Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{x}\" not found"),
                1,
            );
        }
    }
    let mut measured: Vec<((&Value, Vec<(String, i64, i64)>), i64, i64)> = in_scope
        .iter()
        .filter_map(|p| {
            let cs = measured_containers(p, now);
            if cs.is_empty() {
                return None;
            }
            let (cpu, mem) = cs.iter().fold((0, 0), |(a, b), (_, c, m)| (a + c, b + m));
            Some(((*p, cs), cpu, mem))
        })
        .collect();
    if measured.is_empty() {
        // verifyEmptyMetrics: fresh pods are "not yet"; an older one without metrics is named.
        if let Some(old) = in_scope.iter().find(|p| {
            api::meta_str(p, "creationTimestamp")
                .and_then(SimTime::parse_rfc3339)
                .is_some_and(|t| now.since_ms(t) > CREATION_DELAY_MS)
        }) {
            let age_s = api::meta_str(old, "creationTimestamp")
                .and_then(SimTime::parse_rfc3339)
                .map_or(0, |t| now.since_ms(t) / 1000);
            return Output::error(
                format!(
                    "error: Metrics not available for pod {}/{}, age: {}",
                    api::namespace_of(old).unwrap_or(""),
                    api::name_of(old),
                    go_duration(age_s)
                ),
                1,
            );
        }
        if !in_scope.is_empty() {
            return Output::error("error: metrics not available yet", 1);
        }
        return Output::error(
            if all_ns {
                "No resources found".to_string()
            } else {
                format!("No resources found in {ns} namespace.")
            },
            0,
        );
    }
    sort_rows(&mut measured, sort_by.as_deref());
    let containers = ctx.p.on("containers");
    let mut rows = Vec::new();
    if !no_headers {
        let mut h = Vec::new();
        if all_ns {
            h.push("NAMESPACE".to_string());
        }
        if containers {
            h.push("POD".to_string());
        }
        h.extend(["NAME", "CPU(cores)", "MEMORY(bytes)"].map(String::from));
        rows.push(h);
    }
    for ((p, cs), cpu, mem) in measured {
        let lead = |r: &mut Vec<String>| {
            if all_ns {
                r.push(api::namespace_of(p).unwrap_or("").to_string());
            }
        };
        if containers {
            for (cname, c, m) in cs {
                let mut r = Vec::new();
                lead(&mut r);
                r.extend([api::name_of(p).to_string(), cname, cpu_text(c), mem_text(m)]);
                rows.push(r);
            }
        } else {
            let mut r = Vec::new();
            lead(&mut r);
            r.extend([api::name_of(p).to_string(), cpu_text(cpu), mem_text(mem)]);
            rows.push(r);
        }
    }
    Output::out(render(&rows))
}

/// Go's `time.Duration.String()` for whole seconds: `2m5s`, `1h0m3s`.
fn go_duration(s: u64) -> String {
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}h{m}m{sec}s")
    } else if m > 0 {
        format!("{m}m{sec}s")
    } else {
        format!("{sec}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_column_is_padded_like_print_value() {
        let rows = vec![
            vec!["NAME".to_string(), "CPU(cores)".to_string()],
            vec!["web".to_string(), "1m".to_string()],
        ];
        assert_eq!(
            render(&rows),
            "NAME   CPU(cores)   \nweb    1m           \n"
        );
    }

    #[test]
    fn jitter_is_bounded_and_deterministic() {
        for w in 0..50 {
            let p = jitter_pct("uid/nginx", w);
            assert!((80..=120).contains(&p));
            assert_eq!(p, jitter_pct("uid/nginx", w));
        }
        assert_eq!(go_duration(125), "2m5s");
        assert_eq!(go_duration(3603), "1h0m3s");
    }
}
