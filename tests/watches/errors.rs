//! Every error kind, provoked for real: missing paths, permissions (as an
//! unprivileged user), the per-user watch and instance limits (inside a user
//! namespace with its own limits), `IN_ONLYDIR`, bad masks and bad patterns.
//!
//! The tests named `child_*` are bodies run in a child process by the test
//! above them; run directly, they return at once.

#[path = "../util/common.rs"]
mod common;

use std::fs::{self, DirBuilder};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use common::{Recorder, Tree, child_done, command_works, is_child, notifier, run_child, running_as_root, wait_event};
use greenwatch::{
    Error, ErrorKind, Event, ExcludeFilter, Flow, Mask, Notifier, Outcome, ThreadedNotifier, WatchManager,
};

// ---- NotFound --------------------------------------------------------------

#[test]
fn missing_path_not_quiet_is_an_error_naming_the_path() {
    let t = Tree::new();
    let missing = t.p("missing");
    let wm = WatchManager::new().unwrap();
    let err = wm.add_watch(&missing, Mask::IN_CREATE).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.path(), Some(missing.as_path()));
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    assert_eq!(err.to_string(), format!("cannot watch {}: no such file or directory", missing.display()));
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::NotFound);
    assert!(wm.is_empty());
}

#[test]
fn missing_path_quiet_is_a_failed_outcome() {
    let t = Tree::new();
    let missing = t.p("missing");
    let wm = WatchManager::new().unwrap();
    let results = wm.add_watch(&missing, Mask::IN_CREATE).apply().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results.watched(), 0);
    match results.get(&missing) {
        Some(Outcome::Failed(err)) => {
            assert_eq!(err.kind(), ErrorKind::NotFound);
            assert_eq!(err.path(), Some(missing.as_path()));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(results.get(&missing).unwrap().code(), -1);
    assert_eq!(results.wd(&missing), None);
    assert_eq!(results.errors().count(), 1);
}

#[test]
fn not_quiet_failure_keeps_the_watches_added_before_it() {
    let t = Tree::new();
    let missing = t.p("missing");
    let wm = WatchManager::new().unwrap();
    let err = wm.add_watch(vec![t.w.clone(), missing.clone()], Mask::IN_CREATE).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.path(), Some(missing.as_path()));
    assert!(wm.get_wd(&t.w).is_some(), "the first path stays watched, as in pyinotify");
    assert_eq!(wm.len(), 1);
}

// ---- PermissionDenied ------------------------------------------------------

/// Checks EACCES on this process (which must not be root): a locked directory,
/// a locked directory met by a recursive walk, and one met by auto_add.
fn check_permission_denied() {
    let t = Tree::new();
    let locked = t.p("locked");
    DirBuilder::new().mode(0o000).create(&locked).unwrap();

    let (wm, mut n, rec) = notifier();
    let err = wm.add_watch(&locked, Mask::IN_CREATE).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert_eq!(err.path(), Some(locked.as_path()));
    assert_eq!(err.to_string(), format!("cannot watch {}: permission denied", locked.display()));
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::PermissionDenied);

    // A recursive walk reports the locked directory and watches the rest.
    t.mkdirs(&["open/sub"]);
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    let failed: Vec<_> = results.errors().map(|e| (e.kind(), e.path().unwrap().to_owned())).collect();
    assert_eq!(failed, [(ErrorKind::PermissionDenied, locked.clone())]);
    assert!(results.wd(t.p("open/sub")).is_some());
    assert_eq!(results.watched(), 3);

    // auto_add meets a new locked directory: reported, kept in take_failures.
    let new = t.p("new-locked");
    DirBuilder::new().mode(0o000).create(&new).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, &new);
    let failures = wm.take_failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].kind(), ErrorKind::PermissionDenied);
    assert_eq!(failures[0].path(), Some(new.as_path()));
    assert!(wm.get_wd(&new).is_none());
    assert!(wm.take_failures().is_empty(), "take_failures empties the list");
}

#[test]
fn permission_denied_for_an_unreadable_directory() {
    if !running_as_root() {
        check_permission_denied();
        return;
    }
    let setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    // The unprivileged user must be able to run this very test binary.
    let exe = std::env::current_exe().unwrap();
    let list = [setpriv[1], setpriv[2], setpriv[3], exe.to_str().unwrap(), "--list"];
    if !command_works(setpriv[0], &list) {
        eprintln!("skipped: running as root and `setpriv` cannot run this test binary as user 65534 here");
        return;
    }
    run_child("child_permission_denied", &setpriv);
}

#[test]
fn child_permission_denied() {
    if is_child("child_permission_denied") {
        assert!(!running_as_root());
        check_permission_denied();
        child_done();
    }
}

// ---- WatchLimit and InstanceLimit (user namespace limits) ------------------

/// `unshare -U -r sh -c 'echo N > /proc/sys/user/<limit> && exec "$0" "$@"'`, or
/// `None` (with the reason printed) when user namespaces are not available.
fn in_user_namespace_with(limit: &str, value: u32) -> Option<Vec<String>> {
    let set = format!("echo {value} > /proc/sys/user/{limit}");
    if !command_works("unshare", &["-U", "-r", "sh", "-c", &set]) {
        eprintln!("skipped: `unshare -U -r` cannot set /proc/sys/user/{limit} in a user namespace here");
        return None;
    }
    let script = format!("{set} && exec \"$0\" \"$@\"");
    Some(["unshare", "-U", "-r", "sh", "-c", script.as_str()].map(str::to_owned).to_vec())
}

const WATCH_LIMIT: u32 = 4;

#[test]
fn watch_limit_names_the_sysctl() {
    let Some(wrapper) = in_user_namespace_with("max_inotify_watches", WATCH_LIMIT) else { return };
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    run_child("child_watch_limit", &wrapper);
}

#[test]
fn child_watch_limit() {
    if !is_child("child_watch_limit") {
        return;
    }
    let t = Tree::new();
    t.mkdirs(&["a/b/c", "d/e", "f", "g"]);

    let wm = WatchManager::new().unwrap();
    let err = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WatchLimit, "{err}");
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
    let text = err.to_string();
    assert!(text.contains("fs.inotify.max_user_watches"), "{text}");
    assert!(text.contains("sysctl fs.inotify.max_user_watches="), "{text}");
    assert!(err.path().is_some_and(|p| p.starts_with(&t.w)), "{err:?}");
    // The watches added before the limit stay (how many fit exactly is the kernel's accounting).
    let held = wm.len();
    assert!((1..=WATCH_LIMIT as usize).contains(&held), "{held} watches held");
    drop(wm);

    // Quiet: one failed outcome per directory beyond the limit.
    let wm = WatchManager::new().unwrap();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    assert_eq!(results.watched(), held);
    assert_eq!(wm.len(), held);
    assert!(results.errors().count() >= 1);
    assert!(results.errors().all(|e| e.kind() == ErrorKind::WatchLimit), "{results:?}");

    // auto_add at the limit: the new directory is reported, the failure kept.
    let rec = Recorder::new();
    let mut n = Notifier::new(wm.clone(), rec.clone()).unwrap();
    fs::create_dir(t.p("new")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, t.p("new"));
    let failures = wm.take_failures();
    assert!(
        failures.iter().any(|e| e.kind() == ErrorKind::WatchLimit && e.path() == Some(&t.p("new"))),
        "{failures:?}"
    );
    child_done();
}

#[test]
fn instance_limit_names_the_sysctl() {
    let Some(wrapper) = in_user_namespace_with("max_inotify_instances", 1) else { return };
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    run_child("child_instance_limit", &wrapper);
}

#[test]
fn child_instance_limit() {
    if !is_child("child_instance_limit") {
        return;
    }
    let first = WatchManager::new().expect("the first instance fits the limit");
    let err = WatchManager::new().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InstanceLimit, "{err}");
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE));
    assert!(err.to_string().contains("fs.inotify.max_user_instances"), "{err}");
    assert!(err.path().is_none());
    // A clone shares the instance: no new one is needed.
    let clone = first.clone();
    assert_eq!(clone.as_raw_fd(), first.as_raw_fd());
    drop((first, clone));
    WatchManager::new().expect("closing the instance frees its slot");
    child_done();
}

// ---- NotADirectory, InvalidMask, InvalidPattern, UnknownWatch, Stopped -------

#[test]
fn onlydir_on_a_file_is_not_a_directory() {
    let t = Tree::new();
    t.touch(&["file"]);
    let wm = WatchManager::new().unwrap();
    let err = wm.add_watch(t.p("file"), Mask::IN_CREATE | Mask::IN_ONLYDIR).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotADirectory);
    assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR));
    assert_eq!(err.path(), Some(t.p("file").as_path()));
    assert_eq!(err.to_string(), format!("cannot watch {}: not a directory", t.p("file").display()));
    // Without IN_ONLYDIR the file is watched.
    assert!(wm.add_watch(t.p("file"), Mask::IN_CREATE).quiet(false).apply().is_ok());
}

#[test]
fn empty_or_flag_only_mask_is_invalid_mask() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    for mask in [Mask::empty(), Mask::IN_ONLYDIR, Mask::IN_ISDIR | Mask::IN_ONESHOT] {
        let err = wm.add_watch(&t.w, mask).apply().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidMask, "{mask:?}");
        assert_eq!(io::Error::from(err).kind(), io::ErrorKind::InvalidInput);
    }
    assert!(wm.is_empty());
    let err = "IN_CREATE,IN_NOPE".parse::<Mask>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidMask);
    assert!(err.to_string().contains("IN_NOPE"));
}

#[test]
fn bad_exclude_patterns_are_invalid_pattern() {
    let err = ExcludeFilter::new(["^/ok", "(unclosed"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPattern);
    assert!(err.to_string().contains("(unclosed"), "{err}");

    let t = Tree::new();
    let list = t.top.join("exclude.lst");
    fs::write(&list, "# comment\n^/fine\n[z-a]\n").unwrap();
    let err = ExcludeFilter::from_file(&list).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPattern);
    assert_eq!(err.path(), Some(list.as_path()), "the error names the list file");

    let err = ExcludeFilter::from_file(t.top.join("no-such.lst")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn bad_glob_is_invalid_pattern() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    let pattern = t.w.join("[unclosed");
    let err = wm.add_watch(&pattern, Mask::IN_CREATE).do_glob(true).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPattern);
    assert_eq!(err.path(), Some(pattern.as_path()));
    assert!(wm.is_empty());
}

#[test]
fn unknown_watch_descriptors() {
    let wm = WatchManager::new().unwrap();
    let err = wm.rm_watch(4242).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownWatch);
    assert!(err.to_string().contains("4242"), "{err}");
    let results = wm.rm_watch(4242).apply().unwrap();
    assert!(matches!(results.as_slice(), [(4242, Err(e))] if e.kind() == ErrorKind::UnknownWatch), "{results:?}");

    let err = wm.update_watch(4242).mask(Mask::IN_DELETE).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownWatch);
    let results = wm.update_watch(4242).mask(Mask::IN_DELETE).apply().unwrap();
    assert!(matches!(results.as_slice(), [(4242, Err(e))] if e.kind() == ErrorKind::UnknownWatch), "{results:?}");
}

#[test]
fn removed_watch_is_unknown_afterwards() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    assert!(wm.rm_watch(wd).quiet(false).apply().is_ok());
    let err = wm.rm_watch(wd).quiet(false).apply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownWatch);
}

#[test]
fn a_panicking_handler_with_stop_on_handler_error_makes_stop_report_stopped() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let n = Notifier::new(wm, |_: &Event| -> Flow { panic!("handler failure (expected by the test)") }).unwrap();
    let mut tn = ThreadedNotifier::from_notifier(n.stop_on_handler_error(true)).unwrap();
    tn.start().unwrap();
    t.touch(&["boom"]);
    let end = std::time::Instant::now() + common::DEADLINE;
    while tn.is_alive() {
        assert!(std::time::Instant::now() < end, "the thread did not end after its handler panicked");
        std::thread::yield_now();
    }
    let err = tn.stop().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    assert!(tn.stop().is_ok(), "a second stop does nothing");
}

#[test]
fn starting_a_running_notifier_is_stopped() {
    let wm = WatchManager::new().unwrap();
    let mut tn = ThreadedNotifier::new(wm, |_: &Event| ()).unwrap();
    tn.start().unwrap();
    let err = tn.start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    tn.stop().unwrap();
}

#[test]
fn error_values_are_built_and_displayed_without_newline() {
    let err = Error::new(ErrorKind::Io, "something odd").with_path(Path::new("/w/x"));
    assert_eq!(err.to_string(), "cannot watch /w/x: something odd");
    assert_eq!(err.message(), "something odd");
    let err = Error::from(io::Error::from_raw_os_error(libc::EMFILE));
    assert_eq!(err.kind(), ErrorKind::InstanceLimit);
    assert!(!err.to_string().ends_with('\n'));
    let err = Error::from_io(io::Error::from_raw_os_error(libc::ENOSPC), "/w");
    assert_eq!(err.kind(), ErrorKind::WatchLimit);
    assert!(err.to_string().contains("sysctl fs.inotify.max_user_watches="), "{err}");
}
