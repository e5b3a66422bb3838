//! Label selectors (`-l app=web,tier!=db,env in (a,b),!legacy`) and the field selectors the
//! API server supports (`--field-selector status.phase=Running,spec.nodeName=kind-worker`).
//!
//! ```
//! use kubesim::term::kubectl::select::LabelSelector;
//! let s = LabelSelector::parse("app=web,env in (dev,prod),!legacy").unwrap();
//! let labels = [("app", "web"), ("env", "dev")].map(|(k, v)| (k.to_string(), v.to_string())).into();
//! assert!(s.matches(&labels));
//! ```

use crate::sim::value::Value;
use crate::sort::map_of;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector; every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Req>);

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let req = if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(check_key(k.trim())?)
            } else if let Some((k, v)) = part.split_once("!=") {
                Req::Ne(check_key(k.trim())?, v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                Req::Eq(check_key(k.trim())?, v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                Req::Eq(check_key(k.trim())?, v.trim().to_string())
            } else if let Some((k, rest)) = split_set_op(part, " notin ") {
                Req::NotIn(check_key(k)?, parse_set(rest)?)
            } else if let Some((k, rest)) = split_set_op(part, " in ") {
                Req::In(check_key(k)?, parse_set(rest)?)
            } else {
                Req::Exists(check_key(part)?)
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::Ne(k, v) => labels.get(k) != Some(v),
            Req::In(k, vs) => labels.get(k).is_some_and(|x| vs.contains(x)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|x| !vs.contains(x)),
            Req::Exists(k) => labels.contains_key(k),
            Req::NotExists(k) => !labels.contains_key(k),
        })
    }
    pub fn matches_obj(&self, obj: &Value) -> bool {
        self.0.is_empty() || self.matches(&labels_of(obj))
    }
}

fn split_set_op<'a>(part: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let (k, rest) = part.split_once(op)?;
    Some((k.trim(), rest.trim()))
}

fn parse_set(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: found '{s}', expected: '('"))?;
    Ok(inner
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect())
}

fn check_key(k: &str) -> Result<String, String> {
    let name = k.rsplit('/').next().unwrap_or(k);
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(k.to_string())
    } else {
        Err(format!(
            "unable to parse requirement: <nil>: Invalid value: \"{k}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ))
    }
}

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth <= 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// `metadata.labels` as a map of strings.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    string_map(obj.path(&["metadata", "labels"]))
}

/// A `map[string]string` field as a BTreeMap.
pub fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_map)
        .map(|m| map_of(m.iter().map(|(k, v)| (k.to_string(), scalar_string(v)))))
        .unwrap_or_default()
}

/// A scalar as the string kubectl would print.
pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => super::codec::to_json_compact(other),
    }
}

/// A parsed field selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses `a=b,c!=d`; `kind` limits the fields to those the API server indexes.
    pub fn parse(s: &str, kind: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (field, eq, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            let supported = matches!(field, "metadata.name" | "metadata.namespace")
                || match kind {
                    "Pod" => matches!(
                        field,
                        "spec.nodeName"
                            | "spec.restartPolicy"
                            | "spec.schedulerName"
                            | "spec.serviceAccountName"
                            | "spec.hostNetwork"
                            | "status.phase"
                            | "status.podIP"
                            | "status.nominatedNodeName"
                    ),
                    "Node" => field == "spec.unschedulable",
                    "Event" => {
                        field.starts_with("involvedObject.")
                            || matches!(field, "reason" | "type" | "source" | "reportingComponent")
                    }
                    "Secret" => field == "type",
                    "Namespace" => field == "status.phase",
                    "ReplicaSet" => field == "status.replicas",
                    "Job" => field == "status.successful",
                    _ => false,
                };
            if !supported {
                return Err(format!("field label not supported: {field}"));
            }
            out.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(FieldSelector(out))
    }
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, eq, want)| {
            let path: Vec<&str> = field.split('.').collect();
            let got = obj.path(&path).map(scalar_string).unwrap_or_default();
            let got = if field == "spec.unschedulable" && got.is_empty() {
                "false".to_string()
            } else {
                got
            };
            (got == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selector_operators() {
        let l = labels(&[("app", "web"), ("env", "prod")]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app=db", false),
            ("env in (dev,prod)", true),
            ("env notin (prod)", false),
            ("tier notin (x)", true),
            ("app", true),
            ("!app", false),
            ("!tier", true),
            ("app=web,env in (prod)", true),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&l),
                want,
                "{sel}"
            );
        }
        assert!(LabelSelector::parse("a b").is_err());
    }

    #[test]
    fn field_selectors_per_kind() {
        let mut pod = Value::map();
        pod.path_mut_or_insert(&["status"]).set("phase", "Running");
        pod.path_mut_or_insert(&["metadata"]).set("name", "web");
        let s = FieldSelector::parse("status.phase=Running,metadata.name!=db", "Pod").unwrap();
        assert!(s.matches(&pod));
        assert!(!FieldSelector::parse("status.phase!=Running", "Pod")
            .unwrap()
            .matches(&pod));
        assert_eq!(
            FieldSelector::parse("spec.foo=1", "Pod").unwrap_err(),
            "field label not supported: spec.foo"
        );
    }
}
