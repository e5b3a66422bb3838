//! The course lint: validates every lesson folder against the format (schema, both languages
//! complete, quizzes consistent, links and files present, ids unique) and, for lessons that are
//! not drafts, that every check is reachable (the reference solution passes it) and that every
//! wrong attempt fails.
//!
//! Start with [`lint_all`]; `tests/lessons.rs` runs it in CI.
//!
//! ```no_run
//! let report = kubesim::lessons::lint::lint_all("lessons".as_ref());
//! assert!(report.problems.is_empty(), "{}", report);
//! ```

use super::check::Check;
use super::demo::DemoStep;
use super::load::{self, LoadError};
use super::markdown::{self, Block, Inline, LinkTarget};
use super::replay;
use super::schema::{Course, Lang, Lesson};
use super::session::find_quiz;
use crate::sort::SortSmall;
use std::collections::BTreeSet;
use std::fmt;

/// What the lint found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Problems, each as `<file or lesson>: <message>`.
    pub problems: Vec<String>,
    /// Draft lessons whose replay was skipped, with the reason given in course.yaml.
    pub skipped: Vec<(String, String)>,
    /// Lessons checked.
    pub lessons: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} lessons, {} problems",
            self.lessons,
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        for (id, why) in &self.skipped {
            writeln!(f, "  (draft, replay skipped) {id}: {why}")?;
        }
        Ok(())
    }
}

/// Lints the whole course in `dir` (the `lessons/` folder), replaying non-draft lessons.
pub fn lint_all(dir: &std::path::Path) -> Report {
    lint(dir, true)
}

/// Lints without replaying anything (fast; what the editor of a lesson runs first).
pub fn lint_static(dir: &std::path::Path) -> Report {
    lint(dir, false)
}

fn lint(dir: &std::path::Path, replay_them: bool) -> Report {
    let mut report = Report::default();
    let course = match load::load_course_dir(dir) {
        Ok(c) => c,
        Err(e) => {
            report.problems.push(e.to_string());
            return report;
        }
    };
    // Folders that the index does not list.
    let listed: BTreeSet<&str> = course.lessons().map(|l| l.id.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort_small();
        for n in names {
            if !listed.contains(n.as_str()) {
                report
                    .problems
                    .push(format!("{n}/: folder not listed in course.yaml"));
            }
        }
    }
    for entry in course.lessons() {
        report.lessons += 1;
        let lesson = match load::load_lesson_dir(dir, &entry.id) {
            Ok(l) => l,
            Err(e) => {
                report.problems.push(e.to_string());
                continue;
            }
        };
        report.problems.extend(
            lint_lesson(&course, &lesson)
                .into_iter()
                .map(|p| format!("{}: {p}", entry.id)),
        );
        // Title in the index = first heading of each language.
        for lang in Lang::ALL {
            if entry.title.get(lang) != lesson.title.get(lang) {
                report.problems.push(format!(
                    "{}/{}.md: the first heading {:?} differs from the title in course.yaml {:?}",
                    entry.id,
                    lang.code(),
                    lesson.title.get(lang),
                    entry.title.get(lang)
                ));
            }
        }
        if !replay_them {
            continue;
        }
        if let Some(why) = &entry.draft {
            report.skipped.push((entry.id.clone(), why.clone()));
            continue;
        }
        if let Err(e) = replay::replay_solution(&lesson) {
            report.problems.push(e.to_string());
        }
        for e in replay::replay_wrong_attempts(&lesson) {
            report.problems.push(e.to_string());
        }
    }
    report
}

/// Static checks of one loaded lesson (no replay).
pub fn lint_lesson(course: &Course, lesson: &Lesson) -> Vec<String> {
    let mut p = Vec::new();
    for lang in Lang::ALL {
        if lesson.title.get(lang).is_empty() {
            p.push(format!(
                "{}.md: starts with no `# Title` heading",
                lang.code()
            ));
        }
        lint_blocks(
            course,
            lesson.intro.get(lang),
            &format!("{}.md intro", lang.code()),
            &mut p,
        );
    }
    lint_same_diagrams(&lesson.intro.fr, &lesson.intro.en, "intro", &mut p);
    if lesson.steps.is_empty() {
        p.push("no steps".into());
    }
    let mut components: Vec<(&str, &String)> = lesson
        .world
        .down
        .iter()
        .map(|c| ("world.down", c))
        .collect();
    for s in &lesson.steps {
        components.extend(s.stop.iter().map(|c| ("stop", c)));
        components.extend(s.start.iter().map(|c| ("start", c)));
        s.check.visit(&mut |c| {
            if let Check::Component { name, .. } = c {
                components.push(("check", name));
            }
        });
    }
    for d in &lesson.demo {
        match d {
            DemoStep::Stop(c) => components.push(("demo stop", c)),
            DemoStep::Start(c) => components.push(("demo start", c)),
            DemoStep::Say(t) if t.fr.trim().is_empty() || t.en.trim().is_empty() => {
                p.push("demo: a `say` caption is empty in a language".into())
            }
            _ => {}
        }
    }
    for (at, c) in components {
        if !is_component(c) {
            p.push(format!("{at}: unknown component {c:?} (kube-apiserver, kube-scheduler, kube-controller-manager, cloud-controller-manager, kubelet/<node>, containerd/<node>, node/<node>, etcd/<member>)"));
        }
    }
    if !lesson.steps.iter().any(|s| !s.wrong.is_empty()) {
        p.push("no wrong attempt anywhere (each lesson needs at least one)".into());
    }
    for step in &lesson.steps {
        let at = |what: &str| format!("step {}: {what}", step.id);
        for lang in Lang::ALL {
            let code = lang.code();
            if step.title.get(lang).is_empty() {
                p.push(at(&format!("{code}.md: the step text has no heading")));
            }
            if step.body.get(lang).len() < 2 {
                p.push(at(&format!(
                    "{code}.md: the step has no text after its heading"
                )));
            }
            lint_blocks(
                course,
                step.body.get(lang),
                &format!("{code}.md step {}", step.id),
                &mut p,
            );
        }
        lint_same_diagrams(&step.body.fr, &step.body.en, &at("text"), &mut p);
        if step.hints.is_empty() {
            p.push(at(
                "no hints (give a ladder, from a nudge to nearly the answer)",
            ));
        }
        for (i, h) in step.hints.iter().enumerate() {
            if h.fr.is_empty() || h.en.is_empty() {
                p.push(at(&format!("hint {i} is empty in a language")));
            }
        }
        for line in step.solution.commands.iter().chain(&step.setup) {
            if let Some(d) = disabled_in(lesson, line) {
                p.push(at(&format!(
                    "the solution uses {d:?}, which the lesson disables"
                )));
            }
        }
        if step.solution.commands.is_empty() && step.solution.quiz.is_empty() {
            p.push(at("empty solution"));
        }
        // Quizzes: present in both languages with the same choices count and answers.
        let mut quiz_ids: BTreeSet<&str> = step.check.quizzes().into_iter().collect();
        quiz_ids.extend(step.solution.quiz.keys().map(String::as_str));
        for w in &step.wrong {
            quiz_ids.extend(w.quiz.keys().map(String::as_str));
        }
        for id in quiz_ids {
            let (Some(fr), Some(en)) = (find_quiz(&step.body.fr, id), find_quiz(&step.body.en, id))
            else {
                p.push(at(&format!(
                    "quiz {id:?} is not in the step text of both fr.md and en.md"
                )));
                continue;
            };
            if fr.choices.len() != en.choices.len() || fr.correct != en.correct {
                p.push(at(&format!(
                    "quiz {id:?}: French and English differ in choices or correct answers"
                )));
            }
            if fr.correct.is_empty() {
                p.push(at(&format!("quiz {id:?} has no correct choice (- [x])")));
            }
            if fr.explanation.is_empty() || en.explanation.is_empty() {
                p.push(at(&format!("quiz {id:?} has no explanation (> lines)")));
            }
            if let Some(picks) = step.solution.quiz.get(id) {
                if !fr.is_correct(picks) {
                    p.push(at(&format!(
                        "the solution's answer to quiz {id:?} is not the correct one"
                    )));
                }
            }
        }
        // Every quiz in the text must be checked, or the student cannot finish the step by it.
        markdown::walk(&step.body.fr, &mut |b| {
            if let Block::Quiz(q) = b {
                if !step.check.quizzes().contains(&q.id.as_str()) {
                    p.push(at(&format!(
                        "quiz {:?} is not used by the step's check (add `quiz: {}`)",
                        q.id, q.id
                    )));
                }
            }
        });
        step.check.visit(&mut |c| {
            if let Check::Sequence(items) | Check::All(items) | Check::Any(items) = c {
                if items.is_empty() {
                    p.push(at("an empty all/any/sequence check"));
                }
            }
        });
    }
    p
}

/// A component name as `sim::world::Cluster::down` knows them.
fn is_component(name: &str) -> bool {
    match name.split_once('/') {
        None => matches!(
            name,
            "kube-apiserver"
                | "kube-scheduler"
                | "kube-controller-manager"
                | "cloud-controller-manager"
        ),
        Some((kind, node)) => {
            matches!(kind, "kubelet" | "containerd" | "node" | "etcd") && !node.is_empty()
        }
    }
}

/// The disabled command a line would hit (first word, or first word + verb), like the
/// terminal decides.
fn disabled_in(lesson: &Lesson, line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let cmd = match words.next()? {
        "k" => "kubectl",
        w => w,
    };
    let d = &lesson.terminal.disabled_commands;
    if d.contains(cmd) {
        return Some(cmd.to_string());
    }
    let verb = words.find(|w| !w.starts_with('-'))?;
    let pair = format!("{cmd} {verb}");
    d.contains(&pair).then_some(pair)
}

/// The diagram info strings of some blocks, in order.
fn diagrams(blocks: &[Block]) -> Vec<&str> {
    let mut v = Vec::new();
    markdown::walk(blocks, &mut |b| {
        if let Block::Diagram { info } = b {
            v.push(info.as_str());
        }
    });
    v
}

/// French and English show the same live pictures at the same places.
fn lint_same_diagrams(fr: &[Block], en: &[Block], at: &str, p: &mut Vec<String>) {
    let (f, e) = (diagrams(fr), diagrams(en));
    if f != e {
        p.push(format!(
            "{at}: fr.md and en.md differ in their diagrams ({f:?} vs {e:?})"
        ));
    }
}

fn lint_blocks(course: &Course, blocks: &[Block], at: &str, p: &mut Vec<String>) {
    markdown::walk_inlines(blocks, &mut |inlines| lint_inlines(course, inlines, at, p));
    markdown::walk(blocks, &mut |b| {
        if let Block::Diagram { info } = b {
            if let Err(e) = super::diagram::Spec::parse(info) {
                p.push(format!("{at}: {e}"));
            }
        }
        if let Block::Quiz(q) = b {
            if q.id.is_empty() {
                p.push(format!("{at}: a quiz without an id (`:::quiz my-id`)"));
            }
            if q.choices.len() < 2 {
                p.push(format!("{at}: quiz {:?} needs at least two choices", q.id));
            }
        }
    });
}

fn lint_inlines(course: &Course, inlines: &[Inline], at: &str, p: &mut Vec<String>) {
    for i in inlines {
        match i {
            Inline::Text(t) if t.contains("<!--") => p.push(format!(
                "{at}: an HTML comment would show as text (a step marker must be alone on its line: `<!-- step: id -->`)"
            )),
            Inline::Link { target, text } => {
                match target {
                    LinkTarget::Lesson { id, .. } if course.entry(id).is_none() => {
                        p.push(format!("{at}: link to unknown lesson {id:?}"))
                    }
                    LinkTarget::Invalid(u) => {
                        p.push(format!("{at}: link {u:?} is neither http(s) nor lesson:"))
                    }
                    _ => {}
                }
                lint_inlines(course, text, at, p);
            }
            Inline::Emph(c) | Inline::Strong(c) => lint_inlines(course, c, at, p),
            _ => {}
        }
    }
}

/// Loads every lesson of the course, in order (stops at the first error).
pub fn load_all(dir: &std::path::Path) -> Result<(Course, Vec<Lesson>), LoadError> {
    let course = load::load_course_dir(dir)?;
    let lessons = course
        .lessons()
        .map(|e| load::load_lesson_dir(dir, &e.id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((course, lessons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::catalog;
    use std::collections::BTreeMap;

    fn lesson(yaml: &str, fr: &str, en: &str) -> Lesson {
        let files: BTreeMap<String, String> = [("lesson.yaml", yaml), ("fr.md", fr), ("en.md", en)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Lesson::from_files("01-x", &files).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn static_lint_catches_content_mistakes() {
        let course = catalog(
            "title: {fr: C, en: C}\nparts:\n  - id: p\n    title: {fr: P, en: P}\n    lessons:\n      - id: 01-x\n        title: {fr: X, en: X}\n",
        )
        .unwrap();
        let yaml = "terminal:\n  disabled: [kubectl delete]\nsteps:\n  - id: s\n    stop: [kube-shceduler]\n    check: {quiz: q}\n    solution:\n      commands: [k delete pod x]\n      quiz: {q: [0]}\n";
        let fr = "# X\n<!-- step: s -->\n## S\nVoir [ici](lesson:99-nope) et [là](ftp://x).\n:::quiz q\nQ ?\n- [x] a\n- [ ] b\n> parce que\n:::\n:::quiz orphan\nQ ?\n- [x] a\n- [ ] b\n> e\n:::\n";
        let en =
            "# X\n<!-- step: s -->\n## S\nSee. <!-- step: t -->\n:::quiz q\nQ?\n- [ ] a\n- [x] b\n> because\n:::\n```diagram pods\n```\n";
        let problems = lint_lesson(&course, &lesson(yaml, fr, en)).join("\n");
        for want in [
            "no wrong attempt anywhere",
            "no hints",
            "uses \"kubectl delete\", which the lesson disables",
            "quiz \"q\": French and English differ",
            "link to unknown lesson \"99-nope\"",
            "link \"ftp://x\" is neither",
            "quiz \"orphan\" is not used by the step's check",
            "stop: unknown component \"kube-shceduler\"",
            "en.md step s: an HTML comment would show as text",
            "en.md step s: unknown diagram \"pods\"",
            "step s: text: fr.md and en.md differ in their diagrams ([] vs [\"pods\"])",
        ] {
            assert!(problems.contains(want), "missing {want:?} in:\n{problems}");
        }
    }

    #[test]
    fn the_real_course_lints_clean_statically() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
        let report = lint_static(&dir);
        assert!(report.problems.is_empty(), "{report}");
    }
}
