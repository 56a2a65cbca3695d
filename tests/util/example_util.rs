//! What the example tests share: building the examples once, with a deadline,
//! the small file-system helpers the tests use, and [`Example`], the harness
//! that runs one example and reads its output with a deadline.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::Instant;

use tempfile::TempDir;

/// How long building the examples may take.
const BUILD_DEADLINE: Duration = Duration::from_secs(900);

/// `target/<profile>/examples`, after building the examples once for all tests.
pub fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(build_examples)
}

fn build_examples() -> PathBuf {
    // This test binary is target/<profile>/deps/<test>-<hash>.
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--examples", "--quiet"]).current_dir(env!("CARGO_MANIFEST_DIR"));
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cargo.arg("--release");
        }
        Some(profile) => {
            cargo.args(["--profile", profile]);
        }
    }
    let status = wait_with_deadline(cargo.spawn().expect("running cargo build --examples"), BUILD_DEADLINE);
    assert!(status.success(), "cargo build --examples failed: {status}");
    profile_dir.join("examples")
}

/// Takes `child`'s piped stdout and sends its lines, as they come, on the
/// returned channel (read on a thread of its own until the pipe closes).
pub fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for `child` on a thread of its own; kills it if `deadline` passes first.
fn wait_with_deadline(mut child: Child, deadline: Duration) -> ExitStatus {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(deadline) {
        Ok(status) => status.expect("waiting for cargo"),
        Err(_) => {
            // SAFETY: kill(2) only sends a signal. The waiting thread has not
            // reaped the child (no status came back), so the pid is still ours.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("cargo build --examples did not finish within {deadline:?}");
        }
    }
}

/// Arguments as `OsString`s.
pub fn args<const N: usize>(list: [&dyn AsRef<std::ffi::OsStr>; N]) -> Vec<OsString> {
    list.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// A temporary directory with a canonical path (events name it as given).
pub fn temp() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = fs::canonicalize(dir.path()).expect("canonicalize");
    (dir, path)
}

pub fn write_file(path: impl AsRef<Path>, content: &[u8]) {
    let path = path.as_ref();
    fs::write(path, content).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

pub fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) {
    let (from, to) = (from.as_ref(), to.as_ref());
    fs::rename(from, to).unwrap_or_else(|e| panic!("renaming {} to {}: {e}", from.display(), to.display()));
}

/// Appends `content` to the file at `path`.
pub fn append(path: &Path, content: &[u8]) {
    let mut file = OpenOptions::new().append(true).open(path).expect("open for append");
    file.write_all(content).expect("append");
}

// ---- A running example -------------------------------------------------------

/// How long an example may take to say it is ready, to print a line, or to end.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The line every example prints once its watches exist.
pub const READY: &[u8] = b"Watches established.";

/// Which stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// A running example, its output read line by line on two threads.
pub struct Example {
    pub name: &'static str,
    pub child: Child,
    pub lines: Receiver<(Stream, Vec<u8>)>,
    /// Every line received so far, in arrival order.
    pub seen: Vec<(Stream, Vec<u8>)>,
    pub started: Instant,
}

/// What an example printed, once it has ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The stdout lines containing `needle`.
    pub fn stdout_lines_with(&self, needle: &str) -> Vec<String> {
        self.stdout_text().lines().filter(|l| l.contains(needle)).map(str::to_owned).collect()
    }

    /// The stdout lines (without their newlines), as text.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout_text().lines().map(str::to_owned).collect()
    }

    /// The stderr lines (without their newlines), as text.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr_text().lines().map(str::to_owned).collect()
    }

    /// The index of the first stdout line containing `needle`.
    pub fn position(&self, needle: &str) -> Option<usize> {
        self.stdout_text().lines().position(|l| l.contains(needle))
    }

    /// Fails unless the example exited with success.
    #[track_caller]
    pub fn assert_success(&self, name: &str) {
        assert!(
            self.status.success(),
            "{name} exited with {}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout_text(),
            self.stderr_text()
        );
    }
}

pub fn forward(stream: Stream, pipe: impl Read + Send + 'static, tx: Sender<(Stream, Vec<u8>)>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    if tx.send((stream, line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

impl Example {
    /// Starts example `name` with `args`; `GREENWATCH_EXAMPLE_SECONDS` is removed
    /// from its environment unless `env_seconds` is given.
    pub fn start_with_env(name: &'static str, args: &[OsString], env_seconds: Option<&str>) -> Example {
        let mut command = Command::new(examples_dir().join(name));
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        match env_seconds {
            Some(secs) => command.env("GREENWATCH_EXAMPLE_SECONDS", secs),
            None => command.env_remove("GREENWATCH_EXAMPLE_SECONDS"),
        };
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start example {name}: {e}"));
        let (tx, lines) = mpsc::channel();
        forward(Stream::Out, child.stdout.take().expect("piped stdout"), tx.clone());
        forward(Stream::Err, child.stderr.take().expect("piped stderr"), tx);
        Example { name, child, lines, seen: Vec::new(), started: Instant::now() }
    }

    pub fn start(name: &'static str, args: &[OsString]) -> Example {
        Example::start_with_env(name, args, None)
    }

    /// Everything received so far, for failure messages.
    pub fn transcript(&self) -> String {
        let mut text = String::new();
        for (stream, line) in &self.seen {
            let tag = if *stream == Stream::Out { "out" } else { "err" };
            let _ = writeln!(text, "  [{tag}] {}", String::from_utf8_lossy(line));
        }
        text
    }

    /// Kills the example and fails the test, showing what it printed.
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("example {}: {why}; it printed:\n{}", self.name, self.transcript());
    }

    /// Reads lines until one satisfies `pred`; fails once [`DEADLINE`] has passed
    /// since the start, or if the example ends first.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(Stream, &[u8]) -> bool) {
        if self.seen.iter().any(|(s, l)| pred(*s, l)) {
            return;
        }
        self.wait_for_next(what, pred);
    }

    /// Like [`Example::wait_for`], for a line not received yet.
    pub fn wait_for_next(&mut self, what: &str, pred: impl Fn(Stream, &[u8]) -> bool) {
        loop {
            let left = DEADLINE.saturating_sub(self.started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok((stream, line)) => {
                    let found = pred(stream, &line);
                    self.seen.push((stream, line));
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("no {what} within {DEADLINE:?}")),
                Err(RecvTimeoutError::Disconnected) => self.fail(&format!("ended before printing {what}")),
            }
        }
    }

    /// Waits for a stdout line containing `needle`.
    pub fn wait_for_text(&mut self, needle: &str) {
        self.wait_for_count(needle, 1);
    }

    /// Waits until `count` stdout lines containing `needle` have been printed.
    pub fn wait_for_count(&mut self, needle: &str, count: usize) {
        let matches = |s: Stream, l: &[u8]| s == Stream::Out && String::from_utf8_lossy(l).contains(needle);
        let mut seen = self.seen.iter().filter(|(s, l)| matches(*s, l)).count();
        let what = format!("{count} line(s) with {needle:?}");
        while seen < count {
            self.wait_for_next(&what, matches);
            seen += 1;
        }
    }

    pub fn wait_ready(&mut self) {
        self.wait_for("the ready line", |_, l| l == READY);
    }

    /// Sends `signal` to the example.
    pub fn signal(&mut self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) only sends a signal; `pid` is our own child, not reaped
        // yet (only `finish` and `Drop` wait for it), so the pid cannot have been reused.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Sends `SIGINT`, as Ctrl-C would: the example stops cleanly, then [`Example::finish`] collects it.
    pub fn interrupt(&mut self) {
        self.signal(libc::SIGINT);
    }

    /// Waits for the example to end by itself (both streams closed), within the deadline.
    pub fn finish(mut self) -> Finished {
        loop {
            let left = DEADLINE.saturating_sub(self.started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("did not end within {DEADLINE:?}")),
            }
        }
        let status = self.child.wait().expect("waiting for the example");
        let join = |stream: Stream| {
            let mut out = Vec::new();
            for (_, line) in self.seen.iter().filter(|(s, _)| *s == stream) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
            out
        };
        Finished { status, stdout: join(Stream::Out), stderr: join(Stream::Err) }
    }

    /// Waits for a stdout line, received already or not, that contains every one of `needles`.
    pub fn wait_for_line(&mut self, needles: &[&str]) {
        let what = format!("line with {needles:?}");
        self.wait_for(&what, |s, l| s == Stream::Out && needles.iter().all(|n| String::from_utf8_lossy(l).contains(n)));
    }

    /// Waits for a stdout line, not received yet, that contains every one of `needles`.
    pub fn wait_for_next_line(&mut self, needles: &[&str]) {
        let what = format!("line with {needles:?}");
        self.wait_for_next(&what, |s, l| {
            s == Stream::Out && needles.iter().all(|n| String::from_utf8_lossy(l).contains(n))
        });
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
