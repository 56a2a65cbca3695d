//! The blocking notifiers and dispatch to `ProcessEvent` handlers.
//!
//! One test binary (fewer binaries link faster); one module per concern: `cargo test --test blocking MODULE::`.

#[path = "../util/mod.rs"]
mod util;
use util::common;

mod dispatch;
mod handler_panics;
mod notifier;
mod stop_handle;
