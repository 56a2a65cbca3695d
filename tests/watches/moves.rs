//! Renames on a real kernel: pairing by cookie, `src_pathname`, watch paths
//! rewritten for a renamed directory and everything below it, directories that
//! leave the tree, and a watched root followed to its new place.

use std::fs;
use std::path::Path;

use greenwatch::{Event, Mask, Notifier, WatchManager};

use crate::common::{Recorder, Tree, lines, notifier, settle, wait_event, wait_for};

fn dir(mask: Mask) -> Mask {
    mask | Mask::IN_ISDIR
}

/// The wd of every watch, by path relative to `t.w`, sorted.
fn table(wm: &WatchManager, t: &Tree) -> Vec<(String, i32)> {
    let mut rows: Vec<_> = wm
        .watches()
        .iter()
        .map(|w| {
            let rel = w
                .path()
                .strip_prefix(&t.top)
                .map_or_else(|_| w.path().display().to_string(), |p| p.display().to_string());
            (rel, w.wd())
        })
        .collect();
    rows.sort();
    rows
}

/// Waits for `mask` on `pathname`, then until the queue has stayed quiet:
/// every event the test caused has been dispatched.
#[track_caller]
fn event_then_quiet(n: &mut Notifier<Recorder>, rec: &Recorder, mask: Mask, pathname: impl AsRef<Path>) {
    wait_event(n, rec, mask, pathname);
    settle(n);
}

#[test]
fn rename_within_a_directory_pairs_by_cookie() {
    let t = Tree::new();
    t.touch(&["a"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_MOVE).apply().unwrap();
    fs::rename(t.p("a"), t.p("b")).unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_MOVED_TO, t.p("b"));
    assert_eq!(lines(&events, &t.w), ["IN_MOVED_FROM a", "IN_MOVED_TO b"]);
    let (from, to) = (&events[0], &events[1]);
    assert_ne!(from.cookie(), 0);
    assert_eq!(from.cookie(), to.cookie());
    assert_eq!(from.src_pathname(), None);
    assert_eq!(to.src_pathname(), Some(t.p("a").as_path()));
    assert!(to.to_string().contains(&format!(" src_pathname={} ", t.p("a").display())), "{to}");
}

#[test]
fn rename_over_an_existing_file_is_only_the_move_pair() {
    let t = Tree::new();
    t.touch(&["a", "b"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::ALL_EVENTS).apply().unwrap();
    fs::rename(t.p("a"), t.p("b")).unwrap();
    event_then_quiet(&mut n, &rec, Mask::IN_MOVED_TO, t.p("b"));
    assert_eq!(lines(&rec.events(), &t.w), ["IN_MOVED_FROM a", "IN_MOVED_TO b"]);
}

#[test]
fn file_moved_out_has_only_moved_from() {
    let t = Tree::new();
    t.touch(&["a"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::ALL_EVENTS).apply().unwrap();
    fs::rename(t.p("a"), t.out.join("a")).unwrap();
    event_then_quiet(&mut n, &rec, Mask::IN_MOVED_FROM, t.p("a"));
    let events = rec.events();
    assert_eq!(lines(&events, &t.w), ["IN_MOVED_FROM a"]);
    assert_ne!(events[0].cookie(), 0);
}

#[test]
fn file_moved_in_has_no_src_pathname() {
    let t = Tree::new();
    fs::write(t.out.join("a"), b"").unwrap();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::ALL_EVENTS).apply().unwrap();
    fs::rename(t.out.join("a"), t.p("a")).unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_MOVED_TO, t.p("a"));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].src_pathname(), None);
}

#[test]
fn moves_between_watched_directories_pair_across_watches() {
    let t = Tree::new();
    t.mkdirs(&["x", "y"]);
    t.touch(&["x/f"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_MOVE).rec(true).apply().unwrap();
    fs::rename(t.p("x/f"), t.p("y/f")).unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_MOVED_TO, t.p("y/f"));
    assert_eq!(lines(&events, &t.w), ["IN_MOVED_FROM x/f", "IN_MOVED_TO y/f"]);
    assert_eq!(Some(events[0].wd()), wm.get_wd(t.p("x")));
    assert_eq!(Some(events[1].wd()), wm.get_wd(t.p("y")));
    assert_eq!(events[1].src_pathname(), Some(t.p("x/f").as_path()));
}

#[test]
fn src_pathname_even_when_moved_from_is_not_asked_for() {
    let t = Tree::new();
    t.touch(&["a"]);
    t.mkdirs(&["d"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_MOVED_TO).apply().unwrap();
    fs::rename(t.p("a"), t.p("b")).unwrap();
    fs::rename(t.p("d"), t.p("e")).unwrap();
    let events = wait_event(&mut n, &rec, dir(Mask::IN_MOVED_TO), t.p("e"));
    assert_eq!(lines(&events, &t.w), ["IN_MOVED_TO b", "IN_MOVED_TO|IN_ISDIR e"]);
    assert_eq!(events[0].src_pathname(), Some(t.p("a").as_path()), "the bookkeeping saw the IN_MOVED_FROM");
    assert_eq!(events[1].src_pathname(), Some(t.p("d").as_path()));
}

#[test]
fn renaming_a_watched_directory_rewrites_every_path_below() {
    let t = Tree::new();
    t.mkdirs(&["a/b/c"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_MOVE | Mask::IN_MOVE_SELF | Mask::IN_CREATE).rec(true).apply().unwrap();
    let before = table(&wm, &t);
    let c_wd = wm.get_wd(t.p("a/b/c")).unwrap();
    fs::rename(t.p("a"), t.p("x")).unwrap();
    t.touch(&["x/b/c/f"]);
    let events = wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("x/b/c/f"));
    let want = ["IN_MOVED_FROM|IN_ISDIR a", "IN_MOVED_TO|IN_ISDIR x", "IN_MOVE_SELF x", "IN_CREATE x/b/c/f"];
    assert_eq!(lines(&events, &t.w), want, "IN_MOVE_SELF already carries the new path");
    assert_eq!(events[1].src_pathname(), Some(t.p("a").as_path()));
    assert!(events[2].is_dir());
    assert_eq!(events[3].wd(), c_wd);
    assert_eq!(wm.get_wd(t.p("x/b/c")), Some(c_wd));
    assert_eq!(wm.get_wd(t.p("a/b/c")), None);
    let after: Vec<_> = before.iter().map(|(p, wd)| (p.replace("w/a", "w/x"), *wd)).collect();
    assert_eq!(table(&wm, &t), after);
}

#[test]
fn renamed_twice_nested_and_back_keeps_paths_true() {
    let t = Tree::new();
    t.mkdirs(&["a/b/c", "other"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).auto_add(true).apply().unwrap();
    let original = table(&wm, &t);
    let c_wd = wm.get_wd(t.p("a/b/c")).unwrap();

    fs::rename(t.p("a"), t.p("x")).unwrap(); // the top of the subtree
    fs::rename(t.p("x/b"), t.p("x/q")).unwrap(); // a directory inside it
    fs::rename(t.p("x"), t.p("other/y")).unwrap(); // into another watched directory
    t.touch(&["other/y/q/c/f1"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("other/y/q/c/f1"));
    assert_eq!(wm.get_wd(t.p("other/y/q/c")), Some(c_wd));
    assert_eq!(wm.get_path(c_wd), Some(t.p("other/y/q/c")));

    // And back to where everything started.
    fs::rename(t.p("other/y"), t.p("a")).unwrap();
    fs::rename(t.p("a/q"), t.p("a/b")).unwrap();
    t.touch(&["a/b/c/f2"]);
    let events = wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("a/b/c/f2"));
    assert_eq!(events.last().unwrap().wd(), c_wd);
    assert_eq!(table(&wm, &t), original);
    let to: Vec<_> = events
        .iter()
        .filter(|e| e.mask() == dir(Mask::IN_MOVED_TO))
        .map(|e| e.src_pathname().unwrap().to_owned())
        .collect();
    assert_eq!(to, [t.p("a"), t.p("x/b"), t.p("x"), t.p("other/y"), t.p("a/q")]);
}

#[test]
fn directory_moved_out_stops_being_watched() {
    let t = Tree::new();
    t.mkdirs(&["sub/inner"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).auto_add(true).apply().unwrap();
    fs::rename(t.p("sub"), t.out.join("sub")).unwrap();
    wait_event(&mut n, &rec, dir(Mask::IN_MOVED_FROM), t.p("sub"));
    fs::write(t.out.join("sub/f"), b"").unwrap();
    fs::write(t.out.join("sub/inner/g"), b"").unwrap();
    t.touch(&["marker"]);
    event_then_quiet(&mut n, &rec, Mask::IN_CREATE, t.p("marker"));
    assert_eq!(lines(&rec.events(), &t.w), ["IN_MOVED_FROM|IN_ISDIR sub", "IN_CREATE marker"]);
    assert_eq!(table(&wm, &t), [("w".to_owned(), wm.get_wd(&t.w).unwrap())]);
    assert!(rec.events().iter().all(|e| !e.path().to_string_lossy().contains("unknown-path")));
}

#[test]
fn directory_moved_out_and_back_in_is_watched_again() {
    let t = Tree::new();
    t.mkdirs(&["sub/inner"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).auto_add(true).apply().unwrap();
    fs::rename(t.p("sub"), t.out.join("sub")).unwrap();
    event_then_quiet(&mut n, &rec, dir(Mask::IN_MOVED_FROM), t.p("sub"));
    assert_eq!(wm.len(), 1);
    fs::rename(t.out.join("sub"), t.p("back")).unwrap();
    wait_event(&mut n, &rec, dir(Mask::IN_MOVED_TO), t.p("back"));
    t.touch(&["back/inner/f"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("back/inner/f"));
    assert!(wm.get_wd(t.p("back/inner")).is_some());
}

#[test]
fn stale_moves_are_not_paired_with_a_later_move_out() {
    // pyinotify's further case 3: w/d -> w/e -> w/d -> out/d, then a file in it.
    let t = Tree::new();
    t.mkdirs(&["d"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).apply().unwrap();
    fs::rename(t.p("d"), t.p("e")).unwrap();
    fs::rename(t.p("e"), t.p("d")).unwrap();
    wait_for(&mut n, &rec, |evs| evs.len() >= 4);
    fs::rename(t.p("d"), t.out.join("d")).unwrap();
    fs::write(t.out.join("d/f"), b"").unwrap();
    t.touch(&["marker"]);
    event_then_quiet(&mut n, &rec, Mask::IN_CREATE, t.p("marker"));
    let got = lines(&rec.events(), &t.w);
    let want = [
        "IN_MOVED_FROM|IN_ISDIR d",
        "IN_MOVED_TO|IN_ISDIR e",
        "IN_MOVED_FROM|IN_ISDIR e",
        "IN_MOVED_TO|IN_ISDIR d",
        "IN_MOVED_FROM|IN_ISDIR d",
        "IN_CREATE marker",
    ];
    assert_eq!(got, want);
    assert_eq!(wm.len(), 1);
}

#[test]
fn directory_created_and_renamed_at_once_is_watched_under_its_new_name() {
    // pyinotify's further case 6: mkdir w/d; mv w/d w/e before the watcher reads.
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE | Mask::IN_CLOSE_WRITE)
        .rec(true)
        .auto_add(true)
        .apply()
        .unwrap();
    fs::create_dir(t.p("d")).unwrap();
    fs::rename(t.p("d"), t.p("e")).unwrap();
    wait_event(&mut n, &rec, dir(Mask::IN_MOVED_TO), t.p("e"));
    assert!(wm.get_wd(t.p("e")).is_some(), "{:?}", table(&wm, &t));
    assert!(wm.get_wd(t.p("d")).is_none());
    fs::write(t.p("e/f"), b"x").unwrap();
    event_then_quiet(&mut n, &rec, Mask::IN_CLOSE_WRITE, t.p("e/f"));
    assert_eq!(rec.count(Mask::IN_CREATE, t.p("e/f")), 1, "{rec:?}");
}

#[test]
fn a_filter_without_moves_still_keeps_paths_true() {
    // pyinotify's further case 4: -r -a -e IN_CREATE,IN_DELETE.
    let t = Tree::new();
    t.mkdirs(&["sub"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply().unwrap();
    fs::rename(t.p("sub"), t.p("sub2")).unwrap();
    t.touch(&["sub2/f"]);
    fs::remove_file(t.p("sub2/f")).unwrap();
    event_then_quiet(&mut n, &rec, Mask::IN_DELETE, t.p("sub2/f"));
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE sub2/f", "IN_DELETE sub2/f"]);
}

#[test]
fn moved_watched_root_is_followed() {
    let t = Tree::new();
    t.mkdirs(&["s"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE_SELF).rec(true).apply().unwrap();
    let (root, s) = (wm.get_wd(&t.w).unwrap(), wm.get_wd(t.p("s")).unwrap());
    let w2 = t.top.join("w2");
    fs::rename(&t.w, &w2).unwrap();
    fs::write(w2.join("f"), b"").unwrap();
    fs::write(w2.join("s/g"), b"").unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_CREATE, w2.join("s/g"));
    let got = lines(&events, &t.top);
    assert!(
        got == ["IN_MOVE_SELF w2", "IN_CREATE w2/f", "IN_CREATE w2/s/g"]
            || got == ["IN_MOVE_SELF w", "IN_CREATE w2/f", "IN_CREATE w2/s/g"],
        "{got:?}"
    );
    assert_eq!(wm.get_wd(&w2), Some(root));
    assert_eq!(wm.get_wd(w2.join("s")), Some(s));
    assert_eq!(wm.get_wd(&t.w), None);
    assert!(events.iter().all(|e: &Event| !e.path().to_string_lossy().contains("unknown-path")));
}

#[test]
fn moved_root_followed_there_and_back() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let root = wm.get_wd(&t.w).unwrap();
    let elsewhere = t.out.join("moved");
    fs::rename(&t.w, &elsewhere).unwrap();
    fs::write(elsewhere.join("a"), b"").unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE, elsewhere.join("a"));
    fs::rename(&elsewhere, &t.w).unwrap();
    t.touch(&["b"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("b"));
    assert_eq!(wm.get_path(root), Some(t.w.clone()));
}

#[test]
fn a_watched_file_renamed_is_followed() {
    let t = Tree::new();
    t.touch(&["f"]);
    let (wm, mut n, rec) = notifier();
    let wd = wm.add_watch(t.p("f"), Mask::IN_MODIFY | Mask::IN_MOVE_SELF).apply().unwrap().wd(t.p("f")).unwrap();
    fs::rename(t.p("f"), t.p("g")).unwrap();
    fs::write(t.p("g"), b"x").unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_MODIFY, t.p("g"));
    assert_eq!(lines(&events, &t.w), ["IN_MOVE_SELF g", "IN_MODIFY g"]);
    assert!(!events[0].is_dir());
    assert_eq!(wm.get_path(wd), Some(t.p("g")));
}

#[test]
fn moved_root_deleted_later_is_reported_at_its_new_place() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE_SELF | Mask::IN_MOVE_SELF).apply().unwrap();
    let w2 = t.out.join("w2");
    fs::rename(&t.w, &w2).unwrap();
    wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_MOVE_SELF));
    fs::remove_dir(&w2).unwrap();
    let events = wait_for(&mut n, &rec, |evs| evs.iter().any(|e| e.mask() == Mask::IN_IGNORED));
    assert_eq!(lines(&events[1..], &t.top), ["IN_DELETE_SELF out/w2", "IN_IGNORED out/w2"]);
    assert!(wm.is_empty());
}

#[test]
fn a_root_inside_a_watched_tree_is_followed_when_moved_out() {
    // `sub` is watched twice: through the recursive watch on `w`, and as a root
    // the user named. Moved out of `w`, it leaves w's tree but is still a
    // watched root, and a watched root that moves is followed (DESIGN.md §3.1).
    let t = Tree::new();
    t.mkdirs(&["sub"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).apply().unwrap();
    let sub = wm.add_watch(t.p("sub"), Mask::IN_CREATE | Mask::IN_MOVE).apply().unwrap().wd(t.p("sub")).unwrap();
    fs::rename(t.p("sub"), t.out.join("sub")).unwrap();
    fs::write(t.out.join("sub/f"), b"").unwrap();
    event_then_quiet(&mut n, &rec, dir(Mask::IN_MOVED_FROM), t.p("sub"));
    assert_eq!(wm.get_path(sub), Some(t.out.join("sub")), "watches: {:?}", table(&wm, &t));
    assert!(rec.has(Mask::IN_CREATE, t.out.join("sub/f")), "{rec:?}");
}

/// The README's "Blocking" example: `IN_CREATE | IN_MOVED_TO | IN_DELETE`, recursive,
/// auto_add; its `process_in_moved_to` prints "renamed" when `src_pathname` is set.
#[test]
fn the_readme_blocking_example_reports_a_rename_as_a_rename() {
    let t = Tree::new();
    t.mkdirs(&["logs"]);
    t.touch(&["logs/app.log"]);
    let (wm, mut n, rec) = notifier();
    let mask = Mask::IN_CREATE | Mask::IN_MOVED_TO | Mask::IN_DELETE;
    wm.add_watch(&t.w, mask).rec(true).auto_add(true).apply().unwrap();
    fs::rename(t.p("logs/app.log"), t.p("logs/app.log.1")).unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_MOVED_TO, t.p("logs/app.log.1"));
    let said: Vec<String> = events
        .iter()
        .map(|ev| match ev.src_pathname() {
            Some(src) => format!("renamed {} -> {}", src.display(), ev.pathname().display()),
            None => format!("moved in {}", ev.pathname().display()),
        })
        .collect();
    assert_eq!(said, [format!("renamed {} -> {}", t.p("logs/app.log").display(), t.p("logs/app.log.1").display())]);
}
