//! Reads events in batches and merges identical ones within a batch.
//!
//! Ports pyinotify's `examples/coalesce.py`: a `Notifier` with the default
//! `PrintAllEvents` handler, `read_freq=10` so that events pile up between
//! reads, and `notifier.coalesce_events(True)`, so that an event identical (same
//! watch, mask, cookie and name) to one already read since the last
//! processing pass is dropped. Here that is [`Notifier::with_read_freq`] and
//! [`Notifier::with_coalesce_events`]. Writing to two files in turn, three times
//! each, prints each file's `IN_OPEN`, `IN_MODIFY` and `IN_CLOSE_WRITE` once per
//! batch instead of three times (the kernel merges only identical events
//! that follow each other).
//!
//! The first read after an idle spell is immediate, as in pyinotify: the read
//! frequency counts from the start of the wait.
//!
//! Usage: `coalesce [DIR] [--read-freq SECS] [--no-coalesce] [--seconds N]`
//! (the read frequency defaults to 10 s, as in pyinotify's example).

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{Mask, Notifier, PrintAllEvents, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "coalesce [DIR] [--read-freq SECS] [--no-coalesce] [--seconds N]";

/// What the command line asks for.
struct Options {
    dir: Option<OsString>,
    read_freq: Duration,
    coalesce: bool,
    run_time: Option<Duration>,
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let read_freq = cli.seconds("--read-freq").unwrap_or(Duration::from_secs(10));
    let coalesce = !cli.flag("--no-coalesce");
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(Options { dir, read_freq, coalesce, run_time }))
}

fn run(options: Options) -> common::Result {
    let dir = WatchedDir::from_arg(options.dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, PrintAllEvents::new())?
        .with_read_freq(options.read_freq)
        .with_coalesce_events(options.coalesce);
    println!(
        "Reading at most every {:?}, coalescing {}.",
        options.read_freq,
        if options.coalesce { "on" } else { "off" }
    );
    stop_notifier_on_time_or_signal(notifier.stop_handle(), options.run_time)?;
    say_ready();
    notifier.run()?;
    Ok(())
}
