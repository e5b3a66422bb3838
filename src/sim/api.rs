//! The API's resource types: names, short names, groups and where each lives in etcd.
//!
//! [`RESOURCES`] is the one table that `kubectl get <type>`, `api-resources`, completion and the
//! API server's storage keys all read. Objects themselves are kept *unstructured*
//! ([`Value`] maps, like client-go's `unstructured.Unstructured`): fields a user gives that the
//! model does not use survive a round trip to `-o yaml`, and printing is alphabetical like
//! kubectl's. [`ObjectRef`] and the accessors below give the typed view components need.
//!
//! ```
//! use kubesim::sim::api::resource_for;
//! let pods = resource_for("po").unwrap();
//! assert_eq!(pods.kind, "Pod");
//! assert_eq!(pods.storage_key(Some("default"), "web"), "/registry/pods/default/web");
//! ```

use super::value::Value;

/// One API resource type, as `kubectl api-resources` lists it.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// Plural lower-case name: `pods`.
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    /// `v1`, `apps/v1`, ...
    pub api_version: &'static str,
    pub namespaced: bool,
    pub kind: &'static str,
    /// The etcd key prefix under `/registry/`, which is not always the plural
    /// (nodes live in `minions`, services in `services/specs`).
    pub etcd_prefix: &'static str,
}

impl Resource {
    /// `pods` for core types, `deployments.apps` for grouped ones (how kubectl names them in
    /// messages such as `deployments.apps "web" not found`).
    pub fn qualified_plural(&self) -> String {
        match self.group() {
            "" => self.plural.to_string(),
            g => format!("{}.{g}", self.plural),
        }
    }
    pub fn group(&self) -> &'static str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
    /// `/registry/pods/default/web`, `/registry/minions/node-1`.
    pub fn storage_key(&self, namespace: Option<&str>, name: &str) -> String {
        match (self.namespaced, namespace) {
            (true, Some(ns)) => format!("/registry/{}/{ns}/{name}", self.etcd_prefix),
            _ => format!("/registry/{}/{name}", self.etcd_prefix),
        }
    }
    /// The prefix to list objects of this type, in one namespace or all.
    pub fn storage_prefix(&self, namespace: Option<&str>) -> String {
        match (self.namespaced, namespace) {
            (true, Some(ns)) => format!("/registry/{}/{ns}/", self.etcd_prefix),
            _ => format!("/registry/{}/", self.etcd_prefix),
        }
    }
}

macro_rules! res {
    ($plural:literal, $singular:literal, [$($short:literal),*], $av:literal, $ns:literal, $kind:literal, $etcd:literal) => {
        Resource { plural: $plural, singular: $singular, short_names: &[$($short),*],
            api_version: $av, namespaced: $ns, kind: $kind, etcd_prefix: $etcd }
    };
}

/// Every resource type the simulated API server serves, in `kubectl api-resources` order
/// (core group first, then by group name).
pub static RESOURCES: &[Resource] = &[
    res!(
        "configmaps",
        "configmap",
        ["cm"],
        "v1",
        true,
        "ConfigMap",
        "configmaps"
    ),
    res!(
        "endpoints",
        "endpoints",
        ["ep"],
        "v1",
        true,
        "Endpoints",
        "services/endpoints"
    ),
    res!("events", "event", ["ev"], "v1", true, "Event", "events"),
    res!(
        "namespaces",
        "namespace",
        ["ns"],
        "v1",
        false,
        "Namespace",
        "namespaces"
    ),
    res!("nodes", "node", ["no"], "v1", false, "Node", "minions"),
    res!(
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        ["pvc"],
        "v1",
        true,
        "PersistentVolumeClaim",
        "persistentvolumeclaims"
    ),
    res!(
        "persistentvolumes",
        "persistentvolume",
        ["pv"],
        "v1",
        false,
        "PersistentVolume",
        "persistentvolumes"
    ),
    res!("pods", "pod", ["po"], "v1", true, "Pod", "pods"),
    res!("secrets", "secret", [], "v1", true, "Secret", "secrets"),
    res!(
        "serviceaccounts",
        "serviceaccount",
        ["sa"],
        "v1",
        true,
        "ServiceAccount",
        "serviceaccounts"
    ),
    res!(
        "services",
        "service",
        ["svc"],
        "v1",
        true,
        "Service",
        "services/specs"
    ),
    res!(
        "controllerrevisions",
        "controllerrevision",
        [],
        "apps/v1",
        true,
        "ControllerRevision",
        "controllerrevisions"
    ),
    res!(
        "daemonsets",
        "daemonset",
        ["ds"],
        "apps/v1",
        true,
        "DaemonSet",
        "daemonsets"
    ),
    res!(
        "deployments",
        "deployment",
        ["deploy"],
        "apps/v1",
        true,
        "Deployment",
        "deployments"
    ),
    res!(
        "replicasets",
        "replicaset",
        ["rs"],
        "apps/v1",
        true,
        "ReplicaSet",
        "replicasets"
    ),
    res!(
        "statefulsets",
        "statefulset",
        ["sts"],
        "apps/v1",
        true,
        "StatefulSet",
        "statefulsets"
    ),
    res!("jobs", "job", [], "batch/v1", true, "Job", "jobs"),
    res!(
        "leases",
        "lease",
        [],
        "coordination.k8s.io/v1",
        true,
        "Lease",
        "leases"
    ),
    res!(
        "endpointslices",
        "endpointslice",
        [],
        "discovery.k8s.io/v1",
        true,
        "EndpointSlice",
        "endpointslices"
    ),
    res!(
        "clusterrolebindings",
        "clusterrolebinding",
        [],
        "rbac.authorization.k8s.io/v1",
        false,
        "ClusterRoleBinding",
        "clusterrolebindings"
    ),
    res!(
        "clusterroles",
        "clusterrole",
        [],
        "rbac.authorization.k8s.io/v1",
        false,
        "ClusterRole",
        "clusterroles"
    ),
    res!(
        "rolebindings",
        "rolebinding",
        [],
        "rbac.authorization.k8s.io/v1",
        true,
        "RoleBinding",
        "rolebindings"
    ),
    res!(
        "roles",
        "role",
        [],
        "rbac.authorization.k8s.io/v1",
        true,
        "Role",
        "roles"
    ),
    res!(
        "storageclasses",
        "storageclass",
        ["sc"],
        "storage.k8s.io/v1",
        false,
        "StorageClass",
        "storageclasses"
    ),
];

/// Finds a resource the way kubectl's RESTMapper does: plural, singular, short name, kind
/// (any case), optionally qualified with its group (`deployments.apps`, `deploy.apps`).
pub fn resource_for(name: &str) -> Option<&'static Resource> {
    let lower = name.to_ascii_lowercase();
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower, None),
    };
    RESOURCES.iter().find(|r| {
        let name_ok = r.plural == base
            || r.singular == base
            || r.short_names.contains(&base.as_str())
            || r.kind.eq_ignore_ascii_case(&base);
        let group_ok = group.as_deref().is_none_or(|g| {
            let rg = r.group();
            rg == g || rg.split('.').next() == Some(g) || (rg.is_empty() && g == "v1")
        });
        name_ok && group_ok
    })
}

/// The resource for an object's `kind` (exact, as in manifests).
pub fn resource_for_kind(kind: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

/// Reads `metadata.<field>` as a string.
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.path(&["metadata", field])?.as_str()
}

/// `metadata.name`, or "" when absent.
pub fn name_of(obj: &Value) -> &str {
    meta_str(obj, "name").unwrap_or("")
}

/// `metadata.namespace`, when set.
pub fn namespace_of(obj: &Value) -> Option<&str> {
    meta_str(obj, "namespace")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_every_name_kubectl_accepts() {
        for (input, kind) in [
            ("pods", "Pod"),
            ("pod", "Pod"),
            ("po", "Pod"),
            ("Pod", "Pod"),
            ("deploy", "Deployment"),
            ("deployments.apps", "Deployment"),
            ("deploy.apps", "Deployment"),
            ("svc", "Service"),
            ("no", "Node"),
            ("ns", "Namespace"),
            ("ep", "Endpoints"),
            ("pods.v1", "Pod"),
        ] {
            assert_eq!(resource_for(input).map(|r| r.kind), Some(kind), "{input}");
        }
        assert!(resource_for("pods.apps").is_none());
        assert!(resource_for("foo").is_none());
    }

    #[test]
    fn storage_keys_match_kubernetes_layout() {
        let node = resource_for("nodes").unwrap();
        assert_eq!(
            node.storage_key(None, "worker-1"),
            "/registry/minions/worker-1"
        );
        let svc = resource_for("svc").unwrap();
        assert_eq!(
            svc.storage_key(Some("default"), "web"),
            "/registry/services/specs/default/web"
        );
        assert_eq!(
            resource_for("deploy").unwrap().qualified_plural(),
            "deployments.apps"
        );
        assert_eq!(resource_for("pods").unwrap().qualified_plural(), "pods");
        assert_eq!(svc.storage_prefix(None), "/registry/services/specs/");
    }
}
