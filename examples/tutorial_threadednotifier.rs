//! pyinotify's `tutorial_threadednotifier.py` in greenwatch: the notifier runs on
//! its own thread while the main thread adds the watches, lets them work for a
//! while, removes them and stops the notifier.
//!
//! Usage: `cargo run --example tutorial_threadednotifier [DIR [SECONDS]]`
//!
//! `DIR` defaults to a new temporary directory; `SECONDS` (default 5) is how
//! long the watches stay before the program removes them and ends.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, ProcessEvent, ThreadedNotifier, WatchManager};

/// The handler, called on the notifier's thread.
struct EventHandler;

impl ProcessEvent for EventHandler {
    fn process_in_create(&mut self, event: &Event) -> Flow {
        println!("Creating: {}", event.pathname().display());
        Flow::Continue
    }

    fn process_in_delete(&mut self, event: &Event) -> Flow {
        println!("Removing: {}", event.pathname().display());
        Flow::Continue
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let temp = tempfile::tempdir()?;
    let dir = args.next().map_or_else(|| temp.path().to_owned(), PathBuf::from);
    let secs: f64 = match args.next() {
        Some(secs) => secs.to_str().ok_or("SECONDS must be a number")?.parse()?,
        None => 5.0,
    };

    let wm = WatchManager::new()?;
    let mut notifier = ThreadedNotifier::new(wm.clone(), EventHandler)?;
    notifier.start()?;

    let added = wm.add_watch(&dir, Mask::IN_DELETE | Mask::IN_CREATE).rec(true).quiet(false).apply()?;
    println!("Watching {}", dir.display());
    std::thread::sleep(Duration::from_secs_f64(secs));

    // pyinotify's wm.rm_watch(wdd.values()): every watch the call added.
    for (_, outcome) in added {
        if let Some(wd) = outcome.wd() {
            let _ = wm.rm_watch(wd).apply()?;
        }
    }
    notifier.stop()?;
    println!("Stopped.");
    Ok(())
}
