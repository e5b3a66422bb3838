//! Defaulting, as the API server does it before validation: the `SetDefaults_*` functions of
//! `pkg/apis/*/v1/defaults.go` plus the admission plugins that fill pods in (ServiceAccount,
//! DefaultTolerationSeconds, Priority, DefaultStorageClass).
//!
//! Start with [`apply`]: it dispatches on the kind. Only absent fields are filled, so what a
//! user wrote always wins, and `kubectl get -o yaml` shows the same defaulted fields a real
//! cluster shows (`dnsPolicy: ClusterFirst`, `imagePullPolicy: Always`, `strategy` 25%/25%...).
//!
//! ```
//! use kubesim::sim::{defaults, rng::SimRng, Value};
//! let mut d = Value::map();
//! d.set("kind", "Deployment");
//! defaults::apply("Deployment", &mut d, &mut SimRng::new(1));
//! assert_eq!(d.path(&["spec", "replicas"]), Some(&Value::Int(1)));
//! ```

use super::meta;
use super::rng::SimRng;
use super::value::{Map, Value};
use std::sync::OnceLock;

/// Sets `obj[key] = v` only when the key is absent.
fn default(obj: &mut Value, key: &str, v: impl Into<Value>) {
    if obj.get(key).is_none() || obj.get(key) == Some(&Value::Null) {
        obj.set(key, v);
    }
}

/// Fills the defaults of one object of `kind`. Pods also get what admission adds (service
/// account token volume, default tolerations, priority); templates only get the pod-spec and
/// container defaults, as upstream.
pub fn apply(kind: &str, obj: &mut Value, rng: &mut SimRng) {
    match kind {
        "Pod" => pod(obj, rng),
        "Deployment" => {
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "replicas", 1i64);
            default(spec, "revisionHistoryLimit", 10i64);
            default(spec, "progressDeadlineSeconds", 600i64);
            let strategy = spec.path_mut_or_insert(&["strategy"]);
            default(strategy, "type", "RollingUpdate");
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                let ru = strategy.path_mut_or_insert(&["rollingUpdate"]);
                default(ru, "maxSurge", "25%");
                default(ru, "maxUnavailable", "25%");
            }
            template(spec);
        }
        "ReplicaSet" => {
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "replicas", 1i64);
            template(spec);
        }
        "DaemonSet" => {
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "revisionHistoryLimit", 10i64);
            let strategy = spec.path_mut_or_insert(&["updateStrategy"]);
            default(strategy, "type", "RollingUpdate");
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                let ru = strategy.path_mut_or_insert(&["rollingUpdate"]);
                default(ru, "maxSurge", 0i64);
                default(ru, "maxUnavailable", 1i64);
            }
            template(spec);
        }
        "StatefulSet" => {
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "replicas", 1i64);
            default(spec, "podManagementPolicy", "OrderedReady");
            default(spec, "revisionHistoryLimit", 10i64);
            let strategy = spec.path_mut_or_insert(&["updateStrategy"]);
            default(strategy, "type", "RollingUpdate");
            if strategy.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
                let ru = strategy.path_mut_or_insert(&["rollingUpdate"]);
                default(ru, "partition", 0i64);
            }
            let retention = spec.path_mut_or_insert(&["persistentVolumeClaimRetentionPolicy"]);
            default(retention, "whenDeleted", "Retain");
            default(retention, "whenScaled", "Retain");
            if let Some(Value::Seq(claims)) = meta::get_mut(spec, "volumeClaimTemplates") {
                for c in claims {
                    c.set("apiVersion", "v1");
                    c.set("kind", "PersistentVolumeClaim");
                    default(c.path_mut_or_insert(&["spec"]), "volumeMode", "Filesystem");
                    default(c.path_mut_or_insert(&["status"]), "phase", "Pending");
                }
            }
            template(spec);
        }
        "Job" => job(obj),
        "Service" => service(obj),
        "Namespace" => {
            let name = meta::str_at(obj, &["metadata", "name"])
                .unwrap_or("")
                .to_string();
            obj.path_mut_or_insert(&["metadata", "labels"])
                .set("kubernetes.io/metadata.name", name);
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "finalizers", Value::Seq(vec!["kubernetes".into()]));
            default(obj.path_mut_or_insert(&["status"]), "phase", "Active");
        }
        "Secret" => default(obj, "type", "Opaque"),
        "PersistentVolumeClaim" => {
            default(
                obj.path_mut_or_insert(&["spec"]),
                "volumeMode",
                "Filesystem",
            );
            default(obj.path_mut_or_insert(&["status"]), "phase", "Pending");
        }
        "PersistentVolume" => {
            let spec = obj.path_mut_or_insert(&["spec"]);
            default(spec, "persistentVolumeReclaimPolicy", "Retain");
            default(spec, "volumeMode", "Filesystem");
            default(obj.path_mut_or_insert(&["status"]), "phase", "Pending");
        }
        "StorageClass" => {
            default(obj, "reclaimPolicy", "Delete");
            default(obj, "volumeBindingMode", "Immediate");
        }
        _ => {}
    }
}

/// The pod-template defaults shared by every workload (`spec.template.spec`). The template is
/// then stored shared ([`Value::share_deep`]): every pod a controller creates from it holds its
/// labels, containers, ports and resources as one copy (~1 KB a pod) until that pod changes
/// them, which copies only what changes.
fn template(spec: &mut Value) {
    let t = spec.path_mut_or_insert(&["template", "spec"]);
    pod_spec(t);
    if let Some(t) = meta::get_mut(spec, "template") {
        t.share_deep();
    }
}

/// `SetDefaults_PodSpec` + `SetDefaults_Container`.
fn pod_spec(spec: &mut Value) {
    default(spec, "dnsPolicy", "ClusterFirst");
    default(spec, "restartPolicy", "Always");
    default(spec, "schedulerName", "default-scheduler");
    default(spec, "securityContext", Value::map());
    default(spec, "terminationGracePeriodSeconds", 30i64);
    for list in ["initContainers", "containers"] {
        if let Some(Value::Seq(cs)) = meta::get_mut(spec, list) {
            for c in cs {
                container(c);
            }
        }
    }
}

fn container(c: &mut Value) {
    if !matches!(c, Value::Map(_)) {
        return;
    }
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    default(c, "imagePullPolicy", image_pull_policy(image));
    default(c, "resources", Value::map());
    default(c, "terminationMessagePath", "/dev/termination-log");
    default(c, "terminationMessagePolicy", "File");
    if let Some(Value::Seq(ports)) = meta::get_mut(c, "ports") {
        for p in ports {
            if matches!(p, Value::Map(_)) {
                default(p, "protocol", "TCP");
            }
        }
    }
}

/// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (digests too).
pub fn image_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    // The tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// Pods: spec defaults plus the admission plugins' work.
fn pod(obj: &mut Value, rng: &mut SimRng) {
    let spec = obj.path_mut_or_insert(&["spec"]);
    pod_spec(spec);
    default(spec, "enableServiceLinks", true);
    default(spec, "priority", 0i64);
    default(spec, "preemptionPolicy", "PreemptLowerPriority");
    // ServiceAccount admission.
    let sa = spec
        .get("serviceAccountName")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    default(spec, "serviceAccountName", sa.as_str());
    default(spec, "serviceAccount", sa.as_str());
    let automount = meta::bool_at(spec, &["automountServiceAccountToken"]) != Some(false);
    let has_token_volume = spec
        .get("volumes")
        .and_then(Value::as_seq)
        .is_some_and(|vs| {
            vs.iter().any(|v| {
                meta::str_at(v, &["name"]).is_some_and(|n| n.starts_with("kube-api-access-"))
            })
        });
    if automount && !has_token_volume && spec.get("containers").is_some() {
        let name = format!("kube-api-access-{}", rng.suffix(5));
        let volume = kube_api_access_volume(&name);
        match meta::get_mut(spec, "volumes") {
            Some(Value::Seq(vs)) => vs.push(volume),
            _ => spec.set("volumes", Value::Seq(vec![volume])),
        }
        for list in ["initContainers", "containers"] {
            if let Some(Value::Seq(cs)) = meta::get_mut(spec, list) {
                for c in cs {
                    let mut m = Value::map();
                    m.set("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
                    m.set("name", name.as_str());
                    m.set("readOnly", true);
                    match meta::get_mut(c, "volumeMounts") {
                        Some(Value::Seq(ms)) => ms.push(m),
                        _ => c.set("volumeMounts", Value::Seq(vec![m])),
                    }
                }
            }
        }
    }
    // DefaultTolerationSeconds admission.
    let mut tolerations: Vec<Value> = spec
        .get("tolerations")
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    for default in default_tolerations() {
        let key = default.get("key").and_then(Value::as_str).unwrap_or("");
        let tolerated = tolerations.iter().any(|t| {
            let k = meta::str_at(t, &["key"]);
            let effect = meta::str_at(t, &["effect"]).unwrap_or("");
            (k == Some(key) || (k.is_none() && meta::str_at(t, &["operator"]) == Some("Exists")))
                && (effect.is_empty() || effect == "NoExecute")
        });
        if !tolerated {
            tolerations.push(default.clone());
        }
    }
    spec.set("tolerations", Value::Seq(tolerations));
    let qos = qos_class(spec);
    let status = obj.path_mut_or_insert(&["status"]);
    default(status, "phase", "Pending");
    default(status, "qosClass", qos);
}

/// `BestEffort` without requests/limits, `Guaranteed` when every container's requests equal
/// its limits for cpu and memory, `Burstable` otherwise.
pub fn qos_class(spec: &Value) -> &'static str {
    let containers = spec
        .get("containers")
        .and_then(Value::as_seq)
        .cloned()
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let req = c.path(&["resources", "requests"]).and_then(Value::as_map);
        let lim = c.path(&["resources", "limits"]).and_then(Value::as_map);
        any |= req.is_some_and(|m| !m.is_empty()) || lim.is_some_and(|m| !m.is_empty());
        for r in ["cpu", "memory"] {
            let l = lim.and_then(|m| m.get(r));
            let q = req.and_then(|m| m.get(r)).or(l);
            if l.is_none() || q != l {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

/// `{effect: NoExecute, key, operator: Exists, tolerationSeconds: 300}` for the not-ready and
/// unreachable taints: one shared copy for every pod ([`Map::shared`]).
fn default_tolerations() -> &'static [Value; 2] {
    static SHARED: OnceLock<[Value; 2]> = OnceLock::new();
    SHARED.get_or_init(|| {
        [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ]
        .map(|key| {
            let mut t = Map::new();
            t.insert_str("effect", "NoExecute".into());
            t.insert_str("key", key.into());
            t.insert_str("operator", "Exists".into());
            t.insert_str("tolerationSeconds", 300i64.into());
            Value::Map(t.shared())
        })
    })
}

/// The projected volume the ServiceAccount admission plugin mounts in every pod. Only the
/// name differs from pod to pod: the rest is one shared copy ([`Map::shared`]).
fn kube_api_access_volume(name: &str) -> Value {
    static PROJECTED: OnceLock<Value> = OnceLock::new();
    let projected = PROJECTED.get_or_init(projected_token_sources).clone();
    let mut v = Value::map();
    v.set("name", name);
    v.set("projected", projected);
    v
}

fn projected_token_sources() -> Value {
    match super::value::template(PROJECTED_TOKEN_SOURCES, &[]) {
        Value::Map(m) => Value::Map(m.shared()),
        other => other,
    }
}

const PROJECTED_TOKEN_SOURCES: &str = r#"defaultMode: 420
sources:
- serviceAccountToken: {expirationSeconds: 3607, path: token}
- configMap:
    items: [{key: ca.crt, path: ca.crt}]
    name: kube-root-ca.crt
- downwardAPI:
    items: [{fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}, path: namespace}]
"#;

/// Jobs: parallelism/completions/backoffLimit and the generated selector + labels
/// (`batch.kubernetes.io/controller-uid`, `job-name`...). The uid must already be set.
fn job(obj: &mut Value) {
    let uid = meta::uid(obj).to_string();
    let name = meta::str_at(obj, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let spec = obj.path_mut_or_insert(&["spec"]);
    if spec.get("completions").is_none() && spec.get("parallelism").is_none() {
        spec.set("completions", 1i64);
    }
    default(spec, "parallelism", 1i64);
    default(spec, "backoffLimit", 6i64);
    default(spec, "completionMode", "NonIndexed");
    default(spec, "suspend", false);
    default(spec, "podReplacementPolicy", "TerminatingOrFailed");
    if spec.get("selector").is_none() && !uid.is_empty() {
        let mut ml = Value::map();
        ml.set("batch.kubernetes.io/controller-uid", uid.as_str());
        let mut sel = Value::map();
        sel.set("matchLabels", ml);
        spec.set("selector", sel);
        let labels = spec.path_mut_or_insert(&["template", "metadata", "labels"]);
        labels.set("batch.kubernetes.io/controller-uid", uid.as_str());
        labels.set("batch.kubernetes.io/job-name", name.as_str());
        labels.set("controller-uid", uid.as_str());
        labels.set("job-name", name.as_str());
    }
    template(spec);
}

fn service(obj: &mut Value) {
    let spec = obj.path_mut_or_insert(&["spec"]);
    default(spec, "type", "ClusterIP");
    default(spec, "sessionAffinity", "None");
    let type_ = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if type_ != "ExternalName" {
        default(spec, "internalTrafficPolicy", "Cluster");
        default(spec, "ipFamilies", Value::Seq(vec!["IPv4".into()]));
        default(spec, "ipFamilyPolicy", "SingleStack");
    }
    if matches!(type_.as_str(), "NodePort" | "LoadBalancer") {
        default(spec, "externalTrafficPolicy", "Cluster");
    }
    if type_ == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", true);
    }
    if let Some(Value::Seq(ports)) = meta::get_mut(spec, "ports") {
        for p in ports {
            if !matches!(p, Value::Map(_)) {
                continue;
            }
            default(p, "protocol", "TCP");
            if let Some(port) = p.get("port").cloned() {
                default(p, "targetPort", port);
            }
        }
    }
    default(
        obj.path_mut_or_insert(&["status"]),
        "loadBalancer",
        Value::map(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_with(image: &str) -> Value {
        let mut c = Value::map();
        c.set("name", "c");
        c.set("image", image);
        let mut p = Value::map();
        p.path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c]));
        p
    }

    #[test]
    fn image_pull_policy_follows_the_tag() {
        for (image, want) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.27", "IfNotPresent"),
            ("localhost:5000/app", "Always"),
            ("localhost:5000/app:v1", "IfNotPresent"),
            ("nginx@sha256:abc", "IfNotPresent"),
        ] {
            assert_eq!(image_pull_policy(image), want, "{image}");
        }
    }

    #[test]
    fn pods_get_spec_container_and_admission_defaults() {
        let mut p = pod_with("nginx:1.27");
        apply("Pod", &mut p, &mut SimRng::new(1));
        let s = p.get("spec").unwrap();
        for (k, v) in [
            ("dnsPolicy", Value::from("ClusterFirst")),
            ("restartPolicy", "Always".into()),
            ("schedulerName", "default-scheduler".into()),
            ("terminationGracePeriodSeconds", 30i64.into()),
            ("serviceAccountName", "default".into()),
            ("enableServiceLinks", true.into()),
            ("priority", 0i64.into()),
        ] {
            assert_eq!(s.get(k), Some(&v), "{k}");
        }
        let c = &s.get("containers").unwrap().as_seq().unwrap()[0];
        assert_eq!(meta::str_at(c, &["imagePullPolicy"]), Some("IfNotPresent"));
        assert_eq!(
            meta::str_at(c, &["terminationMessagePath"]),
            Some("/dev/termination-log")
        );
        let mount = &c.get("volumeMounts").unwrap().as_seq().unwrap()[0];
        assert!(meta::str_at(mount, &["name"])
            .unwrap()
            .starts_with("kube-api-access-"));
        let tol = s.get("tolerations").unwrap().as_seq().unwrap();
        assert_eq!(tol.len(), 2);
        assert_eq!(meta::int_at(&tol[1], &["tolerationSeconds"]), Some(300));
        assert_eq!(
            meta::str_at(&p, &["status", "qosClass"]),
            Some("BestEffort")
        );
        // Defaulting twice changes nothing (updates run it again).
        let before = p.clone();
        apply("Pod", &mut p, &mut SimRng::new(2));
        assert_eq!(p, before);
    }

    #[test]
    fn workloads_and_services_defaults() {
        let mut d = Value::map();
        apply("Deployment", &mut d, &mut SimRng::new(1));
        assert_eq!(
            meta::str_at(&d, &["spec", "strategy", "rollingUpdate", "maxSurge"]),
            Some("25%")
        );
        assert_eq!(
            meta::int_at(&d, &["spec", "revisionHistoryLimit"]),
            Some(10)
        );
        assert_eq!(
            meta::int_at(&d, &["spec", "progressDeadlineSeconds"]),
            Some(600)
        );
        let mut svc = Value::map();
        let mut port = Value::map();
        port.set("port", 80i64);
        svc.path_mut_or_insert(&["spec"])
            .set("ports", Value::Seq(vec![port]));
        apply("Service", &mut svc, &mut SimRng::new(1));
        let p = &svc.path(&["spec", "ports"]).unwrap().as_seq().unwrap()[0];
        assert_eq!(p.get("targetPort"), Some(&Value::Int(80)));
        assert_eq!(meta::str_at(p, &["protocol"]), Some("TCP"));
        assert_eq!(meta::str_at(&svc, &["spec", "type"]), Some("ClusterIP"));
    }
}
