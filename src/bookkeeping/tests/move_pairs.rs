//! Rule 2: moves pair by cookie, without stale records.

use super::*;

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
