//! A stop-gap YAML reader for lesson files, used only until the full codec
//! (`sim::value::yaml`) lands on main; then [`super::load::parse_yaml`] switches to it and this
//! file goes away.
//!
//! Supports what lesson files use: block mappings and sequences, `- key: value` items, plain,
//! single- and double-quoted scalars, `|`/`>` block scalars, flow `[a, b]` / `{k: v}` of
//! scalars, comments and `---` document separators (in [`parse_documents`]).

use crate::sim::value::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

struct Line<'a> {
    no: usize,
    indent: usize,
    text: &'a str,
}

/// Parses one YAML document.
pub fn parse(src: &str) -> Result<Value, YamlError> {
    let lines: Vec<Line> = src
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_end();
            let indent = t.len() - t.trim_start().len();
            let body = t.trim_start();
            if body.is_empty() || body.starts_with('#') || body == "---" {
                None
            } else {
                Some(Line {
                    no: i + 1,
                    indent,
                    text: t,
                })
            }
        })
        .collect();
    let raw: Vec<&str> = src.lines().collect();
    let mut p = Parser { lines, raw, pos: 0 };
    if p.lines.is_empty() {
        return Ok(Value::Null);
    }
    let indent = p.lines[0].indent;
    let v = p.block(indent)?;
    if let Some(l) = p.lines.get(p.pos) {
        return Err(err(
            l.no,
            l.indent + 1,
            "unexpected content (check the indentation)",
        ));
    }
    Ok(v)
}

/// Parses a multi-document stream (`---` separated); empty documents are skipped.
pub fn parse_documents(src: &str) -> Result<Vec<Value>, YamlError> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut offset = 0;
    let mut start = 0;
    for (i, line) in src.lines().enumerate() {
        if line.trim_end() == "---" {
            push_doc(&mut docs, &cur, start)?;
            cur.clear();
            start = i + 1;
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
        offset = i;
    }
    let _ = offset;
    push_doc(&mut docs, &cur, start)?;
    Ok(docs)
}

fn push_doc(docs: &mut Vec<Value>, text: &str, first_line: usize) -> Result<(), YamlError> {
    match parse(text) {
        Ok(Value::Null) => Ok(()),
        Ok(v) => {
            docs.push(v);
            Ok(())
        }
        Err(mut e) => {
            e.line += first_line;
            Err(e)
        }
    }
}

fn err(line: usize, column: usize, msg: &str) -> YamlError {
    YamlError {
        line,
        column,
        message: msg.to_string(),
    }
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    raw: Vec<&'a str>,
    pos: usize,
}

impl Parser<'_> {
    fn block(&mut self, indent: usize) -> Result<Value, YamlError> {
        let Some(first) = self.lines.get(self.pos) else {
            return Ok(Value::Null);
        };
        let body = first.text.trim_start();
        if body.starts_with("- ") || body == "-" {
            self.seq(indent)
        } else if split_key(body).is_none() {
            // A lone scalar or flow collection (`[1, 2]`, `{"a": 1}`).
            let (no, col) = (first.no, first.indent);
            self.pos += 1;
            self.scalar_or_block(body, no, col, indent.saturating_sub(1))
        } else {
            self.map(indent)
        }
    }

    fn seq(&mut self, indent: usize) -> Result<Value, YamlError> {
        let mut items = Vec::new();
        while let Some(l) = self.lines.get(self.pos) {
            if l.indent < indent {
                break;
            }
            let body = l.text.trim_start();
            if !(body.starts_with("- ") || body == "-") {
                // The end of a list written at its key's indentation (`key:\n- a\nnext: 1`).
                break;
            }
            if l.indent > indent {
                return Err(err(l.no, l.indent + 1, "expected a `- ` list item"));
            }
            let rest = body[1..].trim_start();
            let no = l.no;
            let item_indent = l.indent + (body.len() - rest.len());
            if rest.is_empty() {
                self.pos += 1;
                match self.lines.get(self.pos) {
                    Some(n) if n.indent > indent => {
                        let i = n.indent;
                        items.push(self.block(i)?)
                    }
                    _ => items.push(Value::Null),
                }
            } else if rest.starts_with("- ") || split_key(rest).is_some() {
                // A map or list starting on the dash line: re-read it at its column.
                let text = self.lines[self.pos].text;
                self.lines[self.pos] = Line {
                    no,
                    indent: item_indent,
                    text: text.get(item_indent..).unwrap_or(""),
                };
                items.push(self.block(item_indent)?);
            } else {
                self.pos += 1;
                items.push(self.scalar_or_block(rest, no, item_indent, indent)?);
            }
        }
        Ok(Value::Seq(items))
    }

    fn map(&mut self, indent: usize) -> Result<Value, YamlError> {
        let mut m = Map::new();
        while let Some(l) = self.lines.get(self.pos) {
            let l_indent = self.indent_of(self.pos);
            if l_indent < indent {
                break;
            }
            let body = l.text.trim_start();
            let no = l.no;
            if l_indent > indent {
                return Err(err(no, l_indent + 1, "unexpected indentation"));
            }
            let Some((key, rest)) = split_key(body) else {
                return Err(err(no, l_indent + 1, "expected `key: value`"));
            };
            if m.contains_key(&key) {
                return Err(err(no, l_indent + 1, &format!("duplicate key {key:?}")));
            }
            self.pos += 1;
            let value = if rest.is_empty() {
                match self.lines.get(self.pos) {
                    Some(_) if self.indent_of(self.pos) > indent => {
                        let i = self.indent_of(self.pos);
                        self.block(i)?
                    }
                    // `key:` followed by a list at the same indentation.
                    Some(n) if n.indent == indent && n.text.trim_start().starts_with("- ") => {
                        self.seq(indent)?
                    }
                    _ => Value::Null,
                }
            } else {
                let col = l_indent + body.len() - rest.len();
                self.scalar_or_block(rest, no, col, indent)?
            };
            m.insert(key, value);
        }
        Ok(Value::Map(m))
    }

    fn indent_of(&self, pos: usize) -> usize {
        self.lines.get(pos).map_or(0, |l| l.indent)
    }

    /// A value after `key: ` or `- `: a scalar, flow collection or block scalar.
    fn scalar_or_block(
        &mut self,
        text: &str,
        no: usize,
        col: usize,
        parent_indent: usize,
    ) -> Result<Value, YamlError> {
        let text = strip_comment(text);
        if text.starts_with('|') || text.starts_with('>') {
            let folded = text.starts_with('>');
            let keep = text.ends_with('+');
            let strip = text.ends_with('-');
            // Read raw lines (blank lines included) more indented than the parent.
            let mut out: Vec<String> = Vec::new();
            let mut block_indent = None;
            let mut raw_i = no; // raw index of the next line (no is 1-based)
            while raw_i < self.raw.len() {
                let r = self.raw[raw_i];
                let ind = r.len() - r.trim_start().len();
                if !r.trim().is_empty() {
                    if ind <= parent_indent {
                        break;
                    }
                    let bi = *block_indent.get_or_insert(ind);
                    if ind < bi {
                        break;
                    }
                    out.push(r.get(bi..).unwrap_or("").to_string());
                } else {
                    out.push(String::new());
                }
                raw_i += 1;
            }
            // Skip the parsed lines that were inside the block.
            while self.lines.get(self.pos).is_some_and(|l| l.no <= raw_i) {
                self.pos += 1;
            }
            while !keep && out.last().is_some_and(String::is_empty) {
                out.pop();
            }
            let mut s = if folded {
                out.join(" ")
            } else {
                out.join("\n")
            };
            if !strip && !s.is_empty() {
                s.push('\n');
            }
            return Ok(Value::Str(s));
        }
        let v = flow(text).map_err(|m| err(no, col + 1, &m))?;
        Ok(v)
    }
}

fn strip_comment(s: &str) -> &str {
    let mut in_s = false;
    let mut in_d = false;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !in_d => in_s = !in_s,
            '"' if !in_s => in_d = !in_d,
            '#' if !in_s && !in_d && (i == 0 || bytes[i - 1] == b' ') => return s[..i].trim_end(),
            _ => {}
        }
    }
    s.trim_end()
}

/// `key: rest` (key possibly quoted). None if the line is not a mapping entry.
fn split_key(body: &str) -> Option<(String, &str)> {
    if let Some(q) = body.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = body[1..].find(q)? + 1;
        let after = &body[end + 1..];
        let rest = after.strip_prefix(':')?;
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        return Some((body[1..end].to_string(), rest.trim()));
    }
    if body.starts_with(['[', '{', '|', '>']) {
        return None;
    }
    let mut search = 0;
    loop {
        let i = body[search..].find(':')? + search;
        let after = &body[i + 1..];
        if after.is_empty() || after.starts_with(' ') {
            let key = body[..i].trim();
            if key.is_empty() || key.contains(" #") {
                return None;
            }
            return Some((key.to_string(), after.trim()));
        }
        search = i + 1;
    }
}

/// A scalar or a flow collection on one line.
fn flow(text: &str) -> Result<Value, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let v = flow_value(&chars, &mut i, false)?;
    skip_ws(&chars, &mut i);
    if i != chars.len() {
        return Err(format!(
            "unexpected {:?}",
            chars[i..].iter().collect::<String>()
        ));
    }
    Ok(v)
}

fn skip_ws(c: &[char], i: &mut usize) {
    while *i < c.len() && c[*i] == ' ' {
        *i += 1;
    }
}

fn flow_value(c: &[char], i: &mut usize, nested: bool) -> Result<Value, String> {
    skip_ws(c, i);
    match c.get(*i) {
        Some('[') => {
            *i += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(c, i);
                if c.get(*i) == Some(&']') {
                    *i += 1;
                    return Ok(Value::Seq(items));
                }
                items.push(flow_value(c, i, true)?);
                skip_ws(c, i);
                match c.get(*i) {
                    Some(',') => *i += 1,
                    Some(']') => {}
                    _ => return Err("expected `,` or `]`".into()),
                }
            }
        }
        Some('{') => {
            *i += 1;
            let mut m = Map::new();
            loop {
                skip_ws(c, i);
                if c.get(*i) == Some(&'}') {
                    *i += 1;
                    return Ok(Value::Map(m));
                }
                let key = match flow_value(c, i, true)? {
                    Value::Str(s) => s,
                    other => scalar_key(&other),
                };
                skip_ws(c, i);
                if c.get(*i) != Some(&':') {
                    return Err("expected `:` in a flow mapping".into());
                }
                *i += 1;
                let v = flow_value(c, i, true)?;
                m.insert(key, v);
                skip_ws(c, i);
                match c.get(*i) {
                    Some(',') => *i += 1,
                    Some('}') => {}
                    _ => return Err("expected `,` or `}`".into()),
                }
            }
        }
        Some(q @ ('"' | '\'')) => {
            let q = *q;
            *i += 1;
            let mut s = String::new();
            loop {
                match c.get(*i) {
                    None => return Err("unclosed quote".into()),
                    Some(ch) if *ch == q => {
                        if q == '\'' && c.get(*i + 1) == Some(&'\'') {
                            s.push('\'');
                            *i += 2;
                            continue;
                        }
                        *i += 1;
                        return Ok(Value::Str(s));
                    }
                    Some('\\') if q == '"' => {
                        let e = c.get(*i + 1).copied().unwrap_or('\\');
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        *i += 2;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        *i += 1;
                    }
                }
            }
        }
        _ => {
            let start = *i;
            while *i < c.len() {
                let ch = c[*i];
                if nested && matches!(ch, ',' | ']' | '}') {
                    break;
                }
                if nested && ch == ':' && c.get(*i + 1).is_none_or(|n| *n == ' ') {
                    break;
                }
                *i += 1;
            }
            let s: String = c[start..*i].iter().collect();
            Ok(plain(s.trim()))
        }
    }
}

fn scalar_key(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                if !(s.starts_with('0') && s.len() > 1) {
                    return Value::Int(i);
                }
            }
            if s.contains('.') && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
                if let Ok(f) = s.parse::<f64>() {
                    return Value::Float(f);
                }
            }
            Value::Str(s.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_flow_forms_lessons_use() {
        let v = parse(
            "a: 1\nb: \"x: y\" # comment\nc:\n  - one\n  - k: v\n    n: [1, 'two', {x: 3}]\n  - - nested\n    - list\nd: |\n  line 1\n\n  line 2\ne:\n- same indent\nf: {KUBECONFIG: ~/x}\ng: https://127.0.0.1:6443\n",
        )
        .unwrap();
        assert_eq!(v.get("a"), Some(&Value::Int(1)));
        assert_eq!(v.get("b").and_then(Value::as_str), Some("x: y"));
        let c = v.get("c").and_then(Value::as_seq).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].get("n").and_then(Value::as_seq).map(Vec::len), Some(3));
        assert_eq!(c[2].as_seq().map(Vec::len), Some(2));
        assert_eq!(
            v.get("d").and_then(Value::as_str),
            Some("line 1\n\nline 2\n")
        );
        assert_eq!(v.get("e").and_then(Value::as_seq).map(Vec::len), Some(1));
        assert_eq!(
            v.path(&["f", "KUBECONFIG"]).and_then(Value::as_str),
            Some("~/x")
        );
        assert_eq!(
            v.get("g").and_then(Value::as_str),
            Some("https://127.0.0.1:6443")
        );
        let docs = parse_documents("a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn errors_have_lines_and_nothing_panics() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(parse("a:\n  b: 1\n c: 2\n").unwrap_err().line, 3);
        assert!(parse("a: 1\na: 2\n")
            .unwrap_err()
            .message
            .contains("duplicate"));
        for s in [
            "-",
            "- -",
            ":",
            "a: |",
            "[",
            "{",
            "'",
            "\"\\",
            "a: {b: }",
            "? x",
            "- a\nb: 1",
        ] {
            let _ = parse(s);
        }
    }
}
