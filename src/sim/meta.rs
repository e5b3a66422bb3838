//! Typed helpers over unstructured objects: labels, label selectors, ownerReferences,
//! conditions, pod readiness — what apimachinery's `metav1` helpers and `labels.Selector` do.
//!
//! Controllers, the API server and the garbage collector share these so that "does this
//! selector match", "who is my controller" and "is this pod ready" have one answer.
//!
//! ```
//! use kubesim::sim::{meta, Value};
//! let mut pod = Value::map();
//! pod.path_mut_or_insert(&["metadata", "labels"]).set("app", "web");
//! let mut sel = Value::map();
//! sel.path_mut_or_insert(&["matchLabels"]).set("app", "web");
//! assert!(meta::selector_matches(&sel, &pod));
//! ```

use super::clock::SimTime;
use super::value::{Map, Value};

/// A mutable child of a map (None when `v` is not a map or has no such key).
pub fn get_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    match v {
        Value::Map(m) => m.get_mut(key),
        _ => None,
    }
}

/// Removes a key from a map value, returning it.
pub fn remove(v: &mut Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.remove(key),
        _ => None,
    }
}

/// A mutable child at a path, when every step exists.
pub fn path_mut<'a>(v: &'a mut Value, keys: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for k in keys {
        cur = get_mut(cur, k)?;
    }
    Some(cur)
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// A string at a path.
pub fn str_at<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    v.path(keys)?.as_str()
}

/// An integer at a path (also accepts integral floats and numeric strings, as YAML gives them).
pub fn int_at(v: &Value, keys: &[&str]) -> Option<i64> {
    match v.path(keys)? {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
        _ => None,
    }
}

pub fn bool_at(v: &Value, keys: &[&str]) -> Option<bool> {
    as_bool(v.path(keys)?)
}

/// `metadata.labels` as a map (empty when absent).
pub fn labels(obj: &Value) -> Map {
    obj.path(&["metadata", "labels"])
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default()
}

pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.path(&["metadata", "labels", key])?.as_str()
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.path(&["metadata", "annotations", key])?.as_str()
}

pub fn set_annotation(obj: &mut Value, key: &str, value: &str) {
    obj.path_mut_or_insert(&["metadata", "annotations"])
        .set(key, value);
}

pub fn uid(obj: &Value) -> &str {
    str_at(obj, &["metadata", "uid"]).unwrap_or("")
}

/// `"ns/name"` (or `"name"` for cluster-scoped objects): the key controllers queue.
pub fn key_of(obj: &Value) -> String {
    let name = str_at(obj, &["metadata", "name"]).unwrap_or("");
    match str_at(obj, &["metadata", "namespace"]) {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// Splits a `"ns/name"` key.
pub fn split_key(key: &str) -> (Option<&str>, &str) {
    match key.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, key),
    }
}

/// Does a `LabelSelector` (`matchLabels` + `matchExpressions`) select these labels?
/// An empty selector matches everything, as in `metav1.LabelSelectorAsSelector`.
pub fn selector_matches_labels(selector: &Value, labels: &Map) -> bool {
    if let Some(ml) = selector.get("matchLabels").and_then(Value::as_map) {
        for (k, v) in ml {
            if labels.get(k).and_then(Value::as_str) != v.as_str() {
                return false;
            }
        }
    }
    if let Some(exprs) = selector.get("matchExpressions").and_then(Value::as_seq) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let op = e.get("operator").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_seq)
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).and_then(Value::as_str);
            let ok = match op {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// [`selector_matches_labels`] on an object's labels.
pub fn selector_matches(selector: &Value, obj: &Value) -> bool {
    // Borrowed, not `labels(obj)`: controllers match every pod they own at each reconcile.
    match obj.path(&["metadata", "labels"]).and_then(Value::as_map) {
        Some(l) => selector_matches_labels(selector, l),
        None => selector_matches_labels(selector, &Map::new()),
    }
}

/// A Service-style selector (a plain map) matches these labels. An empty one matches nothing
/// (services without a selector get no managed endpoints).
pub fn map_selector_matches(selector: &Map, labels: &Map) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Value::as_str) == v.as_str())
}

/// One entry of `metadata.ownerReferences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    pub controller: bool,
    pub block_owner_deletion: bool,
}

impl OwnerRef {
    /// The reference a controller puts on what it creates (`controller: true`,
    /// `blockOwnerDeletion: true`), like `metav1.NewControllerRef`.
    pub fn controller_of(owner: &Value) -> OwnerRef {
        OwnerRef {
            api_version: str_at(owner, &["apiVersion"]).unwrap_or("").to_string(),
            kind: str_at(owner, &["kind"]).unwrap_or("").to_string(),
            name: str_at(owner, &["metadata", "name"])
                .unwrap_or("")
                .to_string(),
            uid: uid(owner).to_string(),
            controller: true,
            block_owner_deletion: true,
        }
    }
    pub fn to_value(&self) -> Value {
        let mut v = Value::map();
        v.set("apiVersion", self.api_version.as_str());
        v.set("blockOwnerDeletion", self.block_owner_deletion);
        v.set("controller", self.controller);
        v.set("kind", self.kind.as_str());
        v.set("name", self.name.as_str());
        v.set("uid", self.uid.as_str());
        v
    }
}

pub fn owner_refs(obj: &Value) -> Vec<OwnerRef> {
    obj.path(&["metadata", "ownerReferences"])
        .and_then(Value::as_seq)
        .map(|refs| {
            refs.iter()
                .map(|r| OwnerRef {
                    api_version: str_at(r, &["apiVersion"]).unwrap_or("").to_string(),
                    kind: str_at(r, &["kind"]).unwrap_or("").to_string(),
                    name: str_at(r, &["name"]).unwrap_or("").to_string(),
                    uid: str_at(r, &["uid"]).unwrap_or("").to_string(),
                    controller: bool_at(r, &["controller"]).unwrap_or(false),
                    block_owner_deletion: bool_at(r, &["blockOwnerDeletion"]).unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The owner with `controller: true`, if any (`metav1.GetControllerOf`).
pub fn controller_ref(obj: &Value) -> Option<OwnerRef> {
    owner_refs(obj).into_iter().find(|r| r.controller)
}

pub fn set_owner_refs(obj: &mut Value, refs: &[OwnerRef]) {
    let meta = obj.path_mut_or_insert(&["metadata"]);
    if refs.is_empty() {
        remove(meta, "ownerReferences");
    } else {
        meta.set(
            "ownerReferences",
            Value::Seq(refs.iter().map(OwnerRef::to_value).collect()),
        );
    }
}

pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.path(&["metadata", "finalizers"])
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn set_finalizers(obj: &mut Value, list: &[String]) {
    let meta = obj.path_mut_or_insert(&["metadata"]);
    if list.is_empty() {
        remove(meta, "finalizers");
    } else {
        meta.set(
            "finalizers",
            Value::Seq(list.iter().map(|s| s.as_str().into()).collect()),
        );
    }
}

pub fn is_terminating(obj: &Value) -> bool {
    obj.path(&["metadata", "deletionTimestamp"]).is_some()
}

pub fn deletion_time(obj: &Value) -> Option<SimTime> {
    SimTime::parse_rfc3339(str_at(obj, &["metadata", "deletionTimestamp"])?)
}

pub fn creation_time(obj: &Value) -> SimTime {
    str_at(obj, &["metadata", "creationTimestamp"])
        .and_then(SimTime::parse_rfc3339)
        .unwrap_or_default()
}

/// The condition of `type_` in `status.conditions`.
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj.path(&["status", "conditions"])?
        .as_seq()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

/// `True`, `False`, `Unknown` of a condition.
pub fn condition_status<'a>(obj: &'a Value, type_: &str) -> Option<&'a str> {
    condition(obj, type_)?.get("status")?.as_str()
}

/// Sets a condition in `status.conditions` (keeping `lastTransitionTime` when the status does
/// not change, like `SetCondition` helpers upstream). Returns whether anything changed.
pub fn set_condition(obj: &mut Value, mut cond: Value, now: SimTime) -> bool {
    let type_ = str_at(&cond, &["type"]).unwrap_or("").to_string();
    let status = obj.path_mut_or_insert(&["status"]);
    let conds = status.path_mut_or_insert(&["conditions"]);
    if !matches!(conds, Value::Seq(_)) {
        *conds = Value::Seq(Default::default());
    }
    let Value::Seq(list) = conds else {
        return false;
    };
    let stamp = now.rfc3339();
    match list
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_.as_str()))
    {
        Some(existing) => {
            let same_status = existing.get("status") == cond.get("status");
            let same = same_status
                && existing.get("reason") == cond.get("reason")
                && existing.get("message") == cond.get("message");
            if same {
                return false;
            }
            let transition = if same_status {
                existing.get("lastTransitionTime").cloned()
            } else {
                None
            };
            cond.set(
                "lastTransitionTime",
                transition.unwrap_or_else(|| stamp.clone().into()),
            );
            if existing.get("lastUpdateTime").is_some() || cond.get("lastUpdateTime").is_some() {
                cond.set("lastUpdateTime", stamp.as_str());
            }
            *existing = cond;
        }
        None => {
            cond.set("lastTransitionTime", stamp.as_str());
            list.push(cond);
        }
    }
    true
}

/// A condition value with the fields Kubernetes writes.
pub fn make_condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    let mut c = Value::map();
    c.set("type", type_);
    c.set("status", status);
    if !reason.is_empty() {
        c.set("reason", reason);
    }
    if !message.is_empty() {
        c.set("message", message);
    }
    c
}

/// A pod is ready when its `Ready` condition is `True` (`podutil.IsPodReady`).
pub fn pod_is_ready(pod: &Value) -> bool {
    condition_status(pod, "Ready") == Some("True")
}

/// Ready for at least `min_ready_s` seconds (`podutil.IsPodAvailable`).
pub fn pod_is_available(pod: &Value, min_ready_s: i64, now: SimTime) -> bool {
    if !pod_is_ready(pod) {
        return false;
    }
    if min_ready_s <= 0 {
        return true;
    }
    let since = condition(pod, "Ready")
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .and_then(SimTime::parse_rfc3339)
        .unwrap_or_default();
    now.since_ms(since) >= (min_ready_s as u64).saturating_mul(1000)
}

pub fn pod_phase(pod: &Value) -> &str {
    str_at(pod, &["status", "phase"]).unwrap_or("Pending")
}

/// Succeeded or Failed: the pod will not run again.
pub fn pod_is_finished(pod: &Value) -> bool {
    matches!(pod_phase(pod), "Succeeded" | "Failed")
}

/// Counts as a live replica for a ReplicaSet (`controller.FilterActivePods`): not finished and
/// not being deleted.
pub fn pod_is_active(pod: &Value) -> bool {
    !pod_is_finished(pod) && !is_terminating(pod)
}

pub fn node_name(pod: &Value) -> Option<&str> {
    str_at(pod, &["spec", "nodeName"]).filter(|s| !s.is_empty())
}

/// A Node's address of the given type (`InternalIP`, `ExternalIP`, `Hostname`), from
/// `status.addresses`.
pub fn node_address<'a>(node: &'a Value, type_: &str) -> Option<&'a str> {
    node.path(&["status", "addresses"])?
        .as_seq()?
        .iter()
        .find(|a| str_at(a, &["type"]) == Some(type_))
        .and_then(|a| str_at(a, &["address"]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels_of(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn selectors_match_like_apimachinery() {
        let l = labels_of(&[("app", "web"), ("tier", "fe")]);
        let mut sel = Value::map();
        assert!(selector_matches_labels(&sel, &l), "empty selects all");
        sel.path_mut_or_insert(&["matchLabels"]).set("app", "web");
        assert!(selector_matches_labels(&sel, &l));
        let expr = |op: &str, vals: &[&str]| {
            let mut e = Value::map();
            e.set("key", "tier");
            e.set("operator", op);
            e.set(
                "values",
                Value::Seq(vals.iter().map(|v| Value::from(*v)).collect()),
            );
            e
        };
        for (op, vals, want) in [
            ("In", &["fe", "be"][..], true),
            ("In", &["be"][..], false),
            ("NotIn", &["be"][..], true),
            ("NotIn", &["fe"][..], false),
            ("Exists", &[][..], true),
            ("DoesNotExist", &[][..], false),
            ("Bogus", &[][..], false),
        ] {
            let mut s = sel.clone();
            s.set("matchExpressions", Value::Seq(vec![expr(op, vals)].into()));
            assert_eq!(selector_matches_labels(&s, &l), want, "{op} {vals:?}");
        }
        assert!(!map_selector_matches(&Map::new(), &l));
        assert!(map_selector_matches(&labels_of(&[("app", "web")]), &l));
    }

    #[test]
    fn conditions_keep_transition_time_when_status_is_unchanged() {
        let mut o = Value::map();
        let t0 = SimTime::from_ms(0);
        let t1 = SimTime::from_ms(5_000);
        assert!(set_condition(
            &mut o,
            make_condition("Ready", "True", "A", "a"),
            t0
        ));
        assert!(!set_condition(
            &mut o,
            make_condition("Ready", "True", "A", "a"),
            t1
        ));
        assert!(set_condition(
            &mut o,
            make_condition("Ready", "True", "B", "b"),
            t1
        ));
        assert_eq!(
            str_at(condition(&o, "Ready").unwrap(), &["lastTransitionTime"]),
            Some(t0.rfc3339().as_str())
        );
        assert!(set_condition(
            &mut o,
            make_condition("Ready", "False", "B", "b"),
            t1
        ));
        assert_eq!(
            str_at(condition(&o, "Ready").unwrap(), &["lastTransitionTime"]),
            Some(t1.rfc3339().as_str())
        );
    }

    #[test]
    fn owner_refs_round_trip() {
        let mut owner = Value::map();
        owner.set("apiVersion", "apps/v1");
        owner.set("kind", "ReplicaSet");
        owner.path_mut_or_insert(&["metadata"]).set("name", "web-1");
        owner.path_mut_or_insert(&["metadata"]).set("uid", "u1");
        let r = OwnerRef::controller_of(&owner);
        let mut pod = Value::map();
        set_owner_refs(&mut pod, std::slice::from_ref(&r));
        assert_eq!(controller_ref(&pod), Some(r));
        set_owner_refs(&mut pod, &[]);
        assert!(pod.path(&["metadata", "ownerReferences"]).is_none());
    }
}
