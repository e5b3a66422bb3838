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
use crate::lessons::progress::Progress;
use crate::lessons::session::{LessonRun, Observed, QuizFeedback};
use crate::lessons::Lesson;
use crate::term::{Stream, Terminal};
use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::rc::Rc;

/// Scrollback kept in the DOM (older lines are dropped).
pub const MAX_LINES: usize = 2000;
/// Snapshots kept for undo/rewind (older states are rebuilt by replaying the journal).
pub const MAX_SNAPSHOTS: usize = 16;
/// Quanta one [`Core::tick`] runs at most (a tick at 10× after a long pause).
pub const MAX_QUANTA_PER_TICK: u32 = 200;
/// The simulation may fall this much wall time behind (at most: then it slows down).
pub const MAX_BEHIND_WALL_MS: f64 = 5_000.0;
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
    /// The terminal the session started from (a preset's world, or a lesson's starting
    /// world): undo, rewind and saved sessions replay the journal on a copy of it.
    pub base: Rc<Terminal>,
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
    /// A kubectl stream (`-w`, `rollout status`, `logs -f`) is running: its output is
    /// polled after every quantum until it ends or Ctrl+C.
    pub streaming: bool,
    pub paused: bool,
    /// Simulation speed (0.1–10).
    pub speed: f64,
    /// Simulated time owed: wall time × speed not simulated yet (see [`Core::advance`]).
    acc_ms: f64,
    /// A quantum is begun ([`crate::sim::World::begin_step`]) and its end (watch output,
    /// lesson check) has not run yet.
    quantum_open: bool,
    /// Read-only view of the cluster at an earlier etcd revision.
    pub view_revision: Option<i64>,
    pub details: Option<Details>,
    pub flow: Rc<VecDeque<FlowEntry>>,
    /// Trace records of the current cluster already explained (`traced_total` numbering).
    flow_seen: u64,
    pub lang: Lang,
    /// The open lesson, the student's run through it, and the journal index where the
    /// student's own work starts (reset goes back there).
    pub lesson: Option<Rc<Lesson>>,
    pub run: Option<LessonRun>,
    pub lesson_start: usize,
    /// The whole course's progress (saved separately, survives sandbox changes).
    pub progress: Progress,
    /// Quiz feedback shown under each answered quiz, by quiz id.
    pub quiz_feedback: BTreeMap<String, QuizFeedback>,
    /// Step ids newly completed by the last action (for the ✓ animation).
    pub just_done: Vec<String>,
    /// A message to show once (saved state unreadable, import failed...).
    pub notice: Option<String>,
    /// Bumped whenever the world is replaced instead of advanced (rewind, import, a lesson
    /// loaded): views that cache by etcd revision start over.
    pub epoch: u64,
}

impl Core {
    pub fn new(seed: u64, preset: &str) -> Self {
        Core::with_base(journal::fresh(seed, preset), seed, preset)
    }

    fn with_base(term: Terminal, seed: u64, preset: &str) -> Self {
        let flow_seen = term
            .current_cluster()
            .and_then(|c| term.world.clusters.get(&c))
            .map_or(0, |c| c.traced_total());
        Core {
            base: Rc::new(term.clone()),
            term,
            seed,
            preset: preset.to_string(),
            journal: Vec::new(),
            revisions: Vec::new(),
            snapshots: VecDeque::new(),
            lines: Rc::new(Vec::new()),
            pending: Vec::new(),
            editor: None,
            streaming: false,
            paused: false,
            speed: 1.0,
            acc_ms: 0.0,
            quantum_open: false,
            view_revision: None,
            details: None,
            flow: Rc::new(VecDeque::new()),
            flow_seen,
            lang: Lang::Fr,
            lesson: None,
            run: None,
            lesson_start: 0,
            progress: Progress::default(),
            quiz_feedback: BTreeMap::new(),
            just_done: Vec::new(),
            notice: None,
            epoch: 0,
        }
    }

    /// A session on a lesson's starting world, resuming the lesson from `progress`.
    pub fn for_lesson(lesson: Rc<Lesson>, progress: Progress) -> Self {
        let term = LessonRun::terminal(&lesson);
        let mut core = Core::with_base(term, lesson.world.seed, lesson.world.preset.name());
        core.progress = progress;
        let run = LessonRun::new(
            &lesson,
            core.progress
                .lesson(&lesson.id)
                .cloned()
                .unwrap_or_default(),
        );
        // The first step's setup, journaled so a replay reproduces it.
        if let Some(step) = run.current_step(&lesson) {
            for line in step.setup.clone() {
                core.record(Entry::Silent(line));
            }
        }
        core.snapshots.clear();
        core.lesson_start = core.journal.len();
        core.run = Some(run);
        core.lesson = Some(lesson);
        core
    }

    /// Rebuilds a session from a saved one (replaying its journal on the lesson's starting
    /// world when it has a lesson, which the caller has loaded).
    pub fn from_saved(saved: &Saved, lesson: Option<Rc<Lesson>>) -> Self {
        let (progress, _) = Progress::from_json(&saved.progress_json);
        let mut core = match lesson {
            Some(lesson) => {
                let term = LessonRun::terminal(&lesson);
                let mut c = Core::with_base(term, lesson.world.seed, lesson.world.preset.name());
                c.run = Some(LessonRun::new(
                    &lesson,
                    progress.lesson(&lesson.id).cloned().unwrap_or_default(),
                ));
                c.lesson = Some(lesson);
                c
            }
            None => Core::new(saved.seed, &saved.preset),
        };
        core.progress = progress;
        for (at, entry) in &saved.journal {
            journal::advance_to(&mut core.term, *at);
            journal::apply(&mut core.term, entry);
            core.journal.push((*at, entry.clone()));
            core.revisions.push(core.revision());
        }
        core.lesson_start = core
            .journal
            .iter()
            .position(|(_, e)| !matches!(e, Entry::Silent(_) | Entry::Bench { .. }))
            .unwrap_or(core.journal.len());
        journal::advance_to(&mut core.term, saved.now_ms);
        core.lang = if saved.lang == "en" {
            Lang::En
        } else {
            Lang::Fr
        };
        core.skip_flow_backlog();
        core
    }

    pub fn to_saved(&self) -> Saved {
        let mut s = Saved::new(self.seed, &self.preset);
        s.lang = self.lang.code().to_string();
        s.journal = self.journal.clone();
        s.now_ms = self.term.world.now().as_ms();
        s.lesson = self.lesson.as_ref().map(|l| l.id.clone());
        s.progress_json = self.progress.to_json();
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
        if self.streaming {
            String::new()
        } else if self.pending.is_empty() {
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
        // Journaled entries happen between whole quanta (replay runs whole quanta).
        self.finish_quantum();
        self.snapshot();
        self.journal
            .push((self.term.world.now().as_ms(), entry.clone()));
        let out = journal::apply(&mut self.term, &entry);
        self.revisions.push(self.revision());
        out
    }

    /// The user pressed Enter on `line`.
    pub fn submit(&mut self, line: &str) {
        self.finish_quantum();
        let prompt = self.prompt();
        self.push_line(LineKind::Input, format!("{prompt}{line}"));
        if self.streaming {
            // Like a terminal running `kubectl get -w`: typed lines are only echoed.
            return;
        }
        self.pending.push(line.to_string());
        let full = self.pending.join("\n");
        if adapter::continuation(&full).is_some() {
            return;
        }
        self.pending.clear();
        if full.trim().is_empty() {
            return;
        }
        if let Some(out) = self.record(Entry::Cmd(full)) {
            if let Some(path) = &out.open_editor {
                let content = self.term.read_file(path).unwrap_or_default();
                self.editor = Some((path.clone(), content));
            }
            self.streaming = out.streaming;
            self.show(out);
        }
        self.after_change();
    }

    /// Appends a command's output to the scrollback.
    fn show(&mut self, out: crate::term::Output) {
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

    /// Ctrl+C: abandons a continued line or a streaming command.
    pub fn interrupt(&mut self, typed: &str) {
        let prompt = self.prompt();
        self.push_line(LineKind::Input, format!("{prompt}{typed}^C"));
        self.pending.clear();
        if self.streaming {
            self.term.cancel_watch();
            self.streaming = false;
        }
        self.term.env.insert("?".into(), "130".into());
    }

    pub fn clear_screen(&mut self) {
        Rc::make_mut(&mut self.lines).clear();
    }

    pub fn save_file(&mut self, content: String) {
        if let Some((path, _)) = self.editor.take() {
            self.record(Entry::Write {
                path: path.clone(),
                content,
            });
            self.close_editor(path);
        }
    }

    /// The editor closed without saving.
    pub fn cancel_editor(&mut self) {
        if let Some((path, _)) = self.editor.take() {
            self.close_editor(path);
        }
    }

    /// Tells the terminal (`kubectl edit` applies the file then) and shows its answer.
    fn close_editor(&mut self, path: String) {
        if let Some(out) = self.record(Entry::Closed(path)) {
            self.show(out);
        }
        self.after_change();
    }

    /// Builds the `?bench=` load-test world (journaled, so undo, reload and export keep it);
    /// it is part of the session's start: reset and undo never go before it.
    pub fn bench(&mut self, nodes: usize, pods: usize) {
        self.record(Entry::Bench { nodes, pods });
        self.snapshots.clear();
        self.lesson_start = self.journal.len();
        self.skip_flow_backlog();
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
        self.advance(wall_ms as f64, MAX_QUANTA_PER_TICK, || true);
        self.finish_quantum();
    }

    /// The simulation clock of the web app: owes `wall_ms × speed` more simulated time (unless
    /// paused), then runs quanta — sliced, one unit of work at a time — while `more()` says
    /// there is time left, stopping after `max_quanta` whole quanta. A quantum cut short stays
    /// open for the next call ([`Core::finish_quantum`] closes it). The debt is capped at
    /// [`MAX_BEHIND_WALL_MS`] of wall time: a cluster too busy to simulate at the asked speed
    /// falls behind (see [`Core::behind_ms`]), catches up when it calms down, and past the
    /// cap slows down instead. Returns the quanta completed.
    pub fn advance(&mut self, wall_ms: f64, max_quanta: u32, more: impl FnMut() -> bool) -> u32 {
        self.owe(wall_ms);
        self.run(max_quanta, more)
    }

    /// The first half of [`Core::advance`]: `wall_ms` more of wall time to simulate.
    pub fn owe(&mut self, wall_ms: f64) {
        if self.paused {
            return;
        }
        let cap = MAX_BEHIND_WALL_MS * self.speed + QUANTUM_MS as f64;
        self.acc_ms = (self.acc_ms + wall_ms.max(0.0) * self.speed).min(cap);
    }

    /// The second half of [`Core::advance`]: runs what is owed.
    pub fn run(&mut self, max_quanta: u32, mut more: impl FnMut() -> bool) -> u32 {
        if self.paused {
            return 0;
        }
        let mut done = 0;
        loop {
            if self.quantum_open {
                if !self.term.world.run_step_while(&mut more) {
                    break;
                }
                self.end_quantum();
                done += 1;
            }
            if done >= max_quanta || self.acc_ms < QUANTUM_MS as f64 || !more() {
                break;
            }
            self.acc_ms -= QUANTUM_MS as f64;
            self.term.world.begin_step(QUANTUM_MS);
            self.quantum_open = true;
        }
        if !self.quantum_open {
            self.drain_flow(usize::MAX);
        }
        done
    }

    /// Runs the rest of the quantum in progress, if any. Everything but the clock calls this
    /// first: a command, a fault or a save sees (and journals) whole quanta only.
    pub fn finish_quantum(&mut self) {
        if self.quantum_open {
            self.term.world.finish_step();
            self.end_quantum();
            self.drain_flow(usize::MAX);
        }
    }

    /// Is a quantum begun and not finished (the world is between two units of work)?
    pub fn mid_quantum(&self) -> bool {
        self.quantum_open
    }

    /// Simulated ms owed and not run yet: how far the simulation is behind the speed asked.
    pub fn behind_ms(&self) -> u64 {
        if self.paused {
            return 0;
        }
        self.acc_ms as u64
    }

    /// Is there simulation work to do right now (a quantum in progress or one owed)?
    pub fn sim_busy(&self) -> bool {
        !self.paused && (self.quantum_open || self.acc_ms >= QUANTUM_MS as f64)
    }

    /// Trainer's single step: explains the next API request, advancing the simulation (up
    /// to a minute) until there is one.
    pub fn step_once(&mut self) {
        self.paused = true;
        for _ in 0..600 {
            if self.unseen() > 0 {
                break;
            }
            self.quantum();
        }
        self.drain_flow(1);
    }

    /// Runs the simulation until nothing meaningful has been written for a while.
    /// Returns the simulated ms it took.
    pub fn run_until_stable(&mut self) -> u64 {
        let start = self.term.world.now().as_ms();
        let mut quiet_ms = 0;
        while self.term.world.now().as_ms() - start < STABLE_CAP_MS {
            let before = self.cluster().map_or(0, |c| c.traced_total());
            self.quantum();
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
        self.term.world.now().as_ms() - start
    }

    /// One quantum of simulated time, then the lesson's check.
    fn quantum(&mut self) {
        self.finish_quantum();
        self.term.world.step(QUANTUM_MS);
        self.end_quantum();
    }

    /// After each quantum: new output of a running stream, the lesson's check.
    fn end_quantum(&mut self) {
        self.quantum_open = false;
        if self.streaming {
            let out = self.term.poll_watch();
            self.streaming = out.streaming;
            self.show(out);
        }
        self.evaluate_checks();
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
        // Only the newest MAX_FLOW can stay in the log: do not explain the others (a busy
        // cluster makes thousands of requests per second).
        if max == usize::MAX && total - self.flow_seen > MAX_FLOW as u64 {
            self.flow_seen = total - MAX_FLOW as u64;
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
                    adapter::scheduler_reason(&self.term.world, &name, ns, &rec.name, lang)
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

    /// Evaluates the lesson's current check (after every command and every quantum). A
    /// passed step goes to `just_done`; the next step's setup commands run and are journaled.
    pub fn evaluate_checks(&mut self) {
        let (Some(lesson), Some(mut run)) = (self.lesson.clone(), self.run.take()) else {
            return;
        };
        loop {
            let before = self.term.clone();
            let history = self.term.history.len();
            match run.observe(&lesson, &mut self.term) {
                Observed::Pending => break,
                Observed::LessonDone => {
                    if let Some(done) = lesson.steps.last().map(|s| s.id.clone()) {
                        if !self.just_done.contains(&done) && !self.progress_has(&lesson.id, &done)
                        {
                            self.just_done.push(done);
                        }
                    }
                    break;
                }
                Observed::StepDone(id) => {
                    self.just_done.push(id);
                    // observe() ran the new step's setup on the terminal: journal it (on the
                    // state from before, so replay does the same thing at the same time).
                    if let Some(step) = run.current_step(&lesson) {
                        if !step.setup.is_empty() {
                            self.term = before;
                            self.term.history.truncate(history);
                            for line in step.setup.clone() {
                                self.record(Entry::Silent(line));
                            }
                        }
                    }
                }
            }
            if run.is_finished() {
                break;
            }
        }
        *self.progress.lesson_mut(&lesson.id) = run.progress.clone();
        self.run = Some(run);
    }

    fn progress_has(&self, lesson: &str, step: &str) -> bool {
        self.progress
            .lesson(lesson)
            .is_some_and(|p| p.steps_done.iter().any(|s| s == step))
    }

    /// Answers a quiz of the current step.
    pub fn answer_quiz(&mut self, quiz: &str, picks: &[usize]) {
        let (Some(lesson), Some(run)) = (self.lesson.clone(), self.run.as_mut()) else {
            return;
        };
        let lang = if self.lang == Lang::En {
            crate::lessons::Lang::En
        } else {
            crate::lessons::Lang::Fr
        };
        if let Some(fb) = run.answer_quiz(&lesson, lang, quiz, picks) {
            self.quiz_feedback.insert(quiz.to_string(), fb);
        }
        self.evaluate_checks();
    }

    /// Opens the next hint of the current step.
    pub fn next_hint(&mut self) {
        let (Some(lesson), Some(run)) = (self.lesson.clone(), self.run.as_mut()) else {
            return;
        };
        let _ = run.next_hint(&lesson);
        *self.progress.lesson_mut(&lesson.id) = run.progress.clone();
    }

    /// Restores the state from just before journal entry `index` (later entries are dropped).
    pub fn rewind_to(&mut self, index: usize) {
        self.finish_quantum();
        if index >= self.journal.len() {
            return;
        }
        let at = self.journal.get(index).map_or(0, |(at, _)| *at);
        while self.snapshots.back().is_some_and(|(len, _)| *len > index) {
            self.snapshots.pop_back();
        }
        self.term = match self.snapshots.back() {
            Some((len, t)) if *len == index => t.clone(),
            _ => journal::replay(&self.base, &self.journal[..index], at),
        };
        // The snapshot at `index` is now the current state: drop it so undo goes further back.
        if self.snapshots.back().is_some_and(|(len, _)| *len == index) {
            self.snapshots.pop_back();
        }
        self.journal.truncate(index);
        self.revisions.truncate(index);
        self.epoch += 1;
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
        // Describe runs on a copy of the terminal: of a whole quantum, not half of one.
        self.finish_quantum();
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
    fn the_bench_world_is_in_the_session_record() {
        let pods = |c: &Core| {
            c.cluster()
                .map_or(0, |cl| super::super::model::picture_now(cl).pod_count())
        };
        let mut c = Core::new(1, "kind");
        let system = pods(&c);
        c.bench(4, 40);
        assert_eq!(pods(&c), system + 40);
        c.tick(1_000);
        c.submit("kubectl get nodes");
        // Undo and reset never drop the bench world: it is where the session starts.
        assert!(c.undo());
        c.reset();
        // (+ the DaemonSet pods the controllers added on the new nodes meanwhile)
        assert!(pods(&c) >= system + 40, "{} pods", pods(&c));
        assert_eq!(c.journal.len(), 1);
        assert!(!c.undo());
        // Saved (localStorage, export) and replayed: the same world.
        c.submit("kubectl get pods");
        c.tick(2_000);
        let text = c.to_saved().encode();
        assert!(text.contains("bench 0 4 40\n"), "{text}");
        let again = Core::from_saved(&Saved::decode(&text).unwrap(), None);
        assert_eq!(again.term.world.state_hash(), c.term.world.state_hash());
        assert_eq!(again.lesson_start, 1);
    }

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

    /// A budget of `units` units of work per call (the browser's is 8 ms of wall time).
    fn budget(units: u32) -> impl FnMut() -> bool {
        let mut left = units;
        move || {
            left = left.saturating_sub(1);
            left > 0
        }
    }

    #[test]
    fn a_sliced_clock_gives_the_same_session_and_commands_see_whole_quanta() {
        let mut whole = Core::new(4, "kind");
        whole.bench(6, 120);
        let mut sliced = whole.clone();
        whole.tick(1_500);
        // 15 quanta owed, run 7 units per tick: many ticks end mid-quantum.
        let mut calls = 0;
        let mut mid = 0;
        let mut first = true;
        while first || sliced.sim_busy() {
            sliced.advance(
                if first { 1_500.0 } else { 0.0 },
                MAX_QUANTA_PER_TICK,
                budget(7),
            );
            first = false;
            calls += 1;
            mid += usize::from(sliced.mid_quantum());
            assert!(calls < 10_000);
        }
        assert!(mid > 15, "{mid} ticks ended mid-quantum");
        assert_eq!(sliced.term.world.now(), whole.term.world.now());
        assert_eq!(
            sliced.term.world.state_hash(),
            whole.term.world.state_hash()
        );
        // A command typed mid-quantum runs after it: journaled at its end, replayed the same.
        sliced.advance(300.0, MAX_QUANTA_PER_TICK, budget(3));
        assert!(sliced.mid_quantum());
        let end = sliced.term.world.now().as_ms();
        sliced.submit("kubectl get pods");
        assert!(!sliced.mid_quantum() && !sliced.term.world.stepping());
        assert_eq!(sliced.journal.last().map(|(at, _)| *at), Some(end));
        assert!(sliced.lines.iter().any(|l| l.text.contains("bench-")));
        let again = Core::from_saved(&Saved::decode(&sliced.to_saved().encode()).unwrap(), None);
        assert_eq!(
            again.term.world.state_hash(),
            sliced.term.world.state_hash()
        );
    }

    #[test]
    fn a_busy_cluster_falls_behind_then_catches_up() {
        let mut c = Core::new(2, "kind");
        c.bench(10, 300);
        // 10 ticks of 100 ms, too small a budget for 300 pods starting: time is owed.
        for _ in 0..10 {
            c.advance(100.0, MAX_QUANTA_PER_TICK, budget(20));
        }
        let behind = c.behind_ms();
        assert!(behind >= 500, "{behind} ms behind");
        assert!(c.term.world.now().as_ms() + behind >= 1_000);
        assert!(c.sim_busy());
        // Owed time is capped (5 s of wall time at 1×): past it the simulation slows down.
        c.advance(60_000.0, 0, || false);
        assert_eq!(c.behind_ms(), 5_100);
        // With time to spare it catches up: the clock ends where the wall clock says.
        let at = c.term.world.now().as_ms();
        c.advance(0.0, MAX_QUANTA_PER_TICK, || true);
        assert!(c.behind_ms() < QUANTUM_MS);
        assert_eq!(c.term.world.now().as_ms(), at + 5_100 - c.behind_ms());
        // Paused, nothing is owed and nothing runs.
        c.paused = true;
        assert_eq!(c.behind_ms(), 0);
        assert!(!c.sim_busy());
        assert_eq!(c.advance(1_000.0, MAX_QUANTA_PER_TICK, || true), 0);
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
        let again = Core::from_saved(&Saved::decode(&c.to_saved().encode()).unwrap(), None);
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
    fn lessons_check_after_commands_and_resume_from_a_saved_session() {
        let lesson = Rc::new(crate::lessons::session::tests_support::tiny_lesson());
        let mut c = Core::for_lesson(lesson.clone(), Progress::default());
        assert_eq!(c.run.as_ref().and_then(|r| r.current()), Some(0));
        c.submit("kubectl get pods");
        assert!(
            c.just_done.is_empty(),
            "a wrong command does not pass the step"
        );
        c.submit("kubectl get nodes");
        assert_eq!(c.just_done, vec!["nodes".to_string()]);
        assert!(c.progress.lesson(&lesson.id).is_some_and(|p| p.finished));
        c.next_hint();
        let saved = Saved::decode(&c.to_saved().encode()).unwrap();
        assert_eq!(saved.lesson.as_deref(), Some(lesson.id.as_str()));
        let again = Core::from_saved(&saved, Some(lesson.clone()));
        assert_eq!(again.term.world.state_hash(), c.term.world.state_hash());
        assert_eq!(again.term.history, c.term.history);
        assert!(again.run.as_ref().is_some_and(|r| r.is_finished()));
        // Reset goes back to the lesson's start, progress stays.
        c.reset();
        assert!(c.term.history.is_empty());
        assert!(c.progress.lesson(&lesson.id).is_some_and(|p| p.finished));
    }

    #[test]
    fn streams_poll_with_time_and_stop_on_ctrl_c() {
        let mut c = Core::new(1, "kind");
        c.submit("kubectl get pods -w");
        assert!(c.streaming, "kubectl get -w streams");
        assert_eq!(c.prompt(), "");
        c.submit("ignored");
        assert_eq!(
            c.journal.len(),
            1,
            "lines typed during a stream are not run"
        );
        c.submit_for_test_create_pod();
        c.tick(3000);
        assert!(
            c.lines.iter().any(|l| l.text.contains("streamed")),
            "{:?}",
            c.lines
        );
        c.interrupt("");
        assert!(!c.streaming);
        assert!(c.prompt().ends_with("$ "));
    }

    impl Core {
        /// Creates a pod named `streamed` straight through the API (as a controller would).
        fn submit_for_test_create_pod(&mut self) {
            use crate::sim::value::Value;
            let mut pod = Value::map();
            pod.set("apiVersion", "v1");
            pod.set("kind", "Pod");
            let mut meta = Value::map();
            meta.set("name", "streamed");
            meta.set("namespace", "default");
            pod.set("metadata", meta);
            let mut ctr = Value::map();
            ctr.set("name", "c");
            ctr.set("image", "nginx");
            let mut spec = Value::map();
            spec.set("containers", Value::Seq(vec![ctr].into()));
            pod.set("spec", spec);
            let res = crate::sim::api::resource_for("pods");
            if let (Some(res), Some(mut a)) = (res, self.term.world.api("kind-kind", "test")) {
                let _ = a.create(res, pod);
            }
        }
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
