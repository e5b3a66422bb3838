//! The kubelet's own journal lines (`journalctl -u kubelet` on a node), derived from what the
//! simulated kubelet did there: its Node registration, the pods it started (with their image
//! pulls, probe failures, back-offs and kills, read from the events it recorded), and the
//! "network not ready" complaints of a node without a CNI.
//!
//! Lines are klog's text format as the journal stores them:
//! `Jan 05 09:00:12 kind-worker kubelet[712]: I0105 09:00:12.104233     712 file.go:N] "msg" k="v"`
//! (severity, MMDD, time with microseconds, the thread id right-aligned in 7 columns, the
//! source file and line, then the structured message). Messages and keys are the kubelet's
//! (kubelet.go "SyncLoop ADD", util.go "No sandbox for pod can be found", prober.go
//! "Probe failed", pod_workers.go "Error syncing pod, skipping", kuberuntime_container.go
//! "Killing container with a grace period", pod_startup_latency_tracker.go "Observed pod
//! startup duration", kubelet_node_status.go "Successfully registered node", as seen in
//! 1.31–1.34 kubelet journals); the line numbers are those of such journals, not checked
//! against one exact release.

use crate::sim::api::{self, resource_for_kind};
use crate::sim::clock::SimTime;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Terminal;

/// The kubelet's PID in `systemctl status kubelet` (and klog's thread id column).
pub const PID: u32 = 712;

/// Deterministic jitter for microseconds (real lines are never on the exact second).
fn hash(seed: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in seed.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// klog's header: `I0105 09:00:12.104233     712 file.go:N] ` (the sim's one formatter).
fn klog(severity: char, t: SimTime, us: u32, source: &str, msg: &str) -> String {
    crate::sim::component_log::klog(severity, t, us, PID, source, msg)
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn stamp(v: Option<&Value>) -> Option<SimTime> {
    v.and_then(Value::as_str).and_then(SimTime::parse_rfc3339)
}

/// Go's `time.Time.String()` for a UTC second: `2026-01-05 09:00:12 +0000 UTC`.
fn go_time(t: SimTime) -> String {
    let rfc = t.rfc3339();
    format!("{} {} +0000 UTC", &rfc[..10], &rfc[11..19])
}

/// The container named by an event's `fieldPath` (`spec.containers{app}`).
fn container_of(e: &Value) -> String {
    e.path(&["involvedObject", "fieldPath"])
        .and_then(Value::as_str)
        .and_then(|f| f.split_once('{'))
        .map(|(_, c)| c.trim_end_matches('}').to_string())
        .unwrap_or_default()
}

/// Every kubelet line for `host` in `cluster`, with its time, oldest first.
pub fn lines(term: &Terminal, cluster: &str, host: &str) -> Vec<(SimTime, String)> {
    let Some(c) = term.world.clusters.get(cluster) else {
        return Vec::new();
    };
    let list = |kind: &str| -> Vec<Value> {
        resource_for_kind(kind)
            .map(|r| {
                c.store
                    .range(&r.storage_prefix(None))
                    .map(|kv| (*kv.value).clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let now = term.world.now();
    // (time, severity, source, message); formatted once sorted, so that microseconds grow
    // within a second in the order the kubelet did things.
    let mut raw: Vec<(SimTime, char, String, String)> = Vec::new();
    let mut push = |t: SimTime, sev: char, source: &str, msg: String| {
        raw.push((t, sev, source.to_string(), msg));
    };

    // Registration, and a node left without a CNI complaining every 5 s until it has one.
    if let Some(node) = list("Node").into_iter().find(|n| api::name_of(n) == host) {
        if let Some(t) = stamp(node.path(&["metadata", "creationTimestamp"])) {
            push(
                t,
                'I',
                "kubelet_node_status.go:75",
                format!("\"Attempting to register node\" node={}", quoted(host)),
            );
            push(
                t,
                'I',
                "kubelet_node_status.go:78",
                format!("\"Successfully registered node\" node={}", quoted(host)),
            );
            let ready = node
                .path(&["status", "conditions"])
                .and_then(Value::as_seq)
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
                })
                .cloned();
            let no_cni = ready.as_ref().and_then(|r| {
                let msg = r.get("message").and_then(Value::as_str).unwrap_or("");
                (r.get("status").and_then(Value::as_str) == Some("False")
                    && msg.contains("cni plugin not initialized"))
                .then(|| msg.to_string())
            });
            if let Some(msg) = no_cni {
                // The last 20 complaints are plenty (the journal has them all).
                let mut at = now.as_ms().saturating_sub(100_000).max(t.as_ms());
                at -= (at - t.as_ms()) % 5_000;
                while at <= now.as_ms() {
                    push(
                        SimTime::from_ms(at),
                        'E',
                        "kubelet.go:3117",
                        format!(
                            "\"Container runtime network not ready\" networkReady={}",
                            quoted(&msg.replace("container runtime network not ready: ", ""))
                        ),
                    );
                    at += 5_000;
                }
            }
        }
    }

    // Pods bound here: admitted, sandboxed, started (with their startup latency).
    let pods: Vec<Value> = list("Pod")
        .into_iter()
        .filter(|p| p.path(&["spec", "nodeName"]).and_then(Value::as_str) == Some(host))
        .collect();
    let uid_of = |p: &Value| api::meta_str(p, "uid").unwrap_or("").to_string();
    for p in &pods {
        let key = format!("{}/{}", api::namespace_of(p).unwrap_or(""), api::name_of(p));
        let mirror = p
            .path(&["metadata", "annotations", "kubernetes.io/config.mirror"])
            .is_some();
        let Some(created) = stamp(p.path(&["metadata", "creationTimestamp"])) else {
            continue;
        };
        let admitted = stamp(p.path(&["status", "startTime"])).unwrap_or(created);
        let source = if mirror { "file" } else { "api" };
        push(
            admitted,
            'I',
            "kubelet.go:2465",
            format!(
                "\"SyncLoop ADD\" source={} pods=[{}]",
                quoted(source),
                quoted(&key)
            ),
        );
        push(
            admitted,
            'I',
            "util.go:30",
            format!(
                "\"No sandbox for pod can be found. Need to start a new one\" pod={}",
                quoted(&key)
            ),
        );
        let running = p
            .path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .filter_map(|s| stamp(s.path(&["state", "running", "startedAt"])))
            .max();
        if let Some(t) = running {
            let e2e = t.since_ms(created) as f64 / 1000.0;
            push(
                t,
                'I',
                "pod_startup_latency_tracker.go:104",
                format!(
                    "\"Observed pod startup duration\" pod={} podStartSLOduration={e2e} podStartE2EDuration=\"{e2e}s\" podCreationTimestamp=\"{}\" firstStartedPulling=\"0001-01-01 00:00:00 +0000 UTC\" lastFinishedPulling=\"0001-01-01 00:00:00 +0000 UTC\" observedRunningTime=\"{}\" watchObservedRunningTime=\"{}\"",
                    quoted(&key),
                    go_time(created),
                    go_time(t),
                    go_time(t)
                ),
            );
        }
    }

    // What went wrong (or was stopped), from the events this kubelet recorded.
    for e in list("Event").into_iter().filter(|e| {
        e.path(&["source", "host"]).and_then(Value::as_str) == Some(host)
            && e.path(&["source", "component"]).and_then(Value::as_str) == Some("kubelet")
    }) {
        let Some(t) = stamp(e.get("lastTimestamp")) else {
            continue;
        };
        let ns = e
            .path(&["involvedObject", "namespace"])
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = e
            .path(&["involvedObject", "name"])
            .and_then(Value::as_str)
            .unwrap_or("");
        let key = format!("{ns}/{name}");
        let uid = pods
            .iter()
            .find(|p| api::name_of(p) == name && api::namespace_of(p) == Some(ns))
            .map(uid_of)
            .unwrap_or_default();
        let container = container_of(&e);
        let message = e.get("message").and_then(Value::as_str).unwrap_or("");
        match e.get("reason").and_then(Value::as_str).unwrap_or("") {
            "Failed" if message.starts_with("Failed to pull image") => {
                let image = message.split('"').nth(1).unwrap_or("");
                let err = message.split_once(": ").map_or(message, |(_, r)| r);
                push(
                    t,
                    'E',
                    "log.go:32",
                    format!(
                        "\"PullImage from image service failed\" err={} image={}",
                        quoted(err),
                        quoted(image)
                    ),
                );
            }
            "BackOff" if message.contains("restarting failed container") => {
                push(t, 'E', "pod_workers.go:1301", format!(
                    "\"Error syncing pod, skipping\" err={} pod={} podUID={}",
                    quoted(&format!("failed to \"StartContainer\" for \"{container}\" with CrashLoopBackOff: \"back-off 10s restarting failed container={container} pod={name}_{ns}({uid})\"")),
                    quoted(&key),
                    quoted(&uid)
                ));
            }
            "BackOff" if message.starts_with("Back-off pulling image") => {
                push(t, 'E', "pod_workers.go:1301", format!(
                    "\"Error syncing pod, skipping\" err={} pod={} podUID={}",
                    quoted(&format!("failed to \"StartContainer\" for \"{container}\" with ImagePullBackOff: {}", quoted(message))),
                    quoted(&key),
                    quoted(&uid)
                ));
            }
            "Unhealthy" => {
                let probe = message.split_whitespace().next().unwrap_or("Liveness");
                let output = message.split_once(": ").map_or("", |(_, r)| r);
                push(t, 'I', "prober.go:107", format!(
                    "\"Probe failed\" probeType={} pod={} podUID={} containerName={} probeResult=\"failure\" output={}",
                    quoted(probe), quoted(&key), quoted(&uid), quoted(&container), quoted(output)
                ));
            }
            "Killing" => {
                push(t, 'I', "kuberuntime_container.go:809", format!(
                    "\"Killing container with a grace period\" pod={} podUID={} containerName={} gracePeriod=30",
                    quoted(&key), quoted(&uid), quoted(&container)
                ));
            }
            _ => {}
        }
    }
    raw.sort_small_by_key(|(t, ..)| *t);
    let mut out = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < raw.len() {
        let second = raw[i].0.as_ms() / 1000;
        let same = raw[i..]
            .iter()
            .take_while(|r| r.0.as_ms() / 1000 == second)
            .count();
        let step = 1_000_000 / (same as u32 + 1);
        for (k, (t, sev, source, msg)) in raw[i..i + same].iter().enumerate() {
            let us =
                step * (k as u32 + 1) - hash(&format!("{msg}{}", t.as_ms())) % (step / 2).max(1);
            out.push((
                *t,
                format!("kubelet[{PID}]: {}", klog(*sev, *t, us, source, msg)),
            ));
        }
        i += same;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn klog_header_is_severity_date_micros_and_a_7_wide_thread_id() {
        let t = SimTime::parse_rfc3339("2026-01-05T09:00:12Z").expect("time");
        assert_eq!(
            klog('I', t, 104_233, "util.go:30", "\"x\""),
            "I0105 09:00:12.104233     712 util.go:30] \"x\""
        );
        assert_eq!(go_time(t), "2026-01-05 09:00:12 +0000 UTC");
    }
}
