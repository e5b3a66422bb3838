//! Cluster networking: Service ClusterIPs and NodePorts the API server allocates, pod IPs from
//! each node's podCIDR, the CNI a node needs before it is Ready, and kube-proxy's view of
//! Services.
//!
//! Start with [`resolve`]: what `curl http://web` from inside a pod reaches (name → Service →
//! one ready endpoint, picked at random like kube-proxy's iptables rules), with curl's own error
//! texts when nothing answers. [`allocate_cluster_ip`] is called by the API server when a
//! Service is created; [`install_cni`] is what `kubectl apply -f kube-flannel.yml` ends up
//! doing.
//!
//! ```
//! use kubesim::sim::network::{parse_cidr, format_ip, nth_ip};
//! let (base, size) = parse_cidr("10.96.0.0/12").unwrap();
//! assert_eq!((format_ip(base + 1), size), ("10.96.0.1".to_string(), 1 << 20));
//! assert_eq!(nth_ip("10.244.1.0/24", 5).as_deref(), Some("10.244.1.5"));
//! ```

use super::api::{self, resource_for_kind};
use super::apiserver::ApiError;
use super::rng::SimRng;
use super::store::Store;
use super::value::Value;
use super::world::{Cluster, World};
use std::collections::BTreeSet;

/// The NodePort range (`--service-node-port-range` default).
pub const NODE_PORT_MIN: i64 = 30000;
pub const NODE_PORT_MAX: i64 = 32767;

/// The service CIDR of a cluster, by distribution (kubeadm/kind/minikube `10.96.0.0/12`,
/// k3s `10.43.0.0/16`, GKE `34.118.224.0/20`).
pub fn service_cidr(cluster: &Cluster) -> &'static str {
    if cluster.version.contains("k3s") {
        "10.43.0.0/16"
    } else if cluster.version.contains("gke") {
        "34.118.224.0/20"
    } else {
        "10.96.0.0/12"
    }
}

pub fn parse_cidr(cidr: &str) -> Option<(u32, u32)> {
    let (ip, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    if bits > 32 {
        return None;
    }
    let base = parse_ip(ip)?;
    let size = if bits == 0 {
        u32::MAX
    } else {
        1u32 << (32 - bits)
    };
    Some((base & !(size.wrapping_sub(1)), size))
}

pub fn parse_ip(ip: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut n = 0;
    for part in ip.split('.') {
        out = (out << 8) | u32::from(part.parse::<u8>().ok()?);
        n += 1;
    }
    (n == 4).then_some(out)
}

pub fn format_ip(ip: u32) -> String {
    let [a, b, c, d] = ip.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

fn services(store: &Store) -> impl Iterator<Item = &Value> {
    store
        .range("/registry/services/specs/")
        .map(|kv| kv.value.as_ref())
}

/// A free ClusterIP: `.1` for the `kubernetes` service, `.10` for `kube-dns`, otherwise a
/// random free address of the range (upstream's allocator is random too), never the network
/// address nor the first ten.
pub fn allocate_cluster_ip(cluster: &Cluster, rng: &mut SimRng, name: &str) -> Option<String> {
    let (base, size) = parse_cidr(service_cidr(cluster))?;
    let used: BTreeSet<u32> = crate::sort::set_of(
        services(&cluster.store)
            .filter_map(|s| s.path(&["spec", "clusterIP"])?.as_str())
            .filter_map(parse_ip),
    );
    let preferred = match name {
        "default/kubernetes" => Some(base + 1),
        "kube-system/kube-dns" => Some(base + 10),
        _ => None,
    };
    if let Some(ip) = preferred.filter(|ip| !used.contains(ip)) {
        return Some(format_ip(ip));
    }
    let span = size.saturating_sub(12);
    if span == 0 {
        return None;
    }
    for _ in 0..64 {
        let ip = base + 11 + rng.below(span);
        if !used.contains(&ip) {
            return Some(format_ip(ip));
        }
    }
    (base + 11..base + size - 1)
        .find(|ip| !used.contains(ip))
        .map(format_ip)
}

/// NodePorts already taken by any Service.
pub fn used_node_ports(store: &Store) -> BTreeSet<i64> {
    crate::sort::set_of(
        services(store)
            .filter_map(|s| s.path(&["spec", "ports"])?.as_seq().cloned())
            .flatten()
            .filter_map(|p| p.get("nodePort")?.as_i64()),
    )
}

/// A random free NodePort.
pub fn allocate_node_port(used: &BTreeSet<i64>, rng: &mut SimRng) -> Option<i64> {
    let span = (NODE_PORT_MAX - NODE_PORT_MIN + 1) as u32;
    for _ in 0..64 {
        let p = NODE_PORT_MIN + i64::from(rng.below(span));
        if !used.contains(&p) {
            return Some(p);
        }
    }
    (NODE_PORT_MIN..=NODE_PORT_MAX).find(|p| !used.contains(p))
}

/// kubeadm's default `--service-cluster-ip-range`.
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
/// The ClusterIP of the `kubernetes` Service (first address) and of `kube-dns` (tenth).
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";
pub const KUBE_DNS_IP: &str = "10.96.0.10";
/// The condition message of a node whose container runtime has no CNI config yet.
pub const CNI_NOT_READY: &str = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";
/// DaemonSet names that are a CNI plugin (in any namespace).
pub const CNI_DAEMONSETS: &[&str] = &[
    "kube-flannel-ds",
    "calico-node",
    "cilium",
    "weave-net",
    "kindnet",
    "kube-router",
    "canal",
];

/// The `n`-th address of a CIDR (`None` past its end).
pub fn nth_ip(cidr: &str, n: u32) -> Option<String> {
    let (base, size) = parse_cidr(cidr)?;
    (n < size || size == u32::MAX).then(|| format_ip(base.wrapping_add(n)))
}

pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    match (parse_cidr(cidr), parse_ip(ip)) {
        (Some((base, size)), Some(ip)) => ip.wrapping_sub(base) < size || size == u32::MAX,
        _ => false,
    }
}

/// Is a CNI plugin available to every node (built in, or a CNI DaemonSet was applied)?
pub fn cni_ready(cluster: &Cluster) -> bool {
    cluster.kubelet.builtin_cni.is_some() || installed_cni(cluster).is_some()
}

/// The name of the CNI DaemonSet installed in the cluster, if any.
pub fn installed_cni(cluster: &Cluster) -> Option<String> {
    cluster
        .store
        .range("/registry/daemonsets/")
        .map(|kv| api::name_of(&kv.value).to_string())
        .find(|n| CNI_DAEMONSETS.contains(&n.as_str()))
}

/// Where a pod on `node` gets its IP when the Node has no `spec.podCIDR` (kubeadm without
/// `--pod-network-cidr`): Calico's own IPAM hands each node a /26 block of its default pool
/// `192.168.0.0/16` (a block per node, at a spot that looks random: here a hash of the node
/// name). Other CNIs need the podCIDR (`None`; flannel then fails, see [`super::flannel`]).
pub fn ipam_block(cluster: &Cluster, node: &str) -> Option<String> {
    if cluster.kubelet.builtin_cni.is_some()
        || installed_cni(cluster).as_deref() != Some("calico-node")
    {
        return None;
    }
    let h = node.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let block = h % 1024;
    Some(format!("192.168.{}.{}/26", block / 4, (block % 4) * 64))
}

/// Installs a CNI plugin the way its manifest would (`flannel` or `calico`): the namespace
/// and the DaemonSet. The nodes turn Ready at their next status update.
pub fn install_cni(world: &mut World, cluster: &str, plugin: &str) -> Result<(), ApiError> {
    let (ns, ds_name, image) = match plugin {
        "flannel" => (
            "kube-flannel",
            "kube-flannel-ds",
            "ghcr.io/flannel-io/flannel:v0.27.4",
        ),
        "calico" => (
            "kube-system",
            "calico-node",
            "docker.io/calico/node:v3.30.3",
        ),
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown CNI plugin {other:?} (flannel, calico)"
            )))
        }
    };
    let mut api = world
        .api(cluster, "kubectl")
        .ok_or_else(|| ApiError::internal("no such cluster"))?;
    if let Some(ns_res) = resource_for_kind("Namespace") {
        let mut obj = Value::map();
        obj.path_mut_or_insert(&["metadata"]).set("name", ns);
        obj.path_mut_or_insert(&["metadata", "labels"])
            .set("kubernetes.io/metadata.name", ns);
        if let Err(e) = api.create(ns_res, obj) {
            if e.reason != "AlreadyExists" {
                return Err(e);
            }
        }
    }
    let ds_res = resource_for_kind("DaemonSet").ok_or_else(|| ApiError::internal("no ds"))?;
    let ds = super::presets::daemonset(
        ds_name,
        ns,
        &[("app", plugin), ("k8s-app", ds_name)],
        image,
        true,
    );
    api.create(ds_res, ds)?;
    Ok(())
}

/// One Service port as kube-proxy programs it on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRule {
    pub namespace: String,
    pub service: String,
    pub cluster_ip: String,
    pub port: i64,
    pub protocol: String,
    /// Ready endpoints: `(pod namespace/name, ip, target port)`.
    pub endpoints: Vec<(String, String, i64)>,
}

/// Every rule kube-proxy on `node` has, in Service order. Empty when kube-proxy (or the
/// node) is down: that node then reaches no Service.
pub fn proxy_rules(cluster: &Cluster, node: &str) -> Vec<ProxyRule> {
    if !cluster.is_up(&format!("node/{node}")) || !cluster.is_up(&format!("kube-proxy/{node}")) {
        return Vec::new();
    }
    let mut rules = Vec::new();
    for kv in cluster.store.range("/registry/services/specs/") {
        let svc = &kv.value;
        let Some(ip) = svc.path(&["spec", "clusterIP"]).and_then(Value::as_str) else {
            continue;
        };
        if ip == "None" || ip.is_empty() {
            continue;
        }
        let ns = api::namespace_of(svc).unwrap_or("default");
        let name = api::name_of(svc);
        let eps = endpoints_of(cluster, ns, name);
        for p in svc
            .path(&["spec", "ports"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let port_name = p.get("name").and_then(Value::as_str).unwrap_or("");
            let target = match p.get("targetPort") {
                Some(Value::Int(t)) => Some(*t),
                _ => None,
            };
            let endpoints = eps
                .iter()
                .filter(|(_, _, pn, _)| pn.is_empty() || pn == port_name)
                .map(|(pod, ip, _, ep_port)| {
                    (
                        pod.clone(),
                        ip.clone(),
                        (*ep_port).or(target).unwrap_or(port),
                    )
                })
                .collect();
            rules.push(ProxyRule {
                namespace: ns.to_string(),
                service: name.to_string(),
                cluster_ip: ip.to_string(),
                port,
                protocol: p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string(),
                endpoints,
            });
        }
    }
    rules
}

/// Ready endpoints of a Service: `(pod ns/name, ip, port name, port)`, from its
/// EndpointSlices, else its Endpoints object.
fn endpoints_of(
    cluster: &Cluster,
    ns: &str,
    svc: &str,
) -> Vec<(String, String, String, Option<i64>)> {
    let mut out = Vec::new();
    let mut seen_slice = false;
    for kv in cluster
        .store
        .range(&format!("/registry/endpointslices/{ns}/"))
    {
        let s = &kv.value;
        if s.path(&["metadata", "labels", "kubernetes.io/service-name"])
            .and_then(Value::as_str)
            != Some(svc)
        {
            continue;
        }
        seen_slice = true;
        let ports: Vec<(String, Option<i64>)> = seq(s.get("ports"))
            .map(|p| {
                (
                    p.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    p.get("port").and_then(Value::as_i64),
                )
            })
            .collect();
        for e in seq(s.get("endpoints")) {
            if e.path(&["conditions", "ready"]) == Some(&Value::Bool(false)) {
                continue;
            }
            let pod = target_ref(e.get("targetRef"));
            for addr in seq(e.get("addresses")).filter_map(Value::as_str) {
                if ports.is_empty() {
                    out.push((pod.clone(), addr.to_string(), String::new(), None));
                }
                for (pn, pp) in &ports {
                    out.push((pod.clone(), addr.to_string(), pn.clone(), *pp));
                }
            }
        }
    }
    if seen_slice {
        return out;
    }
    if let Some(ep) = cluster
        .store
        .get(&format!("/registry/services/endpoints/{ns}/{svc}"))
    {
        for subset in seq(ep.value.get("subsets")) {
            let ports: Vec<(String, Option<i64>)> = seq(subset.get("ports"))
                .map(|p| {
                    (
                        p.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        p.get("port").and_then(Value::as_i64),
                    )
                })
                .collect();
            for a in seq(subset.get("addresses")) {
                let ip = a
                    .get("ip")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let pod = target_ref(a.get("targetRef"));
                for (pn, pp) in &ports {
                    out.push((pod.clone(), ip.clone(), pn.clone(), *pp));
                }
            }
        }
    }
    out
}

fn target_ref(r: Option<&Value>) -> String {
    let g = |f: &str| {
        r.and_then(|r| r.get(f))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!("{}/{}", g("namespace"), g("name"))
}

fn seq(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_seq).into_iter().flatten()
}

/// Why a request from inside a pod got no answer, worded like curl's errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("curl: (6) Could not resolve host: {0}")]
    UnknownHost(String),
    #[error(
        "curl: (7) Failed to connect to {host} port {port} after 1 ms: Could not connect to server"
    )]
    Refused { host: String, port: i64 },
    #[error("curl: (28) Connection timed out after 10002 milliseconds")]
    Timeout,
}

/// Who answers a request to `host:port` sent from a pod in namespace `from_ns` on node
/// `from_node`: DNS (`web`, `web.shop`, `web.shop.svc.cluster.local`), then kube-proxy's
/// rules on that node, then a random ready endpoint (the World's rng, like iptables'
/// `--probability`). Also accepts a pod IP directly.
pub fn resolve(
    world: &mut World,
    cluster: &str,
    from_node: &str,
    from_ns: &str,
    host: &str,
    port: i64,
) -> Result<ProxyTarget, NetError> {
    let c = world
        .clusters
        .get(cluster)
        .ok_or_else(|| NetError::UnknownHost(host.to_string()))?;
    let (svc_ns, svc_name, by_ip) = if parse_ip(host).is_some() {
        (String::new(), String::new(), Some(host.to_string()))
    } else {
        let trimmed = host.trim_end_matches('.');
        let parts: Vec<&str> = trimmed.split('.').collect();
        let (name, ns) = match parts.as_slice() {
            [n] => (*n, from_ns),
            [n, ns] => (*n, *ns),
            [n, ns, "svc"] | [n, ns, "svc", "cluster", "local"] => (*n, *ns),
            _ => return Err(NetError::UnknownHost(host.to_string())),
        };
        // DNS needs CoreDNS pods running; without them names do not resolve.
        let dns_up = c.store.range("/registry/pods/kube-system/").any(|kv| {
            api::name_of(&kv.value).starts_with("coredns-")
                && kv.value.path(&["status", "phase"]).and_then(Value::as_str) == Some("Running")
        });
        let exists = c
            .store
            .get(&format!("/registry/services/specs/{ns}/{name}"))
            .is_some();
        if !dns_up || !exists {
            return Err(if dns_up {
                NetError::UnknownHost(host.to_string())
            } else {
                NetError::Timeout
            });
        }
        (ns.to_string(), name.to_string(), None)
    };
    let rules = proxy_rules(c, from_node);
    let candidates: Vec<(String, String, i64)> = match &by_ip {
        Some(ip) => match rules.iter().find(|r| &r.cluster_ip == ip && r.port == port) {
            Some(r) => r.endpoints.clone(),
            None => {
                // A pod IP: straight to the pod if one has it.
                let pod = c.store.range("/registry/pods/").find(|kv| {
                    kv.value.path(&["status", "podIP"]).and_then(Value::as_str) == Some(ip)
                });
                match pod {
                    Some(kv) => vec![(
                        format!(
                            "{}/{}",
                            api::namespace_of(&kv.value).unwrap_or(""),
                            api::name_of(&kv.value)
                        ),
                        ip.clone(),
                        port,
                    )],
                    None => return Err(NetError::Timeout),
                }
            }
        },
        None => match rules
            .iter()
            .find(|r| r.namespace == svc_ns && r.service == svc_name && r.port == port)
        {
            Some(r) => r.endpoints.clone(),
            None => Vec::new(),
        },
    };
    if candidates.is_empty() {
        return Err(NetError::Refused {
            host: host.to_string(),
            port,
        });
    }
    let i = world.rng.below(candidates.len() as u32) as usize;
    let (pod, ip, target_port) = candidates.get(i).cloned().ok_or(NetError::Timeout)?;
    Ok(ProxyTarget {
        pod,
        ip,
        port: target_port,
    })
}

/// The pod that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    /// `namespace/name`.
    pub pod: String,
    pub ip: String,
    pub port: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calico_gives_nodes_without_a_pod_cidr_a_block_of_its_pool() {
        use crate::sim::presets::{Preset, Role};
        let mut w = World::new(1, Preset::Bare);
        Preset::Bare.install_with_pod_subnet(
            &mut w,
            "k",
            "https://10.0.0.11:6443",
            &[("cp-1".to_string(), Role::ControlPlane)],
            None,
        );
        assert_eq!(ipam_block(&w.clusters["k"], "cp-1"), None, "no CNI yet");
        install_cni(&mut w, "k", "calico").unwrap();
        let block = ipam_block(&w.clusters["k"], "cp-1").unwrap();
        assert!(
            block.starts_with("192.168.") && block.ends_with("/26"),
            "{block}"
        );
        assert_ne!(Some(block.clone()), ipam_block(&w.clusters["k"], "cp-2"));
        for _ in 0..120 {
            w.step(500);
        }
        // CoreDNS runs with addresses from that block.
        let ips: Vec<String> = w.clusters["k"]
            .store
            .range("/registry/pods/kube-system/coredns-")
            .filter_map(|kv| {
                kv.value
                    .path(&["status", "podIP"])?
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(ips.len(), 2, "{ips:?}");
        for ip in ips {
            assert!(cidr_contains(&block, &ip), "{ip} in {block}");
        }
    }

    #[test]
    fn cidr_and_ip_round_trip() {
        assert_eq!(parse_cidr("10.43.0.0/16"), Some((0x0a2b_0000, 65536)));
        assert_eq!(
            parse_ip("10.96.0.10").map(format_ip).as_deref(),
            Some("10.96.0.10")
        );
        assert_eq!(parse_ip("10.96.0"), None);
        assert_eq!(parse_cidr("10.0.0.0/40"), None);
    }

    #[test]
    fn node_ports_stay_in_range_and_avoid_used() {
        let mut rng = SimRng::new(1);
        let mut used = BTreeSet::new();
        for _ in 0..200 {
            let p = allocate_node_port(&used, &mut rng).unwrap();
            assert!((NODE_PORT_MIN..=NODE_PORT_MAX).contains(&p));
            assert!(used.insert(p));
        }
    }

    #[test]
    fn cidr_math_table() {
        for (cidr, n, want) in [
            ("10.244.1.0/24", 0, Some("10.244.1.0")),
            ("10.244.1.0/24", 255, Some("10.244.1.255")),
            ("10.244.1.0/24", 256, None),
            ("10.96.0.0/12", 1, Some("10.96.0.1")),
            ("10.96.0.0/12", 4096, Some("10.96.16.0")),
            ("bogus", 1, None),
            ("10.0.0.0/33", 1, None),
            ("10.43.0.0/16", 10, Some("10.43.0.10")),
        ] {
            assert_eq!(nth_ip(cidr, n).as_deref(), want, "{cidr} {n}");
        }
        assert!(cidr_contains(SERVICE_CIDR, "10.111.2.3"));
        assert!(!cidr_contains(SERVICE_CIDR, "10.112.0.1"));
        assert_eq!(parse_ip("1.2.3"), None);
        assert_eq!(parse_ip("1.2.3.256"), None);
    }
}
