//! ServiceAccount and root-CA publisher controllers: every active namespace gets a `default`
//! ServiceAccount and the `kube-root-ca.crt` ConfigMap that pods' projected token volumes
//! mount (`kubectl get sa,cm` in a fresh namespace shows both, as on a real cluster).

use super::{Ctx, State};
use crate::sim::meta;
use crate::sim::value::Value;

/// The cluster CA every `kube-root-ca.crt` carries (a fixed, obviously simulated PEM).
pub const ROOT_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIKubesim0000wDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNjAxMDUwOTAwMDBaFw0zNjAxMDMwOTAwMDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n-----END CERTIFICATE-----\n";

pub fn reconcile(ctx: &mut Ctx<'_>, _st: &mut State, key: &str) {
    let ns = key;
    let Some(ns_obj) = ctx.get(super::res("Namespace"), ns) else {
        return;
    };
    if meta::is_terminating(&ns_obj) {
        return;
    }
    let sa_res = super::res("ServiceAccount");
    if ctx.get(sa_res, &format!("{ns}/default")).is_none() {
        let mut sa = Value::map();
        sa.path_mut_or_insert(&["metadata"]).set("name", "default");
        sa.path_mut_or_insert(&["metadata"]).set("namespace", ns);
        let _ = ctx.create(sa_res, sa);
    }
    let cm_res = super::res("ConfigMap");
    if ctx.get(cm_res, &format!("{ns}/kube-root-ca.crt")).is_none() {
        let mut cm = Value::map();
        let m = cm.path_mut_or_insert(&["metadata"]);
        m.set("name", "kube-root-ca.crt");
        m.set("namespace", ns);
        meta::set_annotation(
            &mut cm,
            "kubernetes.io/description",
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
        );
        cm.path_mut_or_insert(&["data"]).set("ca.crt", ROOT_CA_PEM);
        let _ = ctx.create(cm_res, cm);
    }
}
