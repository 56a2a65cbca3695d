//! An auto_add walk that meets the watch limit, in steps bounded in entries,
//! from data: the subtrees it leaves unwatched are collected a bounded amount
//! a step, into the same unwatched list, with the same events and the same one
//! error as the whole walk.

use super::*;

/// What is created under `/w` after it is watched: `n` is announced, `c/k` is
/// a root watched on its own, `b/skip` is excluded.
const NEW: &[&str] = &[
    "/w/n/f0",
    "/w/n/f1",
    "/w/n/f2",
    "/w/n/a/g1",
    "/w/n/a/x/y/",
    "/w/n/b/f",
    "/w/n/b/p/f1",
    "/w/n/b/p/f2",
    "/w/n/b/p/q/r/",
    "/w/n/b/skip/in/",
    "/w/n/b/s2/",
    "/w/n/c/e1",
    "/w/n/c/k/z/",
    "/w/n/d/",
];

/// A bookkeeper watching `/w` (auto_add, `skip` excluded) and `/w/n/c/k`,
/// listing `chunk` entries a call, whose kernel grants two watches more:
/// `/w/n` and `/w/n/a`.
fn at_the_limit(chunk: Option<usize>) -> Bookkeeper<FakeFs> {
    let mut fs = FakeFs::with(&[]);
    fs.add("/w/");
    let mut bk = Bookkeeper::new(fs);
    let mut out = Vec::new();
    bk.add_tree(Path::new("/w"), &excluding(".*/skip$"), &mut out);
    NEW.iter().for_each(|p| bk.fs.add(p));
    let plain = WatchOptions { mask: Mask::ALL_EVENTS, ..Default::default() };
    bk.add_tree(Path::new("/w/n/c/k"), &plain, &mut out);
    assert!(out.iter().all(|(_, o)| o.wd().is_some()), "{out:?}");
    bk.fs.watch_budget = Some(bk.fs.watches.len() + 2);
    bk.fs.chunk = chunk;
    let mut out = Vec::new();
    bk.process(RawEvent { wd: wd(&bk, "/w"), mask: CREATE_DIR, cookie: 0, name: OsStr::new("n") }, &mut out);
    assert_eq!(out.iter().map(render).collect::<Vec<_>>(), ["IN_CREATE|IN_ISDIR /w/n"]);
    bk
}

fn unwatched(bk: &Bookkeeper<FakeFs>) -> Vec<String> {
    bk.unwatched.keys().map(|p| p.display().to_string()).collect()
}

/// Ends the batch a step of `budget` at a time: its events, rendered; checks
/// that no step lists more entries than its budget and the rest of one chunk,
/// nor begins (watches or collects) more directories than its budget.
fn stepped(bk: &mut Bookkeeper<FakeFs>, budget: StepBudget, case: &str) -> Vec<String> {
    let chunk = bk.fs.chunk.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    bk.start_end_batch(true);
    for _ in 0..10_000 {
        let (listed, begun) = (bk.fs.listed, bk.unwatched.len() + bk.table.len());
        let more = bk.walk_step(budget, &mut out);
        let listed = bk.fs.listed - listed;
        assert!(listed <= budget.entries.saturating_add(chunk - 1), "{case}: a step listed {listed} entries");
        let begun = bk.unwatched.len() + bk.table.len() - begun;
        assert!(begun <= budget.dirs, "{case}: a step began {begun} directories");
        if !more {
            return out.iter().map(render).collect();
        }
    }
    panic!("{case}: the walk never ends");
}

#[test]
fn a_walk_at_the_limit_in_steps_collects_what_the_whole_walk_collects() {
    let mut whole = at_the_limit(None);
    let mut out = Vec::new();
    whole.end_batch(true, &mut out);
    let expected: Vec<String> = out.iter().map(render).collect();
    assert_eq!(expected.len(), 9, "n's 7 entries, a's 2: {expected:?}");
    let collected = ["/w/n/a/x", "/w/n/a/x/y", "/w/n/b", "/w/n/b/p", "/w/n/b/p/q", "/w/n/b/p/q/r", "/w/n/b/s2"];
    assert_eq!(unwatched(&whole), [&collected[..], &["/w/n/c", "/w/n/d"]].concat(), "skip and c/k left out");
    let error = whole.failures.take().into_iter().map(|e| e.to_string()).collect::<Vec<_>>();
    assert!(error.len() == 1 && error[0].contains("9 directories are left unwatched"), "{error:?}");
    for (chunk, entries, dirs) in (1..=3).flat_map(|c| (1..=3).flat_map(move |e| [(c, e, 1), (c, e, 16)])) {
        let case = format!("chunks of {chunk}, steps of {entries} entries and {dirs} directories");
        let mut bk = at_the_limit(Some(chunk));
        assert_eq!(stepped(&mut bk, StepBudget { dirs, entries }, &case), expected, "{case}");
        assert_eq!(unwatched(&bk), unwatched(&whole), "{case}");
        let got = bk.failures.take().into_iter().map(|e| e.to_string()).collect::<Vec<_>>();
        assert_eq!(got, error, "{case}");
        assert_eq!(watches(&bk), watches(&whole), "{case}");
    }
}
