//! Walks and resyncs in steps bounded in entries, from data: with listings of
//! 1 to 3 entries a chunk and steps of 1 to 3 entries, a stepped walk and a
//! stepped resync report exactly what the whole one does, in the same order,
//! leave the same watches and records, and no step handles more entries than
//! its budget (each name a step reports is an entry it handled).

use std::collections::BTreeSet;
use std::ffi::OsString;

use super::*;

fn render(r: &Routed) -> String {
    let ev = &r.event;
    let mark = if ev.is_recovered() { "R " } else { "" };
    format!("{mark}{} {}", ev.maskname(), ev.pathname().display())
}

/// Feeds `records` as one batch, then ends it a step of `budget` at a time:
/// the events of each step, rendered (those of the records themselves first).
fn stepped(bk: &mut Bookkeeper<FakeFs>, records: &[(Wd, Mask, &str)], budget: StepBudget) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (wd, mask, name) in records {
        bk.process(RawEvent { wd: *wd, mask: *mask, cookie: 0, name: OsStr::new(name) }, &mut out);
    }
    let mut steps = vec![out.drain(..).map(|r| render(&r)).collect::<Vec<_>>()];
    bk.start_end_batch(true);
    loop {
        let more = bk.walk_step(budget, &mut out);
        steps.push(out.drain(..).map(|r| render(&r)).collect());
        if !more {
            return steps;
        }
        assert!(steps.len() < 10_000, "the walk never ends");
    }
}

/// The entries of a step: the names its events are about (a notice is about none).
fn names(step: &[String]) -> BTreeSet<&str> {
    step.iter().filter(|e| !e.starts_with("GW_RESYNC")).map(|e| e.rsplit(' ').next().unwrap()).collect()
}

/// A record's entries: name, inode, directory.
pub(super) type Entries = Vec<(OsString, u64, bool)>;

/// Every record `bk` keeps, by path: its entries, sorted.
pub(super) fn records(bk: &Bookkeeper<FakeFs>) -> Vec<(String, Entries)> {
    let mut all: Vec<_> = bk
        .records
        .iter()
        .map(|(wd, r)| {
            let mut entries: Vec<_> = r.iter().map(|(n, ino, dir)| (n.to_owned(), ino, dir)).collect();
            entries.sort();
            (bk.table.get(*wd).unwrap().path.display().to_string(), entries)
        })
        .collect();
    all.sort();
    all
}

/// One kernel record, without a cookie.
type Rec3 = (Wd, Mask, &'static str);

/// Runs `change` and then the records `records_of` gives on a fresh bookkeeper (recovery on) over
/// `tree`: once whole, then in steps for each chunk size and entry budget
/// from 1 to 3 (and 1 or 16 directories), checking each stepped run against
/// the whole one and each step against its budget.
fn same_in_steps(tree: &[&str], change: fn(&mut Bookkeeper<FakeFs>), records_of: fn(&Bookkeeper<FakeFs>) -> Vec<Rec3>) {
    let mut whole = bookkeeper_watching(tree, Mask::ALL_EVENTS, true);
    change(&mut whole);
    let recs = records_of(&whole);
    let expected = batch_rendered(&mut whole, &recs, render);
    assert!(expected.len() > 20, "enough to step through: {expected:?}");
    for (chunk, entries, dirs) in (1..=3).flat_map(|c| (1..=3).flat_map(move |e| [(c, e, 1), (c, e, 16)])) {
        let mut bk = bookkeeper_watching(tree, Mask::ALL_EVENTS, true);
        bk.fs.chunk = Some(chunk);
        change(&mut bk);
        let recs = records_of(&bk);
        let steps = stepped(&mut bk, &recs, StepBudget { dirs, entries });
        let case = format!("chunks of {chunk}, steps of {entries} entries and {dirs} directories");
        for step in &steps[1..] {
            assert!(names(step).len() <= entries, "{case}: a step handled more: {step:?}");
        }
        assert_eq!(steps.concat(), expected, "{case}");
        assert_eq!(watches(&bk), watches(&whole), "{case}");
        assert_eq!(records(&bk), records(&whole), "{case}");
    }
}

#[test]
fn a_walk_of_big_new_directories_in_steps_of_entries_does_what_the_whole_walk_does() {
    let change = |bk: &mut Bookkeeper<FakeFs>| {
        for i in 0..12 {
            bk.fs.add(&format!("/w/n/f{i:02}"));
        }
        for p in ["/w/n/a/x/", "/w/n/a/g1", "/w/n/a/g2", "/w/n/b/", "/w/m/s/t/", "/w/m/s/u", "/w/m/h"] {
            bk.fs.add(p);
        }
    };
    // n is new, m moved in from outside (unpaired): what both hold is reported.
    same_in_steps(&[], change, |bk| vec![(wd(bk, "/w"), CREATE_DIR, "n"), (wd(bk, "/w"), TO_DIR, "m")]);
}

#[test]
fn a_resync_of_a_big_directory_in_steps_of_entries_reports_what_the_whole_one_does() {
    let tree: Vec<String> =
        (0..8).map(|i| format!("/w/big/g{i}")).chain(["/w/big/k/".into(), "/w/s/".into()]).collect();
    let tree: Vec<&str> = tree.iter().map(String::as_str).collect();
    let change = |bk: &mut Bookkeeper<FakeFs>| {
        bk.fs.nodes.retain(|p, _| !p.to_str().unwrap().starts_with("/w/big/g") || p.ends_with("g3"));
        bk.fs.inos.insert("/w/big/g3".into(), 7); // known with inode 0: no change
        for i in 0..8 {
            bk.fs.add(&format!("/w/big/n{i}"));
        }
        for p in ["/w/big/nd/e1", "/w/big/nd/e2", "/w/big/nd/sub/e3", "/w/s/x"] {
            bk.fs.add(p);
        }
    };
    same_in_steps(&tree, change, |_| vec![(-1, Mask::IN_Q_OVERFLOW, "")]);
}

#[test]
fn a_directory_gone_half_way_through_its_resync_loses_its_watches() {
    let mut bk = bookkeeper_watching(&["/w/big/a", "/w/big/d/"], Mask::ALL_EVENTS, true);
    bk.fs.chunk = Some(1);
    for i in 0..6 {
        bk.fs.add(&format!("/w/big/n{i}"));
    }
    let mut out = Vec::new();
    bk.process(RawEvent { wd: -1, mask: Mask::IN_Q_OVERFLOW, cookie: 0, name: OsStr::new("") }, &mut out);
    bk.start_end_batch(true);
    let budget = StepBudget { dirs: 16, entries: 2 };
    while !out.iter().any(|r| r.event.pathname().ends_with("n0")) {
        assert!(bk.walk_step(budget, &mut out));
    }
    bk.fs.unlistable.insert("/w/big".into()); // deleted (or moved) between two steps
    while bk.walk_step(budget, &mut out) {}
    assert_eq!(out.last().map(render).as_deref(), Some("GW_RESYNC_END "));
    assert_eq!(watches(&bk), ["/w"], "/w/big and what is below it dropped");
    assert!(!out.iter().any(|r| r.event.mask().contains(Mask::IN_DELETE)), "nothing reported deleted");
}

#[test]
fn a_listing_whose_watch_is_removed_between_two_steps_goes_no_further() {
    let mut bk = bookkeeper_watching(&[], Mask::ALL_EVENTS, true);
    bk.fs.chunk = Some(1);
    for i in 0..6 {
        bk.fs.add(&format!("/w/n/f{i}"));
    }
    let mut out = Vec::new();
    bk.process(RawEvent { wd: wd(&bk, "/w"), mask: CREATE_DIR, cookie: 0, name: OsStr::new("n") }, &mut out);
    bk.start_end_batch(true);
    let budget = StepBudget { dirs: 16, entries: 2 };
    assert!(bk.walk_step(budget, &mut out));
    bk.remove_subtree(wd(&bk, "/w/n")); // what rm_watch does between two steps
    let calls = bk.fs.list_calls;
    while bk.walk_step(budget, &mut out) {}
    assert_eq!(bk.fs.list_calls, calls, "not listed further");
    let got: Vec<String> = out.iter().map(render).collect();
    assert_eq!(got, ["IN_CREATE|IN_ISDIR /w/n", "IN_CREATE /w/n/f0", "IN_CREATE /w/n/f1"]);
    assert!(bk.records.is_empty() || records(&bk).iter().all(|(p, _)| p == "/w"), "no record for /w/n");
}
