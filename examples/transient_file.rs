//! Follows one file that comes and goes, such as a pid file, without watching
//! anything else in its directory.
//!
//! Ports pyinotify's `examples/transient_file.py`, which calls
//! `wm.watch_transient_file('/tmp/test1234', IN_MODIFY, ProcessTransientFile)`
//! and prints writes from `process_IN_MODIFY` and every other event from
//! `process_default`. Here [`WatchManager::watch_transient_file`] takes a handler
//! value instead of a class; it watches the file's directory for
//! `IN_MODIFY | IN_CREATE | IN_DELETE` and passes on only the events whose name
//! is the file's. The file need not exist when the watch is added.
//!
//! Usage: `transient_file [DIR] [--file NAME] [--seconds N]` (NAME defaults to
//! `app.pid`, inside DIR).
//!
//! Try it: `while :; do echo $$ > DIR/app.pid; rm DIR/app.pid; sleep 1; done`.

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, Notifier, PrintAllEvents, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "transient_file [DIR] [--file NAME] [--seconds N]";

/// The handler of the transient file's events.
#[derive(Debug)]
struct TransientFile;

impl ProcessEvent for TransientFile {
    /// The event asked for explicitly.
    fn process_in_modify(&mut self, event: &Event) -> Flow {
        println!("\t{} -> written", event.pathname().display());
        Flow::Continue
    }

    /// `IN_CREATE` and `IN_DELETE`, which `watch_transient_file` adds to the mask.
    fn process_default(&mut self, event: &Event) -> Flow {
        println!("default: {} {}", event.maskname(), event.pathname().display());
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
    wm.watch_transient_file(&target, Mask::IN_MODIFY, TransientFile)?;
    println!("Following {}", target.display());
    // Only events of watches without a handler of their own (none here) and
    // queue overflows reach the notifier's default handler.
    let mut notifier = Notifier::new(wm, PrintAllEvents::new())?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    say_ready();
    notifier.run()?;
    Ok(())
}
