//! Runs a build command each time a file with one of the given extensions is
//! saved under a directory tree.
//!
//! Ports pyinotify's `examples/autocompile.py` (`autocompile.py path .tex,.bib
//! "make pdf"`): a handler on `IN_MODIFY` checks the file's extension and runs
//! the command, split on spaces, in the watched directory; the tree is watched
//! recursively with `auto_add`. Differences, each on purpose:
//!
//! - The command is given as separate words after `--` (default: `make`) and run
//!   directly, never through a shell; the changed file reaches it in the
//!   environment variable `GREENWATCH_PATH`, never spliced into a command line.
//! - It runs on `IN_CLOSE_WRITE` and `IN_MOVED_TO`, once per save, rather than on
//!   every `IN_MODIFY` (one per `write(2)`, so several per save); `IN_MOVED_TO`
//!   catches editors that save by renaming a temporary file over the original.
//!
//! The command runs on the notifier's thread, as in the original: events that
//! arrive meanwhile wait in the kernel's queue. A command that itself writes
//! files with a watched extension into the tree triggers itself again.
//!
//! Usage: `autocompile [DIR] [--ext .tex,.bib] [--seconds N] [-- COMMAND [ARGS…]]`
//! (`--ext` defaults to `.rs`).

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "autocompile [DIR] [--ext .tex,.bib] [--seconds N] [-- COMMAND [ARGS...]]";

/// Runs the command when a file with a watched extension is written (the original's `OnWriteHandler`).
#[derive(Debug)]
struct OnWrite {
    cwd: PathBuf,
    extensions: Vec<String>,
    program: OsString,
    args: Vec<OsString>,
}

impl OnWrite {
    /// True if `path` ends with one of the extensions (compared as bytes).
    fn wanted(&self, path: &Path) -> bool {
        let bytes = path.as_os_str().as_bytes();
        self.extensions.iter().any(|ext| bytes.ends_with(ext.as_bytes()))
    }

    /// Runs the command in the watched directory and reports how it ended.
    fn run_command(&self, changed: &Path) {
        println!("==> Modification detected: {}", changed.display());
        let status = Command::new(&self.program)
            .args(&self.args)
            .current_dir(&self.cwd)
            .env("GREENWATCH_PATH", changed)
            .status();
        match status {
            Ok(status) if status.success() => println!("==> {} succeeded", self.program.to_string_lossy()),
            Ok(status) => println!("==> {} failed: {status}", self.program.to_string_lossy()),
            Err(e) => eprintln!("error: cannot run {}: {e}", self.program.to_string_lossy()),
        }
    }

    fn on_saved(&self, event: &Event) -> Flow {
        let path = event.pathname();
        if !event.is_dir() && self.wanted(&path) {
            self.run_command(&path);
        }
        Flow::Continue
    }
}

impl ProcessEvent for OnWrite {
    fn process_in_close_write(&mut self, event: &Event) -> Flow {
        self.on_saved(event)
    }

    fn process_in_moved_to(&mut self, event: &Event) -> Flow {
        self.on_saved(event)
    }
}

/// `.tex,.bib` → `[".tex", ".bib"]`; an entry without its dot gets one.
fn parse_extensions(list: &str) -> Vec<String> {
    let dotted = |ext: &str| if ext.starts_with('.') { ext.to_owned() } else { format!(".{ext}") };
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).map(dotted).collect()
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let extensions = parse_extensions(&cli.parsed::<String>("--ext").unwrap_or_else(|| ".rs".into()));
    if extensions.is_empty() {
        cli.fail("--ext needs at least one extension, such as .tex");
    }
    let mut words = cli.tail().into_iter();
    let program = words.next().unwrap_or_else(|| "make".into());
    let args = words.collect();
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, extensions, program, args, run_time))
}

fn run(
    dir: Option<OsString>,
    extensions: Vec<String>,
    program: OsString,
    args: Vec<OsString>,
    run_time: Option<Duration>,
) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let handler = OnWrite { cwd: dir.path.clone(), extensions, program, args };
    let wm = WatchManager::new()?;
    let mask = Mask::IN_CLOSE_WRITE | Mask::IN_MOVED_TO;
    wm.add_watch(&dir.path, mask).rec(true).auto_add(true).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, handler)?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    println!("==> Start monitoring {} (type ^C to exit)", dir.path.display());
    say_ready();
    notifier.run()?;
    Ok(())
}
