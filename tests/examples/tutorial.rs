//! The tutorial examples, built once and run as programs: they watch a
//! directory, print what happens in it, and end by themselves.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The path of example `name`, built once for all the example tests.
fn example(name: &str) -> PathBuf {
    crate::example_util::examples_dir().join(name)
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
        let lines = crate::example_util::stdout_lines(&mut child);
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

/// Runs example `name` on a new tree for `seconds`: it names the tree, reports
/// a file created and removed below it, and ends by itself with `Stopped.`.
fn watches_the_tree_then_stops(name: &str, seconds: &str) {
    let t = crate::common::Tree::new();
    fs::create_dir(t.p("sub")).unwrap();
    let mut run = Running::start(name, &[t.w.to_str().unwrap(), seconds]);
    let line = run.expect("Watching …", |l| l.starts_with("Watching "));
    assert_eq!(watched_dir(&line), t.w);
    create_and_remove(&mut run, &t.w);
    let (status, rest) = run.finish(Duration::from_secs(15));
    assert!(status.success(), "{status}");
    assert_eq!(rest, ["Stopped."]);
}

#[test]
fn tutorial_notifier_prints_creations_and_deletions_then_ends() {
    watches_the_tree_then_stops("tutorial_notifier", "3");
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
    watches_the_tree_then_stops("tutorial_threadednotifier", "2");
}
