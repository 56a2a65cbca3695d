//! The cap on watches (`WatchManager::set_max_watches`, `--max-watches`) against
//! the real kernel: the walk, auto_add and the CLI stop at the cap and leave the
//! rest unwatched, reported once, in the watch limit's degraded mode.

use std::fs;

use greenwatch::{ErrorKind, Mask};

use crate::common::{Tree, notifier, wait_event};

/// The inotify watches process `pid` holds (`/proc/PID/fdinfo`).
fn kernel_watches(pid: &str) -> usize {
    let entries = fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap();
    let texts = entries.filter_map(|e| fs::read_to_string(e.unwrap().path()).ok());
    texts.map(|t| t.lines().filter(|l| l.starts_with("inotify wd:")).count()).sum()
}

#[test]
fn the_library_stops_at_the_cap_and_reports_the_rest_once() {
    let t = Tree::new();
    t.mkdirs(&["a/x", "a/y", "b", "c", "d"]);
    let (wm, mut n, rec) = notifier();
    wm.set_max_watches(Some(4));
    assert_eq!(wm.max_watches(), Some(4));
    let added = wm.add_watch(&t.w, Mask::ALL_EVENTS).rec(true).auto_add(true).apply().unwrap();
    assert_eq!(added.watched(), 4);
    let errors: Vec<_> = added.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind(), ErrorKind::WatchLimit);
    assert!(errors[0].to_string().contains("cap of 4 watches"), "{}", errors[0]);
    assert_eq!(wm.len(), 4);
    assert_eq!(wm.unwatched().len(), 3);
    // A new tree under auto_add: reported, left unwatched, one failure.
    t.mkdirs(&["new/deep"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, t.p("new"));
    assert_eq!(wm.len(), 4);
    let failures = wm.take_failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(wm.unwatched().len(), 5);
    wm.set_max_watches(None);
    assert_eq!(wm.retry_unwatched().unwrap(), 5);
    assert_eq!(wm.len(), 9);
    assert!(wm.unwatched().is_empty());
}

#[test]
fn cli_max_watches_caps_the_watches_held() {
    let t = Tree::new();
    t.mkdirs(&["a", "b", "c", "d", "e"]);
    let w = t.w.display().to_string();
    let mut watcher = crate::cli_util::Watcher::spawn(["--max-watches", "3", "-r", "-a", w.as_str()]);
    let warning = watcher.wait_stderr(|l| l.contains("cap of 3 watches"));
    assert!(warning.contains("3 directories are left unwatched"), "{warning}");
    watcher.wait_established();
    t.mkdirs(&["f"]);
    watcher.wait_stderr(|l| l.contains("cap of 3 watches") && l.contains("/f"));
    // The three watches, and the hidden one on the parent of the root.
    assert_eq!(kernel_watches(&watcher.pid().to_string()), 4);
    watcher.signal("TERM");
    let (status, _, _) = watcher.finish();
    assert!(status.success(), "{status}");
}
