//! `minikube`: one local cluster (profile `minikube`) in a Docker container.
//! `start` (creates or restarts it and points kubectl at it), `stop`, `delete`, `status`,
//! `ip`, `ssh`, `kubectl -- ...`. Output is minikube v1.37's.

use super::Terminal;
use crate::sim::auth;
use crate::sim::presets::{Preset, K8S_VERSION};
use crate::sim::value::Value;
use crate::term::kubeconfig::{AuthInfo, Cluster, Context, Kubeconfig};
use crate::term::Output;

const CLUSTER: &str = "minikube";
const SERVER: &str = "https://192.168.49.2:8443";

fn ext(term: &Terminal, name: &str) -> Value {
    let date = crate::term::builtins::date_string(term.world.now());
    // "Mon Jan  5 09:00:00 UTC 2026" → "Mon, 05 Jan 2026 09:00:00 UTC"
    let parts: Vec<&str> = date.split_whitespace().collect();
    let last = match parts.as_slice() {
        [wd, mon, day, time, tz, year] => format!("{wd}, {:0>2} {mon} {year} {time} {tz}", day),
        _ => date.clone(),
    };
    let mut inner = Value::map();
    inner.set("last-update", last);
    inner.set("provider", "minikube.sigs.k8s.io");
    inner.set("version", "v1.37.0");
    let mut e = Value::map();
    e.set("extension", inner);
    e.set("name", name);
    Value::Seq(vec![e].into())
}

/// The kubeconfig entries minikube writes (file references under `~/.minikube`).
pub fn add_entries(term: &mut Terminal, kc: &mut Kubeconfig) {
    let home = "/home/student";
    if let Some(c) = term.world.clusters.get(CLUSTER) {
        let (cert, key) = auth::issue_client_cert(c, "minikube-user", &["system:masters"]);
        term.fs
            .write(&format!("{home}/.minikube/ca.crt"), auth::ca_pem(c));
        term.fs.write(
            &format!("{home}/.minikube/profiles/minikube/client.crt"),
            cert,
        );
        term.fs.write(
            &format!("{home}/.minikube/profiles/minikube/client.key"),
            key,
        );
    }
    kc.set_cluster(
        CLUSTER,
        Cluster {
            server: SERVER.into(),
            certificate_authority: Some(format!("{home}/.minikube/ca.crt")),
            extensions: Some(ext(term, "cluster_info")),
            ..Cluster::default()
        },
    );
    kc.set_context(
        CLUSTER,
        Context {
            cluster: CLUSTER.into(),
            user: CLUSTER.into(),
            namespace: Some("default".into()),
            extensions: Some(ext(term, "context_info")),
        },
    );
    kc.set_user(
        CLUSTER,
        AuthInfo {
            client_certificate: Some(format!("{home}/.minikube/profiles/minikube/client.crt")),
            client_key: Some(format!("{home}/.minikube/profiles/minikube/client.key")),
            ..AuthInfo::default()
        },
    );
    kc.current_context = Some(CLUSTER.into());
    kc.api_version = Some("v1".into());
    kc.kind = Some("Config".into());
    kc.preferences = Some(Value::map());
}

const NO_PROFILE: &str = "🤷  Profile \"minikube\" not found. Run \"minikube profile list\" to view all profiles.\n👉  To start a cluster, run: \"minikube start\"";

pub fn run(term: &mut Terminal, args: &[String]) -> Output {
    if term.host.is_some() {
        return Output::error("bash: minikube: command not found", 127);
    }
    match args.first().map(String::as_str) {
        Some("start") => start(term),
        Some("stop") => match term.tools.minikube {
            None => Output::error(NO_PROFILE, 85),
            Some(_) => {
                term.tools.minikube = Some(false);
                if let Some(c) = term.world.clusters.get_mut(CLUSTER) {
                    c.stop("node/minikube");
                    c.stop("kube-apiserver");
                    c.stop("kubelet/minikube");
                }
                Output::out("✋  Stopping node \"minikube\"  ...\n🛑  Powering off \"minikube\" via SSH ...\n🛑  1 node stopped.\n")
            }
        },
        Some("delete") => {
            let existed = term.tools.minikube.is_some();
            term.tools.minikube = None;
            term.world.clusters.remove(CLUSTER);
            term.tools.machines.remove("minikube");
            term.tools.node_addresses.retain(|(_, c)| c != CLUSTER);
            super::remove_from_kubeconfig(term, CLUSTER, CLUSTER, CLUSTER);
            let _ = term.fs.remove("/home/student/.minikube/profiles/minikube", true);
            if existed {
                Output::out("🔥  Deleting \"minikube\" in docker ...\n🔥  Deleting container \"minikube\" ...\n🔥  Removing /home/student/.minikube/machines/minikube ...\n💀  Removed all traces of the \"minikube\" cluster.\n")
            } else {
                Output::out("🙄  \"minikube\" profile does not exist, trying anyways.\n💀  Removed all traces of the \"minikube\" cluster.\n")
            }
        }
        Some("status") => match term.tools.minikube {
            None => Output::error(NO_PROFILE, 85),
            Some(true) => {
                let kubelet = if term.world.clusters.get(CLUSTER).is_some_and(|c| c.is_up("kubelet/minikube")) { "Running" } else { "Stopped" };
                Output::out(format!("minikube\ntype: Control Plane\nhost: Running\nkubelet: {kubelet}\napiserver: Running\nkubeconfig: Configured\n\n"))
            }
            Some(false) => {
                let mut o = Output::out("minikube\ntype: Control Plane\nhost: Stopped\nkubelet: Stopped\napiserver: Stopped\nkubeconfig: Stopped\n\n");
                o.exit_code = 7;
                o
            }
        },
        Some("ip") => match term.tools.minikube {
            None => Output::error(NO_PROFILE, 85),
            Some(_) => Output::out("192.168.49.2\n"),
        },
        Some("ssh") => match term.tools.minikube {
            Some(true) => super::enter(term, "minikube", false),
            Some(false) => Output::error("❌  Exiting due to GUEST_STATUS: state: unknown state \"minikube\": docker container inspect minikube --format={{.State.Status}}: exit status 1", 80),
            None => Output::error(NO_PROFILE, 85),
        },
        Some("kubectl") => {
            let rest: Vec<String> = args[1..].iter().skip_while(|a| *a == "--").cloned().collect();
            crate::term::kubectl::run(term, &rest, "")
        }
        Some("version") => Output::out("minikube version: v1.37.0\ncommit: 65318f4cfff9c12cc87ec9eb8f4cdd57b25047f3\n"),
        Some(other) => Output::error(format!("Error: unknown command \"{other}\" for \"minikube\"\nRun 'minikube --help' for usage."), 1),
        None => Output::out("minikube provisions and manages local Kubernetes clusters optimized for development workflows.\n\nBasic Commands:\n  start            Starts a local Kubernetes cluster\n  status           Gets the status of a local Kubernetes cluster\n  stop             Stops a running local Kubernetes cluster\n  delete           Deletes a local Kubernetes cluster\n\nUse \"minikube <command> --help\" for more information about a given command.\n"),
    }
}

fn start(term: &mut Terminal) -> Output {
    let mut out = String::from("😄  minikube v1.37.0 on Ubuntu 24.04\n");
    match term.tools.minikube {
        Some(true) => {
            out.push_str("✨  Using the docker driver based on existing profile\n👍  Starting \"minikube\" primary control-plane node in \"minikube\" cluster\n🚜  Pulling base image v0.0.48 ...\n🏃  Updating the running docker \"minikube\" container ...\n");
        }
        Some(false) => {
            out.push_str("✨  Using the docker driver based on existing profile\n👍  Starting \"minikube\" primary control-plane node in \"minikube\" cluster\n🚜  Pulling base image v0.0.48 ...\n🔄  Restarting existing docker container for \"minikube\" ...\n");
            if let Some(c) = term.world.clusters.get_mut(CLUSTER) {
                c.start("node/minikube");
                c.start("kube-apiserver");
                c.start("kubelet/minikube");
            }
        }
        None => {
            out.push_str("✨  Automatically selected the docker driver. Other choices: ssh\n📌  Using Docker driver with root privileges\n👍  Starting \"minikube\" primary control-plane node in \"minikube\" cluster\n🚜  Pulling base image v0.0.48 ...\n🔥  Creating docker container (CPUs=2, Memory=3900MB) ...\n");
            if !term.world.clusters.contains_key(CLUSTER) {
                Preset::Minikube.install_custom(
                    &mut term.world,
                    CLUSTER,
                    SERVER,
                    &Preset::Minikube.nodes(),
                );
                term.tools.created += 1;
                let id = format!("minikube-{}", term.tools.created);
                if let Some(c) = term.world.clusters.get_mut(CLUSTER) {
                    c.auth.ca_id = id;
                }
                super::register_nodes(term, CLUSTER, Preset::Minikube);
            }
        }
    }
    let fresh = term.tools.minikube.is_none();
    term.tools.minikube = Some(true);
    let docker = "28.4.0";
    out.push_str(&format!(
        "🐳  Preparing Kubernetes {K8S_VERSION} on Docker {docker} ...\n"
    ));
    if fresh {
        out.push_str("    ▪ Generating certificates and keys ...\n    ▪ Booting up control plane ...\n    ▪ Configuring RBAC rules ...\n🔗  Configuring bridge CNI (Container Networking Interface) ...\n");
    }
    out.push_str("🔎  Verifying Kubernetes components...\n    ▪ Using image gcr.io/k8s-minikube/storage-provisioner:v5\n🌟  Enabled addons: storage-provisioner, default-storageclass\n🏄  Done! kubectl is now configured to use \"minikube\" cluster and \"default\" namespace by default\n");
    let mut kc = Kubeconfig::default();
    add_entries(term, &mut kc);
    super::merge_into_kubeconfig(term, &kc, true);
    crate::term::builtins::advance(term, 20_000);
    Output::out(out)
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn status_stop_start_delete() {
        let mut t = Terminal::new(World::new(1, Preset::Minikube));
        assert_eq!(t.run("minikube status").stdout(), "minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n\n");
        assert!(
            t.run("kubectl get nodes").stdout().contains("minikube"),
            "{}",
            t.run("kubectl get nodes").text()
        );
        let v = t.run("kubectl config view").stdout();
        assert!(v.contains("    certificate-authority: /home/student/.minikube/ca.crt\n    extensions:\n    - extension:\n"), "{v}");
        assert!(
            v.contains("        provider: minikube.sigs.k8s.io\n"),
            "{v}"
        );
        t.run("minikube stop");
        assert_eq!(t.run("minikube status").exit_code, 7);
        let e = t.run("kubectl get nodes").stderr();
        assert!(e.ends_with("The connection to the server 192.168.49.2:8443 was refused - did you specify the right host or port?\n"), "{e}");
        assert!(t
            .run("minikube start")
            .stdout()
            .contains("🔄  Restarting existing docker container"));
        assert!(t.run("kubectl get nodes").exit_code == 0);
        t.run("minikube delete");
        assert_eq!(t.run("minikube status").exit_code, 85);
        assert!(t.run("minikube start").stdout().contains("🏄  Done!"));
        assert!(t.run("kubectl get nodes").stdout().contains("minikube"));
    }
}
