//! The watch table: every watch by descriptor and by path, with subtree moves. No I/O.
//!
//! pyinotify counterpart: `WatchManager._wmd` and `Watch`, plus the path→wd map
//! pyinotify lacks (its `get_wd` is a linear scan, #15).

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bookkeeping::filter::ExcludeFilter;
use crate::bookkeeping::wd_hash::WdMap;
use crate::handlers::shared_handler::SharedHandler;
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// What a watch was asked for; inherited by the watches auto_add creates below it.
#[derive(Clone, Debug, Default)]
pub(crate) struct WatchOptions {
    /// The user's mask: the events delivered, plus watch flags such as `IN_ONESHOT`.
    pub mask: Mask,
    /// Watch directories below this one (at add time, and on moves in with auto_add).
    pub rec: bool,
    /// Watch directories created later, and report what they already hold.
    pub auto_add: bool,
    /// Directories whose path matches are never watched.
    pub filter: Option<Arc<ExcludeFilter>>,
    /// The watch's own handler (pyinotify's `proc_fun`); the notifier's default otherwise.
    pub handler: Option<SharedHandler>,
    /// Overflow recovery keeps a record of this directory's entries, so the
    /// kernel must report every entry created, deleted or moved.
    pub recovery: bool,
}

/// One watch.
#[derive(Clone, Debug)]
pub(crate) struct WatchEntry {
    pub wd: Wd,
    /// The true path of the watched item now. Shared with the events read while it held.
    pub path: Arc<Path>,
    /// Whether the item was a directory when the watch was added.
    pub dir: bool,
    /// Whether the user named this path (so it may be followed through an fd when moved).
    pub root: bool,
    /// Whether a pinned root may sit directly below (a hint: checked on deletions).
    pub has_root_child: bool,
    pub options: WatchOptions,
}

impl WatchEntry {
    /// The mask given to the kernel: the user's events, plus what the bookkeeping
    /// needs to keep paths true and to see new directories.
    pub(crate) fn kernel_mask(&self) -> Mask {
        kernel_mask(&self.options, self.dir)
    }

    /// True if a watch below a root now matches its exclude filter (after a rename).
    pub(crate) fn excluded(&self) -> bool {
        !self.root && self.options.filter.as_ref().is_some_and(|f| f.matches(&self.path))
    }

    /// True if the user asked for this event (`IN_IGNORED`, `IN_UNMOUNT` and
    /// `IN_Q_OVERFLOW` are always delivered, as by the kernel).
    pub(crate) fn wants(&self, mask: Mask) -> bool {
        const ALWAYS: Mask = Mask::from_bits_retain(0xe000);
        mask.intersects(self.options.mask.events() | ALWAYS)
    }
}

/// See [`WatchEntry::kernel_mask`].
///
/// A oneshot watch gets the user's mask alone: the first event the kernel
/// matches ends the watch, so it must be one the user asked for.
pub(crate) fn kernel_mask(options: &WatchOptions, dir: bool) -> Mask {
    let flags = Mask::IN_ONESHOT | Mask::IN_EXCL_UNLINK | Mask::IN_DONT_FOLLOW | Mask::IN_ONLYDIR;
    let mut mask = options.mask & (Mask::ALL_EVENTS | flags);
    if mask.contains(Mask::IN_ONESHOT) {
        return mask;
    }
    mask |= Mask::IN_MOVE_SELF;
    if dir {
        // IN_DELETE: a deleted child may be a pinned root whose pin must be released.
        mask |= Mask::IN_MOVED_FROM | Mask::IN_MOVED_TO | Mask::IN_DELETE;
        if options.auto_add || options.recovery {
            mask |= Mask::IN_CREATE;
        }
    }
    mask
}

/// The watches by wd and by path.
///
/// Invariant: every `by_path` value is a key of `by_wd` whose entry has that path.
/// Several wds may briefly claim one path (a directory replaced by rename, whose old
/// watch waits for its `IN_IGNORED`); `by_path` then names the newest.
/// Paths are normalized (absolute, no `.`, `..`, `//` or trailing `/`), so
/// comparing their bytes is comparing the paths.
#[derive(Debug, Default)]
pub(crate) struct WatchTable {
    by_wd: WdMap<WatchEntry>,
    by_path: BTreeMap<PathKey, Wd>,
}

/// A path ordered by its bytes (`Path`'s own order compares components, several
/// times slower). Every path below directory `d` then sorts between `d/` and
/// `d0` (`'0'` follows `'/'`), after `d` itself: a subtree is one range.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PathKey(Arc<Path>);

impl PathKey {
    fn bytes(&self) -> &[u8] {
        self.0.as_os_str().as_bytes()
    }
}

impl Ord for PathKey {
    fn cmp(&self, other: &PathKey) -> std::cmp::Ordering {
        self.bytes().cmp(other.bytes())
    }
}

impl PartialOrd for PathKey {
    fn partial_cmp(&self, other: &PathKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<[u8]> for PathKey {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

fn key_of(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

impl WatchTable {
    pub(crate) fn len(&self) -> usize {
        self.by_wd.len()
    }

    pub(crate) fn get(&self, wd: Wd) -> Option<&WatchEntry> {
        self.by_wd.get(&wd)
    }

    pub(crate) fn get_mut(&mut self, wd: Wd) -> Option<&mut WatchEntry> {
        self.by_wd.get_mut(&wd)
    }

    pub(crate) fn wd_of(&self, path: &Path) -> Option<Wd> {
        self.by_path.get(key_of(path)).copied()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &WatchEntry> {
        self.by_path.values().filter_map(|wd| self.by_wd.get(wd))
    }

    /// Stores `entry`, replacing any entry with the same wd (the kernel returns the
    /// existing wd when an inode is watched again).
    pub(crate) fn insert(&mut self, entry: WatchEntry) {
        if let Some(old) = self.by_wd.get(&entry.wd) {
            let old_path = old.path.clone();
            self.unmap_path(&old_path, entry.wd);
        }
        self.by_path.insert(PathKey(entry.path.clone()), entry.wd);
        self.by_wd.insert(entry.wd, entry);
    }

    pub(crate) fn remove(&mut self, wd: Wd) -> Option<WatchEntry> {
        let entry = self.by_wd.remove(&wd)?;
        self.unmap_path(&entry.path, wd);
        Some(entry)
    }

    fn unmap_path(&mut self, path: &Path, wd: Wd) {
        if self.by_path.get(key_of(path)) == Some(&wd) {
            self.by_path.remove(key_of(path));
        }
    }

    /// The wds of `path` and of every watch below it, parents before children.
    pub(crate) fn subtree(&self, path: &Path) -> Vec<Wd> {
        let mut below = key_of(path).to_vec();
        let mut wds: Vec<Wd> = Vec::new();
        if below.last() != Some(&b'/') {
            wds.extend(self.wd_of(path));
            below.push(b'/');
        }
        let mut end = below.clone();
        *end.last_mut().expect("ends with '/'") = b'0';
        let range = self.by_path.range::<[u8], _>((Included(&below[..]), Excluded(&end[..])));
        wds.extend(range.map(|(_, wd)| *wd));
        wds
    }

    /// Gives watch `wd` the path `to`: with every watch below it if it owns its
    /// old path, alone if it was shadowed there (a stale watch awaiting `IN_IGNORED`).
    pub(crate) fn move_watch(&mut self, wd: Wd, to: &Path) {
        let Some(entry) = self.by_wd.get(&wd) else { return };
        let from = entry.path.clone();
        if self.wd_of(&from) == Some(wd) {
            self.move_subtree(&from, to);
            return;
        }
        let mut entry = entry.clone();
        entry.path = Arc::from(to);
        self.insert(entry);
    }

    /// Rewrites the path of the watch at `from` and of every watch below it to
    /// lie under `to`. Returns how many watches moved.
    pub(crate) fn move_subtree(&mut self, from: &Path, to: &Path) -> usize {
        let moved = self.subtree(from);
        for wd in &moved {
            let entry = self.by_wd.get_mut(wd).expect("by_path names live wds");
            let old = entry.path.clone();
            let new: Arc<Path> = Arc::from(rebase(&old, from, to));
            entry.path = new;
            self.unmap_path(&old, *wd);
        }
        for wd in &moved {
            let path = self.by_wd[wd].path.clone();
            self.by_path.insert(PathKey(path), *wd);
        }
        moved.len()
    }
}

/// `path` with its prefix `from` replaced by `to`.
pub(crate) fn rebase(path: &Path, from: &Path, to: &Path) -> PathBuf {
    match path.strip_prefix(from) {
        Ok(rest) if rest.as_os_str().is_empty() => to.to_path_buf(),
        Ok(rest) => to.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(wd: Wd, path: &str) -> WatchEntry {
        WatchEntry {
            wd,
            path: Arc::from(Path::new(path)),
            dir: true,
            root: false,
            has_root_child: false,
            options: WatchOptions::default(),
        }
    }

    fn table(paths: &[(Wd, &str)]) -> WatchTable {
        let mut t = WatchTable::default();
        for (wd, p) in paths {
            t.insert(entry(*wd, p));
        }
        t
    }

    #[test]
    fn subtree_holds_the_path_and_descendants_only() {
        let t = table(&[(1, "/w"), (2, "/w/a"), (3, "/w/a/b"), (4, "/w/a!"), (5, "/w/ab")]);
        assert_eq!(t.subtree(Path::new("/w/a")), vec![2, 3]);
        assert_eq!(t.subtree(Path::new("/w")).len(), 5);
    }

    #[test]
    fn subtree_skips_siblings_whose_bytes_sort_between_a_dir_and_its_children() {
        let t = table(&[(1, "/w/a"), (2, "/w/a b"), (3, "/w/a-x"), (4, "/w/a.x"), (5, "/w/a/c"), (6, "/w/a/c d/e")]);
        assert_eq!(t.subtree(Path::new("/w/a")), vec![1, 5, 6]);
        assert_eq!(t.subtree(Path::new("/w/a b")), vec![2]);
        assert_eq!(t.subtree(Path::new("/w/nothing")), Vec::<Wd>::new());
    }

    #[test]
    fn subtree_of_the_root_directory_is_everything_parents_first() {
        let t = table(&[(3, "/w/a"), (1, "/"), (2, "/w")]);
        assert_eq!(t.subtree(Path::new("/")), vec![1, 2, 3]);
    }

    #[test]
    fn move_subtree_rewrites_every_descendant() {
        let mut t = table(&[(1, "/w"), (2, "/w/a"), (3, "/w/a/b"), (4, "/w/c")]);
        assert_eq!(t.move_subtree(Path::new("/w/a"), Path::new("/w/c/z")), 2);
        assert_eq!(&*t.get(2).unwrap().path, Path::new("/w/c/z"));
        assert_eq!(&*t.get(3).unwrap().path, Path::new("/w/c/z/b"));
        assert_eq!(t.wd_of(Path::new("/w/c/z/b")), Some(3));
        assert_eq!(t.wd_of(Path::new("/w/a")), None);
    }

    #[test]
    fn move_subtree_back_and_forth_restores_paths() {
        let mut t = table(&[(1, "/w"), (2, "/w/a"), (3, "/w/a/b")]);
        t.move_subtree(Path::new("/w/a"), Path::new("/w/x"));
        t.move_subtree(Path::new("/w/x"), Path::new("/w/a"));
        assert_eq!(t.wd_of(Path::new("/w/a/b")), Some(3));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn reinserting_a_wd_replaces_its_old_path() {
        let mut t = table(&[(1, "/w/a")]);
        t.insert(entry(1, "/w/b"));
        assert_eq!(t.wd_of(Path::new("/w/a")), None);
        assert_eq!(t.wd_of(Path::new("/w/b")), Some(1));
    }

    #[test]
    fn removing_an_old_wd_keeps_the_newer_path_owner() {
        let mut t = table(&[(1, "/w/a"), (2, "/w/a")]);
        t.remove(1);
        assert_eq!(t.wd_of(Path::new("/w/a")), Some(2));
    }

    #[test]
    fn kernel_mask_adds_what_bookkeeping_needs() {
        let mut o = WatchOptions { mask: Mask::IN_DELETE, auto_add: true, ..Default::default() };
        let m = kernel_mask(&o, true);
        assert!(m.contains(Mask::IN_DELETE | Mask::IN_CREATE | Mask::IN_MOVE | Mask::IN_MOVE_SELF));
        o.auto_add = false;
        assert!(!kernel_mask(&o, true).contains(Mask::IN_CREATE));
        assert!(!kernel_mask(&o, false).contains(Mask::IN_MOVED_FROM));
        o.recovery = true;
        assert!(kernel_mask(&o, true).contains(Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVE));
        o.mask |= Mask::IN_ONESHOT;
        assert!(!kernel_mask(&o, true).contains(Mask::IN_CREATE));
    }
}
