//! Lessons: the course's format, loading, checks evaluated against the simulated world, the
//! lint and the student's progress. Pure (no browser code); the UI drives it.
//!
//! Where to start:
//! - [`schema`]: the typed model ([`schema::Course`], [`schema::Lesson`], [`schema::Step`]);
//! - [`load`]: files → model, with `file:line:column` errors. [`catalog`] parses `course.yaml`;
//!   [`schema::Lesson::from_files`] builds a lesson from its files given as strings (the web app
//!   fetches them on demand), [`load::load_lesson_dir`] reads them from disk;
//! - [`markdown`]: the lesson text dialect (runnable code, tips, solutions, quizzes);
//! - [`check`]: declarative checks and their evaluator with memory (events over time);
//! - [`session`]: a lesson being followed (the UI's entry point), [`progress`]: what the UI
//!   persists; [`replay`] and [`lint`]: what CI runs.
//!
//! The file format is documented in `lessons/README.md`.
//!
//! ```
//! use kubesim::lessons::{catalog, progress::Progress, session::LessonRun};
//! let course = catalog("title: {fr: Cours, en: Course}\nparts:\n  - id: p\n    title: {fr: P, en: P}\n    lessons:\n      - id: 01-a\n        title: {fr: A, en: A}\n").unwrap();
//! assert_eq!(course.lessons().count(), 1);
//! ```

pub mod check;
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
