//! The tutorial examples, built once and run as programs: they watch a
//! directory, print what happens in it, and end by themselves.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Builds the two examples once (with the profile this test was built with)
/// and returns the path of `name`.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let profile_dir = exe.parent().and_then(Path::parent).ok_or("no target directory")?.to_owned();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
        cmd.args(["build", "--quiet", "--example", "tutorial_notifier", "--example", "tutorial_threadednotifier"]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let output = crate::common::run_with_deadline(&mut cmd, Duration::from_secs(600));
        if !output.status.success() {
            return Err(format!("cargo build --examples failed:\n{}", String::from_utf8_lossy(&output.stderr)));
        }
        Ok(profile_dir.join("examples"))
    });
    match dir {
        Ok(dir) => dir.join(name),
        Err(e) => panic!("{e}"),
    }
}

/// A running example: its stdout lines arrive on a channel.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(name: &str, args: &[&str]) -> Running {
        let mut child = Command::new(example(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the example");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines, seen: Vec::new() }
    }

    /// Waits (at most [`crate::common::DEADLINE`]) for a line satisfying `pred`, and returns it.
    #[track_caller]
    fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + crate::common::DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(_) => {
                    panic!("no line {what} within {:?}; output so far: {:#?}", crate::common::DEADLINE, self.seen)
                }
            }
        }
    }

    /// Waits for the program to end by itself (within `deadline`) and returns its
    /// status and the lines it printed after the last `expect`.
    #[track_caller]
    fn finish(mut self, deadline: Duration) -> (ExitStatus, Vec<String>) {
        let end = Instant::now() + deadline;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the example did not end by itself within {deadline:?}; output: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(10)); // polling a child process
        };
        let rest: Vec<String> = self.lines.iter().collect();
        (status, rest)
    }
}

/// The directory named by the example's `Watching DIR` line.
fn watched_dir(line: &str) -> PathBuf {
    PathBuf::from(line.strip_prefix("Watching ").expect("a Watching line"))
}

/// Creates `sub/new.txt` and removes it, expecting both lines (the tutorial
/// watches recursively, so the existing `sub` is watched).
fn create_and_remove(run: &mut Running, dir: &Path) {
    let file = dir.join("sub/new.txt");
    fs::write(&file, b"hello").unwrap();
    let created = format!("Creating: {}", file.display());
    run.expect(&created, |l| l == created);
    fs::remove_file(&file).unwrap();
    let removed = format!("Removing: {}", file.display());
    run.expect(&removed, |l| l == removed);
}

#[test]
fn tutorial_notifier_prints_creations_and_deletions_then_ends() {
    let t = crate::common::Tree::new();
    fs::create_dir(t.p("sub")).unwrap();
    let mut run = Running::start("tutorial_notifier", &[t.w.to_str().unwrap(), "3"]);
    let line = run.expect("Watching …", |l| l.starts_with("Watching "));
    assert_eq!(watched_dir(&line), t.w);
    create_and_remove(&mut run, &t.w);
    let (status, rest) = run.finish(Duration::from_secs(15));
    assert!(status.success(), "{status}");
    assert_eq!(rest, ["Stopped."]);
}

#[test]
fn tutorial_threadednotifier_prints_then_removes_its_watches_and_stops() {
    let mut run = Running::start("tutorial_threadednotifier", &[]);
    let line = run.expect("Watching …", |l| l.starts_with("Watching "));
    let dir = watched_dir(&line);
    assert!(dir.is_dir(), "the default is a new temporary directory: {}", dir.display());
    // The default duration is 5 s; the temporary directory is the example's own.
    fs::create_dir(dir.join("sub")).unwrap();
    let created = format!("Creating: {}", dir.join("sub").display());
    run.expect(&created, |l| l == created);
    fs::write(dir.join("file"), b"").unwrap();
    let created = format!("Creating: {}", dir.join("file").display());
    run.expect(&created, |l| l == created);
    fs::remove_file(dir.join("file")).unwrap();
    let removed = format!("Removing: {}", dir.join("file").display());
    run.expect(&removed, |l| l == removed);
    let (status, rest) = run.finish(Duration::from_secs(25));
    assert!(status.success(), "{status}");
    assert_eq!(rest, ["Stopped."]);
}

#[test]
fn tutorial_threadednotifier_with_a_directory_and_duration() {
    let t = crate::common::Tree::new();
    fs::create_dir(t.p("sub")).unwrap();
    let mut run = Running::start("tutorial_threadednotifier", &[t.w.to_str().unwrap(), "2"]);
    let line = run.expect("Watching …", |l| l.starts_with("Watching "));
    assert_eq!(watched_dir(&line), t.w);
    create_and_remove(&mut run, &t.w);
    let (status, rest) = run.finish(Duration::from_secs(15));
    assert!(status.success(), "{status}");
    assert_eq!(rest, ["Stopped."]);
}
