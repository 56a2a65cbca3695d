//! The overflow resync in bounded steps.
//!
//! A resync lists every directory watched with recovery (see `recovery.rs`),
//! then walks the new directories it found, then retries the unwatched ones.
//! Done in one pass it would hold the watch manager (and, in the async
//! front-ends, the executor's thread) for as long as listing the whole tree
//! takes. So it is a state that [`Bookkeeper::walk_step`] advances a bounded
//! amount at a time, like the walk of a batch's new directories: first the
//! listings, then that walk, then the end. A step begins at most so many
//! directories and handles at most so many entries (a [`StepBudget`]), so one
//! huge directory is compared over several steps too: its record is taken
//! once, each chunk listed is compared with it (each name seen taken off it),
//! and only once the listing is complete are the names left reported deleted
//! (those too within the budget) and the listing kept as the new record.
//! Nothing is read from the kernel in between (the front-ends step a pending
//! walk instead of reading), so the resync sees the tree as the overflow left
//! it, chunks compare as one listing would, and its events stay framed by
//! `GW_RESYNC_START` and `GW_RESYNC_END` in order.

use std::path::Path;
use std::sync::Arc;

use super::listing::{Listing, StepBudget};
use super::new_dirs::BatchEnd;
use super::records::DirRecord;
use super::recovery::notice;
use super::{Bookkeeper, Routed};
use crate::kernel::dir_list::{Entry, is_gone};
use crate::kernel::fs_view::FsView;
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// A resync under way.
#[derive(Debug)]
pub(crate) struct Resync<D> {
    /// The directories still to list, parents first (the watch table's order).
    dirs: std::vec::IntoIter<(Wd, Arc<Path>)>,
    /// The directory being compared with its record, finished before the next.
    current: Option<ResyncDir<D>>,
    /// The batch whose overflow asked for it, ended once the resync is done.
    end: Option<BatchEnd>,
    /// The listings are done and the walk of the new directories is started.
    walking: bool,
}

/// One directory compared with its record, a chunk at a time.
#[derive(Debug)]
struct ResyncDir<D> {
    listing: Listing<D>,
    path: Arc<Path>,
    /// Its record, taken at the start; each name listed is taken off it.
    old: DirRecord,
    /// Once the listing is complete: where in `old` the names left (gone from
    /// the directory) are being reported deleted.
    gone_from: Option<usize>,
}

impl<F: FsView> Bookkeeper<F> {
    /// After an overflow in the batch `end`: a stepped resync if recovery is on
    /// (true: it ends the batch when it is done), else a retry of the unwatched.
    pub(super) fn after_overflow(&mut self, end: BatchEnd, out: &mut Vec<Routed>) -> bool {
        if self.recovery || self.table.iter().any(|e| e.options.recovery) {
            self.begin_resync(Some(end), out);
            return true;
        }
        if !self.unwatched.is_empty() {
            self.retry_into_failures();
        }
        false
    }

    /// Starts a resync (its `GW_RESYNC_START` goes out now); `walk_step` does
    /// the rest. One already under way is left to finish instead.
    pub(super) fn begin_resync(&mut self, end: Option<BatchEnd>, out: &mut Vec<Routed>) {
        if self.resync.is_some() {
            return;
        }
        self.pending.clear();
        out.push(notice(Mask::GW_RESYNC_START));
        self.recovering = true;
        let dirs: Vec<(Wd, Arc<Path>)> =
            self.table.iter().filter(|e| e.dir && e.options.recovery).map(|e| (e.wd, e.path.clone())).collect();
        self.resync = Some(Resync { dirs: dirs.into_iter(), current: None, end, walking: false });
    }

    /// Compares directories of `resync` with their records, up to `budget`;
    /// once all are done, starts the walk of the new ones; once that is done,
    /// ends the resync.
    pub(super) fn resync_step(&mut self, mut resync: Resync<F::Dir>, budget: StepBudget, out: &mut Vec<Routed>) {
        if !resync.walking {
            self.resync_dirs(&mut resync, budget, out);
            if resync.current.is_none() && resync.dirs.len() == 0 {
                resync.walking = true;
                self.walk = Some(self.start_walk(None));
            }
            self.resync = Some(resync);
            return;
        }
        self.retry_into_failures();
        self.recovering = false;
        out.push(notice(Mask::GW_RESYNC_END));
        if let Some(end) = resync.end {
            self.forget_ended(end);
        }
    }

    /// Begins directories of `resync` and goes on comparing them, up to `budget`.
    fn resync_dirs(&mut self, resync: &mut Resync<F::Dir>, budget: StepBudget, out: &mut Vec<Routed>) {
        let mut left = budget;
        loop {
            if let Some(current) = resync.current.take() {
                resync.current = self.resync_some(current, &mut left.entries, out);
                if resync.current.is_some() {
                    return;
                }
            }
            if left.dirs == 0 || left.entries == 0 {
                return;
            }
            let Some((wd, path)) = resync.dirs.next() else { return };
            left.dirs -= 1;
            // A directory moved or dropped by an earlier listing is skipped.
            if self.table.get(wd).is_some_and(|e| e.path == path) {
                resync.current = self.begin_resync_dir(wd, path);
            }
        }
    }

    /// Opens directory `wd` for its comparison: the directory `wd` watches
    /// (opened beneath its root, checked against the watch); if its path now
    /// names something else, or nothing, its watches go.
    fn begin_resync_dir(&mut self, wd: Wd, path: Arc<Path>) -> Option<ResyncDir<F::Dir>> {
        let dir = match self.open_watched(wd, &path) {
            Ok(dir) => dir,
            Err(e) if is_gone(&e) => {
                self.remove_subtree(wd);
                return None;
            }
            Err(_) => return None,
        };
        let old = self.take_record(wd);
        Some(ResyncDir { listing: self.start_listing(wd, dir), path, old, gone_from: None })
    }

    /// Goes on comparing `rd` with its record, up to `left` names; `None`
    /// once it is done. A directory gone meanwhile loses its watches; one that
    /// fails otherwise keeps, as its record, what was listed and what was not
    /// compared yet; one whose watch was removed between two steps is dropped.
    fn resync_some(
        &mut self,
        mut rd: ResyncDir<F::Dir>,
        left: &mut usize,
        out: &mut Vec<Routed>,
    ) -> Option<ResyncDir<F::Dir>> {
        self.table.get(rd.listing.wd)?;
        while *left > 0 {
            if rd.gone_from.is_some() {
                return self.report_gone(rd, left, out);
            }
            match rd.listing.next(&mut self.fs) {
                Ok(Some(entry)) => {
                    *left -= 1;
                    self.resync_entry(&mut rd, &entry, out);
                }
                Ok(None) => rd.gone_from = Some(0),
                Err(e) if is_gone(&e) => {
                    self.remove_subtree(rd.listing.wd);
                    return None;
                }
                Err(_) => {
                    self.keep_unfinished(rd);
                    return None;
                }
            }
        }
        Some(rd)
    }

    /// One name listed: compared with (and taken off) the record. A new name
    /// is reported created; a name whose kind or inode changed, deleted and
    /// created; a directory known to the record but not watched is watched.
    fn resync_entry(&mut self, rd: &mut ResyncDir<F::Dir>, e: &Entry, out: &mut Vec<Routed>) {
        let wd = rd.listing.wd;
        match rd.old.remove(&e.name) {
            None => self.recover_create(wd, e, out),
            Some((ino, is_dir)) if is_dir != e.is_dir || (ino != 0 && e.ino != 0 && ino != e.ino) => {
                self.recover_delete(wd, &e.name, is_dir, out);
                self.recover_create(wd, e, out);
            }
            Some(_) if e.is_dir => self.ensure_watched(wd, &rd.path, &e.name),
            Some(_) => {}
        }
    }

    /// Once `rd` is listed: reports deleted, up to `left`, the names its record
    /// still holds; at their end the listing becomes the record. `None` once done.
    fn report_gone(
        &mut self,
        mut rd: ResyncDir<F::Dir>,
        left: &mut usize,
        out: &mut Vec<Routed>,
    ) -> Option<ResyncDir<F::Dir>> {
        let wd = rd.listing.wd;
        let mut from = rd.gone_from.unwrap_or(0);
        let mut names = rd.old.iter_from(from);
        while *left > 0 {
            let Some((next, name, _, is_dir)) = names.next() else {
                self.store_record(wd, rd.listing.into_record());
                return None;
            };
            *left -= 1;
            self.recover_delete(wd, name, is_dir, out);
            from = next;
        }
        drop(names);
        rd.gone_from = Some(from);
        Some(rd)
    }

    /// Keeps as the record of a directory whose listing failed half way what
    /// was listed and what its old record holds that was not compared yet.
    fn keep_unfinished(&mut self, rd: ResyncDir<F::Dir>) {
        let wd = rd.listing.wd;
        let mut record = rd.listing.into_record().unwrap_or_default();
        for (name, ino, is_dir) in rd.old.iter() {
            record.insert(name, ino, is_dir);
        }
        self.store_record(wd, Some(record));
    }
}
