//! Runs the notifier as a long-lived service: in the foreground, with an
//! optional pid file, stopping cleanly on `SIGTERM`, `SIGINT` or `SIGHUP`.
//!
//! Ports pyinotify's `examples/daemon.py`, which calls
//! `notifier.loop(daemonize=True, pid_file=…, stdout=…)`: pyinotify forks twice,
//! calls `setsid`, changes to `/`, redirects the standard streams to files, and
//! writes a pid file removed at exit. This port does not fork, on purpose:
//!
//! - A service today runs under a service manager (systemd, runit, s6, a
//!   container runtime). The manager starts it in the foreground, knows its pid
//!   without a pid file, collects stdout and stderr into its journal, restarts
//!   it, and stops it with `SIGTERM`. A self-daemonizing program fights all of
//!   that (systemd needs `Type=forking` and `PIDFile=` to follow it).
//! - Forking a multi-threaded process is unsafe: only async-signal-safe calls
//!   are allowed in the child, and a Rust program cannot promise that no
//!   library started a thread. `daemonize` also ends the caller's process
//!   (pyinotify's parents call `os._exit`), so errors after it reach no one.
//!
//! So the program stays in the foreground and prints events to stdout (the
//! journal). `--pid-file PATH` is there for init scripts that still want one: it
//! is created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600, as pyinotify
//! does, so an existing file (another instance, or a stale file) is an error
//! rather than overwritten, and it is removed when the program ends: after
//! `--seconds`, on a signal, or on an error.
//!
//! Usage: `daemon [DIR] [--pid-file PATH] [--seconds N]`
//!
//! A systemd unit would be: `ExecStart=/usr/local/bin/daemon /srv/incoming`,
//! with the default `Type=simple` and no pid file.

mod common;

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{Mask, Notifier, PrintAllEvents, StopHandle, WatchManager};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use common::{Cli, WatchedDir, say_ready, stop_after};

const USAGE: &str = "daemon [DIR] [--pid-file PATH] [--seconds N]";

/// A pid file that this process created, removed when dropped.
#[derive(Debug)]
struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Creates `path` holding this process's pid; fails if it exists.
    fn create(path: PathBuf) -> Result<PidFile, String> {
        let opened =
            OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&path);
        let mut file = match opened {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(format!(
                    "pid file {} already exists: is another instance running? (remove the file if it is stale)",
                    path.display()
                ));
            }
            Err(e) => return Err(format!("cannot create the pid file {}: {e}", path.display())),
        };
        // From here on, dropping the guard removes the file, even if writing fails.
        let guard = PidFile { path };
        writeln!(file, "{}", std::process::id())
            .map_err(|e| format!("cannot write the pid file {}: {e}", guard.path.display()))?;
        Ok(guard)
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.path) {
            eprintln!("error: cannot remove the pid file {}: {e}", self.path.display());
        }
    }
}

/// Stops the notifier on the first `SIGTERM`, `SIGINT` or `SIGHUP`, from a thread
/// of its own. Returns the handle that ends that thread.
fn stop_on_signals(stop: StopHandle) -> io::Result<signal_hook::iterator::Handle> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            println!("Received signal {signal}, stopping.");
            stop.stop();
        }
    });
    Ok(handle)
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let pid_file = cli.value("--pid-file").map(PathBuf::from);
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, pid_file, run_time))
}

fn run(dir: Option<OsString>, pid_file: Option<PathBuf>, run_time: Option<Duration>) -> common::Result {
    // First, so that a second instance fails before doing anything.
    let _pid_file = pid_file.map(PidFile::create).transpose()?;
    let dir = WatchedDir::from_arg(dir)?;
    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::ALL_EVENTS).rec(true).auto_add(true).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, PrintAllEvents::new())?;
    let signals = stop_on_signals(notifier.stop_handle())?;
    stop_after(notifier.stop_handle(), run_time);
    say_ready();
    let result = notifier.run();
    signals.close();
    println!("Exit");
    Ok(result?)
}
