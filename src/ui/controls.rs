//! The trainer controls above the panes: the top bar (play/pause, single step, run until
//! stable, speed, simulated clock, seed; share/export/import, presenter, theme, language,
//! help), the demo bar (a scripted demo playing: caption, Continue, Stop) and the notice bar.
//!
//! Plain components with plain props (no browser calls while rendering), so they render
//! natively to strings in `render_tests`. `app.rs` owns the state and hands callbacks in.

use super::app::{Action, Dispatch, SPEEDS};
use super::i18n::{t, tf, Lang};
use super::icons::icon;
use crate::lessons::demo::DemoStep;
use std::rc::Rc;
use yew::prelude::*;

/// Their labels (formatted by hand: float formatting would add kilobytes of wasm).
const SPEED_LABELS: [&str; 9] = [
    "0.1×", "0.25×", "0.5×", "0.75×", "1×", "2×", "3×", "5×", "10×",
];

/// The slider position of `speed` (1× when it is not one of the stops).
pub fn speed_index(speed: f64) -> usize {
    SPEEDS
        .iter()
        .position(|s| (*s - speed).abs() < 1e-9)
        .unwrap_or(4)
}

/// `hh:mm:ss` of simulated time.
pub fn clock(now_ms: u64) -> String {
    let s = now_ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The top bar says the simulation is behind once it owes this much wall time...
pub const BEHIND_SHOWN_WALL_MS: f64 = 500.0;
/// ...and at least two quanta (a slow speed owes less than a quantum between two ticks).
const BEHIND_SHOWN_MIN_MS: u64 = 200;

/// Tenths of a simulated second the simulation is behind the speed asked, when it is enough
/// to say so (`behind_ms`: [`super::core::Core::behind_ms`]); `None` while it keeps up.
pub fn behind_tenths(behind_ms: u64, speed: f64) -> Option<u64> {
    let wall_ms = behind_ms as f64 / speed.max(0.1);
    (wall_ms >= BEHIND_SHOWN_WALL_MS && behind_ms >= BEHIND_SHOWN_MIN_MS).then_some(behind_ms / 100)
}

/// `3.2 s` / `3,2 s` (by hand, like the speed labels).
fn tenths_label(lang: Lang, tenths: u64) -> String {
    let sep = if lang == Lang::Fr { ',' } else { '.' };
    format!("{}{sep}{}", tenths / 10, tenths % 10)
}

/// What the top bar's buttons ask of the app (beyond the simulation, which they dispatch).
#[derive(Clone, Debug)]
pub enum BarEvent {
    Share,
    Export,
    /// The file input changed (the app reads the file).
    Import(web_sys::Event),
    Presenter,
    Theme,
    Help,
    /// Play the open lesson's demo script.
    PlayLessonDemo,
}

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub lang: Lang,
    pub paused: bool,
    pub speed: f64,
    pub now_ms: u64,
    /// How far behind the simulation is ([`behind_tenths`]).
    #[prop_or_default]
    pub behind: Option<u64>,
    pub seed: u64,
    pub presenter: bool,
    pub dark: bool,
    /// The open lesson has a demo script and none is playing: offer to play it.
    pub lesson_demo: bool,
    pub dispatch: Dispatch,
    pub on: Callback<BarEvent>,
}

#[component]
pub fn TopBar(props: &TopBarProps) -> Html {
    let l = props.lang;
    let paused = props.paused;
    let d = &props.dispatch;
    let act = |a: fn() -> Action| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(a()))
    };
    let emit = |e: fn() -> BarEvent| {
        let on = props.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(e()))
    };
    let toggle_pause = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::SetPaused(!paused)))
    };
    let on_speed = {
        let d = d.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(el) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                let idx: usize = el.value().parse().unwrap_or(4);
                d.dispatch(Action::Speed(SPEEDS.get(idx).copied().unwrap_or(1.0)));
            }
        })
    };
    let toggle_lang = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::SetLang(l.other())))
    };
    let import = {
        let on = props.on.clone();
        Callback::from(move |e: Event| on.emit(BarEvent::Import(e)))
    };
    let idx = speed_index(props.speed);
    let play_key = if paused { "play" } else { "pause" };
    html! {
        <header class="topbar">
            <span class="brand"><span class="logo">{icon("helm")}</span>{"kubesim"}</span>
            <div class="sim-controls" role="group" aria-label={t(l, "sim_time")}>
                <button class="play" onclick={toggle_pause} aria-pressed={(!paused).to_string()}
                    aria-label={t(l, play_key)} title={t(l, play_key)}>
                    { icon(play_key) }<span class="btn-label">{t(l, play_key)}</span>
                </button>
                <button class="step" onclick={act(|| Action::Step)} title={t(l, "step_title")}>{icon("step")}<span class="btn-label">{t(l, "step")}</span></button>
                <button class="stable" onclick={act(|| Action::RunUntilStable)} title={t(l, "stable_title")}>{icon("ffwd")}<span class="btn-label">{t(l, "stable")}</span></button>
                <label class="speed">
                    <span class="sr-only">{t(l, "speed")}</span>
                    <input type="range" min="0" max={(SPEEDS.len() - 1).to_string()} value={idx.to_string()}
                        oninput={on_speed} aria-valuetext={SPEED_LABELS[idx]} />
                    <output>{SPEED_LABELS[idx]}</output>
                </label>
                <span class={classes!("clock", paused.then_some("paused"), props.behind.map(|_| "late"))} title={t(l, "sim_time")}>
                    {clock(props.now_ms)}
                </span>
                { match props.behind { Some(tenths) => html! {
                    <span class="behind" role="status" title={t(l, "behind_title")}>
                        {tf(l, "behind", &[("s", &tenths_label(l, tenths))])}</span>
                }, None => html! {} } }
                <span class="seed">{format!("{} {}", t(l, "seed"), props.seed)}</span>
            </div>
            <nav class="tools" aria-label="kubesim">
                { if props.lesson_demo { html! {
                    <button class="demo-play" onclick={emit(|| BarEvent::PlayLessonDemo)} title={t(l, "demo_play_title")}>
                        {icon("play")}{" "}{t(l, "demo")}</button>
                } } else { html! {} } }
                <button onclick={emit(|| BarEvent::Share)} title={t(l, "share_title")}>{t(l, "share")}</button>
                <button onclick={emit(|| BarEvent::Export)} title={t(l, "export_title")}>{t(l, "export")}</button>
                <label class="file-button" title={t(l, "import_title")}>{t(l, "import")}
                    <input id="import-file" type="file" accept=".txt,text/plain" onchange={import} /></label>
                <button class="presenter-toggle" onclick={emit(|| BarEvent::Presenter)} aria-pressed={props.presenter.to_string()} title={t(l, "presenter_title")}>{t(l, "presenter")}</button>
                <button class="theme" onclick={emit(|| BarEvent::Theme)} aria-label={t(l, if props.dark { "theme_light" } else { "theme_dark" })}>{ icon(if props.dark { "sun" } else { "moon" }) }</button>
                <button class="lang" onclick={toggle_lang} aria-label={t(l, "switch_lang_label")} lang={l.other().code()}>{t(l, "switch_lang")}</button>
                <button class="help" onclick={emit(|| BarEvent::Help)} aria-label={t(l, "help")}>{"?"}</button>
            </nav>
        </header>
    }
}

/// A demo script being played: its entries, the next one to play, and whether the player
/// waits for the trainer (`pause: trainer`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DemoState {
    pub steps: Rc<Vec<DemoStep>>,
    pub at: usize,
    pub held: bool,
    /// The last caption (`say`), shown in the demo bar.
    pub caption: Option<crate::lessons::schema::Tr<String>>,
}

impl DemoState {
    pub fn new(steps: Vec<DemoStep>) -> Self {
        DemoState {
            steps: Rc::new(steps),
            ..DemoState::default()
        }
    }
    pub fn running(&self) -> bool {
        self.at < self.steps.len()
    }
    /// The state after playing entry `at` (a `say` becomes the caption).
    pub fn advanced(&self) -> DemoState {
        let mut next = self.clone();
        if let Some(DemoStep::Say(t)) = self.steps.get(self.at) {
            next.caption = Some(t.clone());
        }
        next.at += 1;
        next.held = false;
        next
    }
}

/// What playing one demo entry asks of the session (`None`: nothing, a pause).
pub fn demo_action(step: &DemoStep, cluster: &str) -> Option<Action> {
    match step {
        DemoStep::Run(line) => Some(Action::Submit(line.clone())),
        DemoStep::Stop(c) | DemoStep::Start(c) => Some(Action::Fault {
            cluster: cluster.to_string(),
            component: c.clone(),
            up: matches!(step, DemoStep::Start(_)),
        }),
        DemoStep::Say(t) => Some(Action::Say(t.clone())),
        DemoStep::Wait { .. } | DemoStep::Hold => None,
    }
}

#[derive(Properties, PartialEq)]
pub struct DemoBarProps {
    pub lang: Lang,
    pub demo: DemoState,
    pub on_continue: Callback<MouseEvent>,
    pub on_stop: Callback<MouseEvent>,
}

/// Shown while a demo plays: where it is, its caption, Continue (glowing when the script
/// waits for the trainer) and Stop.
#[component]
pub fn DemoBar(props: &DemoBarProps) -> Html {
    let l = props.lang;
    let d = &props.demo;
    if !d.running() {
        return html! {};
    }
    let caption = d.caption.as_ref().map(|c| {
        let text = if l == Lang::En { &c.en } else { &c.fr };
        html! { <span class="demo-caption">{text}</span> }
    });
    html! {
        <div class={classes!("demo-bar", d.held.then_some("held"))} role="status" aria-live="polite">
            <span class="demo-progress">{icon("play")}{" "}{tf(l, "demo_running", &[("n", &(d.at + 1).to_string()), ("total", &d.steps.len().to_string())])}</span>
            {caption.unwrap_or_default()}
            { if d.held { html! { <span class="demo-held">{t(l, "demo_held")}</span> } } else { html! {} } }
            <button class={classes!("demo-continue", d.held.then_some("primary"))} onclick={props.on_continue.clone()} title={t(l, "demo_continue_title")}>{t(l, "demo_continue")}</button>
            <button class="demo-stop" onclick={props.on_stop.clone()}>{t(l, "demo_stop")}</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    pub lang: Lang,
    pub text: String,
    /// An unreadable saved session is kept: offer to export it.
    pub has_corrupt: bool,
    pub on_export_corrupt: Callback<MouseEvent>,
    pub dispatch: Dispatch,
}

/// A one-off message (saved session unreadable, import failed, link copied...): text only.
#[component]
pub fn NoticeBar(props: &NoticeProps) -> Html {
    let l = props.lang;
    let dismiss = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Notice(None)))
    };
    html! {
        <div class="notice" role="status">
            <span>{&props.text}</span>
            { if props.has_corrupt { html! { <button onclick={props.on_export_corrupt.clone()}>{t(l, "export_corrupt")}</button> } } else { html! {} } }
            <button onclick={dismiss} aria-label={t(l, "dismiss")}>{"×"}</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_state_advances_and_keeps_the_last_caption() {
        let say = crate::lessons::schema::Tr {
            fr: "Regardez".to_string(),
            en: "Look".to_string(),
        };
        let d = DemoState::new(vec![
            DemoStep::Say(say.clone()),
            DemoStep::Hold,
            DemoStep::Run("kubectl get pods".into()),
        ]);
        assert!(d.running());
        let d = d.advanced();
        assert_eq!(d.caption.as_ref(), Some(&say));
        let mut held = d.clone();
        held.held = true;
        let d = held.advanced();
        assert!(!d.held && d.at == 2);
        assert!(
            matches!(demo_action(&d.steps[2], "kind-kind"), Some(Action::Submit(c)) if c == "kubectl get pods")
        );
        assert!(matches!(
            demo_action(&DemoStep::Start("kube-scheduler".into()), "kind-kind"),
            Some(Action::Fault { up: true, .. })
        ));
        assert!(demo_action(&DemoStep::Hold, "kind-kind").is_none());
        assert!(!d.advanced().running());
    }

    #[test]
    fn speed_labels_and_clock() {
        assert_eq!(SPEED_LABELS.len(), SPEEDS.len());
        assert_eq!(SPEED_LABELS[speed_index(10.0)], "10×");
        assert_eq!(speed_index(7.7), 4);
        assert_eq!(clock(3_723_000), "01:02:03");
    }

    #[test]
    fn behind_is_said_past_half_a_second_of_wall_time() {
        // Keeping up: less than a quantum owed between two ticks.
        assert_eq!(behind_tenths(90, 1.0), None);
        assert_eq!(behind_tenths(400, 1.0), None);
        assert_eq!(behind_tenths(3_250, 1.0), Some(32));
        // At 10×, 4 s of simulated time owed is 0.4 s of wall time: not yet.
        assert_eq!(behind_tenths(4_000, 10.0), None);
        assert_eq!(behind_tenths(6_000, 10.0), Some(60));
        // At 0.1×, a quantum is 1 s of wall time: one owed is not "behind".
        assert_eq!(behind_tenths(100, 0.1), None);
        assert_eq!(behind_tenths(300, 0.1), Some(3));
        assert_eq!(tenths_label(Lang::En, 32), "3.2");
        assert_eq!(tenths_label(Lang::Fr, 32), "3,2");
    }
}
