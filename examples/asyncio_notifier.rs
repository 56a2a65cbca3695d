//! The asynchronous notifier with a callback after each batch of events, or,
//! with `--stream`, the same events pulled from a `Stream`.
//!
//! Ports pyinotify's `examples/asyncio_notifier.py`. There an
//! `AsyncioNotifier` adds the inotify fd to an asyncio event loop, a watch on
//! `/tmp` asks for `ALL_EVENTS`, the default `PrintAllEvents` prints them, and
//! `callback=handle_read_callback` runs after each read (the original stops the
//! loop after the first one). asyncio is replaced by smol here:
//!
//! - `loop.run_forever()` is `smol::block_on` of a loop over
//!   [`AsyncNotifier::process_events`], which waits for the fd, reads one batch,
//!   and returns once the handlers are done with it; the callback then counts
//!   the batch. `--batches N` stops after N batches, as the original does after one;
//! - the default handler is a blocking [`PrintAllEvents`] in a [`SyncHandler`];
//! - `--stream` turns the notifier into an [`EventStream`]
//!   ([`AsyncNotifier::into_stream`]): no handler, no batches; each event is
//!   awaited with `StreamExt::next` and printed, and the total is printed at the end.
//!
//! Usage: `asyncio_notifier [DIR] [--stream] [--batches N] [--seconds N]`

mod common;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;

use futures_lite::StreamExt;
use greenwatch::{AsyncNotifier, EventStream, Mask, PrintAllEvents, SyncHandler, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_on_time_or_signal};

const USAGE: &str = "asyncio_notifier [DIR] [--stream] [--batches N] [--seconds N]";

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    dir: Option<OsString>,
    stream: bool,
    batches: Option<u64>,
    run_time: Option<Duration>,
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let stream = cli.flag("--stream");
    let batches = cli.parsed("--batches");
    if stream && batches.is_some() {
        cli.fail("--batches counts the notifier's batches; a --stream has none");
    }
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(Options { dir, stream, batches, run_time }))
}

fn run(options: Options) -> common::Result {
    let dir = WatchedDir::from_arg(options.dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).quiet(false).apply()?;
    let notifier = AsyncNotifier::new(wm, SyncHandler::new(PrintAllEvents::new()))?;
    let stop = notifier.stop_handle();
    stop_on_time_or_signal(options.run_time, move || stop.stop())?;
    say_ready();
    if options.stream {
        let events = smol::block_on(print_stream(notifier.into_stream()))?;
        println!("Stream ended after {events} event(s).");
    } else {
        let batches = smol::block_on(count_batches(notifier, options.batches))?;
        println!("Stopped after {batches} batch(es).");
    }
    Ok(())
}

/// The notifier's loop with a callback after each batch; returns how many
/// batches there were once stopped, or once `max` is reached.
async fn count_batches(mut notifier: AsyncNotifier, max: Option<u64>) -> greenwatch::Result<u64> {
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

/// Called after each batch; true to stop.
fn handle_read_callback(batch: u64, events: usize, max: Option<u64>) -> bool {
    println!("handle_read callback: batch {batch}, {events} event(s)");
    max.is_some_and(|max| batch >= max)
}

/// The `Stream` form: prints each event until the stream ends (on stop);
/// returns how many there were.
async fn print_stream(mut stream: EventStream) -> greenwatch::Result<u64> {
    let mut count = 0;
    while let Some(event) = stream.next().await {
        println!("{}", event?);
        count += 1;
    }
    Ok(count)
}
