//! Cluster networking allocations the API server needs: Service ClusterIPs from the service
//! CIDR and NodePorts from 30000–32767.
//!
//! TODO(network owner): this is the minimal deterministic allocator the API server calls; the
//! CNI / kube-proxy / pod-IP work can replace [`service_cidr`] with the cluster's configured
//! range and keep the two `allocate_*` signatures.
//!
//! ```
//! use kubesim::sim::network::{parse_cidr, format_ip};
//! let (base, size) = parse_cidr("10.96.0.0/12").unwrap();
//! assert_eq!((format_ip(base + 1), size), ("10.96.0.1".to_string(), 1 << 20));
//! ```

use super::rng::SimRng;
use super::store::Store;
use super::value::Value;
use super::world::Cluster;
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
    let used: BTreeSet<u32> = services(&cluster.store)
        .filter_map(|s| s.path(&["spec", "clusterIP"])?.as_str())
        .filter_map(parse_ip)
        .collect();
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
    services(store)
        .filter_map(|s| s.path(&["spec", "ports"])?.as_seq().cloned())
        .flatten()
        .filter_map(|p| p.get("nodePort")?.as_i64())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
