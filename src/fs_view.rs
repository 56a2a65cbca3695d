//! The file-system seam: everything the bookkeeping asks of the kernel and the disk.
//!
//! The bookkeeping rules never touch the file system themselves; they go through
//! [`FsView`], so tests can drive them from data with a fake file system.
//! pyinotify counterpart: the `os.listdir`/`os.path.isdir` calls inside `_SysProcessEvent`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::dir_list::DirLister;
use crate::event::Wd;
use crate::mask::Mask;
use crate::sys::InotifyFd;

/// One directory entry, without following symlinks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: OsString,
    pub is_dir: bool,
    /// The inode number from `readdir` (`d_ino`; 0 when unknown).
    pub ino: u64,
}

/// What the bookkeeping needs from the outside world.
pub(crate) trait FsView {
    /// `inotify_add_watch`.
    fn add_watch(&mut self, path: &Path, mask: Mask) -> io::Result<Wd>;
    /// `inotify_rm_watch`.
    fn rm_watch(&mut self, wd: Wd) -> io::Result<()>;
    /// The entries of a directory (symlinks are not followed; `is_dir` is false for them).
    fn list_dir(&mut self, path: &Path) -> io::Result<Vec<Entry>>;
    /// Whether `path` is a directory, following a final symlink.
    fn is_dir(&mut self, path: &Path) -> io::Result<bool>;
    /// Starts following the watched root `wd` at `path` wherever it moves.
    fn pin_root(&mut self, wd: Wd, path: &Path);
    /// Stops following `wd`.
    fn unpin_root(&mut self, wd: Wd);
    /// Where the pinned root `wd` is now; `None` if unknown or deleted.
    fn root_path(&mut self, wd: Wd) -> Option<PathBuf>;
    /// True if the pinned root `wd` has no link left (deleted, or replaced by a rename).
    fn root_unlinked(&mut self, wd: Wd) -> bool;
    /// True if the kernel holds no unread record now (`FIONREAD`; an error counts as empty).
    fn queue_empty(&mut self) -> bool;
}

/// The real seam: the inotify fd, `std::fs`, and an `O_PATH` fd per watched root
/// read back through `/proc/self/fd`.
#[derive(Debug)]
pub(crate) struct RealFs {
    pub(crate) inotify: InotifyFd,
    roots: HashMap<Wd, OwnedFd>,
    lister: DirLister,
}

impl RealFs {
    pub(crate) fn new(inotify: InotifyFd) -> RealFs {
        RealFs { inotify, roots: HashMap::new(), lister: DirLister::default() }
    }
}

impl FsView for RealFs {
    fn add_watch(&mut self, path: &Path, mask: Mask) -> io::Result<Wd> {
        self.inotify.add_watch(path, mask)
    }

    fn rm_watch(&mut self, wd: Wd) -> io::Result<()> {
        self.inotify.rm_watch(wd)
    }

    fn list_dir(&mut self, path: &Path) -> io::Result<Vec<Entry>> {
        self.lister.list(path)
    }

    fn is_dir(&mut self, path: &Path) -> io::Result<bool> {
        Ok(fs::metadata(path)?.is_dir())
    }

    fn pin_root(&mut self, wd: Wd, path: &Path) {
        if let Ok(fd) = open_path(path) {
            self.roots.insert(wd, fd);
        }
    }

    fn unpin_root(&mut self, wd: Wd) {
        self.roots.remove(&wd);
    }

    fn root_path(&mut self, wd: Wd) -> Option<PathBuf> {
        let fd = self.roots.get(&wd)?;
        let target = fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()?;
        let deleted = target.as_os_str().as_encoded_bytes().ends_with(b" (deleted)");
        (!deleted && target.is_absolute()).then_some(target)
    }

    fn root_unlinked(&mut self, wd: Wd) -> bool {
        let Some(fd) = self.roots.get(&wd) else { return false };
        let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
        // stat through the magic link reaches the pinned inode itself.
        fs::metadata(proc_path).is_ok_and(|m| std::os::unix::fs::MetadataExt::nlink(&m) == 0)
    }

    fn queue_empty(&mut self) -> bool {
        self.inotify.bytes_available().map_or(true, |n| n == 0)
    }
}

/// An `O_PATH | O_CLOEXEC` descriptor: follows the inode, reads nothing.
fn open_path(path: &Path) -> io::Result<OwnedFd> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_PATH).open(path)?;
    Ok(OwnedFd::from(file))
}

#[cfg(test)]
pub(crate) mod fake {
    //! An in-memory file system and inotify for the bookkeeping's unit tests.

    use super::*;
    use std::collections::BTreeMap;

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

        pub(crate) fn watched(&self, path: &str) -> Option<Wd> {
            self.watches.iter().find(|(_, (p, _))| p == Path::new(path)).map(|(wd, _)| *wd)
        }

        /// Moves a node and everything below it (watches follow their inode).
        pub(crate) fn rename(&mut self, from: &str, to: &str) {
            let (from, to) = (Path::new(from), Path::new(to));
            let moved: Vec<_> = self.nodes.keys().filter(|p| p.starts_with(from)).cloned().collect();
            for p in moved {
                let d = self.nodes.remove(&p).unwrap();
                self.nodes.insert(crate::watch_table::rebase(&p, from, to), d);
            }
            for (p, _) in self.watches.values_mut() {
                if p.starts_with(from) {
                    *p = crate::watch_table::rebase(p, from, to);
                }
            }
            for p in self.roots.values_mut() {
                if p.starts_with(from) {
                    *p = crate::watch_table::rebase(p, from, to);
                }
            }
        }
    }

    impl FsView for FakeFs {
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

        fn list_dir(&mut self, path: &Path) -> io::Result<Vec<Entry>> {
            if self.nodes.get(path) != Some(&true) || self.unlistable.contains(path) {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            let children = self.nodes.iter().filter(|(p, _)| p.parent() == Some(path));
            let entry = |(p, d): (&PathBuf, &bool)| Entry {
                name: p.file_name().unwrap().to_owned(),
                is_dir: *d,
                ino: self.inos.get(p).copied().unwrap_or(0),
            };
            Ok(children.map(entry).collect())
        }

        fn is_dir(&mut self, path: &Path) -> io::Result<bool> {
            self.nodes.get(path).copied().ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
        }

        fn pin_root(&mut self, wd: Wd, path: &Path) {
            self.roots.insert(wd, path.to_path_buf());
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
}
