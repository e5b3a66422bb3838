//! The simulated Kubernetes cluster: pure, deterministic, no browser code.
//!
//! Start with [`world::World`]: it owns every cluster, the virtual clock and the one random
//! number generator, and is advanced only by [`World::step`]. Each cluster keeps its objects in
//! an etcd model ([`store::Store`]) reached through an API server ([`apiserver`]).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! let mut world = World::new(42, Preset::Kind);
//! world.step(1_000);
//! assert_eq!(world.now().as_ms(), 1_000);
//! ```
//!
//! # Determinism contract
//! 1. All randomness comes from the World's one [`rng::SimRng`] (ChaCha8, seeded from the
//!    config); generated names (`web-7d4b9c5f8-x2kqp`), UIDs and IPs are drawn from it.
//! 2. All time comes from the World's clock ([`clock::SimTime`], ms since a fixed epoch);
//!    no `Instant`, no `SystemTime`.
//! 3. Anything that can reach output is iterated in a defined order (`BTreeMap`, sorted `Vec`).
//! 4. [`World::step`] runs components in a fixed, documented order.
//! 5. Same seed + same commands ⇒ same event-log hash on x86_64 and wasm32.

pub mod api;
pub mod apiserver;
pub mod auth;
pub mod clock;
pub mod cloud;
pub mod component_log;
pub mod controllers;
pub mod defaults;
pub mod etcd;
pub mod events;
pub mod faults;
pub mod flannel;
pub mod kubelet;
pub mod leader;
pub mod meta;
pub mod mirror;
pub mod network;
pub mod presets;
pub mod quantity;
pub mod rng;
pub mod scenario;
pub mod scheduler;
pub mod snapshot;
pub mod storage;
pub mod store;
pub mod validation;
pub mod value;
pub mod world;

pub use clock::SimTime;
pub use value::{Map, Value};
pub use world::World;
