//! YAML as kubectl reads and prints it (gopkg.in/yaml.v2 via sigs.k8s.io/yaml).
//!
//! Entry points: [`parse_documents`] (a `kubectl apply -f` stream),
//! [`parse`] (one document) and [`to_yaml`] (`kubectl get -o yaml`).
//!
//! Parsing ports libyaml's design as yaml.v2 has it: a scanner producing
//! tokens with libyaml's "simple key" bookkeeping (which decides when `x:`
//! starts a mapping and when it is an error), feeding a recursive-descent
//! parser. Matching that design is what makes indentation mistakes fail with
//! the texts — and the quirky line numbers — kubectl users see, e.g.
//! `yaml: line 7: mapping values are not allowed in this context`.
//! Scalars resolve like yaml.v2 (YAML 1.1: `yes`/`on`/`y` are booleans,
//! `0o17`/`017` octal, timestamps stay strings) and keys always become
//! strings, as after sigs.k8s.io/yaml's conversion to JSON.
//!
//! Emitting ports the parts of yaml.v2's emitter kubectl output uses: block
//! style with 2-space indent and sequences flush with their key, yaml.v2's
//! "natural" key order, its scalar style choice (plain, then single-, then
//! double-quoted; `|` blocks for multi-line text) and its folding of long
//! scalars at 80 columns.

use super::{fmt_go_g, fmt_yaml_float, Map, Value};
use std::collections::{BTreeMap, VecDeque};

const MAX_DEPTH: usize = 256;
/// yaml.v2's best_width: plain and quoted scalars fold at spaces past it.
const WIDTH: usize = 80;
/// Nodes that aliases may copy in one document (guards "billion laughs").
const ALIAS_BUDGET: usize = 1_000_000;
/// Double-quoted escapes `\0 \a ... \P` and the characters they stand for.
const ESC_KEYS: &str = "0abtnvfreN_LP";
const ESC_CHARS: &str = "\0\x07\x08\t\n\x0b\x0c\r\x1b\u{85}\u{a0}\u{2028}\u{2029}";

/// A YAML syntax or decoding error.
///
/// `line`/`column` are the 1-based position of the problem in the text given
/// to [`parse`] or [`parse_documents`]. `Display` reproduces what kubectl
/// prints after `error converting YAML to JSON: `, including yaml.v2's
/// numbering: scanner errors name the 1-based line, parser errors ("did not
/// find expected key", ...) the 0-based one, problems on the first line name
/// none, and for [`parse_documents`] lines count from the document's start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{text}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    text: String,
}

impl YamlError {
    fn at(m: Mark, shown: usize, message: String) -> Box<Self> {
        let text = match shown {
            0 => format!("yaml: {message}"),
            n => format!("yaml: line {n}: {message}"),
        };
        Box::new(YamlError {
            line: m.line + 1,
            column: m.col + 1,
            message,
            text,
        })
    }
}

/// Scanner errors: yaml.v2 names the 1-based problem line (or the context's
/// 0-based line when the problem sits on the first line).
fn serr(m: Mark, ctx: Mark, msg: &str) -> Box<YamlError> {
    YamlError::at(
        m,
        if m.line != 0 { m.line + 1 } else { ctx.line },
        msg.into(),
    )
}

/// Parser errors: yaml.v2 forgets the +1 here, so the line shown is 0-based.
fn perr(m: Mark, ctx: Mark, msg: &str) -> Box<YamlError> {
    YamlError::at(m, if m.line != 0 { m.line } else { ctx.line }, msg.into())
}

/// Boxed so results stay small: parsing recurses once per nesting level.
type R<T> = Result<T, Box<YamlError>>;

/// Parses the first document of `src` (`Null` when it is empty).
pub fn parse(src: &str) -> Result<Value, YamlError> {
    parse_doc(src).map_err(|e| *e)
}

fn parse_doc(src: &str) -> R<Value> {
    // yaml.v2's reader rejects these; rejecting NUL lets the scanner use it as EOF.
    let allowed = |c| matches!(c as u32, 9 | 10 | 13 | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..);
    if let Some(bad) = src.find(|c| !allowed(c)) {
        let before = src.get(..bad).unwrap_or_default();
        let line = before.bytes().filter(|&b| b == b'\n').count();
        let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1);
        let m = Mark { idx: 0, line, col };
        return Err(YamlError::at(
            m,
            0,
            "control characters are not allowed".into(),
        ));
    }
    let (c, keys) = (src.chars().collect(), vec![SKey::default()]);
    let s = Scan {
        c,
        keys,
        indent: -1,
        allowed: true,
        ..Scan::default()
    };
    Parser {
        s,
        anchors: BTreeMap::new(),
        depth: 0,
        budget: ALIAS_BUDGET,
    }
    .document()
}

/// Splits a stream the way kubectl's YAMLReader does (on lines starting with
/// `---`, where only a comment may follow) and parses each document, skipping
/// empty ones (blank, comments only, or `null`).
pub fn parse_documents(src: &str) -> Result<Vec<Value>, YamlError> {
    let (mut docs, mut chunk, mut start) = (Vec::new(), String::new(), 0);
    for (n, line) in src.split_inclusive('\n').chain(["---"]).enumerate() {
        let Some(rest) = line.strip_prefix("---") else {
            chunk.push_str(line);
            continue;
        };
        let rest = rest.trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            let message = format!("invalid Yaml document separator: {rest}");
            return Err(YamlError {
                line: n + 1,
                column: 4,
                text: message.clone(),
                message,
            });
        }
        match parse_doc(&chunk) {
            Ok(Value::Null) => {}
            Ok(v) => docs.push(v),
            Err(e) => {
                return Err(YamlError {
                    line: e.line + start,
                    ..*e
                });
            }
        }
        chunk.clear();
        start = n + 1;
    }
    Ok(docs)
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}
fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}
/// `c` is one of the ASCII characters in `set`.
fn one_of(c: char, set: &[u8]) -> bool {
    c.is_ascii() && set.contains(&(c as u8))
}

#[derive(Clone, Copy, Default, Debug)]
struct Mark {
    idx: usize,
    line: usize,
    col: usize,
}

#[derive(Clone, Copy, PartialEq, Debug, Default)]
enum K {
    #[default]
    End,
    DocStart,
    DocEnd,
    BSeq,
    BMap,
    BEnd,
    FSeq,
    FSeqEnd,
    FMap,
    FMapEnd,
    Entry,
    FEntry,
    Key,
    Val,
    Alias,
    Anchor,
    Tag,
    Plain,
    /// Quoted or block scalar: never type-resolved.
    Quoted,
}

#[derive(Debug, Default)]
struct Tok {
    k: K,
    m: Mark,
    s: String,
}

fn tok(k: K, m: Mark, s: String) -> Tok {
    Tok { k, m, s }
}

/// A position where a mapping key may start, pending a `:` (libyaml's
/// simple key). `num` is the absolute index of its first token.
#[derive(Clone, Copy, Default)]
struct SKey {
    possible: bool,
    required: bool,
    num: usize,
    m: Mark,
}

/// Text of a quoted or plain scalar being scanned, plus the whitespace and
/// line breaks seen since its last non-blank character.
#[derive(Default)]
struct Text {
    s: String,
    ws: String,
    lead: String,
    trail: String,
    breaks: bool,
}

impl Text {
    /// Flushes pending blanks: spaces stay, one line break folds to a
    /// space, more keep all but the first.
    fn join(&mut self) {
        if self.breaks {
            if !self.lead.starts_with('\n') {
                self.s.push_str(&self.lead);
            } else if self.trail.is_empty() {
                self.s.push(' ');
            }
            self.s.push_str(&self.trail);
            self.lead.clear();
            self.trail.clear();
            self.breaks = false;
        } else {
            self.s.push_str(&self.ws);
        }
        self.ws.clear();
    }
}

#[derive(Default)]
struct Scan {
    c: Vec<char>,
    m: Mark,
    q: VecDeque<Tok>,
    /// Tokens handed to the parser so far.
    parsed: usize,
    /// Column of the innermost block collection (-1 at the top).
    indent: i64,
    indents: Vec<i64>,
    /// A simple key may start here (libyaml's simple_key_allowed).
    allowed: bool,
    /// One pending simple key per flow level.
    keys: Vec<SKey>,
    flow: usize,
    ended: bool,
}

impl Scan {
    fn ch(&self, k: usize) -> char {
        self.c.get(self.m.idx + k).copied().unwrap_or('\0')
    }
    fn skip(&mut self) {
        self.skip_n(1);
    }
    fn skip_n(&mut self, n: usize) {
        self.m.idx += n;
        self.m.col += n;
    }
    /// Skips to the line break (comments, directives).
    fn skip_to_eol(&mut self) {
        while !is_break(self.ch(0)) && self.ch(0) != '\0' {
            self.skip();
        }
    }
    /// Consumes one line break (CRLF counts as one); returns it normalized.
    fn skip_line(&mut self) -> char {
        let c = self.ch(0);
        self.m.idx += 1 + usize::from(c == '\r' && self.ch(1) == '\n');
        (self.m.line, self.m.col) = (self.m.line + 1, 0);
        if matches!(c, '\u{2028}' | '\u{2029}') {
            c
        } else {
            '\n'
        }
    }
    fn at_doc_marker(&self) -> bool {
        let c = self.ch(0);
        self.m.col == 0
            && one_of(c, b"-.")
            && self.ch(1) == c
            && self.ch(2) == c
            && is_blankz(self.ch(3))
    }
    fn err(&self, ctx: Mark, msg: &str) -> Box<YamlError> {
        serr(self.m, ctx, msg)
    }
    fn push(&mut self, k: K, m: Mark) {
        self.q.push_back(tok(k, m, String::new()));
    }

    fn peek(&mut self) -> R<(K, Mark)> {
        self.more()?;
        Ok(self.q.front().map_or((K::End, self.m), |t| (t.k, t.m)))
    }
    fn kind(&mut self) -> R<K> {
        Ok(self.peek()?.0)
    }
    fn next(&mut self) -> R<Tok> {
        self.more()?;
        self.parsed += 1;
        Ok(self.q.pop_front().unwrap_or_default())
    }
    fn bump(&mut self) -> R<()> {
        self.next().map(drop)
    }

    /// Fetches until the head token can no longer turn out to be a key.
    fn more(&mut self) -> R<()> {
        loop {
            if !self.q.is_empty() {
                let p = self.parsed;
                match self.keys.iter().position(|k| k.possible && k.num == p) {
                    Some(i) if self.key_valid(i)? => {}
                    _ => return Ok(()),
                }
            }
            if self.ended {
                return Ok(());
            }
            self.fetch()?;
        }
    }

    /// A simple key stays possible only on its own line and within 1024
    /// chars; a required one (at the block's indent) failing is an error.
    fn key_valid(&mut self, i: usize) -> R<bool> {
        let m = self.m;
        let Some(k) = self.keys.get_mut(i).filter(|k| k.possible) else {
            return Ok(false);
        };
        if k.m.line == m.line && k.m.idx + 1024 >= m.idx {
            return Ok(true);
        }
        if k.required {
            return Err(serr(m, k.m, "could not find expected ':'"));
        }
        k.possible = false;
        Ok(false)
    }

    fn save_key(&mut self) -> R<()> {
        if self.allowed {
            let required = self.flow == 0 && self.indent == self.m.col as i64;
            let k = SKey {
                possible: true,
                required,
                num: self.parsed + self.q.len(),
                m: self.m,
            };
            self.remove_key()?;
            if let Some(last) = self.keys.last_mut() {
                *last = k;
            }
        }
        Ok(())
    }

    fn remove_key(&mut self) -> R<()> {
        let m = self.m;
        let Some(k) = self.keys.last_mut() else {
            return Ok(());
        };
        if k.possible && k.required {
            return Err(serr(m, k.m, "could not find expected ':'"));
        }
        k.possible = false;
        Ok(())
    }

    /// Opens a block collection when `col` is deeper than the current
    /// indent, inserting its start token before token `num` if given.
    fn roll(&mut self, col: usize, num: Option<usize>, k: K, m: Mark) {
        if self.flow > 0 || self.indent >= col as i64 {
            return;
        }
        self.indents.push(self.indent);
        self.indent = col as i64;
        match num {
            Some(n) => self.insert(n, k, m),
            None => self.push(k, m),
        }
    }
    fn insert(&mut self, num: usize, k: K, m: Mark) {
        let i = num.saturating_sub(self.parsed).min(self.q.len());
        self.q.insert(i, tok(k, m, String::new()));
    }

    /// Closes block collections deeper than `col`.
    fn unroll(&mut self, col: i64) {
        while self.flow == 0 && self.indent > col {
            self.push(K::BEnd, self.m);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn fetch(&mut self) -> R<()> {
        // Skip whitespace, comments and line breaks. Tabs may not start a
        // block line (yaml.v2 then fails on the tab itself).
        loop {
            if self.m.col == 0 && self.ch(0) == '\u{feff}' {
                self.skip();
            }
            while self.ch(0) == ' ' || ((self.flow > 0 || !self.allowed) && self.ch(0) == '\t') {
                self.skip();
            }
            if self.ch(0) == '#' {
                self.skip_to_eol();
            }
            if !is_break(self.ch(0)) {
                break;
            }
            self.skip_line();
            self.allowed |= self.flow == 0;
        }
        self.unroll(self.m.col as i64);
        let (c, n, m, end) = (self.ch(0), self.ch(1), self.m, self.m.idx >= self.c.len());
        if end && self.m.col != 0 {
            // libyaml ends the stream on a fresh line.
            (self.m.line, self.m.col) = (self.m.line + 1, 0);
        }
        if end || (m.col == 0 && c == '%') || self.at_doc_marker() {
            self.unroll(-1);
            self.remove_key()?;
            self.allowed = false;
            if end {
                self.ended = true;
                self.push(K::End, self.m);
            } else if c == '%' {
                // Directives (%YAML, %TAG) carry nothing kubectl uses.
                self.skip_to_eol();
            } else {
                self.skip_n(3);
                self.push(if c == '-' { K::DocStart } else { K::DocEnd }, m);
            }
            return Ok(());
        }
        let (k, s) = match c {
            '[' | '{' => {
                self.save_key()?;
                let num = self.parsed + self.q.len();
                self.keys.push(SKey {
                    num,
                    m,
                    ..SKey::default()
                });
                self.flow += 1;
                self.allowed = true;
                self.skip();
                (if c == '[' { K::FSeq } else { K::FMap }, None)
            }
            ']' | '}' => {
                self.remove_key()?;
                if self.flow > 0 {
                    self.flow -= 1;
                    self.keys.pop();
                }
                self.allowed = false;
                self.skip();
                (if c == ']' { K::FSeqEnd } else { K::FMapEnd }, None)
            }
            ',' => {
                self.remove_key()?;
                self.allowed = true;
                self.skip();
                (K::FEntry, None)
            }
            '-' | '?' if is_blankz(n) || (c == '?' && self.flow > 0) => {
                let (k, bk) = if c == '-' {
                    (K::Entry, K::BSeq)
                } else {
                    (K::Key, K::BMap)
                };
                if self.flow == 0 {
                    if !self.allowed {
                        let what = if c == '-' {
                            "block sequence entries"
                        } else {
                            "mapping keys"
                        };
                        return Err(self.err(m, &format!("{what} are not allowed in this context")));
                    }
                    self.roll(m.col, None, bk, m);
                }
                self.remove_key()?;
                self.allowed = c == '-' || self.flow == 0;
                self.skip();
                (k, None)
            }
            ':' if self.flow > 0 || is_blankz(n) => {
                let last = self.keys.len().saturating_sub(1);
                if self.key_valid(last)? {
                    // The pending simple key was a key after all.
                    let k = self.keys.get(last).copied().unwrap_or_default();
                    self.insert(k.num, K::Key, k.m);
                    self.roll(k.m.col, Some(k.num), K::BMap, k.m);
                    if let Some(k) = self.keys.get_mut(last) {
                        k.possible = false;
                    }
                    self.allowed = false;
                } else {
                    if self.flow == 0 {
                        if !self.allowed {
                            return Err(
                                self.err(m, "mapping values are not allowed in this context")
                            );
                        }
                        self.roll(m.col, None, K::BMap, m);
                    }
                    self.allowed = self.flow == 0;
                }
                self.skip();
                (K::Val, None)
            }
            '*' | '&' | '!' => {
                self.save_key()?;
                self.allowed = false;
                match c {
                    '!' => (K::Tag, Some(self.scan_tag()?)),
                    '*' => (K::Alias, Some(self.scan_anchor()?)),
                    _ => (K::Anchor, Some(self.scan_anchor()?)),
                }
            }
            '|' | '>' if self.flow == 0 => {
                self.remove_key()?;
                self.allowed = true;
                (K::Quoted, Some(self.scan_block(c == '|')?))
            }
            '\'' | '"' => {
                self.save_key()?;
                self.allowed = false;
                (K::Quoted, Some(self.scan_quoted(c == '\'')?))
            }
            _ if !(is_blankz(c) || one_of(c, b"-?:,[]{}#&*!|>'\"%@`"))
                || (c == '-' && !is_blank(n))
                || (self.flow == 0 && one_of(c, b"?:") && !is_blankz(n)) =>
            {
                self.save_key()?;
                self.allowed = false;
                (K::Plain, Some(self.scan_plain()?))
            }
            _ => return Err(self.err(m, "found character that cannot start any token")),
        };
        self.q.push_back(tok(k, m, s.unwrap_or_default()));
        Ok(())
    }

    fn scan_anchor(&mut self) -> R<String> {
        let start = self.m;
        self.skip();
        let mut s = String::new();
        while self.ch(0).is_ascii_alphanumeric() || one_of(self.ch(0), b"_-") {
            s.push(self.ch(0));
            self.skip();
        }
        if s.is_empty() || !(is_blankz(self.ch(0)) || one_of(self.ch(0), b"?:,]}%@`")) {
            return Err(self.err(
                start,
                "did not find expected alphabetic or numeric character",
            ));
        }
        Ok(s)
    }

    /// Returns the tag in short form (`!!str`, `!custom`, `!`).
    fn scan_tag(&mut self) -> R<String> {
        let start = self.m;
        let uri = |c: char| c.is_ascii_alphanumeric() || one_of(c, b"-_;/?:@&=+$,.!~*'()[]%");
        let verbatim = self.ch(1) == '<';
        let mut s = String::new();
        if verbatim {
            self.skip_n(2);
        }
        while uri(self.ch(0)) && !(verbatim && self.ch(0) == '>') {
            s.push(self.ch(0));
            self.skip();
        }
        if verbatim {
            if self.ch(0) != '>' {
                return Err(self.err(start, "did not find the expected '>'"));
            }
            self.skip();
        }
        if !is_blankz(self.ch(0)) {
            return Err(self.err(start, "did not find expected whitespace or line break"));
        }
        Ok(s.strip_prefix("tag:yaml.org,2002:")
            .map_or(s.clone(), |t| format!("!!{t}")))
    }

    /// `|` and `>` scalars, with chomping and indentation indicators.
    fn scan_block(&mut self, literal: bool) -> R<String> {
        let start = self.m;
        self.skip();
        let (mut chomp, mut inc) = (0, 0);
        for _ in 0..2 {
            match self.ch(0) {
                '+' | '-' if chomp == 0 => chomp = if self.ch(0) == '+' { 1 } else { -1 },
                '0' if inc == 0 => {
                    return Err(self.err(start, "found an indentation indicator equal to 0"));
                }
                c @ '1'..='9' if inc == 0 => inc = c as usize - '0' as usize,
                _ => break,
            }
            self.skip();
        }
        while is_blank(self.ch(0)) {
            self.skip();
        }
        if self.ch(0) == '#' {
            self.skip_to_eol();
        }
        if !is_break(self.ch(0)) && self.ch(0) != '\0' {
            return Err(self.err(start, "did not find expected comment or line break"));
        }
        if is_break(self.ch(0)) {
            self.skip_line();
        }
        let mut indent = if inc > 0 {
            self.indent.max(0) as usize + inc
        } else {
            0
        };
        let (mut s, mut lead, mut trail) = (String::new(), String::new(), String::new());
        self.block_breaks(&mut indent, &mut trail, start)?;
        let mut leading_blank = false;
        while self.m.col == indent && self.m.idx < self.c.len() {
            // Folded style joins lines with a space unless either is indented.
            let trailing_blank = is_blank(self.ch(0));
            if literal || leading_blank || trailing_blank || !lead.starts_with('\n') {
                s.push_str(&lead);
            } else if trail.is_empty() {
                s.push(' ');
            }
            s.push_str(&trail);
            lead.clear();
            trail.clear();
            leading_blank = is_blank(self.ch(0));
            while !is_break(self.ch(0)) && self.ch(0) != '\0' {
                s.push(self.ch(0));
                self.skip();
            }
            if is_break(self.ch(0)) {
                lead.push(self.skip_line());
            }
            self.block_breaks(&mut indent, &mut trail, start)?;
        }
        if chomp != -1 {
            s.push_str(&lead);
        }
        if chomp == 1 {
            s.push_str(&trail);
        }
        Ok(s)
    }

    /// Eats indentation and empty lines of a block scalar, detecting its
    /// indentation from the first non-empty line when not given.
    fn block_breaks(&mut self, indent: &mut usize, breaks: &mut String, start: Mark) -> R<()> {
        let mut max = 0;
        loop {
            while (*indent == 0 || self.m.col < *indent) && self.ch(0) == ' ' {
                self.skip();
            }
            max = max.max(self.m.col);
            if (*indent == 0 || self.m.col < *indent) && self.ch(0) == '\t' {
                let msg = "found a tab character where an indentation space is expected";
                return Err(self.err(start, msg));
            }
            if !is_break(self.ch(0)) {
                break;
            }
            breaks.push(self.skip_line());
        }
        if *indent == 0 {
            *indent = max.max((self.indent + 1).max(1) as usize);
        }
        Ok(())
    }

    /// Consumes blanks and line breaks inside a flow or plain scalar. Tabs
    /// may not indent a continuation line left of `tab_limit`.
    fn blanks(&mut self, t: &mut Text, tab_limit: i64, start: Mark) -> R<()> {
        loop {
            let c = self.ch(0);
            if is_blank(c) {
                if t.breaks && (self.m.col as i64) < tab_limit && c == '\t' {
                    return Err(self.err(start, "found a tab character that violates indentation"));
                }
                if !t.breaks {
                    t.ws.push(c);
                }
                self.skip();
            } else if is_break(c) {
                let b = self.skip_line();
                if t.breaks {
                    t.trail.push(b);
                } else {
                    t.ws.clear();
                    t.lead.push(b);
                    t.breaks = true;
                }
            } else {
                return Ok(());
            }
        }
    }

    fn scan_quoted(&mut self, single: bool) -> R<String> {
        let start = self.m;
        let quote = if single { '\'' } else { '"' };
        self.skip();
        let mut t = Text::default();
        loop {
            if self.at_doc_marker() {
                return Err(self.err(start, "found unexpected document indicator"));
            }
            if self.m.idx >= self.c.len() {
                return Err(self.err(start, "found unexpected end of stream"));
            }
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if single && c == '\'' && self.ch(1) == '\'' {
                    t.s.push('\'');
                    self.skip_n(2);
                } else if c == quote {
                    break;
                } else if !single && c == '\\' && is_break(self.ch(1)) {
                    // An escaped line break joins the lines without a space.
                    self.skip();
                    self.skip_line();
                    t.breaks = true;
                    break;
                } else if !single && c == '\\' {
                    let e = self.escape(start)?;
                    t.s.push(e);
                } else {
                    t.s.push(c);
                    self.skip();
                }
            }
            if self.ch(0) == quote {
                break;
            }
            self.blanks(&mut t, -1, start)?;
            t.join();
        }
        self.skip();
        Ok(t.s)
    }

    /// One backslash escape of a double-quoted scalar. `\/` (YAML 1.2) and
    /// UTF-16 surrogate pairs are accepted beyond yaml.v2 so JSON parses.
    fn escape(&mut self, start: Mark) -> R<char> {
        let e = self.ch(1);
        self.skip_n(2);
        let len = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ if one_of(e, b" \t\"'\\/") => return Ok(e),
            _ => {
                let i = ESC_KEYS.chars().position(|k| k == e);
                let c = i.and_then(|i| ESC_CHARS.chars().nth(i));
                return c.ok_or_else(|| self.err(start, "found unknown escape character"));
            }
        };
        let hex = |sc: &mut Self, len: usize| -> R<u32> {
            let mut v = 0u32;
            for _ in 0..len {
                let Some(d) = sc.ch(0).to_digit(16) else {
                    return Err(sc.err(start, "did not find expected hexdecimal number"));
                };
                v = (v << 4) | d;
                sc.skip();
            }
            Ok(v)
        };
        let mut v = hex(self, len)?;
        if (0xD800..0xDC00).contains(&v) && self.ch(0) == '\\' && self.ch(1) == 'u' {
            self.skip_n(2);
            let lo = hex(self, 4)?;
            if (0xDC00..0xE000).contains(&lo) {
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        char::from_u32(v)
            .ok_or_else(|| self.err(start, "found invalid Unicode character escape code"))
    }

    fn scan_plain(&mut self) -> R<String> {
        let start = self.m;
        let indent = self.indent + 1;
        let mut t = Text::default();
        while !self.at_doc_marker() && self.ch(0) != '#' {
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if (c == ':' && is_blankz(self.ch(1))) || (self.flow > 0 && one_of(c, b",?[]{}")) {
                    break;
                }
                t.join();
                t.s.push(c);
                self.skip();
            }
            if !is_blank(self.ch(0)) && !is_break(self.ch(0)) {
                break;
            }
            self.blanks(&mut t, indent, start)?;
            // A continuation line must be indented past the parent block.
            if self.flow == 0 && (self.m.col as i64) < indent {
                break;
            }
        }
        self.allowed |= t.breaks;
        Ok(t.s)
    }
}

/// One mapping under construction: merge keys, duplicates, string keys.
#[derive(Default)]
struct MapB {
    map: Map,
    lines: BTreeMap<String, usize>,
}

struct Parser {
    s: Scan,
    /// Anchored nodes with their (node count, depth).
    anchors: BTreeMap<String, (Value, usize, usize)>,
    depth: usize,
    budget: usize,
}

impl Parser {
    fn document(&mut self) -> R<Value> {
        let v = match self.s.kind()? {
            K::End => return Ok(Value::Null),
            K::DocStart => {
                self.s.bump()?;
                self.node_unless(&[K::DocStart, K::DocEnd, K::End], true, false)?
            }
            _ => self.node(true, false)?,
        };
        // yaml.v2 peeks once more for the document end, which surfaces any
        // scanner error right after the root node.
        self.s.peek()?;
        Ok(v)
    }

    fn node(&mut self, block: bool, indentless: bool) -> R<Value> {
        if self.depth >= MAX_DEPTH {
            let m = self.s.m;
            return Err(perr(m, m, &format!("exceeded max depth of {MAX_DEPTH}")));
        }
        self.depth += 1;
        let v = self.node_inner(block, indentless);
        self.depth -= 1;
        v
    }

    /// Kept lean (cold paths in helpers): every nesting level is a frame.
    fn node_inner(&mut self, block: bool, indentless: bool) -> R<Value> {
        let (k, m) = self.s.peek()?;
        if k == K::Alias {
            return self.alias();
        }
        let (anchor, tag) = self.properties()?;
        let (k, km) = self.s.peek()?;
        let v = match k {
            K::Entry if indentless => self.indentless_seq()?,
            K::Plain | K::Quoted => self.scalar_token(tag)?,
            K::FSeq => self.flow_seq()?,
            K::FMap => self.flow_map()?,
            K::BSeq if block => self.block_seq()?,
            K::BMap if block => self.block_map()?,
            _ if anchor.is_some() || tag.is_some() => scalar("", true, tag.as_deref(), km)?,
            _ => return Err(perr(km, m, "did not find expected node content")),
        };
        if let Some(a) = anchor {
            let (n, d) = size(&v);
            self.anchors.insert(a, (v.clone(), n, d));
        }
        Ok(v)
    }

    fn alias(&mut self) -> R<Value> {
        let t = self.s.next()?;
        let Some((v, n, d)) = self.anchors.get(&t.s) else {
            let msg = format!("unknown anchor '{}' referenced", t.s);
            return Err(YamlError::at(t.m, 0, msg));
        };
        // Copies count against the budget and the depth cap like parsed nodes.
        if self.depth + d > MAX_DEPTH + 1 {
            return Err(perr(
                t.m,
                t.m,
                &format!("exceeded max depth of {MAX_DEPTH}"),
            ));
        }
        let over = || YamlError::at(t.m, 0, "document contains excessive aliasing".into());
        self.budget = self.budget.checked_sub(*n).ok_or_else(over)?;
        Ok(v.clone())
    }

    /// An optional anchor and tag, in either order.
    fn properties(&mut self) -> R<(Option<String>, Option<String>)> {
        let (mut anchor, mut tag) = (None, None);
        loop {
            match self.s.kind()? {
                K::Anchor if anchor.is_none() => anchor = Some(self.s.next()?.s),
                K::Tag if tag.is_none() => tag = Some(self.s.next()?.s),
                _ => return Ok((anchor, tag)),
            }
        }
    }

    fn scalar_token(&mut self, tag: Option<String>) -> R<Value> {
        let t = self.s.next()?;
        scalar(&t.s, t.k == K::Plain, tag.as_deref(), t.m)
    }

    /// A key node, or `None` for the merge key `<<` (plain, untagged).
    fn key(&mut self, block: bool) -> R<Option<Value>> {
        if self
            .s
            .q
            .front()
            .is_some_and(|t| t.k == K::Plain && t.s == "<<")
        {
            self.s.bump()?;
            return Ok(None);
        }
        self.node(block, block).map(Some)
    }

    /// Parses a node unless the next token is one of `stop` (then `Null`).
    fn node_unless(&mut self, stop: &[K], block: bool, indentless: bool) -> R<Value> {
        if stop.contains(&self.s.kind()?) {
            Ok(Value::Null)
        } else {
            self.node(block, indentless)
        }
    }

    fn block_seq(&mut self) -> R<Value> {
        let start = self.s.next()?.m;
        let mut out = Vec::new();
        loop {
            match self.s.peek()? {
                (K::Entry, _) => {
                    self.s.bump()?;
                    out.push(self.node_unless(&[K::Entry, K::BEnd], true, false)?);
                }
                (K::BEnd, _) => {
                    self.s.bump()?;
                    return Ok(Value::Seq(out.into()));
                }
                (_, m) => return Err(perr(m, start, "did not find expected '-' indicator")),
            }
        }
    }

    /// A sequence flush with its parent key (`key:\n- a`), ended by any
    /// token that is not `-`.
    fn indentless_seq(&mut self) -> R<Value> {
        let mut out = Vec::new();
        while self.s.kind()? == K::Entry {
            self.s.bump()?;
            out.push(self.node_unless(&[K::Entry, K::Key, K::Val, K::BEnd], true, false)?);
        }
        Ok(Value::Seq(out.into()))
    }

    fn block_map(&mut self) -> R<Value> {
        let start = self.s.next()?.m;
        let mut b = MapB::default();
        let stop = [K::Key, K::Val, K::BEnd];
        loop {
            match self.s.peek()? {
                (K::Key, _) => {
                    self.s.bump()?;
                    let (k, km) = self.s.peek()?;
                    let key = if stop.contains(&k) {
                        Some(Value::Null)
                    } else {
                        self.key(true)?
                    };
                    let v = self.value(&stop, true)?;
                    put(&mut b, key, km, v)?;
                }
                (K::BEnd, _) => {
                    self.s.bump()?;
                    return Ok(Value::Map(b.map));
                }
                (_, m) => return Err(perr(m, start, "did not find expected key")),
            }
        }
    }

    /// `: value` after a key (`Null` without the colon or a value).
    fn value(&mut self, stop: &[K], block: bool) -> R<Value> {
        if self.s.kind()? != K::Val {
            return Ok(Value::Null);
        }
        self.s.bump()?;
        self.node_unless(stop, block, block)
    }

    /// Consumes the `,` between flow entries; `Ok(false)` at the closer.
    fn flow_entry(&mut self, first: bool, end: K, start: Mark) -> R<bool> {
        let (k, m) = self.s.peek()?;
        if k == end {
            return Ok(false);
        }
        if !first {
            if k != K::FEntry {
                let close = if end == K::FSeqEnd { ']' } else { '}' };
                return Err(perr(
                    m,
                    start,
                    &format!("did not find expected ',' or '{close}'"),
                ));
            }
            self.s.bump()?;
        }
        Ok(self.s.kind()? != end)
    }

    /// After `?` or a simple key in flow context: the key, then `: value`.
    fn flow_pair(&mut self, b: &mut MapB, end: K) -> R<()> {
        let (k, km) = self.s.peek()?;
        let stop = [K::Val, K::FEntry, end];
        let key = if stop.contains(&k) {
            Some(Value::Null)
        } else {
            self.key(false)?
        };
        let v = self.value(&stop[1..], false)?;
        put(b, key, km, v)
    }

    fn flow_seq(&mut self) -> R<Value> {
        let start = self.s.next()?.m;
        let mut out = Vec::new();
        while self.flow_entry(out.is_empty(), K::FSeqEnd, start)? {
            if self.s.kind()? == K::Key {
                // `[a: b]` is a sequence holding the one-pair map {a: b}.
                self.s.bump()?;
                let mut b = MapB::default();
                self.flow_pair(&mut b, K::FSeqEnd)?;
                out.push(Value::Map(b.map));
            } else {
                out.push(self.node(false, false)?);
            }
        }
        self.s.bump()?;
        Ok(Value::Seq(out.into()))
    }

    fn flow_map(&mut self) -> R<Value> {
        let start = self.s.next()?.m;
        let mut b = MapB::default();
        let mut first = true;
        while self.flow_entry(first, K::FMapEnd, start)? {
            first = false;
            let (k, km) = self.s.peek()?;
            if k == K::Key {
                self.s.bump()?;
                self.flow_pair(&mut b, K::FMapEnd)?;
            } else {
                let key = self.key(false)?;
                put(&mut b, key, km, Value::Null)?;
            }
        }
        self.s.bump()?;
        Ok(Value::Map(b.map))
    }
}

/// Node count and depth of a value.
fn size(v: &Value) -> (usize, usize) {
    let kids: Box<dyn Iterator<Item = &Value>> = match v {
        Value::Seq(s) => Box::new(s.iter()),
        Value::Map(m) => Box::new(m.values()),
        _ => return (1, 1),
    };
    kids.map(size)
        .fold((1, 1), |(n, d), (kn, kd)| (n + kn, d.max(kd + 1)))
}

/// Adds an entry. A merge key (`key == None`) copies the keys of a map, or
/// of a list of maps (earlier ones win), overwriting what is there — yaml.v2
/// applies merges in document order.
fn put(b: &mut MapB, key: Option<Value>, km: Mark, v: Value) -> R<()> {
    let Some(key) = key else {
        let maps = match v {
            Value::Seq(s) => s.into_iter().rev().collect(),
            v => vec![v],
        };
        for m in maps {
            let Value::Map(m) = m else {
                let msg = "map merge requires map or sequence of maps as the value";
                return Err(YamlError::at(km, 0, msg.into()));
            };
            b.map.extend(m);
        }
        return Ok(());
    };
    let k = match key {
        Value::Str(s) => s.into(),
        Value::Null => "null".into(),
        Value::Bool(x) => x.to_string(),
        Value::Int(i) => i.to_string(),
        // sigs.k8s.io/yaml uses 32-bit precision here; 64 only differs
        // beyond 7 significant digits and saves linking f32 formatting.
        Value::Float(f) => fmt_go_g(f),
        _ => return Err(YamlError::at(km, km.line + 1, "invalid map key".into())),
    };
    if let Some(first) = b.lines.insert(k.clone(), km.line + 1) {
        let msg = format!("mapping key \"{k}\" already defined at line {first}");
        return Err(YamlError::at(km, km.line + 1, msg));
    }
    b.map.insert(k, v);
    Ok(())
}

/// Builds a scalar, honouring the core tags that change its type.
fn scalar(text: &str, plain: bool, tag: Option<&str>, m: Mark) -> R<Value> {
    let want = match tag.map(|t| t.strip_prefix("!!")) {
        None if plain => return Ok(resolve(text).0),
        Some(Some(t @ ("int" | "float" | "bool" | "null"))) => t,
        // Other `!!` tags change nothing; `!!str`, `!` and local tags make
        // yaml.v2 hand the text over as a string.
        Some(Some(t)) if t != "str" => return scalar(text, plain, None, m),
        _ => return Ok(Value::Str(text.into())),
    };
    let v = resolve(text).0;
    let have = match &v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        _ => "str",
    };
    match (want, v) {
        ("float", Value::Int(i)) => Ok(Value::Float(i as f64)),
        (w, v) if w == have => Ok(v),
        _ => Err(YamlError::at(
            m,
            0,
            format!("cannot decode !!{have} `{text}` as a !!{want}"),
        )),
    }
}

/// yaml.v2's implicit typing of a plain scalar. The flag says whether the
/// tag is `!!str` — timestamps decode to strings but are not `!!str`, which
/// is why the emitter must quote them.
fn resolve(s: &str) -> (Value, bool) {
    const TRUE: [&str; 11] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    ];
    const FALSE: [&str; 11] = [
        "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    ];
    const INF: [&str; 6] = [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"];
    let v = match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        _ if TRUE.contains(&s) => Value::Bool(true),
        _ if FALSE.contains(&s) => Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ if INF.contains(&s) => Value::Float(f64::INFINITY),
        _ if INF.contains(&s.replacen('-', "+", 1).as_str()) => Value::Float(f64::NEG_INFINITY),
        _ if s.starts_with('.') && is_float(s) => Value::Float(s.parse().unwrap_or(f64::NAN)),
        _ if s.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') => {
            if is_timestamp(s) {
                return (Value::Str(s.into()), false);
            }
            let p: String = s.chars().filter(|&c| c != '_').collect();
            match parse_int(&p) {
                Some(v) => v,
                None if is_float(&p) => Value::Float(p.parse().unwrap_or(f64::NAN)),
                None => return (Value::Str(s.into()), true),
            }
        }
        _ => return (Value::Str(s.into()), true),
    };
    (v, false)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then ParseUint (kept as a float).
fn parse_int(s: &str) -> Option<Value> {
    let (neg, r) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = |n| r.get(n..).unwrap_or_default();
    let (radix, d) = match r.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, rest(2)),
        [b'0', b'o' | b'O', ..] => (8, rest(2)),
        [b'0', b'b' | b'B', ..] => (2, rest(2)),
        [b'0', _, ..] => (8, rest(1)),
        _ => (10, r),
    };
    if d.is_empty() || !d.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let u = u128::from_str_radix(d, radix).ok()?;
    match (neg, i64::try_from(u)) {
        (false, Ok(i)) => Some(Value::Int(i)),
        (false, Err(_)) if u <= u64::MAX as u128 => Some(Value::Float(u as f64)),
        (true, _) if u <= 1 << 63 => Some(Value::Int((-(u as i128)) as i64)),
        _ => None,
    }
}

/// Reads `min..=max` ASCII digits at `*i` into a number no larger than `lim`.
fn digits(b: &[u8], i: &mut usize, min: usize, max: usize, lim: u32) -> Option<u32> {
    let (st, mut v) = (*i, 0u32);
    while *i - st < max && b.get(*i).is_some_and(u8::is_ascii_digit) {
        v = v
            .saturating_mul(10)
            .saturating_add(u32::from(b.get(*i).map_or(0, |d| d - b'0')));
        *i += 1;
    }
    (*i - st >= min && v <= lim).then_some(v)
}

/// Consumes byte `c` at `*i` if it is there.
fn lit(b: &[u8], i: &mut usize, c: u8) -> bool {
    let ok = b.get(*i) == Some(&c);
    *i += usize::from(ok);
    ok
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_float(s: &str) -> bool {
    let (b, i) = (s.as_bytes(), &mut 0);
    let _sign = lit(b, i, b'+') || lit(b, i, b'-');
    let any = |i: &mut usize, min| digits(b, i, min, usize::MAX, u32::MAX).is_some();
    let mantissa = if any(i, 1) {
        !lit(b, i, b'.') || any(i, 0)
    } else {
        lit(b, i, b'.') && any(i, 1)
    };
    if lit(b, i, b'e') || lit(b, i, b'E') {
        let _sign = lit(b, i, b'+') || lit(b, i, b'-');
        if !any(i, 1) {
            return false;
        }
    }
    mantissa && *i == b.len()
}

/// The timestamp layouts yaml.v2 recognises (`2006-1-2`, optionally with
/// `T15:4:5.999999999Z07:00`, lower-case `t`, or a space and no zone).
fn is_timestamp(s: &str) -> bool {
    let (b, i) = (s.as_bytes(), &mut 0);
    let (Some(y), true) = (digits(b, i, 4, 4, 9999), lit(b, i, b'-')) else {
        return false;
    };
    let (Some(mo @ 1..=12), true) = (digits(b, i, 1, 2, 12), lit(b, i, b'-')) else {
        return false;
    };
    let feb = if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
        29
    } else {
        28
    };
    let days = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let month_days = days.get(mo as usize - 1).copied().unwrap_or(31);
    if digits(b, i, 1, 2, month_days).is_none_or(|d| d == 0) {
        return false;
    }
    let sep = match b.get(*i) {
        None => return true,
        Some(&c @ (b'T' | b't' | b' ')) => c,
        _ => return false,
    };
    *i += 1;
    let two = |i: &mut usize, lim| digits(b, i, 1, 2, lim).is_some();
    if !(two(i, 23) && lit(b, i, b':') && two(i, 59) && lit(b, i, b':') && two(i, 59)) {
        return false;
    }
    if lit(b, i, b'.') && digits(b, i, 1, usize::MAX, u32::MAX).is_none() {
        return false;
    }
    let zone = sep == b' '
        || lit(b, i, b'Z')
        || ((lit(b, i, b'+') || lit(b, i, b'-'))
            && digits(b, i, 2, 2, 23).is_some()
            && lit(b, i, b':')
            && digits(b, i, 2, 2, 59).is_some());
    zone && *i == b.len()
}

/// yaml.v2 quotes YAML 1.1 sexagesimal numbers (`1:20`) on output:
/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digit_ = |c: &u8| c.is_ascii_digit() || *c == b'_';
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(digit_) {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        let Some(&d) = b.get(i + 1).filter(|c| c.is_ascii_digit()) else {
            return false;
        };
        i += if d <= b'5' && b.get(i + 2).is_some_and(u8::is_ascii_digit) {
            3
        } else {
            2
        };
        groups += 1;
    }
    if lit(b, &mut i, b'.') {
        while b.get(i).is_some_and(digit_) {
            i += 1;
        }
    }
    groups > 0 && i == b.len()
}

// ---------------------------------------------------------------- emitter

/// `kubectl get -o yaml` output for one document (newline-terminated; join
/// documents with `---\n`).
pub fn to_yaml(v: &Value) -> String {
    let mut e = Em {
        out: String::new(),
        indent: -1,
        col: 0,
        ws: true,
        ind: true,
    };
    e.node(v, false);
    e.write_indent();
    e.out
}

#[derive(Clone, Copy, PartialEq)]
enum St {
    Plain,
    Single,
    Double,
    Literal,
}

/// yaml.v2's emitter state that matters for block output.
struct Em {
    out: String,
    indent: i64,
    col: usize,
    /// The last thing written was whitespace.
    ws: bool,
    /// Only indentation has been written on this line.
    ind: bool,
}

impl Em {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.col += 1;
    }
    fn brk(&mut self) {
        self.out.push('\n');
        self.col = 0;
    }
    fn write_indent(&mut self) {
        let i = self.indent.max(0) as usize;
        if !self.ind || self.col > i || (self.col == i && !self.ws) {
            self.brk();
        }
        while self.col < i {
            self.put(' ');
        }
        (self.ws, self.ind) = (true, true);
    }
    fn indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_ind: bool) {
        if need_ws && !self.ws {
            self.put(' ');
        }
        s.chars().for_each(|c| self.put(c));
        self.ws = is_ws;
        self.ind &= is_ind;
    }

    fn node(&mut self, v: &Value, mapping: bool) {
        let old = self.indent;
        match v {
            Value::Map(m) if !m.is_empty() => {
                self.indent = if old < 0 { 0 } else { old + 2 };
                for (k, v) in sorted(m) {
                    self.write_indent();
                    // yaml.v2 writes keys over 128 bytes or with line breaks
                    // in the explicit `? key` form.
                    if k.len() <= 128 && !k.chars().any(is_break) {
                        self.string(k, true);
                        self.indicator(":", false, false, false);
                    } else {
                        self.indicator("?", true, false, true);
                        self.string(k, false);
                        self.write_indent();
                        self.indicator(":", true, false, true);
                    }
                    self.node(v, true);
                }
            }
            Value::Seq(s) if !s.is_empty() => {
                // Under a mapping key the `-` stays at the key's column.
                let indentless = mapping && !self.ind;
                self.indent = if old < 0 || indentless {
                    old.max(0)
                } else {
                    old + 2
                };
                for item in s {
                    self.write_indent();
                    self.indicator("-", true, false, true);
                    self.node(item, false);
                }
            }
            Value::Map(_) => self.indicator("{}", true, false, false),
            Value::Seq(_) => self.indicator("[]", true, false, false),
            Value::Str(s) => self.string(s, false),
            Value::Null => self.scalar("null", St::Plain, false),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, St::Plain, false),
            Value::Int(i) => self.scalar(&i.to_string(), St::Plain, false),
            Value::Float(f) => self.scalar(&fmt_yaml_float(*f), St::Plain, false),
        }
        self.indent = old;
    }

    fn string(&mut self, s: &str, simple_key: bool) {
        self.scalar(s, style(s, simple_key), simple_key)
    }

    /// Writes a scalar; keys never fold (`simple_key`).
    fn scalar(&mut self, s: &str, st: St, simple_key: bool) {
        let old = self.indent;
        self.indent = if old < 0 { 2 } else { old + 2 };
        let cs: Vec<char> = s.chars().collect();
        match st {
            St::Literal => self.literal(&cs),
            St::Double => self.double(&cs, !simple_key),
            _ => self.unescaped(&cs, !simple_key, st == St::Single),
        }
        self.indent = old;
    }

    /// Whether to fold at the space at `i`: past the width, after a
    /// non-space, and for quoted styles not at either end.
    fn fold_here(&self, cs: &[char], i: usize, spaces: bool, quoted: bool) -> bool {
        !spaces && self.col > WIDTH && (!quoted || (i > 0 && i + 1 < cs.len()))
    }

    /// Plain or single-quoted text (`''` escapes a quote); both fold only
    /// at a single space.
    fn unescaped(&mut self, cs: &[char], fold: bool, quoted: bool) {
        if quoted {
            self.indicator("'", true, false, false);
        } else if !self.ws {
            self.put(' ');
        }
        let mut spaces = false;
        for (i, &c) in cs.iter().enumerate() {
            if c == ' '
                && fold
                && self.fold_here(cs, i, spaces, quoted)
                && cs.get(i + 1) != Some(&' ')
            {
                self.write_indent();
            } else {
                if c == '\'' && quoted {
                    self.put('\'');
                }
                self.put(c);
            }
            spaces = c == ' ';
        }
        if quoted {
            self.indicator("'", false, false, false);
        }
        (self.ws, self.ind) = (false, false);
    }

    fn double(&mut self, cs: &[char], fold: bool) {
        self.indicator("\"", true, false, false);
        let mut spaces = false;
        for (i, &c) in cs.iter().enumerate() {
            if !printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match ESC_CHARS
                    .chars()
                    .position(|e| e == c)
                    .and_then(|p| ESC_KEYS.chars().nth(p))
                {
                    _ if c == '"' || c == '\\' => self.put(c),
                    Some(k) => self.put(k),
                    None => {
                        let (p, w) = match c as u32 {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(p);
                        format!("{:0w$X}", c as u32)
                            .chars()
                            .for_each(|h| self.put(h));
                    }
                }
            } else if c == ' ' && fold && self.fold_here(cs, i, spaces, true) {
                // A space right after the fold must be escaped to survive.
                self.write_indent();
                if cs.get(i + 1) == Some(&' ') {
                    self.put('\\');
                }
            } else {
                self.put(c);
            }
            spaces = c == ' ';
        }
        self.indicator("\"", false, false, false);
    }

    fn literal(&mut self, cs: &[char]) {
        self.indicator("|", true, false, false);
        if cs.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.indicator("2", false, false, false);
        }
        let chomp = match cs {
            [] => "-",
            [.., l] if !is_break(*l) => "-",
            [_] => "+",
            [.., p, _] if is_break(*p) => "+",
            _ => "",
        };
        self.indicator(chomp, false, false, false);
        self.brk();
        (self.ws, self.ind) = (true, true);
        let mut breaks = true;
        for &c in cs {
            if is_break(c) {
                self.brk();
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
            }
            breaks = is_break(c);
            self.ind = breaks;
        }
    }
}

/// yaml.v2's printable set (unicode output on): astral characters are not
/// in it and get `\U` escapes.
fn printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{feff}'
}

/// The scalar style yaml.v2 ends up with for a string: the encoder asks
/// for literal (multi-line), plain, or double-quoted (when the text would
/// read back as another type); the emitter's analysis then downgrades plain
/// to single-quoted and anything to double-quoted as needed.
fn style(s: &str, simple_key: bool) -> St {
    let a = analyze(s);
    let mut st = if s.contains('\n') {
        St::Literal
    } else if resolve(s).1 && !is_base60(s) && s != "<<" {
        // (yaml.v2 writes `<<` plain, which then reads back as a merge key.)
        St::Plain
    } else {
        St::Double
    };
    if simple_key && a.multiline {
        st = St::Double;
    }
    if st == St::Plain && (!a.plain || (s.is_empty() && simple_key)) {
        st = St::Single;
    }
    if (st == St::Single && !a.single) || (st == St::Literal && (!a.block || simple_key)) {
        st = St::Double;
    }
    st
}

struct Analysis {
    multiline: bool,
    plain: bool,
    single: bool,
    block: bool,
}

/// Port of yaml_emitter_analyze_scalar for block context. Differs only in
/// treating U+2028/9 as special (double-quoted) rather than as breaks.
fn analyze(s: &str) -> Analysis {
    let cs: Vec<char> = s.chars().collect();
    let mut ind = s.starts_with("---") || s.starts_with("...");
    let (mut lines, mut special, mut edge_blank) = (false, false, false);
    let (mut space_break, mut break_space) = (false, false);
    let (mut prev_space, mut prev_break, mut pre_ws) = (false, false, true);
    for (i, &c) in cs.iter().enumerate() {
        let next_ws = cs.get(i + 1).is_none_or(|&c| is_blank(c));
        ind |= match c {
            '?' | '-' => i == 0 && next_ws,
            ':' => next_ws,
            '#' => i == 0 || pre_ws,
            _ => i == 0 && one_of(c, b",[]{}&*!|>'\"%@`"),
        };
        special |= !printable(c) || matches!(c, '\u{2028}' | '\u{2029}');
        edge_blank |= (i == 0 || i + 1 == cs.len()) && (c == ' ' || is_break(c));
        lines |= is_break(c);
        break_space |= c == ' ' && prev_break;
        space_break |= is_break(c) && prev_space;
        (prev_space, prev_break, pre_ws) = (c == ' ', is_break(c), is_blankz(c));
    }
    let mut a = Analysis {
        multiline: lines,
        plain: !edge_blank,
        single: true,
        block: !s.ends_with(' '),
    };
    if break_space {
        (a.plain, a.single) = (false, false);
    }
    if space_break || special {
        (a.plain, a.single, a.block) = (false, false, false);
    }
    a.plain &= !lines && !ind;
    a
}

/// yaml.v2's "natural" key order (digit runs compare as numbers, non-letters
/// before letters), applied with a merge sort that tolerates its quirks.
fn sorted(m: &Map) -> Vec<(&str, &Value)> {
    fn msort<'a>(v: &mut [(&'a str, &'a Value)]) {
        if v.len() < 2 {
            return;
        }
        let mid = v.len() / 2;
        let (a, b) = v.split_at_mut(mid);
        msort(a);
        msort(b);
        let (mut out, mut i, mut j) = (Vec::with_capacity(a.len() + b.len()), 0, 0);
        while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
            if key_less(y.0, x.0) {
                out.push(*y);
                j += 1;
            } else {
                out.push(*x);
                i += 1;
            }
        }
        out.extend_from_slice(a.get(i..).unwrap_or_default());
        out.extend_from_slice(b.get(j..).unwrap_or_default());
        v.copy_from_slice(&out);
    }
    let mut v: Vec<_> = m.iter().collect();
    msort(&mut v);
    v
}

/// Port of yaml.v2's keyList.Less for string keys.
fn key_less(a: &str, b: &str) -> bool {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for (i, (&x, &y)) in ar.iter().zip(&br).enumerate() {
        if x == y {
            continue;
        }
        let (xl, yl) = (x.is_alphabetic(), y.is_alphabetic());
        if xl || yl {
            return if xl && yl { x < y } else { yl };
        }
        // Digit runs compare by value; yaml.v2 has a twist for runs that
        // continue a number with leading zeros.
        let mut n0 = 0i64;
        if x == '0' || y == '0' {
            let before = ar
                .get(..i)
                .unwrap_or_default()
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit());
            n0 = i64::from(before.copied().any(|c| c != '0'));
        }
        let run = |r: &[char]| {
            let ds = r
                .get(i..)
                .unwrap_or_default()
                .iter()
                .map_while(|c| c.to_digit(10));
            ds.fold((n0, i), |(n, k), d| {
                (n.wrapping_mul(10).wrapping_add(i64::from(d)), k + 1)
            })
        };
        let ((an, ai), (bn, bi)) = (run(&ar), run(&br));
        return if an != bn {
            an < bn
        } else if ai != bi {
            ai < bi
        } else {
            x < y
        };
    }
    ar.len() < br.len()
}
#[cfg(test)]
mod tests {
    use super::super::json;
    use super::*;

    fn y(src: &str) -> Value {
        parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
    }
    /// Tables are JSON: `[[input, expected], ...]`.
    fn table(src: &str) -> Vec<(Value, Value)> {
        let cases = json::parse(src).unwrap_or_else(|e| panic!("table: {e}"));
        let pair = |c: Value| c.as_seq().map(|p| (p[0].clone(), p[1].clone())).unwrap();
        cases.as_seq().unwrap().iter().cloned().map(pair).collect()
    }

    const DEPLOYMENT: &str = r#"# web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: "frontend"}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx:1.25   # pinned
          args: ["--port", '8080', '*']
          ports:
            - containerPort: 80
              protocol: TCP
          env:
          - name: MODE
            value: production
          - {name: DEBUG, value: "false"}
          resources:
            limits:
              cpu: 500m
              memory: 128Mi
            requests:
              cpu: "0.25"
              memory: 64Mi
"#;

    /// kubectl -o yaml of DEPLOYMENT, written by hand from yaml.v2's rules.
    const DEPLOYMENT_OUT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
    tier: frontend
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - args:
        - --port
        - "8080"
        - '*'
        env:
        - name: MODE
          value: production
        - name: DEBUG
          value: "false"
        image: nginx:1.25
        name: nginx
        ports:
        - containerPort: 80
          protocol: TCP
        resources:
          limits:
            cpu: 500m
            memory: 128Mi
          requests:
            cpu: "0.25"
            memory: 64Mi
"#;

    /// Already in kubectl's form: must come back byte for byte.
    const KUBECONFIG: &str = r#"apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:6443
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    namespace: default
    user: kind-kind
  name: kind-kind
current-context: kind-kind
kind: Config
preferences: {}
users:
- name: kind-kind
  user:
    client-certificate-data: LS0tLS1CRUdJTg==
    token: "12345"
"#;

    const CONFIGMAP: &str = r#"apiVersion: v1
data:
  game.properties: |
    enemies=aliens
    lives=3

    cheat.code="up up down"
  ui.properties: |-
    color.good=purple
    how.nice.to.look=fairlyNice
kind: ConfigMap
metadata:
  annotations:
    description: This ConfigMap holds the configuration for the frontend service and
      is managed by the platform team, do not edit by hand.
  name: game-config
  namespace: default
"#;

    const FLANNEL: &str = r#"---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
  labels:
    tier: node
    app: flannel
data:
  cni-conf.json: |
    {
      "name": "cbr0",
      "plugins": [
        {
          "type": "flannel",
          "delegate": {
            "hairpinMode": true
          }
        }
      ]
    }
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "Backend": {"Type": "vxlan"}
    }
"#;

    #[test]
    fn kubernetes_manifests() {
        let d = y(DEPLOYMENT);
        assert_eq!(to_yaml(&d), DEPLOYMENT_OUT);
        assert_eq!(y(DEPLOYMENT_OUT), d);
        let c = d
            .path(&["spec", "template", "spec", "containers", "0"])
            .unwrap();
        assert_eq!(
            c.path(&["ports", "0", "containerPort"]),
            Some(&Value::Int(80))
        );
        assert_eq!(c.path(&["args", "1"]).and_then(Value::as_str), Some("8080"));
        for doc in [KUBECONFIG, CONFIGMAP] {
            assert_eq!(to_yaml(&y(doc)), doc);
        }
        let game = y(CONFIGMAP).path(&["data", "game.properties"]).cloned();
        assert_eq!(
            game,
            Some("enemies=aliens\nlives=3\n\ncheat.code=\"up up down\"\n".into())
        );
        let flannel = y(FLANNEL);
        let cni = flannel
            .path(&["data", "cni-conf.json"])
            .and_then(Value::as_str)
            .unwrap();
        let cni = json::parse(cni).unwrap();
        assert_eq!(
            cni.path(&["plugins", "0", "delegate", "hairpinMode"]),
            Some(&true.into())
        );
        let out = to_yaml(&flannel);
        assert!(out.starts_with(
            "apiVersion: v1\ndata:\n  cni-conf.json: |\n    {\n      \"name\": \"cbr0\",\n"
        ));
        assert!(out.ends_with("  labels:\n    app: flannel\n    tier: node\n  name: kube-flannel-cfg\n  namespace: kube-flannel\n"));
    }

    #[test]
    fn multi_document_streams() {
        let src = format!(
            "---\n# svc\napiVersion: v1\nkind: Service\nspec:\n  ports:\n  - port: 80\n---\n# just a comment\n--- # c\n\n---\n{DEPLOYMENT}...\n"
        );
        let docs = parse_documents(&src).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].path(&["spec", "ports", "0", "port"]),
            Some(&Value::Int(80))
        );
        assert_eq!(docs[1], y(DEPLOYMENT));
        assert_eq!(parse_documents("").unwrap(), vec![]);
        assert_eq!(
            parse_documents("{\"kind\": \"List\"}").unwrap(),
            vec![Value::map().with("kind", "List")]
        );
        assert_eq!(
            y("a: 1\n---\nb: 2\n"),
            Value::map().with("a", 1),
            "parse() reads the first document"
        );
        // kubectl numbers error lines from the start of the failing document.
        let e = parse_documents("a: 1\n---\nb: 2\nc: d: e\n").unwrap_err();
        assert_eq!(
            (e.to_string().as_str(), e.line),
            (
                "yaml: line 2: mapping values are not allowed in this context",
                4
            )
        );
        let e = parse_documents("a: 1\n--- !tag\n").unwrap_err();
        assert_eq!(
            (e.to_string().as_str(), e.line),
            ("invalid Yaml document separator: !tag", 2)
        );
    }

    #[test]
    fn structure() {
        let cases = r##"[
 ["a:\n- b\n- c: d\n  e: f\n- - g\n  - h\n-\n", {"a": ["b", {"c": "d", "e": "f"}, ["g", "h"], null]}],
 ["a:\n  - b\n  -   c: 1\n      d: 2\n", {"a": ["b", {"c": 1, "d": 2}]}], ["- - - x\n", [[["x"]]]],
 ["a:\nb: \nc: ~\n", {"a": null, "b": null, "c": null}],
 ["a: [1, [2, 3], {b: c, d: [e]}, ]\n", {"a": [1, [2, 3], {"b": "c", "d": ["e"]}]}],
 ["a: {b: 1,\n  c: [x,\n z]\n  }\n", {"a": {"b": 1, "c": ["x", "z"]}}], ["[a: 1, b, {c}]", [{"a": 1}, "b", {"c": null}]],
 ["{\"a\":{\"b\":[true,null,1.5,\"x\\/y\"]},\n\t\"c\": \"\\ud83d\\ude00\"}", {"a": {"b": [true, null, 1.5, "x/y"]}, "c": "😀"}],
 ["a: 1 # c\nb: 'x # y' # z\n#full\nc: x#y\nd: \"#\"\n", {"a": 1, "b": "x # y", "c": "x#y", "d": "#"}],
 ["a: 1\r\nb:\r\n  - x\r\n  - |\r\n    l1\r\n    l2\r\n", {"a": 1, "b": ["x", "l1\nl2\n"]}],
 ["%YAML 1.1\n--- \nkey: url://x:1/y?z=w\n...\n", {"key": "url://x:1/y?z=w"}],
 ["? complex\n: value\n? |\n  multi\n: 2\n", {"complex": "value", "multi\n": 2}],
 ["80: http\nyes: why\n1.5: f\n~: x\n0x10: h\nn: y\n", {"80": "http", "true": "why", "1.5": "f", "null": "x", "16": "h", "false": true}],
 ["\ufeffa: b\n", {"a": "b"}], ["plain: multi\n  line\n\n  text\nnext: x\n", {"plain": "multi line\ntext", "next": "x"}],
 ["", null], ["# nothing\n", null], ["--- >\n  folded\n  text\n", "folded text\n"],
 ["base: &b {image: nginx, port: 80}\nx: &x {debug: true, port: 1}\nweb:\n  <<: *b\n  port: 8080\nboth:\n  <<: [*b, *x]\nl: [*b, &s str, *s]\nq: {'<<': 1}\n",
  {"base": {"image": "nginx", "port": 80}, "x": {"debug": true, "port": 1}, "web": {"image": "nginx", "port": 8080},
   "both": {"image": "nginx", "port": 80, "debug": true}, "l": [{"image": "nginx", "port": 80}, "str", "str"], "q": {"<<": 1}}]
]"##;
        for (src, want) in table(cases) {
            let src = src.as_str().unwrap();
            assert_eq!(y(src), want, "{src:?}");
        }
    }

    #[test]
    fn scalars() {
        let cases = r##"[
 ["~", null], ["null", null], ["Null", null], ["NULL", null], ["true", true], ["True", true], ["TRUE", true],
 ["yes", true], ["On", true], ["y", true], ["false", false], ["no", false], ["OFF", false], ["N", false],
 ["12", 12], ["-12", -12], ["+12", 12], ["0x1F", 31], ["0o17", 15], ["017", 15], ["0b101", 5], ["1_000", 1000],
 ["0", 0], ["-0x10", -16], ["9223372036854775807", 9223372036854775807], ["-9223372036854775808", -9223372036854775808],
 ["9223372036854775808", 9223372036854775808.0], ["08", 8.0], ["1.5", 1.5], ["1e3", 1000.0], ["-1.5E-3", -0.0015],
 [".5", 0.5], ["-.5", -0.5], ["1.", 1.0], ["2024-01-15", "2024-01-15"], ["2024-01-15T10:00:00Z", "2024-01-15T10:00:00Z"],
 ["1.2.3", "1.2.3"], ["0x", "0x"], ["1e", "1e"], ["12:30", "12:30"], ["<<", "<<"], ["yes please", "yes please"],
 ["'12'", "12"], ["\"true\"", "true"], ["'it''s'", "it's"], ["\"\\u00e9\\t\\x41\\U0001F600\\N\\_\\/\"", "é\tA😀\u0085\u00a0/"],
 ["\"a\n  b\n\n  c\"", "a b\nc"], ["\"a\\\n  b\"", "ab"], ["\"a\\\n  \\ b\"", "a b"], ["'x\n\n  y'", "x\ny"],
 ["!!str 12", "12"], ["!!int \"12\"", 12], ["!!float 1", 1.0], ["!custom 12", "12"], ["!!bool yes", true],
 ["! true", "true"], ["!<tag:yaml.org,2002:str> 1", "1"], ["!!str", ""], ["&a !!int 3", 3],
 ["|\n  x\n  y\n", "x\ny\n"], ["|-\n  x\n\n", "x"], ["|+\n  x\n\n", "x\n\n"], [">\n  x\n  y\n\n  z\n", "x y\nz\n"],
 [">-\n  x\n   y\n  z\n", "x\n y\nz"], ["|2\n    x\n  y\n", "  x\ny\n"], ["|1-\n  x\n", " x"], ["|\n\n  x\n", "\nx\n"]
]"##;
        for (src, want) in table(cases) {
            let src = src.as_str().unwrap();
            assert_eq!(
                y(&format!("v: {src}")).remove("v").unwrap_or_default(),
                want,
                "{src:?}"
            );
        }
        for inf in [".inf", "+.Inf", "-.INF"] {
            assert!(y(inf).as_f64().is_some_and(f64::is_infinite), "{inf}");
        }
        assert!(y(".nan").as_f64().is_some_and(f64::is_nan));
    }

    #[test]
    fn errors_match_yaml_v2() {
        let bomb = (1..6).fold("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n".to_string(), |s, i| {
            s + &format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*a{}", i - 1); 10].join(",")
            )
        });
        let cases = r##"[
 ["a: b: c\n", "yaml: mapping values are not allowed in this context"],
 ["a: 1\nb: c: d\n", "yaml: line 2: mapping values are not allowed in this context"],
 ["spec:\n  containers:\n  - name: x\n     image: y\n", "yaml: line 4: mapping values are not allowed in this context"],
 ["metadata:\n  name: x\n labels: {}\n", "yaml: line 2: did not find expected key"],
 ["a: b\n- c\n", "yaml: line 1: did not find expected key"],
 ["- a\nb: c\n", "yaml: line 1: did not find expected '-' indicator"],
 ["a:\n\tb: 1\n", "yaml: line 2: found character that cannot start any token"],
 ["a: 1\nb\nc: 2\n", "yaml: line 3: could not find expected ':'"], ["a: 1\nb", "yaml: line 3: could not find expected ':'"],
 ["key: - a\n", "yaml: block sequence entries are not allowed in this context"],
 ["a: \"x\n", "yaml: line 2: found unexpected end of stream"], ["a: 'x", "yaml: found unexpected end of stream"],
 ["a: [1, 2\n", "yaml: line 1: did not find expected ',' or ']'"],
 ["a: {b: 1\nc: 2}\n", "yaml: line 1: did not find expected ',' or '}'"],
 ["a: ]\n", "yaml: did not find expected node content"], ["a: \"\\q\"\n", "yaml: found unknown escape character"],
 ["a: |0\n", "yaml: found an indentation indicator equal to 0"],
 ["a: | x\n", "yaml: did not find expected comment or line break"],
 ["a: @x\n", "yaml: found character that cannot start any token"], ["a: *\n", "yaml: did not find expected alphabetic or numeric character"],
 ["a: 1\nb: 2\na: 3\n", "yaml: line 3: mapping key \"a\" already defined at line 1"],
 ["{a: 1, a: 2}", "yaml: line 1: mapping key \"a\" already defined at line 1"],
 ["a: *x\n", "yaml: unknown anchor 'x' referenced"], ["a: !!int abc\n", "yaml: cannot decode !!str `abc` as a !!int"],
 ["a:\n  <<: 1\n", "yaml: map merge requires map or sequence of maps as the value"],
 ["[a]: 1\n", "yaml: line 1: invalid map key"], ["a: \u0001\n", "yaml: control characters are not allowed"]
]"##;
        let mut cases = table(cases);
        cases.push((
            bomb.into(),
            "yaml: document contains excessive aliasing".into(),
        ));
        for (src, want) in cases {
            let src = src.as_str().unwrap();
            assert_eq!(
                parse(src).map_err(|e| e.to_string()).err().as_deref(),
                want.as_str(),
                "{src:?}"
            );
        }
        let e = parse("a: 1\nb: c: d\n").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (2, 5, "mapping values are not allowed in this context")
        );
        let chain: String = (1..300)
            .map(|i| format!("a{i}: &a{i} [*a{}]\n", i - 1))
            .collect();
        let chain = format!("a0: &a0 x\n{chain}");
        assert!(parse(&chain)
            .unwrap_err()
            .to_string()
            .contains("exceeded max depth of 256"));
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(parse(&deep)
            .unwrap_err()
            .to_string()
            .contains("exceeded max depth of 256"));
        assert!(parse(&"- ".repeat(300))
            .unwrap_err()
            .to_string()
            .contains("exceeded max depth"));
    }

    #[test]
    fn emits_like_kubectl() {
        // Strings reading back as other types get double quotes; indicator
        // characters single quotes; special characters escapes; multi-line
        // text literal blocks unless a line ends in a space or has a tab.
        let cases = r##"[
 [{"k": "80"}, "k: \"80\"\n"], [{"k": "true"}, "k: \"true\"\n"], [{"k": "yes"}, "k: \"yes\"\n"], [{"k": "y"}, "k: \"y\"\n"],
 [{"k": "null"}, "k: \"null\"\n"], [{"k": "~"}, "k: \"~\"\n"], [{"k": ""}, "k: \"\"\n"], [{"k": "1.5"}, "k: \"1.5\"\n"],
 [{"k": "0x1F"}, "k: \"0x1F\"\n"], [{"k": "1_000"}, "k: \"1_000\"\n"], [{"k": "12:30"}, "k: \"12:30\"\n"],
 [{"k": "2024-01-15T10:00:00Z"}, "k: \"2024-01-15T10:00:00Z\"\n"], [{"k": "2024-01-15"}, "k: \"2024-01-15\"\n"],
 [{"k": "2024-13-01"}, "k: 2024-13-01\n"], [{"<<": "<<"}, "\"<<\": \"<<\"\n"],
 [{"k": "*"}, "k: '*'\n"], [{"k": "&x"}, "k: '&x'\n"], [{"k": "- x"}, "k: '- x'\n"], [{"k": "-"}, "k: '-'\n"],
 [{"k": "?"}, "k: '?'\n"], [{"k": "a: b"}, "k: 'a: b'\n"], [{"k": "a #b"}, "k: 'a #b'\n"], [{"k": " lead"}, "k: ' lead'\n"],
 [{"k": "trail "}, "k: 'trail '\n"], [{"k": "'q"}, "k: '''q'\n"], [{"k": "@at"}, "k: '@at'\n"], [{"k": "{a}"}, "k: '{a}'\n"],
 [{"k": "---"}, "k: '---'\n"], [{"k": "-x"}, "k: -x\n"], [{"k": ":x"}, "k: :x\n"], [{"k": "a#b"}, "k: a#b\n"],
 [{"k": "it's"}, "k: it's\n"], [{"k": "say \"hi\""}, "k: say \"hi\"\n"], [{"k": "café"}, "k: café\n"],
 [{"k": "/usr/bin/env"}, "k: /usr/bin/env\n"], [{"k": "a\tb"}, "k: \"a\\tb\"\n"],
 [{"k": "emoji 😀"}, "k: \"emoji \\U0001F600\"\n"], [{"k": "bell\u0007\u007f"}, "k: \"bell\\a\\x7F\"\n"],
 [{"k": "a\nb"}, "k: |-\n  a\n  b\n"], [{"k": "a\nb\n"}, "k: |\n  a\n  b\n"], [{"k": "a\n\n"}, "k: |+\n  a\n\n"],
 [{"k": "  lead\nx"}, "k: |2-\n    lead\n  x\n"], [{"k": "\n"}, "k: |2+\n\n"], [{"k": ["a\nb"]}, "k:\n- |-\n  a\n  b\n"],
 [{"k": "trailing \nspace"}, "k: \"trailing \\nspace\"\n"], [{"k": "tab\there\n"}, "k: \"tab\\there\\n\"\n"],
 [{"80": 1, "": 2, "a b": 3, "- x": 4, "true": 5}, "\"\": 2\n'- x': 4\n\"80\": 1\na b: 3\n\"true\": 5\n"],
 [{"multi\nline": 1}, "? |-\n  multi\n  line\n: 1\n"],
 [{"a": [[1, 2], [], {}], "b": null, "c": true, "d": 1.5, "f": [{}], "g": {"h": {}}},
  "a:\n- - 1\n  - 2\n- []\n- {}\nb: null\nc: true\nd: 1.5\nf:\n- {}\ng:\n  h: {}\n"],
 [[{"a": 1, "b": [{"c": 2}]}, [["x"]]], "- a: 1\n  b:\n  - c: 2\n- - - x\n"],
 [{}, "{}\n"], [[], "[]\n"], ["x", "x\n"], [null, "null\n"], ["a\nb", "|-\n  a\n  b\n"],
 [{"n": [1234567.5, 0.00001, -3, 1e21]}, "\"n\":\n- 1.2345675e+06\n- 1e-05\n- -3\n- 1e+21\n"],
 [{"a10": 1, "a9": 1, "a_b": 1, "aB": 1, "a.b": 1, "b": 1, "A": 1}, "A: 1\na.b: 1\na_b: 1\na9: 1\na10: 1\naB: 1\nb: 1\n"],
 [{"msg": "Note: this is a very long message that contains a colon and therefore must be single quoted by the emitter."},
  "msg: 'Note: this is a very long message that contains a colon and therefore must be\n  single quoted by the emitter.'\n"],
 [{"msg": "Tab\tseparated values are always double quoted by the emitter, and long ones  fold like any other"},
  "msg: \"Tab\\tseparated values are always double quoted by the emitter, and long ones\n  \\ fold like any other\"\n"],
 [{"m": "a-single-word-is-never-folded-however-long-it-gets-because-folding-needs-a-space-to-break-at"},
  "m: a-single-word-is-never-folded-however-long-it-gets-because-folding-needs-a-space-to-break-at\n"]
]"##;
        let long_key = "k".repeat(130);
        let mut cases = table(cases);
        cases.push((
            Value::map().with(long_key.as_str(), 1),
            format!("? {long_key}\n: 1\n").into(),
        ));
        for (v, want) in cases {
            let out = to_yaml(&v);
            assert_eq!(out, want.as_str().unwrap(), "{v:?}");
            assert_eq!(y(&out), v, "round trip of {out:?}");
        }
    }

    /// xorshift64*: deterministic, dependency-free randomness for tests.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 8) as usize % n.max(1)
        }
    }

    fn random_string(r: &mut Rng) -> String {
        const PARTS: &[&str] = &[
            "a",
            "b",
            "x y",
            " ",
            "  ",
            "-",
            ":",
            ": ",
            "#",
            " #",
            "'",
            "\"",
            "\\",
            "\n",
            "\t",
            "*",
            "&",
            "!",
            "|",
            ">",
            "?",
            "[",
            "]",
            "{",
            "}",
            ",",
            "%",
            "@",
            "`",
            "true",
            "1",
            "0x1",
            "1.5",
            "~",
            "null",
            "é",
            "😀",
            "\r",
            "\u{85}",
            "\u{2028}",
            "\u{feff}",
            "---",
            "...",
            "2024-01-02",
            "<<",
            "lorem ipsum dolor sit",
        ];
        let long = r.below(8) == 0;
        (0..r.below(if long { 60 } else { 6 }))
            .map(|_| PARTS[r.below(PARTS.len())])
            .collect()
    }

    fn random_value(r: &mut Rng, depth: usize) -> Value {
        let items = |r: &mut Rng| 0..r.below(5);
        match r.below(if depth > 3 { 6 } else { 9 }) {
            0 => Value::Null,
            1 => Value::Bool(r.below(2) == 0),
            2 => Value::Int((r.below(usize::MAX) as i64).wrapping_mul(7_919) >> r.below(64)),
            3 => Value::Float((r.below(2_000_000) as f64 - 1e6) / 64.0 + 1.0 / 128.0),
            4 | 5 => Value::Str(random_string(r).into()),
            6 | 7 => Value::Map(
                items(r)
                    .map(|_| (random_string(r), random_value(r, depth + 1)))
                    .collect(),
            ),
            _ => Value::Seq(items(r).map(|_| random_value(r, depth + 1)).collect()),
        }
    }

    #[test]
    fn round_trips_random_values() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let v = random_value(&mut r, 0);
            let out = to_yaml(&v);
            assert_eq!(
                parse(&out).map_err(|e| e.to_string()),
                Ok(v.clone()),
                "{out}"
            );
            assert_eq!(json::parse(&json::to_json_pretty(&v)), Ok(v.clone()));
            assert_eq!(json::parse(&json::to_json_compact(&v)), Ok(v));
        }
    }

    #[test]
    fn fuzzed_input_never_panics() {
        let mut r = Rng(42);
        let seeds = [
            DEPLOYMENT,
            KUBECONFIG,
            CONFIGMAP,
            FLANNEL,
            "a: [1, {b: &x c}, *x]\n---\n- \"q\\u00e9\"\n- |+\n  t\n",
        ];
        const NOISE: &[u8] = b":-[]{}'\"|>&*!#\t\n ?,%@`\\0";
        for _ in 0..20_000 {
            let mut b = seeds[r.below(seeds.len())].as_bytes().to_vec();
            for _ in 0..1 + r.below(6) {
                let (at, noise) = (r.below(b.len() + 1), NOISE[r.below(NOISE.len())]);
                match r.below(4) {
                    0 => b.insert(at, noise),
                    1 => b.truncate(at),
                    _ if at < b.len() => b[at] = noise,
                    _ => {}
                }
            }
            let s = String::from_utf8_lossy(&b);
            if let Ok(docs) = parse_documents(&s) {
                docs.iter().for_each(|d| drop(to_yaml(d)));
            }
            let _ = (parse(&s), json::parse(&s));
        }
    }
}
