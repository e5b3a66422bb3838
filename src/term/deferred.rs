//! Commands whose code the web build downloads after the first page (issue 7: the first
//! load must stay small, see BENCHMARKS.md "First-load size").
//!
//! The cluster tools ([`super::tools`]: kind, minikube, kubeadm, k3s, ssh, the cloud CLIs,
//! etcdctl, crictl, ...), the text tools among the builtins ([`builtins::DEFERRED`]: grep,
//! awk, sort, ...) and the kubectl verbs in [`KUBECTL_VERBS`] (describe, explain, edit,
//! top, rollout, drain, logs, create, apply, delete, scale, ...) are reached through [`tool`], [`builtin`] and [`kubectl`] only. Without
//! the `split` feature (native builds, tests) they call [`run`] directly. With it (the browser
//! build) they call the runner the web layer [`install`]s, which runs [`run`] from a second
//! wasm module: the linker sees [`run`] reachable from that module's entry point only, so
//! `wasm-split` moves everything only it reaches out of the first download. Until that module
//! is loaded the runner answers `false` and the command prints [`NOT_LOADED`] (exit 1):
//! never a panic. The UI waits for the module before running a line that [`needs`] it, so a
//! student does not see that message in practice.
//!
//! ```
//! use kubesim::term::{deferred, Terminal};
//! use kubesim::sim::{World, presets::Preset};
//! assert!(deferred::needs("kubectl describe pod web"));
//! assert!(!deferred::needs("kubectl get pods"));
//! assert!(deferred::needs("kubectl apply -f web.yaml"));
//! let mut t = Terminal::new(World::new(1, Preset::Kind));
//! assert_eq!(t.run("kind get clusters").stdout(), "kind\n");
//! ```

use super::kubectl::{self, Ctx};
use super::{builtins, tools, Output, Terminal};

/// kubectl verbs (command paths, as in [`super::kubectl::cli`]) whose code is deferred.
pub const KUBECTL_VERBS: &[&str] = &[
    "describe",
    "explain",
    "edit",
    "top node",
    "top pod",
    "rollout status",
    "rollout history",
    "rollout undo",
    "rollout restart",
    "rollout pause",
    "rollout resume",
    "taint",
    "cordon",
    "uncordon",
    "drain",
    "logs",
    "exec",
    "wait",
    "create token",
    "create",
    "create deployment",
    "create namespace",
    "create service clusterip",
    "create service nodeport",
    "create service loadbalancer",
    "create configmap",
    "create secret generic",
    "create job",
    "create serviceaccount",
    "create role",
    "create rolebinding",
    "run",
    "apply",
    "replace",
    "delete",
    "patch",
    "scale",
    "expose",
    "set image",
    "set resources",
    "label",
    "annotate",
    "api-resources",
    "api-versions",
    "cluster-info",
    "version",
];

/// What the terminal prints when a deferred command runs before its code is downloaded.
pub const NOT_LOADED: &str = "kubesim: this command is still downloading, run it again in a moment";

/// Which kind of program a [`Call::Program`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// A cluster tool (see [`tools::run`]).
    Tool,
    /// A builtin of [`builtins::DEFERRED`] (the text tools: grep, awk, sort, ...).
    Builtin,
}

/// One deferred command: what to run and where its output goes.
pub enum Call<'a, 't> {
    /// A cluster tool or a deferred builtin: `Some(output)`, or `None` when `cmd` is not one.
    Program {
        which: Program,
        term: &'a mut Terminal,
        cmd: &'a str,
        args: &'a [String],
        stdin: &'a str,
        out: Option<Option<Output>>,
    },
    /// `kubectl <verb>` for a verb of [`KUBECTL_VERBS`].
    Kubectl {
        ctx: &'a mut Ctx<'t>,
        verb: &'a str,
        out: Option<Output>,
    },
}

/// Runs the call, filling its `out`. In the browser build only the deferred module reaches
/// this function (see the module doc).
pub fn run(call: &mut Call<'_, '_>) {
    match call {
        Call::Program {
            which,
            term,
            cmd,
            args,
            stdin,
            out,
        } => {
            *out = Some(match which {
                Program::Tool => tools::run(term, cmd, args, stdin),
                Program::Builtin => builtins::run_deferred(term, cmd, args, stdin),
            })
        }
        Call::Kubectl { ctx, verb, out } => *out = Some(kubectl::run_deferred(ctx, verb)),
    }
}

/// Runs `call` where its code lives; `false` when that code is not loaded (yet).
pub type Runner = for<'a, 'b, 'c> fn(&'a mut Call<'b, 'c>) -> bool;

#[cfg(feature = "split")]
static RUNNER: std::sync::OnceLock<Runner> = std::sync::OnceLock::new();

/// The web layer's runner (split build). Later calls are ignored: there is one module.
#[cfg(feature = "split")]
pub fn install(runner: Runner) {
    let _ = RUNNER.set(runner);
}

fn dispatch(call: &mut Call<'_, '_>) -> bool {
    #[cfg(feature = "split")]
    {
        RUNNER.get().is_some_and(|runner| runner(call))
    }
    #[cfg(not(feature = "split"))]
    {
        run(call);
        true
    }
}

/// [`tools::run`] through the split: `None` when `cmd` is not a tool.
pub fn tool(term: &mut Terminal, cmd: &str, args: &[String], stdin: &str) -> Option<Output> {
    program(Program::Tool, tools::PROGRAMS, term, cmd, args, stdin)
}

/// [`builtins::run_deferred`] through the split: `None` when `cmd` is not one of
/// [`builtins::DEFERRED`].
pub fn builtin(term: &mut Terminal, cmd: &str, args: &[String], stdin: &str) -> Option<Output> {
    program(Program::Builtin, builtins::DEFERRED, term, cmd, args, stdin)
}

/// A program of `names` through the split: `None` when `cmd` is not one of them.
fn program(
    which: Program,
    names: &[&str],
    term: &mut Terminal,
    cmd: &str,
    args: &[String],
    stdin: &str,
) -> Option<Output> {
    if !names.contains(&cmd) {
        return None;
    }
    let mut call = Call::Program {
        which,
        term,
        cmd,
        args,
        stdin,
        out: None,
    };
    let ran = dispatch(&mut call);
    match call {
        Call::Program { out: Some(out), .. } if ran => out,
        _ => Some(Output::error(NOT_LOADED, 1)),
    }
}

/// `kubectl <verb>` (a verb of [`KUBECTL_VERBS`]) through the split.
pub fn kubectl(ctx: &mut Ctx<'_>, verb: &str) -> Output {
    let mut call = Call::Kubectl {
        ctx,
        verb,
        out: None,
    };
    let ran = dispatch(&mut call);
    match call {
        Call::Kubectl { out: Some(out), .. } if ran => out,
        _ => Output::error(NOT_LOADED, 1),
    }
}

/// Might `line` run deferred code? A word scan, so it over-approximates (a tool name as an
/// argument, `kubectl get pods | grep logs`) and never misses: a program name of
/// [`tools::PROGRAMS`] or [`builtins::DEFERRED`], or the key word of a verb of [`KUBECTL_VERBS`] anywhere in the line.
/// The UI loads the deferred module before running such a line.
pub fn needs(line: &str) -> bool {
    line.split(|c: char| {
        c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')' | '$' | '`' | '"' | '\'')
    })
    .filter(|w| !w.is_empty())
    .any(|w| {
        tools::PROGRAMS.contains(&w)
            || builtins::DEFERRED.contains(&w)
            || KUBECTL_VERBS.iter().any(|v| key_word(v) == w)
    })
}

/// The word that marks a deferred verb in a line: its first (`top` for `top node`, `create`
/// for `create deployment`: the sub-commands of a deferred verb are all deferred, aliases
/// included).
fn key_word(verb: &str) -> &str {
    verb.split(' ').next().unwrap_or(verb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    #[test]
    fn every_program_the_tools_answer_is_listed_and_no_other() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        for p in tools::PROGRAMS {
            assert!(
                tools::run(&mut t, p, &[], "").is_some(),
                "{p} is listed but not run"
            );
        }
        for other in ["kubectl", "ls", "echo", "grep", "kubeadmx", ""] {
            assert!(tools::run(&mut t, other, &[], "").is_none(), "{other}");
        }
    }

    #[test]
    fn deferred_builtins_are_builtins_the_first_page_does_not_run() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        for b in builtins::DEFERRED {
            assert!(
                builtins::run_deferred(&mut t, b, &[], "").is_some(),
                "{b} is listed but not run"
            );
            assert!(builtins::run(&mut t, b, &[], "", false).is_none(), "{b}");
            let listed = builtins::COMMANDS.iter().any(|(n, _)| n == b);
            assert!(listed || *b == "egrep", "{b} not in help");
        }
        assert!(builtins::run_deferred(&mut t, "echo", &[], "").is_none());
        assert_eq!(
            t.run("echo b a | tr ' ' '\\n' | sort | head -1").stdout(),
            "a\n"
        );
    }

    #[test]
    fn every_deferred_verb_is_one_kubectl_runs() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        for v in KUBECTL_VERBS {
            let out = t.run(&format!("kubectl {v} --help"));
            assert_eq!(out.exit_code, 0, "kubectl {v} --help: {}", out.text());
            let out = t.run(&format!("kubectl {v}"));
            assert!(
                !out.text().contains("not modelled"),
                "kubectl {v}: {}",
                out.text()
            );
        }
    }

    #[test]
    fn lines_that_may_need_the_deferred_code() {
        for line in [
            "kubeadm init",
            "ssh cp-1",
            "sudo kubeadm reset",
            "kubectl describe pod x",
            "kubectl -n kube-system logs etcd",
            "kubectl get pods && kubectl rollout status deploy/web",
            "echo $(kind get clusters)",
            "kubectl create token default",
            "kubectl create deployment web --image=nginx",
            "kubectl apply -f web.yaml",
            "k scale deploy web --replicas=3",
            "kubectl top no",
            "KUBECONFIG=x gcloud container clusters list",
            "kubectl get pods | grep web",
        ] {
            assert!(needs(line), "{line}");
        }
        for line in [
            "kubectl get pods -A",
            "kubectl get deploy web -o yaml --show-labels",
            "kubectl config use-context kind-kind",
            "ls ~/.kube",
            "",
        ] {
            assert!(!needs(line), "{line}");
        }
    }
}
