//! The recursive `add_watch` walk in steps bounded in entries, from data: with
//! listings of 1 to 3 entries a chunk and steps of 1 to 3 entries, a stepped
//! walk adds exactly what the whole one does, in the same order, leaves the
//! same watches and records, and no step lists more than its budget (and the
//! rest of one chunk). A directory deleted, or whose watch is removed, between
//! two steps is walked no further.

use std::path::Path;

use super::steps::records;
use super::*;

/// The outcomes of `add_watch`, one per path.
type Outcomes = Vec<(Arc<Path>, Outcome)>;

/// `big` holds more entries than a step lists; `a/deep` is excluded.
const TREE: &[&str] = &[
    "/w/big/f0",
    "/w/big/f1",
    "/w/big/f2",
    "/w/big/f3",
    "/w/big/f4",
    "/w/big/f5",
    "/w/big/s1/x/",
    "/w/big/s1/g",
    "/w/big/s2/",
    "/w/big/t/u/v/",
    "/w/a/f",
    "/w/a/deep/e/",
    "/w/a/h/",
    "/w/top",
    "/w/z/",
];

/// A bookkeeper (recovery on) over `tree` and `/w`, listing `chunk` entries a call.
fn fresh(tree: &[&str], chunk: Option<usize>) -> Bookkeeper<FakeFs> {
    let mut fs = FakeFs::with(tree);
    fs.add("/w/");
    fs.chunk = chunk;
    let mut bk = Bookkeeper::new(fs);
    bk.recovery = true;
    bk
}

/// Watches `/w` recursively (`a/deep` excluded), or without `rec`.
fn options(rec: bool) -> WatchOptions {
    WatchOptions { rec, ..excluding(".*/deep$") }
}

fn render(out: &Outcomes) -> Vec<String> {
    out.iter().map(|(p, o)| format!("{} {}", p.display(), o.code())).collect()
}

/// Walks `/w` in steps of `budget`: the outcomes; checks that no step begins
/// more directories than its budget nor lists more entries than its budget
/// and the rest of one chunk (a chunk read for one entry is kept whole).
fn stepped(bk: &mut Bookkeeper<FakeFs>, rec: bool, budget: StepBudget, case: &str) -> Outcomes {
    let chunk = bk.fs.chunk.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let Some(mut walk) = bk.start_tree(Path::new("/w"), &options(rec), &mut out) else { return out };
    assert_eq!(bk.fs.list_calls, 0, "{case}: the root is listed in the steps");
    loop {
        let (listed, added) = (bk.fs.listed, out.len());
        let done = bk.tree_step(&mut walk, budget, &mut out);
        let listed = bk.fs.listed - listed;
        assert!(listed <= budget.entries.saturating_add(chunk - 1), "{case}: a step listed {listed} entries");
        assert!(out.len() - added <= budget.dirs, "{case}: a step began more directories: {:?}", &out[added..]);
        if done {
            return out;
        }
    }
}

/// Checks that the walk of `/w` over `tree` in steps of 1 to 3 entries, over
/// listings of 1 to 3 entries a chunk, does what the whole walk does.
fn same_in_steps(tree: &[&str], rec: bool) {
    let mut whole = fresh(tree, None);
    let mut expected = Vec::new();
    whole.add_tree(Path::new("/w"), &options(rec), &mut expected);
    for (chunk, entries, dirs) in (1..=3).flat_map(|c| (1..=3).flat_map(move |e| [(c, e, 1), (c, e, 16)])) {
        let case = format!("chunks of {chunk}, steps of {entries} entries and {dirs} directories");
        let mut bk = fresh(tree, Some(chunk));
        let out = stepped(&mut bk, rec, StepBudget { dirs, entries }, &case);
        assert_eq!(render(&out), render(&expected), "{case}");
        assert_eq!(watches(&bk), watches(&whole), "{case}");
        assert_eq!(records(&bk), records(&whole), "{case}");
    }
}

#[test]
fn a_tree_walk_in_steps_of_entries_adds_what_the_whole_walk_adds() {
    same_in_steps(TREE, true);
    let mut whole = fresh(TREE, None);
    let mut out = Vec::new();
    whole.add_tree(Path::new("/w"), &options(true), &mut out);
    let added = ["/w", "/w/a", "/w/a/deep", "/w/a/h", "/w/big", "/w/big/s1", "/w/big/s1/x", "/w/big/s2"];
    assert_eq!(render(&out)[..added.len()].iter().map(|l| l.split(' ').next().unwrap()).collect::<Vec<_>>(), added);
    assert!(render(&out)[2].ends_with(" -2"), "a/deep is excluded: {:?}", render(&out));
    let big = records(&whole).into_iter().find(|(p, _)| p == "/w/big").expect("a record of big");
    assert_eq!(big.1.len(), 9, "every entry of big: {big:?}");
}

#[test]
fn a_root_without_rec_is_listed_for_its_record_in_steps() {
    same_in_steps(&["/w/f0", "/w/f1", "/w/f2", "/w/f3", "/w/f4", "/w/d/"], false);
    let mut bk = fresh(&["/w/f0", "/w/d/"], Some(1));
    let out = stepped(&mut bk, false, StepBudget { dirs: 1, entries: 1 }, "rec off");
    assert_eq!(render(&out), ["/w 1"]);
    assert_eq!(records(&bk).len(), 1, "the root's record");
}

/// Walks `/w` over `tree` (listings of one entry a chunk) in steps of `budget`
/// until `at` holds after a step; then `change`, and the rest of the walk.
fn walk_changed_half_way(
    tree: &[&str],
    budget: StepBudget,
    at: impl Fn(&Bookkeeper<FakeFs>) -> bool,
    change: impl FnOnce(&mut Bookkeeper<FakeFs>),
) -> (Bookkeeper<FakeFs>, Vec<String>) {
    let mut bk = fresh(tree, Some(1));
    let mut out = Vec::new();
    let mut walk = bk.start_tree(Path::new("/w"), &options(true), &mut out).unwrap();
    while !at(&bk) {
        assert!(!bk.tree_step(&mut walk, budget, &mut out), "the walk ended first");
    }
    change(&mut bk);
    while !bk.tree_step(&mut walk, budget, &mut out) {}
    (bk, render(&out))
}

#[test]
fn a_directory_deleted_half_way_through_its_listing_is_walked_no_further() {
    let tree = ["/w/big/f0", "/w/big/f1", "/w/big/f2", "/w/big/f3", "/w/big/sub/", "/w/z/"];
    let budget = StepBudget { dirs: 16, entries: 2 };
    let listing_big = |bk: &Bookkeeper<FakeFs>| bk.table.wd_of(Path::new("/w/big")).is_some() && bk.fs.listed > 3;
    let (bk, out) = walk_changed_half_way(&tree, budget, listing_big, |bk| {
        bk.fs.nodes.retain(|p, _| !p.starts_with("/w/big"));
    });
    assert_eq!(out, ["/w 1", "/w/big 3", "/w/z 4"], "wd 2 is the sentinel on /");
    assert_eq!(watches(&bk), ["/w", "/w/big", "/w/z"], "big's watch goes when its IN_IGNORED is read");
    assert!(records(&bk).iter().all(|(p, _)| p != "/w/big"), "no record of a listing cut short");
}

#[test]
fn a_directory_whose_watch_is_removed_between_two_steps_is_walked_no_further() {
    let tree = ["/w/big/f0", "/w/big/f1", "/w/big/f2", "/w/big/sub/", "/w/z/"];
    let budget = StepBudget { dirs: 16, entries: 2 };
    let listing_big = |bk: &Bookkeeper<FakeFs>| bk.table.wd_of(Path::new("/w/big")).is_some() && bk.fs.listed > 3;
    let mut calls = 0;
    let (bk, out) = walk_changed_half_way(&tree, budget, listing_big, |bk| {
        bk.remove(wd(bk, "/w/big"), false); // what rm_watch does between two steps
        calls = bk.fs.list_calls;
    });
    assert_eq!(out, ["/w 1", "/w/big 3", "/w/z 4"], "wd 2 is the sentinel on /");
    assert_eq!(bk.fs.list_calls, calls + 1, "big not listed further, z listed");
    assert_eq!(watches(&bk), ["/w", "/w/z"]);
    assert!(records(&bk).iter().all(|(p, _)| p != "/w/big"));
}

#[test]
fn the_subdirectories_of_a_directory_whose_watch_is_removed_are_not_walked() {
    let tree = ["/w/a/x/", "/w/a/y/", "/w/b/"];
    let budget = StepBudget { dirs: 1, entries: usize::MAX };
    let x_watched = |bk: &Bookkeeper<FakeFs>| bk.table.wd_of(Path::new("/w/a/x")).is_some();
    let (bk, out) = walk_changed_half_way(&tree, budget, x_watched, |bk| {
        bk.remove(wd(bk, "/w/a"), false);
    });
    assert_eq!(out, ["/w 1", "/w/a 3", "/w/a/x 4", "/w/b 5"], "y is not walked");
    assert_eq!(watches(&bk), ["/w", "/w/a/x", "/w/b"]);
}
