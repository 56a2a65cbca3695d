//! Moves: `IN_MOVED_FROM`/`IN_MOVED_TO` paired by cookie, watched directories
//! followed to their new path, roots followed through their pinned fd, and
//! directories that leave every watched tree unwatched.
//!
//! Which watch moved is read from the table by the source path. That is only
//! sure for a watch that existed when the rename happened: one added since the
//! batch was read (a new directory, see `new_dirs.rs`) may sit on another inode
//! that took the name later. Such a watch is *fresh* until a batch that read the
//! kernel queue empty has gone by. A move that names a fresh watch is confirmed by
//! the `IN_MOVE_SELF` the kernel sends to every watched directory that moves;
//! without it the watch did not move (it goes back), and the directory that did
//! move is watched at the end of the batch.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::{Bookkeeper, NewDir, Routed};
use crate::bookkeeping::watch_table::WatchEntry;
use crate::kernel::fs_view::FsView;
use crate::types::event::{RawEvent, Wd};
use crate::types::mask::Mask;

/// A `IN_MOVED_FROM` waiting for its `IN_MOVED_TO`.
#[derive(Debug)]
pub(super) struct PendingMove {
    cookie: u32,
    src: PathBuf,
    /// The watch of the directory that moved, if it is one of ours.
    pub(super) moved_wd: Option<Wd>,
    /// The watch existed before the batch was read, so it is the one that moved.
    trusted: bool,
    /// The directory queued for watching that moved (it follows the move).
    new_dir: Option<NewDir>,
    /// The source matched the exclude filter: what it holds is not new.
    src_excluded: bool,
    pub(super) batch: u64,
}

/// A fresh watch moved by a pair, waiting for its `IN_MOVE_SELF`.
#[derive(Debug)]
pub(super) struct Unconfirmed {
    wd: Wd,
    src: PathBuf,
    dst: PathBuf,
    /// Where the moved directory now is: `name` in the watch `parent`.
    parent: Wd,
    name: OsString,
}

impl<F: FsView> Bookkeeper<F> {
    pub(super) fn on_moved_from(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.synthesized.forget(raw.wd, raw.name);
        let is_dir = raw.mask.contains(Mask::IN_ISDIR);
        let new_dir = if is_dir { self.take_new_dir(raw.wd, raw.name) } else { None };
        let entry = self.table.get(raw.wd).expect("checked by process");
        let src = entry.path.join(raw.name);
        let src_excluded = is_dir && entry.options.filter.as_ref().is_some_and(|f| f.matches(&src));
        let moved_wd = if is_dir { self.table.wd_of(&src) } else { None };
        let trusted = moved_wd.is_some_and(|wd| !self.fresh.contains_key(&wd));
        let (cookie, batch) = (raw.cookie, self.batch);
        let p = PendingMove { cookie, src, moved_wd, trusted, new_dir, src_excluded, batch };
        self.pending.push(p);
        self.emit(raw, out);
    }

    pub(super) fn on_moved_to(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.synthesized.forget(raw.wd, raw.name);
        self.unlinked.forget(raw.wd, raw.name); // so no stale IN_DELETE is on its way
        self.take_new_dir(raw.wd, raw.name); // a directory renamed over it replaced it
        self.release_pin_of_child(raw.wd, raw.name);
        let dst = self.table.get(raw.wd).expect("checked by process").path.join(raw.name);
        let paired = self.pending.iter().position(|p| p.cookie == raw.cookie).map(|i| self.pending.remove(i));
        if let Some(mut routed) = self.build(raw) {
            // Whatever the user's mask: the bookkeeping saw both halves (unlike pyinotify,
            // which sets it only when IN_MOVED_FROM is delivered too).
            if let Some(p) = &paired {
                routed.event = routed.event.with_src_pathname(p.src.clone());
            }
            out.push(routed);
        }
        if raw.mask.contains(Mask::IN_ISDIR) {
            self.dir_arrived(raw.wd, raw.name, dst, paired);
        }
    }

    /// A directory renamed to `dst` (`name` in `parent`): a watched one takes its
    /// watches along (a fresh one until its `IN_MOVE_SELF` says otherwise); an
    /// unwatched or queued one is watched when the batch ends, its entries reported
    /// if it is new (created, or moved in from outside, then maybe renamed
    /// before it could be watched).
    fn dir_arrived(&mut self, parent: Wd, name: &OsStr, dst: PathBuf, paired: Option<PendingMove>) {
        // Moved in from outside: like a new directory, what it holds is reported.
        let Some(p) = paired else { return self.queue_new_dir(parent, name, true) };
        let followed = p.moved_wd.is_some_and(|wd| self.follow_paired_move(wd, &p.src, &dst));
        let report = match (&p.new_dir, p.moved_wd) {
            (Some(queued), _) => queued.report,
            (None, Some(_)) => false, // a watch that was not where the move says
            (None, None) => !p.src_excluded,
        };
        if !followed || p.new_dir.is_some() {
            self.queue_new_dir(parent, name, report);
        }
        if let Some(wd) = p.moved_wd.filter(|_| followed && !p.trusted) {
            self.unconfirmed.push(Unconfirmed { wd, src: p.src, dst, parent, name: name.to_owned() });
        }
    }

    /// A watched directory renamed inside the tree: its watch and every watch below
    /// it now live under `dst`; those now excluded stop being watched. False if the
    /// watch is no longer where the move says it was.
    fn follow_paired_move(&mut self, wd: Wd, src: &Path, dst: &Path) -> bool {
        if self.table.get(wd).is_none_or(|e| *e.path != *src) {
            return false;
        }
        self.table.move_subtree(src, dst);
        for w in self.table.subtree(dst) {
            if self.table.get(w).is_some_and(WatchEntry::excluded) {
                self.remove_subtree(w);
            }
        }
        true
    }

    pub(super) fn on_move_self(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.unconfirmed.retain(|u| u.wd != raw.wd);
        let moved_out = self.pending.iter().position(|p| p.moved_wd == Some(raw.wd));
        if let Some(i) = moved_out {
            self.pending.remove(i);
        }
        if moved_out.is_some() && self.table.get(raw.wd).is_some_and(|e| !e.root) {
            // Its IN_MOVED_FROM had no IN_MOVED_TO: it left every watched tree.
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
            if new.parent() != old.parent() {
                self.unguard_root(wd);
                self.guard_root(wd);
            }
        }
    }

    /// Ends the moves of a batch: fresh watches whose move was not confirmed go
    /// back (the directory that moved is watched instead), and the unpaired moves
    /// of the batch before are released.
    pub(super) fn settle_moves(&mut self) {
        for u in std::mem::take(&mut self.unconfirmed) {
            if self.table.get(u.wd).is_some_and(|e| *e.path == *u.dst) {
                self.table.move_watch(u.wd, &u.src);
            }
            self.queue_new_dir(u.parent, &u.name, false);
        }
        let batch = self.batch;
        let (stale, keep): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|p| p.batch < batch);
        self.pending = keep;
        for p in stale {
            self.release_move_out(&p);
        }
    }

    /// An unpaired move from an earlier batch whose directory never reported its
    /// own move: a watch that existed then moved out (its `IN_MOVE_SELF` is late);
    /// a fresh one did not move at all.
    fn release_move_out(&mut self, p: &PendingMove) {
        let Some(wd) = p.moved_wd.filter(|_| p.trusted) else { return };
        if self.table.get(wd).is_some_and(|e| *e.path == *p.src && !e.root) {
            self.remove_subtree(wd);
        }
    }
}
