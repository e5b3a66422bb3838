//! Endpoints and EndpointSlice controllers: for each Service with a selector, the IPs of the
//! matching pods — ready ones in `addresses`, the others in `notReadyAddresses` — and one
//! EndpointSlice (`<svc>-<suffix>`, labelled `kubernetes.io/service-name`, owned by the
//! Service) with per-endpoint `ready`/`serving`/`terminating` conditions.
//!
//! Services without a selector are left alone (their Endpoints are the user's), except
//! `default/kubernetes`, whose endpoints are the API servers ([`bootstrap_kubernetes_service`]).

use super::{Ctx, State};
use crate::sim::apiserver::DeleteOptions;
use crate::sim::meta;
use crate::sim::value::{Map, Value};
use crate::sim::world::World;
use crate::sort::SortSmall;
use std::sync::Arc;

pub const SLICE_MANAGER: &str = "endpointslice-controller.k8s.io";

pub fn reconcile(ctx: &mut Ctx<'_>, st: &mut State, key: &str) {
    let svc_res = super::res("Service");
    if let Some(ns) = key.strip_prefix("ns:") {
        let keys: Vec<String> = ctx
            .list(svc_res, Some(ns))
            .iter()
            .filter(|s| s.path(&["spec", "selector"]).is_some())
            .map(|s| meta::key_of(s))
            .collect();
        for k in keys {
            reconcile(ctx, st, &k);
        }
        return;
    }
    let ep_res = super::res("Endpoints");
    let Some(svc) = ctx.get(svc_res, key) else {
        // The Service is gone: so are its Endpoints (slices go with the garbage collector).
        if ctx.get(ep_res, key).is_some() {
            let _ = ctx.delete(ep_res, key, &DeleteOptions::default());
        }
        return;
    };
    let Some(selector) = svc
        .path(&["spec", "selector"])
        .and_then(Value::as_map)
        .cloned()
    else {
        return;
    };
    if meta::str_at(&svc, &["spec", "type"]) == Some("ExternalName") {
        return;
    }
    let ns = meta::split_key(key).0.unwrap_or("default").to_string();
    let pod_res = super::res("Pod");
    let no_labels = Map::new();
    // The pods the informer filed as this Service's (the `kube-dns` Service selects 2 of
    // 50,000 kube-system pods in the `big` benchmark); the whole namespace only if the
    // filed selector is not the one read now.
    super::sync_counts(ctx, st);
    // (An empty selector selects nothing.)
    let candidates = if selector.is_empty() {
        None
    } else {
        st.index
            .service_members(key, &selector)
            .or_else(|| st.index.pods_by_ns.get(&ns))
    };
    let pods: Vec<Arc<Value>> = candidates
        .map(|keys| {
            keys.iter()
                .filter_map(|k| ctx.get(pod_res, k))
                .filter(|p| {
                    // Borrowed: a Service's namespace may hold 50,000 pods.
                    let labels = p.path(&["metadata", "labels"]).and_then(Value::as_map);
                    meta::map_selector_matches(&selector, labels.unwrap_or(&no_labels))
                })
                .filter(|p| {
                    !meta::pod_is_finished(p) && meta::str_at(p, &["status", "podIP"]).is_some()
                })
                .collect()
        })
        .unwrap_or_default();
    let svc_ports: Vec<Value> = svc
        .path(&["spec", "ports"])
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let resolve = |port: &Value, pod: Option<&Value>| -> Option<i64> {
        match port.get("targetPort") {
            Some(Value::Int(i)) => Some(*i),
            Some(Value::Str(name)) => pod.and_then(|p| {
                p.path(&["spec", "containers"])?
                    .as_seq()?
                    .iter()
                    .find_map(|c| {
                        c.get("ports")?.as_seq()?.iter().find_map(|cp| {
                            (meta::str_at(cp, &["name"]) == Some(name.as_str()))
                                .then(|| meta::int_at(cp, &["containerPort"]))
                                .flatten()
                        })
                    })
            }),
            _ => meta::int_at(port, &["port"]),
        }
    };
    let first = pods.first().map(|p| (**p).clone());
    let ports: Vec<Value> = svc_ports
        .iter()
        .filter_map(|p| {
            let mut ep = Value::map();
            if let Some(n) = p
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            {
                ep.set("name", n);
            }
            ep.set("port", resolve(p, first.as_ref())?);
            ep.set("protocol", meta::str_at(p, &["protocol"]).unwrap_or("TCP"));
            Some(ep)
        })
        .collect();
    let target_ref = |p: &Value| {
        let mut t = Value::map();
        t.set("kind", "Pod");
        t.set("name", meta::str_at(p, &["metadata", "name"]).unwrap_or(""));
        t.set("namespace", ns.as_str());
        t.set("uid", meta::uid(p));
        t
    };
    let mut ready: Vec<(String, Value)> = Vec::new();
    let mut not_ready: Vec<(String, Value)> = Vec::new();
    let mut slice_eps: Vec<(String, Value)> = Vec::new();
    for p in &pods {
        let ip = meta::str_at(p, &["status", "podIP"])
            .unwrap_or("")
            .to_string();
        let is_ready = meta::pod_is_ready(p);
        let terminating = meta::is_terminating(p);
        let mut a = Value::map();
        a.set("ip", ip.as_str());
        if let Some(n) = meta::node_name(p) {
            a.set("nodeName", n);
        }
        a.set("targetRef", target_ref(p));
        if !terminating {
            if is_ready {
                ready.push((ip.clone(), a));
            } else {
                not_ready.push((ip.clone(), a));
            }
        }
        let mut e = Value::map();
        e.set("addresses", Value::Seq(vec![ip.as_str().into()].into()));
        let mut c = Value::map();
        c.set("ready", is_ready && !terminating);
        c.set("serving", is_ready);
        c.set("terminating", terminating);
        e.set("conditions", c);
        if let Some(n) = meta::node_name(p) {
            e.set("nodeName", n);
        }
        e.set("targetRef", target_ref(p));
        slice_eps.push((ip, e));
    }
    ready.sort_small_by(|a, b| a.0.cmp(&b.0));
    not_ready.sort_small_by(|a, b| a.0.cmp(&b.0));
    slice_eps.sort_small_by(|a, b| a.0.cmp(&b.0));
    // Endpoints.
    let mut subset = Value::map();
    if !ready.is_empty() {
        subset.set(
            "addresses",
            Value::Seq(ready.into_iter().map(|x| x.1).collect()),
        );
    }
    if !not_ready.is_empty() {
        subset.set(
            "notReadyAddresses",
            Value::Seq(not_ready.into_iter().map(|x| x.1).collect()),
        );
    }
    let labels = svc.path(&["metadata", "labels"]).cloned();
    let existing = ctx.get(ep_res, key).map(|e| (*e).clone());
    let mut ep = existing.clone().unwrap_or_else(|| {
        let mut e = Value::map();
        e.path_mut_or_insert(&["metadata"])
            .set("name", meta::split_key(key).1);
        e.path_mut_or_insert(&["metadata"])
            .set("namespace", ns.as_str());
        e
    });
    match &labels {
        Some(l) => ep
            .path_mut_or_insert(&["metadata"])
            .set("labels", l.clone()),
        None => {
            meta::remove(ep.path_mut_or_insert(&["metadata"]), "labels");
        }
    }
    if subset.as_map().is_some_and(|m| m.is_empty()) || ports.is_empty() {
        meta::remove(&mut ep, "subsets");
    } else {
        subset.set("ports", Value::Seq(ports.clone().into()));
        ep.set("subsets", Value::Seq(vec![subset].into()));
    }
    match existing {
        None => {
            let _ = ctx.create(ep_res, ep);
        }
        Some(old) if old != ep => {
            meta::remove(ep.path_mut_or_insert(&["metadata"]), "resourceVersion");
            let _ = ctx.update(ep_res, ep);
        }
        _ => {}
    }
    // EndpointSlice.
    let slice_res = super::res("EndpointSlice");
    let svc_name = meta::split_key(key).1.to_string();
    let existing = ctx
        .list(slice_res, Some(&ns))
        .into_iter()
        .find(|s| meta::label(s, "kubernetes.io/service-name") == Some(svc_name.as_str()))
        .map(|s| (*s).clone());
    let mut slice = existing.clone().unwrap_or_else(|| {
        let mut s = Value::map();
        s.path_mut_or_insert(&["metadata"])
            .set("generateName", format!("{svc_name}-"));
        s.path_mut_or_insert(&["metadata"])
            .set("namespace", ns.as_str());
        meta::set_owner_refs(&mut s, &[meta::OwnerRef::controller_of(&svc)]);
        s
    });
    let mut slice_labels: Map = labels.and_then(|l| l.as_map().cloned()).unwrap_or_default();
    slice_labels.insert(
        "endpointslice.kubernetes.io/managed-by".into(),
        SLICE_MANAGER.into(),
    );
    slice_labels.insert(
        "kubernetes.io/service-name".into(),
        svc_name.as_str().into(),
    );
    slice
        .path_mut_or_insert(&["metadata"])
        .set("labels", Value::Map(slice_labels));
    slice.set("addressType", "IPv4");
    if slice_eps.is_empty() {
        meta::remove(&mut slice, "endpoints");
    } else {
        slice.set(
            "endpoints",
            Value::Seq(slice_eps.into_iter().map(|x| x.1).collect()),
        );
    }
    slice.set("ports", Value::Seq(ports.into()));
    match existing {
        None => {
            let _ = ctx.create(slice_res, slice);
        }
        Some(old) if old != slice => {
            meta::remove(slice.path_mut_or_insert(&["metadata"]), "resourceVersion");
            let _ = ctx.update(slice_res, slice);
        }
        _ => {}
    }
}

/// The `default/kubernetes` Service, its Endpoints and EndpointSlice, as kube-apiserver's
/// bootstrap controller makes them: port 443 to the API servers' addresses.
pub fn bootstrap_kubernetes_service(world: &mut World, cluster: &str) {
    let Some(c) = world.clusters.get(cluster) else {
        return;
    };
    // The API servers: control-plane nodes' InternalIPs, or the server address (managed).
    let mut ips: Vec<String> = c
        .store
        .range("/registry/minions/")
        .filter(|kv| meta::label(&kv.value, "node-role.kubernetes.io/control-plane").is_some())
        .filter_map(|kv| meta::node_address(&kv.value, "InternalIP").map(str::to_string))
        .collect();
    let host_port = c.server.trim_start_matches("https://").to_string();
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse::<i64>().unwrap_or(6443)),
        None => (host_port.clone(), 443),
    };
    if ips.is_empty() {
        ips.push(host);
    }
    // kind maps a random host port to 6443; minikube really serves 8443.
    let port = if port == 8443 || port == 443 {
        port
    } else {
        6443
    };
    let Some(mut api) = world.api(cluster, "kube-apiserver") else {
        return;
    };
    let mut svc = Value::map();
    let m = svc.path_mut_or_insert(&["metadata"]);
    m.set("name", "kubernetes");
    m.set("namespace", "default");
    let labels = m.path_mut_or_insert(&["labels"]);
    labels.set("component", "apiserver");
    labels.set("provider", "kubernetes");
    let mut p = Value::map();
    p.set("name", "https");
    p.set("port", 443i64);
    p.set("protocol", "TCP");
    p.set("targetPort", port);
    svc.path_mut_or_insert(&["spec"])
        .set("ports", Value::Seq(vec![p].into()));
    let svc = match api.create(super::res("Service"), svc) {
        Ok(s) => s,
        Err(_) => return,
    };
    let addresses: Vec<Value> = ips
        .iter()
        .map(|ip| {
            let mut a = Value::map();
            a.set("ip", ip.as_str());
            a
        })
        .collect();
    let mut ep_port = Value::map();
    ep_port.set("name", "https");
    ep_port.set("port", port);
    ep_port.set("protocol", "TCP");
    let mut ep = Value::map();
    let m = ep.path_mut_or_insert(&["metadata"]);
    m.set("name", "kubernetes");
    m.set("namespace", "default");
    m.path_mut_or_insert(&["labels"])
        .set("endpointslice.kubernetes.io/skip-mirror", "true");
    let mut subset = Value::map();
    subset.set("addresses", Value::Seq(addresses.into()));
    subset.set("ports", Value::Seq(vec![ep_port.clone()].into()));
    ep.set("subsets", Value::Seq(vec![subset].into()));
    let _ = api.create(super::res("Endpoints"), ep);
    let mut slice = Value::map();
    let m = slice.path_mut_or_insert(&["metadata"]);
    m.set("name", "kubernetes");
    m.set("namespace", "default");
    m.path_mut_or_insert(&["labels"])
        .set("kubernetes.io/service-name", "kubernetes");
    let _ = svc;
    slice.set("addressType", "IPv4");
    slice.set(
        "endpoints",
        Value::Seq(
            ips.iter()
                .map(|ip| {
                    let mut e = Value::map();
                    e.set("addresses", Value::Seq(vec![ip.as_str().into()].into()));
                    let mut c = Value::map();
                    c.set("ready", true);
                    e.set("conditions", c);
                    e
                })
                .collect(),
        ),
    );
    slice.set("ports", Value::Seq(vec![ep_port].into()));
    let _ = api.create(super::res("EndpointSlice"), slice);
}
