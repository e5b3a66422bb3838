//! JSON in and out, matching Go's encoding/json where kubectl shows it.
//!
//! * [`parse`] — strict RFC 8259 parsing with Go's error texts (`invalid
//!   character 'x' looking for beginning of value`, `unexpected end of JSON
//!   input`). Integers that fit `i64` stay ints (kubectl decodes with
//!   `UseNumber`); duplicate keys keep the last value, as Go does.
//! * [`to_json_pretty`] — `kubectl -o json`: `json.MarshalIndent(obj, "",
//!   "    ")` plus kubectl's trailing newline.
//! * [`to_json_compact`] — `json.Marshal`, e.g. for jsonpath output or the
//!   last-applied-configuration annotation (which kubectl ends with `\n`;
//!   add it yourself there).
//!
//! Both writers escape like Go: `<`, `>`, `&`, U+2028/9 as `\u....`.

use super::{fmt_json_float, Map, Value};

/// A syntax error; `Display` is Go's message, positions are 1-based and
/// `offset` is Go's `SyntaxError.Offset` (bytes read, bad byte included),
/// which kubectl prints as `json: offset N: ...`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub message: String,
}

const MAX_DEPTH: usize = 256;

/// Parses one JSON value (surrounding whitespace allowed).
pub fn parse(src: &str) -> Result<Value, JsonError> {
    let mut p = Parser {
        s: src,
        b: src.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.bad("after top-level value"));
    }
    Ok(v)
}

/// `kubectl -o json` output (4-space indent, trailing newline).
pub fn to_json_pretty(v: &Value) -> String {
    let mut s = String::new();
    write(&mut s, v, Some(0));
    s.push('\n');
    s
}

/// Go `json.Marshal` output: no whitespace, no trailing newline.
pub fn to_json_compact(v: &Value) -> String {
    let mut s = String::new();
    write(&mut s, v, None);
    s
}

fn write(out: &mut String, v: &Value, level: Option<usize>) {
    let nl = |out: &mut String, l: Option<usize>| {
        if let Some(l) = l {
            out.push('\n');
            out.extend(std::iter::repeat_n("    ", l));
        }
    };
    let inner = level.map(|l| l + 1);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&fmt_json_float(*f)),
        Value::Str(s) => quote(out, s),
        Value::Seq(s) if s.is_empty() => out.push_str("[]"),
        Value::Map(m) if m.is_empty() => out.push_str("{}"),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, inner);
                write(out, item, inner);
            }
            nl(out, level);
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, inner);
                quote(out, k);
                out.push_str(if level.is_some() { ": " } else { ":" });
                write(out, item, inner);
            }
            nl(out, level);
            out.push('}');
        }
    }
}

/// Go's encodeState.string with HTML escaping on (both Marshal and
/// MarshalIndent use it); `\b` and `\f` short forms are Go 1.22+.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if c < ' ' || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn err(&self, at: usize, message: String) -> JsonError {
        // `at` is a char boundary: scanning stops only at ASCII bytes or at
        // the first byte of a value.
        let before = self.s.get(..at).unwrap_or_default();
        let line = before.bytes().filter(|&c| c == b'\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        JsonError {
            line,
            column,
            offset: (at + 1).min(self.b.len()),
            message,
        }
    }

    /// `invalid character 'x' <context>` at the current byte, or the
    /// end-of-input error when there is none.
    fn bad(&self, context: &str) -> JsonError {
        match self.peek() {
            None => self.err(self.i, "unexpected end of JSON input".into()),
            Some(c) => self.err(
                self.i,
                format!("invalid character {} {context}", quote_char(c)),
            ),
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{' | b'[') => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err(self.i, format!("exceeded max depth of {MAX_DEPTH}")));
                }
                let v = if self.peek() == Some(b'{') {
                    self.object()
                } else {
                    self.array()
                };
                self.depth -= 1;
                v
            }
            Some(b'"') => self.string().map(Value::from),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.bad("looking for beginning of value")),
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.i += 1;
        let mut m = Map::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Map(m));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.bad("looking for beginning of object key string"));
            }
            let k = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.bad("after object key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            m.insert(k, v);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(m));
                }
                _ => return Err(self.bad("after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.i += 1;
        let mut out = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Seq(out.into()));
        }
        loop {
            out.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Seq(out.into()));
                }
                _ => return Err(self.bad("after array element")),
            }
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, JsonError> {
        for want in word.bytes() {
            if self.peek() != Some(want) {
                let ctx = format!("in literal {word} (expecting {})", quote_char(want));
                return Err(self.bad(&ctx));
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.bad("in numeric literal")),
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.bad("after decimal point in numeric literal"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.bad("in exponent of numeric literal"));
            }
        }
        let text = self.s.get(start..self.i).unwrap_or_default();
        match text.parse::<i64>() {
            Ok(i) if !float => Ok(Value::Int(i)),
            _ => Ok(Value::Float(text.parse().unwrap_or(f64::NAN))),
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0;
        for _ in 0..4 {
            match self.peek().and_then(|c| (c as char).to_digit(16)) {
                Some(d) => v = v * 16 + d,
                None => return Err(self.bad("in \\u hexadecimal character escape")),
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut s = String::new();
        loop {
            let start = self.i;
            while self
                .peek()
                .is_some_and(|c| c != b'"' && c != b'\\' && c >= b' ')
            {
                self.i += 1;
            }
            // Only ASCII bytes stop the scan, so this is a char boundary.
            s.push_str(self.s.get(start..self.i).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(s);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.peek() {
                        Some(c @ (b'"' | b'\\' | b'/')) => c as char,
                        Some(b'b') => '\x08',
                        Some(b'f') => '\x0c',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            s.push(self.surrogate(hi)?);
                            continue;
                        }
                        _ => return Err(self.bad("in string escape code")),
                    };
                    s.push(c);
                    self.i += 1;
                }
                _ => return Err(self.bad("in string literal")),
            }
        }
    }

    /// Joins a UTF-16 surrogate pair; lone surrogates become U+FFFD like Go.
    fn surrogate(&mut self, hi: u32) -> Result<char, JsonError> {
        if (0xD800..0xDC00).contains(&hi) && self.b.get(self.i..self.i + 2) == Some(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }
}

/// Go's quoteChar: the offending byte in single quotes, escaped like
/// strconv.Quote would (bytes ≥ 0x80 show as their Latin-1 rune, as in Go).
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        b'\\' => "'\\\\'".into(),
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        0x07 => "'\\a'".into(),
        0x08 => "'\\b'".into(),
        0x0b => "'\\v'".into(),
        0x0c => "'\\f'".into(),
        0..0x20 | 0x7f => format!("'\\x{c:02x}'"),
        0x80..0xa0 => format!("'\\u{c:04x}'"),
        _ => format!("'{}'", c as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values() {
        let v = parse(
            " {\"a\": [1, -2.5, 1e3, true, false, null, \"x\\u00e9\\n\\ud83d\\ude00\"],\n \"b\": {}, \"big\": 9223372036854775808, \"a\": 0} ",
        )
        .unwrap();
        assert_eq!(v.get("a"), Some(&Value::Int(0)), "last duplicate wins");
        assert_eq!(v.get("big"), Some(&Value::Float(9223372036854775808.0)));
        let v =
            parse(r#"[1, -2.5, 1e3, true, null, "x\u00e9\n\ud83d\ude00\ud800", {}, []]"#).unwrap();
        let want: Vec<Value> = vec![
            1.into(),
            (-2.5).into(),
            1000.0.into(),
            true.into(),
            Value::Null,
            "xé\n😀\u{fffd}".into(),
            Value::map(),
            Value::Seq(vec![].into()),
        ];
        assert_eq!(v, Value::Seq(want.into()));
    }

    #[test]
    fn go_error_messages() {
        let cases = [
            ("", "unexpected end of JSON input", 1, 1),
            ("{\"a\": 1", "unexpected end of JSON input", 1, 8),
            (
                "x",
                "invalid character 'x' looking for beginning of value",
                1,
                1,
            ),
            ("{\"a\" 1}", "invalid character '1' after object key", 1, 6),
            (
                "{\"a\": 1 \"b\"}",
                "invalid character '\"' after object key:value pair",
                1,
                9,
            ),
            ("[1 2]", "invalid character '2' after array element", 1, 4),
            (
                "[1,]",
                "invalid character ']' looking for beginning of value",
                1,
                4,
            ),
            (
                "{,}",
                "invalid character ',' looking for beginning of object key string",
                1,
                2,
            ),
            ("{}\n}", "invalid character '}' after top-level value", 2, 1),
            ("tru", "unexpected end of JSON input", 1, 4),
            (
                "trux",
                "invalid character 'x' in literal true (expecting 'e')",
                1,
                4,
            ),
            ("-x", "invalid character 'x' in numeric literal", 1, 2),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
                1,
                3,
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
                1,
                3,
            ),
            ("01", "invalid character '1' after top-level value", 1, 2),
            (
                "\"a\nb\"",
                "invalid character '\\n' in string literal",
                1,
                3,
            ),
            (
                "\"\\q\"",
                "invalid character 'q' in string escape code",
                1,
                3,
            ),
            (
                "\"\\u12x4\"",
                "invalid character 'x' in \\u hexadecimal character escape",
                1,
                6,
            ),
            (
                "\"é\" é",
                "invalid character 'Ã' after top-level value",
                1,
                5,
            ),
        ];
        for (src, msg, line, col) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(
                (e.to_string().as_str(), e.line, e.column),
                (msg, line, col),
                "{src:?}"
            );
        }
        let deep = "[".repeat(300);
        assert!(parse(&deep).unwrap_err().message.contains("max depth"));
    }

    #[test]
    fn kubectl_output() {
        let obj = super::super::yaml::parse(
            "kind: ConfigMap\nmetadata:\n  name: x\n  labels: {}\n  finalizers: []\ndata:\n  html: \"<b>&</b>\\u2028\"\n  ctl: \"\\t\\b\\f\\x01\"\nnums: [1, 0.5, 1e21, 1e-7]\n",
        )
        .unwrap();
        let pretty = r#"{
    "data": {
        "ctl": "\t\b\f\u0001",
        "html": "\u003cb\u003e\u0026\u003c/b\u003e\u2028"
    },
    "kind": "ConfigMap",
    "metadata": {
        "finalizers": [],
        "labels": {},
        "name": "x"
    },
    "nums": [
        1,
        0.5,
        1e+21,
        1e-7
    ]
}
"#;
        assert_eq!(to_json_pretty(&obj), pretty);
        assert_eq!(parse(pretty).unwrap(), obj);
        assert_eq!(
            to_json_compact(&obj),
            r#"{"data":{"ctl":"\t\b\f\u0001","html":"\u003cb\u003e\u0026\u003c/b\u003e\u2028"},"kind":"ConfigMap","metadata":{"finalizers":[],"labels":{},"name":"x"},"nums":[1,0.5,1e+21,1e-7]}"#
        );
        assert_eq!(to_json_pretty(&Value::Null), "null\n");
    }
}
