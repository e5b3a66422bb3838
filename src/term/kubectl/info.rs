//! Read-only informational verbs: api-resources, api-versions, cluster-info, version,
//! explain (a compact built-in schema) and auth can-i.

use super::printers::Table;
use super::{codec, Ctx};
use crate::sim::api::{self, RESOURCES};
use crate::sim::presets::K8S_VERSION;
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Output;

pub const CLIENT_VERSION: &str = "v1.34.1";
pub const KUSTOMIZE_VERSION: &str = "v5.7.1";

/// Rows of `kubectl api-resources`: (name, shortnames, apiVersion, namespaced, kind).
fn resource_rows() -> Vec<(String, String, String, bool, String)> {
    let mut rows: Vec<(String, String, String, bool, String)> = Vec::new();
    for r in RESOURCES {
        if r.plural == "configmaps" {
            rows.push((
                "componentstatuses".into(),
                "cs".into(),
                "v1".into(),
                false,
                "ComponentStatus".into(),
            ));
        }
        rows.push((
            r.plural.into(),
            r.short_names.join(","),
            r.api_version.into(),
            r.namespaced,
            r.kind.into(),
        ));
    }
    rows
}

pub fn api_resources(ctx: &mut Ctx) -> Output {
    let ns_filter = ctx.p.value("namespaced").map(|v| v == "true");
    let group = ctx.p.value("api-group").map(str::to_string);
    let mut rows = resource_rows();
    rows.retain(|(_, _, av, ns, _)| {
        ns_filter.is_none_or(|f| f == *ns)
            && group
                .as_ref()
                .is_none_or(|g| av.rsplit_once('/').map_or("", |(grp, _)| grp) == g)
    });
    match ctx.p.value("sort-by") {
        Some("name") => rows.sort_small_by(|a, b| a.0.cmp(&b.0)),
        Some("kind") => rows.sort_small_by(|a, b| a.4.cmp(&b.4)),
        _ => {}
    }
    match ctx.p.value("output") {
        Some("name") => {
            return Output::out(
                rows.iter()
                    .map(|(n, _, av, _, _)| match av.rsplit_once('/') {
                        Some((g, _)) => format!("{n}.{g}\n"),
                        None => format!("{n}\n"),
                    })
                    .collect::<String>(),
            )
        }
        Some("wide") | None => {}
        Some(o) => return ctx.fail(format!("--output {o} is not available")),
    }
    let wide = ctx.p.value("output") == Some("wide");
    let mut hdr = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
    if wide {
        hdr.extend(["VERBS", "CATEGORIES"]);
    }
    let mut t = if ctx.p.on("no-headers") {
        Table::headless()
    } else {
        Table::new(&hdr)
    };
    for (n, s, av, ns, k) in rows {
        let mut cells = vec![n.clone(), s, av, ns.to_string(), k];
        if wide {
            let verbs = match n.as_str() {
                "componentstatuses" => "get,list",
                "events" | "leases" => "create,delete,deletecollection,get,list,patch,update,watch",
                _ => "create,delete,deletecollection,get,list,patch,update,watch",
            };
            let cats = match n.as_str() {
                "pods" | "services" | "daemonsets" | "deployments" | "replicasets"
                | "statefulsets" | "jobs" => "all",
                _ => "",
            };
            cells.push(format!("[{}]", verbs.replace(',', " ")));
            cells.push(cats.to_string());
        }
        t.row(cells);
    }
    Output::out(t.render())
}

pub fn api_versions(ctx: &mut Ctx) -> Output {
    if let Err(o) = ctx.cluster() {
        return o;
    }
    let mut v: Vec<&str> = RESOURCES.iter().map(|r| r.api_version).collect();
    v.extend([
        "authentication.k8s.io/v1",
        "authorization.k8s.io/v1",
        "autoscaling/v1",
        "autoscaling/v2",
        "networking.k8s.io/v1",
        "policy/v1",
        "events.k8s.io/v1",
        "admissionregistration.k8s.io/v1",
        "apiextensions.k8s.io/v1",
        "scheduling.k8s.io/v1",
        "node.k8s.io/v1",
        "certificates.k8s.io/v1",
    ]);
    v.sort_small();
    v.dedup();
    Output::out(v.iter().map(|x| format!("{x}\n")).collect::<String>())
}

pub fn cluster_info(ctx: &mut Ctx) -> Output {
    if ctx.p.args.first().map(String::as_str) == Some("dump") {
        return ctx.fail("\"kubectl cluster-info dump\" is not modelled by this simulator");
    }
    let cluster = match ctx.cluster() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let server = ctx
        .term
        .world
        .clusters
        .get(&cluster)
        .map(|c| c.server.clone())
        .unwrap_or_default();
    let mut text = format!("Kubernetes control plane is running at {server}\n");
    let has_dns = match ctx.api() {
        Ok(mut a) => api::resource_for("services")
            .is_some_and(|r| a.get(r, Some("kube-system"), "kube-dns").is_ok()),
        Err(_) => false,
    };
    if has_dns {
        text.push_str(&format!("CoreDNS is running at {server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"));
    }
    text.push_str(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    Output::out(text)
}

/// `version.Info` (k8s.io/apimachinery/pkg/version/types.go) in its struct order, which is
/// the order of `-o json` (`json.MarshalIndent`); `-o yaml` sorts the keys. The server fills
/// the compatibility-version fields (KEP-4330, 1.32+: emulation = its own minor, minimum
/// compatibility = one minor less); kubectl's own Info leaves them empty and they are omitted,
/// as in a real `kubectl version -o yaml` against a 1.33/1.34 cluster.
fn version_info(git: &str, server: bool) -> Vec<(&'static str, String)> {
    let (major, minor) = git
        .trim_start_matches('v')
        .split_once('.')
        .map(|(a, b)| {
            let digits: String = b.chars().take_while(char::is_ascii_digit).collect();
            (a.to_string(), digits)
        })
        .unwrap_or_default();
    let mut v = vec![("major", major.clone()), ("minor", minor.clone())];
    if server {
        let min_compat = minor
            .parse::<i64>()
            .map_or(String::new(), |m| (m - 1).to_string());
        v.extend([
            ("emulationMajor", major.clone()),
            ("emulationMinor", minor),
            ("minCompatibilityMajor", major),
            ("minCompatibilityMinor", min_compat),
        ]);
    }
    v.extend([
        ("gitVersion", git.to_string()),
        (
            "gitCommit",
            "93248f9ae092f571eb870b7664c534bfc7d00f03".to_string(),
        ),
        ("gitTreeState", "clean".to_string()),
        ("buildDate", "2025-09-09T19:44:50Z".to_string()),
        ("goVersion", "go1.24.6".to_string()),
        ("compiler", "gc".to_string()),
        ("platform", "linux/amd64".to_string()),
    ]);
    v
}

/// `kubectl version -o json`: kubectl's Version struct marshalled with two-space indent, in
/// field order (clientVersion, kustomizeVersion, serverVersion).
fn version_json(client: &[(&str, String)], server: Option<&[(&str, String)]>) -> String {
    let info = |fields: &[(&str, String)]| {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "    \"{k}\": {}",
                    codec::to_json_compact(&Value::from(v.as_str()))
                )
            })
            .collect();
        format!("{{\n{}\n  }}", body.join(",\n"))
    };
    let mut parts = vec![
        format!("  \"clientVersion\": {}", info(client)),
        format!("  \"kustomizeVersion\": \"{KUSTOMIZE_VERSION}\""),
    ];
    if let Some(s) = server {
        parts.push(format!("  \"serverVersion\": {}", info(s)));
    }
    format!("{{\n{}\n}}\n", parts.join(",\n"))
}

pub fn version(ctx: &mut Ctx) -> Output {
    let client_only = ctx.p.on("client");
    let server = if client_only {
        None
    } else {
        match ctx.cluster() {
            Ok(c) => ctx.term.world.clusters.get(&c).map(|c| c.version.clone()),
            Err(_) => None,
        }
    };
    match ctx.p.value("output") {
        Some(fmt @ ("yaml" | "json")) => {
            let client = version_info(CLIENT_VERSION, false);
            let srv = server.as_deref().map(|s| version_info(s, true));
            // version.go prints what it has, then returns the server error.
            let finish = |text: String| {
                let mut out = Output::out(text);
                if srv.is_none() && !client_only {
                    out.err(super::NO_SERVER);
                    out.exit_code = 1;
                }
                out
            };
            if fmt == "json" {
                return finish(version_json(&client, srv.as_deref()));
            }
            let map = |fields: &[(&str, String)]| {
                let mut m = Value::map();
                for (k, v) in fields {
                    m.set(k, v.as_str());
                }
                m
            };
            let mut v = Value::map();
            v.set("clientVersion", map(&client));
            v.set("kustomizeVersion", KUSTOMIZE_VERSION);
            if let Some(s) = &srv {
                v.set("serverVersion", map(s));
            }
            return finish(codec::to_yaml(&v));
        }
        Some(_) => return ctx.fail("--output must be 'yaml' or 'json'"),
        None => {}
    }
    let mut out = Output::out(format!(
        "Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
    ));
    if client_only {
        return out;
    }
    match server {
        Some(s) => {
            out.print(format!("Server Version: {s}\n"));
            let minor = |v: &str| {
                v.trim_start_matches('v')
                    .split('.')
                    .nth(1)
                    .and_then(|m| m.parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let (c, sv) = (minor(CLIENT_VERSION), minor(&s));
            if (c - sv).abs() > 1 {
                out.err(format!("WARNING: version difference between client (1.{c}) and server (1.{sv}) exceeds the supported minor version skew of +/-1"));
            }
        }
        None => {
            out.err(super::NO_SERVER);
            out.exit_code = 1;
        }
    }
    let _ = K8S_VERSION;
    out
}

/// `kubectl auth can-i VERB RESOURCE`.
pub fn can_i(ctx: &mut Ctx) -> Output {
    if ctx.p.on("list") {
        let mut t = Table::new(&["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]);
        t.row(vec!["*.*".into(), "[]".into(), "[]".into(), "[*]".into()]);
        t.row(vec!["".into(), "[*]".into(), "[]".into(), "[*]".into()]);
        return Output::out(t.render());
    }
    let (Some(verb), Some(target)) = (ctx.p.args.first().cloned(), ctx.p.args.get(1).cloned())
    else {
        return ctx
            .usage("you must specify two arguments: verb resource or verb resource/resourceName.");
    };
    let mut out = Output::default();
    let known_verbs = [
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "use",
        "bind",
        "impersonate",
        "*",
        "escalate",
        "approve",
        "sign",
    ];
    if !known_verbs.contains(&verb.as_str()) {
        out.err(format!("Warning: verb '{verb}' is not a known verb"));
    }
    let answer = super::config::can_i(
        ctx.term,
        &ctx.conn_flags(),
        &verb,
        &target,
        ctx.p.value("as"),
        ctx.all_namespaces(),
    );
    if ctx.p.on("quiet") {
        out.exit_code = answer.exit_code;
        return out;
    }
    out.append(answer);
    out
}

/// A field of the built-in schema: (path under the kind, type, description).
type Field = (&'static str, &'static str, &'static str);

const META: &[Field] = &[
    ("apiVersion", "<string>", "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"),
    ("kind", "<string>", "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"),
    ("metadata", "<ObjectMeta>", "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
    ("metadata.annotations", "<map[string]string>", "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
    ("metadata.labels", "<map[string]string>", "Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services."),
    ("metadata.name", "<string>", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically."),
    ("metadata.namespace", "<string>", "Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the \"default\" namespace, but \"default\" is the canonical representation."),
    ("metadata.uid", "<string>", "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations."),
];

const POD_SPEC: &[Field] = &[
    ("containers", "<[]Container> -required-", "List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated."),
    ("containers.name", "<string> -required-", "Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated."),
    ("containers.image", "<string>", "Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets."),
    ("containers.command", "<[]string>", "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided."),
    ("containers.args", "<[]string>", "Arguments to the entrypoint. The container image's CMD is used if this is not provided."),
    ("containers.env", "<[]EnvVar>", "List of environment variables to set in the container. Cannot be updated."),
    ("containers.ports", "<[]ContainerPort>", "List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed."),
    ("containers.resources", "<ResourceRequirements>", "Compute Resources required by this container. Cannot be updated."),
    ("containers.livenessProbe", "<Probe>", "Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated."),
    ("containers.readinessProbe", "<Probe>", "Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated."),
    ("containers.volumeMounts", "<[]VolumeMount>", "Pod volumes to mount into the container's filesystem. Cannot be updated."),
    ("containers.imagePullPolicy", "<string>", "Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated."),
    ("initContainers", "<[]Container>", "List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started."),
    ("nodeName", "<string>", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName."),
    ("nodeSelector", "<map[string]string>", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    ("restartPolicy", "<string>", "Restart policy for all containers within the pod. One of Always, OnFailure, Never. In some contexts, only a subset of those values may be permitted. Default to Always. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy\n\nPossible enum values:\n - `\"Always\"`\n - `\"Never\"`\n - `\"OnFailure\"`"),
    ("serviceAccountName", "<string>", "ServiceAccountName is the name of the ServiceAccount to use to run this pod."),
    ("tolerations", "<[]Toleration>", "If specified, the pod's tolerations."),
    ("affinity", "<Affinity>", "If specified, the pod's scheduling constraints"),
    ("volumes", "<[]Volume>", "List of volumes that can be mounted by containers belonging to the pod."),
];

/// (kind, description, fields) of the kinds `explain` knows.
fn schema(kind: &str) -> Option<(&'static str, Vec<(String, &'static str, &'static str)>)> {
    let mut fields: Vec<(String, &'static str, &'static str)> = META
        .iter()
        .map(|(p, t, d)| (p.to_string(), *t, *d))
        .collect();
    // The OpenAPI type names of spec and status (typeGuess prints the last segment of the
    // $ref: io.k8s.api.apps.v1.DeploymentSpec -> DeploymentSpec).
    let (spec_type, status_type) = match kind {
        "Deployment" => ("<DeploymentSpec>", "<DeploymentStatus>"),
        "ReplicaSet" => ("<ReplicaSetSpec>", "<ReplicaSetStatus>"),
        "StatefulSet" => ("<StatefulSetSpec>", "<StatefulSetStatus>"),
        "DaemonSet" => ("<DaemonSetSpec>", "<DaemonSetStatus>"),
        "Job" => ("<JobSpec>", "<JobStatus>"),
        "Service" => ("<ServiceSpec>", "<ServiceStatus>"),
        "Namespace" => ("<NamespaceSpec>", "<NamespaceStatus>"),
        "Node" => ("<NodeSpec>", "<NodeStatus>"),
        _ => ("<Object>", "<Object>"),
    };
    let status = ("status".to_string(), status_type, "Most recently observed status. This data may not be up to date. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
    let desc = match kind {
        "Pod" => {
            fields.push((
                "spec".into(),
                "<PodSpec>",
                "Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
            ));
            fields.extend(
                POD_SPEC
                    .iter()
                    .map(|(p, t, d)| (format!("spec.{p}"), *t, *d)),
            );
            fields.push(("status".into(), "<PodStatus>", "Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status"));
            "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts."
        }
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => {
            fields.push((
                "spec".into(),
                spec_type,
                match kind {
                    "Deployment" => "Specification of the desired behavior of the Deployment.",
                    "ReplicaSet" => "Spec defines the specification of the desired behavior of the ReplicaSet. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
                    "StatefulSet" => "Spec defines the desired identities of pods in this set.",
                    "DaemonSet" => "The desired behavior of this daemon set. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
                    _ => "Specification of the desired behavior of a job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
                },
            ));
            if kind != "DaemonSet" && kind != "Job" {
                fields.push(("spec.replicas".into(), "<integer>", "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1."));
            }
            fields.push(("spec.selector".into(), if kind == "Job" { "<LabelSelector>" } else { "<LabelSelector> -required-" }, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels."));
            fields.push((
                "spec.template".into(),
                "<PodTemplateSpec> -required-",
                "Template describes the pods that will be created.",
            ));
            fields.push((
                "spec.template.metadata".into(),
                "<ObjectMeta>",
                "Standard object's metadata.",
            ));
            fields.push((
                "spec.template.spec".into(),
                "<PodSpec>",
                "Specification of the desired behavior of the pod.",
            ));
            fields.extend(
                POD_SPEC
                    .iter()
                    .map(|(p, t, d)| (format!("spec.template.spec.{p}"), *t, *d)),
            );
            if kind == "Deployment" {
                fields.push((
                    "spec.strategy".into(),
                    "<DeploymentStrategy>",
                    "The deployment strategy to use to replace existing pods with new ones.",
                ));
                fields.push(("spec.revisionHistoryLimit".into(), "<integer>", "The number of old ReplicaSets to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to 10."));
                fields.push((
                    "spec.paused".into(),
                    "<boolean>",
                    "Indicates that the deployment is paused.",
                ));
            }
            if kind == "Job" {
                fields.push(("spec.completions".into(), "<integer>", "Specifies the desired number of successfully finished pods the job should be run with."));
                fields.push(("spec.parallelism".into(), "<integer>", "Specifies the maximum desired number of pods the job should run at any given time."));
                fields.push((
                    "spec.backoffLimit".into(),
                    "<integer>",
                    "Specifies the number of retries before marking this job failed. Defaults to 6",
                ));
            }
            fields.push(status);
            match kind {
                "Deployment" => "Deployment enables declarative updates for Pods and ReplicaSets.",
                "ReplicaSet" => "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
                "StatefulSet" => "StatefulSet represents a set of pods with consistent identities. Identities are defined as:\n  - Network: A single stable DNS and hostname.\n  - Storage: As many VolumeClaims as requested.\n\nThe StatefulSet guarantees that a given network identity will always map to the same storage identity.",
                "DaemonSet" => "DaemonSet represents the configuration of a daemon set.",
                _ => "Job represents the configuration of a single job.",
            }
        }
        "Service" => {
            fields.push((
                "spec".into(),
                "<ServiceSpec>",
                "Spec defines the behavior of a service.",
            ));
            fields.push(("spec.type".into(), "<string>", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."));
            fields.push(("spec.selector".into(), "<map[string]string>", "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify."));
            fields.push((
                "spec.ports".into(),
                "<[]ServicePort>",
                "The list of ports that are exposed by this service.",
            ));
            fields.push((
                "spec.ports.port".into(),
                "<integer> -required-",
                "The port that will be exposed by this service.",
            ));
            fields.push(("spec.ports.targetPort".into(), "<string>", "Number or name of the port to access on the pods targeted by the service. Number must be in the range 1 to 65535."));
            fields.push(("spec.ports.nodePort".into(), "<integer>", "The port on each node on which this service is exposed when type is NodePort or LoadBalancer."));
            fields.push(("spec.ports.protocol".into(), "<string>", "The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\". Default is TCP."));
            fields.push((
                "spec.clusterIP".into(),
                "<string>",
                "clusterIP is the IP address of the service and is usually assigned randomly.",
            ));
            fields.push(status);
            "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy."
        }
        "ConfigMap" => {
            fields.push(("data".into(), "<map[string]string>", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."));
            fields.push((
                "binaryData".into(),
                "<map[string]string>",
                "BinaryData contains the binary data.",
            ));
            fields.push(("immutable".into(), "<boolean>", "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified)."));
            "ConfigMap holds configuration data for pods to consume."
        }
        "Secret" => {
            fields.push(("data".into(), "<map[string]string>", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string."));
            fields.push(("stringData".into(), "<map[string]string>", "stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience."));
            fields.push((
                "type".into(),
                "<string>",
                "Used to facilitate programmatic handling of secret data.",
            ));
            "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes."
        }
        "Namespace" => {
            fields.push((
                "spec".into(),
                "<NamespaceSpec>",
                "Spec defines the behavior of the Namespace.",
            ));
            fields.push(status);
            "Namespace provides a scope for Names. Use of multiple namespaces is optional."
        }
        "Node" => {
            fields.push((
                "spec".into(),
                "<NodeSpec>",
                "Spec defines the behavior of a node.",
            ));
            fields.push((
                "spec.taints".into(),
                "<[]Taint>",
                "If specified, the node's taints.",
            ));
            fields.push(("spec.unschedulable".into(), "<boolean>", "Unschedulable controls node schedulability of new pods. By default, node is schedulable."));
            fields.push(status);
            "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd)."
        }
        _ => return None,
    };
    Some((desc, fields))
}

/// The template's `wrap N | indent M` (kubectl/pkg/explain/v2/funcs.go, go-wordwrap): breaks
/// at spaces before `width` columns (a longer word, like a URL, stands alone on its line),
/// keeps the text's own line breaks (1.34; the re-flowing of kubernetes#126533 came later),
/// then indents every line.
fn wrap(text: &str, width: usize, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        // A space joins words on a line; at the start of a paragraph it is kept (go-wordwrap
        // keeps leading spaces: ` - "Always"`).
        let mut line = String::new();
        let mut first = true;
        for word in para.split(' ') {
            if !first && !line.is_empty() && line.len() + word.len() + 1 > width {
                lines.push(std::mem::take(&mut line));
            } else if !first {
                line.push(' ');
            }
            first = false;
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
        .iter()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The description of an object type, which the template's "description" adds after the
/// field's own when explaining a field of that type (it follows `allOf`/`items` to the $ref).
fn type_description(ty: &str) -> Option<&'static str> {
    let name = ty
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .trim_start_matches("[]");
    Some(match name {
        "ObjectMeta" => "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        "PodSpec" => "PodSpec is a description of a pod.",
        "PodTemplateSpec" => "PodTemplateSpec describes the data a pod should have when created from a template",
        "DeploymentSpec" => "DeploymentSpec is the specification of the desired behavior of the Deployment.",
        "ReplicaSetSpec" => "ReplicaSetSpec is the specification of a ReplicaSet.",
        "StatefulSetSpec" => "A StatefulSetSpec is the specification of a StatefulSet.",
        "DaemonSetSpec" => "DaemonSetSpec is the specification of a daemon set.",
        "JobSpec" => "JobSpec describes how the job execution will look like.",
        "ServiceSpec" => "ServiceSpec describes the attributes that a user creates on a service.",
        "ServicePort" => "ServicePort contains information on service's port.",
        "NodeSpec" => "NodeSpec describes the attributes that a node is created with.",
        "NamespaceSpec" => "NamespaceSpec describes the attributes on a Namespace.",
        "LabelSelector" => "A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches no objects. A null label selector matches all objects.",
        "Container" => "A single application container that you want to run within a pod.",
        "ContainerPort" => "ContainerPort represents a network port in a single container.",
        "EnvVar" => "EnvVar represents an environment variable present in a Container.",
        "ResourceRequirements" => "ResourceRequirements describes the compute resource requirements.",
        "Probe" => "Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.",
        "VolumeMount" => "VolumeMount describes a mounting of a Volume within a container.",
        "Volume" => "Volume represents a named volume in a pod that may be accessed by any container in the pod.",
        "Toleration" => "The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.",
        "Taint" => "The node this Taint is attached to has the \"effect\" on any pod that does not tolerate the Taint.",
        "Affinity" => "Affinity is a group of affinity scheduling rules.",
        "DeploymentStrategy" => "DeploymentStrategy describes how to replace existing pods with new ones.",
        _ => return None,
    })
}

/// Enumerated values OpenAPI v3 declares for a field (`enum:` in the field list, `ENUM:` under
/// `FIELD:`), sorted as the schema lists them.
fn enum_of(kind: &str, path: &str) -> Option<&'static [&'static str]> {
    let last = path.rsplit('.').next().unwrap_or(path);
    match last {
        "restartPolicy" if path.ends_with("spec.restartPolicy") => {
            Some(&["Always", "Never", "OnFailure"])
        }
        "imagePullPolicy" => Some(&["Always", "IfNotPresent", "Never"]),
        "type" if kind == "Service" && path == "spec.type" => {
            Some(&["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
        }
        "protocol" => Some(&["SCTP", "TCP", "UDP"]),
        _ => None,
    }
}

pub fn explain(ctx: &mut Ctx) -> Output {
    let Some(arg) = ctx.p.args.first().cloned() else {
        return Output::error("You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nSee 'kubectl explain -h' for help and examples", 1);
    };
    let (type_part, field_path) = match arg.split_once('.') {
        Some((t, rest)) => (t.to_string(), rest.to_string()),
        None => (arg.clone(), String::new()),
    };
    let Some(res) = api::resource_for(&type_part) else {
        return ctx.fail(format!(
            "the server doesn't have a resource type \"{type_part}\""
        ));
    };
    let version = res.api_version.rsplit('/').next().unwrap_or("v1");
    let Some((desc, fields)) = schema(res.kind) else {
        return ctx.fail(format!(
            "explain for {} is not modelled by this simulator",
            res.kind
        ));
    };
    // plaintext.tmpl: GROUP (only for named groups), KIND, VERSION, a blank line.
    let mut out = String::new();
    if !res.group().is_empty() {
        out.push_str(&format!("GROUP:      {}\n", res.group()));
    }
    out.push_str(&format!(
        "KIND:       {}\nVERSION:    {version}\n\n",
        res.kind
    ));
    let (own_desc, prefix) = if field_path.is_empty() {
        (desc.to_string(), String::new())
    } else {
        let Some((_, t, d)) = fields.iter().find(|(p, _, _)| *p == field_path) else {
            return ctx.fail(format!(
                "field \"{}\" does not exist",
                field_path.rsplit('.').next().unwrap_or(&field_path)
            ));
        };
        let name = field_path.rsplit('.').next().unwrap_or(&field_path);
        // `FIELD: name <type>` then the long-view enum, "\n", "\n": `-required-` is only
        // printed in field lists.
        out.push_str(&format!(
            "FIELD: {name} {}\n",
            t.trim_end_matches(" -required-")
        ));
        if let Some(values) = enum_of(res.kind, &field_path) {
            out.push_str("ENUM:");
            for v in values {
                out.push_str(&format!("\n    {v}"));
            }
        }
        out.push_str("\n\n");
        let desc = match type_description(t) {
            Some(td) => format!("{d}\n{td}"),
            None => d.to_string(),
        };
        (desc, format!("{field_path}."))
    };
    // The "description" template ends the text with "\n", which `indent 4` turns into a
    // line of four spaces.
    out.push_str("DESCRIPTION:\n");
    out.push_str(&wrap(&format!("{own_desc}\n"), 76, 4));
    out.push('\n');
    let mut children: Vec<&(String, &str, &str)> = fields
        .iter()
        .filter(|(p, _, _)| {
            p.strip_prefix(prefix.as_str())
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
        })
        .collect();
    if !children.is_empty() {
        // fieldDetail at level 1: "  name\t<type>[ -required-]", the short enum, then the
        // description wrapped at 76 and indented by 4, then a blank line.
        out.push_str("FIELDS:\n");
        children.sort_small_by(|a, b| a.0.cmp(&b.0));
        for (p, t, d) in children {
            let name = p.rsplit('.').next().unwrap_or(p);
            out.push_str(&format!("  {name}\t{t}"));
            if let Some(values) = enum_of(res.kind, p) {
                out.push_str(&format!("\n  enum: {}", values.join(", ")));
            }
            out.push('\n');
            out.push_str(&wrap(d, 76, 4));
            out.push_str("\n\n");
        }
    }
    Output::out(out)
}
