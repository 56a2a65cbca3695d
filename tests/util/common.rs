//! Shared helpers of the kernel tests: a recording handler, waits with deadlines,
//! temporary trees, and child processes for the tests that need other privileges.
//!
//! Every wait here has a deadline; no test sleeps to synchronise with the kernel.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};
use tempfile::TempDir;

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// One poll of a drain loop.
const SLICE: Duration = Duration::from_millis(20);
/// How long the queue must stay empty for [`settle`] to call it quiet.
pub const QUIET: Duration = Duration::from_millis(150);

/// A handler that records every event it is given (through `process_default`,
/// so every kind ends up here).
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of what was recorded so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    /// What was recorded so far; the record starts afresh.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.lock())
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// True if an event with exactly `mask` about `pathname` was recorded.
    pub fn has(&self, mask: Mask, pathname: impl AsRef<Path>) -> bool {
        let pathname = pathname.as_ref();
        self.lock().iter().any(|e| e.mask() == mask && e.pathname() == pathname)
    }

    /// How many events with exactly `mask` about `pathname` were recorded.
    pub fn count(&self, mask: Mask, pathname: impl AsRef<Path>) -> usize {
        let pathname = pathname.as_ref();
        self.lock().iter().filter(|e| e.mask() == mask && e.pathname() == pathname).count()
    }
}

impl ProcessEvent for Recorder {
    fn process_default(&mut self, event: &Event) -> Flow {
        self.lock().push(event.clone());
        Flow::Continue
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.lock().iter().map(|e| e.to_string())).finish()
    }
}

/// One poll of at most `SLICE`, then a read and a process pass if events wait.
fn pump_once<H: ProcessEvent>(notifier: &mut Notifier<H>, wait: Duration) -> bool {
    let ready = notifier.check_events(Some(wait)).expect("check_events");
    if ready {
        notifier.read_events().expect("read_events");
    }
    let _ = notifier.process_events();
    ready
}

/// Reads and processes events until `pred` holds; fails the test once
/// `deadline` has passed.
#[track_caller]
pub fn drain_until<H: ProcessEvent>(notifier: &mut Notifier<H>, mut pred: impl FnMut() -> bool, deadline: Duration) {
    let end = Instant::now() + deadline;
    loop {
        if pred() {
            return;
        }
        assert!(Instant::now() < end, "condition not met within {deadline:?}");
        pump_once(notifier, SLICE);
    }
}

/// Drains until the events recorded by `rec` satisfy `pred` (within [`DEADLINE`]);
/// on failure prints what was recorded. Returns the recorded events.
#[track_caller]
pub fn wait_for<H: ProcessEvent>(
    notifier: &mut Notifier<H>,
    rec: &Recorder,
    pred: impl Fn(&[Event]) -> bool,
) -> Vec<Event> {
    let end = Instant::now() + DEADLINE;
    loop {
        let events = rec.events();
        if pred(&events) {
            return events;
        }
        assert!(Instant::now() < end, "condition not met within {DEADLINE:?}; recorded:\n{}", dump(&events));
        pump_once(notifier, SLICE);
    }
}

/// Drains until `rec` holds an event with exactly `mask` about `pathname`.
#[track_caller]
pub fn wait_event<H: ProcessEvent>(
    notifier: &mut Notifier<H>,
    rec: &Recorder,
    mask: Mask,
    pathname: impl AsRef<Path>,
) -> Vec<Event> {
    let pathname = pathname.as_ref();
    wait_for(notifier, rec, |evs| evs.iter().any(|e| e.mask() == mask && e.pathname() == pathname))
}

/// Reads and processes until the kernel queue has stayed empty for [`QUIET`]
/// (at most [`DEADLINE`]): everything the test did has been dispatched.
#[track_caller]
pub fn settle<H: ProcessEvent>(notifier: &mut Notifier<H>) {
    let end = Instant::now() + DEADLINE;
    while pump_once(notifier, QUIET) {
        assert!(Instant::now() < end, "events kept coming for {DEADLINE:?}");
    }
}

/// The events as `MASKNAME relative/pathname` lines, relative to `root`
/// (`.` for the root itself), for whole-sequence comparisons.
pub fn lines(events: &[Event], root: &Path) -> Vec<String> {
    events.iter().map(|e| line(e, root)).collect()
}

/// One event as `MASKNAME relative/pathname`.
pub fn line(e: &Event, root: &Path) -> String {
    let pathname = e.pathname();
    let rel = match pathname.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => pathname.display().to_string(),
    };
    format!("{} {rel}", e.maskname())
}

/// The events in pyinotify's form, one a line (the last 40 of a long list).
pub fn dump(events: &[Event]) -> String {
    let skip = events.len().saturating_sub(40);
    let mut text = if skip > 0 { format!("  … {skip} earlier events\n") } else { String::new() };
    text.extend(events[skip..].iter().map(|e| format!("  {e}\n")));
    text
}

/// Drops directory reads (the bookkeeping's own listings are seen by the watches).
pub fn without_dir_reads(events: Vec<Event>) -> Vec<Event> {
    let reads = Mask::IN_OPEN | Mask::IN_ACCESS | Mask::IN_CLOSE_NOWRITE;
    events.into_iter().filter(|e| !(e.is_dir() && e.mask().intersects(reads))).collect()
}

/// A temporary directory holding `w` (to watch) and `out` (never watched), with
/// canonical paths so that event paths compare equal.
pub struct Tree {
    _dir: TempDir,
    pub top: PathBuf,
    pub w: PathBuf,
    pub out: PathBuf,
}

impl Tree {
    /// `top/w` and `top/out`, both empty.
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().expect("tempdir");
        let top = fs::canonicalize(dir.path()).expect("canonicalize");
        let (w, out) = (top.join("w"), top.join("out"));
        fs::create_dir(&w).expect("mkdir w");
        fs::create_dir(&out).expect("mkdir out");
        Tree { _dir: dir, top, w, out }
    }

    /// `w/<rel>`.
    pub fn p(&self, rel: &str) -> PathBuf {
        self.w.join(rel)
    }

    /// Creates directories `w/<rel>` (with parents).
    pub fn mkdirs(&self, rels: &[&str]) {
        for rel in rels {
            fs::create_dir_all(self.p(rel)).expect("mkdir -p");
        }
    }

    /// Creates (or truncates) files `w/<rel>`.
    pub fn touch(&self, rels: &[&str]) {
        for rel in rels {
            fs::write(self.p(rel), b"").expect("create file");
        }
    }
}

/// A watch manager and a notifier with a [`Recorder`] as default handler.
pub fn notifier() -> (WatchManager, Notifier<Recorder>, Recorder) {
    let wm = WatchManager::new().expect("WatchManager::new");
    let rec = Recorder::new();
    let notifier = Notifier::new(wm.clone(), rec.clone()).expect("Notifier::new");
    (wm, notifier, rec)
}

/// `name` as raw bytes, for names that are not UTF-8.
pub fn bytes_name(name: &[u8]) -> &OsStr {
    OsStr::from_bytes(name)
}

// ---- child processes -------------------------------------------------------

/// The environment variable that tells a re-executed test binary which child body to run.
pub const CHILD_ENV: &str = "GREENWATCH_TEST_CHILD";
/// Printed by a child body that ran to its end.
pub const CHILD_DONE: &str = "GREENWATCH-CHILD-DONE";

/// True in the child process started for the test `name` by [`run_child`].
pub fn is_child(name: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|v| v == name)
}

/// Marks a child body as finished (the parent checks for this line).
pub fn child_done() {
    println!("{CHILD_DONE}");
}

/// True when this process runs as root (so dropping privileges is needed to see EACCES).
pub fn running_as_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// True if `program args…` can be started and succeeds.
pub fn command_works(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).output().is_ok_and(|o| o.status.success())
}

/// Runs this test binary again under `wrapper` (a command prefix such as
/// `setpriv …`), selecting only the test `name`, with [`CHILD_ENV`] set to `name`.
/// The wrapper ends with the program to run (it receives the binary and its
/// arguments after it).
#[track_caller]
pub fn run_child(name: &str, wrapper: &[&str]) -> Output {
    let exe = std::env::current_exe().expect("current_exe");
    let (program, args) = wrapper.split_first().expect("a wrapper command");
    let mut cmd = Command::new(program);
    cmd.args(args).arg(&exe).args(["--exact", name, "--nocapture", "--test-threads=1"]);
    cmd.env(CHILD_ENV, name);
    let output = run_with_deadline(&mut cmd, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(CHILD_DONE),
        "child {name} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `cmd` to its end, killing it if it outlives `deadline`.
#[track_caller]
pub fn run_with_deadline(cmd: &mut Command, deadline: Duration) -> Output {
    use std::process::Stdio;
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn child");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).map(|_| buf)
    });
    let end = Instant::now() + deadline;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(10)); // polling a child process, not the kernel queue
    };
    Output {
        status,
        stdout: out_thread.join().unwrap().unwrap_or_default(),
        stderr: err_thread.join().unwrap().unwrap_or_default(),
    }
}

/// Stops a notifier's loop if it is still running after [`DEADLINE`], so that a
/// test of `run` fails instead of hanging. Dropping it cancels it.
pub struct Watchdog {
    cancel: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<bool>>,
}

impl Watchdog {
    pub fn new(stop: greenwatch::StopHandle) -> Watchdog {
        Watchdog::with_deadline(stop, DEADLINE)
    }

    pub fn with_deadline(stop: greenwatch::StopHandle, deadline: Duration) -> Watchdog {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let expired = matches!(rx.recv_timeout(deadline), Err(std::sync::mpsc::RecvTimeoutError::Timeout));
            if expired {
                stop.stop();
            }
            expired
        });
        Watchdog { cancel: Some(tx), thread: Some(thread) }
    }

    /// Cancels the watchdog; true if it had already stopped the loop.
    pub fn fired(mut self) -> bool {
        self.finish()
    }

    fn finish(&mut self) -> bool {
        drop(self.cancel.take());
        self.thread.take().is_some_and(|t| t.join().unwrap())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The most events the overflow tests will queue (a few seconds of writes).
pub const MAX_QUEUE_TO_FILL: u64 = 1 << 21;

/// `fs.inotify.max_queued_events`, read before creating the instance that will
/// overflow (the kernel fixes an instance's queue size when it is created).
/// `None` (the reason printed) when it is too large to fill quickly.
pub fn queue_limit() -> Option<u64> {
    let limit = greenwatch::limits::read("max_queued_events").unwrap();
    if limit > MAX_QUEUE_TO_FILL {
        eprintln!("skipped: fs.inotify.max_queued_events is {limit}, too many events to overflow quickly");
        return None;
    }
    Some(limit)
}
