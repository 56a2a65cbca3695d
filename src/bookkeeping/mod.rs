//! The bookkeeping rules: raw kernel records in, events and watch-table changes out.
//!
//! No I/O happens here: the file system and the kernel are reached through
//! [`FsView`], so every rule is unit-tested from data. The rules (DESIGN.md §3):
//! paths stay true after any move, moves pair by cookie within the batch that
//! holds them, new directories are watched then listed and every entry is
//! reported exactly once, the user's mask filters only what is delivered, and
//! `IN_IGNORED` removes the watch.
//!
//! A batch (what one `process_events` handles) is replayed in kernel order
//! against the table, which therefore describes the tree as it was when each
//! record was written. The file system has moved on meanwhile, so what needs I/O
//! (watching and listing new directories, see `new_dirs.rs`) waits for the end of
//! the batch, when the table has caught up with every record read.
//!
//! pyinotify counterpart: `_SysProcessEvent`.
//!
//! This folder is the bookkeeping layer: the watch table it keeps, the rules
//! (moves, auto_add, roots, recursive walks, overflow recovery, and the
//! consumer-side pairing of moves in `pairing.rs`) and their data-driven unit tests. It does no I/O of its own: the file system and the
//! kernel are reached through the `FsView` seam.
//!
//! Uses `types`, `kernel::fs_view` (the trait), `handlers`. Used by the watch
//! manager and the pipeline.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::bookkeeping::failures::Failures;
use crate::bookkeeping::watch_table::{WatchEntry, WatchOptions, WatchTable};
use crate::bookkeeping::wd_hash::WdMap;
use crate::handlers::shared_handler::SharedHandler;
use crate::kernel::fs_view::FsView;
use crate::types::event::{Event, RawEvent, Wd};
use crate::types::mask::Mask;

mod ahead;
mod collect;
pub(crate) mod failures;
#[cfg(test)]
pub(crate) mod fake_fs;
pub(crate) mod filter;
mod listing;
mod moves;
mod new_dirs;
pub(crate) mod pairing;
mod records;
mod recovery;
mod resync;
pub(crate) mod roots;
pub(crate) mod tree;
mod tree_walk;
pub(crate) mod watch_table;
pub(crate) mod wd_hash;

use ahead::Ahead;
pub(crate) use listing::StepBudget;
use moves::{PendingMove, Unconfirmed};
pub(crate) use new_dirs::{DirQueue, NewDir, Skip};
use records::DirRecord;

/// An event ready for dispatch, with the watch's own handler if it has one.
#[derive(Debug, Clone)]
pub(crate) struct Routed {
    pub event: Event,
    pub handler: Option<SharedHandler>,
}

/// The watch table and the state of the rules between records.
///
/// Invariants: `pending` holds only unpaired `IN_MOVED_FROM`s of this batch or
/// the one before, `unconfirmed` only moves of this batch; `synthesized` and
/// `unlinked` hold the names reported ahead of the kernel (see `ahead.rs`), and `fresh` the watches added since the
/// last batch that read the kernel queue empty, each with the first batch whose
/// read followed it; `new_dirs` holds each (parent, name) at most once.
#[derive(Debug)]
pub(crate) struct Bookkeeper<F: FsView> {
    pub fs: F,
    pub table: WatchTable,
    pending: Vec<PendingMove>,
    /// Moves of fresh watches awaiting their `IN_MOVE_SELF` (see `moves.rs`).
    unconfirmed: Vec<Unconfirmed>,
    /// Watches whose path may name another inode in records not read yet (see `moves.rs`).
    fresh: WdMap<u64>,
    /// Directories to watch when the batch ends (see `new_dirs.rs`).
    new_dirs: DirQueue,
    /// New watches whose listing found them gone (moved), and whether to report
    /// what they hold.
    unlisted: Vec<(Wd, bool)>,
    /// Names reported by a synthesized `IN_CREATE` (see `ahead.rs`).
    synthesized: Ahead,
    /// Names reported by a recovered `IN_DELETE` (see `ahead.rs`).
    unlinked: Ahead,
    batch: u64,
    batch_had_records: bool,
    /// Directories that could not be watched by auto_add (permission, limits), bounded.
    pub failures: Failures,
    /// While true, records are read and applied to the table but not delivered
    /// (pyinotify's `ignore_events`, without its stale paths).
    pub ignore_events: bool,
    /// Hidden watches on the parents of pinned roots (see `roots.rs`).
    pub(crate) sentinels: WdMap<crate::bookkeeping::roots::Sentinel>,
    /// Which sentinel guards each pinned root.
    pub(crate) root_guard: WdMap<Wd>,
    /// Whether watches added from now on keep records for overflow recovery.
    pub recovery: bool,
    /// What each directory watched with recovery held (see `records.rs`);
    /// only the non-empty records are kept, boxed, so that the many empty
    /// directories of a tree cost no slot of their own.
    records: WdMap<Box<DirRecord>>,
    /// Directories the watch limit left unwatched, parents first, with the
    /// options they would have inherited (see `recovery.rs`).
    pub(crate) unwatched: BTreeMap<PathBuf, WatchOptions>,
    /// Set by `IN_Q_OVERFLOW`: the batch ends with a resync.
    overflowed: bool,
    /// While true, the events built are marked recovered.
    recovering: bool,
    /// The walk a batch's end left to [`Bookkeeper::walk_step`].
    walk: Option<new_dirs::Walk<F::Dir>>,
    /// The overflow resync left to [`Bookkeeper::walk_step`] (after `walk`).
    resync: Option<resync::Resync<F::Dir>>,
    /// The watch limit was met in the current walk: no more `add_watch` calls.
    pub(crate) limit_hit: bool,
    /// The most watches walks may hold (`WatchManager::set_max_watches`); the
    /// directories beyond are left unwatched, as at the kernel's limit.
    pub(crate) max_watches: Option<usize>,
}

impl<F: FsView> Bookkeeper<F> {
    pub(crate) fn new(fs: F) -> Bookkeeper<F> {
        Bookkeeper {
            fs,
            table: WatchTable::default(),
            pending: Vec::new(),
            unconfirmed: Vec::new(),
            fresh: WdMap::default(),
            new_dirs: DirQueue::default(),
            unlisted: Vec::new(),
            synthesized: Ahead::default(),
            unlinked: Ahead::default(),
            batch: 0,
            batch_had_records: false,
            failures: Failures::default(),
            ignore_events: false,
            sentinels: WdMap::default(),
            root_guard: WdMap::default(),
            recovery: false,
            records: WdMap::default(),
            unwatched: BTreeMap::new(),
            overflowed: false,
            recovering: false,
            resync: None,
            walk: None,
            limit_hit: false,
            max_watches: None,
        }
    }

    /// Applies the rules to one record, appending what is to be delivered to `out`.
    pub(crate) fn process(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        while self.walk_step(StepBudget::WHOLE, out) {} // records apply to the table after the walk
        self.batch_had_records = true;
        let delivered = out.len();
        self.apply(raw, out);
        if self.ignore_events {
            out.truncate(delivered);
        }
    }

    /// The rules for one record (see [`Bookkeeper::process`]).
    fn apply(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        if raw.mask.contains(Mask::IN_Q_OVERFLOW) {
            self.pending.clear();
            self.overflowed = true;
            out.push(Routed { event: Event::overflow(), handler: None });
            return;
        }
        let Some(entry) = self.table.get(raw.wd) else {
            self.on_sentinel(raw); // or queued before its watch was removed
            return;
        };
        if records::keeps_record(entry) {
            self.note_record(raw);
        }
        match raw.mask - Mask::IN_ISDIR {
            Mask::IN_CREATE => self.on_create(raw, out),
            Mask::IN_DELETE => self.on_delete(raw, out),
            Mask::IN_MOVED_FROM => self.on_moved_from(raw, out),
            Mask::IN_MOVED_TO => self.on_moved_to(raw, out),
            Mask::IN_MOVE_SELF => self.on_move_self(raw, out),
            Mask::IN_IGNORED => self.on_ignored(raw, out),
            _ => self.emit(raw, out),
        }
    }

    /// Ends a batch (everything one `process_events` had): settles the moves
    /// (see `moves.rs`), watches the new directories the batch announced (their
    /// entries' synthesized events join `out`, unless events are ignored), and,
    /// once a read found the kernel queue empty (`drained`), forgets what records
    /// still unread could have needed: synthesized names, fresh watches.
    pub(crate) fn end_batch(&mut self, drained: bool, out: &mut Vec<Routed>) {
        self.start_end_batch(drained);
        while self.walk_step(StepBudget::WHOLE, out) {}
    }

    /// [`Bookkeeper::end_batch`] but the walk, which [`Bookkeeper::walk_step`]
    /// then does in bounded steps (the lock may be released between them).
    pub(crate) fn start_end_batch(&mut self, drained: bool) {
        if !std::mem::take(&mut self.batch_had_records) {
            return;
        }
        self.settle_moves();
        let ended = self.batch;
        // What the new directories' watches and listings do is seen by the next read.
        self.batch += 1;
        let overflowed = std::mem::take(&mut self.overflowed);
        self.walk = Some(self.start_walk(Some(new_dirs::BatchEnd { ended, drained, overflowed })));
    }

    /// Does a step of the pending walk, up to `budget` (so many directories
    /// begun and entries handled), appending its events to `out`; at its end,
    /// ends its batch. True while more is left. A resync that follows is
    /// stepped the same way, after the walk.
    pub(crate) fn walk_step(&mut self, budget: StepBudget, out: &mut Vec<Routed>) -> bool {
        let delivered = out.len();
        if let Some(mut walk) = self.walk.take() {
            if self.walk_dirs(&mut walk, budget, out) {
                self.finish_walk(walk, out);
            } else {
                self.walk = Some(walk);
            }
        } else if let Some(resync) = self.resync.take() {
            self.resync_step(resync, budget, out);
        }
        if self.ignore_events {
            out.truncate(delivered);
        }
        self.walk.is_some() || self.resync.is_some()
    }

    /// True while a walk or a resync is pending (see [`Bookkeeper::walk_step`]).
    #[cfg(feature = "async")]
    pub(crate) fn walk_pending(&self) -> bool {
        self.walk.is_some() || self.resync.is_some()
    }

    /// The end of a batch once its walk is done: a resync after an overflow,
    /// and what a drained read lets go.
    fn finish_batch(&mut self, end: new_dirs::BatchEnd, out: &mut Vec<Routed>) {
        if end.overflowed && self.after_overflow(end, out) {
            return; // the resync ends the batch when it is done
        }
        self.forget_ended(end);
    }

    /// What a drained read at the end of batch `end` lets go.
    fn forget_ended(&mut self, end: new_dirs::BatchEnd) {
        if end.drained {
            self.synthesized.forget_until(end.ended);
            self.unlinked.forget_until(end.ended);
            self.fresh.retain(|_, b| *b > end.ended);
        }
    }

    /// Builds the event for `raw` on its watch and queues it if the user asked for it.
    fn emit(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        if let Some(entry) = self.wanting(raw) {
            // Built in the room `extend` reserves first: `push` builds it on the
            // stack (it must outlive a possible growth) and copies it, and the
            // copy's wide loads wait for the build's narrow stores, per event.
            out.extend(std::iter::once_with(|| self.routed(entry, raw)));
        }
    }

    /// The event for `raw` on its watch, if the user asked for it.
    fn build(&self, raw: RawEvent<'_>) -> Option<Routed> {
        self.wanting(raw).map(|entry| self.routed(entry, raw))
    }

    /// The watch of `raw`, if it asked for the event.
    fn wanting(&self, raw: RawEvent<'_>) -> Option<&WatchEntry> {
        self.table.get(raw.wd).filter(|entry| entry.wants(raw.mask))
    }

    #[inline(always)]
    fn routed(&self, entry: &WatchEntry, raw: RawEvent<'_>) -> Routed {
        let mut event = Event::from_parts(raw.wd, raw.mask, entry.path.clone(), raw.name);
        if raw.mask.intersects(Mask::IN_MOVE) {
            event = event.with_cookie(raw.cookie);
        }
        if raw.mask.intersects(Mask::IN_DELETE_SELF | Mask::IN_MOVE_SELF) {
            event = event.with_dir(entry.dir);
        }
        if self.recovering {
            event = event.with_recovered(true);
        }
        Routed { event, handler: entry.options.handler.clone() }
    }

    fn on_create(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.unlinked.forget(raw.wd, raw.name); // so no stale IN_DELETE is on its way
        if self.synthesized.forget(raw.wd, raw.name) {
            return; // already reported when its directory was listed
        }
        self.emit(raw, out);
        if raw.mask.contains(Mask::IN_ISDIR) {
            self.queue_new_dir(raw.wd, raw.name, true);
        }
    }

    fn on_delete(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.synthesized.forget(raw.wd, raw.name);
        self.take_new_dir(raw.wd, raw.name);
        self.release_pin_of_child(raw.wd, raw.name);
        if !self.unlinked.forget(raw.wd, raw.name) {
            self.emit(raw, out); // else a resync reported it already
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
        self.synthesized.forget_watch(wd);
        self.unlinked.forget_watch(wd);
        self.fresh.remove(&wd);
        self.records.remove(&wd);
        self.unguard_root(wd);
        self.fs.unpin_root(wd);
        let entry = self.table.remove(wd)?;
        if entry.has_root_child {
            self.reguard_children(&entry.path);
        }
        Some(entry)
    }

    fn on_ignored(&mut self, raw: RawEvent<'_>, out: &mut Vec<Routed>) {
        self.emit(raw, out);
        self.forget_watch(raw.wd);
    }
}

#[cfg(test)]
mod tests;
