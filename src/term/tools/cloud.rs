//! The cloud CLIs' "get credentials" commands: they add a managed cluster to the kubeconfig
//! (an exec credential plugin, or AKS's client certificate) and make it the current context.
//! In the `managed` preset the student has an account on each cloud with one cluster named
//! `course`: GKE (europe-west1, running from the start), EKS (eu-west-3), AKS (resource
//! group `course-rg`) and DOKS (fra1), the last three provisioned on first use. Other names,
//! and every name outside that preset, fail like the real CLIs.

use super::Terminal;
use crate::term::kubeconfig::{AuthInfo, Cluster, Context, Kubeconfig};
use crate::term::Output;

/// The simulated GKE cluster: project, region, name.
pub const GKE: (&str, &str, &str) = ("course-project", "europe-west1", "course");
pub const ACCOUNT: &str = "student@kubesim.example";

fn opt(args: &[String], names: &[&str]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The words of a cloud CLI line that are not flags (flag values included: `--region X`
/// keeps `X`, which the commands below never read positionally past their subcommand).
fn positional(args: &[String]) -> Vec<&str> {
    args.iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

fn gke_key() -> String {
    format!("gke_{}_{}_{}", GKE.0, GKE.1, GKE.2)
}

/// Adds the GKE entries (as `gcloud container clusters get-credentials` writes them).
pub fn add_gke_entries(term: &mut Terminal, kc: &mut Kubeconfig, _ns: &str) {
    let key = gke_key();
    let Some(c) = term.world.clusters.get(&key) else {
        return;
    };
    let ca = crate::sim::auth::base64_encode(crate::sim::auth::ca_pem(c).as_bytes());
    let server = c.server.clone();
    super::grant_cloud_token(term, &key, ACCOUNT);
    kc.set_cluster(
        &key,
        Cluster {
            server,
            certificate_authority_data: Some(ca),
            ..Cluster::default()
        },
    );
    kc.set_user(
        &key,
        AuthInfo {
            exec: Some(super::gke_exec()),
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
    kc.api_version = Some("v1".into());
    kc.kind = Some("Config".into());
    kc.preferences = Some(crate::sim::value::Value::map());
}

pub fn gcloud(term: &mut Terminal, args: &[String]) -> Output {
    let words = positional(args);
    match words.as_slice() {
        ["container", "clusters", "get-credentials", name, ..] => {
            let region = opt(args, &["--region", "--zone"]).unwrap_or_default();
            let project = opt(args, &["--project"]).unwrap_or_else(|| GKE.0.to_string());
            if region.is_empty() {
                return Output::error("ERROR: (gcloud.container.clusters.get-credentials) One of [--location, --zone, --region] must be supplied: Please specify location.", 1);
            }
            let exists = (project.as_str(), region.as_str(), *name) == GKE && term.world.clusters.contains_key(&gke_key());
            if !exists {
                return Output::error(format!("Fetching cluster endpoint and auth data.\nERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=404, message=Not found: projects/{project}/locations/{region}/clusters/{name}.\nNo cluster named '{name}' in {project}."), 1);
            }
            let mut kc = Kubeconfig::default();
            add_gke_entries(term, &mut kc, "default");
            super::merge_into_kubeconfig(term, &kc, true);
            let mut o = Output::default();
            o.err(format!("Fetching cluster endpoint and auth data.\nkubeconfig entry generated for {name}."));
            o
        }
        ["container", "clusters", "list", ..] => {
            if !term.world.clusters.contains_key(&gke_key()) {
                return Output::error("Listed 0 items.", 0);
            }
            Output::out(format!("NAME    LOCATION      MASTER_VERSION       MASTER_IP     MACHINE_TYPE  NODE_VERSION         NUM_NODES  STATUS   STACK_TYPE\n{}  {}  1.34.1-gke.1150000  34.76.120.15  e2-medium     1.34.1-gke.1150000  3          RUNNING  IPV4\n", GKE.2, GKE.1))
        }
        ["auth", "list", ..] => Output::out(format!("   Credentialed Accounts\nACTIVE  ACCOUNT\n*       {ACCOUNT}\n\nTo set the active account, run:\n    $ gcloud config set account `ACCOUNT`\n\n")),
        _ => Output::error("ERROR: (gcloud) only `gcloud container clusters get-credentials|list` and `gcloud auth list` are modelled in this terminal.", 2),
    }
}

/// The other clouds' offers in the student's accounts (only where cloud accounts exist, i.e.
/// beside the managed preset's GKE cluster): AWS region, Azure resource group, DO region.
pub const EKS: (&str, &str, &str) = ("123456789012", "eu-west-3", "course");
pub const AKS: (&str, &str, &str) = ("course-rg", "westeurope", "course");
pub const DOKS: (&str, &str) = ("fra1", "course");

fn eks_arn() -> String {
    format!("arn:aws:eks:{}:{}:cluster/{}", EKS.1, EKS.0, EKS.2)
}

/// The simulated world's name for a provider's cluster.
fn world_key(provider: &str) -> String {
    match provider {
        "eks" => eks_arn(),
        "aks" => format!("aks_{}_{}", AKS.0, AKS.2),
        _ => format!("do-{}-{}", DOKS.0, DOKS.1),
    }
}

/// Cloud accounts exist in the managed preset's session.
fn has_cloud_accounts(term: &Terminal) -> bool {
    term.world.clusters.contains_key(&gke_key())
}

/// Provisions the provider's cluster on first use (its control plane is the cloud's, so it
/// appears only when the account is first asked about it; deterministic like any preset).
fn ensure_cluster(term: &mut Terminal, provider: &str) -> String {
    let key = world_key(provider);
    if term.world.clusters.contains_key(&key) {
        return key;
    }
    use crate::sim::presets::{install_cloud, Role};
    let (server, nodes): (String, Vec<String>) = match provider {
        "eks" => (
            format!(
                "https://6B29D5A1E3F54C0E8D1A7B2C9F4E6A13.gr7.{}.eks.amazonaws.com",
                EKS.1
            ),
            (34..37)
                .map(|i| format!("ip-192-168-12-{i}.{}.compute.internal", EKS.1))
                .collect(),
        ),
        "aks" => (
            format!("https://{}-dns-4f2b8c1d.hcp.{}.azmk8s.io:443", AKS.2, AKS.1),
            (0..3)
                .map(|i| format!("aks-nodepool1-38291047-vmss00000{i}"))
                .collect(),
        ),
        _ => (
            "https://3f6a1c2e-8b4d-4e9a-9c7f-2d5e8a1b4c6f.k8s.ondigitalocean.com".to_string(),
            ["g4kbx", "g4kbq", "g4kbe"]
                .iter()
                .map(|s| format!("{}-default-pool-{s}", DOKS.1))
                .collect(),
        ),
    };
    let nodes: Vec<(String, Role)> = nodes.into_iter().map(|n| (n, Role::Worker)).collect();
    install_cloud(&mut term.world, provider, &key, &server, &nodes);
    key
}

/// The kubeconfig entries a provider's CLI writes for its cluster: (cluster, user, context
/// names, user entry).
fn entries(term: &mut Terminal, provider: &str, key: &str) -> Option<Kubeconfig> {
    let c = term.world.clusters.get(key)?;
    let server = c.server.clone();
    let ca = crate::sim::auth::base64_encode(crate::sim::auth::ca_pem(c).as_bytes());
    let exec = |command: &str, args: Vec<String>| crate::term::kubeconfig::ExecConfig {
        command: command.into(),
        args: Some(args),
        env: None,
        api_version: Some("client.authentication.k8s.io/v1beta1".into()),
        install_hint: None,
        provide_cluster_info: false,
        interactive_mode: None,
    };
    let (cluster_name, user_name, context_name, user) = match provider {
        // awscli customizations/eks/update_kubeconfig.py: everything named by the ARN, and
        // `aws eks get-token` as the exec plugin.
        "eks" => (
            eks_arn(),
            eks_arn(),
            eks_arn(),
            AuthInfo {
                exec: Some(exec(
                    "aws",
                    [
                        "--region",
                        EKS.1,
                        "eks",
                        "get-token",
                        "--cluster-name",
                        EKS.2,
                        "--output",
                        "json",
                    ]
                    .map(String::from)
                    .to_vec(),
                )),
                ..AuthInfo::default()
            },
        ),
        // az aks get-credentials (local accounts): a client certificate for clusterUser.
        "aks" => {
            let (cert, key_pem) =
                crate::sim::auth::issue_client_cert(c, "masterclient", &["system:masters"]);
            let b64 = |p: &str| crate::sim::auth::base64_encode(p.as_bytes());
            (
                AKS.2.to_string(),
                format!("clusterUser_{}_{}", AKS.0, AKS.2),
                AKS.2.to_string(),
                AuthInfo {
                    client_certificate_data: Some(b64(&cert)),
                    client_key_data: Some(b64(&key_pem)),
                    ..AuthInfo::default()
                },
            )
        }
        // doctl: do-<region>-<name>, user <context>-admin, `doctl ... exec-credential`.
        _ => {
            let ctx = format!("do-{}-{}", DOKS.0, DOKS.1);
            (
                ctx.clone(),
                format!("{ctx}-admin"),
                ctx,
                AuthInfo {
                    exec: Some(exec(
                        "doctl",
                        [
                            "kubernetes",
                            "cluster",
                            "kubeconfig",
                            "exec-credential",
                            "--version=v1beta1",
                            "--context=default",
                            "3f6a1c2e-8b4d-4e9a-9c7f-2d5e8a1b4c6f",
                        ]
                        .map(String::from)
                        .to_vec(),
                    )),
                    ..AuthInfo::default()
                },
            )
        }
    };
    if provider != "aks" {
        super::grant_cloud_token(term, key, ACCOUNT);
    }
    let mut kc = Kubeconfig::default();
    kc.set_cluster(
        &cluster_name,
        Cluster {
            server,
            certificate_authority_data: Some(ca),
            ..Cluster::default()
        },
    );
    kc.set_user(&user_name, user);
    kc.set_context(
        &context_name,
        Context {
            cluster: cluster_name,
            user: user_name,
            ..Context::default()
        },
    );
    kc.current_context = Some(context_name);
    Some(kc)
}

/// Writes the provider's entries; returns (kubeconfig path, whether its cluster entry was
/// already there).
fn save_entries(term: &mut Terminal, provider: &str) -> Option<(String, bool)> {
    let key = ensure_cluster(term, provider);
    let kc = entries(term, provider, &key)?;
    let cluster_name = kc
        .clusters
        .first()
        .map(|(n, _)| n.clone())
        .unwrap_or_default();
    let existed = crate::term::kubectl::config::load(term, None)
        .is_ok_and(|l| l.merged.cluster(&cluster_name).is_some());
    let path = super::merge_into_kubeconfig(term, &kc, true);
    Some((path, existed))
}

/// `aws eks update-kubeconfig --name NAME --region REGION` (awscli's update_kubeconfig.py).
pub fn aws(term: &mut Terminal, args: &[String]) -> Output {
    let words = positional(args);
    match words.as_slice() {
        ["eks", "update-kubeconfig", ..] => {
            let name = opt(args, &["--name"]).unwrap_or_default();
            if name.is_empty() {
                return Output::error("\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\naws: error: the following arguments are required: --name", 252);
            }
            let Some(region) = opt(args, &["--region"]).or_else(|| term.env.get("AWS_REGION").cloned()) else {
                return Output::error("You must specify a region. You can also configure your region by running \"aws configure\".", 253);
            };
            if !has_cloud_accounts(term) || name != EKS.2 || region != EKS.1 {
                return Output::error(format!("\nAn error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: {name}."), 254);
            }
            match save_entries(term, "eks") {
                Some((path, true)) => Output::out(format!("Updated context {} in {path}\n", eks_arn())),
                Some((path, false)) => Output::out(format!("Added new context {} to {path}\n", eks_arn())),
                None => Output::error("\nAn error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found.", 254),
            }
        }
        _ => Output::error("aws: only `aws eks update-kubeconfig --name N --region R` is modelled in this terminal.", 252),
    }
}

/// `az aks get-credentials -g GROUP -n NAME` (azure-cli's aks custom.py).
pub fn az(term: &mut Terminal, args: &[String]) -> Output {
    let words = positional(args);
    match words.as_slice() {
        ["aks", "get-credentials", ..] => {
            let rg = opt(args, &["-g", "--resource-group"]).unwrap_or_default();
            let name = opt(args, &["-n", "--name"]).unwrap_or_default();
            let missing: Vec<&str> = [
                (rg.is_empty(), "--resource-group/-g"),
                (name.is_empty(), "--name/-n"),
            ]
            .iter()
            .filter(|(m, _)| *m)
            .map(|(_, f)| *f)
            .collect();
            if !missing.is_empty() {
                return Output::error(
                    format!(
                        "the following arguments are required: {}",
                        missing.join(", ")
                    ),
                    2,
                );
            }
            if !has_cloud_accounts(term) || rg != AKS.0 || name != AKS.2 {
                return Output::error(format!("(ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix\nCode: ResourceNotFound\nMessage: The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"), 3);
            }
            match save_entries(term, "aks") {
                Some((path, _)) => {
                    Output::out(format!("Merged \"{name}\" as current context in {path}\n"))
                }
                None => Output::error("ERROR: cluster not found", 3),
            }
        }
        _ => Output::error(
            "az: only `az aks get-credentials -g RG -n NAME` is modelled in this terminal.",
            2,
        ),
    }
}

/// `doctl kubernetes cluster kubeconfig save NAME` (doctl's commands/kubernetes.go: two
/// notices on stderr).
pub fn doctl(term: &mut Terminal, args: &[String]) -> Output {
    let words = positional(args);
    match words.as_slice() {
        ["kubernetes" | "k8s", "cluster", "kubeconfig", "save", name, ..] => {
            if !has_cloud_accounts(term) || *name != DOKS.1 {
                return Output::error(format!("Error: Unable to find Kubernetes cluster \"{name}\""), 1);
            }
            match save_entries(term, "doks") {
                Some((path, _)) => {
                    let mut o = Output::default();
                    o.err(format!("Notice: Adding cluster credentials to kubeconfig file found in \"{path}\"\nNotice: Setting current-context to do-{}-{}", DOKS.0, DOKS.1));
                    o
                }
                None => Output::error(format!("Error: Unable to find Kubernetes cluster \"{name}\""), 1),
            }
        }
        _ => Output::error("doctl: only `doctl kubernetes cluster kubeconfig save NAME` is modelled in this terminal.", 1),
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    #[test]
    fn managed_cluster_through_the_exec_plugin() {
        let mut t = Terminal::new(World::new(1, Preset::Managed));
        assert!(
            t.run("kubectl get nodes")
                .stdout()
                .contains("gke-course-default-pool"),
            "{}",
            t.run("kubectl get nodes").text()
        );
        let v = t.run("kubectl config view").stdout();
        assert!(v.contains("      command: gke-gcloud-auth-plugin\n"), "{v}");
        assert!(v.contains("      provideClusterInfo: true\n"), "{v}");
        t.run("kubectl config delete-context gke_course-project_europe-west1_course");
        let out = t.run("gcloud container clusters get-credentials course --region europe-west1");
        assert_eq!(
            out.stderr(),
            "Fetching cluster endpoint and auth data.\nkubeconfig entry generated for course.\n"
        );
        assert_eq!(
            t.run("kubectl config current-context").stdout(),
            "gke_course-project_europe-west1_course\n"
        );
        assert!(t
            .run("gcloud container clusters get-credentials nope --region europe-west1")
            .stderr()
            .contains("code=404"));
        assert_eq!(
            t.run("aws eks update-kubeconfig --name x --region eu-west-1")
                .exit_code,
            254
        );
    }
}
