//! `kubeadm init|join|reset|token create --print-join-command` on machines reached with
//! `ssh`, and the k3s installer (`curl -sfL https://get.k3s.io | sh -`, agents with
//! `K3S_URL=... K3S_TOKEN=...`). Phase lines follow kubeadm 1.34's output.

use super::{Machine, Terminal};
use crate::sim::auth;
use crate::sim::presets::{Preset, Role, K8S_VERSION};
use crate::sim::value::Value;
use crate::term::kubeconfig::{AuthInfo, Cluster, Context, Kubeconfig};
use crate::term::Output;

/// kubeadm's `admin.conf`: cluster `kubernetes`, user `kubernetes-admin`,
/// context `kubernetes-admin@kubernetes`.
pub fn admin_conf(term: &Terminal, cluster: &str, server: &str) -> Kubeconfig {
    let mut kc = Kubeconfig::default();
    let Some(c) = term.world.clusters.get(cluster) else {
        return kc;
    };
    let (cert, key) = auth::issue_client_cert(c, "kubernetes-admin", &["kubeadm:cluster-admins"]);
    kc.set_cluster(
        "kubernetes",
        Cluster {
            server: server.to_string(),
            certificate_authority_data: Some(auth::base64_encode(auth::ca_pem(c).as_bytes())),
            ..Cluster::default()
        },
    );
    kc.set_user(
        "kubernetes-admin",
        AuthInfo {
            client_certificate_data: Some(auth::base64_encode(cert.as_bytes())),
            client_key_data: Some(auth::base64_encode(key.as_bytes())),
            ..AuthInfo::default()
        },
    );
    kc.set_context(
        "kubernetes-admin@kubernetes",
        Context {
            cluster: "kubernetes".into(),
            user: "kubernetes-admin".into(),
            ..Context::default()
        },
    );
    kc.current_context = Some("kubernetes-admin@kubernetes".into());
    kc.api_version = Some("v1".into());
    kc.kind = Some("Config".into());
    kc.preferences = Some(Value::map());
    kc
}

fn not_root(term: &Terminal) -> Option<Output> {
    if term.host.is_none() {
        return Some(Output::error(
            "bash: kubeadm: command not found\n(kubeadm runs on the cluster's machines: try `ssh cp-1`)",
            127,
        ));
    }
    if term.user != "root" {
        return Some(Output::error("[preflight] Running pre-flight checks\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\nTo see the stack trace of this error execute with --v=5 or higher", 1));
    }
    None
}

/// `abcdef.0123456789abcdef`-shaped bootstrap token from the world's generator.
fn new_token(term: &mut Terminal) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut draw = |n: usize| -> String {
        (0..n)
            .map(|_| A[term.world.rng.below(A.len() as u32) as usize % A.len()] as char)
            .collect()
    };
    let id = draw(6);
    let secret = draw(16);
    format!("{id}.{secret}")
}

/// The CA public-key hash (`sha256:...`): 64 hex digits derived from the CA.
fn ca_hash(term: &Terminal, cluster: &str) -> String {
    let pem = term
        .world
        .clusters
        .get(cluster)
        .map(auth::ca_pem)
        .unwrap_or_default();
    let mut out = String::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u8 {
        for b in pem.bytes().chain(std::iter::once(round)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    format!("sha256:{out}")
}

fn machine_ip(term: &Terminal) -> String {
    term.host
        .as_ref()
        .and_then(|h| term.tools.machines.get(h))
        .map(|m| m.ip.clone())
        .unwrap_or_default()
}

pub fn run(term: &mut Terminal, args: &[String]) -> Output {
    if let Some(e) = not_root(term) {
        return e;
    }
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["init", ..] => init(term, args),
        ["join", endpoint, ..] => join(term, endpoint, args),
        ["join"] => Output::error("error execution phase preflight: couldn't validate the identity of the API Server: abort connecting to API servers after timeout of 5m0s\nTo see the stack trace of this error execute with --v=5 or higher", 1),
        ["reset", ..] => reset(term, args.iter().any(|a| a == "-f" || a == "--force")),
        ["token", "create", ..] => {
            let Some(cluster) = own_cluster(term) else {
                return Output::error("failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory\nTo see the stack trace of this error execute with --v=5 or higher", 1);
            };
            let token = new_token(term);
            term.tools.bootstrap_tokens.entry(cluster.clone()).or_default().push(token.clone());
            if args.iter().any(|a| a == "--print-join-command") {
                let ip = machine_ip(term);
                Output::out(format!("kubeadm join {ip}:6443 --token {token} --discovery-token-ca-cert-hash {} \n", ca_hash(term, &cluster)))
            } else {
                Output::out(format!("{token}\n"))
            }
        }
        ["kubeconfig", "user", ..] => kubeconfig_user(term, args),
        ["token", "list", ..] => {
            let Some(cluster) = own_cluster(term) else {
                return Output::error("failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory", 1);
            };
            let mut t = crate::term::kubectl::printers::Table::new(&["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]);
            let expires = crate::sim::clock::format_unix_s(term.world.now().unix_s() + 86_400);
            for tok in term.tools.bootstrap_tokens.get(&cluster).cloned().unwrap_or_default() {
                t.row(vec![tok, "23h".into(), expires.clone(), "authentication,signing".into(), "<none>".into(), "system:bootstrappers:kubeadm:default-node-token".into()]);
            }
            Output::out(t.render())
        }
        ["version", ..] => Output::out(format!("kubeadm version: &version.Info{{Major:\"1\", Minor:\"34\", EmulationMajor:\"\", EmulationMinor:\"\", MinCompatibilityMajor:\"\", MinCompatibilityMinor:\"\", GitVersion:\"{K8S_VERSION}\", GitCommit:\"93248f9ae092f571eb870b7664c534bfc7d00f03\", GitTreeState:\"clean\", BuildDate:\"2025-09-09T19:43:15Z\", GoVersion:\"go1.24.6\", Compiler:\"gc\", Platform:\"linux/amd64\"}}\n")),
        _ => Output::out("Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  init        Run this command in order to set up the Kubernetes control plane\n  join        Run this on any machine you wish to join an existing cluster\n  reset       Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'\n  token       Manage bootstrap tokens\n  version     Print the version of kubeadm\n"),
    }
}

/// `kubeadm kubeconfig user --client-name=jane [--org=dev]`: a kubeconfig with a client
/// certificate signed by the cluster CA, printed on stdout (how a lesson gives a student a
/// non-admin identity to meet RBAC).
fn kubeconfig_user(term: &mut Terminal, args: &[String]) -> Output {
    let value = |name: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == name {
                if let Some(v) = it.next() {
                    out.push(v.clone());
                }
            } else if let Some(v) = a.strip_prefix(&format!("{name}=")) {
                out.push(v.to_string());
            }
        }
        out
    };
    let Some(client) = value("--client-name").into_iter().next() else {
        return Output::error("error: missing required flag: --client-name\nTo see the stack trace of this error execute with --v=5 or higher", 1);
    };
    let Some(cluster) = own_cluster(term) else {
        return Output::error("error: open /etc/kubernetes/pki/ca.crt: no such file or directory\nTo see the stack trace of this error execute with --v=5 or higher", 1);
    };
    let orgs = value("--org");
    let org_refs: Vec<&str> = orgs.iter().map(String::as_str).collect();
    let Some(c) = term.world.clusters.get(&cluster) else {
        return Output::error("error: the cluster is gone", 1);
    };
    let (cert, key) = auth::issue_client_cert(c, &client, &org_refs);
    let server = format!("https://{}:6443", machine_ip(term));
    let mut kc = Kubeconfig::default();
    kc.set_cluster(
        "kubernetes",
        Cluster {
            server,
            certificate_authority_data: Some(auth::base64_encode(auth::ca_pem(c).as_bytes())),
            ..Cluster::default()
        },
    );
    kc.set_user(
        &client,
        AuthInfo {
            client_certificate_data: Some(auth::base64_encode(cert.as_bytes())),
            client_key_data: Some(auth::base64_encode(key.as_bytes())),
            ..AuthInfo::default()
        },
    );
    let ctx = format!("{client}@kubernetes");
    kc.set_context(
        &ctx,
        Context {
            cluster: "kubernetes".into(),
            user: client.clone(),
            ..Context::default()
        },
    );
    kc.current_context = Some(ctx);
    kc.api_version = Some("v1".into());
    kc.kind = Some("Config".into());
    kc.preferences = Some(Value::map());
    Output::out(kc.to_yaml())
}

fn own_cluster(term: &Terminal) -> Option<String> {
    let m = term.tools.machines.get(term.host.as_deref()?)?;
    (m.role == Some(Role::ControlPlane))
        .then(|| m.cluster.clone())
        .flatten()
}

/// The value of `--flag=v` or `--flag v`.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .enumerate()
        .find_map(|(i, a)| match a.strip_prefix(flag)? {
            "" => args.get(i + 1).map(String::as_str),
            v => v.strip_prefix('='),
        })
}

fn init(term: &mut Terminal, args: &[String]) -> Output {
    let host = term.host.clone().unwrap_or_default();
    // Without it (kubeadm's default) kube-controller-manager gives nodes no podCIDR.
    let pod_subnet = flag_value(args, "--pod-network-cidr");
    if let Some(cidr) = pod_subnet {
        if crate::sim::network::parse_cidr(cidr).is_none() || !cidr.contains('/') {
            return Output::error(format!("networking.podSubnet: Invalid value: \"{cidr}\": couldn't parse subnet\nTo see the stack trace of this error execute with --v=5 or higher"), 1);
        }
    }
    let ip = machine_ip(term);
    if term
        .tools
        .machines
        .get(&host)
        .is_some_and(|m| m.cluster.is_some())
    {
        return Output::error("[init] Using Kubernetes version: v1.34.1\n[preflight] Running pre-flight checks\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR Port-6443]: Port 6443 is in use\n\t[ERROR Port-10259]: Port 10259 is in use\n\t[ERROR Port-10257]: Port 10257 is in use\n\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists\n\t[ERROR Port-10250]: Port 10250 is in use\n\t[ERROR Port-2379]: Port 2379 is in use\n\t[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\nTo see the stack trace of this error execute with --v=5 or higher", 1);
    }
    // The World key: `kubernetes`, or `kubernetes-<host>` if that is taken.
    let key = if term.world.clusters.contains_key("kubernetes") {
        format!("kubernetes-{host}")
    } else {
        "kubernetes".to_string()
    };
    let server = format!("https://{ip}:6443");
    Preset::Bare.install_with_pod_subnet(
        &mut term.world,
        &key,
        &server,
        &[(host.clone(), Role::ControlPlane)],
        pod_subnet,
    );
    term.tools.created += 1;
    let id = format!("{key}-{}", term.tools.created);
    if let Some(c) = term.world.clusters.get_mut(&key) {
        c.auth.ca_id = id;
    }
    term.tools.node_addresses.push((ip.clone(), key.clone()));
    term.tools.node_addresses.push((host.clone(), key.clone()));
    let now = term.world.now();
    if let Some(m) = term.tools.machines.get_mut(&host) {
        m.cluster = Some(key.clone());
        m.role = Some(Role::ControlPlane);
        m.flavor = "kubeadm".into();
        for unit in ["kubelet", "containerd"] {
            m.units.entry(unit.to_string()).or_default().since = now;
        }
    }
    // The files kubeadm writes.
    let kc = admin_conf(term, &key, &server);
    let mut seeded = Machine::default();
    super::seed_machine_fs(&mut seeded.fs, Some((term, &key, true, "kubeadm", &host)));
    if let Some(m) = term.tools.machines.get_mut(&host) {
        for f in seeded.fs.files_under("/etc") {
            if let Some(t) = seeded.fs.read(&f) {
                m.fs.write(&f, t.to_string());
            }
        }
        m.fs.write("/etc/kubernetes/admin.conf", kc.to_yaml());
        m.fs.write("/etc/kubernetes/super-admin.conf", kc.to_yaml());
    }
    let token = new_token(term);
    term.tools
        .bootstrap_tokens
        .entry(key.clone())
        .or_default()
        .push(token.clone());
    let hash = ca_hash(term, &key);
    super::journal(
        term,
        &host,
        "kubelet",
        "Started kubelet.service - kubelet: The Kubernetes Node Agent.".into(),
    );
    crate::term::builtins::advance(term, 15_000);
    Output::out(format!("[init] Using Kubernetes version: {K8S_VERSION}
[preflight] Running pre-flight checks
[preflight] Pulling images required for setting up a Kubernetes cluster
[preflight] This might take a minute or two, depending on the speed of your internet connection
[preflight] You can also perform this action beforehand using 'kubeadm config images pull'
[certs] Using certificateDir folder \"/etc/kubernetes/pki\"
[certs] Generating \"ca\" certificate and key
[certs] Generating \"apiserver\" certificate and key
[certs] apiserver serving cert is signed for DNS names [{host} kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local] and IPs [10.96.0.1 {ip}]
[certs] Generating \"apiserver-kubelet-client\" certificate and key
[certs] Generating \"front-proxy-ca\" certificate and key
[certs] Generating \"front-proxy-client\" certificate and key
[certs] Generating \"etcd/ca\" certificate and key
[certs] Generating \"etcd/server\" certificate and key
[certs] etcd/server serving cert is signed for DNS names [{host} localhost] and IPs [{ip} 127.0.0.1 ::1]
[certs] Generating \"etcd/peer\" certificate and key
[certs] etcd/peer serving cert is signed for DNS names [{host} localhost] and IPs [{ip} 127.0.0.1 ::1]
[certs] Generating \"etcd/healthcheck-client\" certificate and key
[certs] Generating \"apiserver-etcd-client\" certificate and key
[certs] Generating \"sa\" key and public key
[kubeconfig] Using kubeconfig folder \"/etc/kubernetes\"
[kubeconfig] Writing \"admin.conf\" kubeconfig file
[kubeconfig] Writing \"super-admin.conf\" kubeconfig file
[kubeconfig] Writing \"kubelet.conf\" kubeconfig file
[kubeconfig] Writing \"controller-manager.conf\" kubeconfig file
[kubeconfig] Writing \"scheduler.conf\" kubeconfig file
[etcd] Creating static Pod manifest for local etcd in \"/etc/kubernetes/manifests\"
[control-plane] Using manifest folder \"/etc/kubernetes/manifests\"
[control-plane] Creating static Pod manifest for \"kube-apiserver\"
[control-plane] Creating static Pod manifest for \"kube-controller-manager\"
[control-plane] Creating static Pod manifest for \"kube-scheduler\"
[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"
[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"
[kubelet-start] Starting the kubelet
[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory \"/etc/kubernetes/manifests\"
[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s
[kubelet-check] The kubelet is healthy after 1.001936772s
[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s
[control-plane-check] Checking kube-apiserver at https://{ip}:6443/livez
[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz
[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez
[control-plane-check] kube-controller-manager is healthy after 1.505302841s
[control-plane-check] kube-scheduler is healthy after 2.109488979s
[control-plane-check] kube-apiserver is healthy after 3.501720592s
[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace
[kubelet] Creating a ConfigMap \"kubelet-config\" in namespace kube-system with the configuration for the kubelets in the cluster
[upload-certs] Skipping phase. Please see --upload-certs
[mark-control-plane] Marking the node {host} as control-plane by adding the labels: [node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]
[mark-control-plane] Marking the node {host} as control-plane by adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]
[bootstrap-token] Using token: {token}
[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles
[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes
[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials
[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token
[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster
[bootstrap-token] Creating the \"cluster-info\" ConfigMap in the \"kube-public\" namespace
[kubelet-finalize] Updating \"/etc/kubernetes/kubelet.conf\" to point to a rotatable kubelet client certificate and key
[addons] Applied essential addon: CoreDNS
[addons] Applied essential addon: kube-proxy

Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run \"kubectl apply -f [podnetwork].yaml\" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

Then you can join any number of worker nodes by running the following on each as root:

kubeadm join {ip}:6443 --token {token} \\
\t--discovery-token-ca-cert-hash {hash} 
"))
}

fn join(term: &mut Terminal, endpoint: &str, args: &[String]) -> Output {
    let host = term.host.clone().unwrap_or_default();
    let token = args
        .iter()
        .position(|a| a == "--token")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_default();
    let addr = endpoint.trim_start_matches("https://");
    let ip = addr.split(':').next().unwrap_or("");
    let cluster = term
        .tools
        .node_addresses
        .iter()
        .find(|(h, _)| h == ip)
        .map(|(_, c)| c.clone());
    let Some(cluster) = cluster.filter(|c| term.world.clusters.contains_key(c)) else {
        return Output::error(format!("[preflight] Running pre-flight checks\nerror execution phase preflight: couldn't validate the identity of the API Server: failed to request the cluster-info ConfigMap: Get \"https://{addr}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s\": dial tcp {addr}: connect: connection refused\nTo see the stack trace of this error execute with --v=5 or higher"), 1);
    };
    if term
        .tools
        .machines
        .get(&host)
        .is_some_and(|m| m.cluster.is_some())
    {
        return Output::error("[preflight] Running pre-flight checks\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists\n\t[ERROR Port-10250]: Port 10250 is in use\n\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\nTo see the stack trace of this error execute with --v=5 or higher", 1);
    }
    let known = term
        .tools
        .bootstrap_tokens
        .get(&cluster)
        .is_some_and(|t| t.contains(&token));
    if !known {
        let id = token.split('.').next().unwrap_or("");
        return Output::error(format!("[preflight] Running pre-flight checks\nerror execution phase preflight: couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID \"{id}\"\nTo see the stack trace of this error execute with --v=5 or higher"), 1);
    }
    let my_ip = machine_ip(term);
    let index = term
        .tools
        .machines
        .values()
        .filter(|m| m.cluster.as_deref() == Some(cluster.as_str()))
        .count();
    Preset::Bare.join_node(
        &mut term.world,
        &cluster,
        &host,
        Role::Worker,
        &my_ip,
        index,
    );
    let now = term.world.now();
    if let Some(m) = term.tools.machines.get_mut(&host) {
        m.cluster = Some(cluster.clone());
        m.role = Some(Role::Worker);
        m.flavor = "kubeadm".into();
        for unit in ["kubelet", "containerd"] {
            m.units.entry(unit.to_string()).or_default().since = now;
        }
    }
    let mut seeded = Machine::default();
    super::seed_machine_fs(
        &mut seeded.fs,
        Some((term, &cluster, false, "kubeadm", &host)),
    );
    if let Some(m) = term.tools.machines.get_mut(&host) {
        for f in seeded
            .fs
            .files_under("/etc")
            .into_iter()
            .chain(seeded.fs.files_under("/var"))
        {
            if let Some(t) = seeded.fs.read(&f) {
                m.fs.write(&f, t.to_string());
            }
        }
    }
    if let Some(c) = term.world.clusters.get_mut(&cluster) {
        c.start(&format!("kubelet/{host}"));
    }
    super::journal(
        term,
        &host,
        "kubelet",
        "Started kubelet.service - kubelet: The Kubernetes Node Agent.".into(),
    );
    crate::term::builtins::advance(term, 5_000);
    Output::out("[preflight] Running pre-flight checks
[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...
[preflight] Use 'kubeadm init phase upload-config --config your-config-file' to re-upload it.
[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"
[kubelet-start] Writing kubelet environment file with flags to file \"/var/lib/kubelet/kubeadm-flags.env\"
[kubelet-start] Starting the kubelet
[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s
[kubelet-check] The kubelet is healthy after 1.002114034s
[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap

This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.

")
}

fn reset(term: &mut Terminal, force: bool) -> Output {
    let host = term.host.clone().unwrap_or_default();
    if !force {
        return Output::error("[reset] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace \"kube-system\"...\n[reset] Use 'kubeadm init phase upload-config --config your-config-file' to re-upload it.\n[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.\n[reset] Are you sure you want to proceed? [y/N]: \nerror execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue\n(this terminal cannot answer prompts: run `kubeadm reset -f`)\nTo see the stack trace of this error execute with --v=5 or higher", 1);
    }
    let (cluster, role) = term
        .tools
        .machines
        .get(&host)
        .map(|m| (m.cluster.clone(), m.role))
        .unwrap_or((None, None));
    if let Some(c) = &cluster {
        if role == Some(Role::ControlPlane) {
            // The last control plane takes etcd and the API with it.
            term.world.clusters.remove(c);
            term.tools.node_addresses.retain(|(_, x)| x != c);
            for m in term.tools.machines.values_mut() {
                if m.cluster.as_deref() == Some(c.as_str()) {
                    m.cluster = None;
                }
            }
        } else if let Some(wc) = term.world.clusters.get_mut(c) {
            wc.stop(&format!("kubelet/{host}"));
        }
    }
    if let Some(m) = term.tools.machines.get_mut(&host) {
        m.cluster = None;
        m.role = None;
        for p in ["/etc/kubernetes", "/var/lib/kubelet", "/var/lib/etcd"] {
            let _ = m.fs.remove(p, true);
        }
        let _ = m.fs.mkdir("/etc/kubernetes/manifests", true);
    }
    Output::out("[preflight] Running pre-flight checks
[reset] Deleted contents of the etcd data directory: /var/lib/etcd
[reset] Stopping the kubelet service
[reset] Unmounting mounted directories in \"/var/lib/kubelet\"
[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]
[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]

The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d

The reset process does not reset or clean up iptables rules or IPVS tables.
If you wish to reset iptables, you must do so manually by using the \"iptables\" command.

If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)
to reset your system's IPVS tables.

The reset process does not clean your kubeconfig files and you must remove them manually.
Please, check the contents of the $HOME/.kube/config file.
")
}

/// `curl -sfL https://get.k3s.io | sh -` (server) or with `K3S_URL`/`K3S_TOKEN` (agent).
pub fn k3s_install(term: &mut Terminal, _args: &[String]) -> Output {
    let Some(host) = term.host.clone() else {
        return Output::error("[ERROR]  Can not find systemd or openrc to use as a process supervisor for k3s\n(install k3s on a machine: `ssh cp-1` first)", 1);
    };
    let version = format!("{K8S_VERSION}+k3s1");
    let agent_url = term.env.get("K3S_URL").cloned();
    let mut out = format!("[INFO]  Finding release for channel stable\n[INFO]  Using {version} as release\n[INFO]  Downloading hash https://github.com/k3s-io/k3s/releases/download/{version}/sha256sum-amd64.txt\n[INFO]  Downloading binary https://github.com/k3s-io/k3s/releases/download/{version}/k3s\n[INFO]  Verifying binary download\n[INFO]  Installing k3s to /usr/local/bin/k3s\n[INFO]  Skipping installation of SELinux RPM\n[INFO]  Creating /usr/local/bin/kubectl symlink to k3s\n[INFO]  Creating /usr/local/bin/crictl symlink to k3s\n[INFO]  Creating /usr/local/bin/ctr symlink to k3s\n[INFO]  Creating killall script /usr/local/bin/k3s-killall.sh\n[INFO]  Creating uninstall script /usr/local/bin/k3s-uninstall.sh\n");
    let ip = machine_ip(term);
    if let Some(url) = agent_url {
        let addr = url
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string();
        let cp_ip = addr.split(':').next().unwrap_or("").to_string();
        let cluster = term
            .tools
            .node_addresses
            .iter()
            .find(|(h, _)| *h == cp_ip)
            .map(|(_, c)| c.clone());
        let Some(cluster) = cluster else {
            out.push_str("[INFO]  env: Creating environment file /etc/systemd/system/k3s-agent.service.env\n[INFO]  systemd: Creating service file /etc/systemd/system/k3s-agent.service\n[INFO]  systemd: Enabling k3s-agent unit\nCreated symlink /etc/systemd/system/multi-user.target.wants/k3s-agent.service → /etc/systemd/system/k3s-agent.service.\n[INFO]  systemd: Starting k3s-agent\n");
            return Output::out(out);
        };
        let index = term
            .tools
            .machines
            .values()
            .filter(|m| m.cluster.as_deref() == Some(cluster.as_str()))
            .count();
        Preset::K3s.join_node(&mut term.world, &cluster, &host, Role::Worker, &ip, index);
        if let Some(m) = term.tools.machines.get_mut(&host) {
            m.cluster = Some(cluster);
            m.role = Some(Role::Worker);
            m.flavor = "k3s".into();
        }
        out.push_str("[INFO]  env: Creating environment file /etc/systemd/system/k3s-agent.service.env\n[INFO]  systemd: Creating service file /etc/systemd/system/k3s-agent.service\n[INFO]  systemd: Enabling k3s-agent unit\nCreated symlink /etc/systemd/system/multi-user.target.wants/k3s-agent.service → /etc/systemd/system/k3s-agent.service.\n[INFO]  systemd: Starting k3s-agent\n");
        crate::term::builtins::advance(term, 5_000);
        return Output::out(out);
    }
    if term
        .tools
        .machines
        .get(&host)
        .is_some_and(|m| m.cluster.is_some())
    {
        out.push_str("[INFO]  systemd: Starting k3s\n");
        return Output::out(out);
    }
    let key = format!("k3s-{host}");
    let server = format!("https://{ip}:6443");
    Preset::K3s.install_custom(
        &mut term.world,
        &key,
        &server,
        &[(host.clone(), Role::ControlPlaneUntainted)],
    );
    term.tools.created += 1;
    let id = format!("{key}-{}", term.tools.created);
    if let Some(c) = term.world.clusters.get_mut(&key) {
        c.auth.ca_id = id;
    }
    term.tools.node_addresses.push((ip.clone(), key.clone()));
    term.tools.node_addresses.push((host.clone(), key.clone()));
    let kc = super::k3s_config(term, &key, "https://127.0.0.1:6443");
    let token = format!(
        "K10{}::server:{}",
        &ca_hash(term, &key)[7..71],
        new_token(term).replace('.', "")
    );
    if let Some(m) = term.tools.machines.get_mut(&host) {
        m.cluster = Some(key.clone());
        m.role = Some(Role::ControlPlane);
        m.flavor = "k3s".into();
        m.fs.write("/etc/rancher/k3s/k3s.yaml", kc.to_yaml());
        m.fs.write(
            "/var/lib/rancher/k3s/server/node-token",
            format!("{token}\n"),
        );
    }
    out.push_str("[INFO]  env: Creating environment file /etc/systemd/system/k3s.service.env\n[INFO]  systemd: Creating service file /etc/systemd/system/k3s.service\n[INFO]  systemd: Enabling k3s unit\nCreated symlink /etc/systemd/system/multi-user.target.wants/k3s.service → /etc/systemd/system/k3s.service.\n[INFO]  systemd: Starting k3s\n");
    crate::term::builtins::advance(term, 10_000);
    Output::out(out)
}

/// `k3s kubectl ...` (the k3s binary embeds kubectl, reading /etc/rancher/k3s/k3s.yaml).
pub fn k3s_cli(term: &mut Terminal, args: &[String], stdin: &str) -> Output {
    let installed = term
        .host
        .as_ref()
        .and_then(|h| term.tools.machines.get(h))
        .is_some_and(|m| m.flavor == "k3s");
    if !installed {
        return Output::error("bash: k3s: command not found", 127);
    }
    match args.first().map(String::as_str) {
        Some("kubectl") => {
            let mut a = vec!["--kubeconfig".to_string(), "/etc/rancher/k3s/k3s.yaml".to_string()];
            a.extend(args[1..].iter().cloned());
            crate::term::kubectl::run(term, &a, stdin)
        }
        Some("--version") | Some("-v") => Output::out(format!("k3s version {K8S_VERSION}+k3s1 (4f8d1a8f)\ngo version go1.24.6\n")),
        _ => Output::out("NAME:\n   k3s - Kubernetes, but small and simple\n\nCOMMANDS:\n   server         Run management server\n   agent          Run node agent\n   kubectl        Run kubectl\n   crictl         Run crictl\n   etcd-snapshot  Manage etcd snapshots\n"),
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn kubeadm_init_then_join_on_bare_machines() {
        let mut t = Terminal::new(World::new(1, Preset::Bare));
        assert!(t
            .run("kubectl get nodes")
            .stderr()
            .contains("localhost:8080 was refused"));
        assert_eq!(
            t.run("ssh nope").stderr(),
            "ssh: Could not resolve hostname nope: Name or service not known\n"
        );
        t.run("ssh cp-1");
        assert_eq!(t.prompt(), "root@cp-1:~# ");
        let out = t.run("kubeadm init");
        assert!(out
            .stdout()
            .contains("Your Kubernetes control-plane has initialized successfully!"));
        let join_line = out
            .stdout()
            .lines()
            .find(|l| l.starts_with("kubeadm join"))
            .unwrap()
            .to_string();
        assert!(
            join_line.starts_with("kubeadm join 10.0.0.11:6443 --token "),
            "{join_line}"
        );
        let hash_line = out.stdout().lines().last().unwrap().trim().to_string();
        t.run("export KUBECONFIG=/etc/kubernetes/admin.conf");
        assert!(
            t.run("kubectl get nodes").stdout().contains("cp-1"),
            "{}",
            t.run("kubectl get nodes").text()
        );
        let cmd = t.run("kubeadm token create --print-join-command").stdout();
        assert!(
            cmd.starts_with("kubeadm join 10.0.0.11:6443 --token ") && cmd.ends_with(" \n"),
            "{cmd}"
        );
        t.run("exit");
        assert_eq!(t.prompt(), "student@laptop:~$ ");
        t.run("ssh worker-1");
        let line = format!("{} {}", join_line.trim_end_matches('\\').trim(), hash_line);
        let j = t.run(&line);
        assert!(
            j.stdout().contains("This node has joined the cluster:"),
            "{}",
            j.text()
        );
        t.run("exit");
        t.run("ssh cp-1");
        t.run("mkdir -p $HOME/.kube; sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config; sudo chown $(id -u):$(id -g) $HOME/.kube/config");
        let nodes = t.run("kubectl get nodes").stdout();
        assert!(
            nodes.contains("cp-1") && nodes.contains("worker-1"),
            "{nodes}"
        );
        // A non-admin identity meets RBAC.
        t.run("kubeadm kubeconfig user --client-name=jane --org=dev > /root/jane.conf");
        let denied = t.run("kubectl --kubeconfig /root/jane.conf get pods");
        assert_eq!(denied.stderr(), "Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n");
        assert!(t.run("kubeadm reset").exit_code != 0);
        assert!(t
            .run("kubeadm reset -f")
            .stdout()
            .contains("[reset] Deleted contents of the etcd data directory"));
        assert!(t
            .run("kubectl get nodes")
            .stderr()
            .contains("10.0.0.11:6443 was refused"));
    }

    /// `--pod-network-cidr` (either spelling) is what gives nodes a podCIDR, joined ones too.
    #[test]
    fn pod_network_cidr_sets_the_cluster_cidr_and_node_pod_cidrs() {
        let podcidrs = "kubectl get nodes -o jsonpath={.items[*].spec.podCIDR}";
        for (flag, want_cp, want_worker) in [
            ("", "", ""),
            (
                " --pod-network-cidr=10.244.0.0/16",
                "10.244.0.0/24",
                "10.244.1.0/24",
            ),
            (
                " --pod-network-cidr 192.168.0.0/16",
                "192.168.0.0/24",
                "192.168.1.0/24",
            ),
        ] {
            let mut t = Terminal::new(World::new(1, Preset::Bare));
            t.run("ssh cp-1");
            let out = t.run(&format!("kubeadm init{flag}"));
            assert_eq!(out.exit_code, 0, "{}", out.text());
            let join = t.run("kubeadm token create --print-join-command").stdout();
            t.run("exit");
            t.run("ssh worker-1");
            t.run(join.trim());
            t.run("exit");
            t.run("ssh cp-1");
            t.run("export KUBECONFIG=/etc/kubernetes/admin.conf");
            let cidrs = t.run(podcidrs).stdout();
            let want = format!("{want_cp} {want_worker}");
            assert_eq!(cidrs.trim(), want.trim(), "kubeadm init{flag}");
            let cm = t
                .run("kubectl -n kube-system get pod kube-controller-manager-cp-1 -o yaml")
                .stdout();
            assert_eq!(
                cm.contains("--allocate-node-cidrs=true"),
                !flag.is_empty(),
                "{cm}"
            );
        }
        let mut t = Terminal::new(World::new(1, Preset::Bare));
        t.run("ssh cp-1");
        let bad = t.run("kubeadm init --pod-network-cidr=10.244.0.0");
        assert_eq!(bad.exit_code, 1);
        assert_eq!(bad.stderr(), "networking.podSubnet: Invalid value: \"10.244.0.0\": couldn't parse subnet\nTo see the stack trace of this error execute with --v=5 or higher\n");
    }

    #[test]
    fn k3s_installer_one_liner() {
        let mut t = Terminal::new(World::new(1, Preset::Bare));
        t.run("ssh cp-1");
        let out = t.run("curl -sfL https://get.k3s.io | sh -");
        assert!(
            out.stdout().ends_with("[INFO]  systemd: Starting k3s\n"),
            "{}",
            out.text()
        );
        assert!(
            t.run("k3s kubectl get nodes").stdout().contains("cp-1"),
            "{}",
            t.run("k3s kubectl get nodes").text()
        );
        assert!(t
            .run("cat /etc/rancher/k3s/k3s.yaml")
            .stdout()
            .contains("server: https://127.0.0.1:6443"));
    }
}
