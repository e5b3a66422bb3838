//! A small regular-expression matcher for `grep`, `awk /re/` and `sed`-like needs, so the wasm
//! build does not carry the `regex` crate.
//!
//! Supports what students type: literals, `.`, `[a-z]`, `[^...]`, `^`, `$`, `*`, `+`, `?`,
//! `{n,m}`, `|`, `( )`, `\d` `\w` `\s`. [`Pattern::extended`] takes POSIX ERE syntax
//! (`grep -E`); [`Pattern::basic`] takes BRE (`grep`), where `\|`, `\(`, `\)`, `\+`, `\?`
//! are the operators and `|`, `(`, `)`, `+`, `?` are literal. Matching backtracks; inputs are
//! terminal lines, so that is plenty.
//!
//! ```
//! use kubesim::term::pattern::Pattern;
//! let p = Pattern::extended("^web-[a-z0-9]+ +1/1", false).unwrap();
//! assert!(p.is_match("web-7d4b9 1/1 Running"));
//! assert!(Pattern::basic("Running\\|Pending", false).unwrap().is_match("x Pending"));
//! ```

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("Unmatched ( or \\(")]
    UnmatchedParen,
    #[error("Unmatched [, [^, [:, [., or [=")]
    UnmatchedBracket,
    #[error("Invalid preceding regular expression")]
    BadRepeat,
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Start,
    End,
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, usize, usize),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    alts: Vec<Vec<Node>>,
    ignore_case: bool,
}

impl Pattern {
    /// POSIX extended syntax (`grep -E`, `awk`).
    pub fn extended(src: &str, ignore_case: bool) -> Result<Pattern, PatternError> {
        let chars: Vec<char> = src.chars().collect();
        let mut pos = 0;
        let alts = parse_alts(&chars, &mut pos, ignore_case)?;
        if pos < chars.len() {
            return Err(PatternError::UnmatchedParen);
        }
        Ok(Pattern { alts, ignore_case })
    }
    /// POSIX basic syntax (plain `grep`): swaps the meaning of escaped and bare `|(){}+?`.
    pub fn basic(src: &str, ignore_case: bool) -> Result<Pattern, PatternError> {
        let mut ere = String::new();
        let mut chars = src.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n @ ('|' | '(' | ')' | '+' | '?' | '{' | '}')) => ere.push(n),
                    Some(n) => {
                        ere.push('\\');
                        ere.push(n);
                    }
                    None => ere.push_str("\\\\"),
                },
                '|' | '(' | ')' | '+' | '?' | '{' | '}' => {
                    ere.push('\\');
                    ere.push(c);
                }
                _ => ere.push(c),
            }
        }
        Pattern::extended(&ere, ignore_case)
    }
    /// A fixed string (`grep -F`).
    pub fn literal(src: &str, ignore_case: bool) -> Pattern {
        let seq = src
            .chars()
            .map(|c| Node::Char(if ignore_case { fold(c) } else { c }))
            .collect();
        Pattern {
            alts: vec![seq],
            ignore_case,
        }
    }
    /// Does the pattern match anywhere in `line`?
    pub fn is_match(&self, line: &str) -> bool {
        self.find(line).is_some()
    }
    /// The first (leftmost) match, as a char range.
    pub fn find(&self, line: &str) -> Option<(usize, usize)> {
        let text: Vec<char> = if self.ignore_case {
            line.chars().map(fold).collect()
        } else {
            line.chars().collect()
        };
        let root = vec![Node::Group(self.alts.clone())];
        (0..=text.len()).find_map(|start| m(&root, &text, start, &mut 0).map(|end| (start, end)))
    }
    /// Whether some match is a whole word (`grep -w`).
    pub fn is_word_match(&self, line: &str) -> bool {
        let chars: Vec<char> = line.chars().collect();
        let text: Vec<char> = if self.ignore_case {
            chars.iter().copied().map(fold).collect()
        } else {
            chars.clone()
        };
        let root = vec![Node::Group(self.alts.clone())];
        let is_word = |i: usize| {
            text.get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        };
        (0..=text.len()).any(|start| {
            (start == 0 || !is_word(start - 1))
                && m(&root, &text, start, &mut 0).is_some_and(|end| !is_word(end) && end > start)
        })
    }
}

fn fold(c: char) -> char {
    c.to_ascii_lowercase()
}

fn parse_alts(chars: &[char], pos: &mut usize, ic: bool) -> Result<Vec<Vec<Node>>, PatternError> {
    let mut alts = vec![Vec::new()];
    while let Some(&c) = chars.get(*pos) {
        let cur = alts.last_mut().ok_or(PatternError::BadRepeat)?;
        match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alts.push(Vec::new());
                continue;
            }
            '(' => {
                *pos += 1;
                let inner = parse_alts(chars, pos, ic)?;
                if chars.get(*pos) != Some(&')') {
                    return Err(PatternError::UnmatchedParen);
                }
                *pos += 1;
                cur.push(Node::Group(inner));
                continue;
            }
            '*' | '+' | '?' | '{' => {
                let (min, max) = match c {
                    '*' => (0, usize::MAX),
                    '+' => (1, usize::MAX),
                    '?' => (0, 1),
                    _ => {
                        let close = chars[*pos..]
                            .iter()
                            .position(|&x| x == '}')
                            .ok_or(PatternError::BadRepeat)?;
                        let body: String = chars[*pos + 1..*pos + close].iter().collect();
                        *pos += close;
                        let (a, b) = match body.split_once(',') {
                            Some((a, "")) => (a.parse().ok(), Some(usize::MAX)),
                            Some((a, b)) => (a.parse().ok(), b.parse().ok()),
                            None => (body.parse().ok(), body.parse().ok()),
                        };
                        match (a, b) {
                            (Some(a), Some(b)) if a <= b => (a, b),
                            _ => return Err(PatternError::BadRepeat),
                        }
                    }
                };
                *pos += 1;
                match cur.pop() {
                    Some(Node::Start) | None => {
                        // A leading `*` is literal in POSIX.
                        cur.push(Node::Char(c));
                    }
                    Some(prev) => cur.push(Node::Repeat(Box::new(prev), min, max)),
                }
                continue;
            }
            '.' => cur.push(Node::Any),
            '^' => cur.push(Node::Start),
            '$' => cur.push(Node::End),
            '[' => {
                *pos += 1;
                let node = parse_class(chars, pos, ic)?;
                cur.push(node);
                continue;
            }
            '\\' => {
                *pos += 1;
                let n = chars.get(*pos).copied().unwrap_or('\\');
                let node = match n {
                    'd' => Node::Class(vec![('0', '9')], false),
                    'D' => Node::Class(vec![('0', '9')], true),
                    'w' => Node::Class(word_ranges(), false),
                    'W' => Node::Class(word_ranges(), true),
                    's' => Node::Class(vec![(' ', ' '), ('\t', '\t')], false),
                    'S' => Node::Class(vec![(' ', ' '), ('\t', '\t')], true),
                    'n' => Node::Char('\n'),
                    't' => Node::Char('\t'),
                    other => Node::Char(if ic { fold(other) } else { other }),
                };
                cur.push(node);
            }
            other => cur.push(Node::Char(if ic { fold(other) } else { other })),
        }
        *pos += 1;
    }
    Ok(alts)
}

fn word_ranges() -> Vec<(char, char)> {
    vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]
}

fn parse_class(chars: &[char], pos: &mut usize, ic: bool) -> Result<Node, PatternError> {
    let mut negated = false;
    if chars.get(*pos) == Some(&'^') {
        negated = true;
        *pos += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*pos).ok_or(PatternError::UnmatchedBracket)?;
        if c == ']' && !first {
            *pos += 1;
            break;
        }
        first = false;
        if c == '[' && chars.get(*pos + 1) == Some(&':') {
            let rest: String = chars[*pos..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let name = &rest[2..end];
                *pos += rest[..end + 2].chars().count();
                ranges.extend(match name {
                    "digit" => vec![('0', '9')],
                    "alpha" => vec![('a', 'z'), ('A', 'Z')],
                    "alnum" => vec![('a', 'z'), ('A', 'Z'), ('0', '9')],
                    "upper" => vec![('A', 'Z')],
                    "lower" => vec![('a', 'z')],
                    "space" => vec![(' ', ' '), ('\t', '\t'), ('\n', '\n')],
                    _ => vec![],
                });
                continue;
            }
        }
        let lo = c;
        if chars.get(*pos + 1) == Some(&'-') && chars.get(*pos + 2).is_some_and(|&h| h != ']') {
            let hi = chars.get(*pos + 2).copied().unwrap_or(lo);
            ranges.push((lo, hi));
            *pos += 3;
        } else {
            ranges.push((lo, lo));
            *pos += 1;
        }
    }
    if ic {
        let extra: Vec<(char, char)> = ranges.iter().map(|&(a, b)| (fold(a), fold(b))).collect();
        ranges.extend(extra);
    }
    Ok(Node::Class(ranges, negated))
}

/// Bounds the backtracking work per start position so a hostile pattern cannot hang the tab.
const MAX_STEPS: usize = 200_000;

/// Matches `seq` at `pos`; returns the end of the first match found.
fn m(seq: &[Node], text: &[char], pos: usize, steps: &mut usize) -> Option<usize> {
    *steps += 1;
    if *steps > MAX_STEPS {
        return None;
    }
    let Some((node, rest)) = seq.split_first() else {
        return Some(pos);
    };
    match node {
        Node::Start => (pos == 0).then(|| m(rest, text, pos, steps)).flatten(),
        Node::End => (pos == text.len())
            .then(|| m(rest, text, pos, steps))
            .flatten(),
        Node::Group(alts) => alts.iter().find_map(|alt| {
            let mut v = alt.clone();
            v.extend(rest.iter().cloned());
            m(&v, text, pos, steps)
        }),
        Node::Repeat(inner, min, max) => rep(inner, (*min, *max), rest, text, pos, 0, steps),
        single => {
            let c = text.get(pos)?;
            single_match(single, *c)
                .then(|| m(rest, text, pos + 1, steps))
                .flatten()
        }
    }
}

fn rep(
    inner: &Node,
    (min, max): (usize, usize),
    rest: &[Node],
    text: &[char],
    pos: usize,
    count: usize,
    steps: &mut usize,
) -> Option<usize> {
    if *steps > MAX_STEPS || count > text.len() + 1 {
        return None;
    }
    if count < max {
        if let Some(end) = m(std::slice::from_ref(inner), text, pos, steps) {
            if end > pos {
                if let Some(e) = rep(inner, (min, max), rest, text, end, count + 1, steps) {
                    return Some(e);
                }
            }
        }
    }
    if count >= min {
        return m(rest, text, pos, steps);
    }
    None
}

fn single_match(node: &Node, c: char) -> bool {
    match node {
        Node::Char(x) => *x == c,
        Node::Any => c != '\n',
        Node::Class(ranges, negated) => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_and_basic_syntax() {
        let cases: &[(&str, bool, &str, bool)] = &[
            ("web", true, "my-web-1", true),
            ("^web", true, "my-web-1", false),
            ("1$", true, "my-web-1", true),
            ("a|b", true, "xbx", true),
            ("a|b", false, "a|b", true),
            ("a\\|b", false, "xbx", true),
            ("[0-9]+/[0-9]+", true, "web 1/1 Running", true),
            ("[^a-z ]", true, "abc def", false),
            ("(ab)+c", true, "xababc", true),
            ("colou?r", true, "color", true),
            ("x{2,3}", true, "axxb", true),
            ("x{2,3}", true, "axb", false),
            ("\\.yaml$", true, "a.yaml", true),
            ("\\.yaml$", true, "ayaml", false),
            ("[[:digit:]]", true, "a1", true),
            ("*a", true, "*a", true),
        ];
        for (pat, ere, text, want) in cases {
            let p = if *ere {
                Pattern::extended(pat, false)
            } else {
                Pattern::basic(pat, false)
            }
            .unwrap();
            assert_eq!(p.is_match(text), *want, "{pat} on {text}");
        }
        assert!(Pattern::extended("RUNNING", true)
            .unwrap()
            .is_match("Running"));
        assert!(Pattern::extended("(a", false).is_err());
        assert!(Pattern::extended("[a", false).is_err());
    }

    #[test]
    fn words_and_hostile_patterns() {
        let p = Pattern::extended("web", false).unwrap();
        assert!(p.is_word_match("a web b"));
        assert!(!p.is_word_match("webapp"));
        // Exponential patterns stop at the step bound instead of hanging.
        let p = Pattern::extended("(a*)*b", false).unwrap();
        assert!(!p.is_match(&"a".repeat(40)));
    }
}
