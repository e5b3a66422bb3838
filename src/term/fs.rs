//! The virtual filesystem the shell sees: a home directory with `~/.kube/config` and the
//! lesson's files. Paths are absolute strings; directories are implied by the files in them
//! plus the ones created explicitly (`mkdir`).
//!
//! ```
//! use kubesim::term::fs::Fs;
//! let mut fs = Fs::new();
//! fs.write("/home/student/app/web.yaml", "kind: Pod\n");
//! assert!(fs.is_dir("/home/student/app"));
//! assert_eq!(fs.list("/home/student/app"), Some(vec!["web.yaml".to_string()]));
//! ```

use std::collections::{BTreeMap, BTreeSet};

pub const HOME: &str = "/home/student";

/// Why a file operation failed, worded like coreutils (`No such file or directory`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Is a directory")]
    IsADirectory,
    #[error("Not a directory")]
    NotADirectory,
    #[error("File exists")]
    Exists,
    #[error("Directory not empty")]
    NotEmpty,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fs {
    files: BTreeMap<String, String>,
    dirs: BTreeSet<String>,
}

impl Fs {
    pub fn new() -> Self {
        let mut fs = Fs::default();
        for d in [
            "/", "/home", HOME, "/tmp", "/etc", "/root", "/usr", "/usr/bin", "/var",
        ] {
            fs.dirs.insert(d.to_string());
        }
        fs.files.insert("/dev/null".into(), String::new());
        fs.dirs.insert("/dev".into());
        fs
    }
    pub fn read(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }
    /// Writes a file, creating its parent directories.
    pub fn write(&mut self, path: &str, contents: impl Into<String>) {
        if path == "/dev/null" {
            return;
        }
        self.add_parents(path);
        self.files.insert(path.to_string(), contents.into());
    }
    /// Appends to a file (creating it).
    pub fn append(&mut self, path: &str, contents: &str) {
        if path == "/dev/null" {
            return;
        }
        self.add_parents(path);
        self.files
            .entry(path.to_string())
            .or_default()
            .push_str(contents);
    }
    fn add_parents(&mut self, path: &str) {
        let mut parent = path;
        while let Some((p, _)) = parent.rsplit_once('/') {
            parent = p;
            self.dirs.insert(if p.is_empty() {
                "/".into()
            } else {
                p.to_string()
            });
        }
    }
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }
    pub fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.is_dir(path)
    }
    /// `mkdir`: the parent must exist unless `parents` (`-p`).
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        if self.exists(path) {
            return if parents && self.is_dir(path) {
                Ok(())
            } else {
                Err(FsError::Exists)
            };
        }
        let parent = parent_of(path);
        if !parents && !self.is_dir(&parent) {
            return Err(if self.is_file(&parent) {
                FsError::NotADirectory
            } else {
                FsError::NotFound
            });
        }
        self.add_parents(path);
        self.dirs.insert(path.to_string());
        Ok(())
    }
    /// The names directly inside a directory, sorted; `None` if it is not one.
    pub fn list(&self, dir: &str) -> Option<Vec<String>> {
        if !self.is_dir(dir) {
            return None;
        }
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let mut names: BTreeSet<String> = BTreeSet::new();
        for p in self.files.keys().chain(self.dirs.iter()) {
            if let Some(rest) = p.strip_prefix(&prefix) {
                if !rest.is_empty() && !rest.contains('/') {
                    names.insert(rest.to_string());
                }
            }
        }
        Some(names.into_iter().collect())
    }
    /// Every file under `dir` (recursively), sorted.
    pub fn files_under(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files
            .keys()
            .filter(|p| p.starts_with(&prefix))
            .cloned()
            .collect()
    }
    /// Removes a file, or a directory with everything in it when `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        if self.files.remove(path).is_some() {
            return Ok(());
        }
        if !self.is_dir(path) {
            return Err(FsError::NotFound);
        }
        if !recursive {
            return Err(FsError::IsADirectory);
        }
        let prefix = format!("{path}/");
        self.files.retain(|p, _| !p.starts_with(&prefix));
        self.dirs.retain(|p| !p.starts_with(&prefix) && p != path);
        Ok(())
    }
    /// Copies a file or (recursively) a directory to `to`.
    pub fn copy(&mut self, from: &str, to: &str, recursive: bool) -> Result<(), FsError> {
        if let Some(text) = self.files.get(from).cloned() {
            let dest = if self.is_dir(to) {
                format!("{}/{}", to.trim_end_matches('/'), base_name(from))
            } else {
                to.to_string()
            };
            if !self.is_dir(&parent_of(&dest)) {
                return Err(FsError::NotFound);
            }
            self.write(&dest, text);
            return Ok(());
        }
        if !self.is_dir(from) {
            return Err(FsError::NotFound);
        }
        if !recursive {
            return Err(FsError::IsADirectory);
        }
        let dest = if self.is_dir(to) {
            format!("{}/{}", to.trim_end_matches('/'), base_name(from))
        } else {
            to.to_string()
        };
        let prefix = format!("{from}/");
        let files: Vec<(String, String)> = self
            .files
            .iter()
            .filter_map(|(p, t)| {
                p.strip_prefix(&prefix)
                    .map(|rest| (format!("{dest}/{rest}"), t.clone()))
            })
            .collect();
        let dirs: Vec<String> = self
            .dirs
            .iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(|rest| format!("{dest}/{rest}")))
            .collect();
        self.dirs.insert(dest.clone());
        self.dirs.extend(dirs);
        for (p, t) in files {
            self.write(&p, t);
        }
        Ok(())
    }
    /// Moves (renames) a file or directory.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        if !self.exists(from) {
            return Err(FsError::NotFound);
        }
        let dest = if self.is_dir(to) {
            format!("{}/{}", to.trim_end_matches('/'), base_name(from))
        } else {
            to.to_string()
        };
        if !self.is_dir(&parent_of(&dest)) {
            return Err(FsError::NotFound);
        }
        self.copy(from, &dest, true)?;
        self.remove(from, true)
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

/// `/a/b/c` → `/a/b`; `/a` → `/`.
pub fn parent_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((p, _)) => p.to_string(),
    }
}

/// `/a/b/c` → `c`.
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(base_name("/a/b.yaml"), "b.yaml");
    }

    #[test]
    fn mkdir_remove_copy_rename() {
        let mut fs = Fs::new();
        assert_eq!(fs.mkdir("/home/student/a/b", false), Err(FsError::NotFound));
        fs.mkdir("/home/student/a/b", true).unwrap();
        assert_eq!(fs.mkdir("/home/student/a", false), Err(FsError::Exists));
        fs.write("/home/student/a/b/f", "1");
        assert_eq!(
            fs.remove("/home/student/a", false),
            Err(FsError::IsADirectory)
        );
        fs.copy("/home/student/a", "/tmp", true).unwrap();
        assert_eq!(fs.read("/tmp/a/b/f"), Some("1"));
        fs.rename("/tmp/a/b/f", "/tmp/g").unwrap();
        assert_eq!(fs.read("/tmp/g"), Some("1"));
        assert!(!fs.exists("/tmp/a/b/f"));
        fs.remove("/home/student/a", true).unwrap();
        assert!(!fs.exists("/home/student/a/b"));
        assert_eq!(fs.list("/tmp"), Some(vec!["a".into(), "g".into()]));
        assert_eq!(fs.remove("/nope", true), Err(FsError::NotFound));
        fs.write("/dev/null", "x");
        assert_eq!(fs.read("/dev/null"), Some(""));
    }
}
