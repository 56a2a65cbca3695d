//! Passes each event through a chain of handlers: a filter, a logger, a
//! modification tracker and an outer handler.
//!
//! Ports pyinotify's `examples/chain.py`, whose handler is
//! `Empty(TrackModifications(Log(fileobj=fo)), msg=…)`: pyinotify calls the
//! innermost `pevent` first (`Log` writes every event to a file), then
//! `TrackModifications` (prints on `IN_MODIFY`), then the outer `Empty`; a
//! `pevent` that returns `True` keeps the handler it is nested in from seeing
//! that event. Here [`Chained::new(pevent, handler)`](Chained::new) is that
//! nesting, and [`Flow::Break`] is the `True`. A [`ChainIfTrue`] link, as the
//! `pevent` of the whole chain, drops the events of hidden files (names
//! starting with `.`, such as editors' swap files).
//!
//! Usage: `chain [DIR] [--log FILE] [--seconds N]`. Without `--log` the log lines
//! go to stdout, prefixed with `log: `; a log file should not be inside DIR,
//! or writing it makes events of its own.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{ChainIfTrue, Chained, Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "chain [DIR] [--log FILE] [--seconds N]";

/// Writes every event it sees to a log, one line each (pyinotify's `Log`).
struct Log {
    out: Box<dyn Write + Send>,
    prefix: &'static str,
}

impl ProcessEvent for Log {
    fn process_default(&mut self, event: &Event) -> Flow {
        let written = writeln!(self.out, "{}{event}", self.prefix).and_then(|()| self.out.flush());
        if let Err(e) = written {
            eprintln!("error: cannot write the log: {e}");
        }
        Flow::Continue
    }
}

/// Reports writes only (pyinotify's `TrackModifications`).
#[derive(Debug)]
struct TrackModifications;

impl ProcessEvent for TrackModifications {
    fn process_in_modify(&mut self, event: &Event) -> Flow {
        println!("IN_MODIFY {}", event.pathname().display());
        Flow::Continue
    }
}

/// The outermost handler, called last (pyinotify's `Empty`): counts what got through.
#[derive(Debug, Default)]
struct Outer {
    seen: u64,
}

impl ProcessEvent for Outer {
    fn process_default(&mut self, _event: &Event) -> Flow {
        self.seen += 1;
        println!("Outer chained method: {} event(s) got through the chain", self.seen);
        Flow::Continue
    }
}

/// True for events about entries whose name does not start with a dot.
fn not_hidden(event: &Event) -> bool {
    !event.name().as_bytes().starts_with(b".")
}

/// The log: the file given, created or truncated, else stdout.
fn open_log(path: Option<&OsStr>) -> io::Result<Log> {
    Ok(match path {
        Some(path) => Log { out: Box::new(File::create(path)?), prefix: "" },
        None => Log { out: Box::new(io::stdout()), prefix: "log: " },
    })
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let log = cli.value("--log");
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, log, run_time))
}

fn run(dir: Option<OsString>, log: Option<OsString>, run_time: Option<Duration>) -> common::Result {
    let log = open_log(log.as_deref()).map_err(|e| format!("cannot open the log file: {e}"))?;
    let dir = WatchedDir::from_arg(dir)?;
    // Called in this order: Log, TrackModifications, Outer; and first the filter,
    // which guards all three: a `Flow::Break` skips only the handler of its own
    // `Chained` (as a pyinotify `pevent` returning True skips only its parent).
    let logged_and_tracked = Chained::new(Chained::new(log, TrackModifications), Outer::default());
    let handler = Chained::new(ChainIfTrue::new(not_hidden), logged_and_tracked);

    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, handler)?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    say_ready();
    notifier.run()?;
    Ok(())
}
