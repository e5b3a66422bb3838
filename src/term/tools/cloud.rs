//! The cloud CLIs' "get credentials" commands: they add a managed cluster to the kubeconfig
//! (with an exec credential plugin) and make it the current context. Only the simulated
//! managed cluster (GKE, preset `managed`) exists; other names fail like the real CLIs.

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
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
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

pub fn aws(_term: &mut Terminal, args: &[String]) -> Output {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["eks", "update-kubeconfig", ..] => {
            let name = opt(args, &["--name"]).unwrap_or_default();
            if name.is_empty() {
                return Output::error("\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\naws: error: the following arguments are required: --name", 252);
            }
            Output::error(format!("\nAn error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: {name}."), 254)
        }
        _ => Output::error("aws: only `aws eks update-kubeconfig --name N --region R` is modelled in this terminal.", 252),
    }
}

pub fn az(_term: &mut Terminal, args: &[String]) -> Output {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["aks", "get-credentials", ..] => {
            let rg = opt(args, &["-g", "--resource-group"]).unwrap_or_default();
            let name = opt(args, &["-n", "--name"]).unwrap_or_default();
            Output::error(format!("(ResourceNotFound) The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix\nCode: ResourceNotFound\nMessage: The Resource 'Microsoft.ContainerService/managedClusters/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"), 3)
        }
        _ => Output::error(
            "az: only `az aks get-credentials -g RG -n NAME` is modelled in this terminal.",
            2,
        ),
    }
}

pub fn doctl(_term: &mut Terminal, args: &[String]) -> Output {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    match words.as_slice() {
        ["kubernetes" | "k8s", "cluster", "kubeconfig", "save", name, ..] => {
            Output::error(format!("Error: Unable to find Kubernetes cluster \"{name}\""), 1)
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
