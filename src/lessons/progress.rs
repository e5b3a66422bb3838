//! A student's progress through the course (steps done, hints used, quiz answers), and its
//! versioned JSON form the UI keeps in `localStorage`.
//!
//! Reading is forgiving: unknown fields are ignored, and data that is not JSON, has another
//! version or the wrong shape gives a clean [`Progress`] plus a [`Notice`] to show, never a
//! panic.
//!
//! ```
//! use kubesim::lessons::progress::Progress;
//! let mut p = Progress::default();
//! p.lesson_mut("01-kubernetes").steps_done.push("desired-state".into());
//! let (back, notice) = Progress::from_json(&p.to_json());
//! assert_eq!((back, notice), (p, None));
//! assert!(Progress::from_json("{oops").1.is_some());
//! ```

use crate::sim::value::Map;
use crate::sim::Value;
use std::collections::BTreeMap;

/// The version written by [`Progress::to_json`].
pub const VERSION: i64 = 1;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Lesson id → its progress.
    pub lessons: BTreeMap<String, LessonProgress>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LessonProgress {
    /// Step ids, in the order they were done.
    pub steps_done: Vec<String>,
    /// Step id → number of hints opened.
    pub hints_used: BTreeMap<String, u32>,
    /// Quiz id → last answer.
    pub quiz: BTreeMap<String, QuizAnswer>,
    pub finished: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuizAnswer {
    pub picks: Vec<usize>,
    pub correct: bool,
    pub attempts: u32,
}

/// Why saved progress could not be used (the UI shows it once, then starts clean).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The data is not readable JSON of the expected shape.
    Unreadable,
    /// Saved by another version of kubesim.
    OtherVersion(i64),
}

impl Progress {
    pub fn lesson(&self, id: &str) -> Option<&LessonProgress> {
        self.lessons.get(id)
    }
    pub fn lesson_mut(&mut self, id: &str) -> &mut LessonProgress {
        self.lessons.entry(id.to_string()).or_default()
    }

    /// `{"version":1,"lessons":{...}}` on one line.
    pub fn to_json(&self) -> String {
        let mut lessons = Map::new();
        for (id, l) in &self.lessons {
            let mut m = Map::new();
            m.insert(
                "steps_done".into(),
                Value::Seq(
                    l.steps_done
                        .iter()
                        .map(|s| Value::from(s.as_str()))
                        .collect(),
                ),
            );
            m.insert(
                "hints_used".into(),
                Value::Map(
                    l.hints_used
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::Int(i64::from(*v))))
                        .collect(),
                ),
            );
            let mut quiz = Map::new();
            for (q, a) in &l.quiz {
                let mut qm = Map::new();
                qm.insert(
                    "picks".into(),
                    Value::Seq(a.picks.iter().map(|p| Value::Int(*p as i64)).collect()),
                );
                qm.insert("correct".into(), Value::Bool(a.correct));
                qm.insert("attempts".into(), Value::Int(i64::from(a.attempts)));
                quiz.insert(q.clone(), Value::Map(qm));
            }
            m.insert("quiz".into(), Value::Map(quiz));
            m.insert("finished".into(), Value::Bool(l.finished));
            lessons.insert(id.clone(), Value::Map(m));
        }
        let mut root = Map::new();
        root.insert("version".into(), Value::Int(VERSION));
        root.insert("lessons".into(), Value::Map(lessons));
        crate::sim::value::json::to_json_compact(&Value::Map(root))
    }

    /// Reads what [`Progress::to_json`] wrote. Never fails: unusable data gives a clean
    /// progress and a notice.
    pub fn from_json(text: &str) -> (Progress, Option<Notice>) {
        if text.trim().is_empty() {
            return (Progress::default(), None);
        }
        let Ok(v) = crate::sim::value::json::parse(text.trim()) else {
            return (Progress::default(), Some(Notice::Unreadable));
        };
        match v.get("version").and_then(Value::as_i64) {
            Some(VERSION) => {}
            Some(other) => return (Progress::default(), Some(Notice::OtherVersion(other))),
            None => return (Progress::default(), Some(Notice::Unreadable)),
        }
        let Some(lessons) = v.get("lessons").and_then(Value::as_map) else {
            return (Progress::default(), Some(Notice::Unreadable));
        };
        let mut p = Progress::default();
        for (id, l) in lessons {
            let mut lp = LessonProgress::default();
            for s in l
                .get("steps_done")
                .and_then(Value::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(s) = s.as_str() {
                    if !lp.steps_done.iter().any(|d| d == s) {
                        lp.steps_done.push(s.to_string());
                    }
                }
            }
            for (k, n) in l
                .get("hints_used")
                .and_then(Value::as_map)
                .into_iter()
                .flatten()
            {
                if let Some(n) = n.as_i64().and_then(|n| u32::try_from(n).ok()) {
                    lp.hints_used.insert(k.to_string(), n);
                }
            }
            for (q, a) in l.get("quiz").and_then(Value::as_map).into_iter().flatten() {
                lp.quiz.insert(
                    q.to_string(),
                    QuizAnswer {
                        picks: a
                            .get("picks")
                            .and_then(Value::as_seq)
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p.as_i64().and_then(|p| usize::try_from(p).ok()))
                            .collect(),
                        correct: a.get("correct") == Some(&Value::Bool(true)),
                        attempts: a
                            .get("attempts")
                            .and_then(Value::as_i64)
                            .and_then(|n| u32::try_from(n).ok())
                            .unwrap_or(0),
                    },
                );
            }
            lp.finished = l.get("finished") == Some(&Value::Bool(true));
            p.lessons.insert(id.to_string(), lp);
        }
        (p, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_everything() {
        let mut p = Progress::default();
        let l = p.lesson_mut("07-kubeconfig");
        l.steps_done = vec!["anatomy".into(), "use-context".into()];
        l.hints_used.insert("use-context".into(), 2);
        l.quiz.insert(
            "q-\"quoted\"".into(),
            QuizAnswer {
                picks: vec![0, 2],
                correct: true,
                attempts: 3,
            },
        );
        l.finished = true;
        p.lesson_mut("01-kubernetes");
        let json = p.to_json();
        assert!(json.starts_with("{\"lessons\":{"), "{json}");
        assert!(json.ends_with("\"version\":1}"), "{json}");
        assert_eq!(Progress::from_json(&json), (p, None));
    }

    #[test]
    fn bad_or_old_data_starts_clean_with_a_notice() {
        for (text, notice) in [
            ("", None),
            ("not json", Some(Notice::Unreadable)),
            ("{\"version\":1", Some(Notice::Unreadable)),
            ("[1,2]", Some(Notice::Unreadable)),
            (
                "{\"version\":0,\"lessons\":{}}",
                Some(Notice::OtherVersion(0)),
            ),
            ("{\"version\":1,\"lessons\":3}", Some(Notice::Unreadable)),
        ] {
            assert_eq!(
                Progress::from_json(text),
                (Progress::default(), notice),
                "{text}"
            );
        }
        // Wrong shapes inside are dropped field by field, unknown fields ignored.
        let (p, n) = Progress::from_json(
            "{\"version\":1,\"extra\":true,\"lessons\":{\"a\":{\"steps_done\":[\"s\",3,\"s\"],\"hints_used\":{\"s\":-1,\"t\":2},\"quiz\":{\"q\":{\"picks\":[1,-2],\"correct\":\"yes\"}},\"finished\":1}}}",
        );
        assert_eq!(n, None);
        let a = &p.lessons["a"];
        assert_eq!(a.steps_done, vec!["s".to_string()]);
        assert_eq!(a.hints_used.get("t"), Some(&2));
        assert_eq!(a.hints_used.len(), 1);
        assert_eq!(a.quiz["q"].picks, vec![1]);
        assert!(!a.quiz["q"].correct);
        assert!(!a.finished);
    }
}
