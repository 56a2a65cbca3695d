//! The notifier as one task among others on a single-threaded event loop: a
//! timer ticks while file events are read and printed, and a callback runs
//! after each batch.
//!
//! Ports pyinotify's `examples/tornado_notifier.py`. There a
//! `TornadoAsyncNotifier` registers the inotify fd with Tornado's `IOLoop`, a
//! watch on `/tmp` asks for `ALL_EVENTS`, events go to the default
//! `PrintAllEvents`, and `callback=handle_read_callback` runs after each read
//! (the original stops the loop after the first one). Tornado is replaced by
//! smol here:
//!
//! - the `IOLoop` is a [`smol::LocalExecutor`] run on the main thread;
//! - the notifier spawns its watch tasks on that executor
//!   ([`AsyncNotifier::with_executor`]) and is driven batch by batch with
//!   [`AsyncNotifier::process_events`], so the callback runs after each batch
//!   once its handlers are done;
//! - another task on the same executor, a timer printing `tick N`, stands for
//!   the rest of an application sharing the loop;
//! - `--batches N` stops after N batches, as the original does after one.
//!
//! Usage: `tornado_notifier [DIR] [--tick SECS] [--batches N] [--seconds N]`

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use futures_lite::{StreamExt, future};
use greenwatch::{AsyncNotifier, Mask, PrintAllEvents, Spawner, SyncHandler, WatchManager};
use smol::LocalExecutor;

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "tornado_notifier [DIR] [--tick SECS] [--batches N] [--seconds N]";

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    dir: Option<OsString>,
    tick: Duration,
    batches: Option<u64>,
    run_time: Option<Duration>,
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let tick = cli.seconds("--tick").unwrap_or(Duration::from_secs(1));
    if tick.is_zero() {
        cli.fail("--tick must be more than 0");
    }
    let batches = cli.parsed("--batches");
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(Options { dir, tick, batches, run_time }))
}

fn run(options: Options) -> common::Result {
    let dir = WatchedDir::from_arg(options.dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).quiet(false).apply()?;

    let ioloop = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm, SyncHandler::new(PrintAllEvents::new()))?.with_executor(&ioloop);
    let stop = notifier.stop_handle();
    stop_on_time_or_signal(options.run_time, move || stop.stop())?;
    say_ready();

    let ticker = ioloop.spawn(tick(options.tick));
    let batches = future::block_on(ioloop.run(read_batches(notifier, options.batches)))?;
    drop(ticker);
    println!("Stopped after {batches} batch(es).");
    Ok(())
}

/// The other task on the loop: prints `tick N` every `period`, forever.
async fn tick(period: Duration) {
    let mut timer = async_io::Timer::interval(period);
    let mut count = 0_u64;
    while timer.next().await.is_some() {
        count += 1;
        println!("tick {count}");
    }
}

/// Reads and dispatches batches until stopped, or until `max` batches; returns
/// how many there were.
async fn read_batches<S: Spawner>(mut notifier: AsyncNotifier<S>, max: Option<u64>) -> greenwatch::Result<u64> {
    let stop = notifier.stop_handle();
    let mut batches = 0;
    loop {
        let events = notifier.process_events().await?;
        if stop.is_stopped() {
            return Ok(batches);
        }
        // A read whose records all stayed in greenwatch's bookkeeping delivered
        // nothing: no batch to report.
        if events == 0 {
            continue;
        }
        batches += 1;
        if handle_read_callback(batches, events, max) {
            stop.stop();
            return Ok(batches);
        }
    }
}

/// Called after each batch has been handled; true to stop the loop.
fn handle_read_callback(batch: u64, events: usize, max: Option<u64>) -> bool {
    println!("handle_read callback: batch {batch}, {events} event(s)");
    max.is_some_and(|max| batch >= max)
}
