//! YAML syntax highlighting for the editor panel and the object viewer: splits text into
//! classed spans that the components render as text nodes inside `<span class>` (never HTML).
//!
//! Concatenating the spans always gives back the input exactly (a test checks it), so the
//! highlighted layer lines up with the `<textarea>` it sits under.
//!
//! ```
//! use kubesim::ui::yaml::{highlight, Tok};
//! let spans = highlight("replicas: 3 # three");
//! assert_eq!(spans[0], (Tok::Key, "replicas".to_string()));
//! ```

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Plain,
    Key,
    Punct,
    Str,
    /// Numbers, booleans, null.
    Scalar,
    Comment,
    /// `---`, `...`, anchors, tags.
    Meta,
}

impl Tok {
    pub fn class(self) -> &'static str {
        match self {
            Tok::Plain => "y-plain",
            Tok::Key => "y-key",
            Tok::Punct => "y-punct",
            Tok::Str => "y-str",
            Tok::Scalar => "y-scalar",
            Tok::Comment => "y-comment",
            Tok::Meta => "y-meta",
        }
    }
}

fn push(out: &mut Vec<(Tok, String)>, tok: Tok, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some((t, s)) if *t == tok => s.push_str(text),
        _ => out.push((tok, text.to_string())),
    }
}

/// Where a `#` starts a comment (outside quotes, at the start or after a space).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

fn is_scalar(v: &str) -> bool {
    matches!(
        v,
        "true" | "false" | "True" | "False" | "null" | "Null" | "~" | "yes" | "no"
    ) || v.parse::<f64>().is_ok()
}

fn value(out: &mut Vec<(Tok, String)>, v: &str) {
    let trimmed = v.trim();
    let lead = &v[..v.len() - v.trim_start().len()];
    let trail = &v[lead.len() + trimmed.len()..];
    push(out, Tok::Plain, lead);
    let tok = if trimmed.starts_with('"') || trimmed.starts_with('\'') {
        Tok::Str
    } else if matches!(trimmed, "|" | ">" | "|-" | ">-" | "|+" | ">+" | "{}" | "[]") {
        Tok::Punct
    } else if trimmed.starts_with('&') || trimmed.starts_with('*') || trimmed.starts_with('!') {
        Tok::Meta
    } else if is_scalar(trimmed) {
        Tok::Scalar
    } else {
        Tok::Str
    };
    push(out, tok, trimmed);
    push(out, Tok::Plain, trail);
}

fn line(out: &mut Vec<(Tok, String)>, l: &str) {
    let (code, comment) = match comment_start(l) {
        Some(i) => (&l[..i], &l[i..]),
        None => (l, ""),
    };
    if code.trim() == "---" || code.trim() == "..." {
        push(out, Tok::Meta, code);
    } else {
        let indent = code.len() - code.trim_start().len();
        push(out, Tok::Plain, &code[..indent]);
        let mut rest = &code[indent..];
        while let Some(r) = rest
            .strip_prefix("- ")
            .or(if rest == "-" { Some("") } else { None })
        {
            push(out, Tok::Punct, &rest[..rest.len() - r.len()]);
            rest = r;
        }
        // `key: value` (the colon must be followed by a space or end the line).
        let key_end = rest
            .char_indices()
            .find(|&(i, c)| c == ':' && rest[i + 1..].chars().next().is_none_or(|n| n == ' '))
            .map(|(i, _)| i)
            .filter(|&i| !rest[..i].starts_with('"') || rest[..i].ends_with('"'))
            .filter(|&i| !rest[..i].contains(" #"));
        match key_end {
            Some(i) => {
                push(out, Tok::Key, &rest[..i]);
                push(out, Tok::Punct, ":");
                value(out, &rest[i + 1..]);
            }
            None => value(out, rest),
        }
    }
    push(out, Tok::Comment, comment);
}

/// Highlights a whole text; newlines are kept inside `Plain` spans.
pub fn highlight(text: &str) -> Vec<(Tok, String)> {
    let mut out = Vec::new();
    for (i, l) in text.split('\n').enumerate() {
        if i > 0 {
            push(&mut out, Tok::Plain, "\n");
        }
        line(&mut out, l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<(Tok, &str)> {
        // Leak-free view for comparisons.
        highlight(text)
            .into_iter()
            .map(|(t, s)| (t, Box::leak(s.into_boxed_str()) as &str))
            .collect()
    }

    #[test]
    fn keys_values_lists_and_comments() {
        use Tok::*;
        assert_eq!(
            toks("  replicas: 3 # three"),
            vec![
                (Plain, "  "),
                (Key, "replicas"),
                (Punct, ":"),
                (Plain, " "),
                (Scalar, "3"),
                (Plain, " "),
                (Comment, "# three")
            ]
        );
        assert_eq!(
            toks("- name: web"),
            vec![
                (Punct, "- "),
                (Key, "name"),
                (Punct, ":"),
                (Plain, " "),
                (Str, "web")
            ]
        );
        assert_eq!(toks("---"), vec![(Meta, "---")]);
        assert_eq!(
            toks("image: \"nginx:1.27\""),
            vec![
                (Key, "image"),
                (Punct, ":"),
                (Plain, " "),
                (Str, "\"nginx:1.27\"")
            ]
        );
        assert_eq!(toks("url: http://x#y")[3], (Str, "http://x#y"));
        assert_eq!(toks("data: |")[3], (Punct, "|"));
        assert_eq!(toks("ok: true")[3], (Scalar, "true"));
    }

    #[test]
    fn spans_concatenate_to_the_input() {
        for text in [
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web # the name\n  labels: {}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    args: [\"a\", 'b']\n---\n",
            "",
            "\n\n",
            "-\n- - x\n  weird:: : line\n\t# tab comment",
            "ünïcode: ça marche # été",
        ] {
            let joined: String = highlight(text).into_iter().map(|(_, s)| s).collect();
            assert_eq!(joined, text);
        }
    }
}
