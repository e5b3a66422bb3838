//! `kubectl`: parse the words into flags and a verb, then run the verb against the cluster the
//! current context names.
//!
//! Start with [`run`]. Each verb lives in its own file (`get.rs`, ...) and returns an
//! [`Output`]; printing helpers live in [`printers`]. Messages and errors are kubectl 1.34's,
//! byte for byte.

pub mod config;
pub mod get;
pub mod printers;

use super::{Output, Terminal};

/// Flags every kubectl verb accepts, pulled out of the arguments before the verb runs.
#[derive(Debug, Clone, Default)]
pub struct GlobalFlags {
    pub namespace: Option<String>,
    pub context: Option<String>,
    pub kubeconfig: Option<String>,
}

/// The verbs kubectl has, with kubectl's own one-line summaries (shown by `kubectl --help`
/// and used by completion). Verbs the simulation does not model yet say so when run.
pub const VERBS: &[(&str, &str)] = &[
    ("get", "Display one or many resources"),
    ("version", "Print the client and server version information"),
];

/// Runs `kubectl <args>`.
pub fn run(term: &mut Terminal, args: &[String], stdin: &str) -> Output {
    let _ = stdin;
    let (flags, rest) = match split_global_flags(args) {
        Ok(v) => v,
        Err(msg) => return Output::error(msg, 1),
    };
    let Some((verb, verb_args)) = rest.split_first() else {
        return Output::out(usage());
    };
    match verb.as_str() {
        "get" => get::run(term, &flags, verb_args),
        "auth" => {
            let conn = config::ConnFlags {
                kubeconfig: flags.kubeconfig.clone(),
                context: flags.context.clone(),
                namespace: flags.namespace.clone(),
                ..Default::default()
            };
            let words: Vec<&str> = verb_args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
            let impersonate = verb_args.iter().find_map(|a| a.strip_prefix("--as=")).or_else(|| {
                verb_args.iter().position(|a| a == "--as").and_then(|i| verb_args.get(i + 1)).map(String::as_str)
            });
            let all = verb_args.iter().any(|a| a == "-A" || a == "--all-namespaces");
            match words.as_slice() {
                ["can-i", verb, what, ..] => config::can_i(term, &conn, verb, what, impersonate, all),
                ["whoami", ..] => config::whoami(term, &conn),
                _ => Output::error("error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples", 1),
            }
        }
        "config" => {
            // `config` reads the connection flags itself (they may follow the sub-command).
            let mut a: Vec<String> = verb_args.to_vec();
            if let Some(k) = &flags.kubeconfig {
                a.push(format!("--kubeconfig={k}"));
            }
            if let Some(c) = &flags.context {
                a.push(format!("--context={c}"));
            }
            if let Some(n) = &flags.namespace {
                a.push(format!("--namespace={n}"));
            }
            config::run(term, &a)
        }
        "version" => version(term),
        "help" | "--help" | "-h" => Output::out(usage()),
        other => Output::error(
            format!("error: unknown command \"{other}\" for \"kubectl\"\nRun 'kubectl --help' for usage."),
            1,
        ),
    }
}

/// Separates the flags that apply to every verb (`-n`, `--context`, ...) from the rest.
fn split_global_flags(args: &[String]) -> Result<(GlobalFlags, Vec<String>), String> {
    let mut flags = GlobalFlags::default();
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with('-') => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let slot = match name {
            "-n" | "--namespace" => Some(&mut flags.namespace),
            "--context" => Some(&mut flags.context),
            "--kubeconfig" => Some(&mut flags.kubeconfig),
            _ => None,
        };
        match slot {
            Some(slot) => {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        args.get(i).cloned().ok_or_else(|| {
                            format!(
                                "error: flag needs an argument: '{}' in {arg}",
                                arg.trim_start_matches('-')
                            )
                        })?
                    }
                };
                *slot = Some(value);
            }
            None => rest.push(arg.clone()),
        }
        i += 1;
    }
    Ok((flags, rest))
}

fn version(term: &mut Terminal) -> Output {
    let server = term
        .current_cluster()
        .and_then(|c| term.world.clusters.get(&c))
        .map(|c| c.version.clone());
    let mut text = String::from("Client Version: v1.34.1\nKustomize Version: v5.7.1\n");
    if let Some(v) = server {
        text.push_str(&format!("Server Version: {v}\n"));
    }
    Output::out(text)
}

fn usage() -> String {
    let mut s = String::from("kubectl controls the Kubernetes cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n\nBasic Commands:\n");
    for (verb, summary) in VERBS {
        s.push_str(&format!("  {verb:<14}{summary}\n"));
    }
    s.push_str("\nUsage:\n  kubectl [flags] [options]\n\nUse \"kubectl <command> --help\" for more information about a given command.\n");
    s
}
