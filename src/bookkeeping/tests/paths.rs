//! Rule 1 (DESIGN.md §3): paths are always true, through renames and moves.

use super::*;

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
