//! Counts events by kind under a directory tree and prints the counts periodically.
//!
//! Ports pyinotify's `examples/stats.py`: the default handler is
//! `Identity(Stats())`, so the stock `Stats` handler counts each event first
//! and `Identity` then runs ("does nothing"); a `read_freq=5` notifier watches
//! `/tmp` recursively with `auto_add`, and the loop's callback prints the
//! `Stats` `repr` and its bar chart. Here the chain is
//! [`Chained::new(stats, identity)`](Chained::new), and a clone of [`Stats`]
//! (clones share their counts) is printed from the [`Notifier::run_with`]
//! callback: `stats.repr()` is pyinotify's `repr`, `{}` its chart. The notifier also
//! gets a timeout equal to the interval, so the counts are printed while no
//! event comes too.
//!
//! Usage: `stats [DIR] [--interval SECS] [--seconds N]` (the interval defaults to 5 s).

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{Chained, Event, Flow, Mask, Notifier, ProcessEvent, Stats, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "stats [DIR] [--interval SECS] [--seconds N]";

/// Runs after `Stats` for each event: where an application would do its work.
#[derive(Debug)]
struct Identity;

impl ProcessEvent for Identity {
    fn process_default(&mut self, event: &Event) -> Flow {
        println!("Does nothing with {} {}", event.maskname(), event.pathname().display());
        Flow::Continue
    }
}

/// Prints the counts: pyinotify's `repr`, then the bar chart.
fn print_stats(stats: &Stats) {
    println!("{}\n{stats}\n", stats.repr());
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let interval = cli.seconds("--interval").unwrap_or(Duration::from_secs(5));
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, interval, run_time))
}

fn run(dir: Option<OsString>, interval: Duration, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let stats = Stats::new();
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).rec(true).auto_add(true).quiet(false).apply()?;
    let notifier = Notifier::new(wm, Chained::new(stats.clone(), Identity))?;
    let mut notifier = notifier.with_read_freq(interval).with_timeout(Some(interval));
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    say_ready();
    notifier.run_with(|_| {
        print_stats(&stats);
        Flow::Continue
    })?;
    println!("Final counts:");
    print_stats(&stats);
    Ok(())
}
