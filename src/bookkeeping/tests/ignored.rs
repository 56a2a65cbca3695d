//! Rule 5: `IN_IGNORED` removes the watch; stale, reused and one-shot watches.

use super::*;

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
