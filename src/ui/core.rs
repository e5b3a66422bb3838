//! The session core, browser-free: the terminal and its world, the journal of what the user
//! did, bounded snapshots for undo, scrollback, the trainer's clock (pause, speed, single
//! step, run until stable) and the control-loop log. `app.rs` wraps it in a Yew reducer;
//! everything here is tested natively.
//!
//! ```
//! use kubesim::ui::core::Core;
//! let mut c = Core::new(1, "kind");
//! c.submit("kubectl get nodes");
//! assert!(c.lines.iter().any(|l| l.text.contains("kind-worker")));
//! c.undo();
//! assert!(c.term.history.is_empty());
//! ```

use super::adapter;
use super::explain::{self, Step};
use super::i18n::Lang;
use super::journal::{self, Entry, Saved, QUANTUM_MS};
use super::lesson::{LessonDoc, Progress};
use crate::term::{Stream, Terminal};
use std::collections::VecDeque;
use std::rc::Rc;

/// Scrollback kept in the DOM (older lines are dropped).
pub const MAX_LINES: usize = 2000;
/// Snapshots kept for undo/rewind (older states are rebuilt by replaying the journal).
pub const MAX_SNAPSHOTS: usize = 16;
/// Control-loop log entries kept.
pub const MAX_FLOW: usize = 300;
/// "Run until stable" gives up after this much simulated time.
pub const STABLE_CAP_MS: u64 = 10 * 60 * 1000;
/// ...and calls the cluster stable after this long without a meaningful write.
pub const STABLE_QUIET_MS: u64 = 20 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Input,
    Stdout,
    Stderr,
    /// Messages from kubesim itself (rewound, imported...).
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub text: String,
}

/// One explained API request in the control-loop log.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowEntry {
    /// Position in the cluster's trace (`traced_total` numbering).
    pub seq: u64,
    pub at_ms: u64,
    pub actor: String,
    pub noise: bool,
    pub step: Step,
}

/// What the user clicked in the cluster view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Object {
        /// kubectl resource type: `pod`, `node`, `service`.
        kind: &'static str,
        namespace: Option<String>,
        name: String,
    },
    Component {
        cluster: String,
        key: String,
    },
}

/// The details panel for a selected object: its YAML and describe text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub target: Target,
    pub yaml: String,
    pub describe: String,
}

#[derive(Clone)]
pub struct Core {
    pub term: Terminal,
    pub seed: u64,
    pub preset: String,
    pub journal: Vec<(u64, Entry)>,
    /// The current cluster's etcd revision after each journal entry (for the timeline).
    pub revisions: Vec<i64>,
    /// (journal length, the terminal just before journal[len] was applied).
    snapshots: VecDeque<(usize, Terminal)>,
    pub lines: Rc<Vec<Line>>,
    /// The unfinished lines of a continued command (open quote, heredoc).
    pub pending: Vec<String>,
    /// The file open in the editor panel: (path, contents).
    pub editor: Option<(String, String)>,
    pub paused: bool,
    /// Simulation speed (0.1–10).
    pub speed: f64,
    acc_ms: f64,
    /// Read-only view of the cluster at an earlier etcd revision.
    pub view_revision: Option<i64>,
    pub details: Option<Details>,
    pub flow: Rc<VecDeque<FlowEntry>>,
    /// Trace records of the current cluster already explained (`traced_total` numbering).
    flow_seen: u64,
    /// Explain records one at a time (trainer's single step) instead of all at once.
    pub lang: Lang,
    /// The open lesson and the journal index where it started (reset goes back there).
    pub lesson: Option<Rc<LessonDoc>>,
    pub lesson_start: usize,
    pub progress: Progress,
    /// Steps newly completed by the last action (for the ✓ animation).
    pub just_done: Vec<usize>,
    /// A message to show once (saved state unreadable, import failed...).
    pub notice: Option<String>,
}

impl Core {
    pub fn new(seed: u64, preset: &str) -> Self {
        let term = journal::fresh(seed, preset);
        let flow_seen = term
            .current_cluster()
            .and_then(|c| term.world.clusters.get(&c))
            .map_or(0, |c| c.traced_total());
        Core {
            term,
            seed,
            preset: preset.to_string(),
            journal: Vec::new(),
            revisions: Vec::new(),
            snapshots: VecDeque::new(),
            lines: Rc::new(Vec::new()),
            pending: Vec::new(),
            editor: None,
            paused: false,
            speed: 1.0,
            acc_ms: 0.0,
            view_revision: None,
            details: None,
            flow: Rc::new(VecDeque::new()),
            flow_seen,
            lang: Lang::Fr,
            lesson: None,
            lesson_start: 0,
            progress: Progress::default(),
            just_done: Vec::new(),
            notice: None,
        }
    }

    /// Rebuilds a session from a saved one (replaying its journal).
    pub fn from_saved(saved: &Saved) -> Self {
        let mut core = Core::new(saved.seed, &saved.preset);
        for (at, entry) in &saved.journal {
            journal::advance_to(&mut core.term, *at);
            journal::apply(&mut core.term, entry);
            core.journal.push((*at, entry.clone()));
            core.revisions.push(core.revision());
        }
        journal::advance_to(&mut core.term, saved.now_ms);
        core.lang = if saved.lang == "en" {
            Lang::En
        } else {
            Lang::Fr
        };
        core.progress = Progress::from_saved(&saved.progress);
        core.skip_flow_backlog();
        core
    }

    pub fn to_saved(&self) -> Saved {
        let mut s = Saved::new(self.seed, &self.preset);
        s.lang = self.lang.code().to_string();
        s.journal = self.journal.clone();
        s.now_ms = self.term.world.now().as_ms();
        s.lesson = self.lesson.as_ref().map(|l| l.id.clone());
        s.progress = self.progress.to_saved();
        s
    }

    fn skip_flow_backlog(&mut self) {
        self.flow_seen = self.cluster().map_or(0, |c| c.traced_total());
    }

    pub fn cluster_name(&self) -> Option<String> {
        self.term.current_cluster()
    }

    pub fn cluster(&self) -> Option<&crate::sim::world::Cluster> {
        self.term
            .current_cluster()
            .and_then(|c| self.term.world.clusters.get(&c))
    }

    pub fn push_line(&mut self, kind: LineKind, text: impl Into<String>) {
        let lines = Rc::make_mut(&mut self.lines);
        lines.push(Line {
            kind,
            text: text.into(),
        });
        if lines.len() > MAX_LINES {
            let extra = lines.len() - MAX_LINES;
            lines.drain(..extra);
        }
    }

    /// The prompt for the next line: the shell's, or `> ` inside a continued command.
    pub fn prompt(&self) -> String {
        if self.pending.is_empty() {
            self.term.prompt()
        } else {
            "> ".to_string()
        }
    }

    /// The current cluster's etcd revision (0 without a cluster).
    pub fn revision(&self) -> i64 {
        self.cluster().map_or(0, |c| c.store.revision())
    }

    fn snapshot(&mut self) {
        if self.snapshots.len() == MAX_SNAPSHOTS {
            self.snapshots.pop_front();
        }
        self.snapshots
            .push_back((self.journal.len(), self.term.clone()));
    }

    /// Records and applies one entry (with a snapshot before it, for undo).
    fn record(&mut self, entry: Entry) -> Option<crate::term::Output> {
        self.snapshot();
        self.journal
            .push((self.term.world.now().as_ms(), entry.clone()));
        let out = journal::apply(&mut self.term, &entry);
        self.revisions.push(self.revision());
        out
    }

    /// The user pressed Enter on `line`.
    pub fn submit(&mut self, line: &str) {
        let prompt = self.prompt();
        self.push_line(LineKind::Input, format!("{prompt}{line}"));
        self.pending.push(line.to_string());
        let full = self.pending.join("\n");
        if adapter::continuation(&full).is_some() {
            return;
        }
        self.pending.clear();
        if full.trim().is_empty() {
            return;
        }
        if let Some((path, content)) = adapter::editor_request(&self.term, &full) {
            self.term.history.push(full.trim().to_string());
            self.editor = Some((path, content));
            return;
        }
        if let Some(out) = self.record(Entry::Cmd(full)) {
            if out.clear {
                Rc::make_mut(&mut self.lines).clear();
            }
            for (stream, text) in out.chunks {
                let kind = if stream == Stream::Stderr {
                    LineKind::Stderr
                } else {
                    LineKind::Stdout
                };
                for l in text.strip_suffix('\n').unwrap_or(&text).split('\n') {
                    self.push_line(kind, l);
                }
            }
        }
        self.after_change();
    }

    /// Ctrl+C: abandons a continued line or a streaming command.
    pub fn interrupt(&mut self, typed: &str) {
        let prompt = self.prompt();
        self.push_line(LineKind::Input, format!("{prompt}{typed}^C"));
        self.pending.clear();
        self.term.env.insert("?".into(), "130".into());
    }

    pub fn clear_screen(&mut self) {
        Rc::make_mut(&mut self.lines).clear();
    }

    pub fn save_file(&mut self, content: String) {
        if let Some((path, _)) = self.editor.take() {
            self.record(Entry::Write { path, content });
            self.after_change();
        }
    }

    pub fn fault(&mut self, cluster: &str, component: &str, up: bool) {
        self.record(Entry::Fault {
            cluster: cluster.to_string(),
            component: component.to_string(),
            up,
        });
        self.after_change();
    }

    /// A wall-clock tick of `wall_ms`: advances the simulation by `wall_ms × speed` in whole
    /// quanta (unless paused), then explains new API requests.
    pub fn tick(&mut self, wall_ms: u64) {
        if !self.paused {
            self.acc_ms += wall_ms as f64 * self.speed;
            let mut steps = 0;
            while self.acc_ms >= QUANTUM_MS as f64 && steps < 200 {
                self.term.world.step(QUANTUM_MS);
                self.acc_ms -= QUANTUM_MS as f64;
                steps += 1;
            }
            self.drain_flow(usize::MAX);
            self.evaluate_checks();
        }
    }

    /// Trainer's single step: explains the next API request, advancing the simulation (up
    /// to a minute) until there is one.
    pub fn step_once(&mut self) {
        self.paused = true;
        for _ in 0..600 {
            if self.unseen() > 0 {
                break;
            }
            self.term.world.step(QUANTUM_MS);
        }
        self.drain_flow(1);
        self.evaluate_checks();
    }

    /// Runs the simulation until nothing meaningful has been written for a while.
    /// Returns the simulated ms it took.
    pub fn run_until_stable(&mut self) -> u64 {
        let start = self.term.world.now().as_ms();
        let mut quiet_ms = 0;
        while self.term.world.now().as_ms() - start < STABLE_CAP_MS {
            let before = self.cluster().map_or(0, |c| c.traced_total());
            self.term.world.step(QUANTUM_MS);
            let busy = self.cluster().is_some_and(|c| {
                let new = (c.traced_total() - before) as usize;
                let kept = c.trace().count();
                c.trace()
                    .skip(kept.saturating_sub(new))
                    .any(|r| !explain::is_noise(r))
            });
            quiet_ms = if busy { 0 } else { quiet_ms + QUANTUM_MS };
            if quiet_ms >= STABLE_QUIET_MS {
                break;
            }
        }
        self.drain_flow(usize::MAX);
        self.evaluate_checks();
        self.term.world.now().as_ms() - start
    }

    fn unseen(&self) -> u64 {
        self.cluster()
            .map_or(0, |c| c.traced_total().saturating_sub(self.flow_seen))
    }

    /// Explains up to `max` new trace records of the current cluster into the flow log.
    fn drain_flow(&mut self, max: usize) {
        let Some((total, kept)) = self
            .cluster()
            .map(|c| (c.traced_total(), c.trace().count() as u64))
        else {
            return;
        };
        let first_kept = total - kept;
        if self.flow_seen < first_kept {
            self.flow_seen = first_kept;
        }
        let Some(cluster) = self.cluster() else {
            return;
        };
        let seen = self.flow_seen;
        let lang = self.lang;
        let mut new = Vec::new();
        let name = cluster.name.clone();
        for (i, rec) in cluster.trace().enumerate() {
            let seq = first_kept + i as u64;
            if seq < seen {
                continue;
            }
            if new.len() >= max {
                break;
            }
            let reason = match (&rec.namespace, rec.resource) {
                (Some(ns), "pods") => {
                    adapter::scheduler_reason(&self.term.world, &name, ns, &rec.name)
                }
                _ => None,
            };
            new.push(FlowEntry {
                seq,
                at_ms: rec.at.as_ms(),
                actor: rec.actor.clone(),
                noise: explain::is_noise(rec),
                step: explain::explain(lang, cluster, rec, reason.as_deref()),
            });
        }
        self.flow_seen += new.len() as u64;
        if new.is_empty() {
            return;
        }
        let flow = Rc::make_mut(&mut self.flow);
        flow.extend(new);
        while flow.len() > MAX_FLOW {
            flow.pop_front();
        }
    }

    fn after_change(&mut self) {
        // Paused, the trainer reveals requests one at a time with Step.
        if !self.paused {
            self.drain_flow(usize::MAX);
        }
        self.evaluate_checks();
        if let Some(d) = &self.details {
            let target = d.target.clone();
            self.select(Some(target));
        }
    }

    /// Re-evaluates the open lesson's checks; newly completed steps go to `just_done`.
    pub fn evaluate_checks(&mut self) {
        let Some(lesson) = self.lesson.clone() else {
            return;
        };
        self.just_done = self.progress.evaluate(&lesson, &self.term);
    }

    pub fn open_lesson(&mut self, lesson: Option<Rc<LessonDoc>>) {
        self.lesson = lesson;
        self.lesson_start = self.journal.len();
        self.evaluate_checks();
        self.just_done.clear();
    }

    /// Restores the state from just before journal entry `index` (later entries are dropped).
    pub fn rewind_to(&mut self, index: usize) {
        if index >= self.journal.len() {
            return;
        }
        let at = self.journal.get(index).map_or(0, |(at, _)| *at);
        while self.snapshots.back().is_some_and(|(len, _)| *len > index) {
            self.snapshots.pop_back();
        }
        self.term = match self.snapshots.back() {
            Some((len, t)) if *len == index => t.clone(),
            _ => journal::replay(self.seed, &self.preset, &self.journal[..index], at),
        };
        // The snapshot at `index` is now the current state: drop it so undo goes further back.
        if self.snapshots.back().is_some_and(|(len, _)| *len == index) {
            self.snapshots.pop_back();
        }
        self.journal.truncate(index);
        self.revisions.truncate(index);
        self.lesson_start = self.lesson_start.min(index);
        self.pending.clear();
        self.editor = None;
        self.view_revision = None;
        self.skip_flow_backlog();
        self.after_change();
    }

    /// Undoes the last command (and whatever was journaled after it). False when none.
    pub fn undo(&mut self) -> bool {
        match self
            .journal
            .iter()
            .rposition(|(_, e)| matches!(e, Entry::Cmd(_)))
        {
            Some(i) => {
                self.rewind_to(i);
                true
            }
            None => false,
        }
    }

    /// Back to the state when the lesson was opened (or the very start).
    pub fn reset(&mut self) {
        if self.lesson_start < self.journal.len() {
            self.rewind_to(self.lesson_start);
        }
    }

    /// Shows an object's YAML and describe (run on a scratch copy of the terminal).
    pub fn select(&mut self, target: Option<Target>) {
        self.details = target.map(|target| match &target {
            Target::Object {
                kind,
                namespace,
                name,
            } => {
                let ns = namespace
                    .as_ref()
                    .map(|n| format!(" -n {n}"))
                    .unwrap_or_default();
                Details {
                    yaml: adapter::scratch_run(
                        &self.term,
                        &format!("kubectl get {kind} {name}{ns} -o yaml"),
                    ),
                    describe: adapter::scratch_run(
                        &self.term,
                        &format!("kubectl describe {kind} {name}{ns}"),
                    ),
                    target,
                }
            }
            Target::Component { .. } => Details {
                target,
                yaml: String::new(),
                describe: String::new(),
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_undo_and_rewind() {
        let mut c = Core::new(3, "kind");
        c.submit("export A=1");
        c.tick(500);
        c.submit("echo $A");
        c.tick(500);
        c.submit("export A=2");
        assert_eq!(c.journal.len(), 3);
        assert!(c.undo());
        assert_eq!(c.journal.len(), 2);
        assert_eq!(c.term.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(c.term.world.now().as_ms(), 1000);
        // Rewind past the snapshot window falls back to replay.
        c.snapshots.clear();
        c.rewind_to(1);
        assert_eq!(c.journal.len(), 1);
        assert_eq!(c.term.history, vec!["export A=1"]);
        assert_eq!(c.term.world.now().as_ms(), 500);
        assert!(c.undo());
        assert!(!c.undo());
        assert!(c.term.env.get("A").is_none());
    }

    #[test]
    fn continuation_waits_for_the_end_of_the_command() {
        let mut c = Core::new(1, "kind");
        c.submit("echo 'one");
        assert_eq!(c.prompt(), "> ");
        assert!(c.journal.is_empty());
        c.submit("two'");
        assert_eq!(c.journal.len(), 1);
        assert!(c.lines.iter().any(|l| l.text == "one"));
        assert!(c.lines.iter().any(|l| l.text == "two"));
        c.submit("echo 'x");
        c.interrupt("");
        assert!(c.pending.is_empty());
        assert_eq!(c.term.env.get("?").map(String::as_str), Some("130"));
    }

    #[test]
    fn pause_speed_faults_and_editor() {
        let mut c = Core::new(1, "kind");
        c.paused = true;
        c.tick(1000);
        assert_eq!(c.term.world.now().as_ms(), 0);
        c.paused = false;
        c.speed = 10.0;
        c.tick(1000);
        assert_eq!(c.term.world.now().as_ms(), 10_000);
        c.speed = 0.1;
        c.tick(500);
        c.tick(500);
        assert_eq!(c.term.world.now().as_ms(), 10_100);
        c.fault("kind-kind", "kube-scheduler", false);
        assert!(!adapter::is_up(
            &c.term.world,
            "kind-kind",
            "kube-scheduler"
        ));
        c.submit("nano pod.yaml");
        assert_eq!(
            c.editor.as_ref().map(|e| e.0.as_str()),
            Some("/home/student/pod.yaml")
        );
        c.save_file("kind: Pod\n".into());
        assert_eq!(
            c.term.fs.read("/home/student/pod.yaml"),
            Some("kind: Pod\n")
        );
        // Saved and replayed: the same world.
        let again = Core::from_saved(&Saved::decode(&c.to_saved().encode()).unwrap());
        assert_eq!(again.term.world.state_hash(), c.term.world.state_hash());
        assert_eq!(
            again.term.fs.read("/home/student/pod.yaml"),
            Some("kind: Pod\n")
        );
        assert!(!adapter::is_up(
            &again.term.world,
            "kind-kind",
            "kube-scheduler"
        ));
    }

    #[test]
    fn flow_log_explains_requests_and_single_steps() {
        let mut c = Core::new(1, "kind");
        c.submit("kubectl get nodes");
        assert!(c.flow.iter().any(|f| f.actor == "kubectl"));
        let n = c.flow.len();
        c.submit("kubectl get pods");
        c.paused = true;
        assert!(c.flow.len() > n);
        let stable_ms = c.run_until_stable();
        assert!(stable_ms <= STABLE_CAP_MS);
        c.select(Some(Target::Object {
            kind: "node",
            namespace: None,
            name: "kind-worker".into(),
        }));
        assert!(c
            .details
            .as_ref()
            .is_some_and(|d| d.yaml.contains("kind-worker") || !d.yaml.is_empty()));
        assert_eq!(c.journal.len(), 2, "viewing details is not journaled");
    }
}
