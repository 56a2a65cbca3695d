//! Follows one file that comes and goes (a pid file) with the asynchronous
//! notifier, leaving the rest of its directory unreported.
//!
//! Ports pyinotify's `examples/transient_file_tornado.py`: there a
//! `TornadoAsyncNotifier` is registered with Tornado's `IOLoop`, and
//! `wm.watch_transient_file(path, IN_MODIFY, EventHandler)` gives the file a
//! handler printing writes (`process_IN_MODIFY`) and every other event
//! (`process_default`). Tornado is replaced by smol here:
//!
//! - [`WatchManager::watch_transient_file`] takes the same blocking
//!   [`ProcessEvent`] handler as the synchronous `transient_file` example; it
//!   becomes the watch's own handler, which the [`AsyncNotifier`] calls in
//!   that watch's turn;
//! - the notifier's default handler (for watches without one of their own, and
//!   for queue overflows) is a [`SyncHandler`] around [`PrintAllEvents`];
//! - `ioloop.start()` is `smol::block_on(notifier.run())`.
//!
//! Usage: `transient_file_tornado [DIR] [--file NAME] [--seconds N]` (NAME
//! defaults to `app.pid`, inside DIR).
//!
//! Try it: `while :; do echo $$ > DIR/app.pid; rm DIR/app.pid; sleep 1; done`.

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{AsyncNotifier, Event, Flow, Mask, PrintAllEvents, ProcessEvent, SyncHandler, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "transient_file_tornado [DIR] [--file NAME] [--seconds N]";

/// The transient file's handler: a plain blocking one.
#[derive(Debug)]
struct EventHandler;

impl ProcessEvent for EventHandler {
    /// The event registered for explicitly.
    fn process_in_modify(&mut self, event: &Event) -> Flow {
        println!("\t{} -> written", event.pathname().display());
        Flow::Continue
    }

    /// `IN_CREATE` and `IN_DELETE`, which `watch_transient_file` adds.
    fn process_default(&mut self, event: &Event) -> Flow {
        println!("{event}");
        Flow::Continue
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let file = cli.value("--file").unwrap_or_else(|| "app.pid".into());
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, file, run_time))
}

fn run(dir: Option<OsString>, file: OsString, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let wm = WatchManager::new()?;
    let target = dir.path.join(file);
    wm.watch_transient_file(&target, Mask::IN_MODIFY, EventHandler)?;
    println!("Following {}", target.display());
    let notifier = AsyncNotifier::new(wm, SyncHandler::new(PrintAllEvents::new()))?;
    let stop = notifier.stop_handle();
    stop_on_time_or_signal(run_time, move || stop.stop())?;
    say_ready();
    smol::block_on(notifier.run())?;
    Ok(())
}
