//! The watch manager and the bookkeeping rules, through the real kernel.
//!
//! One test binary (fewer binaries link faster); one module per concern: `cargo test --test watches MODULE::`.

#[path = "../util/mod.rs"]
mod util;
use util::{cli_util, common};

mod mask;
mod max_watches;
mod model;
mod moves;
mod recursion;
mod watch_manager;
