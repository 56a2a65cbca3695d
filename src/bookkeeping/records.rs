//! Overflow recovery's memory: what each watched directory held when last seen.
//!
//! With recovery on, every watched directory keeps a compact record of its
//! entries (name → inode, and whether it is a directory), filled from the
//! listings the walk and auto_add make anyway and kept current by every
//! `IN_CREATE`, `IN_DELETE`, `IN_MOVED_FROM` and `IN_MOVED_TO` (whose inode is
//! unknown: 0). No `stat` is made per event, so file sizes and times are not
//! recorded: a resync reports entries created and deleted, not modified.
//! pyinotify counterpart: none (pyinotify only logs an overflow).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;

use super::Bookkeeper;
use crate::event::{RawEvent, Wd};
use crate::fs_view::{Entry, FsView};
use crate::mask::Mask;

/// The top bit of a packed value: the entry is a directory.
const DIR_BIT: u64 = 1 << 63;

/// The entries of one directory: name → inode (63 bits) and the directory bit.
#[derive(Debug, Default, Clone)]
pub(crate) struct DirRecord {
    names: HashMap<Box<OsStr>, u64>,
}

fn pack(ino: u64, is_dir: bool) -> u64 {
    (ino & !DIR_BIT) | if is_dir { DIR_BIT } else { 0 }
}

fn unpack(v: u64) -> (u64, bool) {
    (v & !DIR_BIT, v & DIR_BIT != 0)
}

impl DirRecord {
    /// The record of a fresh listing.
    pub(crate) fn from_listing(entries: &[Entry]) -> DirRecord {
        let mut names = HashMap::with_capacity(entries.len());
        for e in entries {
            names.insert(Box::from(e.name.as_os_str()), pack(e.ino, e.is_dir));
        }
        DirRecord { names }
    }

    /// Adds or replaces `name` (inode 0: unknown).
    pub(crate) fn insert(&mut self, name: &OsStr, ino: u64, is_dir: bool) {
        self.names.insert(Box::from(name), pack(ino, is_dir));
    }

    /// Removes `name`: its inode and whether it was a directory.
    pub(crate) fn remove(&mut self, name: &OsStr) -> Option<(u64, bool)> {
        self.names.remove(name).map(unpack)
    }

    /// The inode and kind of `name`.
    pub(crate) fn get(&self, name: &OsStr) -> Option<(u64, bool)> {
        self.names.get(name).copied().map(unpack)
    }

    /// Every entry: name, inode, directory.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&OsStr, u64, bool)> {
        self.names.iter().map(|(n, v)| {
            let (ino, dir) = unpack(*v);
            (&**n, ino, dir)
        })
    }

    /// The heap bytes this record holds (table slots and names), for measurements.
    pub(crate) fn heap_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(Box<OsStr>, u64)>() + 1;
        let names: usize = self.names.keys().map(|n| n.len()).sum();
        self.names.capacity() * slot + names
    }
}

impl<F: FsView> Bookkeeper<F> {
    /// Keeps `entries` as the record of directory `wd`, if its watch asked for recovery.
    pub(crate) fn record_listing(&mut self, wd: Wd, entries: &[Entry]) {
        if self.table.get(wd).is_some_and(|e| e.dir && e.options.recovery) {
            self.records.insert(wd, DirRecord::from_listing(entries));
        }
    }

    /// Lists directory `wd` at `path` for its record (a watch no walk lists).
    pub(crate) fn record_dir(&mut self, wd: Wd, path: &Path) {
        if self.table.get(wd).is_some_and(|e| e.dir && e.options.recovery)
            && let Ok(entries) = self.fs.list_dir(path)
        {
            self.record_listing(wd, &entries);
        }
    }

    /// Applies one kernel record to the record of its directory.
    pub(super) fn note_record(&mut self, raw: RawEvent<'_>) {
        let Some(record) = self.records.get_mut(&raw.wd) else { return };
        let is_dir = raw.mask.contains(Mask::IN_ISDIR);
        match raw.mask - Mask::IN_ISDIR {
            Mask::IN_CREATE if record.get(raw.name).is_some_and(|(_, d)| d == is_dir) => {}
            Mask::IN_CREATE | Mask::IN_MOVED_TO => record.insert(raw.name, 0, is_dir),
            Mask::IN_DELETE | Mask::IN_MOVED_FROM => {
                record.remove(raw.name);
            }
            _ => {}
        }
    }

    /// The heap bytes of every record (see [`DirRecord::heap_bytes`]).
    pub(crate) fn record_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(Wd, DirRecord)>() + 1;
        self.records.capacity() * slot + self.records.values().map(DirRecord::heap_bytes).sum::<usize>()
    }
}
