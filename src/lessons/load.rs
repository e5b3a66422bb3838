//! Loading lessons from their files, with errors that point at a file, line and column.
//!
//! The engine never touches the disk or the network itself: [`Lesson::from_files`] takes a map
//! of relative path → text (the web app fetches them on demand from `lessons/<id>/...` URLs;
//! natively [`load_lesson_dir`] reads them). [`files_needed`] says which files a lesson needs
//! once its `lesson.yaml` is known. The format is documented in `lessons/README.md`.
//!
//! ```no_run
//! use kubesim::lessons::load;
//! let course = load::load_course_dir("lessons".as_ref()).unwrap();
//! let first = load::load_lesson_dir("lessons".as_ref(), &course.parts[0].lessons[0].id).unwrap();
//! assert!(!first.steps.is_empty());
//! ```

use super::check::{parse_count, Check, Cond, Path, Selector};
use super::demo::{self, DemoStep};
use super::markdown::{self, Block};
use super::schema::*;
use crate::sim::presets::Preset;
use crate::sim::value::Map;
use crate::sim::Value;
use crate::sort::SortSmall;
use std::collections::{BTreeMap, BTreeSet};

/// A problem in a lesson file. Displays as `03-x/lesson.yaml:12:5: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct LoadError {
    /// The file, relative to the `lessons/` folder.
    pub file: String,
    /// 1-based; 0 when the problem is the whole file (missing...).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl LoadError {
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        LoadError {
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// Parses YAML into a [`Value`] (line and column of syntax errors), with the simulation's codec.
pub fn parse_yaml(text: &str) -> Result<Value, (usize, usize, String)> {
    crate::sim::value::yaml::parse(text).map_err(|e| (e.line, e.column, e.message))
}

/// Parses a multi-document YAML stream (manifests).
pub fn parse_yaml_documents(text: &str) -> Result<Vec<Value>, (usize, usize, String)> {
    crate::sim::value::yaml::parse_documents(text).map_err(|e| (e.line, e.column, e.message))
}

/// Reads typed fields out of a parsed YAML file, remembering where each came from.
struct Reader<'a> {
    file: String,
    src: &'a str,
}

/// Where we are in the document: the keys walked so far (for locating errors).
type Trail<'t> = &'t [&'t str];

impl Reader<'_> {
    /// Finds the line and column of the last key of `trail` by walking the keys in order.
    fn locate(&self, trail: Trail) -> (usize, usize) {
        let lines: Vec<&str> = self.src.lines().collect();
        let mut at = 0usize;
        let mut found = (1, 1);
        for key in trail {
            if key.starts_with('[') {
                continue;
            }
            let hit = (at..lines.len()).find(|&i| {
                let t = lines[i].trim_start();
                let t = t.strip_prefix("- ").unwrap_or(t);
                t.strip_prefix(key).is_some_and(|r| r.starts_with(':'))
            });
            if let Some(i) = hit {
                let col = lines[i].find(key).unwrap_or(0) + 1;
                found = (i + 1, col);
                at = i + 1;
            }
        }
        found
    }
    fn err(&self, trail: Trail, message: impl Into<String>) -> LoadError {
        let (line, column) = self.locate(trail);
        LoadError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        }
    }
    fn map<'v>(&self, v: &'v Value, trail: Trail, allowed: &[&str]) -> Result<&'v Map, LoadError> {
        let Some(m) = v.as_map() else {
            return Err(self.err(trail, format!("{} must be a mapping", show(trail))));
        };
        for k in m.keys() {
            if !allowed.contains(&k) {
                let mut t = trail.to_vec();
                t.push(k);
                return Err(self.err(
                    &t,
                    format!(
                        "unknown field {k:?} in {} (expected one of: {})",
                        show(trail),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(m)
    }
    fn str(&self, v: &Value, trail: Trail) -> Result<String, LoadError> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Ok(super::check::scalar_text(v)),
            _ => Err(self.err(trail, format!("{} must be a string", show(trail)))),
        }
    }
    fn req<'v>(&self, m: &'v Map, key: &str, trail: Trail) -> Result<&'v Value, LoadError> {
        m.get(key)
            .ok_or_else(|| self.err(trail, format!("{} needs the field {key:?}", show(trail))))
    }
    fn req_str(&self, m: &Map, key: &str, trail: Trail) -> Result<String, LoadError> {
        let v = self.req(m, key, trail)?;
        self.str(v, &join(trail, key))
    }
    fn opt_str(&self, m: &Map, key: &str, trail: Trail) -> Result<Option<String>, LoadError> {
        m.get(key)
            .map(|v| self.str(v, &join(trail, key)))
            .transpose()
    }
    fn bool(&self, m: &Map, key: &str, default: bool, trail: Trail) -> Result<bool, LoadError> {
        match m.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.err(&join(trail, key), format!("{key} must be true or false"))),
        }
    }
    fn int(&self, m: &Map, key: &str, default: i64, trail: Trail) -> Result<i64, LoadError> {
        match m.get(key) {
            None => Ok(default),
            Some(Value::Int(i)) if *i >= 0 => Ok(*i),
            Some(_) => Err(self.err(
                &join(trail, key),
                format!("{key} must be a whole number ≥ 0"),
            )),
        }
    }
    fn strings(&self, m: &Map, key: &str, trail: Trail) -> Result<Vec<String>, LoadError> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Seq(items)) => items
                .iter()
                .map(|i| self.str(i, &join(trail, key)))
                .collect(),
            Some(Value::Str(s)) => Ok(vec![s.to_string()]),
            Some(_) => Err(self.err(
                &join(trail, key),
                format!("{key} must be a list of strings"),
            )),
        }
    }
    fn tr(&self, v: &Value, trail: Trail) -> Result<Tr<String>, LoadError> {
        let m = self.map(v, trail, &["fr", "en"])?;
        Ok(Tr {
            fr: self.req_str(m, "fr", trail)?,
            en: self.req_str(m, "en", trail)?,
        })
    }
}

fn join<'t>(trail: Trail<'t>, key: &'t str) -> Vec<&'t str> {
    let mut t = trail.to_vec();
    t.push(key);
    t
}

fn show(trail: Trail) -> String {
    if trail.is_empty() {
        "the file".into()
    } else {
        format!("`{}`", trail.join("."))
    }
}

fn parse_file(file: &str, src: &str) -> Result<Value, LoadError> {
    parse_yaml(src).map_err(|(line, column, message)| LoadError {
        file: file.to_string(),
        line,
        column,
        message: format!("invalid YAML: {message}"),
    })
}

/// Parses `course.yaml`.
pub fn parse_course(src: &str) -> Result<Course, LoadError> {
    let r = Reader {
        file: "course.yaml".into(),
        src,
    };
    let v = parse_file(&r.file, src)?;
    let m = r.map(&v, &[], &["title", "parts"])?;
    let title = r.tr(r.req(m, "title", &[])?, &["title"])?;
    let Some(parts_v) = r.req(m, "parts", &[])?.as_seq() else {
        return Err(r.err(&["parts"], "`parts` must be a list"));
    };
    let mut parts = Vec::new();
    let mut seen = BTreeSet::new();
    for p in parts_v {
        let pm = r.map(p, &["parts"], &["id", "title", "lessons"])?;
        let id = r.req_str(pm, "id", &["parts"])?;
        let trail = ["parts", "id"];
        let title = r.tr(r.req(pm, "title", &trail)?, &["parts", "title"])?;
        let Some(ls) = r.req(pm, "lessons", &trail)?.as_seq() else {
            return Err(r.err(&["parts", "lessons"], "`lessons` must be a list"));
        };
        let mut lessons = Vec::new();
        for l in ls {
            let trail = ["parts", "lessons"];
            let lm = r.map(l, &trail, &["id", "title", "draft"])?;
            let id = r.req_str(lm, "id", &trail)?;
            if !seen.insert(id.clone()) {
                return Err(r.err(
                    &["parts", "lessons", "id"],
                    format!("lesson id {id:?} is listed twice"),
                ));
            }
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(r.err(&["parts", "lessons", "id"], format!("lesson id {id:?} must be lower-case letters, digits and dashes (it is the folder name)")));
            }
            lessons.push(CourseEntry {
                title: r.tr(r.req(lm, "title", &trail)?, &["parts", "lessons", "title"])?,
                draft: r.opt_str(lm, "draft", &trail)?,
                id,
            });
        }
        parts.push(Part { id, title, lessons });
    }
    Ok(Course { title, parts })
}

/// The files of a lesson folder that [`Lesson::from_files`] will read, besides `lesson.yaml`:
/// the text in each language and every file the starting world refers to.
pub fn files_needed(lesson_yaml: &str) -> Result<Vec<String>, LoadError> {
    let r = Reader {
        file: "lesson.yaml".into(),
        src: lesson_yaml,
    };
    let v = parse_file(&r.file, lesson_yaml)?;
    let mut files = vec!["fr.md".to_string(), "en.md".to_string()];
    if let Some(world) = v.get("world") {
        if let Some(Value::Map(fm)) = world.get("files") {
            for src in fm.values() {
                files.push(r.str(src, &["world", "files"])?);
            }
        }
        if let Some(objs) = world.get("objects") {
            match objs {
                Value::Str(s) => files.push(s.to_string()),
                Value::Seq(items) => {
                    for i in items {
                        files.push(r.str(i, &["world", "objects"])?);
                    }
                }
                _ => {}
            }
        }
    }
    files.sort_small();
    files.dedup();
    Ok(files)
}

impl Lesson {
    /// Builds a lesson from its files: `files` maps paths relative to the lesson folder
    /// (`lesson.yaml`, `fr.md`, `en.md`, `files/kubeconfig`) to their text. `id` is the folder
    /// name; error file names are `<id>/<file>`.
    pub fn from_files(id: &str, files: &BTreeMap<String, String>) -> Result<Lesson, LoadError> {
        let file = |name: &str| format!("{id}/{name}");
        let get = |name: &str| {
            files
                .get(name)
                .ok_or_else(|| LoadError::whole_file(&file(name), "file is missing"))
        };
        let src = get("lesson.yaml")?;
        let r = Reader {
            file: file("lesson.yaml"),
            src,
        };
        let v = parse_file(&r.file, src)?;
        let m = r.map(&v, &[], &["minutes", "world", "terminal", "steps", "demo"])?;
        let minutes = r.int(m, "minutes", 15, &[])? as u32;

        // The starting world.
        let world = match m.get("world") {
            None => WorldSpec {
                preset: Preset::Kind,
                seed: 1,
                warmup_ms: 120_000,
                objects: Vec::new(),
                files: BTreeMap::new(),
                env: BTreeMap::new(),
                down: Vec::new(),
                setup: Vec::new(),
            },
            Some(w) => {
                let t: Trail = &["world"];
                let wm = r.map(
                    w,
                    t,
                    &[
                        "preset", "seed", "warmup_s", "objects", "files", "env", "down", "setup",
                    ],
                )?;
                let preset_name = r.opt_str(wm, "preset", t)?.unwrap_or_else(|| "kind".into());
                let preset = Preset::from_name(&preset_name).ok_or_else(|| {
                    let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                    r.err(
                        &["world", "preset"],
                        format!(
                            "unknown preset {preset_name:?} (one of: {})",
                            names.join(", ")
                        ),
                    )
                })?;
                let mut objects = Vec::new();
                let obj_files = match wm.get("objects") {
                    None => Vec::new(),
                    Some(Value::Str(s)) => vec![s.to_string()],
                    Some(_) => r.strings(wm, "objects", t)?,
                };
                for f in obj_files {
                    let text = get(&f).map_err(|_| {
                        r.err(
                            &["world", "objects"],
                            format!("objects file {f:?} is missing from the lesson folder"),
                        )
                    })?;
                    let docs = parse_yaml_documents(text).map_err(|(line, column, message)| {
                        LoadError {
                            file: file(&f),
                            line,
                            column,
                            message: format!("invalid YAML: {message}"),
                        }
                    })?;
                    for d in docs {
                        let kind = d.get("kind").and_then(Value::as_str).unwrap_or("");
                        if crate::sim::api::resource_for_kind(kind).is_none() {
                            return Err(LoadError::whole_file(
                                &file(&f),
                                format!("unknown kind {kind:?} in a manifest"),
                            ));
                        }
                        objects.push(d);
                    }
                }
                let mut wfiles = BTreeMap::new();
                if let Some(fv) = wm.get("files") {
                    let fm = fv.as_map().ok_or_else(|| {
                        r.err(
                            &["world", "files"],
                            "`files` maps a path in the terminal to a file of the lesson folder",
                        )
                    })?;
                    for (dest, srcv) in fm {
                        let srcf = r.str(srcv, &["world", "files"])?;
                        let text = get(&srcf).map_err(|_| {
                            r.err(
                                &["world", "files"],
                                format!("file {srcf:?} is missing from the lesson folder"),
                            )
                        })?;
                        let dest = super::check::expand_home(dest);
                        if !dest.starts_with('/') {
                            return Err(r.err(
                                &["world", "files"],
                                format!("{dest:?}: paths in the terminal start with / or ~/"),
                            ));
                        }
                        wfiles.insert(dest, text.clone());
                    }
                }
                let mut env = BTreeMap::new();
                if let Some(ev) = wm.get("env") {
                    let Some(em) = ev.as_map() else {
                        return Err(r.err(&["world", "env"], "`env` must map names to values"));
                    };
                    for (k, v) in em {
                        env.insert(k.to_string(), r.str(v, &["world", "env"])?);
                    }
                }
                WorldSpec {
                    preset,
                    seed: r.int(wm, "seed", 1, t)? as u64,
                    warmup_ms: r.int(wm, "warmup_s", 120, t)? as u64 * 1000,
                    objects,
                    files: wfiles,
                    env,
                    down: r.strings(wm, "down", t)?,
                    setup: r.strings(wm, "setup", t)?,
                }
            }
        };
        let terminal = match m.get("terminal") {
            None => TerminalSpec {
                disabled_commands: BTreeSet::new(),
                completion: true,
            },
            Some(tv) => {
                let t: Trail = &["terminal"];
                let tm = r.map(tv, t, &["disabled", "completion"])?;
                TerminalSpec {
                    disabled_commands: crate::sort::set_of(r.strings(tm, "disabled", t)?),
                    completion: r.bool(tm, "completion", true, t)?,
                }
            }
        };

        // The text, per language, split into the intro and one part per step.
        let mut texts: Tr<SplitText> = Tr::default();
        for lang in Lang::ALL {
            let name = format!("{}.md", lang.code());
            let md = get(&name)?;
            *texts.get_mut(lang) = split_steps(&file(&name), md)?;
        }
        let title = Tr {
            fr: first_heading(&texts.fr.0).unwrap_or_default(),
            en: first_heading(&texts.en.0).unwrap_or_default(),
        };

        // Steps.
        let Some(steps_v) = r.req(m, "steps", &[])?.as_seq() else {
            return Err(r.err(&["steps"], "`steps` must be a list"));
        };
        let mut steps = Vec::new();
        for sv in steps_v {
            let t: Trail = &["steps"];
            let sm = r.map(
                sv,
                t,
                &[
                    "id",
                    "setup",
                    "stop",
                    "start",
                    "check",
                    "hints",
                    "solution",
                    "wrong",
                    "max_wait_s",
                ],
            )?;
            let id = r.req_str(sm, "id", t)?;
            if steps.iter().any(|s: &Step| s.id == id) {
                return Err(r.err(&["steps", "id"], format!("step id {id:?} is used twice")));
            }
            let check = parse_check(&r, r.req(sm, "check", t)?, &["steps", "check"])?;
            let mut hints = Vec::new();
            if let Some(hv) = sm.get("hints") {
                let Some(items) = hv.as_seq() else {
                    return Err(r.err(&["steps", "hints"], "`hints` must be a list of {fr, en}"));
                };
                for h in items {
                    let tr = r.tr(h, &["steps", "hints"])?;
                    hints.push(Tr {
                        fr: markdown::parse(&tr.fr),
                        en: markdown::parse(&tr.en),
                    });
                }
            }
            let solution = parse_attempt(&r, r.req(sm, "solution", t)?, &["steps", "solution"])?;
            let mut wrong = Vec::new();
            if let Some(wv) = sm.get("wrong") {
                let Some(items) = wv.as_seq() else {
                    return Err(r.err(&["steps", "wrong"], "`wrong` must be a list of attempts"));
                };
                for w in items {
                    wrong.push(parse_attempt(&r, w, &["steps", "wrong"])?);
                }
            }
            let mut body: Tr<Vec<Block>> = Tr::default();
            for lang in Lang::ALL {
                let (_, by_step) = texts.get_mut(lang);
                *body.get_mut(lang) = by_step.remove(&id).ok_or_else(|| {
                    LoadError::whole_file(
                        &file(&format!("{}.md", lang.code())),
                        format!("no text for step {id:?} (add a line `<!-- step: {id} -->`)"),
                    )
                })?;
            }
            steps.push(Step {
                title: Tr {
                    fr: first_heading(&body.fr).unwrap_or_default(),
                    en: first_heading(&body.en).unwrap_or_default(),
                },
                body,
                setup: r.strings(sm, "setup", t)?,
                stop: r.strings(sm, "stop", t)?,
                start: r.strings(sm, "start", t)?,
                check,
                hints,
                solution,
                wrong,
                max_wait_ms: r.int(sm, "max_wait_s", 120, t)? as u64 * 1000,
                id,
            });
        }
        for lang in Lang::ALL {
            if let Some(extra) = texts.get(lang).1.keys().next() {
                return Err(LoadError::whole_file(
                    &file(&format!("{}.md", lang.code())),
                    format!("text for step {extra:?}, which lesson.yaml does not declare"),
                ));
            }
        }
        let demo = match m.get("demo") {
            None => Vec::new(),
            Some(dv) => parse_demo(&r, dv)?,
        };
        Ok(Lesson {
            id: id.to_string(),
            title,
            minutes,
            world,
            terminal,
            demo,
            intro: Tr {
                fr: texts.fr.0,
                en: texts.en.0,
            },
            steps,
        })
    }
}

/// `demo:` — a list of command lines, `pause: <seconds>`, `pause: trainer` (wait for the
/// trainer), `stop: <component>`, `start: <component>`, `say: {fr, en}`.
fn parse_demo(r: &Reader, v: &Value) -> Result<Vec<DemoStep>, LoadError> {
    let t: Trail = &["demo"];
    let Some(items) = v.as_seq() else {
        return Err(r.err(
            t,
            "`demo` must be a list of commands and {pause|stop|start|say}",
        ));
    };
    let mut out = Vec::new();
    for item in items {
        if let Value::Str(line) = item {
            if line.trim().is_empty() {
                return Err(r.err(t, "an empty command in `demo`"));
            }
            out.push(DemoStep::Run(line.to_string()));
            continue;
        }
        let m = r.map(item, t, &["pause", "stop", "start", "say"])?;
        if m.len() != 1 {
            return Err(r.err(
                t,
                "each `demo` entry has exactly one of pause, stop, start, say",
            ));
        }
        let step = if let Some(p) = m.get("pause") {
            match p {
                Value::Str(s) if s == "trainer" => DemoStep::Hold,
                Value::Int(n) if *n >= 0 => DemoStep::Wait {
                    ms: (*n as u64).saturating_mul(1000).min(demo::MAX_WAIT_MS),
                },
                Value::Float(f) if *f >= 0.0 => DemoStep::Wait {
                    ms: ((*f * 1000.0) as u64).min(demo::MAX_WAIT_MS),
                },
                _ => {
                    return Err(r.err(
                        &["demo", "pause"],
                        "`pause` is a number of seconds or `trainer` (wait for Continue)",
                    ))
                }
            }
        } else if m.contains_key("stop") {
            DemoStep::Stop(r.req_str(m, "stop", t)?)
        } else if m.contains_key("start") {
            DemoStep::Start(r.req_str(m, "start", t)?)
        } else {
            DemoStep::Say(r.tr(r.req(m, "say", t)?, &["demo", "say"])?)
        };
        out.push(step);
    }
    Ok(out)
}

fn first_heading(blocks: &[Block]) -> Option<String> {
    blocks.iter().find_map(|b| match b {
        Block::Heading { text, .. } => Some(markdown::plain_text(text)),
        _ => None,
    })
}

/// A lesson's text in one language: the intro, and each step's text by step id.
type SplitText = (Vec<Block>, BTreeMap<String, Vec<Block>>);

/// Splits a lesson's Markdown at `<!-- step: <id> -->` lines: the intro, then each step's text.
fn split_steps(file: &str, md: &str) -> Result<SplitText, LoadError> {
    let mut intro = String::new();
    let mut steps: Vec<(String, String)> = Vec::new();
    for (i, line) in md.lines().enumerate() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("<!--").and_then(|r| r.strip_suffix("-->")) {
            if let Some(id) = rest.trim().strip_prefix("step:") {
                let id = id.trim().to_string();
                if id.is_empty() || steps.iter().any(|(s, _)| *s == id) {
                    return Err(LoadError {
                        file: file.to_string(),
                        line: i + 1,
                        column: 1,
                        message: format!("step marker with an empty or repeated id {id:?}"),
                    });
                }
                steps.push((id, String::new()));
                continue;
            }
        }
        let target = match steps.last_mut() {
            Some((_, text)) => text,
            None => &mut intro,
        };
        target.push_str(line);
        target.push('\n');
    }
    Ok((
        markdown::parse(&intro),
        crate::sort::map_of(
            steps
                .into_iter()
                .map(|(id, text)| (id, markdown::parse(&text))),
        ),
    ))
}

fn parse_attempt(r: &Reader, v: &Value, trail: Trail) -> Result<Attempt, LoadError> {
    match v {
        Value::Seq(_) | Value::Str(_) => {
            let mut m = Map::new();
            m.insert("commands".into(), v.clone());
            Ok(Attempt {
                commands: r.strings(&m, "commands", trail)?,
                quiz: BTreeMap::new(),
            })
        }
        _ => {
            let m = r.map(v, trail, &["commands", "quiz"])?;
            let mut quiz = BTreeMap::new();
            if let Some(qv) = m.get("quiz") {
                let Some(qm) = qv.as_map() else {
                    return Err(r.err(
                        &join(trail, "quiz"),
                        "`quiz` maps a quiz id to the chosen answers, e.g. {q-cncf: [1]}",
                    ));
                };
                for (id, answers) in qm {
                    let picks = match answers {
                        Value::Int(i) => vec![*i],
                        Value::Seq(items) => items.iter().filter_map(Value::as_i64).collect(),
                        _ => Vec::new(),
                    };
                    if picks.is_empty() || picks.iter().any(|p| *p < 0) {
                        return Err(r.err(
                            &join(trail, "quiz"),
                            format!("answers to quiz {id:?} must be choice numbers from 0"),
                        ));
                    }
                    quiz.insert(
                        id.to_string(),
                        picks.into_iter().map(|p| p as usize).collect(),
                    );
                }
            }
            Ok(Attempt {
                commands: r.strings(m, "commands", trail)?,
                quiz,
            })
        }
    }
}

const CHECK_KINDS: &[&str] = &[
    "all",
    "any",
    "not",
    "sequence",
    "ever",
    "objects",
    "component",
    "cluster",
    "kubeconfig",
    "file",
    "command",
    "quiz",
    "host",
    "replaced",
    "changed",
];

/// Parses a `check:` block (see `lessons/README.md` for every kind).
pub fn parse_check_value(file: &str, src: &str, v: &Value) -> Result<Check, LoadError> {
    let r = Reader {
        file: file.to_string(),
        src,
    };
    parse_check(&r, v, &["check"])
}

fn parse_check(r: &Reader, v: &Value, trail: Trail) -> Result<Check, LoadError> {
    let m = r.map(v, trail, CHECK_KINDS)?;
    if m.len() != 1 {
        return Err(r.err(
            trail,
            format!(
                "a check has exactly one of: {} (combine several with `all:`)",
                CHECK_KINDS.join(", ")
            ),
        ));
    }
    let Some((kind, body)) = m.iter().next() else {
        return Err(r.err(trail, "empty check"));
    };
    let t = join(trail, kind);
    let list = |body: &Value| -> Result<Vec<Check>, LoadError> {
        let Some(items) = body.as_seq() else {
            return Err(r.err(&t, format!("`{kind}` takes a list of checks")));
        };
        items.iter().map(|c| parse_check(r, c, &t)).collect()
    };
    Ok(match kind {
        "all" => Check::All(list(body)?),
        "any" => Check::Any(list(body)?),
        "sequence" => Check::Sequence(list(body)?),
        "not" => Check::Not(Box::new(parse_check(r, body, &t)?)),
        "ever" => Check::Ever(Box::new(parse_check(r, body, &t)?)),
        "quiz" => Check::Quiz(r.str(body, &t)?),
        "host" => match r.str(body, &t)?.as_str() {
            "laptop" => Check::Host(None),
            machine => Check::Host(Some(machine.to_string())),
        },
        "objects" => {
            let bm = r.map(
                body,
                &t,
                &[
                    "cluster",
                    "kind",
                    "namespace",
                    "name",
                    "name_prefix",
                    "labels",
                    "where",
                    "count",
                    "every",
                ],
            )?;
            let sel = selector(r, bm, &t)?;
            let count = r
                .opt_str(bm, "count", &t)?
                .map(|c| parse_count(&c).map_err(|e| r.err(&join(&t, "count"), e)))
                .transpose()?;
            Check::Objects {
                sel,
                count,
                every: r.bool(bm, "every", false, &t)?,
            }
        }
        "replaced" => {
            let bm = r.map(
                body,
                &t,
                &[
                    "cluster",
                    "kind",
                    "namespace",
                    "name",
                    "name_prefix",
                    "labels",
                    "where",
                ],
            )?;
            Check::Replaced {
                sel: selector(r, bm, &t)?,
            }
        }
        "changed" => {
            let bm = r.map(
                body,
                &t,
                &[
                    "cluster",
                    "kind",
                    "namespace",
                    "name",
                    "name_prefix",
                    "labels",
                    "where",
                    "path",
                ],
            )?;
            let path: Path = r
                .req_str(bm, "path", &t)?
                .parse()
                .map_err(|e: String| r.err(&join(&t, "path"), e))?;
            Check::Changed {
                sel: selector(r, bm, &t)?,
                path,
            }
        }
        "component" => {
            let bm = r.map(body, &t, &["cluster", "name", "up"])?;
            Check::Component {
                cluster: r.opt_str(bm, "cluster", &t)?,
                name: r.req_str(bm, "name", &t)?,
                up: r.bool(bm, "up", true, &t)?,
            }
        }
        "cluster" => {
            let bm = r.map(body, &t, &["name", "exists"])?;
            Check::Cluster {
                name: r.req_str(bm, "name", &t)?,
                exists: r.bool(bm, "exists", true, &t)?,
            }
        }
        "kubeconfig" => {
            let bm = r.map(body, &t, &["path", "current_context", "where"])?;
            Check::Kubeconfig {
                path: r.opt_str(bm, "path", &t)?,
                current_context: r.opt_str(bm, "current_context", &t)?,
                conds: conds(r, bm, &t)?,
            }
        }
        "file" => {
            let bm = r.map(body, &t, &["path", "exists", "contains"])?;
            Check::File {
                path: r.req_str(bm, "path", &t)?,
                exists: r.bool(bm, "exists", true, &t)?,
                contains: r.opt_str(bm, "contains", &t)?,
            }
        }
        "command" => {
            let bm = r.map(body, &t, &["ran", "success"])?;
            Check::Command {
                ran: r.req_str(bm, "ran", &t)?,
                success: bm
                    .contains_key("success")
                    .then(|| r.bool(bm, "success", true, &t))
                    .transpose()?,
            }
        }
        other => return Err(r.err(&t, format!("unknown check {other:?}"))),
    })
}

fn conds(r: &Reader, m: &Map, trail: Trail) -> Result<Vec<Cond>, LoadError> {
    r.strings(m, "where", trail)?
        .iter()
        .map(|c| {
            c.parse::<Cond>()
                .map_err(|e| r.err(&join(trail, "where"), e))
        })
        .collect()
}

fn selector(r: &Reader, m: &Map, trail: Trail) -> Result<Selector, LoadError> {
    let kind = r.req_str(m, "kind", trail)?;
    if crate::sim::api::resource_for_kind(&kind).is_none()
        && crate::sim::api::resource_for(&kind).is_none()
    {
        return Err(r.err(&join(trail, "kind"), format!("unknown kind {kind:?}")));
    }
    let mut labels = BTreeMap::new();
    if let Some(lv) = m.get("labels") {
        let Some(lm) = lv.as_map() else {
            return Err(r.err(&join(trail, "labels"), "`labels` maps label keys to values"));
        };
        for (k, v) in lm {
            labels.insert(k.to_string(), r.str(v, &join(trail, "labels"))?);
        }
    }
    Ok(Selector {
        cluster: r.opt_str(m, "cluster", trail)?,
        kind,
        namespace: r.opt_str(m, "namespace", trail)?,
        name: r.opt_str(m, "name", trail)?,
        name_prefix: r.opt_str(m, "name_prefix", trail)?,
        labels,
        conds: conds(r, m, trail)?,
    })
}

/// Reads `course.yaml` from a lessons folder on disk (native builds and tests).
pub fn load_course_dir(dir: &std::path::Path) -> Result<Course, LoadError> {
    let text = std::fs::read_to_string(dir.join("course.yaml"))
        .map_err(|e| LoadError::whole_file("course.yaml", e.to_string()))?;
    parse_course(&text)
}

/// Reads one lesson folder from disk (native builds and tests).
pub fn load_lesson_dir(dir: &std::path::Path, id: &str) -> Result<Lesson, LoadError> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(id).join(name))
            .map_err(|e| LoadError::whole_file(&format!("{id}/{name}"), e.to_string()))
    };
    let yaml = read("lesson.yaml")?;
    let mut files = BTreeMap::new();
    for f in files_needed(&yaml).map_err(|mut e| {
        e.file = format!("{id}/lesson.yaml");
        e
    })? {
        if let Ok(text) = read(&f) {
            files.insert(f, text);
        }
    }
    files.insert("lesson.yaml".into(), yaml);
    Lesson::from_files(id, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(yaml: &str) -> BTreeMap<String, String> {
        [
            ("lesson.yaml", yaml),
            ("fr.md", "# T\n<!-- step: a -->\n## A\ntexte\n"),
            ("en.md", "# T\n<!-- step: a -->\n## A\ntext\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn errors_point_at_file_line_and_column() {
        let cases = [
            (
                "steps:\n  - id: a\n    check:\n      objects: {kind: Pod, colour: red}\n    solution: [x]\n",
                "01-x/lesson.yaml:4:",
                "unknown field \"colour\"",
            ),
            (
                "steps:\n  - id: a\n    check: {objects: {kind: Pod, where: [\"spec.x ~ 1\"]}}\n    solution: [x]\n",
                "01-x/lesson.yaml:3:",
                "unknown operator",
            ),
            (
                "world:\n  preset: gke\nsteps: []\n",
                "01-x/lesson.yaml:2:3",
                "unknown preset \"gke\"",
            ),
            (
                "steps:\n  - id: a\n    check: {wat: 1}\n    solution: [x]\n",
                "01-x/lesson.yaml:3:",
                "unknown field \"wat\"",
            ),
            (
                "steps:\n  - id: a\n    check: {quiz: q}\n",
                "01-x/lesson.yaml:",
                "needs the field \"solution\"",
            ),
            (
                "steps:\n  - id: b\n    check: {quiz: q}\n    solution: [x]\n",
                "01-x/fr.md:0:0",
                "no text for step \"b\"",
            ),
            (
                "world:\n  objects: files/missing.yaml\nsteps: []\n",
                "01-x/lesson.yaml:2:",
                "missing from the lesson folder",
            ),
            ("steps:\n  - id: a\n  bad indent: [\n", "01-x/lesson.yaml:3:", "invalid YAML"),
        ];
        for (yaml, at, msg) in cases {
            let err = Lesson::from_files("01-x", &files(yaml))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(at) && err.contains(msg), "{yaml}\n=> {err}");
        }
    }

    #[test]
    fn a_full_lesson_loads_with_world_terminal_and_attempts() {
        let mut f = files(
            "minutes: 7\nworld:\n  preset: minikube\n  seed: 9\n  warmup_s: 5\n  objects: [files/o.yaml]\n  files:\n    ~/.kube/extra: files/o.yaml\n  env: {KUBECONFIG: ~/.kube/extra}\n  down: [kube-scheduler]\n  setup: [echo hi]\nterminal:\n  disabled: [kubeadm]\n  completion: false\nsteps:\n  - id: a\n    setup: [echo step]\n    check:\n      all:\n        - objects: {kind: ConfigMap, name: c, count: \">= 1\", where: [\"data.k == v\"]}\n        - sequence: [{component: {name: kube-scheduler, up: false}}, {component: {name: kube-scheduler}}]\n        - not: {file: {path: ~/x, contains: y}}\n        - changed: {kind: Deployment, name: w, path: \"spec.replicas\"}\n    hints:\n      - fr: un\n        en: one\n    solution:\n      commands: [kubectl get cm]\n      quiz: {q: 1}\n    wrong:\n      - [kubectl get pods]\n      - quiz: {q: [0, 2]}\n    max_wait_s: 30\n",
        );
        f.insert(
            "files/o.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n".into(),
        );
        assert_eq!(
            files_needed(&f["lesson.yaml"]).unwrap(),
            vec!["en.md", "files/o.yaml", "fr.md"]
        );
        let l = Lesson::from_files("01-x", &f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((l.minutes, l.world.seed, l.world.warmup_ms), (7, 9, 5000));
        assert_eq!(l.world.preset, Preset::Minikube);
        assert_eq!(l.world.objects.len(), 2);
        assert!(l.world.files.contains_key("/home/student/.kube/extra"));
        assert_eq!(l.world.env["KUBECONFIG"], "~/.kube/extra");
        assert!(l.terminal.disabled_commands.contains("kubeadm") && !l.terminal.completion);
        let s = &l.steps[0];
        assert_eq!((s.title.fr.as_str(), s.title.en.as_str()), ("A", "A"));
        assert_eq!(s.solution.quiz["q"], vec![1]);
        assert_eq!(s.wrong.len(), 2);
        assert_eq!(s.max_wait_ms, 30_000);
        assert!(matches!(&s.check, Check::All(c) if c.len() == 4));
    }

    #[test]
    fn course_index_rejects_duplicates_and_bad_ids() {
        let ok = "title: {fr: C, en: C}\nparts:\n  - id: p\n    title: {fr: P, en: P}\n    lessons:\n      - id: 01-a\n        title: {fr: A, en: A}\n      - id: 02-b\n        title: {fr: B, en: B}\n        draft: needs kubectl scale\n";
        let c = parse_course(ok).unwrap();
        assert_eq!(
            c.entry("02-b").and_then(|e| e.draft.as_deref()),
            Some("needs kubectl scale")
        );
        assert_eq!(c.next_after("01-a").map(|e| e.id.as_str()), Some("02-b"));
        let dup = ok.replace("02-b", "01-a");
        assert!(parse_course(&dup)
            .unwrap_err()
            .to_string()
            .contains("listed twice"));
        let bad = ok.replace("02-b", "02 B");
        assert!(parse_course(&bad)
            .unwrap_err()
            .to_string()
            .contains("lower-case"));
        let no_en = ok.replace("{fr: A, en: A}", "{fr: A}");
        assert!(parse_course(&no_en)
            .unwrap_err()
            .to_string()
            .contains("needs the field \"en\""));
    }
}
