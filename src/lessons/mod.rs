//! Lessons: the course's format, loading, checks evaluated against the simulated world, the
//! lint and the student's progress. Pure (no browser code); the UI drives it.
//!
//! Where to start:
//! - [`schema`]: the typed model ([`schema::Course`], [`schema::Lesson`], [`schema::Step`]);
//! - [`load`]: files → model, with `file:line:column` errors. [`catalog`] parses `course.yaml`;
//!   [`schema::Lesson::from_files`] builds a lesson from its files given as strings (the web app
//!   fetches them on demand), [`load::load_lesson_dir`] reads them from disk;
//! - [`markdown`]: the lesson text dialect (runnable code, tips, solutions, quizzes);
//! - [`demo`]: demo scripts a trainer plays (from a lesson's `demo:` or a `?demo=` URL);
//! - [`diagram`]: what its live ```` ```diagram ```` pictures show, from the terminal's state;
//!   [`cluster_pic`]: the picture of one cluster, which the UI's cluster view draws too;
//! - [`check`]: declarative checks and their evaluator with memory (events over time);
//! - [`session`]: a lesson being followed (the UI's entry point), [`progress`]: what the UI
//!   persists; [`replay`] and [`lint`]: what CI runs.
//!
//! The file format is documented in `lessons/README.md`.
//!
//! # For the UI
//! 1. Fetch `lessons/course.yaml`, call [`catalog`] → table of contents (titles FR/EN, drafts).
//! 2. To open lesson `id`: fetch `lessons/<id>/lesson.yaml`, ask [`load::files_needed`] for the
//!    other files, fetch them, then [`schema::Lesson::from_files`]`(id, &map)`. Errors display
//!    as `id/file:line:col: message`.
//! 3. [`session::LessonRun::terminal`]`(&lesson)` builds the starting `Terminal` (world, files,
//!    disabled commands, completion flag); [`session::LessonRun::new`]`(&lesson, saved)` resumes
//!    from a [`progress::LessonProgress`]; call `run.setup_step(&lesson, &mut term)` once.
//! 4. After every command and every tick: `run.observe(&lesson, &mut term)` →
//!    [`session::Observed`] (`Pending`, `StepDone(id)`, `LessonDone`).
//! 5. Render `lesson.intro` / `step.body` ([`markdown::Block`] trees, text only) in the chosen
//!    [`Lang`]; quizzes: `run.answer_quiz(&lesson, lang, quiz_id, &picks)` → feedback;
//!    hints: `run.next_hint(&lesson)`; "Run" buttons type `Block::Code { runnable: true }` text;
//!    diagrams: [`diagram::pictures`]`(&lesson, &term)` after every change, drawn by info string.
//! 6. Persist [`progress::Progress::to_json`] in localStorage; read it back with
//!    [`progress::Progress::from_json`] (never fails; a [`progress::Notice`] says why it reset).
//!
//! ```
//! use kubesim::lessons::{catalog, progress::Progress, session::LessonRun};
//! let course = catalog("title: {fr: Cours, en: Course}\nparts:\n  - id: p\n    title: {fr: P, en: P}\n    lessons:\n      - id: 01-a\n        title: {fr: A, en: A}\n").unwrap();
//! assert_eq!(course.lessons().count(), 1);
//! ```

pub mod check;
pub mod cluster_pic;
pub mod demo;
pub mod diagram;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod progress;
pub mod replay;
pub mod schema;
pub mod session;

pub use schema::{Course, Lang, Lesson};

/// The course index, from the text of `lessons/course.yaml`.
pub fn catalog(course_yaml: &str) -> Result<Course, load::LoadError> {
    load::parse_course(course_yaml)
}
