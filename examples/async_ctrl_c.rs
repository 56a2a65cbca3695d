//! A stateful async handler on one smol thread, stopped by Ctrl-C.
//!
//! Not a port of a pyinotify example. It shows two things an `asyncio` port
//! needs: where a handler keeps state, and how Ctrl-C ends the notifier.
//!
//! - An `AsyncProcessEvent` handler is `Send + Sync` and its methods take
//!   `&self`, so state that changes lives behind a `Mutex` (or atomics), even
//!   on one thread. Lock it, update, and drop the guard before any `.await`.
//!   Keep an `Arc` of the handler to read the state after the run.
//! - `CtrlC::stop_async_on_signal` (feature `signal`) is a future that stops
//!   the notifier on SIGINT or SIGTERM; spawn it beside `run()`.
//!
//! Usage: `async_ctrl_c DIR` (prints `created PATH (N so far)` per creation,
//! and `seen N` at the end).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use greenwatch::{AsyncNotifier, AsyncProcessEvent, CtrlC, Event, HandlerResult, Mask, WatchManager};

/// Remembers every path created under the watch.
#[derive(Default)]
struct Seen {
    paths: Mutex<BTreeSet<PathBuf>>,
}

impl AsyncProcessEvent for Seen {
    async fn process_in_create(&self, ev: Event) -> HandlerResult {
        let n = {
            let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
            paths.insert(ev.pathname().into_owned());
            paths.len()
        }; // the guard is dropped here, before any .await
        println!("created {} ({n} so far)", ev.pathname().display());
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args_os().nth(1).ok_or("usage: async_ctrl_c DIR")?);
    let seen = Arc::new(Seen::default());
    smol::block_on(async {
        let wm = WatchManager::new()?;
        wm.add_watch(dir.as_path(), Mask::IN_CREATE).rec(true).auto_add(true).apply()?;
        let notifier = AsyncNotifier::new(wm, seen.clone())?;
        smol::spawn(CtrlC::new()?.stop_async_on_signal(notifier.stop_handle())).detach();
        println!("Watches established.");
        notifier.run().await
    })?;
    println!("seen {}", seen.paths.lock().unwrap_or_else(|e| e.into_inner()).len());
    Ok(())
}
