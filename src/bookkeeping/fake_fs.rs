//! An in-memory file system and inotify for the bookkeeping's unit tests.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use crate::kernel::dir_list::Entry;
use crate::kernel::fs_view::{FsView, Opened};
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// Directories and files by absolute path; watches by wd.
#[derive(Debug, Default)]
pub(crate) struct FakeFs {
    /// path → is_dir
    pub nodes: BTreeMap<PathBuf, bool>,
    pub watches: BTreeMap<Wd, (PathBuf, Mask)>,
    pub next_wd: Wd,
    pub roots: HashMap<Wd, PathBuf>,
    /// Paths whose add_watch fails with this errno.
    pub fail: HashMap<PathBuf, i32>,
    /// Whether the kernel queue holds unread records (what `queue_empty` answers).
    pub unread: bool,
    /// Directories whose listing fails with `ENOENT` (they moved after their watch).
    pub unlistable: std::collections::BTreeSet<PathBuf>,
    /// Inode numbers by path (0, unknown, when absent).
    pub inos: HashMap<PathBuf, u64>,
    /// How many more watches `add_watch` grants before `ENOSPC` (no limit when `None`).
    pub watch_budget: Option<usize>,
    /// Nodes that are symlinks (listed as non-directories, never opened).
    pub links: std::collections::BTreeSet<PathBuf>,
    /// How many directories were opened, by any means.
    pub opened: usize,
    /// How many entries one `list_some` call hands out (all when `None`).
    pub chunk: Option<usize>,
    /// How many `list_some` calls were made.
    pub list_calls: usize,
    /// How many entries `list_some` calls handed out.
    pub listed: usize,
}

/// An open directory of the fake: its path, and the last name a listing
/// through it handed out (a listing goes on by name, as `getdents64` does by
/// offset: an entry there all along is listed once, whatever changes around it).
#[derive(Debug, Clone)]
pub(crate) struct FakeDir {
    pub path: PathBuf,
    listed_up_to: RefCell<Option<OsString>>,
}

impl FakeDir {
    fn new(path: &Path) -> FakeDir {
        FakeDir { path: path.to_path_buf(), listed_up_to: RefCell::new(None) }
    }
}

impl FakeFs {
    pub(crate) fn with(paths: &[&str]) -> FakeFs {
        let mut fs = FakeFs { next_wd: 1, ..Default::default() };
        for p in paths {
            fs.add(p);
        }
        fs
    }

    /// Adds `p` (a directory if it ends in `/`) and its parents.
    pub(crate) fn add(&mut self, p: &str) {
        let is_dir = p.ends_with('/');
        let path = PathBuf::from(p.trim_end_matches('/'));
        for a in path.ancestors().skip(1) {
            self.nodes.insert(a.to_path_buf(), true);
        }
        self.nodes.insert(path, is_dir);
    }

    /// Replaces the node at `p` (and what was below it) by a symlink.
    pub(crate) fn link(&mut self, p: &str) {
        let path = PathBuf::from(p);
        self.nodes.retain(|n, _| !n.starts_with(&path));
        self.nodes.insert(path.clone(), false);
        self.links.insert(path);
    }

    /// What opening the directory at `path` without following symlinks answers.
    fn open_dir(&mut self, path: &Path) -> io::Result<FakeDir> {
        if self.links.contains(path) {
            return Err(io::Error::from_raw_os_error(libc::ELOOP));
        }
        match self.nodes.get(path) {
            None => Err(io::Error::from_raw_os_error(libc::ENOENT)),
            Some(false) => Err(io::Error::from_raw_os_error(libc::ENOTDIR)),
            Some(true) => {
                self.opened += 1;
                Ok(FakeDir::new(path))
            }
        }
    }

    pub(crate) fn watched(&self, path: &str) -> Option<Wd> {
        self.watches.iter().find(|(_, (p, _))| p == Path::new(path)).map(|(wd, _)| *wd)
    }

    /// Moves a node and everything below it (watches follow their inode).
    pub(crate) fn rename(&mut self, from: &str, to: &str) {
        let (from, to) = (Path::new(from), Path::new(to));
        let moved: Vec<_> = self.nodes.keys().filter(|p| p.starts_with(from)).cloned().collect();
        for p in moved {
            let d = self.nodes.remove(&p).unwrap();
            self.nodes.insert(super::watch_table::rebase(&p, from, to), d);
        }
        for (p, _) in self.watches.values_mut() {
            if p.starts_with(from) {
                *p = super::watch_table::rebase(p, from, to);
            }
        }
        for p in self.roots.values_mut() {
            if p.starts_with(from) {
                *p = super::watch_table::rebase(p, from, to);
            }
        }
    }
}

impl FsView for FakeFs {
    type Dir = FakeDir;

    fn add_watch(&mut self, path: &Path, mask: Mask) -> io::Result<Wd> {
        if let Some(code) = self.fail.get(path) {
            return Err(io::Error::from_raw_os_error(*code));
        }
        let Some(is_dir) = self.nodes.get(path).copied() else {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        };
        if mask.contains(Mask::IN_ONLYDIR) && !is_dir {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        if let Some((wd, _)) = self.watches.iter().find(|(_, (p, _))| p == path) {
            return Ok(*wd);
        }
        if self.watch_budget.is_some_and(|b| self.watches.len() >= b) {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        let wd = self.next_wd;
        self.next_wd += 1;
        self.watches.insert(wd, (path.to_path_buf(), mask));
        Ok(wd)
    }

    fn rm_watch(&mut self, wd: Wd) -> io::Result<()> {
        match self.watches.remove(&wd) {
            Some(_) => Ok(()),
            None => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        }
    }

    fn open_root(&mut self, path: &Path, _follow: bool) -> io::Result<Opened<FakeDir>> {
        let is_dir = *self.nodes.get(path).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))?;
        Ok(Opened { dir: FakeDir::new(path), is_dir, is_link: false })
    }

    /// `.` opens `parent` again (as a root open by path only is, to be listed).
    fn open_child(&mut self, parent: &FakeDir, name: &OsStr) -> io::Result<FakeDir> {
        let path = if name == "." { parent.path.clone() } else { parent.path.join(name) };
        self.open_dir(&path)
    }

    fn open_beneath(&mut self, root: Wd, rel: &Path) -> io::Result<FakeDir> {
        let root = self.roots.get(&root).cloned().ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))?;
        let mut dir = FakeDir::new(&root);
        for c in rel.components() {
            dir = self.open_dir(&dir.path.join(c))?;
        }
        if rel.as_os_str().is_empty() { self.open_dir(&root) } else { Ok(dir) }
    }

    fn watch(&mut self, dir: &FakeDir, mask: Mask) -> io::Result<Wd> {
        self.add_watch(&dir.path, mask)
    }

    /// Up to `chunk` entries, in name order, after the last one handed out.
    fn list_some(&mut self, dir: &FakeDir, out: &mut Vec<Entry>) -> io::Result<bool> {
        self.list_calls += 1;
        let path = &dir.path;
        if self.nodes.get(path) != Some(&true) || self.unlistable.contains(path) {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        let after = dir.listed_up_to.borrow().clone();
        let children = self.nodes.iter().filter(|(p, _)| p.parent() == Some(path));
        let mut left = children.filter(|(p, _)| after.as_deref().is_none_or(|a| p.file_name().unwrap() > a));
        let entry = |(p, d): (&PathBuf, &bool)| Entry {
            name: p.file_name().unwrap().to_owned(),
            is_dir: *d,
            ino: self.inos.get(p).copied().unwrap_or(0),
        };
        let start = out.len();
        out.extend(left.by_ref().take(self.chunk.unwrap_or(usize::MAX)).map(entry));
        let end = left.next().is_none();
        self.listed += out.len() - start;
        if let Some(last) = out[start..].last() {
            *dir.listed_up_to.borrow_mut() = Some(last.name.clone());
        }
        Ok(end)
    }

    fn pin_root(&mut self, wd: Wd, dir: &FakeDir) {
        self.roots.insert(wd, dir.path.clone());
    }

    fn unpin_root(&mut self, wd: Wd) {
        self.roots.remove(&wd);
    }

    fn root_path(&mut self, wd: Wd) -> Option<PathBuf> {
        self.roots.get(&wd).cloned()
    }

    fn root_unlinked(&mut self, wd: Wd) -> bool {
        self.roots.get(&wd).is_some_and(|p| !self.nodes.contains_key(p))
    }

    fn queue_empty(&mut self) -> bool {
        !self.unread
    }
}
