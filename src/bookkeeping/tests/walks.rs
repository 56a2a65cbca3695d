//! The walks' rules from data: a directory swapped for a symlink is gone, never
//! followed (in auto_add, below a swapped parent, in a resync), and the cap on
//! watches leaves the rest unwatched, in the watch limit's degraded mode.
//!
//! In the fake file system a symlink is a node that no open goes through; what
//! the real kernel does with `O_NOFOLLOW` and `openat2` is tested in `dir_list.rs`
//! and, under attack, in `tests/green/symlink_attack.rs`.

use std::path::Path;

use super::*;

fn watching(tree: &[&str], recovery: bool) -> Bookkeeper<FakeFs> {
    bookkeeper_watching(tree, Mask::ALL_EVENTS, recovery)
}

fn batch(bk: &mut Bookkeeper<FakeFs>, records: &[(Wd, Mask, &str)]) -> Vec<String> {
    batch_rendered(bk, records, |r| format!("{} {}", r.event.maskname(), r.event.pathname().display()))
}

#[test]
fn a_new_directory_swapped_for_a_symlink_before_it_is_opened_is_gone() {
    let mut bk = watching(&["/private/secret"], false);
    let w = wd(&bk, "/w");
    bk.fs.add("/w/a/");
    bk.fs.link("/w/a"); // now a symlink (to /private, say)
    assert_eq!(batch(&mut bk, &[(w, CREATE_DIR, "a")]), ["IN_CREATE|IN_ISDIR /w/a"]);
    assert_eq!(watches(&bk), ["/w"]);
    assert!(bk.fs.watched("/private").is_none());
}

#[test]
fn a_queued_directory_below_a_parent_swapped_for_a_symlink_is_not_reached() {
    let mut bk = watching(&["/w/p/", "/private/q/secret"], false);
    let p = wd(&bk, "/w/p");
    bk.fs.add("/w/p/q/");
    bk.fs.rename("/w/p", "/w/old"); // its records are not read yet…
    bk.fs.link("/w/p"); // …and a symlink takes its name
    let events = batch(&mut bk, &[(p, CREATE_DIR, "q")]);
    assert_eq!(events, ["IN_CREATE|IN_ISDIR /w/p/q"], "nothing listed through the symlink");
    assert!(bk.fs.watched("/private/q").is_none() && bk.fs.watched("/w/p/q").is_none());
}

#[test]
fn a_resync_drops_a_directory_whose_path_is_now_a_symlink() {
    let mut bk = watching(&["/w/d/x", "/private/secret"], true);
    bk.fs.rename("/w/d", "/moved-out");
    bk.fs.link("/w/d");
    let events = batch(&mut bk, &[(-1, Mask::IN_Q_OVERFLOW, "")]);
    assert!(events.iter().all(|e| !e.contains("secret") && !e.contains("/w/d/")), "{events:?}");
    assert_eq!(watches(&bk), ["/w"]);
}

#[test]
fn the_cap_leaves_the_rest_of_a_walk_unwatched_with_one_error() {
    let mut fs = FakeFs::with(&["/w/a/x/", "/w/b/", "/w/c/"]);
    fs.add("/w/");
    let mut bk = Bookkeeper::new(fs);
    bk.max_watches = Some(2);
    let error = add_tree_failing_once(&mut bk);
    assert_eq!(error.kind(), crate::types::error::ErrorKind::WatchLimit);
    let text = error.to_string();
    assert!(text.contains("cap of 2 watches") && text.contains("3 directories are left unwatched"), "{text}");
    assert_eq!(watches(&bk), ["/w", "/w/a"]);
    let unwatched: Vec<_> = bk.unwatched.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(unwatched, ["/w/a/x", "/w/b", "/w/c"]);
    assert!(bk.retry_unwatched().is_err(), "the cap still holds");
    bk.max_watches = Some(10);
    assert_eq!(bk.retry_unwatched().unwrap(), 3);
    assert_eq!(watches(&bk), ["/w", "/w/a", "/w/a/x", "/w/b", "/w/c"]);
}

#[test]
fn the_cap_leaves_a_new_tree_unwatched_and_fails_once() {
    let mut bk = watching(&[], false);
    bk.max_watches = Some(1);
    bk.fs.add("/w/n/m/");
    bk.fs.add("/w/n/f");
    let w = wd(&bk, "/w");
    assert_eq!(batch(&mut bk, &[(w, CREATE_DIR, "n")]), ["IN_CREATE|IN_ISDIR /w/n"]);
    assert_eq!(watches(&bk), ["/w"]);
    assert_eq!(bk.unwatched.len(), 2);
    let failures = bk.failures.take();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].to_string().contains("cap of 1 watches"), "{}", failures[0]);
}

#[test]
fn a_walk_in_steps_of_one_directory_does_what_the_whole_walk_does() {
    let tree = ["/out/n/a/x/f", "/out/n/b/", "/out/n/g"];
    let mut whole = watching(&tree, false);
    let mut steps = watching(&tree, false);
    let mut outs = Vec::new();
    for bk in [&mut whole, &mut steps] {
        bk.fs.rename("/out/n", "/w/n");
    }
    let w = wd(&whole, "/w");
    outs.push(batch(&mut whole, &[(w, Mask::IN_MOVED_TO | Mask::IN_ISDIR, "n")]));
    let mut out = Vec::new();
    steps.process(
        RawEvent { wd: w, mask: Mask::IN_MOVED_TO | Mask::IN_ISDIR, cookie: 0, name: OsStr::new("n") },
        &mut out,
    );
    steps.start_end_batch(true);
    let mut rounds = 1;
    while steps.walk_step(StepBudget { dirs: 1, entries: usize::MAX }, &mut out) {
        rounds += 1;
    }
    assert_eq!(rounds, 4, "one directory per step: n, a, b, x (the last one ends it)");
    outs.push(out.iter().map(|r| format!("{} {}", r.event.maskname(), r.event.pathname().display())).collect());
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0].len(), 6, "{:?}", outs[0]);
    assert_eq!(watches(&whole), watches(&steps));
}

#[test]
fn a_tree_walk_in_steps_of_one_directory_adds_what_the_whole_walk_adds() {
    let tree = ["/w/a/x/", "/w/a/y/", "/w/b/"];
    let options = WatchOptions { mask: Mask::ALL_EVENTS, rec: true, ..Default::default() };
    let mut whole = Bookkeeper::new(FakeFs::with(&tree));
    let mut all = Vec::new();
    whole.add_tree(Path::new("/w"), &options, &mut all);
    let mut steps = Bookkeeper::new(FakeFs::with(&tree));
    let mut out = Vec::new();
    let mut walk = steps.start_tree(Path::new("/w"), &options, &mut out).unwrap();
    let mut rounds = 1;
    while !steps.tree_step(&mut walk, StepBudget { dirs: 1, entries: usize::MAX }, &mut out) {
        rounds += 1;
    }
    assert_eq!(rounds, 5, "a, x, y, b, then the end");
    let render = |o: &[(std::sync::Arc<Path>, Outcome)]| -> Vec<String> {
        o.iter().map(|(p, o)| format!("{} {}", p.display(), o.code())).collect()
    };
    assert_eq!(render(&all), render(&out));
    assert_eq!(watches(&whole), ["/w", "/w/a", "/w/a/x", "/w/a/y", "/w/b"]);
}
