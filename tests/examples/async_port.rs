//! Runs each example ported from pyinotify's asynchronous examples (issue 8:
//! asyncore, Tornado, asyncio, all on smol here) as a subprocess against a
//! temporary directory.
//!
//! The examples are built once, with `$CARGO build --examples --quiet` (the
//! environment, `RUSTFLAGS` included, is inherited as is, so nothing is rebuilt
//! for other flags). Each test starts one, waits with a deadline for its
//! `Watches established.` line, works in the watched directory, and checks what
//! it printed. No test sleeps to synchronise: every wait reads the example's
//! output, and a deadline kills the example and fails the test with everything
//! it printed.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::example_util::{args, examples_dir, rename, temp, write_file};

/// How long an example may take to get ready, to print a line, or to end.
const DEADLINE: Duration = Duration::from_secs(20);

/// The run time given to examples: a test interrupts them (`SIGINT`) once it
/// has seen what it waits for, so they end by themselves only if that fails.
const RUN_SECONDS: &str = "15";

/// The line every example prints once its watches exist.
const READY: &str = "Watches established.";

/// Which stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// A running example, its output read line by line on two threads.
struct Example {
    name: &'static str,
    child: Child,
    lines: Receiver<(Stream, String)>,
    /// Every line received so far, in arrival order.
    seen: Vec<(Stream, String)>,
    started: Instant,
}

/// What an example printed, once it has ended.
struct Finished {
    status: ExitStatus,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

impl Finished {
    fn stdout_text(&self) -> String {
        self.stdout.join("\n")
    }

    /// The index of the first stdout line containing `needle`.
    fn position(&self, needle: &str) -> Option<usize> {
        self.stdout.iter().position(|l| l.contains(needle))
    }

    /// Fails unless the example exited with success.
    #[track_caller]
    fn assert_success(&self, name: &str) {
        assert!(
            self.status.success(),
            "{name} exited with {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout_text(),
            self.stderr.join("\n")
        );
    }
}

fn forward(stream: Stream, pipe: impl Read + Send + 'static, tx: Sender<(Stream, String)>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(&line)).into_owned();
            if tx.send((stream, text)).is_err() {
                return;
            }
            line.clear();
        }
    });
}

impl Example {
    /// Starts example `name` with `args` (and no `GREENWATCH_EXAMPLE_SECONDS`).
    fn start(name: &'static str, args: &[OsString]) -> Example {
        let mut child = Command::new(examples_dir().join(name))
            .args(args)
            .env_remove("GREENWATCH_EXAMPLE_SECONDS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start example {name}: {e}"));
        let (tx, lines) = mpsc::channel();
        forward(Stream::Out, child.stdout.take().expect("piped stdout"), tx.clone());
        forward(Stream::Err, child.stderr.take().expect("piped stderr"), tx);
        Example { name, child, lines, seen: Vec::new(), started: Instant::now() }
    }

    /// Everything received so far, for failure messages.
    fn transcript(&self) -> String {
        let mut text = String::new();
        for (stream, line) in &self.seen {
            let tag = if *stream == Stream::Out { "out" } else { "err" };
            let _ = writeln!(text, "  [{tag}] {line}");
        }
        text
    }

    /// Kills the example and fails the test, showing what it printed.
    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("example {}: {why}; it printed:\n{}", self.name, self.transcript());
    }

    /// The next line, within the deadline counted from the start.
    fn next_line(&mut self, what: &str) -> &(Stream, String) {
        let left = DEADLINE.saturating_sub(self.started.elapsed());
        match self.lines.recv_timeout(left) {
            Ok(line) => {
                self.seen.push(line);
                self.seen.last().expect("just pushed")
            }
            Err(RecvTimeoutError::Timeout) => self.fail(&format!("no {what} within {DEADLINE:?}")),
            Err(RecvTimeoutError::Disconnected) => self.fail(&format!("ended before printing {what}")),
        }
    }

    /// Waits for a stdout line, not received yet, that contains every one of `needles`.
    fn wait_for_next(&mut self, needles: &[&str]) {
        let what = format!("line with {needles:?}");
        loop {
            let (stream, line) = self.next_line(&what);
            if *stream == Stream::Out && needles.iter().all(|n| line.contains(n)) {
                return;
            }
        }
    }

    /// Waits for a stdout line, received already or not, that contains every one of `needles`.
    fn wait_for(&mut self, needles: &[&str]) {
        let matches = |(s, l): &(Stream, String)| *s == Stream::Out && needles.iter().all(|n| l.contains(n));
        if !self.seen.iter().any(matches) {
            self.wait_for_next(needles);
        }
    }

    fn wait_ready(&mut self) {
        self.wait_for(&[READY]);
    }

    /// Sends `SIGINT`, as Ctrl-C would: the example stops cleanly.
    fn interrupt(&mut self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) only sends a signal; `pid` is our own child, not reaped
        // yet (only `finish` and `Drop` wait for it), so the pid cannot have been reused.
        let sent = unsafe { libc::kill(pid, libc::SIGINT) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Waits for the example to end (both streams closed), within the deadline.
    fn finish(mut self) -> Finished {
        loop {
            let left = DEADLINE.saturating_sub(self.started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("did not end within {DEADLINE:?}")),
            }
        }
        let status = self.child.wait().expect("waiting for the example");
        let of = |stream: Stream| self.seen.iter().filter(|(s, _)| *s == stream).map(|(_, l)| l.clone()).collect();
        Finished { status, stdout: of(Stream::Out), stderr: of(Stream::Err) }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn async_moved_from_reports_moves_with_their_source_and_orphans() {
    let (_t, dir) = temp();
    let (_o, outside) = temp();
    fs::create_dir(dir.join("sub")).unwrap();
    let mut ex =
        Example::start("async_moved_from", &args([&dir, &"--orphan-after", &"0.2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    let (a, b, c) = (dir.join("a"), dir.join("sub/b"), dir.join("c"));
    let (a, b, c) = (a.display(), b.display(), c.display());

    write_file(dir.join("a"), b"");
    rename(dir.join("a"), dir.join("sub/b"));
    ex.wait_for(&[&format!("{a} moved to {b}")]);

    rename(dir.join("sub/b"), outside.join("b"));
    ex.wait_for(&[&format!("{b} moved to <unknown>")]);

    rename(outside.join("b"), dir.join("c"));
    ex.wait_for(&[&format!("<unknown> moved to {c}")]);

    ex.interrupt();
    let out = ex.finish();
    out.assert_success("async_moved_from");
    let text = out.stdout_text();
    assert_eq!(out.stdout.iter().filter(|l| l.contains("moved to")).count(), 3, "one line per move:\n{text}");
    assert!(!text.contains(&format!("{a} moved to <unknown>")), "a paired source is no orphan:\n{text}");
}

#[test]
fn transient_file_tornado_reports_app_pid_only() {
    let (_t, dir) = temp();
    let mut ex = Example::start("transient_file_tornado", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("other.txt"), b"x");
    fs::remove_file(dir.join("other.txt")).unwrap();
    write_file(dir.join("app.pid"), b"1234\n");
    fs::remove_file(dir.join("app.pid")).unwrap();
    // Events of one watch are handled in order: other.txt's came before.
    ex.wait_for(&["maskname=IN_DELETE ", "name=app.pid "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("transient_file_tornado");
    let text = out.stdout_text();
    assert!(text.contains("maskname=IN_CREATE name=app.pid "), "{text}");
    assert!(text.contains(&format!("\t{} -> written", dir.join("app.pid").display())), "{text}");
    assert!(!text.contains("other.txt"), "events of other files must be filtered out:\n{text}");
}

#[test]
fn tutorial_asyncnotifier_prints_creations_and_deletions() {
    let (_t, dir) = temp();
    fs::create_dir(dir.join("sub")).unwrap();
    let mut ex = Example::start("tutorial_asyncnotifier", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"");
    write_file(dir.join("sub/x"), b"");
    fs::remove_file(dir.join("a")).unwrap();
    fs::remove_file(dir.join("sub/x")).unwrap();
    let (a, x) = (dir.join("a"), dir.join("sub/x"));
    ex.wait_for(&[&format!("Removing: {}", a.display())]);
    ex.wait_for(&[&format!("Removing: {}", x.display())]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("tutorial_asyncnotifier");
    for line in [format!("Creating: {}", a.display()), format!("Creating: {}", x.display())] {
        assert!(out.stdout.contains(&line), "missing {line:?}:\n{}", out.stdout_text());
    }
    assert!(!out.stdout_text().contains("IN_"), "nothing but creations and deletions:\n{}", out.stdout_text());
}

#[test]
fn asyncio_notifier_calls_back_after_each_batch_and_stops_after_max() {
    let (_t, dir) = temp();
    let mut ex = Example::start("asyncio_notifier", &args([&dir, &"--batches", &"2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    ex.wait_for(&["handle_read callback: batch 1,"]);
    write_file(dir.join("b"), b"b");
    let out = ex.finish(); // by itself, after the second batch
    out.assert_success("asyncio_notifier");
    let text = out.stdout_text();
    let first_event = out.position("name=a ").unwrap_or_else(|| panic!("no event of a:\n{text}"));
    let batch1 = out.position("handle_read callback: batch 1,").expect("seen above");
    let batch2 = out.position("handle_read callback: batch 2,").unwrap_or_else(|| panic!("no batch 2:\n{text}"));
    assert!(first_event < batch1 && batch1 < batch2, "each batch is handled before its callback:\n{text}");
    assert!(!text.contains("batch 3"), "--batches 2 stops after two:\n{text}");
    assert!(text.contains("Stopped after 2 batch(es)."), "{text}");
}

#[test]
fn asyncio_notifier_stream_prints_each_event() {
    let (_t, dir) = temp();
    let mut ex = Example::start("asyncio_notifier", &args([&dir, &"--stream", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    ex.wait_for(&["maskname=IN_CREATE ", "name=a "]);
    ex.wait_for(&["maskname=IN_CLOSE_WRITE ", "name=a "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("asyncio_notifier --stream");
    let text = out.stdout_text();
    let events = out.stdout.iter().filter(|l| l.starts_with("<Event ")).count();
    assert!(events >= 2, "{text}");
    assert!(text.contains(&format!("Stream ended after {events} event(s).")), "{text}");
    assert!(!text.contains("handle_read callback"), "a stream has no batches:\n{text}");
}

#[test]
fn tornado_notifier_ticks_while_events_are_handled() {
    let (_t, dir) = temp();
    let mut ex = Example::start("tornado_notifier", &args([&dir, &"--tick", &"0.05", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    ex.wait_for(&["tick 1"]);
    write_file(dir.join("a"), b"a");
    ex.wait_for(&["handle_read callback: batch 1,"]);
    ex.wait_for_next(&["tick "]); // the timer goes on after the batch
    write_file(dir.join("b"), b"b");
    ex.wait_for(&["maskname=IN_CLOSE_WRITE ", "name=b "]);
    ex.wait_for_next(&["tick "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("tornado_notifier");
    let text = out.stdout_text();
    let event = out.position("name=a ").unwrap_or_else(|| panic!("no event of a:\n{text}"));
    let batch = out.position("handle_read callback: batch 1,").expect("seen above");
    assert!(event < batch, "the batch is handled before its callback:\n{text}");
    assert!(text.contains("Stopped after "), "{text}");
}

#[test]
fn tornado_notifier_stops_after_one_batch_like_the_original() {
    let (_t, dir) = temp();
    let mut ex = Example::start("tornado_notifier", &args([&dir, &"--batches", &"1", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    let out = ex.finish();
    out.assert_success("tornado_notifier --batches 1");
    assert!(out.stdout_text().contains("Stopped after 1 batch(es)."), "{}", out.stdout_text());
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    let out = Example::start("asyncio_notifier", &args([&"--stream", &"--batches", &"1"])).finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.iter().any(|l| l.contains("usage: asyncio_notifier")), "{:?}", out.stderr);
    let out = Example::start("async_moved_from", &args([&"--orphan-after", &"soon"])).finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.iter().any(|l| l.contains("--orphan-after soon")), "{:?}", out.stderr);
    let out = Example::start("tornado_notifier", &args([&"--tick", &"0"])).finish();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_async_example_names_its_pyinotify_original_and_smol() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let ported = [
        "async_moved_from",
        "asyncio_notifier",
        "tornado_notifier",
        "transient_file_tornado",
        "tutorial_asyncnotifier",
    ];
    for name in ported {
        let path = examples.join(format!("{name}.rs"));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header: String = text.lines().take_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join("\n");
        assert!(!header.is_empty(), "examples/{name}.rs must open with a //! header");
        assert!(header.contains(&format!("`examples/{name}.py`")), "examples/{name}.rs must name {name}.py");
        assert!(header.contains("smol"), "examples/{name}.rs must say it runs on smol");
    }
}
