//! Declarative checks of a student's work, evaluated against the [`Terminal`] (its world, files
//! and environment) after every command and every step of simulated time.
//!
//! Start with [`Check`] and [`Evaluator`]. A check reads state only (it never writes to the
//! world, so evaluating does not change the API server's trace). Checks over time
//! ([`Check::Sequence`], [`Check::Ever`], [`Check::Replaced`], [`Check::Changed`]) keep memory
//! in the [`Evaluator`], one per step, reset when the step changes.
//!
//! Conditions on fields use a small path syntax ([`Cond`]):
//! `spec.replicas == 3`, `status.readyReplicas >= 2`,
//! `status.conditions[type=Ready].status == True`, `metadata.labels."app.kubernetes.io/name" exists`.
//!
//! ```
//! use kubesim::lessons::check::{Check, Evaluator, Selector};
//! use kubesim::term::Terminal;
//! use kubesim::sim::{World, presets::Preset};
//! let term = Terminal::new(World::new(1, Preset::Kind));
//! let mut sel = Selector::kind("Node");
//! sel.name = Some("kind-worker".into());
//! sel.conds.push("status.conditions[type=Ready].status == True".parse().unwrap());
//! let mut ev = Evaluator::new(Check::Objects { sel, count: None, every: false });
//! assert!(ev.eval(&term, &Default::default()));
//! ```

use crate::sim::api::{self, resource_for, resource_for_kind};
use crate::sim::Value;
use crate::term::Terminal;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

/// A check, as written in `lesson.yaml` under `check:`.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    All(Vec<Check>),
    Any(Vec<Check>),
    Not(Box<Check>),
    /// Objects matching `sel` exist. `count` defaults to "at least one"; `== n` is strict
    /// (extra objects fail it), `>= n` tolerant. With `every`, all objects of the kind (and
    /// namespace, name and labels) must also meet `sel.conds`, and there must be at least one.
    Objects {
        sel: Selector,
        count: Option<(CmpOp, i64)>,
        every: bool,
    },
    /// A control-plane or node component is running (`up: true`) or stopped.
    Component {
        cluster: Option<String>,
        name: String,
        up: bool,
    },
    /// A cluster of that name exists in the world (or not): `kind create cluster` made it.
    Cluster {
        name: String,
        exists: bool,
    },
    /// The kubeconfig kubectl would use (`path`, else `$KUBECONFIG` merged, else
    /// `~/.kube/config`) has this current context and meets the conditions.
    Kubeconfig {
        path: Option<String>,
        current_context: Option<String>,
        conds: Vec<Cond>,
    },
    /// A file exists (or not), optionally containing a text.
    File {
        path: String,
        exists: bool,
        contains: Option<String>,
    },
    /// The last command line started with `ran` (words compared, `k` = `kubectl`), and
    /// succeeded or failed if `success` is given. Use sparingly: prefer checking state.
    Command {
        ran: String,
        success: Option<bool>,
    },
    /// The shell is on this machine (`None`: the student's own machine, the "laptop"), e.g.
    /// "back from the node with `exit`".
    Host(Option<String>),
    /// The quiz with this id was answered correctly.
    Quiz(String),
    /// Each check was seen passing, in this order, at some evaluation (events over time:
    /// "the node went NotReady, then Ready again").
    Sequence(Vec<Check>),
    /// The check passed at least once since the step started.
    Ever(Box<Check>),
    /// An object matching `sel` that existed when the step started is gone and a new one
    /// (another uid) matches: "a pod was deleted and its ReplicaSet replaced it".
    Replaced {
        sel: Selector,
    },
    /// The value at `path` of the object(s) matching `sel` differs from when the step started
    /// (a rolling update changed the image...).
    Changed {
        sel: Selector,
        path: Path,
    },
}

/// Which objects a check looks at. Tolerance is explicit: a `name` is exact, a `name_prefix`
/// accepts generated names, neither accepts any name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    /// The cluster (default: the one kubectl's current context points at).
    pub cluster: Option<String>,
    pub kind: String,
    /// For namespaced kinds: `None` = `default`, `Some("*")` = every namespace.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub name_prefix: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub conds: Vec<Cond>,
}

impl Selector {
    pub fn kind(kind: &str) -> Self {
        Selector {
            kind: kind.to_string(),
            ..Selector::default()
        }
    }
}

/// A comparison operator in a [`Cond`] or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    /// The field is there and not null.
    Exists,
    /// The field is missing or null.
    Absent,
    /// The field's text contains the value.
    Contains,
}

impl CmpOp {
    fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "==" | "=" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            ">=" => CmpOp::Ge,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            "<" => CmpOp::Lt,
            "exists" => CmpOp::Exists,
            "absent" => CmpOp::Absent,
            "contains" => CmpOp::Contains,
            _ => return None,
        })
    }
    /// Compares two integers (for counts).
    pub fn ints(self, a: i64, b: i64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Ge => a >= b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Lt => a < b,
            CmpOp::Exists | CmpOp::Contains => a > 0,
            CmpOp::Absent => a == 0,
        }
    }
}

/// Parses a count such as `== 3` or `>= 2` (a bare number means `==`).
pub fn parse_count(s: &str) -> Result<(CmpOp, i64), String> {
    let s = s.trim();
    let split = s
        .find(|c: char| c.is_ascii_digit() || c == '-')
        .unwrap_or(s.len());
    let (op, n) = s.split_at(split);
    let op = if op.trim().is_empty() {
        CmpOp::Eq
    } else {
        CmpOp::parse(op.trim())
            .filter(|o| !matches!(o, CmpOp::Exists | CmpOp::Absent | CmpOp::Contains))
            .ok_or_else(|| format!("unknown comparison {:?} in count {s:?}", op.trim()))?
    };
    let n = n
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("count {s:?} must be like \"== 3\" or \">= 1\""))?;
    Ok((op, n))
}

/// One segment of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
    /// `[type=Ready]`: the first list element whose `key` field equals the value.
    Filter(String, String),
}

/// A field path: `status.conditions[type=Ready].status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl FromStr for Path {
    type Err = String;
    fn from_str(s: &str) -> Result<Path, String> {
        let mut segs = Vec::new();
        let chars: Vec<char> = s.trim().chars().collect();
        let mut i = 0;
        let bad = |why: &str| format!("bad field path {s:?}: {why}");
        while i < chars.len() {
            match chars[i] {
                '.' => i += 1,
                '"' => {
                    let end = (i + 1..chars.len())
                        .find(|&j| chars[j] == '"')
                        .ok_or_else(|| bad("unclosed quote"))?;
                    segs.push(Seg::Key(chars[i + 1..end].iter().collect()));
                    i = end + 1;
                }
                '[' => {
                    let end = (i + 1..chars.len())
                        .find(|&j| chars[j] == ']')
                        .ok_or_else(|| bad("unclosed ["))?;
                    let inner: String = chars[i + 1..end].iter().collect();
                    match inner.split_once('=') {
                        Some((k, v)) => segs.push(Seg::Filter(
                            k.trim().to_string(),
                            v.trim().trim_matches('"').to_string(),
                        )),
                        None => segs.push(Seg::Index(
                            inner
                                .trim()
                                .parse()
                                .map_err(|_| bad("[..] holds an index or key=value"))?,
                        )),
                    }
                    i = end + 1;
                }
                _ => {
                    let end = (i..chars.len())
                        .find(|&j| matches!(chars[j], '.' | '['))
                        .unwrap_or(chars.len());
                    segs.push(Seg::Key(chars[i..end].iter().collect()));
                    i = end;
                }
            }
        }
        if segs.is_empty() {
            return Err(bad("empty"));
        }
        Ok(Path(segs))
    }
}

impl Path {
    /// The value at this path, if any.
    pub fn lookup<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        for seg in &self.0 {
            cur = match seg {
                Seg::Key(k) => cur.get(k)?,
                Seg::Index(i) => cur.as_seq()?.get(*i)?,
                Seg::Filter(k, want) => cur
                    .as_seq()?
                    .iter()
                    .find(|item| item.get(k).map(scalar_text).as_deref() == Some(want.as_str()))?,
            };
        }
        Some(cur)
    }
}

/// A condition on one field: `<path> <op> <value>` or `<path> exists|absent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub path: Path,
    pub op: CmpOp,
    pub value: String,
}

impl FromStr for Cond {
    type Err = String;
    fn from_str(s: &str) -> Result<Cond, String> {
        let t = s.trim();
        // The path may contain quoted keys with spaces, so find the operator after them.
        let mut in_quote = false;
        let mut split = None;
        for (i, c) in t.char_indices() {
            if c == '"' {
                in_quote = !in_quote;
            } else if c == ' ' && !in_quote {
                split = Some(i);
                break;
            }
        }
        let Some(split) = split else {
            return Err(format!(
                "condition {s:?} must look like \"spec.replicas == 3\" or \"metadata.labels.app exists\""
            ));
        };
        let path: Path = t[..split].parse()?;
        let rest = t[split..].trim();
        let (op, value) = match rest.split_once(' ') {
            Some((op, v)) => (op, v.trim()),
            None => (rest, ""),
        };
        let op = CmpOp::parse(op).ok_or_else(|| format!("unknown operator {op:?} in {s:?}"))?;
        let needs_value = !matches!(op, CmpOp::Exists | CmpOp::Absent);
        if needs_value == value.is_empty() {
            return Err(format!(
                "condition {s:?}: `{rest}` is not a valid comparison"
            ));
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Ok(Cond {
            path,
            op,
            value: value.to_string(),
        })
    }
}

/// How a scalar prints (`3`, `true`, `Ready`); maps and lists print as an empty string.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

impl Cond {
    pub fn holds(&self, obj: &Value) -> bool {
        let found = self.path.lookup(obj).filter(|v| !matches!(v, Value::Null));
        match self.op {
            CmpOp::Exists => found.is_some(),
            CmpOp::Absent => found.is_none(),
            CmpOp::Ne => found.is_none_or(|v| scalar_text(v) != self.value),
            op => {
                let Some(v) = found else { return false };
                let text = scalar_text(v);
                match op {
                    CmpOp::Eq => text == self.value,
                    CmpOp::Contains => match v {
                        Value::Seq(items) => items.iter().any(|i| scalar_text(i) == self.value),
                        _ => text.contains(&self.value),
                    },
                    _ => match (text.parse::<f64>(), self.value.parse::<f64>()) {
                        (Ok(a), Ok(b)) => match op {
                            CmpOp::Ge => a >= b,
                            CmpOp::Le => a <= b,
                            CmpOp::Gt => a > b,
                            _ => a < b,
                        },
                        _ => false,
                    },
                }
            }
        }
    }
}

/// What a check reads besides the terminal: the quizzes answered correctly in this step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub correct_quizzes: BTreeSet<String>,
}

/// Memory of one check node between evaluations.
#[derive(Debug, Clone, PartialEq)]
enum Mem {
    /// Sequence: how many sub-checks were seen so far.
    Seq(usize),
    Latched,
    /// Replaced: the uids seen at the first evaluation.
    Uids(BTreeSet<String>),
    /// Changed: the value at the first evaluation, per object uid.
    Values(BTreeMap<String, Option<Value>>),
}

/// A check with its memory. Create one when a step starts; call [`Evaluator::eval`] after every
/// command and every step of simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluator {
    pub check: Check,
    mem: BTreeMap<usize, Mem>,
    /// The cluster kubectl targeted on the student's machine at the last evaluation made
    /// there: checks keep looking at it while the student is on a node (`ssh`), where there
    /// is no kubeconfig.
    cluster: Option<String>,
}

/// What one evaluation reads besides the terminal.
struct Ctx<'a> {
    answers: &'a Answers,
    /// The default cluster for checks that do not name one.
    cluster: Option<&'a str>,
}

impl Check {
    /// Nodes in this subtree (each node gets a stable preorder id for its memory).
    fn size(&self) -> usize {
        1 + match self {
            Check::All(c) | Check::Any(c) | Check::Sequence(c) => c.iter().map(Check::size).sum(),
            Check::Not(c) | Check::Ever(c) => c.size(),
            _ => 0,
        }
    }

    /// Every quiz id this check refers to.
    pub fn quizzes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Check::Quiz(id) = c {
                out.push(id.as_str());
            }
        });
        out
    }

    /// Calls `f` on every node of the check, depth first.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Check)) {
        f(self);
        match self {
            Check::All(c) | Check::Any(c) | Check::Sequence(c) => c.iter().for_each(|c| c.visit(f)),
            Check::Not(c) | Check::Ever(c) => c.visit(f),
            _ => {}
        }
    }
}

impl Evaluator {
    pub fn new(check: Check) -> Self {
        Evaluator {
            check,
            mem: BTreeMap::new(),
            cluster: None,
        }
    }
    /// Forgets everything seen so far.
    pub fn reset(&mut self) {
        self.mem.clear();
    }
    /// Does the check pass now? Updates the memory of checks over time.
    pub fn eval(&mut self, term: &Terminal, answers: &Answers) -> bool {
        if term.host.is_none() {
            if let Some(c) = term.current_cluster() {
                self.cluster = Some(c);
            }
        }
        let cluster = self
            .cluster
            .as_deref()
            .or_else(|| term.world.clusters.keys().next().map(String::as_str));
        let ctx = Ctx { answers, cluster };
        eval(&self.check, 0, &mut self.mem, term, &ctx)
    }
}

fn eval(c: &Check, id: usize, mem: &mut BTreeMap<usize, Mem>, t: &Terminal, a: &Ctx) -> bool {
    match c {
        Check::All(cs) => {
            // Evaluate every child (no short-circuit) so their memories stay up to date.
            let mut ok = true;
            let mut child = id + 1;
            for c in cs {
                ok &= eval(c, child, mem, t, a);
                child += c.size();
            }
            ok
        }
        Check::Any(cs) => {
            let mut ok = false;
            let mut child = id + 1;
            for c in cs {
                ok |= eval(c, child, mem, t, a);
                child += c.size();
            }
            ok
        }
        Check::Not(c) => !eval(c, id + 1, mem, t, a),
        Check::Ever(c) => {
            let now = eval(c, id + 1, mem, t, a);
            if now {
                mem.insert(id, Mem::Latched);
            }
            mem.contains_key(&id)
        }
        Check::Sequence(cs) => {
            let mut seen = match mem.get(&id) {
                Some(Mem::Seq(n)) => *n,
                _ => 0,
            };
            let mut child = id + 1;
            for (i, c) in cs.iter().enumerate() {
                let ok = eval(c, child, mem, t, a);
                if i == seen && ok {
                    seen += 1;
                }
                child += c.size();
            }
            mem.insert(id, Mem::Seq(seen));
            seen >= cs.len()
        }
        Check::Objects { sel, count, every } => {
            let all = objects(t, a.cluster, sel, false);
            let matching = all.iter().filter(|o| sel.conds.iter().all(|c| c.holds(o)));
            let n = matching.count() as i64;
            if *every && (all.is_empty() || n != all.len() as i64) {
                return false;
            }
            match count {
                Some((op, want)) => op.ints(n, *want),
                None => n >= 1,
            }
        }
        Check::Component { cluster, name, up } => {
            let cluster = cluster.as_deref().or(a.cluster);
            match cluster.and_then(|c| t.world.clusters.get(c)) {
                Some(c) => c.is_up(name) == *up,
                None => false,
            }
        }
        Check::Cluster { name, exists } => t.world.clusters.contains_key(name) == *exists,
        Check::Kubeconfig {
            path,
            current_context,
            conds,
        } => {
            let Some(cfg) = kubeconfig(t, path.as_deref()) else {
                return false;
            };
            let ctx_ok = current_context.as_ref().is_none_or(|want| {
                cfg.get("current-context").and_then(Value::as_str) == Some(want.as_str())
            });
            ctx_ok && conds.iter().all(|c| c.holds(&cfg))
        }
        Check::File {
            path,
            exists,
            contains,
        } => {
            let p = expand_home(path);
            match t.fs.read(&p) {
                Some(text) => {
                    *exists && contains.as_ref().is_none_or(|s| text.contains(s.as_str()))
                }
                None => !*exists && !t.fs.is_dir(&p),
            }
        }
        Check::Command { ran, success } => {
            let Some(last) = t.history.last() else {
                return false;
            };
            let words = |s: &str| -> Vec<String> {
                s.split_whitespace()
                    .enumerate()
                    .map(|(i, w)| {
                        if i == 0 && w == "k" {
                            "kubectl".into()
                        } else {
                            w.to_string()
                        }
                    })
                    .collect()
            };
            let (have, want) = (words(last), words(ran));
            let started = have.len() >= want.len() && have[..want.len()] == want[..];
            let code_ok =
                success.is_none_or(|s| (t.env.get("?").map(String::as_str) == Some("0")) == s);
            started && code_ok
        }
        Check::Quiz(q) => a.answers.correct_quizzes.contains(q),
        Check::Host(h) => t.host == *h,
        Check::Replaced { sel } => {
            let now: BTreeSet<String> =
                crate::sort::set_of(objects(t, a.cluster, sel, true).iter().map(|o| uid(o)));
            match mem.get(&id) {
                Some(Mem::Uids(before)) => {
                    let gone = before.iter().any(|u| !now.contains(u));
                    let fresh = now.iter().any(|u| !before.contains(u));
                    gone && fresh
                }
                _ => {
                    mem.insert(id, Mem::Uids(now));
                    false
                }
            }
        }
        Check::Changed { sel, path } => {
            let now: BTreeMap<String, Option<Value>> = crate::sort::map_of(
                objects(t, a.cluster, sel, true)
                    .iter()
                    .map(|o| (uid(o), path.lookup(o).cloned())),
            );
            match mem.get(&id) {
                Some(Mem::Values(before)) => {
                    !now.is_empty()
                        && now
                            .iter()
                            .all(|(u, v)| before.get(u).is_none_or(|b| b != v))
                        && now.values().any(|v| !before.values().any(|b| b == v))
                }
                _ => {
                    mem.insert(id, Mem::Values(now));
                    false
                }
            }
        }
    }
}

fn uid(o: &Value) -> String {
    api::meta_str(o, "uid")
        .unwrap_or_else(|| api::name_of(o))
        .to_string()
}

/// Objects matching the selector's cluster, kind, namespace, name and labels, read straight
/// from the store (no API request, so no trace). With `with_conds`, also its conditions.
pub fn objects(
    t: &Terminal,
    default_cluster: Option<&str>,
    sel: &Selector,
    with_conds: bool,
) -> Vec<Arc<Value>> {
    let Some(res) = resource_for_kind(&sel.kind).or_else(|| resource_for(&sel.kind)) else {
        return Vec::new();
    };
    let Some(cluster) = sel
        .cluster
        .clone()
        .as_deref()
        .or(default_cluster)
        .and_then(|c| t.world.clusters.get(c))
    else {
        return Vec::new();
    };
    let ns = match sel.namespace.as_deref() {
        Some("*") => None,
        Some(ns) => Some(ns),
        None => Some("default"),
    };
    let prefix = res.storage_prefix(if res.namespaced { ns } else { None });
    cluster
        .store
        .range(&prefix)
        .map(|kv| &kv.value)
        .filter(|o| {
            let name = api::name_of(o);
            sel.name.as_deref().is_none_or(|n| n == name)
                && sel
                    .name_prefix
                    .as_deref()
                    .is_none_or(|p| name.starts_with(p))
                && sel.labels.iter().all(|(k, v)| {
                    o.path(&["metadata", "labels"])
                        .and_then(|l| l.get(k))
                        .and_then(Value::as_str)
                        == Some(v.as_str())
                })
                && (!with_conds || sel.conds.iter().all(|c| c.holds(o)))
        })
        .cloned()
        .collect()
}

/// `~/x` → `/home/student/x`.
pub fn expand_home(path: &str) -> String {
    match path.strip_prefix('~') {
        Some(rest) => format!("{}{rest}", crate::term::fs::HOME),
        None => path.to_string(),
    }
}

/// The kubeconfig kubectl would use, merged like kubectl does: `path` if given, else every
/// file of `$KUBECONFIG` (first one wins for `current-context` and for entries with the same
/// name), else `~/.kube/config`.
pub fn kubeconfig(t: &Terminal, path: Option<&str>) -> Option<Value> {
    let paths: Vec<String> = match (path, t.env.get("KUBECONFIG")) {
        (Some(p), _) => vec![expand_home(p)],
        (None, Some(list)) if !list.is_empty() => list
            .split(':')
            .filter(|p| !p.is_empty())
            .map(|p| crate::term::fs::Fs::resolve(&t.cwd, &expand_home(p)))
            .collect(),
        _ => vec![expand_home("~/.kube/config")],
    };
    let mut merged: Option<Value> = None;
    for p in paths {
        let Some(text) = t.fs.read(&p) else { continue };
        let Ok(cfg) = super::load::parse_yaml(text) else {
            continue;
        };
        merged = Some(match merged {
            None => cfg,
            Some(mut m) => {
                merge_kubeconfig(&mut m, &cfg);
                m
            }
        });
    }
    merged
}

fn merge_kubeconfig(into: &mut Value, other: &Value) {
    for field in ["current-context", "apiVersion", "kind"] {
        if into.get(field).is_none() {
            if let Some(v) = other.get(field) {
                into.set(field, v.clone());
            }
        }
    }
    for list in ["clusters", "contexts", "users"] {
        let mut items = into
            .get(list)
            .and_then(Value::as_seq)
            .cloned()
            .unwrap_or_default();
        for item in other
            .get(list)
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
        {
            let name = item.get("name");
            if !items.iter().any(|i| i.get("name") == name) {
                items.push(item.clone());
            }
        }
        into.set(list, Value::Seq(items));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    fn node_ready(name: &str, ready: bool) -> Check {
        let mut sel = Selector::kind("Node");
        sel.name = Some(name.into());
        let status = if ready { "True" } else { "False" };
        sel.conds.push(
            format!("status.conditions[type=Ready].status == {status}")
                .parse()
                .unwrap(),
        );
        Check::Objects {
            sel,
            count: None,
            every: false,
        }
    }

    fn set_ready(t: &mut Terminal, node: &str, status: &str) {
        let c = t.world.clusters.get_mut("kind-kind").unwrap();
        let key = format!("/registry/minions/{node}");
        let mut obj = (*c.store.get(&key).unwrap().value).clone();
        let conds = obj.path_mut_or_insert(&["status", "conditions"]);
        if let Value::Seq(items) = conds {
            for i in items.iter_mut() {
                if i.get("type").and_then(Value::as_str) == Some("Ready") {
                    i.set("status", status);
                }
            }
        }
        c.store.put(&key, obj, None).unwrap();
    }

    #[test]
    fn paths_and_conditions_parse_and_compare() {
        let p: Path = "metadata.labels.\"node-role.kubernetes.io/control-plane\""
            .parse()
            .unwrap();
        assert_eq!(p.0.len(), 3);
        let p: Path = "status.conditions[type=Ready].status".parse().unwrap();
        assert_eq!(p.0[3], Seg::Key("status".into()));
        assert_eq!(p.0[2], Seg::Filter("type".into(), "Ready".into()));
        let mut obj = Value::map();
        obj.path_mut_or_insert(&["spec"]).set("replicas", 3i64);
        obj.path_mut_or_insert(&["spec"]).set("image", "nginx:1.27");
        for (cond, want) in [
            ("spec.replicas == 3", true),
            ("spec.replicas >= 2", true),
            ("spec.replicas > 3", false),
            ("spec.replicas != 3", false),
            ("spec.missing != 3", true),
            ("spec.missing >= 0", false),
            ("spec.image contains nginx", true),
            ("spec.image == \"nginx:1.27\"", true),
            ("spec.image exists", true),
            ("spec.nope absent", true),
            ("spec.image < 3", false),
        ] {
            let c: Cond = cond.parse().unwrap();
            assert_eq!(c.holds(&obj), want, "{cond}");
        }
        for bad in [
            "spec.replicas",
            "spec.replicas ~ 3",
            "spec.x exists 3",
            "a[ == 1",
            "x ==",
        ] {
            assert!(bad.parse::<Cond>().is_err(), "{bad}");
        }
        assert_eq!(parse_count(">= 2"), Ok((CmpOp::Ge, 2)));
        assert_eq!(parse_count("3"), Ok((CmpOp::Eq, 3)));
        assert!(parse_count("lots").is_err());
    }

    #[test]
    fn objects_count_every_and_tolerance() {
        let t = term();
        let nodes = |count, every, cond: Option<&str>| {
            let mut sel = Selector::kind("Node");
            if let Some(c) = cond {
                sel.conds.push(c.parse().unwrap());
            }
            let mut ev = Evaluator::new(Check::Objects { sel, count, every });
            ev.eval(&t, &Answers::default())
        };
        assert!(nodes(Some((CmpOp::Eq, 3)), false, None));
        assert!(!nodes(Some((CmpOp::Eq, 2)), false, None));
        assert!(nodes(Some((CmpOp::Ge, 2)), false, None));
        let worker = "metadata.labels.\"node-role.kubernetes.io/control-plane\" absent";
        assert!(nodes(None, false, Some(worker)));
        assert!(
            !nodes(None, true, Some(worker)),
            "the control plane is not a worker"
        );
        assert!(nodes(
            None,
            true,
            Some("status.nodeInfo.kubeletVersion == v1.34.1")
        ));
        let mut sel = Selector::kind("ns");
        sel.name_prefix = Some("kube-".into());
        let mut ev = Evaluator::new(Check::Objects {
            sel,
            count: Some((CmpOp::Eq, 3)),
            every: false,
        });
        assert!(ev.eval(&t, &Answers::default()));
    }

    #[test]
    fn sequence_needs_both_states_in_order_and_remembers() {
        let mut t = term();
        let a = Answers::default();
        let mut ev = Evaluator::new(Check::Sequence(vec![
            node_ready("kind-worker", false),
            node_ready("kind-worker", true),
        ]));
        assert!(!ev.eval(&t, &a), "Ready first does not count");
        set_ready(&mut t, "kind-worker", "False");
        assert!(!ev.eval(&t, &a));
        set_ready(&mut t, "kind-worker", "True");
        assert!(ev.eval(&t, &a));
        set_ready(&mut t, "kind-worker", "False");
        assert!(ev.eval(&t, &a), "once seen, the sequence stays done");
        ev.reset();
        assert!(!ev.eval(&t, &a));
        let mut ever = Evaluator::new(Check::All(vec![
            Check::Ever(Box::new(node_ready("kind-worker", true))),
            Check::Not(Box::new(Check::Quiz("q".into()))),
        ]));
        assert!(!ever.eval(&t, &a));
        set_ready(&mut t, "kind-worker", "True");
        assert!(ever.eval(&t, &a));
        set_ready(&mut t, "kind-worker", "False");
        assert!(ever.eval(&t, &a));
        let mut quiz = Answers::default();
        quiz.correct_quizzes.insert("q".into());
        assert!(!ever.eval(&t, &quiz));
    }

    #[test]
    fn replaced_and_changed_compare_with_the_start_of_the_step() {
        let mut t = term();
        let a = Answers::default();
        let cm = crate::sim::api::resource_for("cm").unwrap();
        let mk = |t: &mut Terminal, name: &str, v: &str| {
            let mut o = Value::map();
            o.path_mut_or_insert(&["metadata"]).set("name", name);
            o.path_mut_or_insert(&["metadata", "labels"])
                .set("team", "a");
            o.path_mut_or_insert(&["data"]).set("v", v);
            t.world
                .api("kind-kind", "test")
                .unwrap()
                .create(cm, o)
                .unwrap();
        };
        mk(&mut t, "one", "1");
        let mut sel = Selector::kind("ConfigMap");
        sel.labels.insert("team".into(), "a".into());
        let mut replaced = Evaluator::new(Check::Replaced { sel: sel.clone() });
        let mut changed = Evaluator::new(Check::Changed {
            sel,
            path: "data.v".parse().unwrap(),
        });
        assert!(!replaced.eval(&t, &a));
        assert!(!changed.eval(&t, &a));
        mk(&mut t, "two", "1");
        assert!(
            !replaced.eval(&t, &a),
            "a new one alone is not a replacement"
        );
        assert!(!changed.eval(&t, &a), "same value in the new object");
        t.world
            .api("kind-kind", "test")
            .unwrap()
            .delete(cm, Some("default"), "one")
            .unwrap();
        assert!(replaced.eval(&t, &a));
        assert!(!changed.eval(&t, &a));
        mk(&mut t, "three", "2");
        t.world
            .api("kind-kind", "test")
            .unwrap()
            .delete(cm, Some("default"), "two")
            .unwrap();
        assert!(changed.eval(&t, &a), "every object now has another value");
    }

    #[test]
    fn on_a_node_checks_keep_the_students_cluster_and_see_the_host() {
        let mut t = term();
        let a = Answers::default();
        let mut nodes = Evaluator::new(Check::Objects {
            sel: Selector::kind("Node"),
            count: Some((CmpOp::Eq, 3)),
            every: false,
        });
        let mut laptop = Evaluator::new(Check::Host(None));
        let mut worker = Evaluator::new(Check::Host(Some("kind-worker".into())));
        assert!(nodes.eval(&t, &a) && laptop.eval(&t, &a) && !worker.eval(&t, &a));
        t.run("ssh kind-worker");
        assert_eq!(t.host.as_deref(), Some("kind-worker"));
        assert!(
            nodes.eval(&t, &a),
            "still the kind cluster, though the node has no kubeconfig"
        );
        assert!(!laptop.eval(&t, &a) && worker.eval(&t, &a));
        t.run("exit");
        assert!(laptop.eval(&t, &a));
    }

    #[test]
    fn files_components_clusters_and_last_command() {
        let mut t = term();
        let a = Answers::default();
        let ev = |c: Check, t: &Terminal| Evaluator::new(c).eval(t, &a);
        t.fs.write("/home/student/notes.txt", "hello kubelet");
        let file = |path: &str, exists, contains: Option<&str>| Check::File {
            path: path.into(),
            exists,
            contains: contains.map(String::from),
        };
        assert!(ev(file("~/notes.txt", true, Some("kubelet")), &t));
        assert!(!ev(file("~/notes.txt", true, Some("etcd")), &t));
        assert!(ev(file("~/nope", false, None), &t));
        let sched = |up| Check::Component {
            cluster: None,
            name: "kube-scheduler".into(),
            up,
        };
        assert!(ev(sched(true), &t));
        t.world
            .clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kube-scheduler");
        assert!(ev(sched(false), &t));
        assert!(ev(
            Check::Cluster {
                name: "kind-kind".into(),
                exists: true
            },
            &t
        ));
        assert!(ev(
            Check::Cluster {
                name: "minikube".into(),
                exists: false
            },
            &t
        ));
        let ran = |s: Option<bool>| Check::Command {
            ran: "kubectl get nodes".into(),
            success: s,
        };
        assert!(!ev(ran(None), &t));
        t.run("k   get nodes kind-worker");
        assert!(ev(ran(Some(true)), &t));
        t.run("kubectl get");
        assert!(!ev(ran(None), &t));
    }
}
