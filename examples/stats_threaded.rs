//! Counts events by kind in two directories, each on a notifier thread of its
//! own, while the main thread prints both counts periodically.
//!
//! Ports pyinotify's `examples/stats_threaded.py`: two `WatchManager`s, each
//! with a `ThreadedNotifier` whose handler feeds a `Stats`; the first watches
//! `/tmp` recursively with `auto_add`, the second `/var/log` alone; the main
//! thread prints `repr` and chart of both every 5 s and stops both notifiers on
//! Ctrl-C. Here each [`ThreadedNotifier`] owns a clone of its [`Stats`]
//! (clones share their counts) and the main thread keeps the other; both
//! notifiers are stopped and joined when the run time is over, or on `SIGINT`
//! or `SIGTERM`. pyinotify's `Identity` link, which did nothing, is left out
//! (see `stats.rs` for the chained form).
//!
//! Usage: `stats_threaded [DIR] [DIR2] [--interval SECS] [--seconds N]`: DIR is
//! watched recursively, DIR2 (default: a fresh temporary directory) alone.

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use greenwatch::{Mask, Stats, ThreadedNotifier, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "stats_threaded [DIR] [DIR2] [--interval SECS] [--seconds N]";

/// One watched directory with its notifier thread and its counts.
struct Counted {
    stats: Stats,
    notifier: ThreadedNotifier<Stats>,
}

/// Watches `dir` (recursively with auto_add if `rec`) and starts a notifier thread on it.
fn start(dir: &WatchedDir, rec: bool) -> greenwatch::Result<Counted> {
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).rec(rec).auto_add(rec).quiet(false).apply()?;
    let stats = Stats::new();
    let mut notifier = ThreadedNotifier::new(wm, stats.clone())?;
    notifier.start()?;
    Ok(Counted { stats, notifier })
}

fn print_both(first: &Stats, second: &Stats) {
    println!("Thread 1 {}\n{first}", first.repr());
    println!("Thread 2 {}\n{second}\n", second.repr());
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let interval = cli.seconds("--interval").unwrap_or(Duration::from_secs(5));
    let run_time = cli.run_time();
    let dir = cli.positional();
    let dir2 = cli.positional();
    cli.finish();
    common::report(run([dir, dir2], interval, run_time))
}

fn run(dirs: [Option<OsString>; 2], interval: Duration, run_time: Option<Duration>) -> common::Result {
    let [dir, dir2] = dirs.map(WatchedDir::from_arg);
    let (dir, dir2) = (dir?, dir2?);
    let mut first = start(&dir, true)?;
    let mut second = start(&dir2, false)?;
    let (done, until_done) = mpsc::channel();
    stop_on_time_or_signal(run_time, move || {
        let _ = done.send(());
    })?;
    say_ready();

    // Print every interval until the run time is over or a signal comes; the
    // notifier threads do the work.
    while let Err(RecvTimeoutError::Timeout) = until_done.recv_timeout(interval) {
        print_both(&first.stats, &second.stats);
    }
    first.notifier.stop()?;
    second.notifier.stop()?;
    println!("Both notifiers stopped. Final counts:");
    print_both(&first.stats, &second.stats);
    Ok(())
}
