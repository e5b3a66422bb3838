//! `kind`: Kubernetes in Docker. `kind create cluster [--name N] [--config FILE]` creates a
//! cluster of node containers and points kubectl at it (`kind-N`); `kind delete cluster`,
//! `kind get clusters|nodes|kubeconfig`. Output is kind v0.30's, emoji and all.

use super::Terminal;
use crate::sim::presets::{Preset, Role, K8S_VERSION};
use crate::sort::SortSmall;
use crate::term::kubeconfig::Kubeconfig;
use crate::term::Output;

fn flag(args: &[String], name: &str) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == name {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{name}=")) {
            return Some(v.to_string());
        }
    }
    None
}

/// Node roles from a kind `Cluster` config (`nodes: [{role: control-plane}, {role: worker}]`).
fn roles_from_config(text: &str) -> Result<Vec<Role>, String> {
    let v = crate::sim::value::yaml::parse(text).map_err(|e| e.to_string())?;
    let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if kind != "Cluster" {
        return Err(format!(
            "unknown kind \"{kind}\" for apiVersion: kind.x-k8s.io/v1alpha4"
        ));
    }
    let Some(nodes) = v.get("nodes").and_then(|n| n.as_seq()) else {
        return Ok(vec![Role::ControlPlane]);
    };
    let mut roles = Vec::new();
    for n in nodes {
        match n
            .get("role")
            .and_then(|r| r.as_str())
            .unwrap_or("control-plane")
        {
            "control-plane" => roles.push(Role::ControlPlane),
            "worker" => roles.push(Role::Worker),
            other => return Err(format!("invalid role: \"{other}\"")),
        }
    }
    if !roles.contains(&Role::ControlPlane) {
        return Err("must have at least one control-plane node".into());
    }
    Ok(roles)
}

pub fn run(term: &mut Terminal, args: &[String]) -> Output {
    if term.host.is_some() {
        return Output::error("bash: kind: command not found", 127);
    }
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let name = flag(args, "--name")
        .or_else(|| flag(args, "-n"))
        .unwrap_or_else(|| "kind".to_string());
    match words.as_slice() {
        ["create", "cluster", ..] => create(term, &name, flag(args, "--config")),
        ["delete", "cluster", ..] => delete(term, &name),
        ["delete", "clusters", rest @ ..] => {
            let all = args.iter().any(|a| a == "--all" || a == "-A");
            let names: Vec<String> = if all {
                term.tools.kind_clusters.clone()
            } else {
                rest.iter().map(|s| s.to_string()).collect()
            };
            let mut out = Output::default();
            for n in &names {
                let _ = delete(term, n);
            }
            out.print(format!("Deleted clusters: [{}]\n", names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" ")));
            out
        }
        ["get", "clusters", ..] => {
            let mut names = term.tools.kind_clusters.clone();
            names.sort_small();
            if names.is_empty() {
                Output::error("No kind clusters found.", 0)
            } else {
                Output::out(names.iter().map(|n| format!("{n}\n")).collect::<String>())
            }
        }
        ["get", "nodes", ..] => {
            if !term.tools.kind_clusters.contains(&name) {
                return Output::error(format!("No kind nodes found for cluster \"{name}\"."), 0);
            }
            let key = format!("kind-{name}");
            let nodes: Vec<String> = term.tools.machines.iter().filter(|(_, m)| m.cluster.as_deref() == Some(key.as_str())).map(|(n, _)| n.clone()).collect();
            Output::out(nodes.iter().map(|n| format!("{n}\n")).collect::<String>())
        }
        ["get", "kubeconfig", ..] => {
            if !term.tools.kind_clusters.contains(&name) {
                return Output::error(format!("ERROR: could not locate any control plane nodes for cluster named '{name}'. Use the --name option to select a different cluster"), 1);
            }
            let mut kc = Kubeconfig::default();
            super::add_kind_entries(term, &mut kc, &name);
            Output::out(kc.to_yaml())
        }
        ["version", ..] => Output::out("kind v0.30.0 go1.24.6 linux/amd64\n"),
        [] | ["help", ..] => Output::out("kind creates and manages local Kubernetes clusters using Docker container 'nodes'\n\nUsage:\n  kind [command]\n\nAvailable Commands:\n  create      Creates one of [cluster]\n  delete      Deletes one of [cluster]\n  get         Gets one of [clusters, nodes, kubeconfig]\n  version     Prints the kind CLI version\n\nFlags:\n  -h, --help   help for kind\n\nUse \"kind [command] --help\" for more information about a command.\n"),
        [other, ..] => Output::error(format!("ERROR: unknown command \"{other}\" for \"kind\"\n\nRun 'kind --help' for usage."), 1),
    }
}

fn create(term: &mut Terminal, name: &str, config: Option<String>) -> Output {
    let roles = match config {
        Some(path) => {
            let p = term.resolve(&path);
            let Some(text) = term.cur_fs().read(&p).map(str::to_string) else {
                return Output::error(format!("ERROR: failed to create cluster: error reading file: open {path}: no such file or directory"), 1);
            };
            match roles_from_config(&text) {
                Ok(r) => r,
                Err(e) => return Output::error(format!("ERROR: failed to create cluster: {e}"), 1),
            }
        }
        None => vec![Role::ControlPlane],
    };
    let key = format!("kind-{name}");
    if term.tools.kind_clusters.iter().any(|n| n == name) || term.world.clusters.contains_key(&key)
    {
        return Output::error(format!("ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"{name}\""), 1);
    }
    // Node names: NAME-control-plane, NAME-control-plane2, NAME-worker, NAME-worker2...
    let mut nodes = Vec::new();
    let (mut cps, mut workers) = (0, 0);
    for r in &roles {
        let (base, n) = match r {
            Role::Worker => {
                workers += 1;
                ("worker", workers)
            }
            _ => {
                cps += 1;
                ("control-plane", cps)
            }
        };
        let suffix = if n == 1 { String::new() } else { n.to_string() };
        // A single control plane with no workers also runs workloads (kind removes the taint).
        let role = if *r == Role::ControlPlane && !roles.contains(&Role::Worker) {
            Role::ControlPlaneUntainted
        } else {
            *r
        };
        nodes.push((format!("{name}-{base}{suffix}"), role));
    }
    term.tools.created += 1;
    let port = 40125 + term.world.rng.below(20000);
    let server = format!("https://127.0.0.1:{port}");
    Preset::Kind.install_custom(&mut term.world, &key, &server, &nodes);
    let created = term.tools.created;
    if let Some(c) = term.world.clusters.get_mut(&key) {
        c.auth.ca_id = format!("{key}-{created}");
    }
    super::register_nodes(term, &key, Preset::Kind);
    term.tools.kind_clusters.push(name.to_string());
    let mut kc = Kubeconfig::default();
    super::add_kind_entries(term, &mut kc, name);
    super::merge_into_kubeconfig(term, &kc, true);
    let mut out = format!(
        "Creating cluster \"{name}\" ...\n ✓ Ensuring node image (kindest/node:{K8S_VERSION}) 🖼\n ✓ Preparing nodes {}\n ✓ Writing configuration 📜\n ✓ Starting control-plane 🕹️\n ✓ Installing CNI 🔌\n ✓ Installing StorageClass 💾\n",
        "📦 ".repeat(nodes.len())
    );
    if workers > 0 {
        out.push_str(" ✓ Joining worker nodes 🚜\n");
    }
    // kind signs off with one of its salutations, picked at random.
    const SALUTATIONS: [&str; 4] = [
        "Have a nice day! 👋",
        "Thanks for using kind! 😊",
        "Not sure what to do next? 😅  Check out https://kind.sigs.k8s.io/docs/user/quick-start/",
        "Have a question, bug, or feature request? Let us know! https://kind.sigs.k8s.io/#community 🙂",
    ];
    let bye = SALUTATIONS[term.world.rng.below(4) as usize % 4];
    out.push_str(&format!(
        "Set kubectl context to \"kind-{name}\"\nYou can now use your cluster with:\n\nkubectl cluster-info --context kind-{name}\n\n{bye}\n"
    ));
    // kind takes a minute or so; let the control loops settle like they would meanwhile.
    crate::term::builtins::advance(term, 30_000);
    Output::out(out)
}

fn delete(term: &mut Terminal, name: &str) -> Output {
    let key = format!("kind-{name}");
    let mut out = Output::default();
    out.err_raw(format!("Deleting cluster \"{name}\" ...\n"));
    if !term.tools.kind_clusters.iter().any(|n| n == name) {
        return out;
    }
    let nodes: Vec<String> = term
        .tools
        .machines
        .iter()
        .filter(|(_, m)| m.cluster.as_deref() == Some(key.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    for n in &nodes {
        term.tools.machines.remove(n);
    }
    term.tools.node_addresses.retain(|(_, c)| *c != key);
    term.tools.kind_clusters.retain(|n| n != name);
    term.world.clusters.remove(&key);
    super::remove_from_kubeconfig(term, &key, &key, &key);
    out.err_raw(format!(
        "Deleted nodes: [{}]\n",
        nodes
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn create_use_and_delete_a_second_cluster() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        t.seed_file("multi.yaml", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n");
        let out = t.run("kind create cluster --name dev --config multi.yaml");
        assert!(
            out.stdout()
                .starts_with("Creating cluster \"dev\" ...\n ✓ Ensuring node image"),
            "{}",
            out.text()
        );
        assert!(out.stdout().contains(" ✓ Preparing nodes 📦 📦 \n"));
        assert!(out
            .stdout()
            .contains("Set kubectl context to \"kind-dev\"\n"));
        assert_eq!(
            t.run("kubectl config current-context").stdout(),
            "kind-dev\n"
        );
        let nodes = t.run("kubectl get nodes -o name").stdout();
        let plain = t.run("kubectl get nodes").stdout();
        assert!(
            plain.contains("dev-control-plane") && plain.contains("dev-worker"),
            "{plain}{nodes}"
        );
        assert_eq!(t.run("kind get clusters").stdout(), "dev\nkind\n");
        assert_eq!(
            t.run("kind create cluster --name dev").stderr(),
            "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"dev\"\n"
        );
        let del = t.run("kind delete cluster --name dev");
        assert_eq!(
            del.stderr(),
            "Deleting cluster \"dev\" ...\nDeleted nodes: [\"dev-control-plane\" \"dev-worker\"]\n"
        );
        assert!(t.run("kubectl config get-contexts -o name").stdout() == "kind-kind\n");
        // The current context is gone with the cluster: kubectl has no server any more.
        assert!(t
            .run("kubectl get nodes")
            .stderr()
            .contains("localhost:8080 was refused"));
        t.run("kubectl config use-context kind-kind");
        assert!(t.run("kubectl get nodes").stdout().contains("kind-worker2"));
    }
}
