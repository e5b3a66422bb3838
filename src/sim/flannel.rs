//! flanneld, the agent of the flannel CNI (the `kube-flannel-ds` DaemonSet of
//! `kube-flannel.yml`), as far as a student can see it fail.
//!
//! flanneld's Kubernetes subnet manager takes each node's subnet from the Node's
//! `spec.podCIDR`, which kube-controller-manager assigns only when it runs with
//! `--allocate-node-cidrs --cluster-cidr` (what `kubeadm init --pod-network-cidr` sets). Without
//! one — or with one outside the `Network` of flannel's `net-conf.json` — flanneld logs
//! `Error registering network: failed to acquire lease: ...` and exits 1 about a second after
//! it starts, so its pod crash-loops ([`step`], through the kubelet's
//! [`super::kubelet::set_crashing`]). It never writes `/run/flannel/subnet.env`, so the
//! flannel CNI plugin fails every pod sandbox on that node ([`sandbox_error`]): pods stay
//! `ContainerCreating` with `FailedCreatePodSandBox` events. The node itself turns Ready
//! anyway (the `install-cni` init container wrote the CNI config). Giving the node a podCIDR
//! (`kubectl patch node`) lets flanneld start at its next restart.
//!
//! [`logs`] is what `kubectl logs` prints for the `kube-flannel` container: flanneld's klog
//! lines (source line numbers from v0.2x logs, not one exact release).

use super::clock::SimTime;
use super::network;
use super::value::Value;
use super::world::{Cluster, World};

/// The DaemonSet name of flannel's manifest ([`network::CNI_DAEMONSETS`]).
pub const DAEMONSET: &str = "kube-flannel-ds";

/// What the flannel CNI plugin answers when flanneld has not written its subnet file.
pub const SUBNET_ENV_MISSING: &str = "plugin type=\"flannel\" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory";

/// Where flannel's pods live: `kube-flannel` since v0.20, `kube-system` in older manifests.
const POD_PREFIXES: [&str; 2] = ["kube-flannel/", "kube-system/kube-flannel-"];

/// Why flanneld on `node` cannot acquire its lease, worded as it logs it after
/// `Error registering network: `; `None` when it can (or the node is unknown).
pub fn lease_error(c: &Cluster, node: &str) -> Option<String> {
    let obj = c.store.get(&format!("/registry/minions/{node}"))?;
    let pod_cidr = obj
        .value
        .path(&["spec", "podCIDR"])
        .and_then(Value::as_str)
        .unwrap_or("");
    if pod_cidr.is_empty() {
        return Some(format!(
            "failed to acquire lease: node \"{node}\" pod cidr not assigned"
        ));
    }
    let network = net_conf_network(c)?;
    let (net_base, net_size) = network::parse_cidr(&network)?;
    let (base, size) = network::parse_cidr(pod_cidr)?;
    let inside = base.wrapping_sub(net_base) < net_size && size <= net_size;
    (!inside).then(|| {
        format!(
            "failed to acquire lease: subnet \"{network}\" specified in the flannel net config doesn't contain \"{pod_cidr}\" PodCIDR of the \"{node}\" node"
        )
    })
}

/// `Network` of `net-conf.json` in the `kube-flannel-cfg` ConfigMap, if there is one.
fn net_conf_network(c: &Cluster) -> Option<String> {
    let conf = ["kube-flannel", "kube-system"].iter().find_map(|ns| {
        let kv = c
            .store
            .get(&format!("/registry/configmaps/{ns}/kube-flannel-cfg"))?;
        kv.value
            .path(&["data", "net-conf.json"])
            .and_then(Value::as_str)
            .map(str::to_string)
    })?;
    let json = super::value::json::parse(&conf).ok()?;
    json.get("Network")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Is flannel this cluster's CNI, installed from its manifest (k3s' built-in flannel always
/// has podCIDRs)?
fn installed(c: &Cluster) -> bool {
    c.kubelet.builtin_cni.is_none() && network::installed_cni(c).as_deref() == Some(DAEMONSET)
}

/// Why the CNI plugin fails pod sandboxes on `node` ([`SUBNET_ENV_MISSING`]), if it does.
pub fn sandbox_error(c: &Cluster, node: &str) -> Option<&'static str> {
    (installed(c) && lease_error(c, node).is_some()).then_some(SUBNET_ENV_MISSING)
}

/// Runs before the kubelets in each step: flanneld crashes on the nodes where it cannot
/// acquire its lease, and serves again once it can.
pub fn step(world: &mut World, cluster: &str) {
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let pods = super::kubelet::pods_under(c, &POD_PREFIXES);
    for (key, node) in pods {
        let failing = lease_error(c, &node).is_some();
        super::kubelet::set_crashing(c, &key, failing, now);
    }
}

/// klog's header (`I0105 09:00:12.104233       1 main.go:231] `), pid 1 in the container
/// ([`super::component_log::klog`] formats it).
fn klog(severity: char, t: SimTime, line: usize, source: &str, msg: &str) -> String {
    // Microseconds that move on line by line, as a real process's would.
    let us = (t.as_ms() % 1000) * 1000 + 104_233 % 997 + line as u64 * 211;
    let us = u32::try_from(us % 1_000_000).unwrap_or(0);
    let mut l = super::component_log::klog(severity, t, us, 1, source, msg);
    l.push('\n');
    l
}

/// What flanneld printed in a run on `node` from `start` (`failed`: it exited with the lease
/// error of that node, or the usual one if the node has a podCIDR by now).
pub fn logs(c: &Cluster, node: &str, start: SimTime, failed: bool) -> String {
    let ip = c
        .store
        .get(&format!("/registry/minions/{node}"))
        .and_then(|kv| super::meta::node_address(&kv.value, "InternalIP").map(str::to_string))
        .unwrap_or_default();
    let synced = start.plus_ms(1_000);
    let mut lines: Vec<(char, SimTime, &str, String)> = vec![
        ('W', start, "client_config.go:618", "Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.".into()),
        ('I', start, "kube.go:139", "Waiting 10m0s for node controller to sync".into()),
        ('I', start, "kube.go:469", "Starting kube subnet manager".into()),
        ('I', synced, "kube.go:146", "Node controller sync successful".into()),
        ('I', synced, "main.go:231", format!("Created subnet manager: Kubernetes Subnet Manager - {node}")),
        ('I', synced, "main.go:234", "Installing signal handlers".into()),
        ('I', synced, "main.go:468", "Found network config - Backend type: vxlan".into()),
        ('I', synced, "match.go:210", "Determining IP address of default interface".into()),
        ('I', synced, "match.go:263", format!("Using interface with name eth0 and address {ip}")),
        ('I', synced, "match.go:285", format!("Defaulting external address to interface address ({ip})")),
        ('I', synced, "vxlan.go:141", "VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false".into()),
    ];
    if failed {
        let why = lease_error(c, node).unwrap_or_else(|| {
            format!("failed to acquire lease: node \"{node}\" pod cidr not assigned")
        });
        lines.push((
            'E',
            synced,
            "main.go:359",
            format!("Error registering network: {why}"),
        ));
        lines.push((
            'I',
            synced,
            "main.go:448",
            "Stopping shutdownHandler...".into(),
        ));
    } else {
        let cidr = c
            .store
            .get(&format!("/registry/minions/{node}"))
            .and_then(|kv| {
                kv.value
                    .path(&["spec", "podCIDR"])
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let up = synced.plus_ms(100);
        lines.extend([
            (
                'I',
                synced,
                "kube.go:490",
                format!("Creating the node lease for IPv4. This is the n.Spec.PodCIDRs: [{cidr}]"),
            ),
            ('I', up, "main.go:355", "Setting up masking rules".into()),
            (
                'I',
                up,
                "main.go:406",
                "Changing default FORWARD chain policy to ACCEPT".into(),
            ),
            (
                'I',
                up,
                "main.go:420",
                "Wrote subnet file to /run/flannel/subnet.env".into(),
            ),
            ('I', up, "main.go:424", "Running backend.".into()),
            (
                'I',
                up,
                "vxlan_network.go:65",
                "watching for new subnet leases".into(),
            ),
            (
                'I',
                up,
                "main.go:445",
                "Waiting for all goroutines to exit".into(),
            ),
        ]);
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, (sev, t, src, msg))| klog(*sev, *t, i, src, msg))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::meta;
    use crate::sim::presets::{Preset, Role};

    const CLUSTER: &str = "kubernetes";

    /// `kubeadm init` on cp-1 (with or without `--pod-network-cidr`), then flannel: its
    /// ConfigMap (default `Network` 10.244.0.0/16) and DaemonSet.
    fn kubeadm(pod_subnet: Option<&str>) -> World {
        let mut w = World::new(3, Preset::Bare);
        Preset::Bare.install_with_pod_subnet(
            &mut w,
            CLUSTER,
            "https://10.0.0.11:6443",
            &[("cp-1".to_string(), Role::ControlPlane)],
            pod_subnet,
        );
        network::install_cni(&mut w, CLUSTER, "flannel").unwrap();
        let mut cm = Value::map();
        let m = cm.path_mut_or_insert(&["metadata"]);
        m.set("name", "kube-flannel-cfg");
        m.set("namespace", "kube-flannel");
        cm.path_mut_or_insert(&["data"]).set(
            "net-conf.json",
            "{\n  \"Network\": \"10.244.0.0/16\",\n  \"Backend\": {\n    \"Type\": \"vxlan\"\n  }\n}\n",
        );
        let res = crate::sim::api::resource_for_kind("ConfigMap").unwrap();
        w.api(CLUSTER, "kubectl").unwrap().create(res, cm).unwrap();
        w
    }

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    fn pods(w: &World, ns: &str) -> Vec<Value> {
        w.clusters[CLUSTER]
            .store
            .range(&format!("/registry/pods/{ns}/"))
            .map(|kv| (*kv.value).clone())
            .collect()
    }

    fn coredns(w: &World) -> Vec<Value> {
        pods(w, "kube-system")
            .into_iter()
            .filter(|p| {
                meta::str_at(p, &["metadata", "name"]).is_some_and(|n| n.starts_with("coredns-"))
            })
            .collect()
    }

    fn waiting_reason(p: &Value) -> Option<String> {
        p.path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .and_then(|cs| cs.first())
            .and_then(|c| meta::str_at(c, &["state", "waiting", "reason"]))
            .map(str::to_string)
    }

    fn messages(w: &World, reason: &str) -> Vec<String> {
        w.clusters[CLUSTER]
            .store
            .range("/registry/events/")
            .filter(|kv| meta::str_at(&kv.value, &["reason"]) == Some(reason))
            .filter_map(|kv| meta::str_at(&kv.value, &["message"]).map(str::to_string))
            .collect()
    }

    fn flannel_logs(w: &World, pod: &str) -> String {
        crate::sim::kubelet::logs(
            &w.clusters[CLUSTER],
            "kube-flannel",
            pod,
            None,
            false,
            w.now(),
        )
        .unwrap()
    }

    #[test]
    fn without_a_pod_network_cidr_flannel_crash_loops_and_sandboxes_fail() {
        let mut w = kubeadm(None);
        let node = w.clusters[CLUSTER]
            .store
            .get("/registry/minions/cp-1")
            .unwrap();
        assert!(node.value.path(&["spec", "podCIDR"]).is_none());
        assert_eq!(
            crate::sim::presets::cluster_cidr(&w.clusters[CLUSTER]),
            None
        );
        run(&mut w, 90_000);
        let flannel = pods(&w, "kube-flannel");
        assert_eq!(flannel.len(), 1);
        let f = &flannel[0];
        assert_eq!(
            waiting_reason(f).as_deref(),
            Some("CrashLoopBackOff"),
            "{f:?}"
        );
        let name = meta::str_at(f, &["metadata", "name"]).unwrap().to_string();
        let log = flannel_logs(&w, &name);
        assert!(
            log.contains("] Error registering network: failed to acquire lease: node \"cp-1\" pod cidr not assigned\n"),
            "{log}"
        );
        assert!(log.ends_with("] Stopping shutdownHandler...\n"), "{log}");
        // The node is Ready (CNI config written); CoreDNS cannot get a sandbox.
        let ready = w.clusters[CLUSTER]
            .store
            .get("/registry/minions/cp-1")
            .unwrap();
        assert_eq!(meta::condition_status(&ready.value, "Ready"), Some("True"));
        let dns = coredns(&w);
        assert!(!dns.is_empty());
        for p in &dns {
            assert!(p.path(&["status", "podIP"]).is_none(), "{p:?}");
            assert_eq!(
                waiting_reason(p).as_deref(),
                Some("ContainerCreating"),
                "{p:?}"
            );
        }
        let failed = messages(&w, "FailedCreatePodSandBox");
        assert!(!failed.is_empty());
        for m in failed {
            assert!(m.starts_with("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \""), "{m}");
            assert!(m.ends_with(&format!("\": {SUBNET_ENV_MISSING}")), "{m}");
        }
        // Patching a podCIDR in (the usual fix) lets flanneld and then CoreDNS start.
        let nodes = crate::sim::api::resource_for_kind("Node").unwrap();
        let mut n = (*w.clusters[CLUSTER]
            .store
            .get("/registry/minions/cp-1")
            .unwrap()
            .value)
            .clone();
        n.path_mut_or_insert(&["spec"])
            .set("podCIDR", "10.244.0.0/24");
        w.api(CLUSTER, "kubectl").unwrap().update(nodes, n).unwrap();
        run(&mut w, 330_000);
        let f = &pods(&w, "kube-flannel")[0];
        assert!(meta::pod_is_ready(f), "{f:?}");
        let log = flannel_logs(&w, &name);
        assert!(
            log.contains("] Wrote subnet file to /run/flannel/subnet.env\n"),
            "{log}"
        );
        for p in coredns(&w) {
            let ip = meta::str_at(&p, &["status", "podIP"]).unwrap_or("");
            assert!(ip.starts_with("10.244.0."), "{p:?}");
        }
    }

    #[test]
    fn with_a_pod_network_cidr_nodes_get_a_slice_and_flannel_runs() {
        let mut w = kubeadm(Some("10.244.0.0/16"));
        let c = &w.clusters[CLUSTER];
        assert_eq!(
            crate::sim::presets::cluster_cidr(c).as_deref(),
            Some("10.244.0.0/16")
        );
        let node = c.store.get("/registry/minions/cp-1").unwrap();
        assert_eq!(
            meta::str_at(&node.value, &["spec", "podCIDR"]),
            Some("10.244.0.0/24")
        );
        run(&mut w, 60_000);
        let f = &pods(&w, "kube-flannel")[0];
        assert!(meta::pod_is_ready(f), "{f:?}");
        assert!(messages(&w, "FailedCreatePodSandBox").is_empty());
    }

    #[test]
    fn a_pod_cidr_outside_flannels_network_is_refused() {
        let w = kubeadm(Some("10.10.0.0/16"));
        assert_eq!(
            lease_error(&w.clusters[CLUSTER], "cp-1").as_deref(),
            Some("failed to acquire lease: subnet \"10.244.0.0/16\" specified in the flannel net config doesn't contain \"10.10.0.0/24\" PodCIDR of the \"cp-1\" node")
        );
    }

    #[test]
    fn klog_header_is_severity_date_micros_and_a_7_wide_pid() {
        let t = SimTime::ZERO.plus_ms(3_250);
        let line = klog('E', t, 0, "main.go:359", "x");
        let rfc = t.rfc3339();
        let head = format!("E{}{} {}.", &rfc[5..7], &rfc[8..10], &rfc[11..19]);
        assert!(line.starts_with(&head), "{line:?} {head:?}");
        assert!(line.ends_with(" 1 main.go:359] x\n"), "{line:?}");
        assert_eq!(
            line.len(),
            head.len() + 6 + 9 + "main.go:359] x\n".len(),
            "{line:?}"
        );
    }
}
