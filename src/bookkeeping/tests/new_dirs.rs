//! Rule 3: no directory is missed, nothing is reported twice (auto_add,
//! directories created, renamed or moved in while they are being watched).

use super::*;

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
