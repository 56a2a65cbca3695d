//! The Ctrl-C recipes run as programs: `manual_loop` (the blocking manual loop)
//! and `async_ctrl_c` (a stateful async handler) report events, then end
//! cleanly (status 0, their last line printed) on SIGINT or SIGTERM.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The path of example `name`, built once for all the example tests.
fn example(name: &str) -> PathBuf {
    crate::example_util::examples_dir().join(name)
}

/// A running example, its stdout lines on a channel.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(name: &str, dir: &Path) -> Running {
        let mut child = Command::new(example(name)).arg(dir).stdout(Stdio::piped()).spawn().unwrap();
        let lines = crate::example_util::stdout_lines(&mut child);
        Running { child, lines }
    }

    #[track_caller]
    fn expect(&mut self, want: &str) {
        let line = self.lines.recv_timeout(crate::common::DEADLINE);
        assert_eq!(line.as_deref(), Ok(want), "within {:?}", crate::common::DEADLINE);
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name} failed");
    }

    /// The exit status, within the deadline (polling the child process).
    #[track_caller]
    fn exits_cleanly(mut self) {
        let end = Instant::now() + crate::common::DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                panic!("still running {:?} after the signal", crate::common::DEADLINE);
            }
            std::thread::sleep(Duration::from_millis(10)); // polling a child process
        };
        assert!(status.success(), "{status}");
    }
}

#[test]
fn the_manual_loop_reports_closes_and_ends_on_ctrl_c() {
    let t = crate::common::Tree::new();
    let mut run = Running::start("manual_loop", &t.w);
    run.expect("Watches established.");
    fs::write(t.p("a.txt"), "x").unwrap();
    run.expect(&format!("closed {}", t.p("a.txt").display()));
    run.signal("INT");
    run.expect("stopped");
    run.exits_cleanly();
}

#[test]
fn the_manual_loop_ends_on_sigterm_too() {
    let t = crate::common::Tree::new();
    let mut run = Running::start("manual_loop", &t.w);
    run.expect("Watches established.");
    run.signal("TERM");
    run.expect("stopped");
    run.exits_cleanly();
}

#[test]
fn the_async_handler_keeps_its_state_and_ends_on_ctrl_c() {
    let t = crate::common::Tree::new();
    let mut run = Running::start("async_ctrl_c", &t.w);
    run.expect("Watches established.");
    fs::write(t.p("a"), "").unwrap();
    run.expect(&format!("created {} (1 so far)", t.p("a").display()));
    fs::write(t.p("b"), "").unwrap();
    run.expect(&format!("created {} (2 so far)", t.p("b").display()));
    run.signal("INT");
    run.expect("seen 2");
    run.exits_cleanly();
}
