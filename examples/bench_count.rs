//! A library contender for the project's benchmark harness (kept in its
//! repository, outside the crate): watches a directory recursively with the
//! blocking `Notifier`, counts events in a handler, and prints only the
//! harness's control files, each followed by `#events N`.
//!
//! Usage: `bench_count [--async] DIR` (prints `ready` once the watches are in place);
//! `--async` runs the same handler under the `AsyncNotifier`.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::sync::{Arc, Mutex};

use greenwatch::{AsyncNotifier, Event, Flow, Mask, Notifier, ProcessEvent, SyncHandler, WatchManager};

/// Counts non-control events; writes control lines into a buffer flushed per pass.
struct Count {
    events: u64,
    out: Vec<u8>,
}

impl ProcessEvent for Count {
    fn process_default(&mut self, event: &Event) -> Flow {
        if event.is_overflow() {
            self.out.extend_from_slice(b"OVERFLOW\n");
        } else if event.name().as_bytes().starts_with(b"__bench") {
            self.out.extend_from_slice(event.pathname().as_os_str().as_bytes());
            let _ = writeln!(self.out, "\n#events {}", self.events);
        } else {
            self.events += 1;
        }
        Flow::Continue
    }
}

fn main() -> greenwatch::Result<()> {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    let use_async = args.first().is_some_and(|a| a == "--async");
    if use_async {
        args.remove(0);
    }
    let dir = args.pop().expect("usage: bench_count [--async] DIR");
    let wm = WatchManager::new()?;
    let mask = Mask::IN_CREATE | Mask::IN_CLOSE_WRITE;
    wm.add_watch(std::path::PathBuf::from(dir), mask).rec(true).auto_add(true).quiet(false).apply()?;
    if use_async { run_async(wm) } else { run_blocking(wm) }
}

/// Writes and flushes what the handler buffered.
fn flush(out: &mut Vec<u8>) {
    if !out.is_empty() {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out).and_then(|()| stdout.flush());
        out.clear();
    }
}

fn say_ready() {
    flush(&mut b"ready\n".to_vec());
}

fn run_blocking(wm: WatchManager) -> greenwatch::Result<()> {
    let mut notifier = Notifier::new(wm, Count { events: 0, out: Vec::new() })?;
    say_ready();
    notifier.run_with(|n| {
        flush(&mut n.handler_mut().out);
        Flow::Continue
    })
}

/// The counting handler shared with the loop that flushes its output.
struct Shared(Arc<Mutex<Count>>);

impl ProcessEvent for Shared {
    fn process_default(&mut self, event: &Event) -> Flow {
        self.0.lock().expect("not poisoned").process_default(event)
    }
}

fn run_async(wm: WatchManager) -> greenwatch::Result<()> {
    let count = Arc::new(Mutex::new(Count { events: 0, out: Vec::new() }));
    let mut notifier = AsyncNotifier::new(wm, SyncHandler::new(Shared(count.clone())))?;
    say_ready();
    // async-io's block_on: this thread drives the reactor itself while idle,
    // so a readable fd wakes it directly (no hand-off from the reactor's thread).
    async_io::block_on(async {
        loop {
            notifier.process_events().await?;
            flush(&mut count.lock().expect("not poisoned").out);
        }
    })
}
