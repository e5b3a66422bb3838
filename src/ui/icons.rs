//! Small inline SVG icons (no icon font, no emoji font needed): `icon("play")`.

use yew::prelude::*;

/// The path data of each icon, drawn in a 16×16 box.
fn path(name: &str) -> &'static str {
    match name {
        "play" => "M4 2.5v11l9-5.5z",
        "pause" => "M4 2.5h3v11H4zM9 2.5h3v11H9z",
        "step" => "M3 2.5v11l7-5.5zM11 2.5h2.5v11H11z",
        "ffwd" => "M1.5 2.5v11l6.5-5.5zM8 2.5v11l6.5-5.5z",
        "moon" => "M10.5 1.5a6.5 6.5 0 1 0 4 10.8A5.5 5.5 0 0 1 10.5 1.5z",
        "sun" => "M8 4.5a3.5 3.5 0 1 1 0 7a3.5 3.5 0 0 1 0-7zM7.25 0h1.5v3h-1.5zM7.25 13h1.5v3h-1.5zM0 7.25h3v1.5H0zM13 7.25h3v1.5h-3zM2.2 3.3l1.1-1.1 2.1 2.1-1.1 1.1zM10.6 11.7l1.1-1.1 2.1 2.1-1.1 1.1zM2.2 12.7l2.1-2.1 1.1 1.1-2.1 2.1zM10.6 4.3l2.1-2.1 1.1 1.1-2.1 2.1z",
        "bulb" => "M8 1a5 5 0 0 0-3 9v2h6v-2a5 5 0 0 0-3-9zM5.5 13.5h5V15h-5z",
        "undo" => "M6 3L1.5 7 6 11V8.3c3.2 0 5.6.9 7.5 3.7C13 8 10.5 5.8 6 5.5z",
        "reset" => "M8 2a6 6 0 1 0 6 6h-2a4 4 0 1 1-4-4v2.5L12 3 8 0z",
        "helm" => "M8 .8l6.3 3v8.4L8 15.2 1.7 12.2V3.8zM8 4.2a3.8 3.8 0 1 0 0 7.6 3.8 3.8 0 0 0 0-7.6zm0 1.6a2.2 2.2 0 1 1 0 4.4 2.2 2.2 0 0 1 0-4.4z",
        _ => "",
    }
}

/// An icon, hidden from screen readers (its button carries the label).
pub fn icon(name: &str) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
            <path d={path(name)} fill="currentColor" fill-rule="evenodd" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_icon_used_has_a_path() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
        for entry in std::fs::read_dir(dir).unwrap() {
            let src = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for part in src.split("icon(\"").skip(1) {
                let name = part.split('"').next().unwrap();
                assert!(!super::path(name).is_empty(), "no icon {name:?}");
            }
        }
    }
}
