//! `kubectl config` (view, get-contexts, use-context, set-context, ...) and the connection
//! logic every kubectl verb goes through: which kubeconfig, which context, which simulated
//! cluster answers at the server address, with which identity.
//!
//! Start with [`connect`]: it resolves `--kubeconfig`/`$KUBECONFIG`/`~/.kube/config`,
//! `--context`/`--cluster`/`--user`, finds the [`crate::sim::World`] cluster serving that
//! address, verifies the CA and authenticates the user ([`crate::sim::auth`]). Failures come
//! back as the exact kubectl output (the `memcache.go` "Unhandled Error" lines, then
//! `The connection to the server ... was refused`, the x509 message, `You must be logged in`).
//! [`authorize`] turns an RBAC denial into `Error from server (Forbidden): ...`.
//!
//! ```
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let mut t = Terminal::new(World::new(1, Preset::Kind));
//! assert_eq!(t.run("kubectl config current-context").stdout(), "kind-kind\n");
//! assert_eq!(t.run("kubectl config use-context nope").stderr(), "error: no context exists with the name: \"nope\"\n");
//! ```

use super::printers::Table;
use crate::sim::auth::{self, AuthError, Credential, UserInfo};
use crate::sort::SortSmall;
use crate::term::kubeconfig::{self, AuthInfo, Cluster, Context, Kubeconfig, Loaded};
use crate::term::{Output, Terminal};

/// The connection flags kubectl accepts on every verb.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnFlags {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub server: Option<String>,
    pub token: Option<String>,
    pub insecure_skip_tls_verify: bool,
}

impl ConnFlags {
    /// Builds the flags from a lookup by long flag name (`"context"` → `Some("kind-kind")`),
    /// so any flag parser can hand them over.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        ConnFlags {
            kubeconfig: get("kubeconfig"),
            context: get("context"),
            cluster: get("cluster"),
            user: get("user"),
            namespace: get("namespace"),
            server: get("server"),
            token: get("token"),
            insecure_skip_tls_verify: get("insecure-skip-tls-verify").is_some_and(|v| v != "false"),
        }
    }
}

/// A working connection: the simulated cluster, the namespace to use and who we are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    /// The key of the cluster in `World::clusters`.
    pub cluster: String,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
    pub user: UserInfo,
    /// `host:port` of the server (for messages).
    pub host: String,
}

impl Terminal {
    /// The connection kubectl makes with the global flags `flag` returns (looked up by long
    /// name: `context`, `cluster`, `user`, `kubeconfig`, `namespace`, `server`, `token`), or
    /// the exact output kubectl prints when it cannot connect. Verbs then check RBAC with
    /// [`authorize`] before each request.
    pub fn kubectl_connection(
        &self,
        flag: impl Fn(&str) -> Option<String>,
    ) -> Result<Conn, Output> {
        connect(self, &ConnFlags::from_lookup(flag))
    }
}

/// Loads the kubeconfig the way kubectl would from this shell.
pub fn load(term: &Terminal, explicit: Option<&str>) -> Result<Loaded, String> {
    let home = term
        .env
        .get("HOME")
        .cloned()
        .unwrap_or_else(|| crate::term::fs::HOME.to_string());
    kubeconfig::load(
        term.cur_fs(),
        explicit,
        term.env.get("KUBECONFIG").map(String::as_str),
        &home,
        &term.cwd,
    )
}

/// `E1125 09:00:00.000000    2311 memcache.go:265] "Unhandled Error" err="..."` lines, as
/// kubectl's discovery client logs them before giving up (five attempts).
fn memcache_lines(term: &Terminal, err: &str) -> String {
    let now = term.world.now();
    let rfc = now.rfc3339();
    let (mm, dd) = (
        rfc.get(5..7).unwrap_or("01"),
        rfc.get(8..10).unwrap_or("05"),
    );
    let hms = rfc.get(11..19).unwrap_or("09:00:00");
    let base_us = (now.as_ms() % 1000) * 1000 + 412_305;
    let escaped = err.replace('\\', "\\\\").replace('"', "\\\"");
    (0..5u64)
        .map(|i| {
            let us = (base_us + i * 17_519) % 1_000_000;
            format!(
                "E{mm}{dd} {hms}.{us:06}    2311 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: {escaped}\"\n"
            )
        })
        .collect()
}

/// Splits `https://host:port/path` into (scheme, host, port).
fn split_server(server: &str) -> (String, String, String) {
    let (scheme, rest) = match server.split_once("://") {
        Some((s, r)) => (s.to_string(), r),
        None => ("http".to_string(), server),
    };
    let hostport = rest.split('/').next().unwrap_or("");
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (h.to_string(), p.to_string())
        }
        _ => (
            hostport.to_string(),
            if scheme == "https" { "443" } else { "80" }.to_string(),
        ),
    };
    (scheme, host, port)
}

fn is_ip(host: &str) -> bool {
    host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok())
}

/// Private and loopback addresses refuse connections; others time out (nothing routes there).
fn refuses(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    let o: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
    matches!(o.as_slice(), [127, ..] | [10, ..] | [192, 168, ..])
        || matches!(o.as_slice(), [172, b, ..] if (16..32).contains(b))
}

/// Which simulated cluster answers at `server` (its advertised URL, or any control-plane
/// node's address on port 6443).
pub fn cluster_at(term: &Terminal, server: &str) -> Option<String> {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    let want = norm(server);
    for (name, c) in &term.world.clusters {
        if norm(&c.server) == want {
            return Some(name.clone());
        }
    }
    let (_, host, port) = split_server(server);
    if port != "6443" {
        return None;
    }
    // `https://127.0.0.1:6443` on a control-plane machine is that machine's own API server.
    if host == "127.0.0.1" || host == "localhost" {
        let m = term
            .host
            .as_ref()
            .and_then(|h| term.tools.machines.get(h))?;
        return (m.role == Some(crate::sim::presets::Role::ControlPlane))
            .then(|| m.cluster.clone())
            .flatten();
    }
    term.tools
        .node_addresses
        .iter()
        .find(|(h, _)| *h == host)
        .map(|(_, cluster)| cluster.clone())
}

/// Output for a server that does not answer.
fn unreachable(term: &Terminal, server: &str) -> Output {
    let (scheme, host, port) = split_server(server);
    let url = format!("{scheme}://{host}:{port}/api?timeout=32s");
    let url =
        if server.contains("://") && !server.trim_end_matches('/').ends_with(&format!(":{port}")) {
            format!("{}/api?timeout=32s", server.trim_end_matches('/'))
        } else {
            url
        };
    let addr = format!("{host}:{port}");
    let mut out = Output::default();
    if !is_ip(&host) && host != "localhost" {
        let e = format!("dial tcp: lookup {host} on 127.0.0.53:53: no such host");
        out.err_raw(memcache_lines(term, &format!("Get \"{url}\": {e}")));
        out.err(format!("Unable to connect to the server: {e}"));
    } else if refuses(&host) {
        let shown = if host == "localhost" {
            format!("[::1]:{port}")
        } else {
            addr.clone()
        };
        out.err_raw(memcache_lines(
            term,
            &format!("Get \"{url}\": dial tcp {shown}: connect: connection refused"),
        ));
        out.err(format!(
            "The connection to the server {addr} was refused - did you specify the right host or port?"
        ));
    } else {
        let e = format!("dial tcp {addr}: i/o timeout");
        out.err_raw(memcache_lines(term, &format!("Get \"{url}\": {e}")));
        out.err(format!("Unable to connect to the server: {e}"));
    }
    out.exit_code = 1;
    out
}

fn decode_pem(data: &str) -> Option<String> {
    auth::base64_decode(data.trim()).and_then(|b| String::from_utf8(b).ok())
}

/// Resolves the connection for a kubectl command.
pub fn connect(term: &Terminal, flags: &ConnFlags) -> Result<Conn, Output> {
    let fail = |msg: String| Output::error(msg, 1);
    let loaded =
        load(term, flags.kubeconfig.as_deref()).map_err(|e| fail(format!("error: {e}")))?;
    let kc = &loaded.merged;
    let ctx_name = flags.context.clone().or_else(|| kc.current_context.clone());
    let ctx: Context = match &ctx_name {
        Some(name) => kc.context(name).cloned().ok_or_else(|| {
            fail(format!(
                "Error in configuration: context was not found for specified context: {name}"
            ))
        })?,
        None => Context::default(),
    };
    let cluster_name = flags.cluster.clone().unwrap_or_else(|| ctx.cluster.clone());
    let cluster: Cluster = if cluster_name.is_empty() {
        Cluster::default()
    } else {
        match kc.cluster(&cluster_name) {
            Some(c) => c.clone(),
            None if flags.cluster.is_some() => {
                return Err(fail(format!(
                    "error: no server found for cluster \"{cluster_name}\""
                )))
            }
            None => {
                return Err(fail(
                    "Error in configuration: cluster has no server defined".to_string(),
                ))
            }
        }
    };
    let user_name = flags.user.clone().unwrap_or_else(|| ctx.user.clone());
    let user: AuthInfo = if user_name.is_empty() {
        AuthInfo::default()
    } else {
        match kc.user(&user_name) {
            Some(u) => u.clone(),
            None if flags.user.is_some() => {
                return Err(fail(format!(
                    "error: auth info \"{user_name}\" does not exist"
                )))
            }
            None => AuthInfo::default(),
        }
    };
    let server = flags
        .server
        .clone()
        .unwrap_or_else(|| cluster.server.clone());
    let namespace = flags
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| ctx.namespace.clone().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "default".to_string());
    // Which file a relative path in the kubeconfig is relative to.
    let origin = loaded
        .files
        .iter()
        .find(|(_, f)| f.cluster(&cluster_name).is_some())
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| loaded.default_file.clone());
    let user_origin = loaded
        .files
        .iter()
        .find(|(_, f)| f.user(&user_name).is_some())
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| loaded.default_file.clone());
    let fs = term.cur_fs();
    // Like clientcmd's ConfirmUsable: files the kubeconfig names must exist before dialing.
    let mut invalid = Vec::new();
    let missing = |base: &str, p: &str| -> Option<String> {
        if kubeconfig::read_ref(fs, base, p).is_some() {
            return None;
        }
        Some(crate::term::fs::Fs::resolve(
            &crate::term::fs::parent_of(base),
            p,
        ))
    };
    for (path, data, what) in [
        (
            &user.client_certificate,
            &user.client_certificate_data,
            "client-cert",
        ),
        (&user.client_key, &user.client_key_data, "client-key"),
    ] {
        if let (Some(p), None) = (path, data) {
            if let Some(abs) = missing(&user_origin, p) {
                invalid.push(format!("unable to read {what} {abs} for {user_name} due to open {abs}: no such file or directory"));
            }
        }
    }
    if let (Some(p), None) = (
        &cluster.certificate_authority,
        &cluster.certificate_authority_data,
    ) {
        if let Some(abs) = missing(&origin, p) {
            invalid.push(format!("unable to read certificate-authority {abs} for {cluster_name} due to open {abs}: no such file or directory"));
        }
    }
    match invalid.as_slice() {
        [] => {}
        [one] => return Err(fail(format!("Error in configuration: {one}"))),
        many => {
            return Err(fail(format!(
                "Error in configuration: \n{}",
                many.iter()
                    .map(|e| format!("* {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )))
        }
    }
    if server.is_empty() {
        return Err(unreachable(term, "http://localhost:8080"));
    }
    let (_, host, port) = split_server(&server);
    let Some(sim_cluster) = cluster_at(term, &server) else {
        return Err(unreachable(term, &server));
    };
    let Some(c) = term.world.clusters.get(&sim_cluster) else {
        return Err(unreachable(term, &server));
    };
    if !c.is_up("kube-apiserver") {
        return Err(unreachable(term, &format!("https://{host}:{port}")));
    }
    let read = |base: &str, p: &str, what: &str| -> Result<String, Output> {
        kubeconfig::read_ref(fs, base, p).ok_or_else(|| {
            let abs = crate::term::fs::Fs::resolve(&crate::term::fs::parent_of(base), p);
            fail(format!(
                "error: unable to read {what} {abs} for {} due to open {abs}: no such file or directory",
                if what.starts_with("certificate-authority") { format!("cluster {cluster_name}") } else { format!("user {user_name}") }
            ))
        })
    };
    if server.starts_with("https://") {
        let ca = match (
            &cluster.certificate_authority_data,
            &cluster.certificate_authority,
        ) {
            (Some(d), _) => decode_pem(d),
            (None, Some(p)) => Some(read(&origin, p, "certificate-authority")?),
            (None, None) => None,
        };
        let insecure = cluster.insecure_skip_tls_verify || flags.insecure_skip_tls_verify;
        if let Err(e) = auth::verify_server(c, ca.as_deref(), insecure) {
            let url = format!("{}/api?timeout=32s", server.trim_end_matches('/'));
            let mut out = Output::default();
            out.err_raw(memcache_lines(term, &format!("Get \"{url}\": {e}")));
            out.err(format!("Unable to connect to the server: {e}"));
            out.exit_code = 1;
            return Err(out);
        }
    }
    let cert = match (&user.client_certificate_data, &user.client_certificate) {
        (Some(d), _) => decode_pem(d),
        (None, Some(p)) => Some(read(&user_origin, p, "client-cert")?),
        _ => None,
    };
    let key = match (&user.client_key_data, &user.client_key) {
        (Some(d), _) => decode_pem(d),
        (None, Some(p)) => Some(read(&user_origin, p, "client-key")?),
        _ => None,
    };
    let token = match (&flags.token, &user.token, &user.token_file) {
        (Some(t), _, _) => Some(t.clone()),
        (None, Some(t), _) => Some(t.clone()),
        (None, None, Some(p)) => Some(read(&user_origin, p, "tokenFile")?),
        _ => None,
    };
    let cred = if let Some(t) = token {
        Credential::Token(t)
    } else if let (Some(cert), Some(key)) = (cert, key) {
        Credential::ClientCert { cert, key }
    } else if let Some(exec) = &user.exec {
        match crate::term::tools::exec_credential(
            term,
            &exec.command,
            exec.args.as_deref().unwrap_or(&[]),
            &sim_cluster,
        ) {
            Ok(t) => Credential::Token(t),
            Err(msg) => {
                let mut out = Output::default();
                let mut msg = msg;
                if let Some(hint) = &exec.install_hint {
                    msg = format!("{msg}\n\n{hint}");
                }
                out.err_raw(memcache_lines(
                    term,
                    &format!(
                        "Get \"{}/api?timeout=32s\": getting credentials: {msg}",
                        server.trim_end_matches('/')
                    ),
                ));
                out.err(format!(
                    "Unable to connect to the server: getting credentials: {msg}"
                ));
                out.exit_code = 1;
                return Err(out);
            }
        }
    } else if let (Some(u), Some(p)) = (&user.username, &user.password) {
        Credential::Basic {
            username: u.clone(),
            password: p.clone(),
        }
    } else {
        Credential::Anonymous
    };
    let user = match auth::authenticate(c, &cred) {
        Ok(u) => u,
        Err(AuthError::KeyMismatch) => {
            return Err(fail(
                "error: tls: private key does not match public key".to_string(),
            ))
        }
        Err(_) => {
            let why = "the server has asked for the client to provide credentials";
            let mut out = Output::default();
            out.err_raw(memcache_lines(term, why));
            out.err(format!(
                "error: You must be logged in to the server ({why})"
            ));
            out.exit_code = 1;
            return Err(out);
        }
    };
    Ok(Conn {
        cluster: sim_cluster,
        namespace,
        user,
        host: format!("{host}:{port}"),
    })
}

/// RBAC check for one request; `Err` is kubectl's Forbidden output.
pub fn authorize(
    term: &Terminal,
    conn: &Conn,
    verb: &str,
    resource: &str,
    group: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<(), Output> {
    let Some(c) = term.world.clusters.get(&conn.cluster) else {
        return Ok(());
    };
    if auth::can_i(c, &conn.user, verb, resource, group, namespace, name) {
        return Ok(());
    }
    Err(Output::error(
        format!(
            "Error from server (Forbidden): {}",
            auth::forbidden_message(&conn.user, verb, resource, group, namespace, name)
        ),
        1,
    ))
}

/// `kubectl auth can-i VERB TYPE[/NAME] [-n NS] [--as USER]` for the kubectl verb table:
/// prints `yes` (exit 0) or `no` (exit 1) like kubectl, using [`auth::can_i`].
/// `--as` impersonates (allowed to admins, as `impersonate` RBAC permits).
pub fn can_i(
    term: &Terminal,
    flags: &ConnFlags,
    verb: &str,
    what: &str,
    impersonate: Option<&str>,
    all_namespaces: bool,
) -> Output {
    let conn = match connect(term, flags) {
        Ok(c) => c,
        Err(out) => return out,
    };
    let Some(c) = term.world.clusters.get(&conn.cluster) else {
        return Output::error("error: the server is gone", 1);
    };
    let (ty, name) = match what.split_once('/') {
        Some((t, n)) => (t, Some(n)),
        None => (what, None),
    };
    // Unknown types are still asked about (kubectl only warns, in `info::can_i`), and
    // cluster-admin's `*` rules allow them.
    let mut o = Output::default();
    let (resource, group, namespaced) = match crate::sim::api::resource_for(ty) {
        Some(r) => (r.plural.to_string(), r.group().to_string(), r.namespaced),
        None if ty == "*" => ("*".to_string(), "*".to_string(), true),
        None => {
            o.err(format!(
                "Warning: the server doesn't have a resource type '{ty}'"
            ));
            (ty.to_string(), String::new(), true)
        }
    };
    let user = match impersonate {
        Some(u) => auth::UserInfo::new(u, &["system:authenticated"]),
        None => conn.user.clone(),
    };
    let ns = (namespaced && !all_namespaces).then_some(conn.namespace.as_str());
    if auth::can_i(c, &user, verb, &resource, &group, ns, name) {
        o.print("yes\n");
    } else {
        o.print("no\n");
        o.exit_code = 1;
    }
    o
}

/// `kubectl auth whoami`: the identity the server sees.
pub fn whoami(term: &Terminal, flags: &ConnFlags) -> Output {
    match connect(term, flags) {
        Ok(conn) => {
            let mut t = Table::new(&["ATTRIBUTE", "VALUE"]);
            t.row(vec!["Username".into(), conn.user.name.clone()]);
            t.row(vec![
                "Groups".into(),
                format!("[{}]", conn.user.groups.join(" ")),
            ]);
            Output::out(t.render())
        }
        Err(out) => out,
    }
}

/// Options for the `config` sub-commands, parsed from the words after `config`.
#[derive(Debug, Default)]
struct Opts {
    positional: Vec<String>,
    values: Vec<(String, String)>,
    switches: Vec<String>,
}

impl Opts {
    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name) || self.value(name).is_some_and(|v| v == "true")
    }
}

/// Flags that take a value (everything else is a switch).
const VALUED: &[&str] = &[
    "kubeconfig",
    "context",
    "cluster",
    "user",
    "namespace",
    "n",
    "output",
    "o",
    "server",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "token",
    "username",
    "password",
    "tls-server-name",
    "proxy-url",
    "exec-command",
    "exec-api-version",
    "exec-arg",
    "exec-env",
    "auth-provider",
    "auth-provider-arg",
    "template",
];

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" {
            o.positional
                .extend(args.get(i..).unwrap_or_default().iter().cloned());
            break;
        }
        let Some(stripped) = a.strip_prefix('-').filter(|_| a.len() > 1) else {
            o.positional.push(a.clone());
            continue;
        };
        let stripped = stripped.strip_prefix('-').unwrap_or(stripped);
        let (name, inline) = match stripped.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (stripped.to_string(), None),
        };
        // `-ojson`, `-nkube-system`
        let (name, inline) = if !a.starts_with("--") && name.len() > 1 && inline.is_none() {
            let (f, v) = name.split_at(1);
            (f.to_string(), Some(v.to_string()))
        } else {
            (name, inline)
        };
        let canonical = match name.as_str() {
            "n" => "namespace".to_string(),
            "o" => "output".to_string(),
            _ => name.clone(),
        };
        if VALUED.contains(&name.as_str()) {
            let v = match inline {
                Some(v) => v,
                None => {
                    let v = args.get(i).cloned().ok_or_else(|| {
                        if a.starts_with("--") {
                            format!("flag needs an argument: --{name}")
                        } else {
                            format!("flag needs an argument: '{name}' in -{name}")
                        }
                    })?;
                    i += 1;
                    v
                }
            };
            o.values.push((canonical, v));
        } else {
            match inline {
                Some(v) => o.values.push((canonical, v)),
                None => o.switches.push(canonical),
            }
        }
    }
    Ok(o)
}

/// The `kubectl config` sub-commands and kubectl's summaries (for help and completion).
pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("current-context", "Display the current-context"),
    (
        "delete-cluster",
        "Delete the specified cluster from the kubeconfig",
    ),
    (
        "delete-context",
        "Delete the specified context from the kubeconfig",
    ),
    (
        "delete-user",
        "Delete the specified user from the kubeconfig",
    ),
    ("get-clusters", "Display clusters defined in the kubeconfig"),
    ("get-contexts", "Describe one or many contexts"),
    ("get-users", "Display users defined in the kubeconfig"),
    (
        "rename-context",
        "Rename a context from the kubeconfig file",
    ),
    ("set", "Set an individual value in a kubeconfig file"),
    ("set-cluster", "Set a cluster entry in kubeconfig"),
    ("set-context", "Set a context entry in kubeconfig"),
    ("set-credentials", "Set a user entry in kubeconfig"),
    ("unset", "Unset an individual value in a kubeconfig file"),
    (
        "use-context",
        "Set the current-context in a kubeconfig file",
    ),
    (
        "view",
        "Display merged kubeconfig settings or a specified kubeconfig file",
    ),
];

fn help() -> String {
    let mut s = String::from(
        "Modify kubeconfig files using subcommands like \"kubectl config set current-context my-context\".\n\n \
         The loading order follows these rules:\n\n  \
         1.  If the --kubeconfig flag is set, then only that file is loaded. The flag may only be set once and no merging takes place.\n  \
         2.  If $KUBECONFIG environment variable is set, then it is used as a list of paths (normal path delimiting rules for your system). These paths are merged. When a value is modified, it is modified in the file that defines the stanza. When a value is created, it is created in the first file that exists. If no files in the chain exist, then it creates the last file in the list.\n  \
         3.  Otherwise, ${HOME}/.kube/config is used and no merging takes place.\n\nAvailable Commands:\n",
    );
    for (n, d) in SUBCOMMANDS {
        s.push_str(&format!("  {n:<17} {d}\n"));
    }
    s.push_str("\nUsage:\n  kubectl config SUBCOMMAND [options]\n\nUse \"kubectl config <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n");
    s
}

/// `config delete-context|delete-cluster|delete-user NAME`: kubectl's messages
/// (`deleted cluster x from FILE`, `cannot delete cluster x, not in FILE`); no NAME does nothing.
fn delete_named<T>(
    entries: &mut Vec<(String, T)>,
    what: &str,
    name: Option<&String>,
    file: &str,
) -> Result<(Output, bool), String> {
    let Some(name) = name else {
        return Ok((Output::default(), false));
    };
    if !entries.iter().any(|(n, _)| n == name) {
        return Err(format!("cannot delete {what} {name}, not in {file}"));
    }
    entries.retain(|(n, _)| n != name);
    Ok((
        Output::out(format!("deleted {what} {name} from {file}\n")),
        true,
    ))
}

/// Runs `kubectl config <args>` (`args` start after `config`; global flags may be anywhere).
pub fn run(term: &mut Terminal, args: &[String]) -> Output {
    let o = match parse_opts(args) {
        Ok(o) => o,
        Err(e) => {
            return Output::error(
                format!("error: {e}\nSee 'kubectl config -h' for help and examples"),
                1,
            )
        }
    };
    let Some((sub, rest)) = o.positional.split_first() else {
        return Output::out(help());
    };
    if o.on("help") || o.on("h") {
        return Output::out(help());
    }
    let sub = match sub.as_str() {
        "use" => "use-context",
        s => s,
    };
    let known = SUBCOMMANDS.iter().any(|(n, _)| *n == sub);
    if !known {
        return Output::error(
            format!("error: unknown command \"{sub}\" for \"kubectl config\"\n\nDid you mean this?\n{}See 'kubectl config -h' for help and examples",
                SUBCOMMANDS.iter().filter(|(n, _)| n.starts_with(&sub.chars().take(3).collect::<String>())).map(|(n, _)| format!("\t{n}\n")).collect::<String>()),
            1,
        );
    }
    let loaded = match load(term, o.value("kubeconfig")) {
        Ok(l) => l,
        Err(e) => return Output::error(format!("error: {e}"), 1),
    };
    let rest: Vec<String> = rest.to_vec();
    let mut kc = loaded.merged.clone();
    let file = loaded.config_file().to_string();
    let result: Result<(Output, bool), String> = match sub {
        "view" => view(term, &loaded, &o).map(|out| (out, false)),
        "current-context" => match &kc.current_context {
            Some(c) => Ok((Output::out(format!("{c}\n")), false)),
            None => Err("current-context is not set".into()),
        },
        "get-contexts" => get_contexts(&kc, &rest, &o).map(|out| (out, false)),
        "get-clusters" => {
            let mut names: Vec<&str> = kc.clusters.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_small();
            Ok((
                Output::out(format!(
                    "NAME\n{}",
                    names.iter().map(|n| format!("{n}\n")).collect::<String>()
                )),
                false,
            ))
        }
        "get-users" => {
            let mut names: Vec<&str> = kc.users.iter().map(|(n, _)| n.as_str()).collect();
            names.sort_small();
            Ok((
                Output::out(format!(
                    "NAME\n{}",
                    names.iter().map(|n| format!("{n}\n")).collect::<String>()
                )),
                false,
            ))
        }
        "use-context" => match rest.first() {
            None => Err(
                "Unexpected args: []\nSee 'kubectl config use-context -h' for help and examples"
                    .into(),
            ),
            Some(name) if name.is_empty() => Err("empty context names are not allowed".into()),
            Some(name) if kc.context(name).is_none() => {
                Err(format!("no context exists with the name: \"{name}\""))
            }
            Some(name) => {
                kc.current_context = Some(name.clone());
                Ok((
                    Output::out(format!("Switched to context \"{name}\".\n")),
                    true,
                ))
            }
        },
        "set-context" => set_context(&mut kc, &rest, &o),
        "set-cluster" => set_cluster(term, &mut kc, &rest, &o),
        "set-credentials" => set_credentials(term, &mut kc, &rest, &o),
        "delete-context" => {
            let active = rest
                .first()
                .is_some_and(|n| kc.current_context.as_deref() == Some(n.as_str()));
            delete_named(&mut kc.contexts, "context", rest.first(), &file).map(
                |(out, changed)| {
                    if !(active && changed) {
                        return (out, changed);
                    }
                    let mut warned = Output::default();
                    warned.err_raw("warning: this removed your active context, use \"kubectl config use-context\" to select a different one\n");
                    warned.append(out);
                    (warned, changed)
                },
            )
        }
        "delete-cluster" => delete_named(&mut kc.clusters, "cluster", rest.first(), &file),
        "delete-user" => delete_named(&mut kc.users, "user", rest.first(), &file),
        "rename-context" => match (rest.first(), rest.get(1)) {
            (Some(old), Some(new)) => {
                if new.is_empty() {
                    Err("You must specify a new non-empty context name".into())
                } else if kc.context(old).is_none() {
                    Err(format!(
                        "cannot rename the context \"{old}\", it's not in {file}"
                    ))
                } else if kc.context(new).is_some() {
                    Err(format!("cannot rename the context \"{old}\", the context \"{new}\" already exists in {file}"))
                } else {
                    if let Some(slot) = kc.contexts.iter_mut().find(|(n, _)| n == old) {
                        slot.0 = new.clone();
                    }
                    if kc.current_context.as_deref() == Some(old.as_str()) {
                        kc.current_context = Some(new.clone());
                    }
                    Ok((
                        Output::out(format!("Context \"{old}\" renamed to \"{new}\".\n")),
                        true,
                    ))
                }
            }
            _ => Err("Unexpected args: [".to_string()
                + &rest.join(" ")
                + "]\nSee 'kubectl config rename-context -h' for help and examples"),
        },
        "set" | "unset" => set_property(&mut kc, &rest, sub == "unset"),
        _ => Err(format!("unknown command \"{sub}\" for \"kubectl config\"")),
    };
    match result {
        Ok((out, changed)) => {
            if changed {
                let fs = term.cur_fs_mut();
                loaded.save(fs, &kc);
            }
            out
        }
        Err(e) => Output::error(format!("error: {e}"), 1),
    }
}

fn view(term: &Terminal, loaded: &Loaded, o: &Opts) -> Result<Output, String> {
    let mut kc = loaded.merged.clone();
    if o.on("minify") {
        kc = kc.minified(o.value("context"))?;
    }
    if o.on("flatten") {
        // Inline every file reference as -data (what `--flatten` does before printing).
        let fs = term.cur_fs();
        let origin_of = |section: &str, name: &str| -> String {
            loaded
                .files
                .iter()
                .find(|(_, f)| match section {
                    "c" => f.cluster(name).is_some(),
                    _ => f.user(name).is_some(),
                })
                .map(|(p, _)| p.clone())
                .unwrap_or_else(|| loaded.default_file.clone())
        };
        for (name, c) in &mut kc.clusters {
            if let Some(p) = c.certificate_authority.take() {
                let text = kubeconfig::read_ref(fs, &origin_of("c", name), &p)
                    .ok_or_else(|| format!("open {p}: no such file or directory"))?;
                c.certificate_authority_data = Some(auth::base64_encode(text.as_bytes()));
            }
        }
        for (name, u) in &mut kc.users {
            let origin = origin_of("u", name);
            if let Some(p) = u.client_certificate.take() {
                let text = kubeconfig::read_ref(fs, &origin, &p)
                    .ok_or_else(|| format!("open {p}: no such file or directory"))?;
                u.client_certificate_data = Some(auth::base64_encode(text.as_bytes()));
            }
            if let Some(p) = u.client_key.take() {
                let text = kubeconfig::read_ref(fs, &origin, &p)
                    .ok_or_else(|| format!("open {p}: no such file or directory"))?;
                u.client_key_data = Some(auth::base64_encode(text.as_bytes()));
            }
        }
    }
    if !o.on("raw") && !o.on("flatten") {
        kc = kc.redacted();
    }
    let text = match o.value("output").unwrap_or("yaml") {
        "yaml" => kc.to_yaml(),
        "json" => kc.to_json(),
        "name" => return Err("name printer is not supported by kubectl config view".into()),
        other if other.starts_with("jsonpath=") || other.starts_with("jsonpath-as-json=") => {
            let expr = other.split_once('=').map_or("", |(_, e)| e);
            config_jsonpath(&kc, expr)?
        }
        other => {
            return Err(format!(
                "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,go-template,go-template-file,templatefile,yaml"
            ))
        }
    };
    Ok(Output::out(text))
}

/// A small JSONPath for `config view -o jsonpath=...`: `{.a.b}`, `{.list[*].name}`,
/// `{.list[0].x}`, `{.list[?(@.name=="x")].y}`, several `{...}` with literal text between.
fn config_jsonpath(kc: &Kubeconfig, expr: &str) -> Result<String, String> {
    let root = kc.to_value();
    let mut out = String::new();
    let mut rest = expr;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("error parsing jsonpath {expr}, unclosed action"))?;
        let path = &after[..end];
        if let Some(lit) = path
            .trim()
            .strip_prefix('"')
            .and_then(|l| l.strip_suffix('"'))
        {
            out.push_str(&lit.replace("\\n", "\n").replace("\\t", "\t"));
            rest = &after[end + 1..];
            continue;
        }
        let mut cur = vec![&root];
        for seg in split_path(path.trim().trim_start_matches('.')) {
            let (key, index) = match seg.split_once('[') {
                Some((k, i)) => (k, Some(i.trim_end_matches(']'))),
                None => (seg, None),
            };
            if !key.is_empty() {
                cur = cur.into_iter().filter_map(|v| v.get(key)).collect();
            }
            if let Some(idx) = index {
                let mut next = Vec::new();
                for v in cur {
                    let Some(items) = v.as_seq() else { continue };
                    if idx == "*" {
                        next.extend(items.iter());
                    } else if let Some(filter) =
                        idx.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')'))
                    {
                        if let Some((field, val)) = filter.split_once("==") {
                            let val = val.trim_matches(|c| c == '"' || c == '\'');
                            next.extend(
                                items
                                    .iter()
                                    .filter(|i| i.get(field).and_then(|x| x.as_str()) == Some(val)),
                            );
                        }
                    } else if let Ok(n) = idx.parse::<usize>() {
                        next.extend(items.get(n));
                    }
                }
                cur = next;
            }
        }
        let texts: Vec<String> = cur
            .iter()
            .map(|v| match v {
                crate::sim::Value::Str(s) => s.to_string(),
                crate::sim::Value::Bool(b) => b.to_string(),
                crate::sim::Value::Int(i) => i.to_string(),
                other => crate::sim::value::json::to_json_compact(other),
            })
            .collect();
        out.push_str(&texts.join(" "));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn split_path(p: &str) -> Vec<&str> {
    // Split on dots outside brackets.
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in p.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(&p[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&p[start..]);
    parts.into_iter().filter(|s| !s.is_empty()).collect()
}

fn get_contexts(kc: &Kubeconfig, names: &[String], o: &Opts) -> Result<Output, String> {
    let mut ctxs: Vec<&(String, Context)> = kc.contexts.iter().collect();
    ctxs.sort_small_by(|a, b| a.0.cmp(&b.0));
    let mut errors = Vec::new();
    if !names.is_empty() {
        for n in names {
            if kc.context(n).is_none() {
                errors.push(format!("context {n} not found"));
            }
        }
        ctxs.retain(|(n, _)| names.contains(n));
    }
    let text = match o.value("output") {
        Some("name") => ctxs.iter().map(|(n, _)| format!("{n}\n")).collect(),
        Some(other) if !other.is_empty() => {
            return Err(format!("output must be one of '' or 'name': {other}"))
        }
        _ => {
            let mut t = Table::new(&["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]);
            for (n, c) in &ctxs {
                let cur = if kc.current_context.as_deref() == Some(n.as_str()) {
                    "*"
                } else {
                    ""
                };
                t.row(vec![
                    cur.to_string(),
                    n.clone(),
                    c.cluster.clone(),
                    c.user.clone(),
                    c.namespace.clone().unwrap_or_default(),
                ]);
            }
            if o.on("no-headers") {
                t = t.without_headers();
            }
            t.render()
        }
    };
    let mut out = Output::out(text);
    if let Some(e) = errors.first() {
        out.err(format!("error: {e}"));
        out.exit_code = 1;
    }
    Ok(out)
}

fn set_context(kc: &mut Kubeconfig, rest: &[String], o: &Opts) -> Result<(Output, bool), String> {
    let name = if o.on("current") {
        if !rest.is_empty() {
            return Err("you cannot specify both a context name and --current".into());
        }
        kc.current_context
            .clone()
            .ok_or("no current context is set")?
    } else {
        match rest.first() {
            Some(n) => n.clone(),
            None => return Err(
                "Unexpected args: []\nSee 'kubectl config set-context -h' for help and examples"
                    .into(),
            ),
        }
    };
    let exists = kc.context(&name).is_some();
    let mut ctx = kc.context(&name).cloned().unwrap_or_default();
    if let Some(c) = o.value("cluster") {
        ctx.cluster = c.to_string();
    }
    if let Some(u) = o.value("user") {
        ctx.user = u.to_string();
    }
    if let Some(n) = o.value("namespace") {
        ctx.namespace = Some(n.to_string()).filter(|n| !n.is_empty());
    }
    kc.set_context(&name, ctx);
    let verb = if exists { "modified" } else { "created" };
    Ok((Output::out(format!("Context \"{name}\" {verb}.\n")), true))
}

fn read_for_embed(term: &Terminal, path: &str, what: &str) -> Result<String, String> {
    let p = term.resolve(path);
    term.cur_fs()
        .read(&p)
        .map(|t| auth::base64_encode(t.as_bytes()))
        .ok_or_else(|| {
            format!(
                "could not read {what} data from {path}: open {path}: no such file or directory"
            )
        })
}

fn set_cluster(
    term: &Terminal,
    kc: &mut Kubeconfig,
    rest: &[String],
    o: &Opts,
) -> Result<(Output, bool), String> {
    let Some(name) = rest.first() else {
        return Err(
            "Unexpected args: []\nSee 'kubectl config set-cluster -h' for help and examples".into(),
        );
    };
    let mut c = kc.cluster(name).cloned().unwrap_or_default();
    if let Some(s) = o.value("server") {
        c.server = s.to_string();
    }
    if let Some(ca) = o.value("certificate-authority") {
        if o.on("embed-certs") {
            c.certificate_authority_data = Some(read_for_embed(term, ca, "certificate-authority")?);
            c.certificate_authority = None;
        } else {
            c.certificate_authority = Some(term.resolve(ca));
            c.certificate_authority_data = None;
        }
    }
    if o.on("insecure-skip-tls-verify") {
        if c.certificate_authority.is_some() || c.certificate_authority_data.is_some() {
            return Err(
                "certificate-authority and insecure-skip-tls-verify cannot both be set".into(),
            );
        }
        c.insecure_skip_tls_verify = true;
    } else if o.value("insecure-skip-tls-verify") == Some("false") {
        c.insecure_skip_tls_verify = false;
    }
    if let Some(v) = o.value("tls-server-name") {
        c.tls_server_name = Some(v.to_string());
    }
    if let Some(v) = o.value("proxy-url") {
        c.proxy_url = Some(v.to_string());
    }
    kc.set_cluster(name, c);
    Ok((Output::out(format!("Cluster \"{name}\" set.\n")), true))
}

fn set_credentials(
    term: &Terminal,
    kc: &mut Kubeconfig,
    rest: &[String],
    o: &Opts,
) -> Result<(Output, bool), String> {
    let Some(name) = rest.first() else {
        return Err(
            "Unexpected args: []\nSee 'kubectl config set-credentials -h' for help and examples"
                .into(),
        );
    };
    let mut u = kc.user(name).cloned().unwrap_or_default();
    let embed = o.on("embed-certs");
    if let Some(p) = o.value("client-certificate") {
        if embed {
            u.client_certificate_data = Some(read_for_embed(term, p, "client-cert")?);
            u.client_certificate = None;
        } else {
            u.client_certificate = Some(term.resolve(p));
            u.client_certificate_data = None;
        }
    }
    if let Some(p) = o.value("client-key") {
        if embed {
            u.client_key_data = Some(read_for_embed(term, p, "client-key")?);
            u.client_key = None;
        } else {
            u.client_key = Some(term.resolve(p));
            u.client_key_data = None;
        }
    }
    if let Some(t) = o.value("token") {
        u.token = Some(t.to_string()).filter(|t| !t.is_empty());
    }
    if let Some(v) = o.value("username") {
        u.username = Some(v.to_string());
    }
    if let Some(v) = o.value("password") {
        u.password = Some(v.to_string());
    }
    if let Some(cmd) = o.value("exec-command") {
        let mut e = u.exec.clone().unwrap_or_default();
        e.command = cmd.to_string();
        e.api_version = o
            .value("exec-api-version")
            .map(str::to_string)
            .or(e.api_version)
            .or(Some("client.authentication.k8s.io/v1beta1".into()));
        let args: Vec<String> = o.all("exec-arg").iter().map(|s| s.to_string()).collect();
        if !args.is_empty() {
            e.args = Some(args);
        }
        u.exec = Some(e);
    }
    if (u.token.is_some() && (u.username.is_some() || u.password.is_some()))
        && o.value("token").is_some()
    {
        return Err("you cannot specify more than one authentication method at the same time: --token, --username/--password".into());
    }
    kc.set_user(name, u);
    Ok((Output::out(format!("User \"{name}\" set.\n")), true))
}

/// `kubectl config set|unset PROPERTY [VALUE]`: `current-context`, `clusters.NAME.FIELD`,
/// `users.NAME.FIELD`, `contexts.NAME.FIELD` (field names as in the file).
fn set_property(
    kc: &mut Kubeconfig,
    rest: &[String],
    unset: bool,
) -> Result<(Output, bool), String> {
    let Some(prop) = rest.first() else {
        return Err(format!(
            "Unexpected args: []\nSee 'kubectl config {} -h' for help and examples",
            if unset { "unset" } else { "set" }
        ));
    };
    let value = rest.get(1).cloned();
    if !unset && value.is_none() {
        return Err(format!(
            "Unexpected args: [{prop}]\nSee 'kubectl config set -h' for help and examples"
        ));
    }
    let done = |verb: &str| Ok((Output::out(format!("Property \"{prop}\" {verb}.\n")), true));
    let parts: Vec<&str> = prop.splitn(3, '.').collect();
    match parts.as_slice() {
        ["current-context"] => {
            kc.current_context = if unset { None } else { value };
            done(if unset { "unset" } else { "set" })
        }
        [section @ ("clusters" | "users" | "contexts"), name] if unset => {
            match *section {
                "clusters" => kc.clusters.retain(|(n, _)| n != name),
                "users" => kc.users.retain(|(n, _)| n != name),
                _ => kc.contexts.retain(|(n, _)| n != name),
            }
            done("unset")
        }
        [section @ ("clusters" | "users" | "contexts"), name, field] => {
            let inner = match *section {
                "clusters" => "cluster",
                "users" => "user",
                _ => "context",
            };
            // Edit the entry as a document, then read it back with the schema's checks.
            let mut doc = kc.clone();
            doc.clusters.retain(|(n, _)| n == name);
            doc.users.retain(|(n, _)| n == name);
            doc.contexts.retain(|(n, _)| n == name);
            let mut v = doc.to_value();
            let list = v.path_mut_or_insert(&[section]);
            if !matches!(list, crate::sim::Value::Seq(_)) {
                *list = crate::sim::Value::Seq(Default::default());
            }
            let mut entry_val = match list {
                crate::sim::Value::Seq(items) => items.first().cloned().unwrap_or_else(|| {
                    let mut e = crate::sim::Value::map();
                    e.set("name", name.to_string());
                    e
                }),
                _ => crate::sim::Value::map(),
            };
            let body = entry_val.path_mut_or_insert(&[inner]);
            let field_path: Vec<&str> = field.split('.').collect();
            if unset {
                let (last, parents) = field_path.split_last().ok_or("empty property")?;
                let parent = body.path_mut_or_insert(parents);
                if let crate::sim::Value::Map(m) = parent {
                    m.remove(*last);
                }
            } else {
                let val = value.clone().unwrap_or_default();
                let parsed = match val.as_str() {
                    "true" if field.contains("insecure") => crate::sim::Value::Bool(true),
                    "false" if field.contains("insecure") => crate::sim::Value::Bool(false),
                    _ => crate::sim::Value::from(val),
                };
                *body.path_mut_or_insert(&field_path) = parsed;
            }
            let mut root = crate::sim::Value::map();
            root.set(*section, crate::sim::Value::Seq(vec![entry_val].into()));
            let parsed = Kubeconfig::from_value(&root).map_err(|e| e.to_string())?;
            match *section {
                "clusters" => {
                    if let Some((_, c)) = parsed.clusters.into_iter().next() {
                        kc.set_cluster(name, c);
                    }
                }
                "users" => {
                    if let Some((_, u)) = parsed.users.into_iter().next() {
                        kc.set_user(name, u);
                    }
                }
                _ => {
                    if let Some((_, c)) = parsed.contexts.into_iter().next() {
                        kc.set_context(name, c);
                    }
                }
            }
            done(if unset { "unset" } else { "set" })
        }
        _ => Err(format!("current-context, preferences, clusters, users, contexts and extensions are the only valid top-level fields: {prop}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    #[test]
    fn contexts_switch_and_list() {
        let mut t = term();
        assert_eq!(
            t.run("kubectl config get-contexts").stdout(),
            "CURRENT   NAME        CLUSTER     AUTHINFO    NAMESPACE\n*         kind-kind   kind-kind   kind-kind   \n"
        );
        assert_eq!(t.run("kubectl config set-context dev --cluster=kind-kind --user=kind-kind --namespace=dev").stdout(), "Context \"dev\" created.\n");
        assert_eq!(
            t.run("kubectl config use-context dev").stdout(),
            "Switched to context \"dev\".\n"
        );
        assert_eq!(t.run("kubectl config current-context").stdout(), "dev\n");
        assert_eq!(
            t.run("kubectl config set-context --current --namespace=kube-system")
                .stdout(),
            "Context \"dev\" modified.\n"
        );
        assert_eq!(
            t.run("kubectl config view --minify -o jsonpath='{.contexts[0].context.namespace}'")
                .stdout(),
            "kube-system"
        );
        assert_eq!(
            t.run("kubectl config rename-context dev dev2").stdout(),
            "Context \"dev\" renamed to \"dev2\".\n"
        );
        assert_eq!(
            t.run("kubectl config get-contexts -o name").stdout(),
            "dev2\nkind-kind\n"
        );
        let out = t.run("kubectl config delete-context dev2");
        assert_eq!(
            out.stdout(),
            "deleted context dev2 from /home/student/.kube/config\n"
        );
        assert!(out
            .stderr()
            .starts_with("warning: this removed your active context"));
        // Like kubectl, the current-context still names the deleted context.
        assert_eq!(t.run("kubectl config current-context").stdout(), "dev2\n");
        t.run("kubectl config unset current-context");
        assert_eq!(
            t.run("kubectl config current-context").stderr(),
            "error: current-context is not set\n"
        );
        assert_eq!(
            t.run("kubectl config delete-context nope").stderr(),
            "error: cannot delete context nope, not in /home/student/.kube/config\n"
        );
        assert_eq!(
            t.run("kubectl config get-clusters").stdout(),
            "NAME\nkind-kind\n"
        );
        assert_eq!(
            t.run("kubectl config get-users").stdout(),
            "NAME\nkind-kind\n"
        );
        assert_eq!(
            t.run("kubectl config set users.kind-kind.token abc")
                .stdout(),
            "Property \"users.kind-kind.token\" set.\n"
        );
        assert!(t
            .run("kubectl config view")
            .stdout()
            .contains("    token: REDACTED\n"));
        assert_eq!(
            t.run("kubectl config unset users.kind-kind.token").stdout(),
            "Property \"users.kind-kind.token\" unset.\n"
        );
        assert!(!t
            .run("kubectl config view --raw")
            .stdout()
            .contains("token"));
    }

    #[test]
    fn the_course_example_as_a_kubeconfig_file() {
        let mut t = term();
        let example = include_str!("../../../tests/data/course-kubeconfig.yaml");
        t.seed_file("course.yaml", example);
        assert_eq!(
            t.run("kubectl --kubeconfig course.yaml config get-contexts").stdout(),
            concat!(
                "CURRENT   NAME                     CLUSTER                  AUTHINFO                       NAMESPACE\n",
                "*         do-lon1-k8s-tp-cluster   do-lon1-k8s-tp-cluster   do-lon1-k8s-tp-cluster-admin   \n",
                "          minikube                 minikube                 minikube                       \n",
            )
        );
        let e = t.run("kubectl --kubeconfig course.yaml get pods").stderr();
        assert!(e.ends_with("Unable to connect to the server: dial tcp: lookup 5ba26bee-00f1-4088-ae11-22b6dd058c6e.k8s.ondigitalocean.com on 127.0.0.53:53: no such host\n"), "{e}");
        assert_eq!(
            t.run("kubectl --kubeconfig course.yaml --context minikube get pods").stderr(),
            "Error in configuration: \n\
             * unable to read client-cert /home/jacky/.minikube/profiles/minikube/client.crt for minikube due to open /home/jacky/.minikube/profiles/minikube/client.crt: no such file or directory\n\
             * unable to read client-key /home/jacky/.minikube/profiles/minikube/client.key for minikube due to open /home/jacky/.minikube/profiles/minikube/client.key: no such file or directory\n\
             * unable to read certificate-authority /home/jacky/.minikube/ca.crt for minikube due to open /home/jacky/.minikube/ca.crt: no such file or directory\n"
        );
        let v = t
            .run("kubectl --kubeconfig course.yaml config view")
            .stdout();
        assert!(
            v.contains("    token: REDACTED\n")
                && v.contains("    certificate-authority-data: DATA+OMITTED\n"),
            "{v}"
        );
        // Merged with the kind config through KUBECONFIG: four contexts, kind's current-context.
        t.run("export KUBECONFIG=~/.kube/config:~/course.yaml");
        assert_eq!(
            t.run("kubectl config get-contexts -o name").stdout(),
            "do-lon1-k8s-tp-cluster\nkind-kind\nminikube\n"
        );
        assert_eq!(
            t.run("kubectl config current-context").stdout(),
            "kind-kind\n"
        );
        // A change to an entry goes to the file that defined it.
        t.run("kubectl config set-context minikube --namespace=dev");
        assert!(t
            .run("cat ~/course.yaml")
            .stdout()
            .contains("    namespace: dev\n"));
        assert!(!t.run("cat ~/.kube/config").stdout().contains("minikube"));
    }

    #[test]
    fn view_redacts_and_raw_does_not() {
        let mut t = term();
        let v = t.run("kubectl config view").stdout();
        assert!(
            v.contains("    certificate-authority-data: DATA+OMITTED\n"),
            "{v}"
        );
        assert!(v.contains("    client-key-data: DATA+OMITTED\n"), "{v}");
        let raw = t.run("kubectl config view --raw").stdout();
        assert!(
            raw.contains("certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"),
            "{raw}"
        );
        assert_eq!(t.run("cat ~/.kube/config").stdout(), raw);
        let j = t.run("kubectl config view -o json").stdout();
        assert!(j.starts_with("{\n    \"kind\": \"Config\",\n    \"apiVersion\": \"v1\",\n    \"preferences\": {},\n    \"clusters\": [\n        {\n            \"name\": \"kind-kind\",\n            \"cluster\": {\n                \"server\": \"https://127.0.0.1:40125\",\n                \"certificate-authority-data\": \"DATA+OMITTED\""), "{j}");
    }
}
