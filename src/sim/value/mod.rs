//! Dynamic document values: the tree every manifest, API object and
//! kubeconfig lives in, plus the YAML and JSON codecs kubectl-compatible
//! input and output go through.
//!
//! * [`Value`] / [`Map`] — the tree. Maps are `BTreeMap`s on purpose: kubectl
//!   prints objects through `map[string]interface{}`, so sorted keys are what
//!   real output looks like.
//! * [`yaml`] — yaml.v2-faithful parsing (`parse`, `parse_documents`, with
//!   kubectl's error texts) and the `-o yaml` emitter (`to_yaml`).
//! * [`json`] — `parse`, `to_json_pretty` (`-o json`), `to_json_compact`.
//!
//! Start at `yaml::parse_documents` for `kubectl apply -f`, read with
//! [`Value::get`]/[`Value::path`], edit with [`Value::set`],
//! [`Value::path_mut_or_insert`] or [`Value::merge_patch`], and print with
//! `yaml::to_yaml` / `json::to_json_pretty`.
//!
//! ```ignore
//! let docs = yaml::parse_documents("kind: Pod\nmetadata:\n  name: web\n")?;
//! let mut pod = docs.into_iter().next().unwrap_or_default();
//! pod.path_mut_or_insert(&["metadata", "labels"]).set("app", "web");
//! assert_eq!(pod.path(&["metadata", "name"]).and_then(Value::as_str), Some("web"));
//! print!("{}", yaml::to_yaml(&pod)); // kind: Pod\nmetadata:\n  labels:\n    app: web\n  name: web\n
//! ```

pub mod json;
pub mod yaml;

/// A mapping; keys are always strings (YAML keys like `80:` become `"80"`).
mod map;
pub use map::Map;
mod text;
pub use text::Str;

/// One JSON/YAML node.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Str),
    Seq(Vec<Value>),
    Map(Map),
}

// Every map entry holds a `Value`: it stays four words (32 bytes, 16 in wasm32) whatever
// the variants become.
const _: () = assert!(std::mem::size_of::<Value>() <= 4 * std::mem::size_of::<usize>());

impl Value {
    /// An empty map.
    pub fn map() -> Value {
        Value::Map(Map::new())
    }

    /// Map lookup; `None` for missing keys and non-maps.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map()?.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_map_mut()?.get_mut(key)
    }

    /// Walks map keys; a numeric segment also indexes into a sequence
    /// (`&["spec", "containers", "0", "image"]`).
    pub fn path(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(self, |v, k| match v {
            Value::Map(m) => m.get(*k),
            Value::Seq(s) => s.get(k.parse::<usize>().ok()?),
            _ => None,
        })
    }

    /// Mutable [`Value::path`].
    pub fn path_mut(&mut self, path: &[&str]) -> Option<&mut Value> {
        path.iter().try_fold(self, |v, k| match v {
            Value::Map(m) => m.get_mut(*k),
            Value::Seq(s) => s.get_mut(k.parse::<usize>().ok()?),
            _ => None,
        })
    }

    /// Like [`Value::path`] but creates missing maps on the way; anything that
    /// is not a map and stands in the way is replaced by one. The final node
    /// is created as `Null` when missing.
    pub fn path_mut_or_insert(&mut self, path: &[&str]) -> &mut Value {
        path.iter()
            .fold(self, |v, k| v.force_map().entry_str(k).or_default())
    }

    /// Inserts into a map, turning `Null` (or any non-map) into a map first.
    pub fn set(&mut self, key: &str, v: impl Into<Value>) {
        self.force_map().insert_str(key, v.into());
    }

    /// Builder form of [`Value::set`]: `Value::map().with("a", 1).with("b", "x")`.
    pub fn with(mut self, key: &str, v: impl Into<Value>) -> Value {
        self.set(key, v);
        self
    }

    /// Appends to a sequence, turning `Null` (or any non-sequence) into one.
    pub fn push(&mut self, v: impl Into<Value>) {
        if !matches!(self, Value::Seq(_)) {
            *self = Value::Seq(Vec::new());
        }
        if let Value::Seq(s) = self {
            s.push(v.into());
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.as_map_mut()?.remove(key)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Integers, and floats with an integral value in range (JSON numbers
    /// like `3.0` are ints to the API server too).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// RFC 7386 JSON merge patch (`kubectl patch --type merge`): maps merge
    /// recursively, `null` deletes a key, anything else replaces.
    pub fn merge_patch(&mut self, patch: &Value) {
        let Value::Map(pm) = patch else {
            *self = patch.clone();
            return;
        };
        let m = self.force_map();
        for (k, pv) in pm {
            if pv.is_null() {
                m.remove(k);
            } else {
                m.entry_str(k).or_default().merge_patch(pv);
            }
        }
    }

    /// Makes every map in this tree shared ([`Map::shared_deep`]): clones of the tree then
    /// share it until they change, and a change copies only the maps on its path.
    pub fn share_deep(&mut self) {
        match self {
            Value::Map(m) => *m = std::mem::take(m).shared_deep(),
            Value::Seq(s) => s.iter_mut().for_each(Value::share_deep),
            _ => {}
        }
    }

    fn force_map(&mut self) -> &mut Map {
        if !matches!(self, Value::Map(_)) {
            *self = Value::map();
        }
        match self {
            Value::Map(m) => m,
            _ => unreachable!("just made a map"),
        }
    }
}

/// `v` shared ([`Value::share_deep`]), or a clone of an equal value returned by one of the
/// last [`RECENT`] calls: for small maps that many objects hold alike when built at the same
/// time (a pod condition with its transition time: pods started in one step have equal ones).
/// The result is always equal to `v`, so this changes memory, never behaviour.
pub fn shared_recent(mut v: Value) -> Value {
    thread_local! {
        static LAST: std::cell::RefCell<std::collections::VecDeque<Value>> =
            const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(same) = last.iter().find(|x| **x == v) {
            return same.clone();
        }
        v.share_deep();
        if last.len() == RECENT {
            last.pop_back();
        }
        last.push_front(v.clone());
        v
    })
}

/// A value written as YAML text (objects the code builds: presets, generators), with
/// placeholders filled from `vars`: a string scalar or a map key that is exactly `$name` becomes
/// that variable's value (a key takes it only if it is a string). Filling the parsed tree, not
/// the text, keeps the types right whatever a value looks like (`"true"` stays a string).
/// Text like this is smaller in the wasm than code building the same tree (BENCHMARKS.md,
/// "First-load size").
/// `Null` if the text does not parse (debug builds panic: callers' templates are checked by tests).
///
/// ```
/// use kubesim::sim::value::{template, Value};
/// let v = template("metadata: {name: $n, labels: {$k: x}}\nspec: {replicas: 2}", &[("n", "yes".into()), ("k", "app".into())]);
/// assert_eq!(v.path(&["metadata", "name"]), Some(&Value::from("yes")));
/// assert_eq!(v.path(&["metadata", "labels", "app"]), Some(&Value::from("x")));
/// assert_eq!(v.path(&["spec", "replicas"]), Some(&Value::Int(2)));
/// ```
pub fn template(yaml_text: &str, vars: &[(&str, Value)]) -> Value {
    let parsed = yaml::parse(yaml_text);
    // Templates are the program's own text: a mistake fails every test that builds one.
    debug_assert!(
        parsed.is_ok(),
        "template does not parse: {parsed:?}\n{yaml_text}"
    );
    let mut v = parsed.unwrap_or_default();
    fill(&mut v, vars);
    v
}

fn fill(v: &mut Value, vars: &[(&str, Value)]) {
    let var = |s: &str| {
        let name = s.strip_prefix('$')?;
        vars.iter().find(|(k, _)| *k == name).map(|(_, x)| x)
    };
    match v {
        Value::Str(s) => {
            if let Some(x) = var(s.as_str()).cloned() {
                *v = x;
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|x| fill(x, vars)),
        Value::Map(m) => {
            if m.keys().any(|k| k.starts_with('$')) {
                for (k, mut x) in std::mem::take(m) {
                    fill(&mut x, vars);
                    let key = match var(&k).and_then(Value::as_str) {
                        Some(name) => name.to_string(),
                        None => k,
                    };
                    m.insert(key, x);
                }
            } else {
                m.values_mut().for_each(|x| fill(x, vars));
            }
        }
        _ => {}
    }
}

/// How many values [`shared_recent`] remembers.
pub const RECENT: usize = 16;

macro_rules! from {
    ($($t:ty => $v:ident($e:expr)),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                #[allow(clippy::redundant_closure_call)]
                Value::$v(($e)(x))
            }
        }
    )*};
}
from!(
    &str => Str(Str::from),
    String => Str(Str::from),
    Str => Str(|x| x),
    i64 => Int(|x| x),
    i32 => Int(i64::from),
    u32 => Int(i64::from),
    bool => Bool(|x| x),
    f64 => Float(|x| x),
    Vec<Value> => Seq(|x| x),
    Map => Map(|x| x),
);

/// Shortest round-trip digits of `f` as Rust's `{:e}` gives them: the
/// mantissa (`"1.5"`) and the decimal exponent. Go's strconv with precision
/// -1 picks the same digits, so only the layout needs adapting.
fn sci(f: f64) -> (String, i32) {
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (s, 0),
    }
}

/// Go's `%e` layout: `1.5e+06`; `min_neg` is the exponent width for
/// negative exponents (encoding/json trims `e-07` to `e-7`).
fn go_e(m: &str, e: i32, min_neg: usize) -> String {
    let (sign, w) = if e < 0 { ('-', min_neg) } else { ('+', 2) };
    format!("{m}e{sign}{:0w$}", e.unsigned_abs())
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` with yaml.v2's spellings of the
/// specials.
fn fmt_go_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let (m, e) = sci(f);
    if (-4..6).contains(&e) {
        format!("{f}")
    } else {
        go_e(&m, e, 2)
    }
}

/// A float as kubectl `-o yaml` shows it. The object passes through JSON
/// and back into yaml.v2 first, so integral values come out as ints and
/// the rest in Go's `%g` form (`0.5`, `1.2345675e+06`).
fn fmt_yaml_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18 {
        (f as i64).to_string()
    } else {
        fmt_go_g(f)
    }
}

/// encoding/json's float layout: shortest digits, exponent form only below
/// 1e-6 or from 1e21 on. NaN/Inf (a Marshal error in Go) become `null`.
fn fmt_json_float(f: f64) -> String {
    let a = f.abs();
    if !f.is_finite() {
        "null".into()
    } else if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let (m, e) = sci(f);
        go_e(&m, e, 1)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placeholders fill the parsed tree once: a filled-in value is not filled again, text
    /// that only contains `$` stays, and a key takes a string only.
    #[test]
    fn template_fills_placeholders_once() {
        let v = template(
            "a: $x\nb: [$x, c$x]\n$k: 1\n$s: 2\n",
            &[
                ("x", Value::from("$x")),
                ("k", Value::Int(2)),
                ("s", "key".into()),
            ],
        );
        assert_eq!(v.get("a"), Some(&Value::from("$x")));
        assert_eq!(
            v.get("b"),
            Some(&Value::Seq(vec!["$x".into(), "c$x".into()]))
        );
        assert_eq!(v.get("$k"), Some(&Value::Int(1)));
        assert_eq!(v.get("key"), Some(&Value::Int(2)));
    }

    #[test]
    fn helpers() {
        let mut v = Value::Null;
        v.set("a", 1);
        v.path_mut_or_insert(&["b", "c"]).set("d", "x");
        *v.path_mut_or_insert(&["a", "z"]) = true.into(); // replaces the int with a map
        assert_eq!(v.path(&["b", "c", "d"]).and_then(Value::as_str), Some("x"));
        assert_eq!(v.path(&["a", "z"]).and_then(Value::as_bool), Some(true));
        v.path_mut(&["b"]).into_iter().for_each(|b| b.push(1)); // map becomes a sequence
        assert_eq!(v.path(&["b", "0"]).and_then(Value::as_i64), Some(1));
        assert_eq!(v.path(&["b", "x"]), None);
        assert_eq!(v.remove("b"), Some(Value::Seq(vec![1.into()])));
        assert!(v.get("b").is_none() && Value::Null.get("a").is_none());
        let built = Value::map()
            .with("s", String::from("t"))
            .with("f", 0.5)
            .with("u", 7u32);
        assert_eq!(built.get("f").and_then(Value::as_f64), Some(0.5));
        assert_eq!(Value::Float(3.0).as_i64(), Some(3));
        assert_eq!(Value::Float(3.5).as_i64(), None);
        assert_eq!(
            Value::from(vec![Value::Null]).as_seq().map(Vec::len),
            Some(1)
        );
        assert!(Value::from(Map::new()).as_map().is_some_and(Map::is_empty));
    }

    #[test]
    fn shared_recent_returns_an_equal_value_shared_with_the_last_equal_one() {
        let cond = |t: &str| {
            Value::map()
                .with("type", "Ready")
                .with("lastTransitionTime", t)
        };
        let a = shared_recent(cond("09:00:03"));
        let b = shared_recent(cond("09:00:03"));
        let c = shared_recent(cond("09:00:04"));
        assert_eq!((&a, &c), (&cond("09:00:03"), &cond("09:00:04")));
        let m = |v: &Value| v.as_map().cloned().expect("map");
        assert!(m(&a).shares_entries_with(&m(&b)));
        assert!(!m(&a).shares_entries_with(&m(&c)));
        // A change to one holder copies it; the other keeps the shared value.
        let mut changed = b.clone();
        changed.set("status", "False");
        assert_eq!(a, cond("09:00:03"));
        assert_ne!(changed, a);
    }

    #[test]
    fn module_doc_example() {
        let docs = yaml::parse_documents("kind: Pod\nmetadata:\n  name: web\n").unwrap();
        let mut pod = docs.into_iter().next().unwrap_or_default();
        pod.path_mut_or_insert(&["metadata", "labels"])
            .set("app", "web");
        assert_eq!(
            pod.path(&["metadata", "name"]).and_then(Value::as_str),
            Some("web")
        );
        let want = "kind: Pod\nmetadata:\n  labels:\n    app: web\n  name: web\n";
        assert_eq!(yaml::to_yaml(&pod), want);
    }

    #[test]
    fn merge_patch_rfc7386() {
        // The RFC's appendix examples: (target, patch, result) as JSON.
        let cases = [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (r#"{"a":"b","b":"c"}"#, r#"{"a":null}"#, r#"{"b":"c"}"#),
            (r#"{"a":["b"]}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"c"}"#, r#"{"a":["b"]}"#, r#"{"a":["b"]}"#),
            (
                r#"{"a":{"b":"c"}}"#,
                r#"{"a":{"b":"d","c":null}}"#,
                r#"{"a":{"b":"d"}}"#,
            ),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"["a","b"]"#, r#"["c","d"]"#, r#"["c","d"]"#),
            (r#"{"a":"b"}"#, r#"["c"]"#, r#"["c"]"#),
            (r#"{"a":"foo"}"#, "null", "null"),
            (r#"{"a":"foo"}"#, r#""bar""#, r#""bar""#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"a":1,"e":null}"#),
            (r#"[1,2]"#, r#"{"a":"b","c":null}"#, r#"{"a":"b"}"#),
            (
                r#"{}"#,
                r#"{"a":{"bb":{"ccc":null}}}"#,
                r#"{"a":{"bb":{}}}"#,
            ),
        ];
        for (t, p, want) in cases {
            let mut v = json::parse(t).unwrap();
            v.merge_patch(&json::parse(p).unwrap());
            assert_eq!(json::to_json_compact(&v), want, "{t} + {p}");
        }
    }

    #[test]
    fn go_float_layouts() {
        let cases = [
            (0.5, "0.5", "0.5"),
            (3.0, "3", "3"),
            (1e6, "1000000", "1000000"),
            (1234567.5, "1.2345675e+06", "1234567.5"),
            (0.0001, "0.0001", "0.0001"),
            (0.00001, "1e-05", "0.00001"),
            (1e-7, "1e-07", "1e-7"),
            (1.5e-10, "1.5e-10", "1.5e-10"),
            (1e21, "1e+21", "1e+21"),
            (-2.5, "-2.5", "-2.5"),
            (f64::INFINITY, ".inf", "null"),
            (f64::NAN, ".nan", "null"),
        ];
        for (f, y, j) in cases {
            assert_eq!(
                (fmt_yaml_float(f).as_str(), fmt_json_float(f).as_str()),
                (y, j),
                "{f}"
            );
        }
        assert_eq!(fmt_go_g(1e7), "1e+07");
    }
}
