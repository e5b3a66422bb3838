//! The session journal: everything the user did, with the simulated time it happened at, so a
//! session can be saved, shared, undone and replayed exactly.
//!
//! The simulation only moves in whole [`QUANTUM_MS`] steps (plus whatever a command such as
//! `sleep` does itself), so replaying the journal on a fresh `World::new(seed, preset)`
//! reproduces the same world: same seed + same commands at the same times ⇒ same cluster.
//!
//! The saved form ([`Saved::encode`]) is a small line-based text with a version header
//! (`kubesim-session 1`), used for localStorage and for exported session files alike.
//!
//! ```
//! use kubesim::ui::journal::{Saved, Entry};
//! let mut s = Saved::new(7, "kind");
//! s.journal.push((0, Entry::Cmd("kubectl get nodes".into())));
//! let back = Saved::decode(&s.encode()).unwrap();
//! assert_eq!(back, s);
//! ```

use crate::sim::{presets::Preset, World};
use crate::term::Terminal;

/// The simulation advances in steps of this many simulated ms (a tick at 1× speed).
pub const QUANTUM_MS: u64 = 100;
/// The biggest `?bench=` world (nodes, pods) a URL or a saved session may ask for.
pub const BENCH_MAX_NODES: usize = 500;
pub const BENCH_MAX_PODS: usize = 20_000;
/// Bumped whenever the saved format changes; older saves are refused with a notice.
pub const SCHEMA_VERSION: u32 = 1;
const MAGIC: &str = "kubesim-session";

/// One thing the user did to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A command line typed (or run from a lesson) in the terminal.
    Cmd(String),
    /// A fault injected or repaired from the trainer panel: (cluster, component, up).
    Fault {
        cluster: String,
        component: String,
        up: bool,
    },
    /// A file saved from the editor panel.
    Write { path: String, content: String },
    /// A lesson step's setup command, run silently (no output, not in the history).
    Silent(String),
    /// The editor panel closed on this file (`kubectl edit` then applies it).
    Closed(String),
    /// The `?bench=NxM` load test: N nodes and M running pods added to the current cluster
    /// through the API server ([`super::adapter::populate`]), so undo, rewind, reload and
    /// export rebuild the same big cluster.
    Bench { nodes: usize, pods: usize },
}

/// A saved session: how to rebuild the world, plus preferences and lesson progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub seed: u64,
    pub preset: String,
    pub lang: String,
    pub theme: String,
    /// The lesson open when saved: its starting world is the base the journal replays on
    /// (instead of `World::new(seed, preset)`).
    pub lesson: Option<String>,
    /// The course progress, as `lessons::progress::Progress::to_json` (empty: none).
    pub progress_json: String,
    /// (simulated ms when it happened, what happened), in order.
    pub journal: Vec<(u64, Entry)>,
    /// Simulated time at save.
    pub now_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a kubesim session file")]
    NotASession,
    #[error("session format version {0} is not supported (expected {SCHEMA_VERSION})")]
    Version(String),
    #[error("line {0}: {1}")]
    Bad(usize, String),
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Saved {
    pub fn new(seed: u64, preset: &str) -> Self {
        Saved {
            seed,
            preset: preset.to_string(),
            lang: "fr".into(),
            theme: String::new(),
            lesson: None,
            progress_json: String::new(),
            journal: Vec::new(),
            now_ms: 0,
        }
    }

    pub fn encode(&self) -> String {
        let mut s = format!("{MAGIC} {SCHEMA_VERSION}\n");
        s += &format!(
            "seed {}\npreset {}\nlang {}\n",
            self.seed, self.preset, self.lang
        );
        if !self.theme.is_empty() {
            s += &format!("theme {}\n", self.theme);
        }
        if let Some(l) = &self.lesson {
            s += &format!("lesson {}\n", escape(l));
        }
        if !self.progress_json.is_empty() {
            s += &format!("progress {}\n", escape(&self.progress_json));
        }
        for (at, e) in &self.journal {
            match e {
                Entry::Cmd(c) => s += &format!("cmd {at} {}\n", escape(c)),
                Entry::Fault {
                    cluster,
                    component,
                    up,
                } => {
                    let verb = if *up { "start" } else { "stop" };
                    s += &format!("fault {at} {verb} {cluster} {component}\n");
                }
                Entry::Write { path, content } => {
                    s += &format!("write {at} {} {}\n", escape(path), escape(content))
                }
                Entry::Silent(c) => s += &format!("setup {at} {}\n", escape(c)),
                Entry::Closed(p) => s += &format!("closed {at} {}\n", escape(p)),
                Entry::Bench { nodes, pods } => s += &format!("bench {at} {nodes} {pods}\n"),
            }
        }
        s += &format!("now {}\n", self.now_ms);
        s
    }

    pub fn decode(text: &str) -> Result<Saved, DecodeError> {
        let mut lines = text.lines().enumerate();
        let header = lines.next().map(|(_, l)| l).unwrap_or("");
        let version = header
            .strip_prefix(MAGIC)
            .map(str::trim)
            .ok_or(DecodeError::NotASession)?;
        if version != SCHEMA_VERSION.to_string() {
            return Err(DecodeError::Version(version.to_string()));
        }
        let mut saved = Saved::new(0, "");
        let mut have_seed = false;
        for (i, line) in lines {
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |what: &str| DecodeError::Bad(n, what.to_string());
            let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
            let num = |s: &str| s.parse::<u64>().map_err(|_| bad("expected a number"));
            match key {
                "seed" => {
                    saved.seed = num(rest)?;
                    have_seed = true;
                }
                "preset" => {
                    if Preset::from_name(rest).is_none() {
                        return Err(bad("unknown preset"));
                    }
                    saved.preset = rest.to_string();
                }
                "lang" => saved.lang = rest.to_string(),
                "theme" => saved.theme = rest.to_string(),
                "lesson" => saved.lesson = Some(unescape(rest)),
                "now" => saved.now_ms = num(rest)?,
                "progress" => saved.progress_json = unescape(rest),
                "cmd" | "fault" | "write" | "setup" | "closed" | "bench" => {
                    let (at, rest) = rest.split_once(' ').ok_or_else(|| bad("missing field"))?;
                    let at = num(at)?;
                    if saved.journal.last().is_some_and(|(prev, _)| *prev > at) {
                        return Err(bad("journal out of order"));
                    }
                    let entry = match key {
                        "cmd" => Entry::Cmd(unescape(rest)),
                        "setup" => Entry::Silent(unescape(rest)),
                        "closed" => Entry::Closed(unescape(rest)),
                        "bench" => {
                            let (n, m) = rest
                                .split_once(' ')
                                .ok_or_else(|| bad("bench needs: nodes pods"))?;
                            let (nodes, pods) = (num(n)? as usize, num(m)? as usize);
                            // The same limits as the URL parameter: a saved file cannot ask
                            // for a world the page cannot hold.
                            if nodes > BENCH_MAX_NODES || pods > BENCH_MAX_PODS {
                                return Err(bad("bench world too big"));
                            }
                            Entry::Bench { nodes, pods }
                        }
                        "fault" => {
                            let mut f = rest.split(' ');
                            let (Some(verb), Some(cluster), Some(component), None) =
                                (f.next(), f.next(), f.next(), f.next())
                            else {
                                return Err(bad("fault needs: start|stop cluster component"));
                            };
                            if verb != "start" && verb != "stop" {
                                return Err(bad("fault verb must be start or stop"));
                            }
                            Entry::Fault {
                                cluster: cluster.to_string(),
                                component: component.to_string(),
                                up: verb == "start",
                            }
                        }
                        _ => {
                            let (path, content) =
                                rest.split_once(' ').ok_or_else(|| bad("missing content"))?;
                            Entry::Write {
                                path: unescape(path),
                                content: unescape(content),
                            }
                        }
                    };
                    saved.journal.push((at, entry));
                }
                _ => return Err(bad("unknown field")),
            }
        }
        if !have_seed || saved.preset.is_empty() {
            return Err(DecodeError::Bad(0, "missing seed or preset".into()));
        }
        Ok(saved)
    }
}

/// Steps the world in whole quanta up to `at_ms` (never past it).
pub fn advance_to(term: &mut Terminal, at_ms: u64) {
    while term.world.now().as_ms() + QUANTUM_MS <= at_ms {
        term.world.step(QUANTUM_MS);
    }
}

/// Would replaying `journal` run code the browser build downloads after the first page
/// ([`crate::term::deferred::needs`] on each command line)?
pub fn needs_deferred(journal: &[(u64, Entry)]) -> bool {
    journal.iter().any(|(_, e)| match e {
        Entry::Cmd(line) | Entry::Silent(line) => crate::term::deferred::needs(line),
        _ => false,
    })
}

/// Applies one journal entry to the terminal, returning the command output (if any).
pub fn apply(term: &mut Terminal, entry: &Entry) -> Option<crate::term::Output> {
    match entry {
        Entry::Cmd(line) => Some(term.run(line)),
        Entry::Fault {
            cluster,
            component,
            up,
        } => {
            super::adapter::set_fault(&mut term.world, cluster, component, *up);
            None
        }
        Entry::Write { path, content } => {
            term.write_file(path, content);
            None
        }
        Entry::Closed(path) => Some(term.editor_closed(path)),
        Entry::Bench { nodes, pods } => {
            if let Some(cluster) = term.current_cluster() {
                super::adapter::populate(&mut term.world, &cluster, *nodes, *pods);
            }
            None
        }
        Entry::Silent(line) => {
            let history = term.history.len();
            let _ = term.run(line);
            term.history.truncate(history);
            None
        }
    }
}

/// A fresh terminal for (seed, preset), or for `kind` when the preset name is unknown.
pub fn fresh(seed: u64, preset: &str) -> Terminal {
    let preset = Preset::from_name(preset).unwrap_or(Preset::Kind);
    Terminal::new(World::new(seed, preset))
}

/// Rebuilds a terminal by replaying `journal` on a copy of `base` (the session's starting
/// terminal), then advancing to `now_ms`.
pub fn replay(base: &Terminal, journal: &[(u64, Entry)], now_ms: u64) -> Terminal {
    let mut term = base.clone();
    for (at, entry) in journal {
        advance_to(&mut term, *at);
        apply(&mut term, entry);
    }
    advance_to(&mut term, now_ms);
    term
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Saved {
        let mut s = Saved::new(42, "kind");
        s.lang = "en".into();
        s.theme = "dark".into();
        s.lesson = Some("01-first-steps".into());
        s.progress_json = "{\"version\": 1}".into();
        s.journal = vec![
            (0, Entry::Cmd("kubectl get nodes".into())),
            (
                500,
                Entry::Fault {
                    cluster: "kind-kind".into(),
                    component: "kube-scheduler".into(),
                    up: false,
                },
            ),
            (
                900,
                Entry::Write {
                    path: "/home/student/pod.yaml".into(),
                    content: "a: 1\nb: \\x\n".into(),
                },
            ),
            (900, Entry::Cmd("cat <<EOF\nhi\nEOF".into())),
            (900, Entry::Silent("kubectl create ns x".into())),
            (950, Entry::Closed("/tmp/kubectl-edit-1.yaml".into())),
            (950, Entry::Bench { nodes: 3, pods: 12 }),
        ];
        s.now_ms = 1200;
        s
    }

    #[test]
    fn encode_decode_round_trip() {
        let s = sample();
        assert_eq!(Saved::decode(&s.encode()), Ok(s));
    }

    #[test]
    fn corrupted_and_old_versions_are_refused() {
        let cases: &[(&str, fn(&DecodeError) -> bool)] = &[
            ("", |e| *e == DecodeError::NotASession),
            ("{\"json\": true}", |e| *e == DecodeError::NotASession),
            (
                "kubesim-session 0\nseed 1\npreset kind\n",
                |e| matches!(e, DecodeError::Version(v) if v == "0"),
            ),
            ("kubesim-session 1\nseed x\npreset kind\n", |e| {
                matches!(e, DecodeError::Bad(2, _))
            }),
            ("kubesim-session 1\nseed 1\npreset mars\n", |e| {
                matches!(e, DecodeError::Bad(3, _))
            }),
            (
                "kubesim-session 1\nseed 1\npreset kind\ncmd 9 a\ncmd 3 b\n",
                |e| matches!(e, DecodeError::Bad(5, _)),
            ),
            (
                "kubesim-session 1\nseed 1\npreset kind\nfault 1 halt c x\n",
                |e| matches!(e, DecodeError::Bad(4, _)),
            ),
            ("kubesim-session 1\npreset kind\n", |e| {
                matches!(e, DecodeError::Bad(0, _))
            }),
            ("kubesim-session 1\nseed 1\npreset kind\nbogus 1\n", |e| {
                matches!(e, DecodeError::Bad(4, _))
            }),
            (
                "kubesim-session 1\nseed 1\npreset kind\nbench 0 9999 1\n",
                |e| matches!(e, DecodeError::Bad(4, _)),
            ),
            ("kubesim-session 1\nseed 1\npreset kind\nbench 0 3\n", |e| {
                matches!(e, DecodeError::Bad(4, _))
            }),
        ];
        for (text, ok) in cases {
            let err = Saved::decode(text).expect_err(text);
            assert!(ok(&err), "{text:?} gave {err:?}");
        }
    }

    #[test]
    fn replay_reproduces_the_live_session() {
        // Live: tick in quanta, run commands (one advancing time itself) and a fault.
        let mut live = fresh(9, "kind");
        let mut journal = Vec::new();
        for i in 0..30 {
            live.world.step(QUANTUM_MS);
            let e = match i {
                10 | 20 => Entry::Cmd("kubectl get nodes && sleep 1.05".into()),
                15 => Entry::Fault {
                    cluster: "kind-kind".into(),
                    component: "kube-scheduler".into(),
                    up: false,
                },
                _ => continue,
            };
            journal.push((live.world.now().as_ms(), e.clone()));
            apply(&mut live, &e);
        }
        let base = fresh(9, "kind");
        let again = replay(&base, &journal, live.world.now().as_ms());
        assert_eq!(again.world.now(), live.world.now());
        assert_eq!(again.world.state_hash(), live.world.state_hash());
        assert!(!again.world.clusters["kind-kind"].is_up("kube-scheduler"));
        assert_eq!(again.history, live.history);
        // Replaying only the first entry stops before the later ones.
        let early = replay(&base, &journal[..1], 1_100);
        assert_eq!(early.history.len(), 1);
        assert!(early.world.clusters["kind-kind"].is_up("kube-scheduler"));
    }
}
