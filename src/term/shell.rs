//! The shell's syntax: splits a command line into pipelines of words, like bash does.
//!
//! `kubectl get pods -n "kube system" | grep web && echo $HOME; ls` becomes a [`Script`] of
//! [`Pipeline`]s joined by `&&`, `||` or `;`, each a list of commands (word lists) joined by `|`.
//! Quotes: `'...'` is literal; `"..."` expands `$VAR`; `\` escapes the next character.
//! Variables expand during parsing, so `parse` takes the environment.

use std::collections::BTreeMap;

/// How a pipeline is joined to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joiner {
    /// `;` or the start of the line: always run.
    Always,
    /// `&&`: run if the previous pipeline succeeded.
    And,
    /// `||`: run if the previous pipeline failed.
    Or,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub joiner: Joiner,
    /// The commands of the pipeline, each as its words (`[["ls"], ["grep", "x"]]`).
    pub commands: Vec<Vec<String>>,
}

pub type Script = Vec<Pipeline>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    #[error("bash: unexpected EOF while looking for matching `{0}'")]
    UnclosedQuote(char),
    #[error("bash: syntax error near unexpected token `{0}'")]
    UnexpectedToken(String),
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Op(&'static str),
}

/// Parses one command line into a script, expanding `$VAR`, `${VAR}` and `~`.
pub fn parse(line: &str, env: &BTreeMap<String, String>) -> Result<Script, ShellError> {
    let toks = tokenize(line, env)?;
    let mut script = Vec::new();
    let mut joiner = Joiner::Always;
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut iter = toks.into_iter().peekable();
    while let Some(tok) = iter.next() {
        match tok {
            Tok::Word(w) => words.push(w),
            Tok::Op("|") => {
                if words.is_empty() || iter.peek().is_none() {
                    return Err(ShellError::UnexpectedToken("|".into()));
                }
                commands.push(std::mem::take(&mut words));
            }
            Tok::Op(op) => {
                if words.is_empty() {
                    if op == ";"
                        && commands.is_empty()
                        && iter.peek().is_none()
                        && !script.is_empty()
                    {
                        continue;
                    }
                    return Err(ShellError::UnexpectedToken(op.into()));
                }
                commands.push(std::mem::take(&mut words));
                script.push(Pipeline {
                    joiner,
                    commands: std::mem::take(&mut commands),
                });
                joiner = match op {
                    "&&" => Joiner::And,
                    "||" => Joiner::Or,
                    _ => Joiner::Always,
                };
                if op != ";" && iter.peek().is_none() {
                    return Err(ShellError::UnexpectedToken(op.into()));
                }
            }
        }
    }
    if !words.is_empty() {
        commands.push(words);
        script.push(Pipeline { joiner, commands });
    }
    Ok(script)
}

fn tokenize(line: &str, env: &BTreeMap<String, String>) -> Result<Vec<Tok>, ShellError> {
    let mut toks = Vec::new();
    let mut chars = line.chars().peekable();
    let mut word = String::new();
    // A word exists even when empty if it had quotes (`""`).
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    toks.push(Tok::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            ';' | '|' | '&' => {
                if in_word {
                    toks.push(Tok::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
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
            '\'' => {
                in_word = true;
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
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
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
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    if ch != '\n' {
                        word.push(ch);
                    }
                }
            }
            '$' => {
                in_word = true;
                expand_var(&mut chars, env, &mut word);
            }
            '~' if !in_word && matches!(chars.peek(), None | Some('/' | ' ')) => {
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
    Ok(toks)
}

fn expand_var(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    env: &BTreeMap<String, String>,
    out: &mut String,
) {
    let mut name = String::new();
    if chars.peek() == Some(&'{') {
        chars.next();
        for ch in chars.by_ref() {
            if ch == '}' {
                break;
            }
            name.push(ch);
        }
    } else if chars.peek() == Some(&'?') {
        chars.next();
        name.push('?');
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            .map(|p| p.commands)
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
    }
}
