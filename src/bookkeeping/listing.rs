//! A directory listed a chunk at a time, for the walks and resyncs in steps.
//!
//! A step of a walk (auto_add, see `new_dirs.rs`; recursive `add_watch`, see
//! `tree_walk.rs`) or of a resync (see `resync.rs`) is bounded in entries as
//! well as in directories: one huge directory is handled over several steps.
//! The listing under way keeps its open directory (whose fd
//! offset is where the next `getdents64` goes on), the rest of the last chunk
//! read, and the record it builds entry by entry for overflow recovery, which
//! becomes the directory's record once the listing is complete.
//!
//! The budget of a step is a [`StepBudget`]: up to so many directories begun
//! and so many entries handled. A chunk is read only when an entry is wanted,
//! so a step reads at most one chunk (one `getdents64` buffer) beyond what its
//! entry budget lets it handle, and keeps that rest for the next step.

use std::io;

use super::Bookkeeper;
use super::records::{DirRecord, keeps_record};
use crate::kernel::dir_list::Entry;
use crate::kernel::fs_view::FsView;
use crate::types::event::Wd;

/// The wd a [`Listing`] of a directory left unwatched (past the watch limit)
/// carries: no watch has it, and such a listing keeps no record.
pub(crate) const NO_WATCH: Wd = -1;

/// How much one step of a walk or a resync may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StepBudget {
    /// Directories begun (opened, watched or compared, and listed).
    pub dirs: usize,
    /// Entries handled (listed and reported or compared, or reported deleted).
    pub entries: usize,
}

impl StepBudget {
    /// No bound: the blocking front-ends do a walk or a resync whole.
    pub(crate) const WHOLE: StepBudget = StepBudget { dirs: usize::MAX, entries: usize::MAX };
}

/// A listing under way of the directory watched as `wd`.
#[derive(Debug)]
pub(crate) struct Listing<D> {
    /// The watch of the directory listed.
    pub wd: Wd,
    dir: D,
    /// The rest of the last chunk read, last entry first (popped from the end).
    ahead: Vec<Entry>,
    /// The file system said the last chunk was the last.
    end: bool,
    /// What was handed out so far, for the record of `wd`; `None` if its
    /// watch keeps none.
    record: Option<DirRecord>,
}

impl<D> Listing<D> {
    /// A listing of `dir`, watched as `wd`, building a record if `keep_record`.
    pub(crate) fn new(wd: Wd, dir: D, keep_record: bool) -> Listing<D> {
        Listing { wd, dir, ahead: Vec::new(), end: false, record: keep_record.then(DirRecord::default) }
    }

    /// The next entry, reading a chunk through `fs` when none is left;
    /// `None` at the end. An error (the directory was deleted, say) can come
    /// after some entries were handed out.
    pub(crate) fn next<F: FsView<Dir = D>>(&mut self, fs: &mut F) -> io::Result<Option<Entry>> {
        while self.ahead.is_empty() && !self.end {
            self.end = fs.list_some(&self.dir, &mut self.ahead)?;
            self.ahead.reverse();
        }
        let entry = self.ahead.pop();
        if let (Some(e), Some(record)) = (&entry, &mut self.record) {
            record.insert(&e.name, e.ino, e.is_dir);
        }
        Ok(entry)
    }

    /// The record of what was handed out (`None` if none was kept).
    pub(crate) fn into_record(self) -> Option<DirRecord> {
        self.record
    }

    /// The open directory, and the record of what was handed out.
    pub(crate) fn into_parts(self) -> (D, Option<DirRecord>) {
        (self.dir, self.record)
    }
}

impl<F: FsView> Bookkeeper<F> {
    /// A listing of `dir`, watched as `wd`, that builds a record if the watch keeps one.
    pub(super) fn start_listing(&self, wd: Wd, dir: F::Dir) -> Listing<F::Dir> {
        Listing::new(wd, dir, self.table.get(wd).is_some_and(keeps_record))
    }

    /// Keeps what a complete listing built as the record of `wd`, if its watch
    /// still keeps one (an empty record is kept as none).
    pub(super) fn store_record(&mut self, wd: Wd, record: Option<DirRecord>) {
        let Some(mut record) = record.filter(|_| self.table.get(wd).is_some_and(keeps_record)) else { return };
        if record.is_empty() {
            self.records.remove(&wd);
        } else {
            record.shrink_to_fit();
            self.records.insert(wd, Box::new(record));
        }
    }
}
