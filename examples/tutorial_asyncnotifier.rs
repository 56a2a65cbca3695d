//! The tutorial's asynchronous notifier: print every creation and deletion in a
//! directory tree.
//!
//! Ports pyinotify's `examples/tutorial_asyncnotifier.py`, which gives an
//! `AsyncNotifier` an `EventHandler` with `process_IN_CREATE` and
//! `process_IN_DELETE`, adds a recursive watch for `IN_DELETE | IN_CREATE`, and
//! hands control to `asyncore.loop()`. pyinotify's version rests on asyncore;
//! this one runs on smol instead:
//!
//! - the handler implements [`AsyncProcessEvent`], whose `async fn` methods
//!   have the same names and the same fallbacks as pyinotify's `process_*`;
//! - [`AsyncNotifier::run`] is the future that `smol::block_on` drives, where
//!   pyinotify registered a file dispatcher with asyncore's map;
//! - `rec=True` is `.rec(true)`. As in the original, new subdirectories are not
//!   watched (no auto_add).
//!
//! Usage: `tutorial_asyncnotifier [DIR] [--seconds N]`
//!
//! Try it: `touch DIR/a; rm DIR/a`.

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "tutorial_asyncnotifier [DIR] [--seconds N]";

/// Reports creations and deletions; every other event falls back to the
/// default `process_default`, which does nothing.
#[derive(Debug)]
struct EventHandler;

impl AsyncProcessEvent for EventHandler {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        println!("Creating: {}", event.pathname().display());
        Ok(())
    }

    async fn process_in_delete(&self, event: Event) -> HandlerResult {
        println!("Removing: {}", event.pathname().display());
        Ok(())
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, run_time))
}

fn run(dir: Option<OsString>, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::IN_DELETE | Mask::IN_CREATE).rec(true).quiet(false).apply()?;
    let notifier = AsyncNotifier::new(wm, EventHandler)?;
    let stop = notifier.stop_handle();
    stop_on_time_or_signal(run_time, move || stop.stop())?;
    say_ready();
    // asyncore.loop(): here, a future run to completion on this thread.
    smol::block_on(notifier.run())?;
    Ok(())
}
