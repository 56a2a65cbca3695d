//! Rule 4 and exclusions: filters don't break the bookkeeping; excluded,
//! vanishing and symlinked directories.

use super::*;

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
