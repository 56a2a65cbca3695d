//! What the pyinotify ports share: a small argument reader, the directory to
//! watch, and the stop after a run time or on a signal.
//!
//! Not a pyinotify port: pyinotify's examples hard-code `/tmp` and loop until
//! Ctrl-C. These helpers let each example take the directory as its first
//! argument (default: a fresh temporary directory, printed), and stop after
//! `--seconds N` or `GREENWATCH_EXAMPLE_SECONDS=N`, or on `SIGINT`/`SIGTERM`, so
//! that tests can run them.

// Each example uses only some of these helpers.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use greenwatch::StopHandle;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tempfile::TempDir;

/// The environment variable read when `--seconds` is not given.
pub const SECONDS_VAR: &str = "GREENWATCH_EXAMPLE_SECONDS";

/// The line printed once the watches exist; tests wait for it.
pub const READY: &str = "Watches established.";

/// The command line after the program name: options are taken out by name, then
/// positionals in order; [`Cli::finish`] rejects whatever is left.
#[derive(Debug)]
pub struct Cli {
    usage: &'static str,
    args: Vec<OsString>,
    /// The words after a `--`, never read as options.
    tail: Vec<OsString>,
}

impl Cli {
    /// Reads the process's arguments. `usage` is printed with every error.
    pub fn from_env(usage: &'static str) -> Cli {
        let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
        let tail = match args.iter().position(|a| a == "--") {
            Some(i) => args.split_off(i).into_iter().skip(1).collect(),
            None => Vec::new(),
        };
        if args.iter().any(|a| a == "-h" || a == "--help") {
            println!("usage: {usage}");
            std::process::exit(0);
        }
        Cli { usage, args, tail }
    }

    /// Prints `message` and the usage to stderr, and exits with status 2.
    pub fn fail(&self, message: impl Display) -> ! {
        eprintln!("error: {message}");
        eprintln!("usage: {}", self.usage);
        std::process::exit(2);
    }

    /// True if the switch `name` (e.g. `--no-coalesce`) was given; removes it.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.args.len();
        self.args.retain(|a| a != name);
        self.args.len() != before
    }

    /// The value of `name VALUE` or `name=VALUE`, removed from the arguments.
    pub fn value(&mut self, name: &str) -> Option<OsString> {
        let prefix = format!("{name}=");
        let i = self.args.iter().position(|a| a == name || a.to_str().is_some_and(|s| s.starts_with(&prefix)))?;
        let arg = self.args.remove(i);
        if arg != name {
            return Some(OsString::from(&arg.to_str().unwrap_or_default()[prefix.len()..]));
        }
        if i >= self.args.len() {
            self.fail(format_args!("{name} needs a value"));
        }
        Some(self.args.remove(i))
    }

    /// The value of `name` parsed as a `T`; a value that does not parse ends the program.
    pub fn parsed<T: FromStr>(&mut self, name: &str) -> Option<T>
    where
        T::Err: Display,
    {
        let raw = self.value(name)?;
        match raw.to_str().map(str::parse::<T>) {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => self.fail(format_args!("{name} {}: {e}", raw.to_string_lossy())),
            None => self.fail(format_args!("{name}: the value is not UTF-8")),
        }
    }

    /// A duration in seconds (decimals allowed) given as `name`.
    pub fn seconds(&mut self, name: &str) -> Option<Duration> {
        let secs: f64 = self.parsed(name)?;
        Some(duration_or_fail(self, name, secs))
    }

    /// How long the example runs: `--seconds N`, else `$GREENWATCH_EXAMPLE_SECONDS`,
    /// else `None` (until interrupted, like pyinotify's examples).
    pub fn run_time(&mut self) -> Option<Duration> {
        if let Some(d) = self.seconds("--seconds") {
            return Some(d);
        }
        let raw = std::env::var(SECONDS_VAR).ok()?;
        match raw.parse::<f64>() {
            Ok(secs) => Some(duration_or_fail(self, SECONDS_VAR, secs)),
            Err(e) => self.fail(format_args!("{SECONDS_VAR}={raw}: {e}")),
        }
    }

    /// The next positional argument, if any. Call after taking every option out.
    pub fn positional(&mut self) -> Option<OsString> {
        let i = self.args.iter().position(|a| !a.to_string_lossy().starts_with("--"))?;
        Some(self.args.remove(i))
    }

    /// The words after `--` (a command to run), taken out.
    pub fn tail(&mut self) -> Vec<OsString> {
        std::mem::take(&mut self.tail)
    }

    /// Ends the program if an argument was not used (an unknown option, one too many).
    pub fn finish(self) {
        if let Some(extra) = self.args.first().or(self.tail.first()) {
            self.fail(format_args!("unexpected argument {:?}", extra.to_string_lossy()));
        }
    }
}

fn duration_or_fail(cli: &Cli, name: &str, secs: f64) -> Duration {
    match Duration::try_from_secs_f64(secs) {
        Ok(d) => d,
        Err(e) => cli.fail(format_args!("{name} {secs}: {e}")),
    }
}

/// The directory to watch: the one given, or a fresh temporary one that lives as
/// long as this value.
#[derive(Debug)]
pub struct WatchedDir {
    /// The directory.
    pub path: PathBuf,
    _temp: Option<TempDir>,
}

impl WatchedDir {
    /// `arg` if given; otherwise a new temporary directory, whose path is printed.
    ///
    /// # Errors
    ///
    /// The I/O error of creating the temporary directory, with what was being done.
    pub fn from_arg(arg: Option<OsString>) -> Result<WatchedDir, String> {
        if let Some(path) = arg {
            return Ok(WatchedDir { path: PathBuf::from(path), _temp: None });
        }
        let temp = tempfile::Builder::new()
            .prefix("greenwatch-example-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let path = temp.path().to_path_buf();
        println!("Watching a fresh temporary directory: {}", path.display());
        Ok(WatchedDir { path, _temp: Some(temp) })
    }
}

/// Prints [`READY`] on stdout and flushes it.
pub fn say_ready() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{READY}").and_then(|()| out.flush());
}

/// Calls `stop.stop()` after `run_time` on a thread of its own; nothing if `None`.
pub fn stop_after(stop: StopHandle, run_time: Option<Duration>) {
    let Some(run_time) = run_time else { return };
    std::thread::spawn(move || {
        std::thread::sleep(run_time);
        stop.stop();
    });
}

/// Calls `stop` after `run_time` (if given) or on the first `SIGINT` or
/// `SIGTERM`, whichever comes first, so that the example ends cleanly, as
/// pyinotify's loop ends quietly on Ctrl-C. A second signal ends the process at
/// once, with status 1. `stop` may be called more than once.
///
/// # Errors
///
/// The OS error of installing the signal handlers.
pub fn stop_on_time_or_signal<F>(run_time: Option<Duration>, stop: F) -> std::io::Result<()>
where
    F: Fn() + Send + Sync + 'static,
{
    let stop = Arc::new(stop);
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&signalled))?;
    }
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let on_signal = Arc::clone(&stop);
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            signalled.store(true, Ordering::SeqCst);
            on_signal();
        }
    });
    if let Some(run_time) = run_time {
        std::thread::spawn(move || {
            std::thread::sleep(run_time);
            stop();
        });
    }
    Ok(())
}

/// [`stop_on_time_or_signal`] for a notifier: ends its loop.
///
/// # Errors
///
/// As [`stop_on_time_or_signal`].
pub fn stop_notifier_on_time_or_signal(stop: StopHandle, run_time: Option<Duration>) -> std::io::Result<()> {
    stop_on_time_or_signal(run_time, move || stop.stop())
}

/// What an example's `run` returns: any error, printed by [`report`].
pub type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// The exit status of `result`: success, or the error printed to stderr and failure.
pub fn report(result: Result) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
