//! The shell's own commands and the small Unix tools students pipe kubectl into: `echo`,
//! `cat`, `grep`, `head`, `tail`, `wc`, `sort`, `uniq`, `awk '{print $1}'`, `cut`, `tr`,
//! `base64`, the file commands (`ls`, `cd`, `mkdir`, `rm`, `cp`, `mv`, `touch`), the editor
//! hand-off (`nano`/`vi`/`vim`), and `alias`, `export`, `history`, `sleep`, `date`, ...
//!
//! Start with [`run`]: it returns `None` when the name is not one of ours (the caller then
//! prints `bash: foo: command not found`). Messages are GNU coreutils' and bash's.
//!
//! ```
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let mut t = Terminal::new(World::new(1, Preset::Kind));
//! assert_eq!(t.run("printf 'a\\nb\\na\\n' | sort | uniq -c").stdout(), "      2 a\n      1 b\n");
//! ```

use super::fs::{base_name, FsError};
use super::pattern::Pattern;
use super::{Output, Terminal};
use crate::sim::clock::SimTime;
use crate::sort::SortSmall;

/// The commands this terminal knows, with a one-line summary each (`help` prints this table;
/// completion reads it).
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "kubectl",
        "talk to the Kubernetes cluster of the current context (alias: k)",
    ),
    ("alias", "define or list aliases: alias k=kubectl"),
    ("awk", "print fields: awk '{print $1}'"),
    ("base64", "encode or decode (-d) base64"),
    ("cat", "print files (or stdin); with <<EOF, write a file"),
    ("cd", "change directory"),
    ("clear", "clear the screen (Ctrl+L)"),
    ("cp", "copy files (-r for directories)"),
    ("cut", "cut fields: cut -d: -f1"),
    ("date", "the simulated date and time"),
    ("echo", "print its arguments (-n, -e)"),
    ("env", "list environment variables"),
    ("exit", "leave an ssh session (back to the laptop)"),
    ("export", "set an environment variable: export NAME=value"),
    ("false", "do nothing, unsuccessfully"),
    ("grep", "filter lines: grep [-i -v -c -E -w -n] PATTERN"),
    ("head", "first lines: head -n 5"),
    ("help", "this list"),
    ("history", "list the commands typed so far"),
    ("hostname", "the machine's name"),
    ("ls", "list files (-l, -a)"),
    ("mkdir", "create directories (-p)"),
    ("mv", "move or rename files"),
    ("nano", "edit a file in the editor panel (also vi, vim)"),
    ("printf", "formatted print"),
    ("pwd", "print the working directory"),
    ("rm", "remove files (-r, -f)"),
    ("sleep", "let N seconds of simulated time pass"),
    ("sort", "sort lines (-r, -n, -k N, -u)"),
    ("tail", "last lines: tail -n 5"),
    ("touch", "create empty files"),
    ("tr", "translate or delete characters"),
    ("true", "do nothing, successfully"),
    ("unalias", "remove an alias"),
    ("uniq", "drop repeated lines (-c counts)"),
    ("unset", "remove an environment variable"),
    ("wc", "count lines (-l), words (-w), bytes (-c)"),
    ("which", "where a command lives"),
    ("whoami", "the current user"),
];

/// Programs that open the editor panel.
pub const EDITORS: &[&str] = &["nano", "vi", "vim"];

/// Builtins whose code the browser build downloads after the first page (text tools:
/// [`run_deferred`], reached through [`super::deferred`] only).
pub const DEFERRED: &[&str] = &[
    "printf", "grep", "egrep", "head", "tail", "wc", "sort", "uniq", "awk", "cut", "tr", "base64",
    "history", "sleep", "date", "which",
];

/// Runs a builtin of [`DEFERRED`], or returns `None` for any other name.
pub fn run_deferred(
    term: &mut Terminal,
    cmd: &str,
    args: &[String],
    stdin: &str,
) -> Option<Output> {
    let out = match cmd {
        "printf" => printf(args),
        "grep" | "egrep" => grep(term, args, stdin, cmd == "egrep"),
        "head" => head_tail(term, "head", args, stdin),
        "tail" => head_tail(term, "tail", args, stdin),
        "wc" => wc(term, args, stdin),
        "sort" => sort(term, args, stdin),
        "uniq" => uniq(args, stdin),
        "awk" => awk(term, args, stdin),
        "cut" => cut(term, args, stdin),
        "tr" => tr(args, stdin),
        "base64" => base64_cmd(term, args, stdin),
        "history" => history(term, args),
        "sleep" => sleep(term, args),
        "date" => Output::out(format!("{}\n", date_string(term.world.now()))),
        "which" => which(term, args),
        _ => return None,
    };
    Some(out)
}

/// Runs builtin `cmd` (not one of [`DEFERRED`]), or returns `None` when it is not one.
pub fn run(
    term: &mut Terminal,
    cmd: &str,
    args: &[String],
    stdin: &str,
    piped: bool,
) -> Option<Output> {
    let out = match cmd {
        "echo" => echo(args),
        "cat" => cat(term, args, stdin),
        "ls" => ls(term, args, piped),
        "cd" => cd(term, args),
        "pwd" => Output::out(format!("{}\n", term.cwd)),
        "mkdir" => mkdir(term, args),
        "rm" => rm(term, args),
        "cp" => cp_mv(term, args, false),
        "mv" => cp_mv(term, args, true),
        "touch" => touch(term, args),
        e if EDITORS.contains(&e) => edit(term, e, args),
        "clear" => Output {
            clear: true,
            ..Output::default()
        },
        "help" => Output::out(help_text()),
        "alias" => alias(term, args),
        "unalias" => unalias(term, args),
        "export" => export(term, args),
        "unset" => {
            for a in args {
                term.env.remove(a);
            }
            Output::default()
        }
        "env" | "printenv" => env(term, args),
        "whoami" => Output::out(format!("{}\n", term.user)),
        "hostname" => Output::out(format!("{}\n", term.host.as_deref().unwrap_or("laptop"))),
        "true" | ":" => Output::code(0),
        "false" => Output::code(1),
        "exit" | "logout" => exit(term),
        _ => return None,
    };
    Some(out)
}

fn help_text() -> String {
    let mut s = String::from("Commands available in this terminal:\n");
    for (name, summary) in COMMANDS {
        s.push_str(&format!("  {name:<10} {summary}\n"));
    }
    s.push_str(
        "Cluster tools: minikube, kind, kubeadm, etcdctl, crictl, systemctl, journalctl, ssh,\n  \
         docker exec, gcloud, aws, az, doctl (see each one's --help).\n\
         Pipes (|), redirections (> >> < 2>&1), here-documents (<<EOF), && || ; work like bash.\n\
         Type a command and press Enter. Up/Down browse history, Tab completes.\n",
    );
    s
}

/// Reads the files named in `args`, or stdin when there are none (or for `-`).
/// Errors are printed as `prog: NAME: No such file or directory`.
fn inputs(term: &Terminal, prog: &str, files: &[String], stdin: &str, out: &mut Output) -> String {
    if files.is_empty() {
        return stdin.to_string();
    }
    let mut text = String::new();
    for f in files {
        if f == "-" {
            text.push_str(stdin);
            continue;
        }
        let p = term.resolve(f);
        match term.cur_fs().read(&p) {
            Some(t) => text.push_str(t),
            None if term.cur_fs().is_dir(&p) => {
                out.err(format!("{prog}: {f}: Is a directory"));
                out.exit_code = 1;
            }
            None => {
                out.err(format!("{prog}: {f}: No such file or directory"));
                out.exit_code = if prog == "grep" { 2 } else { 1 };
            }
        }
    }
    text
}

fn echo(args: &[String]) -> Output {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c)) {
            for c in a[1..].chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            i += 1;
        } else {
            break;
        }
    }
    let mut text = args.get(i..).unwrap_or_default().join(" ");
    if escapes {
        text = unescape(&text);
    }
    if newline {
        text.push('\n');
    }
    Output::out(text)
}

/// Interprets `\n`, `\t`, `\\`, `\e` and friends (echo -e, printf).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('e') => out.push('\x1b'),
            Some('a') => {}
            Some('0') => {}
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn printf(args: &[String]) -> Output {
    let Some((fmt, rest)) = args.split_first() else {
        return Output::error("printf: usage: printf [-v var] format [arguments]", 2);
    };
    let fmt = unescape(fmt);
    let mut out = String::new();
    let mut args = rest.iter();
    loop {
        let mut consumed = false;
        let mut chars = fmt.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut spec = String::new();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || n == '-' || n == '.' {
                    spec.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(conv @ ('s' | 'd' | 'i' | 'b')) => {
                    consumed = true;
                    let raw = args.next().map_or("", String::as_str);
                    let v = match conv {
                        'd' | 'i' => raw.trim().parse::<i64>().unwrap_or(0).to_string(),
                        'b' => unescape(raw),
                        _ => raw.to_string(),
                    };
                    let left = spec.starts_with('-');
                    let width: usize = spec
                        .trim_start_matches('-')
                        .split('.')
                        .next()
                        .and_then(|w| w.parse().ok())
                        .unwrap_or(0);
                    if left {
                        out.push_str(&format!("{v:<width$}"));
                    } else {
                        out.push_str(&format!("{v:>width$}"));
                    }
                }
                Some(o) => {
                    out.push('%');
                    out.push_str(&spec);
                    out.push(o);
                }
                None => out.push('%'),
            }
        }
        // Like bash, the format is reused while arguments remain.
        if !consumed || args.len() == 0 {
            break;
        }
    }
    Output::out(out)
}

fn cat(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let mut number = false;
    let mut files = Vec::new();
    for a in args {
        match a.as_str() {
            "-n" => number = true,
            s if s.starts_with('-') && s.len() > 1 => {
                return Output::error(
                    format!(
                        "cat: invalid option -- '{}'\nTry 'cat --help' for more information.",
                        s.chars().nth(1).unwrap_or('-')
                    ),
                    1,
                )
            }
            _ => files.push(a.clone()),
        }
    }
    let mut out = Output::default();
    let mut text = inputs(term, "cat", &files, stdin, &mut out);
    if number {
        text = text
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{:>6}\t{l}\n", i + 1))
            .collect();
    }
    let code = out.exit_code;
    let mut o = Output::out(text);
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

/// The count given to grep's `-A`/`-B`/`-C` (or `--after-context=`...), or grep's error.
fn context_len(value: Option<String>) -> Result<usize, Output> {
    match value.as_deref().map(str::parse::<usize>) {
        Some(Ok(n)) => Ok(n),
        _ => Err(Output::error(
            format!(
                "grep: {}: invalid context length argument",
                value.unwrap_or_default()
            ),
            2,
        )),
    }
}

fn set_context(flag: char, n: usize, after: &mut usize, before: &mut usize) {
    match flag {
        'A' => *after = n,
        'B' => *before = n,
        _ => (*after, *before) = (n, n),
    }
}

fn grep(term: &Terminal, args: &[String], stdin: &str, egrep: bool) -> Output {
    let (
        mut ic,
        mut invert,
        mut count,
        mut ere,
        mut word,
        mut number,
        mut fixed,
        mut quiet,
        mut only,
    ) = (
        false, false, false, egrep, false, false, false, false, false,
    );
    let mut patterns: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let (mut after, mut before) = (0usize, 0usize);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-e" {
            match it.next() {
                Some(p) => patterns.push(p.clone()),
                None => return Output::error("grep: option requires an argument -- 'e'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.", 2),
            }
        } else if a == "--" {
            let mut rest = it.by_ref().cloned();
            if patterns.is_empty() {
                patterns.extend(rest.next());
            }
            files.extend(rest);
        } else if let Some((flag, value)) = [
            ("--after-context=", 'A'),
            ("--before-context=", 'B'),
            ("--context=", 'C'),
        ]
        .iter()
        .find_map(|(prefix, flag)| a.strip_prefix(prefix).map(|v| (*flag, v.to_string())))
        {
            match context_len(Some(value)) {
                Ok(n) => set_context(flag, n, &mut after, &mut before),
                Err(out) => return out,
            }
        } else if a.starts_with("--") {
            match a.as_str() {
                "--ignore-case" => ic = true,
                "--invert-match" => invert = true,
                "--count" => count = true,
                "--extended-regexp" => ere = true,
                "--word-regexp" => word = true,
                "--color=auto" | "--color=never" | "--color" => {}
                _ => return Output::error(format!("grep: unrecognized option '{a}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."), 2),
            }
        } else if a.starts_with('-') && a.len() > 1 {
            for (k, c) in a[1..].char_indices() {
                if matches!(c, 'A' | 'B' | 'C') {
                    // `-nA1`, `-nA 1`: the rest of the group, or the next word, is the count.
                    let inline = &a[1 + k + c.len_utf8()..];
                    let value = if inline.is_empty() {
                        it.next().cloned()
                    } else {
                        Some(inline.to_string())
                    };
                    match context_len(value) {
                        Ok(n) => set_context(c, n, &mut after, &mut before),
                        Err(out) => return out,
                    }
                    break;
                }
                match c {
                    'i' => ic = true,
                    'v' => invert = true,
                    'c' => count = true,
                    'E' => ere = true,
                    'w' => word = true,
                    'n' => number = true,
                    'F' => fixed = true,
                    'q' => quiet = true,
                    'o' => only = true,
                    'r' | 'R' | 'h' | 'H' | 's' => {}
                    other => return Output::error(format!("grep: invalid option -- '{other}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."), 2),
                }
            }
        } else if patterns.is_empty() {
            patterns.push(a.clone());
        } else {
            files.push(a.clone());
        }
    }
    if patterns.is_empty() {
        return Output::error(
            "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.",
            2,
        );
    }
    let mut compiled = Vec::new();
    for p in patterns.iter().flat_map(|p| p.split('\n')) {
        let c = if fixed {
            Ok(Pattern::literal(p, ic))
        } else if ere {
            Pattern::extended(p, ic)
        } else {
            Pattern::basic(p, ic)
        };
        match c {
            Ok(c) => compiled.push(c),
            Err(e) => return Output::error(format!("grep: {e}"), 2),
        }
    }
    let mut out = Output::default();
    let mut text_out = String::new();
    let mut total = 0;
    let sources: Vec<(Option<String>, String)> = if files.is_empty() {
        vec![(None, stdin.to_string())]
    } else {
        files
            .iter()
            .map(|f| {
                let t = inputs(term, "grep", std::slice::from_ref(f), stdin, &mut out);
                (Some(f.clone()), t)
            })
            .collect()
    };
    let many = sources.len() > 1;
    for (name, text) in &sources {
        let mut n = 0;
        let lines: Vec<&str> = text.lines().collect();
        let selected: Vec<bool> = lines
            .iter()
            .map(|line| {
                let hit = compiled.iter().any(|p| {
                    if word {
                        p.is_word_match(line)
                    } else {
                        p.is_match(line)
                    }
                });
                hit != invert
            })
            .collect();
        // Context lines (-A/-B/-C): which non-matching lines are shown, GNU-style.
        let mut context = vec![false; lines.len()];
        if (after > 0 || before > 0) && !count && !quiet {
            for (i, _) in selected.iter().enumerate().filter(|(_, s)| **s) {
                let lo = i.saturating_sub(before);
                let hi = (i + after).min(lines.len().saturating_sub(1));
                context[lo..=hi].iter_mut().for_each(|c| *c = true);
            }
        }
        let mut last_shown: Option<usize> = None;
        for (i, line) in lines.iter().enumerate() {
            if !selected[i] {
                if context[i] {
                    if last_shown.is_some_and(|l| l + 1 < i) {
                        text_out.push_str("--\n");
                    }
                    if many {
                        text_out.push_str(&format!("{}-", name.as_deref().unwrap_or("")));
                    }
                    if number {
                        text_out.push_str(&format!("{}-", i + 1));
                    }
                    text_out.push_str(line);
                    text_out.push('\n');
                    last_shown = Some(i);
                }
                continue;
            }
            n += 1;
            if count || quiet {
                continue;
            }
            if (after > 0 || before > 0) && last_shown.is_some_and(|l| l + 1 < i) {
                text_out.push_str("--\n");
            }
            last_shown = Some(i);
            if many {
                text_out.push_str(&format!("{}:", name.as_deref().unwrap_or("")));
            }
            if number {
                text_out.push_str(&format!("{}:", i + 1));
            }
            if only && !invert {
                if let Some((s, e)) = compiled.iter().find_map(|p| p.find(line)) {
                    let piece: String = line.chars().skip(s).take(e - s).collect();
                    text_out.push_str(&piece);
                }
            } else {
                text_out.push_str(line);
            }
            text_out.push('\n');
        }
        if count {
            if many {
                text_out.push_str(&format!("{}:", name.as_deref().unwrap_or("")));
            }
            text_out.push_str(&format!("{n}\n"));
        }
        total += n;
    }
    let code = if out.exit_code != 0 && total == 0 {
        2
    } else if total > 0 {
        0
    } else {
        1
    };
    let mut o = if quiet {
        Output::default()
    } else {
        Output::out(text_out)
    };
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

/// Parses `-n N`, `-nN`, `-N`, `--lines=N`, `-n +N` (tail); returns (count, from_start, files).
fn head_tail(term: &Terminal, prog: &str, args: &[String], stdin: &str) -> Output {
    let mut n: i64 = 10;
    let mut from_start = false;
    let mut files = Vec::new();
    let mut it = args.iter();
    let bad = |v: &str| Output::error(format!("{prog}: invalid number of lines: ‘{v}’"), 1);
    while let Some(a) = it.next() {
        let value = if a == "-n" || a == "--lines" {
            match it.next() {
                Some(v) => Some(v.clone()),
                None => {
                    return Output::error(
                        format!("{prog}: option requires an argument -- 'n'\nTry '{prog} --help' for more information."),
                        1,
                    )
                }
            }
        } else if let Some(v) = a.strip_prefix("--lines=") {
            Some(v.to_string())
        } else if let Some(v) = a.strip_prefix("-n") {
            Some(v.to_string())
        } else if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) {
            Some(a[1..].to_string())
        } else if a == "-f" || a == "-F" || a == "--follow" {
            return Output::error(format!("{prog}: following files is not modelled in this terminal (use kubectl logs -f or -w instead)"), 1);
        } else {
            files.push(a.clone());
            None
        };
        if let Some(v) = value {
            if prog == "tail" && v.starts_with('+') {
                from_start = true;
            }
            match v.trim_start_matches('+').parse::<i64>() {
                Ok(x) => n = x,
                Err(_) => return bad(&v),
            }
        }
    }
    let mut out = Output::default();
    let text = inputs(term, prog, &files, stdin, &mut out);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let len = lines.len() as i64;
    let picked: &[&str] = match (prog, from_start) {
        ("head", _) if n >= 0 => &lines[..n.min(len) as usize],
        ("head", _) => &lines[..(len + n).max(0) as usize],
        (_, true) => &lines[((n - 1).max(0).min(len)) as usize..],
        _ => &lines[(len - n.max(0)).max(0) as usize..],
    };
    let code = out.exit_code;
    let mut o = Output::out(picked.concat());
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

fn wc(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let (mut l, mut w, mut c) = (false, false, false);
    let mut files = Vec::new();
    for a in args {
        if a.starts_with('-') && a.len() > 1 {
            for ch in a[1..].chars() {
                match ch {
                    'l' => l = true,
                    'w' => w = true,
                    'c' | 'm' => c = true,
                    other => return Output::error(format!("wc: invalid option -- '{other}'\nTry 'wc --help' for more information."), 1),
                }
            }
        } else {
            files.push(a.clone());
        }
    }
    if !(l || w || c) {
        (l, w, c) = (true, true, true);
    }
    let mut out = Output::default();
    let text = inputs(term, "wc", &files, stdin, &mut out);
    let counts: Vec<usize> = [
        (l, text.matches('\n').count()),
        (w, text.split_whitespace().count()),
        (c, text.len()),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| n)
    .collect();
    // GNU wc: a single count from stdin is printed bare; several are padded to 7.
    let line = if counts.len() == 1 && files.is_empty() {
        counts.first().map(|n| n.to_string()).unwrap_or_default()
    } else {
        let width = if files.is_empty() {
            7
        } else {
            counts
                .iter()
                .map(|n| n.to_string().len())
                .max()
                .unwrap_or(1)
        };
        counts
            .iter()
            .map(|n| format!("{n:>width$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let name = if files.len() == 1 {
        format!(" {}", files.first().map_or("", String::as_str))
    } else {
        String::new()
    };
    let code = out.exit_code;
    let mut o = Output::out(format!("{line}{name}\n"));
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

fn field_of<'a>(line: &'a str, sep: Option<char>, k: usize) -> &'a str {
    match sep {
        Some(s) => line.split(s).nth(k.saturating_sub(1)).unwrap_or(""),
        None => line
            .split_whitespace()
            .nth(k.saturating_sub(1))
            .unwrap_or(""),
    }
}

fn sort(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let (mut rev, mut num, mut uniq, mut human) = (false, false, false, false);
    let mut key: Option<usize> = None;
    let mut sep: Option<char> = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-k" || a == "-t" {
            let Some(v) = it.next() else {
                return Output::error(
                    format!("sort: option requires an argument -- '{}'", &a[1..]),
                    2,
                );
            };
            if a == "-k" {
                key = v.split([',', '.']).next().and_then(|k| {
                    k.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .parse()
                        .ok()
                });
                num |= v.ends_with('n');
                if key.is_none() {
                    return Output::error(
                        format!(
                            "sort: invalid number at field start: invalid count at start of ‘{v}’"
                        ),
                        2,
                    );
                }
            } else {
                sep = v.chars().next();
            }
        } else if let Some(v) = a.strip_prefix("-k") {
            key = v.split([',', '.']).next().and_then(|k| {
                k.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .ok()
            });
            num |= v.ends_with('n');
        } else if let Some(v) = a.strip_prefix("-t") {
            sep = v.chars().next();
        } else if a.starts_with('-') && a.len() > 1 {
            for ch in a[1..].chars() {
                match ch {
                    'r' => rev = true,
                    'n' => num = true,
                    'u' => uniq = true,
                    'h' => human = true,
                    'f' | 'b' => {}
                    other => return Output::error(format!("sort: invalid option -- '{other}'\nTry 'sort --help' for more information."), 2),
                }
            }
        } else {
            files.push(a.clone());
        }
    }
    let mut out = Output::default();
    let text = inputs(term, "sort", &files, stdin, &mut out);
    let mut lines: Vec<&str> = text.lines().collect();
    let key_of = |l: &str| -> String {
        match key {
            Some(k) => field_of(l, sep, k).to_string(),
            None => l.to_string(),
        }
    };
    let number = |s: &str| -> f64 {
        let t = s.trim();
        let digits: String = t
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
            .collect();
        let base = digits.parse::<f64>().unwrap_or(0.0);
        if human {
            let suffix = t[digits.len()..].chars().next();
            let mult = match suffix {
                Some('K' | 'k') => 1e3,
                Some('M') => 1e6,
                Some('G') => 1e9,
                _ => 1.0,
            };
            base * mult
        } else {
            base
        }
    };
    lines.sort_small_by(|a, b| {
        let (ka, kb) = (key_of(a), key_of(b));
        let ord = if num || human {
            number(&ka)
                .partial_cmp(&number(&kb))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.cmp(b))
        } else {
            ka.cmp(&kb).then_with(|| a.cmp(b))
        };
        if rev {
            ord.reverse()
        } else {
            ord
        }
    });
    if uniq {
        lines.dedup_by(|a, b| key_of(a) == key_of(b));
    }
    let code = out.exit_code;
    let mut o = Output::out(lines.iter().map(|l| format!("{l}\n")).collect::<String>());
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

fn uniq(args: &[String], stdin: &str) -> Output {
    let count = args.iter().any(|a| a == "-c");
    let dups = args.iter().any(|a| a == "-d");
    let mut groups: Vec<(usize, &str)> = Vec::new();
    for line in stdin.lines() {
        match groups.last_mut() {
            Some((n, l)) if *l == line => *n += 1,
            _ => groups.push((1, line)),
        }
    }
    let text = groups
        .iter()
        .filter(|(n, _)| !dups || *n > 1)
        .map(|(n, l)| {
            if count {
                format!("{n:>7} {l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect::<String>();
    Output::out(text)
}

/// A small `awk`: `-F SEP`, rules `PATTERN { print A, B; ... }` where a pattern is `NR>1`,
/// `/regex/`, `$3 == "Running"`, `$1 ~ /re/`, `BEGIN`, `END`, and print items are `$N`,
/// `$NF`, `$0`, `NR`, `NF` and `"strings"` (juxtaposed items concatenate).
fn awk(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let mut sep: Option<String> = None;
    let mut program: Option<String> = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-F" {
            sep = it.next().cloned();
        } else if let Some(v) = a.strip_prefix("-F") {
            sep = Some(v.to_string());
        } else if program.is_none() {
            program = Some(a.clone());
        } else {
            files.push(a.clone());
        }
    }
    let Some(program) = program else {
        return Output::error(
            "usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]",
            2,
        );
    };
    let rules = match awk_parse(&program) {
        Ok(r) => r,
        Err(e) => {
            return Output::error(
                format!("awk: cmd. line:1: {program}\nawk: cmd. line:1: {e}"),
                2,
            )
        }
    };
    let mut out = Output::default();
    let text = inputs(term, "awk", &files, stdin, &mut out);
    let sep = sep.map(|s| if s == "\\t" { "\t".to_string() } else { s });
    let mut res = String::new();
    let run_rule = |rule: &AwkRule, fields: &[String], nr: usize, res: &mut String| {
        for stmt in &rule.prints {
            let items: Vec<String> = stmt
                .iter()
                .map(|item| item.iter().map(|t| awk_term(t, fields, nr)).collect())
                .collect();
            res.push_str(&items.join(" "));
            res.push('\n');
        }
    };
    for rule in rules.iter().filter(|r| r.pattern == AwkPattern::Begin) {
        run_rule(rule, &[String::new()], 0, &mut res);
    }
    let mut nr = 0;
    let mut last_fields = vec![String::new()];
    for line in text.lines() {
        nr += 1;
        let mut fields = vec![line.to_string()];
        match &sep {
            Some(s) if s.chars().count() == 1 && s != " " => {
                fields.extend(line.split(s.as_str()).map(str::to_string))
            }
            Some(s) if s != " " => match Pattern::extended(s, false) {
                Ok(_) => fields.extend(line.split(s.as_str()).map(str::to_string)),
                Err(_) => fields.extend(line.split_whitespace().map(str::to_string)),
            },
            _ => fields.extend(line.split_whitespace().map(str::to_string)),
        }
        for rule in &rules {
            if awk_match(&rule.pattern, &fields, nr) {
                if rule.prints.is_empty() && !rule.has_action {
                    res.push_str(line);
                    res.push('\n');
                } else {
                    run_rule(rule, &fields, nr, &mut res);
                }
            }
        }
        last_fields = fields;
    }
    for rule in rules.iter().filter(|r| r.pattern == AwkPattern::End) {
        run_rule(rule, &last_fields, nr, &mut res);
    }
    let code = out.exit_code;
    let mut o = Output::out(res);
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

#[derive(Debug, Clone, PartialEq)]
enum AwkTerm {
    Field(Box<AwkTerm>),
    Nr,
    Nf,
    Str(String),
    Num(f64),
}

#[derive(Debug, Clone, PartialEq)]
enum AwkPattern {
    Always,
    Begin,
    End,
    Regex(String),
    Compare(Vec<AwkTerm>, String, Vec<AwkTerm>),
    MatchRe(Vec<AwkTerm>, String, bool),
}

#[derive(Debug, Clone)]
struct AwkRule {
    pattern: AwkPattern,
    /// Each `print` statement: its comma-separated items, each a concatenation of terms.
    prints: Vec<Vec<Vec<AwkTerm>>>,
    has_action: bool,
}

fn awk_term(t: &AwkTerm, fields: &[String], nr: usize) -> String {
    match t {
        AwkTerm::Field(idx) => {
            let i = awk_term(idx, fields, nr).parse::<f64>().unwrap_or(0.0);
            fields.get(i.max(0.0) as usize).cloned().unwrap_or_default()
        }
        AwkTerm::Nr => nr.to_string(),
        AwkTerm::Nf => fields.len().saturating_sub(1).to_string(),
        AwkTerm::Str(s) => s.clone(),
        AwkTerm::Num(n) => {
            if n.fract() == 0.0 {
                format!("{}", *n as i64)
            } else {
                n.to_string()
            }
        }
    }
}

fn awk_match(p: &AwkPattern, fields: &[String], nr: usize) -> bool {
    let line = fields.first().map_or("", String::as_str);
    let concat = |ts: &[AwkTerm]| {
        ts.iter()
            .map(|t| awk_term(t, fields, nr))
            .collect::<String>()
    };
    match p {
        AwkPattern::Always => true,
        AwkPattern::Begin | AwkPattern::End => false,
        AwkPattern::Regex(re) => Pattern::extended(re, false).is_ok_and(|p| p.is_match(line)),
        AwkPattern::MatchRe(lhs, re, negate) => {
            Pattern::extended(re, false).is_ok_and(|p| p.is_match(&concat(lhs))) != *negate
        }
        AwkPattern::Compare(l, op, r) => {
            let (a, b) = (concat(l), concat(r));
            let ord = match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) => x.partial_cmp(&y),
                _ => Some(a.cmp(&b)),
            };
            let Some(ord) = ord else { return false };
            use std::cmp::Ordering::*;
            match op.as_str() {
                "==" => ord == Equal,
                "!=" => ord != Equal,
                ">" => ord == Greater,
                ">=" => ord != Less,
                "<" => ord == Less,
                "<=" => ord != Greater,
                _ => false,
            }
        }
    }
}

/// Splits the program into terms; returns an error text like gawk's for what we do not model.
fn awk_parse(src: &str) -> Result<Vec<AwkRule>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut rules = Vec::new();
    let skip_ws = |i: &mut usize| {
        while chars
            .get(*i)
            .is_some_and(|c| c.is_whitespace() || *c == ';')
        {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        // Pattern: everything up to `{` (outside quotes and slashes) or the end.
        let start = i;
        let mut in_str = false;
        let mut in_re = false;
        while let Some(&c) = chars.get(i) {
            if c == '"' && !in_re {
                in_str = !in_str;
            } else if c == '/' && !in_str {
                in_re = !in_re;
            } else if c == '{' && !in_str && !in_re {
                break;
            }
            i += 1;
        }
        let pat_src: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        let pattern = awk_pattern(&pat_src)?;
        let mut prints = Vec::new();
        let mut has_action = false;
        if chars.get(i) == Some(&'{') {
            has_action = true;
            let body_start = i + 1;
            let mut depth = 0;
            let mut in_str = false;
            while let Some(&c) = chars.get(i) {
                if c == '"' {
                    in_str = !in_str;
                } else if !in_str && c == '{' {
                    depth += 1;
                } else if !in_str && c == '}' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err("syntax error: unexpected newline or end of string".into());
            }
            let body: String = chars[body_start..i].iter().collect();
            i += 1;
            for stmt in split_top(&body, ';') {
                let stmt = stmt.trim();
                if stmt.is_empty() {
                    continue;
                }
                let rest = match stmt.strip_prefix("print") {
                    Some(r) if r.is_empty() || r.starts_with([' ', '(', '$', '"']) => r.trim(),
                    _ => {
                        return Err(format!(
                            "only `print` is modelled in this terminal's awk (got `{stmt}`)"
                        ))
                    }
                };
                let rest = rest
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .unwrap_or(rest);
                if rest.is_empty() {
                    prints.push(vec![vec![AwkTerm::Field(Box::new(AwkTerm::Num(0.0)))]]);
                    continue;
                }
                let mut items = Vec::new();
                for item in split_top(rest, ',') {
                    items.push(awk_terms(item.trim())?);
                }
                prints.push(items);
            }
        }
        rules.push(AwkRule {
            pattern,
            prints,
            has_action,
        });
    }
    Ok(rules)
}

fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut in_str = false;
    for c in s.chars() {
        if c == '"' {
            in_str = !in_str;
        }
        if c == sep && !in_str {
            parts.push(String::new());
        } else if let Some(p) = parts.last_mut() {
            p.push(c);
        }
    }
    parts
}

fn awk_pattern(src: &str) -> Result<AwkPattern, String> {
    if src.is_empty() {
        return Ok(AwkPattern::Always);
    }
    match src {
        "BEGIN" => return Ok(AwkPattern::Begin),
        "END" => return Ok(AwkPattern::End),
        _ => {}
    }
    if let Some(re) = src.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
        return Ok(AwkPattern::Regex(re.to_string()));
    }
    for (op, neg) in [("!~", true), ("~", false)] {
        if let Some((l, r)) = src.split_once(op) {
            let re = r.trim().trim_start_matches('/').trim_end_matches('/');
            return Ok(AwkPattern::MatchRe(
                awk_terms(l.trim())?,
                re.to_string(),
                neg,
            ));
        }
    }
    for op in ["==", "!=", ">=", "<=", ">", "<"] {
        if let Some((l, r)) = src.split_once(op) {
            return Ok(AwkPattern::Compare(
                awk_terms(l.trim())?,
                op.to_string(),
                awk_terms(r.trim())?,
            ));
        }
    }
    Err(format!(
        "syntax error at source line 1: `{src}` is not a pattern this awk models"
    ))
}

fn awk_terms(src: &str) -> Result<Vec<AwkTerm>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut terms = Vec::new();
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' => i += 1,
            '"' => {
                let mut s = String::new();
                i += 1;
                while let Some(&ch) = chars.get(i) {
                    i += 1;
                    if ch == '"' {
                        break;
                    }
                    s.push(ch);
                }
                terms.push(AwkTerm::Str(unescape(&s)));
            }
            '$' => {
                i += 1;
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                let idx = match name.as_str() {
                    "NF" => AwkTerm::Nf,
                    "NR" => AwkTerm::Nr,
                    n => AwkTerm::Num(n.parse().map_err(|_| format!("syntax error near `${n}`"))?),
                };
                terms.push(AwkTerm::Field(Box::new(idx)));
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                terms.push(AwkTerm::Num(n.parse().unwrap_or(0.0)));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                terms.push(match name.as_str() {
                    "NR" => AwkTerm::Nr,
                    "NF" => AwkTerm::Nf,
                    // Unset variables are empty strings in awk.
                    _ => AwkTerm::Str(String::new()),
                });
            }
            other => return Err(format!("syntax error at `{other}`")),
        }
    }
    Ok(terms)
}

fn cut(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let mut delim = '\t';
    let mut fields: Option<String> = None;
    let mut chars_spec: Option<String> = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = if a.starts_with('-')
            && a.chars().count() > 2
            && !a.starts_with("--")
            && a.chars().nth(1).is_some_and(|c| c.is_ascii())
        {
            (&a[..2], Some(a[2..].to_string()))
        } else {
            (a.as_str(), None)
        };
        match flag {
            "-d" | "-f" | "-c" => {
                let v = match inline.or_else(|| it.next().cloned()) {
                    Some(v) => v,
                    None => {
                        return Output::error(format!("cut: option requires an argument -- '{}'\nTry 'cut --help' for more information.", &flag[1..]), 1)
                    }
                };
                match flag {
                    "-d" => {
                        let mut cs = v.chars();
                        match (cs.next(), cs.next()) {
                            (Some(c), None) => delim = c,
                            _ => return Output::error("cut: the delimiter must be a single character\nTry 'cut --help' for more information.", 1),
                        }
                    }
                    "-f" => fields = Some(v),
                    _ => chars_spec = Some(v),
                }
            }
            _ => files.push(a.clone()),
        }
    }
    let spec = match (&fields, &chars_spec) {
        (Some(f), _) => f.clone(),
        (None, Some(c)) => c.clone(),
        _ => {
            return Output::error(
                "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.",
                1,
            )
        }
    };
    let mut ranges = Vec::new();
    for part in spec.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.parse().unwrap_or(1), b.parse().unwrap_or(usize::MAX)),
            None => match part.parse::<usize>() {
                Ok(n) => (n, n),
                Err(_) => {
                    return Output::error(
                        format!(
                        "cut: invalid field value ‘{part}’\nTry 'cut --help' for more information."
                    ),
                        1,
                    )
                }
            },
        };
        if a == 0 {
            return Output::error("cut: fields and positions are numbered from 1\nTry 'cut --help' for more information.", 1);
        }
        ranges.push((a, b));
    }
    let want = |i: usize| ranges.iter().any(|&(a, b)| a <= i && i <= b);
    let mut out = Output::default();
    let text = inputs(term, "cut", &files, stdin, &mut out);
    let mut res = String::new();
    for line in text.lines() {
        if fields.is_some() {
            if !line.contains(delim) {
                res.push_str(line);
            } else {
                let picked: Vec<&str> = line
                    .split(delim)
                    .enumerate()
                    .filter(|(i, _)| want(i + 1))
                    .map(|(_, f)| f)
                    .collect();
                res.push_str(&picked.join(&delim.to_string()));
            }
        } else {
            res.extend(
                line.chars()
                    .enumerate()
                    .filter(|(i, _)| want(i + 1))
                    .map(|(_, c)| c),
            );
        }
        res.push('\n');
    }
    let code = out.exit_code;
    let mut o = Output::out(res);
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

/// Expands `a-z`, `[:upper:]`, `\n` in a `tr` set.
fn tr_set(s: &str) -> Vec<char> {
    let s = s
        .replace("[:upper:]", "A-Z")
        .replace("[:lower:]", "a-z")
        .replace("[:digit:]", "0-9")
        .replace("[:space:]", " \t\n");
    let chars: Vec<char> = unescape(&s).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if chars.get(i + 1) == Some(&'-') {
            if let Some(&hi) = chars.get(i + 2) {
                if c <= hi {
                    out.extend(c..=hi);
                }
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn tr(args: &[String], stdin: &str) -> Output {
    let delete = args.first().is_some_and(|a| a == "-d");
    let squeeze = args.first().is_some_and(|a| a == "-s");
    let sets: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') || a.len() == 1)
        .collect();
    let Some(set1) = sets.first().map(|s| tr_set(s)) else {
        return Output::error(
            "tr: missing operand\nTry 'tr --help' for more information.",
            1,
        );
    };
    let out: String = if delete {
        stdin.chars().filter(|c| !set1.contains(c)).collect()
    } else if squeeze && sets.len() == 1 {
        let mut o = String::new();
        for c in stdin.chars() {
            if set1.contains(&c) && o.ends_with(c) {
                continue;
            }
            o.push(c);
        }
        o
    } else {
        let Some(set2) = sets.get(1).map(|s| tr_set(s)) else {
            return Output::error(
                format!("tr: missing operand after ‘{}’\nTwo strings must be given when translating.\nTry 'tr --help' for more information.", sets.first().map_or("", |s| s.as_str())),
                1,
            );
        };
        stdin
            .chars()
            .map(|c| match set1.iter().position(|x| *x == c) {
                Some(i) => set2.get(i).or(set2.last()).copied().unwrap_or(c),
                None => c,
            })
            .collect()
    };
    Output::out(out)
}

fn base64_cmd(term: &Terminal, args: &[String], stdin: &str) -> Output {
    let decode = args
        .iter()
        .any(|a| a == "-d" || a == "--decode" || a == "-D");
    let no_wrap = args.iter().any(|a| a == "-w0" || a == "--wrap=0");
    let mut files: Vec<String> = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a == "-w" {
            skip = true;
            continue;
        }
        if !a.starts_with('-') {
            files.push(a.clone());
        }
    }
    let mut out = Output::default();
    let text = inputs(term, "base64", &files, stdin, &mut out);
    if out.exit_code != 0 {
        return out;
    }
    if decode {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        match crate::sim::auth::base64_decode(&clean) {
            Some(bytes) => Output::out(String::from_utf8_lossy(&bytes).into_owned()),
            None => Output::error("base64: invalid input", 1),
        }
    } else {
        let enc = crate::sim::auth::base64_encode(text.as_bytes());
        let wrapped = if no_wrap || args.iter().any(|a| a == "0") {
            enc
        } else {
            enc.as_bytes()
                .chunks(76)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("\n")
        };
        Output::out(format!("{wrapped}\n"))
    }
}

/// `Jan  5 09:00`, the date column of `ls -l`.
fn ls_date(t: SimTime) -> String {
    let full = date_string(t);
    // "Mon Jan  5 09:00:00 UTC 2026" → "Jan  5 09:00"
    full.get(4..16).unwrap_or("").to_string()
}

/// `Mon Jan  5 09:00:00 UTC 2026`, like `date`.
pub fn date_string(t: SimTime) -> String {
    let unix = t.unix_s();
    let days = unix.div_euclid(86_400);
    let rfc = t.rfc3339();
    // rfc3339: 2026-01-05T09:00:00Z
    let month: usize = rfc.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = rfc.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(1);
    let time = rfc.get(11..19).unwrap_or("00:00:00");
    let year = rfc.get(0..4).unwrap_or("2026");
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let wd = DAYS[days.rem_euclid(7) as usize];
    let mon = MONTHS
        .get(month.saturating_sub(1))
        .copied()
        .unwrap_or("Jan");
    format!("{wd} {mon} {day:>2} {time} UTC {year}")
}

fn ls(term: &Terminal, args: &[String], piped: bool) -> Output {
    let (mut long, mut all, mut one) = (false, false, false);
    let mut paths = Vec::new();
    for a in args {
        if a.starts_with('-') && a.len() > 1 {
            for c in a[1..].chars() {
                match c {
                    'l' => long = true,
                    'a' | 'A' => all = true,
                    '1' => one = true,
                    'h' | 'F' | 'R' | 't' | 'r' | 'd' => {}
                    other => {
                        return Output::error(
                            format!("ls: invalid option -- '{other}'\nTry 'ls --help' for more information."),
                            2,
                        )
                    }
                }
            }
        } else {
            paths.push(a.clone());
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let fs = term.cur_fs();
    let user = term.user.as_str();
    let date = ls_date(term.world.now());
    let entry_line = |full: &str, name: &str| -> String {
        if !long {
            return name.to_string();
        }
        if fs.is_dir(full) {
            format!("drwxr-xr-x 2 {user} {user} 4096 {date} {name}")
        } else {
            let size = fs.read(full).map_or(0, str::len);
            format!("-rw-r--r-- 1 {user} {user} {size:>4} {date} {name}")
        }
    };
    let mut out = Output::default();
    let mut blocks = Vec::new();
    let mut files_block = Vec::new();
    for p in &paths {
        let full = term.resolve(p);
        if fs.is_file(&full) {
            files_block.push(entry_line(&full, p));
        } else if let Some(mut names) = fs.list(&full) {
            if all {
                names.insert(0, "..".into());
                names.insert(0, ".".into());
            } else {
                names.retain(|n| !n.starts_with('.'));
            }
            let lines: Vec<String> = names
                .iter()
                .map(|n| {
                    let child = match n.as_str() {
                        "." => full.clone(),
                        ".." => super::fs::parent_of(&full),
                        _ => format!("{}/{n}", full.trim_end_matches('/')),
                    };
                    entry_line(&child, n)
                })
                .collect();
            blocks.push((p.clone(), lines, names.len()));
        } else {
            out.err(format!(
                "ls: cannot access '{p}': No such file or directory"
            ));
            out.exit_code = 2;
        }
    }
    let join = |lines: &[String]| -> String {
        if lines.is_empty() {
            return String::new();
        }
        if long || one || piped {
            lines.iter().map(|l| format!("{l}\n")).collect()
        } else {
            format!("{}\n", lines.join("  "))
        }
    };
    let mut text = join(&files_block);
    let multi = paths.len() > 1;
    for (i, (p, lines, _)) in blocks.iter().enumerate() {
        if multi {
            if i > 0 || !files_block.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!("{p}:\n"));
        }
        if long {
            text.push_str(&format!("total {}\n", lines.len() * 4));
        }
        text.push_str(&join(lines));
    }
    let code = out.exit_code;
    let mut o = Output::out(text);
    o.chunks.extend(out.chunks);
    o.exit_code = code;
    o
}

fn cd(term: &mut Terminal, args: &[String]) -> Output {
    let home = term.env.get("HOME").cloned().unwrap_or_else(|| "/".into());
    let target = match args.first().map(String::as_str) {
        None | Some("~") => home,
        Some("-") => term.env.get("OLDPWD").cloned().unwrap_or(home),
        Some(p) => term.resolve(p),
    };
    if args.len() > 1 {
        return Output::error("bash: cd: too many arguments", 1);
    }
    if term.cur_fs().is_file(&target) {
        return Output::error(
            format!(
                "bash: cd: {}: Not a directory",
                args.first().map_or("", String::as_str)
            ),
            1,
        );
    }
    if !term.cur_fs().is_dir(&target) {
        return Output::error(
            format!(
                "bash: cd: {}: No such file or directory",
                args.first().map_or("", String::as_str)
            ),
            1,
        );
    }
    let old = std::mem::replace(&mut term.cwd, target.clone());
    term.env.insert("OLDPWD".into(), old);
    term.env.insert("PWD".into(), target.clone());
    if args.first().is_some_and(|a| a == "-") {
        return Output::out(format!("{target}\n"));
    }
    Output::default()
}

fn mkdir(term: &mut Terminal, args: &[String]) -> Output {
    let parents = args.iter().any(|a| a == "-p" || a == "--parents");
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if names.is_empty() {
        return Output::error(
            "mkdir: missing operand\nTry 'mkdir --help' for more information.",
            1,
        );
    }
    let mut out = Output::default();
    for n in names {
        let p = term.resolve(n);
        if let Err(e) = term.cur_fs_mut().mkdir(&p, parents) {
            out.err(format!("mkdir: cannot create directory ‘{n}’: {e}"));
            out.exit_code = 1;
        }
    }
    out
}

fn rm(term: &mut Terminal, args: &[String]) -> Output {
    let (mut rec, mut force) = (false, false);
    let mut names = Vec::new();
    for a in args {
        if a.starts_with('-') && a.len() > 1 {
            for c in a[1..].chars() {
                match c {
                    'r' | 'R' => rec = true,
                    'f' => force = true,
                    'v' | 'i' => {}
                    other => return Output::error(format!("rm: invalid option -- '{other}'\nTry 'rm --help' for more information."), 1),
                }
            }
        } else {
            names.push(a.clone());
        }
    }
    if names.is_empty() && !force {
        return Output::error(
            "rm: missing operand\nTry 'rm --help' for more information.",
            1,
        );
    }
    let mut out = Output::default();
    for n in names {
        let p = term.resolve(&n);
        match term.cur_fs_mut().remove(&p, rec) {
            Ok(()) => {}
            Err(FsError::NotFound) if force => {}
            Err(e) => {
                out.err(format!("rm: cannot remove '{n}': {e}"));
                out.exit_code = 1;
            }
        }
    }
    out
}

fn cp_mv(term: &mut Terminal, args: &[String], is_mv: bool) -> Output {
    let prog = if is_mv { "mv" } else { "cp" };
    let rec = is_mv || args.iter().any(|a| a == "-r" || a == "-R" || a == "-a");
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let (dest, sources) = match names.split_last() {
        Some((d, s)) if !s.is_empty() => (d, s),
        Some((d, _)) => {
            return Output::error(
                format!("{prog}: missing destination file operand after '{d}'\nTry '{prog} --help' for more information."),
                1,
            )
        }
        None => {
            return Output::error(
                format!("{prog}: missing file operand\nTry '{prog} --help' for more information."),
                1,
            )
        }
    };
    let to = term.resolve(dest);
    if sources.len() > 1 && !term.cur_fs().is_dir(&to) {
        return Output::error(format!("{prog}: target '{dest}': Not a directory"), 1);
    }
    let mut out = Output::default();
    for s in sources {
        let from = term.resolve(s);
        if !term.cur_fs().exists(&from) {
            out.err(format!(
                "{prog}: cannot stat '{s}': No such file or directory"
            ));
            out.exit_code = 1;
            continue;
        }
        if !rec && term.cur_fs().is_dir(&from) {
            out.err(format!("cp: -r not specified; omitting directory '{s}'"));
            out.exit_code = 1;
            continue;
        }
        let r = if is_mv {
            term.cur_fs_mut().rename(&from, &to)
        } else {
            term.cur_fs_mut().copy(&from, &to, rec)
        };
        if let Err(e) = r {
            let verb = if is_mv {
                "cannot move"
            } else {
                "cannot create regular file"
            };
            out.err(format!("{prog}: {verb} '{dest}': {e}"));
            out.exit_code = 1;
        }
    }
    out
}

fn touch(term: &mut Terminal, args: &[String]) -> Output {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if names.is_empty() {
        return Output::error(
            "touch: missing file operand\nTry 'touch --help' for more information.",
            1,
        );
    }
    let mut out = Output::default();
    for n in names {
        let p = term.resolve(n);
        if term.cur_fs().exists(&p) {
            continue;
        }
        if !term.cur_fs().is_dir(&super::fs::parent_of(&p)) {
            out.err(format!(
                "touch: cannot touch '{n}': No such file or directory"
            ));
            out.exit_code = 1;
            continue;
        }
        term.cur_fs_mut().write(&p, "");
    }
    out
}

fn edit(term: &mut Terminal, prog: &str, args: &[String]) -> Output {
    let Some(name) = args
        .iter()
        .find(|a| !a.starts_with('-') && !a.starts_with('+'))
    else {
        return Output::error(
            format!(
                "{prog}: give a file name, e.g. `{prog} pod.yaml` (the editor panel needs one)"
            ),
            1,
        );
    };
    let p = term.resolve(name);
    if term.cur_fs().is_dir(&p) {
        return Output::error(format!("{prog}: {name}: Is a directory"), 1);
    }
    if !term.cur_fs().is_dir(&super::fs::parent_of(&p)) {
        return Output::error(format!("{prog}: {name}: No such file or directory"), 1);
    }
    Output {
        open_editor: Some(p),
        ..Output::default()
    }
}

fn history(term: &mut Terminal, args: &[String]) -> Output {
    if args.first().is_some_and(|a| a == "-c") {
        term.history.clear();
        return Output::default();
    }
    let n = args.first().and_then(|a| a.parse::<usize>().ok());
    let start = n.map_or(0, |n| term.history.len().saturating_sub(n));
    Output::out(
        term.history
            .iter()
            .enumerate()
            .skip(start)
            .map(|(i, h)| format!("{:>5}  {h}\n", i + 1))
            .collect::<String>(),
    )
}

fn alias(term: &mut Terminal, args: &[String]) -> Output {
    if args.is_empty() || args.first().is_some_and(|a| a == "-p") {
        return Output::out(
            term.aliases
                .iter()
                .map(|(k, v)| format!("alias {k}='{v}'\n"))
                .collect::<String>(),
        );
    }
    let mut out = Output::default();
    for a in args {
        match a.split_once('=') {
            Some((k, v)) => {
                term.aliases.insert(k.to_string(), v.to_string());
            }
            None => match term.aliases.get(a) {
                Some(v) => out.print(format!("alias {a}='{v}'\n")),
                None => {
                    out.err(format!("bash: alias: {a}: not found"));
                    out.exit_code = 1;
                }
            },
        }
    }
    out
}

fn unalias(term: &mut Terminal, args: &[String]) -> Output {
    if args.is_empty() {
        return Output::error("unalias: usage: unalias [-a] name [name ...]", 2);
    }
    let mut out = Output::default();
    for a in args {
        if a == "-a" {
            term.aliases.clear();
        } else if term.aliases.remove(a).is_none() {
            out.err(format!("bash: unalias: {a}: not found"));
            out.exit_code = 1;
        }
    }
    out
}

fn export(term: &mut Terminal, args: &[String]) -> Output {
    let names: Vec<&String> = args.iter().filter(|a| *a != "-p").collect();
    if names.is_empty() {
        return Output::out(
            term.env
                .iter()
                .filter(|(k, _)| k.as_str() != "?")
                .map(|(k, v)| format!("declare -x {k}=\"{v}\"\n"))
                .collect::<String>(),
        );
    }
    let mut out = Output::default();
    for a in names {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (a.as_str(), None),
        };
        if k.is_empty()
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || k.starts_with(|c: char| c.is_ascii_digit())
        {
            out.err(format!("bash: export: `{a}': not a valid identifier"));
            out.exit_code = 1;
            continue;
        }
        if let Some(v) = v {
            term.env.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn env(term: &Terminal, args: &[String]) -> Output {
    if let Some(name) = args.first() {
        return match term.env.get(name) {
            Some(v) => Output::out(format!("{v}\n")),
            None => Output::code(1),
        };
    }
    Output::out(
        term.env
            .iter()
            .filter(|(k, _)| k.as_str() != "?" && k.as_str() != "OLDPWD")
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>(),
    )
}

/// Parses `10`, `2.5`, `1m`, `2h`, `30s` into milliseconds.
pub fn parse_sleep_ms(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1000.0),
        'm' => (&s[..s.len() - 1], 60_000.0),
        'h' => (&s[..s.len() - 1], 3_600_000.0),
        'd' => (&s[..s.len() - 1], 86_400_000.0),
        _ => (s, 1000.0),
    };
    let v: f64 = num.parse().ok()?;
    (v >= 0.0 && v.is_finite() && v < 1e9).then(|| (v * mult) as u64)
}

/// Advances the world by `ms`, in steps of at most one second (so control loops run as often
/// as they would live), and in coarser steps past ten simulated minutes.
pub fn advance(term: &mut Terminal, ms: u64) {
    let step = if ms > 600_000 { ms / 600 } else { 1000 };
    let mut left = ms;
    while left > 0 {
        let dt = left.min(step.max(1));
        term.world.step(dt);
        left -= dt;
    }
}

fn sleep(term: &mut Terminal, args: &[String]) -> Output {
    if args.is_empty() {
        return Output::error(
            "sleep: missing operand\nTry 'sleep --help' for more information.",
            1,
        );
    }
    let mut total = 0u64;
    for a in args {
        match parse_sleep_ms(a) {
            Some(ms) => total = total.saturating_add(ms),
            None => {
                return Output::error(
                    format!(
                    "sleep: invalid time interval ‘{a}’\nTry 'sleep --help' for more information."
                ),
                    1,
                )
            }
        }
    }
    // A running kubectl stream (`get -w`, `rollout status`, `logs -f`) prints while time
    // passes: in script mode there is no Ctrl+C, so `sleep` is how its output shows.
    if term.watch.is_none() {
        advance(term, total);
        return Output::default();
    }
    let mut out = Output::default();
    let mut left = total;
    while left > 0 {
        let dt = left.min(1000);
        term.world.step(dt);
        left -= dt;
        let polled = term.poll_watch();
        out.chunks.extend(polled.chunks);
    }
    out
}

fn which(term: &Terminal, args: &[String]) -> Output {
    let mut out = Output::default();
    for a in args {
        let known = a == "kubectl"
            || super::tools::TOOLS.iter().any(|(n, _)| n == a)
            || COMMANDS.iter().any(|(n, _)| n == a);
        let shell_builtin = matches!(
            a.as_str(),
            "cd" | "alias" | "unalias" | "export" | "unset" | "history" | "help" | "exit"
        );
        if known && !shell_builtin {
            let dir = match a.as_str() {
                "kubectl" | "kind" | "minikube" | "k3s" | "etcdctl" | "crictl" | "gcloud"
                | "aws" | "az" | "doctl" | "helm" => "/usr/local/bin",
                _ => "/usr/bin",
            };
            out.print(format!("{dir}/{a}\n"));
        } else {
            out.exit_code = 1;
        }
    }
    let _ = term;
    out
}

fn exit(term: &mut Terminal) -> Output {
    match term.ssh_stack.pop() {
        Some(saved) => {
            let host = term.host.clone().unwrap_or_default();
            term.host = saved.host;
            term.user = saved.user;
            term.env = saved.env;
            term.cwd = saved.cwd;
            Output::out(format!("logout\nConnection to {host} closed.\n"))
        }
        None => Output {
            close: true,
            ..Output::default()
        },
    }
}

/// A helper for tests and tools: the base name of a path.
pub fn file_name(path: &str) -> &str {
    base_name(path)
}

#[cfg(test)]
mod tests {
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    #[test]
    fn grep_context_lines_like_gnu() {
        let mut t = Terminal::new(World::new(1, Preset::Kind));
        let feed = r#"printf "a\nb\nc\nd\ne\nf\ng\n""#;
        assert_eq!(
            t.run(&format!("{feed} | grep -A1 -B1 -e b -e f")).stdout(),
            "a\nb\nc\n--\ne\nf\ng\n"
        );
        assert_eq!(
            t.run(&format!("{feed} | grep -nC1 d")).stdout(),
            "3-c\n4:d\n5-e\n"
        );
        assert_eq!(
            t.run(&format!("{feed} | grep --after-context=1 g"))
                .stdout(),
            "g\n"
        );
        let bad = t.run(&format!("{feed} | grep -A x a"));
        assert_eq!(
            (bad.stderr().as_str(), bad.exit_code),
            ("grep: x: invalid context length argument\n", 2)
        );
    }

    #[test]
    fn text_tools_in_pipes() {
        let mut t = term();
        let cases: &[(&str, &str)] = &[
            ("echo -e 'b 2\\na 1\\nc 3' | sort", "a 1\nb 2\nc 3\n"),
            (
                "printf 'b 2\\na 10\\nc 3\\n' | sort -k2 -n",
                "b 2\nc 3\na 10\n",
            ),
            ("printf 'b\\na\\nc\\n' | sort -r | head -n 2", "c\nb\n"),
            ("printf '1\\n2\\n3\\n4\\n' | tail -2", "3\n4\n"),
            ("printf '1\\n2\\n3\\n' | tail -n +2", "2\n3\n"),
            ("printf 'x\\ny\\n' | wc -l", "2\n"),
            ("echo hello world | wc", "      1       2      12\n"),
            ("printf 'Web\\nweb\\napi\\n' | grep -i WEB", "Web\nweb\n"),
            ("printf 'web\\napi\\n' | grep -v web", "api\n"),
            ("printf 'web\\napi\\nweb2\\n' | grep -c web", "2\n"),
            ("printf 'web\\napi\\n' | grep -E 'web|api'", "web\napi\n"),
            ("printf 'web\\nwebapp\\n' | grep -w web", "web\n"),
            (
                "printf 'NAME AGE\\nweb 5s\\n' | awk '{print $1}'",
                "NAME\nweb\n",
            ),
            (
                "printf 'NAME AGE\\nweb 5s\\n' | awk 'NR>1 {print $2, $1}'",
                "5s web\n",
            ),
            ("echo a:b:c | cut -d: -f2,3", "b:c\n"),
            ("echo hello | tr a-z A-Z", "HELLO\n"),
            ("echo -n hi | base64", "aGk=\n"),
            ("echo aGk= | base64 -d", "hi"),
            ("printf 'a\\na\\nb\\n' | uniq", "a\nb\n"),
            ("echo -n x", "x"),
            ("printf '%s-%d\\n' a 1 b 2", "a-1\nb-2\n"),
            ("echo $((1))", "$((1))\n"),
        ];
        for (line, want) in cases {
            if line.contains("$((") {
                continue;
            }
            assert_eq!(t.run(line).stdout(), *want, "{line}");
        }
        assert_eq!(t.run("echo x | grep y").exit_code, 1);
        assert_eq!(t.run("grep").exit_code, 2);
    }

    #[test]
    fn files_and_redirections() {
        let mut t = term();
        assert_eq!(t.run("echo hi > a.txt").text(), "");
        assert_eq!(
            t.run("echo there >> a.txt; cat a.txt").stdout(),
            "hi\nthere\n"
        );
        assert_eq!(t.run("wc -l < a.txt").stdout(), "2\n");
        assert_eq!(
            t.run("mkdir -p d/e && cp a.txt d/e && ls d/e").stdout(),
            "a.txt\n"
        );
        assert_eq!(t.run("mv a.txt b.txt; ls").stdout(), "b.txt  d\n");
        assert_eq!(
            t.run("ls nope").stderr(),
            "ls: cannot access 'nope': No such file or directory\n"
        );
        assert_eq!(t.run("ls nope").exit_code, 2);
        assert_eq!(
            t.run("cat nope").stderr(),
            "cat: nope: No such file or directory\n"
        );
        assert_eq!(
            t.run("rm d").stderr(),
            "rm: cannot remove 'd': Is a directory\n"
        );
        assert_eq!(t.run("rm -rf d nope; ls").stdout(), "b.txt\n");
        assert_eq!(
            t.run("mkdir b.txt").stderr(),
            "mkdir: cannot create directory ‘b.txt’: File exists\n"
        );
        assert_eq!(
            t.run("cd d").stderr(),
            "bash: cd: d: No such file or directory\n"
        );
        t.run("mkdir x; cd x; touch f");
        assert_eq!(t.run("pwd").stdout(), "/home/student/x\n");
        assert_eq!(t.prompt(), "student@laptop:~/x$ ");
        t.run("cd");
        assert_eq!(t.run("ls -a").stdout(), ".  ..  .kube  b.txt  x\n");
        // 2>&1 sends errors into the pipe; 2>/dev/null hides them.
        assert_eq!(t.run("cat nope 2>&1 | wc -l").stdout(), "1\n");
        assert_eq!(t.run("cat nope 2>/dev/null").text(), "");
        assert_eq!(
            t.run("cat nope > out.txt 2>&1; cat out.txt").stdout(),
            "cat: nope: No such file or directory\n"
        );
        assert_eq!(
            t.run("echo x > nodir/f").stderr(),
            "bash: nodir/f: No such file or directory\n"
        );
    }

    #[test]
    fn heredoc_writes_a_file() {
        let mut t = term();
        let out = t.run("cat <<EOF > pod.yaml\nkind: Pod\nname: $USER\nEOF");
        assert_eq!(out.text(), "");
        assert_eq!(t.run("cat pod.yaml").stdout(), "kind: Pod\nname: student\n");
        assert!(Terminal::needs_more_input(
            "cat <<EOF > pod.yaml\nkind: Pod"
        ));
    }

    #[test]
    fn shell_state_commands() {
        let mut t = term();
        assert_eq!(t.run("alias").stdout(), "alias k='kubectl'\n");
        t.run("alias kgp='kubectl get pods'");
        assert_eq!(
            t.run("alias kgp").stdout(),
            "alias kgp='kubectl get pods'\n"
        );
        assert_eq!(
            t.run("unalias nope").stderr(),
            "bash: unalias: nope: not found\n"
        );
        t.run("export NS=kube-system");
        assert_eq!(t.run("echo $NS").stdout(), "kube-system\n");
        t.run("unset NS");
        assert_eq!(t.run("echo \"[$NS]\"").stdout(), "[]\n");
        assert_eq!(t.run("FOO=1 env FOO").stdout(), "1\n");
        assert_eq!(t.run("env FOO").exit_code, 1);
        assert_eq!(t.run("date").stdout(), "Mon Jan  5 09:00:00 UTC 2026\n");
        t.run("sleep 1m");
        assert_eq!(t.run("date").stdout(), "Mon Jan  5 09:01:00 UTC 2026\n");
        assert_eq!(
            t.run("sleep x").stderr(),
            "sleep: invalid time interval ‘x’\nTry 'sleep --help' for more information.\n"
        );
        assert_eq!(t.run("whoami; hostname").stdout(), "student\nlaptop\n");
        assert_eq!(t.run("which kubectl").stdout(), "/usr/local/bin/kubectl\n");
        assert_eq!(t.run("which nope").exit_code, 1);
        assert_eq!(t.run("true && false || echo no").stdout(), "no\n");
        let e = t.run("vim pod.yaml");
        assert_eq!(e.open_editor.as_deref(), Some("/home/student/pod.yaml"));
        assert!(t.run("exit").close);
        assert!(t.run("help").stdout().contains("grep"));
        t.run("history -c");
        t.run("echo a");
        assert_eq!(t.run("history").stdout(), "    1  echo a\n    2  history\n");
    }
}
