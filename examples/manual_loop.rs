//! pyinotify's manual loop, stopped by Ctrl-C, for the blocking `Notifier`.
//!
//! Not a port of one pyinotify example but of the pattern real pyinotify
//! programs use instead of `notifier.loop()`:
//!
//! ```python
//! while True:
//!     try:
//!         notifier.process_events()
//!         if notifier.check_events():
//!             notifier.read_events()
//!     except KeyboardInterrupt:
//!         notifier.stop()
//!         break
//! ```
//!
//! Here `CtrlC` (feature `signal`) turns SIGINT and SIGTERM into a stop of the
//! notifier's `StopHandle`, which wakes `check_events` at once; the loop then
//! ends like pyinotify's `break`. `process_events()` returns a `#[must_use]`
//! `Flow`: `Flow::Stop` means a handler asked to end the loop. A handler that
//! panics is reported and the loop goes on (the `except Exception` of many
//! pyinotify handlers), here with `on_handler_error`.
//!
//! Usage: `manual_loop DIR` (prints `closed PATH` for each file written and
//! closed under DIR, `stopped` at the end).

use greenwatch::{CtrlC, Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

/// The close-event monitor.
struct OnClose;

impl ProcessEvent for OnClose {
    fn process_in_close_write(&mut self, ev: &Event) -> Flow {
        println!("closed {}", ev.pathname().display());
        Flow::Continue
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args_os().nth(1).ok_or("usage: manual_loop DIR")?);
    let wm = WatchManager::new()?;
    wm.add_watch(dir.as_path(), Mask::IN_CLOSE_WRITE).rec(true).auto_add(true).apply()?;
    let mut notifier = Notifier::new(wm, OnClose)?.on_handler_error(|f| eprintln!("manual_loop: {f}"));
    let stop = notifier.stop_handle();
    CtrlC::new()?.stop_on_signal(stop.clone())?; // Ctrl-C: pyinotify's KeyboardInterrupt
    println!("Watches established.");

    while !stop.is_stopped() {
        if notifier.process_events() == Flow::Stop {
            break; // a handler returned Flow::Stop
        }
        if notifier.check_events(None)? {
            notifier.read_events()?;
        }
    }
    println!("stopped");
    Ok(())
}
