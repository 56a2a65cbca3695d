//! Shows what `quiet(false)` changes: a failure becomes an error instead of an
//! entry in the results.
//!
//! Ports pyinotify's `examples/not_quiet.py`, which adds `/tmp` and a missing
//! path twice (quietly, printing the `{path: wd}` result with its `-1`, then with
//! `quiet=False`, catching `WatchManagerError`), then calls `update_watch` and
//! `rm_watch` on the unknown descriptor 42 with `quiet=False`. Here the quiet
//! results are [`AddResults`] (one [`Outcome`] per path, a failure carrying its
//! [`Error`](greenwatch::Error)), and `quiet(false)` makes `apply` return the
//! first failure as `Err`, whose message names the path. pyinotify's error also
//! carries the watches added before the failure (`err.wmd`); here those watches
//! stay, and [`WatchManager::watches`] lists them.
//!
//! The program exits with status 1 when a `quiet(false)` call failed, which it
//! does by design with the default arguments.
//!
//! Usage: `not_quiet [DIR] [MISSING]` (MISSING defaults to `DIR/does-not-exist`;
//! `--seconds` is accepted for symmetry with the other examples: this one never waits).

mod common;

use std::ffi::OsString;
use std::process::ExitCode;

use greenwatch::{AddResults, Mask, Outcome, WatchManager};

use common::{Cli, WatchedDir};

const USAGE: &str = "not_quiet [DIR] [MISSING] [--seconds N]";

/// A descriptor no watch has.
const UNKNOWN_WD: i32 = 42;

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let _ = cli.run_time();
    let dir = cli.positional();
    let missing = cli.positional();
    cli.finish();
    match run(dir, missing) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failures) => {
            println!("{failures} call(s) with quiet(false) failed.");
            ExitCode::FAILURE
        }
        Err(e) => common::report(Err(e)),
    }
}

/// Runs the four calls; returns how many of the strict ones failed.
fn run(dir: Option<OsString>, missing: Option<OsString>) -> common::Result<usize> {
    let dir = WatchedDir::from_arg(dir)?;
    let missing = missing.map_or_else(|| dir.path.join("does-not-exist"), Into::into);
    let paths = [dir.path.as_path(), missing.as_path()];
    let wm = WatchManager::new()?;

    println!("add_watch, quiet (the default): failures are results");
    print_results(&wm.add_watch(paths, Mask::ALL_EVENTS).apply()?);

    println!("add_watch, quiet(false): the first failure is an error");
    let mut failures = 0;
    failures += strict("add_watch", wm.add_watch(paths, Mask::ALL_EVENTS).quiet(false).apply());
    for watch in wm.watches() {
        println!("  still watched: {}", watch.path().display());
    }

    println!("update_watch({UNKNOWN_WD}), quiet(false)");
    failures += strict("update_watch", wm.update_watch(UNKNOWN_WD).mask(Mask::IN_MODIFY).quiet(false).apply());
    println!("rm_watch({UNKNOWN_WD}), quiet(false)");
    failures += strict("rm_watch", wm.rm_watch(UNKNOWN_WD).quiet(false).apply());
    Ok(failures)
}

/// Prints one line per path: its wd, or why it is not watched.
fn print_results(results: &AddResults) {
    for (path, outcome) in results.iter() {
        match outcome {
            Outcome::Added(wd) => println!("  {} -> wd {wd}", path.display()),
            Outcome::Excluded => println!("  {} -> excluded", path.display()),
            Outcome::Failed(e) => println!("  {} -> failed ({}): {e}", path.display(), outcome.code()),
            _ => println!("  {} -> {outcome:?}", path.display()),
        }
    }
}

/// Prints the error of a strict call to stderr; returns 1 if it failed, 0 otherwise.
fn strict<T>(call: &str, result: greenwatch::Result<T>) -> usize {
    match result {
        Ok(_) => {
            println!("  {call} succeeded");
            0
        }
        Err(e) => {
            eprintln!("error: {call} failed: {e} (kind {:?})", e.kind());
            1
        }
    }
}
