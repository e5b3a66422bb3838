//! The course in CI: every lesson lints clean; for every lesson that is not a draft, the
//! reference solution replays step by step through a real `Terminal` and every wrong attempt
//! fails its check. Drafts are listed with the reason they are skipped.

use kubesim::lessons::{lint, load, replay};
use std::path::Path;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
}

#[test]
fn every_lesson_lints_clean() {
    let report = lint::lint_static(dir());
    assert!(report.lessons >= 12, "{report}");
    assert!(report.problems.is_empty(), "{report}");
}

#[test]
fn every_reference_solution_replays_and_every_wrong_attempt_fails() {
    let course = load::load_course_dir(dir()).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut replayed = 0;
    for entry in course.lessons() {
        if let Some(why) = &entry.draft {
            eprintln!("skipped draft {}: {why}", entry.id);
            continue;
        }
        let lesson = load::load_lesson_dir(dir(), &entry.id).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = replay::replay_solution(&lesson) {
            failures.push(e.to_string());
        }
        failures.extend(
            replay::replay_wrong_attempts(&lesson)
                .iter()
                .map(|e| e.to_string()),
        );
        replayed += 1;
    }
    eprintln!("replayed {replayed} lessons");
    assert!(replayed > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_lesson_has_both_languages_and_a_wrong_attempt() {
    let (course, lessons) = lint::load_all(dir()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(course.lessons().count(), lessons.len());
    for l in &lessons {
        assert!(!l.title.fr.is_empty() && !l.title.en.is_empty(), "{}", l.id);
        assert!(l.steps.iter().any(|s| !s.wrong.is_empty()), "{}", l.id);
        for s in &l.steps {
            assert!(!s.hints.is_empty(), "{} {}", l.id, s.id);
        }
    }
}

/// The browser walk (`tests/e2e/course.mjs`) types every reference solution into the web
/// app. It reads them from `tests/e2e/course-plan.json`, derived from the lessons here so the
/// JavaScript needs no YAML parser; this test fails when the file is stale
/// (`UPDATE_COURSE_PLAN=1 cargo test --test lessons` rewrites it).
#[test]
fn the_browser_walk_plan_matches_the_lessons() {
    use kubesim::lessons::diagram;
    use kubesim::lessons::Lang;
    use kubesim::sim::value::{json, Value};
    let (_, lessons) = lint::load_all(dir()).unwrap_or_else(|e| panic!("{e}"));
    let mut list = Vec::new();
    for l in &lessons {
        let mut steps = Vec::new();
        for s in &l.steps {
            let mut step = Value::map();
            step.set("id", s.id.as_str());
            step.set(
                "commands",
                Value::Seq(
                    s.solution
                        .commands
                        .iter()
                        .map(|c| Value::from(c.as_str()))
                        .collect(),
                ),
            );
            let mut quiz = Value::map();
            for (id, picks) in &s.solution.quiz {
                quiz.set(
                    id.as_str(),
                    Value::Seq(picks.iter().map(|p| Value::Int(*p as i64)).collect()),
                );
            }
            step.set("quiz", quiz);
            let mut infos = Vec::new();
            diagram::infos_in(s.body.get(Lang::En), &mut infos);
            step.set("diagrams", Value::Int(infos.len() as i64));
            step.set("max_wait_s", Value::Int((s.max_wait_ms / 1000) as i64));
            steps.push(step);
        }
        let mut lesson = Value::map();
        lesson.set("id", l.id.as_str());
        lesson.set("steps", Value::Seq(steps.into()));
        list.push(lesson);
    }
    let mut plan = Value::map();
    plan.set("lessons", Value::Seq(list.into()));
    let want = json::to_json_pretty(&plan) + "\n";
    let path = dir().join("../tests/e2e/course-plan.json");
    if std::env::var_os("UPDATE_COURSE_PLAN").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "tests/e2e/course-plan.json is stale: run UPDATE_COURSE_PLAN=1 cargo test --test lessons"
    );
}

/// A draft must really need something missing: if its whole replay already passes, the draft
/// marker is stale and must go. Prints, for each draft, the first step that fails today.
#[test]
fn drafts_are_only_drafts_while_their_replay_fails() {
    let course = load::load_course_dir(dir()).unwrap_or_else(|e| panic!("{e}"));
    let mut stale = Vec::new();
    for entry in course.lessons().filter(|e| e.draft.is_some()) {
        let lesson = load::load_lesson_dir(dir(), &entry.id).unwrap_or_else(|e| panic!("{e}"));
        match replay::replay_solution(&lesson) {
            Err(e) => eprintln!(
                "draft {} still fails at step {}: {}",
                entry.id, e.step, e.message
            ),
            Ok(()) if replay::replay_wrong_attempts(&lesson).is_empty() => {
                stale.push(entry.id.clone())
            }
            Ok(()) => eprintln!(
                "draft {}: solution passes, a wrong attempt passes too",
                entry.id
            ),
        }
    }
    assert!(
        stale.is_empty(),
        "these lessons replay fully today; remove `draft:` in course.yaml: {stale:?}"
    );
}

/// Bad input never crashes (a panic kills the whole web app): every prefix of every real
/// lesson file, and of a saved progress, loads or fails with an error.
#[test]
fn truncated_files_never_panic() {
    use kubesim::lessons::{progress::Progress, Lesson};
    use std::collections::BTreeMap;
    let course = load::load_course_dir(dir()).unwrap_or_else(|e| panic!("{e}"));
    for entry in course.lessons() {
        let folder = dir().join(&entry.id);
        let read = |f: &str| std::fs::read_to_string(folder.join(f)).unwrap_or_default();
        let yaml = read("lesson.yaml");
        let mut files: BTreeMap<String, String> = load::files_needed(&yaml)
            .unwrap_or_default()
            .into_iter()
            .map(|f| {
                let text = read(&f);
                (f, text)
            })
            .collect();
        files.insert("lesson.yaml".into(), yaml);
        for name in files.keys().cloned().collect::<Vec<_>>() {
            let full = files[&name].clone();
            // About 40 cut points per file, on character boundaries.
            let every = (full.len() / 40).max(1);
            let cuts: Vec<usize> = full
                .char_indices()
                .map(|(i, _)| i)
                .filter(|i| i % every == 0)
                .collect();
            for cut in cuts {
                let mut f = files.clone();
                f.insert(name.clone(), full[..cut].to_string());
                let _ = Lesson::from_files(&entry.id, &f);
                let _ = load::files_needed(&full[..cut]);
            }
        }
    }
    let mut p = Progress::default();
    p.lesson_mut("01-kubernetes").steps_done.push("a\"b".into());
    let json = p.to_json();
    for cut in 0..json.len() {
        let _ = Progress::from_json(&json[..cut]);
    }
}

mod against_the_simulation {
    //! The drafts' checks, evaluated against what the simulated kubelets and controllers really
    //! do, with the student's commands replaced by direct API calls and faults (until the
    //! terminal has them): the field paths and timings the checks rely on (readyReplicas,
    //! conditions, eviction after 300 s) must match the simulation.
    use super::dir;
    use kubesim::lessons::check::{Answers, Evaluator};
    use kubesim::lessons::session::LessonRun;
    use kubesim::lessons::{load, Lesson};
    use kubesim::sim::value::yaml;
    use kubesim::term::Terminal;

    fn lesson(id: &str) -> Lesson {
        load::load_lesson_dir(dir(), id).unwrap_or_else(|e| panic!("{e}"))
    }

    fn apply(t: &mut Terminal, manifest: &str) {
        let obj = yaml::parse(manifest).unwrap_or_else(|e| panic!("{e}"));
        let kind = obj
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let res = kubesim::sim::api::resource_for_kind(&kind).unwrap();
        let mut api = t.world.api("kind-kind", "kubectl").unwrap();
        match api.create(res, obj.clone()) {
            Ok(_) => {}
            Err(e) if e.reason == "AlreadyExists" => {
                let name = kubesim::sim::api::name_of(&obj).to_string();
                let mut cur = api.get(res, Some("default"), &name).unwrap();
                cur.set("spec", obj.get("spec").cloned().unwrap());
                api.update(res, cur).unwrap();
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// Steps the world 1 s at a time until the step's check passes; returns the seconds taken.
    fn wait_for(t: &mut Terminal, l: &Lesson, step: &str, max_s: u64) -> Option<u64> {
        let s = l.step(step).unwrap();
        let mut ev = Evaluator::new(s.check.clone());
        for i in 0..=max_s {
            if ev.eval(t, &Answers::default()) {
                return Some(i);
            }
            t.world.step(1000);
        }
        None
    }

    fn deployment(replicas: u32, image: &str) -> String {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {{app: web}}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: nginx\n        image: {image}\n")
    }

    #[test]
    fn control_loops_lesson_checks_match_the_controllers() {
        let l = lesson("05-control-loops");
        let mut t = LessonRun::terminal(&l);
        apply(&mut t, &deployment(3, "nginx:1.27"));
        assert!(
            wait_for(&mut t, &l, "create", 120).is_some(),
            "3 ready replicas"
        );
        apply(&mut t, &deployment(5, "nginx:1.27"));
        assert!(
            wait_for(&mut t, &l, "scale", 120).is_some(),
            "5 ready replicas"
        );
        // The node failure: the kubelet of kind-worker2 stops.
        if let Some(c) = t.world.clusters.get_mut("kind-kind") {
            c.stop("kubelet/kind-worker2");
        }
        let took = wait_for(&mut t, &l, "node-failure", 480);
        assert!(
            took.is_some_and(|s| s >= 300),
            "evicted after ~5 min, took {took:?}"
        );
        apply(&mut t, &deployment(5, "nginx:1.28"));
        assert!(wait_for(&mut t, &l, "rollout", 180).is_some(), "rolled out");
    }

    #[test]
    fn node_components_lesson_sees_not_ready_then_ready() {
        let l = lesson("03-node-components");
        let mut t = LessonRun::terminal(&l);
        let s = l.step("repair").unwrap();
        let mut repair = Evaluator::new(s.check.clone());
        if let Some(c) = t.world.clusters.get_mut("kind-kind") {
            c.stop("kubelet/kind-worker");
        }
        let took = wait_for(&mut t, &l, "break", 180);
        assert!(took.is_some(), "the node goes NotReady");
        assert!(!repair.eval(&t, &Answers::default()));
        if let Some(c) = t.world.clusters.get_mut("kind-kind") {
            c.start("kubelet/kind-worker");
        }
        let mut ok = false;
        for _ in 0..120 {
            t.world.step(1000);
            if repair.eval(&t, &Answers::default()) {
                ok = true;
                break;
            }
        }
        assert!(ok, "NotReady then Ready again");
    }
}

/// Every lesson's demo script (`demo:` in lesson.yaml, played by the trainer from the top bar)
/// runs on the lesson's starting world without a command the terminal does not know; at least
/// one lesson has one.
#[test]
fn every_lesson_demo_replays() {
    let (_, lessons) = lint::load_all(dir()).unwrap_or_else(|e| panic!("{e}"));
    let with_demo: Vec<_> = lessons.iter().filter(|l| !l.demo.is_empty()).collect();
    assert!(!with_demo.is_empty(), "no lesson has a demo script");
    for lesson in with_demo {
        let transcript = replay::replay_demo(lesson).unwrap_or_else(|e| panic!("{e}"));
        if lesson.id == "05-control-loops" {
            // The demo ends with the scheduler back: all 5 replicas run again.
            let last = transcript.rsplit("$ ").next().unwrap_or("");
            let running = last
                .lines()
                .filter(|l| l.starts_with("web-") && l.contains("Running"))
                .count();
            assert_eq!(running, 5, "{transcript}");
        }
    }
}
