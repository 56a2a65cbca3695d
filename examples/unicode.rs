//! Watches a directory with a non-ASCII name, creates files whose names are
//! Unicode or not UTF-8 at all, and prints their events with the names' exact bytes.
//!
//! Ports pyinotify's `examples/unicode.py`, which creates `/tmp/testф`, watches
//! it for `IN_OPEN`, widens the watch to `ALL_EVENTS` with `update_watch`, and
//! loops with debug logging. pyinotify decodes names with the file system
//! encoding, and a name that does not decode is trouble there; greenwatch keeps
//! names and paths as bytes (`OsStr`), never decoded. Here the watch is added
//! and then widened with [`WatchManager::update_watch`] the same way, and each
//! event is printed twice: in pyinotify's form (`Display`, where a byte that is
//! not UTF-8 shows as `\xNN`), then as `raw pathname: ` followed by the
//! pathname's bytes written to stdout untouched.
//!
//! Usage: `unicode [DIR] [--no-create] [--seconds N]`: the watched directory is
//! `DIR/testф`; without `--no-create`, the example creates the sample files in it
//! once the watch is in place.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "unicode [DIR] [--no-create] [--seconds N]";

/// The watched subdirectory, named as in pyinotify's example.
const WATCHED: &str = "testф";

/// Names of the files created: Cyrillic, CJK with an emoji, and Latin-1 bytes
/// (`café` with `é` as the single byte 0xe9), which are not UTF-8.
const SAMPLES: [&[u8]; 3] = ["файл.txt".as_bytes(), "日本語-🦀.txt".as_bytes(), b"caf\xe9-latin1.txt"];

/// Prints each event in pyinotify's form, then its pathname's raw bytes.
#[derive(Debug)]
struct PrintBytes;

impl ProcessEvent for PrintBytes {
    fn process_default(&mut self, event: &Event) -> Flow {
        let mut out = std::io::stdout().lock();
        let written = writeln!(out, "{event}")
            .and_then(|()| out.write_all(b"raw pathname: "))
            .and_then(|()| out.write_all(event.pathname().as_os_str().as_bytes()))
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            eprintln!("error: cannot write to stdout: {e}");
            return Flow::Stop;
        }
        Flow::Continue
    }
}

/// Creates the sample files in `dir`; a name the file system refuses is reported and skipped.
fn create_samples(dir: &Path) {
    for name in SAMPLES {
        let path = dir.join(OsStr::from_bytes(name));
        if let Err(e) = File::create(&path) {
            eprintln!("error: cannot create {}: {e}", path.display());
        }
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let create = !cli.flag("--no-create");
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, create, run_time))
}

fn run(dir: Option<OsString>, create: bool, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let watched = dir.path.join(WATCHED);
    std::fs::create_dir_all(&watched).map_err(|e| format!("cannot create {}: {e}", watched.display()))?;

    let wm = WatchManager::new()?;
    let added = wm.add_watch(&watched, Mask::IN_OPEN).quiet(false).apply()?;
    let wd = added.wd(&watched).ok_or("the watch was not added")?;
    wm.update_watch(wd).mask(Mask::ALL_EVENTS).quiet(false).apply()?;
    println!("Watching {} (wd {wd}) for all events", watched.display());

    let mut notifier = Notifier::new(wm, PrintBytes)?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    say_ready();
    if create {
        create_samples(&watched);
    }
    notifier.run()?;
    Ok(())
}
