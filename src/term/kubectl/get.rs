//! `kubectl get` (and `kubectl events`): resolves the requested types and names, fetches and
//! filters objects, and prints them as tables or in the `-o` format; `-w` starts a
//! [`super::watch::Watch`].
//!
//! Accepted forms: `get pods`, `get po web db`, `get pods,svc`, `get pod/web svc/web`,
//! `get all`, `get cs`.

use super::format::{self, Format};
use super::printers::Table;
use super::select::{FieldSelector, LabelSelector};
use super::tables::{self, Opts};
use super::watch::Watch;
use super::Ctx;
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::sort::SortSmall;
use crate::term::Output;
use std::sync::Arc;

/// What `get all` expands to, in kubectl's order.
pub const ALL_TYPES: &[&str] = &[
    "pods",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "jobs",
];

/// A request: a type and, optionally, names within it.
pub struct Request {
    pub res: &'static Resource,
    pub names: Vec<String>,
}

/// Parses `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...` into requests.
pub fn parse_targets(args: &[String]) -> Result<Vec<Request>, String> {
    let Some(first) = args.first() else {
        return Ok(Vec::new());
    };
    if args.iter().any(|a| a.contains('/')) {
        let mut reqs: Vec<Request> = Vec::new();
        for a in args {
            let Some((t, n)) = a.split_once('/') else {
                return Err("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let res = resolve(t)?;
            if n.is_empty() {
                return Err(
                    "arguments in resource/name form must have a single resource and name"
                        .to_string(),
                );
            }
            match reqs.iter_mut().find(|r| std::ptr::eq(r.res, res)) {
                Some(r) => r.names.push(n.to_string()),
                None => reqs.push(Request {
                    res,
                    names: vec![n.to_string()],
                }),
            }
        }
        return Ok(reqs);
    }
    let mut reqs = Vec::new();
    for t in first.split(',').filter(|t| !t.is_empty()) {
        if t == "all" {
            for a in ALL_TYPES {
                reqs.push(Request {
                    res: resolve(a)?,
                    names: Vec::new(),
                });
            }
            continue;
        }
        reqs.push(Request {
            res: resolve(t)?,
            names: args[1..].to_vec(),
        });
    }
    Ok(reqs)
}

/// A type name as the RESTMapper resolves it, or kubectl's error.
pub fn resolve(t: &str) -> Result<&'static Resource, String> {
    if is_component_status(t) {
        return Ok(&COMPONENT_STATUS);
    }
    api::resource_for(t).ok_or_else(|| format!("the server doesn't have a resource type \"{t}\""))
}

/// `v1/ComponentStatus`: served by the API server from live health checks, never stored.
pub static COMPONENT_STATUS: Resource = Resource {
    plural: "componentstatuses",
    singular: "componentstatus",
    short_names: &["cs"],
    api_version: "v1",
    namespaced: false,
    kind: "ComponentStatus",
    etcd_prefix: "",
};

fn is_component_status(t: &str) -> bool {
    matches!(
        t.to_ascii_lowercase().as_str(),
        "cs" | "componentstatus" | "componentstatuses"
    )
}

/// The component statuses of the current cluster (scheduler, controller-manager, etcd-0).
pub fn component_statuses(ctx: &Ctx) -> Vec<Value> {
    let cluster = ctx.term.current_cluster().unwrap_or_default();
    let up = |c: &str| {
        ctx.term
            .world
            .clusters
            .get(&cluster)
            .is_some_and(|cl| cl.is_up(c))
    };
    let mut out = Vec::new();
    for (name, comp, err) in [
        ("scheduler", "kube-scheduler", "Get \"https://127.0.0.1:10259/healthz\": dial tcp 127.0.0.1:10259: connect: connection refused"),
        ("controller-manager", "kube-controller-manager", "Get \"https://127.0.0.1:10257/healthz\": dial tcp 127.0.0.1:10257: connect: connection refused"),
        ("etcd-0", "etcd/0", "dial tcp 127.0.0.1:2379: connect: connection refused"),
    ] {
        let ok = up(comp);
        let mut o = Value::map();
        o.set("apiVersion", "v1");
        o.set("kind", "ComponentStatus");
        o.path_mut_or_insert(&["metadata"]).set("name", name);
        let mut c = Value::map();
        c.set("type", "Healthy");
        c.set("status", if ok { "True" } else { "False" });
        if ok {
            c.set("message", "ok");
        } else {
            c.set("error", err);
        }
        o.set("conditions", Value::Seq(vec![c].into()));
        out.push(o);
    }
    out
}

/// What kubectl prints for the API server's warning on v1 Endpoints (deprecated in 1.33).
pub const ENDPOINTS_DEPRECATED: &str =
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

pub fn run(ctx: &mut Ctx) -> Output {
    let args = ctx.p.args.clone();
    if args.is_empty() && ctx.p.values("filename").is_empty() {
        return Output::error(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples",
            1,
        );
    }
    let fmt = match Format::parse(ctx.p.value("output")) {
        Ok(f) => f,
        Err(e) => return ctx.fail(e),
    };
    let reqs = match parse_targets(&args) {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    let label = match LabelSelector::parse(ctx.p.value("selector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return ctx.fail(e),
    };
    let all_ns = ctx.all_namespaces();
    let namespace = ctx.namespace();
    let mut out = Output::default();
    if reqs.iter().any(|r| r.res.kind == "ComponentStatus") {
        out.err("Warning: v1 ComponentStatus is deprecated in v1.19+");
    }
    // The API server's warning header on every v1 Endpoints request since 1.33.
    if reqs.iter().any(|r| r.res.kind == "Endpoints") {
        out.err(ENDPOINTS_DEPRECATED);
    }
    let cluster = match ctx.cluster() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let now = ctx.term.world.now();
    let multi = reqs.len() > 1;
    let mut groups: Vec<(&'static Resource, Vec<Arc<Value>>)> = Vec::new();
    let mut errors = Vec::new();
    let mut named = false;
    for req in &reqs {
        let field = match FieldSelector::parse(ctx.p.value("field-selector").unwrap_or(""), req.res.kind) {
            Ok(f) => f,
            Err(e) => {
                return Output::error(
                    format!(
                        "Error from server (BadRequest): Unable to find \"{}/{}, Resource={}\" that match label selector \"{}\", field selector \"{}\": {e}",
                        req.res.group(),
                        req.res.api_version.rsplit('/').next().unwrap_or("v1"),
                        req.res.plural,
                        ctx.p.value("selector").unwrap_or(""),
                        ctx.p.value("field-selector").unwrap_or("")
                    ),
                    1,
                )
            }
        };
        let ns = (req.res.namespaced && !all_ns).then_some(namespace.as_str());
        let objs: Vec<Arc<Value>> = if req.res.kind == "ComponentStatus" {
            let all: Vec<Arc<Value>> = component_statuses(ctx).into_iter().map(Arc::new).collect();
            if req.names.is_empty() {
                all
            } else {
                let mut v = Vec::new();
                for n in &req.names {
                    match all.iter().find(|o| api::name_of(o) == n) {
                        Some(o) => v.push(o.clone()),
                        None => errors.push(format!(
                            "Error from server (NotFound): componentstatuses \"{n}\" not found"
                        )),
                    }
                }
                v
            }
        } else {
            if req.names.is_empty() {
                if let Err(o) = ctx.authorize("list", req.res, ns, None) {
                    return o;
                }
                let Some(mut apiserver) = ctx.term.world.api(&cluster, "kubectl") else {
                    return Output::error(super::NO_SERVER, 1);
                };
                apiserver.list_shared(req.res, ns)
            } else {
                if let Err(o) = ctx.authorize(
                    "get",
                    req.res,
                    ns.or(Some(namespace.as_str())),
                    req.names.first().map(String::as_str),
                ) {
                    return o;
                }
                let Some(mut apiserver) = ctx.term.world.api(&cluster, "kubectl") else {
                    return Output::error(super::NO_SERVER, 1);
                };
                named = true;
                let mut v = Vec::new();
                for n in &req.names {
                    match apiserver.get(req.res, ns.or(Some(namespace.as_str())), n) {
                        Ok(o) => v.push(Arc::new(o)),
                        Err(e) if ctx.p.on("ignore-not-found") && e.code == 404 => {}
                        Err(e) => errors.push(e.kubectl_message()),
                    }
                }
                v
            }
        };
        let objs: Vec<Arc<Value>> = objs
            .into_iter()
            .filter(|o| label.matches_obj(o) && field.matches(o))
            .collect();
        groups.push((req.res, objs));
    }
    let total: usize = groups.iter().map(|(_, o)| o.len()).sum();
    let watch = ctx.p.on("watch") || ctx.p.on("watch-only");
    let opts = Opts {
        wide: matches!(fmt, Format::Table { wide: true }),
        with_namespace: all_ns,
        show_labels: ctx.p.on("show-labels"),
        no_headers: ctx.p.on("no-headers"),
        label_columns: ctx
            .p
            .values("label-columns")
            .iter()
            .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect(),
        kind_prefix: multi,
    };
    if total == 0 && errors.is_empty() && !matches!(fmt, Format::Yaml | Format::Json) {
        if !watch && !named {
            let msg = if reqs.iter().all(|r| !r.res.namespaced) || all_ns {
                "No resources found".to_string()
            } else {
                format!("No resources found in {namespace} namespace.")
            };
            out.err(msg);
        }
    } else if let Format::Table { .. } = fmt {
        let mut text = String::new();
        for (res, objs) in &mut groups {
            if objs.is_empty() {
                continue;
            }
            if let Some(sort) = ctx.p.value("sort-by") {
                let mut pairs: Vec<(&'static Resource, Value)> =
                    objs.drain(..).map(|o| (*res, (*o).clone())).collect();
                if let Err(e) = format::sort_by(&mut pairs, sort) {
                    return ctx.fail(e);
                }
                *objs = pairs.into_iter().map(|(_, o)| Arc::new(o)).collect();
            }
            if !text.is_empty() {
                text.push('\n');
            }
            if !ctx.p.on("watch-only") {
                text.push_str(&tables::table(res, objs, now, &opts).render());
            }
        }
        out.print(text);
    } else {
        let mut pairs: Vec<(&'static Resource, Value)> = groups
            .iter()
            .cloned()
            .flat_map(|(r, objs)| objs.into_iter().map(move |o| (r, (*o).clone())))
            .collect();
        if let Some(sort) = ctx.p.value("sort-by") {
            if let Err(e) = format::sort_by(&mut pairs, sort) {
                return ctx.fail(e);
            }
        }
        let single = named && !multi && reqs.first().is_some_and(|r| r.names.len() == 1);
        match format::print(&fmt, &pairs, single, ctx.p.on("no-headers")) {
            Ok(t) => out.print(t),
            Err(e) => return ctx.fail(e),
        }
    }
    if watch && matches!(fmt, Format::Table { .. }) {
        if let Some((res, _)) = groups.first() {
            ctx.term.watch = Some(Watch::get(
                &cluster,
                res,
                (res.namespaced && !all_ns).then(|| namespace.clone()),
                reqs.first().map(|r| r.names.clone()).unwrap_or_default(),
                label.clone(),
                opts.clone(),
                &groups[0].1,
            ));
            out.streaming = true;
        }
    }
    if !errors.is_empty() {
        for e in errors {
            out.err(e);
        }
        out.exit_code = 1;
    }
    out
}

/// `kubectl events`: events sorted by last timestamp, with kubectl events' own columns.
pub fn events(ctx: &mut Ctx) -> Output {
    let all_ns = ctx.all_namespaces();
    let ns = ctx.namespace();
    let now = ctx.term.world.now();
    let Some(res) = api::resource_for("events") else {
        return Output::default();
    };
    let mut evs = match ctx.api() {
        Ok(mut a) => a.list(res, (!all_ns).then_some(ns.as_str())),
        Err(o) => return o,
    };
    if let Some(f) = ctx.p.value("for") {
        let (k, n) = f.split_once('/').unwrap_or(("", f));
        let kind = resolve(k).map(|r| r.kind).unwrap_or("");
        evs.retain(|e| {
            e.path(&["involvedObject", "name"]).and_then(Value::as_str) == Some(n)
                && (kind.is_empty()
                    || e.path(&["involvedObject", "kind"]).and_then(Value::as_str) == Some(kind))
        });
    }
    let types: Vec<String> = ctx
        .p
        .values("types")
        .iter()
        .flat_map(|t| t.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect();
    if !types.is_empty() {
        evs.retain(|e| {
            e.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| types.iter().any(|x| x == t))
        });
    }
    // kubectl events sorts like describe (event.SortableEvents: series.lastObservedTime, else
    // lastTimestamp, else eventTime), stable over the API's order by name.
    let stamp = |e: &Value| {
        e.path(&["series", "lastObservedTime"])
            .or_else(|| e.get("lastTimestamp"))
            .or_else(|| e.get("eventTime"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    evs.sort_small_by_key(stamp);
    if evs.is_empty() {
        return Output::error(
            if all_ns {
                "No events found.".to_string()
            } else {
                format!("No events found in {ns} namespace.")
            },
            0,
        );
    }
    let mut hdr = vec![];
    if all_ns {
        hdr.push("NAMESPACE");
    }
    hdr.extend(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    let mut t = if ctx.p.on("no-headers") {
        Table::headless()
    } else {
        Table::new(&hdr)
    };
    for e in &evs {
        let mut cells = Vec::new();
        if all_ns {
            cells.push(api::namespace_of(e).unwrap_or("").to_string());
        }
        let last = tables::since(e.get("lastTimestamp").and_then(Value::as_str), now);
        let count = e.get("count").and_then(Value::as_i64).unwrap_or(1);
        let first = tables::since(e.get("firstTimestamp").and_then(Value::as_str), now);
        cells.push(if count > 1 {
            format!("{last} (x{count} over {first})")
        } else {
            last
        });
        let row = tables::row("Event", e, now, false);
        cells.extend(row.into_iter().skip(1));
        t.row(cells);
    }
    Output::out(t.render())
}
