//! Overflow recovery and the watch limit's degraded mode against the real kernel.
//!
//! The queue overflow test needs the kernel's default queue (16,384 events,
//! read at `inotify_init`): if `/proc/sys/fs/inotify/max_queued_events` says
//! otherwise, it is set to 16,384 around `WatchManager::new()` and restored at once.

#[path = "../util/common.rs"]
mod common;

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use common::{Recorder, Tree, child_done, command_works, drain_until, is_child, run_child, settle, wait_event};
use greenwatch::{ErrorKind, Event, Mask, Notifier, WatchManager};

const QUEUE_LIMIT: &str = "/proc/sys/fs/inotify/max_queued_events";
const DEFAULT_QUEUE: u64 = 16_384;
const FILES: usize = 20_000;
const DIRS: usize = 50;
const FILES_PER_DIR: usize = 10;

/// A new watch manager whose kernel queue holds 16,384 events.
fn manager_with_default_queue() -> WatchManager {
    let old: u64 = fs::read_to_string(QUEUE_LIMIT).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(DEFAULT_QUEUE);
    if old == DEFAULT_QUEUE {
        return WatchManager::new().unwrap();
    }
    fs::write(QUEUE_LIMIT, DEFAULT_QUEUE.to_string()).expect("set max_queued_events (the tests run as root)");
    let wm = WatchManager::new();
    fs::write(QUEUE_LIMIT, old.to_string()).expect("restore max_queued_events");
    wm.unwrap()
}

/// What the test creates while the notifier does not read.
fn expected_creates(t: &Tree) -> Vec<(PathBuf, Mask)> {
    let mut paths: Vec<(PathBuf, Mask)> = (0..FILES).map(|i| (t.p(&format!("f{i}")), Mask::IN_CREATE)).collect();
    for d in 0..DIRS {
        paths.push((t.p(&format!("d{d}")), Mask::IN_CREATE | Mask::IN_ISDIR));
        paths.extend((0..FILES_PER_DIR).map(|i| (t.p(&format!("d{d}/g{i}")), Mask::IN_CREATE)));
    }
    paths
}

fn create_everything(t: &Tree) {
    for i in 0..FILES {
        fs::write(t.p(&format!("f{i}")), b"").unwrap();
    }
    for d in 0..DIRS {
        fs::create_dir(t.p(&format!("d{d}"))).unwrap();
        for i in 0..FILES_PER_DIR {
            fs::write(t.p(&format!("d{d}/g{i}")), b"").unwrap();
        }
    }
}

/// How many events of each (pathname, mask).
fn counts(events: &[Event]) -> HashMap<(PathBuf, Mask), usize> {
    let mut counts = HashMap::new();
    for e in events.iter().filter(|e| e.mask().intersects(Mask::IN_CREATE)) {
        *counts.entry((e.pathname().into_owned(), e.mask())).or_insert(0) += 1;
    }
    counts
}

#[test]
fn an_overflow_is_reported_and_recovered_without_loss() {
    let t = Tree::new();
    let wm = manager_with_default_queue();
    wm.set_recovery(true);
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    let rec = Recorder::new();
    let mut n = Notifier::new(wm.clone(), rec.clone()).unwrap();
    create_everything(&t);

    let ended = || rec.events().iter().any(|e| e.mask() == Mask::GW_RESYNC_END);
    drain_until(&mut n, ended, Duration::from_secs(60));
    settle(&mut n);
    let events = rec.take();
    let overflow = events.iter().position(Event::is_overflow).expect("IN_Q_OVERFLOW reaches the handler");
    assert_eq!(events[overflow].wd(), -1);
    let start = events.iter().position(|e| e.mask() == Mask::GW_RESYNC_START).unwrap();
    let end = events.iter().position(|e| e.mask() == Mask::GW_RESYNC_END).unwrap();
    assert!(overflow < start && start < end, "overflow, then the resync's notices");
    assert!(events[start + 1..end].iter().all(Event::is_recovered), "what the resync reports is marked");
    assert!(events[start + 1..end].iter().any(|e| e.mask() == Mask::IN_CREATE), "the resync found lost creates");

    let counts = counts(&events);
    let expected = expected_creates(&t);
    let wrong: Vec<_> = expected.iter().filter(|k| counts.get(k) != Some(&1)).take(5).collect();
    assert!(wrong.is_empty(), "not reported exactly once (first 5): {wrong:?}");
    assert_eq!(counts.len(), expected.len(), "nothing else was reported");

    // Every new directory is watched: a file created in each afterwards is reported.
    for d in 0..DIRS {
        assert!(wm.get_wd(t.p(&format!("d{d}"))).is_some(), "d{d} is watched");
        fs::write(t.p(&format!("d{d}/late")), b"").unwrap();
    }
    let all_late = |ev: &[Event]| (0..DIRS).all(|d| ev.iter().any(|e| e.pathname() == t.p(&format!("d{d}/late"))));
    common::wait_for(&mut n, &rec, all_late);
}

#[test]
fn an_overflow_without_recovery_is_still_delivered() {
    let t = Tree::new();
    let wm = manager_with_default_queue();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let rec = Recorder::new();
    let mut n = Notifier::new(wm.clone(), rec.clone()).unwrap();
    for i in 0..FILES {
        fs::write(t.p(&format!("f{i}")), b"").unwrap();
    }
    let seen = || rec.events().iter().any(Event::is_overflow);
    drain_until(&mut n, seen, Duration::from_secs(30));
    settle(&mut n);
    assert!(rec.events().iter().all(|e| !e.is_recovered() && e.mask() != Mask::GW_RESYNC_START));
}

// ---- The watch limit (a user namespace with its own max_inotify_watches) ----

const WATCH_LIMIT: u32 = 8;

#[test]
fn the_watch_limit_degrades_then_recovers() {
    let set = format!("echo {WATCH_LIMIT} > /proc/sys/user/max_inotify_watches");
    if !command_works("unshare", &["-U", "-r", "sh", "-c", &set]) {
        eprintln!("skipped: `unshare -U -r` cannot set max_inotify_watches in a user namespace here");
        return;
    }
    let script = format!("{set} && exec \"$0\" \"$@\"");
    run_child("child_watch_limit_degrades", &["unshare", "-U", "-r", "sh", "-c", &script]);
}

#[test]
fn child_watch_limit_degrades() {
    if !is_child("child_watch_limit_degrades") {
        return;
    }
    let t = Tree::new();
    let dirs: Vec<String> = (0..20).map(|i| format!("d{i}/e")).collect();
    t.mkdirs(&dirs.iter().map(String::as_str).collect::<Vec<_>>());

    let wm = WatchManager::new().unwrap();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    let errors: Vec<_> = results.errors().collect();
    assert_eq!(errors.len(), 1, "one warning, not one per directory: {errors:?}");
    assert_eq!(errors[0].kind(), ErrorKind::WatchLimit);
    let text = errors[0].to_string();
    assert!(text.contains("sysctl fs.inotify.max_user_watches="), "{text}");
    assert!(text.contains("this process holds"), "{text}");
    let unwatched = wm.unwatched();
    assert_eq!(unwatched.len() + wm.len(), 41, "every directory is watched or listed");
    assert!(text.contains(&format!("{} directories are left unwatched", unwatched.len())), "{text}");

    // The limit is raised: a retry fills the unwatched directories in.
    fs::write("/proc/sys/user/max_inotify_watches", "1000").unwrap();
    assert_eq!(wm.retry_unwatched().unwrap(), unwatched.len());
    assert!(wm.unwatched().is_empty());
    let rec = Recorder::new();
    let mut n = Notifier::new(wm.clone(), rec.clone()).unwrap();
    for dir in &unwatched {
        fs::write(dir.join("new"), b"").unwrap();
    }
    for dir in &unwatched {
        wait_event(&mut n, &rec, Mask::IN_CREATE, dir.join("new"));
    }
    child_done();
}
