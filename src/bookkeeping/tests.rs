//! The bookkeeping rules, one test (or a few) per rule, driven from data: a fake
//! file system ([`FakeFs`]) in the state the kernel would see, kernel records fed
//! batch by batch, and the delivered events and the watch table checked.
//!
//! Events are rendered `MASKNAME pathname`, with ` <- src_pathname` on a paired
//! `IN_MOVED_TO`, so each expectation reads like the events a user would get.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::bookkeeping::fake_fs::FakeFs;
use crate::bookkeeping::filter::ExcludeFilter;
use crate::bookkeeping::tree::Outcome;
use crate::bookkeeping::watch_table::WatchOptions;

const fn or(a: Mask, b: Mask) -> Mask {
    Mask::from_bits_retain(a.bits() | b.bits())
}

const CREATE: Mask = Mask::IN_CREATE;
const DELETE: Mask = Mask::IN_DELETE;
const FROM: Mask = Mask::IN_MOVED_FROM;
const TO: Mask = Mask::IN_MOVED_TO;
const MOVE_SELF: Mask = Mask::IN_MOVE_SELF;
const DELETE_SELF: Mask = Mask::IN_DELETE_SELF;
const IGNORED: Mask = Mask::IN_IGNORED;
const CREATE_DIR: Mask = or(CREATE, Mask::IN_ISDIR);
const DELETE_DIR: Mask = or(DELETE, Mask::IN_ISDIR);
const FROM_DIR: Mask = or(FROM, Mask::IN_ISDIR);
const TO_DIR: Mask = or(TO, Mask::IN_ISDIR);

/// One kernel record: the watch it came on, its mask, cookie and name.
type Rec<'a> = (Wd, Mask, u32, &'a str);

/// A bookkeeper over a fake file system, watching `/w` recursively.
struct Harness {
    bk: Bookkeeper<FakeFs>,
}

impl Harness {
    /// `tree`: paths to create (a trailing `/` makes a directory); `/w` is watched
    /// with `mask`, rec, and `auto_add`.
    fn new(tree: &[&str], mask: Mask, auto_add: bool) -> Harness {
        Harness::with_options(tree, WatchOptions { mask, rec: true, auto_add, ..Default::default() })
    }

    fn with_options(tree: &[&str], options: WatchOptions) -> Harness {
        let mut fs = FakeFs::with(tree);
        fs.add("/w/");
        let mut h = Harness { bk: Bookkeeper::new(fs) };
        h.add_root("/w", &options);
        h.settle();
        h
    }

    /// One batch of a stale record: what was added before is no longer fresh.
    fn settle(&mut self) {
        assert!(self.batch(&[(-7, Mask::IN_ATTRIB, 0, "")]).is_empty());
    }

    fn add_root(&mut self, root: &str, options: &WatchOptions) -> Vec<(String, Wd)> {
        let mut out = Vec::new();
        self.bk.add_tree(Path::new(root), options, &mut out);
        out.into_iter().map(|(p, o)| (p.display().to_string(), o.code())).collect()
    }

    /// The wd the table has for `path`.
    fn wd(&self, path: &str) -> Wd {
        self.bk.table.wd_of(Path::new(path)).unwrap_or_else(|| panic!("{path} is not watched"))
    }

    /// Feeds one batch and ends it (the kernel queue read empty); the events delivered.
    fn batch(&mut self, records: &[Rec<'_>]) -> Vec<String> {
        let mut out = Vec::new();
        for (wd, mask, cookie, name) in records {
            self.bk.process(RawEvent { wd: *wd, mask: *mask, cookie: *cookie, name: OsStr::new(name) }, &mut out);
        }
        self.bk.end_batch(true, &mut out);
        out.iter().map(render).collect()
    }

    /// Feeds records without ending the batch.
    fn records(&mut self, records: &[Rec<'_>]) -> Vec<String> {
        let mut out = Vec::new();
        for (wd, mask, cookie, name) in records {
            self.bk.process(RawEvent { wd: *wd, mask: *mask, cookie: *cookie, name: OsStr::new(name) }, &mut out);
        }
        out.iter().map(render).collect()
    }

    /// The watched paths, in order.
    fn watches(&self) -> Vec<String> {
        self.bk.table.iter().map(|e| e.path.display().to_string()).collect()
    }

    /// Checks the table against the fake kernel: every watch in the table is a
    /// kernel watch on the inode now at that path, and every kernel watch (but
    /// the sentinels) is in the table.
    fn check_consistent(&self) {
        let fs = &self.bk.fs;
        for e in self.bk.table.iter() {
            let kernel = fs.watches.get(&e.wd).map(|(p, _)| p.as_path());
            assert_eq!(kernel, Some(&*e.path), "wd {} in the table but not in the kernel", e.wd);
        }
        for (wd, (path, _)) in &fs.watches {
            let known = self.bk.table.get(*wd).is_some() || self.bk.sentinels.contains_key(wd);
            assert!(known, "kernel watch {wd} on {} is not in the table", path.display());
        }
    }

    /// `mkdir -p` / create in the fake file system.
    fn add(&mut self, paths: &[&str]) {
        for p in paths {
            self.bk.fs.add(p);
        }
    }

    fn rename(&mut self, from: &str, to: &str) {
        self.bk.fs.rename(from, to);
    }

    /// `rm -r`: the nodes go, and the kernel drops the watches of deleted inodes.
    fn remove(&mut self, path: &str) {
        let path = Path::new(path);
        self.bk.fs.nodes.retain(|p, _| !p.starts_with(path));
        self.bk.fs.watches.retain(|_, (p, _)| !p.starts_with(path));
    }
}

fn render(r: &Routed) -> String {
    let ev = &r.event;
    let src = ev.src_pathname().map(|s| format!(" <- {}", s.display())).unwrap_or_default();
    format!("{} {}{}", ev.maskname(), ev.pathname().display(), src)
}

fn options(mask: Mask, auto_add: bool) -> WatchOptions {
    WatchOptions { mask, rec: true, auto_add, ..Default::default() }
}

fn excluding(pattern: &str) -> WatchOptions {
    let filter = ExcludeFilter::new([pattern]).unwrap();
    WatchOptions { filter: Some(Arc::new(filter)), ..options(Mask::ALL_EVENTS, true) }
}

// Rule 1: paths are always true.

#[test]
fn dir_rename_inside_the_tree_rewrites_own_and_descendant_paths_at_moved_to() {
    let mut h = Harness::new(&["/w/a/b/c/"], Mask::ALL_EVENTS, true);
    let (w, a, c) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/a/b/c"));
    h.rename("/w/a", "/w/x");
    let events = h.records(&[(w, FROM_DIR, 7, "a"), (w, TO_DIR, 7, "x")]);
    assert_eq!(events, ["IN_MOVED_FROM|IN_ISDIR /w/a", "IN_MOVED_TO|IN_ISDIR /w/x <- /w/a"]);
    // Rewritten at the IN_MOVED_TO, before the directory's own IN_MOVE_SELF.
    assert_eq!(h.watches(), ["/w", "/w/x", "/w/x/b", "/w/x/b/c"]);
    let events = h.batch(&[(a, MOVE_SELF, 0, ""), (c, CREATE, 0, "f")]);
    assert_eq!(events, ["IN_MOVE_SELF /w/x", "IN_CREATE /w/x/b/c/f"]);
    h.check_consistent();
}

#[test]
fn dir_rename_rewrites_paths_even_without_move_events_in_the_user_mask() {
    let mut h = Harness::new(&["/w/a/b/"], Mask::IN_CREATE, true);
    let (w, a, b) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/a/b"));
    h.rename("/w/a", "/w/x");
    let events = h.batch(&[(w, FROM_DIR, 7, "a"), (w, TO_DIR, 7, "x"), (a, MOVE_SELF, 0, ""), (b, CREATE, 0, "f")]);
    assert_eq!(events, ["IN_CREATE /w/x/b/f"]);
    h.check_consistent();
}

#[test]
fn dir_renamed_twice_in_a_row_follows_both_renames() {
    for split in [false, true] {
        let mut h = Harness::new(&["/w/a/b/"], Mask::ALL_EVENTS, true);
        let (w, a, b) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/a/b"));
        h.rename("/w/a", "/w/x");
        h.rename("/w/x", "/w/y");
        let first = [(w, FROM_DIR, 1, "a"), (w, TO_DIR, 1, "x"), (a, MOVE_SELF, 0, "")];
        let second = [(w, FROM_DIR, 2, "x"), (w, TO_DIR, 2, "y"), (a, MOVE_SELF, 0, ""), (b, CREATE, 0, "f")];
        let mut events = if split { h.batch(&first) } else { h.records(&first) };
        events.extend(h.batch(&second));
        assert_eq!(events[1], "IN_MOVED_TO|IN_ISDIR /w/x <- /w/a");
        assert_eq!(events[4], "IN_MOVED_TO|IN_ISDIR /w/y <- /w/x");
        assert_eq!(events[6], "IN_CREATE /w/y/b/f");
        assert_eq!(h.watches(), ["/w", "/w/y", "/w/y/b"]);
        h.check_consistent();
    }
}

#[test]
fn nested_dir_renames_compose() {
    let mut h = Harness::new(&["/w/a/b/c/"], Mask::ALL_EVENTS, true);
    let (w, a, b, c) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/a/b"), h.wd("/w/a/b/c"));
    h.rename("/w/a/b", "/w/a/z");
    h.rename("/w/a", "/w/q");
    let events = h.batch(&[
        (a, FROM_DIR, 1, "b"),
        (a, TO_DIR, 1, "z"),
        (b, MOVE_SELF, 0, ""),
        (w, FROM_DIR, 2, "a"),
        (w, TO_DIR, 2, "q"),
        (a, MOVE_SELF, 0, ""),
        (c, CREATE, 0, "f"),
    ]);
    assert_eq!(events[1], "IN_MOVED_TO|IN_ISDIR /w/a/z <- /w/a/b");
    assert_eq!(events[2], "IN_MOVE_SELF /w/a/z");
    assert_eq!(events[6], "IN_CREATE /w/q/z/c/f");
    assert_eq!(h.watches(), ["/w", "/w/q", "/w/q/z", "/w/q/z/c"]);
    h.check_consistent();
}

#[test]
fn dir_renamed_back_gets_its_old_paths_back() {
    let mut h = Harness::new(&["/w/a/b/"], Mask::ALL_EVENTS, true);
    let (w, a, b) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/a/b"));
    let events = h.batch(&[
        (w, FROM_DIR, 1, "a"),
        (w, TO_DIR, 1, "x"),
        (a, MOVE_SELF, 0, ""),
        (w, FROM_DIR, 2, "x"),
        (w, TO_DIR, 2, "a"),
        (a, MOVE_SELF, 0, ""),
        (b, CREATE, 0, "f"),
    ]);
    assert_eq!(events[4], "IN_MOVED_TO|IN_ISDIR /w/a <- /w/x");
    assert_eq!(events[6], "IN_CREATE /w/a/b/f");
    assert_eq!(h.watches(), ["/w", "/w/a", "/w/a/b"]);
    h.check_consistent();
}

#[test]
fn moved_root_is_followed() {
    let mut h = Harness::new(&["/w/s/"], Mask::ALL_EVENTS, false);
    let (w, s) = (h.wd("/w"), h.wd("/w/s"));
    h.rename("/w", "/w2");
    let events = h.batch(&[(w, MOVE_SELF, 0, ""), (w, CREATE, 0, "f"), (s, CREATE, 0, "g")]);
    assert_eq!(events, ["IN_MOVE_SELF /w2", "IN_CREATE /w2/f", "IN_CREATE /w2/s/g"]);
    assert_eq!(h.watches(), ["/w2", "/w2/s"]);
    h.check_consistent();
}

#[test]
fn dir_moved_out_of_every_tree_is_unwatched_with_its_subtree() {
    let mut h = Harness::new(&["/w/d/e/", "/out/"], Mask::ALL_EVENTS, true);
    let (w, d, e) = (h.wd("/w"), h.wd("/w/d"), h.wd("/w/d/e"));
    h.rename("/w/d", "/out/d");
    let events = h.batch(&[(w, FROM_DIR, 3, "d"), (d, MOVE_SELF, 0, ""), (d, CREATE, 0, "f"), (e, CREATE, 0, "g")]);
    // Its own IN_MOVE_SELF names where it was; nothing after it is reported.
    assert_eq!(events, ["IN_MOVED_FROM|IN_ISDIR /w/d", "IN_MOVE_SELF /w/d"]);
    assert_eq!(h.watches(), ["/w"]);
    assert!(h.bk.fs.watched("/out/d").is_none() && h.bk.fs.watched("/out/d/e").is_none());
    // The IN_IGNORED of the removed watches finds nothing.
    assert!(h.batch(&[(d, IGNORED, 0, ""), (e, IGNORED, 0, "")]).is_empty());
    h.check_consistent();
}

// Rule 2: moves pair by cookie, without stale records.

#[test]
fn unpaired_moved_from_is_released_after_the_next_batch() {
    let mut h = Harness::new(&["/w/d/", "/w/x/"], Mask::ALL_EVENTS, true);
    let (w, d) = (h.wd("/w"), h.wd("/w/d"));
    h.rename("/w/d", "/out/d");
    assert_eq!(h.batch(&[(w, FROM_DIR, 3, "d")]), ["IN_MOVED_FROM|IN_ISDIR /w/d"]);
    assert_eq!(h.watches(), ["/w", "/w/d", "/w/x"], "its partner may still come in the next read");
    assert_eq!(h.batch(&[(w, CREATE, 0, "f")]), ["IN_CREATE /w/f"]);
    assert_eq!(h.watches(), ["/w", "/w/x"]);
    assert!(h.batch(&[(d, CREATE, 0, "late")]).is_empty());
    h.check_consistent();
}

#[test]
fn a_move_split_over_two_reads_still_pairs() {
    let mut h = Harness::new(&["/w/d/"], Mask::ALL_EVENTS, true);
    let (w, d) = (h.wd("/w"), h.wd("/w/d"));
    h.rename("/w/d", "/w/e");
    h.batch(&[(w, FROM_DIR, 3, "d")]);
    let events = h.batch(&[(w, TO_DIR, 3, "e"), (d, MOVE_SELF, 0, ""), (d, CREATE, 0, "f")]);
    assert_eq!(events, ["IN_MOVED_TO|IN_ISDIR /w/e <- /w/d", "IN_MOVE_SELF /w/e", "IN_CREATE /w/e/f"]);
    h.check_consistent();
}

#[test]
fn a_cookie_pairs_once_and_is_not_remembered() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    let events = h.batch(&[(w, FROM, 5, "a"), (w, TO, 5, "b"), (w, TO, 5, "c")]);
    assert_eq!(events, ["IN_MOVED_FROM /w/a", "IN_MOVED_TO /w/b <- /w/a", "IN_MOVED_TO /w/c"]);
}

#[test]
fn moves_pair_across_two_watches() {
    let mut h = Harness::new(&["/w/x/d/", "/w/y/"], Mask::ALL_EVENTS, true);
    let (x, y, d) = (h.wd("/w/x"), h.wd("/w/y"), h.wd("/w/x/d"));
    h.rename("/w/x/d", "/w/y/d");
    let events = h.batch(&[
        (x, FROM, 1, "f"),
        (y, TO, 1, "f"),
        (x, FROM_DIR, 2, "d"),
        (y, TO_DIR, 2, "d"),
        (d, MOVE_SELF, 0, ""),
    ]);
    assert_eq!(events[1], "IN_MOVED_TO /w/y/f <- /w/x/f");
    assert_eq!(events[3], "IN_MOVED_TO|IN_ISDIR /w/y/d <- /w/x/d");
    assert_eq!(events[4], "IN_MOVE_SELF /w/y/d");
    assert_eq!(h.watches(), ["/w", "/w/x", "/w/y", "/w/y/d"]);
    h.check_consistent();
}

#[test]
fn src_pathname_whatever_the_user_mask() {
    let mut h = Harness::new(&["/w/d/"], Mask::IN_MOVED_TO, true);
    let (w, d) = (h.wd("/w"), h.wd("/w/d"));
    h.rename("/w/d", "/w/e");
    let events = h.batch(&[
        (w, FROM, 1, "f"),
        (w, TO, 1, "g"),
        (w, FROM_DIR, 2, "d"),
        (w, TO_DIR, 2, "e"),
        (d, MOVE_SELF, 0, ""),
    ]);
    assert_eq!(events, ["IN_MOVED_TO /w/g <- /w/f", "IN_MOVED_TO|IN_ISDIR /w/e <- /w/d"], "unlike pyinotify");
    assert_eq!(h.watches(), ["/w", "/w/e"], "the pair still moves the watch");
    let mut h = Harness::new(&[], Mask::IN_MOVED_FROM | Mask::IN_MOVED_TO, true);
    let w = h.wd("/w");
    assert_eq!(h.batch(&[(w, FROM, 1, "f"), (w, TO, 1, "g")])[1], "IN_MOVED_TO /w/g <- /w/f");
}

// Rule 3: no directory is missed, nothing is reported twice.

#[test]
fn auto_add_reports_each_entry_exactly_once() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/f", "/w/d/sub/g"]);
    let events = h.batch(&[(w, CREATE_DIR, 0, "d")]);
    assert_eq!(
        events,
        ["IN_CREATE|IN_ISDIR /w/d", "IN_CREATE /w/d/f", "IN_CREATE|IN_ISDIR /w/d/sub", "IN_CREATE /w/d/sub/g"]
    );
    assert_eq!(h.watches(), ["/w", "/w/d", "/w/d/sub"]);
    // The kernel's own events for what the listing found are not reported again.
    let (d, sub) = (h.wd("/w/d"), h.wd("/w/d/sub"));
    let events = h.batch(&[(d, CREATE, 0, "f"), (d, CREATE_DIR, 0, "sub"), (sub, CREATE, 0, "g"), (d, CREATE, 0, "h")]);
    assert_eq!(events, ["IN_CREATE /w/d/h"]);
    h.check_consistent();
}

#[test]
fn auto_add_reports_a_name_deleted_and_created_again() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/f"]);
    h.batch(&[(w, CREATE_DIR, 0, "d")]);
    let d = h.wd("/w/d");
    let events = h.batch(&[(d, DELETE, 0, "f"), (d, CREATE, 0, "f")]);
    assert_eq!(events, ["IN_DELETE /w/d/f", "IN_CREATE /w/d/f"]);
}

#[test]
fn synthesized_names_are_forgotten_once_their_kernel_event_cannot_come() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/f"]);
    h.batch(&[(w, CREATE_DIR, 0, "d")]);
    let d = h.wd("/w/d");
    h.batch(&[(w, Mask::IN_ATTRIB, 0, "x")]);
    // The next read would have held f's IN_CREATE; a later one is a new file.
    assert_eq!(h.batch(&[(d, CREATE, 0, "f")]), ["IN_CREATE /w/d/f"]);
}

#[test]
fn synthesized_creates_come_breadth_first_after_the_batch() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/a/b/f", "/w/a/g", "/w/x"]);
    let events = h.batch(&[(w, CREATE_DIR, 0, "a"), (w, CREATE, 0, "x")]);
    assert_eq!(
        events,
        [
            "IN_CREATE|IN_ISDIR /w/a",
            "IN_CREATE /w/x",
            "IN_CREATE|IN_ISDIR /w/a/b",
            "IN_CREATE /w/a/g",
            "IN_CREATE /w/a/b/f"
        ]
    );
}

#[test]
fn mkdir_rmdir_mkdir_in_one_batch_reports_each_entry_once() {
    let mut h = Harness::new(&[], Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_DELETE_SELF, true);
    let w = h.wd("/w");
    h.add(&["/w/d/f"]);
    let events = h.batch(&[(w, CREATE_DIR, 0, "d"), (w, DELETE_DIR, 0, "d"), (w, CREATE_DIR, 0, "d")]);
    assert_eq!(
        events,
        ["IN_CREATE|IN_ISDIR /w/d", "IN_DELETE|IN_ISDIR /w/d", "IN_CREATE|IN_ISDIR /w/d", "IN_CREATE /w/d/f"]
    );
    let d = h.wd("/w/d");
    assert!(h.batch(&[(d, CREATE, 0, "f")]).is_empty());
    h.check_consistent();
}

#[test]
fn dir_created_and_renamed_at_once_is_watched_under_its_new_name() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/e/f"]); // mkdir w/d; touch w/d/f; mv w/d w/e: all before the read
    let events = h.batch(&[(w, CREATE_DIR, 0, "d"), (w, FROM_DIR, 4, "d"), (w, TO_DIR, 4, "e")]);
    assert_eq!(
        events,
        [
            "IN_CREATE|IN_ISDIR /w/d",
            "IN_MOVED_FROM|IN_ISDIR /w/d",
            "IN_MOVED_TO|IN_ISDIR /w/e <- /w/d",
            "IN_CREATE /w/e/f"
        ]
    );
    let e = h.wd("/w/e");
    assert_eq!(h.batch(&[(e, CREATE, 0, "g")]), ["IN_CREATE /w/e/g"]);
    h.check_consistent();
}

#[test]
fn dir_created_then_renamed_after_the_read_is_watched_under_its_new_name() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/e/"]); // the rename happened between the read and the watch
    h.bk.fs.unread = true;
    assert_eq!(h.batch(&[(w, CREATE_DIR, 0, "d")]), ["IN_CREATE|IN_ISDIR /w/d"]);
    h.bk.fs.unread = false;
    assert_eq!(h.watches(), ["/w"]);
    let events = h.batch(&[(w, FROM_DIR, 4, "d"), (w, TO_DIR, 4, "e")]);
    assert_eq!(events, ["IN_MOVED_FROM|IN_ISDIR /w/d", "IN_MOVED_TO|IN_ISDIR /w/e <- /w/d"]);
    assert_eq!(h.watches(), ["/w", "/w/e"]);
    h.check_consistent();
}

#[test]
fn dir_created_in_a_dir_renamed_later_in_the_batch_is_watched() {
    let mut h = Harness::new(&["/w/a/"], Mask::ALL_EVENTS, true);
    let (w, a) = (h.wd("/w"), h.wd("/w/a"));
    h.add(&["/w/a/x/"]);
    h.rename("/w/a", "/w/b");
    let events = h.batch(&[(a, CREATE_DIR, 0, "x"), (w, FROM_DIR, 1, "a"), (w, TO_DIR, 1, "b"), (a, MOVE_SELF, 0, "")]);
    assert_eq!(events[0], "IN_CREATE|IN_ISDIR /w/a/x");
    assert_eq!(h.watches(), ["/w", "/w/b", "/w/b/x"]);
    h.check_consistent();
}

#[test]
fn new_dir_whose_parent_moved_after_the_read_is_tried_again() {
    let mut h = Harness::new(&["/w/a/"], Mask::ALL_EVENTS, true);
    let (w, a) = (h.wd("/w"), h.wd("/w/a"));
    h.add(&["/w/a/x/f"]);
    h.rename("/w/a", "/w/b");
    h.bk.fs.unread = true; // the rename's records
    assert_eq!(h.batch(&[(a, CREATE_DIR, 0, "x")]), ["IN_CREATE|IN_ISDIR /w/a/x"]);
    h.bk.fs.unread = false;
    let events = h.batch(&[(w, FROM_DIR, 1, "a"), (w, TO_DIR, 1, "b"), (a, MOVE_SELF, 0, "")]);
    assert_eq!(events[3], "IN_CREATE /w/b/x/f");
    assert_eq!(h.watches(), ["/w", "/w/b", "/w/b/x"]);
    h.check_consistent();
}

#[test]
fn new_dir_moved_between_its_watch_and_its_listing_is_listed_later() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/f", "/w/d/s/"]);
    h.bk.fs.unlistable.insert("/w/d".into());
    h.bk.fs.unread = true;
    assert_eq!(h.batch(&[(w, CREATE_DIR, 0, "d")]), ["IN_CREATE|IN_ISDIR /w/d"]);
    let d = h.wd("/w/d");
    h.bk.fs.unlistable.clear();
    h.bk.fs.unread = false;
    h.rename("/w/d", "/w/e");
    let events = h.batch(&[(w, FROM_DIR, 1, "d"), (w, TO_DIR, 1, "e"), (d, MOVE_SELF, 0, "")]);
    assert_eq!(events[3..], ["IN_CREATE /w/e/f", "IN_CREATE|IN_ISDIR /w/e/s"]);
    assert_eq!(h.watches(), ["/w", "/w/e", "/w/e/s"]);
    h.check_consistent();
}

#[test]
fn new_dir_gone_for_good_is_given_up() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.bk.fs.unread = true; // records that may tell where it went
    h.batch(&[(w, CREATE_DIR, 0, "d")]);
    assert!(!h.bk.new_dirs.is_empty());
    h.bk.fs.unread = false; // none left
    h.batch(&[(w, Mask::IN_ATTRIB, 0, "x")]);
    assert!(h.bk.new_dirs.is_empty());
}

#[test]
fn dir_moved_in_from_outside_is_watched_and_what_it_holds_reported_like_a_new_one() {
    let mut h = Harness::new(&["/out/n/m/f"], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.rename("/out/n", "/w/n");
    // Written into it after the move, before it could be watched:
    h.add(&["/w/n/new", "/w/n/m/new2"]);
    let events = h.batch(&[(w, TO_DIR, 9, "n")]);
    assert_eq!(
        events,
        [
            "IN_MOVED_TO|IN_ISDIR /w/n",
            "IN_CREATE|IN_ISDIR /w/n/m",
            "IN_CREATE /w/n/new",
            "IN_CREATE /w/n/m/f",
            "IN_CREATE /w/n/m/new2"
        ]
    );
    assert_eq!(h.watches(), ["/w", "/w/n", "/w/n/m"]);
    // The kernel's own events for what the listing found are not reported again.
    let (n, m) = (h.wd("/w/n"), h.wd("/w/n/m"));
    assert!(h.batch(&[(n, CREATE, 0, "new"), (m, CREATE, 0, "new2")]).is_empty());
    h.check_consistent();
}

#[test]
fn dir_renamed_over_an_existing_watched_dir_takes_its_place() {
    let mut h = Harness::new(&["/w/a/x/", "/w/b/"], Mask::ALL_EVENTS, true);
    let (w, a, b, x) = (h.wd("/w"), h.wd("/w/a"), h.wd("/w/b"), h.wd("/w/a/x"));
    h.remove("/w/b");
    h.rename("/w/a", "/w/b");
    let events = h.batch(&[
        (w, FROM_DIR, 1, "a"),
        (w, TO_DIR, 1, "b"),
        (a, MOVE_SELF, 0, ""),
        (b, DELETE_SELF, 0, ""),
        (b, IGNORED, 0, ""),
        (x, CREATE, 0, "f"),
    ]);
    assert_eq!(events[1], "IN_MOVED_TO|IN_ISDIR /w/b <- /w/a");
    assert_eq!(events[5], "IN_CREATE /w/b/x/f");
    assert_eq!(h.watches(), ["/w", "/w/b", "/w/b/x"]);
    assert_eq!(h.wd("/w/b"), a);
    h.check_consistent();
}

#[test]
fn new_dir_renamed_over_an_existing_watched_dir_is_watched() {
    let mut h = Harness::new(&["/w/b/"], Mask::ALL_EVENTS, true);
    let (w, b) = (h.wd("/w"), h.wd("/w/b"));
    h.remove("/w/b");
    h.add(&["/w/b/f"]); // mkdir w/a; touch w/a/f; mv -T w/a w/b
    let events = h.batch(&[
        (w, CREATE_DIR, 0, "a"),
        (w, FROM_DIR, 1, "a"),
        (w, TO_DIR, 1, "b"),
        (b, DELETE_SELF, 0, ""),
        (b, IGNORED, 0, ""),
    ]);
    assert_eq!(events.last().unwrap(), "IN_CREATE /w/b/f");
    assert_eq!(h.watches(), ["/w", "/w/b"]);
    assert_ne!(h.wd("/w/b"), b);
    h.check_consistent();
}

#[test]
fn a_known_wd_returned_for_another_path_moves_that_watch() {
    let mut h = Harness::new(&["/w/a/b/"], Mask::ALL_EVENTS, true);
    let (w, a) = (h.wd("/w"), h.wd("/w/a"));
    h.rename("/w/a", "/w/z");
    // The kernel's move records were lost (say, to an overflow); a later
    // IN_MOVED_TO from outside names the directory again.
    let events = h.batch(&[(w, TO_DIR, 9, "z")]);
    assert_eq!(events, ["IN_MOVED_TO|IN_ISDIR /w/z"]);
    assert_eq!(h.wd("/w/z"), a);
    assert_eq!(h.watches(), ["/w", "/w/z", "/w/z/b"]);
    h.check_consistent();
}

#[test]
fn fresh_watch_named_by_an_older_move_out_is_kept() {
    // mv out/n w/d3 [read] mv w/d3 out/; mkdir w/d3 [flush watches the new w/d3]
    let mut h = Harness::new(&["/out/n/"], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d3/"]);
    assert_eq!(h.batch(&[(w, TO_DIR, 1, "d3")]), ["IN_MOVED_TO|IN_ISDIR /w/d3"]);
    let fresh = h.wd("/w/d3");
    // The records of the move out (no IN_MOVE_SELF: the moved one was not
    // watched) and of the new directory.
    h.batch(&[(w, FROM_DIR, 2, "d3"), (w, CREATE_DIR, 0, "d3")]);
    h.batch(&[(w, Mask::IN_ATTRIB, 0, "x")]);
    assert_eq!(h.watches(), ["/w", "/w/d3"]);
    assert_eq!(h.wd("/w/d3"), fresh);
    h.check_consistent();
}

#[test]
fn fresh_watch_named_by_an_older_rename_goes_back_and_the_moved_dir_is_watched() {
    // mkdir w/d [read] mv w/d w/e; mkdir w/d [flush watches the second w/d]
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/", "/w/e/"]);
    h.batch(&[(w, CREATE_DIR, 0, "d")]);
    let second = h.wd("/w/d");
    let events = h.batch(&[(w, FROM_DIR, 1, "d"), (w, TO_DIR, 1, "e"), (w, CREATE_DIR, 0, "d")]);
    assert_eq!(events[1], "IN_MOVED_TO|IN_ISDIR /w/e <- /w/d");
    assert_eq!(h.watches(), ["/w", "/w/d", "/w/e"]);
    assert_eq!(h.wd("/w/d"), second);
    h.check_consistent();
}

#[test]
fn fresh_watch_whose_move_is_confirmed_by_move_self_stays_moved() {
    // mkdir w/d [read, flush watches w/d] mv w/d w/e
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    h.add(&["/w/d/"]);
    h.batch(&[(w, CREATE_DIR, 0, "d")]);
    let d = h.wd("/w/d");
    h.rename("/w/d", "/w/e");
    let events = h.batch(&[(w, FROM_DIR, 1, "d"), (w, TO_DIR, 1, "e"), (d, MOVE_SELF, 0, ""), (d, CREATE, 0, "f")]);
    assert_eq!(events[2..], ["IN_MOVE_SELF /w/e", "IN_CREATE /w/e/f"]);
    assert_eq!(h.wd("/w/e"), d);
    h.check_consistent();
}

#[test]
fn queued_dir_does_not_hide_the_fresh_watch_on_its_path() {
    // A fresh watch sits on w/p/d while a rename over it queued w/p/d again;
    // then the watched directory moves out: its IN_MOVE_SELF must be recognised.
    let mut h = Harness::new(&["/w/p/"], Mask::ALL_EVENTS, true);
    let p = h.wd("/w/p");
    h.add(&["/w/p/d/"]);
    h.batch(&[(p, CREATE_DIR, 0, "d")]);
    let d = h.wd("/w/p/d");
    h.rename("/w/p/d", "/out/d");
    h.batch(&[(p, TO_DIR, 5, "d"), (p, FROM_DIR, 6, "d"), (d, MOVE_SELF, 0, "")]);
    assert_eq!(h.watches(), ["/w", "/w/p"]);
    assert!(h.bk.new_dirs.is_empty());
    h.check_consistent();
}

// Rule 4: filters don't break bookkeeping.

#[test]
fn delete_filter_with_rec_and_auto_add_still_follows_new_dirs_and_moves() {
    let mut h = Harness::new(&["/w/sub/"], Mask::IN_DELETE, true);
    let (w, sub) = (h.wd("/w"), h.wd("/w/sub"));
    let kernel = h.bk.fs.watches[&w].1;
    assert!(kernel.contains(Mask::IN_CREATE | Mask::IN_MOVE | Mask::IN_MOVE_SELF | Mask::IN_DELETE));
    h.add(&["/w/d/f"]);
    h.rename("/w/sub", "/w/sub2");
    let events = h.batch(&[
        (w, CREATE_DIR, 0, "d"),
        (w, FROM_DIR, 1, "sub"),
        (w, TO_DIR, 1, "sub2"),
        (sub, MOVE_SELF, 0, ""),
        (sub, CREATE, 0, "f"),
        (sub, DELETE, 0, "f"),
    ]);
    assert_eq!(events, ["IN_DELETE /w/sub2/f"]);
    assert_eq!(h.watches(), ["/w", "/w/d", "/w/sub2"]);
    let d = h.wd("/w/d");
    assert_eq!(h.batch(&[(d, CREATE, 0, "g"), (d, DELETE, 0, "f")]), ["IN_DELETE /w/d/f"]);
    h.check_consistent();
}

// Rule 5: IN_IGNORED removes the watch.

#[test]
fn ignored_removes_the_watch_and_is_delivered() {
    let mut h = Harness::new(&["/w/d/"], Mask::IN_CREATE, true);
    let (w, d) = (h.wd("/w"), h.wd("/w/d"));
    h.remove("/w/d");
    let events = h.batch(&[(d, DELETE_SELF, 0, ""), (d, IGNORED, 0, ""), (w, DELETE_DIR, 0, "d")]);
    assert_eq!(events, ["IN_IGNORED /w/d"]);
    assert_eq!(h.watches(), ["/w"]);
    h.check_consistent();
}

#[test]
fn stale_events_for_removed_wds_are_dropped() {
    let mut h = Harness::new(&["/w/d/"], Mask::ALL_EVENTS, true);
    let d = h.wd("/w/d");
    h.remove("/w/d");
    h.batch(&[(d, DELETE_SELF, 0, ""), (d, IGNORED, 0, "")]);
    assert!(h.batch(&[(d, CREATE, 0, "f"), (d, IGNORED, 0, ""), (d, MOVE_SELF, 0, "")]).is_empty());
    assert!(h.batch(&[(4242, CREATE, 0, "f")]).is_empty());
}

#[test]
fn reused_wd_number_reaches_only_the_new_watch() {
    let mut h = Harness::new(&["/w/d/", "/w/d/x/"], Mask::ALL_EVENTS, true);
    let (w, d, x) = (h.wd("/w"), h.wd("/w/d"), h.wd("/w/d/x"));
    h.remove("/w/d");
    h.batch(&[(x, DELETE_SELF, 0, ""), (x, IGNORED, 0, ""), (d, DELETE_SELF, 0, ""), (d, IGNORED, 0, "")]);
    h.bk.fs.next_wd = d; // the kernel hands the number out again
    h.add(&["/w/e/f"]);
    let events = h.batch(&[(w, DELETE_DIR, 0, "d"), (w, CREATE_DIR, 0, "e")]);
    assert_eq!(events, ["IN_DELETE|IN_ISDIR /w/d", "IN_CREATE|IN_ISDIR /w/e", "IN_CREATE /w/e/f"]);
    assert_eq!(h.wd("/w/e"), d);
    // The new watch's own IN_CREATE of f is the synthesized one's twin; g is new.
    assert_eq!(h.batch(&[(d, CREATE, 0, "f"), (d, CREATE, 0, "g")]), ["IN_CREATE /w/e/g"]);
    assert_eq!(h.watches(), ["/w", "/w/e"]);
    h.check_consistent();
}

#[test]
fn oneshot_watch_asks_the_kernel_for_the_user_mask_only_and_ends_at_ignored() {
    let oneshot = Mask::IN_CREATE | Mask::IN_ONESHOT;
    let mut h = Harness::with_options(&[], WatchOptions { mask: oneshot, ..Default::default() });
    let w = h.wd("/w");
    assert_eq!(h.bk.fs.watches[&w].1, oneshot, "a bookkeeping event would use up the one shot");
    assert_eq!(h.batch(&[(w, CREATE, 0, "one"), (w, IGNORED, 0, "")]), ["IN_CREATE /w/one", "IN_IGNORED /w"]);
    assert!(h.watches().is_empty());
}

#[test]
fn rm_watch_during_a_batch_drops_the_rest_of_its_records() {
    let mut h = Harness::new(&["/w/d/"], Mask::ALL_EVENTS, true);
    let (w, d) = (h.wd("/w"), h.wd("/w/d"));
    let mut events = h.records(&[(d, CREATE, 0, "a")]);
    let removed = h.bk.remove(d, false);
    assert!(removed[0].1.is_ok());
    events.extend(h.batch(&[(d, CREATE, 0, "b"), (d, IGNORED, 0, ""), (w, CREATE, 0, "c")]));
    assert_eq!(events, ["IN_CREATE /w/d/a", "IN_CREATE /w/c"]);
    h.check_consistent();
}

#[test]
fn ignored_events_still_keep_the_table_true() {
    let mut h = Harness::new(&["/w/a/"], Mask::ALL_EVENTS, true);
    let (w, a) = (h.wd("/w"), h.wd("/w/a"));
    h.bk.ignore_events = true;
    h.add(&["/w/d/f"]);
    h.rename("/w/a", "/w/b");
    let events = h.batch(&[(w, CREATE_DIR, 0, "d"), (w, FROM_DIR, 1, "a"), (w, TO_DIR, 1, "b"), (a, MOVE_SELF, 0, "")]);
    assert!(events.is_empty(), "nothing delivered, synthesized events included");
    assert_eq!(h.watches(), ["/w", "/w/b", "/w/d"]);
    h.bk.ignore_events = false;
    assert_eq!(h.batch(&[(a, CREATE, 0, "g")]), ["IN_CREATE /w/b/g"]);
    h.check_consistent();
}

// Exclusions, vanishing directories, symlinks.

#[test]
fn excluded_dirs_are_never_watched() {
    let mut h = Harness::with_options(&["/w/skip/inner/", "/w/ok/", "/out/skipme/m/"], excluding(".*/skip[^/]*$"));
    assert_eq!(h.watches(), ["/w", "/w/ok"], "not watched, not walked");
    let (w, ok) = (h.wd("/w"), h.wd("/w/ok"));
    h.add(&["/w/skip2/f"]);
    h.rename("/out/skipme", "/w/skipme");
    h.rename("/w/ok", "/w/skip3");
    let events = h.batch(&[
        (w, CREATE_DIR, 0, "skip2"),
        (w, TO_DIR, 5, "skipme"),
        (w, FROM_DIR, 6, "ok"),
        (w, TO_DIR, 6, "skip3"),
        (ok, MOVE_SELF, 0, ""),
    ]);
    assert_eq!(events[0], "IN_CREATE|IN_ISDIR /w/skip2", "reported, not listed");
    assert_eq!(events.len(), 4);
    assert_eq!(h.watches(), ["/w"]);
    h.check_consistent();
}

#[test]
fn excluded_dir_renamed_to_a_watched_name_is_watched_without_reports() {
    let mut h = Harness::with_options(&["/w/skip/inner/f"], excluding(".*/skip$"));
    let w = h.wd("/w");
    h.rename("/w/skip", "/w/ok");
    let events = h.batch(&[(w, FROM_DIR, 1, "skip"), (w, TO_DIR, 1, "ok")]);
    assert_eq!(events, ["IN_MOVED_FROM|IN_ISDIR /w/skip", "IN_MOVED_TO|IN_ISDIR /w/ok <- /w/skip"]);
    assert_eq!(h.watches(), ["/w", "/w/ok", "/w/ok/inner"]);
    h.check_consistent();
}

#[test]
fn dir_that_vanishes_during_the_walk_is_skipped_quietly() {
    let mut fs = FakeFs::with(&["/w/a/b/", "/w/c/"]);
    fs.fail.insert("/w/a".into(), libc::ENOENT);
    let mut bk = Bookkeeper::new(fs);
    let mut out = Vec::new();
    bk.add_tree(Path::new("/w"), &options(Mask::ALL_EVENTS, true), &mut out);
    let codes: Vec<_> = out.iter().map(|(p, o)| (p.display().to_string(), o.code())).collect();
    assert_eq!(codes.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["/w", "/w/c"]);
    assert!(out.iter().all(|(_, o)| matches!(o, Outcome::Added(_))));
    assert!(bk.table.wd_of(Path::new("/w/a/b")).is_none());
}

#[test]
fn new_dir_that_vanishes_before_it_is_watched_is_reported_alone() {
    let mut h = Harness::new(&[], Mask::ALL_EVENTS, true);
    let w = h.wd("/w");
    let events = h.batch(&[(w, CREATE_DIR, 0, "d"), (w, DELETE_DIR, 0, "d")]);
    assert_eq!(events, ["IN_CREATE|IN_ISDIR /w/d", "IN_DELETE|IN_ISDIR /w/d"]);
    assert_eq!(h.watches(), ["/w"]);
    assert!(h.bk.failures.is_empty() && h.bk.new_dirs.is_empty());
}

#[test]
fn symlinks_are_not_followed() {
    // In the fake file system a symlink is an entry that is not a directory,
    // which is what `list_dir` reports for one (it does not follow it).
    let mut h = Harness::new(&["/w/link", "/t/target/"], Mask::ALL_EVENTS, true);
    assert_eq!(h.watches(), ["/w"]);
    let w = h.wd("/w");
    h.add(&["/w/d/dirlink"]);
    let events = h.batch(&[(w, CREATE, 0, "link2"), (w, CREATE_DIR, 0, "d")]);
    assert_eq!(events, ["IN_CREATE /w/link2", "IN_CREATE|IN_ISDIR /w/d", "IN_CREATE /w/d/dirlink"]);
    assert_eq!(h.watches(), ["/w", "/w/d"]);
    // Watched through its open fd (so not with IN_DONT_FOLLOW, which would
    // watch /proc's magic link), as a directory only.
    let kernel = h.bk.fs.watches[&h.wd("/w/d")].1;
    assert!(kernel.contains(Mask::IN_ONLYDIR) && !kernel.contains(Mask::IN_DONT_FOLLOW));
}

// Pinned roots.

#[test]
fn root_deletion_releases_the_pin_when_the_sentinel_sees_delete() {
    let mut fs = FakeFs::with(&["/t/w/"]);
    fs.next_wd = 1;
    let mut bk = Bookkeeper::new(fs);
    let mut out = Vec::new();
    bk.add_tree(Path::new("/t/w"), &options(Mask::ALL_EVENTS, false), &mut out);
    let root = bk.table.wd_of(Path::new("/t/w")).unwrap();
    let sentinel = bk.fs.watched("/t").expect("the parent is guarded");
    assert!(bk.fs.roots.contains_key(&root));
    bk.fs.nodes.remove(Path::new("/t/w"));
    let mut events = Vec::new();
    bk.process(RawEvent { wd: sentinel, mask: DELETE_DIR, cookie: 0, name: OsStr::new("w") }, &mut events);
    bk.end_batch(true, &mut events);
    assert!(events.is_empty(), "the sentinel's own events are never delivered");
    assert!(!bk.fs.roots.contains_key(&root), "unpinned: the kernel may now report the deletion");
    assert!(bk.sentinels.is_empty() && bk.fs.watched("/t").is_none());
    // Now the kernel reports it.
    bk.process(RawEvent { wd: root, mask: DELETE_SELF, cookie: 0, name: OsStr::new("") }, &mut events);
    bk.process(RawEvent { wd: root, mask: IGNORED, cookie: 0, name: OsStr::new("") }, &mut events);
    let rendered: Vec<_> = events.iter().map(render).collect();
    assert_eq!(rendered, ["IN_DELETE_SELF /t/w", "IN_IGNORED /t/w"]);
    assert_eq!(bk.table.len(), 0);
}

#[test]
fn root_not_deleted_keeps_its_pin() {
    let mut h = Harness::new(&["/x"], Mask::ALL_EVENTS, false);
    let w = h.wd("/w");
    let sentinel = h.bk.fs.watched("/").expect("the parent is guarded");
    h.batch(&[(sentinel, DELETE, 0, "x")]);
    assert!(h.bk.fs.roots.contains_key(&w));
}
