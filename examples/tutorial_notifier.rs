//! pyinotify's `tutorial_notifier.py` in greenwatch: watch a directory tree with a
//! blocking [`Notifier`] and print every creation and deletion.
//!
//! Usage: `cargo run --example tutorial_notifier [DIR [SECONDS]]`
//!
//! `DIR` defaults to a new temporary directory. With `SECONDS`, the notifier
//! stops by itself after that long; without it, it runs until interrupted.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

/// The handler: one method per event kind that interests us (pyinotify's
/// `process_IN_CREATE` and `process_IN_DELETE`).
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
    let duration = match args.next() {
        Some(secs) => Some(Duration::from_secs_f64(secs.to_str().ok_or("SECONDS must be a number")?.parse()?)),
        None => None,
    };

    let wm = WatchManager::new()?;
    let mut notifier = Notifier::new(wm.clone(), EventHandler)?;
    wm.add_watch(&dir, Mask::IN_DELETE | Mask::IN_CREATE).rec(true).quiet(false).apply()?;
    println!("Watching {}", dir.display());

    if let Some(duration) = duration {
        let stop = notifier.stop_handle();
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            stop.stop();
        });
    }
    notifier.run()?; // pyinotify's notifier.loop()
    println!("Stopped.");
    Ok(())
}
