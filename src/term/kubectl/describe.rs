//! `kubectl describe`: the layout of kubectl's describers (`staging/src/k8s.io/kubectl/pkg/
//! describe/describe.go`): `Label:\tvalue` lines aligned by Go's tabwriter (padding 2, blocks
//! broken by untabbed lines), `<none>`, and the `Events:` table with `(x3 over 2m)`.
//!
//! Start with [`run`]; each kind has a `describe_*` function that writes tabbed text.

use super::get::{parse_targets, resolve};
use super::mutate::unb64;
use super::printers::{human_duration, tabwrite};
use super::select::{labels_of, scalar_string, string_map, LabelSelector};
use super::tables::{self, endpoints_string, pod_summary, selector_string};
use super::Ctx;
use crate::sim::api::{self, Resource};
use crate::sim::clock::SimTime;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Output;

/// `Mon, 05 Jan 2026 09:00:00 +0000` (Go's RFC1123Z), from an RFC 3339 timestamp.
pub fn rfc1123z(ts: &str) -> String {
    let Some(t) = SimTime::parse_rfc3339(ts) else {
        return ts.to_string();
    };
    let unix = t.unix_s();
    let days = unix.div_euclid(86_400);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // ts is YYYY-MM-DDTHH:MM:SSZ
    let y = &ts[0..4];
    let m: usize = ts[5..7].parse().unwrap_or(1);
    let d = &ts[8..10];
    let hms = &ts[11..19];
    format!(
        "{wd}, {d} {} {y} {hms} +0000",
        months.get(m.wrapping_sub(1)).unwrap_or(&"Jan")
    )
}

struct W(String);
impl W {
    fn line(&mut self, level: usize, text: &str) {
        self.0.push_str(&"  ".repeat(level));
        self.0.push_str(text);
        self.0.push('\n');
    }
    fn kv(&mut self, level: usize, k: &str, v: impl AsRef<str>) {
        self.line(level, &format!("{k}:\t{}", v.as_ref()));
    }
    /// A map printed as `k=v` lines, the first beside the label (kubectl's printLabelsMultiline).
    fn map(
        &mut self,
        level: usize,
        title: &str,
        m: &std::collections::BTreeMap<String, String>,
        sep: &str,
    ) {
        if m.is_empty() {
            self.kv(level, title, "<none>");
            return;
        }
        for (i, (k, v)) in m.iter().enumerate() {
            if i == 0 {
                self.kv(level, title, format!("{k}{sep}{v}"));
            } else {
                self.line(level, &format!("\t{k}{sep}{v}"));
            }
        }
    }
}

fn s(v: Option<&Value>) -> String {
    v.map(scalar_string).unwrap_or_default()
}
/// The value at `path` as text, or the default the API server would have set.
fn field_or(o: &Value, path: &[&str], default: &str) -> String {
    o.path(path)
        .map(scalar_string)
        .unwrap_or_else(|| default.into())
}

fn or_none(x: String) -> String {
    if x.is_empty() {
        "<none>".into()
    } else {
        x
    }
}

fn events_for(ctx: &mut Ctx, obj: &Value) -> Vec<Value> {
    let uid = api::meta_str(obj, "uid").unwrap_or("").to_string();
    let name = api::name_of(obj).to_string();
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let ns = api::namespace_of(obj).unwrap_or("default").to_string();
    let Some(res) = api::resource_for("events") else {
        return Vec::new();
    };
    let mut evs: Vec<Value> = match ctx.api() {
        Ok(mut a) => a.list(res, Some(&ns)),
        Err(_) => Vec::new(),
    };
    evs.retain(|e| {
        let io = e.get("involvedObject");
        let uid_ok = io
            .and_then(|x| x.get("uid"))
            .and_then(Value::as_str)
            .is_none_or(|u| u == uid);
        uid_ok
            && io.and_then(|x| x.get("name")).and_then(Value::as_str) == Some(name.as_str())
            && io.and_then(|x| x.get("kind")).and_then(Value::as_str) == Some(kind.as_str())
    });
    // DescribeEvents sorts with event.SortableEvents: by the last time each event was seen
    // (series.lastObservedTime, else lastTimestamp, else eventTime). sort.Sort on these short
    // lists is an insertion sort, so ties keep the API's order (by name: `<object>.<hex
    // time>`, i.e. creation order); a stable sort on the same key reproduces it.
    evs.sort_small_by_key(|e| {
        e.path(&["series", "lastObservedTime"])
            .or_else(|| e.get("lastTimestamp"))
            .or_else(|| e.get("eventTime"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    });
    evs
}

fn write_events(w: &mut W, evs: &[Value], now: SimTime) {
    if evs.is_empty() {
        w.kv(0, "Events", "<none>");
        return;
    }
    w.line(0, "Events:");
    w.line(1, "Type\tReason\tAge\tFrom\tMessage");
    w.line(1, "----\t------\t----\t----\t-------");
    for e in evs {
        // describe.go DescribeEvents: "<last> (xN over <first>)" for a repeated event, else
        // the age of its first occurrence.
        let first = tables::since(e.get("firstTimestamp").and_then(Value::as_str), now);
        let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
        let age = if count > 1 {
            format!(
                "{} (x{count} over {first})",
                tables::since(e.get("lastTimestamp").and_then(Value::as_str), now)
            )
        } else {
            first
        };
        let from = e
            .path(&["source", "component"])
            .map(scalar_string)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| s(e.get("reportingComponent")));
        w.line(
            1,
            &format!(
                "{}\t{}\t{age}\t{from}\t{}",
                s(e.get("type")),
                s(e.get("reason")),
                s(e.get("message")).trim()
            ),
        );
    }
}

fn common_meta(w: &mut W, obj: &Value, with_ns: bool) {
    w.kv(0, "Name", api::name_of(obj));
    if with_ns {
        w.kv(0, "Namespace", api::namespace_of(obj).unwrap_or(""));
    }
}

fn annotations(obj: &Value) -> std::collections::BTreeMap<String, String> {
    let mut a = string_map(obj.path(&["metadata", "annotations"]));
    a.remove(super::mutate::LAST_APPLIED);
    a
}

/// One container: its name at `level` (pods: 2 spaces; pod templates: 3, as kubectl's
/// describeContainers prints them with a one-space prefix), its fields at 4 spaces.
fn container_block(w: &mut W, c: &Value, status: Option<&Value>, level: usize) {
    let name = s(c.get("name"));
    if level == 2 {
        w.line(1, &format!(" {name}:"));
    } else {
        w.line(level, &format!("{name}:"));
    }
    let l = 2;
    if let Some(st) = status {
        let id = s(st.get("containerID"));
        if !id.is_empty() {
            w.kv(l, "Container ID", id);
        }
    }
    w.kv(l, "Image", s(c.get("image")));
    if let Some(st) = status {
        w.kv(l, "Image ID", s(st.get("imageID")));
    }
    let ports: Vec<String> = c
        .get("ports")
        .and_then(Value::as_seq)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    format!(
                        "{}/{}",
                        s(p.get("containerPort")),
                        p.get("protocol")
                            .map(scalar_string)
                            .unwrap_or_else(|| "TCP".into())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let host_ports: Vec<String> = c
        .get("ports")
        .and_then(Value::as_seq)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.get("hostPort")
                            .map(scalar_string)
                            .unwrap_or_else(|| "0".into()),
                        p.get("protocol")
                            .map(scalar_string)
                            .unwrap_or_else(|| "TCP".into())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if ports.len() > 1 {
        w.kv(l, "Ports", ports.join(", "));
        w.kv(l, "Host Ports", host_ports.join(", "));
    } else {
        w.kv(l, "Port", or_none(ports.join(", ")));
        w.kv(l, "Host Port", or_none(host_ports.join(", ")));
    }
    if let Some(cmd) = c.get("command").and_then(Value::as_seq) {
        w.line(l, "Command:");
        for x in cmd {
            w.line(l + 1, &scalar_string(x));
        }
    }
    if let Some(args) = c.get("args").and_then(Value::as_seq) {
        w.line(l, "Args:");
        for x in args {
            w.line(l + 1, &scalar_string(x));
        }
    }
    if let Some(st) = status {
        write_state(w, l, "State", st.get("state"));
        if st
            .path(&["lastState"])
            .and_then(Value::as_map)
            .is_some_and(|m| !m.is_empty())
        {
            write_state(w, l, "Last State", st.get("lastState"));
        }
        w.kv(
            l,
            "Ready",
            if st.get("ready") == Some(&Value::Bool(true)) {
                "True"
            } else {
                "False"
            },
        );
        w.kv(l, "Restart Count", or_zero(s(st.get("restartCount"))));
    }
    let limits = string_map(c.path(&["resources", "limits"]));
    let requests = string_map(c.path(&["resources", "requests"]));
    if !limits.is_empty() {
        w.line(l, "Limits:");
        for (k, v) in &limits {
            w.kv(l + 1, k, v);
        }
    }
    if !requests.is_empty() {
        w.line(l, "Requests:");
        for (k, v) in &requests {
            w.kv(l + 1, k, v);
        }
    }
    for (probe, title) in [
        ("livenessProbe", "Liveness"),
        ("readinessProbe", "Readiness"),
        ("startupProbe", "Startup"),
    ] {
        if let Some(p) = c.get(probe) {
            let how = if let Some(h) = p.get("httpGet") {
                let scheme = s(h.get("scheme")).to_ascii_lowercase();
                format!(
                    "http-get {}://:{}{}",
                    if scheme.is_empty() {
                        "http".to_string()
                    } else {
                        scheme
                    },
                    s(h.get("port")),
                    s(h.get("path"))
                )
            } else if let Some(t) = p.get("tcpSocket") {
                format!("tcp-socket :{}", s(t.get("port")))
            } else if let Some(e) = p.get("exec") {
                format!(
                    "exec [{}]",
                    e.get("command")
                        .and_then(Value::as_seq)
                        .map(|c| c.iter().map(scalar_string).collect::<Vec<_>>().join(" "))
                        .unwrap_or_default()
                )
            } else {
                "unknown".into()
            };
            let g = |k: &str, d: i64| p.get(k).and_then(Value::as_i64).unwrap_or(d);
            w.kv(
                l,
                title,
                format!(
                    "{how} delay={}s timeout={}s period={}s #success={} #failure={}",
                    g("initialDelaySeconds", 0),
                    g("timeoutSeconds", 1),
                    g("periodSeconds", 10),
                    g("successThreshold", 1),
                    g("failureThreshold", 3)
                ),
            );
        }
    }
    let env = c
        .get("env")
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    if env.is_empty() {
        w.kv(l, "Environment", "<none>");
    } else {
        w.line(l, "Environment:");
        for e in env {
            let v = if let Some(v) = e.get("value") {
                scalar_string(v)
            } else if let Some(r) = e.path(&["valueFrom", "configMapKeyRef"]) {
                format!(
                    "<set to the key '{}' of config map '{}'>",
                    s(r.get("key")),
                    s(r.get("name"))
                )
            } else if let Some(r) = e.path(&["valueFrom", "secretKeyRef"]) {
                format!(
                    "<set to the key '{}' in secret '{}'>",
                    s(r.get("key")),
                    s(r.get("name"))
                )
            } else if let Some(r) = e.path(&["valueFrom", "fieldRef"]) {
                format!(
                    " ({}:{})",
                    r.get("apiVersion")
                        .map(scalar_string)
                        .unwrap_or_else(|| "v1".into()),
                    s(r.get("fieldPath"))
                )
            } else {
                String::new()
            };
            w.kv(l + 1, &s(e.get("name")), v);
        }
    }
    let mounts = c
        .get("volumeMounts")
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    if mounts.is_empty() {
        w.kv(l, "Mounts", "<none>");
    } else {
        w.line(l, "Mounts:");
        for m in mounts {
            let ro = if m.get("readOnly") == Some(&Value::Bool(true)) {
                "ro"
            } else {
                "rw"
            };
            w.line(
                l + 1,
                &format!("{} from {} ({ro})", s(m.get("mountPath")), s(m.get("name"))),
            );
        }
    }
}

fn write_state(w: &mut W, l: usize, title: &str, state: Option<&Value>) {
    let Some(state) = state.and_then(Value::as_map) else {
        w.kv(l, title, "Waiting");
        return;
    };
    if let Some(r) = state.get("running") {
        w.kv(l, title, "Running");
        w.kv(l + 1, "Started", rfc1123z(&s(r.get("startedAt"))));
    } else if let Some(wt) = state.get("waiting") {
        w.kv(l, title, "Waiting");
        let reason = s(wt.get("reason"));
        if !reason.is_empty() {
            w.kv(l + 1, "Reason", reason);
        }
        let msg = s(wt.get("message"));
        if !msg.is_empty() {
            w.kv(l + 1, "Message", msg);
        }
    } else if let Some(t) = state.get("terminated") {
        w.kv(l, title, "Terminated");
        w.kv(l + 1, "Reason", s(t.get("reason")));
        let msg = s(t.get("message"));
        if !msg.is_empty() {
            w.kv(l + 1, "Message", msg);
        }
        w.kv(l + 1, "Exit Code", s(t.get("exitCode")));
        w.kv(l + 1, "Started", rfc1123z(&s(t.get("startedAt"))));
        w.kv(l + 1, "Finished", rfc1123z(&s(t.get("finishedAt"))));
    } else {
        w.kv(l, title, "Waiting");
    }
}

fn describe_pod(w: &mut W, pod: &Value, evs: &[Value], now: SimTime) {
    common_meta(w, pod, true);
    w.kv(0, "Priority", or_zero(s(pod.path(&["spec", "priority"]))));
    let pc = s(pod.path(&["spec", "priorityClassName"]));
    if !pc.is_empty() {
        w.kv(0, "Priority Class Name", pc);
    }
    w.kv(
        0,
        "Service Account",
        field_or(pod, &["spec", "serviceAccountName"], "default"),
    );
    let node = s(pod.path(&["spec", "nodeName"]));
    let host_ip = s(pod.path(&["status", "hostIP"]));
    w.kv(
        0,
        "Node",
        if node.is_empty() {
            "<none>".to_string()
        } else {
            format!("{node}/{host_ip}")
        },
    );
    if let Some(st) = pod.path(&["status", "startTime"]).and_then(Value::as_str) {
        w.kv(0, "Start Time", rfc1123z(st));
    }
    w.map(0, "Labels", &labels_of(pod), "=");
    w.map(0, "Annotations", &annotations(pod), ": ");
    let summary = pod_summary(pod);
    let mut status = s(pod.path(&["status", "phase"]));
    if pod.path(&["metadata", "deletionTimestamp"]).is_some() {
        status = "Terminating (lasts <invalid>)".into();
        if let Some(d) = pod
            .path(&["metadata", "deletionTimestamp"])
            .and_then(Value::as_str)
        {
            status = format!("Terminating (lasts {})", tables::since(Some(d), now));
        }
    }
    w.kv(0, "Status", status);
    let reason = s(pod.path(&["status", "reason"]));
    if !reason.is_empty() {
        w.kv(0, "Reason", reason);
    }
    let msg = s(pod.path(&["status", "message"]));
    if !msg.is_empty() {
        w.kv(0, "Message", msg);
    }
    let _ = summary;
    let ip = s(pod.path(&["status", "podIP"]));
    w.kv(0, "IP", ip.clone());
    let ips: Vec<String> = pod
        .path(&["status", "podIPs"])
        .and_then(Value::as_seq)
        .map(|v| v.iter().map(|x| s(x.get("ip"))).collect())
        .unwrap_or_default();
    if ips.is_empty() {
        w.kv(0, "IPs", "<none>");
    } else {
        w.line(0, "IPs:");
        for ip in ips {
            w.kv(1, "IP", ip);
        }
    }
    let statuses = |field: &str| {
        pod.path(&["status", field])
            .and_then(Value::as_seq)
            .cloned()
            .unwrap_or_default()
    };
    let find = |list: &[Value], n: &str| {
        list.iter()
            .find(|x| x.get("name").and_then(Value::as_str) == Some(n))
            .cloned()
    };
    if let Some(inits) = pod
        .path(&["spec", "initContainers"])
        .and_then(Value::as_seq)
    {
        w.line(0, "Init Containers:");
        let st = statuses("initContainerStatuses");
        for c in inits {
            let cs = find(&st, &s(c.get("name")));
            container_block(
                w,
                c,
                cs.as_ref()
                    .or(Some(&Value::Null))
                    .filter(|v| **v != Value::Null),
                1,
            );
        }
    }
    w.line(0, "Containers:");
    let st = statuses("containerStatuses");
    for c in pod
        .path(&["spec", "containers"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default()
    {
        let cs = find(&st, &s(c.get("name")));
        container_block(w, &c, cs.as_ref(), 1);
    }
    let conds = statuses("conditions");
    if !conds.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus");
        for c in conds {
            w.line(
                1,
                &format!("{} \t{} ", s(c.get("type")), s(c.get("status"))),
            );
        }
    }
    let vols = pod
        .path(&["spec", "volumes"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    if vols.is_empty() {
        w.kv(0, "Volumes", "<none>");
    } else {
        w.line(0, "Volumes:");
        for v in vols {
            w.line(1, &format!("{}:", s(v.get("name"))));
            if let Some(cm) = v.get("configMap") {
                w.kv(2, "Type", "ConfigMap (a volume populated by a ConfigMap)");
                w.kv(2, "Name", s(cm.get("name")));
                w.kv(2, "Optional", bool_word(cm, "optional"));
            } else if let Some(sec) = v.get("secret") {
                w.kv(2, "Type", "Secret (a volume populated by a Secret)");
                w.kv(2, "SecretName", s(sec.get("secretName")));
                w.kv(2, "Optional", bool_word(sec, "optional"));
            } else if let Some(ed) = v.get("emptyDir") {
                w.kv(
                    2,
                    "Type",
                    "EmptyDir (a temporary directory that shares a pod's lifetime)",
                );
                w.kv(2, "Medium", s(ed.get("medium")));
                w.kv(2, "SizeLimit", or_unset(s(ed.get("sizeLimit"))));
            } else if let Some(pvc) = v.get("persistentVolumeClaim") {
                w.kv(2, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
                w.kv(2, "ClaimName", s(pvc.get("claimName")));
                w.kv(2, "ReadOnly", bool_word(pvc, "readOnly"));
            } else if let Some(hp) = v.get("hostPath") {
                w.kv(2, "Type", "HostPath (bare host directory volume)");
                w.kv(2, "Path", s(hp.get("path")));
                w.kv(2, "HostPathType", s(hp.get("type")));
            } else if v.get("projected").is_some() {
                w.kv(
                    2,
                    "Type",
                    "Projected (a volume that contains injected data from multiple sources)",
                );
                w.kv(2, "TokenExpirationSeconds", "3607");
                w.kv(2, "ConfigMapName", "kube-root-ca.crt");
                w.kv(2, "Optional", "false");
                w.kv(2, "DownwardAPI", "true");
            }
        }
    }
    w.kv(
        0,
        "QoS Class",
        field_or(pod, &["status", "qosClass"], "BestEffort"),
    );
    w.map(
        0,
        "Node-Selectors",
        &string_map(pod.path(&["spec", "nodeSelector"])),
        "=",
    );
    let tols: Vec<String> = pod
        .path(&["spec", "tolerations"])
        .and_then(Value::as_seq)
        .map(|ts| ts.iter().map(toleration).collect())
        .unwrap_or_default();
    if tols.is_empty() {
        w.kv(0, "Tolerations", "<none>");
    } else {
        for (i, t) in tols.iter().enumerate() {
            if i == 0 {
                w.kv(0, "Tolerations", t);
            } else {
                w.line(0, &format!("\t{t}"));
            }
        }
    }
    write_events(w, evs, now);
}

fn or_zero(x: String) -> String {
    if x.is_empty() {
        "0".into()
    } else {
        x
    }
}
fn or_unset(x: String) -> String {
    if x.is_empty() {
        "<unset>".into()
    } else {
        x
    }
}

fn toleration(t: &Value) -> String {
    let key = s(t.get("key"));
    let value = s(t.get("value"));
    let effect = s(t.get("effect"));
    let op = s(t.get("operator"));
    let mut out = key.clone();
    if !value.is_empty() {
        out.push('=');
        out.push_str(&value);
    }
    if !effect.is_empty() {
        out.push(':');
        out.push_str(&effect);
    }
    if op == "Exists" && value.is_empty() {
        if key.is_empty() {
            out = if effect.is_empty() {
                "op=Exists".into()
            } else {
                format!(":{effect} op=Exists")
            };
        } else {
            out.push_str(" op=Exists");
        }
    }
    if let Some(secs) = t.get("tolerationSeconds").and_then(Value::as_i64) {
        out.push_str(&format!(" for {secs}s"));
    }
    out
}

/// A pod template as `kubectl rollout history --revision=N` prints it (raw tabs, the way
/// kubectl writes it without a tabwriter).
pub fn pod_template_text(tpl: Option<&Value>) -> String {
    let mut w = W(String::new());
    pod_template(&mut w, tpl);
    w.0
}

fn pod_template(w: &mut W, tpl: Option<&Value>) {
    w.line(0, "Pod Template:");
    let labels = string_map(tpl.and_then(|t| t.path(&["metadata", "labels"])));
    w.map(1, "Labels", &labels, "=");
    let ann = string_map(tpl.and_then(|t| t.path(&["metadata", "annotations"])));
    if !ann.is_empty() {
        w.map(1, "Annotations", &ann, ": ");
    }
    let sa = s(tpl.and_then(|t| t.path(&["spec", "serviceAccountName"])));
    if !sa.is_empty() {
        w.kv(1, "Service Account", sa);
    }
    if let Some(inits) = tpl
        .and_then(|t| t.path(&["spec", "initContainers"]))
        .and_then(Value::as_seq)
    {
        w.line(1, "Init Containers:");
        for c in inits {
            container_block(w, c, None, 2);
        }
    }
    w.line(1, "Containers:");
    for c in tpl
        .and_then(|t| t.path(&["spec", "containers"]))
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default()
    {
        container_block(w, &c, None, 2);
    }
    let vols = tpl
        .and_then(|t| t.path(&["spec", "volumes"]))
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    if vols.is_empty() {
        w.kv(1, "Volumes", "<none>");
    } else {
        w.line(1, "Volumes:");
        for v in vols {
            w.line(2, &format!("{}:", s(v.get("name"))));
        }
    }
    w.map(
        1,
        "Node-Selectors",
        &string_map(tpl.and_then(|t| t.path(&["spec", "nodeSelector"]))),
        "=",
    );
    let tols: Vec<String> = tpl
        .and_then(|t| t.path(&["spec", "tolerations"]))
        .and_then(Value::as_seq)
        .map(|ts| ts.iter().map(toleration).collect())
        .unwrap_or_default();
    w.kv(1, "Tolerations", or_none(tols.join(", ")));
}

fn describe_deployment(ctx: &mut Ctx, w: &mut W, d: &Value) {
    common_meta(w, d, true);
    w.kv(
        0,
        "CreationTimestamp",
        rfc1123z(api::meta_str(d, "creationTimestamp").unwrap_or("")),
    );
    w.map(0, "Labels", &labels_of(d), "=");
    w.map(0, "Annotations", &annotations(d), ": ");
    w.kv(
        0,
        "Selector",
        selector_string(d.path(&["spec", "selector"])),
    );
    let st = |k: &str| d.path(&["status", k]).and_then(Value::as_i64).unwrap_or(0);
    let replicas = d
        .path(&["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let unavailable = st("unavailableReplicas");
    w.kv(
        0,
        "Replicas",
        format!(
            "{replicas} desired | {} updated | {} total | {} available | {unavailable} unavailable",
            st("updatedReplicas"),
            st("replicas"),
            st("availableReplicas")
        ),
    );
    let strategy = field_or(d, &["spec", "strategy", "type"], "RollingUpdate");
    w.kv(0, "StrategyType", &strategy);
    w.kv(
        0,
        "MinReadySeconds",
        or_zero(s(d.path(&["spec", "minReadySeconds"]))),
    );
    if strategy == "RollingUpdate" {
        let ru = d.path(&["spec", "strategy", "rollingUpdate"]);
        let mu = ru
            .and_then(|r| r.get("maxUnavailable"))
            .map(scalar_string)
            .unwrap_or_else(|| "25%".into());
        let ms = ru
            .and_then(|r| r.get("maxSurge"))
            .map(scalar_string)
            .unwrap_or_else(|| "25%".into());
        w.kv(
            0,
            "RollingUpdateStrategy",
            format!("{mu} max unavailable, {ms} max surge"),
        );
    }
    pod_template(w, d.path(&["spec", "template"]));
    let conds = d
        .path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    if !conds.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tReason");
        w.line(1, "----\t------\t------");
        for c in conds {
            w.line(
                1,
                &format!(
                    "{}\t{}\t{}",
                    s(c.get("type")),
                    s(c.get("status")),
                    s(c.get("reason"))
                ),
            );
        }
    }
    let rss = rs_of(ctx, d);
    let current = rss.iter().max_by_key(|r| revision(r)).cloned();
    let olds: Vec<String> = rss
        .iter()
        .filter(|r| {
            Some(*r) != current.as_ref()
                && r.path(&["spec", "replicas"])
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    > 0
        })
        .map(rs_line)
        .collect();
    w.kv(0, "OldReplicaSets", or_none(olds.join(", ")));
    w.kv(
        0,
        "NewReplicaSet",
        current
            .as_ref()
            .map(rs_line)
            .unwrap_or_else(|| "<none>".into()),
    );
}

fn revision(rs: &Value) -> i64 {
    rs.path(&[
        "metadata",
        "annotations",
        "deployment.kubernetes.io/revision",
    ])
    .and_then(Value::as_str)
    .and_then(|r| r.parse().ok())
    .unwrap_or(0)
}
fn rs_line(rs: &Value) -> String {
    format!(
        "{} ({}/{} replicas created)",
        api::name_of(rs),
        rs.path(&["status", "replicas"])
            .and_then(Value::as_i64)
            .unwrap_or(0),
        rs.path(&["spec", "replicas"])
            .and_then(Value::as_i64)
            .unwrap_or(0)
    )
}

fn rs_of(ctx: &mut Ctx, d: &Value) -> Vec<Value> {
    let uid = api::meta_str(d, "uid").unwrap_or("").to_string();
    let ns = api::namespace_of(d).unwrap_or("default").to_string();
    let Some(res) = api::resource_for("replicasets") else {
        return Vec::new();
    };
    match ctx.api() {
        Ok(mut a) => a
            .list(res, Some(&ns))
            .into_iter()
            .filter(|r| {
                r.path(&["metadata", "ownerReferences"])
                    .and_then(Value::as_seq)
                    .is_some_and(|o| {
                        o.iter()
                            .any(|x| x.get("uid").and_then(Value::as_str) == Some(uid.as_str()))
                    })
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn pods_status_line(ctx: &mut Ctx, obj: &Value) -> String {
    let ns = api::namespace_of(obj).unwrap_or("default").to_string();
    let sel =
        LabelSelector::parse(&selector_string(obj.path(&["spec", "selector"]))).unwrap_or_default();
    let Some(res) = api::resource_for("pods") else {
        return String::new();
    };
    let pods = match ctx.api() {
        Ok(mut a) => a.list(res, Some(&ns)),
        Err(_) => Vec::new(),
    };
    let mut counts = [0; 4];
    for p in pods
        .iter()
        .filter(|p| !sel.is_empty() && sel.matches_obj(p))
    {
        match p
            .path(&["status", "phase"])
            .and_then(Value::as_str)
            .unwrap_or("Pending")
        {
            "Running" => counts[0] += 1,
            "Succeeded" => counts[2] += 1,
            "Failed" => counts[3] += 1,
            _ => counts[1] += 1,
        }
    }
    format!(
        "{} Running / {} Waiting / {} Succeeded / {} Failed",
        counts[0], counts[1], counts[2], counts[3]
    )
}

fn describe_workload(ctx: &mut Ctx, w: &mut W, o: &Value, kind: &str) {
    common_meta(w, o, true);
    if kind == "StatefulSet" || kind == "Job" {
        w.kv(
            0,
            "CreationTimestamp",
            rfc1123z(api::meta_str(o, "creationTimestamp").unwrap_or("")),
        );
    }
    w.kv(
        0,
        "Selector",
        selector_string(o.path(&["spec", "selector"])),
    );
    if kind == "DaemonSet" {
        w.map(
            0,
            "Node-Selector",
            &string_map(o.path(&["spec", "template", "spec", "nodeSelector"])),
            "=",
        );
    }
    w.map(0, "Labels", &labels_of(o), "=");
    w.map(0, "Annotations", &annotations(o), ": ");
    let st = |k: &str| o.path(&["status", k]).and_then(Value::as_i64).unwrap_or(0);
    match kind {
        "ReplicaSet" => {
            if let Some(owner) = o
                .path(&["metadata", "ownerReferences"])
                .and_then(Value::as_seq)
                .and_then(|v| v.first())
            {
                w.kv(
                    0,
                    "Controlled By",
                    format!("{}/{}", s(owner.get("kind")), s(owner.get("name"))),
                );
            }
            w.kv(
                0,
                "Replicas",
                format!(
                    "{} current / {} desired",
                    st("replicas"),
                    o.path(&["spec", "replicas"])
                        .and_then(Value::as_i64)
                        .unwrap_or(1)
                ),
            );
        }
        "DaemonSet" => {
            for (label, field) in [
                (
                    "Desired Number of Nodes Scheduled",
                    "desiredNumberScheduled",
                ),
                (
                    "Current Number of Nodes Scheduled",
                    "currentNumberScheduled",
                ),
                (
                    "Number of Nodes Scheduled with Up-to-date Pods",
                    "updatedNumberScheduled",
                ),
                (
                    "Number of Nodes Scheduled with Available Pods",
                    "numberAvailable",
                ),
                ("Number of Nodes Misscheduled", "numberMisscheduled"),
            ] {
                w.kv(0, label, st(field).to_string());
            }
        }
        "StatefulSet" => {
            w.kv(
                0,
                "Replicas",
                format!(
                    "{} desired | {} total",
                    o.path(&["spec", "replicas"])
                        .and_then(Value::as_i64)
                        .unwrap_or(1),
                    st("replicas")
                ),
            );
            w.kv(
                0,
                "Update Strategy",
                field_or(o, &["spec", "updateStrategy", "type"], "RollingUpdate"),
            );
        }
        "Job" => {
            for (label, field, default) in [
                ("Parallelism", "parallelism", "1"),
                ("Completions", "completions", "1"),
                ("Completion Mode", "completionMode", "NonIndexed"),
                ("Suspend", "suspend", "false"),
                ("Backoff Limit", "backoffLimit", "6"),
            ] {
                w.kv(0, label, field_or(o, &["spec", field], default));
            }
            if let Some(t) = o.path(&["status", "startTime"]).and_then(Value::as_str) {
                w.kv(0, "Start Time", rfc1123z(t));
            }
            if let Some(t) = o
                .path(&["status", "completionTime"])
                .and_then(Value::as_str)
            {
                w.kv(0, "Completed At", rfc1123z(t));
            }
            w.kv(
                0,
                "Pods Statuses",
                format!(
                    "{} Active ({} Ready) / {} Succeeded / {} Failed",
                    st("active"),
                    st("ready"),
                    st("succeeded"),
                    st("failed")
                ),
            );
            if o.path(&["spec", "completionMode"]).and_then(Value::as_str) == Some("Indexed") {
                let done = s(o.path(&["status", "completedIndexes"]));
                w.kv(0, "Completed Indexes", cap_indexes(&done, 50));
            }
        }
        _ => {}
    }
    if kind != "Job" {
        w.kv(0, "Pods Status", pods_status_line(ctx, o));
    }
    pod_template(w, o.path(&["spec", "template"]));
}

fn describe_service(ctx: &mut Ctx, w: &mut W, svc: &Value) {
    common_meta(w, svc, true);
    w.map(0, "Labels", &labels_of(svc), "=");
    w.map(0, "Annotations", &annotations(svc), ": ");
    let sel: Vec<String> = string_map(svc.path(&["spec", "selector"]))
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    w.kv(0, "Selector", or_none(sel.join(",")));
    let ty = field_or(svc, &["spec", "type"], "ClusterIP");
    w.kv(0, "Type", &ty);
    w.kv(
        0,
        "IP Family Policy",
        field_or(svc, &["spec", "ipFamilyPolicy"], "SingleStack"),
    );
    w.kv(
        0,
        "IP Families",
        svc.path(&["spec", "ipFamilies"])
            .and_then(Value::as_seq)
            .map(|v| v.iter().map(scalar_string).collect::<Vec<_>>().join(","))
            .unwrap_or_else(|| "IPv4".into()),
    );
    let ip = or_none(s(svc.path(&["spec", "clusterIP"])));
    w.kv(0, "IP", &ip);
    w.kv(0, "IPs", &ip);
    if ty == "LoadBalancer" {
        let ing: Vec<String> = svc
            .path(&["status", "loadBalancer", "ingress"])
            .and_then(Value::as_seq)
            .map(|v| v.iter().map(|i| s(i.get("ip"))).collect())
            .unwrap_or_default();
        if !ing.is_empty() {
            w.kv(0, "LoadBalancer Ingress", ing.join(", "));
        }
    }
    let ep = api::resource_for("endpoints").and_then(|r| {
        ctx.api()
            .ok()?
            .get(r, api::namespace_of(svc), api::name_of(svc))
            .ok()
    });
    for p in svc
        .path(&["spec", "ports"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default()
    {
        let name = p
            .get("name")
            .map(scalar_string)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<unset>".into());
        let proto = p
            .get("protocol")
            .map(scalar_string)
            .unwrap_or_else(|| "TCP".into());
        w.kv(0, "Port", format!("{name}  {}/{proto}", s(p.get("port"))));
        let tp = p
            .get("targetPort")
            .map(scalar_string)
            .unwrap_or_else(|| s(p.get("port")));
        w.kv(0, "TargetPort", format!("{tp}/{proto}"));
        if let Some(np) = p.get("nodePort") {
            w.kv(
                0,
                "NodePort",
                format!("{name}  {}/{proto}", scalar_string(np)),
            );
        }
        w.kv(
            0,
            "Endpoints",
            ep.as_ref()
                .map(endpoints_string)
                .map(|e| if e == "<none>" { String::new() } else { e })
                .unwrap_or_default(),
        );
    }
    w.kv(
        0,
        "Session Affinity",
        field_or(svc, &["spec", "sessionAffinity"], "None"),
    );
    if ty == "NodePort" || ty == "LoadBalancer" {
        w.kv(
            0,
            "External Traffic Policy",
            field_or(svc, &["spec", "externalTrafficPolicy"], "Cluster"),
        );
    }
    w.kv(
        0,
        "Internal Traffic Policy",
        field_or(svc, &["spec", "internalTrafficPolicy"], "Cluster"),
    );
}

fn describe_node(ctx: &mut Ctx, w: &mut W, n: &Value, now: SimTime) {
    w.kv(0, "Name", api::name_of(n));
    let labels = labels_of(n);
    let roles: Vec<String> = labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    w.kv(0, "Roles", or_none(roles.join(",")));
    w.map(0, "Labels", &labels, "=");
    w.map(0, "Annotations", &annotations(n), ": ");
    w.kv(
        0,
        "CreationTimestamp",
        rfc1123z(api::meta_str(n, "creationTimestamp").unwrap_or("")),
    );
    let taints: Vec<String> = n
        .path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    let v = s(t.get("value"));
                    format!(
                        "{}{}:{}",
                        s(t.get("key")),
                        if v.is_empty() {
                            String::new()
                        } else {
                            format!("={v}")
                        },
                        s(t.get("effect"))
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if taints.is_empty() {
        w.kv(0, "Taints", "<none>");
    } else {
        for (i, t) in taints.iter().enumerate() {
            if i == 0 {
                w.kv(0, "Taints", t);
            } else {
                w.line(0, &format!("\t{t}"));
            }
        }
    }
    w.kv(
        0,
        "Unschedulable",
        if n.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true)) {
            "true"
        } else {
            "false"
        },
    );
    w.line(0, "Lease:");
    w.kv(1, "HolderIdentity", api::name_of(n));
    w.kv(1, "AcquireTime", "<unset>");
    w.kv(1, "RenewTime", rfc1123z(&now.rfc3339()));
    w.line(0, "Conditions:");
    w.line(
        1,
        "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage",
    );
    w.line(
        1,
        "----\t------\t-----------------\t------------------\t------\t-------",
    );
    for c in n
        .path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default()
    {
        w.line(
            1,
            &format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                s(c.get("type")),
                s(c.get("status")),
                rfc1123z(&s(c.get("lastHeartbeatTime"))),
                rfc1123z(&s(c.get("lastTransitionTime"))),
                s(c.get("reason")),
                s(c.get("message"))
            ),
        );
    }
    w.line(0, "Addresses:");
    for a in n
        .path(&["status", "addresses"])
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default()
    {
        w.kv(1, &s(a.get("type")), s(a.get("address")));
    }
    for (title, field) in [("Capacity", "capacity"), ("Allocatable", "allocatable")] {
        w.line(0, &format!("{title}:"));
        for (k, v) in string_map(n.path(&["status", field])) {
            w.kv(1, &k, v);
        }
    }
    w.line(0, "System Info:");
    let info = |k: &str| s(n.path(&["status", "nodeInfo", k]));
    for (label, key) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ] {
        w.kv(1, label, info(key));
    }
    let kp = info("kubeProxyVersion");
    if !kp.is_empty() {
        w.kv(1, "Kube-Proxy Version", kp);
    }
    // Only when set (a kubeadm node without `--pod-network-cidr` has none).
    let pod_cidr = s(n.path(&["spec", "podCIDR"]));
    if !pod_cidr.is_empty() {
        w.kv(0, "PodCIDR", pod_cidr);
    }
    let cidrs: Vec<String> = n
        .path(&["spec", "podCIDRs"])
        .and_then(Value::as_seq)
        .map(|v| v.iter().map(scalar_string).collect())
        .unwrap_or_default();
    if !cidrs.is_empty() {
        w.kv(0, "PodCIDRs", cidrs.join(","));
    }
    let provider = s(n.path(&["spec", "providerID"]));
    if !provider.is_empty() {
        w.kv(0, "ProviderID", provider);
    }
    let pods: Vec<Value> = match (api::resource_for("pods"), ctx.api()) {
        (Some(r), Ok(mut a)) => a
            .list(r, None)
            .into_iter()
            .filter(|p| {
                p.path(&["spec", "nodeName"]).and_then(Value::as_str) == Some(api::name_of(n))
            })
            .filter(|p| {
                !matches!(
                    p.path(&["status", "phase"]).and_then(Value::as_str),
                    Some("Succeeded" | "Failed")
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    describe_node_resource(w, n, &pods, now);
}

/// A quantity summed the way `resource.Quantity.Add` does: the value in base units (CPU in
/// millicores) and the format of the first operand (binary `Mi` or decimal `M`).
#[derive(Clone, Copy, Default)]
struct Sum {
    value: i64,
    binary: Option<bool>,
}

impl Sum {
    fn add(&mut self, q: &str, cpu: bool) {
        let v = super::top::quantity(&Value::from(q), if cpu { "cpu" } else { "memory" });
        self.value += v.unwrap_or(0);
        self.binary.get_or_insert(q.ends_with('i'));
    }
    fn max(self, other: Sum) -> Sum {
        if other.value > self.value {
            other
        } else {
            self
        }
    }
    /// `Quantity.String()`: canonical form (`0`, `250m`, `2`, `170Mi`, `128M`).
    fn text(&self, cpu: bool) -> String {
        if cpu {
            return crate::sim::quantity::format_milli(self.value);
        }
        let v = self.value;
        if v == 0 {
            return "0".into();
        }
        let (base, suffixes): (i64, &[&str]) = if self.binary == Some(true) {
            (1024, &["", "Ki", "Mi", "Gi", "Ti", "Pi"])
        } else {
            (1000, &["", "k", "M", "G", "T", "P"])
        };
        let mut n = v;
        let mut i = 0;
        while i + 1 < suffixes.len() && n % base == 0 {
            n /= base;
            i += 1;
        }
        format!("{n}{}", suffixes[i])
    }
}

/// `resourcehelper.PodRequests` / `PodLimits`: per resource, the sum over the containers, at
/// least the largest init container (init containers run one at a time), plus the overhead.
fn pod_resources(pod: &Value, kind: &str) -> std::collections::BTreeMap<String, Sum> {
    let list = |field: &str| {
        let mut m: std::collections::BTreeMap<String, Sum> = Default::default();
        for c in pod
            .path(&["spec", field])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            if let Some(res) = c.path(&["resources", kind]).and_then(Value::as_map) {
                for (r, q) in res {
                    m.entry(r.to_string())
                        .or_default()
                        .add(&scalar_string(q), r == "cpu");
                }
            }
        }
        m
    };
    let mut total = list("containers");
    for c in pod
        .path(&["spec", "initContainers"])
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
    {
        if let Some(res) = c.path(&["resources", kind]).and_then(Value::as_map) {
            for (r, q) in res {
                let mut one = Sum::default();
                one.add(&scalar_string(q), r == "cpu");
                let cur = total.get(r).copied().unwrap_or_default();
                total.insert(r.to_string(), cur.max(one));
            }
        }
    }
    if let Some(overhead) = pod.path(&["spec", "overhead"]).and_then(Value::as_map) {
        for (r, q) in overhead {
            total
                .entry(r.to_string())
                .or_default()
                .add(&scalar_string(q), r == "cpu");
        }
    }
    total
}

/// kubectl's describeNodeResource (kubectl/pkg/describe/describe.go): the node's
/// non-terminated pods with their requests and limits as a share of allocatable (whole
/// percent, truncated), then the totals for cpu, memory, ephemeral-storage and every
/// hugepages-* resource the node reports.
fn describe_node_resource(w: &mut W, n: &Value, pods: &[Value], now: SimTime) {
    let allocatable = n
        .path(&["status", "allocatable"])
        .or_else(|| n.path(&["status", "capacity"]))
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let alloc = |r: &str| {
        allocatable
            .get(r)
            .and_then(|q| super::top::quantity(q, r))
            .unwrap_or(0)
    };
    let cell = |sum: Option<&Sum>, r: &str| {
        let sum = sum.copied().unwrap_or_default();
        let a = alloc(r);
        let pct = if a == 0 { 0 } else { sum.value * 100 / a };
        format!("{} ({pct}%)", sum.text(r == "cpu"))
    };
    w.line(
        0,
        &format!("Non-terminated Pods:\t({} in total)", pods.len()),
    );
    w.line(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge",
    );
    w.line(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---",
    );
    let mut reqs: std::collections::BTreeMap<String, Sum> = Default::default();
    let mut limits: std::collections::BTreeMap<String, Sum> = Default::default();
    for p in pods {
        let (r, l) = (pod_resources(p, "requests"), pod_resources(p, "limits"));
        w.line(
            1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{}",
                api::namespace_of(p).unwrap_or(""),
                api::name_of(p),
                cell(r.get("cpu"), "cpu"),
                cell(l.get("cpu"), "cpu"),
                cell(r.get("memory"), "memory"),
                cell(l.get("memory"), "memory"),
                tables::age(p, now)
            ),
        );
        for (total, one) in [(&mut reqs, r), (&mut limits, l)] {
            for (k, v) in one {
                let t = total.entry(k).or_default();
                t.value += v.value;
                t.binary = t.binary.or(v.binary);
            }
        }
    }
    w.line(0, "Allocated resources:");
    w.line(
        1,
        "(Total limits may be over 100 percent, i.e., overcommitted.)",
    );
    w.line(1, "Resource\tRequests\tLimits");
    w.line(1, "--------\t--------\t------");
    let mut rows: Vec<String> = vec!["cpu".into(), "memory".into(), "ephemeral-storage".into()];
    rows.extend(
        allocatable
            .keys()
            .filter(|k| k.starts_with("hugepages-"))
            .map(str::to_string),
    );
    for r in rows {
        w.line(
            1,
            &format!(
                "{r}\t{}\t{}",
                cell(reqs.get(&r), &r),
                cell(limits.get(&r), &r)
            ),
        );
    }
}

/// kubectl's `capIndexesListOrNone`: the list cut at the first comma past `soft_limit`.
fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".into();
    }
    match indexes
        .char_indices()
        .find(|(i, c)| *i >= soft_limit && *c == ',')
    {
        Some((i, _)) => format!("{}...", &indexes[..=i]),
        None => indexes.to_string(),
    }
}

/// kubectl's `smartLabelFor`: `apiVersion` → `API Version`, `leaseDurationSeconds` →
/// `Lease Duration Seconds`; names with characters other than letters and `-` stay as they are.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    // camelcase.Split: a new word at each lower→upper change, and before the last capital
    // of a run of capitals followed by a lower-case letter (`HTTPServer` → HTTP, Server).
    let chars: Vec<char> = field.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() && p.is_lowercase() => true,
            Some(p) if c.is_uppercase() && p.is_uppercase() => next.is_some_and(char::is_lowercase),
            Some(p) => (p == '-') != (c == '-'),
            None => false,
        };
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .map(|w| {
            let up = w.to_uppercase();
            if ["API", "URL", "UID", "OSB", "GUID"].contains(&up.as_str()) {
                up
            } else {
                let mut cs = w.chars();
                cs.next()
                    .map(|f| f.to_uppercase().chain(cs).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// kubectl's generic describer (`printUnstructuredContent`) for kinds without their own:
/// every field but name, namespace, labels and annotations, sorted, nested two spaces a level.
fn describe_unstructured(w: &mut W, o: &Value) {
    common_meta(w, o, api::namespace_of(o).is_some());
    w.map(0, "Labels", &labels_of(o), "=");
    w.map(0, "Annotations", &annotations(o), ": ");
    fn walk(w: &mut W, level: usize, v: &Value, path: &str) {
        let Some(m) = v.as_map() else { return };
        for (k, v) in m.iter() {
            let p = format!("{path}.{k}");
            if [
                ".metadata.name",
                ".metadata.namespace",
                ".metadata.labels",
                ".metadata.annotations",
            ]
            .contains(&p.as_str())
            {
                continue;
            }
            match v {
                Value::Map(_) => {
                    w.line(level, &format!("{}:", smart_label(k)));
                    walk(w, level + 1, v, &p);
                }
                Value::Seq(items) => {
                    w.line(level, &format!("{}:", smart_label(k)));
                    for item in items {
                        match item {
                            Value::Map(_) => walk(w, level + 1, item, &p),
                            other => w.line(level + 1, &scalar_string(other)),
                        }
                    }
                }
                other => w.kv(level, &smart_label(k), scalar_string(other)),
            }
        }
    }
    walk(w, 0, o, "");
}

fn describe_generic(w: &mut W, o: &Value, res: &Resource) {
    common_meta(w, o, res.namespaced);
    w.map(0, "Labels", &labels_of(o), "=");
    w.map(0, "Annotations", &annotations(o), ": ");
    match res.kind {
        "Namespace" => {
            w.line(0, "");
            w.kv(0, "Status", field_or(o, &["status", "phase"], "Active"));
            w.line(0, "");
            w.line(0, "No resource quota.");
            w.line(0, "");
            w.line(0, "No LimitRange resource.");
        }
        "ConfigMap" => {
            w.line(0, "");
            w.line(0, "Data");
            w.line(0, "====");
            for (k, v) in string_map(o.get("data")) {
                w.line(0, &format!("{k}:"));
                w.line(0, "----");
                w.line(0, &v);
                w.line(0, "");
            }
            w.line(0, "");
            w.line(0, "BinaryData");
            w.line(0, "====");
            w.line(0, "");
        }
        "Secret" => {
            w.line(0, "");
            w.kv(0, "Type", s(o.get("type")));
            w.line(0, "");
            w.line(0, "Data");
            w.line(0, "====");
            for (k, v) in string_map(o.get("data")) {
                let n = unb64(&v).map_or(0, |d| d.len());
                w.line(0, &format!("{k}:\t{n} bytes"));
            }
        }
        // `describeEndpoints`: each subset's ready and not-ready IPs, then its ports.
        "Endpoints" => {
            w.line(0, "Subsets:");
            for subset in o
                .get("subsets")
                .and_then(Value::as_seq)
                .into_iter()
                .flatten()
            {
                let ips = |field: &str| {
                    let ips: Vec<String> = subset
                        .get(field)
                        .and_then(Value::as_seq)
                        .into_iter()
                        .flatten()
                        .map(|a| s(a.get("ip")))
                        .collect();
                    if ips.is_empty() {
                        "<none>".to_string()
                    } else {
                        ips.join(",")
                    }
                };
                w.kv(1, "Addresses", ips("addresses"));
                w.kv(1, "NotReadyAddresses", ips("notReadyAddresses"));
                let ports = subset.get("ports").and_then(Value::as_seq);
                if let Some(ports) = ports.filter(|p| !p.is_empty()) {
                    w.line(1, "Ports:");
                    w.line(2, "Name\tPort\tProtocol");
                    w.line(2, "----\t----\t--------");
                    for p in ports {
                        let name = s(p.get("name"));
                        w.line(
                            2,
                            &format!(
                                "{}\t{}\t{}",
                                if name.is_empty() { "<unset>" } else { &name },
                                scalar_string(p.get("port").unwrap_or(&Value::Null)),
                                s(p.get("protocol"))
                            ),
                        );
                    }
                }
                w.line(0, "");
            }
        }
        "PersistentVolumeClaim" => {
            w.kv(0, "StorageClass", s(o.path(&["spec", "storageClassName"])));
            w.kv(0, "Status", s(o.path(&["status", "phase"])));
            w.kv(0, "Volume", s(o.path(&["spec", "volumeName"])));
            w.kv(0, "Capacity", s(o.path(&["status", "capacity", "storage"])));
            let modes: Vec<String> = o
                .path(&["spec", "accessModes"])
                .and_then(Value::as_seq)
                .map(|v| v.iter().map(scalar_string).collect())
                .unwrap_or_default();
            w.kv(
                0,
                "Access Modes",
                modes
                    .iter()
                    .map(|m| match m.as_str() {
                        "ReadWriteOnce" => "RWO",
                        "ReadOnlyMany" => "ROX",
                        "ReadWriteMany" => "RWX",
                        x => x,
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            );
            w.kv(
                0,
                "VolumeMode",
                field_or(o, &["spec", "volumeMode"], "Filesystem"),
            );
        }
        _ => {}
    }
}

pub fn run(ctx: &mut Ctx) -> Output {
    let args = ctx.p.args.clone();
    if args.is_empty() {
        return Output::error("You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nSee 'kubectl describe -h' for help and examples", 1);
    }
    let reqs = match parse_targets(&args) {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    let sel = match LabelSelector::parse(ctx.p.value("selector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ctx.fail(e),
    };
    let all_ns = ctx.all_namespaces();
    let ns = ctx.namespace();
    let now = ctx.term.world.now();
    let mut docs = Vec::new();
    let mut out = Output::default();
    if reqs.iter().any(|r| r.res.kind == "Endpoints") {
        out.err(super::get::ENDPOINTS_DEPRECATED);
    }
    for r in reqs {
        if r.res.kind == "ComponentStatus" {
            return ctx.fail("describe componentstatuses is not modelled by this simulator");
        }
        let scope = (r.res.namespaced && !all_ns).then_some(ns.as_str());
        let list = match ctx.api() {
            Ok(mut a) => a.list(r.res, scope),
            Err(o) => return o,
        };
        if r.names.is_empty() {
            docs.extend(
                list.into_iter()
                    .filter(|o| sel.matches_obj(o))
                    .map(|o| (r.res, o)),
            );
            continue;
        }
        for n in &r.names {
            // describe matches a name exactly, else as a prefix.
            match list.iter().find(|o| api::name_of(o) == n) {
                Some(o) => docs.push((r.res, o.clone())),
                None => {
                    let pre: Vec<Value> = list
                        .iter()
                        .filter(|o| api::name_of(o).starts_with(n.as_str()))
                        .cloned()
                        .collect();
                    if pre.is_empty() {
                        out.err(format!(
                            "Error from server (NotFound): {} \"{n}\" not found",
                            r.res.qualified_plural()
                        ));
                        out.exit_code = 1;
                    }
                    docs.extend(pre.into_iter().map(|o| (r.res, o)));
                }
            }
        }
    }
    if docs.is_empty() && out.exit_code == 0 {
        out.err(if all_ns {
            "No resources found".to_string()
        } else {
            format!("No resources found in {ns} namespace.")
        });
        return out;
    }
    let show_events = ctx.p.value("show-events") != Some("false");
    let mut texts = Vec::new();
    for (res, obj) in docs {
        let evs = if show_events {
            events_for(ctx, &obj)
        } else {
            Vec::new()
        };
        let mut w = W(String::new());
        match res.kind {
            "Pod" => describe_pod(&mut w, &obj, &evs, now),
            "Deployment" => {
                describe_deployment(ctx, &mut w, &obj);
                write_events(&mut w, &evs, now);
            }
            "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" => {
                describe_workload(ctx, &mut w, &obj, res.kind);
                write_events(&mut w, &evs, now);
            }
            "Service" => {
                describe_service(ctx, &mut w, &obj);
                write_events(&mut w, &evs, now);
            }
            "Node" => {
                describe_node(ctx, &mut w, &obj, now);
                write_events(&mut w, &evs, now);
            }
            "ConfigMap" | "Secret" => {
                describe_generic(&mut w, &obj, res);
                if res.kind == "ConfigMap" {
                    write_events(&mut w, &evs, now);
                } else {
                    let _ = &evs;
                }
            }
            // No describer of their own in kubectl: the generic one.
            "Lease" | "ControllerRevision" => {
                describe_unstructured(&mut w, &obj);
                write_events(&mut w, &evs, now);
            }
            _ => {
                describe_generic(&mut w, &obj, res);
                if !matches!(res.kind, "Namespace") {
                    write_events(&mut w, &evs, now);
                }
            }
        }
        texts.push(tabwrite(&w.0, 0, 2));
    }
    let _ = (resolve, human_duration);
    out.print(texts.join("\n\n"));
    out
}

/// `"true"` when `v.key` is the boolean true, else `"false"` (how describe prints flags).
fn bool_word(v: &Value, key: &str) -> &'static str {
    if v.get(key) == Some(&Value::Bool(true)) {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PodCIDR(s)` and `ProviderID` are printed only when the node has them.
    #[test]
    fn node_pod_cidrs_and_provider_id_only_when_set() {
        use crate::sim::presets::Preset;
        use crate::sim::World;
        use crate::term::Terminal;
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        let kind = t.run("kubectl describe node kind-worker").stdout();
        assert!(kind.contains("\nPodCIDR:                      10.244.1.0/24\nPodCIDRs:                     10.244.1.0/24\n"), "{kind}");
        assert!(!kind.contains("ProviderID:"), "{kind}");
        let mut t = Terminal::new(World::new(1, Preset::Managed));
        t.world.step(5_000);
        let node = t.run("kubectl get nodes -o name").stdout();
        let name = node.lines().next().unwrap().trim_start_matches("node/");
        let gke = t.run(&format!("kubectl describe node {name}")).stdout();
        assert!(
            gke.contains("\nProviderID:                   gce://"),
            "{gke}"
        );
        let mut t = Terminal::new(World::new(1, Preset::Bare));
        t.run("ssh cp-1");
        t.run("kubeadm init");
        t.run("export KUBECONFIG=/etc/kubernetes/admin.conf");
        let bare = t.run("kubectl describe node cp-1").stdout();
        assert!(
            bare.contains("Kube-Proxy Version") || bare.contains("Kubelet Version"),
            "{bare}"
        );
        assert!(!bare.contains("PodCIDR"), "{bare}");
    }

    #[test]
    fn completed_indexes_are_capped_at_a_comma() {
        assert_eq!(cap_indexes("", 50), "<none>");
        assert_eq!(cap_indexes("0-4", 50), "0-4");
        assert_eq!(cap_indexes("1,3,5,7", 2), "1,3,...");
    }

    #[test]
    fn smart_labels_read_like_kubectl() {
        for (field, label) in [
            ("apiVersion", "API Version"),
            ("uid", "UID"),
            ("leaseDurationSeconds", "Lease Duration Seconds"),
            ("holderIdentity", "Holder Identity"),
            ("$patch", "$patch"),
            ("k8s-app", "k8s-app"),
            ("HTTPServer", "HTTP Server"),
            ("dnsPolicy", "Dns Policy"),
        ] {
            assert_eq!(smart_label(field), label, "{field}");
        }
    }

    #[test]
    fn dates_like_rfc1123z() {
        assert_eq!(
            rfc1123z("2026-01-05T09:00:00Z"),
            "Mon, 05 Jan 2026 09:00:00 +0000"
        );
        assert_eq!(
            rfc1123z("2026-02-01T23:59:59Z"),
            "Sun, 01 Feb 2026 23:59:59 +0000"
        );
    }

    #[test]
    fn tolerations_like_kubectl() {
        let mut t = Value::map();
        t.set("key", "node.kubernetes.io/not-ready");
        t.set("operator", "Exists");
        t.set("effect", "NoExecute");
        t.set("tolerationSeconds", 300i64);
        assert_eq!(
            toleration(&t),
            "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s"
        );
    }
}
