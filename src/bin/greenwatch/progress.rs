//! Progress while a big tree is walked: on a terminal, one line that
//! rewrites itself; with `-v` into a pipe, a line every second; otherwise
//! nothing, so that a program reading stderr sees only `Watches established.`.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A set-up shorter than this shows no progress at all.
const DELAY: Duration = Duration::from_millis(500);
/// How often the terminal line is redrawn.
const REDRAW: Duration = Duration::from_millis(200);
/// How often `-v` prints a line when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(1);

/// A thread reporting how many watches this process holds so far; dropping
/// the value stops it (and clears the terminal line).
#[derive(Debug)]
pub struct Progress {
    done: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts reporting: a live line when `live` and stderr is a terminal,
    /// else lines when `verbose`, else nothing.
    pub fn start(verbose: bool, live: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let (done, finished) = channel::<()>();
        let thread = match (live && terminal, verbose) {
            (true, _) => spawn(move || live_line(&finished)),
            (false, true) => spawn(move || lines(&finished)),
            (false, false) => None,
        };
        Progress { done: Some(done), thread }
    }
}

fn spawn(body: impl FnOnce() + Send + 'static) -> Option<JoinHandle<()>> {
    std::thread::Builder::new().name("greenwatch-progress".into()).spawn(body).ok()
}

/// Waits `wait` for the end; true if set-up is still going.
fn still_going(finished: &std::sync::mpsc::Receiver<()>, wait: Duration) -> bool {
    matches!(finished.recv_timeout(wait), Err(RecvTimeoutError::Timeout))
}

/// After [`DELAY`], `\r`-redrawn `greenwatch: N directories watched (Ts)`,
/// erased at the end.
fn live_line(finished: &std::sync::mpsc::Receiver<()>) {
    let started = Instant::now();
    if !still_going(finished, delay()) {
        return;
    }
    let mut stderr = std::io::stderr();
    loop {
        let held = greenwatch::limits::watches_in_this_process().unwrap_or(0);
        let secs = started.elapsed().as_secs_f64();
        let _ = write!(stderr, "\r\x1b[Kgreenwatch: {held} directories watched ({secs:.1}s)");
        let _ = stderr.flush();
        if !still_going(finished, REDRAW) {
            let _ = write!(stderr, "\r\x1b[K");
            return;
        }
    }
}

/// `-v` into a pipe: a plain line every [`LINE_EVERY`].
fn lines(finished: &std::sync::mpsc::Receiver<()>) {
    let started = Instant::now();
    while still_going(finished, LINE_EVERY) {
        let held = greenwatch::limits::watches_in_this_process().unwrap_or(0);
        let secs = started.elapsed().as_secs();
        eprintln!("greenwatch: adding watches: {held} so far ({secs}s)");
    }
}

/// [`DELAY`], or `GREENWATCH_PROGRESS_DELAY_MS` (for tests of the live line).
fn delay() -> Duration {
    std::env::var("GREENWATCH_PROGRESS_DELAY_MS").ok().and_then(|v| v.parse().ok()).map_or(DELAY, Duration::from_millis)
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
