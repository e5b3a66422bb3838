//! `kubectl config`. (Filled in below.)
use super::GlobalFlags;
use crate::term::Terminal;

pub struct Target {
    pub cluster: String,
}

pub fn resolve_target(term: &Terminal, flags: &GlobalFlags) -> Result<Target, String> {
    let _ = flags;
    term.world
        .clusters
        .keys()
        .next()
        .cloned()
        .map(|cluster| Target { cluster })
        .ok_or_else(String::new)
}
