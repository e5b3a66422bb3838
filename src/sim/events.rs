//! Kubernetes Events (`v1/Event`): what `kubectl get events` and the Events section of
//! `kubectl describe` show, recorded by every component through [`record`].
//!
//! Like client-go's event correlator, an event repeating the same object, reason and message
//! within [`DEDUP_WINDOW_MS`] bumps `count` and `lastTimestamp` instead of creating a new one
//! (that is where `kubectl describe`'s `(x4 over 2m)` comes from).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset, events, api};
//! let mut w = World::new(1, Preset::Kind);
//! let node = w.api("kind-kind", "t").unwrap().get(api::resource_for("no").unwrap(), None, "kind-worker").unwrap();
//! let mut apiserver = w.api("kind-kind", "kubelet").unwrap();
//! events::record(&mut apiserver, &node, events::Type::Normal, "Starting", "Starting kubelet.", "kubelet", Some("kind-worker"));
//! ```

use super::api::{self, resource_for_kind};
use super::apiserver::ApiServer;
use super::value::Value;

/// client-go aggregates identical events seen within 10 minutes.
pub const DEDUP_WINDOW_MS: u64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Normal,
    Warning,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Normal => "Normal",
            Type::Warning => "Warning",
        }
    }
}

/// Records an event about `involved` (any object with apiVersion/kind/metadata), from
/// `component` (`default-scheduler`, `kubelet`, `deployment-controller`, ...) on `host`.
/// Events live in the involved object's namespace (`default` for cluster-scoped objects).
pub fn record(
    api: &mut ApiServer<'_>,
    involved: &Value,
    kind: Type,
    reason: &str,
    message: &str,
    component: &str,
    host: Option<&str>,
) {
    let Some(res) = resource_for_kind("Event") else {
        return;
    };
    let name = api::name_of(involved).to_string();
    let ns = api::namespace_of(involved).unwrap_or("default").to_string();
    let uid = api::meta_str(involved, "uid").unwrap_or("").to_string();
    let now = api.now;
    let stamp = now.rfc3339();
    // Aggregate with a recent identical event, found through the cluster's event index
    // (like client-go's correlator cache) so recording stays O(log n).
    // Hashed: the index holds one entry per live event (thousands in a busy hour), and the
    // event it points at is compared field by field below, so a collision only means a new
    // event instead of an aggregated one.
    let dedup_key =
        super::etcd::fnv(format!("{ns}/{name}\u{0}{uid}\u{0}{reason}\u{0}{message}").as_bytes());
    let existing = api
        .cluster
        .event_index
        .get(&dedup_key)
        .and_then(|k| api.cluster.store.get(k))
        .and_then(|kv| {
            let e = &kv.value;
            let same = e.path(&["involvedObject", "uid"]).and_then(Value::as_str)
                == Some(uid.as_str())
                && e.get("reason").and_then(Value::as_str) == Some(reason)
                && e.get("message").and_then(Value::as_str) == Some(message);
            let last = e
                .get("lastTimestamp")
                .and_then(Value::as_str)
                .and_then(super::clock::SimTime::parse_rfc3339);
            (same && last.is_some_and(|t| now.since_ms(t) <= DEDUP_WINDOW_MS))
                .then(|| std::sync::Arc::clone(e))
        });
    if let Some(e) = existing {
        let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
        let _ = api.update_event_count(&e, count + 1, &stamp);
        return;
    }
    let mut involved_ref = Value::map();
    for field in ["apiVersion", "kind"] {
        if let Some(v) = involved.get(field) {
            involved_ref.set(field, v.clone());
        }
    }
    involved_ref.set("name", name.as_str());
    if let Some(ns) = api::namespace_of(involved) {
        involved_ref.set("namespace", ns);
    }
    if !uid.is_empty() {
        involved_ref.set("uid", uid.as_str());
    }
    if let Some(rv) = api::meta_str(involved, "resourceVersion") {
        involved_ref.set("resourceVersion", rv);
    }
    // A container's events name it: `spec.containers{nginx}` (the kubelet passes it along).
    if let Some(fp) = involved.get("fieldPath").and_then(Value::as_str) {
        involved_ref.set("fieldPath", fp);
    }
    let mut event = Value::map();
    // Real names are `<object>.<unix nanos in hex>`; the simulated clock plus the store
    // revision keeps them unique and deterministic.
    let unique =
        (now.unix_s() as u64).wrapping_mul(1_000_000_000) + api.cluster.store.revision() as u64;
    event
        .path_mut_or_insert(&["metadata"])
        .set("name", format!("{name}.{unique:x}"));
    event
        .path_mut_or_insert(&["metadata"])
        .set("namespace", ns.as_str());
    event.set("involvedObject", involved_ref);
    event.set("type", kind.as_str());
    event.set("reason", reason);
    event.set("message", message);
    event.set("count", 1i64);
    event.set("firstTimestamp", stamp.as_str());
    event.set("lastTimestamp", stamp.as_str());
    event
        .path_mut_or_insert(&["source"])
        .set("component", component);
    if let Some(h) = host {
        event.path_mut_or_insert(&["source"]).set("host", h);
    }
    event.set("reportingComponent", component);
    event.set("reportingInstance", host.unwrap_or(""));
    if let Ok(created) = api.create_event(event) {
        let key = res.storage_key(Some(&ns), api::name_of(&created));
        api.cluster.event_index.insert(dedup_key, key);
    }
}

/// kube-apiserver's `--event-ttl` default: events live one hour after their last update.
pub const EVENT_TTL_MS: u64 = 60 * 60 * 1000;

/// Drops the events of `cluster` last seen more than [`EVENT_TTL_MS`] ago. The real API
/// server attaches an etcd lease to each event; its expiry deletes the key without any API
/// request, which is what this does (watchers see the deletes). Keeps the store and the
/// aggregation index from growing without bound.
pub fn expire(cluster: &mut super::world::Cluster, now: super::clock::SimTime) {
    let expired: Vec<String> = cluster
        .store
        .range("/registry/events/")
        .filter(|kv| {
            kv.value
                .get("lastTimestamp")
                .and_then(Value::as_str)
                .and_then(super::clock::SimTime::parse_rfc3339)
                .is_some_and(|t| now.since_ms(t) > EVENT_TTL_MS)
        })
        .map(|kv| kv.key.to_string())
        .collect();
    if expired.is_empty() {
        return;
    }
    for key in &expired {
        let _ = cluster.store.delete(key, None);
    }
    let store = &cluster.store;
    cluster
        .event_index
        .retain(|_, key| store.get(key).is_some());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{presets::Preset, World};

    #[test]
    fn events_expire_an_hour_after_their_last_update() {
        let mut w = World::new(1, Preset::Kind);
        let node_res = api::resource_for("nodes").unwrap();
        let node = w
            .api("kind-kind", "t")
            .unwrap()
            .get(node_res, None, "kind-worker")
            .unwrap();
        let mut a = w.api("kind-kind", "kubelet").unwrap();
        record(
            &mut a,
            &node,
            Type::Normal,
            "Rebooted",
            "Node rebooted",
            "kubelet",
            Some("kind-worker"),
        );
        let count = |w: &World| {
            w.clusters["kind-kind"]
                .store
                .range("/registry/events/default/kind-worker.")
                .count()
        };
        assert_eq!(count(&w), 1);
        w.step(30 * 60 * 1000);
        assert_eq!(count(&w), 1, "still within the TTL");
        for _ in 0..8 {
            w.step(5 * 60 * 1000);
        }
        assert_eq!(count(&w), 0, "expired after an hour");
        assert!(w.clusters["kind-kind"]
            .event_index
            .values()
            .all(|k| !k.contains("kind-worker.")));
    }

    #[test]
    fn identical_events_aggregate_and_different_ones_do_not() {
        let mut w = World::new(1, Preset::Kind);
        let node_res = api::resource_for("nodes").unwrap();
        let node = w
            .api("kind-kind", "t")
            .unwrap()
            .get(node_res, None, "kind-worker")
            .unwrap();
        for _ in 0..3 {
            let mut a = w.api("kind-kind", "kubelet").unwrap();
            record(
                &mut a,
                &node,
                Type::Normal,
                "Starting",
                "Starting kubelet.",
                "kubelet",
                Some("kind-worker"),
            );
            w.step(1000);
        }
        let mut a = w.api("kind-kind", "kubelet").unwrap();
        record(
            &mut a,
            &node,
            Type::Warning,
            "Rebooted",
            "Node rebooted",
            "kubelet",
            Some("kind-worker"),
        );
        let events = a.list(api::resource_for("events").unwrap(), Some("default"));
        assert_eq!(events.len(), 2);
        let starting = events
            .iter()
            .find(|e| e.get("reason").and_then(Value::as_str) == Some("Starting"))
            .unwrap();
        assert_eq!(starting.get("count"), Some(&Value::Int(3)));
        assert_eq!(
            starting.get("firstTimestamp").and_then(Value::as_str),
            Some("2026-01-05T09:00:00Z")
        );
        assert_eq!(
            starting.get("lastTimestamp").and_then(Value::as_str),
            Some("2026-01-05T09:00:02Z")
        );
        assert_eq!(
            starting.path(&["source", "host"]).and_then(Value::as_str),
            Some("kind-worker")
        );
    }
}
