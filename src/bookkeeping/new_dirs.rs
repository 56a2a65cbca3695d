//! auto_add: directories that appear in a watched tree are watched, then listed.
//!
//! A directory announced by a record (`IN_CREATE|IN_ISDIR`, or an `IN_MOVED_TO`
//! of one we do not watch) is queued by its parent's watch and its name. Later
//! records of the same batch move it along (a rename) or drop it (a delete, a
//! rename over it). When the batch ends the queue is worked through in order,
//! breadth first like pyinotify's: each directory is watched, then listed; a new
//! one's entries get a synthesized `IN_CREATE` (subdirectories queued in turn),
//! a moved-in one's subdirectories are only watched. A directory the kernel cannot
//! find (it or its parent moved after the batch was read) is tried again after the
//! next batch, whose records move it along, unless the kernel queue is empty:
//! then no record can still tell where it went. So is the listing of a directory
//! that moved between its watch and its listing (the watch keeps its path true).
//!
//! The walk goes in bounded steps (see `Bookkeeper::walk_step`): a step begins
//! at most so many directories and handles at most so many entries (a
//! `StepBudget`). A directory being listed stays in the walk with its open
//! handle (see `listing.rs`) and is finished, a chunk of entries per step,
//! before the next one is begun; each entry is reported and each subdirectory
//! queued as its chunk is handled, in listing order, and the listing becomes
//! the directory's record once complete. So one huge new directory is spread
//! over several steps, with the same events in the same order. A directory
//! the watch limit (or the cap) leaves unwatched has its subtree collected
//! into the unwatched list in the same steps (see `collect.rs`), before the
//! next queued directory is taken.
//!
//! Memory: the queue holds one entry (the parent's wd and a name, about 50
//! bytes) per directory found and not yet walked. Breadth first, that is at
//! most the width of the new tree; each entry is about to become a watch, so
//! the queue stays below what the watch table will hold for the same
//! directories, and is bounded by the watch limit or the cap. The events the
//! walk synthesizes do not pile up: the async front-ends route each step's
//! events, and step again only once they are placed in their lanes.

use std::collections::{HashMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::collect::Collect;
use super::listing::{Listing, StepBudget};
use super::{Bookkeeper, Routed};
use crate::bookkeeping::watch_table::{WatchEntry, WatchOptions, kernel_mask};
use crate::bookkeeping::wd_hash::WdMap;
use crate::kernel::dir_list::is_gone;
use crate::kernel::fs_view::FsView;
use crate::types::error::Error;
use crate::types::event::{RawEvent, Wd};
use crate::types::mask::Mask;

/// A directory to watch when the batch ends.
#[derive(Debug, Clone)]
pub(crate) struct NewDir {
    /// The watch of the directory that holds it; its path is read when the batch ends.
    parent: Wd,
    name: OsString,
    /// A new directory, whose entries are reported, rather than one moved in.
    pub(super) report: bool,
}

/// A walk of the new directories a batch announced, resumable in steps (see
/// `Bookkeeper::walk_step`): what is left to do and what it found so far.
#[derive(Debug)]
pub(crate) struct Walk<D> {
    /// The subtree of a directory the limit left unwatched, being collected
    /// into the unwatched list: it is finished before the next one is begun.
    collect: Option<Collect<D>>,
    /// The directory being listed, and whether its entries are reported: it
    /// is finished before the next one is begun.
    listing: Option<(Listing<D>, bool)>,
    /// New watches whose listing failed last time, to list first.
    relist: Vec<(Wd, bool)>,
    queue: VecDeque<NewDir>,
    unlisted: Vec<(Wd, bool)>,
    missed: Vec<NewDir>,
    limited: Option<PathBuf>,
    end: Option<BatchEnd>,
}

/// The end of a batch, done once its walk is done.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchEnd {
    /// The batch that ended.
    pub ended: u64,
    /// Its read found the kernel queue empty.
    pub drained: bool,
    /// It held `IN_Q_OVERFLOW`: a resync follows the walk.
    pub overflowed: bool,
}

/// Why a directory was not watched.
#[derive(Debug)]
pub(crate) enum Skip {
    /// Nothing (or no directory) is at its path now.
    Gone,
    /// The kernel refused.
    Failed(Error),
    /// The watch limit (`ENOSPC`) is reached; the error is built once per walk.
    Limit,
}

/// The directories to watch when the batch ends, in order, each (parent, name)
/// at most once; a name can be taken off again (or moved) by a later record.
#[derive(Debug, Default)]
pub(crate) struct DirQueue {
    /// (parent, name, ticket) in order; an entry whose ticket is no longer the
    /// name's in `queued` was taken off.
    order: VecDeque<(Wd, OsString, u64)>,
    /// By parent and name: whether it is new (`report`), and its ticket.
    queued: WdMap<HashMap<OsString, (bool, u64)>>,
    next_ticket: u64,
}

impl DirQueue {
    /// Queues `name` in `parent` unless it is queued already.
    fn push(&mut self, parent: Wd, name: &OsStr, report: bool) {
        let names = self.queued.entry(parent).or_default();
        if !names.contains_key(name) {
            self.next_ticket += 1;
            names.insert(name.to_owned(), (report, self.next_ticket));
            self.order.push_back((parent, name.to_owned(), self.next_ticket));
        }
    }

    /// Takes `name` in `parent` off the queue.
    pub(super) fn take(&mut self, parent: Wd, name: &OsStr) -> Option<NewDir> {
        let names = self.queued.get_mut(&parent)?;
        let (report, _) = names.remove(name)?;
        if names.is_empty() {
            self.queued.remove(&parent);
        }
        Some(NewDir { parent, name: name.to_owned(), report })
    }

    /// Empties the queue, in order.
    fn drain(&mut self) -> VecDeque<NewDir> {
        let queued = std::mem::take(&mut self.queued);
        let live = |(parent, name, ticket): &(Wd, OsString, u64)| {
            let (report, t) = *queued.get(parent)?.get(name)?;
            (t == *ticket).then(|| NewDir { parent: *parent, name: name.clone(), report })
        };
        let out = self.order.iter().filter_map(live).collect();
        self.order.clear();
        out
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }
}

impl<F: FsView> Bookkeeper<F> {
    /// Queues `name` in `parent` for watching at the end of the batch, if
    /// `parent` has auto_add and it is not queued yet.
    pub(super) fn queue_new_dir(&mut self, parent: Wd, name: &OsStr, report: bool) {
        if self.table.get(parent).is_some_and(|e| e.options.auto_add) {
            self.new_dirs.push(parent, name, report);
        }
    }

    /// Takes `name` in `parent` off the queue (it was deleted, replaced or moved).
    pub(super) fn take_new_dir(&mut self, parent: Wd, name: &OsStr) -> Option<NewDir> {
        if self.new_dirs.is_empty() {
            return None;
        }
        self.new_dirs.take(parent, name)
    }

    /// The walk of what the queue holds now (and of the listings that failed
    /// last time), ending the batch `end` when it is done, if given.
    pub(super) fn start_walk(&mut self, end: Option<BatchEnd>) -> Walk<F::Dir> {
        self.limit_hit = false;
        let mut relist = std::mem::take(&mut self.unlisted);
        relist.reverse(); // popped from the end, in order
        let queue = self.new_dirs.drain();
        Walk {
            collect: None,
            listing: None,
            relist,
            queue,
            unlisted: Vec::new(),
            missed: Vec::new(),
            limited: None,
            end,
        }
    }

    /// Watches and lists directories of `walk`, up to `budget` begun and its
    /// entries handled (a directory's listing goes on in the next step where
    /// this one stops; so does the collection of a subtree the limit left
    /// unwatched); true when the walk is done. Those not found join
    /// `walk.missed`, those watched but gone before they could be listed
    /// `walk.unlisted`. Each is opened relative to its parent (reopened
    /// beneath its root when the last one opened was another), never
    /// following a symlink.
    pub(super) fn walk_dirs(&mut self, walk: &mut Walk<F::Dir>, budget: StepBudget, out: &mut Vec<Routed>) -> bool {
        let mut parent_dir: Option<(Wd, F::Dir)> = None;
        let mut left = budget;
        loop {
            if let Some(collect) = walk.collect.as_mut() {
                if !self.collect_step(collect, &mut left) {
                    return false;
                }
                walk.collect = None;
            }
            if let Some((listing, report)) = walk.listing.take() {
                self.list_new_dir(listing, report, &mut left.entries, walk, out);
                if walk.listing.is_some() {
                    return false;
                }
            }
            if left.dirs == 0 || left.entries == 0 {
                return walk.relist.is_empty() && walk.queue.is_empty();
            }
            left.dirs -= 1;
            if let Some((wd, report)) = walk.relist.pop() {
                self.relist(wd, report, walk);
                continue;
            }
            let Some(dir) = walk.queue.pop_front() else { return true };
            self.walk_one(dir, &mut parent_dir, walk);
        }
    }

    /// Lists again a new watch whose listing failed (it had moved).
    fn relist(&mut self, wd: Wd, report: bool, walk: &mut Walk<F::Dir>) {
        let Some(path) = self.table.get(wd).map(|e| e.path.clone()) else { return };
        match self.open_watched(wd, &path) {
            Ok(dir) => walk.listing = Some((self.start_listing(wd, dir), report)),
            Err(e) if is_gone(&e) => walk.unlisted.push((wd, report)),
            Err(_) => {}
        }
    }

    /// Opens and watches one queued directory; its listing is begun.
    fn walk_one(&mut self, dir: NewDir, parent_dir: &mut Option<(Wd, F::Dir)>, walk: &mut Walk<F::Dir>) {
        let Some(parent) = self.table.get(dir.parent) else { return };
        let (parent_path, options) = (parent.path.clone(), parent.options.clone());
        let path = parent_path.join(&dir.name);
        if options.filter.as_ref().is_some_and(|f| f.matches(&path)) {
            return;
        }
        if parent_dir.as_ref().is_none_or(|(wd, _)| *wd != dir.parent) {
            *parent_dir = self.open_known(&parent_path).ok().map(|d| (dir.parent, d));
        }
        let Some((_, pdir)) = parent_dir.as_ref() else { return walk.missed.push(dir) };
        let child = match self.fs.open_child(pdir, &dir.name) {
            Ok(child) => child,
            Err(e) if is_gone(&e) => return walk.missed.push(dir),
            Err(e) => return self.failures.push(Error::from_io(e, &path)),
        };
        match self.watch_opened(&child, &path, options.clone()) {
            Ok((wd, true)) => walk.listing = Some((self.start_listing(wd, child), dir.report)),
            Ok(_) => {} // already watched: its events were flowing
            Err(Skip::Gone) => walk.missed.push(dir),
            Err(Skip::Failed(err)) => self.failures.push(err),
            Err(Skip::Limit) => {
                walk.limited.get_or_insert_with(|| path.clone());
                walk.collect = Some(self.start_collect(child, path, options));
            }
        }
    }

    /// Ends a walk: one error if the limit was met; what was not found is kept
    /// for the next batch, unless the kernel queue is empty (then no record can
    /// still tell where it went); and the end of its batch, if it had one.
    pub(super) fn finish_walk(&mut self, walk: Walk<F::Dir>, out: &mut Vec<Routed>) {
        if let Some(path) = walk.limited {
            let count = self.unwatched.len();
            self.failures.push(self.limit_error(&path, count));
        }
        if (!walk.missed.is_empty() || !walk.unlisted.is_empty()) && !self.fs.queue_empty() {
            walk.missed.into_iter().for_each(|d| self.new_dirs.push(d.parent, &d.name, d.report));
            self.unlisted = walk.unlisted;
        }
        if let Some(end) = walk.end {
            self.finish_batch(end, out);
        }
    }

    /// Goes on listing a newly watched directory, up to `left` entries: reports
    /// each entry (if `report`) and queues each subdirectory; at the end its
    /// listing becomes its record. Put back in `walk` if not done; one gone
    /// (deleted since it was opened) joins `walk.unlisted`; one whose watch was
    /// removed between two steps is dropped.
    fn list_new_dir(
        &mut self,
        mut listing: Listing<F::Dir>,
        report: bool,
        left: &mut usize,
        walk: &mut Walk<F::Dir>,
        out: &mut Vec<Routed>,
    ) {
        let wd = listing.wd;
        if self.table.get(wd).is_none() {
            return;
        }
        while *left > 0 {
            let child = match listing.next(&mut self.fs) {
                Ok(Some(child)) => child,
                Ok(None) => return self.store_record(wd, listing.into_record()),
                Err(e) if is_gone(&e) => return walk.unlisted.push((wd, report)),
                Err(_) => return,
            };
            *left -= 1;
            if report && !self.synthesize_create(wd, &child.name, child.is_dir, out) {
                continue;
            }
            if child.is_dir {
                walk.queue.push_back(NewDir { parent: wd, name: child.name, report });
            }
        }
        walk.listing = Some((listing, report));
    }

    /// Reports `name` in `wd` with a synthesized `IN_CREATE`, remembering it so
    /// that the kernel's own `IN_CREATE`, if one is on its way, is not reported
    /// again. False if it was reported already.
    pub(super) fn synthesize_create(&mut self, wd: Wd, name: &OsStr, is_dir: bool, out: &mut Vec<Routed>) -> bool {
        if !self.synthesized.remember(wd, name, self.batch) {
            return false;
        }
        let mask = if is_dir { Mask::IN_CREATE | Mask::IN_ISDIR } else { Mask::IN_CREATE };
        self.emit(RawEvent { wd, mask, cookie: 0, name }, out);
        true
    }

    /// Watches the open directory `dir`, found at `path` (not the user's root),
    /// with inherited options: its wd, and whether the watch is new. Refused
    /// with [`Skip::Limit`] once the kernel's limit or the manager's cap is met.
    pub(crate) fn watch_opened(
        &mut self,
        dir: &F::Dir,
        path: &Path,
        options: WatchOptions,
    ) -> Result<(Wd, bool), Skip> {
        if self.limit_hit || self.max_watches.is_some_and(|max| self.table.len() >= max) {
            self.limit_hit = true;
            return Err(Skip::Limit);
        }
        let mask = kernel_mask(&options, true) | Mask::IN_ONLYDIR;
        match self.fs.watch(dir, mask) {
            Ok(wd) => Ok((wd, self.insert_watch(wd, path, true, false, options))),
            Err(e) if is_gone(&e) => Err(Skip::Gone),
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => {
                self.limit_hit = true;
                Err(Skip::Limit)
            }
            Err(e) => Err(Skip::Failed(Error::from_io(e, path))),
        }
    }

    /// Opens the directory at `path`, below a watched root, from the root's
    /// pinned fd: no symlink below the root is followed, and nothing outside it
    /// is reached. `ENOENT` when no root holds `path`.
    pub(crate) fn open_known(&mut self, path: &Path) -> io::Result<F::Dir> {
        for above in path.ancestors() {
            let Some(root) = self.table.wd_of(above).filter(|wd| self.table.get(*wd).is_some_and(|e| e.root)) else {
                continue;
            };
            let rel = path.strip_prefix(above).expect("an ancestor");
            return self.fs.open_beneath(root, rel);
        }
        Err(io::Error::from_raw_os_error(libc::ENOENT))
    }

    /// Opens watched directory `wd` at `path` (see [`Bookkeeper::open_known`])
    /// and checks that what is there now is the directory `wd` watches: the
    /// kernel answers a watch request on the same inode with the same wd (the
    /// mask added is the one it has). `ENOENT` if another directory is there.
    pub(crate) fn open_watched(&mut self, wd: Wd, path: &Path) -> io::Result<F::Dir> {
        let dir = self.open_known(path)?;
        let mask = self.table.get(wd).map_or(Mask::IN_ALL_EVENTS, |e| e.kernel_mask()) | Mask::IN_MASK_ADD;
        let got = self.fs.watch(&dir, mask | Mask::IN_ONLYDIR)?;
        if got == wd {
            return Ok(dir);
        }
        if self.table.get(got).is_none() && !self.sentinels.contains_key(&got) {
            let _ = self.fs.rm_watch(got);
        }
        Err(io::Error::from_raw_os_error(libc::ENOENT))
    }

    /// The error for a walk stopped by the watch limit or by the manager's cap,
    /// at `path`, with how many directories were left unwatched.
    pub(crate) fn limit_error(&self, path: &Path, unwatched: usize) -> Error {
        match self.max_watches.filter(|max| self.table.len() >= *max) {
            Some(max) => super::recovery::cap_error(path, max, unwatched),
            None => super::recovery::limit_error(path, unwatched),
        }
    }

    /// Records a watch the kernel returned; true if the wd is new. The kernel hands
    /// back the wd it already has for the same inode: that watch keeps its state,
    /// and if it was known under another path, the inode moved there, with every
    /// watch below it.
    pub(crate) fn insert_watch(&mut self, wd: Wd, path: &Path, dir: bool, root: bool, options: WatchOptions) -> bool {
        if let Some(old) = self.table.get(wd) {
            let old_path = old.path.clone();
            if *old_path != *path {
                self.table.move_watch(wd, path);
            }
            let entry = self.table.get_mut(wd).expect("checked");
            entry.root |= root;
            entry.options = options;
            return false;
        }
        let has_root_child = self.sentinels.contains_key(&wd);
        self.table.insert(WatchEntry { wd, path: Arc::from(path), dir, root, has_root_child, options });
        self.fresh.insert(wd, self.batch);
        true
    }
}
