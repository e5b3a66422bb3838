//! The web app (Yew): the only code that touches the browser.
//!
//! Start with [`app::App`]: it owns the session (a [`crate::term::Terminal`] and its world)
//! through one reducer, ticks simulated time with a timer, and lays out the three panes:
//! lesson, terminal ([`terminal`]) and cluster view ([`cluster`]). Components never mutate the
//! world directly; they dispatch [`app::Action`]s.

pub mod app;
pub mod cluster;
pub mod i18n;
pub mod terminal;

pub use app::App;
