//! The bookkeeping rules, one test (or a few) per rule, driven from data: a fake
//! file system ([`FakeFs`]) in the state the kernel would see, kernel records fed
//! batch by batch, and the delivered events and the watch table checked.
//!
//! Events are rendered `MASKNAME pathname`, with ` <- src_pathname` on a paired
//! `IN_MOVED_TO`, so each expectation reads like the events a user would get.
//!
//! This file holds the harness; each child file one rule (or one part of the
//! bookkeeping): `paths`, `move_pairs`, `new_dirs`, `filters`, `ignored`,
//! `roots`, `walks`, `recovery`, `steps` (walks and resyncs a chunk of
//! entries at a time), `tree_steps` (the recursive `add_watch` walk so).

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::bookkeeping::fake_fs::FakeFs;
use crate::bookkeeping::filter::ExcludeFilter;
use crate::bookkeeping::tree::Outcome;
use crate::bookkeeping::watch_table::WatchOptions;

mod filters;
mod ignored;
mod limit_steps;
mod move_pairs;
mod new_dirs;
mod paths;
mod recovery;
mod roots;
mod steps;
mod tree_steps;
mod walks;

const fn or(a: Mask, b: Mask) -> Mask {
    Mask::from_bits_retain(a.bits() | b.bits())
}

const CREATE: Mask = Mask::IN_CREATE;
const DELETE: Mask = Mask::IN_DELETE;
const FROM: Mask = Mask::IN_MOVED_FROM;
const TO: Mask = Mask::IN_MOVED_TO;
const MOVE_SELF: Mask = Mask::IN_MOVE_SELF;
const DELETE_SELF: Mask = Mask::IN_DELETE_SELF;
const IGNORED: Mask = Mask::IN_IGNORED;
const CREATE_DIR: Mask = or(CREATE, Mask::IN_ISDIR);
const DELETE_DIR: Mask = or(DELETE, Mask::IN_ISDIR);
const FROM_DIR: Mask = or(FROM, Mask::IN_ISDIR);
const TO_DIR: Mask = or(TO, Mask::IN_ISDIR);

/// One kernel record: the watch it came on, its mask, cookie and name.
type Rec<'a> = (Wd, Mask, u32, &'a str);

/// A bookkeeper over a fake file system, watching `/w` recursively.
struct Harness {
    bk: Bookkeeper<FakeFs>,
}

impl Harness {
    /// `tree`: paths to create (a trailing `/` makes a directory); `/w` is watched
    /// with `mask`, rec, and `auto_add`.
    fn new(tree: &[&str], mask: Mask, auto_add: bool) -> Harness {
        Harness::with_options(tree, WatchOptions { mask, rec: true, auto_add, ..Default::default() })
    }

    fn with_options(tree: &[&str], options: WatchOptions) -> Harness {
        let mut fs = FakeFs::with(tree);
        fs.add("/w/");
        let mut h = Harness { bk: Bookkeeper::new(fs) };
        h.add_root("/w", &options);
        h.settle();
        h
    }

    /// One batch of a stale record: what was added before is no longer fresh.
    fn settle(&mut self) {
        assert!(self.batch(&[(-7, Mask::IN_ATTRIB, 0, "")]).is_empty());
    }

    fn add_root(&mut self, root: &str, options: &WatchOptions) -> Vec<(String, Wd)> {
        let mut out = Vec::new();
        self.bk.add_tree(Path::new(root), options, &mut out);
        out.into_iter().map(|(p, o)| (p.display().to_string(), o.code())).collect()
    }

    /// The wd the table has for `path`.
    fn wd(&self, path: &str) -> Wd {
        self.bk.table.wd_of(Path::new(path)).unwrap_or_else(|| panic!("{path} is not watched"))
    }

    /// Feeds one batch and ends it (the kernel queue read empty); the events delivered.
    fn batch(&mut self, records: &[Rec<'_>]) -> Vec<String> {
        let mut out = Vec::new();
        for (wd, mask, cookie, name) in records {
            self.bk.process(RawEvent { wd: *wd, mask: *mask, cookie: *cookie, name: OsStr::new(name) }, &mut out);
        }
        self.bk.end_batch(true, &mut out);
        out.iter().map(render).collect()
    }

    /// Feeds records without ending the batch.
    fn records(&mut self, records: &[Rec<'_>]) -> Vec<String> {
        let mut out = Vec::new();
        for (wd, mask, cookie, name) in records {
            self.bk.process(RawEvent { wd: *wd, mask: *mask, cookie: *cookie, name: OsStr::new(name) }, &mut out);
        }
        out.iter().map(render).collect()
    }

    /// The watched paths, in order.
    fn watches(&self) -> Vec<String> {
        self.bk.table.iter().map(|e| e.path.display().to_string()).collect()
    }

    /// Checks the table against the fake kernel: every watch in the table is a
    /// kernel watch on the inode now at that path, and every kernel watch (but
    /// the sentinels) is in the table.
    fn check_consistent(&self) {
        let fs = &self.bk.fs;
        for e in self.bk.table.iter() {
            let kernel = fs.watches.get(&e.wd).map(|(p, _)| p.as_path());
            assert_eq!(kernel, Some(&*e.path), "wd {} in the table but not in the kernel", e.wd);
        }
        for (wd, (path, _)) in &fs.watches {
            let known = self.bk.table.get(*wd).is_some() || self.bk.sentinels.contains_key(wd);
            assert!(known, "kernel watch {wd} on {} is not in the table", path.display());
        }
    }

    /// `mkdir -p` / create in the fake file system.
    fn add(&mut self, paths: &[&str]) {
        for p in paths {
            self.bk.fs.add(p);
        }
    }

    fn rename(&mut self, from: &str, to: &str) {
        self.bk.fs.rename(from, to);
    }

    /// `rm -r`: the nodes go, and the kernel drops the watches of deleted inodes.
    fn remove(&mut self, path: &str) {
        let path = Path::new(path);
        self.bk.fs.nodes.retain(|p, _| !p.starts_with(path));
        self.bk.fs.watches.retain(|_, (p, _)| !p.starts_with(path));
    }
}

fn render(r: &Routed) -> String {
    let ev = &r.event;
    let src = ev.src_pathname().map(|s| format!(" <- {}", s.display())).unwrap_or_default();
    format!("{} {}{}", ev.maskname(), ev.pathname().display(), src)
}

fn options(mask: Mask, auto_add: bool) -> WatchOptions {
    WatchOptions { mask, rec: true, auto_add, ..Default::default() }
}

fn excluding(pattern: &str) -> WatchOptions {
    let filter = ExcludeFilter::new([pattern]).unwrap();
    WatchOptions { filter: Some(Arc::new(filter)), ..options(Mask::ALL_EVENTS, true) }
}

/// A bookkeeper over `tree` watching `/w` (rec, auto_add) for `mask`, with
/// overflow recovery on or off: where the walks' and recovery's tests start.
fn bookkeeper_watching(tree: &[&str], mask: Mask, recovery: bool) -> Bookkeeper<FakeFs> {
    let mut fs = FakeFs::with(tree);
    fs.add("/w/");
    let mut bk = Bookkeeper::new(fs);
    bk.recovery = recovery;
    let options = WatchOptions { mask, rec: true, auto_add: true, ..Default::default() };
    let mut out = Vec::new();
    bk.add_tree(Path::new("/w"), &options, &mut out);
    assert!(out.iter().all(|(_, o)| o.wd().is_some()), "{out:?}");
    bk
}

/// Feeds one batch of records (no cookies) and ends it; the events delivered,
/// each rendered by `render`.
fn batch_rendered(
    bk: &mut Bookkeeper<FakeFs>,
    records: &[(Wd, Mask, &str)],
    render: fn(&Routed) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    for (wd, mask, name) in records {
        bk.process(RawEvent { wd: *wd, mask: *mask, cookie: 0, name: OsStr::new(name) }, &mut out);
    }
    bk.end_batch(true, &mut out);
    out.iter().map(render).collect()
}

/// The watched paths of `bk`, in order.
fn watches(bk: &Bookkeeper<FakeFs>) -> Vec<String> {
    bk.table.iter().map(|e| e.path.display().to_string()).collect()
}

/// The wd `bk`'s table has for `path`.
fn wd(bk: &Bookkeeper<FakeFs>, path: &str) -> Wd {
    bk.table.wd_of(Path::new(path)).unwrap()
}

/// Watches `/w` (rec, auto_add, every event) with a walk that is to meet a
/// limit: the one error it reports (the test fails unless there is exactly one).
fn add_tree_failing_once(bk: &mut Bookkeeper<FakeFs>) -> crate::types::error::Error {
    let mut out = Vec::new();
    let options = WatchOptions { mask: Mask::ALL_EVENTS, rec: true, auto_add: true, ..Default::default() };
    bk.add_tree(Path::new("/w"), &options, &mut out);
    let shown = format!("{out:?}");
    let mut errors: Vec<_> =
        out.into_iter().filter_map(|(_, o)| if let Outcome::Failed(e) = o { Some(e) } else { None }).collect();
    assert_eq!(errors.len(), 1, "{shown}");
    errors.remove(0)
}
