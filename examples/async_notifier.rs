//! pyinotify's `tutorial_asyncnotifier.py` in greenwatch: watch a directory tree
//! with an [`AsyncNotifier`] on smol and print every creation and deletion.
//!
//! Usage: `cargo run --example async_notifier [DIR] [--seconds N]`
//!
//! `DIR` defaults to a new temporary directory. With `--seconds N` (or
//! `GREENWATCH_EXAMPLE_SECONDS=N`) the notifier stops by itself after that
//! long; without it, it runs until interrupted. "Watches established." is
//! printed once the watches exist.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use futures_lite::future;
use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};

/// The handler: one async method per event kind that interests us (pyinotify's
/// `process_IN_CREATE` and `process_IN_DELETE`).
struct EventHandler;

impl AsyncProcessEvent for EventHandler {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        println!("Creating: {}", event.pathname().display());
        Ok(())
    }

    async fn process_in_delete(&self, event: Event) -> HandlerResult {
        println!("Removing: {}", event.pathname().display());
        Ok(())
    }
}

/// `[DIR] [--seconds N]`, with `GREENWATCH_EXAMPLE_SECONDS` as the default run time.
fn parse_args() -> Result<(Option<PathBuf>, Option<Duration>), Box<dyn Error>> {
    let (mut dir, mut seconds) = (None, std::env::var("GREENWATCH_EXAMPLE_SECONDS").ok());
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            let value = args.next().ok_or("--seconds needs a value")?;
            seconds = Some(value.into_string().map_err(|_| "--seconds must be a number")?);
        } else if dir.is_none() {
            dir = Some(PathBuf::from(arg));
        } else {
            return Err(format!("unexpected argument {}", arg.to_string_lossy()).into());
        }
    }
    let seconds = seconds.map(|s| s.parse::<f64>().map(Duration::from_secs_f64)).transpose()?;
    Ok((dir, seconds))
}

fn main() -> Result<(), Box<dyn Error>> {
    let (dir, run_time) = parse_args()?;
    let temp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| temp.path().to_owned());

    let wm = WatchManager::new()?;
    wm.add_watch(&dir, Mask::IN_DELETE | Mask::IN_CREATE).rec(true).auto_add(true).quiet(false).apply()?;
    let notifier = AsyncNotifier::new(wm, EventHandler)?;
    let stop = notifier.stop_handle();
    println!("Watching {}", dir.display());
    println!("Watches established.");

    // pyinotify's asyncore.loop(): here the notifier is one future among others.
    let timer = async {
        if let Some(run_time) = run_time {
            async_io::Timer::after(run_time).await;
            stop.stop();
        }
        future::pending::<greenwatch::Result<()>>().await
    };
    smol::block_on(future::or(notifier.run(), timer))?;
    println!("Stopped.");
    Ok(())
}
