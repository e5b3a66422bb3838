//! The web entry point: trunk builds this binary for wasm32 and mounts the Yew app.
//! Natively it only explains where to look.

#[cfg(all(feature = "web", target_arch = "wasm32"))]
fn main() {
    #[cfg(feature = "split")]
    kubesim::ui::split::install();
    yew::Renderer::<kubesim::ui::App>::new().render();
}

#[cfg(not(all(feature = "web", target_arch = "wasm32")))]
fn main() {
    eprintln!(
        "kubesim-web is the browser build (run `bash .ci/serve`); for the terminal, run `cargo run --bin kubesim`."
    );
}
