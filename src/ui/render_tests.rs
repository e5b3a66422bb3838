//! The Yew components rendered natively to HTML strings (yew's `ssr` renderer, a native-only
//! dev-dependency: the shipped wasm has no server renderer) and checked for what a student
//! or a screen reader gets: ARIA roles and labels, both languages, and that user and lesson
//! text only ever reaches the page as escaped text, never as markup.
//!
//! Effects do not run when rendering to a string, so components are seen as on their first
//! paint. Browser-only behaviour (focus, timers, storage) is covered by the e2e tests.

use super::app::{CoreRef, Dispatch, Session, Shared};
use super::cluster::{ClusterDiagram, DetailsPanel};
use super::controls::{DemoBar, DemoState, NoticeBar, TopBar};
use super::core::{Core, Target};
use super::i18n::{t, Lang};
use super::lesson_view::LessonPane;
use super::model::ClusterPic;
use super::panels::{FaultsPanel, TimelinePanel};
use super::terminal::TerminalView;
use crate::lessons::demo::DemoStep;
use crate::lessons::schema::Tr;
use crate::lessons::Lesson;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

type View = Rc<dyn Fn(&Session, Dispatch) -> Html>;

#[derive(Properties, Clone)]
struct HarnessProps {
    core: CoreRef,
    view: View,
}

impl PartialEq for HarnessProps {
    fn eq(&self, other: &Self) -> bool {
        self.core == other.core && Rc::ptr_eq(&self.view, &other.view)
    }
}

/// Owns the session reducer (components need its dispatcher) and renders `view` with it.
#[component]
fn Harness(props: &HarnessProps) -> Html {
    let core = props.core.clone();
    let session = use_reducer(move || Session::new(core));
    (props.view)(&session, session.dispatcher())
}

/// Renders `view` (given the session around `core` and its dispatcher) to an HTML string.
fn render(core: Core, view: impl Fn(&Session, Dispatch) -> Html + 'static) -> String {
    let props = HarnessProps {
        core: CoreRef(Rc::new(RefCell::new(core))),
        view: Rc::new(view),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    rt.block_on(
        yew::LocalServerRenderer::<Harness>::with_props(props)
            .hydratable(false)
            .render(),
    )
}

const LANGS: [Lang; 2] = [Lang::Fr, Lang::En];

/// The markup `raw` (user or lesson text) appears escaped, and never as markup.
fn assert_escaped(html: &str, raw: &str) {
    let escaped = raw.replace('<', "&lt;").replace('>', "&gt;");
    assert!(
        html.contains(&escaped),
        "{raw} is not shown as text:\n{html}"
    );
    assert!(
        !html.contains(raw),
        "{raw} reached the page as markup:\n{html}"
    );
}

fn attr(name: &str, value: &str) -> String {
    format!("{name}=\"{value}\"")
}

#[test]
fn terminal_output_is_text_with_a_log_role_in_both_languages() {
    let mut core = Core::new(1, "kind");
    core.submit("echo '<img src=x onerror=alert(1)>'");
    core.submit("kubectl get nodes");
    core.submit("nosuchcmd");
    for lang in LANGS {
        let html = render(core.clone(), move |s, d| {
            let c = s.core.0.borrow();
            html! { <TerminalView lines={Shared(c.lines.clone())} prompt={c.prompt()} history={c.term.history.clone()}
            editor={None::<(String, String)>} core={s.core.clone()} dispatch={d} lang={lang} /> }
        });
        assert!(html.contains(&attr("role", "log")), "{html}");
        assert!(html.contains(&attr("aria-live", "polite")));
        assert!(
            html.contains(&attr("aria-label", t(lang, "terminal_input"))),
            "{html}"
        );
        // The prompt is a native input labelled for screen readers, with the prompt text.
        assert!(html.contains(r#"<input id="term-input""#), "{html}");
        assert!(html.contains("student@"), "{html}");
        // Echoed command lines colour their prompt; errors are marked.
        assert!(html.contains(r#"<span class="ps1">"#), "{html}");
        assert!(html.contains(r#"class="line err""#), "{html}");
        assert!(html.contains("kind-worker"), "{html}");
        assert_escaped(&html, "<img src=x onerror=alert(1)>");
    }
    assert_ne!(t(Lang::Fr, "terminal_input"), t(Lang::En, "terminal_input"));
}

#[test]
fn the_editor_panel_highlights_yaml_as_text() {
    let core = Core::new(1, "kind");
    let html = render(core, |s, d| {
        let editor = Some((
            "/home/student/pod.yaml".to_string(),
            "kind: Pod # <script>alert(1)</script>\nname: \"<b>web</b>\"\n".to_string(),
        ));
        html! { <TerminalView lines={Shared(Rc::new(Vec::new()))} prompt="" history={Vec::<String>::new()}
        {editor} core={s.core.clone()} dispatch={d} lang={Lang::En} /> }
    });
    assert!(html.contains(&attr("role", "dialog")), "{html}");
    assert!(
        html.contains("Contents of /home/student/pod.yaml"),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="y-key">kind</span>"#),
        "{html}"
    );
    assert!(html.contains(r#"class="y-comment""#), "{html}");
    assert_escaped(&html, "<script>alert(1)</script>");
    assert_escaped(&html, "<b>web</b>");
    // The prompt is disabled while the editor is open.
    assert!(html.contains("disabled"), "{html}");
}

/// A lesson whose text tries raw HTML and a `javascript:` link.
fn hostile_lesson() -> Lesson {
    let md = |title: &str, step: &str, run: &str| {
        format!(
            "# {title}\nIntro <b>bold?</b> <script>alert(1)</script>\n<!-- step: nodes -->\n## {step}\n\
             Click [here](javascript:alert(1)) or type:\n\n```sh run\n{run}\n```\n"
        )
    };
    let files: BTreeMap<String, String> = [
        (
            "lesson.yaml",
            "steps:\n  - id: nodes\n    check:\n      command: {ran: kubectl get nodes}\n    hints:\n      - {fr: Essayez, en: Try}\n    solution: [kubectl get nodes]\n".to_string(),
        ),
        ("fr.md", md("Les nœuds", "Listez-les", "kubectl get nodes")),
        ("en.md", md("Nodes", "List them", "kubectl get nodes")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Lesson::from_files("00-hostile", &files).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_lesson_pane_renders_the_lesson_as_text_in_both_languages() {
    let lesson = Rc::new(hostile_lesson());
    for (lang, title, step, run) in [
        (
            Lang::Fr,
            "Les nœuds",
            "Étape 1 sur 1 · Listez-les",
            "Exécuter",
        ),
        (Lang::En, "Nodes", "Step 1 of 1 · List them", "Run"),
    ] {
        for done in [false, true] {
            let lesson = lesson.clone();
            let html = render(Core::new(1, "kind"), move |_, d| {
                let mut progress = crate::lessons::progress::LessonProgress::default();
                if done {
                    progress.steps_done.push("nodes".into());
                }
                html! { <LessonPane course={None} lesson={Some(lesson.clone())} current={(!done).then_some(0)} {progress}
                feedback={BTreeMap::new()} just_done={Vec::<String>::new()} status={None::<String>}
                on_open={Callback::noop()} dispatch={d} lang={lang} /> }
            });
            assert!(html.contains(&format!("<h1>{title}</h1>")), "{html}");
            assert!(html.contains(step), "{html}");
            assert!(html.contains(&attr("role", "progressbar")), "{html}");
            assert!(html.contains(&attr("aria-valuemax", "1")), "{html}");
            assert!(
                html.contains(&attr("aria-valuenow", if done { "1" } else { "0" })),
                "{html}"
            );
            assert!(html.contains(run), "{html}");
            assert!(html.contains("kubectl get nodes"), "{html}");
            assert_escaped(&html, "<b>bold?</b>");
            assert_escaped(&html, "<script>alert(1)</script>");
            // The javascript: link is shown as plain text, never as a link.
            assert!(!html.contains("href"), "{html}");
            assert!(!html.contains("javascript:"), "{html}");
            let dot = format!(
                "{} — {}",
                match lang {
                    Lang::Fr => "Étape 1 sur 1",
                    Lang::En => "Step 1 of 1",
                },
                t(lang, if done { "step_done" } else { "step_todo" })
            );
            assert!(html.contains(&attr("aria-label", &dot)), "{html}");
            assert_eq!(html.contains("step-dot done"), done, "{html}");
        }
    }
}

#[test]
fn the_cluster_view_says_when_no_context_leads_to_a_cluster() {
    let mut core = Core::new(1, "kind");
    core.submit("kubectl config delete-context kind-kind");
    assert!(
        core.cluster().is_none(),
        "no current cluster once its context is gone"
    );
    for lang in LANGS {
        let html = render(core.clone(), move |_, d| {
            html! { <ClusterDiagram model={Rc::new(ClusterPic::default())}
            contexts={vec!["kind-kind".to_string()]} current="" view_rev={None::<i64>}
            dispatch={d} lang={lang} /> }
        });
        assert!(t(lang, "no_current_cluster").contains("kubectl config use-context"));
        assert!(html.contains("kubectl config use-context"), "{html}");
    }
    let html = render(Core::new(1, "kind"), move |s, d| {
        let c = s.core.0.borrow();
        let model = Rc::new(
            c.cluster()
                .map(super::model::picture_now)
                .unwrap_or_default(),
        );
        html! { <ClusterDiagram {model} contexts={vec!["kind-kind".to_string()]} current="kind-kind"
        view_rev={None::<i64>} dispatch={d} lang={Lang::En} /> }
    });
    assert!(!html.contains("kubectl config use-context"), "{html}");
}

#[test]
fn the_cluster_view_shows_components_pods_and_stopped_parts() {
    let mut core = Core::new(1, "kind");
    core.fault("kind-kind", "kubelet/kind-worker", false);
    core.submit("kubectl run web --image=nginx");
    core.submit("kubectl annotate pod web note='<script>alert(1)</script>'");
    for lang in LANGS {
        for view_rev in [None, Some(3)] {
            let html = render(core.clone(), move |s, d| {
                let c = s.core.0.borrow();
                let model = Rc::new(
                    c.cluster()
                        .map(super::model::picture_now)
                        .unwrap_or_default(),
                );
                html! { <ClusterDiagram {model} contexts={vec!["kind-kind".to_string()]} current="kind-kind"
                {view_rev} dispatch={d} lang={lang} /> }
            });
            for name in [
                "kind-control-plane",
                "kind-worker2",
                "kube-apiserver",
                "etcd",
                "kube-scheduler",
                "kube-controller-manager",
                "kube-proxy",
                "containerd",
            ] {
                assert!(html.contains(name), "{name} missing:\n{html}");
            }
            // kind has no cloud provider: no cloud-controller-manager.
            assert!(!html.contains("cloud-controller-manager"), "{html}");
            assert!(html.contains(t(lang, "control_plane")) && html.contains(t(lang, "workers")));
            let stopped = format!("kubelet ({})", t(lang, "stopped"));
            assert!(html.contains(&attr("aria-label", &stopped)), "{html}");
            assert!(html.contains(r#"class="component down""#), "{html}");
            assert!(html.contains(&attr("aria-current", "true")), "{html}");
            // The new pod is there with its state, for screen readers too.
            assert!(html.contains("default/web · "), "{html}");
            assert_eq!(
                html.contains(&attr("class", "readonly-banner")),
                view_rev.is_some()
            );
        }
    }
    // The details panel shows the YAML the user wrote as text.
    let mut core = core;
    core.select(Some(Target::Object {
        kind: "pod",
        namespace: Some("default".into()),
        name: "web".into(),
    }));
    let details = core.details.clone().expect("details of the pod");
    assert!(details.yaml.contains("<script>"), "{}", details.yaml);
    for lang in LANGS {
        let details = details.clone();
        let html = render(Core::new(1, "kind"), move |_, d| {
            html! { <DetailsPanel details={details.clone()} component={None::<(String, String, bool)>} table={Vec::new()} dispatch={d} lang={lang} /> }
        });
        assert!(
            html.contains(&attr("aria-label", t(lang, "details"))),
            "{html}"
        );
        assert!(html.contains(&attr("role", "tablist")), "{html}");
        assert!(html.contains("pod default/web"), "{html}");
        assert_escaped(&html, "<script>alert(1)</script>");
    }
}

#[test]
fn the_trainer_controls_say_their_state_in_both_languages() {
    for lang in LANGS {
        for paused in [true, false] {
            let html = render(Core::new(1, "kind"), move |_, d| {
                html! { <TopBar lang={lang} {paused} speed={2.0} now_ms={3_723_000} seed={42} presenter={false}
                dark={false} lesson_demo={paused} dispatch={d} on={Callback::noop()} /> }
            });
            assert!(
                html.contains(&attr("aria-pressed", &(!paused).to_string())),
                "{html}"
            );
            let play = t(lang, if paused { "play" } else { "pause" });
            assert!(html.contains(&attr("aria-label", play)), "{html}");
            assert!(html.contains("01:02:03") && html.contains("2×"), "{html}");
            assert!(html.contains(&format!("{} 42", t(lang, "seed"))), "{html}");
            assert_eq!(html.contains("clock paused"), paused, "{html}");
            assert!(html.contains(&attr("role", "group")), "{html}");
            for key in ["step", "stable", "export", "import", "presenter"] {
                assert!(html.contains(t(lang, key)), "{key}:\n{html}");
            }
            assert!(html.contains(&attr("aria-label", t(lang, "switch_lang_label"))));
            // The lesson's demo button only when the lesson has one.
            assert_eq!(html.contains("demo-play"), paused, "{html}");
        }
        // The fault panel: a stopped component offers Start, running ones Stop.
        let world = crate::sim::World::new(1, crate::sim::presets::Preset::Kind);
        let targets = super::adapter::fault_targets(&world, "kind-kind");
        let html = render(Core::new(1, "kind"), move |_, d| {
            html! { <FaultsPanel targets={targets.clone()} down={vec!["kube-scheduler".to_string()]} cluster="kind-kind" dispatch={d} lang={lang} /> }
        });
        assert!(
            html.contains(&attr("data-fault", "kubelet/kind-worker")),
            "{html}"
        );
        assert!(
            html.contains(&attr(
                "aria-label",
                &format!("{} kube-scheduler", t(lang, "start"))
            )),
            "{html}"
        );
        assert!(
            html.contains(&attr(
                "aria-label",
                &format!("{} kube-apiserver", t(lang, "stop"))
            )),
            "{html}"
        );
        assert!(
            html.contains(&attr(
                "aria-label",
                &format!("{} node/kind-worker", t(lang, "power_off"))
            )),
            "{html}"
        );
        // The timeline shows typed commands as text.
        let html = render(Core::new(1, "kind"), move |_, d| {
            html! { <TimelinePanel entries={vec![(1_000, "$ echo <img src=x>".to_string(), 7)]} view_rev={None::<i64>} lesson_start={0} dispatch={d} lang={lang} /> }
        });
        assert!(html.contains(t(lang, "undo")), "{html}");
        assert_escaped(&html, "<img src=x>");
    }
}

#[test]
fn the_demo_bar_shows_progress_caption_and_continue() {
    let caption = Tr {
        fr: "Regardez <i>ça</i>".to_string(),
        en: "Look at <i>this</i>".to_string(),
    };
    let mut demo = DemoState::new(vec![
        DemoStep::Say(caption),
        DemoStep::Hold,
        DemoStep::Run("kubectl get pods".into()),
    ]);
    demo = demo.advanced();
    demo.held = true;
    for lang in LANGS {
        let demo = demo.clone();
        let html = render(Core::new(1, "kind"), move |_, _| {
            html! { <DemoBar lang={lang} demo={demo.clone()} on_continue={Callback::noop()} on_stop={Callback::noop()} /> }
        });
        assert!(html.contains(&attr("role", "status")), "{html}");
        let progress = match lang {
            Lang::Fr => "Démo en cours : 2/3",
            Lang::En => "Demo running: 2/3",
        };
        assert!(html.contains(progress), "{html}");
        assert!(html.contains(t(lang, "demo_held")), "{html}");
        assert!(html.contains(r#"class="demo-continue primary""#), "{html}");
        assert!(
            html.contains(if lang == Lang::Fr {
                "Regardez"
            } else {
                "Look at"
            }),
            "{html}"
        );
        assert_escaped(
            &html,
            if lang == Lang::Fr {
                "<i>ça</i>"
            } else {
                "<i>this</i>"
            },
        );
    }
    // Nothing at all once the demo is over.
    let over = render(Core::new(1, "kind"), |_, _| {
        html! { <DemoBar lang={Lang::En} demo={DemoState::default()} on_continue={Callback::noop()} on_stop={Callback::noop()} /> }
    });
    assert!(!over.contains("demo-bar"), "{over}");
}

#[test]
fn notices_are_text_with_a_status_role() {
    for lang in LANGS {
        for has_corrupt in [false, true] {
            let html = render(Core::new(1, "kind"), move |_, d| {
                html! { <NoticeBar lang={lang} text={"Unreadable: <img src=x onerror=alert(1)>".to_string()} {has_corrupt}
                on_export_corrupt={Callback::noop()} dispatch={d} /> }
            });
            assert!(html.contains(&attr("role", "status")), "{html}");
            assert!(
                html.contains(&attr("aria-label", t(lang, "dismiss"))),
                "{html}"
            );
            assert_eq!(
                html.contains(t(lang, "export_corrupt")),
                has_corrupt,
                "{html}"
            );
            assert_escaped(&html, "<img src=x onerror=alert(1)>");
        }
    }
}

#[test]
fn the_help_dialog_lists_every_shortcut_in_both_languages() {
    for lang in LANGS {
        let html = render(Core::new(1, "kind"), move |_, _| {
            html! { <super::app::HelpOverlay lang={lang} on_close={Callback::noop()} /> }
        });
        assert!(
            html.contains(&attr("role", "dialog")) && html.contains(&attr("aria-modal", "true")),
            "{html}"
        );
        assert!(html.contains(t(lang, "shortcuts")), "{html}");
        for key in ["k_history", "k_ctrl_c", "k_step", "k_demo", "k_help"] {
            assert!(html.contains(t(lang, key)), "{key}:\n{html}");
        }
    }
}
