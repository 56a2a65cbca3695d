//! The green front-end: `AsyncNotifier`, `EventStream`, lanes, settle and stop.
//!
//! One test binary (fewer binaries link faster); one module per concern: `cargo test --test green MODULE::`.

#[path = "../util/mod.rs"]
mod util;
use util::{async_common, common};

mod burst;
mod inline;
mod lanes;
mod lateness;
mod local;
mod paired_moves;
mod settle;
mod stream;
mod tokio;
mod walk_steps;
