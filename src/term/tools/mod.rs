//! Cluster tools: the programs besides kubectl that create, join, inspect and break clusters,
//! each changing the [`crate::sim::World`] and the kubeconfig the way the real tool does and
//! printing what it prints.
//!
//! - [`kind`] and [`minikube`]: local clusters from the laptop;
//! - [`kubeadm`]: `kubeadm init|join|reset|token`, and the k3s installer, on machines reached
//!   with `ssh` ([`ssh`]; `docker exec -it NODE bash` for kind nodes);
//! - [`cloud`]: `gcloud`/`aws`/`az`/`doctl` "get credentials";
//! - [`node`]: `crictl`, `systemctl`, `journalctl` on a node; [`etcdctl`];
//! - [`manifests`]: well-known manifest URLs (flannel, calico) served offline for `apply -f`.
//!
//! [`run`] dispatches by program name; [`setup`] writes the laptop's `~/.kube/config` for the
//! preset the world was built from (as `kind create cluster`, `minikube start`, the k3s
//! installer, kubeadm or `gcloud ... get-credentials` would have).
//!
//! ```
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let mut t = Terminal::new(World::new(1, Preset::Kind));
//! assert_eq!(t.run("kind get clusters").stdout(), "kind\n");
//! t.run("ssh kind-worker");
//! assert_eq!(t.prompt(), "root@kind-worker:~# ");
//! ```

pub mod cloud;
pub mod etcdctl;
pub mod kind;
pub mod kubeadm;
pub mod kubelet_log;
pub mod manifests;
pub mod minikube;
pub mod node;

use super::fs::Fs;
use super::kubeconfig::{AuthInfo, Cluster, Context, ExecConfig, Kubeconfig};
use super::{Output, SavedShell, Terminal};
use crate::sim::auth::{self, UserInfo};
use crate::sim::clock::SimTime;
use crate::sim::presets::{Preset, Role};
use crate::sim::value::Value;
use std::collections::BTreeMap;

/// Programs this module answers, with a summary (for `help`, `which` and completion).
pub const TOOLS: &[(&str, &str)] = &[
    (
        "kind",
        "local clusters in Docker: kind create|delete|get clusters",
    ),
    (
        "minikube",
        "a local cluster: minikube start|stop|delete|status|ip",
    ),
    (
        "kubeadm",
        "bootstrap a cluster on machines: init, join, reset, token create",
    ),
    ("k3s", "the k3s binary (k3s kubectl ...)"),
    ("ssh", "open a shell on a machine or node: ssh cp-1"),
    (
        "docker",
        "docker ps, docker exec -it NODE bash (kind nodes)",
    ),
    (
        "curl",
        "download (only the k3s installer and well-known manifests are reachable)",
    ),
    (
        "sh",
        "run a script from stdin (curl -sfL https://get.k3s.io | sh -)",
    ),
    ("sudo", "run a command as root"),
    (
        "etcdctl",
        "talk to etcd: get --prefix --keys-only, member list, endpoint health",
    ),
    (
        "crictl",
        "the container runtime on a node: crictl ps|pods|images",
    ),
    (
        "systemctl",
        "services on a node: systemctl status|stop|start|restart kubelet",
    ),
    (
        "journalctl",
        "service logs on a node: journalctl -u kubelet",
    ),
    (
        "gcloud",
        "gcloud container clusters get-credentials NAME --region R",
    ),
    ("aws", "aws eks update-kubeconfig --name N --region R"),
    ("az", "az aks get-credentials -g RG -n N"),
    ("doctl", "doctl kubernetes cluster kubeconfig save N"),
    ("chown", "change file owner (no-op here)"),
    ("chmod", "change file mode (no-op here)"),
    ("id", "print user and group ids"),
];

/// Every program [`run`] answers (TOOLS plus `wget` and `bash`): the terminal knows them
/// without the tools' code ([`super::deferred`]).
pub const PROGRAMS: &[&str] = &[
    "kind",
    "minikube",
    "kubeadm",
    "k3s",
    "ssh",
    "docker",
    "curl",
    "wget",
    "sh",
    "bash",
    "sudo",
    "chown",
    "chmod",
    "id",
    "etcdctl",
    "crictl",
    "systemctl",
    "journalctl",
    "gcloud",
    "aws",
    "az",
    "doctl",
];

/// A machine you can `ssh` into: a node of a cluster, or a bare VM waiting for kubeadm.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    pub fs: Fs,
    pub ip: String,
    /// The `World` cluster this machine is a node of, once it is one.
    pub cluster: Option<String>,
    pub role: Option<Role>,
    /// How the node came to be: `kind`, `kubeadm`, `k3s`, `minikube`, `managed`.
    pub flavor: String,
    /// Reached with `docker exec` (kind nodes: prompt `root@NODE:/#`).
    pub container: bool,
    /// When each systemd unit last started or stopped, and its journal.
    pub units: BTreeMap<String, Unit>,
}

/// A systemd unit on a machine (`kubelet`, `containerd`, `k3s`).
#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub since: SimTime,
    pub journal: Vec<(SimTime, String)>,
}

/// What the tools remember between commands.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Machines by host name (sorted, so listings are deterministic).
    pub machines: BTreeMap<String, Machine>,
    /// `(host or IP, World cluster)` pairs answering on `:6443` (control-plane addresses).
    pub node_addresses: Vec<(String, String)>,
    /// kind cluster names (`kind` → World cluster `kind-kind`).
    pub kind_clusters: Vec<String>,
    /// minikube profile: `Some(true)` running, `Some(false)` stopped, `None` absent.
    pub minikube: Option<bool>,
    /// The bearer token the cloud CLIs' exec plugins hand out, per World cluster.
    pub cloud_tokens: BTreeMap<String, String>,
    /// kubeadm bootstrap tokens per World cluster.
    pub bootstrap_tokens: BTreeMap<String, Vec<String>>,
    /// How many clusters the tools have created (to vary CA ids, as real tools regenerate them).
    pub created: u32,
}

/// The machines of the bare preset: VMs with containerd and kubeadm installed, no cluster.
pub const BARE_MACHINES: &[(&str, &str)] = &[
    ("cp-1", "10.0.0.11"),
    ("worker-1", "10.0.0.21"),
    ("worker-2", "10.0.0.22"),
];

fn pem_b64(pem: &str) -> String {
    auth::base64_encode(pem.as_bytes())
}

/// The preset the world's first cluster was built from (by its name).
pub fn preset_of(term: &Terminal) -> Option<Preset> {
    let first = term.world.clusters.keys().next()?;
    Preset::ALL
        .into_iter()
        .find(|p| p.cluster_name() == first.as_str())
}

/// Writes the laptop's kubeconfig for the preset and registers machines and addresses.
pub fn setup(term: &mut Terminal) {
    let _ = term.fs.mkdir("/home/student/.kube", true);
    let preset = preset_of(term);
    let names: Vec<String> = term.world.clusters.keys().cloned().collect();
    for name in &names {
        register_nodes(term, name, preset.unwrap_or(Preset::Kind));
    }
    match preset {
        Some(Preset::Kind) => {
            term.tools.kind_clusters.push("kind".into());
            let mut kc = Kubeconfig::default();
            add_kind_entries(term, &mut kc, "kind");
            write_laptop_config(term, &kc);
        }
        Some(Preset::Minikube) => {
            term.tools.minikube = Some(true);
            let mut kc = Kubeconfig::default();
            minikube::add_entries(term, &mut kc);
            write_laptop_config(term, &kc);
        }
        Some(Preset::K3s) => {
            let kc = k3s_config(term, "default", "https://10.0.0.10:6443");
            write_laptop_config(term, &kc);
        }
        Some(Preset::Managed) => {
            let mut kc = Kubeconfig::default();
            cloud::add_gke_entries(term, &mut kc, "default");
            write_laptop_config(term, &kc);
        }
        Some(Preset::Ha) => {
            let kc = kubeadm::admin_conf(term, "kubernetes", "https://10.0.0.100:6443");
            write_laptop_config(term, &kc);
            term.tools
                .node_addresses
                .push(("10.0.0.100".into(), "kubernetes".into()));
        }
        Some(Preset::Bare) | None => {
            for (name, ip) in BARE_MACHINES {
                let mut m = Machine {
                    ip: ip.to_string(),
                    flavor: "bare".into(),
                    ..Machine::default()
                };
                seed_machine_fs(&mut m.fs, None);
                term.tools.machines.insert(name.to_string(), m);
            }
        }
    }
}

fn write_laptop_config(term: &mut Terminal, kc: &Kubeconfig) {
    term.fs.write("/home/student/.kube/config", kc.to_yaml());
}

/// Makes every node of `cluster` a machine (for ssh) and its control planes addressable.
pub fn register_nodes(term: &mut Terminal, cluster: &str, preset: Preset) {
    let Some(node_res) = crate::sim::api::resource_for_kind("Node") else {
        return;
    };
    let Some(c) = term.world.clusters.get(cluster) else {
        return;
    };
    let nodes: Vec<Value> = c
        .store
        .range(&node_res.storage_prefix(None))
        .map(|kv| (*kv.value).clone())
        .collect();
    for n in nodes {
        let name = crate::sim::api::name_of(&n).to_string();
        let ip = crate::sim::meta::node_address(&n, "InternalIP")
            .unwrap_or("")
            .to_string();
        let cp = n
            .path(&[
                "metadata",
                "labels",
                "node-role.kubernetes.io/control-plane",
            ])
            .is_some();
        let flavor = match preset {
            Preset::Kind => "kind",
            Preset::Minikube => "minikube",
            Preset::K3s => "k3s",
            Preset::Managed => "managed",
            Preset::Ha | Preset::Bare => "kubeadm",
        };
        if cp {
            term.tools
                .node_addresses
                .push((ip.clone(), cluster.to_string()));
            term.tools
                .node_addresses
                .push((name.clone(), cluster.to_string()));
        }
        let mut m = Machine {
            ip,
            cluster: Some(cluster.to_string()),
            role: Some(if cp { Role::ControlPlane } else { Role::Worker }),
            flavor: flavor.to_string(),
            container: preset == Preset::Kind,
            ..Machine::default()
        };
        let now = term.world.now();
        for unit in ["kubelet", "containerd"] {
            m.units.insert(
                unit.to_string(),
                Unit {
                    since: now,
                    journal: Vec::new(),
                },
            );
        }
        seed_machine_fs(&mut m.fs, Some((term, cluster, cp, flavor, &name)));
        term.tools.machines.insert(name, m);
    }
}

/// The files a node has: kubeadm's `/etc/kubernetes`, k3s's `/etc/rancher/k3s/k3s.yaml`.
fn seed_machine_fs(fs: &mut Fs, node: Option<(&Terminal, &str, bool, &str, &str)>) {
    let _ = fs.mkdir("/root", true);
    let _ = fs.mkdir("/etc/kubernetes/manifests", true);
    let _ = fs.mkdir("/var/lib/kubelet", true);
    let Some((term, cluster, cp, flavor, node_name)) = node else {
        return;
    };
    let Some(c) = term.world.clusters.get(cluster) else {
        return;
    };
    let ca = auth::ca_pem(c);
    match flavor {
        "k3s" => {
            if cp {
                let kc = k3s_config(term, cluster, "https://127.0.0.1:6443");
                fs.write("/etc/rancher/k3s/k3s.yaml", kc.to_yaml());
                fs.write("/var/lib/rancher/k3s/server/tls/server-ca.crt", ca);
            }
        }
        _ => {
            fs.write("/etc/kubernetes/pki/ca.crt", ca.clone());
            fs.write(
                "/var/lib/kubelet/config.yaml",
                "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\n",
            );
            if cp {
                let server = format!("https://{node_name}:6443");
                let kc = kubeadm::admin_conf(term, cluster, &server);
                fs.write("/etc/kubernetes/admin.conf", kc.to_yaml());
                fs.write("/etc/kubernetes/super-admin.conf", kc.to_yaml());
                for (name, body) in [
                    ("etcd.yaml", "etcd"),
                    ("kube-apiserver.yaml", "kube-apiserver"),
                    ("kube-controller-manager.yaml", "kube-controller-manager"),
                    ("kube-scheduler.yaml", "kube-scheduler"),
                ] {
                    fs.write(
                        &format!("/etc/kubernetes/manifests/{name}"),
                        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: {body}\n    tier: control-plane\n  name: {body}\n  namespace: kube-system\nspec:\n  containers:\n  - name: {body}\n    image: registry.k8s.io/{body}:v1.34.1\n  hostNetwork: true\n  priorityClassName: system-node-critical\n"),
                    );
                }
                let (cert, key) = auth::issue_client_cert(c, "kube-apiserver-etcd-client", &[]);
                fs.write("/etc/kubernetes/pki/etcd/ca.crt", auth::ca_pem(c));
                fs.write("/etc/kubernetes/pki/etcd/server.crt", cert.clone());
                fs.write("/etc/kubernetes/pki/etcd/server.key", key.clone());
                fs.write(
                    "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
                    cert.clone(),
                );
                fs.write(
                    "/etc/kubernetes/pki/etcd/healthcheck-client.key",
                    key.clone(),
                );
                fs.write("/etc/kubernetes/pki/apiserver-etcd-client.crt", cert);
                fs.write("/etc/kubernetes/pki/apiserver-etcd-client.key", key);
            }
            let (cert, key) =
                auth::issue_client_cert(c, &format!("system:node:{node_name}"), &["system:nodes"]);
            let mut kc = Kubeconfig::default();
            kc.set_cluster(
                "kubernetes",
                Cluster {
                    server: format!("https://{}:6443", control_plane_host(term, cluster)),
                    certificate_authority_data: Some(pem_b64(&auth::ca_pem(c))),
                    ..Cluster::default()
                },
            );
            kc.set_user(
                "default-auth",
                AuthInfo {
                    client_certificate_data: Some(pem_b64(&cert)),
                    client_key_data: Some(pem_b64(&key)),
                    ..AuthInfo::default()
                },
            );
            kc.set_context(
                "default-context",
                Context {
                    cluster: "kubernetes".into(),
                    user: "default-auth".into(),
                    namespace: Some("default".into()),
                    ..Context::default()
                },
            );
            kc.current_context = Some("default-context".into());
            fs.write("/etc/kubernetes/kubelet.conf", kc.to_yaml());
        }
    }
}

fn control_plane_host(term: &Terminal, cluster: &str) -> String {
    term.tools
        .node_addresses
        .iter()
        .find(|(h, c)| c == cluster && h.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic()))
        .map(|(h, _)| h.clone())
        .unwrap_or_else(|| "localhost".into())
}

/// kind's kubeconfig entries for cluster `name` (`kind-<name>` for all three).
pub fn add_kind_entries(term: &Terminal, kc: &mut Kubeconfig, name: &str) {
    let key = format!("kind-{name}");
    let Some(c) = term.world.clusters.get(&key) else {
        return;
    };
    let (cert, key_pem) =
        auth::issue_client_cert(c, "kubernetes-admin", &["kubeadm:cluster-admins"]);
    kc.set_cluster(
        &key,
        Cluster {
            server: c.server.clone(),
            certificate_authority_data: Some(pem_b64(&auth::ca_pem(c))),
            ..Cluster::default()
        },
    );
    kc.set_user(
        &key,
        AuthInfo {
            client_certificate_data: Some(pem_b64(&cert)),
            client_key_data: Some(pem_b64(&key_pem)),
            ..AuthInfo::default()
        },
    );
    kc.set_context(
        &key,
        Context {
            cluster: key.clone(),
            user: key.clone(),
            ..Context::default()
        },
    );
    kc.current_context = Some(key);
    if kc.api_version.is_none() {
        kc.api_version = Some("v1".into());
        kc.kind = Some("Config".into());
        kc.preferences = Some(Value::map());
    }
}

/// `/etc/rancher/k3s/k3s.yaml`: everything named `default`.
pub fn k3s_config(term: &Terminal, cluster: &str, server: &str) -> Kubeconfig {
    let mut kc = Kubeconfig::default();
    let Some(c) = term.world.clusters.get(cluster) else {
        return kc;
    };
    let (cert, key) = auth::issue_client_cert(c, "system:admin", &["system:masters"]);
    kc.set_cluster(
        "default",
        Cluster {
            server: server.to_string(),
            certificate_authority_data: Some(pem_b64(&auth::ca_pem(c))),
            ..Cluster::default()
        },
    );
    kc.set_user(
        "default",
        AuthInfo {
            client_certificate_data: Some(pem_b64(&cert)),
            client_key_data: Some(pem_b64(&key)),
            ..AuthInfo::default()
        },
    );
    kc.set_context(
        "default",
        Context {
            cluster: "default".into(),
            user: "default".into(),
            ..Context::default()
        },
    );
    kc.current_context = Some("default".into());
    kc.api_version = Some("v1".into());
    kc.kind = Some("Config".into());
    kc.preferences = Some(Value::map());
    kc
}

/// Adds or replaces entries in the laptop's kubeconfig (`~/.kube/config`, or the first
/// `$KUBECONFIG` file) like the tools do through client-go, and returns its path.
pub fn merge_into_kubeconfig(term: &mut Terminal, add: &Kubeconfig, set_current: bool) -> String {
    let loaded = match super::kubectl::config::load(term, None) {
        Ok(l) => l,
        Err(_) => super::kubeconfig::Loaded {
            default_file: format!(
                "{}/.kube/config",
                term.env
                    .get("HOME")
                    .cloned()
                    .unwrap_or_else(|| "/home/student".into())
            ),
            ..Default::default()
        },
    };
    let mut kc = loaded.merged.clone();
    for (n, c) in &add.clusters {
        kc.set_cluster(n, c.clone());
    }
    for (n, u) in &add.users {
        kc.set_user(n, u.clone());
    }
    for (n, c) in &add.contexts {
        kc.set_context(n, c.clone());
    }
    if set_current {
        kc.current_context = add.current_context.clone();
    }
    let path = loaded.default_file.clone();
    loaded.save(term.cur_fs_mut(), &kc);
    path
}

/// Removes a cluster/user/context triple from the kubeconfig (what `kind delete` does).
pub fn remove_from_kubeconfig(term: &mut Terminal, cluster: &str, user: &str, context: &str) {
    let Ok(loaded) = super::kubectl::config::load(term, None) else {
        return;
    };
    let mut kc = loaded.merged.clone();
    kc.remove_all(cluster, user, context);
    loaded.save(term.cur_fs_mut(), &kc);
}

/// The token an exec credential plugin (`gke-gcloud-auth-plugin`, `aws eks get-token`, ...)
/// prints for `cluster`, or the error kubectl reports.
pub fn exec_credential(
    term: &Terminal,
    command: &str,
    _args: &[String],
    cluster: &str,
) -> Result<String, String> {
    let base = command.rsplit('/').next().unwrap_or(command);
    match base {
        "gke-gcloud-auth-plugin" | "aws" | "kubelogin" | "doctl" => term
            .tools
            .cloud_tokens
            .get(cluster)
            .cloned()
            // A valid-looking token the cluster does not know: 401 follows.
            .or_else(|| Some("ya29.a0AfB_unknown-account".to_string()))
            .ok_or_else(String::new),
        _ => Err(format!(
            "exec: executable {command} not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins"
        )),
    }
}

/// Registers the token a cloud account gets for `cluster` (cluster-admin, as the project owner).
pub fn grant_cloud_token(term: &mut Terminal, cluster: &str, account: &str) {
    let token = format!(
        "ya29.kubesim.{}",
        auth::base64_encode(format!("{account}:{cluster}").as_bytes()).trim_end_matches('=')
    );
    if let Some(c) = term.world.clusters.get_mut(cluster) {
        // Cloud IAM owners are cluster admins; system:masters is how we model that.
        auth::add_token(c, &token, UserInfo::new(account, &["system:masters"]));
    }
    term.tools.cloud_tokens.insert(cluster.to_string(), token);
}

/// Enters a machine's shell (`ssh NAME`, `docker exec -it NAME bash`).
pub fn enter(term: &mut Terminal, host: &str, banner: bool) -> Output {
    enter_as(term, host, banner, false)
}

/// Like [`enter`]; `docker_exec` starts in `/` as `docker exec` does.
pub fn enter_as(term: &mut Terminal, host: &str, banner: bool, docker_exec: bool) -> Output {
    if !term.tools.machines.contains_key(host) {
        return Output::error(
            format!("ssh: Could not resolve hostname {host}: Name or service not known"),
            255,
        );
    };
    term.ssh_stack.push(SavedShell {
        host: term.host.clone(),
        user: term.user.clone(),
        env: term.env.clone(),
        cwd: term.cwd.clone(),
    });
    term.host = Some(host.to_string());
    term.user = "root".into();
    term.env.insert("HOME".into(), "/root".into());
    term.env.insert("USER".into(), "root".into());
    term.env.remove("KUBECONFIG");
    term.cwd = if docker_exec {
        "/".into()
    } else {
        "/root".into()
    };
    if !banner {
        return Output::default();
    }
    let when = super::builtins::date_string(term.world.now().plus_ms(0));
    let last = when.get(0..19).unwrap_or("Mon Jan  5 09:00:00").to_string();
    Output::out(format!(
        "Welcome to Ubuntu 24.04.3 LTS (GNU/Linux 6.8.0-85-generic x86_64)\n\n * Documentation:  https://help.ubuntu.com\n\nLast login: {last} 2026 from 10.0.0.1\n"
    ))
}

/// Runs a cluster tool, or `None` when `cmd` is not one.
pub fn run(term: &mut Terminal, cmd: &str, args: &[String], stdin: &str) -> Option<Output> {
    let out = match cmd {
        "kind" => kind::run(term, args),
        "minikube" => minikube::run(term, args),
        "kubeadm" => kubeadm::run(term, args),
        "k3s" => kubeadm::k3s_cli(term, args, stdin),
        "ssh" => ssh(term, args),
        "docker" => docker(term, args),
        "curl" | "wget" => curl(term, cmd, args),
        "sh" | "bash" => sh(term, args, stdin),
        "sudo" => {
            if args.is_empty() {
                return Some(Output::error("usage: sudo -h | -K | -k | -V\nusage: sudo [-AbEHknPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [command [arg ...]]", 1));
            }
            let words: Vec<String> = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .cloned()
                .collect();
            term.run_command(&words, stdin.to_string(), false)
        }
        "chown" | "chmod" => {
            let files: Vec<&String> = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .skip(1)
                .collect();
            let mut out = Output::default();
            for f in files {
                if !term.cur_fs().exists(&term.resolve(f)) {
                    out.err(format!(
                        "{cmd}: cannot access '{f}': No such file or directory"
                    ));
                    out.exit_code = 1;
                }
            }
            out
        }
        "id" => {
            let root = term.user == "root";
            match args.first().map(String::as_str) {
                Some("-u") | Some("-g") => Output::out(if root { "0\n" } else { "1000\n" }),
                Some("-un") => Output::out(format!("{}\n", term.user)),
                _ if root => Output::out("uid=0(root) gid=0(root) groups=0(root)\n"),
                _ => Output::out("uid=1000(student) gid=1000(student) groups=1000(student),27(sudo),999(docker)\n"),
            }
        }
        "etcdctl" => etcdctl::run(term, args),
        "crictl" => node::crictl(term, args),
        "systemctl" => node::systemctl(term, args),
        "journalctl" => node::journalctl(term, args),
        "gcloud" => cloud::gcloud(term, args),
        "aws" => cloud::aws(term, args),
        "az" => cloud::az(term, args),
        "doctl" => cloud::doctl(term, args),
        _ => return None,
    };
    Some(out)
}

fn ssh(term: &mut Terminal, args: &[String]) -> Output {
    // ssh's own options come before the destination; everything after it is the remote
    // command, dashes included (`ssh w kubeadm join ... --token x`).
    const TAKES_VALUE: &[&str] = &[
        "-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o",
        "-P", "-p", "-R", "-S", "-W", "-w",
    ];
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') {
        i += if TAKES_VALUE.contains(&args[i].as_str()) {
            2
        } else {
            1
        };
    }
    let mut it = args.iter().skip(i);
    let Some(target) = it.next() else {
        return Output::error("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]", 255);
    };
    let host = target.rsplit('@').next().unwrap_or(target).to_string();
    // By IP too.
    let host = term
        .tools
        .machines
        .iter()
        .find(|(_, m)| m.ip == host)
        .map(|(n, _)| n.clone())
        .unwrap_or(host);
    let rest: Vec<String> = it.cloned().collect();
    let out = enter(term, &host, rest.is_empty());
    if out.exit_code != 0 || rest.is_empty() {
        return out;
    }
    // `ssh host cmd`: run it there and come back.
    let line = rest.join(" ");
    let r = term.run(&line);
    let _ = super::builtins::run(term, "exit", &[], "", false);
    Output {
        chunks: r.chunks,
        exit_code: r.exit_code,
        ..Output::default()
    }
}

fn docker(term: &mut Terminal, args: &[String]) -> Output {
    if term.host.is_some() {
        return Output::error("bash: docker: command not found", 127);
    }
    match args.first().map(String::as_str) {
        Some("exec") => {
            let words: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with('-')).collect();
            let Some(name) = words.first() else {
                return Output::error("docker: 'docker exec' requires at least 2 arguments.\nSee 'docker exec --help'.", 1);
            };
            let is_container = term.tools.machines.get(name.as_str()).is_some_and(|m| m.container);
            if !is_container {
                return Output::error(format!("Error response from daemon: No such container: {name}"), 1);
            }
            match words.get(1).map(|s| s.as_str()) {
                Some("bash") | Some("sh") | None => enter_as(term, name, false, true),
                Some(_) => {
                    let host = name.to_string();
                    let cmd: Vec<String> = words[1..].iter().map(|s| s.to_string()).collect();
                    let _ = enter_as(term, &host, false, true);
                    let r = term.run_command(&cmd, String::new(), false);
                    let _ = super::builtins::run(term, "exit", &[], "", false);
                    r
                }
            }
        }
        Some("ps") => {
            let mut t = super::kubectl::printers::Table::new(&["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]);
            for (i, (name, m)) in term.tools.machines.iter().enumerate().filter(|(_, (_, m))| m.container) {
                let port = if m.role == Some(Role::ControlPlane) {
                    term.world
                        .clusters
                        .get(m.cluster.as_deref().unwrap_or(""))
                        .map(|c| format!("{}->6443/tcp", c.server.trim_start_matches("https://")))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                t.row(vec![
                    format!("{:012x}", 0x3f2a_9c41_7e00u64 + i as u64 * 0x1111_1111),
                    format!("kindest/node:{}", crate::sim::presets::K8S_VERSION),
                    "\"/usr/local/bin/entr…\"".into(),
                    "10 minutes ago".into(),
                    "Up 10 minutes".into(),
                    port,
                    name.clone(),
                ]);
            }
            Output::out(t.render())
        }
        _ => Output::error("docker: only `docker ps` and `docker exec -it NODE bash` are modelled in this terminal", 1),
    }
}

/// The k3s installer script, recognised by `sh` when piped from `curl`.
const K3S_SCRIPT: &str = "#!/bin/sh\n# k3s install script (https://get.k3s.io)\nset -e\n";

fn curl(term: &mut Terminal, cmd: &str, args: &[String]) -> Output {
    let url = args.iter().find(|a| a.starts_with("http")).cloned();
    let silent = args
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('s'));
    let Some(url) = url else {
        return Output::error(format!("{cmd}: try '{cmd} --help' for more information"), 2);
    };
    if url.trim_end_matches('/') == "https://get.k3s.io" {
        return Output::out(K3S_SCRIPT);
    }
    if let Some(m) = manifests::for_url(&url) {
        return Output::out(m);
    }
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let _ = term;
    if silent && args.iter().any(|a| a.contains('f')) {
        return Output::code(6);
    }
    Output::error(format!("curl: (6) Could not resolve host: {host}"), 6)
}

fn sh(term: &mut Terminal, args: &[String], stdin: &str) -> Output {
    if stdin.starts_with(K3S_SCRIPT) {
        return kubeadm::k3s_install(term, args);
    }
    if let Some(file) = args.iter().find(|a| !a.starts_with('-')) {
        let p = term.resolve(file);
        return match term.cur_fs().read(&p).map(str::to_string) {
            Some(text) => term.run(&text),
            None => Output::error(format!("sh: 0: cannot open {file}: No such file"), 2),
        };
    }
    if stdin.is_empty() {
        return Output::default();
    }
    term.run(stdin)
}

/// Writes one line to a unit's journal on a machine.
pub fn journal(term: &mut Terminal, host: &str, unit: &str, line: String) {
    let now = term.world.now();
    if let Some(m) = term.tools.machines.get_mut(host) {
        m.units
            .entry(unit.to_string())
            .or_default()
            .journal
            .push((now, line));
    }
}

/// The gcloud/managed token and entries; used by [`cloud`].
pub fn gke_exec() -> ExecConfig {
    ExecConfig {
        command: "gke-gcloud-auth-plugin".into(),
        args: None,
        env: None,
        api_version: Some("client.authentication.k8s.io/v1beta1".into()),
        install_hint: Some("Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin".into()),
        provide_cluster_info: true,
        interactive_mode: Some("IfAvailable".into()),
    }
}

#[cfg(test)]
mod fuzz_tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    /// Arbitrary tool and text-tool lines on every preset never panic.
    #[test]
    fn arbitrary_tool_lines_never_panic() {
        let words = [
            "kind",
            "create",
            "cluster",
            "delete",
            "get",
            "clusters",
            "--name",
            "x",
            "--config",
            "minikube",
            "start",
            "stop",
            "status",
            "ip",
            "ssh",
            "kubeadm",
            "init",
            "join",
            "reset",
            "-f",
            "token",
            "--print-join-command",
            "kubeconfig",
            "user",
            "--client-name=j",
            "cp-1",
            "worker-1",
            "kind-worker",
            "exit",
            "docker",
            "exec",
            "-it",
            "bash",
            "ps",
            "etcdctl",
            "member",
            "list",
            "endpoint",
            "health",
            "status",
            "-w",
            "table",
            "--prefix",
            "--keys-only",
            "/registry",
            "crictl",
            "pods",
            "images",
            "systemctl",
            "kubelet",
            "containerd",
            "restart",
            "journalctl",
            "-u",
            "-n",
            "gcloud",
            "container",
            "get-credentials",
            "--region",
            "aws",
            "eks",
            "update-kubeconfig",
            "az",
            "aks",
            "doctl",
            "awk",
            "'{print $1}'",
            "'NR>1'",
            "'/x/ {print $NF, NR}'",
            "cut",
            "-d:",
            "-f2-",
            "tr",
            "a-z",
            "-d",
            "sort",
            "-k2",
            "-rn",
            "uniq",
            "-c",
            "grep",
            "-E",
            "'(a|b'",
            "'[x'",
            "'a{2,'",
            "'.*.*.*b'",
            "head",
            "-3",
            "tail",
            "+2",
            "base64",
            "printf",
            "'%s %d\\n'",
            "sudo",
            "curl",
            "-sfL",
            "https://get.k3s.io",
            "|",
            "sh",
            "-",
            "&&",
            ";",
            "<<EOF\nx\nEOF",
            "kubectl",
            "config",
            "view",
            "--minify",
            "--flatten",
            "--raw",
            "-o",
            "json",
            "use-context",
            "set-context",
            "--current",
            "--namespace=x",
            "set",
            "unset",
            "users.x.token",
            "clusters.y.server",
            "rename-context",
            "auth",
            "can-i",
            "list",
            "pods",
            "~/.kube/config",
            "/etc/kubernetes/admin.conf",
            "2>&1",
            ">",
            "out",
            "$HOME",
            "\"",
        ];
        for preset in Preset::ALL {
            let mut t = Terminal::new(World::new(7, preset));
            let mut seed: u64 = 0x2545_f491_4f6c_dd1d ^ preset as u64;
            for _ in 0..400 {
                let mut line = String::new();
                let n = 1 + (seed % 7) as usize;
                for _ in 0..n {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    line.push_str(words[(seed % words.len() as u64) as usize]);
                    line.push(' ');
                }
                let _ = t.run(&line);
                let _ = t.complete(&line, line.len());
                let _ = Terminal::needs_more_input(&line);
            }
        }
    }
}

#[cfg(test)]
mod preset_tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    /// Every preset's laptop kubeconfig reaches its cluster as an admin, with the names the
    /// real tool writes.
    #[test]
    fn each_preset_kubeconfig_reaches_its_cluster() {
        for (preset, context) in [
            (Preset::Kind, "kind-kind"),
            (Preset::Minikube, "minikube"),
            (Preset::K3s, "default"),
            (Preset::Managed, "gke_course-project_europe-west1_course"),
            (Preset::Ha, "kubernetes-admin@kubernetes"),
        ] {
            let mut t = Terminal::new(World::new(1, preset));
            assert_eq!(
                t.run("kubectl config current-context").stdout(),
                format!("{context}\n"),
                "{preset:?}"
            );
            let out = t.run("kubectl get nodes");
            assert_eq!(out.exit_code, 0, "{preset:?}: {}", out.text());
            assert_eq!(
                t.run("kubectl auth can-i '*' '*'").stdout(),
                "yes\n",
                "{preset:?}"
            );
        }
        let mut t = Terminal::new(World::new(1, Preset::Bare));
        assert!(!t.fs.exists("/home/student/.kube/config"));
        assert_eq!(t.run("ssh worker-2 hostname").stdout(), "worker-2\n");
    }
}
