//! The lesson pane: the course index, the lesson's steps rendered from the lesson Markdown
//! AST ([`crate::lessons::markdown`]) as DOM nodes (never HTML strings), runnable code
//! blocks (run/copy), collapsible tips, solutions behind a confirmation, quizzes, the hints
//! ladder, live diagrams of the cluster ([`super::lesson_diagram`]), and step progress with a
//! ✓ animation when a check passes.

use super::app::{Action, Dispatch};
use super::browser;
use super::i18n::{t, tf, Lang};
use super::icons::icon;
use super::lesson_diagram::LiveDiagram;
use crate::lessons::diagram::Picture;
use crate::lessons::markdown::{Block, CalloutKind, Inline, LinkTarget, Quiz};
use crate::lessons::progress::LessonProgress;
use crate::lessons::session::QuizFeedback;
use crate::lessons::{Course, Lesson};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

fn lessons_lang(l: Lang) -> crate::lessons::Lang {
    match l {
        Lang::Fr => crate::lessons::Lang::Fr,
        Lang::En => crate::lessons::Lang::En,
    }
}

/// The lesson's live pictures, by diagram info string ([`crate::lessons::diagram::pictures`]).
pub type Diagrams = Rc<BTreeMap<String, Picture>>;

/// Everything the blocks need to act: dispatch, the language, opening another lesson, and
/// the current pictures for diagram blocks.
#[derive(Clone, PartialEq)]
struct Ctx {
    dispatch: Dispatch,
    lang: Lang,
    open: Callback<String>,
    diagrams: Diagrams,
}

fn inline(i: &Inline, ctx: &Ctx) -> Html {
    match i {
        Inline::Text(s) => html! { {s} },
        Inline::Code(s) => html! { <code>{s}</code> },
        Inline::Emph(v) => html! { <em>{inlines(v, ctx)}</em> },
        Inline::Strong(v) => html! { <strong>{inlines(v, ctx)}</strong> },
        Inline::Break => html! { <br /> },
        Inline::Link { target, text } => match target {
            LinkTarget::Lesson { id, .. } => {
                let open = ctx.open.clone();
                let id = id.clone();
                html! { <button class="link-button" onclick={Callback::from(move |_| open.emit(id.clone()))}>{inlines(text, ctx)}</button> }
            }
            // No request leaves the page: external links are shown, not followed.
            LinkTarget::Url(url) => {
                html! { <span class="ext-link">{inlines(text, ctx)}{" ("}<code>{url}</code>{")"}</span> }
            }
            LinkTarget::Invalid(_) => html! { <span>{inlines(text, ctx)}</span> },
        },
    }
}

fn inlines(v: &[Inline], ctx: &Ctx) -> Html {
    v.iter().map(|i| inline(i, ctx)).collect::<Html>()
}

/// The blocks without a leading heading that repeats `title` (the pane shows titles itself).
fn without_title<'a>(v: &'a [Block], title: &str) -> &'a [Block] {
    match v.first() {
        Some(Block::Heading { text, .. })
            if crate::lessons::markdown::plain_text(text).trim() == title.trim() =>
        {
            v.get(1..).unwrap_or(&[])
        }
        _ => v,
    }
}

fn blocks(v: &[Block], ctx: &Ctx, feedback: &BTreeMap<String, QuizFeedback>) -> Html {
    v.iter()
        .map(|b| html! { <BlockView block={b.clone()} ctx={ctx.clone()} feedback={feedback.clone()} /> })
        .collect::<Html>()
}

#[derive(Properties, PartialEq)]
struct BlockProps {
    block: Block,
    ctx: Ctx,
    feedback: BTreeMap<String, QuizFeedback>,
}

#[component]
fn BlockView(props: &BlockProps) -> Html {
    let ctx = &props.ctx;
    let l = ctx.lang;
    let revealed = use_state(|| false);
    let confirming = use_state(|| false);
    let picks = use_state(Vec::<usize>::new);
    let copied = use_state(|| false);
    match &props.block {
        Block::Heading { level, text } => match level {
            1 | 2 => html! { <h3>{inlines(text, ctx)}</h3> },
            _ => html! { <h4>{inlines(text, ctx)}</h4> },
        },
        Block::Paragraph(v) => html! { <p>{inlines(v, ctx)}</p> },
        Block::List { ordered, items, .. } => {
            let items = items
                .iter()
                .map(|item| html! { <li>{blocks(item, ctx, &props.feedback)}</li> });
            if *ordered {
                html! { <ol>{ for items }</ol> }
            } else {
                html! { <ul>{ for items }</ul> }
            }
        }
        Block::Table { header, rows, .. } => html! {
            <table class="md-table">
                <thead><tr>{ for header.iter().map(|h| html! { <th scope="col">{inlines(h, ctx)}</th> }) }</tr></thead>
                <tbody>{ for rows.iter().map(|r| html! { <tr>{ for r.iter().map(|c| html! { <td>{inlines(c, ctx)}</td> }) }</tr> }) }</tbody>
            </table>
        },
        Block::Quote(v) => html! { <blockquote>{blocks(v, ctx, &props.feedback)}</blockquote> },
        Block::Rule => html! { <hr /> },
        Block::Diagram { info } => match ctx.diagrams.get(info) {
            Some(p) => html! { <LiveDiagram picture={p.clone()} lang={l} /> },
            None => html! {},
        },
        Block::Code { text, runnable, .. } => {
            let copy = {
                let text = text.clone();
                let copied = copied.clone();
                Callback::from(move |_: MouseEvent| {
                    browser::copy(&text);
                    copied.set(true);
                })
            };
            let run_btn = runnable.then(|| {
                let d = ctx.dispatch.clone();
                let text = text.clone();
                let onclick = Callback::from(move |_: MouseEvent| {
                    // One command line, which may span several lines (heredocs, `\`).
                    d.dispatch(Action::Submit(text.trim_end().to_string()));
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
        Block::Callout {
            kind: CalloutKind::Solution,
            title,
            body,
        } => {
            if *revealed {
                html! { <div class="solution"><strong>{ if title.is_empty() { html! { {t(l, "solution")} } } else { inlines(title, ctx) } }</strong>{blocks(body, ctx, &props.feedback)}</div> }
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
        Block::Callout { kind, title, body } => {
            let (class, key) = match kind {
                CalloutKind::Warning => ("callout warning", "warning"),
                CalloutKind::Note => ("callout note", "note"),
                _ => ("callout tip", "tip"),
            };
            html! {
                <details class={class} open={*kind == CalloutKind::Warning}>
                    <summary>{icon("bulb")}{" "}{ if title.is_empty() { html! { {t(l, key)} } } else { inlines(title, ctx) } }</summary>
                    {blocks(body, ctx, &props.feedback)}
                </details>
            }
        }
        Block::Quiz(q) => quiz(q, ctx, &picks, props.feedback.get(&q.id), &props.feedback),
    }
}

fn quiz(
    q: &Quiz,
    ctx: &Ctx,
    picks: &UseStateHandle<Vec<usize>>,
    fb: Option<&QuizFeedback>,
    all: &BTreeMap<String, QuizFeedback>,
) -> Html {
    let l = ctx.lang;
    let multiple = q.correct.len() > 1;
    let submit = {
        let d = ctx.dispatch.clone();
        let picks = picks.clone();
        let id = q.id.clone();
        Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::Quiz {
                id: id.clone(),
                picks: (*picks).clone(),
            })
        })
    };
    html! {
        <fieldset class="quiz" data-quiz={q.id.clone()}>
            <legend>{blocks(&q.question, ctx, all)}</legend>
            { for q.choices.iter().enumerate().map(|(i, choice)| {
                let p = picks.clone();
                let checked = picks.contains(&i);
                let onchange = Callback::from(move |_: Event| {
                    let mut v = if multiple { (*p).clone() } else { Vec::new() };
                    if let Some(at) = v.iter().position(|x| *x == i) { v.remove(at); } else { v.push(i); }
                    p.set(v);
                });
                html! { <label class="quiz-option">
                    <input type={if multiple { "checkbox" } else { "radio" }} name={q.id.clone()} {checked} {onchange} />
                    {inlines(choice, ctx)}</label> }
            }) }
            <button class="primary" onclick={submit} disabled={picks.is_empty()}>{t(l, "answer")}</button>
            { match fb {
                Some(f) if f.correct => html! { <div class="quiz-result right" role="status">{"✓ "}{t(l, "quiz_right")}{blocks(&f.explanation, ctx, all)}</div> },
                Some(_) => html! { <p class="quiz-result wrong" role="status">{t(l, "quiz_wrong")}</p> },
                None => html! {},
            } }
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    pub course: Option<Rc<Course>>,
    pub lesson: Option<Rc<Lesson>>,
    /// The step the student is on (`None`: lesson finished).
    pub current: Option<usize>,
    pub progress: LessonProgress,
    pub feedback: BTreeMap<String, QuizFeedback>,
    pub just_done: Vec<String>,
    /// Set while a lesson is being fetched, or when it failed.
    pub status: Option<String>,
    pub on_open: Callback<String>,
    pub dispatch: Dispatch,
    pub lang: Lang,
    /// Recomputed by the app after every change; equal pictures skip re-rendering.
    #[prop_or_default]
    pub diagrams: Diagrams,
    /// Lessons the student finished (a ✓ in the course index).
    #[prop_or_default]
    pub finished: Vec<String>,
}

#[component]
pub fn LessonPane(props: &LessonProps) -> Html {
    let l = props.lang;
    let ll = lessons_lang(l);
    // The step the student chose to look at, with the lesson it belongs to: a choice made in
    // another lesson must not show for a frame when the next one opens.
    let viewing = use_state(|| None::<(String, usize)>);
    // The step whose check just passed: stay on it and play the ✓ animation.
    let celebrate = use_state(|| None::<String>);
    {
        let viewing = viewing.clone();
        let celebrate = celebrate.clone();
        let lesson = props.lesson.clone();
        use_effect_with(props.just_done.clone(), move |jd| {
            if let (Some(id), Some(lesson)) = (jd.first(), lesson) {
                if let Some(i) = lesson.steps.iter().position(|s| &s.id == id) {
                    viewing.set(Some((lesson.id.clone(), i)));
                    celebrate.set(Some(id.clone()));
                }
            }
        });
    }
    {
        let viewing = viewing.clone();
        let id = props.lesson.as_ref().map(|d| d.id.clone());
        use_effect_with(id, move |_| viewing.set(None));
    }
    let ctx = Ctx {
        dispatch: props.dispatch.clone(),
        lang: l,
        open: props.on_open.clone(),
        diagrams: props.diagrams.clone(),
    };
    let index = props.course.as_ref().map(|course| {
        let current_id = props.lesson.as_ref().map(|d| d.id.clone());
        html! {
            <details class="course-index" open={props.lesson.is_none()}>
                <summary>{t(l, "course_index")}{" · "}{course.title.get(ll)}</summary>
                { for course.parts.iter().map(|part| html! {
                    <div class="part">
                        <h4>{part.title.get(ll)}</h4>
                        <ol>{ for part.lessons.iter().map(|e| {
                            let open = props.on_open.clone();
                            let id = e.id.clone();
                            let current = current_id.as_deref() == Some(e.id.as_str());
                            let done = props.finished.contains(&e.id);
                            html! { <li><button class={classes!("link-button", current.then_some("current"))}
                                aria-current={current.then_some("page")}
                                onclick={Callback::from(move |_| open.emit(id.clone()))}>{e.title.get(ll)}</button>
                                { if done { html! { <span class="index-done" aria-label={t(l, "lesson_done")}>{" ✓"}</span> } } else { html! {} } }</li> }
                        }) }</ol>
                    </div>
                }) }
            </details>
        }
    });
    let status = props
        .status
        .as_ref()
        .map(|s| html! { <p class="muted" role="status">{s}</p> });
    let Some(doc) = props.lesson.clone() else {
        return html! { <div class="lesson">{index.unwrap_or_default()}{status.unwrap_or_default()}</div> };
    };
    let total = doc.steps.len();
    let is_done = |i: usize| {
        doc.steps
            .get(i)
            .is_some_and(|s| props.progress.steps_done.contains(&s.id))
    };
    let active = props.current.unwrap_or(total.saturating_sub(1));
    let shown = viewing
        .as_ref()
        .filter(|(id, _)| *id == doc.id)
        .map_or(active, |(_, i)| *i)
        .min(total.saturating_sub(1));
    let done_count = (0..total).filter(|&i| is_done(i)).count();
    let go = |i: usize| {
        let v = viewing.clone();
        let id = doc.id.clone();
        Callback::from(move |_: MouseEvent| v.set(Some((id.clone(), i))))
    };
    let step = doc.steps.get(shown);
    let step_done = is_done(shown);
    let fresh = step.is_some_and(|s| celebrate.as_deref() == Some(s.id.as_str()));
    let hints_shown = step
        .and_then(|s| props.progress.hints_used.get(&s.id).copied())
        .unwrap_or(0) as usize;
    let more_hint = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Hint))
    };
    html! {
        <div class="lesson">
            {index.unwrap_or_default()}
            {status.unwrap_or_default()}
            <h1>{doc.title.get(ll)}</h1>
            // Folded once a step is done, so the current step is not pushed below the fold.
            <details class="lesson-intro" open={done_count == 0}>
                <summary>{t(l, "introduction")}</summary>
                {blocks(without_title(doc.intro.get(ll), doc.title.get(ll)), &ctx, &props.feedback)}
            </details>
            <div class="progress" role="progressbar" aria-label={t(l, "progress")}
                aria-valuemin="0" aria-valuemax={total.to_string()} aria-valuenow={done_count.to_string()}>
                <ol class="steps">
                    { for (0..total).map(|i| {
                        let done = is_done(i);
                        let label = format!("{} — {}", tf(l, "step_n", &[("n", &(i + 1).to_string()), ("total", &total.to_string())]),
                            t(l, if done { "step_done" } else { "step_todo" }));
                        html! { <li><button class={classes!("step-dot", done.then_some("done"), (i == shown).then_some("current"))}
                            aria-label={label} aria-current={(i == shown).then_some("step")} onclick={go(i)}>
                            { if done { "✓".to_string() } else { (i + 1).to_string() } }</button></li> }
                    }) }
                </ol>
            </div>
            { match step { Some(s) => html! {
                <section class={classes!("step", step_done.then_some("done"), fresh.then_some("just-done"))} aria-labelledby="step-title" key={format!("{}-{shown}", doc.id)}>
                    <h2 id="step-title">
                        <span class="check-mark" aria-hidden="true">{ if step_done { "✓" } else { "" } }</span>
                        {tf(l, "step_n", &[("n", &(shown + 1).to_string()), ("total", &total.to_string())])}{" · "}{s.title.get(ll)}
                    </h2>
                    { if step_done { html! { <p class="sr-only" role="status">{t(l, "step_done")}</p> } } else { html! {} } }
                    {blocks(without_title(s.body.get(ll), s.title.get(ll)), &ctx, &props.feedback)}
                    { if s.hints.is_empty() { html! {} } else { html! {
                        <div class="hints">
                            { for s.hints.iter().take(hints_shown).map(|h| html! { <div class="hint">{icon("bulb")}{blocks(h.get(ll), &ctx, &props.feedback)}</div> }) }
                            { if hints_shown < s.hints.len() && !step_done && Some(shown) == props.current { html! {
                                <button class="link-button" onclick={more_hint}>{format!("{} ({}/{})", t(l, "next_hint"), hints_shown + 1, s.hints.len())}</button>
                            } } else { html! {} } }
                        </div>
                    } } }
                </section>
            }, None => html! {} } }
            { if done_count == total && total > 0 { html! {
                <div class="lesson-done" role="status">
                    <p>{"✓ "}{t(l, "lesson_done")}</p>
                    { match props.course.as_ref().and_then(|c| c.next_after(&doc.id)) {
                        Some(next) => {
                            let open = props.on_open.clone();
                            let id = next.id.clone();
                            html! { <button class="primary next-lesson" onclick={Callback::from(move |_| open.emit(id.clone()))}>
                                {tf(l, "next_lesson", &[("title", next.title.get(ll))])}</button> }
                        }
                        None => html! { <p>{t(l, "course_done")}</p> },
                    } }
                </div>
            } } else { html! {} } }
            <nav class="step-nav">
                <button onclick={go(shown.saturating_sub(1))} disabled={shown == 0}>{"← "}{t(l, "previous")}</button>
                <button class={classes!(step_done.then_some("primary"))} onclick={go((shown + 1).min(total.saturating_sub(1)))} disabled={shown + 1 >= total}>{t(l, "next")}{" →"}</button>
            </nav>
        </div>
    }
}
