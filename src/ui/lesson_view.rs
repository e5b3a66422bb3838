//! The lesson pane: course index, the lesson's steps rendered from its AST as DOM nodes (no
//! HTML strings anywhere), runnable code blocks, collapsible tips, a solution behind a
//! confirmation, quizzes, a hints ladder and step progress with a ✓ when a check passes.

use super::app::{Action, Dispatch};
use super::browser;
use super::i18n::{t, tf, Lang};
use super::icons::icon;
use super::lesson::{self, Block, Inline, LessonDoc, Progress};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    pub lesson: Option<Rc<LessonDoc>>,
    pub progress: Progress,
    pub just_done: Vec<usize>,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

fn inline(i: &Inline) -> Html {
    match i {
        Inline::Text(s) => html! { {s} },
        Inline::Code(s) => html! { <code>{s}</code> },
        Inline::Strong(s) => html! { <strong>{s}</strong> },
    }
}

fn inlines(v: &[Inline]) -> Html {
    v.iter().map(inline).collect::<Html>()
}

#[derive(Properties, PartialEq)]
struct BlockProps {
    block: Block,
    dispatch: Dispatch,
    lang: Lang,
}

#[component]
fn BlockView(props: &BlockProps) -> Html {
    let l = props.lang;
    let revealed = use_state(|| false);
    let confirming = use_state(|| false);
    let answer = use_state(|| None::<usize>);
    let copied = use_state(|| false);
    match &props.block {
        Block::Para(v) => html! { <p>{inlines(v)}</p> },
        Block::List(items) => {
            html! { <ul>{ for items.iter().map(|i| html! { <li>{inlines(i)}</li> }) }</ul> }
        }
        Block::Code { text, run } => {
            let copy = {
                let text = text.clone();
                let copied = copied.clone();
                Callback::from(move |_: MouseEvent| {
                    browser::copy(&text);
                    copied.set(true);
                })
            };
            let run_btn = run.then(|| {
                let d = props.dispatch.clone();
                let text = text.clone();
                let onclick = Callback::from(move |_: MouseEvent| {
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        d.dispatch(Action::Submit(line.to_string()));
                    }
                });
                html! { <button class="primary run" {onclick} title={t(l, "run_title")}>{icon("play")}{" "}{t(l, "run")}</button> }
            });
            html! {
                <div class="codeblock">
                    <pre class="code">{text}</pre>
                    <div class="code-actions">
                        {run_btn.unwrap_or_default()}
                        <button onclick={copy}>{t(l, if *copied { "copied" } else { "copy" })}</button>
                    </div>
                </div>
            }
        }
        Block::Tip(v) => html! {
            <details class="tip"><summary>{icon("bulb")}{" "}{t(l, "tip")}</summary><p>{inlines(v)}</p></details>
        },
        Block::Solution(text) => {
            if *revealed {
                html! { <div class="solution"><strong>{t(l, "solution")}</strong><pre class="code">{text}</pre></div> }
            } else if *confirming {
                let r = revealed.clone();
                let c = confirming.clone();
                html! {
                    <div class="solution confirm" role="alertdialog" aria-label={t(l, "confirm_solution")}>
                        <p>{t(l, "confirm_solution")}</p>
                        <button onclick={Callback::from(move |_| r.set(true))}>{t(l, "yes_show")}</button>
                        <button onclick={Callback::from(move |_| c.set(false))}>{t(l, "cancel")}</button>
                    </div>
                }
            } else {
                let c = confirming.clone();
                html! { <button class="link-button" onclick={Callback::from(move |_| c.set(true))}>{t(l, "show_solution")}</button> }
            }
        }
        Block::Quiz { question, options } => {
            let chosen = *answer;
            html! {
                <fieldset class="quiz">
                    <legend>{question}</legend>
                    { for options.iter().enumerate().map(|(i, (text, _))| {
                        let a = answer.clone();
                        html! { <label class="quiz-option"><input type="radio" name={question.clone()} checked={chosen == Some(i)}
                            onchange={Callback::from(move |_| a.set(Some(i)))} />{text}</label> }
                    }) }
                    { match chosen.and_then(|i| options.get(i)) {
                        Some((_, true)) => html! { <p class="quiz-result right" role="status">{"✓ "}{t(l, "quiz_right")}</p> },
                        Some((_, false)) => html! { <p class="quiz-result wrong" role="status">{t(l, "quiz_wrong")}</p> },
                        None => html! {},
                    } }
                </fieldset>
            }
        }
    }
}

#[component]
pub fn LessonPane(props: &LessonProps) -> Html {
    let l = props.lang;
    let viewing = use_state(|| None::<usize>);
    let hints = use_state(|| (0usize, 0usize));
    // The step whose check just passed: stay on it and play the ✓ animation.
    let celebrate = use_state(|| None::<usize>);
    {
        let viewing = viewing.clone();
        let celebrate = celebrate.clone();
        use_effect_with(props.just_done.clone(), move |jd| {
            if let Some(&i) = jd.first() {
                viewing.set(Some(i));
                celebrate.set(Some(i));
            }
        });
    }
    {
        let viewing = viewing.clone();
        let id = props.lesson.as_ref().map(|d| d.id.clone());
        use_effect_with(id, move |_| viewing.set(None));
    }
    let Some(doc) = props.lesson.clone() else {
        return html! { <div class="lesson"><p class="muted">{t(l, "loading")}</p></div> };
    };
    let total = doc.steps.len();
    let current = viewing
        .unwrap_or_else(|| props.progress.current(&doc))
        .min(total.saturating_sub(1));
    let done_count = (0..total)
        .filter(|&i| props.progress.is_done(&doc.id, i))
        .count();
    let go = |i: usize| {
        let v = viewing.clone();
        Callback::from(move |_: MouseEvent| v.set(Some(i)))
    };
    let index_items = lesson::BUILTIN.iter().map(|(id, _, _)| {
        let title = lesson::builtin(id, l).map(|d| d.title).unwrap_or_default();
        let d = props.dispatch.clone();
        let id2 = id.to_string();
        let open = Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::OpenLesson(lesson::builtin(&id2, l).map(Rc::new)))
        });
        html! { <li><button class={classes!("link-button", (*id == doc.id).then_some("current"))} onclick={open}>{title}</button></li> }
    });
    let step = doc.steps.get(current);
    let step_done = props.progress.is_done(&doc.id, current);
    let fresh = *celebrate == Some(current);
    let shown_hints = if hints.0 == current { hints.1 } else { 0 };
    let more_hint = {
        let h = hints.clone();
        Callback::from(move |_: MouseEvent| h.set((current, shown_hints + 1)))
    };
    let mark_read = {
        let d = props.dispatch.clone();
        let v = viewing.clone();
        Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::MarkStep(current));
            v.set(Some((current + 1).min(total.saturating_sub(1))));
        })
    };
    html! {
        <div class="lesson">
            <details class="course-index">
                <summary>{t(l, "course_index")}</summary>
                <ol>{ for index_items }</ol>
            </details>
            <h1>{&doc.title}</h1>
            { for doc.intro.iter().map(|b| html! { <BlockView block={b.clone()} dispatch={props.dispatch.clone()} lang={l} /> }) }
            <div class="progress" role="progressbar" aria-label={t(l, "progress")}
                aria-valuemin="0" aria-valuemax={total.to_string()} aria-valuenow={done_count.to_string()}>
                <ol class="steps">
                    { for (0..total).map(|i| {
                        let done = props.progress.is_done(&doc.id, i);
                        let label = format!("{} — {}", tf(l, "step_n", &[("n", &(i + 1).to_string()), ("total", &total.to_string())]),
                            t(l, if done { "step_done" } else { "step_todo" }));
                        html! { <li><button class={classes!("step-dot", done.then_some("done"), (i == current).then_some("current"))}
                            aria-label={label} aria-current={(i == current).then_some("step")} onclick={go(i)}>
                            { if done { "✓".to_string() } else { (i + 1).to_string() } }</button></li> }
                    }) }
                </ol>
            </div>
            { match step { Some(s) => html! {
                <section class={classes!("step", step_done.then_some("done"), fresh.then_some("just-done"))} aria-labelledby="step-title" key={format!("{}-{current}", doc.id)}>
                    <h2 id="step-title">
                        <span class="check-mark" aria-hidden="true">{ if step_done { "✓" } else { "" } }</span>
                        {tf(l, "step_n", &[("n", &(current + 1).to_string()), ("total", &total.to_string())])}{" · "}{&s.title}
                    </h2>
                    { if step_done { html! { <p class="sr-only" role="status">{t(l, "step_done")}</p> } } else { html! {} } }
                    { for s.blocks.iter().map(|b| html! { <BlockView block={b.clone()} dispatch={props.dispatch.clone()} lang={l} /> }) }
                    { if s.hints.is_empty() { html! {} } else { html! {
                        <div class="hints">
                            { for s.hints.iter().take(shown_hints).map(|h| html! { <p class="hint">{icon("bulb")}{" "}{inlines(&lesson::inlines(h))}</p> }) }
                            { if shown_hints < s.hints.len() && !step_done { html! {
                                <button class="link-button" onclick={more_hint}>{format!("{} ({}/{})", t(l, "next_hint"), shown_hints + 1, s.hints.len())}</button>
                            } } else { html! {} } }
                        </div>
                    } } }
                    { if s.check == lesson::Check::None && !step_done { html! {
                        <button class="primary" onclick={mark_read}>{t(l, "mark_read")}</button>
                    } } else { html! {} } }
                </section>
            }, None => html! {} } }
            { if done_count == total && total > 0 { html! { <p class="lesson-done" role="status">{"✓ "}{t(l, "lesson_done")}</p> } } else { html! {} } }
            <nav class="step-nav">
                <button onclick={go(current.saturating_sub(1))} disabled={current == 0}>{"← "}{t(l, "previous")}</button>
                <button class={classes!(step_done.then_some("primary"))} onclick={go((current + 1).min(total.saturating_sub(1)))} disabled={current + 1 >= total}>{t(l, "next")}{" →"}</button>
            </nav>
        </div>
    }
}
