//! Golden transcripts: each `tests/transcripts/*.txt` is a terminal session replayed through
//! [`Terminal::run`] and compared byte for byte.
//!
//! Format: a first line `# preset: kind seed: 1`, then `$ <command line>` lines, each followed
//! by the expected output (stdout and stderr interleaved, as a terminal shows them).
//! Output that does not end with a newline (`-o jsonpath=...`) is followed by a line
//! `[no newline]`.
//! `UPDATE_TRANSCRIPTS=1 cargo test --test transcripts` rewrites the expected outputs; check
//! every rewritten line against kubectl's source before committing it.

use kubesim::sim::{presets::Preset, World};
use kubesim::term::Terminal;
use std::path::Path;

struct Session {
    header: String,
    steps: Vec<(String, String)>,
}

fn parse(text: &str) -> Session {
    let mut lines = text.split_inclusive('\n').peekable();
    let mut header = String::new();
    while let Some(l) = lines.peek() {
        if l.starts_with('#') {
            header.push_str(l);
            lines.next();
        } else {
            break;
        }
    }
    let mut steps: Vec<(String, String)> = Vec::new();
    for l in lines {
        if let Some(cmd) = l.strip_prefix("$ ") {
            steps.push((cmd.trim_end_matches('\n').to_string(), String::new()));
        } else if let Some(last) = steps.last_mut() {
            last.1.push_str(l);
        }
    }
    for (_, out) in &mut steps {
        if let Some(stripped) = out.strip_suffix(NO_NEWLINE) {
            *out = stripped.to_string();
        }
    }
    Session { header, steps }
}

const NO_NEWLINE: &str = "\n[no newline]\n";

fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let mut words = header.split_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words.next();
        }
    }
    None
}

fn replay(path: &Path, update: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let session = parse(&text);
    let preset = header_value(&session.header, "preset:")
        .and_then(Preset::from_name)
        .unwrap_or(Preset::Kind);
    let seed = header_value(&session.header, "seed:")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut term = Terminal::new(World::new(seed, preset));
    let mut rewritten = session.header.clone();
    let mut failures = Vec::new();
    for (cmd, expected) in &session.steps {
        let got = term.run(cmd).text();
        rewritten.push_str(&format!("$ {cmd}\n{got}"));
        if !got.is_empty() && !got.ends_with('\n') {
            rewritten.push_str(NO_NEWLINE);
        }
        if &got != expected {
            failures.push(format!(
                "{}: `{cmd}`\n--- expected\n{expected}--- got\n{got}---",
                path.display()
            ));
        }
    }
    if update {
        std::fs::write(path, rewritten).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

#[test]
fn transcripts_match() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let update = std::env::var("UPDATE_TRANSCRIPTS").is_ok_and(|v| v == "1");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    assert!(!files.is_empty(), "no transcripts in {}", dir.display());
    let errors: Vec<String> = files
        .iter()
        .filter_map(|f| replay(f, update).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
}
