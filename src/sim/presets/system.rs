//! The `kube-system` a fresh cluster already runs: control-plane static pods (mirror pods owned
//! by their Node), kube-proxy and the CNI as DaemonSets with one pod per node, CoreDNS as a
//! Deployment → ReplicaSet → pods, the `kube-dns` Service, and the images
//! those need already in each node's image store.
//!
//! Everything is written as if the controllers had already run (ownerReferences, the
//! `pod-template-hash` and `controller-revision-hash` labels, Running statuses), so the
//! controller-manager finds a converged cluster; the kubelets adopt the pods from their status.
//!
//! Per distribution:
//! - kubeadm-like (kind, minikube, HA): etcd, kube-apiserver, kube-controller-manager,
//!   kube-scheduler static pods on every control-plane node, kube-proxy, CoreDNS;
//!   kind adds kindnet and local-path-provisioner, HA adds calico-node, minikube runs one CoreDNS
//!   replica and the storage-provisioner pod;
//! - k3s: no control-plane pods (they live in the k3s binary); CoreDNS, local-path-provisioner
//!   and metrics-server Deployments;
//! - managed (GKE-like): no control-plane pods visible; kube-proxy, CoreDNS and metrics-server
//!   (GKE runs it by default, so `kubectl top` works there as on a real managed cluster).

use super::super::api::{self, resource_for_kind};
use super::super::network;
use super::super::value::{template, Value};
use super::super::world::World;
use super::{Preset, Role, K8S_VERSION};
use crate::sort::SortSmall;

const ETCD_IMAGE: &str = "registry.k8s.io/etcd:3.6.4-0";
const COREDNS_IMAGE: &str = "registry.k8s.io/coredns/coredns:v1.12.1";
const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10.1";
const KINDNET_IMAGE: &str = "docker.io/kindest/kindnetd:v20250512-df8de77b";
const LOCAL_PATH_IMAGE: &str = "docker.io/rancher/local-path-provisioner:v0.0.31";
const CALICO_IMAGE: &str = "docker.io/calico/node:v3.30.3";
const METRICS_IMAGE: &str = "docker.io/rancher/mirrored-metrics-server:v0.8.0";
const GKE_METRICS_IMAGE: &str = "registry.k8s.io/metrics-server/metrics-server:v0.8.0";
const K3S_COREDNS_IMAGE: &str = "docker.io/rancher/mirrored-coredns-coredns:1.12.3";
const MINIKUBE_STORAGE_IMAGE: &str = "gcr.io/k8s-minikube/storage-provisioner:v5";

fn image(component: &str) -> String {
    format!("registry.k8s.io/{component}:{K8S_VERSION}")
}

/// A node's addresses and podCIDR, read back from its Node object.
struct NodeFacts {
    name: String,
    uid: String,
    ip: String,
    pod_cidr: String,
    control_plane: bool,
}

/// Installs the system workloads of `preset` in `cluster`.
pub(super) fn install(
    world: &mut World,
    cluster: &str,
    preset: Preset,
    node_list: &[(String, Role)],
    pod_subnet: Option<&str>,
) {
    let nodes: Vec<NodeFacts> = node_list
        .iter()
        .filter_map(|(name, role)| {
            let c = world.clusters.get(cluster)?;
            let node = c.store.get(&format!("/registry/minions/{name}"))?;
            let v = &node.value;
            Some(NodeFacts {
                name: name.to_string(),
                uid: api::meta_str(v, "uid").unwrap_or("").to_string(),
                ip: v
                    .path(&["status", "addresses"])
                    .and_then(Value::as_seq)
                    .and_then(|a| a.first())
                    .and_then(|a| a.get("address"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                pod_cidr: v
                    .path(&["spec", "podCIDR"])
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                control_plane: *role != Role::Worker,
            })
        })
        .collect();
    let kubeadm = matches!(
        preset,
        Preset::Kind | Preset::Minikube | Preset::Ha | Preset::Bare
    );
    // Stacked etcd: one member per control-plane node (the managed one is hidden).
    if preset != Preset::Managed {
        let members: Vec<(&str, &str)> = nodes
            .iter()
            .filter(|n| n.control_plane)
            .map(|n| (n.name.as_str(), n.ip.as_str()))
            .collect();
        if let Some(c) = world.clusters.get_mut(cluster) {
            c.etcd = super::super::etcd::State::new(&members);
        }
    }
    let mut b = Builder {
        world,
        cluster,
        next_ip: vec![2; nodes.len()],
        addons_pending: preset == Preset::Bare,
    };
    // Services first: they take the well-known ClusterIPs.
    b.services(&nodes);
    if kubeadm {
        for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.control_plane) {
            b.static_pods(n, i, pod_subnet);
        }
    }
    let cni = match preset {
        Preset::Kind => Some(("kindnet", KINDNET_IMAGE, "app")),
        Preset::Ha => Some(("calico-node", CALICO_IMAGE, "k8s-app")),
        _ => None,
    };
    let all: Vec<usize> = (0..nodes.len()).collect();
    if preset != Preset::K3s {
        b.daemonset(
            "kube-proxy",
            "k8s-app",
            &image("kube-proxy"),
            &nodes,
            &all,
            true,
        );
    }
    if let Some((name, img, label)) = cni {
        b.daemonset(name, label, img, &nodes, &all, true);
    }
    // CoreDNS goes where the control plane tolerations allow: kind/kubeadm put both replicas
    // on the control plane early on (workers join later); managed clusters on workers.
    let dns_nodes: Vec<usize> = match preset {
        Preset::Managed => vec![0, 1 % nodes.len().max(1)],
        Preset::Minikube => vec![0],
        Preset::Ha => vec![0, 1],
        _ => vec![0, 0],
    };
    let dns_image = if preset == Preset::K3s {
        K3S_COREDNS_IMAGE
    } else {
        COREDNS_IMAGE
    };
    b.deployment(
        "coredns",
        "kube-system",
        ("k8s-app", "kube-dns"),
        dns_image,
        "66bc5c9577",
        &nodes,
        &dns_nodes,
        &[("100m", "70Mi")],
    );
    match preset {
        Preset::Kind => {
            b.namespace("local-path-storage");
            b.deployment(
                "local-path-provisioner",
                "local-path-storage",
                ("app", "local-path-provisioner"),
                "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a",
                "7b8c8ddbd6",
                &nodes,
                &[0],
                &[],
            );
        }
        Preset::K3s => {
            b.deployment(
                "local-path-provisioner",
                "kube-system",
                ("app", "local-path-provisioner"),
                LOCAL_PATH_IMAGE,
                "5cf85fd84d",
                &nodes,
                &[0],
                &[],
            );
            b.deployment(
                "metrics-server",
                "kube-system",
                ("k8s-app", "metrics-server"),
                METRICS_IMAGE,
                "5985cbc9d7",
                &nodes,
                &[0],
                &[("100m", "70Mi")],
            );
        }
        Preset::Minikube => {
            if let Some(n) = nodes.first() {
                let mut pod = pod_object(
                    "storage-provisioner",
                    "kube-system",
                    template(
                        "{addonmanager.kubernetes.io/mode: Reconcile, integration-test: storage-provisioner}",
                        &[],
                    ),
                    vec![container("storage-provisioner", MINIKUBE_STORAGE_IMAGE, None)],
                    &n.name,
                    true,
                );
                pod.path_mut_or_insert(&["spec"])
                    .set("serviceAccountName", "storage-provisioner");
                b.create_running_pod(pod, n, 0, true);
            }
        }
        Preset::Managed => {
            b.deployment(
                "metrics-server",
                "kube-system",
                ("k8s-app", "metrics-server"),
                GKE_METRICS_IMAGE,
                "6b4f7c9d8",
                &nodes,
                &[0],
                &[("100m", "70Mi")],
            );
        }
        _ => {}
    }
    // The images every node already has (the node image or the first pulls).
    let mut per_node: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let imgs = &mut per_node[i];
        imgs.push(PAUSE_IMAGE.to_string());
        if preset != Preset::K3s {
            imgs.push(image("kube-proxy"));
        }
        imgs.push(dns_image.to_string());
        if let Some((_, img, _)) = cni {
            imgs.push(img.to_string());
        }
        if kubeadm && n.control_plane {
            imgs.push(ETCD_IMAGE.to_string());
            for c in [
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
            ] {
                imgs.push(image(c));
            }
        }
        if preset == Preset::K3s && n.control_plane {
            imgs.push(LOCAL_PATH_IMAGE.to_string());
            imgs.push(METRICS_IMAGE.to_string());
        }
        if preset == Preset::Managed && i == 0 {
            imgs.push(GKE_METRICS_IMAGE.to_string());
        }
    }
    b.node_images(&nodes, &per_node);
}

struct Builder<'w> {
    world: &'w mut World,
    cluster: &'w str,
    /// Next free host number in each node's podCIDR.
    next_ip: Vec<u32>,
    /// Right after `kubeadm init`: add-on Deployments (CoreDNS) are only created; their
    /// controllers make the pods, which stay Pending until a CNI makes the node Ready.
    addons_pending: bool,
}

impl Builder<'_> {
    fn create(&mut self, kind: &str, obj: Value) -> Option<Value> {
        let res = resource_for_kind(kind)?;
        let mut api = self.world.api(self.cluster, "kube-apiserver")?;
        api.create(res, obj).ok()
    }

    fn namespace(&mut self, name: &str) {
        self.create("Namespace", super::namespace_object(name));
    }

    fn services(&mut self, nodes: &[NodeFacts]) {
        // `default/kubernetes` and its endpoints come from the controllers' bootstrap.
        let _ = nodes;
        self.create("Service", template(KUBE_DNS_SERVICE, &[]));
    }

    fn static_pods(&mut self, n: &NodeFacts, index: usize, pod_subnet: Option<&str>) {
        let etcd_url = format!("https://{}:2379", n.ip);
        for (component, img, cpu) in [
            ("etcd", ETCD_IMAGE.to_string(), "100m"),
            ("kube-apiserver", image("kube-apiserver"), "250m"),
            (
                "kube-controller-manager",
                image("kube-controller-manager"),
                "200m",
            ),
            ("kube-scheduler", image("kube-scheduler"), "100m"),
        ] {
            let name = format!("{component}-{}", n.name);
            let mem = if component == "etcd" { "100Mi" } else { "" };
            let mut c = container(component, &img, Some((cpu, mem)));
            c.set(
                "command",
                Value::Seq(command_of(component, &n.ip, pod_subnet).into()),
            );
            let mut pod = pod_object(
                &name,
                "kube-system",
                template(
                    "{component: $c, tier: control-plane}",
                    &[("c", component.into())],
                ),
                vec![c],
                &n.name,
                true,
            );
            // The kubelet's config hash is an MD5 (32 hex digits) of the manifest: two
            // 64-bit hashes make one that looks like it, without leading zeros.
            let hash = format!(
                "{:016x}{:016x}",
                fnv(format!("{name}/manifest").as_bytes()),
                fnv(name.as_bytes())
            );
            let meta = pod.path_mut_or_insert(&["metadata"]);
            let mut ann = template(STATIC_POD_ANNOTATIONS, &[("hash", hash.into())]);
            match component {
                "etcd" => ann.set(
                    "kubeadm.kubernetes.io/etcd.advertise-client-urls",
                    etcd_url.as_str(),
                ),
                "kube-apiserver" => ann.set(
                    "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint",
                    format!("{}:6443", n.ip),
                ),
                _ => {}
            }
            meta.set("annotations", ann);
            meta.set(
                "ownerReferences",
                // The kubelet's mirror client sets no blockOwnerDeletion.
                Value::Seq(
                    vec![template(
                        "{apiVersion: v1, controller: true, kind: Node, name: $name, uid: $uid}",
                        &[
                            ("name", n.name.as_str().into()),
                            ("uid", n.uid.as_str().into()),
                        ],
                    )]
                    .into(),
                ),
            );
            let spec = pod.path_mut_or_insert(&["spec"]);
            spec.set("priority", 2_000_001_000i64);
            spec.set(
                "tolerations",
                template("[{effect: NoExecute, operator: Exists}]", &[]),
            );
            self.create_running_pod(pod, n, index, true);
        }
    }

    fn create_running_pod(
        &mut self,
        mut pod: Value,
        n: &NodeFacts,
        index: usize,
        host_network: bool,
    ) {
        let ip = if host_network {
            n.ip.clone()
        } else {
            let h = self.next_ip.get(index).copied().unwrap_or(2);
            if let Some(x) = self.next_ip.get_mut(index) {
                *x += 1;
            }
            network::nth_ip(&n.pod_cidr, h).unwrap_or_default()
        };
        let mut statuses = Vec::new();
        for c in pod
            .path(&["spec", "containers"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let img = c.get("image").and_then(Value::as_str).unwrap_or("");
            let norm = super::super::scheduler::normalize_image(img);
            let (repo, _) = norm.rsplit_once(':').unwrap_or((&norm, ""));
            let id: String = (0..4)
                .map(|_| format!("{:016x}", self.world.rng.next_u64()))
                .collect();
            let image_id = format!("{repo}@{}", super::super::kubelet::image_digest(&norm));
            statuses.push(template(
                RUNNING_CONTAINER_STATUS,
                &[
                    ("id", format!("containerd://{id}").into()),
                    ("image", norm.as_str().into()),
                    ("imageID", image_id.into()),
                    ("name", c.get("name").cloned().unwrap_or_else(|| "c".into())),
                ],
            ));
        }
        let burstable = pod
            .path(&["spec", "containers"])
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .any(|c| c.get("resources").is_some());
        let status = template(
            RUNNING_POD_STATUS,
            &[
                ("statuses", Value::Seq(statuses.into())),
                ("hostIP", n.ip.as_str().into()),
                ("podIP", ip.as_str().into()),
                (
                    "qos",
                    if burstable { "Burstable" } else { "BestEffort" }.into(),
                ),
            ],
        );
        let mut status = status;
        // As the kubelet reports it: generation 1 observed, except on mirror pods.
        if super::super::meta::annotation(&pod, "kubernetes.io/config.mirror").is_none() {
            if let Some(Value::Seq(conds)) = status.get_mut("conditions") {
                for c in conds {
                    c.set("observedGeneration", 1i64);
                }
            }
            status.set("observedGeneration", 1i64);
        }
        pod.set("status", status);
        self.create("Pod", pod);
    }

    fn daemonset(
        &mut self,
        name: &str,
        label: &str,
        img: &str,
        nodes: &[NodeFacts],
        on: &[usize],
        host_network: bool,
    ) {
        let mut ds = super::daemonset(name, "kube-system", &[(label, name)], img, host_network);
        ds.set(
            "status",
            template(DAEMONSET_STATUS, &[("count", Value::Int(on.len() as i64))]),
        );
        let Some(created) = self.create("DaemonSet", ds) else {
            return;
        };
        let uid = api::meta_str(&created, "uid").unwrap_or("").to_string();
        // The label the DaemonSet controller compares pods with.
        let revision_hash = super::super::controllers::template_hash(
            created.path(&["spec", "template"]).unwrap_or(&Value::Null),
            None,
        );
        let container_name = name.trim_end_matches("-ds");
        for &i in on {
            let Some(n) = nodes.get(i) else { continue };
            let pod_name = format!("{name}-{}", self.world.rng.suffix(5));
            let mut pod = pod_object(
                &pod_name,
                "kube-system",
                template(
                    "{controller-revision-hash: $hash, $label: $name, pod-template-generation: \"1\"}",
                    &[
                        ("hash", revision_hash.as_str().into()),
                        ("label", label.into()),
                        ("name", name.into()),
                    ],
                ),
                vec![container(container_name, img, None)],
                &n.name,
                host_network,
            );
            pod.path_mut_or_insert(&["metadata"]).set(
                "ownerReferences",
                Value::Seq(vec![owner("apps/v1", "DaemonSet", name, &uid)].into()),
            );
            let spec = pod.path_mut_or_insert(&["spec"]);
            spec.set("priority", 2_000_001_000i64);
            spec.set(
                "affinity",
                template(DAEMON_POD_AFFINITY, &[("node", n.name.as_str().into())]),
            );
            spec.set("tolerations", template("[{operator: Exists}]", &[]));
            self.create_running_pod(pod, n, i, host_network);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn deployment(
        &mut self,
        name: &str,
        ns: &str,
        label: (&str, &str),
        img: &str,
        _hash_hint: &str,
        nodes: &[NodeFacts],
        on: &[usize],
        requests: &[(&str, &str)],
    ) {
        let replicas = on.len() as i64;
        let labels = template("{$k: $v}", &[("k", label.0.into()), ("v", label.1.into())]);
        let res = requests.first().map(|(c, m)| (*c, *m));
        let mut c = container(name, img, res);
        let mut tpl_pod = if name == "coredns" {
            if let Value::Map(extra) = template(COREDNS_CONTAINER, &[]) {
                for (k, v) in extra {
                    c.set(&k, v);
                }
            }
            let mut pod = pod_object("x", ns, labels.clone(), vec![c], "", false);
            if let Value::Map(extra) = template(COREDNS_POD_SPEC, &[]) {
                let spec = pod.path_mut_or_insert(&["spec"]);
                for (k, v) in extra {
                    spec.set(&k, v);
                }
            }
            pod
        } else {
            pod_object("x", ns, labels.clone(), vec![c], "", false)
        };
        let tpl_spec = tpl_pod
            .as_map_mut()
            .and_then(|m| m.remove("spec"))
            .unwrap_or_else(Value::map);
        let mut d = template(
            DEPLOYMENT,
            &[
                ("name", name.into()),
                ("ns", ns.into()),
                ("labels", labels.clone()),
                ("replicas", Value::Int(replicas)),
                ("spec", tpl_spec),
            ],
        );
        if self.addons_pending {
            self.create("Deployment", d);
            return;
        }
        d.path_mut_or_insert(&["metadata", "annotations"])
            .set("deployment.kubernetes.io/revision", "1");
        d.set(
            "status",
            template(
                DEPLOYMENT_STATUS,
                &[
                    ("replicas", Value::Int(replicas)),
                    (
                        "progressed",
                        format!("ReplicaSet \"{name}\" has successfully progressed.").into(),
                    ),
                ],
            ),
        );
        let Some(dep) = self.create("Deployment", d) else {
            return;
        };
        // The hash the Deployment controller would give this template.
        let hash_owned = super::super::controllers::template_hash(
            dep.path(&["spec", "template"]).unwrap_or(&Value::Null),
            None,
        );
        let hash = hash_owned.as_str();
        if let Some(res) = resource_for_kind("Deployment") {
            let mut fixed = dep.clone();
            if let Some(Value::Seq(conds)) = fixed.path(&["status", "conditions"]).cloned() {
                let conds: Vec<Value> = conds
                    .into_iter()
                    .map(|mut c| {
                        if c.get("type") == Some(&Value::from("Progressing")) {
                            c.set(
                                "message",
                                format!(
                                    "ReplicaSet \"{name}-{hash}\" has successfully progressed."
                                ),
                            );
                        }
                        c
                    })
                    .collect();
                fixed
                    .path_mut_or_insert(&["status"])
                    .set("conditions", Value::Seq(conds.into()));
                if let Some(mut api) = self.world.api(self.cluster, "kube-apiserver") {
                    let _ = api.update_status(res, &fixed);
                }
            }
        }
        let mut template_of_rs = dep.path(&["spec", "template"]).cloned().unwrap_or_default();
        template_of_rs
            .path_mut_or_insert(&["metadata", "labels"])
            .set("pod-template-hash", hash);
        let dep_uid = api::meta_str(&dep, "uid").unwrap_or("").to_string();
        let rs_name = format!("{name}-{hash}");
        let mut rs_labels = labels.clone();
        rs_labels.set("pod-template-hash", hash);
        let rs = template(
            REPLICASET,
            &[
                ("name", rs_name.as_str().into()),
                ("ns", ns.into()),
                ("labels", rs_labels),
                ("replicas", Value::Int(replicas)),
                ("desired", replicas.to_string().into()),
                ("max", (replicas + 1).to_string().into()),
                ("owner", owner("apps/v1", "Deployment", name, &dep_uid)),
                ("template", template_of_rs.clone()),
            ],
        );
        let Some(rs) = self.create("ReplicaSet", rs) else {
            return;
        };
        let rs_uid = api::meta_str(&rs, "uid").unwrap_or("").to_string();
        for &i in on {
            let Some(n) = nodes.get(i) else { continue };
            let pod_name = format!("{rs_name}-{}", self.world.rng.suffix(5));
            let mut pod = template_of_rs.clone();
            let meta = pod.path_mut_or_insert(&["metadata"]);
            meta.set("name", pod_name.as_str());
            meta.set("namespace", ns);
            meta.set("generateName", format!("{rs_name}-"));
            meta.set(
                "ownerReferences",
                Value::Seq(vec![owner("apps/v1", "ReplicaSet", &rs_name, &rs_uid)].into()),
            );
            default_pod_spec(pod.path_mut_or_insert(&["spec"]), &n.name);
            self.create_running_pod(pod, n, i, false);
        }
    }

    fn node_images(&mut self, nodes: &[NodeFacts], per_node: &[Vec<String>]) {
        let Some(res) = resource_for_kind("Node") else {
            return;
        };
        for (n, imgs) in nodes.iter().zip(per_node) {
            let Some(c) = self.world.clusters.get(self.cluster) else {
                return;
            };
            let Some(kv_) = c.store.get(&format!("/registry/minions/{}", n.name)) else {
                continue;
            };
            let mut node = (*kv_.value).clone();
            let mut list: Vec<(i64, Value)> = imgs
                .iter()
                .map(|img| {
                    let norm = super::super::scheduler::normalize_image(img);
                    let size = super::super::kubelet::pull_result(&norm)
                        .map(|(s, _)| s)
                        .unwrap_or(20_000_000);
                    let (repo, _) = norm.rsplit_once(':').unwrap_or((&norm, ""));
                    let digest = super::super::kubelet::image_digest(&norm);
                    let names = Value::Seq(
                        vec![format!("{repo}@{digest}").into(), norm.as_str().into()].into(),
                    );
                    let image = template(
                        "{names: $names, sizeBytes: $size}",
                        &[("names", names), ("size", Value::Int(size))],
                    );
                    (size, image)
                })
                .collect();
            list.sort_small_by(|a, b| b.0.cmp(&a.0));
            node.path_mut_or_insert(&["status"]).set(
                "images",
                Value::Seq(list.into_iter().map(|(_, v)| v).collect()),
            );
            if let Some(mut api) = self.world.api(self.cluster, &format!("kubelet/{}", n.name)) {
                let _ = api.update(res, node);
            }
        }
    }
}

/// The `kube-dns` Service of every distribution.
const KUBE_DNS_SERVICE: &str = r#"metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/cluster-service: "true", kubernetes.io/name: CoreDNS}
  annotations: {prometheus.io/port: "9153", prometheus.io/scrape: "true"}
spec:
  internalTrafficPolicy: Cluster
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
  - {name: metrics, port: 9153, protocol: TCP, targetPort: 9153}
  selector: {k8s-app: kube-dns}
  sessionAffinity: None
  type: ClusterIP
status: {loadBalancer: null}
"#;

/// What the kubelet writes on a static pod's mirror pod.
const STATIC_POD_ANNOTATIONS: &str = r#"kubernetes.io/config.hash: $hash
kubernetes.io/config.mirror: $hash
kubernetes.io/config.seen: "2026-01-05T09:00:00.000000000Z"
kubernetes.io/config.source: file
"#;

const RUNNING_CONTAINER_STATUS: &str = r#"containerID: $id
image: $image
imageID: $imageID
lastState: {}
name: $name
ready: true
restartCount: 0
started: true
state: {running: {startedAt: "2026-01-05T09:00:00Z"}}
"#;

const RUNNING_POD_STATUS: &str = r#"conditions:
- {lastProbeTime: null, lastTransitionTime: "2026-01-05T09:00:00Z", status: "True", type: PodReadyToStartContainers}
- {lastProbeTime: null, lastTransitionTime: "2026-01-05T09:00:00Z", status: "True", type: Initialized}
- {lastProbeTime: null, lastTransitionTime: "2026-01-05T09:00:00Z", status: "True", type: Ready}
- {lastProbeTime: null, lastTransitionTime: "2026-01-05T09:00:00Z", status: "True", type: ContainersReady}
- {lastProbeTime: null, lastTransitionTime: "2026-01-05T09:00:00Z", status: "True", type: PodScheduled}
containerStatuses: $statuses
hostIP: $hostIP
hostIPs: [{ip: $hostIP}]
phase: Running
podIP: $podIP
podIPs: [{ip: $podIP}]
qosClass: $qos
startTime: "2026-01-05T09:00:00Z"
"#;

const DAEMONSET_STATUS: &str = r#"currentNumberScheduled: $count
desiredNumberScheduled: $count
numberAvailable: $count
numberMisscheduled: 0
numberReady: $count
observedGeneration: 1
updatedNumberScheduled: $count
"#;

/// How the DaemonSet controller pins a pod to its node.
const DAEMON_POD_AFFINITY: &str = r#"nodeAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
    - matchFields:
      - {key: metadata.name, operator: In, values: [$node]}
"#;

/// CoreDNS' container beyond the common fields (kubeadm's manifest).
const COREDNS_CONTAINER: &str = r#"args: [-conf, /etc/coredns/Corefile]
ports:
- {containerPort: 53, name: dns, protocol: UDP}
- {containerPort: 53, name: dns-tcp, protocol: TCP}
- {containerPort: 9153, name: metrics, protocol: TCP}
readinessProbe: {httpGet: {path: /ready, port: 8181, scheme: HTTP}}
livenessProbe:
  httpGet: {path: /health, port: 8080, scheme: HTTP}
  initialDelaySeconds: 60
"#;

const COREDNS_POD_SPEC: &str = r#"priorityClassName: system-cluster-critical
serviceAccountName: coredns
nodeSelector: {kubernetes.io/os: linux}
tolerations:
- {key: CriticalAddonsOnly, operator: Exists}
- {effect: NoSchedule, key: node-role.kubernetes.io/control-plane}
"#;

const DEPLOYMENT: &str = r#"metadata: {name: $name, namespace: $ns, labels: $labels}
spec:
  progressDeadlineSeconds: 600
  replicas: $replicas
  revisionHistoryLimit: 10
  selector: {matchLabels: $labels}
  strategy:
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
    type: RollingUpdate
  template:
    metadata: {labels: $labels}
    spec: $spec
"#;

const DEPLOYMENT_STATUS: &str = r#"availableReplicas: $replicas
conditions:
- lastTransitionTime: "2026-01-05T09:00:00Z"
  lastUpdateTime: "2026-01-05T09:00:00Z"
  message: Deployment has minimum availability.
  reason: MinimumReplicasAvailable
  status: "True"
  type: Available
- lastTransitionTime: "2026-01-05T09:00:00Z"
  lastUpdateTime: "2026-01-05T09:00:00Z"
  message: $progressed
  reason: NewReplicaSetAvailable
  status: "True"
  type: Progressing
observedGeneration: 1
readyReplicas: $replicas
replicas: $replicas
updatedReplicas: $replicas
"#;

const REPLICASET: &str = r#"metadata:
  name: $name
  namespace: $ns
  labels: $labels
  annotations:
    deployment.kubernetes.io/desired-replicas: $desired
    deployment.kubernetes.io/max-replicas: $max
    deployment.kubernetes.io/revision: "1"
  ownerReferences: [$owner]
spec:
  replicas: $replicas
  selector: {matchLabels: $labels}
  template: $template
status:
  availableReplicas: $replicas
  fullyLabeledReplicas: $replicas
  observedGeneration: 1
  readyReplicas: $replicas
  replicas: $replicas
"#;

fn default_pod_spec(spec: &mut Value, node: &str) {
    spec.set("nodeName", node);
    if let Value::Map(defaults) = template(POD_SPEC_DEFAULTS, &[]) {
        for (k, v) in defaults {
            if spec.get(&k).is_none() {
                spec.set(&k, v);
            }
        }
    }
    spec.set("enableServiceLinks", true);
    spec.set("preemptionPolicy", "PreemptLowerPriority");
}

/// What the API server defaults in a pod spec the objects here leave out.
const POD_SPEC_DEFAULTS: &str = r#"restartPolicy: Always
schedulerName: default-scheduler
terminationGracePeriodSeconds: 30
dnsPolicy: ClusterFirst
"#;

/// A pod of `containers` ([`container`]) in `ns`, on `node` if not empty.
fn pod_object(
    name: &str,
    ns: &str,
    labels: Value,
    containers: Vec<Value>,
    node: &str,
    host_network: bool,
) -> Value {
    let mut pod = template(
        "metadata: {name: $name, namespace: $ns, labels: $labels}\nspec: {containers: $cs, priorityClassName: system-node-critical}",
        &[
            ("name", name.into()),
            ("ns", ns.into()),
            ("labels", labels),
            ("cs", Value::Seq(containers.into())),
        ],
    );
    let spec = pod.path_mut_or_insert(&["spec"]);
    if host_network {
        spec.set("hostNetwork", true);
    }
    if !node.is_empty() {
        default_pod_spec(spec, node);
    }
    pod
}

/// A container running `img`, with `requests` (cpu, memory; an empty memory is left out).
fn container(name: &str, img: &str, requests: Option<(&str, &str)>) -> Value {
    let mut c = template(
        "image: $image\nimagePullPolicy: IfNotPresent\nname: $name\nterminationMessagePath: /dev/termination-log\nterminationMessagePolicy: File",
        &[("image", img.into()), ("name", name.into())],
    );
    if let Some((cpu, mem)) = requests {
        let mut r = template("{cpu: $cpu}", &[("cpu", cpu.into())]);
        if !mem.is_empty() {
            r.set("memory", mem);
        }
        c.path_mut_or_insert(&["resources"]).set("requests", r);
    }
    c
}

fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    template(
        "{apiVersion: $v, blockOwnerDeletion: true, controller: true, kind: $kind, name: $name, uid: $uid}",
        &[
            ("v", api_version.into()),
            ("kind", kind.into()),
            ("name", name.into()),
            ("uid", uid.into()),
        ],
    )
}

/// A static pod's command line; kube-controller-manager allocates node CIDRs only when
/// kubeadm was given a pod network (`--pod-network-cidr`).
fn command_of(component: &str, ip: &str, pod_subnet: Option<&str>) -> Vec<Value> {
    let words: Vec<String> = match component {
        "etcd" => vec![
            "etcd".into(),
            format!("--advertise-client-urls=https://{ip}:2379"),
            "--data-dir=/var/lib/etcd".into(),
            format!("--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379"),
        ],
        "kube-apiserver" => vec![
            "kube-apiserver".into(),
            format!("--advertise-address={ip}"),
            "--authorization-mode=Node,RBAC".into(),
            "--etcd-servers=https://127.0.0.1:2379".into(),
            format!("--service-cluster-ip-range={}", network::SERVICE_CIDR),
        ],
        "kube-controller-manager" => {
            let mut words = vec!["kube-controller-manager".to_string()];
            if let Some(cidr) = pod_subnet {
                words.push("--allocate-node-cidrs=true".into());
                words.push(format!("--cluster-cidr={cidr}"));
            }
            words.push("--leader-elect=true".into());
            words
        }
        _ => vec![
            "kube-scheduler".into(),
            "--kubeconfig=/etc/kubernetes/scheduler.conf".into(),
            "--leader-elect=true".into(),
        ],
    };
    words.into_iter().map(Value::from).collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::super::super::value::Value;
    use super::super::super::world::World;
    use super::super::Preset;

    /// Every template parses to a map (a typo would otherwise build `Null` objects).
    #[test]
    fn templates_parse_to_maps() {
        for t in [
            super::KUBE_DNS_SERVICE,
            super::STATIC_POD_ANNOTATIONS,
            super::RUNNING_CONTAINER_STATUS,
            super::RUNNING_POD_STATUS,
            super::DAEMONSET_STATUS,
            super::DAEMON_POD_AFFINITY,
            super::COREDNS_CONTAINER,
            super::COREDNS_POD_SPEC,
            super::DEPLOYMENT,
            super::DEPLOYMENT_STATUS,
            super::REPLICASET,
            super::POD_SPEC_DEFAULTS,
            super::super::NODE,
            super::super::DAEMONSET,
        ] {
            let v = crate::sim::value::yaml::parse(t);
            assert!(matches!(v, Ok(Value::Map(_))), "{t}: {v:?}");
        }
    }

    fn pods(w: &World, cluster: &str) -> Vec<String> {
        w.clusters[cluster]
            .store
            .range("/registry/pods/")
            .map(|kv| kv.key.trim_start_matches("/registry/pods/").to_string())
            .collect()
    }

    /// The flags the static pods show agree with what the simulation does: ClusterIPs come
    /// from the API server's `--service-cluster-ip-range` (kubeadm's 10.96.0.0/12), podCIDRs
    /// from the controller-manager's `--cluster-cidr`.
    #[test]
    fn static_pod_flags_match_the_allocations() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        let flag = |pod: &str, name: &str| -> String {
            let kv = c
                .store
                .get(&format!("/registry/pods/kube-system/{pod}"))
                .unwrap();
            crate::sim::presets::command_flag(&kv.value, name)
                .unwrap_or_default()
                .to_string()
        };
        let range = flag(
            "kube-apiserver-kind-control-plane",
            "service-cluster-ip-range",
        );
        assert_eq!(range, "10.96.0.0/12");
        assert_eq!(range, super::network::service_cidr(c));
        for kv in c.store.range("/registry/services/specs/") {
            let ip = kv
                .value
                .path(&["spec", "clusterIP"])
                .and_then(Value::as_str)
                .unwrap();
            assert!(super::network::cidr_contains(&range, ip), "{ip}");
        }
        let cidr = flag("kube-controller-manager-kind-control-plane", "cluster-cidr");
        for kv in c.store.range("/registry/minions/") {
            let pod_cidr = kv
                .value
                .path(&["spec", "podCIDR"])
                .and_then(Value::as_str)
                .unwrap();
            let net = pod_cidr.split('/').next().unwrap();
            assert!(
                super::network::cidr_contains(&cidr, net),
                "{pod_cidr} in {cidr}"
            );
        }
    }

    #[test]
    fn kind_runs_the_kubeadm_control_plane_and_addons() {
        let mut w = World::new(1, Preset::Kind);
        let names = pods(&w, "kind-kind");
        for want in [
            "kube-system/etcd-kind-control-plane",
            "kube-system/kube-apiserver-kind-control-plane",
            "kube-system/kube-controller-manager-kind-control-plane",
            "kube-system/kube-scheduler-kind-control-plane",
        ] {
            assert!(names.contains(&want.to_string()), "{want} in {names:?}");
        }
        let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
        assert_eq!(count("kube-system/kube-proxy-"), 3);
        assert_eq!(count("kube-system/kindnet-"), 3);
        assert_eq!(count("kube-system/coredns-"), 2);
        assert_eq!(count("local-path-storage/local-path-provisioner-"), 1);
        let c = &w.clusters["kind-kind"];
        let etcd = c
            .store
            .get("/registry/pods/kube-system/etcd-kind-control-plane")
            .unwrap();
        assert_eq!(
            etcd.value
                .path(&["metadata", "ownerReferences"])
                .and_then(Value::as_seq)
                .unwrap()[0]
                .get("kind"),
            Some(&Value::from("Node"))
        );
        let dns = c
            .store
            .get("/registry/services/specs/kube-system/kube-dns")
            .unwrap();
        assert_eq!(
            dns.value.path(&["spec", "clusterIP"]),
            Some(&Value::from("10.96.0.10"))
        );
        // Everything stays Running once the kubelets adopt the pods, and pulls nothing.
        for _ in 0..300 {
            w.step(200);
        }
        // The controllers find a converged cluster: they replace nothing.
        assert_eq!(pods(&w, "kind-kind"), names);
        let c = &w.clusters["kind-kind"];
        for kv in c.store.range("/registry/pods/") {
            assert_eq!(
                kv.value.path(&["status", "phase"]),
                Some(&Value::from("Running")),
                "{}",
                kv.key
            );
        }
        let pulls = c
            .store
            .range("/registry/events/")
            .filter(|kv| kv.value.get("reason") == Some(&Value::from("Pulling")))
            .count();
        assert_eq!(pulls, 0);
        let ready: Vec<_> = c
            .store
            .range("/registry/minions/")
            .map(|kv| {
                kv.value
                    .path(&["status", "conditions"])
                    .and_then(Value::as_seq)
                    .unwrap()
                    .iter()
                    .find(|c| c.get("type") == Some(&Value::from("Ready")))
                    .unwrap()
                    .get("status")
                    .cloned()
            })
            .collect();
        assert!(ready.iter().all(|s| s == &Some(Value::from("True"))));
    }

    #[test]
    fn distributions_differ() {
        let k3s = World::new(1, Preset::K3s);
        let names = pods(&k3s, "default");
        assert!(!names.iter().any(|n| n.contains("kube-apiserver")));
        assert!(names
            .iter()
            .any(|n| n.starts_with("kube-system/metrics-server-")));
        let managed = World::new(1, Preset::Managed);
        let names = pods(&managed, Preset::Managed.cluster_name());
        assert!(!names.iter().any(|n| n.contains("etcd")));
        assert!(names
            .iter()
            .any(|n| n.starts_with("kube-system/metrics-server-")));
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("kube-system/kube-proxy-"))
                .count(),
            3
        );
        let ha = World::new(1, Preset::Ha);
        let names = pods(&ha, "kubernetes");
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("kube-system/etcd-cp-"))
                .count(),
            3
        );
        let mk = World::new(1, Preset::Minikube);
        let names = pods(&mk, "minikube");
        assert!(names.contains(&"kube-system/storage-provisioner".to_string()));
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("kube-system/coredns-"))
                .count(),
            1
        );
    }
}
