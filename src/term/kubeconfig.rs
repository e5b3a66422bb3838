//! kubeconfig files: the real schema (`clientcmd/api/v1`), parsing, merging like `KUBECONFIG`,
//! and writing back to the file each entry came from.
//!
//! Start with [`Kubeconfig::from_yaml`] (kube-rs style) and [`load`], which reads
//! `--kubeconfig`, else every file of `$KUBECONFIG` (`:`-separated, merged by kubectl's rules:
//! the first file to define a cluster/context/user name wins; `current-context` comes from the
//! first file that sets one), else `~/.kube/config`. [`Loaded::save`] writes a modified config
//! back the way `clientcmd.ModifyConfig` does: changed entries to the file that defined them,
//! new ones to the default file, `current-context` to the first file that had one.
//!
//! Output: [`Kubeconfig::to_yaml`] prints like `kubectl config view` (keys sorted, empty lists
//! as `null`, `preferences: {}`); [`Kubeconfig::to_json`] keeps Go's struct field order.
//!
//! ```
//! use kubesim::term::kubeconfig::Kubeconfig;
//! let kc = Kubeconfig::from_yaml("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: abc}\n").unwrap();
//! assert_eq!(kc.current_context.as_deref(), Some("x"));
//! assert_eq!(kc.cluster("c").map(|c| c.server.as_str()), Some("https://10.0.0.1:6443"));
//! ```

use crate::sim::value::{yaml, Map, Value};
use crate::sort::SortSmall;
use crate::term::fs::{self, Fs};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeconfigError {
    /// The YAML itself does not parse (text like `yaml: line 3: could not find expected ':'`).
    #[error("{0}")]
    Yaml(String),
    /// A field has the wrong shape, worded like Go's json decoder.
    #[error("json: cannot unmarshal {found} into Go struct field {field} of type {want}")]
    Shape {
        found: &'static str,
        field: String,
        want: &'static str,
    },
}

/// `clusters[].cluster`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cluster {
    pub server: String,
    pub tls_server_name: Option<String>,
    pub insecure_skip_tls_verify: bool,
    pub certificate_authority: Option<String>,
    pub certificate_authority_data: Option<String>,
    pub proxy_url: Option<String>,
    pub disable_compression: bool,
    pub extensions: Option<Value>,
}

/// `users[].user.exec`: a credential plugin (`gke-gcloud-auth-plugin`, `aws eks get-token`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecConfig {
    pub command: String,
    pub args: Option<Vec<String>>,
    pub env: Option<Value>,
    pub api_version: Option<String>,
    pub install_hint: Option<String>,
    pub provide_cluster_info: bool,
    pub interactive_mode: Option<String>,
}

/// `users[].user`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthInfo {
    pub client_certificate: Option<String>,
    pub client_certificate_data: Option<String>,
    pub client_key: Option<String>,
    pub client_key_data: Option<String>,
    pub token: Option<String>,
    pub token_file: Option<String>,
    pub impersonate: Option<String>,
    pub impersonate_groups: Option<Vec<String>>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub auth_provider: Option<Value>,
    pub exec: Option<ExecConfig>,
    pub extensions: Option<Value>,
}

/// `contexts[].context`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
    pub extensions: Option<Value>,
}

/// A whole kubeconfig file. Lists keep file order (kubectl prints them sorted by name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kubeconfig {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub preferences: Option<Value>,
    pub clusters: Vec<(String, Cluster)>,
    pub users: Vec<(String, AuthInfo)>,
    pub contexts: Vec<(String, Context)>,
    pub current_context: Option<String>,
    pub extensions: Option<Value>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

fn shape(v: &Value, field: &str, want: &'static str) -> KubeconfigError {
    KubeconfigError::Shape {
        found: type_name(v),
        field: field.to_string(),
        want,
    }
}

/// A string field; YAML scalars like `8443` or `true` are accepted as text like yaml→json does
/// not (but a student's `server: 10.0.0.1` must not crash anything).
fn opt_str(m: &Map, key: &str, field: &str) -> Result<Option<String>, KubeconfigError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.to_string())),
        Some(v) => Err(shape(v, field, "string")),
    }
}

fn opt_bool(m: &Map, key: &str, field: &str) -> Result<bool, KubeconfigError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(shape(v, field, "bool")),
    }
}

fn opt_strs(m: &Map, key: &str, field: &str) -> Result<Option<Vec<String>>, KubeconfigError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Seq(items)) => items
            .iter()
            .map(|i| match i {
                Value::Str(s) => Ok(s.to_string()),
                other => Err(shape(other, field, "string")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(v) => Err(shape(v, field, "[]string")),
    }
}

fn as_map<'a>(
    v: &'a Value,
    field: &str,
    want: &'static str,
) -> Result<Option<&'a Map>, KubeconfigError> {
    match v {
        Value::Null => Ok(None),
        Value::Map(m) => Ok(Some(m)),
        other => Err(shape(other, field, want)),
    }
}

/// `[{name: x, <inner>: {...}}]` lists.
fn named<T>(
    root: &Map,
    list: &str,
    inner: &str,
    go_field: &str,
    go_type: &'static str,
    parse: impl Fn(&Map) -> Result<T, KubeconfigError>,
) -> Result<Vec<(String, T)>, KubeconfigError> {
    let items = match root.get(list) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Seq(items)) => items,
        Some(v) => return Err(shape(v, &format!("Config.{list}"), go_type)),
    };
    let mut out = Vec::new();
    for item in items {
        let Some(m) = as_map(item, &format!("Config.{list}"), go_type)? else {
            continue;
        };
        let name = opt_str(m, "name", &format!("{go_field}.name"))?.unwrap_or_default();
        let body = match m.get(inner) {
            None => None,
            Some(v) => as_map(v, &format!("{go_field}.{inner}"), "object")?,
        };
        let empty = Map::new();
        out.push((name, parse(body.unwrap_or(&empty))?));
    }
    Ok(out)
}

impl Kubeconfig {
    /// Parses kubeconfig YAML (or JSON) text.
    pub fn from_yaml(text: &str) -> Result<Kubeconfig, KubeconfigError> {
        let v = yaml::parse(text).map_err(|e| KubeconfigError::Yaml(e.to_string()))?;
        Kubeconfig::from_value(&v)
    }

    /// Reads the typed config out of a parsed document (an empty file is an empty config).
    pub fn from_value(v: &Value) -> Result<Kubeconfig, KubeconfigError> {
        let empty = Map::new();
        let root = as_map(v, "Config", "v1.Config")?.unwrap_or(&empty);
        let clusters = named(
            root,
            "clusters",
            "cluster",
            "NamedCluster",
            "[]v1.NamedCluster",
            |m| {
                Ok(Cluster {
                    server: opt_str(m, "server", "Cluster.server")?.unwrap_or_default(),
                    tls_server_name: opt_str(m, "tls-server-name", "Cluster.tls-server-name")?,
                    insecure_skip_tls_verify: opt_bool(
                        m,
                        "insecure-skip-tls-verify",
                        "Cluster.insecure-skip-tls-verify",
                    )?,
                    certificate_authority: opt_str(
                        m,
                        "certificate-authority",
                        "Cluster.certificate-authority",
                    )?,
                    certificate_authority_data: opt_str(
                        m,
                        "certificate-authority-data",
                        "Cluster.certificate-authority-data",
                    )?,
                    proxy_url: opt_str(m, "proxy-url", "Cluster.proxy-url")?,
                    disable_compression: opt_bool(
                        m,
                        "disable-compression",
                        "Cluster.disable-compression",
                    )?,
                    extensions: m
                        .get("extensions")
                        .filter(|v| !matches!(v, Value::Null))
                        .cloned(),
                })
            },
        )?;
        let users = named(
            root,
            "users",
            "user",
            "NamedAuthInfo",
            "[]v1.NamedAuthInfo",
            |m| {
                let exec = match m.get("exec") {
                    None | Some(Value::Null) => None,
                    Some(v) => {
                        let e = as_map(v, "AuthInfo.exec", "v1.ExecConfig")?.unwrap_or(&empty);
                        Some(ExecConfig {
                            command: opt_str(e, "command", "ExecConfig.command")?
                                .unwrap_or_default(),
                            args: opt_strs(e, "args", "ExecConfig.args")?,
                            env: e.get("env").filter(|v| !matches!(v, Value::Null)).cloned(),
                            api_version: opt_str(e, "apiVersion", "ExecConfig.apiVersion")?,
                            install_hint: opt_str(e, "installHint", "ExecConfig.installHint")?,
                            provide_cluster_info: opt_bool(
                                e,
                                "provideClusterInfo",
                                "ExecConfig.provideClusterInfo",
                            )?,
                            interactive_mode: opt_str(
                                e,
                                "interactiveMode",
                                "ExecConfig.interactiveMode",
                            )?,
                        })
                    }
                };
                Ok(AuthInfo {
                    client_certificate: opt_str(
                        m,
                        "client-certificate",
                        "AuthInfo.client-certificate",
                    )?,
                    client_certificate_data: opt_str(
                        m,
                        "client-certificate-data",
                        "AuthInfo.client-certificate-data",
                    )?,
                    client_key: opt_str(m, "client-key", "AuthInfo.client-key")?,
                    client_key_data: opt_str(m, "client-key-data", "AuthInfo.client-key-data")?,
                    token: opt_str(m, "token", "AuthInfo.token")?,
                    token_file: opt_str(m, "tokenFile", "AuthInfo.tokenFile")?,
                    impersonate: opt_str(m, "as", "AuthInfo.as")?,
                    impersonate_groups: opt_strs(m, "as-groups", "AuthInfo.as-groups")?,
                    username: opt_str(m, "username", "AuthInfo.username")?,
                    password: opt_str(m, "password", "AuthInfo.password")?,
                    auth_provider: m
                        .get("auth-provider")
                        .filter(|v| !matches!(v, Value::Null))
                        .cloned(),
                    exec,
                    extensions: m
                        .get("extensions")
                        .filter(|v| !matches!(v, Value::Null))
                        .cloned(),
                })
            },
        )?;
        let contexts = named(
            root,
            "contexts",
            "context",
            "NamedContext",
            "[]v1.NamedContext",
            |m| {
                Ok(Context {
                    cluster: opt_str(m, "cluster", "Context.cluster")?.unwrap_or_default(),
                    user: opt_str(m, "user", "Context.user")?.unwrap_or_default(),
                    namespace: opt_str(m, "namespace", "Context.namespace")?,
                    extensions: m
                        .get("extensions")
                        .filter(|v| !matches!(v, Value::Null))
                        .cloned(),
                })
            },
        )?;
        Ok(Kubeconfig {
            api_version: opt_str(root, "apiVersion", "Config.apiVersion")?,
            kind: opt_str(root, "kind", "Config.kind")?,
            preferences: root
                .get("preferences")
                .filter(|v| !matches!(v, Value::Null))
                .cloned(),
            clusters,
            users,
            contexts,
            current_context: opt_str(root, "current-context", "Config.current-context")?
                .filter(|s| !s.is_empty()),
            extensions: root
                .get("extensions")
                .filter(|v| !matches!(v, Value::Null))
                .cloned(),
        })
    }

    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
    pub fn user(&self, name: &str) -> Option<&AuthInfo> {
        self.users.iter().find(|(n, _)| n == name).map(|(_, u)| u)
    }
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
    pub fn cluster_mut(&mut self, name: &str) -> Option<&mut Cluster> {
        self.clusters
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
    pub fn user_mut(&mut self, name: &str) -> Option<&mut AuthInfo> {
        self.users
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u)
    }
    pub fn context_mut(&mut self, name: &str) -> Option<&mut Context> {
        self.contexts
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }
    /// Inserts or replaces a cluster entry (what `set-cluster` and the tools do).
    pub fn set_cluster(&mut self, name: &str, c: Cluster) {
        match self.cluster_mut(name) {
            Some(slot) => *slot = c,
            None => self.clusters.push((name.to_string(), c)),
        }
    }
    pub fn set_user(&mut self, name: &str, u: AuthInfo) {
        match self.user_mut(name) {
            Some(slot) => *slot = u,
            None => self.users.push((name.to_string(), u)),
        }
    }
    pub fn set_context(&mut self, name: &str, c: Context) {
        match self.context_mut(name) {
            Some(slot) => *slot = c,
            None => self.contexts.push((name.to_string(), c)),
        }
    }
    /// Removes a cluster, its user and every context naming them (`kind delete cluster`).
    pub fn remove_all(&mut self, cluster: &str, user: &str, context: &str) {
        self.clusters.retain(|(n, _)| n != cluster);
        self.users.retain(|(n, _)| n != user);
        self.contexts.retain(|(n, _)| n != context);
        if self.current_context.as_deref() == Some(context) {
            self.current_context = None;
        }
    }

    /// The document as kubectl writes it: the fields of `clientcmd/api/v1`, with kubectl's
    /// `omitempty` rules (so `server`, `clusters` and `current-context` always appear).
    pub fn to_value(&self) -> Value {
        self.doc().to_value()
    }

    /// `kubectl config view` YAML (keys sorted, like sigs.k8s.io/yaml).
    pub fn to_yaml(&self) -> String {
        yaml::to_yaml(&self.to_value())
    }

    /// `kubectl config view -o json`: Go field order, 4-space indent.
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.doc().write_json(&mut s, 0);
        s.push('\n');
        s
    }

    /// kubectl's `ShortenConfig`: `DATA+OMITTED` for certificate and key data, `REDACTED` for
    /// tokens (what `config view` shows without `--raw`).
    pub fn redacted(&self) -> Kubeconfig {
        let mut kc = self.clone();
        for (_, c) in &mut kc.clusters {
            if c.certificate_authority_data
                .as_deref()
                .is_some_and(|d| !d.is_empty())
            {
                c.certificate_authority_data = Some("DATA+OMITTED".into());
            }
        }
        for (_, u) in &mut kc.users {
            for d in [&mut u.client_certificate_data, &mut u.client_key_data] {
                if d.as_deref().is_some_and(|d| !d.is_empty()) {
                    *d = Some("DATA+OMITTED".into());
                }
            }
            if u.token.as_deref().is_some_and(|d| !d.is_empty()) {
                u.token = Some("REDACTED".into());
            }
        }
        kc
    }

    /// kubectl's `MinifyConfig`: only the current context and what it names.
    pub fn minified(&self, context_override: Option<&str>) -> Result<Kubeconfig, String> {
        let name = context_override
            .map(str::to_string)
            .or_else(|| self.current_context.clone())
            .ok_or_else(|| "current-context must exist in order to minify".to_string())?;
        let ctx = self
            .context(&name)
            .ok_or_else(|| format!("cannot locate context {name}"))?
            .clone();
        let mut kc = Kubeconfig {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            preferences: self.preferences.clone(),
            current_context: Some(name.clone()),
            extensions: self.extensions.clone(),
            ..Kubeconfig::default()
        };
        if !ctx.cluster.is_empty() {
            let c = self
                .cluster(&ctx.cluster)
                .ok_or_else(|| format!("cannot locate cluster {}", ctx.cluster))?;
            kc.clusters.push((ctx.cluster.clone(), c.clone()));
        }
        if !ctx.user.is_empty() {
            let u = self
                .user(&ctx.user)
                .ok_or_else(|| format!("cannot locate user {}", ctx.user))?;
            kc.users.push((ctx.user.clone(), u.clone()));
        }
        kc.contexts.push((name, ctx));
        Ok(kc)
    }

    fn doc(&self) -> Doc {
        use Doc::*;
        let s = |v: &str| Str(v.to_string());
        let opt = |fields: &mut Vec<(&'static str, Doc)>, k: &'static str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                fields.push((k, Str(v.clone())));
            }
        };
        let raw = |fields: &mut Vec<(&'static str, Doc)>, k: &'static str, v: &Option<Value>| {
            if let Some(v) = v {
                fields.push((k, Raw(v.clone())));
            }
        };
        let mut sorted_clusters: Vec<&(String, Cluster)> = self.clusters.iter().collect();
        sorted_clusters.sort_small_by(|a, b| a.0.cmp(&b.0));
        let clusters: Vec<Doc> = sorted_clusters
            .iter()
            .map(|(name, c)| {
                let mut f = vec![("server", s(&c.server))];
                opt(&mut f, "tls-server-name", &c.tls_server_name);
                if c.insecure_skip_tls_verify {
                    f.push(("insecure-skip-tls-verify", Bool(true)));
                }
                opt(&mut f, "certificate-authority", &c.certificate_authority);
                opt(
                    &mut f,
                    "certificate-authority-data",
                    &c.certificate_authority_data,
                );
                opt(&mut f, "proxy-url", &c.proxy_url);
                if c.disable_compression {
                    f.push(("disable-compression", Bool(true)));
                }
                raw(&mut f, "extensions", &c.extensions);
                Obj(vec![("name", s(name)), ("cluster", Obj(f))])
            })
            .collect();
        let mut sorted_users: Vec<&(String, AuthInfo)> = self.users.iter().collect();
        sorted_users.sort_small_by(|a, b| a.0.cmp(&b.0));
        let users: Vec<Doc> = sorted_users
            .iter()
            .map(|(name, u)| {
                let mut f = Vec::new();
                opt(&mut f, "client-certificate", &u.client_certificate);
                opt(
                    &mut f,
                    "client-certificate-data",
                    &u.client_certificate_data,
                );
                opt(&mut f, "client-key", &u.client_key);
                opt(&mut f, "client-key-data", &u.client_key_data);
                opt(&mut f, "token", &u.token);
                opt(&mut f, "tokenFile", &u.token_file);
                opt(&mut f, "as", &u.impersonate);
                if let Some(g) = &u.impersonate_groups {
                    f.push(("as-groups", Arr(g.iter().map(|x| s(x)).collect())));
                }
                opt(&mut f, "username", &u.username);
                opt(&mut f, "password", &u.password);
                raw(&mut f, "auth-provider", &u.auth_provider);
                if let Some(e) = &u.exec {
                    let mut ef = vec![
                        ("command", s(&e.command)),
                        (
                            "args",
                            e.args
                                .as_ref()
                                .map_or(Null, |a| Arr(a.iter().map(|x| s(x)).collect())),
                        ),
                        ("env", e.env.clone().map_or(Null, Raw)),
                    ];
                    opt(&mut ef, "apiVersion", &e.api_version);
                    opt(&mut ef, "installHint", &e.install_hint);
                    ef.push(("provideClusterInfo", Bool(e.provide_cluster_info)));
                    opt(&mut ef, "interactiveMode", &e.interactive_mode);
                    f.push(("exec", Obj(ef)));
                }
                raw(&mut f, "extensions", &u.extensions);
                Obj(vec![("name", s(name)), ("user", Obj(f))])
            })
            .collect();
        let mut sorted_contexts: Vec<&(String, Context)> = self.contexts.iter().collect();
        sorted_contexts.sort_small_by(|a, b| a.0.cmp(&b.0));
        let contexts: Vec<Doc> = sorted_contexts
            .iter()
            .map(|(name, c)| {
                let mut f = vec![("cluster", s(&c.cluster)), ("user", s(&c.user))];
                opt(&mut f, "namespace", &c.namespace);
                raw(&mut f, "extensions", &c.extensions);
                Obj(vec![("name", s(name)), ("context", Obj(f))])
            })
            .collect();
        let list = |v: Vec<Doc>| if v.is_empty() { Null } else { Arr(v) };
        let mut root = Vec::new();
        root.push(("kind", s(self.kind.as_deref().unwrap_or("Config"))));
        root.push(("apiVersion", s(self.api_version.as_deref().unwrap_or("v1"))));
        root.push((
            "preferences",
            self.preferences.clone().map_or(Obj(Vec::new()), Raw),
        ));
        root.push(("clusters", list(clusters)));
        root.push(("users", list(users)));
        root.push(("contexts", list(contexts)));
        root.push((
            "current-context",
            s(self.current_context.as_deref().unwrap_or("")),
        ));
        raw(&mut root, "extensions", &self.extensions);
        Obj(root)
    }
}

/// An ordered document (Go struct field order) for JSON; YAML goes through [`Value`] (sorted).
#[derive(Debug, Clone)]
enum Doc {
    Null,
    Bool(bool),
    Str(String),
    Arr(Vec<Doc>),
    Obj(Vec<(&'static str, Doc)>),
    Raw(Value),
}

impl Doc {
    fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Str(s) => Value::from(s.as_str()),
            Doc::Arr(items) => Value::Seq(items.iter().map(Doc::to_value).collect()),
            Doc::Obj(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert(k.to_string(), v.to_value());
                }
                Value::Map(m)
            }
            Doc::Raw(v) => v.clone(),
        }
    }
    fn write_json(&self, out: &mut String, indent: usize) {
        let pad = |n: usize| " ".repeat(n);
        match self {
            Doc::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Doc::Obj(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&pad(indent + 4));
                    out.push_str(&json_string(k));
                    out.push_str(": ");
                    v.write_json(out, indent + 4);
                    if i + 1 < fields.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
            Doc::Arr(items) if items.is_empty() => out.push_str("[]"),
            Doc::Arr(items) => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 4));
                    v.write_json(out, indent + 4);
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Doc::Null => out.push_str("null"),
            Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Doc::Str(s) => out.push_str(&json_string(s)),
            Doc::Raw(v) => {
                // Re-indent the codec's pretty JSON to our depth.
                let text = crate::sim::value::json::to_json_pretty(v);
                let text = text.trim_end();
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        out.push('\n');
                        out.push_str(&pad(indent));
                    }
                    out.push_str(line);
                }
            }
        }
    }
}

/// Go's `json.Marshal` string escaping (including its HTML-safe `\u003c` forms).
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Which file each entry came from, for writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Cluster,
    User,
    Context,
}

/// The merged view of every kubeconfig file kubectl reads, and where each entry came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub merged: Kubeconfig,
    /// Each file read, in precedence order, with its own parsed content.
    pub files: Vec<(String, Kubeconfig)>,
    /// `--kubeconfig` (or a single `$KUBECONFIG` entry): everything goes there.
    pub explicit: Option<String>,
    /// Where new entries are written (`clientcmd.PathOptions.GetDefaultFilename`).
    pub default_file: String,
}

/// The files kubectl would read, in order: `--kubeconfig`, else `$KUBECONFIG` entries
/// (empty ones dropped, duplicates removed), else `~/.kube/config`.
pub fn paths(
    explicit: Option<&str>,
    env_var: Option<&str>,
    home: &str,
    cwd: &str,
) -> (Vec<String>, bool) {
    if let Some(p) = explicit {
        return (vec![Fs::resolve(cwd, p)], true);
    }
    if let Some(list) = env_var.filter(|l| !l.is_empty()) {
        let mut out: Vec<String> = Vec::new();
        for p in list.split(':').filter(|p| !p.is_empty()) {
            let p = Fs::resolve(cwd, p);
            if !out.contains(&p) {
                out.push(p);
            }
        }
        if !out.is_empty() {
            return (out, false);
        }
    }
    (vec![format!("{home}/.kube/config")], false)
}

/// A failed load, worded like kubectl (`error loading config file "...": ...`).
pub fn load_error(path: &str, e: &KubeconfigError) -> String {
    format!("error loading config file \"{path}\": {e}")
}

/// Reads and merges the kubeconfig files from `fs` (see [`paths`]).
pub fn load(
    fs: &Fs,
    explicit: Option<&str>,
    env_var: Option<&str>,
    home: &str,
    cwd: &str,
) -> Result<Loaded, String> {
    let (files, is_explicit) = paths(explicit, env_var, home, cwd);
    let mut loaded = Loaded::default();
    if is_explicit {
        let p = files.first().cloned().unwrap_or_default();
        if !fs.is_file(&p) {
            return Err(format!(
                "stat {}: no such file or directory",
                explicit.unwrap_or(&p)
            ));
        }
        loaded.explicit = Some(p);
    } else if files.len() == 1 {
        loaded.explicit = None;
    }
    for p in &files {
        let Some(text) = fs.read(p) else { continue };
        let kc = Kubeconfig::from_yaml(text).map_err(|e| load_error(p, &e))?;
        loaded.files.push((p.clone(), kc));
    }
    loaded.default_file = match (&loaded.explicit, files.len()) {
        (Some(p), _) => p.clone(),
        (None, 1) => files.first().cloned().unwrap_or_default(),
        _ => files
            .iter()
            .find(|p| fs.is_file(p))
            .or(files.last())
            .cloned()
            .unwrap_or_default(),
    };
    let mut merged = Kubeconfig::default();
    for (_, kc) in &loaded.files {
        for (n, c) in &kc.clusters {
            if merged.cluster(n).is_none() {
                merged.clusters.push((n.clone(), c.clone()));
            }
        }
        for (n, u) in &kc.users {
            if merged.user(n).is_none() {
                merged.users.push((n.clone(), u.clone()));
            }
        }
        for (n, c) in &kc.contexts {
            if merged.context(n).is_none() {
                merged.contexts.push((n.clone(), c.clone()));
            }
        }
        if merged.current_context.is_none() {
            merged.current_context = kc.current_context.clone();
        }
        if merged.preferences.is_none() {
            merged.preferences = kc.preferences.clone();
        }
    }
    loaded.merged = merged;
    Ok(loaded)
}

impl Loaded {
    fn origin(&self, section: Section, name: &str) -> Option<usize> {
        self.files.iter().position(|(_, kc)| match section {
            Section::Cluster => kc.cluster(name).is_some(),
            Section::User => kc.user(name).is_some(),
            Section::Context => kc.context(name).is_some(),
        })
    }

    /// The path messages name (`deleted context x from /home/student/.kube/config`).
    pub fn config_file(&self) -> &str {
        &self.default_file
    }

    /// Writes `new` (a modified copy of `self.merged`) back like `clientcmd.ModifyConfig`.
    pub fn save(&self, fs: &mut Fs, new: &Kubeconfig) {
        let mut files: Vec<(String, Kubeconfig)> = self.files.clone();
        let default_idx = match files.iter().position(|(p, _)| *p == self.default_file) {
            Some(i) => i,
            None => {
                files.push((
                    self.default_file.clone(),
                    Kubeconfig {
                        api_version: Some("v1".into()),
                        kind: Some("Config".into()),
                        ..Kubeconfig::default()
                    },
                ));
                files.len() - 1
            }
        };
        let mut dirty = vec![false; files.len()];
        dirty[default_idx] = !fs.is_file(&self.default_file);
        macro_rules! sync {
            ($section:expr, $list:ident, $get:ident) => {{
                // Changed or deleted entries, in the file that defined them.
                for (name, old) in &self.merged.$list {
                    let idx = self.origin($section, name).unwrap_or(default_idx);
                    let Some((_, kc)) = files.get_mut(idx) else {
                        continue;
                    };
                    match new.$get(name) {
                        Some(v) if v != old => {
                            if let Some(slot) = kc.$list.iter_mut().find(|(n, _)| n == name) {
                                slot.1 = v.clone();
                                dirty[idx] = true;
                            }
                        }
                        Some(_) => {}
                        None => {
                            kc.$list.retain(|(n, _)| n != name);
                            dirty[idx] = true;
                        }
                    }
                }
                // New entries go to the default file.
                for (name, v) in &new.$list {
                    if self.merged.$get(name).is_none() {
                        if let Some((_, kc)) = files.get_mut(default_idx) {
                            kc.$list.push((name.clone(), v.clone()));
                            dirty[default_idx] = true;
                        }
                    }
                }
            }};
        }
        sync!(Section::Cluster, clusters, cluster);
        sync!(Section::User, users, user);
        sync!(Section::Context, contexts, context);
        if new.current_context != self.merged.current_context {
            let idx = if self.explicit.is_some() {
                default_idx
            } else {
                files
                    .iter()
                    .position(|(_, kc)| kc.current_context.is_some())
                    .unwrap_or(default_idx)
            };
            if let Some((_, kc)) = files.get_mut(idx) {
                kc.current_context = new.current_context.clone();
                dirty[idx] = true;
            }
        }
        if new.preferences != self.merged.preferences {
            if let Some((_, kc)) = files.get_mut(default_idx) {
                kc.preferences = new.preferences.clone();
                dirty[default_idx] = true;
            }
        }
        for ((path, kc), d) in files.iter().zip(dirty) {
            if d {
                fs.write(path, kc.to_yaml());
            }
        }
    }
}

/// Reads a file a kubeconfig names (relative to the kubeconfig's directory, as kubectl does).
pub fn read_ref(fs: &Fs, kubeconfig_path: &str, path: &str) -> Option<String> {
    let base = fs::parent_of(kubeconfig_path);
    fs.read(&Fs::resolve(&base, path)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the course material (cours-types-de-clusters.md), as is.
    pub const COURSE_EXAMPLE: &str = "apiVersion: v1

clusters:
- cluster:
    certificate-authority: /home/jacky/.minikube/ca.crt
    server: https://172.17.0.2:8443
  name: minikube
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURKekNDQWcrZ0F3SUJBZ0lDQm5Vd0RRWUpLb1pJaHZjTkFRRUxCUUF3TXpFVk1CTUdBMVVFQ2hNTVJHbG4KYVhSaGJFOWpaV0Z1TVJvd0dBWURWUVFERXhGck9<clipped>3SCsxYmtGOHcxdWI5eHYyemdXU1F3NTdtdz09Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://5ba26bee-00f1-4088-ae11-22b6dd058c6e.k8s.ondigitalocean.com
  name: do-lon1-k8s-tp-cluster

contexts:
- context:
    cluster: minikube
    user: minikube
  name: minikube
- context:
    cluster: do-lon1-k8s-tp-cluster
    user: do-lon1-k8s-tp-cluster-admin
  name: do-lon1-k8s-tp-cluster
current-context: do-lon1-k8s-tp-cluster

kind: Config
preferences: {}

users:
- name: do-lon1-k8s-tp-cluster-admin
  user:
      token: 8b2d33e45b980c8642105ec827f41ad343e8185f6b4526a481e312822d634aa4
- name: minikube
  user:
    client-certificate: /home/jacky/.minikube/profiles/minikube/client.crt
    client-key: /home/jacky/.minikube/profiles/minikube/client.key
";

    #[test]
    fn the_course_example_parses_as_is() {
        let kc = Kubeconfig::from_yaml(COURSE_EXAMPLE).unwrap();
        assert_eq!(kc.clusters.len(), 2);
        assert_eq!(kc.contexts.len(), 2);
        assert_eq!(kc.users.len(), 2);
        assert_eq!(
            kc.current_context.as_deref(),
            Some("do-lon1-k8s-tp-cluster")
        );
        assert_eq!(
            kc.user("do-lon1-k8s-tp-cluster-admin")
                .and_then(|u| u.token.as_deref()),
            Some("8b2d33e45b980c8642105ec827f41ad343e8185f6b4526a481e312822d634aa4")
        );
        assert_eq!(
            kc.cluster("minikube")
                .and_then(|c| c.certificate_authority.as_deref()),
            Some("/home/jacky/.minikube/ca.crt")
        );
        assert_eq!(
            kc.user("minikube").and_then(|u| u.client_key.as_deref()),
            Some("/home/jacky/.minikube/profiles/minikube/client.key")
        );
        // Round trip through our own output.
        assert_eq!(Kubeconfig::from_yaml(&kc.to_yaml()).unwrap(), {
            let mut k = kc.clone();
            k.kind = Some("Config".into());
            k.api_version = Some("v1".into());
            k.preferences = Some(Value::Map(Map::new()));
            k.clusters.sort_by(|a, b| a.0.cmp(&b.0));
            k.users.sort_by(|a, b| a.0.cmp(&b.0));
            k.contexts.sort_by(|a, b| a.0.cmp(&b.0));
            k
        });
    }

    #[test]
    fn view_yaml_and_json_like_kubectl() {
        let kc = Kubeconfig::from_yaml(COURSE_EXAMPLE)
            .unwrap()
            .minified(Some("minikube"))
            .unwrap();
        assert_eq!(
            kc.redacted().to_yaml(),
            "apiVersion: v1
clusters:
- cluster:
    certificate-authority: /home/jacky/.minikube/ca.crt
    server: https://172.17.0.2:8443
  name: minikube
contexts:
- context:
    cluster: minikube
    user: minikube
  name: minikube
current-context: minikube
kind: Config
preferences: {}
users:
- name: minikube
  user:
    client-certificate: /home/jacky/.minikube/profiles/minikube/client.crt
    client-key: /home/jacky/.minikube/profiles/minikube/client.key
"
        );
        let full = Kubeconfig::from_yaml(COURSE_EXAMPLE).unwrap().redacted();
        let y = full.to_yaml();
        assert!(
            y.contains("    certificate-authority-data: DATA+OMITTED\n"),
            "{y}"
        );
        assert!(y.contains("    token: REDACTED\n"), "{y}");
        let j = Kubeconfig::default().to_json();
        assert_eq!(
            j,
            "{\n    \"kind\": \"Config\",\n    \"apiVersion\": \"v1\",\n    \"preferences\": {},\n    \"clusters\": null,\n    \"users\": null,\n    \"contexts\": null,\n    \"current-context\": \"\"\n}\n"
        );
        assert_eq!(
            Kubeconfig::default().to_yaml(),
            "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
        );
    }

    #[test]
    fn shape_errors_are_errors_not_panics() {
        for text in [
            "clusters: 3",
            "clusters:\n- name: [1]",
            "users:\n- name: u\n  user:\n    token: [a]",
            "current-context: {a: b}",
            "contexts: [1, 2]",
            "users:\n- name: u\n  user:\n    exec: 5",
        ] {
            assert!(Kubeconfig::from_yaml(text).is_err(), "{text}");
        }
        assert!(Kubeconfig::from_yaml("").unwrap().clusters.is_empty());
        assert!(Kubeconfig::from_yaml("a: [").is_err());
    }

    #[test]
    fn merge_and_write_back_like_kubectl() {
        let mut fs = Fs::new();
        fs.write("/h/a", "clusters:\n- name: c1\n  cluster: {server: https://a}\ncontexts:\n- name: x\n  context: {cluster: c1, user: u}\n");
        fs.write("/h/b", "clusters:\n- name: c1\n  cluster: {server: https://b}\n- name: c2\n  cluster: {server: https://b2}\ncurrent-context: x\n");
        let l = load(&fs, None, Some("/h/a:/h/b:/h/missing"), "/h", "/").unwrap();
        // The first file to define a name wins; current-context comes from the first that sets it.
        assert_eq!(
            l.merged.cluster("c1").map(|c| c.server.as_str()),
            Some("https://a")
        );
        assert_eq!(
            l.merged.cluster("c2").map(|c| c.server.as_str()),
            Some("https://b2")
        );
        assert_eq!(l.merged.current_context.as_deref(), Some("x"));
        assert_eq!(l.default_file, "/h/a");
        let mut new = l.merged.clone();
        new.cluster_mut("c2").unwrap().server = "https://changed".into();
        new.set_cluster(
            "c3",
            Cluster {
                server: "https://new".into(),
                ..Cluster::default()
            },
        );
        new.current_context = Some("y".into());
        l.save(&mut fs, &new);
        let a = Kubeconfig::from_yaml(fs.read("/h/a").unwrap()).unwrap();
        let b = Kubeconfig::from_yaml(fs.read("/h/b").unwrap()).unwrap();
        assert!(
            a.cluster("c3").is_some(),
            "new entries go to the default file"
        );
        assert_eq!(
            b.cluster("c2").map(|c| c.server.as_str()),
            Some("https://changed")
        );
        assert_eq!(
            b.cluster("c1").map(|c| c.server.as_str()),
            Some("https://b"),
            "shadowed entry untouched"
        );
        assert_eq!(b.current_context.as_deref(), Some("y"));
        assert_eq!(a.current_context, None);
        assert!(load(&fs, Some("nope"), None, "/h", "/h")
            .unwrap_err()
            .contains("stat nope: no such file or directory"));
        fs.write("/h/bad", "clusters: [");
        assert!(load(&fs, Some("/h/bad"), None, "/h", "/")
            .unwrap_err()
            .starts_with("error loading config file \"/h/bad\": yaml:"));
    }

    #[test]
    fn fuzz_arbitrary_text_never_panics() {
        // A deterministic generator over kubeconfig-ish fragments.
        let pieces = [
            "clusters:",
            "- ",
            "name: ",
            "cluster:",
            "  ",
            "server: ",
            "\n",
            "users:",
            "user:",
            "token: ",
            "exec:",
            "args:",
            "[",
            "]",
            "{",
            "}",
            ":",
            "'",
            "\"",
            "-",
            "#",
            "null",
            "true",
            "12",
            "contexts:",
            "context:",
            "current-context: ",
            "\t",
            "|",
            ">",
            "&a",
            "*a",
            "!!str",
            "---",
            "?",
            ",",
            "preferences:",
            "extensions:",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut text = String::new();
            let n = (seed % 40) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            if let Ok(kc) = Kubeconfig::from_yaml(&text) {
                let _ = kc.to_yaml();
                let _ = kc.to_json();
                let _ = kc.minified(None);
            }
        }
    }
}
