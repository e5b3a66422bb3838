//! The web app (Yew): the only code that touches the browser.
//!
//! Start with [`app::App`]: it owns the session ([`core::Core`]: a [`crate::term::Terminal`]
//! and its world, plus the [`journal`] of what the user did) through one reducer, ticks
//! simulated time with a timer, and lays out the three panes: lesson ([`lesson_view`], its
//! live diagrams drawn by [`lesson_diagram`]),
//! terminal ([`terminal`]) and cluster ([`cluster`], with the trainer tabs in [`panels`]).
//! Components never mutate the world directly; they dispatch [`app::Action`]s.
//!
//! The top bar, demo bar and notices are in [`controls`].
//!
//! Pure helpers (tested natively): [`core`] (session logic), [`journal`] (save/replay),
//! [`yaml`] (highlighting), [`model`] (what the cluster view draws), [`explain`] (trace
//! records in words), [`lesson`] (lesson AST, checks, progress), [`adapter`] (the one bridge to
//! core APIs still landing), [`i18n`] (FR/EN catalogue). Browser calls live in [`browser`].
//! With feature `split` (the browser build), `split` loads the code deferred by
//! [`crate::term::deferred`] after the first paint.

pub mod adapter;
pub mod app;
pub mod browser;
pub mod cluster;
pub mod controls;
pub mod core;
pub mod explain;
pub mod i18n;
pub mod icons;
pub mod journal;
pub mod lesson_diagram;
pub mod lesson_view;
pub mod model;
pub mod panels;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod render_tests;
#[cfg(feature = "split")]
pub mod split;
pub mod terminal;
pub mod yaml;

pub use app::App;
