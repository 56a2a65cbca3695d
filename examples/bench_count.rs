//! A library contender for the shared benchmark harness (`../shared/bench`): watches
//! a directory recursively with the blocking `Notifier`, counts events in a handler,
//! and prints only the harness's control files, each followed by `#events N`.
//!
//! Usage: `bench_count DIR` (prints `ready` once the watches are in place).

use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

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
    let dir = std::env::args_os().nth(1).expect("usage: bench_count DIR");
    let wm = WatchManager::new()?;
    let mask = Mask::IN_CREATE | Mask::IN_CLOSE_WRITE;
    wm.add_watch(std::path::PathBuf::from(dir), mask).rec(true).auto_add(true).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, Count { events: 0, out: Vec::new() })?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(b"ready\n").and_then(|()| stdout.flush());
    notifier.run_with(|n| {
        let out = &mut n.handler().out;
        if !out.is_empty() {
            let _ = stdout.write_all(out).and_then(|()| stdout.flush());
            out.clear();
        }
        Flow::Continue
    })
}
