//! What the example tests share: building the examples once, with a deadline,
//! and the small file-system helpers the tests use.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

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
