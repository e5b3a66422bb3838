//! The terminal: a small bash-like shell with virtual files, `kubectl` and cluster tools.
//!
//! Pure: [`Terminal::run`] takes one command line and returns an [`Output`]; reading lines and
//! painting output is the caller's business (the Yew UI, or the native `kubesim` binary).
//!
//! ```
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let mut term = Terminal::new(World::new(1, Preset::Kind));
//! let out = term.run("kubectl get nodes");
//! assert!(out.stdout().starts_with("NAME "));
//! assert_eq!(term.run("foo").stderr(), "bash: foo: command not found\n");
//! ```

pub mod fs;
pub mod kubectl;
pub mod shell;

use crate::sim::World;
use std::collections::{BTreeMap, BTreeSet};

/// Which stream a piece of output went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// What a command line printed, in order, and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub chunks: Vec<(Stream, String)>,
    pub exit_code: i32,
    /// The screen should be cleared (`clear`, Ctrl+L) before showing the chunks.
    pub clear: bool,
}

impl Output {
    pub fn out(text: impl Into<String>) -> Self {
        let mut o = Output::default();
        o.print(text);
        o
    }
    /// Text on stderr (a newline is added) with an exit code.
    pub fn error(text: impl Into<String>, exit_code: i32) -> Self {
        let mut o = Output::default();
        o.err(text);
        o.exit_code = exit_code;
        o
    }
    pub fn print(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.chunks.push((Stream::Stdout, text));
        }
    }
    /// Adds a line on stderr (a newline is appended).
    pub fn err(&mut self, text: impl Into<String>) {
        let mut text = text.into();
        text.push('\n');
        self.chunks.push((Stream::Stderr, text));
    }
    fn append(&mut self, other: Output) {
        self.chunks.extend(other.chunks);
        self.exit_code = other.exit_code;
        self.clear |= other.clear;
    }
    pub fn stdout(&self) -> String {
        self.stream(Stream::Stdout)
    }
    pub fn stderr(&self) -> String {
        self.stream(Stream::Stderr)
    }
    /// Everything, as a terminal would show it (stdout and stderr interleaved).
    pub fn text(&self) -> String {
        self.chunks.iter().map(|(_, t)| t.as_str()).collect()
    }
    fn stream(&self, s: Stream) -> String {
        self.chunks
            .iter()
            .filter(|(k, _)| *k == s)
            .map(|(_, t)| t.as_str())
            .collect()
    }
}

/// The shell's built-in commands and the programs on its PATH, with a one-line summary each.
/// `help` prints this table; completion reads it.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "kubectl",
        "talk to the Kubernetes cluster of the current context (alias: k)",
    ),
    ("echo", "print its arguments"),
    ("clear", "clear the screen (Ctrl+L)"),
    ("sleep", "let N seconds of simulated time pass"),
    ("export", "set an environment variable: export NAME=value"),
    ("history", "list the commands typed so far"),
    ("help", "this list"),
];

/// One terminal session: the world it talks to, its files, variables and history.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub world: World,
    pub fs: fs::Fs,
    pub env: BTreeMap<String, String>,
    pub aliases: BTreeMap<String, String>,
    pub history: Vec<String>,
    pub cwd: String,
    /// Commands the current lesson disables (`kubeadm`, or `kubectl delete` for one verb):
    /// refused with `bash: <cmd>: disabled in this lesson`. Set by `lessons::session`.
    pub disabled_commands: BTreeSet<String>,
    /// Tab completion on or off (a lesson can turn it off).
    pub completion: bool,
}

impl Terminal {
    pub fn new(world: World) -> Self {
        let env = [
            ("HOME", fs::HOME),
            ("USER", "student"),
            ("SHELL", "/bin/bash"),
            ("?", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let aliases = [("k".to_string(), "kubectl".to_string())]
            .into_iter()
            .collect();
        Terminal {
            world,
            fs: fs::Fs::new(),
            env,
            aliases,
            history: Vec::new(),
            cwd: fs::HOME.to_string(),
            disabled_commands: BTreeSet::new(),
            completion: true,
        }
    }

    /// The cluster kubectl talks to. (For now the first cluster; the kubeconfig's current
    /// context decides once kubeconfig support lands.)
    pub fn current_cluster(&self) -> Option<String> {
        self.world.clusters.keys().next().cloned()
    }

    /// The prompt shown before each line.
    pub fn prompt(&self) -> String {
        let dir = match self.cwd.strip_prefix(fs::HOME) {
            Some(rest) => format!("~{rest}"),
            None => self.cwd.clone(),
        };
        format!("student@kubesim:{dir}$ ")
    }

    /// Runs one command line.
    pub fn run(&mut self, line: &str) -> Output {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            self.history.push(trimmed.to_string());
        }
        let script = match shell::parse(line, &self.env) {
            Ok(s) => s,
            Err(e) => {
                self.env.insert("?".into(), "2".into());
                return Output::error(e.to_string(), 2);
            }
        };
        let mut out = Output::default();
        for pipeline in script {
            let run_it = match pipeline.joiner {
                shell::Joiner::Always => true,
                shell::Joiner::And => out.exit_code == 0,
                shell::Joiner::Or => out.exit_code != 0,
            };
            if !run_it {
                continue;
            }
            let mut stdin: Option<String> = None;
            let mut result = Output::default();
            let count = pipeline.commands.len();
            for (i, words) in pipeline.commands.iter().enumerate() {
                let r = self.run_command(words, stdin.take().unwrap_or_default());
                if i + 1 < count {
                    // stdout feeds the next command; stderr still reaches the screen.
                    stdin = Some(r.stdout());
                    for (s, t) in r.chunks {
                        if s == Stream::Stderr {
                            result.chunks.push((s, t));
                        }
                    }
                    result.clear |= r.clear;
                } else {
                    result.append(r);
                }
            }
            out.append(result);
            self.env.insert("?".into(), out.exit_code.to_string());
        }
        out
    }

    fn run_command(&mut self, words: &[String], stdin: String) -> Output {
        let Some((cmd, args)) = words.split_first() else {
            return Output::default();
        };
        if let Some(expansion) = self.aliases.get(cmd).cloned() {
            let mut expanded: Vec<String> =
                expansion.split_whitespace().map(String::from).collect();
            expanded.extend(args.iter().cloned());
            if expanded.first() != Some(cmd) {
                return self.run_command(&expanded, stdin);
            }
        }
        if let Some(name) = self.disabled(cmd, args) {
            return Output::error(format!("bash: {name}: disabled in this lesson"), 126);
        }
        match cmd.as_str() {
            "kubectl" => kubectl::run(self, args),
            "echo" => Output::out(format!("{}\n", args.join(" "))),
            "clear" => Output {
                clear: true,
                ..Output::default()
            },
            "help" => Output::out(help_text()),
            "history" => Output::out(
                self.history
                    .iter()
                    .enumerate()
                    .map(|(i, h)| format!("{:>5}  {h}\n", i + 1))
                    .collect::<String>(),
            ),
            "export" => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.env.insert(k.to_string(), v.to_string());
                    }
                }
                Output::default()
            }
            "sleep" => match args
                .first()
                .and_then(|s| s.trim_end_matches('s').parse::<f64>().ok())
            {
                Some(secs) if secs >= 0.0 && secs.is_finite() => {
                    self.world.step((secs * 1000.0) as u64);
                    Output::default()
                }
                _ => Output::error(
                    format!(
                        "sleep: invalid time interval '{}'",
                        args.first().map_or("", String::as_str)
                    ),
                    1,
                ),
            },
            "cat" if args.is_empty() => Output::out(stdin),
            _ => Output::error(format!("bash: {cmd}: command not found"), 127),
        }
    }
}

impl Terminal {
    /// `Some("kubectl delete")` when the lesson disabled this command or this verb.
    fn disabled(&self, cmd: &str, args: &[String]) -> Option<String> {
        if self.disabled_commands.contains(cmd) {
            return Some(cmd.to_string());
        }
        let verb = args.iter().find(|a| !a.starts_with('-'))?;
        let pair = format!("{cmd} {verb}");
        self.disabled_commands.contains(&pair).then_some(pair)
    }
}

fn help_text() -> String {
    let mut s = String::from("Commands available in this terminal:\n");
    for (name, summary) in COMMANDS {
        s.push_str(&format!("  {name:<10} {summary}\n"));
    }
    s.push_str("Type a command and press Enter. Up/Down browse history.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    #[test]
    fn get_nodes_prints_the_kind_cluster() {
        let mut t = term();
        t.world.step(65_000);
        assert_eq!(
            t.run("kubectl get nodes").stdout(),
            "NAME                 STATUS   ROLES           AGE   VERSION\n\
             kind-control-plane   Ready    control-plane   65s   v1.34.1\n\
             kind-worker          Ready    <none>          65s   v1.34.1\n\
             kind-worker2         Ready    <none>          65s   v1.34.1\n"
        );
        assert_eq!(t.run("k get no kind-worker").stdout().lines().count(), 2);
    }

    #[test]
    fn errors_read_like_bash_and_kubectl() {
        let mut t = term();
        let out = t.run("foo bar");
        assert_eq!(
            (out.stderr().as_str(), out.exit_code),
            ("bash: foo: command not found\n", 127)
        );
        assert_eq!(t.run("echo $?").stdout(), "127\n");
        assert_eq!(
            t.run("kubectl get foo").stderr(),
            "error: the server doesn't have a resource type \"foo\"\n"
        );
        assert_eq!(
            t.run("kubectl get nodes nope").stderr(),
            "Error from server (NotFound): nodes \"nope\" not found\n"
        );
        assert_eq!(
            t.run("kubectl get pods").stderr(),
            "No resources found in default namespace.\n"
        );
        assert_eq!(
            t.run("kubectl get pods -n kube-system").stderr(),
            "No resources found in kube-system namespace.\n"
        );
        assert!(t
            .run("kubectl get pods -n")
            .stderr()
            .starts_with("error: flag needs an argument"));
    }

    #[test]
    fn operators_pipes_and_sleep() {
        let mut t = term();
        assert_eq!(
            t.run("foo && echo no; echo yes").text(),
            "bash: foo: command not found\nyes\n"
        );
        assert_eq!(t.run("foo || echo recovered").stdout(), "recovered\n");
        assert_eq!(t.run("echo hi | cat").stdout(), "hi\n");
        t.run("sleep 2");
        assert_eq!(t.world.now().as_ms(), 2000);
        assert_eq!(t.run("sleep x").exit_code, 1);
        assert!(t.run("help").stdout().contains("kubectl"));
        assert!(t.run("clear").clear);
    }

    #[test]
    fn lessons_can_disable_commands_and_verbs() {
        let mut t = term();
        t.disabled_commands.insert("sleep".into());
        t.disabled_commands.insert("kubectl version".into());
        let out = t.run("sleep 1");
        assert_eq!(
            (out.stderr().as_str(), out.exit_code),
            ("bash: sleep: disabled in this lesson\n", 126)
        );
        assert_eq!(
            t.run("k version").stderr(),
            "bash: kubectl version: disabled in this lesson\n"
        );
        assert!(t.run("kubectl get nodes").stderr().is_empty());
    }
}
