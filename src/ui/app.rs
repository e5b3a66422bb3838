//! The root component: session state in one reducer, the simulation clock, the page layout.

use super::cluster::ClusterView;
use super::i18n::{t, Lang};
use super::terminal::TerminalView;
use crate::sim::{presets::Preset, World};
use crate::term::{Stream, Terminal};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// How often the browser advances the simulation, in ms of wall time (= simulated ms at 1×).
pub const TICK_MS: u32 = 250;

/// One line of terminal scrollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// The prompt and the command the user typed.
    Input,
    Stdout,
    Stderr,
}

/// The session. The terminal is shared through `Rc<RefCell<_>>` so an action does not clone
/// the whole world; `version` changes on every action so Yew knows to re-render.
#[derive(Clone)]
pub struct Session {
    pub term: Rc<RefCell<Terminal>>,
    pub lines: Rc<RefCell<Vec<(LineKind, String)>>>,
    pub version: u64,
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.term, &other.term)
    }
}

pub enum Action {
    /// The user pressed Enter on a command line.
    Submit(String),
    /// Wall-clock time passed: advance the simulation.
    Tick(u64),
}

impl Reducible for Session {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Submit(line) => {
                let mut term = self.term.borrow_mut();
                let prompt = term.prompt();
                let out = term.run(&line);
                let mut lines = self.lines.borrow_mut();
                if out.clear {
                    lines.clear();
                } else {
                    lines.push((LineKind::Input, format!("{prompt}{line}")));
                }
                for (stream, text) in out.chunks {
                    let kind = if stream == Stream::Stderr {
                        LineKind::Stderr
                    } else {
                        LineKind::Stdout
                    };
                    lines.push((kind, text.strip_suffix('\n').unwrap_or(&text).to_string()));
                }
            }
            Action::Tick(dt_ms) => self.term.borrow_mut().world.step(dt_ms),
        }
        Rc::new(Session {
            term: self.term.clone(),
            lines: self.lines.clone(),
            version: self.version + 1,
        })
    }
}

#[component]
pub fn App() -> Html {
    let session = use_reducer(|| Session {
        term: Rc::new(RefCell::new(Terminal::new(World::new(1, Preset::Kind)))),
        lines: Rc::new(RefCell::new(Vec::new())),
        version: 0,
    });
    let lang = use_state(|| Lang::Fr);

    {
        let session = session.dispatcher();
        use_effect_with((), move |_| {
            let interval = gloo_timers::callback::Interval::new(TICK_MS, move || {
                session.dispatch(Action::Tick(u64::from(TICK_MS)));
            });
            move || drop(interval)
        });
    }

    let on_submit = {
        let session = session.dispatcher();
        Callback::from(move |line: String| session.dispatch(Action::Submit(line)))
    };
    let toggle_lang = {
        let lang = lang.clone();
        Callback::from(move |_| lang.set(lang.other()))
    };
    let l = *lang;
    let term = session.term.borrow();
    let prompt = term.prompt();
    let history = term.history.clone();
    let seconds = term.world.now().as_ms() / 1000;
    let seed = term.world.seed();
    drop(term);

    html! {
        <div class="app" lang={l.code()}>
            <header class="topbar">
                <span class="brand">{"kubesim"}</span>
                <span class="clock" title={t(l, "sim_time")}>
                    {format!("t={:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)}
                </span>
                <span class="seed">{format!("{} {seed}", t(l, "seed"))}</span>
                <button class="lang" onclick={toggle_lang}>{t(l, "switch_lang")}</button>
            </header>
            <main class="panes">
                <section id="lesson-pane" class="pane" aria-label={t(l, "lesson")}>
                    <h1>{t(l, "welcome_title")}</h1>
                    <p>{t(l, "welcome_body")}</p>
                    <p>{t(l, "try_first")}</p>
                    <pre class="code">{"kubectl get nodes"}</pre>
                    <p>{t(l, "try_help")}</p>
                </section>
                <section id="terminal-pane" class="pane" aria-label={t(l, "terminal")}>
                    <TerminalView lines={session.lines.borrow().clone()} {prompt} {history}
                        label={t(l, "terminal_input")} {on_submit} />
                </section>
                <section id="cluster-pane" class="pane" aria-label={t(l, "cluster")}>
                    <ClusterView session={(*session).clone()} lang={l} />
                </section>
            </main>
        </div>
    }
}
