//! The kube-apiserver model: every read and write of a cluster's objects goes through here.
//!
//! A request is checked, defaulted and stored in the cluster's etcd ([`Store`]); errors come
//! back shaped like a Kubernetes `Status` ([`ApiError`]: code, reason, message), so kubectl
//! can print them the way it does for a real server:
//! `Error from server (NotFound): pods "web" not found`.
//!
//! Start with [`ApiServer::create`]. Every call is recorded in the cluster's trace (who talked
//! to whom), which the UI's control-loop view animates.

use super::api::{self, Resource};
use super::clock::SimTime;
use super::rng::SimRng;
use super::store::{Store, StoreError};
use super::value::Value;
use super::world::{Cluster, TraceRecord};
use std::sync::Arc;

/// A failed API request, as the API server's `Status` object describes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// HTTP status code (404, 409, 422, ...).
    pub code: u16,
    /// The `reason` field: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...
    pub reason: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn not_found(res: &Resource, name: &str) -> Self {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: format!("{} \"{name}\" not found", res.qualified_plural()),
        }
    }
    pub fn already_exists(res: &Resource, name: &str) -> Self {
        ApiError {
            code: 409,
            reason: "AlreadyExists",
            message: format!("{} \"{name}\" already exists", res.qualified_plural()),
        }
    }
    pub fn conflict(res: &Resource, name: &str) -> Self {
        ApiError {
            code: 409,
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again",
                res.qualified_plural()
            ),
        }
    }
    /// `Pod "x" is invalid: spec.containers: Required value` (kubectl prefixes `The `).
    pub fn invalid(kind: &str, name: &str, causes: &[String]) -> Self {
        let detail = match causes {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        ApiError {
            code: 422,
            reason: "Invalid",
            message: format!("{kind} \"{name}\" is invalid: {detail}"),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            code: 500,
            reason: "InternalError",
            message: message.into(),
        }
    }
    /// How kubectl prints this error on stderr.
    pub fn kubectl_message(&self) -> String {
        match self.reason {
            "Invalid" => format!("The {}", self.message),
            reason => format!("Error from server ({reason}): {}", self.message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Compacted { .. } => ApiError {
                code: 410,
                reason: "Expired",
                message: "The resourceVersion for the provided list is too old.".into(),
            },
            other => ApiError::internal(other.to_string()),
        }
    }
}

/// A handle on one cluster's API server for the duration of a request batch.
pub struct ApiServer<'a> {
    pub cluster: &'a mut Cluster,
    pub rng: &'a mut SimRng,
    pub now: SimTime,
    /// Who is calling, for the trace: `kubectl`, `kube-scheduler`, `kubelet/worker-1`, ...
    pub actor: &'a str,
}

impl ApiServer<'_> {
    fn store(&self) -> &Store {
        &self.cluster.store
    }

    fn trace(&mut self, verb: &'static str, res: &Resource, ns: Option<&str>, name: &str) {
        let revision = self.cluster.store.revision();
        self.cluster.record(TraceRecord {
            at: self.now,
            actor: self.actor.to_string(),
            verb,
            resource: res.plural,
            namespace: ns.map(str::to_string),
            name: name.to_string(),
            revision,
        });
    }

    /// Reads one object.
    pub fn get(&mut self, res: &Resource, ns: Option<&str>, name: &str) -> Result<Value, ApiError> {
        self.trace("get", res, ns, name);
        let key = res.storage_key(ns, name);
        self.store()
            .get(&key)
            .map(|kv| (*kv.value).clone())
            .ok_or_else(|| ApiError::not_found(res, name))
    }

    /// Lists objects of a type in one namespace (or all with `None`), in key order.
    pub fn list(&mut self, res: &Resource, ns: Option<&str>) -> Vec<Value> {
        self.trace("list", res, ns, "");
        let prefix = res.storage_prefix(ns);
        self.store()
            .range(&prefix)
            .map(|kv| (*kv.value).clone())
            .collect()
    }

    /// [`ApiServer::list`] without copying the objects: the stored values themselves, shared.
    /// What read-only callers (kubectl get, the UI, controllers' informers) should use: a list
    /// of 10,000 pods costs 10,000 reference-count increments instead of 10,000 deep copies.
    pub fn list_shared(&mut self, res: &Resource, ns: Option<&str>) -> Vec<Arc<Value>> {
        self.trace("list", res, ns, "");
        let prefix = res.storage_prefix(ns);
        self.store()
            .range(&prefix)
            .map(|kv| Arc::clone(&kv.value))
            .collect()
    }

    /// Creates an object: fills server-set metadata (uid, creationTimestamp,
    /// resourceVersion, generation), then stores it if the name is free.
    pub fn create(&mut self, res: &Resource, mut obj: Value) -> Result<Value, ApiError> {
        let ns = if res.namespaced {
            Some(api::namespace_of(&obj).unwrap_or("default").to_string())
        } else {
            None
        };
        let mut name = api::name_of(&obj).to_string();
        if name.is_empty() {
            match api::meta_str(&obj, "generateName") {
                Some(prefix) => name = format!("{prefix}{}", self.rng.suffix(5)),
                None => {
                    return Err(ApiError::invalid(
                        res.kind,
                        "",
                        &[
                            "metadata.name: Required value: name or generateName is required"
                                .into(),
                        ],
                    ))
                }
            }
        }
        validate_name(res, &name)?;
        if let Some(ns) = &ns {
            let ns_res = api::resource_for_kind("Namespace")
                .ok_or_else(|| ApiError::internal("no namespaces"))?;
            if self.store().get(&ns_res.storage_key(None, ns)).is_none() {
                return Err(ApiError::not_found(ns_res, ns));
            }
        }
        let key = res.storage_key(ns.as_deref(), &name);
        if self.store().get(&key).is_some() {
            return Err(ApiError::already_exists(res, &name));
        }
        let next_rev = self.cluster.store.revision() + 1;
        obj.set("apiVersion", res.api_version);
        obj.set("kind", res.kind);
        let uid = self.rng.uuid();
        let meta = obj.path_mut_or_insert(&["metadata"]);
        meta.set("name", name.as_str());
        if let Some(ns) = &ns {
            meta.set("namespace", ns.as_str());
        }
        meta.set("uid", uid);
        meta.set("creationTimestamp", self.now.rfc3339());
        meta.set("resourceVersion", next_rev.to_string());
        if obj.get("spec").is_some()
            && !matches!(res.kind, "Pod" | "Node" | "Service" | "Namespace")
        {
            obj.path_mut_or_insert(&["metadata"])
                .set("generation", 1i64);
        }
        self.cluster.store.put(&key, obj.clone(), Some(0))?;
        self.trace("create", res, ns.as_deref(), &name);
        Ok(obj)
    }

    /// Replaces an object. When the object carries a `metadata.resourceVersion`, the write only
    /// succeeds if it is still current (optimistic concurrency, a 409 Conflict otherwise).
    pub fn update(&mut self, res: &Resource, mut obj: Value) -> Result<Value, ApiError> {
        let ns = res
            .namespaced
            .then(|| api::namespace_of(&obj).unwrap_or("default").to_string());
        let name = api::name_of(&obj).to_string();
        let key = res.storage_key(ns.as_deref(), &name);
        let Some(current) = self.store().get(&key).cloned() else {
            return Err(ApiError::not_found(res, &name));
        };
        let expected = match api::meta_str(&obj, "resourceVersion") {
            Some(rv) => rv
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
            None => current.mod_revision,
        };
        if expected != current.mod_revision {
            return Err(ApiError::conflict(res, &name));
        }
        // Server-owned metadata is kept from the stored object.
        for field in ["uid", "creationTimestamp"] {
            if let Some(v) = current.value.path(&["metadata", field]) {
                obj.path_mut_or_insert(&["metadata"]).set(field, v.clone());
            }
        }
        let generation = current
            .value
            .path(&["metadata", "generation"])
            .and_then(Value::as_i64);
        if let Some(g) = generation {
            let spec_changed = current.value.get("spec") != obj.get("spec");
            obj.path_mut_or_insert(&["metadata"])
                .set("generation", if spec_changed { g + 1 } else { g });
        }
        let next_rev = self.cluster.store.revision() + 1;
        obj.path_mut_or_insert(&["metadata"])
            .set("resourceVersion", next_rev.to_string());
        self.cluster
            .store
            .put(&key, obj.clone(), Some(current.mod_revision))
            .map_err(|_| ApiError::conflict(res, &name))?;
        self.trace("update", res, ns.as_deref(), &name);
        Ok(obj)
    }

    /// Deletes an object and returns what it was.
    pub fn delete(
        &mut self,
        res: &Resource,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let key = res.storage_key(ns, name);
        let gone = self.cluster.store.delete(&key, None)?;
        self.trace("delete", res, ns, name);
        gone.map(|kv| (*kv.value).clone())
            .ok_or_else(|| ApiError::not_found(res, name))
    }
}

/// Object names must be DNS subdomains (RFC 1123): lower-case alphanumerics, `-` and `.`,
/// starting and ending with an alphanumeric, at most 253 characters.
fn validate_name(res: &Resource, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        return Ok(());
    }
    Err(ApiError::invalid(
        res.kind,
        name,
        &[format!(
            "metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case \
             alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. \
             'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )],
    ))
}
