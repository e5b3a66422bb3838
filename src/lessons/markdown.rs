//! A small Markdown dialect for lesson text, parsed into an AST the UI turns into DOM nodes.
//!
//! Start with [`parse`]. Supported: ATX headings (`#`..`######`), paragraphs, `*em*`/`_em_`,
//! `**strong**`, `` `code` ``, links `[text](url)`, bullet and numbered lists (nestable by
//! indentation), fenced code blocks, pipe tables, blockquotes and `---` rules. Extras:
//! - ```` ```sh run ```` marks a code block the student can click to run (or copy);
//! - ```` ```diagram cluster ```` asks the UI for a live picture of the cluster state (kinds and
//!   options: [`super::diagram`]);
//! - `:::tip Title` … `:::` and `:::solution` … `:::` collapsible blocks (also `note`, `warning`);
//! - `:::quiz <id>` … `:::` multiple-choice questions: question text, then `- [ ]` / `- [x]`
//!   choices, then `> ` explanation lines;
//! - `[text](lesson:03-node-components)` links to another lesson.
//!
//! Raw HTML is never interpreted: `<b>` stays the text `<b>`. Parsing never fails: anything
//! unrecognised is text.
//!
//! ```
//! use kubesim::lessons::markdown::{parse, Block};
//! let doc = parse("# Hi\n\n```sh run\nkubectl get nodes\n```\n");
//! assert!(matches!(&doc[1], Block::Code { runnable: true, .. }));
//! ```

/// A block-level element.
use crate::sort::SortSmall;
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// A fenced code block. `runnable` when the info string has the word `run`.
    Code {
        lang: String,
        runnable: bool,
        text: String,
    },
    List {
        ordered: bool,
        start: u32,
        items: Vec<Vec<Block>>,
    },
    Table {
        header: Vec<Vec<Inline>>,
        align: Vec<Align>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Quote(Vec<Block>),
    Rule,
    /// A collapsible block (`:::tip`, `:::solution`...). The UI asks for confirmation before
    /// opening a [`CalloutKind::Solution`].
    Callout {
        kind: CalloutKind,
        title: Vec<Inline>,
        body: Vec<Block>,
    },
    Quiz(Quiz),
    /// A live picture of the cluster, drawn by the UI. `info` is the rest of the info string
    /// (`cluster namespace=kube-system`), parsed by [`super::diagram::Spec::parse`].
    Diagram {
        info: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    Tip,
    Note,
    Warning,
    Solution,
}

impl CalloutKind {
    fn from_word(w: &str) -> Option<Self> {
        Some(match w {
            "tip" => CalloutKind::Tip,
            "note" => CalloutKind::Note,
            "warning" => CalloutKind::Warning,
            "solution" => CalloutKind::Solution,
            _ => return None,
        })
    }
}

/// A multiple-choice question. Several correct choices make it a "tick all that apply".
#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    pub id: String,
    pub question: Vec<Block>,
    pub choices: Vec<Vec<Inline>>,
    /// Indexes (from 0) of the correct choices, ascending.
    pub correct: Vec<usize>,
    pub explanation: Vec<Block>,
}

impl Quiz {
    /// Is this exactly the set of correct choices? (order and duplicates do not matter)
    pub fn is_correct(&self, answer: &[usize]) -> bool {
        let mut a = answer.to_vec();
        a.sort_small();
        a.dedup();
        a == self.correct
    }
}

/// An inline element.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Link {
        target: LinkTarget,
        text: Vec<Inline>,
    },
    /// A hard line break (a line ending with two spaces or `\`).
    Break,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// An external link; the UI opens it in a new tab. Only `http(s)://` and `mailto:` are
    /// kept as URLs, anything else (`javascript:`...) becomes [`LinkTarget::Invalid`].
    Url(String),
    /// `lesson:<id>` or `lesson:<id>#<step>`.
    Lesson {
        id: String,
        step: Option<String>,
    },
    Invalid(String),
}

/// The plain text of inlines (for titles, alt texts and tests).
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) => s.push_str(t),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Link { text: c, .. } => {
                s.push_str(&plain_text(c))
            }
            Inline::Break => s.push('\n'),
        }
    }
    s
}

/// Every block of a document, depth first (to find quizzes, links and code blocks).
pub fn walk<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::List { items, .. } => items.iter().for_each(|i| walk(i, f)),
            Block::Quote(c) | Block::Callout { body: c, .. } => walk(c, f),
            Block::Quiz(q) => {
                walk(&q.question, f);
                walk(&q.explanation, f);
            }
            _ => {}
        }
    }
}

/// Every inline run of a document (paragraphs, headings, list items, table cells, quizzes).
pub fn walk_inlines<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a [Inline])) {
    walk(blocks, &mut |b| match b {
        Block::Heading { text, .. } | Block::Paragraph(text) => f(text),
        Block::Table { header, rows, .. } => {
            header.iter().for_each(|c| f(c));
            rows.iter().flatten().for_each(|c| f(c));
        }
        Block::Callout { title, .. } => f(title),
        Block::Quiz(q) => q.choices.iter().for_each(|c| f(c)),
        _ => {}
    });
}

/// Parses a Markdown document.
pub fn parse(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    parse_lines(&lines)
}

fn parse_lines(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut i = 0;
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(parse_inlines(&para.join("\n"))));
            para.clear();
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut para, &mut blocks);
            i += 1;
            continue;
        }
        // Fenced code.
        if let Some(info) = fence_start(line) {
            flush(&mut para, &mut blocks);
            let fence = &trimmed[..trimmed.len() - info.len()];
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim().starts_with(fence.trim()) {
                body.push(lines[i]);
                i += 1;
            }
            i += 1; // closing fence (or end of input)
            let mut words = info.split_whitespace();
            let lang = words.next().unwrap_or("").to_string();
            let runnable = words.any(|w| w == "run");
            if lang == "diagram" {
                let rest: Vec<&str> = info.split_whitespace().skip(1).collect();
                blocks.push(Block::Diagram {
                    info: rest.join(" "),
                });
            } else {
                let mut text = body.join("\n");
                if !body.is_empty() {
                    text.push('\n');
                }
                blocks.push(Block::Code {
                    lang,
                    runnable,
                    text,
                });
            }
            continue;
        }
        // ::: containers (tip, solution, quiz...).
        if let Some(rest) = trimmed.strip_prefix(":::") {
            if !rest.trim().is_empty() {
                flush(&mut para, &mut blocks);
                let (end, body) = container_body(lines, i + 1);
                i = end;
                let mut words = rest.trim().splitn(2, char::is_whitespace);
                let kind = words.next().unwrap_or("");
                let arg = words.next().unwrap_or("").trim();
                if kind == "quiz" {
                    blocks.push(Block::Quiz(parse_quiz(arg, &body)));
                } else {
                    let kind = CalloutKind::from_word(kind).unwrap_or(CalloutKind::Note);
                    blocks.push(Block::Callout {
                        kind,
                        title: parse_inlines(arg),
                        body: parse_lines(&body),
                    });
                }
                continue;
            }
        }
        // Heading.
        if let Some((level, text)) = heading(trimmed) {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Heading {
                level,
                text: parse_inlines(text),
            });
            i += 1;
            continue;
        }
        // Rule.
        if para.is_empty() && is_rule(trimmed) {
            blocks.push(Block::Rule);
            i += 1;
            continue;
        }
        // Blockquote.
        if trimmed.starts_with('>') {
            flush(&mut para, &mut blocks);
            let mut body = Vec::new();
            while i < lines.len() {
                let t = lines[i].trim_start();
                let Some(rest) = t.strip_prefix('>') else {
                    break;
                };
                body.push(rest.strip_prefix(' ').unwrap_or(rest));
                i += 1;
            }
            blocks.push(Block::Quote(parse_lines(&body)));
            continue;
        }
        // Table: a pipe row followed by a delimiter row.
        if trimmed.starts_with('|') && i + 1 < lines.len() && is_delimiter_row(lines[i + 1]) {
            flush(&mut para, &mut blocks);
            let header: Vec<Vec<Inline>> = split_row(trimmed)
                .iter()
                .map(|c| parse_inlines(c))
                .collect();
            let align = split_row(lines[i + 1].trim())
                .iter()
                .map(|c| {
                    let c = c.trim();
                    match (c.starts_with(':'), c.ends_with(':')) {
                        (true, true) => Align::Center,
                        (true, false) => Align::Left,
                        (false, true) => Align::Right,
                        _ => Align::None,
                    }
                })
                .collect();
            i += 2;
            let mut rows = Vec::new();
            while i < lines.len() && lines[i].trim().starts_with('|') {
                rows.push(
                    split_row(lines[i].trim())
                        .iter()
                        .map(|c| parse_inlines(c))
                        .collect(),
                );
                i += 1;
            }
            blocks.push(Block::Table {
                header,
                align,
                rows,
            });
            continue;
        }
        // List.
        if let Some(marker) = list_marker(line) {
            flush(&mut para, &mut blocks);
            let (end, block) = parse_list(lines, i, marker);
            blocks.push(block);
            i = end;
            continue;
        }
        para.push(line.trim_start());
        i += 1;
    }
    flush(&mut para, &mut blocks);
    blocks
}

/// The lines inside a `:::` container starting at `start`, honouring nested containers and
/// code fences; returns the index after the closing `:::` and the body.
fn container_body<'a>(lines: &[&'a str], start: usize) -> (usize, Vec<&'a str>) {
    let mut depth = 0usize;
    let mut in_fence: Option<String> = None;
    let mut body = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let t = lines[i].trim();
        if let Some(f) = &in_fence {
            if t.starts_with(f.as_str()) {
                in_fence = None;
            }
        } else if let Some(info) = fence_start(lines[i]) {
            in_fence = Some(t[..t.len() - info.len()].trim().to_string());
        } else if t == ":::" {
            if depth == 0 {
                return (i + 1, body);
            }
            depth -= 1;
        } else if t.starts_with(":::") {
            depth += 1;
        }
        body.push(lines[i]);
        i += 1;
    }
    (i, body)
}

fn parse_quiz(id: &str, body: &[&str]) -> Quiz {
    let mut question = Vec::new();
    let mut choices = Vec::new();
    let mut correct = Vec::new();
    let mut explanation = Vec::new();
    for line in body {
        let t = line.trim_start();
        let choice = t
            .strip_prefix("- [ ]")
            .map(|r| (false, r))
            .or_else(|| t.strip_prefix("- [x]").map(|r| (true, r)))
            .or_else(|| t.strip_prefix("- [X]").map(|r| (true, r)));
        if let Some((ok, rest)) = choice {
            if ok {
                correct.push(choices.len());
            }
            choices.push(parse_inlines(rest.trim()));
        } else if let Some(rest) = t.strip_prefix('>') {
            explanation.push(rest.strip_prefix(' ').unwrap_or(rest));
        } else if choices.is_empty() {
            question.push(*line);
        } else if !t.is_empty() {
            // A continuation line of the previous choice.
            if let Some(last) = choices.last_mut() {
                last.push(Inline::Text(" ".into()));
                last.extend(parse_inlines(t));
            }
        }
    }
    Quiz {
        id: id.split_whitespace().next().unwrap_or("").to_string(),
        question: parse_lines(&question),
        choices,
        correct,
        explanation: parse_lines(&explanation),
    }
}

/// The info string after an opening fence (```` ``` ```` or `~~~`), if `line` opens one.
fn fence_start(line: &str) -> Option<&str> {
    let t = line.trim();
    for f in ["```", "~~~"] {
        if let Some(rest) = t.strip_prefix(f) {
            let ch = f.chars().next().unwrap_or('`');
            return Some(rest.trim_start_matches(ch));
        }
    }
    None
}

fn heading(t: &str) -> Option<(u8, &str)> {
    let level = t.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&level) {
        let rest = &t[level..];
        if rest.is_empty() || rest.starts_with(' ') {
            return Some((level as u8, rest.trim().trim_end_matches('#').trim_end()));
        }
    }
    None
}

fn is_rule(t: &str) -> bool {
    let chars: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 3
        && chars
            .first()
            .is_some_and(|c| matches!(c, '-' | '*' | '_') && chars.iter().all(|x| x == c))
}

fn is_delimiter_row(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|')
        && t.contains('-')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

fn split_row(t: &str) -> Vec<String> {
    let inner = t.strip_prefix('|').unwrap_or(t);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut in_code = false;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '`' => {
                in_code = !in_code;
                cur.push(c);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    indent: usize,
    ordered: bool,
    number: u32,
    /// Width of indentation + marker + space: where the item's content starts.
    content: usize,
}

fn list_marker(line: &str) -> Option<Marker> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let t = &line[indent..];
    if ["- ", "* ", "+ "].iter().any(|b| t.starts_with(b)) {
        return Some(Marker {
            indent,
            ordered: false,
            number: 0,
            content: indent + 2,
        });
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &t[digits..];
        if rest.starts_with(". ") || rest.starts_with(") ") {
            return Some(Marker {
                indent,
                ordered: true,
                number: t[..digits].parse().unwrap_or(1),
                content: indent + digits + 2,
            });
        }
    }
    None
}

fn parse_list(lines: &[&str], start: usize, first: Marker) -> (usize, Block) {
    let mut items: Vec<Vec<String>> = Vec::new();
    let mut i = start;
    let mut blank_pending = false;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            blank_pending = true;
            i += 1;
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        match list_marker(line) {
            Some(m) if m.indent == first.indent && m.ordered == first.ordered => {
                items.push(vec![line.get(m.content..).unwrap_or("").to_string()]);
            }
            _ if indent >= first.content || (!blank_pending && indent > first.indent) => {
                let Some(item) = items.last_mut() else { break };
                if blank_pending {
                    item.push(String::new());
                }
                let strip = indent.min(first.content);
                item.push(line.get(strip..).unwrap_or("").to_string());
            }
            _ if !blank_pending && list_marker(line).is_none() && !line.trim().starts_with('#') => {
                // Lazy continuation of a paragraph in the item.
                let Some(item) = items.last_mut() else { break };
                item.push(line.trim().to_string());
            }
            _ => break,
        }
        blank_pending = false;
        i += 1;
    }
    let items = items
        .iter()
        .map(|lines| {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            parse_lines(&refs)
        })
        .collect();
    (
        i,
        Block::List {
            ordered: first.ordered,
            start: first.number,
            items,
        },
    )
}

/// Parses inline markup. Raw HTML is kept as text.
pub fn parse_inlines(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    inlines_into(&chars, &mut out);
    out
}

fn push_text(out: &mut Vec<Inline>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Inline::Text(t)) = out.last_mut() {
        t.push_str(s);
    } else {
        out.push(Inline::Text(s.to_string()));
    }
}

fn find(chars: &[char], from: usize, pat: &[char]) -> Option<usize> {
    (from..chars.len()).find(|&i| chars[i..].starts_with(pat))
}

fn inlines_into(chars: &[char], out: &mut Vec<Inline>) {
    let mut i = 0;
    let mut buf = String::new();
    macro_rules! flush {
        () => {
            push_text(out, &buf);
            buf.clear();
        };
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1] == '\n' => {
                flush!();
                out.push(Inline::Break);
                i += 2;
            }
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                buf.push(chars[i + 1]);
                i += 2;
            }
            '\n' => {
                if buf.ends_with("  ") {
                    let len = buf.trim_end_matches(' ').len();
                    buf.truncate(len);
                    flush!();
                    out.push(Inline::Break);
                } else {
                    buf.push(' ');
                }
                i += 1;
            }
            '`' => {
                let ticks = chars[i..].iter().take_while(|c| **c == '`').count();
                let fence: Vec<char> = vec!['`'; ticks];
                match find(chars, i + ticks, &fence) {
                    Some(end) => {
                        flush!();
                        let code: String = chars[i + ticks..end].iter().collect();
                        let code = if code.starts_with(' ') && code.ends_with(' ') && code.len() > 2
                        {
                            code[1..code.len() - 1].to_string()
                        } else {
                            code
                        };
                        out.push(Inline::Code(code.replace('\n', " ")));
                        i = end + ticks;
                    }
                    None => {
                        buf.extend(&chars[i..i + ticks]);
                        i += ticks;
                    }
                }
            }
            '*' | '_' => {
                let double = chars.get(i + 1) == Some(&c);
                let n = if double { 2 } else { 1 };
                let delim: Vec<char> = vec![c; n];
                // `_` inside words (snake_case) is not emphasis.
                let word_before = i > 0 && chars[i - 1].is_alphanumeric();
                let opens = chars.get(i + n).is_some_and(|x| !x.is_whitespace())
                    && !(c == '_' && word_before);
                let close = if opens {
                    (i + n + 1..=chars.len().saturating_sub(n)).find(|&j| {
                        chars[j..].starts_with(&delim)
                            && !chars[j - 1].is_whitespace()
                            && (n == 2 || chars.get(j + 1) != Some(&c))
                            && !(c == '_' && chars.get(j + n).is_some_and(|x| x.is_alphanumeric()))
                    })
                } else {
                    None
                };
                match close {
                    Some(end) => {
                        flush!();
                        let mut inner = Vec::new();
                        inlines_into(&chars[i + n..end], &mut inner);
                        out.push(if double {
                            Inline::Strong(inner)
                        } else {
                            Inline::Emph(inner)
                        });
                        i = end + n;
                    }
                    None => {
                        buf.extend(&chars[i..i + n]);
                        i += n;
                    }
                }
            }
            '[' => match link_at(chars, i) {
                Some((text_end, url, end)) => {
                    flush!();
                    let mut text = Vec::new();
                    inlines_into(&chars[i + 1..text_end], &mut text);
                    out.push(Inline::Link {
                        target: link_target(&url),
                        text,
                    });
                    i = end;
                }
                None => {
                    buf.push('[');
                    i += 1;
                }
            },
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    flush!();
}

/// `[text](url)` at `i`: (index of `]`, url, index after `)`).
fn link_at(chars: &[char], i: usize) -> Option<(usize, String, usize)> {
    let mut depth = 0usize;
    let mut j = i;
    let close = loop {
        j += 1;
        match chars.get(j)? {
            '[' => depth += 1,
            ']' if depth == 0 => break j,
            ']' => depth -= 1,
            _ => {}
        }
    };
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    // CommonMark: a destination may hold balanced parentheses (`(a(1))`), and `\)` is literal.
    let mut parens = 0usize;
    let mut k = close + 2;
    let end = loop {
        match chars.get(k)? {
            '\\' => k += 1,
            '(' => parens += 1,
            ')' if parens == 0 => break k,
            ')' => parens -= 1,
            _ => {}
        }
        k += 1;
    };
    let url: String = chars[close + 2..end].iter().collect();
    Some((close, url.trim().to_string(), end + 1))
}

fn link_target(url: &str) -> LinkTarget {
    if let Some(rest) = url.strip_prefix("lesson:") {
        let (id, step) = match rest.split_once('#') {
            Some((id, step)) => (id, Some(step.to_string())),
            None => (rest, None),
        };
        return LinkTarget::Lesson {
            id: id.to_string(),
            step,
        };
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
    {
        LinkTarget::Url(url.to_string())
    } else {
        LinkTarget::Invalid(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn inlines_cover_emphasis_code_links_and_keep_html_as_text() {
        assert_eq!(
            parse_inlines("a *b* **c** `d*e` <b>x</b> [k](lesson:02-arch#nodes)"),
            vec![
                text("a "),
                Inline::Emph(vec![text("b")]),
                text(" "),
                Inline::Strong(vec![text("c")]),
                text(" "),
                Inline::Code("d*e".into()),
                text(" <b>x</b> "),
                Inline::Link {
                    target: LinkTarget::Lesson {
                        id: "02-arch".into(),
                        step: Some("nodes".into())
                    },
                    text: vec![text("k")]
                },
            ]
        );
        assert_eq!(
            parse_inlines("snake_case_name and 2 * 3 * 4 and \\*x\\*"),
            vec![text("snake_case_name and 2 * 3 * 4 and *x*")]
        );
        assert_eq!(
            parse_inlines("[x](javascript:alert(1))"),
            vec![Inline::Link {
                target: LinkTarget::Invalid("javascript:alert(1)".into()),
                text: vec![text("x")]
            }]
        );
        // Balanced parentheses belong to the destination (CommonMark), an escaped one too.
        assert_eq!(
            parse_inlines("[Go](https://en.wikipedia.org/wiki/Go_(language)) ok"),
            vec![
                Inline::Link {
                    target: LinkTarget::Url("https://en.wikipedia.org/wiki/Go_(language)".into()),
                    text: vec![text("Go")]
                },
                text(" ok")
            ]
        );
        assert_eq!(
            parse_inlines("[a](https://x.org/\\)) b"),
            vec![
                Inline::Link {
                    target: LinkTarget::Url("https://x.org/\\)".into()),
                    text: vec![text("a")]
                },
                text(" b")
            ]
        );
        assert_eq!(
            parse_inlines("unclosed `tick and [bracket"),
            vec![text("unclosed `tick and [bracket")]
        );
    }

    #[test]
    fn blocks_headings_lists_code_tables_quotes() {
        let doc = parse(
            "# Title\n\nSome *text*\nwrapped.\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n\
             ```sh run\nkubectl get nodes\n```\n\n```yaml\na: 1\n```\n\n| A | B |\n|:--|--:|\n| `x\\|y` | 2 |\n\n> quoted\n> more\n\n---\n",
        );
        assert_eq!(doc.len(), 9, "{doc:#?}");
        assert_eq!(
            doc[0],
            Block::Heading {
                level: 1,
                text: vec![text("Title")]
            }
        );
        assert_eq!(
            doc[1],
            Block::Paragraph(vec![
                text("Some "),
                Inline::Emph(vec![text("text")]),
                text(" wrapped.")
            ])
        );
        let Block::List {
            ordered: false,
            items,
            ..
        } = &doc[2]
        else {
            panic!("{:?}", doc[2])
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[1][1], Block::List { items, .. } if items.len() == 1));
        assert!(
            matches!(&doc[3], Block::List { ordered: true, start: 1, items, .. } if items.len() == 2)
        );
        assert_eq!(
            doc[4],
            Block::Code {
                lang: "sh".into(),
                runnable: true,
                text: "kubectl get nodes\n".into()
            }
        );
        assert!(matches!(
            &doc[5],
            Block::Code {
                runnable: false,
                ..
            }
        ));
        let Block::Table {
            header,
            align,
            rows,
        } = &doc[6]
        else {
            panic!()
        };
        assert_eq!(header.len(), 2);
        assert_eq!(align, &vec![Align::Left, Align::Right]);
        assert_eq!(rows[0][0], vec![Inline::Code("x|y".into())]);
        assert!(matches!(&doc[7], Block::Quote(b) if b.len() == 1));
        assert_eq!(doc[8], Block::Rule);
    }

    #[test]
    fn callouts_quizzes_and_diagrams() {
        let doc = parse(
            ":::tip A *tip*\nUse `-o wide`.\n:::\n\n:::solution\n```sh run\nkubectl get nodes -o wide\n```\n:::\n\n\
             :::quiz q-cncf\nWho hosts **Kubernetes**?\n\n- [ ] Google alone\n- [x] The CNCF\n- [X] The Linux Foundation\n> The CNCF is part of the\n> Linux Foundation.\n:::\n\n```diagram control-plane\n```\n\n```diagram  cluster   namespace=*\n```\n",
        );
        assert_eq!(doc.len(), 5, "{doc:#?}");
        assert!(
            matches!(&doc[0], Block::Callout { kind: CalloutKind::Tip, title, body } if plain_text(title) == "A tip" && body.len() == 1)
        );
        assert!(
            matches!(&doc[1], Block::Callout { kind: CalloutKind::Solution, body, .. } if matches!(&body[0], Block::Code { runnable: true, .. }))
        );
        let Block::Quiz(q) = &doc[2] else { panic!() };
        assert_eq!(q.id, "q-cncf");
        assert_eq!(q.choices.len(), 3);
        assert_eq!(q.correct, vec![1, 2]);
        assert!(q.is_correct(&[2, 1]));
        assert!(!q.is_correct(&[1]));
        assert_eq!(q.question.len(), 1);
        assert_eq!(
            q.explanation,
            vec![Block::Paragraph(vec![text(
                "The CNCF is part of the Linux Foundation."
            )])]
        );
        assert_eq!(
            doc[3],
            Block::Diagram {
                info: "control-plane".into()
            }
        );
        assert_eq!(
            doc[4],
            Block::Diagram {
                info: "cluster namespace=*".into()
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "```",
            ":::",
            ":::quiz",
            "|",
            "| a |\n|-",
            "*",
            "**",
            "[",
            "[a](",
            "`",
            "# ",
            "1.",
            "- ",
            "  - x\n- y",
            "\\",
            "é*è*",
            "_a_b_",
            ">",
            "~~~ run\n",
            "- [x]",
            "***",
        ] {
            let _ = parse(s);
        }
    }
}
