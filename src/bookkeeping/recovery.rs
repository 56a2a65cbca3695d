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
//! parents first, and retried on each resync or when asked.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Bookkeeper, Routed, Skip};
use crate::error::Error;
use crate::event::{Event, RawEvent, Wd};
use crate::fs_view::{Entry, FsView};
use crate::mask::Mask;
use crate::watch_table::WatchOptions;

/// A notice (wd -1, no path) with greenwatch's own mask bit.
fn notice(mask: Mask) -> Routed {
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

impl<F: FsView> Bookkeeper<F> {
    /// After an overflow: a resync if recovery is on, else a retry of the unwatched.
    pub(super) fn after_overflow(&mut self, out: &mut Vec<Routed>) {
        if self.recovery || self.table.iter().any(|e| e.options.recovery) {
            self.resync(out);
        } else if !self.unwatched.is_empty() {
            self.retry_into_failures();
        }
    }

    /// Rescans every directory watched with recovery (see the module docs).
    pub(crate) fn resync(&mut self, out: &mut Vec<Routed>) {
        self.pending.clear();
        out.push(notice(Mask::GW_RESYNC_START));
        self.recovering = true;
        let dirs: Vec<(Wd, Arc<Path>)> =
            self.table.iter().filter(|e| e.dir && e.options.recovery).map(|e| (e.wd, e.path.clone())).collect();
        for (wd, path) in dirs {
            if self.table.get(wd).is_some_and(|e| e.path == path) {
                self.resync_dir(wd, &path, out);
            }
        }
        self.watch_new_dirs(out);
        self.retry_into_failures();
        self.recovering = false;
        out.push(notice(Mask::GW_RESYNC_END));
    }

    /// Lists one directory and reports how it differs from its record.
    fn resync_dir(&mut self, wd: Wd, path: &Path, out: &mut Vec<Routed>) {
        let entries = match self.fs.list_dir(path) {
            Ok(entries) => entries,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                return self.remove_subtree(wd);
            }
            Err(_) => return,
        };
        let mut old = self.take_record(wd);
        for e in &entries {
            match old.remove(&e.name) {
                None => self.recover_create(wd, e, out),
                Some((ino, is_dir)) if is_dir != e.is_dir || (ino != 0 && e.ino != 0 && ino != e.ino) => {
                    self.recover_delete(wd, &e.name, is_dir, out);
                    self.recover_create(wd, e, out);
                }
                Some(_) if e.is_dir => self.ensure_watched(wd, path, &e.name),
                Some(_) => {}
            }
        }
        for (name, _, is_dir) in old.iter() {
            self.recover_delete(wd, name, is_dir, out);
        }
        self.record_listing(wd, &entries);
    }

    /// A name the record lacks: a recovered `IN_CREATE`; a directory is watched
    /// (with auto_add) and its entries reported when the resync's queue is worked.
    fn recover_create(&mut self, wd: Wd, entry: &Entry, out: &mut Vec<Routed>) {
        if self.synthesize_create(wd, &entry.name, entry.is_dir, out) && entry.is_dir {
            self.queue_new_dir(wd, &entry.name, true);
        }
    }

    /// A name the directory lost: a recovered `IN_DELETE`; a directory's watches go.
    fn recover_delete(&mut self, wd: Wd, name: &OsStr, is_dir: bool, out: &mut Vec<Routed>) {
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
    fn ensure_watched(&mut self, wd: Wd, path: &Path, name: &OsStr) {
        let child = path.join(name);
        if self.table.wd_of(&child).is_none() && !self.unwatched.contains_key(&child) {
            self.queue_new_dir(wd, name, false);
        }
    }

    /// Retries the unwatched directories; a limit met again becomes one failure.
    fn retry_into_failures(&mut self) {
        if let Err(err) = self.retry_unwatched() {
            self.failures.push(err);
        }
    }

    /// Watches the directories the limit left unwatched, parents first; how
    /// many were added. Those gone or refused otherwise are dropped.
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
            match self.watch_dir(&path, options.clone()) {
                Ok((wd, new)) => {
                    added += usize::from(new);
                    self.record_dir(wd, &path);
                }
                Err(Skip::Limit) => {
                    stopped_at = Some(path.clone());
                    self.unwatched.insert(path, options);
                }
                Err(_) => {}
            }
        }
        self.limit_hit = false;
        match stopped_at {
            Some(path) => Err(limit_error(&path, self.unwatched.len())),
            None => Ok(added),
        }
    }

    /// Adds `root` and every directory below it (readdir only, no watch) to the
    /// unwatched list, with `options`; excluded directories are left out.
    pub(crate) fn collect_unwatched(&mut self, root: PathBuf, options: &WatchOptions) {
        let mut queue = vec![root];
        while let Some(dir) = queue.pop() {
            if options.filter.as_ref().is_some_and(|f| f.matches(&dir)) || self.table.wd_of(&dir).is_some() {
                continue;
            }
            if let Ok(entries) = self.fs.list_dir(&dir) {
                queue.extend(entries.into_iter().filter(|e| e.is_dir).map(|e| dir.join(e.name)));
            }
            self.unwatched.insert(dir, options.clone());
        }
    }
}
