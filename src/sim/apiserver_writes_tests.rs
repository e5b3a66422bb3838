//! The control plane's write paths ([`ApiServer::update_status_shared`], [`ApiServer::bind`],
//! [`ApiServer::create_event`], [`ApiServer::update_event_count`]): cheaper than a full
//! update, with the same semantics where a client can see them.

use super::*;
use crate::sim::presets::Preset;
use crate::sim::value::json;
use crate::sim::World;

const CLUSTER: &str = "kind-kind";

fn pods() -> &'static Resource {
    api::resource_for_kind("Pod").unwrap()
}

/// A pending pod the scheduler has not seen yet (the world is not stepped).
fn pending_pod(w: &mut World, name: &str) -> Value {
    let pod = json::parse(&format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"default","labels":{{"app":"x"}}}},
           "spec":{{"containers":[{{"name":"c","image":"nginx:1.27"}}]}}}}"#
    ))
    .unwrap();
    w.api(CLUSTER, "kubectl")
        .unwrap()
        .create(pods(), pod)
        .unwrap()
}

fn stored(w: &World, key: &str) -> (i64, Arc<Value>) {
    let kv = w.clusters[CLUSTER].store.get(key).unwrap();
    (kv.mod_revision, Arc::clone(&kv.value))
}

fn running_status() -> Value {
    json::parse(r#"{"phase":"Running","podIP":"10.244.1.7","qosClass":"BestEffort"}"#).unwrap()
}

#[test]
fn a_status_write_changes_only_status_and_resource_version() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    let key = "/registry/pods/default/p";
    let (rev0, before) = stored(&w, key);
    let written = w
        .api(CLUSTER, "kubelet/kind-worker")
        .unwrap()
        .update_status_shared(pods(), &pod, Some(running_status()))
        .unwrap();
    let (rev1, after) = stored(&w, key);
    assert_eq!(rev1, rev0 + 1);
    assert!(
        Arc::ptr_eq(&written, &after),
        "returns the stored object itself"
    );
    assert_eq!(after.get("spec"), before.get("spec"));
    assert_eq!(after.get("status"), Some(&running_status()));
    assert_eq!(
        api::meta_str(&after, "resourceVersion"),
        Some(rev1.to_string().as_str())
    );
    let mut meta_before = before.get("metadata").unwrap().clone();
    meta_before.set("resourceVersion", rev1.to_string());
    assert_eq!(
        after.get("metadata"),
        Some(&meta_before),
        "generation, uid, labels kept"
    );
    // What the trace (the UI's control-loop view) and a watcher see.
    let last = w.clusters[CLUSTER].trace().last().unwrap();
    assert_eq!(
        (last.verb, last.actor.as_str()),
        ("update", "kubelet/kind-worker")
    );
    let watched: Vec<_> = w.clusters[CLUSTER]
        .store
        .events_since(rev0)
        .unwrap()
        .map(|e| (e.kv.key.to_string(), e.kv.mod_revision))
        .collect();
    assert_eq!(watched, [(key.to_string(), rev1)]);
}

#[test]
fn a_status_write_neither_defaults_nor_validates_the_spec() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    // A spec a full update would refuse (no containers) and default (no dnsPolicy) is not
    // the status subresource's business: it writes status and keeps the spec as stored.
    let mut odd = (*stored(&w, "/registry/pods/default/p").1).clone();
    meta::remove(odd.get_mut("spec").unwrap(), "containers");
    meta::remove(odd.get_mut("spec").unwrap(), "dnsPolicy");
    odd.set("status", running_status());
    let mut a = w.api(CLUSTER, "kubelet/kind-worker").unwrap();
    assert_eq!(a.update(pods(), odd.clone()).unwrap_err().code, 422);
    let written = a.update_status(pods(), &odd).unwrap();
    assert_eq!(written.get("spec"), pod.get("spec"));
    assert_eq!(written.get("status"), Some(&running_status()));
}

#[test]
fn a_stale_resource_version_conflicts_and_writes_nothing() {
    let mut w = World::new(1, Preset::Kind);
    let stale = pending_pod(&mut w, "p");
    let mut a = w.api(CLUSTER, "kubelet/kind-worker").unwrap();
    a.update_status_shared(pods(), &stale, Some(running_status()))
        .unwrap();
    let rev = a.cluster.store.revision();
    let mut failed = running_status();
    failed.set("phase", "Failed");
    let err = a
        .update_status_shared(pods(), &stale, Some(failed.clone()))
        .unwrap_err();
    assert_eq!((err.code, err.reason), (409, "Conflict"));
    assert_eq!(
        err.kubectl_message(),
        "Error from server (Conflict): Operation cannot be fulfilled on pods \"p\": the object \
         has been modified; please apply your changes to the latest version and try again"
    );
    let err = a.bind(pods(), &stale, "kind-worker", failed).unwrap_err();
    assert_eq!(err.code, 409);
    assert_eq!(a.cluster.store.revision(), rev, "nothing written");
    // Without a resourceVersion the write applies to whatever is stored (as before).
    let mut unversioned = stale.clone();
    meta::remove(unversioned.get_mut("metadata").unwrap(), "resourceVersion");
    assert!(a
        .update_status_shared(pods(), &unversioned, None)
        .unwrap()
        .get("status")
        .is_none());
    let missing = json::parse(r#"{"metadata":{"name":"nope","namespace":"default"}}"#).unwrap();
    assert_eq!(
        a.update_status_shared(pods(), &missing, None)
            .unwrap_err()
            .code,
        404
    );
}

#[test]
fn writing_the_same_status_again_stores_no_revision() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    let mut a = w.api(CLUSTER, "kubelet/kind-worker").unwrap();
    let first = a
        .update_status_shared(pods(), &pod, Some(running_status()))
        .unwrap();
    let rev = a.cluster.store.revision();
    let again = a
        .update_status_shared(pods(), &first, Some(running_status()))
        .unwrap();
    assert_eq!(a.cluster.store.revision(), rev);
    assert!(Arc::ptr_eq(&first, &again));
}

#[test]
fn binding_sets_the_node_and_status_and_leaves_the_generation() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    assert_eq!(meta::int_at(&pod, &["metadata", "generation"]), Some(1));
    let mut status = pod.get("status").unwrap().clone();
    status.set(
        "conditions",
        json::parse(r#"[{"type":"PodScheduled","status":"True"}]"#).unwrap(),
    );
    let bound = w
        .api(CLUSTER, "kube-scheduler")
        .unwrap()
        .bind(pods(), &pod, "kind-worker", status.clone())
        .unwrap();
    assert_eq!(meta::node_name(&bound), Some("kind-worker"));
    assert_eq!(bound.get("status"), Some(&status));
    assert_eq!(
        meta::int_at(&bound, &["metadata", "generation"]),
        Some(1),
        "binding writes storage without the strategy that counts spec changes"
    );
    let mut expected_spec = pod.get("spec").unwrap().clone();
    expected_spec.set("nodeName", "kind-worker");
    assert_eq!(
        bound.get("spec"),
        Some(&expected_spec),
        "nothing else in the spec moved"
    );
}

#[test]
fn stored_objects_share_their_spec_and_copies_stay_independent() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    let (_, before) = stored(&w, "/registry/pods/default/p");
    assert!(before
        .get("spec")
        .and_then(Value::as_map)
        .unwrap()
        .is_shared());
    let after = w
        .api(CLUSTER, "kubelet/kind-worker")
        .unwrap()
        .update_status_shared(pods(), &pod, Some(running_status()))
        .unwrap();
    assert!(after
        .get("spec")
        .and_then(Value::as_map)
        .unwrap()
        .is_shared());
    // Changing a copy (what every controller does before an update) changes only the copy.
    let mut copy = (*after).clone();
    copy.path_mut(&["spec", "containers", "0"])
        .unwrap()
        .set("image", "nginx:1.28");
    for stored_pod in [&before, &after] {
        assert_eq!(
            meta::str_at(stored_pod, &["spec", "containers", "0", "image"]),
            Some("nginx:1.27")
        );
        assert_eq!(stored_pod.get("spec"), pod.get("spec"));
    }
    assert_ne!(copy.get("spec"), after.get("spec"));
}

#[test]
fn events_get_the_server_metadata_and_aggregate_through_the_fast_path() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    let mut a = w.api(CLUSTER, "kubelet/kind-worker").unwrap();
    let rev0 = a.cluster.store.revision();
    for _ in 0..3 {
        crate::sim::events::record(
            &mut a,
            &pod,
            crate::sim::events::Type::Normal,
            "Pulled",
            "Container image \"nginx:1.27\" already present on machine",
            "kubelet",
            Some("kind-worker"),
        );
    }
    let events: Vec<_> = a
        .cluster
        .store
        .range("/registry/events/default/p.")
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "aggregated");
    let e = &events[0];
    assert_eq!(e.value.get("count"), Some(&Value::Int(3)));
    assert_eq!(
        (e.create_revision, e.mod_revision, e.version),
        (rev0 + 1, rev0 + 3, 3)
    );
    assert_eq!(
        api::meta_str(&e.value, "resourceVersion"),
        Some((rev0 + 3).to_string().as_str())
    );
    for (field, want) in [
        ("apiVersion", "v1"),
        ("kind", "Event"),
        ("type", "Normal"),
        ("reason", "Pulled"),
        ("reportingComponent", "kubelet"),
    ] {
        assert_eq!(
            e.value.get(field).and_then(Value::as_str),
            Some(want),
            "{field}"
        );
    }
    assert_eq!(api::meta_str(&e.value, "namespace"), Some("default"));
    assert_eq!(api::meta_str(&e.value, "uid").map(str::len), Some(36));
    assert_eq!(
        api::meta_str(&e.value, "creationTimestamp"),
        e.value.get("firstTimestamp").and_then(Value::as_str)
    );
    assert_eq!(
        meta::str_at(&e.value, &["involvedObject", "uid"]),
        api::meta_str(&pod, "uid")
    );
    let verbs: Vec<_> = a
        .cluster
        .trace()
        .filter(|t| t.resource == "events")
        .map(|t| t.verb)
        .collect();
    assert_eq!(verbs, ["create", "update", "update"]);
    // An Event into a namespace that does not exist is refused, as a create is.
    let mut elsewhere = pod.clone();
    elsewhere
        .path_mut_or_insert(&["metadata"])
        .set("namespace", "gone");
    crate::sim::events::record(
        &mut a,
        &elsewhere,
        crate::sim::events::Type::Normal,
        "Pulled",
        "x",
        "kubelet",
        None,
    );
    assert_eq!(a.cluster.store.range("/registry/events/gone/").count(), 0);
}

#[test]
fn the_first_deletion_moves_the_generation_once() {
    let mut w = World::new(1, Preset::Kind);
    let pod = pending_pod(&mut w, "p");
    let bound = w
        .api(CLUSTER, "kube-scheduler")
        .unwrap()
        .bind(pods(), &pod, "kind-worker", Value::map())
        .unwrap();
    assert_eq!(meta::int_at(&bound, &["metadata", "generation"]), Some(1));
    let mut api = w.api(CLUSTER, "kubectl").unwrap();
    let graceful = api
        .delete_with(pods(), Some("default"), "p", &DeleteOptions::default())
        .unwrap();
    assert!(meta::is_terminating(&graceful));
    assert_eq!(
        meta::int_at(&graceful, &["metadata", "generation"]),
        Some(2),
        "a graceful deletion is a new generation"
    );
    let shorter = DeleteOptions {
        grace_period_s: Some(5),
        ..DeleteOptions::default()
    };
    let shortened = api
        .delete_with(pods(), Some("default"), "p", &shorter)
        .unwrap();
    assert_eq!(
        meta::int_at(&shortened, &["metadata", "deletionGracePeriodSeconds"]),
        Some(5)
    );
    assert_eq!(
        meta::int_at(&shortened, &["metadata", "generation"]),
        Some(2),
        "shortening the grace period is not"
    );
}

#[test]
fn an_object_waiting_on_finalizers_gets_a_new_generation() {
    let mut w = World::new(1, Preset::Kind);
    let cm = json::parse(
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},
           "spec":{"selector":{"matchLabels":{"app":"d"}},
                   "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}"#,
    )
    .unwrap();
    let deployments = api::resource_for_kind("Deployment").unwrap();
    let mut api = w.api(CLUSTER, "kubectl").unwrap();
    let created = api.create(deployments, cm).unwrap();
    assert_eq!(meta::int_at(&created, &["metadata", "generation"]), Some(1));
    let foreground = DeleteOptions {
        propagation: Propagation::Foreground,
        ..DeleteOptions::default()
    };
    let deleting = api
        .delete_with(deployments, Some("default"), "d", &foreground)
        .unwrap();
    assert!(meta::is_terminating(&deleting));
    assert_eq!(
        meta::int_at(&deleting, &["metadata", "generation"]),
        Some(2)
    );
    let again = api
        .delete_with(deployments, Some("default"), "d", &foreground)
        .unwrap();
    assert_eq!(meta::int_at(&again, &["metadata", "generation"]), Some(2));
}
