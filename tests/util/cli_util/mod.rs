//! Helpers of the CLI tests: run the built `greenwatch`, read its stdout and
//! stderr with deadlines, signal it, and check its JSON lines.
//!
//! Every wait has a deadline; no test sleeps to synchronise with the watcher.

#![allow(dead_code)]

pub mod json;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long any single wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_greenwatch")
}

/// `greenwatch ARGS` with piped stdout/stderr, no stdin, and no `NO_COLOR`.
pub fn command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(bin());
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).env_remove("NO_COLOR");
    cmd
}

/// A running `greenwatch`, its output read on threads.
pub struct Watcher {
    pid: u32,
    stdout: Receiver<Vec<u8>>,
    /// Bytes read from stdout but not yet returned as records.
    pending: Vec<u8>,
    stderr: Receiver<String>,
    /// Every stderr line received so far.
    stderr_lines: Vec<String>,
    exit: Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Watcher {
    /// Starts `greenwatch ARGS` without waiting for anything.
    #[track_caller]
    pub fn spawn<I, S>(args: I) -> Watcher
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Watcher::from_command(command(args))
    }

    /// Starts `greenwatch ARGS` and waits for `Watches established.`.
    #[track_caller]
    pub fn start<I, S>(args: I) -> Watcher
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut watcher = Watcher::spawn(args);
        watcher.wait_established();
        watcher
    }

    /// Starts a prepared command (see [`command`]); with its stdout sent
    /// elsewhere than a pipe of ours, there is no stdout to read.
    #[track_caller]
    pub fn from_command(mut cmd: Command) -> Watcher {
        let mut child = cmd.spawn().expect("cannot start greenwatch");
        let stdout = child.stdout.take().map_or_else(|| channel().1, read_chunks);
        let stderr = read_lines(child.stderr.take().unwrap());
        let pid = child.id();
        let exit = wait_on(child);
        Watcher { pid, stdout, pending: Vec::new(), stderr, stderr_lines: Vec::new(), exit, status: None }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits for `Watches established.` on stderr.
    #[track_caller]
    pub fn wait_established(&mut self) {
        self.wait_stderr(|line| line == "Watches established.");
    }

    /// Waits for a stderr line matching `pred` and returns it.
    #[track_caller]
    pub fn wait_stderr(&mut self, pred: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.stderr_lines.iter().find(|l| pred(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_lines.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => panic!("no matching stderr line ({e}); stderr so far:\n{}", self.stderr_lines.join("\n")),
            }
        }
    }

    /// The next stdout record ending in `delim` (without it), within the deadline.
    #[track_caller]
    pub fn record(&mut self, delim: u8) -> Vec<u8> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == delim) {
                let record = self.pending.drain(..=end).collect::<Vec<u8>>();
                return record[..end].to_vec();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.pending.extend_from_slice(&chunk),
                Err(e) => {
                    let pending = String::from_utf8_lossy(&self.pending).into_owned();
                    panic!("no stdout record ({e}); pending {pending:?}; stderr:\n{}", self.stderr_text())
                }
            }
        }
    }

    /// The next stdout line, as UTF-8.
    #[track_caller]
    pub fn line(&mut self) -> String {
        String::from_utf8(self.record(b'\n')).expect("stdout line is not UTF-8")
    }

    /// Lines up to and including the first that matches `pred`.
    #[track_caller]
    pub fn lines_until(&mut self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            let done = pred(&line);
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// Sends a signal by name (`TERM`, `INT`, `KILL`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.pid.to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name} {} failed", self.pid);
    }

    /// Waits for the process to exit.
    #[track_caller]
    pub fn wait_exit(&mut self) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        match self.exit.recv_timeout(DEADLINE) {
            Ok(status) => {
                self.status = Some(status);
                status
            }
            Err(_) => panic!("greenwatch did not exit in time; stderr:\n{}", self.stderr_text()),
        }
    }

    /// Everything still unread on stdout once the process has exited.
    #[track_caller]
    pub fn rest(&mut self) -> Vec<u8> {
        self.wait_exit();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.pending.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Disconnected) => return std::mem::take(&mut self.pending),
                Err(RecvTimeoutError::Timeout) => panic!("stdout stayed open after exit"),
            }
        }
    }

    /// The rest of stdout, split into lines (UTF-8).
    #[track_caller]
    pub fn rest_lines(&mut self) -> Vec<String> {
        let rest = String::from_utf8(self.rest()).expect("stdout is not UTF-8");
        rest.lines().map(str::to_owned).collect()
    }

    /// All of stderr received so far (all of it, once the process has exited).
    pub fn stderr_text(&mut self) -> String {
        let wait = if self.status.is_some() { DEADLINE } else { Duration::ZERO };
        while let Ok(line) = self.stderr.recv_timeout(wait) {
            self.stderr_lines.push(line);
        }
        self.stderr_lines.join("\n")
    }

    /// The exit status and all of stdout and stderr, once the process has exited.
    #[track_caller]
    pub fn finish(mut self) -> (ExitStatus, Vec<u8>, String) {
        let status = self.wait_exit();
        let out = self.rest();
        let err = self.stderr_text();
        (status, out, err)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.status.is_none() && self.exit.try_recv().is_err() {
            let _ = Command::new("kill").arg("-KILL").arg(self.pid.to_string()).status();
            let _ = self.exit.recv_timeout(DEADLINE);
        }
    }
}

/// Runs `greenwatch ARGS` to its end (it must exit by itself).
#[track_caller]
pub fn run<I, S>(args: I) -> (ExitStatus, Vec<u8>, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Watcher::spawn(args).finish()
}

fn read_chunks(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = vec![0; 1 << 16];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

fn read_lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).split(b'\n').map_while(Result::ok) {
            if tx.send(String::from_utf8_lossy(&line).into_owned()).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_on(mut child: Child) -> Receiver<ExitStatus> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        if let Ok(status) = child.wait() {
            let _ = tx.send(status);
        }
    });
    rx
}

/// A temporary directory with a `w` subdirectory to watch.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("w")).unwrap();
        Tree { dir }
    }

    /// `root/rel`.
    pub fn p(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The watched directory `root/w`.
    pub fn w(&self) -> PathBuf {
        self.p("w")
    }

    /// `root/w` as an argument.
    pub fn w_arg(&self) -> String {
        self.w().to_str().expect("temp paths are UTF-8").to_owned()
    }
}

/// Waits until `cond` holds (polling the file system), or fails the test.
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
