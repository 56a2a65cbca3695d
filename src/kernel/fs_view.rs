//! The file-system seam: everything the bookkeeping asks of the kernel and the disk.
//!
//! The bookkeeping rules never touch the file system themselves; they go through
//! [`FsView`], so tests can drive them from data with a fake file system.
//! pyinotify counterpart: the `os.listdir`/`os.path.isdir` calls inside `_SysProcessEvent`.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags};

use crate::kernel::dir_list::{self, DirLister, Entry};
use crate::kernel::sys::InotifyFd;
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// A directory opened by [`FsView::open_root`] or [`FsView::open_child`].
pub(crate) struct Opened<D> {
    pub dir: D,
    pub is_dir: bool,
    /// The user's root is itself a symlink, not followed (`IN_DONT_FOLLOW`).
    pub is_link: bool,
}

/// What the bookkeeping needs from the outside world.
///
/// Directories below a root are reached as opaque handles (`Dir`, an open fd in
/// the real seam): opened once relative to their parent's handle without
/// following a symlink, then watched and listed as that very directory.
pub(crate) trait FsView {
    /// An open directory (or, for a root, whatever the user named).
    type Dir: std::fmt::Debug;
    /// `inotify_add_watch` by path: for what the user named itself and the
    /// sentinels on their parents, never below a root.
    fn add_watch(&mut self, path: &Path, mask: Mask) -> io::Result<Wd>;
    /// `inotify_rm_watch`.
    fn rm_watch(&mut self, wd: Wd) -> io::Result<()>;
    /// Opens what the user named, once (a final symlink followed unless `follow` is false).
    fn open_root(&mut self, path: &Path, follow: bool) -> io::Result<Opened<Self::Dir>>;
    /// Opens the directory `name` in `parent` without following a symlink;
    /// an error for which [`crate::kernel::dir_list::is_gone`] holds if it is gone,
    /// a symlink or not a directory.
    fn open_child(&mut self, parent: &Self::Dir, name: &OsStr) -> io::Result<Self::Dir>;
    /// Opens the directory `rel` below the pinned root `root` (`rel` empty: the
    /// root), following no symlink and never leaving the root.
    fn open_beneath(&mut self, root: Wd, rel: &Path) -> io::Result<Self::Dir>;
    /// `inotify_add_watch` on the very directory `dir` is.
    fn watch(&mut self, dir: &Self::Dir, mask: Mask) -> io::Result<Wd>;
    /// Appends some entries of `dir` to `out` (one `getdents64` buffer in the
    /// real seam); true once the listing is complete. Each call goes on where
    /// the last one on the same `dir` stopped, and every entry is listed once
    /// (symlinks are not followed; `is_dir` is false for them).
    fn list_some(&mut self, dir: &Self::Dir, out: &mut Vec<Entry>) -> io::Result<bool>;
    /// The entries of `dir`, whole (see [`FsView::list_some`]).
    fn list(&mut self, dir: &Self::Dir) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        while !self.list_some(dir, &mut out)? {}
        Ok(out)
    }
    /// Starts following the watched root `wd`, opened as `dir`, wherever it moves.
    fn pin_root(&mut self, wd: Wd, dir: &Self::Dir);
    /// Stops following `wd`.
    fn unpin_root(&mut self, wd: Wd);
    /// Where the pinned root `wd` is now; `None` if unknown or deleted.
    fn root_path(&mut self, wd: Wd) -> Option<PathBuf>;
    /// True if the pinned root `wd` has no link left (deleted, or replaced by a rename).
    fn root_unlinked(&mut self, wd: Wd) -> bool;
    /// True if the kernel holds no unread record now (`FIONREAD`; an error counts as empty).
    fn queue_empty(&mut self) -> bool;
}

/// The real seam: the inotify fd, directory fds, and an `O_PATH` fd per watched
/// root read back through `/proc/self/fd`.
///
/// A directory is watched through the magic link `/proc/self/fd/N` of the fd
/// it was opened as. The kernel resolves that link to the open file itself (the
/// very dentry and mount the fd holds), not by looking a name up again, so the
/// watch lands on the opened inode whatever has been renamed or swapped since.
/// That is also why `IN_DONT_FOLLOW` must not be passed there: it would watch
/// the magic link instead of following it.
#[derive(Debug)]
pub(crate) struct RealFs {
    pub(crate) inotify: InotifyFd,
    roots: HashMap<Wd, OwnedFd>,
    lister: DirLister,
    /// `/proc/self/fd/` and room for the fd's number.
    proc_path: String,
}

impl RealFs {
    pub(crate) fn new(inotify: InotifyFd) -> RealFs {
        RealFs { inotify, roots: HashMap::new(), lister: DirLister::default(), proc_path: String::new() }
    }

    /// `/proc/self/fd/N` for `fd`, in a reused buffer.
    fn proc_path(&mut self, fd: BorrowedFd<'_>) -> &Path {
        self.proc_path.clear();
        self.proc_path.push_str("/proc/self/fd/");
        self.proc_path.push_str(itoa::Buffer::new().format(fd.as_raw_fd()));
        Path::new(&self.proc_path)
    }
}

/// An open directory of the real seam; a root may be an `O_PATH` fd.
#[derive(Debug)]
pub(crate) struct DirFd {
    fd: OwnedFd,
    path_only: bool,
}

impl FsView for RealFs {
    type Dir = DirFd;

    fn add_watch(&mut self, path: &Path, mask: Mask) -> io::Result<Wd> {
        self.inotify.add_watch(path, mask)
    }

    fn rm_watch(&mut self, wd: Wd) -> io::Result<()> {
        self.inotify.rm_watch(wd)
    }

    fn open_root(&mut self, path: &Path, follow: bool) -> io::Result<Opened<DirFd>> {
        let flags =
            if follow { OFlags::PATH | OFlags::CLOEXEC } else { OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC };
        let fd = rustix::fs::open(path, flags, Mode::empty())?;
        let kind = FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode);
        let dir = DirFd { fd, path_only: true };
        Ok(Opened { dir, is_dir: kind == FileType::Directory, is_link: kind == FileType::Symlink })
    }

    fn open_child(&mut self, parent: &DirFd, name: &OsStr) -> io::Result<DirFd> {
        Ok(DirFd { fd: dir_list::open_child(parent.fd.as_fd(), name)?, path_only: false })
    }

    fn open_beneath(&mut self, root: Wd, rel: &Path) -> io::Result<DirFd> {
        let Some(fd) = self.roots.get(&root) else { return Err(io::Error::from_raw_os_error(libc::ENOENT)) };
        Ok(DirFd { fd: dir_list::open_beneath(fd.as_fd(), rel)?, path_only: false })
    }

    fn watch(&mut self, dir: &DirFd, mask: Mask) -> io::Result<Wd> {
        let path = self.proc_path(dir.fd.as_fd()).to_path_buf();
        let wd = self.inotify.add_watch(&path, mask - Mask::IN_DONT_FOLLOW);
        match wd {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) && !Path::new("/proc/self/fd").is_dir() => Err(
                io::Error::new(e.kind(), "/proc is not mounted (greenwatch watches directories through /proc/self/fd)"),
            ),
            other => other,
        }
    }

    /// A root open by path only (`O_PATH`) is opened again to be listed, and
    /// listed whole: the steps of walks and resyncs never list such a handle.
    fn list_some(&mut self, dir: &DirFd, out: &mut Vec<Entry>) -> io::Result<bool> {
        if dir.path_only {
            let fd = dir_list::open_child(dir.fd.as_fd(), OsStr::new("."))?;
            while !self.lister.list_some(fd.as_fd(), out)? {}
            return Ok(true);
        }
        self.lister.list_some(dir.fd.as_fd(), out)
    }

    fn pin_root(&mut self, wd: Wd, dir: &DirFd) {
        if let Ok(fd) = dir.fd.try_clone() {
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
        rustix::fs::fstat(fd).is_ok_and(|st| st.st_nlink == 0)
    }

    fn queue_empty(&mut self) -> bool {
        self.inotify.bytes_available().map_or(true, |n| n == 0)
    }
}
