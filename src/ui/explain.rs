//! The control-loop view's brain: turns each [`TraceRecord`] (one API request) into the hops
//! an arrow animates along (kubectl → API server → etcd, watch → scheduler, ...) and a
//! sentence in plain words, in the current language.
//!
//! ```
//! use kubesim::ui::explain::{Lane, lane_of};
//! assert_eq!(lane_of("kubelet/kind-worker"), Lane::Kubelet);
//! assert_eq!(lane_of("kube-scheduler"), Lane::Scheduler);
//! ```

use super::i18n::{tf, Lang};
use crate::sim::api;
use crate::sim::value::Value;
use crate::sim::world::{Cluster, TraceRecord};

/// The boxes of the control-loop diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    Kubectl,
    ApiServer,
    Etcd,
    Scheduler,
    Controllers,
    CloudControllers,
    Kubelet,
    Runtime,
}

impl Lane {
    pub const ALL: [Lane; 8] = [
        Lane::Kubectl,
        Lane::ApiServer,
        Lane::Etcd,
        Lane::Scheduler,
        Lane::Controllers,
        Lane::CloudControllers,
        Lane::Kubelet,
        Lane::Runtime,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Lane::Kubectl => "kubectl",
            Lane::ApiServer => "kube-apiserver",
            Lane::Etcd => "etcd",
            Lane::Scheduler => "kube-scheduler",
            Lane::Controllers => "kube-controller-manager",
            Lane::CloudControllers => "cloud-controller-manager",
            Lane::Kubelet => "kubelet",
            Lane::Runtime => "containerd",
        }
    }
    /// The box's centre in the diagram's 1100×600 coordinate space (integers: no float
    /// formatting code in the wasm).
    pub fn pos(self) -> (i32, i32) {
        match self {
            Lane::Kubectl => (150, 90),
            Lane::ApiServer => (480, 300),
            Lane::Etcd => (150, 300),
            Lane::Scheduler => (480, 80),
            Lane::Controllers => (890, 110),
            Lane::CloudControllers => (890, 300),
            Lane::Kubelet => (480, 520),
            Lane::Runtime => (890, 520),
        }
    }
}

/// Which box an API caller belongs to (`kubelet/kind-worker` → Kubelet).
pub fn lane_of(actor: &str) -> Lane {
    let base = actor.split('/').next().unwrap_or(actor);
    match base {
        "kubectl" | "student" | "kubectl-client-side-apply" => Lane::Kubectl,
        "kube-scheduler" | "default-scheduler" => Lane::Scheduler,
        "kubelet" => Lane::Kubelet,
        "kube-apiserver" => Lane::ApiServer,
        "cloud-controller-manager" | "service-controller" | "node-controller-cloud" => {
            Lane::CloudControllers
        }
        "containerd" | "cri-o" | "docker" => Lane::Runtime,
        _ => Lane::Controllers,
    }
}

/// Is the verb a write (reaches etcd)?
pub fn is_write(verb: &str) -> bool {
    matches!(
        verb,
        "create" | "update" | "patch" | "delete" | "bind" | "apply"
    )
}

/// Heartbeats, events and the components' own reads: frequent and dull; the log hides them
/// unless asked. What kubectl does is never noise (it is what the student just typed).
pub fn is_noise(rec: &TraceRecord) -> bool {
    if lane_of(&rec.actor) == Lane::Kubectl {
        return false;
    }
    !is_write(rec.verb) || rec.resource == "leases" || rec.resource == "events"
}

/// One explained request: the hops to animate and the sentence for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub hops: Vec<(Lane, Lane)>,
    pub text: String,
}

fn object_at<'a>(cluster: &'a Cluster, rec: &TraceRecord) -> Option<&'a Value> {
    let res = api::resource_for(rec.resource)?;
    let key = res.storage_key(rec.namespace.as_deref(), &rec.name);
    cluster
        .store
        .get_at(&key, rec.revision)
        .ok()
        .flatten()
        .map(|kv| &*kv.value)
}

fn full_name(rec: &TraceRecord) -> String {
    match &rec.namespace {
        Some(ns) => format!("{ns}/{}", rec.name),
        None => rec.name.clone(),
    }
}

fn kind_of(rec: &TraceRecord) -> String {
    api::resource_for(rec.resource)
        .map(|r| r.kind.to_string())
        .unwrap_or_else(|| rec.resource.to_string())
}

/// Explains one request against the cluster (read at the request's revision).
pub fn explain(lang: Lang, cluster: &Cluster, rec: &TraceRecord, reason: Option<&str>) -> Step {
    let lane = lane_of(&rec.actor);
    let node = rec.actor.split_once('/').map(|(_, n)| n.to_string());
    let obj = object_at(cluster, rec);
    let mut hops = vec![(lane, Lane::ApiServer)];
    if is_write(rec.verb) {
        hops.push((Lane::ApiServer, Lane::Etcd));
    }
    let name = full_name(rec);
    let kind = kind_of(rec);
    let rev = rec.revision.to_string();
    let actor = rec.actor.as_str();
    let base: Vec<(&str, String)> = vec![
        ("actor", actor.to_string()),
        ("kind", kind.clone()),
        ("name", name.clone()),
        ("verb", rec.verb.to_string()),
        ("rev", rev.clone()),
        ("node", node.clone().unwrap_or_default()),
    ];
    let say = |key: &str, extra: &[(&str, &str)]| -> String {
        let mut refs: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        refs.extend_from_slice(extra);
        tf(lang, key, &refs)
    };
    let text = match (lane, rec.verb, rec.resource) {
        (Lane::Scheduler, "update" | "bind" | "create" | "patch", "pods" | "bindings") => {
            let target = obj
                .and_then(|p| p.path(&["spec", "nodeName"]))
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            hops.push((Lane::ApiServer, Lane::Kubelet));
            match reason {
                Some(r) => say("flow_bind_reason", &[("target", &target), ("reason", r)]),
                None => say("flow_bind", &[("target", &target)]),
            }
        }
        (Lane::Kubelet, "update" | "patch", "pods") => {
            let state = obj
                .map(|p| crate::term::kubectl::tables::pod_summary(p).reason)
                .unwrap_or_default();
            hops.insert(0, (Lane::Kubelet, Lane::Runtime));
            hops.insert(1, (Lane::Runtime, Lane::Kubelet));
            say("flow_kubelet_status", &[("state", &state)])
        }
        (Lane::Kubelet, "delete", "pods") => say("flow_kubelet_delete", &[]),
        (Lane::Kubelet, _, "leases") | (Lane::Kubelet, "update" | "patch", "nodes") => {
            say("flow_heartbeat", &[])
        }
        (Lane::Kubectl, "create" | "apply", "pods") => {
            hops.push((Lane::ApiServer, Lane::Scheduler));
            say("flow_kubectl_write", &[])
        }
        (Lane::Kubectl, v, _) if is_write(v) => {
            hops.push((Lane::ApiServer, Lane::Controllers));
            say("flow_kubectl_write", &[])
        }
        (Lane::Kubectl, _, _) => say("flow_kubectl_read", &[]),
        (Lane::Controllers, "create", "pods") => {
            hops.push((Lane::ApiServer, Lane::Scheduler));
            say("flow_controller_create_pod", &[])
        }
        (Lane::Controllers | Lane::CloudControllers, "create", _) => {
            say("flow_controller_create", &[])
        }
        (Lane::Controllers | Lane::CloudControllers, "delete", _) => {
            say("flow_controller_delete", &[])
        }
        (Lane::Controllers | Lane::CloudControllers, v, _) if is_write(v) => {
            say("flow_controller_write", &[])
        }
        (_, v, _) if is_write(v) => say("flow_other_write", &[]),
        _ => say("flow_read", &[]),
    };
    Step { hops, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::SimTime;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    fn rec(actor: &str, verb: &'static str, resource: &'static str, name: &str) -> TraceRecord {
        TraceRecord {
            at: SimTime::ZERO,
            actor: actor.into(),
            verb,
            resource,
            namespace: Some("default".into()),
            name: name.into(),
            revision: 1,
        }
    }

    #[test]
    fn lanes_and_hops() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        let s = explain(Lang::En, c, &rec("kubectl", "create", "pods", "web"), None);
        assert_eq!(
            s.hops,
            vec![
                (Lane::Kubectl, Lane::ApiServer),
                (Lane::ApiServer, Lane::Etcd),
                (Lane::ApiServer, Lane::Scheduler)
            ]
        );
        assert!(s.text.contains("default/web"), "{}", s.text);
        let s = explain(
            Lang::Fr,
            c,
            &rec("kube-scheduler", "update", "pods", "web"),
            Some("most free CPU"),
        );
        assert!(s.hops.contains(&(Lane::ApiServer, Lane::Kubelet)));
        assert!(s.text.contains("most free CPU"), "{}", s.text);
        let s = explain(
            Lang::En,
            c,
            &rec("kubelet/kind-worker", "update", "pods", "web"),
            None,
        );
        assert_eq!(s.hops[0], (Lane::Kubelet, Lane::Runtime));
        assert!(s.text.contains("kind-worker"), "{}", s.text);
        let s = explain(Lang::En, c, &rec("kubectl", "list", "pods", ""), None);
        assert_eq!(s.hops, vec![(Lane::Kubectl, Lane::ApiServer)]);
        assert!(is_noise(&rec("kubelet/x", "update", "leases", "x")));
        assert!(is_noise(&rec("kube-scheduler", "list", "pods", "")));
        assert!(!is_noise(&rec("kubectl", "list", "pods", "")));
        assert!(!is_noise(&rec("kubectl", "create", "pods", "x")));
        assert_eq!(lane_of("replicaset-controller"), Lane::Controllers);
    }

    #[test]
    fn every_sentence_is_filled_in_both_languages() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        for lang in [Lang::Fr, Lang::En] {
            for (actor, verb, res) in [
                ("kubectl", "create", "pods"),
                ("kubectl", "delete", "deployments"),
                ("kubectl", "get", "nodes"),
                ("kube-scheduler", "bind", "pods"),
                ("kubelet/n", "update", "pods"),
                ("kubelet/n", "delete", "pods"),
                ("kubelet/n", "update", "leases"),
                ("replicaset-controller", "create", "pods"),
                ("deployment-controller", "update", "deployments"),
                ("kube-controller-manager", "create", "configmaps"),
                ("kube-controller-manager", "delete", "pods"),
                ("kube-apiserver", "create", "namespaces"),
                ("kube-apiserver", "get", "namespaces"),
            ] {
                let s = explain(lang, c, &rec(actor, verb, res, "x"), None);
                assert!(
                    !s.text.contains('{') && !s.text.is_empty(),
                    "{lang:?} {actor} {verb}: {}",
                    s.text
                );
            }
        }
    }
}
