//! The `greenwatch` command line, run as a real subprocess.
//!
//! One test binary (fewer binaries link faster); one module per concern: `cargo test --test cli basics:: MODULE::`.

#[path = "../util/mod.rs"]
mod util;
use util::cli_util;

mod basics;
mod debounce;
mod exclude;
mod format;
mod ignore;
mod json;
mod manual;
mod names;
mod output;
mod overflow;
mod pair_moves;
mod progress;
mod stats;
mod stop;
