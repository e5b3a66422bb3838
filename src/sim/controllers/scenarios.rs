//! Scenario tests: the controllers together, with [`super::testkit::Fake`] standing in for
//! the scheduler and kubelets.

use super::deployment;
use super::testkit::{self, deployment as deploy_manifest, Fake, KIND};
use crate::sim::api::resource_for;
use crate::sim::apiserver::{DeleteOptions, Propagation};
use crate::sim::meta;
use crate::sim::presets::Preset;
use crate::sim::value::Value;
use crate::sim::world::World;

fn r(name: &str) -> &'static crate::sim::api::Resource {
    resource_for(name).expect("resource")
}

fn create(w: &mut World, cluster: &str, kind: &str, obj: Value) -> Value {
    let mut a = w.api(cluster, "kubectl").expect("api");
    a.create(r(kind), obj).expect("create")
}

fn list(w: &World, plural: &str, ns: &str) -> Vec<Value> {
    let res = r(plural);
    w.clusters[KIND]
        .store
        .range(&res.storage_prefix(Some(ns)))
        .map(|kv| (*kv.value).clone())
        .collect()
}

fn live_pods(w: &World, ns: &str) -> Vec<Value> {
    testkit::pods(w, KIND, ns)
        .into_iter()
        .filter(|p| !meta::is_terminating(p))
        .collect()
}

fn ready_count(w: &World, ns: &str) -> usize {
    live_pods(w, ns)
        .iter()
        .filter(|p| meta::pod_is_ready(p))
        .count()
}

fn name(v: &Value) -> String {
    meta::str_at(v, &["metadata", "name"])
        .unwrap_or("")
        .to_string()
}

fn get_deploy(w: &World, n: &str) -> Value {
    testkit::get(w, KIND, &format!("/registry/deployments/default/{n}")).expect("deployment")
}

fn set_image(w: &mut World, n: &str, image: &str) {
    let mut d = get_deploy(w, n);
    let c =
        meta::path_mut(&mut d, &["spec", "template", "spec", "containers"]).expect("containers");
    if let Value::Seq(cs) = c {
        cs[0].set("image", image);
    }
    w.api(KIND, "kubectl")
        .unwrap()
        .update(r("deploy"), d)
        .expect("update");
}

#[test]
fn deployment_creates_a_replicaset_and_pods_then_scales_up_and_down() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    create(
        &mut w,
        KIND,
        "deploy",
        deploy_manifest("web", 3, "nginx:1.27"),
    );
    f.run(&mut w, 5_000);
    let rs = list(&w, "rs", "default");
    assert_eq!(rs.len(), 1);
    let rs_name = name(&rs[0]);
    let hash = meta::label(&rs[0], "pod-template-hash")
        .unwrap()
        .to_string();
    assert_eq!(rs_name, format!("web-{hash}"));
    assert!(
        hash.len() >= 8
            && hash
                .bytes()
                .all(|b| crate::sim::rng::NAME_ALPHABET.contains(&b))
    );
    let pods = live_pods(&w, "default");
    assert_eq!(pods.len(), 3);
    for p in &pods {
        assert!(name(p).starts_with(&format!("{rs_name}-")));
        assert_eq!(name(p).len(), rs_name.len() + 6);
        assert_eq!(meta::label(p, "pod-template-hash"), Some(hash.as_str()));
    }
    assert_eq!(ready_count(&w, "default"), 3);
    let d = get_deploy(&w, "web");
    assert_eq!(meta::int_at(&d, &["status", "availableReplicas"]), Some(3));
    assert_eq!(meta::annotation(&d, deployment::REVISION), Some("1"));
    assert_eq!(meta::condition_status(&d, "Available"), Some("True"));
    assert_eq!(
        meta::condition(&d, "Progressing").and_then(|c| meta::str_at(c, &["message"])),
        Some(format!("ReplicaSet \"{rs_name}\" has successfully progressed.").as_str())
    );
    let evs = testkit::events(&w, KIND, "default");
    assert!(evs.contains(&(
        "ScalingReplicaSet".into(),
        format!("Scaled up replica set {rs_name} from 0 to 3")
    )));
    assert_eq!(
        evs.iter()
            .filter(|(r, m)| r == "SuccessfulCreate" && m.starts_with("Created pod: "))
            .count(),
        3
    );

    let out = deployment::scale_workload(&mut w, KIND, "Deployment", "default", "web", 5).unwrap();
    assert_eq!(out, "deployment.apps/web scaled");
    f.run(&mut w, 3_000);
    assert_eq!(ready_count(&w, "default"), 5);
    deployment::scale_workload(&mut w, KIND, "Deployment", "default", "web", 2).unwrap();
    f.run(&mut w, 3_000);
    assert_eq!(live_pods(&w, "default").len(), 2);
    let evs = testkit::events(&w, KIND, "default");
    assert!(evs.contains(&(
        "ScalingReplicaSet".into(),
        format!("Scaled down replica set {rs_name} from 5 to 2")
    )));
    assert_eq!(
        evs.iter().filter(|(r, _)| r == "SuccessfulDelete").count(),
        3
    );
}

#[test]
fn a_deleted_pod_is_replaced_but_not_while_the_controller_manager_is_down() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    create(&mut w, KIND, "deploy", deploy_manifest("web", 2, "nginx"));
    f.run(&mut w, 4_000);
    let victim = name(&live_pods(&w, "default")[0]);
    w.api(KIND, "kubectl")
        .unwrap()
        .delete(r("pods"), Some("default"), &victim)
        .unwrap();
    f.run(&mut w, 3_000);
    let now: Vec<String> = live_pods(&w, "default").iter().map(name).collect();
    assert_eq!(now.len(), 2);
    assert!(!now.contains(&victim));

    w.clusters
        .get_mut(KIND)
        .unwrap()
        .stop("kube-controller-manager");
    let victim = now[0].clone();
    w.api(KIND, "kubectl")
        .unwrap()
        .delete(r("pods"), Some("default"), &victim)
        .unwrap();
    f.run(&mut w, 20_000);
    assert_eq!(live_pods(&w, "default").len(), 1, "nobody replaces it");
    w.clusters
        .get_mut(KIND)
        .unwrap()
        .start("kube-controller-manager");
    f.run(&mut w, 3_000);
    assert_eq!(live_pods(&w, "default").len(), 2);
}

#[test]
fn rolling_update_with_surge_1_unavailable_0_never_drops_below_n_ready_then_rolls_back() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    f.ready_after_ms = 3_000;
    let mut d = deploy_manifest("web", 4, "nginx:1.26");
    let ru = d.path_mut_or_insert(&["spec", "strategy", "rollingUpdate"]);
    ru.set("maxSurge", 1i64);
    ru.set("maxUnavailable", 0i64);
    create(&mut w, KIND, "deploy", d);
    f.run(&mut w, 10_000);
    assert_eq!(ready_count(&w, "default"), 4);
    let first_rs = name(&list(&w, "rs", "default")[0]);
    set_image(&mut w, "web", "nginx:1.27");
    let mut seconds = 0;
    loop {
        f.run(&mut w, 1_000);
        seconds += 1;
        assert!(
            ready_count(&w, "default") >= 4,
            "dropped below 4 ready at {seconds}s"
        );
        assert!(
            live_pods(&w, "default").len() <= 5,
            "surge above 1 at {seconds}s"
        );
        let d = get_deploy(&w, "web");
        let done = meta::int_at(&d, &["status", "updatedReplicas"]) == Some(4)
            && meta::int_at(&d, &["status", "availableReplicas"]) == Some(4)
            && meta::int_at(&d, &["status", "replicas"]) == Some(4);
        if done {
            break;
        }
        assert!(seconds < 120, "rollout did not finish");
    }
    assert!(seconds >= 8, "a rollout takes visible time ({seconds}s)");
    let rs = list(&w, "rs", "default");
    assert_eq!(rs.len(), 2);
    let new_rs = rs.iter().find(|x| name(x) != first_rs).unwrap();
    assert_eq!(meta::annotation(new_rs, deployment::REVISION), Some("2"));
    assert_eq!(
        meta::annotation(&get_deploy(&w, "web"), deployment::REVISION),
        Some("2")
    );

    // Rollback: the first ReplicaSet comes back as revision 3.
    assert_eq!(
        deployment::rollout_undo(&mut w, KIND, "default", "web", Some(7)).unwrap_err(),
        "error: unable to find specified revision 7 in history"
    );
    assert_eq!(
        deployment::rollout_undo(&mut w, KIND, "default", "web", None).unwrap(),
        "deployment.apps/web rolled back"
    );
    f.run(&mut w, 60_000);
    let rs = list(&w, "rs", "default");
    assert_eq!(rs.len(), 2, "no third ReplicaSet");
    let old = rs.iter().find(|x| name(x) == first_rs).unwrap();
    assert_eq!(meta::int_at(old, &["spec", "replicas"]), Some(4));
    assert_eq!(meta::annotation(old, deployment::REVISION), Some("3"));
    assert_eq!(
        meta::annotation(old, "deployment.kubernetes.io/revision-history"),
        Some("1")
    );
    for p in live_pods(&w, "default") {
        assert!(name(&p).starts_with(&first_rs));
    }
    let hist: Vec<i64> = deployment::history(&mut w, KIND, "default", "web")
        .unwrap()
        .iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(hist, [2, 3]);
}

#[test]
fn recreate_pause_restart_and_progress_deadline() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    let mut d = deploy_manifest("api", 2, "nginx:1.26");
    d.path_mut_or_insert(&["spec", "strategy"])
        .set("type", "Recreate");
    d.path_mut_or_insert(&["spec"])
        .set("progressDeadlineSeconds", 20i64);
    create(&mut w, KIND, "deploy", d);
    f.run(&mut w, 5_000);
    assert_eq!(ready_count(&w, "default"), 2);
    // Pause: a template change makes no new ReplicaSet.
    assert_eq!(
        deployment::rollout_pause(&mut w, KIND, "default", "api", true).unwrap(),
        "deployment.apps/api paused"
    );
    set_image(&mut w, "api", "nginx:1.27");
    f.run(&mut w, 5_000);
    assert_eq!(list(&w, "rs", "default").len(), 1);
    assert_eq!(
        meta::condition(&get_deploy(&w, "api"), "Progressing")
            .and_then(|c| meta::str_at(c, &["reason"])),
        Some("DeploymentPaused")
    );
    deployment::rollout_pause(&mut w, KIND, "default", "api", false).unwrap();
    // Recreate: the old pods are all gone before new ones exist.
    let mut saw_gap = false;
    for _ in 0..20 {
        f.run(&mut w, 1_000);
        if live_pods(&w, "default").is_empty() {
            saw_gap = true;
        }
    }
    assert!(saw_gap);
    assert_eq!(ready_count(&w, "default"), 2);
    // Restart stamps the template and rolls a new ReplicaSet.
    deployment::rollout_restart(&mut w, KIND, "default", "api").unwrap();
    assert!(get_deploy(&w, "api")
        .path(&[
            "spec",
            "template",
            "metadata",
            "annotations",
            "kubectl.kubernetes.io/restartedAt"
        ])
        .is_some());
    f.run(&mut w, 10_000);
    assert_eq!(list(&w, "rs", "default").len(), 3);
    // A rollout that cannot finish (nodes never make pods ready) times out.
    f.ready_after_ms = u64::MAX;
    set_image(&mut w, "api", "nginx:broken");
    f.run(&mut w, 5_000);
    let c = meta::condition(&get_deploy(&w, "api"), "Progressing")
        .cloned()
        .unwrap();
    assert_eq!(
        meta::str_at(&c, &["status"]),
        Some("True"),
        "{c:?} at {}",
        w.now().rfc3339()
    );
    f.run(&mut w, 30_000);
    let d = get_deploy(&w, "api");
    let c = meta::condition(&d, "Progressing").unwrap();
    assert_eq!(
        meta::str_at(c, &["status"]),
        Some("False"),
        "{c:?} at {}",
        w.now().rfc3339()
    );
    assert_eq!(
        meta::str_at(c, &["reason"]),
        Some("ProgressDeadlineExceeded")
    );
    assert!(meta::str_at(c, &["message"])
        .unwrap()
        .ends_with("has timed out progressing."));
}

#[test]
fn node_lease_stops_then_not_ready_after_40s_and_eviction_after_300s() {
    // The scheduler and kubelets are played by the test double (the real ones are not in yet).
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    create(&mut w, KIND, "deploy", deploy_manifest("web", 4, "nginx"));
    f.run(&mut w, 5_000);
    let on_worker: Vec<String> = live_pods(&w, "default")
        .iter()
        .filter(|p| meta::node_name(p) == Some("kind-worker"))
        .map(name)
        .collect();
    assert_eq!(on_worker.len(), 2);
    f.dead.insert("kind-worker".into());
    f.run(&mut w, 38_000);
    let node = testkit::get(&w, KIND, "/registry/minions/kind-worker").unwrap();
    assert_eq!(
        meta::condition_status(&node, "Ready"),
        Some("True"),
        "not yet: grace is 40s"
    );
    f.run(&mut w, 5_000);
    let node = testkit::get(&w, KIND, "/registry/minions/kind-worker").unwrap();
    let ready = meta::condition(&node, "Ready").unwrap();
    assert_eq!(meta::str_at(ready, &["status"]), Some("Unknown"));
    assert_eq!(meta::str_at(ready, &["reason"]), Some("NodeStatusUnknown"));
    assert_eq!(
        meta::str_at(ready, &["message"]),
        Some("Kubelet stopped posting node status.")
    );
    let taints: Vec<(String, String)> = node
        .path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(|t| {
            (
                meta::str_at(t, &["key"]).unwrap().into(),
                meta::str_at(t, &["effect"]).unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        taints,
        [
            ("node.kubernetes.io/unreachable".into(), "NoExecute".into()),
            ("node.kubernetes.io/unreachable".into(), "NoSchedule".into())
        ],
        "in the order kubectl describe node shows them"
    );
    assert!(testkit::events(&w, KIND, "default").contains(&(
        "NodeNotReady".into(),
        "Node kind-worker status is now: NodeNotReady".into()
    )));
    // Pods stay (tolerated for 300s), marked not ready.
    assert_eq!(live_pods(&w, "default").len(), 4);
    f.run(&mut w, 290_000);
    assert_eq!(live_pods(&w, "default").len(), 4);
    f.run(&mut w, 15_000);
    let all = testkit::pods(&w, KIND, "default");
    for p in &on_worker {
        let pod = all
            .iter()
            .find(|x| &name(x) == p)
            .expect("stays Terminating on a dead node");
        assert!(meta::is_terminating(pod));
        let cond = meta::condition(pod, "DisruptionTarget").expect("DisruptionTarget");
        assert_eq!(
            (
                meta::str_at(cond, &["status"]),
                meta::str_at(cond, &["reason"]),
                meta::str_at(cond, &["message"])
            ),
            (
                Some("True"),
                Some("DeletionByTaintManager"),
                Some("Taint manager: deleting due to NoExecute taint")
            )
        );
    }
    let live = live_pods(&w, "default");
    assert_eq!(live.len(), 4);
    assert!(live
        .iter()
        .all(|p| meta::node_name(p) == Some("kind-worker2")));
    assert!(testkit::events(&w, KIND, "default")
        .iter()
        .any(|(r, m)| r == "TaintManagerEviction"
            && m.starts_with("Marking for deletion Pod default/web-")));
    // The node comes back: conditions and taints clear.
    f.dead.clear();
    f.run(&mut w, 3_000);
    let node = testkit::get(&w, KIND, "/registry/minions/kind-worker").unwrap();
    assert_eq!(meta::condition_status(&node, "Ready"), Some("True"));
    assert!(node.path(&["spec", "taints"]).is_none());
}

#[test]
fn namespace_deletion_cascades() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    let mut ns = Value::map();
    ns.path_mut_or_insert(&["metadata"]).set("name", "demo");
    create(&mut w, KIND, "ns", ns);
    let mut d = deploy_manifest("web", 2, "nginx");
    d.path_mut_or_insert(&["metadata"]).set("namespace", "demo");
    create(&mut w, KIND, "deploy", d);
    f.run(&mut w, 4_000);
    assert_eq!(live_pods(&w, "demo").len(), 2);
    assert!(testkit::get(&w, KIND, "/registry/serviceaccounts/demo/default").is_some());
    assert!(testkit::get(&w, KIND, "/registry/configmaps/demo/kube-root-ca.crt").is_some());
    let mut a = w.api(KIND, "kubectl").unwrap();
    let gone = a.delete(r("ns"), None, "demo").unwrap();
    assert_eq!(
        meta::str_at(&gone, &["status", "phase"]),
        Some("Terminating")
    );
    let mut pod = Value::map();
    pod.path_mut_or_insert(&["metadata"]).set("name", "x");
    pod.path_mut_or_insert(&["metadata"])
        .set("namespace", "demo");
    let err = a.create(r("pods"), pod).unwrap_err();
    assert_eq!(
        err.kubectl_message(),
        "Error from server (Forbidden): pods \"x\" is forbidden: unable to create new content in namespace demo because it is being terminated"
    );
    assert_eq!(
        a.delete(r("ns"), None, "default").unwrap_err().kubectl_message(),
        "Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
    f.run(&mut w, 10_000);
    assert!(testkit::get(&w, KIND, "/registry/namespaces/demo").is_none());
    assert!(w.clusters[KIND]
        .store
        .range("/registry/pods/demo/")
        .next()
        .is_none());
    assert!(w.clusters[KIND]
        .store
        .range("/registry/deployments/demo/")
        .next()
        .is_none());
}

#[test]
fn garbage_collection_orphan_background_and_foreground() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    for n in ["keep", "drop", "fg"] {
        create(&mut w, KIND, "deploy", deploy_manifest(n, 1, "nginx"));
    }
    f.run(&mut w, 4_000);
    let opts = |p| DeleteOptions {
        propagation: p,
        grace_period_s: None,
    };
    w.api(KIND, "kubectl")
        .unwrap()
        .delete_with(
            r("deploy"),
            Some("default"),
            "keep",
            &opts(Propagation::Orphan),
        )
        .unwrap();
    w.api(KIND, "kubectl")
        .unwrap()
        .delete_with(
            r("deploy"),
            Some("default"),
            "drop",
            &opts(Propagation::Background),
        )
        .unwrap();
    let fg = w
        .api(KIND, "kubectl")
        .unwrap()
        .delete_with(
            r("deploy"),
            Some("default"),
            "fg",
            &opts(Propagation::Foreground),
        )
        .unwrap();
    assert_eq!(meta::finalizers(&fg), ["foregroundDeletion"]);
    assert!(meta::is_terminating(&fg));
    w.step(1);
    // Foreground: the Deployment is still there while its pods terminate.
    assert!(testkit::get(&w, KIND, "/registry/deployments/default/fg").is_some());
    f.run(&mut w, 5_000);
    assert!(testkit::get(&w, KIND, "/registry/deployments/default/fg").is_none());
    let rs: Vec<Value> = list(&w, "rs", "default");
    assert_eq!(rs.len(), 1, "only the orphaned ReplicaSet survives");
    assert!(name(&rs[0]).starts_with("keep-"));
    assert!(rs[0].path(&["metadata", "ownerReferences"]).is_none());
    let pods: Vec<String> = live_pods(&w, "default").iter().map(name).collect();
    assert_eq!(pods.len(), 1);
    assert!(pods[0].starts_with("keep-"));
}

#[test]
fn graceful_pod_deletion_and_force() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    create(&mut w, KIND, "deploy", deploy_manifest("web", 1, "nginx"));
    f.run(&mut w, 3_000);
    let p = name(&live_pods(&w, "default")[0]);
    f.dead.insert("kind-worker".into());
    f.dead.insert("kind-worker2".into());
    let gone = w
        .api(KIND, "kubectl")
        .unwrap()
        .delete(r("pods"), Some("default"), &p)
        .unwrap();
    assert_eq!(
        meta::int_at(&gone, &["metadata", "deletionGracePeriodSeconds"]),
        Some(30)
    );
    f.run(&mut w, 60_000);
    // No kubelet confirms: the pod stays Terminating.
    assert!(testkit::get(&w, KIND, &format!("/registry/pods/default/{p}")).is_some());
    let force = DeleteOptions {
        grace_period_s: Some(0),
        ..Default::default()
    };
    w.api(KIND, "kubectl")
        .unwrap()
        .delete_with(r("pods"), Some("default"), &p, &force)
        .unwrap();
    assert!(testkit::get(&w, KIND, &format!("/registry/pods/default/{p}")).is_none());
}

#[test]
fn validation_errors_read_like_the_api_server() {
    let mut w = World::new(1, Preset::Kind);
    let mut a = w.api(KIND, "kubectl").unwrap();
    let mut d = deploy_manifest("web", 1, "nginx");
    d.path_mut_or_insert(&["spec", "template", "metadata", "labels"])
        .set("app", "other");
    assert_eq!(
        a.create(r("deploy"), d).unwrap_err().kubectl_message(),
        r#"The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`"#
    );
    let created = a
        .create(r("deploy"), deploy_manifest("web", 1, "nginx"))
        .unwrap();
    assert_eq!(meta::int_at(&created, &["metadata", "generation"]), Some(1));
    let mut changed = created.clone();
    changed
        .path_mut_or_insert(&["spec", "selector", "matchLabels"])
        .set("app", "x");
    changed
        .path_mut_or_insert(&["spec", "template", "metadata", "labels"])
        .set("app", "x");
    assert_eq!(
        a.update(r("deploy"), changed)
            .unwrap_err()
            .kubectl_message(),
        r#"The Deployment "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: field is immutable"#
    );
    let mut scaled = created.clone();
    scaled.path_mut_or_insert(&["spec"]).set("replicas", 3i64);
    let scaled = a.update(r("deploy"), scaled).unwrap();
    assert_eq!(meta::int_at(&scaled, &["metadata", "generation"]), Some(2));
    let mut pod = Value::map();
    pod.path_mut_or_insert(&["metadata"]).set("name", "p");
    assert_eq!(
        a.create(r("pods"), pod).unwrap_err().kubectl_message(),
        "The Pod \"p\" is invalid: spec.containers: Required value"
    );
}

#[test]
fn services_get_cluster_ips_node_ports_and_endpoints() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    let k = testkit::get(&w, KIND, "/registry/services/specs/default/kubernetes")
        .expect("kubernetes service");
    assert_eq!(meta::str_at(&k, &["spec", "clusterIP"]), Some("10.96.0.1"));
    let ep = testkit::get(&w, KIND, "/registry/services/endpoints/default/kubernetes").unwrap();
    assert_eq!(
        ep.path(&["subsets"]).and_then(Value::as_seq).unwrap()[0]
            .path(&["addresses"])
            .and_then(Value::as_seq)
            .unwrap()[0]
            .get("ip"),
        Some(&Value::from("172.18.0.2"))
    );
    create(&mut w, KIND, "deploy", deploy_manifest("web", 3, "nginx"));
    let mut svc = Value::map();
    svc.path_mut_or_insert(&["metadata"]).set("name", "web");
    let spec = svc.path_mut_or_insert(&["spec"]);
    spec.set("type", "NodePort");
    spec.path_mut_or_insert(&["selector"]).set("app", "web");
    let mut port = Value::map();
    port.set("port", 80i64);
    spec.set("ports", Value::Seq(vec![port].into()));
    let svc = create(&mut w, KIND, "svc", svc);
    let ip = meta::str_at(&svc, &["spec", "clusterIP"]).unwrap();
    assert!(ip.starts_with("10.9") && ip != "10.96.0.1");
    let np = svc
        .path(&["spec", "ports"])
        .and_then(Value::as_seq)
        .unwrap()[0]
        .get("nodePort")
        .and_then(Value::as_i64)
        .unwrap();
    assert!((30000..=32767).contains(&np));
    f.run(&mut w, 5_000);
    let ep = testkit::get(&w, KIND, "/registry/services/endpoints/default/web").unwrap();
    let subset = &ep.path(&["subsets"]).and_then(Value::as_seq).unwrap()[0];
    assert_eq!(
        subset
            .get("addresses")
            .and_then(Value::as_seq)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        subset.path(&["ports"]).and_then(Value::as_seq).unwrap()[0].get("port"),
        Some(&Value::Int(80))
    );
    let slices = list(&w, "endpointslices", "default");
    let slice = slices
        .iter()
        .find(|s| meta::label(s, "kubernetes.io/service-name") == Some("web"))
        .unwrap();
    assert!(name(slice).starts_with("web-"));
    assert_eq!(
        slice
            .get("endpoints")
            .and_then(Value::as_seq)
            .unwrap()
            .len(),
        3
    );
    // Deleting a pod takes it out of the endpoints at once.
    let victim = name(&live_pods(&w, "default")[0]);
    w.api(KIND, "kubectl")
        .unwrap()
        .delete(r("pods"), Some("default"), &victim)
        .unwrap();
    w.step(1);
    let ep = testkit::get(&w, KIND, "/registry/services/endpoints/default/web").unwrap();
    let addrs = ep.path(&["subsets"]).and_then(Value::as_seq).unwrap()[0]
        .get("addresses")
        .and_then(Value::as_seq)
        .unwrap()
        .clone();
    assert_eq!(addrs.len(), 2);
    // Asking for a taken node port is refused.
    let mut dup = Value::map();
    dup.path_mut_or_insert(&["metadata"]).set("name", "dup");
    dup.path_mut_or_insert(&["spec"]).set("type", "NodePort");
    let mut port = Value::map();
    port.set("port", 80i64);
    port.set("nodePort", np);
    dup.path_mut_or_insert(&["spec"])
        .set("ports", Value::Seq(vec![port].into()));
    let err = w
        .api(KIND, "kubectl")
        .unwrap()
        .create(r("svc"), dup)
        .unwrap_err();
    assert_eq!(
        err.kubectl_message(),
        format!("The Service \"dup\" is invalid: spec.ports[0].nodePort: Invalid value: {np}: provided port is already allocated")
    );
}

#[test]
fn daemonset_runs_one_pod_per_eligible_node_and_follows_new_nodes() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    let mut ds = deploy_manifest("agent", 0, "busybox");
    meta::remove(ds.path_mut_or_insert(&["spec"]), "replicas");
    create(&mut w, KIND, "ds", ds);
    f.run(&mut w, 3_000);
    let mut nodes: Vec<String> = live_pods(&w, "default")
        .iter()
        .filter_map(|p| meta::node_name(p).map(str::to_string))
        .collect();
    nodes.sort();
    assert_eq!(
        nodes,
        ["kind-worker", "kind-worker2"],
        "the tainted control plane is skipped"
    );
    let mut node = testkit::get(&w, KIND, "/registry/minions/kind-worker2").unwrap();
    for f in ["uid", "resourceVersion", "creationTimestamp"] {
        meta::remove(node.path_mut_or_insert(&["metadata"]), f);
    }
    node.path_mut_or_insert(&["metadata"])
        .set("name", "kind-worker3");
    w.clusters
        .get_mut(KIND)
        .unwrap()
        .stop("kubelet/kind-worker3");
    create(&mut w, KIND, "nodes", node);
    f.run(&mut w, 3_000);
    assert_eq!(live_pods(&w, "default").len(), 3);
    let ds = testkit::get(&w, KIND, "/registry/daemonsets/default/agent").unwrap();
    assert_eq!(
        meta::int_at(&ds, &["status", "desiredNumberScheduled"]),
        Some(3)
    );
    assert_eq!(meta::int_at(&ds, &["status", "numberReady"]), Some(3));
}

#[test]
fn statefulset_is_ordered_and_claims_volumes() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    f.ready_after_ms = 2_000;
    let mut sts = deploy_manifest("db", 3, "postgres:17");
    sts.path_mut_or_insert(&["spec"]).set("serviceName", "db");
    let mut claim = Value::map();
    claim.path_mut_or_insert(&["metadata"]).set("name", "data");
    claim.path_mut_or_insert(&["spec"]).set(
        "accessModes",
        Value::Seq(vec!["ReadWriteOnce".into()].into()),
    );
    claim
        .path_mut_or_insert(&["spec", "resources", "requests"])
        .set("storage", "1Gi");
    sts.path_mut_or_insert(&["spec"])
        .set("volumeClaimTemplates", Value::Seq(vec![claim].into()));
    create(&mut w, KIND, "sts", sts);
    f.run(&mut w, 1_000);
    let names: Vec<String> = live_pods(&w, "default").iter().map(name).collect();
    assert_eq!(names, ["db-0"], "one at a time");
    f.run(&mut w, 30_000);
    let names: Vec<String> = live_pods(&w, "default").iter().map(name).collect();
    assert_eq!(names, ["db-0", "db-1", "db-2"]);
    let pvc = testkit::get(
        &w,
        KIND,
        "/registry/persistentvolumeclaims/default/data-db-0",
    )
    .unwrap();
    assert_eq!(
        meta::str_at(&pvc, &["spec", "storageClassName"]),
        Some("standard")
    );
    assert_eq!(meta::str_at(&pvc, &["status", "phase"]), Some("Bound"));
    let pv_name = meta::str_at(&pvc, &["spec", "volumeName"]).unwrap();
    assert!(pv_name.starts_with("pvc-"));
    let evs = testkit::events(&w, KIND, "default");
    assert!(evs.contains(&(
        "SuccessfulCreate".into(),
        "create Pod db-0 in StatefulSet db successful".into()
    )));
    assert!(evs.contains(&(
        "SuccessfulCreate".into(),
        "create Claim data-db-0 Pod db-0 in StatefulSet db success".into()
    )));
    assert!(evs.iter().any(|(r, _)| r == "ProvisioningSucceeded"));
    deployment::scale_workload(&mut w, KIND, "StatefulSet", "default", "db", 1).unwrap();
    f.run(&mut w, 1_000);
    let names: Vec<String> = live_pods(&w, "default").iter().map(name).collect();
    assert_eq!(names, ["db-0", "db-1"], "highest ordinal first");
    f.run(&mut w, 10_000);
    assert_eq!(live_pods(&w, "default").len(), 1);
    assert!(
        testkit::get(
            &w,
            KIND,
            "/registry/persistentvolumeclaims/default/data-db-2"
        )
        .is_some(),
        "claims are retained"
    );
}

#[test]
fn wait_for_first_consumer_claim_stays_pending_until_a_pod_is_scheduled() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    let mut pvc = Value::map();
    pvc.path_mut_or_insert(&["metadata"]).set("name", "data");
    pvc.path_mut_or_insert(&["spec"]).set(
        "accessModes",
        Value::Seq(vec!["ReadWriteOnce".into()].into()),
    );
    pvc.path_mut_or_insert(&["spec", "resources", "requests"])
        .set("storage", "1Gi");
    create(&mut w, KIND, "pvc", pvc);
    f.run(&mut w, 10_000);
    let pvc = testkit::get(&w, KIND, "/registry/persistentvolumeclaims/default/data").unwrap();
    assert_eq!(meta::str_at(&pvc, &["status", "phase"]), Some("Pending"));
    assert!(testkit::events(&w, KIND, "default").contains(&(
        "WaitForFirstConsumer".into(),
        "waiting for first consumer to be created before binding".into()
    )));
    let mut pod = Value::map();
    pod.path_mut_or_insert(&["metadata"]).set("name", "user");
    let mut c = Value::map();
    c.set("name", "app");
    c.set("image", "busybox");
    pod.path_mut_or_insert(&["spec"])
        .set("containers", Value::Seq(vec![c].into()));
    let mut v = Value::map();
    v.set("name", "data");
    v.path_mut_or_insert(&["persistentVolumeClaim"])
        .set("claimName", "data");
    pod.path_mut_or_insert(&["spec"])
        .set("volumes", Value::Seq(vec![v].into()));
    create(&mut w, KIND, "pods", pod);
    f.run(&mut w, 5_000);
    let pvc = testkit::get(&w, KIND, "/registry/persistentvolumeclaims/default/data").unwrap();
    assert_eq!(meta::str_at(&pvc, &["status", "phase"]), Some("Bound"));
    assert!(crate::sim::storage::pod_claims_bound(
        &w.clusters[KIND].store,
        &testkit::get(&w, KIND, "/registry/pods/default/user").unwrap()
    ));
}

#[test]
fn jobs_complete_or_fail_after_the_backoff_limit() {
    let mut w = testkit::world();
    let mut f = Fake::new(KIND);
    f.succeed_prefix = Some("pi-".into());
    f.fail_prefix = Some("bad-".into());
    for (n, completions) in [("pi", 2i64), ("bad", 1)] {
        let mut j = Value::map();
        j.path_mut_or_insert(&["metadata"]).set("name", n);
        let spec = j.path_mut_or_insert(&["spec"]);
        spec.set("completions", completions);
        spec.set("backoffLimit", 1i64);
        let mut c = Value::map();
        c.set("name", n);
        c.set("image", "perl");
        spec.path_mut_or_insert(&["template", "spec"])
            .set("containers", Value::Seq(vec![c].into()));
        spec.path_mut_or_insert(&["template", "spec"])
            .set("restartPolicy", "Never");
        let created = create(&mut w, KIND, "jobs", j);
        assert!(meta::str_at(
            &created,
            &[
                "spec",
                "selector",
                "matchLabels",
                "batch.kubernetes.io/controller-uid"
            ]
        )
        .is_some());
    }
    f.run(&mut w, 60_000);
    let pi = testkit::get(&w, KIND, "/registry/jobs/default/pi").unwrap();
    assert_eq!(meta::condition_status(&pi, "Complete"), Some("True"));
    assert_eq!(meta::int_at(&pi, &["status", "succeeded"]), Some(2));
    let bad = testkit::get(&w, KIND, "/registry/jobs/default/bad").unwrap();
    let failed = meta::condition(&bad, "Failed").unwrap();
    assert_eq!(
        meta::str_at(failed, &["reason"]),
        Some("BackoffLimitExceeded")
    );
    assert_eq!(meta::int_at(&bad, &["status", "failed"]), Some(2));
    let evs = testkit::events(&w, KIND, "default");
    assert!(evs.contains(&("Completed".into(), "Job completed".into())));
    assert!(evs.contains(&(
        "BackoffLimitExceeded".into(),
        "Job has reached the specified backoff limit".into()
    )));
    let job_pods = testkit::pods(&w, KIND, "default");
    assert!(job_pods.iter().all(|p| meta::label(p, "job-name").is_some()
        && meta::label(p, "batch.kubernetes.io/job-name").is_some()));
}

#[test]
fn load_balancers_only_on_the_managed_preset() {
    let lb = || {
        let mut svc = Value::map();
        svc.path_mut_or_insert(&["metadata"]).set("name", "web");
        svc.path_mut_or_insert(&["spec"])
            .set("type", "LoadBalancer");
        svc.path_mut_or_insert(&["spec", "selector"])
            .set("app", "web");
        let mut port = Value::map();
        port.set("port", 80i64);
        svc.path_mut_or_insert(&["spec"])
            .set("ports", Value::Seq(vec![port].into()));
        svc
    };
    let managed = Preset::Managed.cluster_name();
    let mut w = World::new(3, Preset::Managed);
    create(&mut w, managed, "svc", lb());
    w.step(2_000);
    let key = "/registry/services/specs/default/web";
    let ingress = |w: &World, c: &str| {
        testkit::get(w, c, key)
            .unwrap()
            .path(&["status", "loadBalancer", "ingress"])
            .cloned()
    };
    assert!(ingress(&w, managed).is_none(), "<pending> first");
    for _ in 0..6 {
        w.step(1_000);
    }
    let ing = ingress(&w, managed).expect("an external IP");
    assert!(meta::str_at(&ing.as_seq().unwrap()[0], &["ip"])
        .unwrap()
        .starts_with("34."));
    let node = w.clusters[managed]
        .store
        .range("/registry/minions/")
        .next()
        .unwrap()
        .value
        .clone();
    assert!(meta::str_at(&node, &["spec", "providerID"])
        .unwrap()
        .starts_with("gce://"));
    let mut k = World::new(3, Preset::Kind);
    create(&mut k, KIND, "svc", lb());
    for _ in 0..30 {
        k.step(1_000);
    }
    assert!(
        ingress(&k, KIND).is_none(),
        "kind has no cloud: pending forever"
    );
}

#[test]
fn with_the_real_scheduler_daemon_pods_land_on_their_node_and_replacements_avoid_a_dead_one() {
    let mut w = testkit::world();
    w.clusters.get_mut(KIND).unwrap().start("kube-scheduler");
    let mut f = Fake::new(KIND);
    f.schedule = false;
    let mut ds = deploy_manifest("agent", 0, "busybox");
    meta::remove(ds.path_mut_or_insert(&["spec"]), "replicas");
    create(&mut w, KIND, "ds", ds);
    create(&mut w, KIND, "deploy", deploy_manifest("web", 4, "nginx"));
    f.run(&mut w, 5_000);
    let pods = live_pods(&w, "default");
    let agents: Vec<&Value> = pods
        .iter()
        .filter(|p| name(p).starts_with("agent-"))
        .collect();
    assert_eq!(agents.len(), 2);
    for a in &agents {
        let pinned = a
            .path(&[
                "spec",
                "affinity",
                "nodeAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ])
            .and_then(Value::as_seq)
            .and_then(|t| {
                t[0].path(&["matchFields"])?.as_seq()?[0]
                    .path(&["values"])?
                    .as_seq()?[0]
                    .as_str()
                    .map(str::to_string)
            });
        assert_eq!(
            meta::node_name(a).map(str::to_string),
            pinned,
            "bound where pinned"
        );
    }
    assert_eq!(ready_count(&w, "default"), 6);
    // kind-worker dies: after 40 s + 300 s its web pods are evicted and rescheduled on
    // kind-worker2 by the scheduler (the unreachable taint keeps them off the dead node);
    // the daemon pod tolerates the taint and stays.
    f.dead.insert("kind-worker".into());
    f.run(&mut w, 350_000);
    let live = live_pods(&w, "default");
    let web: Vec<&Value> = live
        .iter()
        .filter(|p| name(p).starts_with("web-"))
        .collect();
    assert_eq!(web.len(), 4);
    assert!(web
        .iter()
        .all(|p| meta::node_name(p) == Some("kind-worker2")));
    assert!(live
        .iter()
        .any(|p| name(p).starts_with("agent-") && meta::node_name(p) == Some("kind-worker")));
}

#[test]
fn an_absurd_replica_count_neither_hangs_nor_panics() {
    let mut w = testkit::world();
    create(
        &mut w,
        KIND,
        "deploy",
        deploy_manifest("huge", 1_000_000_000, "nginx"),
    );
    w.step(100);
    let n = testkit::pods(&w, KIND, "default").len();
    assert!(
        n > 0 && n <= super::replicaset::BURST_REPLICAS * super::PASSES_PER_STEP,
        "{n}"
    );
    let d = get_deploy(&w, "huge");
    let reported = meta::int_at(&d, &["status", "replicas"]).unwrap_or(0) as usize;
    assert!(reported > 0 && reported <= n, "{reported} <= {n}");
}

/// Time for a 10,000-replica Deployment on 1,000 nodes: pods created (controllers only),
/// bound (scheduler), then Running (kubelets). Thread CPU time is printed beside wall time,
/// as the machine may be shared. Run with
/// `cargo test --release --no-default-features --lib perf_ -- --ignored --nocapture`.
#[test]
#[ignore]
fn perf_10k_pods_created_and_bound_on_1000_nodes() {
    const N_PODS: usize = 10_000;
    let cpu = || -> std::time::Duration {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let ns = s
            .split_whitespace()
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        std::time::Duration::from_nanos(ns)
    };
    let count = |w: &World, f: &dyn Fn(&Value) -> bool| {
        w.clusters[KIND]
            .store
            .range("/registry/pods/default/")
            .filter(|kv| f(&kv.value))
            .count()
    };
    let mut w = World::new(1, Preset::Kind);
    assert_eq!(crate::bench::add_nodes(&mut w, KIND, 1_000), 1_000);
    w.clusters.get_mut(KIND).unwrap().stop("kube-scheduler");
    let phase = |w: &mut World, what: &str, f: &dyn Fn(&Value) -> bool| {
        let (t0, c0) = (std::time::Instant::now(), cpu());
        let mut steps = 0;
        while count(w, f) < N_PODS && steps < 900 {
            w.step(100);
            steps += 1;
        }
        eprintln!(
            "{} pods {what} after {steps} steps: wall {:?}, cpu {:?}",
            count(w, f),
            t0.elapsed(),
            cpu() - c0
        );
    };
    create(
        &mut w,
        KIND,
        "deploy",
        crate::bench::deployment("default", "big", N_PODS as u32),
    );
    let nodes: Vec<String> = w.clusters[KIND]
        .store
        .range("/registry/minions/")
        .map(|kv| name(&kv.value))
        .collect();
    for n in &nodes {
        w.clusters
            .get_mut(KIND)
            .unwrap()
            .stop(&format!("kubelet/{n}"));
    }
    phase(&mut w, "created (controllers alone)", &|_| true);
    for n in &nodes {
        w.clusters
            .get_mut(KIND)
            .unwrap()
            .start(&format!("kubelet/{n}"));
    }
    w.clusters.get_mut(KIND).unwrap().start("kube-scheduler");
    phase(&mut w, "bound", &|p| meta::node_name(p).is_some());
    phase(&mut w, "Running", &|p| meta::pod_phase(p) == "Running");
    assert_eq!(count(&w, &|p| meta::pod_phase(p) == "Running"), N_PODS);
}

/// The whole chain with the real kubelets and scheduler: a powered-off node goes NotReady
/// after the 40 s grace period, its pods are evicted after their 300 s toleration and run
/// again on the other worker; powering it back on clears the taints.
#[test]
fn real_components_node_power_off_evicts_and_reschedules() {
    let mut w = World::new(11, Preset::Kind);
    create(
        &mut w,
        KIND,
        "deploy",
        deploy_manifest("web", 4, "nginx:1.27"),
    );
    let running = |w: &World| {
        live_pods(w, "default")
            .iter()
            .filter(|p| meta::pod_phase(p) == "Running" && meta::pod_is_ready(p))
            .count()
    };
    assert!(
        w.run_until(|w| running(w) == 4, 120_000).is_ok(),
        "pods never ran"
    );
    let on_worker = live_pods(&w, "default")
        .iter()
        .filter(|p| meta::node_name(p) == Some("kind-worker"))
        .count();
    assert!(on_worker > 0);
    crate::sim::faults::apply(
        &mut w,
        KIND,
        &crate::sim::faults::Fault::PowerOff("kind-worker".into()),
    )
    .unwrap();
    let _ = w.run_until(|_| false, 55_000);
    let node = testkit::get(&w, KIND, "/registry/minions/kind-worker").unwrap();
    assert_eq!(meta::condition_status(&node, "Ready"), Some("Unknown"));
    assert_eq!(live_pods(&w, "default").len(), 4, "tolerated for 300 s");
    let _ = w.run_until(|_| false, 320_000);
    let live = live_pods(&w, "default");
    assert_eq!(live.len(), 4);
    assert!(live
        .iter()
        .all(|p| meta::node_name(p) == Some("kind-worker2")));
    assert_eq!(running(&w), 4);
    let terminating = testkit::pods(&w, KIND, "default")
        .iter()
        .filter(|p| meta::is_terminating(p))
        .count();
    assert_eq!(terminating, on_worker, "stuck Terminating on the dead node");
    crate::sim::faults::apply(
        &mut w,
        KIND,
        &crate::sim::faults::Fault::PowerOn("kind-worker".into()),
    )
    .unwrap();
    let _ = w.run_until(|_| false, 60_000);
    let node = testkit::get(&w, KIND, "/registry/minions/kind-worker").unwrap();
    assert_eq!(meta::condition_status(&node, "Ready"), Some("True"));
    assert!(node
        .path(&["spec", "taints"])
        .and_then(Value::as_seq)
        .is_none_or(|t| t.is_empty()));
    assert!(
        testkit::pods(&w, KIND, "default")
            .iter()
            .all(|p| !meta::is_terminating(p)),
        "the kubelet finished the deletions"
    );
}

mod counts_tests {
    //! The per-owner counts and Service members the informer keeps incrementally
    //! ([`super::super::counts`]) must equal a full recount of the store at every step.
    use super::*;
    use crate::sim::controllers::{self as ctl, Ctx, State};

    /// Catches a copy of the controller-manager's informer up to the store, then checks its
    /// counts against an index rebuilt from scratch and against the pod predicates the
    /// controllers used before (`pod_is_active`, `pod_is_ready`, `pod_is_available`).
    /// Also checks the pod filings (by owner, node, namespace; DaemonSet views) against the
    /// fresh index. Returns how many owners were checked.
    pub(super) fn check(w: &mut World) -> usize {
        let mut st = w.clusters[KIND].controllers.clone();
        let mut ctx = Ctx {
            world: w,
            cluster: KIND.to_string(),
        };
        ctl::catch_up(&mut ctx, &mut st);
        let mut fresh = State::default();
        ctl::relist(&mut ctx, &mut fresh);
        assert_eq!(st.index.counts, fresh.index.counts, "counts drifted");
        assert_eq!(st.index.pods_by_owner, fresh.index.pods_by_owner);
        assert_eq!(st.index.pods_by_node, fresh.index.pods_by_node);
        assert_eq!(st.index.pods_by_ns, fresh.index.pods_by_ns);
        assert_eq!(st.index.orphan_pods_by_ns, fresh.index.orphan_pods_by_ns);
        let views = |s: &State| -> Vec<(String, ctl::daemon_view::Filing)> {
            s.index
                .daemon_views
                .iter()
                .filter(|(_, v)| v.pod_count() > 0)
                .map(|(uid, v)| (uid.clone(), v.filing()))
                .collect()
        };
        assert_eq!(views(&st), views(&fresh), "daemon views drifted");
        assert_eq!(
            st.index.svc_members, fresh.index.svc_members,
            "members drifted"
        );
        let now = ctx.now();
        let owners: Vec<String> = st.index.pods_by_owner.keys().cloned().collect();
        for uid in &owners {
            let pods = ctl::owned_pods(&ctx, &st, uid);
            let c = st.index.counts.get(uid).cloned().unwrap_or_default();
            let active: Vec<_> = pods.iter().filter(|p| meta::pod_is_active(p)).collect();
            assert_eq!(c.pods as usize, pods.len(), "{uid}");
            assert_eq!(c.active as usize, active.len(), "{uid}");
            let ready = active.iter().filter(|p| meta::pod_is_ready(p)).count();
            assert_eq!(c.ready as usize, ready, "{uid}");
            for min_ready in [0, 1, 3, 30] {
                let avail = active
                    .iter()
                    .filter(|p| meta::pod_is_available(p, min_ready, now))
                    .count();
                assert_eq!(
                    c.available(min_ready, now) as usize,
                    avail,
                    "{uid} {min_ready}"
                );
            }
            let mut tl = crate::sim::value::Map::new();
            tl.insert("app".into(), "web".into());
            let fully = active
                .iter()
                .filter(|p| meta::label(p, "app") == Some("web"))
                .count();
            assert_eq!(c.fully_labeled(&tl) as usize, fully, "{uid}");
        }
        for (ns, svcs) in &st.index.svc_selectors {
            for (svc, sel) in svcs {
                let want: std::collections::BTreeSet<String> = st
                    .index
                    .pods_by_ns
                    .get(ns)
                    .into_iter()
                    .flatten()
                    .filter(|k| {
                        ctx.get(r("pods"), k).is_some_and(|p| {
                            let none = crate::sim::value::Map::new();
                            let l = p.path(&["metadata", "labels"]).and_then(Value::as_map);
                            meta::map_selector_matches(sel, l.unwrap_or(&none))
                        })
                    })
                    .cloned()
                    .collect();
                assert_eq!(st.index.svc_members.get(svc), Some(&want), "{svc}");
            }
        }
        owners.len()
    }

    /// Runs `ms` in 1 s steps, checking after each.
    fn run_checked(w: &mut World, f: &mut Fake, ms: u64) {
        for _ in 0..ms / 1000 {
            f.run(w, 1000);
            check(w);
        }
    }

    fn rs_status(w: &World, field: &str) -> Vec<i64> {
        list(w, "rs", "default")
            .iter()
            .map(|r| meta::int_at(r, &["status", field]).unwrap_or(0))
            .collect()
    }

    #[test]
    fn counts_equal_a_recount_through_scaling_deletion_relabel_adoption_node_failure_and_rollout() {
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        f.ready_after_ms = 1_000;
        let mut d = deploy_manifest("web", 4, "nginx:1.27");
        d.path_mut_or_insert(&["spec"]).set("minReadySeconds", 2i64);
        create(&mut w, KIND, "deploy", d);
        let mut svc = Value::map();
        svc.path_mut_or_insert(&["metadata"]).set("name", "web");
        svc.path_mut_or_insert(&["spec", "selector"])
            .set("app", "web");
        let mut port = Value::map();
        port.set("port", 80i64);
        svc.path_mut_or_insert(&["spec"])
            .set("ports", Value::Seq(vec![port].into()));
        create(&mut w, KIND, "svc", svc);
        run_checked(&mut w, &mut f, 8_000);
        assert!(check(&mut w) >= 1);
        assert_eq!(rs_status(&w, "availableReplicas"), vec![4]);
        // Scale up, then down (victims are chosen from the pods read then).
        deployment::scale_workload(&mut w, KIND, "Deployment", "default", "web", 7).unwrap();
        run_checked(&mut w, &mut f, 6_000);
        assert_eq!(rs_status(&w, "readyReplicas"), vec![7]);
        deployment::scale_workload(&mut w, KIND, "Deployment", "default", "web", 3).unwrap();
        run_checked(&mut w, &mut f, 4_000);
        assert_eq!(live_pods(&w, "default").len(), 3);
        assert_eq!(rs_status(&w, "replicas"), vec![3]);
        // A pod deleted by hand is replaced.
        let victim = name(&live_pods(&w, "default")[0]);
        w.api(KIND, "kubectl")
            .unwrap()
            .delete(r("pods"), Some("default"), &victim)
            .unwrap();
        run_checked(&mut w, &mut f, 4_000);
        assert_eq!(live_pods(&w, "default").len(), 3);
        // Relabelled out of the selector: released (the counts lose it) and replaced.
        let mut p = live_pods(&w, "default")[0].clone();
        p.path_mut_or_insert(&["metadata", "labels"])
            .set("app", "other");
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("pods"), p)
            .unwrap();
        run_checked(&mut w, &mut f, 4_000);
        let web: Vec<Value> = live_pods(&w, "default")
            .into_iter()
            .filter(|p| meta::label(p, "app") == Some("web"))
            .collect();
        assert_eq!(web.len(), 3);
        // Relabelled back: an orphan the ReplicaSet adopts, then deletes as surplus.
        let mut p = live_pods(&w, "default")
            .into_iter()
            .find(|p| meta::label(p, "app") == Some("other"))
            .expect("released pod");
        p.path_mut_or_insert(&["metadata", "labels"])
            .set("app", "web");
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("pods"), p)
            .unwrap();
        run_checked(&mut w, &mut f, 4_000);
        assert_eq!(live_pods(&w, "default").len(), 3);
        // A node fails: its pods are evicted after the grace periods and replaced.
        let node = meta::node_name(&live_pods(&w, "default")[0])
            .unwrap()
            .to_string();
        f.dead.insert(node.clone());
        for _ in 0..36 {
            f.run(&mut w, 10_000);
            check(&mut w);
        }
        assert!(live_pods(&w, "default")
            .iter()
            .all(|p| meta::node_name(p) != Some(node.as_str())));
        assert_eq!(live_pods(&w, "default").len(), 3);
        // A rollout: two ReplicaSets counted side by side, minReadySeconds gating each step.
        set_image(&mut w, "web", "nginx:1.28");
        run_checked(&mut w, &mut f, 30_000);
        let rs = list(&w, "rs", "default");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs_status(&w, "availableReplicas").iter().sum::<i64>(), 3);
        assert!(check(&mut w) >= 1);
    }

    #[test]
    fn counts_follow_writes_made_since_the_last_catch_up() {
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        create(&mut w, KIND, "deploy", deploy_manifest("web", 3, "nginx"));
        f.run(&mut w, 5_000);
        let mut st = w.clusters[KIND].controllers.clone();
        let mut ctx = Ctx {
            world: &mut w,
            cluster: KIND.to_string(),
        };
        ctl::catch_up(&mut ctx, &mut st);
        let uid = meta::controller_ref(&live_pods(ctx.world, "default")[0])
            .expect("owner")
            .uid;
        assert_eq!(ctl::owner_counts(&ctx, &mut st, &uid).active, 3);
        // A controller earlier in the pass deletes one (graceful: Terminating, not active).
        let victim = ctl::owned_pods(&ctx, &st, &uid)[0].clone();
        ctx.delete(r("pods"), &meta::key_of(&victim), &DeleteOptions::default())
            .expect("delete");
        let c = ctl::owner_counts(&ctx, &mut st, &uid);
        assert_eq!((c.pods, c.active, c.ready), (3, 2, 2));
        // Gone for good (grace 0): no longer counted at all.
        let opts = DeleteOptions {
            grace_period_s: Some(0),
            ..DeleteOptions::default()
        };
        ctx.delete(r("pods"), &meta::key_of(&victim), &opts)
            .expect("delete");
        assert_eq!(ctl::owner_counts(&ctx, &mut st, &uid).pods, 2);
        // The next catch_up unfiles it: same counts.
        ctl::catch_up(&mut ctx, &mut st);
        let c = st.index.counts.get(&uid).cloned().expect("counts");
        assert_eq!((c.pods, c.active, c.ready), (2, 2, 2));
    }
}

mod daemon_view_tests {
    //! The DaemonSet controller's incremental per-node view ([`super::super::daemon_view`])
    //! must decide exactly like a walk over every node: the same scenario is run with the
    //! view and with the walk (`State::daemon_full_walk`), and the worlds' hashes compared
    //! after each change (nodes joining, leaving, relabelled, tainted; pods deleted; a
    //! rolling update; `minReadySeconds`), with the real scheduler and kubelets.
    use super::*;

    fn node(w: &World, n: &str) -> Value {
        testkit::get(w, KIND, &format!("/registry/minions/{n}")).expect("node")
    }

    fn update_node(w: &mut World, n: &str, change: impl FnOnce(&mut Value)) {
        let mut v = node(w, n);
        change(&mut v);
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("nodes"), v)
            .expect("update node");
    }

    fn label(v: &mut Value, k: &str, val: Option<&str>) {
        let labels = v.path_mut_or_insert(&["metadata", "labels"]);
        match val {
            Some(x) => labels.set(k, x),
            None => {
                meta::remove(labels, k);
            }
        }
    }

    fn taint(v: &mut Value, key: &str, effect: &str) {
        let mut t = Value::map();
        t.set("effect", effect);
        t.set("key", key);
        let mut list: Vec<Value> = v
            .path(&["spec", "taints"])
            .and_then(Value::as_seq)
            .map(|s| s.to_vec())
            .unwrap_or_default();
        list.push(t);
        v.path_mut_or_insert(&["spec"])
            .set("taints", Value::Seq(list.into()));
    }

    /// Agent pods not being deleted, by node.
    fn agents(w: &World) -> Vec<String> {
        let mut nodes: Vec<String> = live_pods(w, "default")
            .iter()
            .filter(|p| name(p).starts_with("agent-"))
            .map(|p| {
                super::super::daemonset::target_node(p)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        nodes.sort();
        nodes
    }

    fn ds(w: &World) -> Value {
        testkit::get(w, KIND, "/registry/daemonsets/default/agent").expect("ds")
    }

    /// Runs the scenario; returns the world's hash after each phase and the agent nodes.
    fn scenario(full_walk: bool) -> Vec<(u64, Vec<String>)> {
        let mut w = World::new(11, Preset::Kind);
        w.clusters
            .get_mut(KIND)
            .unwrap()
            .controllers
            .daemon_full_walk = full_walk;
        let mut out = Vec::new();
        let mut phase = |w: &mut World, ms: u64| {
            for _ in 0..ms / 100 {
                w.step(100);
            }
            out.push((w.state_hash(), agents(w)));
            super::counts_tests::check(w);
        };
        for n in ["kind-worker", "kind-worker2"] {
            update_node(&mut w, n, |v| label(v, "agent", Some("yes")));
        }
        let mut d = deploy_manifest("agent", 0, "busybox");
        meta::remove(d.path_mut_or_insert(&["spec"]), "replicas");
        d.path_mut_or_insert(&["spec", "template", "spec", "nodeSelector"])
            .set("agent", "yes");
        create(&mut w, KIND, "ds", d);
        phase(&mut w, 8_000);
        // Two nodes join (no kubelet: NotReady, tainted by the node lifecycle controller).
        for n in ["kind-worker3", "kind-worker4"] {
            let mut v = node(&w, "kind-worker2");
            for f in ["uid", "resourceVersion", "creationTimestamp"] {
                meta::remove(v.path_mut_or_insert(&["metadata"]), f);
            }
            v.path_mut_or_insert(&["metadata"]).set("name", n);
            label(&mut v, "kubernetes.io/hostname", Some(n));
            label(&mut v, "agent", None);
            w.clusters
                .get_mut(KIND)
                .unwrap()
                .stop(&format!("kubelet/{n}"));
            create(&mut w, KIND, "nodes", v);
        }
        phase(&mut w, 5_000);
        // Relabelled in and out of the selector.
        update_node(&mut w, "kind-worker2", |v| label(v, "agent", None));
        update_node(&mut w, "kind-worker3", |v| label(v, "other", Some("1")));
        phase(&mut w, 5_000);
        // An untolerated NoSchedule taint keeps the running pod; NoExecute removes it.
        update_node(&mut w, "kind-worker", |v| taint(v, "a", "NoSchedule"));
        phase(&mut w, 3_000);
        update_node(&mut w, "kind-worker4", |v| label(v, "agent", Some("yes")));
        update_node(&mut w, "kind-worker", |v| taint(v, "b", "NoExecute"));
        phase(&mut w, 5_000);
        update_node(&mut w, "kind-worker", |v| {
            meta::remove(v.path_mut_or_insert(&["spec"]), "taints");
        });
        update_node(&mut w, "kind-worker2", |v| label(v, "agent", Some("yes")));
        phase(&mut w, 8_000);
        // A pod deleted by hand is replaced; a node deleted loses its pod from the status.
        let victim = live_pods(&w, "default")
            .into_iter()
            .find(|p| name(p).starts_with("agent-"))
            .expect("an agent pod");
        w.api(KIND, "kubectl")
            .unwrap()
            .delete(r("pods"), Some("default"), &name(&victim))
            .expect("delete pod");
        phase(&mut w, 6_000);
        w.api(KIND, "kubectl")
            .unwrap()
            .delete(r("nodes"), None, "kind-worker4")
            .expect("delete node");
        phase(&mut w, 6_000);
        // A rolling update, one node at a time, then with minReadySeconds.
        let mut d = ds(&w);
        if let Some(Value::Seq(cs)) = d.path_mut(&["spec", "template", "spec", "containers"]) {
            cs[0].set("image", "busybox:1.37");
        }
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("ds"), d)
            .expect("update ds");
        phase(&mut w, 20_000);
        let mut d = ds(&w);
        d.path_mut_or_insert(&["spec"]).set("minReadySeconds", 3i64);
        if let Some(Value::Seq(cs)) = d.path_mut(&["spec", "template", "spec", "containers"]) {
            cs[0].set("image", "busybox:1.36");
        }
        w.api(KIND, "kubectl")
            .unwrap()
            .update(r("ds"), d)
            .expect("update ds");
        phase(&mut w, 30_000);
        out
    }

    #[test]
    fn the_per_node_view_decides_like_a_walk_over_every_node() {
        let view = scenario(false);
        let walk = scenario(true);
        for (i, (v, w)) in view.iter().zip(&walk).enumerate() {
            assert_eq!(v.1, w.1, "agent pods differ after phase {i}");
            assert_eq!(v.0, w.0, "worlds differ after phase {i}");
        }
        let nodes = |i: usize| view[i].1.clone();
        assert_eq!(nodes(0), ["kind-worker", "kind-worker2"]);
        assert_eq!(nodes(1), ["kind-worker", "kind-worker2"], "no label yet");
        assert_eq!(nodes(2), ["kind-worker"], "worker2 unlabelled");
        assert_eq!(nodes(3), ["kind-worker"], "NoSchedule keeps a running pod");
        assert_eq!(
            nodes(4),
            ["kind-worker4"],
            "NoExecute evicts; worker4 labelled"
        );
        assert_eq!(nodes(5), ["kind-worker", "kind-worker2", "kind-worker4"]);
        assert_eq!(nodes(6), ["kind-worker", "kind-worker2", "kind-worker4"]);
    }
}
