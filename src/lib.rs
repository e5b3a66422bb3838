//! kubesim: a Kubernetes course that runs in the browser.
//!
//! The tour, bottom-up (data flows one way: `sim` ← `term` ← `lessons` ← `ui`):
//! - [`sim`]: the simulated cluster. Pure and deterministic: one [`sim::World`] advanced only by
//!   [`sim::World::step`]. Start with `sim/mod.rs` (the determinism contract) and `sim/world.rs`.
//! - [`term`]: the terminal. A tiny shell, virtual files and `kubectl`, as a pure function
//!   `Terminal::run(line) -> Output`. Start with `term/mod.rs`.
//! - [`lessons`]: lesson schema, loading and checks evaluated against the world.
//! - `ui` (feature `web`): the Yew components, the only code that touches the browser.
//!
//! `cargo test --no-default-features` builds everything but `ui`, which proves the core pure.

#[doc(hidden)]
pub mod bench;
pub mod lessons;
pub mod sim;
pub mod sort;
pub mod term;
#[cfg(feature = "web")]
pub mod ui;

#[cfg(test)]
mod determinism_tests;
