//! The deferred module of the browser build (feature `split`): installs the runner of
//! [`crate::term::deferred`], downloads the module that holds its code right after the
//! first page, and holds back the actions that need it until it is in.
//!
//! `lazy_loader!` declares the split point: an exported entry ([`entry`] behind it) that
//! `wasm-split` (run by `.ci/wasm-split.mjs` after wasm-bindgen) moves into its own `.wasm`
//! with everything only it reaches, and an import the first module calls once that file is
//! instantiated.
//!
//! Until the module is in, [`hold`] keeps the actions that would run deferred code (the
//! reducer's caller decides which: [`super::app::waits_for_split`]) and every later one but
//! clock ticks, so their order is kept; [`start`] replays them once it is loaded (or failed:
//! the terminal then answers [`deferred::NOT_LOADED`] and a notice says to reload).

use super::app::{Action, CoreRef, Dispatch};
use super::i18n::t;
use crate::term::deferred::{self, Call};
use std::cell::{Cell, RefCell};
use wasm_split::LazyLoader;

/// The split point. The argument is the address of a [`Call`] on the caller's stack (a
/// plain integer crosses the module boundary with no ABI question).
static DEFERRED: LazyLoader<usize, ()> =
    wasm_split::lazy_loader!(extern "deferred" fn entry(call: usize));

fn entry(call: usize) {
    // SAFETY: `runner` passes the address of a live `&mut Call` and waits for this call.
    let call = unsafe { &mut *(call as *mut Call<'_, '_>) };
    deferred::run(call);
}

fn runner(call: &mut Call<'_, '_>) -> bool {
    DEFERRED.call(call as *mut Call<'_, '_> as usize).is_ok()
}

thread_local! {
    /// The load finished (successfully or not): nothing is held any more.
    static SETTLED: Cell<bool> = const { Cell::new(false) };
    /// Actions waiting for the module, in dispatch order.
    static HELD: RefCell<Vec<Action>> = const { RefCell::new(Vec::new()) };
}

/// Installs the runner (once, before the first command).
pub fn install() {
    deferred::install(runner);
}

/// Are actions waiting for the module?
pub fn holding() -> bool {
    HELD.with_borrow(|h| !h.is_empty())
}

/// `Some(action)` to run now; `None` when it was held (it needs the module, or an earlier
/// action is held and this one is not a clock tick).
pub fn hold(action: Action, waits: impl FnOnce(&Action) -> bool) -> Option<Action> {
    if SETTLED.get() {
        return Some(action);
    }
    let queue_busy = HELD.with_borrow(|h| !h.is_empty());
    if (queue_busy && !matches!(action, Action::Tick { .. })) || waits(&action) {
        HELD.with_borrow_mut(|h| h.push(action));
        return None;
    }
    Some(action)
}

/// Downloads the module (after the first paint: called from the first render's effect),
/// then replays the held actions.
pub fn start(dispatch: Dispatch, core: CoreRef) {
    yew::platform::spawn_local(async move {
        let ok = DEFERRED.load().await;
        SETTLED.set(true);
        if !ok {
            let lang = core.0.borrow().lang;
            dispatch.dispatch(Action::Notice(Some(t(lang, "split_failed").to_string())));
        }
        for action in HELD.take() {
            dispatch.dispatch(action);
        }
    });
}
