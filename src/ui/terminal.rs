//! The terminal component: scrollback as real DOM text, a native `<input>` prompt with
//! history (↑/↓), Tab completion, Ctrl+C, Ctrl+L, continuation prompts, and the editor panel
//! that `nano`/`vi` open (a `<textarea>` over a highlighted copy of its text).

use super::adapter;
use super::app::{Action, CoreRef, Dispatch, Shared};
use super::core::{Line, LineKind};
use super::i18n::{t, tf, Lang};
use super::yaml;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub lines: Shared<Vec<Line>>,
    pub prompt: String,
    pub history: Vec<String>,
    pub editor: Option<(String, String)>,
    pub core: CoreRef,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn TerminalView(props: &TerminalProps) -> Html {
    let input = use_node_ref();
    let output = use_node_ref();
    // Position in history while browsing with ↑/↓ (None: editing a new line), and the line
    // being typed before browsing started.
    let hist_pos = use_mut_ref(|| (None::<usize>, String::new()));
    // Candidates shown after a Tab with several matches.
    let candidates = use_state(Vec::<String>::new);
    let l = props.lang;

    {
        let output = output.clone();
        let input = input.clone();
        let n = props.lines.len();
        let editing = props.editor.is_some();
        use_effect_with((n, props.lines.clone(), editing), move |(_, _, editing)| {
            if let Some(el) = output.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
            if !editing {
                // Back from the editor: the prompt gets the focus again.
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    let active = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.active_element());
                    if active.is_none_or(|a| a.tag_name() == "BODY") {
                        let _ = el.focus();
                    }
                }
            }
        });
    }

    let onkeydown = {
        let dispatch = props.dispatch.clone();
        let history = props.history.clone();
        let hist_pos = hist_pos.clone();
        let core = props.core.clone();
        let candidates = candidates.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let key = e.key();
            if key != "Tab" && !candidates.is_empty() {
                candidates.set(Vec::new());
            }
            match key.as_str() {
                "Enter" => {
                    let line = el.value();
                    el.set_value("");
                    *hist_pos.borrow_mut() = (None, String::new());
                    dispatch.dispatch(Action::Submit(line));
                }
                "ArrowUp" | "ArrowDown" if !history.is_empty() && !e.alt_key() => {
                    e.prevent_default();
                    let mut hp = hist_pos.borrow_mut();
                    if hp.0.is_none() {
                        hp.1 = el.value();
                    }
                    let next = match (hp.0, key == "ArrowUp") {
                        (None, true) => Some(history.len() - 1),
                        (Some(p), true) => Some(p.saturating_sub(1)),
                        (Some(p), false) if p + 1 < history.len() => Some(p + 1),
                        _ => None,
                    };
                    hp.0 = next;
                    let text = match next.and_then(|p| history.get(p)) {
                        Some(h) => h.clone(),
                        None => hp.1.clone(),
                    };
                    el.set_value(&text);
                    let end = text.len() as u32;
                    let _ = el.set_selection_range(end, end);
                }
                "Tab" => {
                    e.prevent_default();
                    let value = el.value();
                    let cursor = el
                        .selection_start()
                        .ok()
                        .flatten()
                        .map_or(value.len(), |c| c as usize);
                    let head: String = value.chars().take(cursor).collect();
                    let tail: String = value.chars().skip(cursor).collect();
                    let (from, found) = adapter::complete(&core.0.borrow().term, &head);
                    let insert = match found.as_slice() {
                        [] => None,
                        [one] if one.ends_with('/') => Some(one.clone()),
                        [one] => Some(format!("{one} ")),
                        many => {
                            candidates.set(many.to_vec());
                            Some(adapter::common_prefix(many))
                        }
                    };
                    if let Some(word) = insert {
                        let base = head.get(..from).unwrap_or(&head);
                        let new_head = format!("{base}{word}");
                        el.set_value(&format!("{new_head}{tail}"));
                        let pos = new_head.encode_utf16().count() as u32;
                        let _ = el.set_selection_range(pos, pos);
                    }
                }
                "c" | "C" if e.ctrl_key() && !e.shift_key() => {
                    // Ctrl+C copies when text is selected; otherwise it interrupts.
                    let selected = el
                        .selection_start()
                        .ok()
                        .flatten()
                        .zip(el.selection_end().ok().flatten())
                        .is_some_and(|(a, b)| a != b);
                    let page_selection = web_sys::window()
                        .and_then(|w| w.get_selection().ok().flatten())
                        .is_some_and(|s| !s.is_collapsed());
                    if !selected && !page_selection {
                        e.prevent_default();
                        let typed = el.value();
                        el.set_value("");
                        dispatch.dispatch(Action::Interrupt(typed));
                    }
                }
                "l" | "L" if e.ctrl_key() => {
                    e.prevent_default();
                    dispatch.dispatch(Action::Clear);
                }
                _ => {}
            }
        })
    };
    let focus = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            // Clicking the terminal focuses the prompt, unless the user is selecting text.
            let selecting = web_sys::window()
                .and_then(|w| w.get_selection().ok().flatten())
                .is_some_and(|s| !s.is_collapsed());
            if !selecting {
                if let Some(el) = input.cast::<HtmlInputElement>() {
                    let _ = el.focus();
                }
            }
        })
    };

    let editor = props.editor.as_ref().map(|(path, content)| {
        html! { <EditorPanel path={path.clone()} content={content.clone()} dispatch={props.dispatch.clone()} lang={l} /> }
    });

    html! {
        <div class="terminal" onclick={focus}>
            <div id="term-output" class="term-output" ref={output} role="log" aria-live="polite"
                aria-label={t(l, "terminal")}>
                { for props.lines.iter().map(|line| {
                    let class = match line.kind {
                        LineKind::Input => "line input",
                        LineKind::Stdout => "line",
                        LineKind::Stderr => "line err",
                        LineKind::Note => "line note",
                    };
                    if line.kind == LineKind::Input {
                        // Colour the prompt part of an echoed command line.
                        let (p, rest) = split_prompt(&line.text);
                        html! { <pre class={class}><span class="ps1">{p}</span>{rest}</pre> }
                    } else {
                        html! { <pre class={class}>{&line.text}</pre> }
                    }
                }) }
                { if candidates.is_empty() { html! {} } else { html! {
                    <pre class="line candidates">{candidates.join("  ")}</pre>
                } } }
                <div class="term-prompt">
                    <label for="term-input" class="prompt">{&props.prompt}</label>
                    <input id="term-input" ref={input} type="text" autocomplete="off" autocapitalize="off"
                        spellcheck="false" aria-label={t(l, "terminal_input")} {onkeydown} autofocus=true
                        disabled={props.editor.is_some()} />
                </div>
            </div>
            { editor.unwrap_or_default() }
        </div>
    }
}

/// Splits `student@kubesim:~$ kubectl get pods` into the prompt and the command.
pub fn split_prompt(line: &str) -> (&str, &str) {
    let colon = line.find(':').filter(|&c| line[..c].contains('@'));
    let end = colon.and_then(|c| {
        let rest = &line[c..];
        [rest.find("$ "), rest.find("# ")]
            .into_iter()
            .flatten()
            .min()
            .map(|i| c + i + 2)
    });
    if let Some(i) = end {
        line.split_at(i)
    } else if let Some(rest) = line.strip_prefix("> ") {
        ("> ", rest)
    } else {
        ("", line)
    }
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub path: String,
    pub content: String,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

/// The editor panel: a transparent `<textarea>` over a `<pre>` of highlighted spans (text
/// nodes only), scrolled together. Ctrl+S saves to the virtual filesystem, Esc cancels.
#[component]
pub fn EditorPanel(props: &EditorProps) -> Html {
    let text = use_state(|| props.content.clone());
    let area = use_node_ref();
    let pre = use_node_ref();
    let l = props.lang;
    {
        let area = area.clone();
        use_effect_with((), move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let _ = a.focus();
            }
        });
    }
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(a) = e.target_dyn_into::<HtmlTextAreaElement>() {
                text.set(a.value());
            }
        })
    };
    let onscroll = {
        let pre = pre.clone();
        Callback::from(move |e: Event| {
            if let (Some(a), Some(p)) = (
                e.target_dyn_into::<HtmlTextAreaElement>(),
                pre.cast::<web_sys::Element>(),
            ) {
                p.set_scroll_top(a.scroll_top());
                p.set_scroll_left(a.scroll_left());
            }
        })
    };
    let save = {
        let d = props.dispatch.clone();
        let text = text.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::EditorSave((*text).clone())))
    };
    let cancel = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::EditorCancel))
    };
    let onkeydown = {
        let d = props.dispatch.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if (e.ctrl_key() && (key == "s" || key == "S" || key == "o" || key == "O"))
                || (e.ctrl_key() && (key == "x" || key == "X"))
            {
                e.prevent_default();
                if let Some(a) = e.target_dyn_into::<HtmlTextAreaElement>() {
                    d.dispatch(Action::EditorSave(a.value()));
                }
            } else if key == "Escape" {
                e.prevent_default();
                d.dispatch(Action::EditorCancel);
            } else if key == "Tab" && !e.shift_key() {
                // Two spaces (YAML has no tabs); Shift+Tab still leaves the field.
                e.prevent_default();
                if let Some(a) = e.target_dyn_into::<HtmlTextAreaElement>() {
                    let _ = a.set_range_text("  ");
                    let pos = a.selection_start().ok().flatten().unwrap_or(0) + 2;
                    let _ = a.set_selection_range(pos, pos);
                    let ev = web_sys::InputEvent::new("input");
                    if let Ok(ev) = ev {
                        let _ = a.dispatch_event(&ev);
                    }
                }
            }
        })
    };
    let mut spans = yaml::highlight(&text);
    // A trailing newline needs a character after it to take up a line in the <pre>.
    spans.push((yaml::Tok::Plain, " ".into()));
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    html! {
        <div class="editor" role="dialog" aria-label={tf(l, "editor_label", &[("path", &props.path)])} onclick={stop}>
            <div class="editor-bar">
                <span class="editor-title">{format!("{} — {}", t(l, "editor"), props.path)}</span>
                <span class="editor-keys">{t(l, "editor_keys")}</span>
                <button class="primary" onclick={save}>{t(l, "save")}</button>
                <button onclick={cancel}>{t(l, "cancel")}</button>
            </div>
            <div class="editor-body">
                <pre class="editor-hl" ref={pre} aria-hidden="true">
                    { for spans.into_iter().map(|(tok, s)| html! { <span class={tok.class()}>{s}</span> }) }
                </pre>
                <textarea id="editor-text" ref={area} spellcheck="false" autocapitalize="off"
                    aria-label={tf(l, "editor_label", &[("path", &props.path)])}
                    value={(*text).clone()} {oninput} {onscroll} {onkeydown} />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_split() {
        assert_eq!(
            split_prompt("student@kubesim:~$ kubectl get pods"),
            ("student@kubesim:~$ ", "kubectl get pods")
        );
        assert_eq!(split_prompt("> EOF"), ("> ", "EOF"));
        assert_eq!(
            split_prompt("root@cp-1:/etc# ls $HOME"),
            ("root@cp-1:/etc# ", "ls $HOME")
        );
        assert_eq!(split_prompt("plain"), ("", "plain"));
    }
}
