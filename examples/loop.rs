//! Prints every event under a directory until a callback run after each loop
//! pass says to stop.
//!
//! Ports pyinotify's `examples/loop.py` (a `Notifier` with the default
//! `PrintAllEvents` handler, `notifier.loop()` on `/tmp` for `ALL_EVENTS`).
//! The loop is [`Notifier::run_with`], pyinotify's `loop(callback=…)`: the
//! callback runs after every pass and ends the loop by returning
//! [`Flow::Stop`] (pyinotify: by returning `True`), here once `--max-events`
//! events were printed or the run time is over. A timeout on the notifier
//! makes the loop pass even while no event comes, so the callback sees the
//! deadline.
//!
//! Usage: `loop [DIR] [--max-events N] [--seconds N]`

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "loop [DIR] [--max-events N] [--seconds N]";

/// How often an idle loop passes, to give the callback its turn.
const IDLE_PASS: Duration = Duration::from_millis(100);

/// Prints each event in pyinotify's form and counts them.
#[derive(Debug, Default)]
struct PrintAndCount {
    seen: u64,
}

impl ProcessEvent for PrintAndCount {
    fn process_default(&mut self, event: &Event) -> Flow {
        println!("{event}");
        self.seen += 1;
        Flow::Continue
    }
}

/// When the callback ends the loop.
struct Limits {
    max_events: Option<u64>,
    deadline: Option<Instant>,
}

impl Limits {
    /// The reason to stop after this pass, if there is one.
    fn reached(&self, seen: u64) -> Option<&'static str> {
        if self.max_events.is_some_and(|max| seen >= max) {
            return Some("enough events");
        }
        self.deadline.is_some_and(|d| Instant::now() >= d).then_some("time is up")
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let max_events = cli.parsed::<u64>("--max-events");
    let deadline = cli.run_time().map(|d| Instant::now() + d);
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, Limits { max_events, deadline }))
}

fn run(dir: Option<OsString>, limits: Limits) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, PrintAndCount::default())?.with_timeout(Some(IDLE_PASS));
    // Ctrl-C ends the loop quietly, as in pyinotify; the run time is the callback's business.
    stop_notifier_on_time_or_signal(notifier.stop_handle(), None)?;
    say_ready();
    notifier.run_with(|n| match limits.reached(n.handler_mut().seen) {
        Some(reason) => {
            println!("Stopping the loop: {reason} ({} events).", n.handler_mut().seen);
            Flow::Stop
        }
        None => Flow::Continue,
    })?;
    Ok(())
}
