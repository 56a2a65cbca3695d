//! Recursive watches and auto_add on real trees: every level watched and
//! reported once with its true path, deletions in kernel order, filters that do
//! not break the bookkeeping, and names that are not UTF-8.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use greenwatch::{Mask, format};

use crate::common::{Tree, bytes_name, lines, notifier, settle, wait_event, wait_for, without_dir_reads};

fn watched_paths(wm: &greenwatch::WatchManager) -> Vec<PathBuf> {
    let mut paths: Vec<_> = wm.watches().iter().map(|w| w.path().to_owned()).collect();
    paths.sort();
    paths
}

const DIR_CREATE: Mask = Mask::from_bits_retain(Mask::IN_CREATE.bits() | Mask::IN_ISDIR.bits());

#[test]
fn rec_watches_every_directory_of_an_existing_tree() {
    let t = Tree::new();
    t.mkdirs(&["a/b/c", "d"]);
    t.touch(&["a/file-not-dir"]);
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    assert_eq!(results.watched(), 5);
    assert_eq!(watched_paths(&wm), [t.w.clone(), t.p("a"), t.p("a/b"), t.p("a/b/c"), t.p("d")]);
    assert!(wm.watches().iter().all(|w| w.is_recursive() && w.is_dir()));
    t.touch(&["x", "a/x", "a/b/x", "a/b/c/x", "d/x"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("d/x"));
    assert_eq!(
        lines(&rec.events(), &t.w),
        ["IN_CREATE x", "IN_CREATE a/x", "IN_CREATE a/b/x", "IN_CREATE a/b/c/x", "IN_CREATE d/x"]
    );
    for e in rec.events() {
        assert_eq!(wm.get_path(e.wd()).unwrap(), e.path(), "each event comes from its own directory's watch");
    }
}

#[test]
fn rec_without_auto_add_reports_new_directories_without_watching_them() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    fs::create_dir(t.p("new")).unwrap();
    t.touch(&["new/f", "marker"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("marker"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_CREATE|IN_ISDIR new", "IN_CREATE marker"]);
    assert!(wm.get_wd(t.p("new")).is_none());
}

#[test]
fn auto_add_without_rec_leaves_existing_subdirectories_alone() {
    let t = Tree::new();
    t.mkdirs(&["old"]);
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).auto_add(true).apply().unwrap();
    assert_eq!(results.watched(), 1);
    assert!(wm.get_wd(t.p("old")).is_none());
    fs::create_dir(t.p("new")).unwrap();
    wait_event(&mut n, &rec, DIR_CREATE, t.p("new"));
    assert!(wm.get_wd(t.p("new")).is_some());
    assert!(wm.get_watch(wm.get_wd(t.p("new")).unwrap()).unwrap().is_auto_add(), "inherited");
}

#[test]
fn auto_add_mkdir_p_reports_each_directory_once() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::ALL_EVENTS).rec(true).auto_add(true).apply().unwrap();
    fs::create_dir_all(t.p("a/b/c/d")).unwrap();
    wait_event(&mut n, &rec, DIR_CREATE, t.p("a/b/c/d"));
    settle(&mut n);
    let got = lines(&without_dir_reads(rec.take()), &t.w);
    let want =
        ["IN_CREATE|IN_ISDIR a", "IN_CREATE|IN_ISDIR a/b", "IN_CREATE|IN_ISDIR a/b/c", "IN_CREATE|IN_ISDIR a/b/c/d"];
    assert_eq!(got, want);
    assert_eq!(watched_paths(&wm), [t.w.clone(), t.p("a"), t.p("a/b"), t.p("a/b/c"), t.p("a/b/c/d")]);
    // Each new directory's events come from its own watch.
    t.touch(&["a/b/c/d/f"]);
    let events = wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("a/b/c/d/f"));
    let create = events.iter().find(|e| e.mask() == Mask::IN_CREATE).unwrap();
    assert_eq!(create.path(), t.p("a/b/c/d"));
    assert_eq!(Some(create.wd()), wm.get_wd(t.p("a/b/c/d")));
}

#[test]
fn auto_add_reports_everything_in_a_new_directory_once_watched() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let mask = Mask::ALL_EVENTS - Mask::IN_OPEN - Mask::IN_ACCESS - Mask::IN_CLOSE_NOWRITE;
    wm.add_watch(&t.w, mask).rec(true).auto_add(true).apply().unwrap();
    fs::create_dir(t.p("d")).unwrap();
    wait_event(&mut n, &rec, DIR_CREATE, t.p("d"));
    fs::write(t.p("d/f"), b"data").unwrap();
    fs::write(t.p("d/g"), b"").unwrap();
    wait_event(&mut n, &rec, Mask::IN_CLOSE_WRITE, t.p("d/g"));
    settle(&mut n);
    let want = [
        "IN_CREATE|IN_ISDIR d",
        "IN_CREATE d/f",
        "IN_MODIFY d/f",
        "IN_CLOSE_WRITE d/f",
        "IN_CREATE d/g",
        "IN_CLOSE_WRITE d/g",
    ];
    assert_eq!(lines(&rec.events(), &t.w), want);
}

#[test]
fn auto_add_race_reports_a_file_made_at_once_exactly_once() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_CLOSE_WRITE).rec(true).auto_add(true).apply().unwrap();
    fs::create_dir(t.p("d")).unwrap();
    fs::write(t.p("d/f"), b"x").unwrap();
    fs::create_dir(t.p("d/sub")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("d/f"));
    settle(&mut n);
    // The file's IN_CLOSE_WRITE happened before any watch on d existed: no
    // watcher can see it. Its IN_CREATE is synthesized from the listing of d.
    assert_eq!(rec.count(Mask::IN_CREATE, t.p("d/f")), 1, "{rec:?}");
    assert_eq!(rec.count(DIR_CREATE, t.p("d/sub")), 1, "{rec:?}");
    assert_eq!(rec.count(DIR_CREATE, t.p("d")), 1, "{rec:?}");
    assert!(wm.get_wd(t.p("d/sub")).is_some());
}

#[test]
fn auto_add_many_new_directories_are_all_watched() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    let dirs: Vec<String> = (0..30).map(|i| format!("d{i:02}/e")).collect();
    for d in &dirs {
        fs::create_dir_all(t.p(d)).unwrap();
    }
    wait_for(&mut n, &rec, |evs| evs.iter().filter(|e| e.mask() == DIR_CREATE).count() >= 60);
    settle(&mut n);
    assert_eq!(wm.len(), 61);
    for d in &dirs {
        assert_eq!(rec.count(DIR_CREATE, t.p(d)), 1, "{d}");
    }
}

#[test]
fn directory_moved_in_with_auto_add_is_watched_and_its_content_reported_once() {
    let t = Tree::new();
    fs::create_dir_all(t.out.join("m/n")).unwrap();
    fs::write(t.out.join("m/n/f"), b"").unwrap();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVED_TO).rec(true).auto_add(true).apply().unwrap();
    fs::rename(t.out.join("m"), t.p("m")).unwrap();
    // Written right after the move, before the watcher can have watched `m`:
    t.touch(&["m/new", "m/n/new2"]);
    wait_event(&mut n, &rec, Mask::IN_MOVED_TO | Mask::IN_ISDIR, t.p("m"));
    settle(&mut n);
    let mut got = lines(&rec.take(), &t.w);
    got[1..].sort();
    assert_eq!(
        got,
        [
            "IN_MOVED_TO|IN_ISDIR m",
            "IN_CREATE m/n/f",
            "IN_CREATE m/n/new2",
            "IN_CREATE m/new",
            "IN_CREATE|IN_ISDIR m/n"
        ]
    );
    assert!(wm.get_wd(t.p("m")).is_some() && wm.get_wd(t.p("m/n")).is_some());
    t.touch(&["m/n/g"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("m/n/g"));
}

#[test]
fn symlinks_are_plain_creates_and_never_followed() {
    let t = Tree::new();
    fs::create_dir(t.out.join("target")).unwrap();
    std::os::unix::fs::symlink(t.out.join("target"), t.p("old-link")).unwrap();
    let (wm, mut n, rec) = notifier();
    let results = wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).auto_add(true).apply().unwrap();
    assert_eq!(results.watched(), 1, "the walk does not follow a symlink to a directory");
    std::os::unix::fs::symlink(t.out.join("target"), t.p("new-link")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("new-link"));
    assert_eq!(wm.len(), 1, "auto_add does not follow it either");
    assert!(!rec.events()[0].is_dir());
}

#[test]
fn rm_r_subtree_reports_in_kernel_order_and_drops_the_watches() {
    let t = Tree::new();
    t.mkdirs(&["sub/inner"]);
    t.touch(&["sub/f1", "sub/f2", "sub/inner/g"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_DELETE | Mask::IN_DELETE_SELF).rec(true).apply().unwrap();
    let (sub_wd, inner_wd) = (wm.get_wd(t.p("sub")).unwrap(), wm.get_wd(t.p("sub/inner")).unwrap());
    // rm -r in sorted order, children first.
    for f in ["sub/f1", "sub/f2", "sub/inner/g"] {
        fs::remove_file(t.p(f)).unwrap();
    }
    fs::remove_dir(t.p("sub/inner")).unwrap();
    fs::remove_dir(t.p("sub")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE | Mask::IN_ISDIR, t.p("sub"));
    settle(&mut n);
    let events = rec.events();
    let want = [
        "IN_DELETE sub/f1",
        "IN_DELETE sub/f2",
        "IN_DELETE inner/g",
        "IN_DELETE_SELF inner",
        "IN_IGNORED inner",
        "IN_DELETE|IN_ISDIR inner",
        "IN_DELETE_SELF sub",
        "IN_IGNORED sub",
        "IN_DELETE|IN_ISDIR sub",
    ];
    let got: Vec<String> = lines(&events, &t.w).iter().map(|l| l.replace("sub/inner", "inner")).collect();
    assert_eq!(got, want);
    let wds: Vec<_> = events.iter().map(|e| e.wd()).collect();
    let root = wm.get_wd(&t.w).unwrap();
    assert_eq!(wds, [sub_wd, sub_wd, inner_wd, inner_wd, inner_wd, sub_wd, sub_wd, sub_wd, root]);
    assert!(events[3].is_dir() && events[6].is_dir(), "IN_DELETE_SELF of a watched directory has dir=True");
    assert!(!events[4].is_dir(), "IN_IGNORED has dir=False");
    assert_eq!(watched_paths(&wm), std::slice::from_ref(&t.w));
}

#[test]
fn deleting_the_watched_root_leaves_nothing_watched() {
    let t = Tree::new();
    t.mkdirs(&["s"]);
    t.touch(&["f"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_DELETE | Mask::IN_DELETE_SELF).rec(true).apply().unwrap();
    fs::remove_file(t.p("f")).unwrap();
    fs::remove_dir(t.p("s")).unwrap();
    fs::remove_dir(&t.w).unwrap();
    let events = wait_for(&mut n, &rec, |evs| evs.iter().filter(|e| e.mask() == Mask::IN_IGNORED).count() == 2);
    settle(&mut n);
    let want =
        ["IN_DELETE f", "IN_DELETE_SELF s", "IN_IGNORED s", "IN_DELETE|IN_ISDIR s", "IN_DELETE_SELF .", "IN_IGNORED ."];
    assert_eq!(lines(&events, &t.w), want);
    assert!(wm.is_empty());
}

#[test]
fn auto_added_directory_removed_again() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_DELETE_SELF)
        .rec(true)
        .auto_add(true)
        .apply()
        .unwrap();
    fs::create_dir(t.p("d")).unwrap();
    wait_event(&mut n, &rec, DIR_CREATE, t.p("d"));
    fs::remove_dir(t.p("d")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE | Mask::IN_ISDIR, t.p("d"));
    settle(&mut n);
    let want = ["IN_CREATE|IN_ISDIR d", "IN_DELETE_SELF d", "IN_IGNORED d", "IN_DELETE|IN_ISDIR d"];
    assert_eq!(lines(&rec.events(), &t.w), want);
    assert_eq!(wm.len(), 1);
}

#[test]
fn user_mask_filters_delivery_not_bookkeeping() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_DELETE).rec(true).auto_add(true).apply().unwrap();
    fs::create_dir(t.p("d")).unwrap();
    t.touch(&["f"]);
    fs::remove_file(t.p("f")).unwrap();
    // IN_CREATE is not delivered, yet auto_add still watched d.
    wait_event(&mut n, &rec, Mask::IN_DELETE, t.p("f"));
    assert!(wm.get_wd(t.p("d")).is_some());
    t.touch(&["d/g"]);
    fs::remove_file(t.p("d/g")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_DELETE, t.p("d/g"));
    settle(&mut n);
    assert_eq!(lines(&rec.events(), &t.w), ["IN_DELETE f", "IN_DELETE d/g"]);
}

#[test]
fn non_utf8_names_are_delivered_byte_exact() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    let mask = Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVE;
    wm.add_watch(&t.w, mask).rec(true).auto_add(true).apply().unwrap();
    let bad = t.w.join(bytes_name(b"bad-\xff"));
    let renamed = t.w.join(bytes_name(b"ren-\xfe"));
    let dir = t.w.join(bytes_name(b"dir-\xe9"));
    fs::write(&bad, b"").unwrap();
    fs::rename(&bad, &renamed).unwrap();
    fs::remove_file(&renamed).unwrap();
    fs::create_dir(&dir).unwrap();
    wait_event(&mut n, &rec, DIR_CREATE, &dir);
    fs::write(dir.join(bytes_name(b"inner-\xff")), b"").unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE, dir.join(bytes_name(b"inner-\xff")));
    settle(&mut n);
    let events = rec.events();
    let names: Vec<&[u8]> = events.iter().map(|e| e.name().as_bytes()).collect();
    assert_eq!(names, [&b"bad-\xff"[..], b"bad-\xff", b"ren-\xfe", b"ren-\xfe", b"dir-\xe9", b"inner-\xff"]);
    assert_eq!(events[2].src_pathname().map(|p| p.as_os_str().as_bytes()), Some(bad.as_os_str().as_bytes()));
    assert_eq!(events[5].path(), dir.as_path(), "the auto-added watch has the non-UTF-8 path");
    assert_eq!(wm.get_path(events[5].wd()).unwrap(), dir);

    let mut json = Vec::new();
    format::write_json(&mut json, &events[0]);
    let json = String::from_utf8(json).expect("JSON output is UTF-8");
    assert!(json.contains("\"name\":\"bad-\\udcff\""), "{json}");
    assert!(events[0].to_string().contains("name=bad-\\xff "), "{}", events[0]);
    assert_eq!(events[0].name(), OsStr::from_bytes(b"bad-\xff"));
}

#[test]
fn new_tree_renamed_before_it_is_read_is_watched_under_its_new_name() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_MOVE).rec(true).auto_add(true).apply().unwrap();
    fs::create_dir_all(t.p("a/b/c")).unwrap();
    fs::rename(t.p("a"), t.p("x")).unwrap();
    wait_event(&mut n, &rec, Mask::IN_MOVED_TO | Mask::IN_ISDIR, t.p("x"));
    settle(&mut n);
    assert_eq!(watched_paths(&wm), [t.w.clone(), t.p("x"), t.p("x/b"), t.p("x/b/c")]);
    assert_eq!(rec.count(DIR_CREATE, t.p("x/b")), 1, "{rec:?}");
    assert_eq!(rec.count(DIR_CREATE, t.p("x/b/c")), 1, "{rec:?}");
    assert!(rec.events().iter().all(|e| !e.pathname().starts_with(t.p("a/b"))), "{rec:?}");
    t.touch(&["x/b/c/f"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("x/b/c/f"));
}
