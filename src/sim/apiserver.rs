//! The kube-apiserver model: every read and write of a cluster's objects goes through here.
//!
//! A request is checked, defaulted and stored in the cluster's etcd ([`Store`]); errors come
//! back shaped like a Kubernetes `Status` ([`ApiError`]: code, reason, message), so kubectl
//! can print them the way it does for a real server:
//! `Error from server (NotFound): pods "web" not found`.
//!
//! Components report through cheaper paths, like the real subresources:
//! [`ApiServer::update_status_shared`] (`/status`), [`ApiServer::bind`] (`pods/binding`),
//! [`ApiServer::create_event`]; stored objects share their spec with their next revisions.
//!
//! Start with [`ApiServer::create`]. Every call is recorded in the cluster's trace (who talked
//! to whom), which the UI's control-loop view animates.

use super::api::{self, Resource};
use super::clock::SimTime;
use super::meta;
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
    /// `pods "x" is forbidden: ...` (admission refusals such as terminating namespaces).
    pub fn forbidden(res: &Resource, name: &str, why: &str) -> Self {
        ApiError {
            code: 403,
            reason: "Forbidden",
            message: format!("{} \"{name}\" is forbidden: {why}", res.qualified_plural()),
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
            // A Status without a reason (etcd errors): `Error from server: <message>`.
            "" => format!("Error from server: {}", self.message),
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

/// How dependents of a deleted object are handled (`DeleteOptions.propagationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// Delete the owner now; the garbage collector deletes dependents afterwards (default).
    #[default]
    Background,
    /// The owner stays (with the `foregroundDeletion` finalizer) until its dependents are gone.
    Foreground,
    /// Dependents lose their ownerReference and survive (`--cascade=orphan`).
    Orphan,
}

impl Propagation {
    /// Parses kubectl's `--cascade` values (`background`, `foreground`, `orphan`; `true`/`false`
    /// are the deprecated spellings of background/orphan).
    pub fn from_cascade(s: &str) -> Option<Propagation> {
        match s {
            "background" | "true" => Some(Propagation::Background),
            "foreground" => Some(Propagation::Foreground),
            "orphan" | "false" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

/// `DeleteOptions`: what `kubectl delete --cascade=... --grace-period=N --force` sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    pub propagation: Propagation,
    /// Seconds the pod gets to stop; `None` uses its `terminationGracePeriodSeconds`.
    /// `Some(0)` deletes at once (`--grace-period=0 --force`, or the kubelet's final delete).
    pub grace_period_s: Option<i64>,
}

/// Namespaces that can never be deleted (NamespaceLifecycle admission).
pub const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-public", "kube-system"];

/// Finalizer names the garbage collector honours.
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
pub const ORPHAN_FINALIZER: &str = "orphan";

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
    /// resourceVersion, generation), applies defaults ([`super::defaults`]) and admission
    /// (default StorageClass, ClusterIP/NodePort allocation), validates
    /// ([`super::validation`]), then stores it if the name is free. A `generateName` that
    /// collides is retried with a new suffix, as the API server does.
    pub fn create(&mut self, res: &Resource, mut obj: Value) -> Result<Value, ApiError> {
        if !super::etcd::has_quorum(self.cluster) {
            return Err(super::etcd::quorum_error());
        }
        let ns = if res.namespaced {
            Some(api::namespace_of(&obj).unwrap_or("default").to_string())
        } else {
            None
        };
        let mut name = api::name_of(&obj).to_string();
        if name.is_empty() {
            match api::meta_str(&obj, "generateName") {
                Some(prefix) => {
                    let prefix = prefix.to_string();
                    for _ in 0..8 {
                        name = format!("{prefix}{}", self.rng.suffix(5));
                        if self
                            .store()
                            .get(&res.storage_key(ns.as_deref(), &name))
                            .is_none()
                        {
                            break;
                        }
                    }
                }
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
        let name_errs = super::validation::name_errors(res.kind, &name);
        if !name_errs.is_empty() {
            return Err(ApiError::invalid(res.kind, &name, &name_errs));
        }
        if let Some(ns) = &ns {
            let ns_res = api::resource_for_kind("Namespace")
                .ok_or_else(|| ApiError::internal("no namespaces"))?;
            let Some(ns_obj) = self.store().get(&ns_res.storage_key(None, ns)) else {
                return Err(ApiError::not_found(ns_res, ns));
            };
            if meta::is_terminating(&ns_obj.value) && res.kind != "Event" {
                return Err(ApiError::forbidden(
                    res,
                    &name,
                    &format!(
                        "unable to create new content in namespace {ns} because it is being terminated"
                    ),
                ));
            }
        }
        let key = res.storage_key(ns.as_deref(), &name);
        if self.store().get(&key).is_some() {
            return Err(ApiError::already_exists(res, &name));
        }
        self.stamp_new(res, &mut obj, ns.as_deref(), Some(&name));
        super::defaults::apply(res.kind, &mut obj, self.rng);
        self.admit(res, &mut obj, ns.as_deref(), &name)?;
        let errs = super::validation::validate(res.kind, &obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(res.kind, &name, &errs));
        }
        if obj.get("spec").is_some() && has_generation(res.kind) {
            obj.path_mut_or_insert(&["metadata"])
                .set("generation", 1i64);
        }
        if res.kind == "DaemonSet" {
            set_template_generation(&mut obj, 1);
        }
        self.put_new(&key, &obj, Some(0))?;
        self.trace("create", res, ns.as_deref(), &name);
        Ok(obj)
    }

    /// Creates an Event built by a control-plane component ([`super::events::record`]):
    /// the same server-set metadata, namespace check, name check and trace as
    /// [`Self::create`], without the defaulting, admission and body validation an Event does
    /// not have. Returns the stored object, shared.
    pub fn create_event(&mut self, mut obj: Value) -> Result<Arc<Value>, ApiError> {
        let res = api::resource_for_kind("Event")
            .ok_or_else(|| ApiError::internal("no events resource"))?;
        if !super::etcd::has_quorum(self.cluster) {
            return Err(super::etcd::quorum_error());
        }
        let name = api::name_of(&obj).to_string();
        let ns = api::namespace_of(&obj).unwrap_or("default").to_string();
        let name_errs = super::validation::validate(res.kind, &obj);
        if name.is_empty() || !name_errs.is_empty() {
            // Nothing the recorder builds gets here; the full path words the error.
            return self.create(res, obj).map(Arc::new);
        }
        let ns_res = api::resource_for_kind("Namespace")
            .ok_or_else(|| ApiError::internal("no namespaces"))?;
        // Events may still be written into a terminating namespace (create allows it too).
        if self.store().get(&ns_res.storage_key(None, &ns)).is_none() {
            return Err(ApiError::not_found(ns_res, &ns));
        }
        let key = res.storage_key(Some(&ns), &name);
        // Checked before the uid is drawn, as in `create` (the rng sequence stays the same).
        if self.store().get(&key).is_some() {
            return Err(ApiError::already_exists(res, &name));
        }
        self.stamp_new(res, &mut obj, Some(&ns), None);
        let stored = self.put_new(&key, &obj, Some(0))?;
        self.trace("create", res, Some(&ns), &name);
        Ok(stored)
    }

    /// The metadata the API server sets on a new object (apiVersion/kind, a uid drawn from
    /// the rng, creation time, the revision it will be stored at), without what only the
    /// server may set; `name` is written when the caller has not (one place for `create`
    /// and `create_event`, so both draw the uid at the same point).
    fn stamp_new(
        &mut self,
        res: &api::Resource,
        obj: &mut Value,
        ns: Option<&str>,
        name: Option<&str>,
    ) {
        let next_rev = self.cluster.store.revision() + 1;
        obj.set("apiVersion", res.api_version);
        obj.set("kind", res.kind);
        let uid = self.rng.uuid();
        let meta_v = obj.path_mut_or_insert(&["metadata"]);
        if let Some(name) = name {
            meta_v.set("name", name);
        }
        if let Some(ns) = ns {
            meta_v.set("namespace", ns);
        }
        meta_v.set("uid", uid);
        meta_v.set("creationTimestamp", self.now.rfc3339());
        meta_v.set("resourceVersion", next_rev.to_string());
        for server_only in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
            meta::remove(meta_v, server_only);
        }
    }

    /// Stores a copy of `obj` at `key` and returns it, shared. The copy is what keeps stored
    /// objects compact (it holds no spare capacity, unlike an object built up field by
    /// field); its spec is shared with later revisions ([`share_spec`]), so copying an object
    /// whose spec is already shared (a status write's) costs its metadata and status only.
    fn put_new(
        &mut self,
        key: &str,
        obj: &Value,
        expected: Option<i64>,
    ) -> Result<Arc<Value>, StoreError> {
        let mut stored = obj.clone();
        share_spec(&mut stored);
        let stored = Arc::new(stored);
        self.cluster
            .store
            .put_shared(key, Arc::clone(&stored), expected)?;
        Ok(stored)
    }

    /// Admission-time mutations that need the cluster: default StorageClass for claims,
    /// ClusterIP and NodePort allocation for Services.
    fn admit(
        &mut self,
        res: &Resource,
        obj: &mut Value,
        ns: Option<&str>,
        name: &str,
    ) -> Result<(), ApiError> {
        match res.kind {
            "PersistentVolumeClaim" if obj.path(&["spec", "storageClassName"]).is_none() => {
                let default_class = self
                    .store()
                    .range("/registry/storageclasses/")
                    .find(|kv| {
                        meta::annotation(&kv.value, "storageclass.kubernetes.io/is-default-class")
                            == Some("true")
                    })
                    .map(|kv| api::name_of(&kv.value).to_string());
                if let Some(class) = default_class {
                    obj.path_mut_or_insert(&["spec"])
                        .set("storageClassName", class);
                }
            }
            "Service" => {
                let type_ = meta::str_at(obj, &["spec", "type"])
                    .unwrap_or("ClusterIP")
                    .to_string();
                if type_ != "ExternalName"
                    && meta::str_at(obj, &["spec", "clusterIP"]).is_none_or(str::is_empty)
                {
                    let full = format!("{}/{name}", ns.unwrap_or(""));
                    let ip = super::network::allocate_cluster_ip(self.cluster, self.rng, &full)
                        .ok_or_else(|| {
                            ApiError::internal(
                                "failed to allocate a serviceIP: range is full".to_string(),
                            )
                        })?;
                    let spec = obj.path_mut_or_insert(&["spec"]);
                    spec.set("clusterIP", ip.as_str());
                    spec.set("clusterIPs", Value::Seq(vec![ip.into()].into()));
                } else if let Some(ip) = meta::str_at(obj, &["spec", "clusterIP"]) {
                    let ip = ip.to_string();
                    obj.path_mut_or_insert(&["spec"])
                        .set("clusterIPs", Value::Seq(vec![ip.into()].into()));
                }
                if matches!(type_.as_str(), "NodePort" | "LoadBalancer") {
                    self.allocate_node_ports(obj, name, None)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Gives each port of a NodePort/LoadBalancer Service a nodePort (keeping the ones the
    /// user asked for, or the ones `old` already had), refusing taken ones.
    fn allocate_node_ports(
        &mut self,
        obj: &mut Value,
        name: &str,
        old: Option<&Value>,
    ) -> Result<(), ApiError> {
        let mut used = super::network::used_node_ports(self.store());
        let own: Vec<i64> = old
            .and_then(|o| o.path(&["spec", "ports"])?.as_seq().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get("nodePort")?.as_i64())
            .collect();
        for p in &own {
            used.remove(p);
        }
        let mut errs = Vec::new();
        let rng = &mut *self.rng;
        if let Some(Value::Seq(ports)) = meta::path_mut(obj, &["spec", "ports"]) {
            for (i, p) in ports.iter_mut().enumerate() {
                if !matches!(p, Value::Map(_)) {
                    continue;
                }
                match p.get("nodePort").and_then(Value::as_i64) {
                    Some(np) if used.contains(&np) => errs.push(super::validation::invalid(
                        &format!("spec.ports[{i}].nodePort"),
                        &Value::Int(np),
                        "provided port is already allocated",
                    )),
                    Some(np) => {
                        used.insert(np);
                    }
                    None => {
                        let reuse = own.get(i).copied().filter(|np| !used.contains(np));
                        if let Some(np) =
                            reuse.or_else(|| super::network::allocate_node_port(&used, rng))
                        {
                            used.insert(np);
                            p.set("nodePort", np);
                        }
                    }
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid("Service", name, &errs))
        }
    }

    /// Replaces an object. When the object carries a `metadata.resourceVersion`, the write only
    /// succeeds if it is still current (optimistic concurrency, a 409 Conflict otherwise).
    /// Server-owned metadata (uid, creationTimestamp, deletion fields, generation) is kept;
    /// `metadata.generation` is bumped when the spec changes; an object sent without `status`
    /// keeps its stored status (the status subresource is written with [`Self::update_status`]).
    /// Removing the last finalizer of an object being deleted completes its deletion.
    pub fn update(&mut self, res: &Resource, mut obj: Value) -> Result<Value, ApiError> {
        if !super::etcd::has_quorum(self.cluster) {
            return Err(super::etcd::quorum_error());
        }
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
        obj.set("apiVersion", res.api_version);
        obj.set("kind", res.kind);
        // Server-owned metadata is kept from the stored object.
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "namespace",
        ] {
            let meta_v = obj.path_mut_or_insert(&["metadata"]);
            match current.value.path(&["metadata", field]) {
                Some(v) => meta_v.set(field, v.clone()),
                None => {
                    meta::remove(meta_v, field);
                }
            }
        }
        if obj.get("status").is_none() {
            if let Some(st) = current.value.get("status") {
                obj.set("status", st.clone());
            }
        }
        if res.kind == "Service" {
            // patchAllocatedValues: an update that omits the allocated IP/ports keeps them.
            let spec_old = current
                .value
                .get("spec")
                .cloned()
                .unwrap_or_else(Value::map);
            let spec = obj.path_mut_or_insert(&["spec"]);
            for f in ["clusterIP", "clusterIPs"] {
                if spec.get(f).is_none() {
                    if let Some(v) = spec_old.get(f) {
                        spec.set(f, v.clone());
                    }
                }
            }
        }
        super::defaults::apply(res.kind, &mut obj, self.rng);
        if res.kind == "Service"
            && matches!(
                meta::str_at(&obj, &["spec", "type"]),
                Some("NodePort" | "LoadBalancer")
            )
        {
            // Keep previously allocated node ports for ports that did not name one.
            if let (Some(Value::Seq(new_ports)), Some(old_ports)) = (
                meta::path_mut(&mut obj, &["spec", "ports"]),
                current
                    .value
                    .path(&["spec", "ports"])
                    .and_then(Value::as_seq),
            ) {
                for (i, p) in new_ports.iter_mut().enumerate() {
                    if p.get("nodePort").is_none() {
                        if let Some(np) = old_ports.get(i).and_then(|o| o.get("nodePort")) {
                            p.set("nodePort", np.clone());
                        }
                    }
                }
            }
            let own_old = (*current.value).clone();
            self.allocate_node_ports(&mut obj, &name, Some(&own_old))?;
        } else if res.kind == "Service" {
            // Leaving NodePort for ClusterIP releases the node ports.
            if let Some(Value::Seq(ports)) = meta::path_mut(&mut obj, &["spec", "ports"]) {
                for p in ports {
                    meta::remove(p, "nodePort");
                }
            }
        }
        let errs = super::validation::validate_update(res.kind, &current.value, &obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(res.kind, &name, &errs));
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
        if res.kind == "DaemonSet" {
            let old = template_generation(&current.value);
            let changed =
                current.value.path(&["spec", "template"]) != obj.path(&["spec", "template"]);
            set_template_generation(&mut obj, if changed { old + 1 } else { old });
        }
        self.finish_write(res, ns.as_deref(), &name, &key, obj, current.mod_revision)
    }

    /// Stores an updated object, or deletes it when it is being deleted and its last
    /// finalizer is gone.
    fn finish_write(
        &mut self,
        res: &Resource,
        ns: Option<&str>,
        name: &str,
        key: &str,
        mut obj: Value,
        expected: i64,
    ) -> Result<Value, ApiError> {
        let grace_done = res.kind != "Pod"
            || meta::int_at(&obj, &["metadata", "deletionGracePeriodSeconds"]) == Some(0);
        let spec_finalizers_done = res.kind != "Namespace"
            || obj
                .path(&["spec", "finalizers"])
                .and_then(Value::as_seq)
                .is_none_or(|f| f.is_empty());
        if meta::is_terminating(&obj)
            && meta::finalizers(&obj).is_empty()
            && grace_done
            && spec_finalizers_done
        {
            self.cluster
                .store
                .delete(key, Some(expected))
                .map_err(|_| ApiError::conflict(res, name))?;
            self.trace("delete", res, ns, name);
            return Ok(obj);
        }
        let next_rev = self.cluster.store.revision() + 1;
        obj.path_mut_or_insert(&["metadata"])
            .set("resourceVersion", next_rev.to_string());
        self.put_new(key, &obj, Some(expected))
            .map_err(|_| ApiError::conflict(res, name))?;
        self.trace("update", res, ns, name);
        Ok(obj)
    }

    /// Writes only `status` (the `/status` subresource): the stored spec and metadata are
    /// kept, `metadata.generation` does not move. Controllers and kubelets report here.
    /// An object without `status` clears it. Returns the object as stored (a copy: see
    /// [`Self::update_status_shared`] for the shared one).
    pub fn update_status(&mut self, res: &Resource, obj: &Value) -> Result<Value, ApiError> {
        let status = obj.get("status").cloned();
        self.update_status_shared(res, obj, status)
            .map(|stored| (*stored).clone())
    }

    /// The `/status` subresource as the API server serves it: no defaulting and no spec
    /// validation (only `status` changes), no copy of the object beyond the maps the new
    /// status replaces. `obj` names the object (namespace, name) and, when it carries a
    /// `metadata.resourceVersion`, the version the write is based on: a stale one is a 409
    /// Conflict, as for [`Self::update`]. `status: None` removes it. Writing the status the
    /// object already has stores nothing (no new revision). Returns the stored object, shared.
    pub fn update_status_shared(
        &mut self,
        res: &Resource,
        obj: &Value,
        status: Option<Value>,
    ) -> Result<Arc<Value>, ApiError> {
        self.write_with(res, obj, true, move |next| {
            if let Some(st) = status {
                next.set("status", st);
            }
        })
    }

    /// The `pods/binding` subresource the scheduler writes: `spec.nodeName` and the pod's
    /// new `status` (its `PodScheduled` condition) in one write, with the same resourceVersion
    /// precondition as an update. `metadata.generation` does not move: upstream's
    /// `BindingREST.setPodNodeAndMetadata` writes storage directly, without the pod strategy
    /// that counts spec changes (a scheduled pod keeps generation 1, as the "Pod Generation"
    /// conformance test expects of a pod created without a node). Returns the stored pod,
    /// shared.
    pub fn bind(
        &mut self,
        res: &Resource,
        pod: &Value,
        node: &str,
        status: Value,
    ) -> Result<Arc<Value>, ApiError> {
        self.write_with(res, pod, true, move |next| {
            next.path_mut_or_insert(&["spec"]).set("nodeName", node);
            next.set("status", status);
        })
    }

    /// Bumps an aggregated Event (`count`, `lastTimestamp`), as client-go's event correlator
    /// patches it. `event` is the stored Event the count was read from (a stale one
    /// conflicts).
    pub fn update_event_count(
        &mut self,
        event: &Value,
        count: i64,
        last_timestamp: &str,
    ) -> Result<Arc<Value>, ApiError> {
        let res = api::resource_for_kind("Event")
            .ok_or_else(|| ApiError::internal("no events resource"))?;
        self.write_with(res, event, false, |next| {
            next.set("count", count);
            next.set("lastTimestamp", last_timestamp);
        })
    }

    /// The write path of the subresources above: the stored object (without its status when
    /// `replaces_status`: `edit` sets the new one), changed by `edit`, stored again if
    /// anything changed. The spec is not copied unless `edit` changes it (stored objects
    /// share it, see [`share_spec`]); server-owned metadata cannot change since `edit`
    /// starts from the stored object. `metadata.generation` never moves here (no strategy
    /// runs on a subresource write).
    fn write_with(
        &mut self,
        res: &Resource,
        obj: &Value,
        replaces_status: bool,
        edit: impl FnOnce(&mut Value),
    ) -> Result<Arc<Value>, ApiError> {
        if !super::etcd::has_quorum(self.cluster) {
            return Err(super::etcd::quorum_error());
        }
        let ns = if res.namespaced {
            Some(api::namespace_of(obj).unwrap_or("default"))
        } else {
            None
        };
        let name = api::name_of(obj);
        let key = res.storage_key(ns, name);
        let Some(current) = self.store().get(&key) else {
            return Err(ApiError::not_found(res, name));
        };
        let (mod_revision, current) = (current.mod_revision, Arc::clone(&current.value));
        if let Some(rv) = api::meta_str(obj, "resourceVersion") {
            if rv.parse::<i64>().ok() != Some(mod_revision) {
                return Err(ApiError::conflict(res, name));
            }
        }
        let mut next = if replaces_status {
            without_status(&current)
        } else {
            (*current).clone()
        };
        edit(&mut next);
        if next == *current {
            return Ok(current);
        }
        let next_rev = self.cluster.store.revision() + 1;
        next.path_mut_or_insert(&["metadata"])
            .set("resourceVersion", next_rev.to_string());
        let stored = self
            .put_new(&key, &next, Some(mod_revision))
            .map_err(|_| ApiError::conflict(res, name))?;
        self.trace("update", res, ns, name);
        Ok(stored)
    }

    /// Deletes an object with the default options (background propagation, the pod's own
    /// grace period) and returns what it was.
    pub fn delete(
        &mut self,
        res: &Resource,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        self.delete_with(res, ns, name, &DeleteOptions::default())
    }

    /// Deletes an object the way the API server does:
    /// - pods bound to a node get a graceful deletion: `deletionTimestamp` (now + grace) and
    ///   `deletionGracePeriodSeconds` are set and the kubelet finishes the job (a pod on a dead
    ///   node stays `Terminating`); unbound or finished pods, and grace 0, go at once;
    /// - objects with finalizers (or when `Foreground`/`Orphan` adds one) only get a
    ///   `deletionTimestamp`; whoever owns the finalizer removes it and the object goes;
    /// - namespaces turn `Terminating`; the namespace controller empties and removes them.
    ///
    /// Returns the object as it was deleted or as it now is (terminating).
    pub fn delete_with(
        &mut self,
        res: &Resource,
        ns: Option<&str>,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        if !super::etcd::has_quorum(self.cluster) {
            return Err(super::etcd::quorum_error());
        }
        let key = res.storage_key(ns, name);
        let Some(current) = self.store().get(&key).cloned() else {
            return Err(ApiError::not_found(res, name));
        };
        let mut obj = (*current.value).clone();
        let stamp = self.now.rfc3339();
        if res.kind == "Namespace" {
            if IMMORTAL_NAMESPACES.contains(&name) {
                return Err(ApiError::forbidden(
                    res,
                    name,
                    "this namespace may not be deleted",
                ));
            }
            if meta::is_terminating(&obj) {
                return Ok(obj);
            }
            let m = obj.path_mut_or_insert(&["metadata"]);
            m.set("deletionTimestamp", stamp.as_str());
            m.set("deletionGracePeriodSeconds", 0i64);
            obj.path_mut_or_insert(&["status"])
                .set("phase", "Terminating");
            return self.finish_write(res, ns, name, &key, obj, current.mod_revision);
        }
        if res.kind == "Pod" {
            let mut grace = opts.grace_period_s.unwrap_or_else(|| {
                meta::int_at(&obj, &["spec", "terminationGracePeriodSeconds"]).unwrap_or(30)
            });
            if meta::node_name(&obj).is_none() || meta::pod_is_finished(&obj) {
                grace = 0;
            }
            grace = grace.max(0);
            if let Some(existing) = meta::int_at(&obj, &["metadata", "deletionGracePeriodSeconds"])
            {
                if grace >= existing {
                    return Ok(obj);
                }
            }
            bump_generation_on_first_deletion(&mut obj);
            let m = obj.path_mut_or_insert(&["metadata"]);
            m.set(
                "deletionTimestamp",
                self.now
                    .plus_ms((grace as u64).saturating_mul(1000))
                    .rfc3339(),
            );
            m.set("deletionGracePeriodSeconds", grace);
            if grace > 0 {
                self.add_propagation_finalizer(&mut obj, opts.propagation);
                return self.finish_write(res, ns, name, &key, obj, current.mod_revision);
            }
        }
        let already = meta::is_terminating(&obj) && res.kind != "Pod";
        self.add_propagation_finalizer(&mut obj, opts.propagation);
        if !meta::finalizers(&obj).is_empty() {
            if already && *current.value == obj {
                return Ok(obj);
            }
            if !meta::is_terminating(&obj) || res.kind != "Pod" {
                bump_generation_on_first_deletion(&mut obj);
                let m = obj.path_mut_or_insert(&["metadata"]);
                if m.get("deletionTimestamp").is_none() {
                    m.set("deletionTimestamp", stamp.as_str());
                    m.set("deletionGracePeriodSeconds", 0i64);
                }
            }
            let next_rev = self.cluster.store.revision() + 1;
            obj.path_mut_or_insert(&["metadata"])
                .set("resourceVersion", next_rev.to_string());
            self.put_new(&key, &obj, Some(current.mod_revision))
                .map_err(|_| ApiError::conflict(res, name))?;
            self.trace("update", res, ns, name);
            return Ok(obj);
        }
        let gone = self.cluster.store.delete(&key, None)?;
        self.trace("delete", res, ns, name);
        gone.map(|kv| (*kv.value).clone())
            .ok_or_else(|| ApiError::not_found(res, name))
    }

    fn add_propagation_finalizer(&self, obj: &mut Value, p: Propagation) {
        let f = match p {
            Propagation::Background => return,
            Propagation::Foreground => FOREGROUND_FINALIZER,
            Propagation::Orphan => ORPHAN_FINALIZER,
        };
        let mut list = meta::finalizers(obj);
        if !list.iter().any(|x| x == f) {
            list.push(f.to_string());
            meta::set_finalizers(obj, &list);
        }
    }
}

/// Makes the object's `spec` map shared ([`super::value::Map::shared`]): a copy of the
/// object then shares its spec (one reference count) until the copy changes it. Every object
/// is stored this way, so that a status write or an Event count copies the metadata and
/// nothing of the spec, and the revisions etcd retains share their spec. Only the top of the
/// spec: sharing every map would cost a reference-count header per map (~0.8 KB a pod),
/// more than the copies it saves. Sharing never shows in behaviour.
fn share_spec(obj: &mut Value) {
    if let Some(Value::Map(spec)) = obj.get_mut("spec") {
        if !spec.is_shared() {
            *spec = std::mem::take(spec).shared();
        }
    }
}

/// `obj` without its `status` (the copy a status write starts from: the old status is
/// replaced, so copying it would be wasted).
fn without_status(obj: &Value) -> Value {
    match obj {
        Value::Map(m) => {
            let mut next = super::value::Map::new();
            for (k, v) in m.iter().filter(|(k, _)| *k != "status") {
                next.insert_str(k, v.clone());
            }
            Value::Map(next)
        }
        other => other.clone(),
    }
}

/// A DaemonSet's template generation: apps/v1 keeps the internal `spec.templateGeneration` in
/// the `deprecated.daemonset.template.generation` annotation; the strategy sets 1 on create
/// and adds 1 whenever the pod template changes (pods get it as `pod-template-generation`).
pub const TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

pub fn template_generation(ds: &Value) -> i64 {
    meta::annotation(ds, TEMPLATE_GENERATION)
        .and_then(|g| g.parse().ok())
        .unwrap_or(1)
}

fn set_template_generation(ds: &mut Value, g: i64) {
    meta::set_annotation(ds, TEMPLATE_GENERATION, &g.to_string());
}

/// The first time an object gets a `deletionTimestamp` its `metadata.generation` (when it has
/// one) moves by 1: upstream's `rest.BeforeDelete` does it for a graceful deletion (pods) and
/// the registry's `markAsDeleting` for one that waits on finalizers, so that the object's
/// controllers see a new generation. Shortening a pending graceful deletion does not.
fn bump_generation_on_first_deletion(obj: &mut Value) {
    if meta::is_terminating(obj) {
        return;
    }
    if let Some(g) = meta::int_at(obj, &["metadata", "generation"]).filter(|g| *g > 0) {
        obj.path_mut_or_insert(&["metadata"])
            .set("generation", g + 1);
    }
}

/// Kinds whose `metadata.generation` tracks spec changes (everything with a spec and a status
/// subresource, except the few upstream leaves without it).
fn has_generation(kind: &str) -> bool {
    // Leases: `leaseStrategy` sets no generation (kubelet and leader-election Leases show none).
    !matches!(kind, "Node" | "Service" | "Namespace" | "Lease")
}

#[cfg(test)]
#[path = "apiserver_writes_tests.rs"]
mod writes_tests;
