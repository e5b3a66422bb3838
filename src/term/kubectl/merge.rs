//! kubectl's patch semantics: RFC 7386 merge patch (`patch --type merge`), strategic merge
//! patch (`patch` default) and the client-side three-way merge of `kubectl apply`.
//!
//! Strategic merge follows the list strategies the Go types of `k8s.io/api` declare with
//! `patchStrategy:"merge" patchMergeKey:"..."` (see [`list_strategy`]): such lists are merged
//! item by item on their key, every other list is replaced whole.
//!
//! [`three_way`] is what `CreateThreeWayMergePatch(original, modified, current)` followed by
//! the server's strategic merge computes (k8s.io/apimachinery/pkg/util/strategicpatch,
//! called from kubectl/pkg/cmd/apply/patcher.go): a field in the last applied configuration
//! but not in the new manifest is deleted from the live object; a field the manifest sets
//! wins; a field only the live object has (set by `kubectl scale`, `label`, a controller,
//! defaulting) is kept. Keyed lists get the same rules per item.

use crate::sim::value::Value;

/// How a list field merges, from the struct tags of k8s.io/api (core/v1, apps/v1, meta/v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    /// `patchStrategy:"merge" patchMergeKey:"<key>"`: items matched by that field.
    Keyed(&'static str),
    /// `patchStrategy:"merge"` on a list of scalars (`metadata.finalizers`): a set union.
    Set,
    /// No patch strategy: the list is replaced whole (`command`, `args`, `tolerations`, ...).
    Replace,
}

/// The strategy of the list stored under `field`. `ports` is keyed by `containerPort` in a
/// Container and by `port` in a ServiceSpec; the items tell which one this is.
fn list_strategy(field: &str, items: &[Value]) -> ListStrategy {
    use ListStrategy::*;
    match field {
        // PodSpec.{containers,initContainers,ephemeralContainers,volumes,imagePullSecrets,
        // resourceClaims,schedulingGates}, Container.env: patchMergeKey=name.
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "env"
        | "resourceClaims"
        | "schedulingGates" => Keyed("name"),
        // Container.ports: containerPort; ServiceSpec.ports: port.
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => Keyed("containerPort"),
        "ports" => Keyed("port"),
        // Container.volumeMounts / volumeDevices.
        "volumeMounts" => Keyed("mountPath"),
        "volumeDevices" => Keyed("devicePath"),
        // PodSpec.hostAliases, topologySpreadConstraints.
        "hostAliases" => Keyed("ip"),
        "topologySpreadConstraints" => Keyed("topologyKey"),
        // ObjectMeta.ownerReferences (uid) and finalizers (set); status conditions (type).
        "ownerReferences" => Keyed("uid"),
        "conditions" => Keyed("type"),
        "finalizers" => Set,
        _ => Replace,
    }
}

/// The key of an item under a keyed strategy; items without it cannot be matched.
fn key_of<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    item.get(key)
}

/// RFC 7386 merge patch: maps merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Map(t), Value::Map(p)) => {
            for (k, pv) in p {
                if *pv == Value::Null {
                    t.remove(k);
                } else if let Some(tv) = t.get_mut(k) {
                    merge_patch(tv, pv);
                } else {
                    t.insert(k.to_string(), without_nulls(pv));
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// A value to insert where nothing was: nested `null`s of a patch mean "absent".
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.to_string(), without_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Strategic merge patch (`kubectl patch` without `--type`): like [`merge_patch`], but lists
/// with a merge key merge item by item (an item `{"$patch": "delete", key: ...}` removes
/// one), and `{"$patch": "replace"}` in a map replaces it instead of merging.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    strategic_field(target, patch, "");
}

fn strategic_field(target: &mut Value, patch: &Value, field: &str) {
    match (target, patch) {
        (t @ Value::Map(_), Value::Map(p))
            if p.get("$patch").and_then(Value::as_str) == Some("replace") =>
        {
            let mut fresh = Value::Map(p.clone());
            fresh.remove("$patch");
            *t = without_nulls(&fresh);
        }
        (Value::Map(t), Value::Map(p)) => {
            for (k, pv) in p {
                if *pv == Value::Null {
                    t.remove(k);
                    continue;
                }
                match t.get_mut(k) {
                    Some(tv) => strategic_field(tv, pv, k),
                    None => {
                        let mut fresh = match pv {
                            Value::Map(_) => Value::map(),
                            _ => Value::Null,
                        };
                        strategic_field(&mut fresh, pv, k);
                        t.insert(k.to_string(), fresh);
                    }
                }
            }
        }
        (Value::Seq(t), Value::Seq(p)) => match list_strategy(field, p) {
            ListStrategy::Keyed(key) if p.iter().all(|i| key_of(i, key).is_some()) => {
                for pv in p {
                    let k = key_of(pv, key);
                    let pos = t.iter().position(|tv| key_of(tv, key) == k);
                    if pv.get("$patch").and_then(Value::as_str) == Some("delete") {
                        if let Some(i) = pos {
                            t.remove(i);
                        }
                        continue;
                    }
                    match pos {
                        Some(i) => strategic_field(&mut t[i], pv, ""),
                        None => t.push(without_nulls(pv)),
                    }
                }
            }
            ListStrategy::Set => {
                for pv in p {
                    if !t.contains(pv) {
                        t.push(pv.clone());
                    }
                }
            }
            _ => *t = p.clone(),
        },
        (t, p) => *t = without_nulls(p),
    }
}

/// Apply's three-way merge of `new` (the manifest) into `live`, given `last` (the previous
/// manifest, from the last-applied annotation; `Null` when there is none). `field` names the
/// field holding these values (it selects the list strategy).
pub fn three_way(live: &Value, last: &Value, new: &Value, field: &str) -> Value {
    match (live, new) {
        (Value::Map(l), Value::Map(n)) => {
            let mut out = l.clone();
            // Deletions: what the last manifest set and this one no longer does.
            if let Some(old) = last.as_map() {
                for k in old.keys() {
                    if !n.contains_key(k) {
                        out.remove(k);
                    }
                }
            }
            for (k, nv) in n {
                if nv.is_null() {
                    out.remove(k);
                    continue;
                }
                let lastv = last.get(k).unwrap_or(&Value::Null);
                let merged = match l.get(k) {
                    Some(lv) => three_way(lv, lastv, nv, k),
                    None => without_nulls(nv),
                };
                out.insert(k.to_string(), merged);
            }
            Value::Map(out)
        }
        (Value::Seq(l), Value::Seq(n)) => {
            let empty = crate::sim::value::Seq::new();
            let old = last.as_seq().unwrap_or(&empty);
            match list_strategy(field, n) {
                ListStrategy::Keyed(key)
                    if n.iter().chain(l.iter()).all(|i| key_of(i, key).is_some()) =>
                {
                    let find = |items: &[Value], k: Option<&Value>| {
                        items.iter().find(|i| key_of(i, key) == k).cloned()
                    };
                    // The manifest's items in its order (`$setElementOrder`), each merged with
                    // its live counterpart ...
                    let mut out: Vec<Value> = n
                        .iter()
                        .map(|nv| {
                            let k = key_of(nv, key);
                            match find(l, k) {
                                Some(lv) => {
                                    three_way(&lv, &find(old, k).unwrap_or(Value::Null), nv, "")
                                }
                                None => without_nulls(nv),
                            }
                        })
                        .collect();
                    // ... then the live items the manifest never listed (added by others);
                    // items the last manifest had and this one dropped are deleted.
                    for lv in l {
                        let k = key_of(lv, key);
                        if find(n, k).is_none() && find(old, k).is_none() {
                            out.push(lv.clone());
                        }
                    }
                    Value::Seq(out.into())
                }
                ListStrategy::Set => {
                    let mut out: Vec<Value> = l
                        .iter()
                        .filter(|v| n.contains(v) || !old.contains(v))
                        .cloned()
                        .collect();
                    for v in n {
                        if !out.contains(v) {
                            out.push(v.clone());
                        }
                    }
                    Value::Seq(out.into())
                }
                _ => new.clone(),
            }
        }
        _ => without_nulls(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::kubectl::codec::parse_json;

    fn j(s: &str) -> Value {
        parse_json(s).expect("test JSON")
    }

    #[test]
    fn strategic_merge_matches_containers_by_name() {
        let mut live = j(r#"{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}"#);
        strategic_merge(
            &mut live,
            &j(r#"{"containers":[{"name":"b","image":"z"}]}"#),
        );
        assert_eq!(
            live,
            j(r#"{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}"#)
        );
        strategic_merge(
            &mut live,
            &j(r#"{"containers":[{"name":"a","$patch":"delete"}]}"#),
        );
        assert_eq!(live, j(r#"{"containers":[{"name":"b","image":"z"}]}"#));
    }

    #[test]
    fn strategic_merge_replaces_lists_without_a_merge_key() {
        // Container.args has no patchStrategy: replaced, never merged by position or content.
        let mut live = j(r#"{"args":["a","b"],"tolerations":[{"key":"k"}]}"#);
        strategic_merge(
            &mut live,
            &j(r#"{"args":["c"],"tolerations":[{"key":"z"}]}"#),
        );
        assert_eq!(live, j(r#"{"args":["c"],"tolerations":[{"key":"z"}]}"#));
    }

    #[test]
    fn merge_patch_null_deletes() {
        let mut v = j(r#"{"a":1,"b":2}"#);
        merge_patch(&mut v, &j(r#"{"a":null,"c":{"d":null,"e":3}}"#));
        assert_eq!(v, j(r#"{"b":2,"c":{"e":3}}"#));
    }

    #[test]
    fn three_way_deletes_dropped_fields_and_keeps_others() {
        let last = j(r#"{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"replicas":2}}"#);
        let live = j(
            r#"{"metadata":{"labels":{"app":"web","tier":"fe","team":"x"}},"spec":{"replicas":5,"paused":false}}"#,
        );
        let new = j(r#"{"metadata":{"labels":{"app":"web"}},"spec":{}}"#);
        assert_eq!(
            three_way(&live, &last, &new, ""),
            // tier: dropped from the manifest; team: set by `kubectl label`; replicas: the
            // last manifest set it and this one does not, so it goes; paused: defaulted.
            j(r#"{"metadata":{"labels":{"app":"web","team":"x"}},"spec":{"paused":false}}"#)
        );
    }

    #[test]
    fn three_way_merges_keyed_lists_item_by_item() {
        let last = j(r#"{"containers":[{"name":"app","image":"a:1",
            "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
            "ports":[{"containerPort":80},{"containerPort":443}]}]}"#);
        let live = j(
            r#"{"containers":[{"name":"app","image":"a:1","imagePullPolicy":"IfNotPresent",
            "env":[{"name":"A","value":"1"},{"name":"B","value":"2"},{"name":"C","value":"3"}],
            "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]},
            {"name":"sidecar","image":"s"}]}"#,
        );
        let new = j(r#"{"containers":[{"name":"app","image":"a:2",
            "env":[{"name":"A","value":"9"}],"ports":[{"containerPort":80}]}]}"#);
        assert_eq!(
            three_way(&live, &last, &new, ""),
            j(
                r#"{"containers":[{"name":"app","image":"a:2","imagePullPolicy":"IfNotPresent",
                "env":[{"name":"A","value":"9"},{"name":"C","value":"3"}],
                "ports":[{"containerPort":80,"protocol":"TCP"}]},
                {"name":"sidecar","image":"s"}]}"#
            )
        );
    }

    #[test]
    fn three_way_finalizers_are_a_set() {
        let live = j(r#"{"finalizers":["a","b","other"]}"#);
        let out = three_way(
            &live,
            &j(r#"{"finalizers":["a","b"]}"#),
            &j(r#"{"finalizers":["a","c"]}"#),
            "",
        );
        assert_eq!(out, j(r#"{"finalizers":["a","other","c"]}"#));
    }
}
