//! Overflow recovery and the watch limit's degraded mode, driven from data:
//! a fake file system changed behind the bookkeeping's back, then an
//! `IN_Q_OVERFLOW` record, and the events delivered checked.
//!
//! Events are rendered `MASKNAME pathname`, with `R ` in front of recovered ones.

use std::path::Path;

use super::*;

fn render(r: &Routed) -> String {
    let ev = &r.event;
    let mark = if ev.is_recovered() { "R " } else { "" };
    format!("{mark}{} {}", ev.maskname(), ev.pathname().display())
}

/// A bookkeeper with recovery on, watching `/w` (rec, auto_add) for `mask`.
fn watching(tree: &[&str], mask: Mask) -> Bookkeeper<FakeFs> {
    bookkeeper_watching(tree, mask, true)
}

fn batch(bk: &mut Bookkeeper<FakeFs>, records: &[(Wd, Mask, &str)]) -> Vec<String> {
    batch_rendered(bk, records, render)
}

/// An overflow batch: the overflow and the notices in place, the resync's
/// events (whose order within a directory is the listing's) sorted.
fn overflow(bk: &mut Bookkeeper<FakeFs>) -> Vec<String> {
    let mut events = batch(bk, &[(-1, Mask::IN_Q_OVERFLOW, "")]);
    assert_eq!(events[..2], ["IN_Q_OVERFLOW ", "GW_RESYNC_START "]);
    assert_eq!(events.last().map(String::as_str), Some("GW_RESYNC_END "));
    let n = events.len();
    events[2..n - 1].sort();
    events.drain(2..n - 1).collect()
}

/// `rm -r`: the nodes go, and the kernel drops the watches of deleted inodes.
fn remove(bk: &mut Bookkeeper<FakeFs>, path: &str) {
    let path = Path::new(path);
    bk.fs.nodes.retain(|p, _| !p.starts_with(path));
    bk.fs.watches.retain(|_, (p, _)| !p.starts_with(path));
}

#[test]
fn new_deleted_and_replaced_files_are_recovered() {
    let mut bk = watching(&["/w/a", "/w/b", "/w/c"], Mask::ALL_EVENTS);
    bk.fs.inos.insert("/w/c".into(), 3);
    batch(&mut bk, &[(-1, Mask::IN_Q_OVERFLOW, "")]); // the record now knows c's inode
    bk.fs.add("/w/n");
    remove(&mut bk, "/w/a");
    bk.fs.inos.insert("/w/c".into(), 9);
    let got = overflow(&mut bk);
    assert_eq!(got, ["R IN_CREATE /w/c", "R IN_CREATE /w/n", "R IN_DELETE /w/a", "R IN_DELETE /w/c"]);
    assert!(overflow(&mut bk).is_empty(), "a second resync finds nothing new");
}

#[test]
fn a_new_directory_is_watched_and_its_content_recovered() {
    let mut bk = watching(&[], Mask::ALL_EVENTS);
    bk.fs.add("/w/d/e/f");
    let got = overflow(&mut bk);
    assert_eq!(got, ["R IN_CREATE /w/d/e/f", "R IN_CREATE|IN_ISDIR /w/d", "R IN_CREATE|IN_ISDIR /w/d/e"]);
    assert_eq!(watches(&bk), ["/w", "/w/d", "/w/d/e"]);
    // The kernel's own IN_CREATE, late, is not reported a second time.
    let w = wd(&bk, "/w");
    assert!(batch(&mut bk, &[(w, CREATE_DIR, "d")]).is_empty());
}

#[test]
fn a_late_kernel_delete_after_a_recovered_one_is_not_reported_twice() {
    let mut bk = watching(&["/w/a", "/w/b"], Mask::ALL_EVENTS);
    remove(&mut bk, "/w/a");
    remove(&mut bk, "/w/b");
    assert_eq!(overflow(&mut bk), ["R IN_DELETE /w/a", "R IN_DELETE /w/b"]);
    let w = wd(&bk, "/w");
    // a's own IN_DELETE comes late: dropped. b (renamed away, say) is made
    // again after the resync and deleted: both reported.
    let got = batch(&mut bk, &[(w, Mask::IN_DELETE, "a"), (w, Mask::IN_CREATE, "b"), (w, Mask::IN_DELETE, "b")]);
    assert_eq!(got, ["IN_CREATE /w/b", "IN_DELETE /w/b"]);
    // Once a read found the queue empty, a later delete of a is a new one.
    assert_eq!(batch(&mut bk, &[(w, Mask::IN_DELETE, "a")]), ["IN_DELETE /w/a"]);
}

#[test]
fn a_gone_directory_is_reported_and_its_watches_dropped() {
    let mut bk = watching(&["/w/x/y/z", "/w/k"], Mask::ALL_EVENTS);
    assert_eq!(watches(&bk), ["/w", "/w/x", "/w/x/y"]);
    remove(&mut bk, "/w/x");
    assert_eq!(overflow(&mut bk), ["R IN_DELETE|IN_ISDIR /w/x"]);
    assert_eq!(watches(&bk), ["/w"]);
    assert!(bk.records.len() == 1, "the gone watches' records are dropped");
}

#[test]
fn a_replaced_directory_is_deleted_then_created() {
    let mut bk = watching(&["/w/d/old"], Mask::ALL_EVENTS);
    let old = wd(&bk, "/w/d");
    bk.fs.inos.insert("/w/d".into(), 5);
    batch(&mut bk, &[(-1, Mask::IN_Q_OVERFLOW, "")]);
    remove(&mut bk, "/w/d");
    bk.fs.add("/w/d/new");
    bk.fs.inos.insert("/w/d".into(), 6);
    let got = overflow(&mut bk);
    assert_eq!(got, ["R IN_CREATE /w/d/new", "R IN_CREATE|IN_ISDIR /w/d", "R IN_DELETE|IN_ISDIR /w/d"]);
    assert_ne!(wd(&bk, "/w/d"), old, "the new directory has a watch of its own");
}

#[test]
fn empty_directories_keep_no_record_yet_their_new_entries_are_recovered() {
    let mut bk = watching(&["/w/e/", "/w/f/"], Mask::ALL_EVENTS);
    assert_eq!(watches(&bk), ["/w", "/w/e", "/w/f"]);
    assert_eq!(bk.records.len(), 1, "only /w holds entries");
    let f = wd(&bk, "/w/f");
    assert_eq!(batch(&mut bk, &[(f, Mask::IN_CREATE, "k")]), ["IN_CREATE /w/f/k"]);
    bk.fs.add("/w/f/k");
    assert_eq!(bk.records.len(), 2, "a create starts a record");
    bk.fs.add("/w/e/n");
    assert_eq!(overflow(&mut bk), ["R IN_CREATE /w/e/n"]);
    remove(&mut bk, "/w/f/k");
    assert_eq!(batch(&mut bk, &[(f, Mask::IN_DELETE, "k")]), ["IN_DELETE /w/f/k"]);
    assert_eq!(bk.records.len(), 2, "/w and /w/e; /w/f is empty again");
}

#[test]
fn records_follow_the_kernel_events() {
    let mut bk = watching(&["/w/a", "/w/b"], Mask::ALL_EVENTS);
    let w = wd(&bk, "/w");
    bk.fs.add("/w/k");
    remove(&mut bk, "/w/a");
    bk.fs.rename("/w/b", "/w/c");
    let live = [(w, Mask::IN_CREATE, "k"), (w, Mask::IN_DELETE, "a")];
    assert_eq!(batch(&mut bk, &live), ["IN_CREATE /w/k", "IN_DELETE /w/a"]);
    let moved = [(w, Mask::IN_MOVED_FROM, "b"), (w, Mask::IN_MOVED_TO, "c")];
    assert_eq!(batch(&mut bk, &moved).len(), 2);
    assert!(overflow(&mut bk).is_empty(), "what the events said is not reported again");
}

#[test]
fn only_what_the_user_asked_for_is_recovered_but_notices_always() {
    let mut bk = watching(&["/w/a"], Mask::IN_DELETE);
    bk.fs.add("/w/n");
    remove(&mut bk, "/w/a");
    assert_eq!(overflow(&mut bk), ["R IN_DELETE /w/a"]);
    let w = wd(&bk, "/w");
    assert!(bk.fs.watches[&w].1.contains(Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVE));
}

#[test]
fn without_recovery_an_overflow_is_only_reported() {
    let mut fs = FakeFs::with(&["/w/a"]);
    fs.add("/w/");
    let mut bk = Bookkeeper::new(fs);
    let mut out = Vec::new();
    bk.add_tree(Path::new("/w"), &WatchOptions { mask: Mask::ALL_EVENTS, ..Default::default() }, &mut out);
    bk.fs.add("/w/n");
    assert_eq!(batch(&mut bk, &[(-1, Mask::IN_Q_OVERFLOW, "")]), ["IN_Q_OVERFLOW "]);
    assert!(bk.records.is_empty());
}

#[test]
fn a_non_recursive_root_is_listed_once_for_its_record() {
    let mut fs = FakeFs::with(&["/w/a"]);
    fs.add("/w/");
    let mut bk = Bookkeeper::new(fs);
    bk.recovery = true;
    let mut out = Vec::new();
    bk.add_tree(Path::new("/w"), &WatchOptions { mask: Mask::ALL_EVENTS, ..Default::default() }, &mut out);
    bk.fs.add("/w/b/");
    assert_eq!(overflow(&mut bk), ["R IN_CREATE|IN_ISDIR /w/b"]);
    assert_eq!(watches(&bk), ["/w"], "no auto_add: the new directory is reported, not watched");
}

#[test]
fn the_watch_limit_leaves_a_list_and_one_error() {
    let mut fs = FakeFs::with(&["/w/a/x/", "/w/b/", "/w/c/"]);
    fs.add("/w/");
    fs.watch_budget = Some(3); // /w, the sentinel on /, /w/a
    let mut bk = Bookkeeper::new(fs);
    let error = add_tree_failing_once(&mut bk);
    assert!(error.to_string().contains("3 directories are left unwatched"), "{}", error);
    let unwatched: Vec<_> = bk.unwatched.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(unwatched, ["/w/a/x", "/w/b", "/w/c"]);
    assert_eq!(bk.fs.watches.len(), 3, "no add_watch after the first ENOSPC");
    assert!(bk.retry_unwatched().is_err(), "the limit still holds");
    bk.fs.watch_budget = None;
    assert_eq!(bk.retry_unwatched().unwrap(), 3);
    assert!(bk.unwatched.is_empty());
    assert_eq!(watches(&bk), ["/w", "/w/a", "/w/a/x", "/w/b", "/w/c"]);
}

#[test]
fn auto_add_at_the_limit_lists_the_new_tree_as_unwatched() {
    let mut bk = watching(&[], Mask::ALL_EVENTS);
    bk.fs.watch_budget = Some(2); // /w and the sentinel on /
    bk.fs.add("/w/n/m/");
    let w = wd(&bk, "/w");
    assert_eq!(batch(&mut bk, &[(w, CREATE_DIR, "n")]), ["IN_CREATE|IN_ISDIR /w/n"]);
    assert_eq!(bk.unwatched.len(), 2);
    assert_eq!(bk.failures.len(), 1);
    bk.fs.watch_budget = None;
    let _ = overflow(&mut bk); // a resync retries them
    assert_eq!(watches(&bk), ["/w", "/w/n", "/w/n/m"]);
    let _ = DELETE_DIR;
}

/// The same changes behind the back of two bookkeepers, then an overflow:
/// `whole` resyncs at the batch's end, `steps` one directory a step.
#[test]
fn a_resync_in_steps_of_one_directory_reports_what_the_whole_one_does() {
    let tree = ["/w/a/x/f", "/w/b/g", "/w/c/"];
    let mut whole = watching(&tree, Mask::ALL_EVENTS);
    let mut steps = watching(&tree, Mask::ALL_EVENTS);
    for bk in [&mut whole, &mut steps] {
        remove(bk, "/w/b");
        bk.fs.add("/w/a/x/new");
        bk.fs.add("/w/c/n/m/deep");
    }
    let got = batch(&mut whole, &[(-1, Mask::IN_Q_OVERFLOW, "")]);
    let mut out = Vec::new();
    steps.process(RawEvent { wd: -1, mask: Mask::IN_Q_OVERFLOW, cookie: 0, name: OsStr::new("") }, &mut out);
    steps.start_end_batch(true);
    let mut rounds = 1;
    while steps.walk_step(StepBudget { dirs: 1, entries: usize::MAX }, &mut out) {
        rounds += 1;
        let last = out.last().map(render);
        assert_ne!(last.as_deref(), Some("GW_RESYNC_END "), "the end comes with the last step only");
    }
    assert_eq!(out.iter().map(render).collect::<Vec<_>>(), got);
    assert_eq!(got.last().map(String::as_str), Some("GW_RESYNC_END "));
    // The batch's (empty) walk, which starts the resync; /w, /w/a, /w/a/x,
    // /w/b (gone) and /w/c listed, one step each; the walk of /w/c/n and
    // /w/c/n/m, one each; the step that ends it.
    assert_eq!(rounds, 9);
    assert_eq!(watches(&whole), watches(&steps));
    assert!(watches(&steps).contains(&"/w/c/n/m".to_string()));
}
