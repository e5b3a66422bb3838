//! The virtual filesystem the shell sees: a home directory with `~/.kube/config` and the
//! lesson's files. Paths are absolute strings; directories are implied by the files in them
//! plus the ones created explicitly (`mkdir`).

use std::collections::{BTreeMap, BTreeSet};

pub const HOME: &str = "/home/student";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fs {
    files: BTreeMap<String, String>,
    dirs: BTreeSet<String>,
}

impl Fs {
    pub fn new() -> Self {
        let mut fs = Fs::default();
        for d in ["/", "/home", HOME, "/tmp", "/etc"] {
            fs.dirs.insert(d.to_string());
        }
        fs
    }
    pub fn read(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }
    /// Writes a file, creating its parent directories.
    pub fn write(&mut self, path: &str, contents: impl Into<String>) {
        let mut parent = path;
        while let Some((p, _)) = parent.rsplit_once('/') {
            parent = p;
            self.dirs.insert(if p.is_empty() {
                "/".into()
            } else {
                p.to_string()
            });
        }
        self.files.insert(path.to_string(), contents.into());
    }
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.is_dir(path)
    }
    /// Resolves `path` against `cwd`, folding `.` and `..`.
    pub fn resolve(cwd: &str, path: &str) -> String {
        let joined = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{cwd}/{path}")
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        format!("/{}", parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_creates_parents_and_resolve_folds_dots() {
        let mut fs = Fs::new();
        fs.write("/home/student/.kube/config", "x");
        assert!(fs.is_dir("/home/student/.kube"));
        assert_eq!(fs.read("/home/student/.kube/config"), Some("x"));
        assert_eq!(Fs::resolve("/home/student", "../x/./y"), "/home/x/y");
        assert_eq!(Fs::resolve("/a", "/b/../.."), "/");
    }
}
