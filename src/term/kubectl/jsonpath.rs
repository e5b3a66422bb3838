//! kubectl's JSONPath templates (`-o jsonpath=`, `--sort-by`, `custom-columns`):
//! `{.items[*].metadata.name}`, `{.spec.containers[0].image}`, `{..image}`,
//! `{.status.conditions[?(@.type=="Ready")].status}`, `{range .items[*]}{.metadata.name}{"\n"}{end}`.
//! Missing keys print nothing (kubectl's get allows missing keys).
//!
//! ```
//! use kubesim::term::kubectl::jsonpath::render;
//! use kubesim::sim::Value;
//! let mut pod = Value::map();
//! pod.path_mut_or_insert(&["metadata"]).set("name", "web");
//! assert_eq!(render("name={.metadata.name}", &pod).unwrap(), "name=web");
//! ```

use super::select::scalar_string;
use crate::sim::value::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    /// `..name`
    Recursive(String),
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    All,
    Filter(Vec<Step>, String, Option<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Expr(Vec<Vec<Step>>),
    Range(Vec<Step>, Vec<Node>),
}

/// Renders a template against `root`.
pub fn render(template: &str, root: &Value) -> Result<String, String> {
    let nodes = parse(template)?;
    let mut out = String::new();
    exec(&nodes, root, &mut out);
    Ok(out)
}

/// Evaluates one expression (`.metadata.name` or `{.metadata.name}`) to its values.
pub fn eval(expr: &str, root: &Value) -> Result<Vec<Value>, String> {
    let e = expr.trim();
    let e = e
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(e);
    let steps = parse_path(e)?;
    Ok(apply(&steps, root))
}

/// Text of a value as jsonpath prints it.
pub fn show(v: &Value) -> String {
    match v {
        Value::Map(_) | Value::Seq(_) => super::codec::to_json_compact(v),
        other => scalar_string(other),
    }
}

fn parse(t: &str) -> Result<Vec<Node>, String> {
    let mut stack: Vec<(Vec<Step>, Vec<Node>)> = Vec::new();
    let mut cur: Vec<Node> = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            cur.push(Node::Text(rest.to_string()));
            break;
        };
        if open > 0 {
            cur.push(Node::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = find_close(after).ok_or_else(|| "unclosed action".to_string())?;
        let inner = after[..close].trim();
        rest = &after[close + 1..];
        if let Some(r) = inner.strip_prefix("range ") {
            stack.push((parse_path(r.trim())?, std::mem::take(&mut cur)));
        } else if inner == "end" {
            let (steps, parent) = stack
                .pop()
                .ok_or_else(|| "not in range, nothing to end".to_string())?;
            let body = std::mem::replace(&mut cur, parent);
            cur.push(Node::Range(steps, body));
        } else if let Some(lit) = string_literal(inner) {
            cur.push(Node::Text(lit));
        } else {
            let mut alts = Vec::new();
            for alt in inner.split(',') {
                alts.push(parse_path(alt.trim())?);
            }
            cur.push(Node::Expr(alts));
        }
    }
    if !stack.is_empty() {
        return Err("unclosed range".to_string());
    }
    Ok(cur)
}

fn find_close(s: &str) -> Option<usize> {
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '}' if !in_str => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

fn string_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    Some(
        inner
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace("\\\"", "\""),
    )
}

fn parse_path(p: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    if chars.first() == Some(&'$') {
        i = 1;
    }
    if chars.get(i) == Some(&'@') {
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            '.' => {
                if chars.get(i + 1) == Some(&'.') {
                    i += 2;
                    let start = i;
                    while i < chars.len() && !matches!(chars[i], '.' | '[') {
                        i += 1;
                    }
                    steps.push(Step::Recursive(chars[start..i].iter().collect()));
                    continue;
                }
                i += 1;
                // `\.` is a literal dot inside a key (`kubectl\.kubernetes\.io/...`).
                let mut name = String::new();
                while i < chars.len() && !matches!(chars[i], '.' | '[') {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    name.push(chars[i]);
                    i += 1;
                }
                if name == "*" {
                    steps.push(Step::All);
                } else if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let start = i + 1;
                let mut depth = 0;
                let mut j = start;
                while j < chars.len() {
                    match chars[j] {
                        '[' | '(' => depth += 1,
                        ')' => depth -= 1,
                        ']' if depth == 0 => break,
                        ']' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(format!("unterminated array in {p}"));
                }
                let inner: String = chars[start..j].iter().collect();
                i = j + 1;
                steps.push(parse_bracket(inner.trim())?);
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[') {
                    i += 1;
                }
                steps.push(Step::Field(chars[start..i].iter().collect()));
            }
            ' ' => i += 1,
            c => {
                return Err(format!(
                    "unrecognized character in action: U+{:04X} '{c}'",
                    c as u32
                ))
            }
        }
    }
    Ok(steps)
}

fn parse_bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::All);
    }
    if let Some(f) = inner.strip_prefix("?(").and_then(|x| x.strip_suffix(')')) {
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if let Some((l, r)) = f.split_once(op) {
                let lhs = parse_path(l.trim())?;
                let r = r.trim();
                let r = r
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .or_else(|| r.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                    .unwrap_or(r);
                return Ok(Step::Filter(lhs, op.to_string(), Some(r.to_string())));
            }
        }
        return Ok(Step::Filter(parse_path(f.trim())?, String::new(), None));
    }
    if let Some(q) = inner
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
    {
        return Ok(Step::Field(q.to_string()));
    }
    if let Some((a, b)) = inner.split_once(':') {
        let num = |s: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("invalid array index {s}"))
            }
        };
        let b = b.split(':').next().unwrap_or("");
        return Ok(Step::Slice(num(a)?, num(b)?));
    }
    inner
        .parse::<i64>()
        .map(Step::Index)
        .map_err(|_| format!("invalid array index {inner}"))
}

fn apply(steps: &[Step], root: &Value) -> Vec<Value> {
    let mut cur = vec![root.clone()];
    for step in steps {
        let mut next = Vec::new();
        for v in &cur {
            match step {
                Step::Field(name) => {
                    if let Some(x) = v.get(name) {
                        next.push(x.clone());
                    }
                }
                Step::Recursive(name) => collect_recursive(v, name, &mut next),
                Step::All => match v {
                    Value::Seq(items) => next.extend(items.iter().cloned()),
                    Value::Map(m) => next.extend(m.values().cloned()),
                    _ => {}
                },
                Step::Index(i) => {
                    if let Some(items) = v.as_seq() {
                        let len = items.len() as i64;
                        let idx = if *i < 0 { len + i } else { *i };
                        if (0..len).contains(&idx) {
                            next.push(items[idx as usize].clone());
                        }
                    }
                }
                Step::Slice(a, b) => {
                    if let Some(items) = v.as_seq() {
                        let len = items.len() as i64;
                        let fix = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                        let a = fix(a.unwrap_or(0));
                        let b = fix(b.unwrap_or(len));
                        if a < b {
                            next.extend(items[a as usize..b as usize].iter().cloned());
                        }
                    }
                }
                Step::Filter(lhs, op, rhs) => {
                    let items: Vec<Value> = match v {
                        Value::Seq(items) => items.to_vec(),
                        other => vec![other.clone()],
                    };
                    for item in items {
                        let got = apply(lhs, &item);
                        let keep = match rhs {
                            None => !got.is_empty(),
                            Some(want) => got.iter().any(|g| compare(&show(g), op, want)),
                        };
                        if keep {
                            next.push(item);
                        }
                    }
                }
            }
        }
        cur = next;
    }
    cur
}

fn compare(got: &str, op: &str, want: &str) -> bool {
    let nums = got.parse::<f64>().ok().zip(want.parse::<f64>().ok());
    match (op, nums) {
        ("==", _) => got == want,
        ("!=", _) => got != want,
        ("<", Some((a, b))) => a < b,
        (">", Some((a, b))) => a > b,
        ("<=", Some((a, b))) => a <= b,
        (">=", Some((a, b))) => a >= b,
        _ => false,
    }
}

fn collect_recursive(v: &Value, name: &str, out: &mut Vec<Value>) {
    match v {
        Value::Map(m) => {
            if let Some(x) = m.get(name) {
                out.push(x.clone());
            }
            for x in m.values() {
                collect_recursive(x, name, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|x| collect_recursive(x, name, out)),
        _ => {}
    }
}

fn exec(nodes: &[Node], v: &Value, out: &mut String) {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Expr(alts) => {
                let vals: Vec<String> = alts
                    .iter()
                    .flat_map(|steps| apply(steps, v))
                    .map(|x| show(&x))
                    .collect();
                out.push_str(&vals.join(" "));
            }
            Node::Range(steps, body) => {
                for item in apply(steps, v) {
                    exec(body, &item, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Value {
        let mut items = Vec::new();
        for (name, ready) in [("a", "True"), ("b", "False")] {
            let mut p = Value::map();
            p.path_mut_or_insert(&["metadata"]).set("name", name);
            let mut cond = Value::map();
            cond.set("type", "Ready");
            cond.set("status", ready);
            p.path_mut_or_insert(&["status"])
                .set("conditions", Value::Seq(vec![cond].into()));
            p.path_mut_or_insert(&["spec"]).set("replicas", 3i64);
            items.push(p);
        }
        let mut l = Value::map();
        l.set("items", Value::Seq(items.into()));
        l
    }

    #[test]
    fn expressions_ranges_and_filters() {
        let l = list();
        for (t, want) in [
            ("{.items[*].metadata.name}", "a b"),
            ("{.items[0].metadata.name}", "a"),
            ("{.items[-1].metadata.name}", "b"),
            ("{.items[0:1].metadata.name}", "a"),
            ("{..name}", "a b"),
            ("{range .items[*]}{.metadata.name}{\"\\n\"}{end}", "a\nb\n"),
            (
                "{.items[?(@.status.conditions[0].status==\"True\")].metadata.name}",
                "a",
            ),
            ("{.items[0].spec}", "{\"replicas\":3}"),
            ("{.items[0].nope}", ""),
            ("x{.items[1].spec.replicas}y", "x3y"),
        ] {
            assert_eq!(render(t, &l).unwrap(), want, "{t}");
        }
        assert!(render("{.items[", &l).is_err());
        let mut a = Value::map();
        a.path_mut_or_insert(&["metadata", "annotations"])
            .set("a.b/c", "x");
        assert_eq!(render("{.metadata.annotations.a\\.b/c}", &a).unwrap(), "x");
        assert!(render("{range .items[*]}", &l).is_err());
        assert_eq!(
            eval(".items[1].metadata.name", &l).unwrap(),
            vec![Value::from("b")]
        );
    }
}
