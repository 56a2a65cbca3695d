//! Watched roots: followed through a pinned `O_PATH` fd when they move, and guarded
//! by a hidden watch on their parent so that their deletion is still reported.
//!
//! An open fd keeps its inode alive, so the kernel would hold back a pinned root's
//! `IN_DELETE_SELF`/`IN_IGNORED` until the fd is closed. The parent's `IN_DELETE`
//! (or an `IN_MOVED_TO` over the root) tells us when to close it: then the kernel
//! sends both events, in the next read. No I/O here beyond the [`FsView`] seam.
//! pyinotify counterpart: none (pyinotify appends `-unknown-path` instead).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::bookkeeping::Bookkeeper;
use crate::kernel::fs_view::FsView;
use crate::types::event::{RawEvent, Wd};
use crate::types::mask::Mask;

/// A hidden watch on a directory that holds pinned roots but is not watched itself.
#[derive(Debug)]
pub(crate) struct Sentinel {
    /// The directory's path when the sentinel was added.
    pub path: PathBuf,
    /// How many roots it guards.
    pub roots: usize,
}

impl<F: FsView> Bookkeeper<F> {
    /// Makes sure the deletion of root `wd` will be noticed: its parent is watched
    /// already, or gets a sentinel.
    pub(crate) fn guard_root(&mut self, wd: Wd) {
        let Some(parent) = self.table.get(wd).and_then(|e| e.path.parent().map(|p| p.to_path_buf())) else {
            return;
        };
        if let Some(parent_wd) = self.table.wd_of(&parent) {
            // A watched directory always reports IN_DELETE and IN_MOVED_TO.
            self.table.get_mut(parent_wd).expect("by_path names live wds").has_root_child = true;
            return;
        }
        let mask = Mask::IN_DELETE | Mask::IN_MOVED_TO | Mask::IN_ONLYDIR;
        let Ok(sentinel) = self.fs.add_watch(&parent, mask) else { return };
        if self.table.get(sentinel).is_some() {
            return;
        }
        self.sentinels.entry(sentinel).or_insert(Sentinel { path: parent, roots: 0 }).roots += 1;
        self.root_guard.insert(wd, sentinel);
    }

    /// Releases the sentinel that guards root `wd`, removing it when unused.
    pub(crate) fn unguard_root(&mut self, wd: Wd) {
        let Some(sentinel) = self.root_guard.remove(&wd) else { return };
        let Some(s) = self.sentinels.get_mut(&sentinel) else { return };
        s.roots -= 1;
        if s.roots == 0 {
            self.sentinels.remove(&sentinel);
            if self.table.get(sentinel).is_none() {
                let _ = self.fs.rm_watch(sentinel);
            }
        }
    }

    /// The guard of `root` is gone: release its pin if it was deleted meanwhile,
    /// or guard it anew.
    fn reguard(&mut self, root: Wd) {
        if self.fs.root_unlinked(root) {
            self.fs.unpin_root(root);
        } else {
            self.guard_root(root);
        }
    }

    /// The watch on directory `parent` was removed: the roots right below it
    /// need another guard.
    pub(crate) fn reguard_children(&mut self, parent: &Path) {
        let roots: Vec<Wd> = self
            .table
            .subtree(parent)
            .into_iter()
            .filter(|wd| self.table.get(*wd).is_some_and(|e| e.root && e.path.parent() == Some(parent)))
            .collect();
        for root in roots {
            self.reguard(root);
        }
    }

    /// A record on a wd that is not a watch: a sentinel's, or a stale one.
    pub(crate) fn on_sentinel(&mut self, raw: RawEvent<'_>) {
        let Some(s) = self.sentinels.get(&raw.wd) else { return };
        if raw.mask.contains(Mask::IN_IGNORED) {
            self.sentinels.remove(&raw.wd);
            let guarded: Vec<Wd> = self.root_guard.iter().filter(|(_, s)| **s == raw.wd).map(|(r, _)| *r).collect();
            for root in guarded {
                self.root_guard.remove(&root);
                self.reguard(root);
            }
            return;
        }
        if raw.mask.intersects(Mask::IN_DELETE | Mask::IN_MOVED_TO) {
            let path = s.path.join(raw.name);
            self.release_pin_at(path);
        }
    }

    /// `name` left directory `parent` (deleted, or replaced by a rename): if it
    /// was a pinned root, let the kernel report its deletion.
    pub(crate) fn release_pin_of_child(&mut self, parent: Wd, name: &OsStr) {
        let Some(entry) = self.table.get(parent).filter(|e| e.has_root_child) else { return };
        let path = entry.path.join(name);
        self.release_pin_at(path);
    }

    fn release_pin_at(&mut self, path: PathBuf) {
        let Some(root) = self.table.wd_of(&path).filter(|wd| self.table.get(*wd).is_some_and(|e| e.root)) else {
            return;
        };
        if self.fs.root_unlinked(root) {
            self.unguard_root(root);
            self.fs.unpin_root(root);
        }
    }
}
