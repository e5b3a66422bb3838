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
