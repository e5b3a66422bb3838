//! Lessons: the schema of lesson files, loading them and checking a student's work against the
//! simulated world. (The walking skeleton only declares the module; the engine comes next.)
