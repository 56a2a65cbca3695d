//! Reports renames inside a directory tree, and the entries that left it or
//! came into it from outside.
//!
//! Ports pyinotify's `examples/async_moved_from.py`. There a `ProcessEvent`
//! remembers each `IN_MOVED_FROM` path, `process_IN_MOVED_TO` forgets the
//! source (`event.src_pathname`) and prints the move, and the `Notifier`'s loop
//! callback, run every few seconds thanks to `read_freq` and `timeout`, prints
//! the sources never claimed as moved out of the tree ("moved to <unknown>").
//!
//! Here the same job is done on smol with greenwatch's async API:
//!
//! - the handler is an [`AsyncProcessEvent`] given to an [`AsyncNotifier`];
//! - greenwatch pairs the two halves itself: the `IN_MOVED_TO` of a rename
//!   inside the tree carries [`Event::src_pathname`]; one moved in from outside
//!   has none ("<unknown> moved to ...");
//! - the periodic callback is a second future on the same thread, an
//!   `async_io::Timer` ticking every `--orphan-after` seconds (default 2). It
//!   reports the `IN_MOVED_FROM`s older than that still unpaired.
//!
//! The notifier keeps each watch's events in order, but not those of two watches, so
//! for a rename across two directories the `IN_MOVED_TO` may be handled before
//! its `IN_MOVED_FROM`. Pending halves are therefore keyed by the rename's
//! cookie, and a destination seen first is remembered so that its late source
//! is not taken for an orphan.
//!
//! Usage: `async_moved_from [DIR] [--orphan-after SECS] [--seconds N]`
//!
//! Try it: `mkdir DIR/sub; touch DIR/a; mv DIR/a DIR/sub/b; mv DIR/sub/b /tmp`.

mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_lite::{StreamExt, future};
use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "async_moved_from [DIR] [--orphan-after SECS] [--seconds N]";

/// One half of a rename waiting for the other, by cookie.
#[derive(Debug)]
enum Half {
    /// An `IN_MOVED_FROM`: where the entry was.
    From(PathBuf),
    /// An `IN_MOVED_TO` that arrived first (already reported).
    To,
}

/// Pairs rename halves; what stays unpaired is reported by [`MoveTracker::sweep`].
#[derive(Debug, Default)]
struct MoveTracker {
    pending: Mutex<HashMap<u32, (Half, Instant)>>,
}

impl MoveTracker {
    fn pending(&self) -> MutexGuard<'_, HashMap<u32, (Half, Instant)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Prints the sources older than `age` that no destination claimed, and
    /// forgets them, with the early destinations older than `age`.
    fn sweep(&self, age: Duration) {
        let now = Instant::now();
        self.pending().retain(|_, (half, since)| {
            if now.duration_since(*since) < age {
                return true;
            }
            if let Half::From(path) = half {
                println!("{} moved to <unknown>", path.display());
            }
            false
        });
    }
}

impl AsyncProcessEvent for MoveTracker {
    async fn process_in_moved_from(&self, event: Event) -> HandlerResult {
        let mut pending = self.pending();
        // Its destination came first: the move has been reported already.
        if pending.remove(&event.cookie()).is_none() {
            pending.insert(event.cookie(), (Half::From(event.pathname().into_owned()), Instant::now()));
        }
        Ok(())
    }

    async fn process_in_moved_to(&self, event: Event) -> HandlerResult {
        let Some(src) = event.src_pathname() else {
            println!("<unknown> moved to {}", event.pathname().display());
            return Ok(());
        };
        println!("{} moved to {}", src.display(), event.pathname().display());
        let mut pending = self.pending();
        if pending.remove(&event.cookie()).is_none() {
            pending.insert(event.cookie(), (Half::To, Instant::now()));
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let orphan_after = cli.seconds("--orphan-after").unwrap_or(Duration::from_secs(2));
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, orphan_after, run_time))
}

fn run(dir: Option<OsString>, orphan_after: Duration, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::IN_MOVE).rec(true).auto_add(true).quiet(false).apply()?;
    let tracker = Arc::new(MoveTracker::default());
    let notifier = AsyncNotifier::new(wm, Arc::clone(&tracker))?;
    let stop = notifier.stop_handle();
    stop_on_time_or_signal(run_time, move || stop.stop())?;
    say_ready();
    smol::block_on(future::or(notifier.run(), report_orphans(&tracker, orphan_after)))?;
    // What is still unpaired at the end has left the tree too.
    tracker.sweep(Duration::ZERO);
    Ok(())
}

/// The periodic callback: reports unclaimed sources every `period`. Never ends.
async fn report_orphans(tracker: &MoveTracker, period: Duration) -> greenwatch::Result<()> {
    let mut ticks = async_io::Timer::interval(period);
    loop {
        ticks.next().await;
        tracker.sweep(period);
    }
}
