//! Establishing the initial watches: one `add_watch` call, its warnings, and
//! progress while a big tree is walked (see [`Progress`]).
//!
//! pyinotify counterpart: the `wm.add_watch(paths, mask, rec, auto_add, do_glob)` call of the CLI.

use std::time::{Duration, Instant};

use greenwatch::{AddResults, ExcludeFilter, Mask, Outcome, WatchManager};

use crate::args::Args;
use crate::fail::Fail;
use crate::progress::Progress;

/// Adds the watches the command line asks for, prints a warning per path that
/// failed and, once at least one path is watched, `Watches established.`.
///
/// # Errors
///
/// [`Fail::Reported`] when nothing could be watched (the reasons are printed),
/// [`Fail::Usage`] for a bad glob or an empty mask.
pub fn establish(wm: &WatchManager, args: &Args, mask: Mask, filter: Option<ExcludeFilter>) -> Result<(), Fail> {
    if args.verbose {
        eprintln!("greenwatch: watching {} with mask {}", list_paths(args), mask.maskname());
    }
    let started = Instant::now();
    let progress = Progress::start(args.verbose, args.recursive);
    let mut add = wm.add_watch(args.paths.as_slice(), mask);
    add = add.rec(args.recursive).auto_add(args.auto_add).do_glob(args.glob);
    if let Some(filter) = filter {
        add = add.exclude_filter(filter);
    }
    let results = add.apply();
    drop(progress);
    let results = results?;
    for err in results.errors() {
        eprintln!("greenwatch: {err}");
    }
    check_something_watched(&results, args)?;
    if args.verbose {
        summarize(&results, started.elapsed());
    }
    eprintln!("Watches established.");
    Ok(())
}

/// The paths and options, for `-v`.
fn list_paths(args: &Args) -> String {
    let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    let flags = [(args.recursive, " (recursive)"), (args.auto_add, " (auto-add)"), (args.glob, " (glob)")];
    let flags: String = flags.iter().filter(|(on, _)| *on).map(|(_, text)| *text).collect();
    format!("{}{flags}", paths.join(", "))
}

/// Fails when no path ended up watched, saying why unless the errors already did.
fn check_something_watched(results: &AddResults, args: &Args) -> Result<(), Fail> {
    if results.watched() > 0 {
        return Ok(());
    }
    if results.errors().next().is_some() {
        return Err(Fail::Reported);
    }
    if results.is_empty() && args.glob {
        return Err(Fail::runtime("no path matches the given patterns"));
    }
    Err(Fail::runtime("nothing to watch: every path is excluded"))
}

/// `-v`: how many watches, how long it took, what was left out.
fn summarize(results: &AddResults, took: Duration) {
    let excluded = results.iter().filter(|(_, o)| matches!(o, Outcome::Excluded)).count();
    let failed = results.errors().count();
    eprintln!(
        "greenwatch: {} watches added in {:.3}s ({excluded} excluded, {failed} failed)",
        results.watched(),
        took.as_secs_f64()
    );
}
