//! The typed lesson model: a [`Course`] of parts and lessons, each [`Lesson`] with its starting
//! world, terminal settings and [`Step`]s. Built by [`super::load`] from the files in `lessons/`
//! (see `lessons/README.md` for the file format).
//!
//! Every text a student reads exists in French and English ([`Tr`]); the UI picks one with
//! [`Tr::get`].

use super::check::Check;
use super::markdown::Block;
use crate::sim::presets::Preset;
use crate::sim::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The languages the course is written in. French first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// Something that exists in both languages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tr<T> {
    pub fr: T,
    pub en: T,
}

impl<T> Tr<T> {
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
    pub fn get_mut(&mut self, lang: Lang) -> &mut T {
        match lang {
            Lang::Fr => &mut self.fr,
            Lang::En => &mut self.en,
        }
    }
}

/// The course index (`lessons/course.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub title: Tr<String>,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub id: String,
    pub title: Tr<String>,
    pub lessons: Vec<CourseEntry>,
}

/// One lesson as the index lists it (enough for a table of contents, before loading it).
#[derive(Debug, Clone, PartialEq)]
pub struct CourseEntry {
    /// The lesson's folder name under `lessons/` (`03-node-components`).
    pub id: String,
    pub title: Tr<String>,
    /// `Some(reason)` for a draft: shown in the course but its solution is not replayed in CI
    /// (it needs terminal or simulation features that are not there yet).
    pub draft: Option<String>,
}

impl Course {
    /// Every lesson in course order.
    pub fn lessons(&self) -> impl Iterator<Item = &CourseEntry> {
        self.parts.iter().flat_map(|p| p.lessons.iter())
    }
    pub fn entry(&self, id: &str) -> Option<&CourseEntry> {
        self.lessons().find(|l| l.id == id)
    }
    /// The lesson after `id` in course order.
    pub fn next_after(&self, id: &str) -> Option<&CourseEntry> {
        let mut it = self.lessons().skip_while(|l| l.id != id);
        it.next()?;
        it.next()
    }
}

/// One lesson, fully loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: Tr<String>,
    /// Estimated time, in minutes.
    pub minutes: u32,
    pub world: WorldSpec,
    pub terminal: TerminalSpec,
    /// The text before the first step.
    pub intro: Tr<Vec<Block>>,
    pub steps: Vec<Step>,
    /// A script the trainer can play in front of the class (empty: none).
    pub demo: Vec<super::demo::DemoStep>,
}

impl Lesson {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// The world a lesson starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldSpec {
    pub preset: Preset,
    pub seed: u64,
    /// Simulated time that passes before the student arrives (so nodes are Ready and ages are
    /// realistic), in ms.
    pub warmup_ms: u64,
    /// Manifests created at start, in order, through the API server.
    pub objects: Vec<Value>,
    /// Files written in the virtual filesystem: absolute path → contents.
    pub files: BTreeMap<String, String>,
    /// Environment variables set in the terminal (`KUBECONFIG`...).
    pub env: BTreeMap<String, String>,
    /// Components stopped at start (`kube-scheduler`, `kubelet/kind-worker`, `etcd/cp-2`...).
    pub down: Vec<String>,
    /// Commands run silently after everything above (their output is discarded).
    pub setup: Vec<String>,
}

/// How the terminal behaves during the lesson.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TerminalSpec {
    /// Commands the terminal refuses (`kubeadm`, or `kubectl scale` for a verb).
    pub disabled_commands: BTreeSet<String>,
    /// Tab completion on (default) or off.
    pub completion: bool,
}

/// One step: text, what to check, hints and the reference answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    /// The first heading of the step's text.
    pub title: Tr<String>,
    pub body: Tr<Vec<Block>>,
    /// Commands run silently when the step starts.
    pub setup: Vec<String>,
    /// Components stopped when the step starts (a fault the lesson injects), then started
    /// ones (a repair the lesson makes): `kube-scheduler`, `etcd/cp-2`, `kubelet/<node>`...
    pub stop: Vec<String>,
    pub start: Vec<String>,
    pub check: Check,
    /// From a gentle nudge to nearly the answer.
    pub hints: Vec<Tr<Vec<Block>>>,
    pub solution: Attempt,
    /// Attempts that must NOT pass the check (replayed in CI).
    pub wrong: Vec<Attempt>,
    /// How long CI waits, after the last command, for an eventual check to pass.
    pub max_wait_ms: u64,
}

/// Commands typed and quiz answers given, in order: a reference solution or a wrong attempt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attempt {
    pub commands: Vec<String>,
    /// Quiz id → chosen choice indexes (from 0).
    pub quiz: BTreeMap<String, Vec<usize>>,
}
