//! cloud-controller-manager (managed presets only): load balancers for `type: LoadBalancer`
//! Services and cloud identity for nodes.
//!
//! - A LoadBalancer Service shows `<pending>` until its load balancer is ready
//!   ([`LB_PROVISION_MS`] after it was first seen): then `status.loadBalancer.ingress[0].ip`
//!   gets an external address. Events `EnsuringLoadBalancer` / `EnsuredLoadBalancer` (from
//!   `service-controller`); the `service.kubernetes.io/load-balancer-cleanup` finalizer makes
//!   deletion go through `DeletingLoadBalancer` / `DeletedLoadBalancer`.
//! - Nodes get `spec.providerID` (`gce://<project>/<zone>/<node>`), an `ExternalIP` address
//!   and the zone/region/instance-type labels.
//!
//! Clusters without a cloud provider never run this: their LoadBalancer Services stay
//! `<pending>` forever, as on kind without cloud-provider-kind.

use super::apiserver::DeleteOptions;
use super::controllers::{res, Ctx};
use super::events::Type;
use super::meta;
use super::value::Value;
use super::world::World;
use super::SimTime;
use std::collections::BTreeMap;

/// How long the simulated cloud takes to program a load balancer.
pub const LB_PROVISION_MS: u64 = 5_000;
pub const LB_FINALIZER: &str = "service.kubernetes.io/load-balancer-cleanup";
const COMPONENT: &str = "service-controller";

/// This component's state for one cluster.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Service uid → when its load balancer will be ready.
    pending: BTreeMap<String, SimTime>,
}

fn strip_rv(v: &Value) -> Value {
    let mut v = v.clone();
    meta::remove(v.path_mut_or_insert(&["metadata"]), "resourceVersion");
    v
}

fn external_ip(ctx: &mut Ctx<'_>) -> String {
    let r = &mut ctx.world.rng;
    format!(
        "34.{}.{}.{}",
        76 + r.below(100),
        r.below(256),
        1 + r.below(254)
    )
}

/// Runs one round of the cloud-controller-manager for `cluster`.
pub fn step(world: &mut World, cluster: &str) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    if c.cloud_provider.is_none() {
        return;
    }
    let mut st = std::mem::take(&mut c.cloud);
    let mut ctx = Ctx {
        world,
        cluster: cluster.to_string(),
    };
    nodes(&mut ctx);
    services(&mut ctx, &mut st);
    if let Some(c) = ctx.world.clusters.get_mut(cluster) {
        c.cloud = st;
    }
}

fn nodes(ctx: &mut Ctx<'_>) {
    let node_res = res("Node");
    for node in ctx.list(node_res, None) {
        if meta::str_at(&node, &["spec", "providerID"]).is_some() {
            continue;
        }
        let name = meta::str_at(&node, &["metadata", "name"])
            .unwrap_or("")
            .to_string();
        let mut next = (*node).clone();
        next.path_mut_or_insert(&["spec"]).set(
            "providerID",
            format!("gce://course-project/europe-west1-b/{name}"),
        );
        let labels = next.path_mut_or_insert(&["metadata", "labels"]);
        labels.set("node.kubernetes.io/instance-type", "e2-medium");
        labels.set("topology.kubernetes.io/region", "europe-west1");
        labels.set("topology.kubernetes.io/zone", "europe-west1-b");
        if let Some(Value::Seq(taints)) = meta::path_mut(&mut next, &["spec", "taints"]) {
            taints.retain(|t| {
                meta::str_at(t, &["key"]) != Some("node.cloudprovider.kubernetes.io/uninitialized")
            });
        }
        let Ok(updated) = ctx.update(node_res, strip_rv(&next)) else {
            continue;
        };
        let ip = external_ip(ctx);
        let mut with_addr = updated.clone();
        if let Some(Value::Seq(addrs)) = meta::path_mut(&mut with_addr, &["status", "addresses"]) {
            if !addrs
                .iter()
                .any(|a| meta::str_at(a, &["type"]) == Some("ExternalIP"))
            {
                let mut a = Value::map();
                a.set("address", ip.as_str());
                a.set("type", "ExternalIP");
                addrs.insert(1.min(addrs.len()), a);
            }
        }
        let _ = ctx.update_status(node_res, &strip_rv(&with_addr));
    }
}

fn services(ctx: &mut Ctx<'_>, st: &mut State) {
    let svc_res = res("Service");
    let now = ctx.now();
    for svc in ctx.list(svc_res, None) {
        let uid = meta::uid(&svc).to_string();
        let is_lb = meta::str_at(&svc, &["spec", "type"]) == Some("LoadBalancer");
        let has_finalizer = meta::finalizers(&svc).iter().any(|f| f == LB_FINALIZER);
        let has_ingress = svc
            .path(&["status", "loadBalancer", "ingress"])
            .and_then(Value::as_seq)
            .is_some_and(|s| !s.is_empty());
        if meta::is_terminating(&svc) || (!is_lb && (has_finalizer || has_ingress)) {
            if has_finalizer {
                ctx.event(
                    &svc,
                    Type::Normal,
                    "DeletingLoadBalancer",
                    "Deleting load balancer",
                    COMPONENT,
                );
                let mut next = (*svc).clone();
                let fs: Vec<String> = meta::finalizers(&svc)
                    .into_iter()
                    .filter(|f| f != LB_FINALIZER)
                    .collect();
                meta::set_finalizers(&mut next, &fs);
                if let Ok(mut u) = ctx.update(svc_res, strip_rv(&next)) {
                    if !meta::is_terminating(&svc) {
                        u.path_mut_or_insert(&["status"])
                            .set("loadBalancer", Value::map());
                        let _ = ctx.update_status(svc_res, &strip_rv(&u));
                    }
                }
                ctx.event(
                    &svc,
                    Type::Normal,
                    "DeletedLoadBalancer",
                    "Deleted load balancer",
                    COMPONENT,
                );
            }
            st.pending.remove(&uid);
            continue;
        }
        if !is_lb || has_ingress {
            continue;
        }
        match st.pending.get(&uid).copied() {
            None => {
                let mut next = (*svc).clone();
                if !has_finalizer {
                    let mut fs = meta::finalizers(&svc);
                    fs.push(LB_FINALIZER.to_string());
                    meta::set_finalizers(&mut next, &fs);
                    let _ = ctx.update(svc_res, strip_rv(&next));
                }
                ctx.event(
                    &svc,
                    Type::Normal,
                    "EnsuringLoadBalancer",
                    "Ensuring load balancer",
                    COMPONENT,
                );
                st.pending.insert(uid, now.plus_ms(LB_PROVISION_MS));
            }
            Some(at) if at <= now => {
                let ip = external_ip(ctx);
                let mut next = (*svc).clone();
                let mut ing = Value::map();
                ing.set("ip", ip.as_str());
                ing.set("ipMode", "VIP");
                next.path_mut_or_insert(&["status", "loadBalancer"])
                    .set("ingress", Value::Seq(vec![ing].into()));
                if ctx.update_status(svc_res, &strip_rv(&next)).is_ok() {
                    ctx.event(
                        &svc,
                        Type::Normal,
                        "EnsuredLoadBalancer",
                        "Ensured load balancer",
                        COMPONENT,
                    );
                    st.pending.remove(&uid);
                }
            }
            Some(_) => {}
        }
    }
    let _ = DeleteOptions::default();
}
