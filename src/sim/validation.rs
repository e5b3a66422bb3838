//! Validation with the API server's real messages (`pkg/apis/core/validation`,
//! `pkg/apis/apps/validation`, `pkg/apis/batch/validation`, apimachinery's `field.Error`).
//!
//! Start with [`validate`] (create) and [`validate_update`]. Each returns field errors already
//! rendered the way `field.Error.Error()` does — `spec.containers: Required value`,
//! `spec.replicas: Invalid value: -1: must be greater than or equal to 0` — which the API
//! server wraps into `Deployment "web" is invalid: ...` ([`super::apiserver::ApiError::invalid`]).
//! Non-string bad values are rendered as compact JSON, as apimachinery does since 1.33.
//!
//! ```
//! use kubesim::sim::{validation, Value};
//! let mut pod = Value::map();
//! pod.path_mut_or_insert(&["metadata"]).set("name", "web");
//! assert_eq!(validation::validate("Pod", &pod), ["spec.containers: Required value"]);
//! ```

use super::meta;
use super::value::Value;

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// Renders a bad value like `field.Error.ErrorBody`: strings quoted, numbers bare, anything
/// else as compact JSON.
pub fn render(v: &Value) -> String {
    match v {
        Value::Str(s) => go_quote(s),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        other => json(other),
    }
}

fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Compact JSON with sorted keys (what Go's `json.Marshal` gives for maps).
pub fn json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => go_quote(s),
        Value::Seq(items) => format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(",")),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

pub fn required(path: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("{path}: Required value")
    } else {
        format!("{path}: Required value: {detail}")
    }
}

pub fn invalid(path: &str, value: &Value, detail: &str) -> String {
    format!("{path}: Invalid value: {}: {detail}", render(value))
}

pub fn not_supported(path: &str, value: &Value, supported: &[&str]) -> String {
    let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
    format!(
        "{path}: Unsupported value: {}: supported values: {}",
        render(value),
        list.join(", ")
    )
}

pub fn duplicate(path: &str, value: &Value) -> String {
    format!("{path}: Duplicate value: {}", render(value))
}

pub fn forbidden(path: &str, detail: &str) -> String {
    format!("{path}: Forbidden: {detail}")
}

fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name part.
fn qualified_name_errors(path: &str, key: &str) -> Vec<String> {
    let v = Value::from(key);
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let mut errs = Vec::new();
    if let Some(p) = prefix {
        if !is_dns1123_subdomain(p) {
            errs.push(invalid(
                path,
                &v,
                &format!("prefix part {DNS1123_SUBDOMAIN_MSG}"),
            ));
        }
    }
    if name.is_empty() {
        errs.push(invalid(path, &v, "name part must be non-empty"));
    } else if name.len() > 63 {
        errs.push(invalid(path, &v, "name part must be no more than 63 bytes"));
    } else if !is_label_value(name) {
        errs.push(invalid(path, &v, QUALIFIED_NAME_MSG));
    }
    errs
}

/// `ValidateLabels`: keys are qualified names, values label values.
pub fn labels_errors(path: &str, labels: Option<&Value>) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(map) = labels.and_then(Value::as_map) else {
        return errs;
    };
    for (k, v) in map {
        errs.extend(qualified_name_errors(path, k));
        let s = match v {
            Value::Str(s) => s.to_string(),
            other => render(other),
        };
        if s.len() > 63 {
            errs.push(invalid(
                path,
                &Value::from(s.as_str()),
                "must be no more than 63 bytes",
            ));
        } else if !is_label_value(&s) {
            errs.push(invalid(path, &Value::from(s.as_str()), LABEL_VALUE_MSG));
        }
    }
    errs
}

/// The name rule each kind follows (`ValidateObjectMeta` with the kind's name function).
pub fn name_errors(kind: &str, name: &str) -> Vec<String> {
    let v = Value::from(name);
    let (ok, msg) = match kind {
        "Namespace" => (is_dns1123_label(name), DNS1123_LABEL_MSG),
        "Service" => (is_dns1035_label(name), DNS1035_LABEL_MSG),
        // Node names and event names are subdomains too but events use dots liberally.
        _ => (is_dns1123_subdomain(name), DNS1123_SUBDOMAIN_MSG),
    };
    if name.is_empty() {
        return vec![required(
            "metadata.name",
            "name or generateName is required",
        )];
    }
    if ok {
        Vec::new()
    } else {
        vec![invalid("metadata.name", &v, msg)]
    }
}

/// Validates a new object of `kind` (with its name already set).
pub fn validate(kind: &str, obj: &Value) -> Vec<String> {
    let mut errs = name_errors(kind, meta::str_at(obj, &["metadata", "name"]).unwrap_or(""));
    errs.extend(labels_errors(
        "metadata.labels",
        obj.path(&["metadata", "labels"]),
    ));
    let empty = Value::map();
    let spec = obj.get("spec").unwrap_or(&empty);
    match kind {
        "Pod" => errs.extend(pod_spec_errors("spec", spec, None)),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            errs.extend(workload_errors(kind, spec));
        }
        "Job" => errs.extend(job_errors(spec)),
        "Service" => errs.extend(service_errors(spec)),
        "PersistentVolumeClaim" => {
            if spec
                .get("accessModes")
                .and_then(Value::as_seq)
                .is_none_or(|s| s.is_empty())
            {
                errs.push(required(
                    "spec.accessModes",
                    "at least 1 access mode is required",
                ));
            }
            if spec.path(&["resources", "requests", "storage"]).is_none() {
                errs.push(required("spec.resources[storage]", ""));
            }
        }
        _ => {}
    }
    errs
}

fn int_or(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn pod_spec_errors(path: &str, spec: &Value, allowed_restart: Option<&[&str]>) -> Vec<String> {
    let mut errs = Vec::new();
    let containers = spec.get("containers").and_then(Value::as_seq);
    match containers {
        None => errs.push(required(&format!("{path}.containers"), "")),
        Some(cs) if cs.is_empty() => errs.push(required(&format!("{path}.containers"), "")),
        Some(_) => {}
    }
    let mut names: Vec<String> = Vec::new();
    for list in ["initContainers", "containers"] {
        let Some(cs) = spec.get(list).and_then(Value::as_seq) else {
            continue;
        };
        for (i, c) in cs.iter().enumerate() {
            let p = format!("{path}.{list}[{i}]");
            match meta::str_at(c, &["name"]) {
                None | Some("") => errs.push(required(&format!("{p}.name"), "")),
                Some(n) if !is_dns1123_label(n) => {
                    errs.push(invalid(&format!("{p}.name"), &n.into(), DNS1123_LABEL_MSG))
                }
                Some(n) if names.iter().any(|x| x == n) => {
                    errs.push(duplicate(&format!("{p}.name"), &n.into()))
                }
                Some(n) => names.push(n.to_string()),
            }
            if meta::str_at(c, &["image"]).is_none_or(|s| s.trim().is_empty()) {
                errs.push(required(&format!("{p}.image"), ""));
            }
            if let Some(policy) = c.get("imagePullPolicy") {
                let ok = ["Always", "IfNotPresent", "Never"];
                if !policy.as_str().is_some_and(|s| ok.contains(&s)) {
                    errs.push(not_supported(&format!("{p}.imagePullPolicy"), policy, &ok));
                }
            }
            if let Some(ports) = c.get("ports").and_then(Value::as_seq) {
                for (j, port) in ports.iter().enumerate() {
                    let pp = format!("{p}.ports[{j}]");
                    match port.get("containerPort") {
                        None => errs.push(required(&format!("{pp}.containerPort"), "")),
                        Some(v) => {
                            if !int_or(Some(v)).is_some_and(|n| (1..=65535).contains(&n)) {
                                errs.push(invalid(
                                    &format!("{pp}.containerPort"),
                                    v,
                                    "must be between 1 and 65535, inclusive",
                                ));
                            }
                        }
                    }
                    if let Some(proto) = port.get("protocol") {
                        let ok = ["SCTP", "TCP", "UDP"];
                        if !proto.as_str().is_some_and(|s| ok.contains(&s)) {
                            errs.push(not_supported(&format!("{pp}.protocol"), proto, &ok));
                        }
                    }
                }
            }
        }
    }
    if let Some(policy) = spec.get("restartPolicy") {
        let all: &[&str] = &["Always", "OnFailure", "Never"];
        let ok = allowed_restart.unwrap_or(all);
        if !policy.as_str().is_some_and(|s| ok.contains(&s)) {
            errs.push(not_supported(&format!("{path}.restartPolicy"), policy, ok));
        }
    } else if let Some(ok) = allowed_restart.filter(|ok| !ok.contains(&"Always")) {
        let quoted: Vec<String> = ok.iter().map(|s| go_quote(s)).collect();
        errs.push(required(
            &format!("{path}.restartPolicy"),
            &format!("valid values: {}", quoted.join(", ")),
        ));
    }
    if let Some(g) = spec.get("terminationGracePeriodSeconds") {
        if int_or(Some(g)).is_some_and(|n| n < 0) {
            errs.push(invalid(
                &format!("{path}.terminationGracePeriodSeconds"),
                g,
                "must be greater than or equal to 0",
            ));
        }
    }
    errs
}

fn non_negative(path: &str, v: Option<&Value>, errs: &mut Vec<String>) {
    if let Some(v) = v {
        if int_or(Some(v)).is_none_or(|n| n < 0) {
            errs.push(invalid(path, v, "must be greater than or equal to 0"));
        }
    }
}

fn selector_and_template(kind: &str, spec: &Value, errs: &mut Vec<String>) {
    let selector = spec.get("selector");
    match selector {
        None | Some(Value::Null) => errs.push(required("spec.selector", "")),
        Some(sel) => {
            let empty = sel
                .get("matchLabels")
                .and_then(Value::as_map)
                .is_none_or(|m| m.is_empty())
                && sel
                    .get("matchExpressions")
                    .and_then(Value::as_seq)
                    .is_none_or(|s| s.is_empty());
            if empty {
                errs.push(invalid(
                    "spec.selector",
                    sel,
                    &format!(
                        "empty selector is invalid for {}",
                        kind.to_ascii_lowercase()
                    ),
                ));
            }
            errs.extend(labels_errors(
                "spec.selector.matchLabels",
                sel.get("matchLabels"),
            ));
            let labels = spec
                .path(&["template", "metadata", "labels"])
                .cloned()
                .unwrap_or_else(Value::map);
            let label_map = labels.as_map().cloned().unwrap_or_default();
            if !empty && !meta::selector_matches_labels(sel, &label_map) {
                errs.push(invalid(
                    "spec.template.metadata.labels",
                    &labels,
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    errs.extend(labels_errors(
        "spec.template.metadata.labels",
        spec.path(&["template", "metadata", "labels"]),
    ));
}

fn workload_errors(kind: &str, spec: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    non_negative("spec.replicas", spec.get("replicas"), &mut errs);
    selector_and_template(kind, spec, &mut errs);
    let empty = Value::map();
    let tspec = spec.path(&["template", "spec"]).unwrap_or(&empty);
    errs.extend(pod_spec_errors(
        "spec.template.spec",
        tspec,
        Some(&["Always"]),
    ));
    if kind == "Deployment" {
        if let Some(ru) = spec.path(&["strategy", "rollingUpdate"]) {
            let is_zero = |v: Option<&Value>| match v {
                Some(Value::Int(0)) => true,
                Some(Value::Str(s)) => s == "0%" || s == "0",
                _ => false,
            };
            if is_zero(ru.get("maxUnavailable")) && is_zero(ru.get("maxSurge")) {
                errs.push(invalid(
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    ru.get("maxUnavailable").unwrap_or(&Value::Int(0)),
                    "may not be 0 when `maxSurge` is 0",
                ));
            }
        }
        if let Some(t) = spec.path(&["strategy", "type"]) {
            let ok = ["Recreate", "RollingUpdate"];
            if !t.as_str().is_some_and(|s| ok.contains(&s)) {
                errs.push(not_supported("spec.strategy.type", t, &ok));
            }
        }
    }
    errs
}

fn job_errors(spec: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    non_negative("spec.parallelism", spec.get("parallelism"), &mut errs);
    non_negative("spec.completions", spec.get("completions"), &mut errs);
    non_negative("spec.backoffLimit", spec.get("backoffLimit"), &mut errs);
    if let Some(mode) = spec.get("completionMode") {
        let ok = ["NonIndexed", "Indexed"];
        if !mode.as_str().is_some_and(|m| ok.contains(&m)) {
            errs.push(not_supported("spec.completionMode", mode, &ok));
        } else if mode.as_str() == Some("Indexed") && spec.get("completions").is_none() {
            errs.push(required(
                "spec.completions",
                "when completion mode is Indexed",
            ));
        }
    }
    let empty = Value::map();
    let tspec = spec.path(&["template", "spec"]).unwrap_or(&empty);
    errs.extend(pod_spec_errors(
        "spec.template.spec",
        tspec,
        Some(&["OnFailure", "Never"]),
    ));
    errs
}

fn service_errors(spec: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let type_ = spec
        .get("type")
        .cloned()
        .unwrap_or_else(|| "ClusterIP".into());
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if !type_.as_str().is_some_and(|t| types.contains(&t)) {
        errs.push(not_supported("spec.type", &type_, &types));
    }
    let headless = meta::str_at(spec, &["clusterIP"]) == Some("None");
    let ports = spec.get("ports").and_then(Value::as_seq);
    if type_.as_str() != Some("ExternalName") && !headless && ports.is_none_or(|p| p.is_empty()) {
        errs.push(required("spec.ports", ""));
    }
    if let Some(ports) = ports {
        let mut names: Vec<&str> = Vec::new();
        for (i, p) in ports.iter().enumerate() {
            let pp = format!("spec.ports[{i}]");
            match p.get("name").and_then(Value::as_str) {
                None | Some("") if ports.len() > 1 => {
                    errs.push(required(&format!("{pp}.name"), ""))
                }
                Some(n) if !n.is_empty() && names.contains(&n) => {
                    errs.push(duplicate(&format!("{pp}.name"), &n.into()))
                }
                Some(n) => names.push(n),
                None => {}
            }
            match p.get("port") {
                None => errs.push(required(&format!("{pp}.port"), "")),
                Some(v) if !int_or(Some(v)).is_some_and(|n| (1..=65535).contains(&n)) => {
                    errs.push(invalid(
                        &format!("{pp}.port"),
                        v,
                        "must be between 1 and 65535, inclusive",
                    ))
                }
                _ => {}
            }
            if let Some(proto) = p.get("protocol") {
                let ok = ["SCTP", "TCP", "UDP"];
                if !proto.as_str().is_some_and(|s| ok.contains(&s)) {
                    errs.push(not_supported(&format!("{pp}.protocol"), proto, &ok));
                }
            }
            if let Some(np) = p.get("nodePort") {
                if !matches!(type_.as_str(), Some("NodePort" | "LoadBalancer")) {
                    errs.push(forbidden(
                        &format!("{pp}.nodePort"),
                        "may not be used when `type` is 'ClusterIP'",
                    ));
                } else if !int_or(Some(np)).is_some_and(|n| (30000..=32767).contains(&n)) {
                    errs.push(invalid(
                        &format!("{pp}.nodePort"),
                        np,
                        "provided port is not in the valid range. The range of valid ports is 30000-32767",
                    ));
                }
            }
        }
    }
    errs
}

/// Validates an update: the new object alone, then the fields that may not change.
pub fn validate_update(kind: &str, old: &Value, new: &Value) -> Vec<String> {
    let mut errs = validate(kind, new);
    let immutable = |path: &[&str], errs: &mut Vec<String>| {
        let (o, n) = (old.path(path), new.path(path));
        if o.is_some() && o != n {
            errs.push(invalid(
                &path.join("."),
                n.unwrap_or(&Value::Null),
                "field is immutable",
            ));
        }
    };
    match kind {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            immutable(&["spec", "selector"], &mut errs)
        }
        "Job" => {
            immutable(&["spec", "selector"], &mut errs);
            let (o, n) = (
                old.path(&["spec", "template"]),
                new.path(&["spec", "template"]),
            );
            if o != n {
                errs.push(invalid(
                    "spec.template",
                    n.unwrap_or(&Value::Null),
                    "field is immutable",
                ));
            }
        }
        "Pod" => {
            // Only images, activeDeadlineSeconds, tolerations (additions) and the fields the
            // system sets (nodeName via binding) may change.
            if !pod_spec_update_allowed(old.get("spec"), new.get("spec")) {
                errs.push(forbidden(
                    "spec",
                    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                ));
            }
            let old_node = meta::node_name(old);
            if old_node.is_some() && old_node != meta::node_name(new) {
                errs.push(forbidden(
                    "spec.nodeName",
                    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                ));
            }
        }
        "Service" => {
            let o = meta::str_at(old, &["spec", "clusterIP"]);
            let n = meta::str_at(new, &["spec", "clusterIP"]);
            if o.is_some_and(|s| !s.is_empty()) && n.is_some() && o != n {
                errs.push(invalid(
                    "spec.clusterIPs[0]",
                    &n.unwrap_or("").into(),
                    "may not change once set",
                ));
            }
        }
        "PersistentVolumeClaim" => {
            let strip = |v: Option<&Value>| {
                let mut s = v.cloned().unwrap_or_else(Value::map);
                for f in ["resources", "volumeName", "volumeAttributesClassName"] {
                    meta::remove(&mut s, f);
                }
                s
            };
            if old.path(&["spec", "volumeName"]).is_some()
                && strip(old.get("spec")) != strip(new.get("spec"))
            {
                errs.push(forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                ));
            }
        }
        _ => {}
    }
    errs
}

/// Pod spec changes other than images, activeDeadlineSeconds, tolerations and the binding
/// (`nodeName`) are refused. Compared key by key, without copying the specs.
fn pod_spec_update_allowed(old: Option<&Value>, new: Option<&Value>) -> bool {
    let empty = super::value::Map::new();
    let o = old.and_then(Value::as_map).unwrap_or(&empty);
    let n = new.and_then(Value::as_map).unwrap_or(&empty);
    let free = ["activeDeadlineSeconds", "tolerations", "nodeName"];
    let same_containers = |a: Option<&Value>, b: Option<&Value>| match (a, b) {
        (Some(Value::Seq(a)), Some(Value::Seq(b))) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| match (x.as_map(), y.as_map()) {
                        (Some(x), Some(y)) => {
                            x.iter().all(|(k, v)| k == "image" || y.get(k) == Some(v))
                                && y.iter().all(|(k, _)| k == "image" || x.get(k).is_some())
                        }
                        _ => x == y,
                    })
        }
        (a, b) => a == b,
    };
    let keys_ok = |a: &super::value::Map, b: &super::value::Map| {
        a.iter().all(|(k, v)| {
            free.contains(&k)
                || match k {
                    "containers" | "initContainers" => same_containers(Some(v), b.get(k)),
                    _ => b.get(k) == Some(v),
                }
        })
    };
    keys_ok(o, n) && keys_ok(n, o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(selector: &str, label: &str) -> Value {
        let mut d = Value::map();
        d.path_mut_or_insert(&["metadata"]).set("name", "web");
        d.path_mut_or_insert(&["spec", "selector", "matchLabels"])
            .set("app", selector);
        d.path_mut_or_insert(&["spec", "template", "metadata", "labels"])
            .set("app", label);
        let mut c = Value::map();
        c.set("name", "nginx");
        c.set("image", "nginx");
        d.path_mut_or_insert(&["spec", "template", "spec"])
            .set("containers", Value::Seq(vec![c].into()));
        d
    }

    #[test]
    fn selector_must_match_template_labels() {
        assert!(validate("Deployment", &deployment("web", "web")).is_empty());
        assert_eq!(
            validate("Deployment", &deployment("web", "api")),
            [
                r#"spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`"#
            ]
        );
        let mut d = deployment("web", "web");
        meta::remove(d.path_mut_or_insert(&["spec"]), "selector");
        assert_eq!(
            validate("Deployment", &d),
            ["spec.selector: Required value"]
        );
    }

    #[test]
    fn table_of_pod_and_service_errors() {
        let cases: &[(&str, &str, &str)] = &[
            ("Pod", "{}", "spec.containers: Required value"),
            (
                "Pod",
                r#"containers: [{"image": "nginx"}]"#,
                "spec.containers[0].name: Required value",
            ),
            (
                "Pod",
                r#"containers: [{"name": "web"}]"#,
                "spec.containers[0].image: Required value",
            ),
            (
                "Pod",
                r#"containers: [{"name": "Web", "image": "x"}]"#,
                "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label",
            ),
            (
                "Pod",
                r#"port 70000"#,
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            ),
            ("Service", "noports", "spec.ports: Required value"),
            (
                "Service",
                "nodeport 80",
                "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
            ),
        ];
        for (kind, what, want) in cases {
            let mut obj = Value::map();
            obj.path_mut_or_insert(&["metadata"]).set("name", "x");
            let spec = obj.path_mut_or_insert(&["spec"]);
            let mut c = Value::map();
            match *what {
                "{}" | "noports" => {}
                "port 70000" => {
                    c.set("name", "web");
                    c.set("image", "nginx");
                    let mut p = Value::map();
                    p.set("containerPort", 70000i64);
                    c.set("ports", Value::Seq(vec![p].into()));
                    spec.set("containers", Value::Seq(vec![c].into()));
                }
                "nodeport 80" => {
                    spec.set("type", "NodePort");
                    let mut p = Value::map();
                    p.set("port", 80i64);
                    p.set("nodePort", 80i64);
                    spec.set("ports", Value::Seq(vec![p].into()));
                }
                s if s.contains("\"image\": \"nginx\"}") => {
                    c.set("image", "nginx");
                    spec.set("containers", Value::Seq(vec![c].into()));
                }
                s if s.contains("\"Web\"") => {
                    c.set("name", "Web");
                    c.set("image", "x");
                    spec.set("containers", Value::Seq(vec![c].into()));
                }
                _ => {
                    c.set("name", "web");
                    spec.set("containers", Value::Seq(vec![c].into()));
                }
            }
            let errs = validate(kind, &obj);
            assert!(
                errs.iter().any(|e| e.starts_with(want)),
                "{kind} {what}: {errs:?}"
            );
        }
    }

    #[test]
    fn labels_and_immutable_fields() {
        let mut d = deployment("web", "web");
        d.path_mut_or_insert(&["metadata", "labels"])
            .set("bad key!", "ok");
        d.path_mut_or_insert(&["metadata", "labels"])
            .set("k", "bad value");
        let errs = validate("Deployment", &d);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0]
            .starts_with("metadata.labels: Invalid value: \"bad key!\": name part must consist"));
        assert!(errs[1]
            .starts_with("metadata.labels: Invalid value: \"bad value\": a valid label must"));
        let old = deployment("web", "web");
        let new = deployment("api", "api");
        assert_eq!(
            validate_update("Deployment", &old, &new),
            [r#"spec.selector: Invalid value: {"matchLabels":{"app":"api"}}: field is immutable"#]
        );
        assert_eq!(
            name_errors("Service", "1web")[0],
            format!("metadata.name: Invalid value: \"1web\": {DNS1035_LABEL_MSG}")
        );
        let pod = |name: &str, image: &str| {
            let mut c = Value::map();
            c.set("name", name);
            c.set("image", image);
            let mut p = Value::map();
            p.path_mut_or_insert(&["metadata"]).set("name", "p");
            p.path_mut_or_insert(&["spec"])
                .set("containers", Value::Seq(vec![c].into()));
            p
        };
        assert!(validate_update("Pod", &pod("a", "nginx:1"), &pod("a", "nginx:2")).is_empty());
        let mut bound = pod("a", "nginx:1");
        bound.path_mut_or_insert(&["spec"]).set("nodeName", "n1");
        assert!(validate_update("Pod", &pod("a", "nginx:1"), &bound).is_empty());
        assert!(
            validate_update("Pod", &pod("a", "nginx:1"), &pod("b", "nginx:1"))[0]
                .starts_with("spec: Forbidden: pod updates may not change fields other than")
        );
        let mut r = deployment("web", "web");
        r.path_mut_or_insert(&["spec"]).set("replicas", -1i64);
        assert_eq!(
            validate("ReplicaSet", &r),
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
        );
    }
}
