//! The shell's syntax: splits a command line into pipelines of commands, like bash does.
//!
//! `kubectl get pods -n "kube system" | grep web > out.txt && echo $HOME; ls` becomes a
//! [`Script`] of [`Pipeline`]s joined by `&&`, `||`, `;` or a newline, each a list of
//! [`Command`]s joined by `|`. A command is its words plus its redirections (`>`, `>>`, `<`,
//! `2>`, `2>&1`, `&>`) and an optional here-document body.
//!
//! Quotes: `'...'` is literal; `"..."` expands `$VAR`; `\` escapes the next character.
//! Variables expand during parsing, so [`parse`] takes the environment.
//!
//! Here-documents: the UI sends one multi-line string,
//! `cat <<EOF | kubectl apply -f -\napiVersion: v1\n...\nEOF`; the body (lines up to the
//! delimiter) becomes the command's stdin, with `$VAR` expanded unless the delimiter is quoted
//! (`<<'EOF'`); `<<-` strips leading tabs. [`incomplete`] tells the UI when a line needs more
//! input (open quote, open here-document, trailing `|`/`&&`/`\`), so it can show `> `.

use std::collections::BTreeMap;

/// How a pipeline is joined to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joiner {
    /// `;`, a newline or the start of the line: always run.
    Always,
    /// `&&`: run if the previous pipeline succeeded.
    And,
    /// `||`: run if the previous pipeline failed.
    Or,
}

/// Where a redirection sends (or takes) a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `> file` (append: `>> file`) for fd 1 or 2.
    ToFile { fd: u8, path: String, append: bool },
    /// `2>&1` (fd 2 into fd 1) or `>&2` (fd 1 into fd 2).
    Dup { fd: u8, to: u8 },
    /// `< file`.
    FromFile(String),
}

/// One simple command: its words, redirections and here-document body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
    pub redirects: Vec<Redirect>,
    /// The body of a `<<EOF` here-document (or `<<<` here-string), fed as stdin.
    pub heredoc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub joiner: Joiner,
    /// The commands of the pipeline (`ls | grep x` has two).
    pub commands: Vec<Command>,
}

pub type Script = Vec<Pipeline>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    #[error("bash: unexpected EOF while looking for matching `{0}'")]
    UnclosedQuote(char),
    #[error("bash: syntax error near unexpected token `{0}'")]
    UnexpectedToken(String),
    #[error("bash: syntax error: unexpected end of file")]
    UnexpectedEof,
    /// A here-document whose delimiter line never came (bash warns and runs it anyway; we
    /// report it so the UI can ask for more lines first).
    #[error("bash: warning: here-document at line 1 delimited by end-of-file (wanted `{0}')")]
    UnclosedHeredoc(String),
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Op(&'static str),
    /// A redirection operator; the target word (if any) follows as a `Word`.
    Redir(RedirTok),
    /// Index into the here-document bodies collected by the tokenizer.
    Heredoc(usize),
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum RedirTok {
    Out {
        fd: u8,
        append: bool,
    },
    In,
    Dup {
        fd: u8,
        to: u8,
    },
    /// `&>`: stdout and stderr to the same file.
    Both,
    /// `<<<` here-string.
    HereString,
}

/// Is `line` unfinished the way bash would prompt `> ` for more (open quote, open
/// here-document, trailing pipe/`&&`/`||`/backslash)?
pub fn incomplete(line: &str) -> bool {
    let env = BTreeMap::new();
    match parse(line, &env) {
        Err(ShellError::UnclosedQuote(_))
        | Err(ShellError::UnclosedHeredoc(_))
        | Err(ShellError::UnexpectedEof) => true,
        _ => line.ends_with('\\') && !line.ends_with("\\\\"),
    }
}

/// One `$(...)` command substitution found by [`substitutions`]: byte range of the whole
/// `$(...)` in the line, the inner command, and whether it stood inside double quotes (then
/// its output stays one word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    pub start: usize,
    pub end: usize,
    pub inner: String,
    pub quoted: bool,
}

/// The outermost `$(...)` substitutions of `line`, left to right (none inside single quotes
/// or after a `#` comment). An unclosed `$(` is left alone: the shell then reports it.
pub fn substitutions(line: &str) -> Vec<Substitution> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_single, mut in_double) = (0usize, false, false);
    while i < b.len() {
        match b[i] {
            b'\\' if !in_single => i += 1,
            b'\'' if !in_double => in_single = !in_single,
            b'"' if !in_single => in_double = !in_double,
            b'#' if !in_single && !in_double && (i == 0 || b[i - 1].is_ascii_whitespace()) => break,
            b'$' if !in_single && b.get(i + 1) == Some(&b'(') => {
                // Find the matching `)`, minding nested parentheses and quotes.
                let (mut j, mut depth, mut sq, mut dq) = (i + 2, 1usize, false, false);
                while j < b.len() {
                    match b[j] {
                        b'\\' if !sq => j += 1,
                        b'\'' if !dq => sq = !sq,
                        b'"' if !sq => dq = !dq,
                        b'(' if !sq && !dq => depth += 1,
                        b')' if !sq && !dq => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= b.len() {
                    break;
                }
                out.push(Substitution {
                    start: i,
                    end: j + 1,
                    inner: line[i + 2..j].to_string(),
                    quoted: in_double,
                });
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Quotes command output so the tokenizer reads it back as data: inside double quotes only
/// `"`, `\`, `$` and `` ` `` need a backslash; outside, every word is single-quoted (bash
/// splits an unquoted substitution into words and does not re-read operators in it).
pub fn quote_substituted(output: &str, quoted: bool) -> String {
    let text = output.trim_end_matches('\n');
    if quoted {
        let mut s = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '"' | '\\' | '$' | '`') {
                s.push('\\');
            }
            s.push(c);
        }
        return s;
    }
    text.split_whitespace()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one command line into a script, expanding `$VAR`, `${VAR}` and `~`.
pub fn parse(line: &str, env: &BTreeMap<String, String>) -> Result<Script, ShellError> {
    let (toks, heredocs) = tokenize(line, env)?;
    let mut script = Vec::new();
    let mut joiner = Joiner::Always;
    let mut commands: Vec<Command> = Vec::new();
    let mut cmd = Command::default();
    let is_empty =
        |c: &Command| c.words.is_empty() && c.redirects.is_empty() && c.heredoc.is_none();
    let mut iter = toks.into_iter().peekable();
    while let Some(tok) = iter.next() {
        match tok {
            Tok::Word(w) => cmd.words.push(w),
            Tok::Heredoc(i) => cmd.heredoc = heredocs.get(i).cloned(),
            Tok::Redir(r) => {
                let target = match r {
                    RedirTok::Dup { .. } => None,
                    _ => match iter.next() {
                        Some(Tok::Word(w)) => Some(w),
                        Some(Tok::Op(op)) => return Err(ShellError::UnexpectedToken(op.into())),
                        _ => return Err(ShellError::UnexpectedToken("newline".into())),
                    },
                };
                let target = target.unwrap_or_default();
                match r {
                    RedirTok::Out { fd, append } => cmd.redirects.push(Redirect::ToFile {
                        fd,
                        path: target,
                        append,
                    }),
                    RedirTok::Both => {
                        cmd.redirects.push(Redirect::ToFile {
                            fd: 1,
                            path: target,
                            append: false,
                        });
                        cmd.redirects.push(Redirect::Dup { fd: 2, to: 1 });
                    }
                    RedirTok::In => cmd.redirects.push(Redirect::FromFile(target)),
                    RedirTok::Dup { fd, to } => cmd.redirects.push(Redirect::Dup { fd, to }),
                    RedirTok::HereString => cmd.heredoc = Some(format!("{target}\n")),
                }
            }
            Tok::Op("|") => {
                if is_empty(&cmd) {
                    return Err(ShellError::UnexpectedToken("|".into()));
                }
                if iter.peek().is_none() {
                    return Err(ShellError::UnexpectedEof);
                }
                commands.push(std::mem::take(&mut cmd));
            }
            Tok::Op(op) => {
                if is_empty(&cmd) {
                    // Blank lines and a trailing `;` are fine; `; ;` or `&& x` at the start is not.
                    if (op == "\n" || (op == ";" && !script.is_empty())) && commands.is_empty() {
                        continue;
                    }
                    return Err(ShellError::UnexpectedToken(op.into()));
                }
                commands.push(std::mem::take(&mut cmd));
                script.push(Pipeline {
                    joiner,
                    commands: std::mem::take(&mut commands),
                });
                joiner = match op {
                    "&&" => Joiner::And,
                    "||" => Joiner::Or,
                    _ => Joiner::Always,
                };
                if (op == "&&" || op == "||") && iter.peek().is_none() {
                    return Err(ShellError::UnexpectedEof);
                }
            }
        }
    }
    if !is_empty(&cmd) {
        commands.push(cmd);
    }
    if !commands.is_empty() {
        script.push(Pipeline { joiner, commands });
    }
    Ok(script)
}

struct PendingHeredoc {
    delimiter: String,
    expand: bool,
    strip_tabs: bool,
    index: usize,
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn tokenize(
    line: &str,
    env: &BTreeMap<String, String>,
) -> Result<(Vec<Tok>, Vec<String>), ShellError> {
    let mut toks = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    let mut pending: Vec<PendingHeredoc> = Vec::new();
    let mut chars = line.chars().peekable();
    let mut word = String::new();
    // A word exists even when empty if it had quotes (`""`).
    let mut in_word = false;
    // Whether the current word had any quoting (a `2` before `>` is an fd only if bare).
    let mut quoted = false;
    macro_rules! flush {
        () => {
            if in_word {
                toks.push(Tok::Word(std::mem::take(&mut word)));
                in_word = false;
                quoted = false;
            }
        };
    }
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' => flush!(),
            '\n' => {
                flush!();
                for p in pending.drain(..) {
                    let body = read_heredoc_body(&mut chars, &p, env)?;
                    if let Some(slot) = bodies.get_mut(p.index) {
                        *slot = body;
                    }
                }
                // A newline right after `|`, `&&` or `||` continues the command.
                if !matches!(toks.last(), Some(Tok::Op("|" | "&&" | "||")) | None) {
                    toks.push(Tok::Op("\n"));
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                while let Some(&ch) = chars.peek() {
                    if ch == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            ';' | '|' | '&' => {
                if c == '&' && chars.peek() == Some(&'>') {
                    flush!();
                    chars.next();
                    toks.push(Tok::Redir(RedirTok::Both));
                    continue;
                }
                flush!();
                let op = match (c, chars.peek()) {
                    ('|', Some('|')) => "||",
                    ('&', Some('&')) => "&&",
                    ('|', _) => "|",
                    (';', _) => ";",
                    // A lone `&` (background job) is treated like `;`: everything is instant here.
                    _ => ";",
                };
                if op.len() == 2 {
                    chars.next();
                }
                toks.push(Tok::Op(op));
            }
            '>' => {
                let fd = if in_word && !quoted && (word == "1" || word == "2") {
                    let fd = if word == "2" { 2 } else { 1 };
                    word.clear();
                    in_word = false;
                    fd
                } else {
                    flush!();
                    1
                };
                if chars.peek() == Some(&'&') {
                    chars.next();
                    let mut target = String::new();
                    while let Some(&ch) = chars.peek() {
                        if ch.is_ascii_digit() {
                            target.push(ch);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    match target.as_str() {
                        "1" => toks.push(Tok::Redir(RedirTok::Dup { fd, to: 1 })),
                        "2" => toks.push(Tok::Redir(RedirTok::Dup { fd, to: 2 })),
                        // `>&file` is `&>file`.
                        "" => toks.push(Tok::Redir(RedirTok::Both)),
                        other => {
                            return Err(ShellError::UnexpectedToken(format!("&{other}")));
                        }
                    }
                } else {
                    let append = chars.peek() == Some(&'>');
                    if append {
                        chars.next();
                    }
                    toks.push(Tok::Redir(RedirTok::Out { fd, append }));
                }
            }
            '<' => {
                flush!();
                if chars.peek() == Some(&'<') {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        toks.push(Tok::Redir(RedirTok::HereString));
                        continue;
                    }
                    let strip_tabs = chars.peek() == Some(&'-');
                    if strip_tabs {
                        chars.next();
                    }
                    while matches!(chars.peek(), Some(' ' | '\t')) {
                        chars.next();
                    }
                    let (delimiter, was_quoted) = read_delimiter(&mut chars)?;
                    if delimiter.is_empty() {
                        return Err(ShellError::UnexpectedToken("newline".into()));
                    }
                    let index = bodies.len();
                    bodies.push(String::new());
                    pending.push(PendingHeredoc {
                        delimiter,
                        expand: !was_quoted,
                        strip_tabs,
                        index,
                    });
                    toks.push(Tok::Heredoc(index));
                } else {
                    toks.push(Tok::Redir(RedirTok::In));
                }
            }
            '\'' => {
                in_word = true;
                quoted = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(ShellError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                quoted = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err(ShellError::UnclosedQuote('"')),
                        },
                        Some('$') => expand_var(&mut chars, env, &mut word),
                        Some(ch) => word.push(ch),
                        None => return Err(ShellError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                // A backslash-newline joins lines.
                Some('\n') => {}
                Some(ch) => {
                    in_word = true;
                    quoted = true;
                    word.push(ch);
                }
                None => {}
            },
            '$' => {
                in_word = true;
                expand_var(&mut chars, env, &mut word);
            }
            // `~` expands at the start of a word, and after `=` or `:` in an assignment
            // (`KUBECONFIG=~/a:~/b`), like bash.
            '~' if (!in_word
                || (!quoted
                    && word.contains('=')
                    && (word.ends_with('=') || word.ends_with(':'))))
                && matches!(chars.peek(), None | Some('/' | ' ' | '\n' | ';' | ':')) =>
            {
                in_word = true;
                word.push_str(env.get("HOME").map_or("/root", String::as_str));
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        toks.push(Tok::Word(word));
    }
    if let Some(p) = pending.first() {
        return Err(ShellError::UnclosedHeredoc(p.delimiter.clone()));
    }
    Ok((toks, bodies))
}

/// Reads a here-document delimiter (`EOF`, `'EOF'`, `"EOF"`), returning it unquoted and whether
/// it had quotes (which turns off expansion in the body).
fn read_delimiter(chars: &mut Chars<'_>) -> Result<(String, bool), ShellError> {
    let mut out = String::new();
    let mut quoted = false;
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' | ';' | '|' | '&' | '<' | '>' => break,
            '\'' | '"' => {
                quoted = true;
                chars.next();
                loop {
                    match chars.next() {
                        Some(ch) if ch == c => break,
                        Some(ch) => out.push(ch),
                        None => return Err(ShellError::UnclosedQuote(c)),
                    }
                }
            }
            '\\' => {
                quoted = true;
                chars.next();
                if let Some(ch) = chars.next() {
                    out.push(ch);
                }
            }
            _ => {
                out.push(c);
                chars.next();
            }
        }
    }
    Ok((out, quoted))
}

fn read_heredoc_body(
    chars: &mut Chars<'_>,
    p: &PendingHeredoc,
    env: &BTreeMap<String, String>,
) -> Result<String, ShellError> {
    let mut body = String::new();
    loop {
        if chars.peek().is_none() {
            return Err(ShellError::UnclosedHeredoc(p.delimiter.clone()));
        }
        let mut line = String::new();
        for ch in chars.by_ref() {
            if ch == '\n' {
                break;
            }
            line.push(ch);
        }
        let line = line.trim_end_matches('\r');
        let line = if p.strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == p.delimiter {
            return Ok(body);
        }
        if p.expand {
            let mut it = line.chars().peekable();
            while let Some(c) = it.next() {
                match c {
                    '$' => expand_var(&mut it, env, &mut body),
                    '\\' if matches!(it.peek(), Some('$' | '\\' | '`')) => {
                        if let Some(n) = it.next() {
                            body.push(n);
                        }
                    }
                    _ => body.push(c),
                }
            }
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
}

fn expand_var(chars: &mut Chars<'_>, env: &BTreeMap<String, String>, out: &mut String) {
    let mut name = String::new();
    if chars.peek() == Some(&'{') {
        chars.next();
        for ch in chars.by_ref() {
            if ch == '}' {
                break;
            }
            name.push(ch);
        }
    } else if matches!(chars.peek(), Some('?' | '$' | '#' | '0')) {
        if let Some(c) = chars.next() {
            name.push(c);
        }
    } else {
        while let Some(&ch) = chars.peek() {
            if ch.is_ascii_alphanumeric() || ch == '_' {
                name.push(ch);
                chars.next();
            } else {
                break;
            }
        }
    }
    if name.is_empty() {
        out.push('$');
    } else if let Some(v) = env.get(&name) {
        out.push_str(v);
    } else if name == "0" {
        out.push_str("bash");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_substitutions_are_found_and_quoted() {
        let subs = substitutions(
            r#"ssh w $(ssh cp kubeadm token create) "$(echo a)" '$(no)' $(echo $(x))"#,
        );
        let inner: Vec<_> = subs.iter().map(|s| (s.inner.as_str(), s.quoted)).collect();
        assert_eq!(
            inner,
            [
                ("ssh cp kubeadm token create", false),
                ("echo a", true),
                ("echo $(x)", false)
            ]
        );
        assert!(substitutions("echo $(unclosed").is_empty());
        assert!(substitutions("echo ok # $(not run)").is_empty());
        assert_eq!(
            quote_substituted("kubeadm join x --token a.b\n", false),
            "'kubeadm' 'join' 'x' '--token' 'a.b'"
        );
        assert_eq!(quote_substituted("it's | ok", false), "'it'\\''s' '|' 'ok'");
        assert_eq!(quote_substituted("a \"b\" $c\n", true), "a \\\"b\\\" \\$c");
    }

    fn env() -> BTreeMap<String, String> {
        [("HOME", "/home/student"), ("NS", "kube-system")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn words(line: &str) -> Vec<Vec<Vec<String>>> {
        parse(line, &env())
            .unwrap()
            .into_iter()
            .map(|p| p.commands.into_iter().map(|c| c.words).collect())
            .collect()
    }

    #[test]
    fn quotes_variables_and_operators() {
        assert_eq!(
            words(r#"echo "a b" 'c $NS' $NS ${NS}x"#),
            [[["echo", "a b", "c $NS", "kube-system", "kube-systemx"]]]
        );
        assert_eq!(
            words("ls ~ ~/x a~"),
            [[["ls", "/home/student", "/home/student/x", "a~"]]]
        );
        assert_eq!(words(r#"echo "" x"#), [[["echo", "", "x"]]]);
        assert_eq!(
            words("a | b c ; d"),
            vec![vec![vec!["a"], vec!["b", "c"]], vec![vec!["d"]]]
        );
        let s = parse("a && b || c", &env()).unwrap();
        assert_eq!(
            s.iter().map(|p| p.joiner).collect::<Vec<_>>(),
            [Joiner::Always, Joiner::And, Joiner::Or]
        );
        assert_eq!(words("echo a # comment"), [[["echo", "a"]]]);
        assert_eq!(words("echo a;"), [[["echo", "a"]]]);
        assert_eq!(words("echo a\necho b"), [[["echo", "a"]], [["echo", "b"]]]);
        assert_eq!(words("a |\n b"), [[["a"], ["b"]]]);
        assert_eq!(words("echo a\\\nb"), [[["echo", "ab"]]]);
        assert_eq!(
            words("export K=~/a:~/b x=a~"),
            [[["export", "K=/home/student/a:/home/student/b", "x=a~"]]]
        );
    }

    #[test]
    fn redirections() {
        let s = parse(
            "kubectl get po 2>&1 > out.txt 2>/dev/null >> log < in",
            &env(),
        )
        .unwrap();
        let c = &s[0].commands[0];
        assert_eq!(c.words, ["kubectl", "get", "po"]);
        assert_eq!(
            c.redirects,
            [
                Redirect::Dup { fd: 2, to: 1 },
                Redirect::ToFile {
                    fd: 1,
                    path: "out.txt".into(),
                    append: false
                },
                Redirect::ToFile {
                    fd: 2,
                    path: "/dev/null".into(),
                    append: false
                },
                Redirect::ToFile {
                    fd: 1,
                    path: "log".into(),
                    append: true
                },
                Redirect::FromFile("in".into()),
            ]
        );
        // A quoted or glued 2 is a word, not an fd.
        let s = parse("echo '2'>x a2>y", &env()).unwrap();
        assert_eq!(s[0].commands[0].words, ["echo", "2", "a2"]);
        assert!(parse("echo >", &env()).is_err());
    }

    #[test]
    fn heredocs() {
        let s = parse(
            "cat <<EOF | kubectl apply -f -\nname: $NS\n  x: 'y'\nEOF\necho done",
            &env(),
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].commands[0].heredoc.as_deref(),
            Some("name: kube-system\n  x: 'y'\n")
        );
        assert_eq!(s[0].commands[1].words, ["kubectl", "apply", "-f", "-"]);
        assert_eq!(s[1].commands[0].words, ["echo", "done"]);
        let s = parse("kubectl apply -f - <<'EOF'\na: $NS\nEOF", &env()).unwrap();
        assert_eq!(s[0].commands[0].heredoc.as_deref(), Some("a: $NS\n"));
        let s = parse("cat <<-END\n\tx\n\tEND", &env()).unwrap();
        assert_eq!(s[0].commands[0].heredoc.as_deref(), Some("x\n"));
        let s = parse("base64 -d <<< aGk=", &env()).unwrap();
        assert_eq!(s[0].commands[0].heredoc.as_deref(), Some("aGk=\n"));
    }

    #[test]
    fn needs_more_input() {
        for line in [
            "cat <<EOF",
            "cat <<EOF\napiVersion: v1",
            "echo 'abc",
            "echo \"abc",
            "kubectl get po |",
            "true &&",
            "echo a \\",
        ] {
            assert!(incomplete(line), "{line:?}");
        }
        for line in [
            "cat <<EOF\nx\nEOF",
            "echo 'a'",
            "ls",
            "",
            "| x",
            "echo a \\\\",
        ] {
            assert!(!incomplete(line), "{line:?}");
        }
    }

    #[test]
    fn syntax_errors_read_like_bash() {
        assert_eq!(
            parse("echo 'x", &env()).unwrap_err().to_string(),
            "bash: unexpected EOF while looking for matching `''"
        );
        assert_eq!(
            parse("| x", &env()).unwrap_err().to_string(),
            "bash: syntax error near unexpected token `|'"
        );
        assert!(parse("a &&", &env()).is_err());
        assert!(parse("a | ", &env()).is_err());
        assert!(parse("", &env()).unwrap().is_empty());
        assert!(parse("\n\n", &env()).unwrap().is_empty());
    }
}
