//! Storage: the PersistentVolume controller (binder, protection, reclaim) and a simulated
//! CSI provisioner, run by the controller-manager ([`super::controllers`]).
//!
//! A PersistentVolumeClaim binds to the smallest Available PV of its class that fits (access
//! modes, size). Failing that, a claim of a StorageClass with a provisioner is provisioned:
//! `Immediate` classes at once, `WaitForFirstConsumer` classes (kind's `standard`, k3s'
//! `local-path`) only once a pod using the claim has a node (the scheduler's
//! `volume.kubernetes.io/selected-node` annotation, or the pod's `nodeName`) — until then the
//! claim stays Pending with a `WaitForFirstConsumer` event. Provisioning takes
//! [`PROVISION_DELAY_MS`] and creates `pvc-<claim uid>`, then the claim binds. Deleting a
//! claim in use waits (`kubernetes.io/pvc-protection`); a released volume is deleted
//! (`reclaimPolicy: Delete`) or kept as `Released` (Retain).
//!
//! [`default_storage_class`] is what each preset installs; [`pod_claims_bound`] is what the
//! kubelet asks before starting a pod.

use super::apiserver::DeleteOptions;
use super::controllers::{Ctl, Ctx, State};
use super::events::Type;
use super::meta;
use super::store::Store;
use super::value::Value;
use super::SimTime;
use crate::sort::SortSmall;
use std::collections::BTreeMap;

/// How long the simulated CSI driver takes to create a volume.
pub const PROVISION_DELAY_MS: u64 = 2_000;
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const COMPONENT: &str = "persistentvolume-controller";

/// Claims being provisioned: claim uid → when the volume will be ready.
#[derive(Debug, Clone, Default)]
pub struct Tracking {
    provisioning: BTreeMap<String, SimTime>,
}

/// The default StorageClass of a distribution: `(name, provisioner, binding mode)`.
pub fn default_storage_class(
    cluster_version: &str,
    cluster_name: &str,
) -> (&'static str, &'static str, &'static str) {
    if cluster_version.contains("k3s") {
        (
            "local-path",
            "rancher.io/local-path",
            "WaitForFirstConsumer",
        )
    } else if cluster_version.contains("gke") {
        (
            "standard-rwo",
            "pd.csi.storage.gke.io",
            "WaitForFirstConsumer",
        )
    } else if cluster_name == "minikube" {
        ("standard", "k8s.io/minikube-hostpath", "Immediate")
    } else if cluster_name.starts_with("kind") {
        ("standard", "rancher.io/local-path", "WaitForFirstConsumer")
    } else {
        ("", "", "")
    }
}

/// The StorageClass object for [`default_storage_class`] (None on kubeadm clusters, which
/// have no provisioner until one is installed).
pub fn default_storage_class_object(cluster_version: &str, cluster_name: &str) -> Option<Value> {
    let (name, provisioner, mode) = default_storage_class(cluster_version, cluster_name);
    if name.is_empty() {
        return None;
    }
    let mut sc = Value::map();
    sc.path_mut_or_insert(&["metadata"]).set("name", name);
    meta::set_annotation(
        &mut sc,
        "storageclass.kubernetes.io/is-default-class",
        "true",
    );
    sc.set("provisioner", provisioner);
    sc.set("reclaimPolicy", "Delete");
    sc.set("volumeBindingMode", mode);
    if provisioner == "pd.csi.storage.gke.io" {
        sc.set("allowVolumeExpansion", true);
        sc.path_mut_or_insert(&["parameters"])
            .set("type", "pd-balanced");
    }
    Some(sc)
}

/// Are all the pod's PersistentVolumeClaims bound? (The kubelet waits for this.)
pub fn pod_claims_bound(store: &Store, pod: &Value) -> bool {
    let ns = meta::str_at(pod, &["metadata", "namespace"]).unwrap_or("default");
    pod.path(&["spec", "volumes"])
        .and_then(Value::as_seq)
        .is_none_or(|vols| {
            vols.iter().all(
                |v| match meta::str_at(v, &["persistentVolumeClaim", "claimName"]) {
                    None => true,
                    Some(c) => store
                        .get(&format!("/registry/persistentvolumeclaims/{ns}/{c}"))
                        .is_some_and(|kv| {
                            meta::str_at(&kv.value, &["status", "phase"]) == Some("Bound")
                        }),
                },
            )
        })
}

fn strip_rv(v: &Value) -> Value {
    let mut v = v.clone();
    meta::remove(v.path_mut_or_insert(&["metadata"]), "resourceVersion");
    v
}

/// Parses a storage quantity to bytes (`1Gi`, `500Mi`, `10G`, `1024`).
pub fn quantity_bytes(q: &str) -> Option<u128> {
    let q = q.trim();
    let split = q
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(q.len());
    let (num, unit) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    };
    Some((n * mult) as u128)
}

fn modes(v: &Value, path: &[&str]) -> Vec<String> {
    v.path(path)
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Pods (in the claim's namespace) that use a claim.
fn users(ctx: &Ctx<'_>, st: &State, ns: &str, claim: &str) -> Vec<std::sync::Arc<Value>> {
    let pod_res = super::controllers::res("Pod");
    st.index
        .pods_by_ns
        .get(ns)
        .map(|keys| {
            keys.iter()
                .filter_map(|k| ctx.get(pod_res, k))
                .filter(|p| {
                    p.path(&["spec", "volumes"])
                        .and_then(Value::as_seq)
                        .is_some_and(|vs| {
                            vs.iter().any(|v| {
                                meta::str_at(v, &["persistentVolumeClaim", "claimName"])
                                    == Some(claim)
                            })
                        })
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let pvc_res = super::controllers::res("PersistentVolumeClaim");
    let pv_res = super::controllers::res("PersistentVolume");
    if let Some(ns) = key.strip_prefix("ns:") {
        let keys: Vec<String> = ctx
            .list(pvc_res, Some(ns))
            .iter()
            .map(|c| meta::key_of(c))
            .collect();
        for k in keys {
            reconcile(ctx, st, &k);
        }
        return;
    }
    if let Some(pv_name) = key.strip_prefix("pv:") {
        reconcile_pv(ctx, pv_name);
        return;
    }
    let Some(pvc) = ctx.get(pvc_res, key) else {
        return;
    };
    let pvc: Value = (*pvc).clone();
    let (ns, name) = match meta::split_key(key) {
        (Some(ns), n) => (ns.to_string(), n.to_string()),
        (None, n) => ("default".to_string(), n.to_string()),
    };
    let now = ctx.now();
    // Protection: a claim being deleted goes once no pod uses it.
    if meta::is_terminating(&pvc) {
        if meta::finalizers(&pvc).iter().any(|f| f == PVC_PROTECTION)
            && users(ctx, st, &ns, &name)
                .iter()
                .all(|p| meta::pod_is_finished(p))
        {
            let mut next = pvc.clone();
            let fs: Vec<String> = meta::finalizers(&pvc)
                .into_iter()
                .filter(|f| f != PVC_PROTECTION)
                .collect();
            meta::set_finalizers(&mut next, &fs);
            let _ = ctx.update(pvc_res, strip_rv(&next));
        } else {
            st.enqueue_after(Ctl::Storage, key, now.plus_ms(1_000));
        }
        return;
    }
    if !meta::finalizers(&pvc).iter().any(|f| f == PVC_PROTECTION) {
        let mut next = pvc.clone();
        let mut fs = meta::finalizers(&pvc);
        fs.push(PVC_PROTECTION.to_string());
        meta::set_finalizers(&mut next, &fs);
        if ctx.update(pvc_res, strip_rv(&next)).is_err() {
            return;
        }
    }
    let Some(pvc) = ctx.get(pvc_res, key).map(|v| (*v).clone()) else {
        return;
    };
    if meta::str_at(&pvc, &["status", "phase"]) == Some("Bound") {
        return;
    }
    let class = meta::str_at(&pvc, &["spec", "storageClassName"])
        .unwrap_or("")
        .to_string();
    let want_modes = modes(&pvc, &["spec", "accessModes"]);
    let want_bytes = meta::str_at(&pvc, &["spec", "resources", "requests", "storage"])
        .and_then(quantity_bytes)
        .unwrap_or(0);
    // 1. An existing volume that fits (or the one the claim names).
    let named = meta::str_at(&pvc, &["spec", "volumeName"]).map(str::to_string);
    let mut candidates: Vec<(u128, Value)> = ctx
        .list(pv_res, None)
        .into_iter()
        .filter(|pv| {
            let pv_name = meta::str_at(pv, &["metadata", "name"]).unwrap_or("");
            if let Some(n) = &named {
                return n == pv_name;
            }
            meta::str_at(pv, &["status", "phase"]) == Some("Available")
                && pv.path(&["spec", "claimRef"]).is_none()
                && meta::str_at(pv, &["spec", "storageClassName"]).unwrap_or("") == class
                && want_modes
                    .iter()
                    .all(|m| modes(pv, &["spec", "accessModes"]).contains(m))
                && pvc
                    .path(&["spec", "selector"])
                    .is_none_or(|s| meta::selector_matches(s, pv))
        })
        .filter_map(|pv| {
            let size =
                meta::str_at(&pv, &["spec", "capacity", "storage"]).and_then(quantity_bytes)?;
            (size >= want_bytes).then(|| (size, (*pv).clone()))
        })
        .collect();
    candidates.sort_small_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| meta::key_of(&a.1).cmp(&meta::key_of(&b.1)))
    });
    if let Some((_, pv)) = candidates.into_iter().next() {
        bind(ctx, &pvc, &pv);
        return;
    }
    // 2. Dynamic provisioning.
    let Some(sc) = (!class.is_empty())
        .then(|| ctx.get(super::controllers::res("StorageClass"), &class))
        .flatten()
    else {
        if class.is_empty() {
            ctx.event(
                &pvc,
                Type::Normal,
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
                COMPONENT,
            );
        } else {
            ctx.event(
                &pvc,
                Type::Warning,
                "ProvisioningFailed",
                &format!("storageclass.storage.k8s.io \"{class}\" not found"),
                COMPONENT,
            );
        }
        return;
    };
    let provisioner = meta::str_at(&sc, &["provisioner"])
        .unwrap_or("")
        .to_string();
    let wait = meta::str_at(&sc, &["volumeBindingMode"]) == Some("WaitForFirstConsumer");
    let selected = meta::annotation(&pvc, SELECTED_NODE)
        .map(str::to_string)
        .or_else(|| {
            users(ctx, st, &ns, &name)
                .iter()
                .find_map(|p| meta::node_name(p).map(str::to_string))
        });
    if wait && selected.is_none() {
        ctx.event(
            &pvc,
            Type::Normal,
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding",
            COMPONENT,
        );
        return;
    }
    let uid = meta::uid(&pvc).to_string();
    let Some(ready_at) = st.storage.provisioning.get(&uid).copied() else {
        let mut next = pvc.clone();
        meta::set_annotation(
            &mut next,
            "volume.beta.kubernetes.io/storage-provisioner",
            &provisioner,
        );
        meta::set_annotation(
            &mut next,
            "volume.kubernetes.io/storage-provisioner",
            &provisioner,
        );
        if let Some(n) = &selected {
            meta::set_annotation(&mut next, SELECTED_NODE, n);
        }
        let _ = ctx.update(pvc_res, strip_rv(&next));
        ctx.event(&pvc, Type::Normal, "ExternalProvisioning", &format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."), COMPONENT);
        ctx.event(
            &pvc,
            Type::Normal,
            "Provisioning",
            &format!("External provisioner is provisioning volume for claim \"{ns}/{name}\""),
            &format!("{provisioner}_csi-provisioner"),
        );
        let at = now.plus_ms(PROVISION_DELAY_MS);
        st.storage.provisioning.insert(uid, at);
        st.enqueue_after(Ctl::Storage, key, at);
        return;
    };
    if ready_at > now {
        st.enqueue_after(Ctl::Storage, key, ready_at);
        return;
    }
    st.storage.provisioning.remove(&uid);
    let pv_name = format!("pvc-{uid}");
    let mut pv = Value::map();
    pv.path_mut_or_insert(&["metadata"])
        .set("name", pv_name.as_str());
    meta::set_annotation(&mut pv, "pv.kubernetes.io/provisioned-by", &provisioner);
    meta::set_finalizers(&mut pv, &[PV_PROTECTION.to_string()]);
    let spec = pv.path_mut_or_insert(&["spec"]);
    spec.set(
        "accessModes",
        pvc.path(&["spec", "accessModes"])
            .cloned()
            .unwrap_or(Value::Seq(vec![].into())),
    );
    let size = meta::str_at(&pvc, &["spec", "resources", "requests", "storage"])
        .unwrap_or("1Gi")
        .to_string();
    spec.path_mut_or_insert(&["capacity"])
        .set("storage", size.as_str());
    spec.set(
        "persistentVolumeReclaimPolicy",
        meta::str_at(&sc, &["reclaimPolicy"]).unwrap_or("Delete"),
    );
    spec.set("storageClassName", class.as_str());
    spec.set(
        "volumeMode",
        meta::str_at(&pvc, &["spec", "volumeMode"]).unwrap_or("Filesystem"),
    );
    match provisioner.as_str() {
        "rancher.io/local-path" | "k8s.io/minikube-hostpath" => {
            let path = if provisioner == "k8s.io/minikube-hostpath" {
                format!("/tmp/hostpath-provisioner/{ns}/{name}")
            } else {
                format!("/var/local-path-provisioner/{pv_name}_{ns}_{name}")
            };
            let hp = spec.path_mut_or_insert(&["hostPath"]);
            hp.set("path", path.as_str());
            hp.set("type", "DirectoryOrCreate");
        }
        _ => {
            let csi = spec.path_mut_or_insert(&["csi"]);
            csi.set("driver", provisioner.as_str());
            csi.set("fsType", "ext4");
            csi.set(
                "volumeHandle",
                format!("projects/course-project/zones/europe-west1-b/disks/{pv_name}"),
            );
        }
    }
    if let Some(n) = &selected {
        if provisioner != "k8s.io/minikube-hostpath" {
            let mut expr = Value::map();
            expr.set("key", "kubernetes.io/hostname");
            expr.set("operator", "In");
            expr.set("values", Value::Seq(vec![n.as_str().into()].into()));
            let mut term = Value::map();
            term.set("matchExpressions", Value::Seq(vec![expr].into()));
            pv.path_mut_or_insert(&["spec", "nodeAffinity", "required"])
                .set("nodeSelectorTerms", Value::Seq(vec![term].into()));
        }
    }
    if let Ok(created) = ctx.create(pv_res, pv) {
        ctx.event(
            &pvc,
            Type::Normal,
            "ProvisioningSucceeded",
            &format!("Successfully provisioned volume {pv_name}"),
            &format!("{provisioner}_csi-provisioner"),
        );
        bind(ctx, &pvc, &created);
    }
}

/// Binds claim and volume both ways (`claimRef` + `volumeName`, both `Bound`).
fn bind(ctx: &mut Ctx<'_>, pvc: &Value, pv: &Value) {
    let pvc_res = super::controllers::res("PersistentVolumeClaim");
    let pv_res = super::controllers::res("PersistentVolume");
    let pv_name = meta::str_at(pv, &["metadata", "name"])
        .unwrap_or("")
        .to_string();
    let mut claim_ref = Value::map();
    claim_ref.set("apiVersion", "v1");
    claim_ref.set("kind", "PersistentVolumeClaim");
    claim_ref.set(
        "name",
        meta::str_at(pvc, &["metadata", "name"]).unwrap_or(""),
    );
    claim_ref.set(
        "namespace",
        meta::str_at(pvc, &["metadata", "namespace"]).unwrap_or("default"),
    );
    claim_ref.set("uid", meta::uid(pvc));
    let mut next_pv = pv.clone();
    next_pv
        .path_mut_or_insert(&["spec"])
        .set("claimRef", claim_ref);
    meta::set_annotation(&mut next_pv, "pv.kubernetes.io/bound-by-controller", "yes");
    let Ok(mut next_pv) = ctx.update(pv_res, strip_rv(&next_pv)) else {
        return;
    };
    next_pv
        .path_mut_or_insert(&["status"])
        .set("phase", "Bound");
    let _ = ctx.update_status(pv_res, &strip_rv(&next_pv));
    let Some(cur) = ctx.get(pvc_res, &meta::key_of(pvc)) else {
        return;
    };
    let mut next = (*cur).clone();
    next.path_mut_or_insert(&["spec"])
        .set("volumeName", pv_name.as_str());
    meta::set_annotation(&mut next, "pv.kubernetes.io/bind-completed", "yes");
    meta::set_annotation(&mut next, "pv.kubernetes.io/bound-by-controller", "yes");
    let Ok(mut next) = ctx.update(pvc_res, strip_rv(&next)) else {
        return;
    };
    let status = next.path_mut_or_insert(&["status"]);
    status.set("phase", "Bound");
    if let Some(m) = pv.path(&["spec", "accessModes"]) {
        status.set("accessModes", m.clone());
    }
    if let Some(c) = pv.path(&["spec", "capacity"]) {
        status.set("capacity", c.clone());
    }
    let _ = ctx.update_status(pvc_res, &strip_rv(&next));
}

/// Volume side: a new volume becomes Available; one whose claim is gone is Released, then
/// deleted when its reclaim policy says so; protection is lifted when nothing is bound.
fn reconcile_pv(ctx: &mut Ctx<'_>, name: &str) {
    let pv_res = super::controllers::res("PersistentVolume");
    let pvc_res = super::controllers::res("PersistentVolumeClaim");
    let Some(pv) = ctx.get(pv_res, name) else {
        return;
    };
    let pv: Value = (*pv).clone();
    if meta::is_terminating(&pv) {
        if meta::str_at(&pv, &["status", "phase"]) != Some("Bound") {
            let fs: Vec<String> = meta::finalizers(&pv)
                .into_iter()
                .filter(|f| f != PV_PROTECTION && !f.starts_with("external-provisioner"))
                .collect();
            let mut next = pv.clone();
            meta::set_finalizers(&mut next, &fs);
            let _ = ctx.update(pv_res, strip_rv(&next));
        }
        return;
    }
    let phase = meta::str_at(&pv, &["status", "phase"])
        .unwrap_or("Pending")
        .to_string();
    let claim = pv.path(&["spec", "claimRef"]).cloned();
    let new_phase = match &claim {
        None => "Available".to_string(),
        Some(c) => {
            let key = format!(
                "{}/{}",
                meta::str_at(c, &["namespace"]).unwrap_or("default"),
                meta::str_at(c, &["name"]).unwrap_or("")
            );
            match ctx.get(pvc_res, &key) {
                Some(pvc)
                    if meta::uid(&pvc) == meta::str_at(c, &["uid"]).unwrap_or(meta::uid(&pvc)) =>
                {
                    if phase == "Released" {
                        phase.clone()
                    } else if meta::str_at(&pvc, &["spec", "volumeName"]) == Some(name) {
                        "Bound".to_string()
                    } else {
                        phase.clone()
                    }
                }
                _ => "Released".to_string(),
            }
        }
    };
    if new_phase == "Released"
        && meta::str_at(&pv, &["spec", "persistentVolumeReclaimPolicy"]) == Some("Delete")
    {
        let mut next = pv.clone();
        next.path_mut_or_insert(&["status"])
            .set("phase", "Released");
        let _ = ctx.update_status(pv_res, &strip_rv(&next));
        let _ = ctx.delete(pv_res, name, &DeleteOptions::default());
        return;
    }
    if new_phase != phase {
        let mut next = pv.clone();
        next.path_mut_or_insert(&["status"])
            .set("phase", new_phase.as_str());
        let _ = ctx.update_status(pv_res, &strip_rv(&next));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse() {
        assert_eq!(quantity_bytes("1Gi"), Some(1 << 30));
        assert_eq!(quantity_bytes("500Mi"), Some(500 << 20));
        assert_eq!(quantity_bytes("10G"), Some(10_000_000_000));
        assert_eq!(quantity_bytes("12x"), None);
    }

    #[test]
    fn each_distribution_has_its_default_class() {
        assert_eq!(
            default_storage_class("v1.34.1+k3s1", "default").0,
            "local-path"
        );
        assert_eq!(
            default_storage_class("v1.34.1", "kind-kind").1,
            "rancher.io/local-path"
        );
        assert_eq!(
            default_storage_class("v1.34.1", "minikube").1,
            "k8s.io/minikube-hostpath"
        );
        assert_eq!(
            default_storage_class("v1.34.1-gke.1", "gke_x").0,
            "standard-rwo"
        );
        assert!(default_storage_class_object("v1.34.1", "kubernetes").is_none());
    }
}
