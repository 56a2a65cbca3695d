//! Walks in bounded steps on the async core: a 5,000-directory tree (5,051
//! directories) moved into a recursive auto_add watch is watched and reported
//! whole, and the overflow resync of such a tree reports every lost name once,
//! while a 2 ms timer task on the same thread keeps its turns. So does one
//! directory of 20,000 files, listed a chunk of entries per step: new, moved
//! in, left unread by an overflow and resynced, or in a tree added by
//! `AddWatch::apply_async`. The timer's longest gap is printed (run with
//! `--nocapture`; the figure to publish comes from a release build:
//! `cargo test --release --test green walk_steps:: -- --nocapture`); speed
//! targets are not asserted in tests.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future;
use greenwatch::{AsyncNotifier, Mask, WatchManager};
use smol::LocalExecutor;

use crate::async_common::{Recorder, within};

const TOP: usize = 50;
const PER: usize = 100;
const TICK: Duration = Duration::from_millis(2);

/// `TOP` directories of `PER` empty ones each below `root`.
fn make_tree(root: &Path) {
    for i in 0..TOP {
        for j in 0..PER {
            fs::create_dir_all(root.join(format!("d{i}")).join(format!("e{j}"))).unwrap();
        }
    }
}

/// A task that ticks every [`TICK`] until `done` is set, keeping the longest
/// gap between two ticks in `longest` (reset it once the timer runs).
fn ticking() -> (impl Future<Output = ()>, Rc<Cell<Duration>>, Rc<Cell<bool>>) {
    let longest = Rc::new(Cell::new(Duration::ZERO));
    let done = Rc::new(Cell::new(false));
    let (l, d) = (longest.clone(), done.clone());
    let timer = async move {
        let mut last = Instant::now();
        while !d.get() {
            async_io::Timer::after(TICK).await;
            let now = Instant::now();
            l.set(l.get().max(now - last));
            last = now;
        }
    };
    (timer, longest, done)
}

/// Runs an `AsyncNotifier` for `wm` (recording into `rec`) on a `LocalExecutor`
/// beside a [`TICK`] timer: once the timer runs, `start` is called, then the
/// notifier runs until `done` holds (within 60 s) and a settle. Returns the
/// timer's longest gap meanwhile.
fn with_a_timer(wm: &WatchManager, rec: &Recorder, start: impl FnOnce(), done: impl Fn() -> bool) -> Duration {
    let ex = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm.clone(), rec.clone()).unwrap().with_executor(&ex);
    let handle = notifier.handle();
    let (timer, longest, stop_timer) = ticking();
    let body = async {
        async_io::Timer::after(Duration::from_millis(20)).await; // the timer has started
        longest.set(Duration::ZERO);
        start();
        let end = Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(Instant::now() < end, "not done after 60 s");
            async_io::Timer::after(Duration::from_millis(5)).await;
        }
        handle.settle().await.unwrap();
        stop_timer.set(true);
        handle.stop();
    };
    let (run, ((), ())) =
        smol::block_on(within(Duration::from_secs(120), ex.run(future::zip(notifier.run(), future::zip(body, timer)))));
    run.unwrap();
    longest.get()
}

#[test]
fn a_moved_in_tree_is_walked_in_steps_while_a_timer_keeps_ticking() {
    let tmp = tempfile::tempdir().unwrap();
    let top = fs::canonicalize(tmp.path()).unwrap();
    let (w, staged) = (top.join("w"), top.join("m"));
    fs::create_dir(&w).unwrap();
    make_tree(&staged);
    let dirs = 1 + TOP + TOP * PER;
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&w, Mask::IN_CREATE | Mask::IN_MOVED_TO).rec(true).auto_add(true).apply().unwrap();
    let rec = Recorder::new();
    let start = || fs::rename(&staged, w.join("m")).unwrap();
    let longest = with_a_timer(&wm, &rec, start, || wm.len() > dirs);
    assert_eq!(wm.len(), dirs + 1, "every directory watched");
    let creates = rec.names(Mask::IN_CREATE);
    assert_eq!(creates.len(), dirs - 1, "each directory below the moved one reported once");
    eprintln!(
        "{dirs} directories moved in: the {TICK:?} timer's longest gap was {:.1} ms",
        longest.as_secs_f64() * 1000.0
    );
}

/// Files created in the tree's first leaf: enough to overflow a default
/// kernel queue (16,384 events) with room to spare.
const LOST: usize = 20_000;

/// The kernel queue's limit if [`LOST`] files overflow it; `None` (the test
/// says it is skipped) if the limit is that high or unreadable.
fn queue_limit_below_lost() -> Option<u64> {
    let limit = greenwatch::limits::read("max_queued_events").ok().filter(|l| *l < LOST as u64);
    if limit.is_none() {
        eprintln!("skipped: fs.inotify.max_queued_events is {LOST} or more: the files would not overflow it");
    }
    limit
}

#[test]
fn an_overflow_resync_of_a_large_tree_goes_in_steps_and_reports_each_name_once() {
    let Some(limit) = queue_limit_below_lost() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let w = fs::canonicalize(tmp.path()).unwrap();
    make_tree(&w);
    let leaf = w.join("d0").join("e0");
    let names: Vec<String> = (0..LOST).map(|i| format!("f{i}")).collect();
    let longest = overflow_then_resync(&w, &leaf, &names, limit);
    eprintln!(
        "an overflow resync of {} directories: the {TICK:?} timer's longest gap was {:.1} ms",
        1 + TOP + TOP * PER,
        longest.as_secs_f64() * 1000.0
    );
}

/// Watches `w` recursively (recovery on), creates `names` in `dir` while
/// nobody reads, so that the kernel queue (limit `limit`) overflows, then runs
/// the notifier beside the timer until the resync ends. Asserts the overflow
/// came and each name was reported once; returns the timer's longest gap.
fn overflow_then_resync(w: &Path, dir: &Path, names: &[String], limit: u64) -> Duration {
    let wm = WatchManager::new().unwrap();
    wm.set_recovery(true);
    wm.add_watch(w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    crate::async_common::touch_all(dir, names.iter().cloned()); // nobody reads: the queue overflows
    let rec = Recorder::new();
    let resynced = || rec.events().iter().any(|e| e.mask() == Mask::GW_RESYNC_END);
    let longest = with_a_timer(&wm, &rec, || {}, resynced);
    assert!(rec.events().iter().any(|e| e.is_overflow()), "the queue overflowed (limit {limit})");
    assert_each_once(&rec, dir, names);
    longest
}

/// Asserts that `rec` holds one `IN_CREATE` for each of `names` in `dir`, and no other.
fn assert_each_once(rec: &Recorder, dir: &Path, names: &[String]) {
    let events = rec.events();
    let mut counts: HashMap<PathBuf, usize> = HashMap::new();
    for e in events.iter().filter(|e| e.mask() == Mask::IN_CREATE) {
        *counts.entry(e.pathname().into_owned()).or_default() += 1;
    }
    let wrong: Vec<_> = names.iter().map(|n| dir.join(n)).filter(|p| counts.get(p) != Some(&1)).take(5).collect();
    assert!(wrong.is_empty(), "not reported exactly once (first 5): {wrong:?}");
    assert_eq!(counts.len(), names.len(), "nothing else was reported");
}

/// `LOST` names of files, one directory's worth.
fn lost_names() -> Vec<String> {
    (0..LOST).map(|i| format!("file-{i:05}")).collect()
}

/// How many `IN_CREATE`s of files `rec` holds.
fn file_creates(rec: &Recorder) -> usize {
    rec.events().iter().filter(|e| e.mask() == Mask::IN_CREATE).count()
}

#[test]
fn a_new_directory_of_20000_files_is_listed_in_steps_and_each_file_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let w = fs::canonicalize(tmp.path()).unwrap();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    let n = w.join("n");
    fs::create_dir(&n).unwrap(); // its IN_CREATE waits in the kernel queue…
    let names = lost_names();
    crate::async_common::touch_all(&n, names.iter().cloned()); // …and its files, unwatched yet, make none
    let rec = Recorder::new();
    // The walk may be over before the timer's gap is measured: the figure of
    // a huge directory walked comes from the moved-in one below.
    let _ = with_a_timer(&wm, &rec, || {}, || file_creates(&rec) >= LOST);
    assert_eq!(wm.len(), 2, "the new directory is watched");
    assert_each_once(&rec, &n, &names);
}

#[test]
fn a_directory_of_20000_files_moved_in_is_listed_in_steps_and_each_file_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let top = fs::canonicalize(tmp.path()).unwrap();
    let (w, staged) = (top.join("w"), top.join("m"));
    fs::create_dir_all(staged.join("sub")).unwrap();
    fs::create_dir(&w).unwrap();
    let names = lost_names();
    crate::async_common::touch_all(&staged, names.iter().cloned());
    let wm = WatchManager::new().unwrap();
    wm.set_recovery(true);
    wm.add_watch(&w, Mask::IN_CREATE | Mask::IN_MOVED_TO).rec(true).auto_add(true).apply().unwrap();
    let rec = Recorder::new();
    let start = || fs::rename(&staged, w.join("m")).unwrap();
    let longest = with_a_timer(&wm, &rec, start, || file_creates(&rec) >= LOST);
    assert_eq!(wm.len(), 3, "m and m/sub watched");
    assert_each_once(&rec, &w.join("m"), &names);
    let named: usize = names.iter().map(String::len).sum();
    assert!(wm.recovery_bytes() > named, "m's record holds every name: {} bytes", wm.recovery_bytes());
    eprintln!(
        "a directory of {LOST} files moved in: the {TICK:?} timer's longest gap was {:.1} ms",
        longest.as_secs_f64() * 1000.0
    );
}

#[test]
fn an_overflow_resync_of_one_directory_of_20000_files_goes_in_steps() {
    let Some(limit) = queue_limit_below_lost() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let w = fs::canonicalize(tmp.path()).unwrap();
    let big = w.join("big");
    fs::create_dir(&big).unwrap();
    let longest = overflow_then_resync(&w, &big, &lost_names(), limit);
    eprintln!(
        "an overflow resync of one directory of {LOST} files: the {TICK:?} timer's longest gap was {:.1} ms",
        longest.as_secs_f64() * 1000.0
    );
}

/// Awaits `walk`, counting its polls: it gave the thread back one time fewer.
async fn counting_polls<T>(walk: impl Future<Output = T>) -> (T, usize) {
    let mut walk = std::pin::pin!(walk);
    let mut polls = 0;
    let out = future::poll_fn(|cx| {
        polls += 1;
        walk.as_mut().poll(cx)
    })
    .await;
    (out, polls)
}

#[test]
fn apply_async_adds_a_tree_holding_20000_files_in_one_directory_in_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let w = fs::canonicalize(tmp.path()).unwrap();
    let big = w.join("big");
    for sub in ["big/a", "big/b/c", "big/d", "z"] {
        fs::create_dir_all(w.join(sub)).unwrap();
    }
    let names = lost_names();
    crate::async_common::touch_all(&big, names.iter().cloned());
    let wm = WatchManager::new().unwrap();
    wm.set_recovery(true); // the listing becomes big's record too
    let (timer, longest, stop_timer) = ticking();
    let add = async {
        async_io::Timer::after(Duration::from_millis(20)).await; // the timer has started
        longest.set(Duration::ZERO);
        let adding = wm.add_watch(&w, Mask::IN_CREATE).rec(true).apply_async();
        let (added, polls) = counting_polls(adding).await;
        stop_timer.set(true);
        (added.unwrap(), polls)
    };
    let ex = LocalExecutor::new();
    let ((added, polls), ()) = smol::block_on(within(Duration::from_secs(120), ex.run(future::zip(add, timer))));
    eprintln!(
        "apply_async of a tree holding {LOST} files in one directory: {polls} polls, the {TICK:?} timer's longest gap was {:.1} ms",
        longest.get().as_secs_f64() * 1000.0
    );
    assert_eq!(added.watched(), 7, "w, big, big/a, big/b, big/b/c, big/d and z");
    assert_eq!(wm.len(), 7, "every directory watched");
    let named: usize = names.iter().map(String::len).sum();
    assert!(wm.recovery_bytes() > named, "big's record holds every name: {} bytes", wm.recovery_bytes());
    // At most 1,024 entries a step: 20,000 of them take 20 steps, each
    // followed by a yield; listed whole, they took one.
    assert!(polls > 10, "the walk gave the thread back between chunks of big's listing: {polls} polls");
}
