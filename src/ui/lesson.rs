//! Lessons as the lesson pane needs them: a document of steps, each with blocks (text,
//! runnable code, collapsible tips, a solution, a quiz), a check evaluated against the
//! terminal after every command and tick, and a hints ladder; plus per-lesson progress.
//!
//! This is the UI's adapter to `src/lessons` (its engine and Markdown AST land separately):
//! [`parse`] reads a small Markdown dialect so a lesson can ship as text and be fetched from
//! `lessons/` at runtime. Text only ever becomes DOM text nodes, never HTML.
//!
//! ```
//! use kubesim::ui::lesson::parse;
//! let doc = parse("intro", "# Intro\n## Step one\ncheck: ran kubectl get nodes\nList the `nodes`.\n").unwrap();
//! assert_eq!(doc.steps.len(), 1);
//! ```

use crate::sim::api;
use crate::term::Terminal;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para(Vec<Inline>),
    /// A code block; `run` ones get a Run button that types it into the terminal.
    Code {
        text: String,
        run: bool,
    },
    /// A collapsible tip.
    Tip(Vec<Inline>),
    /// Shown only after the student confirms.
    Solution(String),
    Quiz {
        question: String,
        /// (answer, correct)
        options: Vec<(String, bool)>,
    },
    List(Vec<Vec<Inline>>),
}

/// What must be true for a step to count as done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Nothing to check (reading step): done when the student presses Next.
    None,
    /// A command starting with this text was run.
    Ran(String),
    /// An object exists: (resource type, namespace, name).
    Exists(String, Option<String>, String),
    /// At least N pods whose name starts with the prefix are Running in the namespace.
    Running(String, String, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonStep {
    pub title: String,
    pub blocks: Vec<Block>,
    pub check: Check,
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonDoc {
    pub id: String,
    pub title: String,
    pub intro: Vec<Block>,
    pub steps: Vec<LessonStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LessonError {
    #[error("line {0}: {1}")]
    Syntax(usize, String),
    #[error("the lesson has no title (# Title)")]
    NoTitle,
}

/// `Some **bold** and `code`` → inlines.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let code = rest.find('`');
        let strong = rest.find("**");
        let (at, delim) = match (code, strong) {
            (Some(c), Some(s)) if s < c => (s, "**"),
            (Some(c), _) => (c, "`"),
            (None, Some(s)) => (s, "**"),
            (None, None) => break,
        };
        let after = &rest[at + delim.len()..];
        let Some(end) = after.find(delim) else {
            break;
        };
        if at > 0 {
            out.push(Inline::Text(rest[..at].to_string()));
        }
        let inner = after[..end].to_string();
        out.push(if delim == "`" {
            Inline::Code(inner)
        } else {
            Inline::Strong(inner)
        });
        rest = &after[end + delim.len()..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_string()));
    }
    out
}

fn parse_check(n: usize, spec: &str) -> Result<Check, LessonError> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let bad = || LessonError::Syntax(n, format!("bad check `{spec}`"));
    Ok(match words.as_slice() {
        ["ran", ..] => Check::Ran(spec.trim_start()[3..].trim().to_string()),
        ["exists", res, name] => Check::Exists(res.to_string(), None, name.to_string()),
        ["exists", res, ns, name] => {
            Check::Exists(res.to_string(), Some(ns.to_string()), name.to_string())
        }
        ["running", ns, prefix, count] => Check::Running(
            ns.to_string(),
            prefix.to_string(),
            count.parse().map_err(|_| bad())?,
        ),
        _ => return Err(bad()),
    })
}

/// Parses the lesson dialect: `# Title`, `## Step`, `check: ...`, `hint: ...`, paragraphs,
/// `- lists`, `> tips`, fenced code (```` ```run ```` for runnable), ```` ```solution ````,
/// and quizzes (`? question` followed by `[x] right` / `[ ] wrong`).
pub fn parse(id: &str, text: &str) -> Result<LessonDoc, LessonError> {
    let mut doc = LessonDoc {
        id: id.to_string(),
        title: String::new(),
        intro: Vec::new(),
        steps: Vec::new(),
    };
    let mut para: Vec<String> = Vec::new();
    let mut list: Vec<Vec<Inline>> = Vec::new();
    let mut fence: Option<(String, Vec<String>, usize)> = None;
    let mut quiz: Option<(String, Vec<(String, bool)>)> = None;

    fn blocks<'a>(doc: &'a mut LessonDoc) -> &'a mut Vec<Block> {
        match doc.steps.last_mut() {
            Some(s) => &mut s.blocks,
            None => &mut doc.intro,
        }
    }
    fn flush(
        doc: &mut LessonDoc,
        para: &mut Vec<String>,
        list: &mut Vec<Vec<Inline>>,
        quiz: &mut Option<(String, Vec<(String, bool)>)>,
    ) {
        if !para.is_empty() {
            let text = para.join(" ");
            para.clear();
            blocks(doc).push(Block::Para(inlines(&text)));
        }
        if !list.is_empty() {
            blocks(doc).push(Block::List(std::mem::take(list)));
        }
        if let Some((question, options)) = quiz.take() {
            blocks(doc).push(Block::Quiz { question, options });
        }
    }

    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some((kind, body, start)) = &mut fence {
            if line.trim_start().starts_with("```") {
                let text = body.join("\n");
                let block = match kind.as_str() {
                    "solution" => Block::Solution(text),
                    k => Block::Code {
                        text,
                        run: k == "run",
                    },
                };
                let _ = start;
                blocks(&mut doc).push(block);
                fence = None;
            } else {
                body.push(line.to_string());
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(kind) = trimmed.strip_prefix("```") {
            flush(&mut doc, &mut para, &mut list, &mut quiz);
            fence = Some((kind.trim().to_string(), Vec::new(), n));
        } else if let Some(t) = trimmed.strip_prefix("## ") {
            flush(&mut doc, &mut para, &mut list, &mut quiz);
            doc.steps.push(LessonStep {
                title: t.to_string(),
                blocks: Vec::new(),
                check: Check::None,
                hints: Vec::new(),
            });
        } else if let Some(t) = trimmed.strip_prefix("# ") {
            doc.title = t.to_string();
        } else if let Some(spec) = trimmed.strip_prefix("check:") {
            let check = parse_check(n, spec.trim())?;
            match doc.steps.last_mut() {
                Some(s) => s.check = check,
                None => return Err(LessonError::Syntax(n, "check outside a step".into())),
            }
        } else if let Some(h) = trimmed.strip_prefix("hint:") {
            match doc.steps.last_mut() {
                Some(s) => s.hints.push(h.trim().to_string()),
                None => return Err(LessonError::Syntax(n, "hint outside a step".into())),
            }
        } else if let Some(q) = trimmed.strip_prefix("? ") {
            flush(&mut doc, &mut para, &mut list, &mut quiz);
            quiz = Some((q.to_string(), Vec::new()));
        } else if let (Some((_, opts)), Some(rest)) = (
            quiz.as_mut(),
            trimmed
                .strip_prefix("[x] ")
                .map(|r| (r, true))
                .or_else(|| trimmed.strip_prefix("[ ] ").map(|r| (r, false))),
        ) {
            opts.push((rest.0.to_string(), rest.1));
        } else if let Some(tip) = trimmed.strip_prefix("> ") {
            flush(&mut doc, &mut para, &mut list, &mut quiz);
            blocks(&mut doc).push(Block::Tip(inlines(tip)));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            if !para.is_empty() {
                let text = para.join(" ");
                para.clear();
                blocks(&mut doc).push(Block::Para(inlines(&text)));
            }
            list.push(inlines(item));
        } else if trimmed.is_empty() {
            flush(&mut doc, &mut para, &mut list, &mut quiz);
        } else {
            para.push(trimmed.to_string());
        }
    }
    if let Some((_, _, start)) = fence {
        return Err(LessonError::Syntax(start, "unclosed ``` block".into()));
    }
    flush(&mut doc, &mut para, &mut list, &mut quiz);
    if doc.title.is_empty() {
        return Err(LessonError::NoTitle);
    }
    Ok(doc)
}

/// Is the step's check satisfied by the terminal's state?
pub fn check(check: &Check, term: &Terminal) -> bool {
    let cluster = || {
        term.current_cluster()
            .and_then(|c| term.world.clusters.get(&c))
    };
    match check {
        Check::None => false,
        Check::Ran(prefix) => term.history.iter().any(|h| h.starts_with(prefix.as_str())),
        Check::Exists(res, ns, name) => {
            let (Some(res), Some(c)) = (api::resource_for(res), cluster()) else {
                return false;
            };
            let ns = res.namespaced.then(|| ns.as_deref().unwrap_or("default"));
            c.store.get(&res.storage_key(ns, name)).is_some()
        }
        Check::Running(ns, prefix, count) => {
            let Some(c) = cluster() else { return false };
            c.store
                .range(&format!("/registry/pods/{ns}/"))
                .filter(|kv| api::name_of(&kv.value).starts_with(prefix.as_str()))
                .filter(|kv| {
                    super::model::PodState::of(&kv.value) == super::model::PodState::Running
                })
                .count()
                >= *count
        }
    }
}

/// Which steps of which lessons are done.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: BTreeMap<String, BTreeSet<usize>>,
}

impl Progress {
    pub fn from_saved(saved: &BTreeMap<String, Vec<usize>>) -> Self {
        Progress {
            done: saved
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().copied().collect()))
                .collect(),
        }
    }
    pub fn to_saved(&self) -> BTreeMap<String, Vec<usize>> {
        self.done
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().collect()))
            .collect()
    }
    pub fn is_done(&self, lesson: &str, step: usize) -> bool {
        self.done.get(lesson).is_some_and(|s| s.contains(&step))
    }
    pub fn mark(&mut self, lesson: &str, step: usize) {
        self.done
            .entry(lesson.to_string())
            .or_default()
            .insert(step);
    }
    /// Evaluates every not-yet-done step; returns the newly completed ones.
    pub fn evaluate(&mut self, doc: &LessonDoc, term: &Terminal) -> Vec<usize> {
        let mut newly = Vec::new();
        for (i, step) in doc.steps.iter().enumerate() {
            if !self.is_done(&doc.id, i) && check(&step.check, term) {
                self.mark(&doc.id, i);
                newly.push(i);
            }
        }
        newly
    }
    /// The first step not done (the one to show), or the last.
    pub fn current(&self, doc: &LessonDoc) -> usize {
        (0..doc.steps.len())
            .find(|&i| !self.is_done(&doc.id, i))
            .unwrap_or(doc.steps.len().saturating_sub(1))
    }
}

/// The built-in lessons (id, French text, English text), always available offline.
pub const BUILTIN: &[(&str, &str, &str)] = &[(
    "first-steps",
    include_str!("lessons/first-steps.fr.md"),
    include_str!("lessons/first-steps.en.md"),
)];

/// A built-in lesson in the given language.
pub fn builtin(id: &str, lang: super::i18n::Lang) -> Option<LessonDoc> {
    let (_, fr, en) = BUILTIN.iter().find(|(i, _, _)| *i == id)?;
    parse(
        id,
        if lang == super::i18n::Lang::Fr {
            fr
        } else {
            en
        },
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{presets::Preset, World};

    #[test]
    fn parses_the_dialect() {
        let doc = parse(
            "x",
            "# T\nIntro **bold** and `code`.\n\n## S1\ncheck: ran kubectl get nodes\nhint: try get\n```run\nkubectl get nodes\n```\n> a tip\n- a\n- b\n\n? Which?\n[ ] no\n[x] yes\n\n```solution\nkubectl get no\n```\n## S2\ncheck: exists deployment default web\n",
        )
        .unwrap();
        assert_eq!(doc.title, "T");
        assert_eq!(
            doc.intro,
            vec![Block::Para(vec![
                Inline::Text("Intro ".into()),
                Inline::Strong("bold".into()),
                Inline::Text(" and ".into()),
                Inline::Code("code".into()),
                Inline::Text(".".into())
            ])]
        );
        let s1 = &doc.steps[0];
        assert_eq!(s1.check, Check::Ran("kubectl get nodes".into()));
        assert_eq!(s1.hints, vec!["try get"]);
        assert_eq!(
            s1.blocks[0],
            Block::Code {
                text: "kubectl get nodes".into(),
                run: true
            }
        );
        assert!(matches!(s1.blocks[1], Block::Tip(_)));
        assert!(matches!(&s1.blocks[2], Block::List(l) if l.len() == 2));
        assert!(matches!(&s1.blocks[3], Block::Quiz { options, .. } if options[1].1));
        assert_eq!(s1.blocks[4], Block::Solution("kubectl get no".into()));
        assert_eq!(
            doc.steps[1].check,
            Check::Exists("deployment".into(), Some("default".into()), "web".into())
        );
    }

    #[test]
    fn bad_lessons_are_errors_not_panics() {
        assert_eq!(parse("x", "no title"), Err(LessonError::NoTitle));
        assert!(matches!(
            parse("x", "# T\n```run\nx"),
            Err(LessonError::Syntax(2, _))
        ));
        assert!(matches!(
            parse("x", "# T\ncheck: ran x"),
            Err(LessonError::Syntax(2, _))
        ));
        assert!(matches!(
            parse("x", "# T\n## S\ncheck: fly me"),
            Err(LessonError::Syntax(3, _))
        ));
        assert_eq!(inlines("a `b"), vec![Inline::Text("a `b".into())]);
    }

    #[test]
    fn builtin_lessons_parse_in_both_languages_with_the_same_steps() {
        for (id, _, _) in BUILTIN {
            let fr = builtin(id, crate::ui::i18n::Lang::Fr).unwrap();
            let en = builtin(id, crate::ui::i18n::Lang::En).unwrap();
            assert_eq!(fr.steps.len(), en.steps.len());
            for (a, b) in fr.steps.iter().zip(&en.steps) {
                assert_eq!(a.check, b.check);
            }
        }
    }

    #[test]
    fn checks_and_progress() {
        let doc = builtin("first-steps", crate::ui::i18n::Lang::En).unwrap();
        let mut term = Terminal::new(World::new(1, Preset::Kind));
        let mut p = Progress::default();
        assert!(p.evaluate(&doc, &term).is_empty());
        assert_eq!(p.current(&doc), 0);
        term.run("kubectl get nodes");
        assert_eq!(p.evaluate(&doc, &term), vec![0]);
        assert!(p.evaluate(&doc, &term).is_empty(), "reported once");
        assert_eq!(p.current(&doc), 1);
        assert!(check(
            &Check::Exists("nodes".into(), None, "kind-worker".into()),
            &term
        ));
        assert!(!check(
            &Check::Exists("pods".into(), None, "x".into()),
            &term
        ));
        assert!(!check(
            &Check::Running("default".into(), "web".into(), 1),
            &term
        ));
        let back = Progress::from_saved(&p.to_saved());
        assert_eq!(back, p);
    }
}
