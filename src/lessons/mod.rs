//! Lessons: the schema of lesson files, loading them and checking a student's work against the
//! simulated world.
pub mod markdown;
