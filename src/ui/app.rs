//! The root component: the session reducer around [`Core`], the simulation clock, saving,
//! URL parameters, global shortcuts and the page layout (three resizable panes).

use super::browser;
use super::cluster::ClusterPane;
use super::controls::{demo_action, BarEvent, DemoBar, DemoState, NoticeBar, TopBar};
use super::core::{Core, LineKind, Target, MAX_QUANTA_PER_TICK};
use super::i18n::{t, tf, Lang};
use super::journal::{self, DecodeError, Saved};
use super::lesson_view::LessonPane;
use super::terminal::TerminalView;
use crate::lessons::demo::DemoStep;
use crate::lessons::{Course, Lesson};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Wall-clock ms between simulation ticks while the simulation keeps up.
pub const TICK_MS: u32 = 100;
/// Wall-clock ms of simulation work one tick may do: a busy quantum (3,000 pods starting)
/// is run a few units at a time over several ticks, so frames keep coming (60 fps leaves
/// 16.7 ms a frame: half for the simulation, half for rendering and input).
pub const SLICE_BUDGET_MS: f64 = 8.0;
/// The view is redrawn by the clock at most this often while the simulation keeps up...
pub const RENDER_EVERY_MS: f64 = 100.0;
/// ... and at most this often while it is behind (a busy quantum in progress or time owed),
/// each redraw in a task of its own and updating a few node cards only
/// ([`super::cluster::stagger`]): a cluster whose 3,000 pods all change is redrawn over
/// several frames, and the simulation keeps most of the time.
pub const RENDER_BUSY_EVERY_MS: f64 = 150.0;
/// Save the session every this many redraws by the clock (and after every command).
const SAVE_EVERY_TICKS: u64 = 30;

/// A shared handle on the core, equal to itself only (so props holding it never force a
/// re-render; components read it at event time).
#[derive(Clone)]
pub struct CoreRef(pub Rc<RefCell<Core>>);

impl PartialEq for CoreRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// An `Rc` compared by pointer: cheap props for big, copy-on-write data (scrollback, log).
#[derive(Clone, Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The reducer's state: the core and a version bumped on every change.
#[derive(Clone)]
pub struct Session {
    pub core: CoreRef,
    pub version: u64,
    ticks: u64,
    /// `performance.now()` of the last redraw by the clock.
    drawn_at_ms: f64,
    /// What the clock showed at the last redraw.
    drawn: Drawn,
}

/// What a clock tick may change on screen: the simulated time, the current cluster's etcd
/// revision, how far behind the simulation is (as the top bar shows it).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Drawn {
    now_ms: u64,
    revision: i64,
    behind: Option<u64>,
}

impl Drawn {
    fn of(core: &Core) -> Drawn {
        Drawn {
            now_ms: core.term.world.now().as_ms(),
            revision: core.revision(),
            behind: super::controls::behind_tenths(core.behind_ms(), core.speed),
        }
    }
}

impl Session {
    /// The state of a fresh reducer around `core`.
    pub fn new(core: CoreRef) -> Self {
        Session {
            core,
            version: 0,
            ticks: 0,
            drawn_at_ms: 0.0,
            drawn: Drawn::default(),
        }
    }
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.core == other.core
    }
}

pub type Dispatch = UseReducerDispatcher<Session>;

pub enum Action {
    Submit(String),
    /// Ctrl+C with what was typed on the line.
    Interrupt(String),
    Clear,
    /// The clock: `wall_ms` passed since the last tick; simulate until `performance.now()`
    /// reaches `deadline_ms` (see [`Core::advance`]).
    Tick {
        wall_ms: f64,
        deadline_ms: f64,
    },
    SetPaused(bool),
    Speed(f64),
    Step,
    RunUntilStable,
    Fault {
        cluster: String,
        component: String,
        up: bool,
    },
    Undo,
    Rewind(usize),
    Reset,
    ViewRevision(Option<i64>),
    Select(Option<Target>),
    EditorSave(String),
    EditorCancel,
    SetLang(Lang),
    /// A lesson finished loading: start it (or resume a saved session on it), then run
    /// `cmds` (from the URL).
    LessonLoaded {
        lesson: Rc<Lesson>,
        resume: Option<Saved>,
        cmds: Vec<String>,
    },
    Quiz {
        id: String,
        picks: Vec<usize>,
    },
    Hint,
    Import(String),
    /// Restore a saved session without a lesson (sent after the first render when replaying
    /// its journal needs the deferred module, see [`initial_core`]).
    Resume(Saved),
    Notice(Option<String>),
    /// A demo caption: a note in the terminal, in the current language.
    Say(crate::lessons::schema::Tr<String>),
}

/// Does this action run code that the browser build downloads after the first page
/// ([`crate::term::deferred`])? Such actions wait for it (`super::split::hold`).
pub fn waits_for_split(action: &Action, core: &Core) -> bool {
    use crate::term::deferred::needs;
    match action {
        Action::Submit(line) => needs(line),
        // The cluster view's details run `kubectl describe` on a scratch terminal.
        Action::Select(Some(_)) => true,
        Action::Import(_) => true,
        Action::Resume(saved) => journal::needs_deferred(&saved.journal),
        Action::LessonLoaded {
            lesson,
            resume,
            cmds,
        } => {
            lesson.world.setup.iter().any(|l| needs(l))
                || lesson.steps.iter().flat_map(|s| &s.setup).any(|l| needs(l))
                || resume
                    .as_ref()
                    .is_some_and(|s| journal::needs_deferred(&s.journal))
                || cmds.iter().any(|c| needs(c))
        }
        // Rewinding replays the journal.
        Action::Undo | Action::Rewind(_) | Action::Reset => journal::needs_deferred(&core.journal),
        _ => false,
    }
}

fn save(core: &Core) {
    // While actions wait for the deferred module, the core on screen is not the session yet
    // (a saved one is still to be replayed): keep the saved copy.
    #[cfg(feature = "split")]
    if super::split::holding() {
        return;
    }
    browser::store(browser::SESSION_KEY, &core.to_saved().encode());
}

impl Reducible for Session {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        #[cfg(feature = "split")]
        let Some(action) =
            super::split::hold(action, |a| waits_for_split(a, &self.core.0.borrow()))
        else {
            return self;
        };
        let mut ticks = self.ticks;
        let mut drawn_at_ms = self.drawn_at_ms;
        let drawn;
        {
            let mut core = self.core.0.borrow_mut();
            let mut persist = true;
            let is_tick = matches!(action, Action::Tick { .. });
            if !is_tick || !core.paused {
                core.just_done.clear();
            }
            match action {
                Action::Submit(line) => core.submit(&line),
                Action::Interrupt(typed) => core.interrupt(&typed),
                Action::Clear => {
                    core.clear_screen();
                    persist = false;
                }
                Action::Tick {
                    wall_ms,
                    deadline_ms,
                } => {
                    if core.paused {
                        drop(core);
                        return self;
                    }
                    core.owe(wall_ms);
                    // A redraw (3,000 pods: tens of ms) and a slice of simulation never share
                    // a task while the simulation is busy, and redraws are rarer then. A
                    // quantum in progress may be drawn: every API write is whole, so the view
                    // shows a cluster caught mid-flight, as kubectl would.
                    let since_ms = now_ms() - self.drawn_at_ms;
                    let every_ms = if core.sim_busy() {
                        RENDER_BUSY_EVERY_MS
                    } else {
                        RENDER_EVERY_MS
                    };
                    if since_ms < every_ms || Drawn::of(&core) == self.drawn {
                        core.run(MAX_QUANTA_PER_TICK, || now_ms() < deadline_ms);
                        // Keeping up (a quantum is cheap): simulate and draw in one tick.
                        if core.sim_busy()
                            || since_ms < RENDER_EVERY_MS
                            || Drawn::of(&core) == self.drawn
                        {
                            drop(core);
                            return self;
                        }
                    }
                    let now = now_ms();
                    drawn_at_ms = now;
                    ticks += 1;
                    persist = ticks % SAVE_EVERY_TICKS == 0;
                }
                Action::SetPaused(p) => core.paused = p,
                Action::Speed(s) => core.speed = s.clamp(0.1, 10.0),
                Action::Step => core.step_once(),
                Action::RunUntilStable => {
                    core.run_until_stable();
                }
                Action::Fault {
                    cluster,
                    component,
                    up,
                } => core.fault(&cluster, &component, up),
                Action::Undo => {
                    let last = core.journal.iter().rev().find_map(|(_, e)| match e {
                        super::journal::Entry::Cmd(c) => Some(c.clone()),
                        _ => None,
                    });
                    if core.undo() {
                        let l = core.lang;
                        let note = tf(l, "rewound", &[("cmd", last.as_deref().unwrap_or(""))]);
                        core.push_line(LineKind::Note, note);
                    }
                }
                Action::Rewind(i) => {
                    let cmd = match core.journal.get(i) {
                        Some((_, super::journal::Entry::Cmd(c))) => c.clone(),
                        Some((_, e)) => format!("{e:?}"),
                        None => String::new(),
                    };
                    core.rewind_to(i);
                    let l = core.lang;
                    let note = tf(l, "rewound", &[("cmd", &cmd)]);
                    core.push_line(LineKind::Note, note);
                }
                Action::Reset => core.reset(),
                Action::ViewRevision(r) => {
                    core.view_revision = r;
                    persist = false;
                }
                Action::Select(target) => {
                    core.select(target);
                    persist = false;
                }
                Action::EditorSave(text) => core.save_file(text),
                Action::EditorCancel => core.cancel_editor(),
                Action::SetLang(l) => core.lang = l,
                Action::LessonLoaded {
                    lesson,
                    resume,
                    cmds,
                } => {
                    let lang = core.lang;
                    let mut fresh = match resume {
                        Some(saved) if saved.lesson.as_deref() == Some(lesson.id.as_str()) => {
                            Core::from_saved(&saved, Some(lesson))
                        }
                        _ => Core::for_lesson(lesson, core.progress.clone()),
                    };
                    fresh.lang = lang;
                    fresh.epoch = core.epoch + 1;
                    fresh.notice = core.notice.take();
                    fresh.push_line(LineKind::Note, t(lang, "welcome_term"));
                    for c in &cmds {
                        fresh.submit(c);
                    }
                    *core = fresh;
                }
                Action::Quiz { id, picks } => core.answer_quiz(&id, &picks),
                Action::Hint => core.next_hint(),
                Action::Import(text) => match Saved::decode(&text) {
                    Ok(saved) => {
                        let lesson = core
                            .lesson
                            .clone()
                            .filter(|l| saved.lesson.as_deref() == Some(l.id.as_str()));
                        let mut fresh = Core::from_saved(&saved, lesson);
                        fresh.epoch = core.epoch + 1;
                        fresh.notice = Some(t(fresh.lang, "imported").to_string());
                        *core = fresh;
                    }
                    Err(e) => {
                        let l = core.lang;
                        core.notice = Some(tf(l, "import_failed", &[("error", &e.to_string())]));
                        persist = false;
                    }
                },
                Action::Resume(saved) => {
                    let mut fresh = Core::from_saved(&saved, None);
                    fresh.epoch = core.epoch + 1;
                    fresh.notice = core.notice.take();
                    *core = fresh;
                }
                Action::Notice(n) => {
                    core.notice = n;
                    persist = false;
                }
                Action::Say(text) => {
                    let line = if core.lang == Lang::En {
                        text.en
                    } else {
                        text.fr
                    };
                    core.push_line(LineKind::Note, line);
                    persist = false;
                }
            }
            if persist {
                save(&core);
            }
            drawn = Drawn::of(&core);
        }
        Rc::new(Session {
            core: self.core.clone(),
            version: self.version + 1,
            ticks,
            drawn_at_ms,
            drawn,
        })
    }
}

/// What the URL asked for (`?lesson=&lang=&preset=&seed=&cmds=&presenter=&demo=`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UrlParams {
    pub lesson: Option<String>,
    pub lang: Option<Lang>,
    pub preset: Option<String>,
    pub seed: Option<u64>,
    pub cmds: Vec<String>,
    pub presenter: bool,
    pub demo: Vec<DemoStep>,
    /// `bench=100x3000`: add that many nodes and pods (load test of the cluster view).
    pub bench: Option<(usize, usize)>,
}

impl UrlParams {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut p = UrlParams::default();
        for (k, v) in pairs {
            match k.as_str() {
                "lesson" => p.lesson = Some(v.clone()).filter(|v| !v.is_empty()),
                "lang" => p.lang = Lang::from_code(v),
                "preset" => {
                    p.preset = crate::sim::presets::Preset::from_name(v).map(|x| x.name().into())
                }
                "seed" => p.seed = v.parse().ok(),
                "cmds" => p.cmds = browser::split_cmds(v),
                "demo" => {
                    p.demo = browser::split_cmds(v)
                        .iter()
                        .map(|s| DemoStep::parse_url(s))
                        .collect()
                }
                "presenter" => p.presenter = v != "0" && v != "false",
                "bench" => {
                    p.bench = v.split_once('x').and_then(|(n, m)| {
                        Some((
                            n.parse::<usize>()
                                .ok()?
                                .min(super::journal::BENCH_MAX_NODES),
                            m.parse::<usize>().ok()?.min(super::journal::BENCH_MAX_PODS),
                        ))
                    })
                }
                _ => {}
            }
        }
        p
    }
    /// Does the URL describe its own sandbox (instead of resuming the saved one)?
    pub fn fresh_sandbox(&self) -> bool {
        self.preset.is_some()
            || self.seed.is_some()
            || !self.cmds.is_empty()
            || !self.demo.is_empty()
            || self.bench.is_some()
    }
}

/// What to load after the first render: a lesson (by id), maybe resuming a saved session.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub lesson: Option<String>,
    pub resume: Option<Saved>,
    pub cmds: Vec<String>,
    /// No lesson, and `resume` (then `cmds`) still to be applied: replaying them needs the
    /// deferred module (browser build), so they are dispatched after the first render
    /// ([`Action::Resume`], [`Action::Submit`]) and wait for it.
    pub later: bool,
}

/// The session the page starts with: from the URL, else the saved one, else a fresh one.
/// An unreadable saved session is kept aside (for export) and reported in a notice. A
/// session on a lesson starts once the lesson's files are fetched ([`Pending`]).
fn initial_core(params: &UrlParams) -> (Core, Pending) {
    let mut pending = Pending {
        lesson: params.lesson.clone(),
        resume: None,
        cmds: Vec::new(),
        later: false,
    };
    let lang = params.lang.unwrap_or(Lang::Fr);
    let mut core = if params.fresh_sandbox() {
        Core::new(
            params.seed.unwrap_or(1),
            params.preset.as_deref().unwrap_or("kind"),
        )
    } else {
        match browser::load(browser::SESSION_KEY).map(|s| (Saved::decode(&s), s)) {
            Some((Ok(saved), _)) => {
                if saved.lesson.is_some() && pending.lesson.is_none() {
                    pending.lesson = saved.lesson.clone();
                }
                let c = if saved.lesson.is_some() {
                    // Replayed once the lesson is loaded; meanwhile keep its progress.
                    let mut c = Core::new(1, "kind");
                    c.progress =
                        crate::lessons::progress::Progress::from_json(&saved.progress_json).0;
                    c
                } else if cfg!(feature = "split") && journal::needs_deferred(&saved.journal) {
                    pending.later = true;
                    Core::new(saved.seed, &saved.preset)
                } else {
                    Core::from_saved(&saved, None)
                };
                pending.resume = Some(saved);
                c
            }
            Some((Err(e), blob)) => {
                browser::store(browser::CORRUPT_KEY, &blob);
                browser::remove(browser::SESSION_KEY);
                let mut c = Core::new(1, "kind");
                let e = match e {
                    DecodeError::Version(v) => format!("v{v}"),
                    e => e.to_string(),
                };
                c.notice = Some(tf(lang, "corrupt_notice", &[("error", &e)]));
                c
            }
            None => Core::new(1, "kind"),
        }
    };
    if let Some(l) = params.lang {
        core.lang = l;
    }
    if let Some((nodes, pods)) = params.bench {
        core.bench(nodes, pods);
    }
    if core.lines.is_empty() {
        core.push_line(LineKind::Note, t(core.lang, "welcome_term"));
    }
    let cmds_later =
        cfg!(feature = "split") && params.cmds.iter().any(|c| crate::term::deferred::needs(c));
    if pending.lesson.is_some() {
        pending.cmds = params.cmds.clone();
    } else if pending.later || cmds_later {
        pending.later = true;
        pending.cmds = params.cmds.clone();
    } else {
        for c in &params.cmds {
            core.submit(c);
        }
    }
    (core, pending)
}

/// A lesson id is a folder name: no path tricks.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Fetches `lessons/course.yaml` (relative to the page).
fn load_course(done: impl FnOnce(Result<Course, String>) + 'static) {
    browser::fetch_text("lessons/course.yaml", move |r| {
        done(r.and_then(|text| crate::lessons::catalog(&text).map_err(|e| e.to_string())))
    });
}

type LessonDone = Box<dyn FnOnce(Result<Lesson, String>)>;

/// The files of a lesson being fetched.
struct Gather {
    id: String,
    files: BTreeMap<String, String>,
    left: usize,
    done: Option<LessonDone>,
}

impl Gather {
    fn finish(state: &Rc<RefCell<Gather>>, failed: Option<String>) {
        let mut g = state.borrow_mut();
        let Some(done) = g.done.take() else { return };
        let result = match failed {
            Some(e) => Err(e),
            None => Lesson::from_files(&g.id, &g.files).map_err(|e| e.to_string()),
        };
        drop(g);
        done(result);
    }
}

/// Fetches a lesson's files (`lessons/<id>/lesson.yaml`, then the files it needs) and builds it.
pub fn load_lesson(id: String, done: impl FnOnce(Result<Lesson, String>) + 'static) {
    if !valid_id(&id) {
        return done(Err(format!("invalid lesson id {id:?}")));
    }
    let base = format!("lessons/{id}/");
    browser::fetch_text(&format!("{base}lesson.yaml"), move |r| {
        let yaml = match r {
            Ok(y) => y,
            Err(e) => return done(Err(e)),
        };
        let needed = match crate::lessons::load::files_needed(&yaml) {
            Ok(n) => n,
            Err(e) => return done(Err(e.to_string())),
        };
        let state = Rc::new(RefCell::new(Gather {
            id,
            files: crate::sort::map_of([("lesson.yaml".to_string(), yaml)]),
            left: needed.len(),
            done: Some(Box::new(done)),
        }));
        if needed.is_empty() {
            return Gather::finish(&state, None);
        }
        for name in needed {
            let st = state.clone();
            browser::fetch_text(&format!("{base}{name}"), move |r| match r {
                Ok(text) => {
                    let left = {
                        let mut g = st.borrow_mut();
                        g.files.insert(name, text);
                        g.left -= 1;
                        g.left
                    };
                    if left == 0 {
                        Gather::finish(&st, None);
                    }
                }
                Err(e) => Gather::finish(&st, Some(e)),
            });
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Cluster,
    Flow,
    Faults,
    Timeline,
}

const MIN_PANE_PX: i32 = 220;

#[component]
pub fn App() -> Html {
    let params = use_memo((), |_| {
        UrlParams::from_pairs(&browser::parse_params(&browser::query()))
    });
    let pending = use_mut_ref(|| None::<Pending>);
    let session = {
        let params = params.clone();
        let pending = pending.clone();
        use_reducer(move || {
            let (core, p) = initial_core(&params);
            *pending.borrow_mut() = Some(p);
            Session::new(CoreRef(Rc::new(RefCell::new(core))))
        })
    };
    let dispatch = session.dispatcher();
    let dark = use_state(|| match browser::load(browser::PREFS_KEY).as_deref() {
        Some(p) if p.contains("theme=dark") => true,
        Some(p) if p.contains("theme=light") => false,
        _ => browser::prefers_dark(),
    });
    let presenter = use_state(|| params.presenter);
    let tab = use_state(|| {
        if params.presenter {
            Tab::Flow
        } else {
            Tab::Cluster
        }
    });
    let help = use_state(|| false);
    let widths = use_state(|| (340i32, 470i32));
    let demo = use_state(|| DemoState::new(params.demo.clone()));
    // The demo as of the last render, for the Alt+C shortcut (its handler outlives renders).
    let demo_now = use_mut_ref(DemoState::default);
    *demo_now.borrow_mut() = (*demo).clone();
    let course = use_state(|| None::<Rc<Course>>);
    let lesson_status = use_state(|| None::<String>);
    // Opens a lesson by id: fetch its files, then start it.
    let open_lesson = {
        let dispatch = dispatch.clone();
        let status = lesson_status.clone();
        let core = session.core.clone();
        Callback::from(
            move |(id, resume, cmds): (String, Option<Saved>, Vec<String>)| {
                let lang = core.0.borrow().lang;
                status.set(Some(t(lang, "loading").to_string()));
                let dispatch = dispatch.clone();
                let status = status.clone();
                let id2 = id.clone();
                load_lesson(id, move |r| match r {
                    Ok(lesson) => {
                        status.set(None);
                        dispatch.dispatch(Action::LessonLoaded {
                            lesson: Rc::new(lesson),
                            resume,
                            cmds,
                        });
                    }
                    Err(e) => status.set(Some(tf(
                        lang,
                        "lesson_load_failed",
                        &[("id", &id2), ("error", &e)],
                    ))),
                });
            },
        )
    };
    let on_open = {
        let open_lesson = open_lesson.clone();
        Callback::from(move |id: String| open_lesson.emit((id, None, Vec::new())))
    };
    // First render: fetch the course index, then the lesson to start with.
    {
        let course = course.clone();
        let open_lesson = open_lesson.clone();
        let pending = pending.clone();
        let sandbox = params.fresh_sandbox() && params.lesson.is_none();
        let dispatch = dispatch.clone();
        #[cfg(feature = "split")]
        let core = session.core.clone();
        use_effect_with((), move |_| {
            let p = pending.borrow_mut().take();
            #[cfg(feature = "split")]
            {
                let (dispatch, core) = (dispatch.clone(), core.clone());
                // After this first render has been painted: download the deferred module.
                gloo_timers::callback::Timeout::new(0, move || super::split::start(dispatch, core))
                    .forget();
            }
            load_course(move |r| {
                let first = r
                    .as_ref()
                    .ok()
                    .and_then(|c| c.lessons().next().map(|e| e.id.clone()));
                if let Ok(c) = r {
                    course.set(Some(Rc::new(c)));
                }
                match p {
                    Some(Pending {
                        lesson: Some(id),
                        resume,
                        cmds,
                        ..
                    }) => open_lesson.emit((id, resume, cmds)),
                    Some(Pending {
                        lesson: None,
                        resume,
                        cmds,
                        later: true,
                    }) => {
                        if let Some(saved) = resume {
                            dispatch.dispatch(Action::Resume(saved));
                        }
                        for c in cmds {
                            dispatch.dispatch(Action::Submit(c));
                        }
                    }
                    Some(Pending {
                        lesson: None,
                        resume: None,
                        ..
                    }) if !sandbox => {
                        if let Some(id) = first {
                            open_lesson.emit((id, None, Vec::new()));
                        }
                    }
                    _ => {}
                }
            });
        });
    }

    // The simulation clock: a tick every TICK_MS of wall time, or back to back while a busy
    // quantum (a huge cluster starting) is run in slices of SLICE_BUDGET_MS, so the page
    // keeps time to paint and to answer the keyboard. Simulated time then falls behind the
    // speed asked (the top bar says so) and catches up once the cluster calms down.
    {
        let dispatch = dispatch.clone();
        let core = session.core.clone();
        use_effect_with((), move |_| {
            let timer = Rc::new(RefCell::new(None::<gloo_timers::callback::Timeout>));
            schedule_tick(timer.clone(), dispatch, core, TICK_MS, now_ms());
            move || drop(timer.borrow_mut().take())
        });
    }

    // Scripted demo (from the URL or the open lesson): each entry waits its delay, then
    // plays; `pause: trainer` holds until Continue. The effect is keyed on the whole state, so
    // Continue and Stop drop the pending timer.
    {
        let dispatch = dispatch.clone();
        let demo = demo.clone();
        let core = session.core.clone();
        use_effect_with((*demo).clone(), move |d| {
            let timer = match d.steps.get(d.at) {
                Some(DemoStep::Hold) if !d.held => {
                    demo.set(DemoState {
                        held: true,
                        ..d.clone()
                    });
                    None
                }
                Some(step) if !d.held => {
                    let (step, d) = (step.clone(), d.clone());
                    Some(gloo_timers::callback::Timeout::new(
                        step.delay_ms().min(u64::from(u32::MAX)) as u32,
                        move || {
                            let cluster = core.0.borrow().cluster_name().unwrap_or_default();
                            if let Some(a) = demo_action(&step, &cluster) {
                                dispatch.dispatch(a);
                            }
                            demo.set(d.advanced());
                        },
                    ))
                }
                _ => None,
            };
            move || drop(timer)
        });
    }

    let core_ref = session.core.clone();
    let core = session.core.0.borrow();
    let l = core.lang;

    // Global keyboard shortcuts (Alt+letter so they never collide with typing).
    {
        let dispatch = dispatch.clone();
        let core = session.core.clone();
        let presenter = presenter.clone();
        let tab = tab.clone();
        let help = help.clone();
        let (demo_now, demo_set) = (demo_now.clone(), demo.setter());
        use_effect_with((), move |_| {
            let handler = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                let key = e.key();
                if key == "F1" || (e.alt_key() && key.eq_ignore_ascii_case("h")) {
                    e.prevent_default();
                    help.set(!*help);
                    return;
                }
                if key == "Escape" && *help {
                    help.set(false);
                    return;
                }
                if !e.alt_key() || e.ctrl_key() || e.meta_key() {
                    return;
                }
                let (paused, speed) = {
                    let c = core.0.borrow();
                    (c.paused, c.speed)
                };
                let code = e.code();
                let action = match code.as_str() {
                    "KeyP" => Some(Action::SetPaused(!paused)),
                    "KeyN" => Some(Action::Step),
                    "KeyS" => Some(Action::RunUntilStable),
                    "KeyZ" => Some(Action::Undo),
                    "KeyC" => {
                        continue_demo(&demo_now.borrow(), &demo_set, &dispatch, &core);
                        None
                    }
                    "ArrowUp" => Some(Action::Speed(next_speed(speed, true))),
                    "ArrowDown" => Some(Action::Speed(next_speed(speed, false))),
                    "KeyM" => {
                        presenter.set(!*presenter);
                        None
                    }
                    "KeyT" => {
                        if let Some(el) = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id("term-input"))
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = el.focus();
                        }
                        None
                    }
                    "Digit1" => {
                        tab.set(Tab::Cluster);
                        None
                    }
                    "Digit2" => {
                        tab.set(Tab::Flow);
                        None
                    }
                    "Digit3" => {
                        tab.set(Tab::Faults);
                        None
                    }
                    "Digit4" => {
                        tab.set(Tab::Timeline);
                        None
                    }
                    _ => return,
                };
                e.prevent_default();
                if let Some(a) = action {
                    dispatch.dispatch(a);
                }
            });
            let doc = web_sys::window().and_then(|w| w.document());
            if let Some(d) = &doc {
                let _ =
                    d.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
            }
            move || {
                if let Some(d) = doc {
                    let _ = d.remove_event_listener_with_callback(
                        "keydown",
                        handler.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // The `?bench=` world is in the first render: once it is on screen, tell the perf test
    // (tests/e2e/perf.mjs measures the cluster view's frame rate from then on).
    {
        let bench = params.bench.is_some();
        use_effect_with((), move |_| {
            if bench {
                browser::mark_root("bench", "ready");
            }
        });
    }

    // Theme and presenter preferences survive reloads.
    {
        let dark = *dark;
        use_effect_with(dark, move |&dark| {
            browser::store(
                browser::PREFS_KEY,
                if dark { "theme=dark" } else { "theme=light" },
            );
        });
    }

    let seed = core.seed;
    let paused = core.paused;
    let speed = core.speed;
    let notice = core.notice.clone();
    let has_corrupt = notice.is_some() && browser::load(browser::CORRUPT_KEY).is_some();

    let export = {
        let core = core_ref.clone();
        move || {
            let text = core.0.borrow().to_saved().encode();
            browser::download("kubesim-session.txt", &text);
        }
    };
    let export_corrupt = Callback::from(|_: MouseEvent| {
        if let Some(blob) = browser::load(browser::CORRUPT_KEY) {
            browser::download("kubesim-session-unreadable.txt", &blob);
        }
    });
    let import = {
        let d = dispatch.clone();
        let core = core_ref.clone();
        let open_lesson = open_lesson.clone();
        move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                let d = d.clone();
                let core = core.clone();
                let open_lesson = open_lesson.clone();
                browser::read_file(&input, move |text| {
                    // A session on another lesson: load that lesson first, then replay.
                    let loaded = core.0.borrow().lesson.as_ref().map(|l| l.id.clone());
                    match Saved::decode(&text) {
                        Ok(saved) if saved.lesson.is_some() && saved.lesson != loaded => {
                            let id = saved.lesson.clone().unwrap_or_default();
                            let notice = t(core.0.borrow().lang, "imported").to_string();
                            open_lesson.emit((id, Some(saved), Vec::new()));
                            d.dispatch(Action::Notice(Some(notice)));
                        }
                        _ => d.dispatch(Action::Import(text)),
                    }
                });
                input.set_value("");
            }
        }
    };
    let share = {
        let core = core_ref.clone();
        let d = dispatch.clone();
        move || {
            let c = core.0.borrow();
            let cmds: Vec<String> = c
                .journal
                .iter()
                .filter_map(|(_, e)| match e {
                    super::journal::Entry::Cmd(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            let mut url = format!(
                "{}?lang={}&preset={}&seed={}",
                browser::base_url(),
                c.lang.code(),
                c.preset,
                c.seed
            );
            if let Some(lesson) = &c.lesson {
                url += &format!("&lesson={}", browser::encode_component(&lesson.id));
            }
            if let Some((nodes, pods)) = c.journal.iter().find_map(|(_, e)| match e {
                super::journal::Entry::Bench { nodes, pods } => Some((*nodes, *pods)),
                _ => None,
            }) {
                url += &format!("&bench={nodes}x{pods}");
            }
            if !cmds.is_empty() {
                url += &format!("&cmds={}", browser::encode_component(&cmds.join(";;")));
            }
            browser::copy(&url);
            let l = c.lang;
            drop(c);
            d.dispatch(Action::Notice(Some(format!(
                "{} {url}",
                t(l, "link_copied")
            ))));
        }
    };
    let on_bar = {
        let (dark, presenter, help, demo) =
            (dark.clone(), presenter.clone(), help.clone(), demo.clone());
        let lesson_demo = core
            .lesson
            .as_ref()
            .map(|l| l.demo.clone())
            .unwrap_or_default();
        Callback::from(move |e: BarEvent| match e {
            BarEvent::Share => share(),
            BarEvent::Export => export(),
            BarEvent::Import(ev) => import(ev),
            BarEvent::Presenter => presenter.set(!*presenter),
            BarEvent::Theme => dark.set(!*dark),
            BarEvent::Help => help.set(!*help),
            BarEvent::PlayLessonDemo => demo.set(DemoState::new(lesson_demo.clone())),
        })
    };
    let demo_continue = {
        let (demo, dispatch, core) = (demo.setter(), dispatch.clone(), core_ref.clone());
        let now = demo_now.clone();
        Callback::from(move |_: MouseEvent| continue_demo(&now.borrow(), &demo, &dispatch, &core))
    };
    let stop_demo = {
        let demo = demo.clone();
        Callback::from(move |_: MouseEvent| demo.set(DemoState::default()))
    };

    // Resizable panes: drag a gutter (pointer capture) or focus it and use ←/→.
    let drag0 = use_mut_ref(|| None::<(i32, (i32, i32))>);
    let drag1 = use_mut_ref(|| None::<(i32, (i32, i32))>);
    let gutter = |which: usize| {
        let widths = widths.clone();
        let dragging = if which == 0 {
            drag0.clone()
        } else {
            drag1.clone()
        };
        let down = {
            let dragging = dragging.clone();
            let widths = widths.clone();
            Callback::from(move |e: PointerEvent| {
                if let Some(el) = e.target_dyn_into::<web_sys::Element>() {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
                *dragging.borrow_mut() = Some((e.client_x(), *widths));
            })
        };
        let mv = {
            let dragging = dragging.clone();
            let widths = widths.clone();
            Callback::from(move |e: PointerEvent| {
                if let Some((x0, (lw, cw))) = *dragging.borrow() {
                    let dx = e.client_x() - x0;
                    widths.set(if which == 0 {
                        ((lw + dx).max(MIN_PANE_PX), cw)
                    } else {
                        (lw, (cw - dx).max(MIN_PANE_PX))
                    });
                }
            })
        };
        let up = {
            let dragging = dragging.clone();
            Callback::from(move |_: PointerEvent| *dragging.borrow_mut() = None)
        };
        let key = {
            let widths = widths.clone();
            Callback::from(move |e: KeyboardEvent| {
                let step = if e.shift_key() { 64 } else { 16 };
                let dx = match e.key().as_str() {
                    "ArrowLeft" => -step,
                    "ArrowRight" => step,
                    _ => return,
                };
                e.prevent_default();
                let (lw, cw) = *widths;
                widths.set(if which == 0 {
                    ((lw + dx).max(MIN_PANE_PX), cw)
                } else {
                    (lw, (cw - dx).max(MIN_PANE_PX))
                });
            })
        };
        let value = if which == 0 { widths.0 } else { widths.1 };
        html! {
            <div class="gutter" role="separator" aria-orientation="vertical" tabindex="0"
                aria-label={t(l, "resize")} aria-valuenow={value.to_string()}
                onpointerdown={down} onpointermove={mv} onpointerup={up.clone()} onpointercancel={up}
                onkeydown={key}></div>
        }
    };
    let g0 = gutter(0);
    let g1 = gutter(1);
    let (lw, cw) = *widths;
    let columns = if *presenter {
        format!(
            "grid-template-columns: {}px 8px minmax(18rem, 1fr) 8px minmax(24rem, 1.35fr)",
            lw.min(300)
        )
    } else {
        format!("grid-template-columns: {lw}px 8px minmax(20rem, 1fr) 8px {cw}px")
    };
    let tab_button = |which: Tab, key: &'static str| {
        let tab2 = tab.clone();
        let selected = *tab == which;
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("active"))}
                onclick={Callback::from(move |_| tab2.set(which))}>{t(l, key)}</button>
        }
    };
    let lesson_demo = !demo.running() && core.lesson.as_ref().is_some_and(|l| !l.demo.is_empty());
    let now_ms = core.term.world.now().as_ms();
    let behind = super::controls::behind_tenths(core.behind_ms(), core.speed);
    let lines = super::app::Shared(core.lines.clone());
    let prompt = core.prompt();
    let history = core.term.history.clone();
    let editor = core.editor.clone();
    let lesson = core.lesson.clone();
    let current_step = core.run.as_ref().and_then(|r| r.current());
    let progress = lesson
        .as_ref()
        .and_then(|l| core.progress.lesson(&l.id).cloned())
        .unwrap_or_default();
    let feedback = core.quiz_feedback.clone();
    let finished: Vec<String> = core
        .progress
        .lessons
        .iter()
        .filter(|(_, p)| p.finished)
        .map(|(id, _)| id.clone())
        .collect();
    let just_done = core.just_done.clone();
    // The lesson's live diagrams follow every command and tick (small: a few per lesson).
    let diagrams: super::lesson_view::Diagrams = Rc::new(
        lesson
            .as_ref()
            .map(|d| crate::lessons::diagram::pictures(d, &core.term))
            .unwrap_or_default(),
    );
    drop(core);

    html! {
        <div class={classes!("app", if *dark { "theme-dark" } else { "theme-light" }, presenter.then_some("presenter"))} lang={l.code()}>
            <TopBar lang={l} {paused} {speed} {now_ms} {behind} {seed} presenter={*presenter} dark={*dark} {lesson_demo}
                dispatch={dispatch.clone()} on={on_bar} />
            <DemoBar lang={l} demo={(*demo).clone()} on_continue={demo_continue} on_stop={stop_demo} />
            { match notice { Some(text) => html! {
                <NoticeBar lang={l} {text} {has_corrupt} on_export_corrupt={export_corrupt} dispatch={dispatch.clone()} />
            }, None => html! {} } }
            <main class="panes" style={columns}>
                <section id="lesson-pane" class="pane" aria-label={t(l, "lesson")}>
                    <LessonPane course={(*course).clone()} {lesson} current={current_step} {progress} {feedback} {just_done} {diagrams} {finished}
                        status={(*lesson_status).clone()} {on_open} dispatch={dispatch.clone()} lang={l} />
                </section>
                {g0}
                <section id="terminal-pane" class="pane" aria-label={t(l, "terminal")}>
                    <TerminalView {lines} {prompt} {history} {editor} core={core_ref.clone()}
                        dispatch={dispatch.clone()} lang={l} />
                </section>
                {g1}
                <section id="cluster-pane" class="pane" aria-label={t(l, "cluster")}>
                    <div class="tabs" role="tablist" aria-label={t(l, "views")}>
                        {tab_button(Tab::Cluster, "tab_cluster")}
                        {tab_button(Tab::Flow, "tab_flow")}
                        {tab_button(Tab::Faults, "tab_faults")}
                        {tab_button(Tab::Timeline, "tab_timeline")}
                    </div>
                    <ClusterPane session={(*session).clone()} tab={*tab} dispatch={dispatch.clone()} lang={l} />
                </section>
            </main>
            { if *help { html! { <HelpOverlay lang={l} on_close={toggle_help_cb(help.clone())} /> } } else { html! {} } }
        </div>
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The clock's timer: each tick owes the wall time since the previous one and simulates for
/// at most [`SLICE_BUDGET_MS`]; while simulation work is left (a busy quantum, or time owed)
/// the next tick comes as soon as the browser has drawn and handled input, otherwise after
/// [`TICK_MS`].
fn schedule_tick(
    slot: Rc<RefCell<Option<gloo_timers::callback::Timeout>>>,
    dispatch: Dispatch,
    core: CoreRef,
    delay_ms: u32,
    last_ms: f64,
) {
    let next = slot.clone();
    let timeout = gloo_timers::callback::Timeout::new(delay_ms, move || {
        let started = now_ms();
        // A background tab's timers fire once a second at best: owe at most that.
        let wall_ms = (started - last_ms).clamp(0.0, 1000.0);
        dispatch.dispatch(Action::Tick {
            wall_ms,
            deadline_ms: started + SLICE_BUDGET_MS,
        });
        let busy = core.0.try_borrow().is_ok_and(|c| c.sim_busy());
        let delay = if busy { 0 } else { TICK_MS };
        schedule_tick(next, dispatch, core, delay, started);
    });
    *slot.borrow_mut() = Some(timeout);
}

/// Continue (button or Alt+C): past a `pause: trainer`, or play the next entry now instead of
/// waiting for its delay.
fn continue_demo(
    d: &DemoState,
    set: &UseStateSetter<DemoState>,
    dispatch: &Dispatch,
    core: &CoreRef,
) {
    let Some(step) = d.steps.get(d.at) else {
        return;
    };
    if !d.held {
        let cluster = core.0.borrow().cluster_name().unwrap_or_default();
        if let Some(a) = demo_action(step, &cluster) {
            dispatch.dispatch(a);
        }
    }
    set.set(d.advanced());
}

fn toggle_help_cb(help: UseStateHandle<bool>) -> Callback<MouseEvent> {
    Callback::from(move |_| help.set(false))
}

/// The speed slider's stops.
pub const SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 3.0, 5.0, 10.0];
pub fn next_speed(speed: f64, up: bool) -> f64 {
    let i = SPEEDS
        .iter()
        .position(|s| (*s - speed).abs() < 1e-9)
        .unwrap_or(4);
    let j = if up {
        (i + 1).min(SPEEDS.len() - 1)
    } else {
        i.saturating_sub(1)
    };
    SPEEDS[j]
}

#[derive(Properties, PartialEq)]
pub(crate) struct HelpProps {
    pub lang: Lang,
    pub on_close: Callback<MouseEvent>,
}

#[component]
pub(crate) fn HelpOverlay(props: &HelpProps) -> Html {
    let l = props.lang;
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let keys = [
        "k_enter",
        "k_history",
        "k_tab",
        "k_ctrl_c",
        "k_ctrl_l",
        "k_space",
        "k_step",
        "k_stable",
        "k_speed",
        "k_undo",
        "k_presenter",
        "k_tabs",
        "k_focus",
        "k_demo",
        "k_help",
    ];
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title">
            <div class="dialog">
                <h2 id="help-title">{t(l, "shortcuts")}</h2>
                <ul class="keys">{ for keys.iter().map(|k| html! { <li>{t(l, k)}</li> }) }</ul>
                <p class="url-help">{t(l, "k_url")}</p>
                <button ref={close_ref} onclick={props.on_close.clone()}>{t(l, "close")}</button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_that_run_deferred_code_wait_for_the_split_module() {
        let mut core = Core::new(1, "kind");
        let submit = |l: &str| Action::Submit(l.to_string());
        assert!(waits_for_split(&submit("kind get clusters"), &core));
        assert!(waits_for_split(
            &submit("kubectl describe node kind-worker"),
            &core
        ));
        assert!(waits_for_split(
            &submit("kubectl get pods | grep web"),
            &core
        ));
        assert!(!waits_for_split(&submit("kubectl get pods"), &core));
        assert!(!waits_for_split(
            &Action::Tick {
                wall_ms: 100.0,
                deadline_ms: 0.0
            },
            &core
        ));
        // Undo replays the journal: it waits only when the journal has a deferred command.
        core.submit("kubectl get nodes");
        assert!(!waits_for_split(&Action::Undo, &core));
        core.submit("kind get clusters");
        assert!(waits_for_split(&Action::Undo, &core));
        assert!(waits_for_split(&Action::Reset, &core));
        let saved = core.to_saved();
        assert!(waits_for_split(&Action::Resume(saved), &core));
    }

    #[test]
    fn url_params() {
        let pairs: Vec<(String, String)> = [
            ("lesson", "first-steps"),
            ("lang", "en"),
            ("preset", "ha"),
            ("seed", "42"),
            ("cmds", "kubectl get nodes;;echo hi"),
            ("presenter", "1"),
            ("demo", "pause:2;;kubectl get pods"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let p = UrlParams::from_pairs(&pairs);
        assert_eq!(p.lesson.as_deref(), Some("first-steps"));
        assert_eq!(p.lang, Some(Lang::En));
        assert_eq!(p.preset.as_deref(), Some("ha"));
        assert_eq!(p.seed, Some(42));
        assert_eq!(p.cmds, vec!["kubectl get nodes", "echo hi"]);
        assert!(p.presenter && p.fresh_sandbox());
        let bench = UrlParams::from_pairs(&[("bench".into(), "100x3000".into())]);
        assert_eq!(bench.bench, Some((100, 3000)));
        assert!(bench.fresh_sandbox());
        assert_eq!(p.demo.len(), 2);
        let bad = UrlParams::from_pairs(&[
            ("preset".into(), "mars".into()),
            ("seed".into(), "-1".into()),
            ("lang".into(), "de".into()),
        ]);
        assert_eq!(bad, UrlParams::default());
    }

    #[test]
    fn speeds_step_through_the_stops() {
        assert_eq!(next_speed(1.0, true), 2.0);
        assert_eq!(next_speed(10.0, true), 10.0);
        assert_eq!(next_speed(0.1, false), 0.1);
        assert_eq!(next_speed(7.7, false), 0.75);
    }
}
