//! `--debounce`: run the command once per burst of events, after a quiet
//! period, with the burst's events in a file of `--json` lines.
//!
//! As watchexec and entr do: an editor's save or a `git checkout` runs the
//! command once, not once per event. Never two at once: events that come
//! while the command runs form the next burst.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::command::{Job, Program};

/// The events of one burst: their JSON lines, and the last one's job.
#[derive(Debug, Default)]
struct Burst {
    lines: Vec<u8>,
    count: u64,
    last: Option<Job>,
}

impl Burst {
    fn add(&mut self, job: Job) {
        self.lines.extend_from_slice(&job.json);
        self.count += 1;
        self.last = Some(job);
    }

    /// Runs the command for the burst (unless abandoned) and empties it.
    fn run(&mut self, program: &Program, abandon: &AtomicBool) {
        let Some(last) = self.last.take() else { return };
        let lines = std::mem::take(&mut self.lines);
        let count = std::mem::take(&mut self.count);
        if abandon.load(Ordering::SeqCst) {
            return;
        }
        match EventsFile::create(&lines) {
            Ok(file) => {
                let events = file.path.clone().into_os_string();
                let extra = [("GREENWATCH_EVENTS", events), ("GREENWATCH_COUNT", OsString::from(count.to_string()))];
                program.run(&last, &extra);
            }
            Err(err) => eprintln!("greenwatch: cannot write the events file of --debounce: {err}"),
        }
    }
}

/// The worker: collects events until `quiet` passes without one, runs the
/// command, and starts over; at the end of the queue, runs the last burst.
pub fn work(receiver: &Receiver<Job>, program: &Program, abandon: &AtomicBool, quiet: Duration) {
    let mut burst = Burst::default();
    loop {
        let next = if burst.last.is_none() {
            receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            receiver.recv_timeout(quiet)
        };
        match next {
            Ok(job) => burst.add(job),
            Err(RecvTimeoutError::Timeout) => burst.run(program, abandon),
            Err(RecvTimeoutError::Disconnected) => {
                burst.run(program, abandon);
                return;
            }
        }
    }
}

/// A private file (mode 0600, a fresh name in `$TMPDIR`) holding a burst's
/// JSON lines; removed once the command is done with it.
struct EventsFile {
    path: PathBuf,
}

impl EventsFile {
    fn create(lines: &[u8]) -> io::Result<EventsFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("greenwatch-{}-{n}.jsonl", std::process::id()));
        let mut file: File = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        let file_ref = EventsFile { path };
        file.write_all(lines)?;
        Ok(file_ref)
    }
}

impl Drop for EventsFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
