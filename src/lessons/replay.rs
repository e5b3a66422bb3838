//! Replaying a lesson's reference solution and its wrong attempts through a real
//! [`Terminal`], the way a student would type them: CI proves every check is reachable and
//! that the wrong attempts do not pass.
//!
//! Between two commands [`COMMAND_GAP_MS`] of simulated time pass (in 1 s ticks, the check
//! evaluated after each, like the UI's clock); after the last command the quiz answers are
//! given, then the replay waits up to the step's `max_wait_s` for eventual checks (a node going
//! NotReady...).
//!
//! ```
//! use kubesim::lessons::replay;
//! # let lesson = kubesim::lessons::session::tests_support::tiny_lesson();
//! assert!(replay::replay_solution(&lesson).is_ok());
//! assert!(replay::replay_wrong_attempts(&lesson).is_empty());
//! ```

use super::diagram;
use super::schema::{Attempt, Lang, Lesson};
use super::session::{LessonRun, Observed};
use crate::term::Terminal;

/// Simulated time between two commands of a replay.
pub const COMMAND_GAP_MS: u64 = 2_000;
const TICK_MS: u64 = 1_000;

/// Why a replay failed: which step, and the terminal transcript up to there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lesson {lesson}, step {step}: {message}\n--- transcript ---\n{transcript}")]
pub struct ReplayError {
    pub lesson: String,
    pub step: String,
    pub message: String,
    pub transcript: String,
}

/// A lesson's terminal with a transcript of everything typed and printed.
struct Replayer<'l> {
    lesson: &'l Lesson,
    term: Terminal,
    run: LessonRun,
    transcript: String,
}

impl<'l> Replayer<'l> {
    fn new(lesson: &'l Lesson) -> Self {
        let mut term = LessonRun::terminal(lesson);
        let run = LessonRun::new(lesson, Default::default());
        run.setup_step(lesson, &mut term);
        Replayer {
            lesson,
            term,
            run,
            transcript: String::new(),
        }
    }

    fn fail(&self, step: &str, message: String) -> ReplayError {
        ReplayError {
            lesson: self.lesson.id.clone(),
            step: step.to_string(),
            message,
            transcript: self.transcript.clone(),
        }
    }

    /// Types an attempt's commands and answers its quizzes; returns as soon as the current
    /// step is done (true), or false if it is still pending after waiting `max_wait_ms`.
    fn attempt(&mut self, attempt: &Attempt, max_wait_ms: u64) -> bool {
        // Like a student: type the commands (time passes between them), answer the quizzes,
        // then wait for eventual checks. Stop as soon as the step is done.
        for line in &attempt.commands {
            self.transcript
                .push_str(&format!("{}{line}\n", self.term.prompt()));
            let out = self.term.run(line);
            self.transcript.push_str(&out.text());
            if self.observe() || self.wait(COMMAND_GAP_MS) {
                return true;
            }
        }
        for (quiz, picks) in &attempt.quiz {
            let _ = self.run.answer_quiz(self.lesson, Lang::Fr, quiz, picks);
            self.transcript
                .push_str(&format!("(quiz {quiz}: answered {picks:?})\n"));
        }
        self.observe() || self.wait(max_wait_ms)
    }

    fn observe(&mut self) -> bool {
        self.run.observe(self.lesson, &mut self.term) != Observed::Pending
    }

    /// Lets up to `ms` of simulated time pass in ticks; true as soon as the step is done.
    fn wait(&mut self, ms: u64) -> bool {
        let mut waited = 0;
        while waited < ms {
            self.term.world.step(TICK_MS);
            waited += TICK_MS;
            if self.observe() {
                self.transcript
                    .push_str(&format!("(done after {} s more)\n", waited / 1000));
                return true;
            }
        }
        false
    }
}

/// Replays every step's reference solution in order; each step must pass, and once it has,
/// each live diagram of the step must have something to draw (not "no cluster").
pub fn replay_solution(lesson: &Lesson) -> Result<(), ReplayError> {
    let mut r = Replayer::new(lesson);
    for step in &lesson.steps {
        r.transcript.push_str(&format!("## step {}\n", step.id));
        if !r.attempt(&step.solution, step.max_wait_ms) {
            return Err(r.fail(
                &step.id,
                format!(
                    "the reference solution does not pass the check (waited {} s after the last command)",
                    step.max_wait_ms / 1000
                ),
            ));
        }
        let mut infos = Vec::new();
        diagram::infos_in(&step.body.fr, &mut infos);
        for info in infos {
            let picture = diagram::Spec::parse(&info).map(|s| s.picture(&r.term));
            if let Ok(diagram::Picture::Missing(m)) | Err(m) =
                picture.map_err(diagram::Missing::Bad)
            {
                return Err(r.fail(
                    &step.id,
                    format!("the diagram `{info}` has nothing to draw after the solution: {m:?}"),
                ));
            }
        }
    }
    if !r.run.is_finished() {
        return Err(r.fail(
            "(end)",
            "the lesson is not finished after every step".into(),
        ));
    }
    Ok(())
}

/// Replays each wrong attempt from the state the solutions of the steps before it leave;
/// returns the attempts that (wrongly) pass, or that could not be set up.
pub fn replay_wrong_attempts(lesson: &Lesson) -> Vec<ReplayError> {
    let mut errors = Vec::new();
    for (i, step) in lesson.steps.iter().enumerate() {
        for (w, wrong) in step.wrong.iter().enumerate() {
            let mut r = Replayer::new(lesson);
            let mut ok = true;
            for before in &lesson.steps[..i] {
                if !r.attempt(&before.solution, before.max_wait_ms) {
                    errors.push(r.fail(&before.id, "the solution of an earlier step does not pass, so this wrong attempt cannot be checked".into()));
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            r.transcript
                .push_str(&format!("## step {}, wrong attempt {w}\n", step.id));
            if r.attempt(wrong, step.max_wait_ms) {
                errors.push(r.fail(
                    &step.id,
                    format!("wrong attempt #{w} passes the check, but it must not"),
                ));
            }
        }
    }
    errors
}

/// What a demo's command must never print: the terminal does not know the command, or a
/// flag of it (a typo in the script, or something kubesim does not model).
const DEMO_FAILURES: &[&str] = &[
    "command not found",
    "unknown command",
    "unknown flag",
    "unknown shorthand flag",
];

/// Plays a lesson's demo script on its starting world the way the trainer's player does
/// (waits and the gap before each command pass as simulated time, in 1 s ticks; `pause:
/// trainer` counts as one gap) and returns the transcript. Fails on a command whose output
/// says the terminal does not know it, or on a demo that stops/starts nothing it can find.
pub fn replay_demo(lesson: &Lesson) -> Result<String, ReplayError> {
    use super::demo::DemoStep;
    let mut r = Replayer::new(lesson);
    for (i, step) in lesson.demo.iter().enumerate() {
        let at = format!("demo #{i}");
        let mut left = match step {
            DemoStep::Hold => super::demo::COMMAND_GAP_MS,
            s => s.delay_ms(),
        };
        while left > 0 {
            let dt = left.min(TICK_MS);
            r.term.world.step(dt);
            left -= dt;
        }
        match step {
            DemoStep::Run(line) => {
                r.transcript
                    .push_str(&format!("{}{line}\n", r.term.prompt()));
                let out = r.term.run(line);
                let text = out.text();
                r.transcript.push_str(&text);
                if let Some(bad) = DEMO_FAILURES.iter().find(|f| text.contains(*f)) {
                    return Err(r.fail(&at, format!("{line:?} printed {bad:?}")));
                }
            }
            DemoStep::Stop(c) | DemoStep::Start(c) => {
                let up = matches!(step, DemoStep::Start(_));
                let cluster = r
                    .term
                    .current_cluster()
                    .or_else(|| r.term.world.clusters.keys().next().cloned());
                match cluster.and_then(|c| r.term.world.clusters.get_mut(&c)) {
                    Some(cl) if up => cl.start(c),
                    Some(cl) => cl.stop(c),
                    None => return Err(r.fail(&at, format!("no cluster to stop/start {c:?} in"))),
                }
                r.transcript
                    .push_str(&format!("({} {c})\n", if up { "start" } else { "stop" }));
            }
            DemoStep::Say(t) => r.transcript.push_str(&format!("(say: {})\n", t.en)),
            DemoStep::Wait { .. } | DemoStep::Hold => {}
        }
    }
    Ok(r.transcript)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::session::tests_support::tiny_lesson;

    #[test]
    fn the_tiny_lesson_replays_and_its_wrong_attempt_fails() {
        let lesson = tiny_lesson();
        assert_eq!(replay_solution(&lesson), Ok(()));
        assert!(replay_wrong_attempts(&lesson).is_empty());
        let mut broken = lesson.clone();
        broken.steps[0].solution.commands = vec!["kubectl get pods".into()];
        let err = replay_solution(&broken).unwrap_err();
        assert_eq!(err.step, "nodes");
        assert!(
            err.transcript.contains("$ kubectl get pods\n"),
            "{}",
            err.transcript
        );
        let mut lenient = lesson;
        lenient.steps[0].wrong[0].commands = vec!["kubectl get nodes".into()];
        assert_eq!(replay_wrong_attempts(&lenient).len(), 1);
    }

    #[test]
    fn demos_replay_with_faults_and_fail_on_unknown_commands() {
        use crate::lessons::demo::DemoStep;
        let mut lesson = tiny_lesson();
        lesson.demo = vec![
            DemoStep::Stop("kube-scheduler".into()),
            DemoStep::Run("kubectl run web --image=nginx".into()),
            DemoStep::Wait { ms: 5_000 },
            DemoStep::Run("kubectl get pods".into()),
            DemoStep::Start("kube-scheduler".into()),
        ];
        let transcript = replay_demo(&lesson).unwrap_or_else(|e| panic!("{e}"));
        // The scheduler was stopped: the pod waits, unscheduled, after 5 s.
        assert!(
            transcript
                .lines()
                .any(|l| l.starts_with("web ") && l.contains("Pending")),
            "{transcript}"
        );
        assert!(transcript.contains("(stop kube-scheduler)"), "{transcript}");
        lesson.demo.push(DemoStep::Run("kubectl gett pods".into()));
        let err = replay_demo(&lesson).unwrap_err();
        assert_eq!(err.step, "demo #5");
        assert!(err.message.contains("unknown command"), "{}", err.message);
    }
}
