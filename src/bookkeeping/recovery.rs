//! Overflow recovery and the watch limit's degraded mode.
//!
//! After `IN_Q_OVERFLOW` (or a resync asked for by a user-space overflow), every
//! directory watched with recovery is listed again, parents first, and diffed
//! against its record (see `records.rs`): a new name is reported with a
//! synthesized `IN_CREATE` (remembered, so a late kernel `IN_CREATE` is not
//! reported twice; a new directory is watched with auto_add and its entries
//! reported in turn), a gone name with `IN_DELETE` (remembered too; a gone
//! directory's watches are dropped: its `IN_IGNORED` may have been lost), and a name whose inode
//! changed with both. Every such event is marked recovered, and the whole is
//! framed by the notices `GW_RESYNC_START` and `GW_RESYNC_END` (wd -1).
//!
//! Directories the watch limit (`ENOSPC`) left unwatched are kept in a list,
//! parents first, and retried on each resync or when asked. An auto_add walk
//! that meets the limit collects the subtree it could not watch into that
//! list in bounded steps (see `collect.rs`).

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use super::{Bookkeeper, Routed, Skip};
use crate::kernel::dir_list::Entry;
use crate::kernel::fs_view::FsView;
use crate::types::error::Error;
use crate::types::event::{Event, RawEvent, Wd};
use crate::types::mask::Mask;

/// A notice (wd -1, no path) with greenwatch's own mask bit.
pub(super) fn notice(mask: Mask) -> Routed {
    Routed { event: Event::new(-1, mask, "", ""), handler: None }
}

/// The watch-limit error for `path`, built once per walk (it reads
/// `/proc/self/fdinfo`), saying how many directories were left unwatched.
pub(crate) fn limit_error(path: &Path, unwatched: usize) -> Error {
    let err = Error::from_io(io::Error::from_raw_os_error(libc::ENOSPC), path);
    err.with_note(&format!(
        "; {unwatched} directories are left unwatched until the limit allows (WatchManager::retry_unwatched)"
    ))
}

/// The error for a walk stopped by the manager's cap of `max` watches at
/// `path` (see `WatchManager::set_max_watches`).
pub(crate) fn cap_error(path: &Path, max: usize, unwatched: usize) -> Error {
    let msg = format!(
        "the cap of {max} watches is reached (WatchManager::set_max_watches, --max-watches); \
         {unwatched} directories are left unwatched until watches are freed or the cap raised \
         (WatchManager::retry_unwatched)"
    );
    Error::new(crate::types::error::ErrorKind::WatchLimit, msg).with_path(path)
}

impl<F: FsView> Bookkeeper<F> {
    /// Rescans every directory watched with recovery now, to the end (see the
    /// module docs; the async front-ends step it through `walk_step` instead).
    /// A walk or a resync still pending is finished first.
    pub(crate) fn resync(&mut self, out: &mut Vec<Routed>) {
        while self.walk_step(super::StepBudget::WHOLE, out) {}
        self.begin_resync(None, out);
        while self.walk_step(super::StepBudget::WHOLE, out) {}
    }

    /// A name the record lacks: a recovered `IN_CREATE`; a directory is watched
    /// (with auto_add) and its entries reported when the resync's queue is worked.
    pub(super) fn recover_create(&mut self, wd: Wd, entry: &Entry, out: &mut Vec<Routed>) {
        if self.synthesize_create(wd, &entry.name, entry.is_dir, out) && entry.is_dir {
            self.queue_new_dir(wd, &entry.name, true);
        }
    }

    /// A name the directory lost: a recovered `IN_DELETE`; a directory's watches go.
    pub(super) fn recover_delete(&mut self, wd: Wd, name: &OsStr, is_dir: bool, out: &mut Vec<Routed>) {
        self.synthesized.forget(wd, name);
        self.unlinked.remember(wd, name, self.batch); // its kernel IN_DELETE may be queued
        self.take_new_dir(wd, name);
        let mask = if is_dir { Mask::IN_DELETE | Mask::IN_ISDIR } else { Mask::IN_DELETE };
        self.emit(RawEvent { wd, mask, cookie: 0, name }, out);
        if !is_dir {
            return;
        }
        let Some(path) = self.table.get(wd).map(|e| e.path.join(name)) else { return };
        if let Some(child) = self.table.wd_of(&path).filter(|c| *c != wd) {
            self.remove_subtree(child);
        }
    }

    /// A directory known to the record but not watched (its watch was lost): watch it.
    pub(super) fn ensure_watched(&mut self, wd: Wd, path: &Path, name: &OsStr) {
        let child = path.join(name);
        if self.table.wd_of(&child).is_none() && !self.unwatched.contains_key(&child) {
            self.queue_new_dir(wd, name, false);
        }
    }

    /// Retries the unwatched directories; a limit met again becomes one failure.
    pub(super) fn retry_into_failures(&mut self) {
        if let Err(err) = self.retry_unwatched() {
            self.failures.push(err);
        }
    }

    /// Watches the directories the limit left unwatched, parents first; how
    /// many were added. Each is opened beneath its root without following a
    /// symlink; those gone or refused otherwise are dropped.
    ///
    /// # Errors
    ///
    /// The watch-limit error when the limit is met again (the rest stays listed).
    pub(crate) fn retry_unwatched(&mut self) -> Result<usize, Error> {
        self.limit_hit = false;
        let mut added = 0;
        let mut stopped_at = None;
        for (path, options) in std::mem::take(&mut self.unwatched) {
            if stopped_at.is_some() {
                self.unwatched.insert(path, options);
                continue;
            }
            let Ok(dir) = self.open_known(&path) else { continue };
            match self.watch_opened(&dir, &path, options.clone()) {
                Ok((wd, new)) => {
                    added += usize::from(new);
                    self.record_dir(wd, &dir);
                }
                Err(Skip::Limit) => {
                    stopped_at = Some(path.clone());
                    self.unwatched.insert(path, options);
                }
                Err(_) => {}
            }
        }
        let result = match stopped_at {
            Some(path) => Err(self.limit_error(&path, self.unwatched.len())),
            None => Ok(added),
        };
        self.limit_hit = false;
        result
    }
}
