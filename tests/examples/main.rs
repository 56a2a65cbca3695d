//! The tutorial examples and the pyinotify ports, built once and run as programs.
//!
//! One test binary (fewer binaries link faster); one module per concern: `cargo test --test examples tutorial:: MODULE::`.

#[path = "../util/mod.rs"]
mod util;
use util::{common, example_util};

mod async_port;
mod ctrl_c;
mod port;
mod tutorial;
