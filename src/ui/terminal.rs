//! The terminal component: scrollback as real DOM text, and a native `<input>` prompt with
//! history on ↑/↓.

use super::app::LineKind;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TerminalProps {
    pub lines: Vec<(LineKind, String)>,
    pub prompt: String,
    pub history: Vec<String>,
    pub label: AttrValue,
    pub on_submit: Callback<String>,
}

#[component]
pub fn TerminalView(props: &TerminalProps) -> Html {
    let input = use_node_ref();
    let output = use_node_ref();
    // Position in history while browsing with ↑/↓ (None: editing a new line).
    let hist_pos = use_mut_ref(|| None::<usize>);

    {
        let output = output.clone();
        use_effect_with(props.lines.len(), move |_| {
            if let Some(el) = output.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let onkeydown = {
        let on_submit = props.on_submit.clone();
        let history = props.history.clone();
        let hist_pos = hist_pos.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            match e.key().as_str() {
                "Enter" => {
                    let line = el.value();
                    el.set_value("");
                    *hist_pos.borrow_mut() = None;
                    on_submit.emit(line);
                }
                "ArrowUp" | "ArrowDown" if !history.is_empty() => {
                    e.prevent_default();
                    let mut pos = hist_pos.borrow_mut();
                    let next = match (*pos, e.key() == "ArrowUp") {
                        (None, true) => Some(history.len() - 1),
                        (Some(p), true) => Some(p.saturating_sub(1)),
                        (Some(p), false) if p + 1 < history.len() => Some(p + 1),
                        _ => None,
                    };
                    *pos = next;
                    el.set_value(next.and_then(|p| history.get(p)).map_or("", String::as_str));
                }
                "l" if e.ctrl_key() => {
                    e.prevent_default();
                    on_submit.emit("clear".into());
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

    html! {
        <div class="terminal" onclick={focus}>
            <div id="term-output" class="term-output" ref={output} role="log" aria-live="polite">
                { for props.lines.iter().map(|(kind, text)| {
                    let class = match kind {
                        LineKind::Input => "line input",
                        LineKind::Stdout => "line",
                        LineKind::Stderr => "line err",
                    };
                    html! { <pre class={class}>{text}</pre> }
                }) }
            <div class="term-prompt">
                <label for="term-input" class="prompt">{&props.prompt}</label>
                <input id="term-input" ref={input} type="text" autocomplete="off" autocapitalize="off"
                    spellcheck="false" aria-label={props.label.clone()} {onkeydown} autofocus=true />
            </div>
            </div>
        </div>
    }
}
