//! The bookkeeping rules: raw kernel records in, events and watch-table changes out.
//!
//! No I/O happens here: the file system and the kernel are reached through
//! [`FsView`], so every rule is unit-tested from data. The rules (DESIGN.md §3):
//! paths stay true after any move, moves pair by cookie within the batch that
//! holds them, new directories are watched then listed and every entry is
//! reported exactly once, the user's mask filters only what is delivered, and
//! `IN_IGNORED` removes the watch.
//!
//! pyinotify counterpart: `_SysProcessEvent`.

use std::collections::{HashMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
use crate::event::{Event, RawEvent, Wd};
use crate::fs_view::FsView;
use crate::mask::Mask;
use crate::process_event::SharedHandler;
use crate::watch_table::{WatchEntry, WatchOptions, WatchTable, kernel_mask};
use crate::wd_hash::WdMap;

/// An event ready for dispatch, with the watch's own handler if it has one.
#[derive(Debug, Clone)]
pub(crate) struct Routed {
    pub event: Event,
    pub handler: Option<SharedHandler>,
}

/// A `IN_MOVED_FROM` waiting for its `IN_MOVED_TO`.
#[derive(Debug)]
struct PendingMove {
    cookie: u32,
    src: PathBuf,
    /// The watch of the directory that moved, if it is one of ours.
    moved_wd: Option<Wd>,
    /// Whether the user asked for the `IN_MOVED_FROM` (only then does the
    /// `IN_MOVED_TO` carry `src_pathname`, as in pyinotify).
    deliverable: bool,
    batch: u64,
}

/// The watch table and the state of the rules between records.
///
/// Invariants: `pending` holds only unpaired `IN_MOVED_FROM`s of this batch or
/// the one before; `synthesized[wd]` holds the names reported by a synthesized
/// `IN_CREATE` on `wd` whose kernel `IN_CREATE` may still be on its way, with the
/// batch that reported them.
#[derive(Debug)]
pub(crate) struct Bookkeeper<F> {
    pub fs: F,
    pub table: WatchTable,
    pending: Vec<PendingMove>,
    synthesized: WdMap<HashMap<OsString, u64>>,
    batch: u64,
    batch_had_records: bool,
    /// Directories that could not be watched by auto_add (permission, limits).
    pub failures: Vec<Error>,
    /// While true, records are read and dropped (pyinotify's `ignore_events`).
    pub ignore_events: bool,
    /// Hidden watches on the parents of pinned roots (see `roots.rs`).
    pub(crate) sentinels: WdMap<crate::roots::Sentinel>,
    /// Which sentinel guards each pinned root.
    pub(crate) root_guard: WdMap<Wd>,
}

impl<F: FsView> Bookkeeper<F> {
    pub(crate) fn new(fs: F) -> Bookkeeper<F> {
        Bookkeeper {
            fs,
            table: WatchTable::default(),
            pending: Vec::new(),
            synthesized: WdMap::default(),
            batch: 0,
            batch_had_records: false,
            failures: Vec::new(),
            ignore_events: false,
            sentinels: WdMap::default(),
            root_guard: WdMap::default(),
        }
    }

    /// Applies the rules to one record, appending what is to be delivered to `out`.
    pub(crate) fn process(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.batch_had_records = true;
        if self.ignore_events {
            return;
        }
        if raw.mask.contains(Mask::IN_Q_OVERFLOW) {
            self.pending.clear();
            out.push(Routed { event: Event::overflow(), handler: None });
            return;
        }
        if self.table.get(raw.wd).is_none() {
            self.on_sentinel(raw); // or queued before its watch was removed
            return;
        }
        match raw.mask - Mask::IN_ISDIR {
            Mask::IN_CREATE => self.on_create(raw, out),
            Mask::IN_DELETE => {
                self.forget_synthesized(raw.wd, raw.name);
                self.release_pin_of_child(raw.wd, raw.name);
                self.emit(raw, out);
            }
            Mask::IN_MOVED_FROM => self.on_moved_from(raw, out),
            Mask::IN_MOVED_TO => self.on_moved_to(raw, out),
            Mask::IN_MOVE_SELF => self.on_move_self(raw, out),
            Mask::IN_IGNORED => self.on_ignored(raw, out),
            _ => self.emit(raw, out),
        }
    }

    /// Ends a batch (everything one `process_events` had): releases the moves
    /// whose partner did not come, and, once the kernel queue was found empty
    /// (`drained`), forgets synthesized names whose kernel event can no longer arrive.
    pub(crate) fn end_batch(&mut self, drained: bool) {
        if !std::mem::take(&mut self.batch_had_records) {
            return;
        }
        let batch = self.batch;
        let (stale, keep): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|p| p.batch < batch);
        self.pending = keep;
        for p in stale {
            self.release_move_out(&p);
        }
        if drained {
            self.synthesized.retain(|_, names| {
                names.retain(|_, b| *b >= batch);
                !names.is_empty()
            });
        }
        self.batch += 1;
    }

    /// Builds the event for `raw` on its watch and queues it if the user asked for it.
    fn emit(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        if let Some(routed) = self.build(raw) {
            out.push(routed);
        }
    }

    fn build(&self, raw: RawEvent<'_>) -> Option<Routed> {
        let entry = self.table.get(raw.wd)?;
        if !entry.wants(raw.mask) {
            return None;
        }
        let mut event = Event::from_parts(raw.wd, raw.mask, entry.path.clone(), raw.name);
        if raw.mask.intersects(Mask::IN_MOVE) {
            event = event.with_cookie(raw.cookie);
        }
        if raw.mask.intersects(Mask::IN_DELETE_SELF | Mask::IN_MOVE_SELF) {
            event = event.with_dir(entry.dir);
        }
        Some(Routed { event, handler: entry.options.handler.clone() })
    }

    fn on_create(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        if self.forget_synthesized(raw.wd, raw.name) {
            return; // already reported when its directory was listed
        }
        self.emit(raw, out);
        let auto_add = self.table.get(raw.wd).is_some_and(|e| e.options.auto_add);
        if raw.mask.contains(Mask::IN_ISDIR) && auto_add {
            self.watch_new_dir(raw.wd, raw.name, out);
        }
    }

    /// Watches the new directory `name` below `parent`, then lists it and reports
    /// each entry found with a synthesized `IN_CREATE`, level by level (breadth
    /// first, as pyinotify queues them), each subdirectory watched before it is listed.
    fn watch_new_dir(&mut self, parent: Wd, name: &OsStr, out: &mut Vec<Routed>) {
        let mut queue = VecDeque::from([(parent, name.to_owned())]);
        while let Some((parent, name)) = queue.pop_front() {
            let Some(entry) = self.table.get(parent) else { continue };
            let path = entry.path.join(&name);
            let options = entry.options.clone();
            let Some(wd) = self.watch_dir(&path, options) else { continue };
            let Ok(entries) = self.fs.list_dir(&path) else { continue };
            for child in entries {
                if !self.remember_synthesized(wd, &child.name) {
                    continue;
                }
                let mask = if child.is_dir { Mask::IN_CREATE | Mask::IN_ISDIR } else { Mask::IN_CREATE };
                self.emit(RawEvent { wd, mask, cookie: 0, name: &child.name }, out);
                if child.is_dir {
                    queue.push_back((wd, child.name));
                }
            }
        }
    }

    /// Adds a watch on the directory `path` (not the user's root) with inherited
    /// options. `None` when it is excluded, vanished, or cannot be watched (then
    /// the error is kept in `failures`).
    pub(crate) fn watch_dir(&mut self, path: &Path, options: WatchOptions) -> Option<Wd> {
        if options.filter.as_ref().is_some_and(|f| f.matches(path)) {
            return None;
        }
        let mask = kernel_mask(&options, true) | Mask::IN_ONLYDIR | Mask::IN_DONT_FOLLOW;
        match self.fs.add_watch(path, mask) {
            Ok(wd) => {
                self.insert_watch(wd, path, true, false, options);
                Some(wd)
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => None,
            Err(e) => {
                self.failures.push(Error::from_io(e, path));
                None
            }
        }
    }

    /// Records a watch the kernel returned. A wd already known for the same path
    /// keeps its state (the kernel hands back the same wd for the same inode).
    pub(crate) fn insert_watch(&mut self, wd: Wd, path: &Path, dir: bool, root: bool, options: WatchOptions) {
        if let Some(old) = self.table.get(wd) {
            if &*old.path == path {
                let root = root || old.root;
                self.table.get_mut(wd).expect("checked").root = root;
                self.table.get_mut(wd).expect("checked").options = options;
                return;
            }
            self.synthesized.remove(&wd);
        }
        let has_root_child = self.sentinels.contains_key(&wd);
        let entry = WatchEntry { wd, path: Arc::from(path), dir, root, has_root_child, options };
        self.table.insert(entry);
    }

    /// Notes that `name` on `wd` was reported by synthesis; false if it already was.
    fn remember_synthesized(&mut self, wd: Wd, name: &OsStr) -> bool {
        let names = self.synthesized.entry(wd).or_default();
        if names.contains_key(name) {
            return false;
        }
        names.insert(name.to_owned(), self.batch);
        true
    }

    /// Forgets a synthesized name; true if it was remembered.
    fn forget_synthesized(&mut self, wd: Wd, name: &OsStr) -> bool {
        if self.synthesized.is_empty() {
            return false;
        }
        let Some(names) = self.synthesized.get_mut(&wd) else { return false };
        let found = names.remove(name).is_some();
        if names.is_empty() {
            self.synthesized.remove(&wd);
        }
        found
    }

    fn on_moved_from(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.forget_synthesized(raw.wd, raw.name);
        let entry = self.table.get(raw.wd).expect("checked by process");
        let src = entry.path.join(raw.name);
        let moved_wd = if raw.mask.contains(Mask::IN_ISDIR) { self.table.wd_of(&src) } else { None };
        let deliverable = entry.wants(Mask::IN_MOVED_FROM);
        self.pending.push(PendingMove { cookie: raw.cookie, src, moved_wd, deliverable, batch: self.batch });
        self.emit(raw, out);
    }

    fn on_moved_to(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.forget_synthesized(raw.wd, raw.name);
        self.release_pin_of_child(raw.wd, raw.name);
        let entry = self.table.get(raw.wd).expect("checked by process");
        let dst = entry.path.join(raw.name);
        let options = entry.options.clone();
        let paired = self.pending.iter().position(|p| p.cookie == raw.cookie).map(|i| self.pending.remove(i));
        if let Some(p) = &paired {
            self.follow_paired_move(p, &dst);
        }
        if let Some(mut routed) = self.build(raw) {
            if let Some(p) = paired.as_ref().filter(|p| p.deliverable) {
                routed.event = routed.event.with_src_pathname(p.src.clone());
            }
            out.push(routed);
        }
        let is_dir = raw.mask.contains(Mask::IN_ISDIR);
        if is_dir && options.auto_add && self.table.wd_of(&dst).is_none() {
            self.watch_moved_in(raw.wd, raw.name, &dst, paired.is_some(), out);
        }
    }

    /// A directory renamed inside the tree: its watch and every watch below it
    /// now live under `dst`.
    fn follow_paired_move(&mut self, p: &PendingMove, dst: &Path) {
        let Some(wd) = p.moved_wd else { return };
        if self.table.get(wd).is_some_and(|e| *e.path == *p.src) {
            self.table.move_subtree(&p.src, dst);
        }
    }

    /// A directory that arrived unwatched: moved in from outside (watched with
    /// its subtree, its content not reported, as pyinotify does), or renamed
    /// before its own watch could be added (then it is new: its content is reported).
    fn watch_moved_in(&mut self, parent: Wd, name: &OsStr, dst: &Path, paired: bool, out: &mut Vec<Routed>) {
        if paired {
            self.watch_new_dir(parent, name, out);
            return;
        }
        let Some(options) = self.table.get(parent).map(|e| e.options.clone()) else { return };
        let mut queue = VecDeque::from([dst.to_path_buf()]);
        while let Some(dir) = queue.pop_front() {
            if self.watch_dir(&dir, options.clone()).is_none() {
                continue;
            }
            let Ok(entries) = self.fs.list_dir(&dir) else { continue };
            queue.extend(entries.into_iter().filter(|e| e.is_dir).map(|e| dir.join(e.name)));
        }
    }

    fn on_move_self(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        if let Some(i) = self.pending.iter().position(|p| p.moved_wd == Some(raw.wd)) {
            // Its IN_MOVED_FROM had no IN_MOVED_TO: it left every watched tree.
            self.pending.remove(i);
            self.emit(raw, out);
            self.remove_subtree(raw.wd);
            return;
        }
        self.follow_root(raw.wd);
        self.emit(raw, out);
    }

    /// A watched root that moved: read its new place from its pinned fd.
    fn follow_root(&mut self, wd: Wd) {
        let Some(entry) = self.table.get(wd).filter(|e| e.root) else { return };
        let old = entry.path.clone();
        if let Some(new) = self.fs.root_path(wd).filter(|new| *new != *old) {
            self.table.move_subtree(&old, &new);
            self.unguard_root(wd);
            self.guard_root(wd);
        }
    }

    /// An unpaired move from an earlier batch whose directory never reported its
    /// own move: treat it as moved out.
    fn release_move_out(&mut self, p: &PendingMove) {
        let Some(wd) = p.moved_wd else { return };
        if self.table.get(wd).is_some_and(|e| *e.path == *p.src && !e.root) {
            self.remove_subtree(wd);
        }
    }

    /// Removes the watch `wd` and every watch below its path, in the kernel too.
    /// Their `IN_IGNORED` will find no watch and be dropped.
    pub(crate) fn remove_subtree(&mut self, wd: Wd) {
        let Some(path) = self.table.get(wd).map(|e| e.path.clone()) else { return };
        for w in self.table.subtree(&path) {
            let _ = self.fs.rm_watch(w);
            self.forget_watch(w);
        }
    }

    /// Drops every trace of `wd` from the bookkeeping (the kernel side is the caller's).
    pub(crate) fn forget_watch(&mut self, wd: Wd) -> Option<WatchEntry> {
        self.synthesized.remove(&wd);
        self.unguard_root(wd);
        self.fs.unpin_root(wd);
        self.table.remove(wd)
    }

    fn on_ignored(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.emit(raw, out);
        self.forget_watch(raw.wd);
    }
}

#[cfg(test)]
mod tests;
