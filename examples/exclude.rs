//! Watches a tree recursively except for the directories that exclude patterns
//! name, and prints the events of the rest.
//!
//! Ports pyinotify's `examples/exclude.py`, which builds an `ExcludeFilter`
//! twice, from the file `exclude.lst` and from a list of regexes
//! (`'^/etc/rc.*'`, …), and passes each as `add_watch(…, rec=True,
//! exclude_filter=…)`. Here [`ExcludeFilter::from_file`] reads
//! `examples/exclude.lst` (version-control, dependency and cache directories
//! anywhere) and [`ExcludeFilter::new`] takes a list built from the watched
//! directory (its `build`, `target` and `dist` subdirectories); the two are
//! joined with [`ExcludeFilter::union`] and given to
//! [`AddWatch::exclude_filter`](greenwatch::AddWatch::exclude_filter).
//!
//! A pattern matches at the start of a directory's absolute path, as pyinotify's
//! `re.match` does. Unlike pyinotify, an excluded directory is not walked
//! either, and with `auto_add` the filter also applies to directories created
//! later. Files are never filtered: an event about an excluded directory's own
//! entry in a watched one (its `IN_CREATE`) is still reported; its contents are not.
//!
//! Usage: `exclude [DIR] [--exclude-from FILE] [--seconds N]`

mod common;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use greenwatch::{ExcludeFilter, Mask, Notifier, Outcome, PrintAllEvents, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "exclude [DIR] [--exclude-from FILE] [--seconds N]";

/// The list shipped next to this example.
const DEFAULT_LIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/exclude.lst");

/// Subdirectories of the watched directory excluded by the list built in code.
const BUILD_DIRS: &str = "(build|target|dist)";

/// `path` made absolute and without `.` or `..`, as `add_watch` stores it.
fn absolute_clean(path: &Path) -> std::io::Result<PathBuf> {
    let mut out = PathBuf::new();
    for part in std::path::absolute(path)?.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

/// A regex matching `path`'s bytes literally, non-ASCII bytes included.
fn escape_path(path: &Path) -> String {
    let mut out = String::new();
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii() {
            out.push_str(&regex::escape(char::from(byte).encode_utf8(&mut [0; 4])));
        } else {
            let _ = write!(out, "(?-u:\\x{byte:02x})");
        }
    }
    out
}

/// pyinotify's "method 2": patterns given as a list, here rooted at `root`.
fn list_filter(root: &Path) -> greenwatch::Result<ExcludeFilter> {
    let rooted = format!("^{}/{BUILD_DIRS}$", escape_path(root));
    ExcludeFilter::new([rooted])
}

/// Prints what `add_watch` did with each directory.
fn print_results(results: greenwatch::AddResults) {
    for (path, outcome) in results {
        match outcome {
            Outcome::Added(wd) => println!("watched  {} (wd {wd})", path.display()),
            Outcome::Excluded => println!("excluded {}", path.display()),
            Outcome::Failed(e) => println!("failed   {e}"),
            other => println!("{other:?} {}", path.display()),
        }
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let list = cli.value("--exclude-from").map_or_else(|| PathBuf::from(DEFAULT_LIST), PathBuf::from);
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(dir, &list, run_time))
}

fn run(dir: Option<OsString>, list: &Path, run_time: Option<Duration>) -> common::Result {
    let dir = WatchedDir::from_arg(dir)?;
    let root = absolute_clean(&dir.path)?;
    // pyinotify's "method 1": patterns read from a file.
    let from_file = ExcludeFilter::from_file(list)?;
    let filter = from_file.union(&list_filter(&root)?)?;
    for pattern in filter.patterns() {
        println!("exclude pattern: {pattern}");
    }

    let wm = WatchManager::new()?;
    let added = wm.add_watch(&root, Mask::ALL_EVENTS).rec(true).auto_add(true).exclude_filter(filter).apply()?;
    print_results(added);
    let mut notifier = Notifier::new(wm, PrintAllEvents::new())?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), run_time)?;
    say_ready();
    notifier.run()?;
    Ok(())
}
