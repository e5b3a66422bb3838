//! `kubectl get`: lists objects as kubectl's default tables (one printer per kind, with the
//! same columns as kubectl's server-side table printers).

use super::printers::{human_duration, Table};
use super::GlobalFlags;
use crate::sim::api::{self, Resource};
use crate::sim::clock::SimTime;
use crate::sim::value::Value;
use crate::term::{Output, Terminal};
use std::sync::Arc;

pub fn run(term: &mut Terminal, flags: &GlobalFlags, args: &[String]) -> Output {
    let mut all_namespaces = false;
    let mut positional = Vec::new();
    for a in args {
        match a.as_str() {
            "-A" | "--all-namespaces" => all_namespaces = true,
            s if s.starts_with('-') => {
                return Output::error(
                    format!("error: unknown shorthand flag: '{}' in {s}\nSee 'kubectl get --help' for usage.", s.trim_start_matches('-').chars().next().unwrap_or('-')),
                    1,
                )
            }
            _ => positional.push(a.clone()),
        }
    }
    let Some(type_arg) = positional.first() else {
        return Output::error(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples".to_string(),
            1,
        );
    };
    let Some(res) = api::resource_for(type_arg) else {
        return Output::error(
            format!("error: the server doesn't have a resource type \"{type_arg}\""),
            1,
        );
    };
    let conn_flags = super::config::ConnFlags {
        kubeconfig: flags.kubeconfig.clone(),
        context: flags.context.clone(),
        namespace: flags.namespace.clone(),
        ..Default::default()
    };
    let conn = match super::config::connect(term, &conn_flags) {
        Ok(c) => c,
        Err(out) => return out,
    };
    let ns = (res.namespaced && !all_namespaces).then_some(conn.namespace.as_str());
    let verb = if positional.len() > 1 { "get" } else { "list" };
    let name = positional.get(1).map(String::as_str);
    if let Err(out) = super::config::authorize(term, &conn, verb, res.plural, res.group(), ns, name)
    {
        return out;
    }
    let cluster = conn.cluster.clone();
    let now = term.world.now();
    let Some(mut apiserver) = term.world.api(&cluster, "kubectl") else {
        return Output::error(format!("error: cluster {cluster:?} is gone"), 1);
    };
    let names = &positional[1..];
    let objects = if names.is_empty() {
        apiserver.list_shared(res, ns)
    } else {
        let mut objs = Vec::new();
        let mut errors = String::new();
        for name in names {
            match apiserver.get(res, ns, name) {
                Ok(o) => objs.push(Arc::new(o)),
                Err(e) => {
                    errors.push_str(&e.kubectl_message());
                    errors.push('\n');
                }
            }
        }
        if !errors.is_empty() {
            let mut out = if objs.is_empty() {
                Output::default()
            } else {
                Output::out(table_for(res, &objs, now, all_namespaces).render())
            };
            out.err(errors.trim_end().to_string());
            out.exit_code = 1;
            return out;
        }
        objs
    };
    if objects.is_empty() {
        let msg = match ns {
            Some(ns) => format!("No resources found in {ns} namespace."),
            None => "No resources found".to_string(),
        };
        return Output::error(msg, 0);
    }
    Output::out(table_for(res, &objects, now, all_namespaces).render())
}

/// The default table for `objects` of type `res`.
fn table_for(res: &Resource, objects: &[Arc<Value>], now: SimTime, with_namespace: bool) -> Table {
    let (headers, row): (&[&str], fn(&Value, SimTime) -> Vec<String>) = match res.kind {
        "Node" => (&["NAME", "STATUS", "ROLES", "AGE", "VERSION"], node_row),
        "Namespace" => (&["NAME", "STATUS", "AGE"], namespace_row),
        _ => (&["NAME", "AGE"], generic_row),
    };
    let mut all_headers: Vec<&str> = Vec::new();
    if with_namespace && res.namespaced {
        all_headers.push("NAMESPACE");
    }
    all_headers.extend_from_slice(headers);
    let mut table = Table::new(&all_headers);
    for obj in objects {
        let mut cells = Vec::new();
        if with_namespace && res.namespaced {
            cells.push(api::namespace_of(obj).unwrap_or("").to_string());
        }
        cells.extend(row(obj, now));
        table.row(cells);
    }
    table
}

/// AGE: time since `metadata.creationTimestamp`.
pub fn age(obj: &Value, now: SimTime) -> String {
    match api::meta_str(obj, "creationTimestamp").and_then(SimTime::parse_rfc3339) {
        Some(created) => human_duration((now.since_ms(created) / 1000) as i64),
        None => "<unknown>".to_string(),
    }
}

fn generic_row(obj: &Value, now: SimTime) -> Vec<String> {
    vec![api::name_of(obj).to_string(), age(obj, now)]
}

fn namespace_row(obj: &Value, now: SimTime) -> Vec<String> {
    let phase = obj
        .path(&["status", "phase"])
        .and_then(Value::as_str)
        .unwrap_or("Active");
    vec![
        api::name_of(obj).to_string(),
        phase.to_string(),
        age(obj, now),
    ]
}

fn node_row(obj: &Value, now: SimTime) -> Vec<String> {
    let ready = obj
        .path(&["status", "conditions"])
        .and_then(Value::as_seq)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str));
    let mut status = match ready {
        Some("True") => "Ready",
        Some("False") => "NotReady",
        _ => "Unknown",
    }
    .to_string();
    if obj.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true)) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = obj
        .path(&["metadata", "labels"])
        .and_then(Value::as_map)
        .map(|labels| {
            labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let version = obj
        .path(&["status", "nodeInfo", "kubeletVersion"])
        .and_then(Value::as_str)
        .unwrap_or("");
    vec![
        api::name_of(obj).to_string(),
        status,
        roles,
        age(obj, now),
        version.to_string(),
    ]
}
