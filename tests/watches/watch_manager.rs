//! `WatchManager` on a real kernel: add/get/update/rm, paths given in every
//! form, single files, `IN_ONESHOT`, exclude filters and globs.

use std::fs;
use std::path::{Component, Path, PathBuf};

use greenwatch::{ExcludeFilter, Mask, Notifier, Outcome, WatchManager};

use crate::common::{DEADLINE, Recorder, Tree, drain_until, lines, notifier, settle, wait_event, without_dir_reads};

/// `target` written relative to the current directory (`../../tmp/…`), without `chdir`.
fn relative_to_cwd(target: &Path) -> PathBuf {
    let cwd = fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
    let ups = cwd.components().filter(|c| matches!(c, Component::Normal(_))).count();
    let mut rel = PathBuf::new();
    for _ in 0..ups {
        rel.push("..");
    }
    rel.join(target.strip_prefix("/").unwrap())
}

#[test]
fn add_watch_then_get_wd_and_get_path() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    assert!(wm.is_empty());
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let wd = results.wd(&t.w).expect("watched");
    assert!(matches!(results.get(&t.w), Some(Outcome::Added(w)) if *w == wd));
    assert_eq!(results.get(&t.w).unwrap().code(), wd);
    assert_eq!(wm.get_wd(&t.w), Some(wd));
    assert_eq!(wm.get_path(wd), Some(t.w.clone()));
    assert_eq!(wm.len(), 1);
    assert!(wm.get_wd(&t.out).is_none());
    assert!(wm.get_path(wd + 100).is_none());
    let watch = wm.get_watch(wd).unwrap();
    assert_eq!((watch.wd(), watch.path(), watch.mask()), (wd, t.w.as_path(), Mask::IN_CREATE));
    assert!(watch.is_dir() && !watch.is_auto_add() && !watch.is_recursive() && !watch.has_proc_fun());
    assert_eq!(wm.watches(), vec![watch]);
}

#[test]
fn get_wd_accepts_trailing_slash_dots_and_relative_paths() {
    let t = Tree::new();
    t.mkdirs(&["sub"]);
    let wm = WatchManager::new().unwrap();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    let with_slash = PathBuf::from(format!("{}/", t.w.display()));
    assert_eq!(wm.get_wd(&with_slash), Some(wd));
    assert_eq!(wm.get_wd(t.w.join(".")), Some(wd));
    assert_eq!(wm.get_wd(t.w.join("sub/..")), Some(wd));
    assert_eq!(wm.get_wd(t.w.join("sub/../.")), Some(wd));
    assert_eq!(wm.get_wd(relative_to_cwd(&t.w)), Some(wd));
    assert_eq!(wm.get_wd(relative_to_cwd(&t.w).join("./")), Some(wd));
    assert!(wm.get_wd(t.w.join("sub")).is_none());
}

#[test]
fn relative_and_trailing_slash_paths_are_stored_absolute() {
    let t = Tree::new();
    t.mkdirs(&["a", "b"]);
    let (wm, mut n, rec) = notifier();
    let rel = relative_to_cwd(&t.p("a"));
    let slash = PathBuf::from(format!("{}/", t.p("b").display()));
    let results = wm.add_watch(vec![rel.clone(), slash.clone()], Mask::IN_CREATE).quiet(false).apply().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.wd(&rel).is_some() && results.wd(&slash).is_some());
    assert_eq!(wm.get_path(results.wd(&rel).unwrap()), Some(t.p("a")));
    assert_eq!(wm.get_path(results.wd(&slash).unwrap()), Some(t.p("b")));
    t.touch(&["a/f", "b/g"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("a/f"));
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("b/g"));
    assert!(rec.events().iter().all(|e| e.path().is_absolute()));
}

#[test]
fn adding_the_same_path_twice_returns_the_same_wd() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    let first = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    let second = wm.add_watch(&t.w, Mask::IN_DELETE).auto_add(true).apply().unwrap().wd(&t.w).unwrap();
    assert_eq!(first, second);
    assert_eq!(wm.len(), 1);
    let watch = wm.get_watch(first).unwrap();
    assert_eq!(watch.mask(), Mask::IN_DELETE, "the new options replace the old, as in pyinotify");
    assert!(watch.is_auto_add());
}

#[test]
fn add_watch_takes_several_paths_in_every_form() {
    let t = Tree::new();
    t.mkdirs(&["a", "b", "c", "d"]);
    let wm = WatchManager::new().unwrap();
    let (a, b) = (t.p("a"), t.p("b"));
    assert_eq!(wm.add_watch([&a, &b], Mask::IN_CREATE).apply().unwrap().watched(), 2);
    let slice: &[PathBuf] = &[t.p("c")];
    assert_eq!(wm.add_watch(slice, Mask::IN_CREATE).apply().unwrap().watched(), 1);
    let as_str = t.p("d").to_str().unwrap().to_owned();
    assert_eq!(wm.add_watch(as_str.as_str(), Mask::IN_CREATE).apply().unwrap().watched(), 1);
    assert_eq!(wm.len(), 4);
    let results = wm.add_watch(vec![t.p("a"), t.p("nope")], Mask::IN_CREATE).apply().unwrap();
    let order: Vec<_> = results.iter().map(|(p, o)| (p.to_owned(), o.code() > 0)).collect();
    assert_eq!(order, [(t.p("a"), true), (t.p("nope"), false)], "results keep the given order");
}

#[test]
fn watch_display_is_pyinotify_repr() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).auto_add(true).apply().unwrap().wd(&t.w).unwrap();
    let text = wm.get_watch(wd).unwrap().to_string();
    assert_eq!(text, format!("<Watch wd={wd} path={} mask=256 proc_fun=None auto_add=True dir=True >", t.w.display()));
}

#[test]
fn a_watched_file_reports_its_own_events_and_goes_away() {
    let t = Tree::new();
    t.touch(&["f"]);
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(t.p("f"), Mask::ALL_EVENTS).apply().unwrap().wd(t.p("f")).unwrap();
    assert!(!wm.get_watch(wd).unwrap().is_dir());
    fs::write(t.p("f"), b"data").unwrap();
    fs::remove_file(t.p("f")).unwrap();
    let events = crate::common::wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    for e in &events {
        assert_eq!((e.wd(), e.name(), e.path()), (wd, "".as_ref(), t.p("f").as_path()), "{e}");
        assert_eq!(e.pathname(), t.p("f"));
    }
    let got = lines(&events, &t.w);
    assert_eq!(
        got,
        ["IN_OPEN f", "IN_MODIFY f", "IN_CLOSE_WRITE f", "IN_ATTRIB f", "IN_DELETE_SELF f", "IN_IGNORED f"]
    );
    assert!(!events[4].is_dir(), "IN_DELETE_SELF of a file has dir=False");
    assert!(wm.is_empty(), "IN_IGNORED removes the watch");
}

#[test]
fn oneshot_reports_one_event_then_the_watch_is_gone() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_ONESHOT).apply().unwrap();
    t.touch(&["first", "second"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("first"));
    settle(&mut n);
    let got = lines(&rec.events(), &t.w);
    // The kernel removes a oneshot watch after its event and says so with IN_IGNORED.
    assert_eq!(got, ["IN_CREATE first", "IN_IGNORED ."]);
    assert!(wm.get_wd(&t.w).is_none());
    assert!(wm.is_empty());
}

#[test]
fn update_watch_replaces_the_mask() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    let results = wm.update_watch(wd).mask(Mask::IN_DELETE).quiet(false).apply().unwrap();
    assert!(matches!(results.as_slice(), [(w, Ok(()))] if *w == wd));
    assert_eq!(wm.get_watch(wd).unwrap().mask(), Mask::IN_DELETE);
    t.touch(&["f"]);
    fs::remove_file(t.p("f")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE, t.p("f"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_DELETE f"]);
}

#[test]
fn update_watch_with_mask_add_adds_to_the_mask() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    wm.update_watch(wd).mask(Mask::IN_DELETE | Mask::IN_MASK_ADD).quiet(false).apply().unwrap();
    assert_eq!(wm.get_watch(wd).unwrap().mask().events(), Mask::IN_CREATE | Mask::IN_DELETE);
    t.touch(&["f"]);
    fs::remove_file(t.p("f")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE, t.p("f"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE f", "IN_DELETE f"]);
}

#[test]
fn update_watch_switches_auto_add_off_and_on() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).auto_add(true).apply().unwrap().wd(&t.w).unwrap();
    wm.update_watch(wd).auto_add(false).quiet(false).apply().unwrap();
    assert!(!wm.get_watch(wd).unwrap().is_auto_add());
    fs::create_dir(t.p("off")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, t.p("off"));
    assert!(wm.get_wd(t.p("off")).is_none(), "auto_add off: the new directory is not watched");

    wm.update_watch(wd).auto_add(true).quiet(false).apply().unwrap();
    fs::create_dir(t.p("on")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, t.p("on"));
    assert!(wm.get_wd(t.p("on")).is_some(), "auto_add on again: watched");
    t.touch(&["on/f"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("on/f"));
}

#[test]
fn update_watch_rec_changes_every_watch_below() {
    let t = Tree::new();
    t.mkdirs(&["a/b"]);
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap().wd(&t.w).unwrap();
    let results = wm.update_watch(wd).mask(Mask::IN_DELETE).rec(true).quiet(false).apply().unwrap();
    assert_eq!(results.len(), 3);
    assert!(wm.watches().iter().all(|w| w.mask() == Mask::IN_DELETE));
    t.touch(&["a/b/f"]);
    fs::remove_file(t.p("a/b/f")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE, t.p("a/b/f"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_DELETE a/b/f"]);
}

#[test]
fn update_watch_gives_a_new_handler() {
    let t = Tree::new();
    let (wm, mut n, default) = notifier();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    let own = Recorder::new();
    wm.update_watch(wd).proc_fun(own.clone()).quiet(false).apply().unwrap();
    assert!(wm.get_watch(wd).unwrap().has_proc_fun());
    t.touch(&["f"]);
    drain_until(&mut n, || own.has(Mask::IN_CREATE, t.p("f")), DEADLINE);
    settle(&mut n);
    assert!(default.is_empty(), "{default:?}");
}

#[test]
fn rm_watch_removes_without_delivering_ignored() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(&t.w, Mask::ALL_EVENTS).apply().unwrap().wd(&t.w).unwrap();
    let results = wm.rm_watch(wd).quiet(false).apply().unwrap();
    assert!(matches!(results.as_slice(), [(w, Ok(()))] if *w == wd));
    assert!(wm.is_empty());
    assert!(wm.get_path(wd).is_none());
    t.touch(&["after"]);
    settle(&mut n);
    assert!(rec.is_empty(), "no IN_IGNORED, no later event: {rec:?}");
}

#[test]
fn rm_watch_rec_removes_every_sub_watch() {
    let t = Tree::new();
    t.mkdirs(&["a/b/c", "d/e", "a!", "ab"]);
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(&t.w, Mask::ALL_EVENTS).rec(true).apply().unwrap();
    assert_eq!(results.watched(), 8);
    // A sibling whose name starts with the same bytes stays watched.
    let sibling_path = t.top.join("w!");
    fs::create_dir(&sibling_path).unwrap();
    let sibling = wm.add_watch(&sibling_path, Mask::ALL_EVENTS).apply().unwrap().wd(&sibling_path).unwrap();
    let wd = wm.get_wd(&t.w).unwrap();
    let removed = wm.rm_watch(wd).rec(true).quiet(false).apply().unwrap();
    assert_eq!(removed.len(), 8);
    assert!(removed.iter().all(|(_, r)| r.is_ok()), "{removed:?}");
    assert_eq!(wm.watches().iter().map(|w| w.wd()).collect::<Vec<_>>(), [sibling]);
    t.touch(&["a/b/c/f", "f"]);
    settle(&mut n);
    assert!(rec.is_empty(), "no IN_IGNORED delivered after rm_watch: {rec:?}");
}

#[test]
fn rm_watch_without_rec_keeps_sub_watches() {
    let t = Tree::new();
    t.mkdirs(&["a"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    wm.rm_watch(wm.get_wd(&t.w).unwrap()).quiet(false).apply().unwrap();
    assert_eq!(wm.len(), 1);
    t.touch(&["top", "a/inner"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("a/inner"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE a/inner"]);
}

#[test]
fn exclude_filter_from_file_excludes_without_walking() {
    let t = Tree::new();
    t.mkdirs(&["keep/deep", "build/sub/deeper", "src/build"]);
    let list = t.top.join("exclude.lst");
    let w = regex::escape(t.w.to_str().unwrap());
    fs::write(&list, format!("# generated by the test\n\n{w}/build\n")).unwrap();
    let filter = ExcludeFilter::from_file(&list).unwrap();
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).exclude_filter(filter).apply().unwrap();
    assert!(matches!(results.get(t.p("build")), Some(Outcome::Excluded)));
    assert_eq!(results.get(t.p("build")).unwrap().code(), -2);
    assert!(results.get(t.p("build/sub")).is_none(), "an excluded directory is not walked");
    let mut watched: Vec<_> = wm.watches().iter().map(|w| w.path().to_owned()).collect();
    watched.sort();
    assert_eq!(watched, [t.w.clone(), t.p("keep"), t.p("keep/deep"), t.p("src"), t.p("src/build")]);

    // Nor is it auto-added later (the filter matches at the start of the path).
    fs::create_dir(t.p("build2")).unwrap();
    t.touch(&["build2/f"]);
    fs::create_dir(t.p("other")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE | Mask::IN_ISDIR, t.p("other"));
    t.touch(&["other/f"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("other/f"));
    settle(&mut n);
    assert!(wm.get_wd(t.p("build2")).is_none());
    assert!(!rec.has(Mask::IN_CREATE, t.p("build2/f")), "{rec:?}");
}

#[test]
fn manager_wide_exclude_filter_applies_to_every_add() {
    let t = Tree::new();
    t.mkdirs(&["a/.git/objects", "b"]);
    let wm = WatchManager::with_exclude_filter(ExcludeFilter::new([r".*/\.git$"]).unwrap()).unwrap();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    assert!(matches!(results.get(t.p("a/.git")), Some(Outcome::Excluded)));
    assert_eq!(results.watched(), 3);
    // A filter given to add_watch wins over the manager's.
    let results = wm
        .add_watch(t.p("a"), Mask::IN_CREATE)
        .rec(true)
        .exclude_filter(ExcludeFilter::new(["^/nothing"]).unwrap())
        .apply()
        .unwrap();
    assert!(results.wd(t.p("a/.git/objects")).is_some());
}

#[test]
fn glob_expands_patterns() {
    let t = Tree::new();
    t.mkdirs(&["log-a", "log-b", "other"]);
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(t.w.join("log-*"), Mask::IN_CREATE).do_glob(true).apply().unwrap();
    let mut paths: Vec<_> = results.iter().map(|(p, _)| p.to_owned()).collect();
    paths.sort();
    assert_eq!(paths, [t.p("log-a"), t.p("log-b")]);
    assert_eq!(results.watched(), 2);
    t.touch(&["log-b/x", "other/y"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("log-b/x"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE log-b/x"]);

    let none = wm.add_watch(t.w.join("nothing-*"), Mask::IN_CREATE).do_glob(true).quiet(false).apply().unwrap();
    assert!(none.is_empty(), "a glob that matches nothing adds nothing and is no error");
    let literal = wm.add_watch(t.w.join("log-*"), Mask::IN_CREATE).apply().unwrap();
    assert_eq!(literal.watched(), 0, "without do_glob the pattern is a literal path");
}

#[test]
fn glob_with_rec_watches_below_each_match() {
    let t = Tree::new();
    t.mkdirs(&["p1/x", "p2/y/z"]);
    let wm = WatchManager::new().unwrap();
    let results = wm.add_watch(t.w.join("p?"), Mask::IN_CREATE).do_glob(true).rec(true).apply().unwrap();
    assert_eq!(results.watched(), 5);
    assert!(wm.get_wd(t.p("p2/y/z")).is_some());
}

#[test]
fn proc_fun_watch_and_default_watch_in_one_manager() {
    let t = Tree::new();
    t.mkdirs(&["own"]);
    let wm = WatchManager::new().unwrap();
    let default = Recorder::new();
    let own = Recorder::new();
    let mut n = Notifier::new(wm.clone(), default.clone()).unwrap();
    wm.add_watch(t.p("own"), Mask::IN_CREATE).auto_add(true).proc_fun(own.clone()).apply().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    fs::create_dir(t.p("own/sub")).unwrap();
    drain_until(&mut n, || own.has(Mask::IN_CREATE | Mask::IN_ISDIR, t.p("own/sub")), DEADLINE);
    t.touch(&["own/sub/f"]);
    drain_until(&mut n, || own.has(Mask::IN_CREATE, t.p("own/sub/f")), DEADLINE);
    assert!(wm.get_watch(wm.get_wd(t.p("own/sub")).unwrap()).unwrap().has_proc_fun(), "auto-added watches share it");
    settle(&mut n);
    let got = lines(&without_dir_reads(default.events()), &t.w);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn rm_watch_rec_on_a_sub_watch_keeps_the_rest() {
    let t = Tree::new();
    t.mkdirs(&["a/b", "c"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    let removed = wm.rm_watch(wm.get_wd(t.p("a")).unwrap()).rec(true).quiet(false).apply().unwrap();
    assert_eq!(removed.len(), 2);
    t.touch(&["a/f", "a/b/f", "c/f"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("c/f"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE c/f"]);
    assert_eq!(wm.len(), 2);
}

#[test]
fn root_added_before_its_parent_is_still_reported_deleted() {
    let t = Tree::new();
    t.mkdirs(&["sub"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(t.p("sub"), Mask::IN_CREATE | Mask::IN_DELETE_SELF).apply().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    fs::remove_dir(t.p("sub")).unwrap();
    let events = crate::common::wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    assert_eq!(lines(&events, &t.w), ["IN_DELETE_SELF sub", "IN_IGNORED sub"]);
    assert_eq!(watched(&wm), std::slice::from_ref(&t.w));
}

/// The watched paths, sorted.
fn watched(wm: &WatchManager) -> Vec<PathBuf> {
    let mut paths: Vec<_> = wm.watches().iter().map(|w| w.path().to_owned()).collect();
    paths.sort();
    paths
}

#[test]
fn root_deletion_is_reported_after_its_parents_watch_is_removed() {
    // The parent of a watched root holds its guard; removing the parent's own
    // watch must not leave the root's deletion unreported.
    let t = Tree::new();
    t.mkdirs(&["sub"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(t.p("sub"), Mask::IN_CREATE | Mask::IN_DELETE_SELF).apply().unwrap();
    let parent = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    wm.rm_watch(parent).quiet(false).apply().unwrap();
    settle(&mut n);
    fs::remove_dir(t.p("sub")).unwrap();
    let events = crate::common::wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    assert_eq!(lines(&events, &t.w), ["IN_DELETE_SELF sub", "IN_IGNORED sub"]);
    assert!(wm.is_empty(), "{:?}", wm.watches());
}

#[test]
fn root_file_replaced_by_rename_is_reported_gone() {
    // An editor's save: write a temporary file, rename it over the watched one.
    let t = Tree::new();
    t.touch(&["f", "f.tmp"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(t.p("f"), Mask::ALL_EVENTS).apply().unwrap();
    fs::rename(t.p("f.tmp"), t.p("f")).unwrap();
    let events = crate::common::wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    assert_eq!(lines(&events, &t.w), ["IN_ATTRIB f", "IN_DELETE_SELF f", "IN_IGNORED f"]);
    assert!(wm.is_empty());
}

#[test]
fn root_directory_replaced_by_rename_is_reported_gone() {
    let t = Tree::new();
    t.mkdirs(&["d", "d.new"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(t.p("d"), Mask::IN_CREATE | Mask::IN_DELETE_SELF).apply().unwrap();
    fs::rename(t.p("d.new"), t.p("d")).unwrap();
    let events = crate::common::wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    assert_eq!(lines(&events, &t.w), ["IN_DELETE_SELF d", "IN_IGNORED d"]);
    assert!(events[0].is_dir());
    assert!(wm.is_empty());
}
