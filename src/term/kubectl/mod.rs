//! `kubectl`: parse the words into a command and flags ([`cli`]), then run the verb against the
//! cluster the current context names.
//!
//! Start with [`run`]. The command table ([`cli::COMMANDS`]) drives parsing, `--help`,
//! completion and per-lesson disabled commands. Each verb lives in its own file and gets a
//! [`Ctx`] (terminal, parsed flags, stdin). Printing: [`printers`] (tabwriter, ages),
//! [`tables`] (one table per kind), [`format`] (`-o yaml|json|name|jsonpath|custom-columns`).
//! Long-running commands (`get -w`, `rollout status`, `logs -f`) hand a [`watch::Watch`] to the
//! terminal, which the UI polls after each world step (see [`crate::term::Terminal::poll_watch`]).
//!
//! ```
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let mut t = Terminal::new(World::new(1, Preset::Kind));
//! assert_eq!(t.run("kubectl create namespace dev").stdout(), "namespace/dev created\n");
//! assert!(t.run("kubectl gett").stderr().contains("Did you mean this?\n\tget"));
//! ```

pub mod cli;
pub mod codec;
pub mod config;
pub mod describe;
pub mod edit;
pub mod format;
pub mod get;
pub mod info;
pub mod jsonpath;
pub mod merge;
pub mod mutate;
pub mod ops;
pub mod printers;
pub mod select;
pub mod tables;
pub mod token;
pub mod top;
pub mod watch;

use super::{Output, Terminal};
use crate::sim::apiserver::{ApiError, ApiServer};
use cli::{Command, Parsed};

/// Everything a verb needs: the terminal, the command it runs as, its parsed flags and stdin.
pub struct Ctx<'a> {
    pub term: &'a mut Terminal,
    pub cmd: &'static Command,
    pub p: Parsed,
    pub stdin: String,
    /// A line a helper wants on stderr before the command's own output (`Found 2 pods, ...`).
    pub note: Option<String>,
}

/// The connection error kubectl prints when no server answers.
pub const NO_SERVER: &str =
    "The connection to the server localhost:8080 was refused - did you specify the right host or port?";

impl Ctx<'_> {
    /// The connection flags (`--context`, `--kubeconfig`, `--user`, `-n`, ...) as given.
    pub fn conn_flags(&self) -> config::ConnFlags {
        config::ConnFlags::from_lookup(|k| self.p.value(k).map(str::to_string))
    }
    /// The connection the kubeconfig and flags give, or kubectl's connection/auth error.
    pub fn conn(&self) -> Result<config::Conn, Output> {
        config::connect(self.term, &self.conn_flags())
    }
    /// `-n`, else the context's namespace, else `default`.
    pub fn namespace(&self) -> String {
        if let Some(n) = self.p.value("namespace").filter(|n| !n.is_empty()) {
            return n.to_string();
        }
        self.conn()
            .map(|c| c.namespace)
            .unwrap_or_else(|_| "default".to_string())
    }
    pub fn all_namespaces(&self) -> bool {
        self.p.on("all-namespaces")
    }
    /// The cluster the context names, or kubectl's connection/auth error.
    pub fn cluster(&self) -> Result<String, Output> {
        self.conn().map(|c| c.cluster)
    }
    /// RBAC for one request as the current user: `Err` is kubectl's Forbidden output.
    pub fn authorize(
        &self,
        verb: &str,
        res: &crate::sim::api::Resource,
        ns: Option<&str>,
        name: Option<&str>,
    ) -> Result<(), Output> {
        let conn = self.conn()?;
        let ns = if res.namespaced { ns } else { None };
        config::authorize(self.term, &conn, verb, res.plural, res.group(), ns, name)
    }
    /// The API server of the current cluster, acting as `kubectl`.
    pub fn api(&mut self) -> Result<ApiServer<'_>, Output> {
        let cluster = self.cluster()?;
        self.term
            .world
            .api(&cluster, "kubectl")
            .ok_or_else(|| Output::error(NO_SERVER, 1))
    }
    /// `error: <msg>` (exit 1).
    pub fn fail(&self, msg: impl AsRef<str>) -> Output {
        Output::error(format!("error: {}", msg.as_ref()), 1)
    }
    /// A usage error: `error: <msg>` + `See 'kubectl get -h' for help and examples`.
    pub fn usage(&self, msg: impl AsRef<str>) -> Output {
        Output::error(
            format!(
                "error: {}\nSee '{} -h' for help and examples",
                msg.as_ref(),
                self.cmd.full_name()
            ),
            1,
        )
    }
    /// A server error as kubectl prints it.
    pub fn api_err(e: &ApiError) -> Output {
        Output::error(e.kubectl_message(), 1)
    }
    /// Reads `-f` sources: files, directories (their .yaml/.yml/.json files) or `-` (stdin).
    pub fn read_sources(&self) -> Result<Vec<(String, String)>, Output> {
        let mut out = Vec::new();
        for f in self.p.values("filename") {
            if f == "-" {
                out.push(("STDIN".to_string(), self.stdin.clone()));
                continue;
            }
            if f.starts_with("http://") || f.starts_with("https://") {
                // Well-known manifests (flannel, calico) are served offline; nothing else is.
                match crate::term::tools::manifests::for_url(&f) {
                    Some(text) => {
                        out.push((f.clone(), text.to_string()));
                        continue;
                    }
                    None => {
                        return Err(self.fail(format!(
                            "unable to read URL \"{f}\", server reported 404 Not Found, status code=404"
                        )))
                    }
                }
            }
            let path = crate::term::fs::Fs::resolve(&self.term.cwd, &f);
            if let Some(text) = self.term.cur_fs().read(&path) {
                out.push((f.clone(), text.to_string()));
            } else if self.term.cur_fs().is_dir(&path) {
                let prefix = format!("{}/", path.trim_end_matches('/'));
                let recursive = self.p.on("recursive");
                let files: Vec<String> = self
                    .term
                    .cur_fs()
                    .files_under(&path)
                    .into_iter()
                    .filter(|f| recursive || !f[prefix.len().min(f.len())..].contains('/'))
                    .collect();
                for file in files {
                    if [".yaml", ".yml", ".json"].iter().any(|e| file.ends_with(e)) {
                        if let Some(text) = self.term.cur_fs().read(&file) {
                            out.push((file.clone(), text.to_string()));
                        }
                    }
                }
            } else {
                return Err(self.fail(format!("the path \"{f}\" does not exist")));
            }
        }
        Ok(out)
    }
}

/// Runs `kubectl <args>` with `stdin` (the previous pipeline stage or a heredoc).
pub fn run(term: &mut Terminal, args: &[String], stdin: &str) -> Output {
    // Find the verb: the first word that is not a flag or a global flag's value.
    let mut i = 0;
    let mut verb_at = None;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let takes = cli::GLOBAL_FLAGS
                .iter()
                .any(|f| f.long == long && f.takes_value);
            i += 1 + usize::from(takes);
            continue;
        }
        if a.len() == 2 && a.starts_with('-') {
            let c = a.chars().nth(1).unwrap_or('-');
            let takes = cli::GLOBAL_FLAGS
                .iter()
                .any(|f| f.short == c && f.takes_value);
            i += 1 + usize::from(takes);
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            i += 1;
            continue;
        }
        verb_at = Some(i);
        break;
    }
    let Some(verb_at) = verb_at else {
        if args.iter().any(|a| a == "--help" || a == "-h") || args.is_empty() {
            return Output::out(cli::root_help());
        }
        let root = cli::Command {
            path: &[],
            aliases: &[],
            short: "",
            usage: "",
            examples: "",
            flags: &[],
            group: "",
        };
        return match cli::parse(&root, args) {
            Err(e) => Output::error(format!("error: {e}\nSee 'kubectl --help' for usage."), 1),
            Ok(_) => Output::out(cli::root_help()),
        };
    };
    let verb = args[verb_at].as_str();
    match verb {
        "help" => return Output::out(cli::root_help()),
        "options" => return Output::out(cli::options_help()),
        // `config` parses its own flags (`set-context --current`, `view --minify`); global
        // flags typed before the verb are handed over.
        "config" => {
            let mut a: Vec<String> = args[verb_at + 1..].to_vec();
            a.extend(args[..verb_at].iter().cloned());
            return config::run(term, &a);
        }
        _ => {}
    }
    let Some(mut cmd) = cli::find(&[verb]) else {
        return Output::error(cli::unknown_command(verb, "kubectl"), 1);
    };
    let mut rest: Vec<String> = args[..verb_at].to_vec();
    let mut tail: Vec<String> = args[verb_at + 1..].to_vec();
    // Descend into sub-commands (`create deployment`, `create service nodeport`).
    loop {
        if cmd.subcommands().next().is_none() {
            break;
        }
        let Some(pos) = tail.iter().position(|a| !a.starts_with('-')) else {
            break;
        };
        if tail[..pos].iter().any(|a| a == "--") {
            break;
        }
        let word = cli::canonical_subcommand(cmd.path, &tail[pos]);
        let mut path: Vec<&str> = cmd.path.to_vec();
        path.push(word.as_str());
        match cli::find(&path) {
            Some(sub) => {
                cmd = sub;
                tail.remove(pos);
            }
            None => {
                if matches!(cmd.path, ["create"]) {
                    break;
                }
                return Output::error(cli::unknown_command(&tail[pos], &cmd.full_name()), 1);
            }
        }
    }
    rest.extend(tail);
    let p = match cli::parse(cmd, &rest) {
        Ok(p) => p,
        Err(e) => {
            return Output::error(
                format!("error: {e}\nSee '{} --help' for usage.", cmd.full_name()),
                1,
            )
        }
    };
    if p.on("help") {
        return Output::out(cli::help(cmd));
    }
    let key = cmd.path.join(" ");
    // The shell refuses `kubectl <verb>`; sub-commands (`kubectl create deployment`) here.
    if term.disabled_commands.contains(&format!("kubectl {key}")) {
        return Output::error(format!("bash: kubectl {key}: disabled in this lesson"), 126);
    }
    let mut ctx = Ctx {
        term,
        cmd,
        p,
        stdin: stdin.to_string(),
        note: None,
    };
    let out = match key.as_str() {
        k if super::deferred::KUBECTL_VERBS.contains(&k) => super::deferred::kubectl(&mut ctx, k),
        "get" => get::run(&mut ctx),
        "auth can-i" => info::can_i(&mut ctx),
        "auth whoami" => config::whoami(ctx.term, &ctx.conn_flags()),
        "events" => get::events(&mut ctx),
        "rollout" | "set" | "top" | "auth" | "create service" | "create secret" => {
            Output::out(cli::help(cmd))
        }
        other => Output::error(
            format!("error: \"kubectl {other}\" is not modelled by this simulator"),
            1,
        ),
    };
    match ctx.note.take() {
        Some(note) => {
            let mut o = Output::error(note, out.exit_code);
            o.append(out);
            o
        }
        None => out,
    }
}

/// The verbs of [`super::deferred::KUBECTL_VERBS`]: reached through [`super::deferred::run`]
/// only, so the browser build can download their code after the first page.
pub fn run_deferred(ctx: &mut Ctx, verb: &str) -> Output {
    match verb {
        "describe" => describe::run(ctx),
        "explain" => info::explain(ctx),
        "edit" => edit::start(ctx),
        "top node" | "top pod" => top::top(ctx),
        "rollout status" | "rollout history" | "rollout undo" | "rollout restart"
        | "rollout pause" | "rollout resume" => ops::rollout(ctx),
        "taint" => ops::taint(ctx),
        "cordon" | "uncordon" => ops::cordon(ctx),
        "drain" => ops::drain(ctx),
        "logs" => ops::logs(ctx),
        "exec" => ops::exec(ctx),
        "wait" => ops::wait(ctx),
        "create token" => token::run(ctx),
        "create" => mutate::create_from_file(ctx),
        "create deployment"
        | "create namespace"
        | "create service clusterip"
        | "create service nodeport"
        | "create service loadbalancer"
        | "create configmap"
        | "create secret generic"
        | "create job"
        | "create serviceaccount"
        | "create role"
        | "create rolebinding" => mutate::create_kind(ctx),
        "run" => mutate::run_pod(ctx),
        "apply" => mutate::apply(ctx),
        "replace" => mutate::replace(ctx),
        "delete" => mutate::delete(ctx),
        "patch" => mutate::patch(ctx),
        "scale" => mutate::scale(ctx),
        "expose" => mutate::expose(ctx),
        "set image" => mutate::set_image(ctx),
        "set resources" => mutate::set_resources(ctx),
        "label" => mutate::label(ctx, "labels"),
        "annotate" => mutate::label(ctx, "annotations"),
        "api-resources" => info::api_resources(ctx),
        "api-versions" => info::api_versions(ctx),
        "cluster-info" => info::cluster_info(ctx),
        "version" => info::version(ctx),
        other => Output::error(
            format!("error: \"kubectl {other}\" is not modelled by this simulator"),
            1,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{presets::Preset, World};

    #[test]
    fn flag_errors_and_help_read_like_cobra() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        assert_eq!(
            t.run("kubectl get pods --foo").stderr(),
            "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            t.run("kubectl get -z").stderr(),
            "error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            t.run("kubectl foo").stderr(),
            "error: unknown command \"foo\" for \"kubectl\"\n\nDid you mean this?\n\ttop\n"
        );
        assert!(t
            .run("kubectl create deployment --help")
            .stdout()
            .starts_with("Create a deployment with the specified name.\n"));
        assert!(t
            .run("kubectl -n kube-system get --help")
            .stdout()
            .contains("Usage:\n  kubectl get"));
        t.disabled_commands
            .insert("kubectl create deployment".into());
        assert_eq!(
            t.run("kubectl create deployment x --image=y").exit_code,
            126
        );
    }

    #[test]
    fn watch_streams_changes_until_cancelled() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        let out = t.run("kubectl get deploy -w");
        assert!(out.streaming);
        t.run("kubectl create deployment web --image=nginx");
        let first = t.poll_watch();
        assert!(first.streaming);
        assert!(
            first.stdout().starts_with("web   0/1"),
            "{:?}",
            first.stdout()
        );
        assert_eq!(
            t.poll_watch().stdout(),
            "",
            "nothing changed since the last poll"
        );
        t.world.step(2_000);
        assert!(
            !t.poll_watch().stdout().is_empty(),
            "the controller updated the status"
        );
        t.cancel_watch();
        assert!(!t.poll_watch().streaming);
    }

    #[test]
    fn edit_round_trips_through_the_editor_panel() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        t.run("kubectl create configmap cfg --from-literal=color=blue");
        let out = t.run("kubectl edit cm cfg");
        let path = out.open_editor.clone().expect("an editor request");
        let text = t.read_file(&path).unwrap_or_default();
        assert!(
            text.starts_with(edit::HEADER) && text.contains("color: blue"),
            "{text}"
        );
        // Closing without changes cancels.
        assert_eq!(
            t.editor_closed(&path).stderr(),
            "Edit cancelled, no changes made.\n"
        );
        let out = t.run("kubectl edit cm/cfg");
        let path = out.open_editor.clone().expect("an editor request");
        let text = t
            .read_file(&path)
            .unwrap_or_default()
            .replace("blue", "green");
        t.write_file(&path, &text);
        assert_eq!(t.editor_closed(&path).stdout(), "configmap/cfg edited\n");
        assert_eq!(
            t.run("kubectl get cm cfg -o jsonpath={.data.color}")
                .stdout(),
            "green"
        );
        assert_eq!(t.editor_closed(&path), Output::default());
    }
}
