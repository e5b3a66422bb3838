//! Browser hooks, kept in one small module: localStorage, URL parameters, file download and
//! upload, the clipboard, the colour-scheme preference. Every call tolerates a missing API
//! (private mode, old browser): it returns `None`/does nothing instead of panicking.
//!
//! Pure helpers ([`parse_params`], [`split_cmds`]) are tested natively; the rest by
//! wasm-bindgen tests in a headless browser.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// localStorage key of the current session (see [`super::journal::Saved`]).
pub const SESSION_KEY: &str = "kubesim.session";
/// Where an unreadable saved session is moved, so it can still be exported.
pub const CORRUPT_KEY: &str = "kubesim.session.unreadable";
/// UI preferences (theme, pane widths) that are not part of the session.
pub const PREFS_KEY: &str = "kubesim.prefs";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn store(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The page's query string without `?`.
pub fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .map(|s| s.trim_start_matches('?').to_string())
        .unwrap_or_default()
}

/// The page URL without its query string (for share links).
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

fn decode_component(s: &str) -> String {
    js_sys::decode_uri_component(&s.replace('+', " "))
        .ok()
        .and_then(|j| j.as_string())
        .unwrap_or_else(|| s.to_string())
}

pub fn encode_component(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

/// `a=1&b=x%20y` → [("a","1"),("b","x y")], with percent-decoding by `decode`.
pub fn parse_params_with(query: &str, decode: impl Fn(&str) -> String) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

pub fn parse_params(query: &str) -> Vec<(String, String)> {
    parse_params_with(query, decode_component)
}

/// The `cmds`/`demo` parameter: commands separated by `;;` or newlines (a single `;` stays
/// inside a command, as the shell's own separator).
pub fn split_cmds(s: &str) -> Vec<String> {
    s.split('\n')
        .flat_map(|l| l.split(";;"))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// Does the system prefer a dark colour scheme?
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Offers `text` as a file download (a local blob: nothing leaves the machine).
pub fn download(filename: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/plain");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Reads the first file chosen in an `<input type=file>` and calls `done` with its text.
pub fn read_file(input: &web_sys::HtmlInputElement, done: impl FnOnce(String) + 'static) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r = reader.clone();
    let onload = Closure::once(move || {
        let text = r
            .result()
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        done(text);
    });
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    let _ = reader.read_as_text(&file);
}

/// Sets `data-<name>` on the root element (`<html>`): a hook for the browser tests, e.g.
/// `data-bench="ready"` once the `?bench=` world is on screen (tests/e2e/perf.mjs).
pub fn mark_root(name: &str, value: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute(&format!("data-{name}"), value);
    }
}

/// Copies text to the clipboard (best effort).
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Fetches a text file relative to the page (lessons). Calls `done` with Ok(text) or Err.
pub fn fetch_text(url: &str, done: impl FnOnce(Result<String, String>) + 'static) {
    let Some(w) = web_sys::window() else {
        return done(Err("no window".into()));
    };
    let promise = w.fetch_with_str(url);
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let d2 = done.clone();
    let url2 = url.to_string();
    let on_resp = Closure::once(move |resp: wasm_bindgen::JsValue| {
        let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
            return;
        };
        if !resp.ok() {
            if let Some(f) = d2.borrow_mut().take() {
                f(Err(format!("{} {url2}", resp.status())));
            }
            return;
        }
        let Ok(text) = resp.text() else { return };
        let d3 = d2.clone();
        let on_text = Closure::once(move |t: wasm_bindgen::JsValue| {
            if let Some(f) = d3.borrow_mut().take() {
                f(Ok(t.as_string().unwrap_or_default()));
            }
        });
        let _ = text.then(&on_text);
        on_text.forget();
    });
    let d4 = done.clone();
    let on_err = Closure::once(move |e: wasm_bindgen::JsValue| {
        if let Some(f) = d4.borrow_mut().take() {
            f(Err(e.as_string().unwrap_or_else(|| "network error".into())));
        }
    });
    let _ = promise.then2(&on_resp, &on_err);
    on_resp.forget();
    on_err.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_command_lists() {
        let p = parse_params_with("lesson=first-steps&lang=en&&presenter", |s| s.to_string());
        assert_eq!(
            p,
            vec![
                ("lesson".to_string(), "first-steps".to_string()),
                ("lang".into(), "en".into()),
                ("presenter".into(), "".into())
            ]
        );
        assert_eq!(
            split_cmds("kubectl get nodes;;echo a; echo b\n\n  sleep 2 "),
            vec!["kubectl get nodes", "echo a; echo b", "sleep 2"]
        );
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn local_storage_round_trip_and_missing_keys() {
        store("kubesim.test", "v1");
        assert_eq!(load("kubesim.test").as_deref(), Some("v1"));
        remove("kubesim.test");
        assert_eq!(load("kubesim.test"), None);
    }

    #[wasm_bindgen_test]
    fn percent_decoding_uses_the_browser() {
        let p = parse_params("cmds=kubectl%20get%20nodes%3B%3Becho+hi&x=%E2%9C%93");
        assert_eq!(p[0].1, "kubectl get nodes;;echo hi");
        assert_eq!(p[1].1, "✓");
        assert_eq!(encode_component("a b&c"), "a%20b%26c");
        let _ = prefers_dark();
        let _ = query();
    }
}
