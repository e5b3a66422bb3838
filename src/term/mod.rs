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

pub mod builtins;
pub mod complete;
pub mod deferred;
pub mod fs;
pub mod kubeconfig;
pub mod kubectl;
pub mod pattern;
pub mod shell;
pub mod tools;

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
    /// `nano`/`vi`/`vim FILE`: the UI should open its editor panel on this absolute path
    /// (of the host the shell is on, see [`Terminal::read_file`] / [`Terminal::write_file`]).
    pub open_editor: Option<String>,
    /// `exit` on the laptop: the session is over (the native REPL quits; the browser ignores it).
    pub close: bool,
    /// A stream was started (`kubectl get -w`, `rollout status`, `logs -f`): call
    /// [`Terminal::poll_watch`] after each world step until it ends or Ctrl+C
    /// ([`Terminal::cancel_watch`]).
    pub streaming: bool,
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
    /// An exit code and nothing printed (`true`, `false`).
    pub fn code(exit_code: i32) -> Self {
        Output {
            exit_code,
            ..Output::default()
        }
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
    /// Adds text on stderr as is (no newline added).
    pub fn err_raw(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.chunks.push((Stream::Stderr, text));
        }
    }
    pub fn append(&mut self, other: Output) {
        self.chunks.extend(other.chunks);
        self.exit_code = other.exit_code;
        self.clear |= other.clear;
        self.close |= other.close;
        self.streaming |= other.streaming;
        if other.open_editor.is_some() {
            self.open_editor = other.open_editor;
        }
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

pub use builtins::COMMANDS;

/// A shell the user left for another host with `ssh` (or `docker exec`): restored on `exit`.
#[derive(Debug, Clone)]
pub struct SavedShell {
    pub host: Option<String>,
    pub user: String,
    pub env: BTreeMap<String, String>,
    pub cwd: String,
}

/// One terminal session: the world it talks to, its files, variables and history.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub world: World,
    /// The laptop's files (machines reached with `ssh` have their own, in [`tools::State`]).
    pub fs: fs::Fs,
    pub env: BTreeMap<String, String>,
    pub aliases: BTreeMap<String, String>,
    pub history: Vec<String>,
    pub cwd: String,
    /// `None` on the laptop; the machine or node name after `ssh NAME`.
    pub host: Option<String>,
    /// The user the shell runs as (`student` on the laptop, `root` on machines).
    pub user: String,
    /// Shells to come back to on `exit`, innermost last.
    pub ssh_stack: Vec<SavedShell>,
    /// What the cluster tools remember (machines, kind/minikube clusters, cloud accounts).
    pub tools: tools::State,
    /// Commands the current lesson disables (`kubeadm`, or `kubectl delete` for one verb):
    /// refused with `bash: <cmd>: disabled in this lesson`. Set by `lessons::session`.
    pub disabled_commands: BTreeSet<String>,
    /// Tab completion on or off (a lesson can turn it off).
    pub completion: bool,
    /// The running kubectl stream, if any (see [`kubectl::watch`]).
    pub watch: Option<kubectl::watch::Watch>,
    /// The object `kubectl edit` is editing (see [`kubectl::edit`]).
    pub pending_edit: Option<kubectl::edit::PendingEdit>,
}

impl Terminal {
    /// A terminal on the laptop, with `~/.kube/config` written the way the preset's tool
    /// writes it.
    pub fn new(world: World) -> Self {
        let env = [
            ("HOME", fs::HOME),
            ("USER", "student"),
            ("SHELL", "/bin/bash"),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
            ("?", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let env = crate::sort::map_of(env);
        let aliases = crate::sort::map_of([("k".to_string(), "kubectl".to_string())]);
        let mut term = Terminal {
            world,
            fs: fs::Fs::new(),
            env,
            aliases,
            history: Vec::new(),
            cwd: fs::HOME.to_string(),
            host: None,
            user: "student".to_string(),
            ssh_stack: Vec::new(),
            tools: tools::State::default(),
            disabled_commands: BTreeSet::new(),
            completion: true,
            watch: None,
            pending_edit: None,
        };
        tools::setup(&mut term);
        term
    }

    /// The cluster kubectl talks to with the current kubeconfig and no flags, if it answers.
    pub fn current_cluster(&self) -> Option<String> {
        kubectl::config::connect(self, &kubectl::config::ConnFlags::default())
            .ok()
            .map(|c| c.cluster)
    }

    /// New output of the running kubectl stream (call after each world step); the stream
    /// ends by itself when done (a rollout completed): `streaming` is false then.
    pub fn poll_watch(&mut self) -> Output {
        let Some(mut w) = self.watch.take() else {
            return Output::default();
        };
        let (mut out, done) = w.poll(&mut self.world);
        if !done {
            self.watch = Some(w);
            out.streaming = true;
        }
        out
    }

    /// Ctrl+C: stops the running kubectl stream.
    pub fn cancel_watch(&mut self) {
        self.watch = None;
    }

    /// The UI's editor panel was closed on `path` (saved or not). When `kubectl edit` opened
    /// it, this applies the edit and returns kubectl's answer; otherwise nothing.
    pub fn editor_closed(&mut self, path: &str) -> Output {
        kubectl::edit::finish(self, path)
    }

    /// The files of the host the shell is on.
    pub fn cur_fs(&self) -> &fs::Fs {
        self.host
            .as_ref()
            .and_then(|h| self.tools.machines.get(h))
            .map_or(&self.fs, |m| &m.fs)
    }
    pub fn cur_fs_mut(&mut self) -> &mut fs::Fs {
        match self.host.as_ref() {
            Some(h) if self.tools.machines.contains_key(h) => {
                match self.tools.machines.get_mut(h) {
                    Some(m) => &mut m.fs,
                    None => &mut self.fs,
                }
            }
            _ => &mut self.fs,
        }
    }
    /// Reads a file on the current host (for the UI's editor panel).
    pub fn read_file(&self, path: &str) -> Option<String> {
        self.cur_fs().read(&self.resolve(path)).map(str::to_string)
    }
    /// Writes a file on the current host (the UI's editor panel saves through this).
    pub fn write_file(&mut self, path: &str, contents: &str) {
        let p = self.resolve(path);
        self.cur_fs_mut().write(&p, contents);
    }
    /// Seeds a lesson file in the laptop's home: `seed_file("app/web.yaml", "...")`.
    pub fn seed_file(&mut self, path: &str, contents: &str) {
        let p = fs::Fs::resolve(fs::HOME, path);
        self.fs.write(&p, contents);
    }
    /// An absolute path for `path` typed in the current directory.
    pub fn resolve(&self, path: &str) -> String {
        fs::Fs::resolve(&self.cwd, path)
    }

    /// The prompt shown before each line (`student@laptop:~$ `, `root@cp-1:~# `).
    pub fn prompt(&self) -> String {
        let home = self.env.get("HOME").map_or(fs::HOME, String::as_str);
        let dir = match self.cwd.strip_prefix(home) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
            _ => self.cwd.clone(),
        };
        let host = self.host.as_deref().unwrap_or("laptop");
        let sigil = if self.user == "root" { '#' } else { '$' };
        format!("{}@{host}:{dir}{sigil} ", self.user)
    }

    /// Does `line` need more lines before it can run (open quote or here-document, trailing
    /// `|`)? The UI then shows `> ` and sends the lines joined with `\n` to [`Terminal::run`].
    pub fn needs_more_input(line: &str) -> bool {
        shell::incomplete(line)
    }

    /// Runs one command line (which may span several lines: here-documents, `\`).
    pub fn run(&mut self, line: &str) -> Output {
        let trimmed = line.trim();
        // Like bash with HISTCONTROL=ignoreboth: a line starting with a space is not kept.
        if !trimmed.is_empty() && !line.starts_with(' ') {
            self.history.push(trimmed.to_string());
        }
        self.run_line(line, 0)
    }

    /// Replaces each `$(...)` by what its command prints (run now, like bash, before the
    /// line); the inner commands' errors go to `errors`. `depth` bounds nesting.
    fn expand_substitutions(&mut self, line: &str, depth: usize, errors: &mut Output) -> String {
        const MAX_DEPTH: usize = 8;
        let subs = shell::substitutions(line);
        if subs.is_empty() {
            return line.to_string();
        }
        let mut out = String::with_capacity(line.len());
        let mut last = 0;
        for sub in subs {
            out.push_str(&line[last..sub.start]);
            let printed = if depth >= MAX_DEPTH {
                errors.err("bash: command substitution: nested too deeply");
                String::new()
            } else {
                let inner = self.run_line(&sub.inner, depth + 1);
                for (stream, text) in &inner.chunks {
                    if *stream == Stream::Stderr {
                        errors.chunks.push((Stream::Stderr, text.clone()));
                    }
                }
                inner.stdout()
            };
            out.push_str(&shell::quote_substituted(&printed, sub.quoted));
            last = sub.end;
        }
        out.push_str(&line[last..]);
        out
    }

    fn run_line(&mut self, line: &str, depth: usize) -> Output {
        let mut out = Output::default();
        let expanded = self.expand_substitutions(line, depth, &mut out);
        let line = expanded.as_str();
        let script = match shell::parse(line, &self.env) {
            Ok(s) => s,
            Err(e @ shell::ShellError::UnclosedHeredoc(_)) => {
                // bash warns and runs what it has; we only warn (the UI asks for more first).
                self.env.insert("?".into(), "0".into());
                return Output::error(e.to_string(), 0);
            }
            Err(e) => {
                self.env.insert("?".into(), "2".into());
                return Output::error(e.to_string(), 2);
            }
        };
        for index in 0..script.len() {
            // Like bash, each pipeline's `$VAR`s expand when it runs (after the previous one's
            // `export`), so re-parse with the current environment and take pipeline `index`.
            // Expansion never creates operators, so the pipeline boundaries do not move.
            let pipeline = if index == 0 {
                script.first().cloned()
            } else {
                shell::parse(line, &self.env)
                    .ok()
                    .and_then(|s| s.get(index).cloned())
            };
            let Some(pipeline) = pipeline else { break };
            let run_it = match pipeline.joiner {
                shell::Joiner::Always => true,
                shell::Joiner::And => out.exit_code == 0,
                shell::Joiner::Or => out.exit_code != 0,
            };
            if !run_it {
                continue;
            }
            let result = self.run_pipeline(&pipeline);
            out.append(result);
            self.env.insert("?".into(), out.exit_code.to_string());
            if out.close {
                break;
            }
        }
        out
    }

    fn run_pipeline(&mut self, pipeline: &shell::Pipeline) -> Output {
        let mut stdin = String::new();
        let mut result = Output::default();
        let count = pipeline.commands.len();
        for (i, cmd) in pipeline.commands.iter().enumerate() {
            let last = i + 1 == count;
            let mut input = std::mem::take(&mut stdin);
            if let Some(h) = &cmd.heredoc {
                input = h.clone();
            }
            let mut failed = None;
            for r in &cmd.redirects {
                if let shell::Redirect::FromFile(path) = r {
                    let p = self.resolve(path);
                    match self.cur_fs().read(&p) {
                        Some(t) => input = t.to_string(),
                        None if self.cur_fs().is_dir(&p) => {
                            failed = Some(format!("bash: {path}: Is a directory"))
                        }
                        None => failed = Some(format!("bash: {path}: No such file or directory")),
                    }
                }
            }
            let r = match failed {
                Some(msg) => Output::error(msg, 1),
                None => self.run_command(&cmd.words, input, !last),
            };
            // Where fd 1 and fd 2 go, after the redirections (applied left to right).
            #[derive(Clone, PartialEq)]
            enum Sink {
                Out,
                Err,
                File(String),
            }
            let (mut s1, mut s2) = (Sink::Out, Sink::Err);
            let mut bad_target = None;
            for red in &cmd.redirects {
                match red {
                    shell::Redirect::ToFile { fd, path, append } => {
                        let p = self.resolve(path);
                        if self.cur_fs().is_dir(&p) {
                            bad_target = Some(format!("bash: {path}: Is a directory"));
                            break;
                        }
                        if !self.cur_fs().is_dir(&fs::parent_of(&p)) {
                            bad_target = Some(format!("bash: {path}: No such file or directory"));
                            break;
                        }
                        if !append {
                            self.cur_fs_mut().write(&p, "");
                        } else {
                            self.cur_fs_mut().append(&p, "");
                        }
                        if *fd == 2 {
                            s2 = Sink::File(p);
                        } else {
                            s1 = Sink::File(p);
                        }
                    }
                    shell::Redirect::Dup { fd, to } => {
                        if *fd == 2 && *to == 1 {
                            s2 = s1.clone();
                        } else if *fd == 1 && *to == 2 {
                            s1 = s2.clone();
                        }
                    }
                    shell::Redirect::FromFile(_) => {}
                }
            }
            if let Some(msg) = bad_target {
                let mut o = Output::error(msg, 1);
                if !last {
                    result.chunks.append(&mut o.chunks);
                    continue;
                }
                result.append(o);
                continue;
            }
            let mut piped = String::new();
            let mut shown = Vec::new();
            for (stream, text) in r.chunks {
                let sink = if stream == Stream::Stdout { &s1 } else { &s2 };
                match sink {
                    Sink::File(p) => {
                        let p = p.clone();
                        self.cur_fs_mut().append(&p, &text);
                    }
                    Sink::Out if !last => piped.push_str(&text),
                    Sink::Out => shown.push((Stream::Stdout, text)),
                    Sink::Err => shown.push((Stream::Stderr, text)),
                }
            }
            result.chunks.extend(shown);
            result.clear |= r.clear;
            result.close |= r.close;
            result.streaming |= r.streaming;
            if r.open_editor.is_some() {
                result.open_editor = r.open_editor;
            }
            result.exit_code = r.exit_code;
            stdin = piped;
        }
        result
    }

    /// Runs one simple command (`words`, after variable expansion) with `stdin`.
    /// `piped`: its stdout goes to another command (`ls` prints one name per line then).
    pub fn run_command(&mut self, words: &[String], stdin: String, piped: bool) -> Output {
        // Leading `NAME=value` words: alone they set shell variables; before a command they
        // set them for that command only.
        let n_assign = words.iter().take_while(|w| is_assignment(w)).count();
        if n_assign > 0 {
            let (assigns, rest) = words.split_at(n_assign);
            let mut saved = Vec::new();
            for a in assigns {
                if let Some((k, v)) = a.split_once('=') {
                    saved.push((k.to_string(), self.env.insert(k.to_string(), v.to_string())));
                }
            }
            if rest.is_empty() {
                return Output::default();
            }
            let out = self.run_command(rest, stdin, piped);
            for (k, old) in saved.into_iter().rev() {
                match old {
                    Some(v) => self.env.insert(k, v),
                    None => self.env.remove(&k),
                };
            }
            return out;
        }
        let Some((cmd, args)) = words.split_first() else {
            return Output::default();
        };
        if let Some(expansion) = self.aliases.get(cmd).cloned() {
            let mut expanded: Vec<String> =
                expansion.split_whitespace().map(String::from).collect();
            expanded.extend(args.iter().cloned());
            if expanded.first() != Some(cmd) {
                return self.run_command(&expanded, stdin, piped);
            }
        }
        if let Some(name) = self.disabled(cmd, args) {
            return Output::error(format!("bash: {name}: disabled in this lesson"), 126);
        }
        if cmd == "kubectl" {
            return kubectl::run(self, args, &stdin);
        }
        if let Some(out) = deferred::tool(self, cmd, args, &stdin) {
            return out;
        }
        if let Some(out) = builtins::run(self, cmd, args, &stdin, piped) {
            return out;
        }
        if let Some(out) = deferred::builtin(self, cmd, args, &stdin) {
            return out;
        }
        Output::error(format!("bash: {cmd}: command not found"), 127)
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

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    #[test]
    fn command_substitution_runs_first_and_splits_like_bash() {
        let mut t = Terminal::new(World::new(1, crate::sim::presets::Preset::Kind));
        assert_eq!(
            t.run(r#"echo "$(echo 'hi   there')" $(echo 'a   b')"#)
                .stdout(),
            "hi   there a b\n"
        );
        assert_eq!(
            t.run("echo $(echo '|' x)").stdout(),
            "| x\n",
            "output is data, not operators"
        );
        let out = t.run("echo $(nope)x");
        assert_eq!(
            (out.stdout().as_str(), out.stderr().as_str()),
            ("x\n", "bash: nope: command not found\n")
        );
        assert_eq!(t.run("echo $(echo $(echo deep))").stdout(), "deep\n");
        assert_eq!(t.history.len(), 4, "inner commands are not history entries");
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
            t.run("kubectl get pods -n kube-public").stderr(),
            "No resources found in kube-public namespace.\n"
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
