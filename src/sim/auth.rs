//! Who is calling the API server, and may they? Authentication (client certificates signed
//! by the cluster's CA, bearer tokens) and a minimal RBAC authorizer.
//!
//! Certificates here are *fake but consistent*: a PEM whose DER bytes start like a real one
//! (`MII...` once base64-encoded) and then carry a readable payload,
//! `kubesim-x509;issuer=<ca id>;cn=<user>;o=<group,group>;sig=<hash>`. The signature is a
//! hash of the issuer and subject, so a certificate "verifies" against exactly one cluster CA,
//! and a key "matches" a certificate when their signatures agree. Each cluster has its own
//! [`ClusterAuth`] (CA id and known tokens) kept in `Cluster::auth`.
//!
//! Authorization follows RBAC: `system:masters` is a superuser group (as in Kubernetes);
//! RoleBindings/ClusterRoleBindings stored in the cluster grant the rules of the Roles and
//! ClusterRoles they name; the default ClusterRoles (`cluster-admin`, `admin`, `edit`,
//! `view`) and kubeadm's `kubeadm:cluster-admins` binding are built in when not stored.
//!
//! ```
//! use kubesim::sim::{auth, World, presets::Preset};
//! let w = World::new(1, Preset::Kind);
//! let c = &w.clusters["kind-kind"];
//! let (cert, key) = auth::issue_client_cert(c, "jane", &["dev"]);
//! let user = auth::authenticate(c, &auth::Credential::ClientCert { cert, key }).unwrap();
//! assert_eq!(user.name, "jane");
//! assert!(!auth::can_i(c, &user, "list", "pods", "", Some("default"), None));
//! ```

use super::api::{self, resource_for_kind};
use super::value::Value;
use super::world::Cluster;
use std::collections::BTreeMap;

/// The identity a request runs as (`user.Info` in Kubernetes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    pub fn new(name: &str, groups: &[&str]) -> Self {
        UserInfo {
            name: name.to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }
}

/// What a cluster's API server trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterAuth {
    /// Identifies the cluster CA. Empty means "the cluster's name"; tools that recreate a
    /// cluster set a new one so old kubeconfigs fail with x509 errors, as in real life.
    pub ca_id: String,
    /// Bearer tokens the API server accepts (static tokens, service-account tokens, cloud
    /// exec-plugin tokens), in a sorted map.
    pub tokens: BTreeMap<String, UserInfo>,
}

/// Credentials kubectl presents (from the kubeconfig user entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// PEM texts (already read from files or decoded from `-data`).
    ClientCert {
        cert: String,
        key: String,
    },
    Token(String),
    Basic {
        username: String,
        password: String,
    },
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The server's certificate does not chain to the CA kubectl was given.
    #[error("tls: failed to verify certificate: x509: certificate signed by unknown authority")]
    UnknownAuthority,
    /// 401 from the API server.
    #[error("Unauthorized")]
    Unauthorized,
    /// The client key does not belong to the client certificate (kubectl refuses to start).
    #[error("tls: private key does not match public key")]
    KeyMismatch,
}

fn ca_id(cluster: &Cluster) -> String {
    if cluster.auth.ca_id.is_empty() {
        cluster.name.clone()
    } else {
        cluster.auth.ca_id.clone()
    }
}

/// FNV-1a, hex: the fake signature.
fn sig(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Wraps a payload into PEM, with DER-looking leading bytes.
fn pem(label: &str, payload: &str) -> String {
    let len = payload.len().min(0xffff);
    let mut der = vec![0x30u8, 0x82, (len >> 8) as u8, (len & 0xff) as u8];
    der.extend_from_slice(payload.as_bytes());
    let b64 = base64_encode(&der);
    let body = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
}

/// The payload of a PEM made by [`pem`] (`None` for anything else).
fn pem_payload(text: &str) -> Option<String> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    let der = base64_decode(body.trim())?;
    let payload = der.get(4..)?;
    let s = String::from_utf8(payload.to_vec()).ok()?;
    s.starts_with("kubesim-").then_some(s)
}

fn field<'a>(payload: &'a str, key: &str) -> Option<&'a str> {
    payload
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The cluster's CA certificate (`/etc/kubernetes/pki/ca.crt`), as PEM.
pub fn ca_pem(cluster: &Cluster) -> String {
    let id = ca_id(cluster);
    pem(
        "CERTIFICATE",
        &format!("kubesim-x509;ca;cn=kubernetes;id={id};sig={}", sig(&[&id])),
    )
}

/// A client certificate and key for `cn` in groups `o`, signed by the cluster's CA
/// (what `kubeadm kubeconfig user` or a CSR approval would give).
pub fn issue_client_cert(cluster: &Cluster, cn: &str, o: &[&str]) -> (String, String) {
    let id = ca_id(cluster);
    let groups = o.join(",");
    let s = sig(&[&id, cn, &groups]);
    let cert = pem(
        "CERTIFICATE",
        &format!("kubesim-x509;issuer={id};cn={cn};o={groups};sig={s}"),
    );
    let key = pem("RSA PRIVATE KEY", &format!("kubesim-key;cn={cn};sig={s}"));
    (cert, key)
}

/// Registers a bearer token the API server will accept.
pub fn add_token(cluster: &mut Cluster, token: &str, user: UserInfo) {
    cluster.auth.tokens.insert(token.to_string(), user);
}

/// Checks the CA kubectl was given (PEM text, if any) against the server's certificate.
pub fn verify_server(cluster: &Cluster, ca: Option<&str>, insecure: bool) -> Result<(), AuthError> {
    if insecure {
        return Ok(());
    }
    let payload = ca
        .and_then(pem_payload)
        .ok_or(AuthError::UnknownAuthority)?;
    if field(&payload, "id") == Some(ca_id(cluster).as_str()) {
        Ok(())
    } else {
        Err(AuthError::UnknownAuthority)
    }
}

/// Who the credentials identify, or 401. Anonymous requests are `system:anonymous`.
pub fn authenticate(cluster: &Cluster, cred: &Credential) -> Result<UserInfo, AuthError> {
    match cred {
        Credential::Anonymous => Ok(UserInfo::new(
            "system:anonymous",
            &["system:unauthenticated"],
        )),
        Credential::Token(t) => {
            let mut u = cluster
                .auth
                .tokens
                .get(t.trim())
                .cloned()
                .ok_or(AuthError::Unauthorized)?;
            u.groups.push("system:authenticated".into());
            Ok(u)
        }
        // Basic auth was removed from kube-apiserver in 1.19.
        Credential::Basic { .. } => Err(AuthError::Unauthorized),
        Credential::ClientCert { cert, key } => {
            let payload = pem_payload(cert).ok_or(AuthError::Unauthorized)?;
            let key_payload = pem_payload(key).ok_or(AuthError::KeyMismatch)?;
            if field(&payload, "sig") != field(&key_payload, "sig") {
                return Err(AuthError::KeyMismatch);
            }
            let id = ca_id(cluster);
            let issuer = field(&payload, "issuer").unwrap_or("");
            let cn = field(&payload, "cn").unwrap_or("");
            let o = field(&payload, "o").unwrap_or("");
            if issuer != id || field(&payload, "sig") != Some(sig(&[&id, cn, o]).as_str()) {
                return Err(AuthError::Unauthorized);
            }
            let mut groups: Vec<String> = o
                .split(',')
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect();
            groups.push("system:authenticated".into());
            Ok(UserInfo {
                name: cn.to_string(),
                groups,
            })
        }
    }
}

/// The subject (CN) and groups (O) a certificate PEM carries, for display (`openssl x509`).
pub fn cert_subject(cert_pem: &str) -> Option<(String, Vec<String>)> {
    let p = pem_payload(cert_pem)?;
    let cn = field(&p, "cn")?.to_string();
    let o = field(&p, "o")
        .unwrap_or("")
        .split(',')
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    Some((cn, o))
}

/// One RBAC rule (`rules[]` of a Role or ClusterRole).
#[derive(Debug, Clone)]
struct Rule {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    resource_names: Vec<String>,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn rules_of(role: &Value) -> Vec<Rule> {
    role.get("rules")
        .and_then(Value::as_seq)
        .map(|rs| {
            rs.iter()
                .map(|r| Rule {
                    api_groups: strs(r.get("apiGroups")),
                    resources: strs(r.get("resources")),
                    verbs: strs(r.get("verbs")),
                    resource_names: strs(r.get("resourceNames")),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Rule {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    Rule {
        api_groups: v(groups),
        resources: v(resources),
        verbs: v(verbs),
        resource_names: Vec::new(),
    }
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// The default ClusterRoles, for clusters whose store does not hold them.
fn builtin_cluster_role(name: &str) -> Option<Vec<Rule>> {
    let workloads: &[&str] = &[
        "pods",
        "pods/log",
        "pods/exec",
        "services",
        "endpoints",
        "configmaps",
        "persistentvolumeclaims",
        "replicationcontrollers",
        "serviceaccounts",
        "events",
        "deployments",
        "deployments/scale",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "ingresses",
        "networkpolicies",
        "horizontalpodautoscalers",
        "leases",
        "endpointslices",
    ];
    let groups: &[&str] = &[
        "",
        "apps",
        "batch",
        "networking.k8s.io",
        "autoscaling",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "policy",
    ];
    Some(match name {
        "cluster-admin" => vec![rule(&["*"], &["*"], &["*"])],
        "view" => vec![rule(groups, workloads, READ)],
        "edit" => vec![
            rule(groups, workloads, WRITE),
            rule(&[""], &["secrets"], WRITE),
        ],
        "admin" => vec![
            rule(groups, workloads, WRITE),
            rule(&[""], &["secrets"], WRITE),
            rule(
                &["rbac.authorization.k8s.io"],
                &["roles", "rolebindings"],
                WRITE,
            ),
        ],
        _ => return None,
    })
}

fn rule_allows(r: &Rule, verb: &str, resource: &str, group: &str, name: Option<&str>) -> bool {
    let any = |xs: &[String], x: &str| xs.iter().any(|v| v == "*" || v == x);
    any(&r.verbs, verb)
        && any(&r.api_groups, group)
        && any(&r.resources, resource)
        && (r.resource_names.is_empty()
            || name.is_some_and(|n| r.resource_names.iter().any(|x| x == n)))
}

fn subject_matches(subject: &Value, user: &UserInfo, binding_ns: Option<&str>) -> bool {
    let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = subject.get("name").and_then(Value::as_str).unwrap_or("");
    match kind {
        "User" => name == user.name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .or(binding_ns)
                .unwrap_or("");
            user.name == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn stored(cluster: &Cluster, kind: &str, ns: Option<&str>) -> Vec<Value> {
    let Some(res) = resource_for_kind(kind) else {
        return Vec::new();
    };
    cluster
        .store
        .range(&res.storage_prefix(ns))
        .map(|kv| (*kv.value).clone())
        .collect()
}

fn role_rules(cluster: &Cluster, role_ref: Option<&Value>, ns: Option<&str>) -> Vec<Rule> {
    let Some(r) = role_ref else { return Vec::new() };
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = r.get("name").and_then(Value::as_str).unwrap_or("");
    let (res_kind, lookup_ns) = match kind {
        "Role" => ("Role", ns),
        _ => ("ClusterRole", None),
    };
    let found = resource_for_kind(res_kind).and_then(|res| {
        cluster
            .store
            .get(&res.storage_key(lookup_ns, name))
            .map(|kv| rules_of(&kv.value))
    });
    match found {
        Some(rules) => rules,
        None if res_kind == "ClusterRole" => builtin_cluster_role(name).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// May `user` do `verb` on `resource` (plural, with subresource: `pods/log`) of API `group`
/// in `namespace` (None: cluster scope), optionally a named object? (`kubectl auth can-i`).
pub fn can_i(
    cluster: &Cluster,
    user: &UserInfo,
    verb: &str,
    resource: &str,
    group: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> bool {
    if user.groups.iter().any(|g| g == "system:masters") {
        return true;
    }
    // kubeadm ≥ 1.29 binds this group to cluster-admin at init.
    let has_kubeadm_binding = resource_for_kind("ClusterRoleBinding").is_some_and(|res| {
        cluster
            .store
            .get(&res.storage_key(None, "kubeadm:cluster-admins"))
            .is_some()
    });
    if !has_kubeadm_binding && user.groups.iter().any(|g| g == "kubeadm:cluster-admins") {
        return true;
    }
    let allows = |rules: &[Rule]| {
        rules
            .iter()
            .any(|r| rule_allows(r, verb, resource, group, name))
    };
    for b in stored(cluster, "ClusterRoleBinding", None) {
        let subjects = b.get("subjects").and_then(Value::as_seq);
        if subjects.is_some_and(|s| s.iter().any(|s| subject_matches(s, user, None)))
            && allows(&role_rules(cluster, b.get("roleRef"), None))
        {
            return true;
        }
    }
    if let Some(ns) = namespace {
        for b in stored(cluster, "RoleBinding", Some(ns)) {
            let subjects = b.get("subjects").and_then(Value::as_seq);
            if subjects.is_some_and(|s| s.iter().any(|s| subject_matches(s, user, Some(ns))))
                && allows(&role_rules(cluster, b.get("roleRef"), Some(ns)))
            {
                return true;
            }
        }
    }
    false
}

/// The API server's 403 message (kubectl prefixes `Error from server (Forbidden): `).
pub fn forbidden_message(
    user: &UserInfo,
    verb: &str,
    resource: &str,
    group: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> String {
    let (res, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (resource, None),
    };
    let qualified = if group.is_empty() {
        res.to_string()
    } else {
        format!("{res}.{group}")
    };
    let what = match name {
        Some(n) => format!("{qualified} \"{n}\""),
        None => qualified,
    };
    let res_text = match sub {
        Some(s) => format!("resource \"{res}/{s}\""),
        None => format!("resource \"{res}\""),
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    format!(
        "{what} is forbidden: User \"{}\" cannot {verb} {res_text} in API group \"{group}\" {scope}",
        user.name
    )
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64 (padding optional); `None` on invalid input.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Objects a binding grants, for `kubectl auth can-i --list`-like summaries (unused names).
pub fn role_names(cluster: &Cluster) -> Vec<String> {
    stored(cluster, "ClusterRole", None)
        .iter()
        .map(|r| api::name_of(r).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{presets::Preset, World};

    fn kv(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::map();
        for (k, x) in pairs {
            v.set(*k, x.clone());
        }
        v
    }

    #[test]
    fn base64_round_trips() {
        for s in ["", "h", "hi", "hi!", "kubesim"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hi"), "aGk=");
        assert!(base64_decode("a*b").is_none());
    }

    #[test]
    fn certificates_verify_against_their_own_ca_only() {
        let w = World::new(1, Preset::Kind);
        let c = &w.clusters["kind-kind"];
        let (cert, key) = issue_client_cert(c, "kubernetes-admin", &["kubeadm:cluster-admins"]);
        assert!(cert.starts_with("-----BEGIN CERTIFICATE-----\nMII"));
        let user = authenticate(
            c,
            &Credential::ClientCert {
                cert: cert.clone(),
                key: key.clone(),
            },
        )
        .unwrap();
        assert_eq!(user.name, "kubernetes-admin");
        assert!(can_i(c, &user, "delete", "nodes", "", None, None));
        assert_eq!(verify_server(c, Some(&ca_pem(c)), false), Ok(()));
        assert_eq!(
            verify_server(c, None, false),
            Err(AuthError::UnknownAuthority)
        );
        assert_eq!(verify_server(c, None, true), Ok(()));
        let mut other = c.clone();
        other.auth.ca_id = "other".into();
        assert_eq!(
            verify_server(&other, Some(&ca_pem(c)), false),
            Err(AuthError::UnknownAuthority)
        );
        assert_eq!(
            authenticate(
                &other,
                &Credential::ClientCert {
                    cert: cert.clone(),
                    key
                }
            ),
            Err(AuthError::Unauthorized)
        );
        let (_, wrong_key) = issue_client_cert(c, "jane", &[]);
        assert_eq!(
            authenticate(
                c,
                &Credential::ClientCert {
                    cert,
                    key: wrong_key
                }
            ),
            Err(AuthError::KeyMismatch)
        );
        assert_eq!(
            authenticate(c, &Credential::Token("nope".into())),
            Err(AuthError::Unauthorized)
        );
    }

    #[test]
    fn rbac_role_binding_grants_in_its_namespace_only() {
        let mut w = World::new(1, Preset::Kind);
        let jane = UserInfo::new("jane", &["system:authenticated"]);
        {
            let mut api = w.api("kind-kind", "test").unwrap();
            let role = kv(&[
                (
                    "metadata",
                    kv(&[
                        ("name", "pod-reader".into()),
                        ("namespace", "default".into()),
                    ]),
                ),
                (
                    "rules",
                    Value::Seq(
                        vec![kv(&[
                            ("apiGroups", Value::Seq(vec!["".into()].into())),
                            ("resources", Value::Seq(vec!["pods".into()].into())),
                            (
                                "verbs",
                                Value::Seq(vec!["get".into(), "list".into()].into()),
                            ),
                        ])]
                        .into(),
                    ),
                ),
            ]);
            api.create(resource_for_kind("Role").unwrap(), role)
                .unwrap();
            let binding = kv(&[
                (
                    "metadata",
                    kv(&[
                        ("name", "jane-reads".into()),
                        ("namespace", "default".into()),
                    ]),
                ),
                (
                    "roleRef",
                    kv(&[
                        ("kind", "Role".into()),
                        ("name", "pod-reader".into()),
                        ("apiGroup", "rbac.authorization.k8s.io".into()),
                    ]),
                ),
                (
                    "subjects",
                    Value::Seq(
                        vec![kv(&[("kind", "User".into()), ("name", "jane".into())])].into(),
                    ),
                ),
            ]);
            api.create(resource_for_kind("RoleBinding").unwrap(), binding)
                .unwrap();
        }
        let c = &w.clusters["kind-kind"];
        assert!(can_i(c, &jane, "list", "pods", "", Some("default"), None));
        assert!(!can_i(
            c,
            &jane,
            "delete",
            "pods",
            "",
            Some("default"),
            None
        ));
        assert!(!can_i(
            c,
            &jane,
            "list",
            "pods",
            "",
            Some("kube-system"),
            None
        ));
        assert!(!can_i(
            c,
            &jane,
            "list",
            "deployments",
            "apps",
            Some("default"),
            None
        ));
        assert_eq!(
            forbidden_message(&jane, "list", "pods", "", Some("kube-system"), None),
            "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"kube-system\""
        );
        assert_eq!(
            forbidden_message(&jane, "get", "nodes", "", None, Some("n1")),
            "nodes \"n1\" is forbidden: User \"jane\" cannot get resource \"nodes\" in API group \"\" at the cluster scope"
        );
    }
}
