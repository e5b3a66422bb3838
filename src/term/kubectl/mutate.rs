//! Verbs that write: create (from files and the `create <kind>` generators), run, apply,
//! replace, delete, patch, scale, expose, set image, label and annotate.
//!
//! Objects built by generators follow kubectl 1.34's (`resources: {}`, `strategy: {}`,
//! `status: {}` in `--dry-run=client -o yaml`; no `creationTimestamp: null` since
//! apimachinery omits a zero creationTimestamp, kubernetes#130989). Success lines are
//! `<kind>[.<group>]/<name> <verb>`; delete prints `pod "web" deleted from default namespace`
//! (kubectl 1.34).

use super::format::{self, Format};
use super::get::{parse_targets, resolve};
use super::merge::{merge_patch, strategic_merge, three_way};
use super::select::{labels_of, LabelSelector};
use super::tables::kind_name;
use super::{codec, Ctx};
use crate::sim::api::{self, Resource};
use crate::sim::value::{template, Map, Value};
use crate::term::Output;

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn kv(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Map>(),
    )
}
fn strs(items: &[&str]) -> Value {
    Value::Seq(items.iter().map(|s| Value::from(*s)).collect())
}

/// `--dry-run` value: none, client or server (anything else is kubectl's error).
fn dry_run(ctx: &Ctx) -> Result<Option<&'static str>, Output> {
    match ctx.p.value("dry-run") {
        None | Some("none") | Some("false") => Ok(None),
        Some("client") | Some("true") => Ok(Some("client")),
        Some("server") => Ok(Some("server")),
        Some("unchanged") => Ok(Some("client")),
        Some(other) => Err(ctx.fail(format!(
            "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        ))),
    }
}

/// Prints the result of a write: `-o` format, or `kind/name <verb>[ (dry run)]`.
fn report(
    ctx: &Ctx,
    res: &'static Resource,
    obj: &Value,
    verb: &str,
    dry: Option<&str>,
) -> Result<String, Output> {
    let fmt = Format::parse(ctx.p.value("output")).map_err(|e| ctx.fail(e))?;
    match fmt {
        Format::Table { .. } => {
            let suffix = match dry {
                Some("client") => " (dry run)",
                Some(_) => " (server dry run)",
                None => "",
            };
            Ok(format!(
                "{} {verb}{suffix}\n",
                kind_name(res, api::name_of(obj))
            ))
        }
        f => format::print(&f, &[(res, obj.clone())], true, false).map_err(|e| ctx.fail(e)),
    }
}

fn meta(name: &str, labels: Option<Value>) -> Value {
    let mut m = Value::map();
    if let Some(l) = labels {
        m.set("labels", l);
    }
    m.set("name", name);
    m
}

/// The container name kubectl derives from an image (`registry/nginx:1.25` → `nginx`).
pub fn container_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    let base = base.split(['@', ':']).next().unwrap_or(base);
    let n: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    n.trim_matches('-').to_string()
}

fn object(api_version: &str, kind: &str, metadata: Value, rest: &[(&str, Value)]) -> Value {
    let mut o = kv(&[
        ("apiVersion", api_version.into()),
        ("kind", kind.into()),
        ("metadata", metadata),
    ]);
    for (k, v) in rest {
        o.set(k, v.clone());
    }
    o
}

fn parse_tcp(spec: &str) -> Result<(i64, Value), String> {
    let (p, t) = spec.split_once(':').unwrap_or((spec, spec));
    let port = p
        .parse::<i64>()
        .map_err(|_| format!("invalid port {p:?}"))?;
    let target = match t.parse::<i64>() {
        Ok(n) => Value::Int(n),
        Err(_) => Value::from(t),
    };
    Ok((port, target))
}

fn build_from_literals(ctx: &Ctx, base64: bool) -> Result<Value, Output> {
    let mut data = Value::map();
    for lit in ctx.p.values("from-literal") {
        let Some((k, v)) = lit.split_once('=') else {
            return Err(ctx.fail(format!("invalid literal source {lit}, expected key=value")));
        };
        data.set(k, if base64 { b64(v) } else { v.to_string() });
    }
    for src in ctx.p.values("from-file") {
        let (key, path) = match src.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (
                src.rsplit('/').next().unwrap_or(&src).to_string(),
                src.clone(),
            ),
        };
        let full = crate::term::fs::Fs::resolve(&ctx.term.cwd, &path);
        match ctx.term.fs.read(&full) {
            Some(text) => data.set(&key, if base64 { b64(text) } else { text.to_string() }),
            None if ctx.term.fs.is_dir(&full) => {
                for f in ctx
                    .term
                    .fs
                    .files_under(&full)
                    .into_iter()
                    .filter(|f| {
                        !f[full.len().min(f.len())..]
                            .trim_start_matches('/')
                            .contains('/')
                    })
                    .collect::<Vec<_>>()
                {
                    let k = f.rsplit('/').next().unwrap_or(&f).to_string();
                    if let Some(text) = ctx.term.fs.read(&f) {
                        data.set(&k, if base64 { b64(text) } else { text.to_string() });
                    }
                }
            }
            None => {
                return Err(ctx.fail(format!("error reading {path}: no such file or directory")))
            }
        }
    }
    Ok(data)
}

/// Standard base64 (secrets' `data`).
pub fn b64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (invalid input gives `None`).
pub fn unb64(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What `kubectl create deployment` generates around its containers.
const CREATE_DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {labels: $app, name: $name}
spec:
  replicas: $replicas
  selector: {matchLabels: $app}
  strategy: {}
  template:
    metadata: {labels: $app}
    spec: {containers: $containers}
status: {}
"#;

/// `kubectl create <kind> NAME ...` generators.
pub fn create_kind(ctx: &mut Ctx) -> Output {
    let sub = ctx.cmd.path[1..].join(" ");
    let Some(name) = ctx.p.args.first().cloned() else {
        return ctx.usage("NAME is required");
    };
    if ctx.p.args.len() > 1 && sub != "deployment" {
        return ctx.usage(format!(
            "exactly one NAME is required, got {}",
            ctx.p.args.len()
        ));
    }
    let dash: Vec<Value> = ctx
        .p
        .after_dash
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(Value::from)
        .collect();
    let app = kv(&[("app", name.as_str().into())]);
    let obj = match sub.as_str() {
        "deployment" => {
            let images = ctx.p.values("image");
            if images.is_empty() {
                return Output::error("error: required flag(s) \"image\" not set", 1);
            }
            let replicas: i64 = match ctx.p.value("replicas").unwrap_or("1").parse() {
                Ok(r) => r,
                Err(_) => return ctx.fail("invalid argument for --replicas"),
            };
            let port: i64 = ctx
                .p
                .value("port")
                .and_then(|p| p.parse().ok())
                .unwrap_or(-1);
            let containers: Vec<Value> = images
                .iter()
                .enumerate()
                .map(|(idx, img)| {
                    let mut c = template(
                        "{image: $image, name: $name}",
                        &[
                            ("image", img.as_str().into()),
                            ("name", container_name(img).into()),
                        ],
                    );
                    if idx == 0 && !dash.is_empty() {
                        c.set("command", Value::Seq(dash.clone().into()));
                    }
                    if port >= 0 {
                        c.set(
                            "ports",
                            Value::Seq(vec![kv(&[("containerPort", port.into())])].into()),
                        );
                    }
                    c.set("resources", Value::map());
                    c
                })
                .collect();
            template(
                CREATE_DEPLOYMENT,
                &[
                    ("app", app.clone()),
                    ("name", name.as_str().into()),
                    ("replicas", replicas.into()),
                    ("containers", Value::Seq(containers.into())),
                ],
            )
        }
        "namespace" => template(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: $name}\nspec: {}\nstatus: {}",
            &[("name", name.as_str().into())],
        ),
        "service clusterip" | "service nodeport" | "service loadbalancer" => {
            let ty = match sub.as_str() {
                "service nodeport" => "NodePort",
                "service loadbalancer" => "LoadBalancer",
                _ => "ClusterIP",
            };
            let mut ports = Vec::new();
            for t in ctx
                .p
                .values("tcp")
                .iter()
                .flat_map(|t| t.split(',').map(str::to_string).collect::<Vec<_>>())
            {
                let (port, target) = match parse_tcp(&t) {
                    Ok(x) => x,
                    Err(e) => return ctx.fail(e),
                };
                let tname = match &target {
                    Value::Int(i) => i.to_string(),
                    other => super::select::scalar_string(other),
                };
                let mut p = template(
                    "{name: $name, port: $port, protocol: TCP, targetPort: $target}",
                    &[
                        ("name", format!("{port}-{tname}").into()),
                        ("port", port.into()),
                        ("target", target),
                    ],
                );
                if let Some(np) = ctx
                    .p
                    .value("node-port")
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                {
                    p.set("nodePort", np);
                }
                ports.push(p);
            }
            let clusterip = ctx.p.value("clusterip").unwrap_or("");
            if ports.is_empty() && clusterip != "None" {
                return ctx.usage("at least one tcp port specifier must be provided");
            }
            let mut o = template(
                "apiVersion: v1\nkind: Service\nmetadata: {labels: $app, name: $name}\nspec: {selector: $app, type: $type}\nstatus: {loadBalancer: {}}",
                &[
                    ("app", app.clone()),
                    ("name", name.as_str().into()),
                    ("type", ty.into()),
                ],
            );
            let spec = o.path_mut_or_insert(&["spec"]);
            if !ports.is_empty() {
                spec.set("ports", Value::Seq(ports.into()));
            }
            if !clusterip.is_empty() {
                spec.set("clusterIP", clusterip);
            }
            o
        }
        "configmap" => {
            let data = match build_from_literals(ctx, false) {
                Ok(d) => d,
                Err(o) => return o,
            };
            let mut o = object("v1", "ConfigMap", meta(&name, None), &[]);
            if data.as_map().is_some_and(|m| !m.is_empty()) {
                o.set("data", data);
            }
            o
        }
        "secret generic" => {
            let data = match build_from_literals(ctx, true) {
                Ok(d) => d,
                Err(o) => return o,
            };
            let mut o = object("v1", "Secret", meta(&name, None), &[]);
            if data.as_map().is_some_and(|m| !m.is_empty()) {
                o.set("data", data);
            }
            if let Some(t) = ctx.p.value("type") {
                o.set("type", t);
            }
            o
        }
        "job" => {
            let Some(image) = ctx.p.value("image").map(str::to_string) else {
                return ctx.usage("--image must be specified");
            };
            let mut c = template(
                "{image: $image, name: $name, resources: {}}",
                &[
                    ("image", image.as_str().into()),
                    ("name", name.as_str().into()),
                ],
            );
            if !dash.is_empty() {
                c.set("command", Value::Seq(dash.clone().into()));
            }
            template(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: $name}\nspec: {template: {metadata: {}, spec: {containers: [$c], restartPolicy: Never}}}\nstatus: {}",
                &[("name", name.as_str().into()), ("c", c)],
            )
        }
        "serviceaccount" => object("v1", "ServiceAccount", meta(&name, None), &[]),
        "role" => {
            let verbs: Vec<String> = ctx
                .p
                .values("verb")
                .iter()
                .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect();
            let resources: Vec<String> = ctx
                .p
                .values("resource")
                .iter()
                .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect();
            if verbs.is_empty() {
                return ctx.usage("at least one verb must be specified");
            }
            if resources.is_empty() {
                return ctx.usage("at least one resource must be specified");
            }
            let mut rules: Vec<Value> = Vec::new();
            for r in &resources {
                let Ok(res) = resolve(r) else {
                    return ctx.fail(format!("the server doesn't have a resource type \"{r}\""));
                };
                let group = res.group();
                match rules
                    .iter_mut()
                    .find(|x| x.path(&["apiGroups"]) == Some(&strs(&[group])))
                {
                    Some(rule) => {
                        if let Some(Value::Seq(rs)) =
                            rule.as_map().and_then(|m| m.get("resources")).cloned()
                        {
                            let mut rs = rs;
                            rs.push(res.plural.into());
                            rule.set("resources", Value::Seq(rs));
                        }
                    }
                    None => rules.push(kv(&[
                        ("apiGroups", strs(&[group])),
                        ("resources", strs(&[res.plural])),
                        (
                            "verbs",
                            Value::Seq(verbs.iter().map(|v| Value::from(v.as_str())).collect()),
                        ),
                    ])),
                }
            }
            for rule in &mut rules {
                if let Some(names) = Some(ctx.p.values("resource-name")).filter(|n| !n.is_empty()) {
                    rule.set(
                        "resourceNames",
                        Value::Seq(names.into_iter().map(Value::from).collect()),
                    );
                }
            }
            object(
                "rbac.authorization.k8s.io/v1",
                "Role",
                meta(&name, None),
                &[("rules", Value::Seq(rules.into()))],
            )
        }
        "rolebinding" => {
            let (kind, rname) = match (ctx.p.value("role"), ctx.p.value("clusterrole")) {
                (Some(r), None) => ("Role", r.to_string()),
                (None, Some(r)) => ("ClusterRole", r.to_string()),
                (Some(_), Some(_)) => {
                    return ctx.usage("exactly one of clusterrole or role must be specified")
                }
                (None, None) => {
                    return ctx.usage("exactly one of clusterrole or role must be specified")
                }
            };
            let mut subjects = Vec::new();
            for (flag, kind) in [("user", "User"), ("group", "Group")] {
                for u in ctx.p.values(flag) {
                    subjects.push(template(
                        "{apiGroup: rbac.authorization.k8s.io, kind: $kind, name: $name}",
                        &[("kind", kind.into()), ("name", u.into())],
                    ));
                }
            }
            for sa in ctx.p.values("serviceaccount") {
                let Some((ns, n)) = sa.split_once(':') else {
                    return ctx.fail("serviceaccount must be <namespace>:<name>".to_string());
                };
                subjects.push(template(
                    "{kind: ServiceAccount, name: $name, namespace: $ns}",
                    &[("name", n.into()), ("ns", ns.into())],
                ));
            }
            let mut o = template(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: $name}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: $kind, name: $role}",
                &[
                    ("name", name.as_str().into()),
                    ("kind", kind.into()),
                    ("role", rname.into()),
                ],
            );
            if !subjects.is_empty() {
                o.set("subjects", Value::Seq(subjects.into()));
            }
            o
        }
        _ => return ctx.fail(format!("unknown generator {sub}")),
    };
    submit_new(ctx, obj)
}

/// Creates a generated object (or prints it for `--dry-run=client`).
fn submit_new(ctx: &mut Ctx, mut obj: Value) -> Output {
    let dry = match dry_run(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(res) = api::resource_for_kind(&kind) else {
        return ctx.fail(format!("no resource for kind {kind}"));
    };
    if res.namespaced && (ctx.p.has("namespace") || dry.is_none()) {
        obj.path_mut_or_insert(&["metadata"])
            .set("namespace", ctx.namespace().as_str());
    }
    if ctx.p.on("save-config") {
        set_last_applied(&mut obj);
    }
    if dry == Some("client") {
        return match report(ctx, res, &obj, "created", dry) {
            Ok(t) => Output::out(t),
            Err(o) => o,
        };
    }
    if let Err(o) = ctx.authorize("create", res, api::namespace_of(&obj), None) {
        return o;
    }
    let created = match ctx.api() {
        Ok(mut a) => a.create(res, without_nulls(obj)),
        Err(o) => return o,
    };
    match created {
        Ok(o) => match report(ctx, res, &o, "created", dry) {
            Ok(t) => Output::out(t),
            Err(o) => o,
        },
        Err(e) => Ctx::api_err(&e),
    }
}

/// The server drops `creationTimestamp: null` and empty `status: {}` it is about to set.
fn without_nulls(mut obj: Value) -> Value {
    if let Some(Value::Map(m)) = obj.path(&["metadata"]).cloned() {
        let mut m = m;
        m.retain(|_, v| *v != Value::Null);
        obj.set("metadata", Value::Map(m));
    }
    obj
}

/// `kubectl run NAME --image=...`
pub fn run_pod(ctx: &mut Ctx) -> Output {
    let Some(name) = ctx.p.args.first().cloned() else {
        return ctx.usage("NAME is required for run");
    };
    let Some(image) = ctx.p.value("image").map(str::to_string) else {
        return Output::error("error: required flag(s) \"image\" not set", 1);
    };
    let labels = match ctx.p.value("labels") {
        Some(l) => {
            let mut m = Value::map();
            for pair in l.split(',') {
                let Some((k, v)) = pair.split_once('=') else {
                    return ctx.fail(format!("invalid label spec: {pair}"));
                };
                m.set(k, v);
            }
            m
        }
        None => kv(&[("run", name.as_str().into())]),
    };
    let mut c = Value::map();
    let mut rest: Vec<Value> = ctx
        .p
        .after_dash
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(Value::from)
        .collect();
    rest.extend(ctx.p.args[1..].iter().map(|a| Value::from(a.as_str())));
    if !rest.is_empty() {
        c.set(
            if ctx.p.on("command") {
                "command"
            } else {
                "args"
            },
            Value::Seq(rest.into()),
        );
    }
    let env: Vec<Value> = ctx
        .p
        .values("env")
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| kv(&[("name", k.into()), ("value", v.into())]))
        .collect();
    if !env.is_empty() {
        c.set("env", Value::Seq(env.into()));
    }
    c.set("image", image.as_str());
    c.set("name", name.as_str());
    if let Some(port) = ctx.p.value("port").and_then(|p| p.parse::<i64>().ok()) {
        c.set(
            "ports",
            Value::Seq(vec![kv(&[("containerPort", port.into())])].into()),
        );
    }
    c.set("resources", Value::map());
    if ctx.p.on("stdin") {
        c.set("stdin", true);
        c.set("stdinOnce", true);
    }
    if ctx.p.on("tty") {
        c.set("tty", true);
    }
    let restart = ctx.p.value("restart").unwrap_or("Always").to_string();
    if !matches!(restart.as_str(), "Always" | "OnFailure" | "Never") {
        return ctx.fail(format!("invalid restart policy: {restart}"));
    }
    let pod = object(
        "v1",
        "Pod",
        meta(&name, Some(labels)),
        &[
            (
                "spec",
                kv(&[
                    ("containers", Value::Seq(vec![c].into())),
                    ("dnsPolicy", "ClusterFirst".into()),
                    ("restartPolicy", restart.into()),
                ]),
            ),
            ("status", Value::map()),
        ],
    );
    let mut pod = pod;
    if let Some(o) = ctx.p.value("overrides").filter(|o| !o.is_empty()) {
        match codec::parse_json(o) {
            Ok(patch) => merge_patch(&mut pod, &patch),
            Err(e) => return ctx.fail(format!("unable to parse --overrides: {e}")),
        }
    }
    let out = submit_new(ctx, pod);
    if ctx.p.on("stdin") && ctx.p.on("tty") && out.exit_code == 0 {
        let mut o = out;
        o.print("If you don't see a command prompt, try pressing enter.\n");
        o.err("error: interactive sessions are not modelled by this simulator; use `kubectl exec POD -- COMMAND`");
        return o;
    }
    out
}

/// Parses every document of every `-f` source.
fn read_docs(ctx: &Ctx) -> Result<Vec<(String, Value)>, Output> {
    if ctx.p.values("filename").is_empty() {
        return Err(Output::error("error: must specify one of -f and -k", 1));
    }
    let mut docs = Vec::new();
    for (src, text) in ctx.read_sources()? {
        let parsed = codec::parse_documents(&text)
            .map_err(|e| ctx.fail(format!("error parsing {src}: {e}")))?;
        for d in parsed {
            if d == Value::Null {
                continue;
            }
            if d.get("kind").and_then(Value::as_str) == Some("List") {
                for item in d
                    .get("items")
                    .and_then(Value::as_seq)
                    .cloned()
                    .unwrap_or_default()
                {
                    docs.push((src.clone(), item));
                }
            } else {
                docs.push((src.clone(), d));
            }
        }
    }
    if docs.is_empty() {
        return Err(ctx.fail("no objects passed to apply"));
    }
    Ok(docs)
}

/// Checks a manifest document and fixes its namespace; returns its resource.
fn prepare(ctx: &Ctx, src: &str, doc: &mut Value) -> Result<&'static Resource, String> {
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let av = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind.is_empty() {
        return Err(format!("error validating \"{src}\": error validating data: kind not set; if you choose to ignore these errors, turn validation off with --validate=false"));
    }
    if av.is_empty() {
        return Err(format!("error validating \"{src}\": error validating data: apiVersion not set; if you choose to ignore these errors, turn validation off with --validate=false"));
    }
    let res = api::resource_for_kind(&kind)
        .filter(|r| r.api_version == av)
        .ok_or_else(|| format!("resource mapping not found for name: \"{}\" namespace: \"{}\" from \"{src}\": no matches for kind \"{kind}\" in version \"{av}\"\nensure CRDs are installed first", api::name_of(doc), api::namespace_of(doc).unwrap_or("")))?;
    if res.namespaced {
        let flag_ns = ctx.namespace();
        match api::namespace_of(doc).map(str::to_string) {
            Some(ns) if ctx.p.has("namespace") && ns != flag_ns => {
                return Err(format!("the namespace from the provided object \"{ns}\" does not match the namespace \"{flag_ns}\". You must pass '--namespace={ns}' to perform this operation."));
            }
            Some(_) => {}
            None => {
                doc.path_mut_or_insert(&["metadata"])
                    .set("namespace", flag_ns.as_str());
            }
        }
    }
    Ok(res)
}

/// The documents of `-f`, checked and namespaced ([`prepare`]), with the `--dry-run` mode
/// and the errors of the documents that failed: the prelude every `-f` verb shares.
struct Manifests {
    docs: Vec<(String, &'static Resource, Value)>,
    dry: Option<&'static str>,
    /// Printed after the results, as kubectl aggregates the builder's errors and reports
    /// them once every valid object was handled.
    errors: Output,
}

/// The results, then the documents' errors; any failure fails the command.
fn with_errors(mut out: Output, errors: Output) -> Output {
    let code = out.exit_code.max(errors.exit_code);
    out.append(errors);
    out.exit_code = code;
    out
}

fn manifests(ctx: &Ctx) -> Result<Manifests, Output> {
    let read = read_docs(ctx)?;
    let dry = dry_run(ctx)?;
    let mut docs = Vec::new();
    let mut errors = Output::default();
    for (src, mut doc) in read {
        match prepare(ctx, &src, &mut doc) {
            Ok(res) => docs.push((src, res, doc)),
            Err(e) => {
                errors.err(format!("error: {e}"));
                errors.exit_code = 1;
            }
        }
    }
    Ok(Manifests { docs, dry, errors })
}

/// `kubectl create -f`.
pub fn create_from_file(ctx: &mut Ctx) -> Output {
    if ctx.p.values("filename").is_empty() {
        // kubectl's create without -f: the message, then help (no args) or a usage error.
        let mut out = Output::default();
        out.err_raw("Error: must specify one of -f and -k\n\n");
        if ctx.p.args.is_empty() {
            out.print(super::cli::help(ctx.cmd));
        } else {
            out.err(format!(
                "error: unknown command \"{}\"\nSee 'kubectl create -h' for help and examples",
                ctx.p.args.join(" ")
            ));
        }
        out.exit_code = 1;
        return out;
    }
    let Manifests { docs, dry, errors } = match manifests(ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut out = Output::default();
    for (src, res, mut doc) in docs {
        if ctx.p.on("save-config") {
            set_last_applied(&mut doc);
        }
        if dry.is_some() {
            match report(ctx, res, &doc, "created", dry) {
                Ok(t) => out.print(t),
                Err(o) => return o,
            }
            continue;
        }
        if let Err(o) = ctx.authorize("create", res, api::namespace_of(&doc), None) {
            return o;
        }
        let r = match ctx.api() {
            Ok(mut a) => a.create(res, doc),
            Err(o) => return o,
        };
        match r {
            Ok(o) => match report(ctx, res, &o, "created", None) {
                Ok(t) => out.print(t),
                Err(o) => return o,
            },
            Err(e) => {
                out.err(format!(
                    "Error from server ({}): error when creating \"{src}\": {}",
                    e.reason, e.message
                ));
                out.exit_code = 1;
            }
        }
    }
    with_errors(out, errors)
}

fn set_last_applied(doc: &mut Value) {
    let mut clean = doc.clone();
    if let Some(Value::Map(m)) = clean.path(&["metadata", "annotations"]).cloned() {
        let mut m = m;
        m.remove(LAST_APPLIED);
        if m.is_empty() {
            if let Some(Value::Map(md)) = clean.get("metadata").cloned() {
                let mut md = md;
                md.remove("annotations");
                clean.set("metadata", Value::Map(md));
            }
        } else {
            clean
                .path_mut_or_insert(&["metadata"])
                .set("annotations", Value::Map(m));
        }
    }
    let json = format!("{}\n", codec::to_json_compact(&clean));
    doc.path_mut_or_insert(&["metadata", "annotations"])
        .set(LAST_APPLIED, json);
}

/// `kubectl apply -f`: create, or three-way merge with the last applied configuration.
pub fn apply(ctx: &mut Ctx) -> Output {
    let Manifests { docs, dry, errors } = match manifests(ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut out = Output::default();
    for (src, res, mut doc) in docs {
        let name = api::name_of(&doc).to_string();
        if name.is_empty() {
            out.err(format!("error: error when retrieving current configuration of:\nResource: \"{}\", GroupVersionKind: \"{}\"\nName: \"\", Namespace: \"{}\"\nfrom server for: \"{src}\": resource name may not be empty", res.qualified_plural(), res.kind, api::namespace_of(&doc).unwrap_or("")));
            out.exit_code = 1;
            continue;
        }
        let ns = api::namespace_of(&doc).map(str::to_string);
        if let Err(o) = ctx.authorize("patch", res, ns.as_deref(), Some(&name)) {
            out.append(o);
            continue;
        }
        set_last_applied(&mut doc);
        let mut api = match ctx.api() {
            Ok(a) => a,
            Err(o) => return o,
        };
        let current = api.get(res, ns.as_deref(), &name);
        let (result, verb) = match current {
            Err(e) if e.code == 404 => {
                if dry.is_some() {
                    (Ok(doc.clone()), "created")
                } else {
                    (api.create(res, doc.clone()), "created")
                }
            }
            Err(e) => (Err(e), ""),
            Ok(live) => {
                let annotation = live
                    .path(&["metadata", "annotations", LAST_APPLIED])
                    .and_then(Value::as_str);
                if annotation.is_none() {
                    // apply.go: warningNoLastAppliedConfigAnnotation, with info.ObjectName().
                    out.err_raw(format!("Warning: resource {}/{name} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n", res.qualified_plural()));
                }
                let last = annotation
                    .and_then(|t| codec::parse_documents(t).ok())
                    .and_then(|d| d.into_iter().next())
                    .unwrap_or(Value::Null);
                let mut merged = three_way(&live, &last, &doc, "");
                if merged == live {
                    (Ok(live), "unchanged")
                } else if dry.is_some() {
                    (Ok(merged), "configured")
                } else {
                    if let Some(m) = merged.path_mut_or_insert(&["metadata"]).as_map().cloned() {
                        let mut m = m;
                        m.remove("resourceVersion");
                        merged.set("metadata", Value::Map(m));
                    }
                    (api.update(res, merged), "configured")
                }
            }
        };
        match result {
            Ok(o) => match report(ctx, res, &o, verb, dry) {
                Ok(t) => out.print(t),
                Err(o) => return o,
            },
            Err(e) => {
                let msg = match e.reason {
                    "Invalid" => format!("The {}", e.message),
                    r => format!(
                        "Error from server ({r}): error when creating \"{src}\": {}",
                        e.message
                    ),
                };
                out.err(msg);
                out.exit_code = 1;
            }
        }
    }
    with_errors(out, errors)
}

/// `kubectl replace -f`.
pub fn replace(ctx: &mut Ctx) -> Output {
    let Manifests { docs, errors, .. } = match manifests(ctx) {
        Ok(m) => m,
        Err(o) => return o,
    };
    let mut out = Output::default();
    for (src, res, doc) in docs {
        let name = api::name_of(&doc).to_string();
        let ns = api::namespace_of(&doc).map(str::to_string);
        let force = ctx.p.on("force");
        let mut a = match ctx.api() {
            Ok(a) => a,
            Err(o) => return o,
        };
        let r = if force {
            let _ = a.delete(res, ns.as_deref(), &name);
            a.create(res, doc).map(|o| (o, "replaced"))
        } else {
            a.update(res, doc).map(|o| (o, "replaced"))
        };
        drop(a);
        match r {
            Ok((o, verb)) => {
                if force {
                    out.print(format!(
                        "{} \"{}\" deleted\n",
                        res.kind.to_ascii_lowercase() + &group_suffix(res),
                        name
                    ));
                }
                match report(ctx, res, &o, verb, None) {
                    Ok(t) => out.print(t),
                    Err(o) => return o,
                }
            }
            Err(e) => {
                out.err(format!(
                    "Error from server ({}): error when replacing \"{src}\": {}",
                    e.reason, e.message
                ));
                out.exit_code = 1;
            }
        }
    }
    with_errors(out, errors)
}

fn group_suffix(res: &Resource) -> String {
    match res.group() {
        "" => String::new(),
        g => format!(".{g}"),
    }
}

/// [`resolve_objects`] with its errors already in the output the verb goes on writing (the
/// prelude of delete, patch, scale, set image, label and taint).
pub fn resolve_reporting(
    ctx: &mut Ctx,
    allow_select: bool,
) -> Result<(Vec<(&'static Resource, Value)>, Output), Output> {
    let (objs, errors) = resolve_objects(ctx, allow_select)?;
    let mut out = Output::default();
    for e in errors {
        out.err(e);
        out.exit_code = 1;
    }
    Ok((objs, out))
}

/// Resolves `TYPE NAME...`, `TYPE/NAME...`, `TYPE -l sel`, `TYPE --all` to objects.
pub fn resolve_objects(
    ctx: &mut Ctx,
    allow_select: bool,
) -> Result<(Vec<(&'static Resource, Value)>, Vec<String>), Output> {
    let args = ctx.p.args.clone();
    let reqs = parse_targets(&args).map_err(|e| ctx.fail(e))?;
    let sel =
        LabelSelector::parse(ctx.p.value("selector").unwrap_or("")).map_err(|e| ctx.fail(e))?;
    let all_ns = ctx.all_namespaces();
    let ns = ctx.namespace();
    let select_mode = ctx.p.on("all") || ctx.p.has("selector");
    let mut objs = Vec::new();
    let mut errors = Vec::new();
    for r in &reqs {
        let scope = (r.res.namespaced && !(r.names.is_empty() && all_ns)).then_some(ns.as_str());
        let verb = if r.names.is_empty() { "list" } else { "get" };
        ctx.authorize(verb, r.res, scope, r.names.first().map(String::as_str))?;
    }
    let mut api = ctx.api()?;
    for r in reqs {
        let scope = (r.res.namespaced).then_some(ns.as_str());
        if r.names.is_empty() {
            if !(allow_select && select_mode) {
                continue;
            }
            let list_scope = if all_ns { None } else { scope };
            for o in api.list(r.res, list_scope) {
                if sel.matches_obj(&o) {
                    objs.push((r.res, o));
                }
            }
        } else {
            for n in &r.names {
                match api.get(r.res, scope, n) {
                    Ok(o) => objs.push((r.res, o)),
                    Err(e) => errors.push(e.kubectl_message()),
                }
            }
        }
    }
    Ok((objs, errors))
}

/// `kubectl delete`.
pub fn delete(ctx: &mut Ctx) -> Output {
    let has_files = !ctx.p.values("filename").is_empty();
    if ctx.p.args.is_empty() && !has_files {
        return Output::error("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'", 1);
    }
    let mut targets: Vec<(&'static Resource, Option<String>, String)> = Vec::new();
    let mut out = Output::default();
    if has_files {
        let docs = match read_docs(ctx) {
            Ok(d) => d,
            Err(o) => return o,
        };
        for (src, mut doc) in docs {
            match prepare(ctx, &src, &mut doc) {
                Ok(res) => targets.push((
                    res,
                    api::namespace_of(&doc).map(str::to_string),
                    api::name_of(&doc).to_string(),
                )),
                Err(e) => {
                    out.err(format!("error: {e}"));
                    out.exit_code = 1;
                }
            }
        }
    } else {
        let first = ctx.p.args[0].clone();
        if !first.contains('/')
            && ctx.p.args.len() == 1
            && !ctx.p.on("all")
            && !ctx.p.has("selector")
            && !ctx.p.has("field-selector")
        {
            if let Err(e) = resolve(&first) {
                return ctx.fail(e);
            }
            return Output::error(
                "error: resource(s) were provided, but no name was specified",
                1,
            );
        }
        // kubectl sends DELETE for named objects without reading them first, so a user
        // without delete rights gets Forbidden even for a name that does not exist.
        if let Ok(reqs) = parse_targets(&ctx.p.args.clone()) {
            let ns = ctx.namespace();
            let mut denied = Output::default();
            let mut named = 0;
            let mut refused = 0;
            for r in &reqs {
                for n in &r.names {
                    named += 1;
                    let scope = r.res.namespaced.then_some(ns.as_str());
                    if let Err(o) = ctx.authorize("delete", r.res, scope, Some(n)) {
                        refused += 1;
                        denied.append(o);
                    }
                }
            }
            if named > 0 && refused == named {
                return denied;
            }
        }
        let (objs, errors) = match resolve_objects(ctx, true) {
            Ok(x) => x,
            Err(o) => return o,
        };
        for e in errors {
            out.err(e);
            out.exit_code = 1;
        }
        if objs.is_empty() && out.exit_code == 0 {
            out.print("No resources found\n");
            return out;
        }
        for (res, o) in objs {
            targets.push((
                res,
                api::namespace_of(&o).map(str::to_string),
                api::name_of(&o).to_string(),
            ));
        }
    }
    let force = ctx.p.on("force");
    let mut grace: i64 = ctx
        .p
        .value("grace-period")
        .and_then(|g| g.parse().ok())
        .unwrap_or(-1);
    if ctx.p.on("now") {
        if grace != -1 {
            return ctx.fail("--now and --grace-period cannot be specified together");
        }
        grace = 1;
    }
    // kubectl turns --grace-period=0 into 1 unless --force is given.
    if grace == 0 && !force {
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    let propagation = match ctx.p.value("cascade").unwrap_or("background") {
        c => match crate::sim::apiserver::Propagation::from_cascade(c) {
            Some(p) => p,
            None => {
                return ctx.fail(format!(
                    "invalid cascade value ({c}). Must be \"background\", \"foreground\", or \"orphan\""
                ))
            }
        },
    };
    let delete_opts = crate::sim::apiserver::DeleteOptions {
        propagation,
        grace_period_s: (grace >= 0).then_some(grace),
    };
    if force && grace == 0 {
        out.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    }
    let dry = match dry_run(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let wait = ctx.p.value("wait") != Some("false");
    let mut deleted = Vec::new();
    for (res, ns, name) in targets {
        if let Err(o) = ctx.authorize("delete", res, ns.as_deref(), Some(&name)) {
            out.append(o);
            continue;
        }
        let r = if dry.is_some() {
            match ctx.api() {
                Ok(mut a) => a.get(res, ns.as_deref(), &name),
                Err(o) => return o,
            }
        } else {
            // TODO(sim-workloads): graceful pod deletion (deletionTimestamp + kubelet) and
            // the grace period once the apiserver models them.
            match ctx.api() {
                Ok(mut a) => a.delete_with(res, ns.as_deref(), &name, &delete_opts),
                Err(o) => return o,
            }
        };
        match r {
            Ok(_) => {
                let operation = if grace == 0 {
                    "force deleted"
                } else {
                    "deleted"
                };
                let suffix = match dry {
                    Some("client") => " (dry run)",
                    Some(_) => " (server dry run)",
                    None => "",
                };
                let what = format!("{}{}", res.kind.to_ascii_lowercase(), group_suffix(res));
                if ctx.p.value("output") == Some("name") {
                    out.print(format!("{what}/{name}\n"));
                } else if let (true, Some(ns)) = (res.namespaced, &ns) {
                    out.print(format!(
                        "{what} \"{name}\" {operation} from {ns} namespace{suffix}\n"
                    ));
                } else {
                    out.print(format!("{what} \"{name}\" {operation}{suffix}\n"));
                }
                if wait && dry.is_none() {
                    deleted.push((res, ns.clone(), name.clone()));
                }
            }
            Err(e) if e.code == 404 && ctx.p.on("ignore-not-found") => {}
            Err(e) => {
                out.err(e.kubectl_message());
                out.exit_code = 1;
            }
        }
    }
    wait_gone(ctx, &deleted);
    out
}

/// Longest simulated wait of `kubectl delete` (kubectl itself waits up to a week; a stuck
/// finalizer or a dead kubelet would freeze the terminal, so the simulation gives up here).
pub const DELETE_WAIT_MAX_MS: u64 = 60_000;

/// kubectl delete waits (by default) until the objects are really gone (pods terminate
/// gracefully, finalizers run): let simulated time pass in small steps meanwhile.
fn wait_gone(ctx: &mut Ctx, objs: &[(&'static Resource, Option<String>, String)]) {
    let mut waited = 0;
    while waited < DELETE_WAIT_MAX_MS {
        let all_gone = match ctx.api() {
            Ok(mut a) => objs
                .iter()
                .all(|(res, ns, name)| a.get(res, ns.as_deref(), name).is_err()),
            Err(_) => true,
        };
        if all_gone {
            return;
        }
        ctx.term.world.step(500);
        waited += 500;
    }
}

fn parse_patch(ctx: &Ctx) -> Result<Value, Output> {
    let text = match (ctx.p.value("patch"), ctx.p.value("patch-file")) {
        (Some(p), _) => p.to_string(),
        (None, Some(f)) => {
            let path = crate::term::fs::Fs::resolve(&ctx.term.cwd, f);
            ctx.term.fs.read(&path).map(str::to_string).ok_or_else(|| {
                ctx.fail(format!(
                    "unable to read patch file: open {f}: no such file or directory"
                ))
            })?
        }
        (None, None) => return Err(ctx.fail("must specify -p to patch")),
    };
    codec::parse_documents(&text)
        .ok()
        .and_then(|d| d.into_iter().next())
        .ok_or_else(|| {
            ctx.fail(format!(
                "unable to parse \"{text}\": yaml: did not find expected node content"
            ))
        })
}

fn json_patch(obj: &mut Value, ops: &Value) -> Result<(), String> {
    for op in ops.as_seq().cloned().unwrap_or_default() {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let parts: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect();
        let Some((last, parents)) = parts.split_last() else {
            return Err("invalid JSON patch path".into());
        };
        let mut cur = &mut *obj;
        for p in parents {
            cur = match cur {
                Value::Map(m) => m.get_mut(p).ok_or_else(|| format!("jsonpatch {kind} operation does not apply: doc is missing path: \"{path}\""))?,
                Value::Seq(s) => {
                    let i: usize = p.parse().map_err(|_| "invalid index".to_string())?;
                    s.get_mut(i).ok_or_else(|| format!("jsonpatch {kind} operation does not apply: doc is missing path: \"{path}\""))?
                }
                _ => return Err(format!("jsonpatch {kind} operation does not apply: doc is missing path: \"{path}\"")),
            };
        }
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match (cur, kind) {
            (Value::Map(m), "add" | "replace") => {
                m.insert(last.clone(), value);
            }
            (Value::Map(m), "remove") => {
                m.remove(last).ok_or_else(|| {
                    format!("Unable to remove nonexistent key: {last}: missing value")
                })?;
            }
            (Value::Seq(s), "add") => {
                if last == "-" {
                    s.push(value);
                } else {
                    let i: usize = last.parse().map_err(|_| "invalid index".to_string())?;
                    if i > s.len() {
                        return Err("index out of range".into());
                    }
                    s.insert(i, value);
                }
            }
            (Value::Seq(s), "replace" | "remove") => {
                let i: usize = last.parse().map_err(|_| "invalid index".to_string())?;
                if i >= s.len() {
                    return Err("index out of range".into());
                }
                if kind == "remove" {
                    s.remove(i);
                } else {
                    s[i] = value;
                }
            }
            _ => return Err(format!("Unexpected kind: {kind}")),
        }
    }
    Ok(())
}

/// `kubectl patch TYPE NAME -p PATCH [--type merge|strategic|json]`.
pub fn patch(ctx: &mut Ctx) -> Output {
    let patch = match parse_patch(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let ty = ctx.p.value("type").unwrap_or("strategic").to_string();
    if !matches!(ty.as_str(), "strategic" | "merge" | "json") {
        return ctx.fail(format!(
            "--type must be one of [json merge strategic], not \"{ty}\""
        ));
    }
    let (objs, mut out) = match resolve_reporting(ctx, false) {
        Ok(x) => x,
        Err(o) => return o,
    };
    for (res, live) in objs {
        let mut new = live.clone();
        match ty.as_str() {
            "merge" => merge_patch(&mut new, &patch),
            "json" => {
                if let Err(e) = json_patch(&mut new, &patch) {
                    out.err(format!("error: {e}"));
                    out.exit_code = 1;
                    continue;
                }
            }
            _ => strategic_merge(&mut new, &patch),
        }
        if new == live {
            out.print(format!(
                "{} patched (no change)\n",
                kind_name(res, api::name_of(&live))
            ));
            continue;
        }
        let r = match ctx.api() {
            Ok(mut a) => a.update(res, new),
            Err(o) => return o,
        };
        match r {
            Ok(o) => match report(ctx, res, &o, "patched", None) {
                Ok(t) => out.print(t),
                Err(o) => return o,
            },
            Err(e) => {
                out.err(e.kubectl_message());
                out.exit_code = 1;
            }
        }
    }
    out
}

/// `kubectl scale --replicas=N TYPE NAME`.
pub fn scale(ctx: &mut Ctx) -> Output {
    let Some(replicas) = ctx.p.value("replicas").map(str::to_string) else {
        return Output::error("error: required flag(s) \"replicas\" not set", 1);
    };
    let Ok(replicas) = replicas.parse::<i64>() else {
        return Output::error(format!("error: invalid argument \"{replicas}\" for \"--replicas\" flag: strconv.ParseInt: parsing \"{replicas}\": invalid syntax\nSee 'kubectl scale --help' for usage."), 1);
    };
    if replicas < 0 {
        return ctx.fail(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        );
    }
    let (objs, mut out) = match resolve_reporting(ctx, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    for (res, mut obj) in objs {
        if !matches!(
            res.kind,
            "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
        ) {
            out.err(format!(
                "error: no scaler has been implemented for {{\"{}\" \"{}\"}}",
                res.group(),
                res.kind
            ));
            out.exit_code = 1;
            continue;
        }
        if let Some(cur) = ctx
            .p
            .value("current-replicas")
            .and_then(|c| c.parse::<i64>().ok())
            .filter(|c| *c >= 0)
        {
            let actual = obj
                .path(&["spec", "replicas"])
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if actual != cur {
                out.err(format!(
                    "error: Expected replicas to be {cur}, was {actual}"
                ));
                out.exit_code = 1;
                continue;
            }
        }
        obj.path_mut_or_insert(&["spec"]).set("replicas", replicas);
        let r = match ctx.api() {
            Ok(mut a) => a.update(res, obj),
            Err(o) => return o,
        };
        match r {
            Ok(o) => out.print(format!("{} scaled\n", kind_name(res, api::name_of(&o)))),
            Err(e) => {
                out.err(e.kubectl_message());
                out.exit_code = 1;
            }
        }
    }
    out
}

/// `kubectl expose TYPE NAME --port=...`: a Service selecting the object's pods.
pub fn expose(ctx: &mut Ctx) -> Output {
    let (objs, errors) = match resolve_objects(ctx, false) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if let Some(e) = errors.into_iter().next() {
        return Output::error(e, 1);
    }
    let Some((res, obj)) = objs.into_iter().next() else {
        return ctx.usage("You must provide one or more resources by argument or filename.");
    };
    let selector: Value = match res.kind {
        "Pod" => obj
            .path(&["metadata", "labels"])
            .cloned()
            .unwrap_or(Value::Null),
        "Service" => obj
            .path(&["spec", "selector"])
            .cloned()
            .unwrap_or(Value::Null),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            if obj
                .path(&["spec", "selector", "matchExpressions"])
                .is_some()
            {
                return ctx.fail("couldn't retrieve selectors via --selector flag or introspection: the Deployment has match expressions; only matchLabels selectors can be exposed");
            }
            obj.path(&["spec", "selector", "matchLabels"])
                .cloned()
                .unwrap_or(Value::Null)
        }
        other => return ctx.fail(format!("cannot expose a {other}")),
    };
    let selector = match ctx.p.value("selector") {
        Some(s) => {
            let mut m = Value::map();
            for pair in s.split(',') {
                if let Some((k, v)) = pair.split_once('=') {
                    m.set(k, v);
                }
            }
            m
        }
        None => selector,
    };
    if selector == Value::Null {
        return ctx.fail("couldn't retrieve selectors via --selector flag or introspection: the pod has no labels");
    }
    let template_ports: Vec<Value> = {
        let containers = match res.kind {
            "Pod" => obj.path(&["spec", "containers"]),
            _ => obj.path(&["spec", "template", "spec", "containers"]),
        };
        containers
            .and_then(Value::as_seq)
            .map(|cs| {
                cs.iter()
                    .flat_map(|c| {
                        c.get("ports")
                            .and_then(Value::as_seq)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let protocol = ctx.p.value("protocol").unwrap_or("TCP").to_string();
    let mut ports = Vec::new();
    match ctx.p.value("port") {
        Some(p) => {
            for part in p.split(',') {
                let Ok(port) = part.parse::<i64>() else {
                    return ctx.fail(format!("invalid port: {part}"));
                };
                ports.push((port, None));
            }
        }
        None if res.kind == "Service" => {
            for p in obj
                .path(&["spec", "ports"])
                .and_then(Value::as_seq)
                .cloned()
                .unwrap_or_default()
            {
                ports.push((
                    p.get("port").and_then(Value::as_i64).unwrap_or(0),
                    p.get("targetPort").cloned(),
                ));
            }
        }
        None => {
            for p in &template_ports {
                if let Some(cp) = p.get("containerPort").and_then(Value::as_i64) {
                    ports.push((cp, None));
                }
            }
        }
    }
    if ports.is_empty() {
        return ctx.usage("couldn't find port via --port flag or introspection");
    }
    let multi = ports.len() > 1;
    let target = ctx.p.value("target-port").map(|t| match t.parse::<i64>() {
        Ok(n) => Value::Int(n),
        Err(_) => Value::from(t),
    });
    let port_values: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, (port, tp))| {
            let mut p = Value::map();
            if multi {
                p.set("name", format!("port-{}", i + 1));
            }
            p.set("port", *port);
            p.set("protocol", protocol.as_str());
            p.set(
                "targetPort",
                target
                    .clone()
                    .or_else(|| tp.clone())
                    .unwrap_or(Value::Int(*port)),
            );
            p
        })
        .collect();
    let name = ctx
        .p
        .value("name")
        .map(str::to_string)
        .unwrap_or_else(|| api::name_of(&obj).to_string());
    let labels = obj.path(&["metadata", "labels"]).cloned();
    let mut spec = kv(&[
        ("ports", Value::Seq(port_values.into())),
        ("selector", selector),
    ]);
    if let Some(t) = ctx.p.value("type") {
        spec.set("type", t);
    }
    let svc = object(
        "v1",
        "Service",
        meta(&name, labels),
        &[
            ("spec", spec),
            ("status", kv(&[("loadBalancer", Value::map())])),
        ],
    );
    let out = submit_new(ctx, svc);
    if out.exit_code == 0 && ctx.p.value("output").is_none() && ctx.p.value("dry-run").is_none() {
        return Output::out(out.stdout().replace(" created\n", " exposed\n"));
    }
    out
}

/// `kubectl set image TYPE NAME container=image...`.
/// Writes a changed object for `kubectl set ...` and prints `<kind>/<name> <what>` or the
/// API server's error; `Err` carries the output to return when there is no API server.
fn update_reporting(
    ctx: &mut Ctx,
    res: &'static Resource,
    obj: Value,
    what: &str,
    out: &mut Output,
) -> Result<(), Output> {
    let r = match ctx.api() {
        Ok(mut a) => a.update(res, obj),
        Err(o) => return Err(o),
    };
    match r {
        Ok(o) => out.print(format!("{} {what}\n", kind_name(res, api::name_of(&o)))),
        Err(e) => {
            out.err(e.kubectl_message());
            out.exit_code = 1;
        }
    }
    Ok(())
}

/// Where the pod spec of an object of `kind` lives (`kubectl set image/resources`): the
/// object itself for a Pod, its template for the workloads; `None` for other kinds.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => {
            Some(&["spec", "template", "spec"])
        }
        _ => None,
    }
}

pub fn set_image(ctx: &mut Ctx) -> Output {
    let (targets, pairs): (Vec<String>, Vec<String>) =
        ctx.p.args.iter().cloned().partition(|a| !a.contains('='));
    if pairs.is_empty() {
        return ctx.usage("at least one image update is required");
    }
    ctx.p.args = targets;
    let (objs, mut out) = match resolve_reporting(ctx, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    for (res, mut obj) in objs {
        let path = match pod_spec_path(res.kind) {
            Some(p) => p,
            None => {
                let other = res.kind;
                out.err(format!("error: {other} is not supported by set image"));
                out.exit_code = 1;
                continue;
            }
        };
        let before = obj.clone();
        let spec = obj.path_mut_or_insert(path);
        let mut missing = None;
        for pair in &pairs {
            let (cname, image) = pair.split_once('=').unwrap_or((pair, ""));
            let mut found = false;
            for field in ["initContainers", "containers"] {
                if let Some(Value::Seq(cs)) = spec.as_map().and_then(|m| m.get(field)).cloned() {
                    let mut cs = cs;
                    for c in &mut cs {
                        if cname == "*" || c.get("name").and_then(Value::as_str) == Some(cname) {
                            c.set("image", image);
                            found = true;
                        }
                    }
                    spec.set(field, Value::Seq(cs));
                }
            }
            if !found {
                missing = Some(cname.to_string());
            }
        }
        if let Some(c) = missing {
            out.err(format!("error: unable to find container named \"{c}\""));
            out.exit_code = 1;
            continue;
        }
        if obj != before {
            if let Err(o) = update_reporting(ctx, res, obj, "image updated", &mut out) {
                return o;
            }
        }
    }
    out
}

/// `kubectl set resources TYPE NAME [-c CONTAINERS] --limits=cpu=200m,memory=512Mi
/// --requests=...`: sets the given requests and limits on the selected containers (init
/// containers included) of the pod template (`set_resources.go`).
pub fn set_resources(ctx: &mut Ctx) -> Output {
    let limits = ctx.p.value("limits").unwrap_or_default();
    let requests = ctx.p.value("requests").unwrap_or_default();
    if limits.is_empty() && requests.is_empty() {
        return Output::error(
            "error: you must specify an update to requests or limits (in the form of --requests/--limits)",
            1,
        );
    }
    // `cpu=100m,memory=256Mi` → canonical quantities, as the API server stores them.
    let parse = |list: &str| -> Result<Vec<(String, String)>, String> {
        list.split(',')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| format!("error: invalid resource requirement: {kv}"))?;
                let q = match k {
                    "cpu" => crate::sim::quantity::parse_milli(v)
                        .map(crate::sim::quantity::format_milli),
                    _ => crate::sim::quantity::parse_value(v).map(|_| v.to_string()),
                }
                .ok_or_else(|| {
                    format!("error: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
                })?;
                Ok((k.to_string(), q))
            })
            .collect()
    };
    let (limits, requests) = match (parse(&limits), parse(&requests)) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => return Output::error(e, 1),
    };
    let selector = ctx.p.value("containers").unwrap_or("*").to_string();
    let (objs, mut out) = match resolve_reporting(ctx, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    for (res, mut obj) in objs {
        let path = match pod_spec_path(res.kind) {
            Some(p) => p,
            None => {
                out.err(format!(
                    "error: {}/{} the object is not a pod or does not have a pod template: {}",
                    res.plural,
                    api::name_of(&obj),
                    res.kind
                ));
                out.exit_code = 1;
                continue;
            }
        };
        let before = obj.clone();
        let spec = obj.path_mut_or_insert(path);
        let mut found = false;
        for field in ["containers", "initContainers"] {
            let Some(Value::Seq(cs)) = spec.get_mut(field) else {
                continue;
            };
            for c in cs.iter_mut() {
                let name = c.get("name").and_then(Value::as_str).unwrap_or("");
                if !glob_match(&selector, name) {
                    continue;
                }
                found = true;
                for (part, list) in [("limits", &limits), ("requests", &requests)] {
                    if list.is_empty() {
                        continue;
                    }
                    let r = c.path_mut_or_insert(&["resources", part]);
                    if !matches!(r, Value::Map(_)) {
                        *r = Value::map();
                    }
                    for (k, q) in list {
                        r.set(k, q.as_str());
                    }
                }
            }
        }
        if !found {
            out.err(format!("error: unable to find container named {selector}"));
            out.exit_code = 1;
            continue;
        }
        if obj != before {
            if let Err(o) =
                update_reporting(ctx, res, obj, "resource requirements updated", &mut out)
            {
                return o;
            }
        }
    }
    out
}

/// `path.Match` with `*` only (how `set resources -c` selects containers).
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob_match(rest, &tail[i..]))
        }
    }
}

/// `kubectl label` / `kubectl annotate` (`field` is `labels` or `annotations`).
pub fn label(ctx: &mut Ctx, field: &str) -> Output {
    let (targets, changes): (Vec<String>, Vec<String>) = ctx
        .p
        .args
        .iter()
        .cloned()
        .partition(|a| !(a.contains('=') || (a.ends_with('-') && !a.contains('/'))));
    let list = ctx.p.on("list");
    if changes.is_empty() && !list {
        return ctx.usage(format!(
            "at least one {} update is required",
            if field == "labels" {
                "label"
            } else {
                "annotation"
            }
        ));
    }
    ctx.p.args = targets;
    let (objs, mut out) = match resolve_reporting(ctx, true) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let overwrite = ctx.p.on("overwrite");
    for (res, mut obj) in objs {
        let obj_name = api::name_of(&obj).to_string();
        let current = super::select::string_map(obj.path(&["metadata", field]));
        if list {
            for (k, v) in &current {
                out.print(format!("{k}={v}\n"));
            }
            continue;
        }
        let mut new = current.clone();
        let mut conflict = None;
        for c in &changes {
            if let Some(k) = c.strip_suffix('-').filter(|_| !c.contains('=')) {
                new.remove(k);
            } else if let Some((k, v)) = c.split_once('=') {
                if field == "labels" {
                    if let Err(e) = LabelSelector::parse(k) {
                        out.err(format!("error: invalid label spec: {c}"));
                        let _ = e;
                        out.exit_code = 1;
                        return out;
                    }
                }
                if let Some(old) = current.get(k) {
                    if !overwrite && old != v {
                        conflict = Some((k.to_string(), old.clone()));
                    }
                }
                new.insert(k.to_string(), v.to_string());
            }
        }
        if let Some((k, old)) = conflict {
            let msg = if field == "labels" {
                format!("error: '{k}' already has a value ({old}), and --overwrite is false")
            } else {
                format!("error: --overwrite is false but found the following declared annotation(s): '{k}' already has a value ({old})")
            };
            out.err(msg);
            out.exit_code = 1;
            continue;
        }
        let verb = if field == "labels" {
            "labeled"
        } else {
            "annotated"
        };
        let msg = if new == current {
            format!("not {verb}")
        } else if new.len() < current.len() && !overwrite {
            format!("un{verb}")
        } else {
            verb.to_string()
        };
        if new != current {
            let map: Map = new.into_iter().map(|(k, v)| (k, Value::from(v))).collect();
            obj.path_mut_or_insert(&["metadata"])
                .set(field, Value::Map(map));
            if let Some(dry) = dry_run(ctx).unwrap_or(None) {
                out.print(format!(
                    "{} {msg} ({})\n",
                    kind_name(res, api::name_of(&obj)),
                    if dry == "client" {
                        "dry run"
                    } else {
                        "server dry run"
                    }
                ));
                continue;
            }
            let r = match ctx.api() {
                Ok(mut a) => a.update(res, obj),
                Err(o) => return o,
            };
            if let Err(e) = r {
                out.err(e.kubectl_message());
                out.exit_code = 1;
                continue;
            }
        }
        out.print(format!("{} {msg}\n", kind_name(res, &obj_name)));
    }
    let _ = labels_of;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "admin", "s3cr3t!"] {
            assert_eq!(unb64(&b64(s)).as_deref(), Some(s));
        }
        assert_eq!(b64("admin"), "YWRtaW4=");
        assert_eq!(container_name("docker.io/library/nginx:1.25"), "nginx");
    }
}
