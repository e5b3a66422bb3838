//! A lesson being followed: builds its starting terminal, tracks the current step, evaluates
//! its check after every command and every tick, records quiz answers and hints.
//!
//! This is the API the UI drives. The UI owns the [`Terminal`] (it runs commands and steps the
//! world) and calls [`LessonRun::observe`] after each of those:
//!
//! ```
//! use kubesim::lessons::{load, session::{LessonRun, Observed}};
//! # let lesson = kubesim::lessons::session::tests_support::tiny_lesson();
//! let mut term = LessonRun::terminal(&lesson);
//! let mut run = LessonRun::new(&lesson, Default::default());
//! term.run("kubectl get nodes");
//! assert_eq!(run.observe(&lesson, &mut term), Observed::LessonDone);
//! ```

use super::check::{Answers, Evaluator};
use super::markdown::{self, Block, Quiz};
use super::progress::LessonProgress;
use super::schema::{Lesson, Step};
use crate::sim::World;
use crate::term::Terminal;

/// What changed after an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The current step is not done yet.
    Pending,
    /// This step's check passed; the next step has started.
    StepDone(String),
    /// The last step's check passed.
    LessonDone,
}

/// The answer to a quiz, as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizFeedback {
    pub correct: bool,
    /// The explanation (in the language asked), shown after answering.
    pub explanation: Vec<Block>,
}

/// One student's run through one lesson.
#[derive(Debug, Clone)]
pub struct LessonRun {
    /// Index of the current step; `steps.len()` when the lesson is finished.
    step: usize,
    evaluator: Option<Evaluator>,
    answers: Answers,
    pub progress: LessonProgress,
}

impl LessonRun {
    /// The terminal a lesson starts with: the preset's world with the lesson's objects,
    /// stopped components, warm-up time, files, environment, terminal settings and setup
    /// commands (run silently).
    pub fn terminal(lesson: &Lesson) -> Terminal {
        let w = &lesson.world;
        let mut world = World::new(w.seed, w.preset);
        let cluster = world.clusters.keys().next().cloned();
        if let Some(cluster) = &cluster {
            for obj in &w.objects {
                let kind = obj
                    .get("kind")
                    .and_then(crate::sim::Value::as_str)
                    .unwrap_or("");
                if let (Some(res), Some(mut api)) = (
                    crate::sim::api::resource_for_kind(kind),
                    world.api(cluster, "kubectl"),
                ) {
                    let _ = api.create(res, obj.clone());
                }
            }
            if let Some(c) = world.clusters.get_mut(cluster) {
                for comp in &w.down {
                    c.stop(comp);
                }
            }
        }
        // Warm up in 1 s steps, as the UI's clock would, so heartbeats and controllers run.
        let mut left = w.warmup_ms;
        while left > 0 {
            let dt = left.min(1000);
            world.step(dt);
            left -= dt;
        }
        let mut term = Terminal::new(world);
        for (path, text) in &w.files {
            term.fs.write(path, text.clone());
        }
        for (k, v) in &w.env {
            term.env.insert(k.clone(), v.clone());
        }
        for line in &w.setup {
            let _ = term.run(line);
        }
        term.history.clear();
        term.disabled_commands = lesson.terminal.disabled_commands.clone();
        term.completion = lesson.terminal.completion;
        term
    }

    /// Starts (or resumes, from `progress`) a lesson. Steps already done are skipped; the
    /// world is not replayed, so a resumed lesson starts from its starting world at the first
    /// step not done.
    pub fn new(lesson: &Lesson, progress: LessonProgress) -> Self {
        let step = lesson
            .steps
            .iter()
            .position(|s| !progress.steps_done.contains(&s.id))
            .unwrap_or(lesson.steps.len());
        let mut answers = Answers::default();
        for (id, a) in &progress.quiz {
            if a.correct {
                answers.correct_quizzes.insert(id.clone());
            }
        }
        LessonRun {
            step,
            evaluator: lesson
                .steps
                .get(step)
                .map(|s| Evaluator::new(s.check.clone())),
            answers,
            progress,
        }
    }

    /// The index of the current step (`None` once the lesson is finished).
    pub fn current(&self) -> Option<usize> {
        self.evaluator.as_ref().map(|_| self.step)
    }
    pub fn current_step<'l>(&self, lesson: &'l Lesson) -> Option<&'l Step> {
        self.current().and_then(|i| lesson.steps.get(i))
    }
    pub fn is_finished(&self) -> bool {
        self.evaluator.is_none()
    }

    /// Applies the current step's world changes (`stop`, `start`) and runs its setup commands
    /// silently. Call once after the lesson starts; `observe` calls it for later steps.
    pub fn setup_step(&self, lesson: &Lesson, term: &mut Terminal) {
        if let Some(step) = self.current_step(lesson) {
            let cluster = term
                .current_cluster()
                .or_else(|| term.world.clusters.keys().next().cloned());
            if let Some(c) = cluster.and_then(|c| term.world.clusters.get_mut(&c)) {
                for comp in &step.stop {
                    c.stop(comp);
                }
                for comp in &step.start {
                    c.start(comp);
                }
            }
            let history = term.history.len();
            for line in &step.setup {
                let _ = term.run(line);
            }
            term.history.truncate(history);
        }
    }

    /// Evaluates the current step's check against the terminal. Call after every command
    /// and every tick of simulated time. When the step passes, the next one starts (its setup
    /// runs on `term`).
    pub fn observe(&mut self, lesson: &Lesson, term: &mut Terminal) -> Observed {
        let Some(ev) = self.evaluator.as_mut() else {
            return Observed::LessonDone;
        };
        if !ev.eval(term, &self.answers) {
            return Observed::Pending;
        }
        let Some(done) = lesson.steps.get(self.step) else {
            self.evaluator = None;
            return Observed::LessonDone;
        };
        if !self.progress.steps_done.contains(&done.id) {
            self.progress.steps_done.push(done.id.clone());
        }
        self.step += 1;
        self.evaluator = lesson
            .steps
            .get(self.step)
            .map(|s| Evaluator::new(s.check.clone()));
        if self.evaluator.is_none() {
            self.progress.finished = true;
            return Observed::LessonDone;
        }
        self.setup_step(lesson, term);
        Observed::StepDone(done.id.clone())
    }

    /// Records an answer to a quiz of the current step (choices are indexes from 0).
    /// `None` if the current step has no quiz with this id.
    pub fn answer_quiz(
        &mut self,
        lesson: &Lesson,
        lang: super::schema::Lang,
        quiz_id: &str,
        picks: &[usize],
    ) -> Option<QuizFeedback> {
        let step = self.current_step(lesson)?;
        let quiz = find_quiz(step.body.get(lang), quiz_id)?;
        let correct = quiz.is_correct(picks);
        let entry = self.progress.quiz.entry(quiz_id.to_string()).or_default();
        entry.picks = picks.to_vec();
        entry.attempts += 1;
        entry.correct = correct;
        if correct {
            self.answers.correct_quizzes.insert(quiz_id.to_string());
        } else {
            self.answers.correct_quizzes.remove(quiz_id);
        }
        Some(QuizFeedback {
            correct,
            explanation: quiz.explanation.clone(),
        })
    }

    /// How many hints of the current step the student has opened.
    pub fn hints_shown(&self, lesson: &Lesson) -> u32 {
        self.current_step(lesson)
            .and_then(|s| self.progress.hints_used.get(&s.id).copied())
            .unwrap_or(0)
    }

    /// Opens the next hint of the current step and returns it (`None` when all are shown).
    pub fn next_hint<'l>(
        &mut self,
        lesson: &'l Lesson,
    ) -> Option<&'l super::schema::Tr<Vec<Block>>> {
        let step = self.current_step(lesson)?;
        let shown = self.hints_shown(lesson);
        let hint = step.hints.get(shown as usize)?;
        self.progress.hints_used.insert(step.id.clone(), shown + 1);
        Some(hint)
    }
}

/// The quiz with this id in a step's text.
pub fn find_quiz<'a>(blocks: &'a [Block], id: &str) -> Option<&'a Quiz> {
    let mut found = None;
    markdown::walk(blocks, &mut |b| {
        if let Block::Quiz(q) = b {
            if q.id == id && found.is_none() {
                found = Some(q);
            }
        }
    });
    found
}

#[doc(hidden)]
pub mod tests_support {
    use super::super::schema::Lesson;
    use std::collections::BTreeMap;

    /// A one-step lesson, for doc examples and tests.
    pub fn tiny_lesson() -> Lesson {
        let files: BTreeMap<String, String> = [
            (
                "lesson.yaml",
                "steps:\n  - id: nodes\n    check:\n      command: {ran: kubectl get nodes, success: true}\n    hints:\n      - fr: Essayez `kubectl get`.\n        en: Try `kubectl get`.\n    solution: [kubectl get nodes]\n    wrong: [[kubectl get pods]]\n",
            ),
            ("fr.md", "# Les nœuds\n<!-- step: nodes -->\n## Listez\nTapez `kubectl get nodes`.\n"),
            ("en.md", "# Nodes\n<!-- step: nodes -->\n## List them\nType `kubectl get nodes`.\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        match Lesson::from_files("00-tiny", &files) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::schema::Lang;
    use std::collections::BTreeMap;

    fn two_steps() -> Lesson {
        let files: BTreeMap<String, String> = [
            (
                "lesson.yaml",
                "world:\n  preset: kind\n  warmup_s: 3\n  files: {~/notes.txt: files/n.txt}\n  setup: [echo quiet]\nterminal:\n  disabled: [sleep]\n  completion: false\nsteps:\n  - id: quiz\n    check: {quiz: q}\n    hints:\n      - {fr: un, en: one}\n      - {fr: deux, en: two}\n    solution: {quiz: {q: [1]}}\n  - id: cmd\n    setup: [echo from-setup]\n    stop: [kube-scheduler, kubelet/kind-worker]\n    start: [kubelet/kind-worker]\n    check: {command: {ran: kubectl get nodes}}\n    hints: [{fr: a, en: a}]\n    solution: [kubectl get nodes]\n",
            ),
            ("files/n.txt", "hello"),
            ("fr.md", "# T\n<!-- step: quiz -->\n## Q\n:::quiz q\nQ ?\n- [ ] a\n- [x] b\n> c\n:::\n<!-- step: cmd -->\n## C\nx\n"),
            ("en.md", "# T\n<!-- step: quiz -->\n## Q\n:::quiz q\nQ?\n- [ ] a\n- [x] b\n> c\n:::\n<!-- step: cmd -->\n## C\nx\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Lesson::from_files("01-t", &files).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_run_goes_through_quiz_hints_setup_and_finishes() {
        let lesson = two_steps();
        let mut term = LessonRun::terminal(&lesson);
        assert_eq!(term.world.now().as_ms(), 3000);
        assert_eq!(term.fs.read("/home/student/notes.txt"), Some("hello"));
        assert!(term.history.is_empty(), "setup commands leave no history");
        assert!(!term.completion);
        assert_eq!(term.run("sleep 1").exit_code, 126);
        let mut run = LessonRun::new(&lesson, Default::default());
        assert_eq!(run.observe(&lesson, &mut term), Observed::Pending);
        assert!(run.next_hint(&lesson).is_some());
        assert!(run.next_hint(&lesson).is_some());
        assert!(run.next_hint(&lesson).is_none());
        assert_eq!(run.progress.hints_used["quiz"], 2);
        assert!(run.answer_quiz(&lesson, Lang::En, "nope", &[0]).is_none());
        let fb = run.answer_quiz(&lesson, Lang::Fr, "q", &[0]).unwrap();
        assert!(!fb.correct && !fb.explanation.is_empty());
        assert_eq!(run.observe(&lesson, &mut term), Observed::Pending);
        assert!(
            run.answer_quiz(&lesson, Lang::En, "q", &[1])
                .unwrap()
                .correct
        );
        assert_eq!(
            run.observe(&lesson, &mut term),
            Observed::StepDone("quiz".into())
        );
        assert_eq!(run.current(), Some(1));
        assert_eq!(run.progress.quiz["q"].attempts, 2);
        let kind = &term.world.clusters["kind-kind"];
        assert!(
            !kind.is_up("kube-scheduler"),
            "the step's fault is injected"
        );
        assert!(kind.is_up("kubelet/kind-worker"), "start comes after stop");
        term.run("kubectl get nodes");
        assert_eq!(run.observe(&lesson, &mut term), Observed::LessonDone);
        assert!(run.is_finished() && run.progress.finished);
        assert_eq!(run.progress.steps_done, vec!["quiz", "cmd"]);
        // Resuming from saved progress starts at the first step not done.
        let mut p = run.progress.clone();
        p.steps_done.truncate(1);
        p.finished = false;
        let resumed = LessonRun::new(&lesson, p);
        assert_eq!(resumed.current(), Some(1));
    }
}
