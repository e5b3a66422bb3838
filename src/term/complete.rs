//! Tab completion and history navigation for the terminal UI.
//!
//! [`complete`] looks at the word under the cursor and its context (first word of a command,
//! kubectl verb, `config` sub-command, resource type, object name, flag, flag value, file path)
//! and returns the candidates plus where the replaced word starts. The UI inserts the common
//! prefix ([`Completion::common_prefix`]) on Tab and lists the candidates on a second Tab.
//! [`HistoryCursor`] walks the history on ↑/↓ like bash (the line being typed is kept).
//!
//! ```
//! use kubesim::term::{Terminal, complete::complete};
//! use kubesim::sim::{World, presets::Preset};
//! let t = Terminal::new(World::new(1, Preset::Kind));
//! let c = complete(&t, "kubectl get no", 14);
//! assert_eq!((c.replace_from, c.candidates.contains(&"nodes".to_string())), (12, true));
//! assert_eq!(complete(&t, "kubectl config use-context ki", 29).candidates, vec!["kind-kind"]);
//! ```

use super::{builtins, kubectl, tools, Terminal};
use crate::sim::api;
use crate::sort::SortSmall;

/// What Tab can insert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset in the line where the word being completed starts.
    pub replace_from: usize,
    /// Sorted, de-duplicated candidates for that word (directories end with `/`).
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest prefix all candidates share (what a single Tab inserts).
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else {
            return String::new();
        };
        let mut len = first.len();
        for c in &self.candidates[1..] {
            len = len.min(
                first
                    .char_indices()
                    .zip(c.chars())
                    .take_while(|((_, a), b)| a == b)
                    .map(|((i, a), _)| i + a.len_utf8())
                    .last()
                    .unwrap_or(0),
            );
        }
        first.get(..len).unwrap_or("").to_string()
    }
    /// The line after applying the common prefix (or the single candidate plus a space).
    pub fn apply(&self, line: &str, cursor: usize) -> String {
        let cursor = cursor.min(line.len());
        let (Some(head), Some(tail)) = (line.get(..self.replace_from), line.get(cursor..)) else {
            return line.to_string();
        };
        let mut word = self.common_prefix();
        if self.candidates.len() == 1 && !word.ends_with('/') && !word.ends_with('=') {
            word.push(' ');
        }
        if word.is_empty() {
            return line.to_string();
        }
        format!("{head}{word}{tail}")
    }
}

/// Flags most kubectl verbs accept.
const KUBECTL_FLAGS: &[&str] = &[
    "--all-namespaces",
    "--context=",
    "--cluster=",
    "--dry-run=client",
    "--field-selector=",
    "--filename=",
    "--kubeconfig=",
    "--namespace=",
    "--output=",
    "--selector=",
    "--show-labels",
    "--sort-by=",
    "--user=",
    "--watch",
    "-A",
    "-f",
    "-l",
    "-n",
    "-o",
    "-w",
];

const OUTPUTS: &[&str] = &[
    "custom-columns=",
    "json",
    "jsonpath=",
    "name",
    "wide",
    "yaml",
];

/// Verbs whose next word is a resource type.
const TYPED_VERBS: &[&str] = &[
    "annotate", "delete", "describe", "edit", "explain", "get", "label", "patch", "scale", "wait",
];

/// Verbs whose next word is a pod name.
const POD_VERBS: &[&str] = &["attach", "exec", "logs", "port-forward"];

fn sorted(mut v: Vec<String>, prefix: &str) -> Vec<String> {
    v.retain(|c| c.starts_with(prefix));
    v.sort_small();
    v.dedup();
    v
}

fn contexts(term: &Terminal) -> (Vec<String>, Vec<String>, Vec<String>) {
    match kubectl::config::load(term, None) {
        Ok(l) => (
            l.merged.contexts.iter().map(|(n, _)| n.clone()).collect(),
            l.merged.clusters.iter().map(|(n, _)| n.clone()).collect(),
            l.merged.users.iter().map(|(n, _)| n.clone()).collect(),
        ),
        Err(_) => Default::default(),
    }
}

/// Names of objects of `res` in the current cluster (in `ns` for namespaced types).
fn object_names(term: &Terminal, res: &api::Resource, ns: &str) -> Vec<String> {
    let Ok(conn) = kubectl::config::connect(term, &kubectl::config::ConnFlags::default()) else {
        return Vec::new();
    };
    let Some(c) = term.world.clusters.get(&conn.cluster) else {
        return Vec::new();
    };
    let ns = if ns.is_empty() {
        conn.namespace.as_str()
    } else {
        ns
    };
    c.store
        .range(&res.storage_prefix(res.namespaced.then_some(ns)))
        .map(|kv| api::name_of(&kv.value).to_string())
        .collect()
}

fn resource_types() -> Vec<String> {
    let mut v = Vec::new();
    for r in api::RESOURCES {
        v.push(r.plural.to_string());
        v.extend(r.short_names.iter().map(|s| s.to_string()));
    }
    v.push("all".into());
    v
}

/// File and directory names for a partial path (directories get a trailing `/`).
fn files(term: &Terminal, partial: &str, dirs_only: bool) -> Vec<String> {
    let (dir_part, base) = match partial.rfind('/') {
        Some(i) => (&partial[..=i], &partial[i + 1..]),
        None => ("", partial),
    };
    let home = term.env.get("HOME").map_or("/home/student", String::as_str);
    let expanded = if let Some(rest) = dir_part.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else {
        dir_part.to_string()
    };
    let dir = term.resolve(if expanded.is_empty() { "." } else { &expanded });
    let fs = term.cur_fs();
    let Some(names) = fs.list(&dir) else {
        return Vec::new();
    };
    names
        .into_iter()
        .filter(|n| n.starts_with(base) && (base.starts_with('.') || !n.starts_with('.')))
        .filter_map(|n| {
            let full = format!("{}/{n}", dir.trim_end_matches('/'));
            if fs.is_dir(&full) {
                Some(format!("{dir_part}{n}/"))
            } else if dirs_only {
                None
            } else {
                Some(format!("{dir_part}{n}"))
            }
        })
        .collect()
}

/// Candidates for the word ending at `cursor` in `line`.
pub fn complete(term: &Terminal, line: &str, cursor: usize) -> Completion {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &line[..cursor];
    // The current command starts after the last `|`, `;` or `&&`.
    let cmd_start = before.rfind(['|', ';', '&']).map_or(0, |i| i + 1);
    let segment = &before[cmd_start..];
    let word_start = segment.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let partial = &segment[word_start..];
    let mut replace_from = cmd_start + word_start;
    let words: Vec<&str> = segment[..word_start].split_whitespace().collect();
    if !term.completion {
        return Completion {
            replace_from,
            candidates: Vec::new(),
        };
    }
    let mut first = words.first().copied().unwrap_or("");
    let alias_target = term.aliases.get(first).cloned();
    if let Some(a) = &alias_target {
        if a.split_whitespace().next() == Some("kubectl") {
            first = "kubectl";
        }
    }
    // `--flag=value` completes the value.
    let (flag_name, value_partial) = match partial.split_once('=') {
        Some((f, v)) if partial.starts_with("--") => (Some(f), v),
        _ => (None, partial),
    };
    if let Some(f) = flag_name {
        replace_from += f.len() + 1;
    }
    let candidates: Vec<String> = if words.is_empty() {
        if partial.contains('/') {
            files(term, partial, false)
        } else {
            let mut v: Vec<String> = builtins::COMMANDS
                .iter()
                .map(|(c, _)| c.to_string())
                .collect();
            v.extend(tools::TOOLS.iter().map(|(c, _)| c.to_string()));
            v.extend(term.aliases.keys().cloned());
            v.extend(["vi", "vim", "pwd", "egrep"].map(String::from));
            v.retain(|c| !term.disabled_commands.contains(c));
            sorted(v, partial)
        }
    } else if first == "kubectl" {
        kubectl_candidates(term, &words[1..], flag_name, value_partial, partial)
    } else {
        let prev = words.last().copied().unwrap_or("");
        match first {
            "ssh" => sorted(term.tools.machines.keys().cloned().collect(), partial),
            "docker" if words.get(1) == Some(&"exec") => sorted(
                term.tools
                    .machines
                    .iter()
                    .filter(|(_, m)| m.container)
                    .map(|(n, _)| n.clone())
                    .collect(),
                partial,
            ),
            "kind" => match words.len() {
                1 => sorted(
                    ["create", "delete", "get", "version"]
                        .map(String::from)
                        .to_vec(),
                    partial,
                ),
                2 if words[1] == "get" => sorted(
                    ["clusters", "kubeconfig", "nodes"]
                        .map(String::from)
                        .to_vec(),
                    partial,
                ),
                2 => sorted(vec!["cluster".into()], partial),
                _ if prev == "--name" => sorted(term.tools.kind_clusters.clone(), partial),
                _ => sorted(["--config", "--name"].map(String::from).to_vec(), partial),
            },
            "minikube" if words.len() == 1 => sorted(
                [
                    "delete", "ip", "kubectl", "ssh", "start", "status", "stop", "version",
                ]
                .map(String::from)
                .to_vec(),
                partial,
            ),
            "kubeadm" if words.len() == 1 => sorted(
                ["init", "join", "reset", "token", "version"]
                    .map(String::from)
                    .to_vec(),
                partial,
            ),
            "systemctl" if words.len() == 1 => sorted(
                ["is-active", "restart", "start", "status", "stop"]
                    .map(String::from)
                    .to_vec(),
                partial,
            ),
            "systemctl" | "journalctl" => sorted(
                ["containerd", "kubelet"].map(String::from).to_vec(),
                partial,
            ),
            "crictl" if words.len() == 1 => {
                sorted(["images", "pods", "ps"].map(String::from).to_vec(), partial)
            }
            "etcdctl" if words.len() == 1 => sorted(
                ["endpoint", "get", "member", "version"]
                    .map(String::from)
                    .to_vec(),
                partial,
            ),
            "cd" => files(term, partial, true),
            "which" | "help" | "type" | "sudo" => {
                let mut v: Vec<String> = builtins::COMMANDS
                    .iter()
                    .map(|(c, _)| c.to_string())
                    .collect();
                v.extend(tools::TOOLS.iter().map(|(c, _)| c.to_string()));
                sorted(v, partial)
            }
            "unalias" | "alias" => sorted(term.aliases.keys().cloned().collect(), partial),
            "unset" | "export" => sorted(
                term.env
                    .keys()
                    .filter(|k| k.as_str() != "?")
                    .cloned()
                    .collect(),
                partial,
            ),
            _ => files(term, partial, false),
        }
    };
    Completion {
        replace_from,
        candidates,
    }
}

fn kubectl_candidates(
    term: &Terminal,
    args: &[&str],
    flag_name: Option<&str>,
    value_partial: &str,
    partial: &str,
) -> Vec<String> {
    let (ctxs, clusters, users) = contexts(term);
    let namespaces = || {
        api::resource_for_kind("Namespace")
            .map(|r| object_names(term, r, ""))
            .unwrap_or_default()
    };
    // A value for `--flag=...` or for the flag just before.
    let prev = args.last().copied().unwrap_or("");
    let value_of = |flag: &str| -> Option<Vec<String>> {
        Some(match flag {
            "--context" => ctxs.clone(),
            "--cluster" => clusters.clone(),
            "--user" => users.clone(),
            "-n" | "--namespace" => namespaces(),
            "-o" | "--output" => OUTPUTS.iter().map(|s| s.to_string()).collect(),
            "-f" | "--filename" | "--kubeconfig" => files(term, value_partial, false),
            _ => return None,
        })
    };
    if let Some(f) = flag_name {
        return sorted(value_of(f).unwrap_or_default(), value_partial);
    }
    if let Some(v) = value_of(prev) {
        return sorted(v, partial);
    }
    if partial.starts_with('-') {
        return sorted(
            KUBECTL_FLAGS.iter().map(|s| s.to_string()).collect(),
            partial,
        );
    }
    // Positional words, skipping flags and their values.
    let mut pos: Vec<&str> = Vec::new();
    let mut skip = false;
    let mut namespace = String::new();
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            if matches!(*a, "-n" | "--namespace") {
                skip = true;
                namespace = String::new();
            }
            skip |= matches!(
                *a,
                "-o" | "-f"
                    | "-l"
                    | "--context"
                    | "--cluster"
                    | "--user"
                    | "--kubeconfig"
                    | "-c"
                    | "--container"
            );
            continue;
        }
        pos.push(a);
    }
    if let Some(i) = args.iter().position(|a| *a == "-n" || *a == "--namespace") {
        namespace = args.get(i + 1).map(|s| s.to_string()).unwrap_or_default();
    }
    let Some(verb) = pos.first().copied() else {
        // The one command table; `config` is dispatched before it (its own flags).
        let mut v: Vec<String> = kubectl::cli::verb_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.push("config".to_string());
        return sorted(v, partial);
    };
    match verb {
        "config" => match pos.get(1).copied() {
            None => sorted(
                kubectl::config::SUBCOMMANDS
                    .iter()
                    .map(|(s, _)| s.to_string())
                    .collect(),
                partial,
            ),
            Some(
                "use-context" | "use" | "delete-context" | "rename-context" | "set-context"
                | "get-contexts",
            ) if pos.len() == 2 => sorted(ctxs, partial),
            Some("delete-cluster" | "set-cluster") if pos.len() == 2 => sorted(clusters, partial),
            Some("delete-user" | "set-credentials") if pos.len() == 2 => sorted(users, partial),
            _ => Vec::new(),
        },
        v if POD_VERBS.contains(&v) && pos.len() == 1 => {
            let pods = api::resource_for("pods")
                .map(|r| object_names(term, r, &namespace))
                .unwrap_or_default();
            sorted(pods, partial)
        }
        v if TYPED_VERBS.contains(&v) || v == "rollout" => {
            let type_at = if v == "rollout" { 2 } else { 1 };
            if v == "rollout" && pos.len() == 1 {
                return sorted(
                    ["history", "pause", "restart", "resume", "status", "undo"]
                        .map(String::from)
                        .to_vec(),
                    partial,
                );
            }
            if pos.len() == type_at {
                if let Some((ty, name)) = partial.split_once('/') {
                    let Some(res) = api::resource_for(ty) else {
                        return Vec::new();
                    };
                    let names = object_names(term, res, &namespace);
                    return sorted(
                        names.into_iter().map(|n| format!("{ty}/{n}")).collect(),
                        &format!("{ty}/{name}"),
                    );
                }
                return sorted(resource_types(), partial);
            }
            let Some(res) = pos
                .get(type_at)
                .and_then(|t| api::resource_for(t.split(',').next().unwrap_or(t)))
            else {
                return Vec::new();
            };
            sorted(object_names(term, res, &namespace), partial)
        }
        "apply" | "create" | "replace" => Vec::new(),
        _ => Vec::new(),
    }
}

/// ↑/↓ through the history, keeping the line being typed (bash's behaviour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryCursor {
    /// Index into the history while browsing; `None` when editing the new line.
    pub pos: Option<usize>,
    /// What was typed before browsing started.
    pub draft: String,
}

impl HistoryCursor {
    /// ↑: the previous entry (stays on the oldest).
    pub fn up(&mut self, history: &[String], current: &str) -> String {
        if history.is_empty() {
            return current.to_string();
        }
        let next = match self.pos {
            None => {
                self.draft = current.to_string();
                history.len() - 1
            }
            Some(p) => p.saturating_sub(1),
        };
        self.pos = Some(next);
        history.get(next).cloned().unwrap_or_default()
    }
    /// ↓: the next entry, then back to the draft.
    pub fn down(&mut self, history: &[String]) -> String {
        match self.pos {
            Some(p) if p + 1 < history.len() => {
                self.pos = Some(p + 1);
                history.get(p + 1).cloned().unwrap_or_default()
            }
            _ => {
                self.pos = None;
                std::mem::take(&mut self.draft)
            }
        }
    }
    /// Ctrl+R: the most recent entry containing `needle`, before the current position.
    pub fn search(&mut self, history: &[String], needle: &str) -> Option<String> {
        let end = self.pos.unwrap_or(history.len());
        let i = history[..end.min(history.len())]
            .iter()
            .rposition(|h| h.contains(needle))?;
        self.pos = Some(i);
        history.get(i).cloned()
    }
}

impl Terminal {
    /// See [`complete`].
    pub fn complete(&self, line: &str, cursor: usize) -> Completion {
        complete(self, line, cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{presets::Preset, World};

    fn c(t: &Terminal, line: &str) -> Vec<String> {
        complete(t, line, line.len()).candidates
    }

    #[test]
    fn completes_by_context() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        assert_eq!(c(&t, "kubec"), vec!["kubectl"]);
        assert!(c(&t, "kubectl ").contains(&"get".to_string()));
        assert_eq!(c(&t, "k desc"), vec!["describe"]);
        assert_eq!(
            c(&t, "kubectl get nodes kind-w"),
            vec!["kind-worker", "kind-worker2"]
        );
        assert_eq!(
            c(&t, "kubectl get no/kind-c"),
            vec!["no/kind-control-plane"]
        );
        assert_eq!(
            c(&t, "kubectl get ns kube-"),
            vec!["kube-node-lease", "kube-public", "kube-system"]
        );
        assert_eq!(c(&t, "kubectl get pods -n kube-s"), vec!["kube-system"]);
        assert_eq!(c(&t, "kubectl --context=ki"), vec!["kind-kind"]);
        assert_eq!(complete(&t, "kubectl --context=ki", 20).replace_from, 18);
        assert_eq!(c(&t, "kubectl config use"), vec!["use-context"]);
        assert_eq!(c(&t, "kubectl get pods -o ya"), vec!["yaml"]);
        assert!(c(&t, "kubectl get --all").contains(&"--all-namespaces".to_string()));
        t.run("mkdir -p app; touch app/web.yaml app/db.yaml");
        assert_eq!(c(&t, "kubectl apply -f app/w"), vec!["app/web.yaml"]);
        assert_eq!(c(&t, "cat ap"), vec!["app/"]);
        assert_eq!(c(&t, "cat ~/.ku"), vec!["~/.kube/"]);
        assert_eq!(c(&t, "cd a"), vec!["app/"]);
        assert_eq!(c(&t, "ssh kind-w"), vec!["kind-worker", "kind-worker2"]);
        assert_eq!(c(&t, "ls | gr"), vec!["grep"]);
        let comp = complete(&t, "kubectl get nodes kind-w", 24);
        assert_eq!(
            comp.apply("kubectl get nodes kind-w", 24),
            "kubectl get nodes kind-worker"
        );
        t.completion = false;
        assert!(c(&t, "kubec").is_empty());
    }

    #[test]
    fn history_cursor_keeps_the_draft() {
        let h: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut hc = HistoryCursor::default();
        assert_eq!(hc.up(&h, "dra"), "c");
        assert_eq!(hc.up(&h, "c"), "b");
        assert_eq!(hc.down(&h), "c");
        assert_eq!(hc.down(&h), "dra");
        assert_eq!(hc.search(&h, "a"), Some("a".to_string()));
    }
}
