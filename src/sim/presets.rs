//! Ready-made clusters: what `minikube start`, `kind create cluster`, k3s, kubeadm or a cloud
//! provider would give you, as data.
//!
//! A [`Preset`] says which nodes exist and how they look (names, roles, addresses, OS image,
//! container runtime). [`Preset::install`] creates the cluster in a [`World`] through its API
//! server, the way each kubelet registers its own Node object.

use super::api::resource_for_kind;
use super::value::{template, Map, Value};
use super::world::{Cluster, World};

mod system;

/// The Kubernetes version of the simulated clusters.
pub const K8S_VERSION: &str = "v1.34.1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// One node that is both control plane and worker.
    Minikube,
    /// One control-plane node and two workers, in containers.
    Kind,
    /// A k3s server and two agents (containerd and flannel built in).
    K3s,
    /// A managed cloud cluster: only the workers are visible.
    Managed,
    /// Three control-plane nodes with stacked etcd and three workers (kubeadm).
    Ha,
    /// No cluster: machines waiting for `kubeadm init`.
    Bare,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Minikube,
        Preset::Kind,
        Preset::K3s,
        Preset::Managed,
        Preset::Ha,
        Preset::Bare,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Minikube => "minikube",
            Preset::Kind => "kind",
            Preset::K3s => "k3s",
            Preset::Managed => "managed",
            Preset::Ha => "ha",
            Preset::Bare => "bare",
        }
    }
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The cluster name tools and kubeconfig files use for this preset.
    pub fn cluster_name(self) -> &'static str {
        match self {
            Preset::Minikube => "minikube",
            Preset::Kind => "kind-kind",
            Preset::K3s => "default",
            Preset::Managed => "gke_course-project_europe-west1_course",
            Preset::Ha => "kubernetes",
            Preset::Bare => "",
        }
    }

    /// The pod network each distribution ships with.
    pub fn builtin_cni(self) -> &'static str {
        match self {
            Preset::Minikube => "bridge",
            Preset::Kind => "kindnet",
            Preset::K3s => "flannel",
            Preset::Managed => "gke",
            Preset::Ha => "calico",
            Preset::Bare => "",
        }
    }

    fn spec(self) -> Option<ClusterSpec> {
        let containerd = "containerd://2.1.4";
        Some(match self {
            Preset::Minikube => ClusterSpec {
                server: "https://192.168.49.2:8443",
                version: K8S_VERSION.to_string(),
                os_image: "Ubuntu 22.04.5 LTS",
                kernel: "6.8.0-49-generic",
                runtime: "docker://28.4.0",
                ip_base: [192, 168, 49, 2],
                nodes: vec![("minikube", Role::ControlPlaneUntainted)],
            },
            Preset::Kind => ClusterSpec {
                server: "https://127.0.0.1:40125",
                version: K8S_VERSION.to_string(),
                os_image: "Debian GNU/Linux 12 (bookworm)",
                kernel: "6.8.0-49-generic",
                runtime: containerd,
                ip_base: [172, 18, 0, 2],
                nodes: vec![
                    ("kind-control-plane", Role::ControlPlane),
                    ("kind-worker", Role::Worker),
                    ("kind-worker2", Role::Worker),
                ],
            },
            Preset::K3s => ClusterSpec {
                server: "https://10.0.0.10:6443",
                version: format!("{K8S_VERSION}+k3s1"),
                os_image: "Ubuntu 24.04.3 LTS",
                kernel: "6.8.0-85-generic",
                runtime: "containerd://2.1.4-k3s1",
                ip_base: [10, 0, 0, 10],
                nodes: vec![
                    ("k3s-server", Role::ControlPlaneUntainted),
                    ("k3s-agent-1", Role::Worker),
                    ("k3s-agent-2", Role::Worker),
                ],
            },
            Preset::Managed => ClusterSpec {
                server: "https://34.76.120.15",
                version: format!("{K8S_VERSION}-gke.1150000"),
                os_image: "Container-Optimized OS from Google",
                kernel: "6.6.97+",
                runtime: "containerd://2.0.6",
                ip_base: [10, 132, 0, 2],
                nodes: vec![
                    ("gke-course-default-pool-6f1b2c3d-4kxz", Role::Worker),
                    ("gke-course-default-pool-6f1b2c3d-9qmp", Role::Worker),
                    ("gke-course-default-pool-6f1b2c3d-v7rn", Role::Worker),
                ],
            },
            Preset::Ha => ClusterSpec {
                server: "https://10.0.0.100:6443",
                version: K8S_VERSION.to_string(),
                os_image: "Ubuntu 24.04.3 LTS",
                kernel: "6.8.0-85-generic",
                runtime: containerd,
                ip_base: [10, 0, 0, 11],
                nodes: vec![
                    ("cp-1", Role::ControlPlane),
                    ("cp-2", Role::ControlPlane),
                    ("cp-3", Role::ControlPlane),
                    ("worker-1", Role::Worker),
                    ("worker-2", Role::Worker),
                    ("worker-3", Role::Worker),
                ],
            },
            Preset::Bare => return None,
        })
    }

    /// Creates a cluster shaped like this preset's (runtime, OS, versions) under another name,
    /// server and node list: what `kind create cluster --name dev`, `minikube start -p x`,
    /// `kubeadm init` or the k3s installer make. [`Preset::Bare`] borrows kubeadm's (HA) look.
    pub fn install_custom(
        self,
        world: &mut World,
        name: &str,
        server: &str,
        nodes: &[(String, Role)],
    ) {
        self.install_with_pod_subnet(world, name, server, nodes, Some(self.pod_subnet()));
    }

    /// [`Preset::install_custom`] with the cluster's pod network (`kubeadm init
    /// --pod-network-cidr`): kube-controller-manager then runs with `--allocate-node-cidrs`
    /// and gives each node a /24 of it as `spec.podCIDR`. `None` (kubeadm's default) leaves
    /// nodes without a podCIDR, which flannel cannot work with ([`super::flannel`]).
    pub fn install_with_pod_subnet(
        self,
        world: &mut World,
        name: &str,
        server: &str,
        nodes: &[(String, Role)],
        pod_subnet: Option<&str>,
    ) {
        // `kubeadm init` (Bare) makes a kubeadm cluster like HA's, but without any CNI:
        // its nodes stay NotReady until one is applied.
        let base = if self == Preset::Bare {
            Preset::Ha
        } else {
            self
        };
        let Some(spec) = base.spec() else { return };
        let mut cluster = Cluster::new(name, server, &spec.version);
        if self != Preset::Bare {
            cluster.kubelet.builtin_cni = Some(self.builtin_cni().to_string());
        }
        world.clusters.insert(name.to_string(), cluster);
        bootstrap_nodes(world, name, &spec, nodes, pod_subnet);
        if self == Preset::Managed {
            if let Some(c) = world.clusters.get_mut(name) {
                c.cloud_provider = Some("gce".to_string());
            }
        }
        super::controllers::bootstrap_cluster(world, name);
        system::install(world, name, self, nodes, pod_subnet);
    }

    /// Registers one more node in `cluster` (what `kubeadm join` or a k3s agent does): the
    /// kubelet creates its Node object, shaped like this preset's nodes.
    pub fn join_node(
        self,
        world: &mut World,
        cluster: &str,
        name: &str,
        role: Role,
        ip: &str,
        index: usize,
    ) {
        let base = if self == Preset::Bare {
            Preset::Ha
        } else {
            self
        };
        let (Some(spec), Some(node_res)) = (base.spec(), resource_for_kind("Node")) else {
            return;
        };
        // kube-controller-manager's node IPAM, if it runs with `--cluster-cidr`.
        let subnet = match self {
            Preset::Bare => world.clusters.get(cluster).and_then(cluster_cidr),
            _ => Some(self.pod_subnet().to_string()),
        };
        let pod_cidr = subnet.and_then(|s| node_pod_cidr(&s, index));
        let node = node_object(name, role, ip, index, pod_cidr.as_deref(), &spec);
        let actor = format!("kubelet/{name}");
        if let Some(mut api) = world.api(cluster, &actor) {
            let _ = api.create(node_res, node);
        }
    }

    /// The pod network this distribution sets up: k3s' `--cluster-cidr` default
    /// `10.42.0.0/16`, the others' [`DEFAULT_POD_SUBNET`].
    pub fn pod_subnet(self) -> &'static str {
        match self {
            Preset::K3s => "10.42.0.0/16",
            _ => DEFAULT_POD_SUBNET,
        }
    }

    /// The node names and roles this preset's cluster has.
    pub fn nodes(self) -> Vec<(String, Role)> {
        self.spec()
            .map(|s| s.nodes.iter().map(|(n, r)| (n.to_string(), *r)).collect())
            .unwrap_or_default()
    }

    /// The first node address of this preset (`172.18.0.2` for kind).
    pub fn ip_base(self) -> Option<[u8; 4]> {
        self.spec().map(|s| s.ip_base)
    }

    /// Creates this preset's cluster in `world` (nothing for [`Preset::Bare`]).
    pub fn install(self, world: &mut World) {
        let Some(spec) = self.spec() else { return };
        let nodes: Vec<(String, Role)> = spec
            .nodes
            .iter()
            .map(|(n, r)| (n.to_string(), *r))
            .collect();
        self.install_custom(world, self.cluster_name(), spec.server, &nodes);
    }
}

/// The managed-cluster offers of the other clouds, for their CLIs' "get credentials"
/// commands (`aws eks update-kubeconfig`, `az aks get-credentials`, `doctl kubernetes
/// cluster kubeconfig save`): `provider` is `eks`, `aks` or `doks`. The cluster behaves like
/// the managed preset's (hidden control plane, cloud controller) with that cloud's node
/// image, kubelet version string and addresses.
pub fn install_cloud(
    world: &mut World,
    provider: &str,
    name: &str,
    server: &str,
    nodes: &[(String, Role)],
) {
    let (version, os_image, kernel, runtime, ip_base, cloud) = match provider {
        "eks" => (
            format!("{K8S_VERSION}-eks-3025e55"),
            "Amazon Linux 2023.8.20250915",
            "6.1.150-174.273.amzn2023.x86_64",
            "containerd://1.7.27",
            [192, 168, 12, 34],
            "aws",
        ),
        "aks" => (
            K8S_VERSION.to_string(),
            "Ubuntu 22.04.5 LTS",
            "5.15.0-1092-azure",
            "containerd://1.7.28-1",
            [10, 224, 0, 4],
            "azure",
        ),
        _ => (
            K8S_VERSION.to_string(),
            "Debian GNU/Linux 12 (bookworm)",
            "6.1.0-37-amd64",
            "containerd://1.7.27",
            [10, 114, 0, 2],
            "digitalocean",
        ),
    };
    let spec = ClusterSpec {
        server: "",
        version,
        os_image,
        kernel,
        runtime,
        ip_base,
        nodes: Vec::new(),
    };
    let mut cluster = Cluster::new(name, server, &spec.version);
    cluster.kubelet.builtin_cni = Some(Preset::Managed.builtin_cni().to_string());
    world.clusters.insert(name.to_string(), cluster);
    bootstrap_nodes(world, name, &spec, nodes, Some(DEFAULT_POD_SUBNET));
    if let Some(c) = world.clusters.get_mut(name) {
        c.cloud_provider = Some(cloud.to_string());
    }
    super::controllers::bootstrap_cluster(world, name);
    system::install(
        world,
        name,
        Preset::Managed,
        nodes,
        Some(DEFAULT_POD_SUBNET),
    );
}

/// A node's role in a preset cluster (see [`Preset::install_custom`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    ControlPlane,
    /// A control plane that also runs workloads (minikube, k3s): no NoSchedule taint.
    ControlPlaneUntainted,
    Worker,
}

pub(crate) struct ClusterSpec {
    pub(crate) server: &'static str,
    pub(crate) version: String,
    pub(crate) os_image: &'static str,
    pub(crate) kernel: &'static str,
    pub(crate) runtime: &'static str,
    pub(crate) ip_base: [u8; 4],
    pub(crate) nodes: Vec<(&'static str, Role)>,
}

/// The pod network of every preset (flannel's default `Network`, kind's and kubeadm guides').
pub const DEFAULT_POD_SUBNET: &str = "10.244.0.0/16";

/// The `index`-th /24 of the cluster's pod network (`--node-cidr-mask-size` 24), as
/// kube-controller-manager's node IPAM hands them out in registration order.
pub fn node_pod_cidr(cluster_cidr: &str, index: usize) -> Option<String> {
    let (base, size) = super::network::parse_cidr(cluster_cidr)?;
    let index = u32::try_from(index).ok()?;
    (index.checked_mul(256)? < size)
        .then(|| format!("{}/24", super::network::format_ip(base + index * 256)))
}

/// The `--cluster-cidr` kube-controller-manager runs with (read from its static pod), if it
/// allocates node CIDRs: what `kubeadm init --pod-network-cidr` set.
pub fn cluster_cidr(c: &Cluster) -> Option<String> {
    c.store
        .range("/registry/pods/kube-system/kube-controller-manager-")
        .find_map(|kv| command_flag(&kv.value, "cluster-cidr").map(str::to_string))
}

/// The value of `--<name>=` in the command of a (static) pod's first container.
pub fn command_flag<'a>(pod: &'a Value, name: &str) -> Option<&'a str> {
    pod.path(&["spec", "containers"])
        .and_then(Value::as_seq)?
        .first()?
        .get("command")
        .and_then(Value::as_seq)?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|w| w.strip_prefix("--")?.strip_prefix(name)?.strip_prefix('='))
}

fn bootstrap_nodes(
    world: &mut World,
    cluster: &str,
    spec: &ClusterSpec,
    nodes: &[(String, Role)],
    pod_subnet: Option<&str>,
) {
    let (Some(ns_res), Some(node_res)) =
        (resource_for_kind("Namespace"), resource_for_kind("Node"))
    else {
        return;
    };
    if let Some(mut api) = world.api(cluster, "kube-apiserver") {
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let _ = api.create(ns_res, namespace_object(ns));
        }
    }
    for (i, (node_name, role)) in nodes.iter().enumerate() {
        let [a, b, c, d] = spec.ip_base;
        let ip = format!("{a}.{b}.{c}.{}", u32::from(d) + i as u32);
        let pod_cidr = pod_subnet.and_then(|s| node_pod_cidr(s, i));
        let node = node_object(node_name, *role, &ip, i, pod_cidr.as_deref(), spec);
        let actor = format!("kubelet/{node_name}");
        if let Some(mut api) = world.api(cluster, &actor) {
            let _ = api.create(node_res, node);
        }
    }
}

/// A Namespace as the API server stores it.
fn namespace_object(name: &str) -> Value {
    template(
        "metadata: {name: $name, labels: {kubernetes.io/metadata.name: $name}}\nspec: {finalizers: [kubernetes]}\nstatus: {phase: Active}",
        &[("name", name.into())],
    )
}

/// A Node as its kubelet registers it, Ready.
const NODE: &str = r#"metadata:
  name: $name
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
spec: null
status:
  addresses:
  - {address: $ip, type: InternalIP}
  - {address: $name, type: Hostname}
  allocatable: {cpu: "4", ephemeral-storage: 102625208Ki, hugepages-1Gi: "0", hugepages-2Mi: "0", memory: 8025424Ki, pods: "110"}
  capacity: {cpu: "4", ephemeral-storage: 102625208Ki, hugepages-1Gi: "0", hugepages-2Mi: "0", memory: 8025424Ki, pods: "110"}
  conditions:
  - lastHeartbeatTime: "2026-01-05T09:00:00Z"
    lastTransitionTime: "2026-01-05T09:00:00Z"
    message: kubelet has sufficient memory available
    reason: KubeletHasSufficientMemory
    status: "False"
    type: MemoryPressure
  - lastHeartbeatTime: "2026-01-05T09:00:00Z"
    lastTransitionTime: "2026-01-05T09:00:00Z"
    message: kubelet has no disk pressure
    reason: KubeletHasNoDiskPressure
    status: "False"
    type: DiskPressure
  - lastHeartbeatTime: "2026-01-05T09:00:00Z"
    lastTransitionTime: "2026-01-05T09:00:00Z"
    message: kubelet has sufficient PID available
    reason: KubeletHasSufficientPID
    status: "False"
    type: PIDPressure
  - lastHeartbeatTime: "2026-01-05T09:00:00Z"
    lastTransitionTime: "2026-01-05T09:00:00Z"
    message: kubelet is posting ready status
    reason: KubeletReady
    status: "True"
    type: Ready
  daemonEndpoints: {kubeletEndpoint: {Port: 10250}}
  nodeInfo:
    architecture: amd64
    bootID: $bootID
    containerRuntimeVersion: $runtime
    kernelVersion: $kernel
    kubeProxyVersion: $version
    kubeletVersion: $version
    machineID: $machineID
    operatingSystem: linux
    osImage: $osImage
    systemUUID: $systemUUID
"#;

fn node_object(
    name: &str,
    role: Role,
    ip: &str,
    index: usize,
    pod_cidr: Option<&str>,
    spec: &ClusterSpec,
) -> Value {
    let mut node = template(
        NODE,
        &[
            ("name", name.into()),
            ("ip", ip.into()),
            (
                "bootID",
                format!("5c1f0a2e-0000-4000-8000-{index:012}").into(),
            ),
            ("runtime", spec.runtime.into()),
            ("kernel", spec.kernel.into()),
            ("version", spec.version.as_str().into()),
            (
                "machineID",
                format!("{:032x}", 0x6b75_6265_7369_6d00_u128 + index as u128).into(),
            ),
            ("osImage", spec.os_image.into()),
            (
                "systemUUID",
                format!("7a3c9e10-0000-4000-8000-{index:012}").into(),
            ),
        ],
    );
    if role != Role::Worker {
        node.path_mut_or_insert(&["metadata", "labels"])
            .set("node-role.kubernetes.io/control-plane", "");
    }
    if let Some(pod_cidr) = pod_cidr {
        let node_spec = node.path_mut_or_insert(&["spec"]);
        node_spec.set("podCIDR", pod_cidr);
        node_spec.set("podCIDRs", Value::Seq(vec![pod_cidr.into()]));
    }
    if role == Role::ControlPlane {
        node.path_mut_or_insert(&["spec"]).set(
            "taints",
            template(
                "[{effect: NoSchedule, key: node-role.kubernetes.io/control-plane}]",
                &[],
            ),
        );
    }
    node
}

const DAEMONSET: &str = r#"metadata: {name: $name, namespace: $ns, labels: $labels}
spec:
  selector: {matchLabels: $labels}
  revisionHistoryLimit: 10
  updateStrategy: {type: RollingUpdate}
  template:
    metadata: {labels: $labels}
    spec:
      priorityClassName: system-node-critical
      tolerations: [{operator: Exists}]
      containers: [{name: $container, image: $image, imagePullPolicy: IfNotPresent}]
"#;

/// A DaemonSet object (what a manifest would create) with one container.
pub fn daemonset(
    name: &str,
    ns: &str,
    labels: &[(&str, &str)],
    image: &str,
    host_network: bool,
) -> Value {
    let mut label_map = Map::new();
    for (k, v) in labels {
        label_map.insert_str(k, (*v).into());
    }
    let mut ds = template(
        DAEMONSET,
        &[
            ("name", name.into()),
            ("ns", ns.into()),
            ("labels", Value::Map(label_map)),
            ("container", name.trim_end_matches("-ds").into()),
            ("image", image.into()),
        ],
    );
    if host_network {
        ds.path_mut_or_insert(&["spec", "template", "spec"])
            .set("hostNetwork", true);
    }
    ds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_has_one_control_plane_and_two_workers() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        let nodes: Vec<_> = c
            .store
            .range("/registry/minions/")
            .map(|kv| kv.key.to_string())
            .collect();
        assert_eq!(
            nodes,
            [
                "/registry/minions/kind-control-plane",
                "/registry/minions/kind-worker",
                "/registry/minions/kind-worker2"
            ]
        );
        assert!(c.store.get("/registry/namespaces/kube-system").is_some());
    }

    #[test]
    fn every_preset_but_bare_makes_a_cluster() {
        for p in Preset::ALL {
            let w = World::new(1, p);
            assert_eq!(w.clusters.len(), usize::from(p != Preset::Bare), "{p:?}");
            assert_eq!(Preset::from_name(p.name()), Some(p));
            // Every node's podCIDR is a /24 of the distribution's pod network.
            for c in w.clusters.values() {
                for (i, (node, _)) in p.nodes().iter().enumerate() {
                    let kv = c.store.get(&format!("/registry/minions/{node}")).unwrap();
                    let cidr = kv.value.path(&["spec", "podCIDR"]).and_then(Value::as_str);
                    assert_eq!(cidr, node_pod_cidr(p.pod_subnet(), i).as_deref(), "{p:?}");
                }
            }
        }
        assert_eq!(
            node_pod_cidr("10.42.0.0/16", 2).as_deref(),
            Some("10.42.2.0/24")
        );
        assert_eq!(
            node_pod_cidr("10.244.0.0/24", 1),
            None,
            "no second /24 in a /24"
        );
    }
}
