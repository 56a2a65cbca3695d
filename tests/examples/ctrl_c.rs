//! The Ctrl-C recipes run as programs: `manual_loop` (the blocking manual loop)
//! and `async_ctrl_c` (a stateful async handler) report events, then end
//! cleanly (status 0, their last line printed) on SIGINT or SIGTERM.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Builds both examples once (with this test's profile); the path of `name`.
fn example(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
        cmd.args(["build", "--quiet", "--example", "manual_loop", "--example", "async_ctrl_c"]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let output = crate::common::run_with_deadline(&mut cmd, Duration::from_secs(600));
        assert!(output.status.success(), "cargo build failed:\n{}", String::from_utf8_lossy(&output.stderr));
        profile_dir.join("examples")
    })
    .join(name)
}

/// A running example, its stdout lines on a channel.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(name: &str, dir: &Path) -> Running {
        let mut child = Command::new(example(name)).arg(dir).stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
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
