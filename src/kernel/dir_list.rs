//! Directories opened without following symlinks, and listed through their fd.
//!
//! A walk never resolves a path below a watched root twice: each directory is
//! opened relative to its parent's open fd with `O_NOFOLLOW | O_DIRECTORY`, and
//! that fd is what gets watched (see `fs_view.rs`) and listed. A directory that
//! someone swaps for a symlink (or a file) fails to open (`ELOOP`, `ENOTDIR`)
//! and counts as gone: it is never followed. A directory known only by its path
//! (a watched one, reopened for a later walk) is opened from its root's pinned fd
//! with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or, where the kernel
//! lacks `openat2`, one `O_NOFOLLOW` component at a time.
//!
//! Listings use `getdents64` (rustix's `RawDir`) into one reused buffer, one
//! allocation per entry name, without libc's `opendir` stream and its `fstat`.
//! A listing goes a buffer at a time (`DirLister::list_some`): the open fd's
//! offset carries the position from one call to the next, so the walks in
//! bounded steps list a huge directory a chunk per step (at most a few hundred
//! to about 1,300 entries per 32 KiB buffer) instead of whole.
//! pyinotify counterpart: `os.listdir` / `os.scandir` in the walk (by path).

use std::ffi::{OsStr, OsString};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, ResolveFlags};

/// One directory entry, without following symlinks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: OsString,
    pub is_dir: bool,
    /// The inode number from `readdir` (`d_ino`; 0 when unknown).
    pub ino: u64,
}

/// The buffer of one `getdents64` call: a few hundred entries of typical names.
const BUF_LEN: usize = 32 * 1024;

/// How a walk opens a directory to watch and list it.
const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// False once `openat2` answered that it is not there (old kernel, seccomp).
static OPENAT2: AtomicBool = AtomicBool::new(true);

/// True for the errors that mean "nothing (or no directory) is there now":
/// the walk treats such a directory as gone. `ELOOP` is a symlink met with
/// `O_NOFOLLOW` or `RESOLVE_NO_SYMLINKS`; `EXDEV` a path that would leave its root.
pub(crate) fn is_gone(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP | libc::EXDEV))
}

/// Opens the directory `name` in the open directory `parent`, not following a
/// symlink: `ELOOP` if it is one, `ENOTDIR` if it is not a directory.
pub(crate) fn open_child(parent: BorrowedFd<'_>, name: &OsStr) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(parent, name, DIR_FLAGS, Mode::empty())?)
}

/// Opens the directory `rel` below the open directory `root` (`rel` empty: the
/// root itself) without following any symlink and without leaving `root`.
pub(crate) fn open_beneath(root: BorrowedFd<'_>, rel: &Path) -> io::Result<OwnedFd> {
    if rel.as_os_str().is_empty() {
        return open_child(root, OsStr::new("."));
    }
    if OPENAT2.load(Ordering::Relaxed) {
        let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        for _ in 0..4 {
            match rustix::fs::openat2(root, rel, DIR_FLAGS, Mode::empty(), how) {
                Ok(fd) => return Ok(fd),
                Err(rustix::io::Errno::AGAIN) => {} // a rename raced the lookup
                Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => {
                    OPENAT2.store(false, Ordering::Relaxed);
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    open_components(root, rel)
}

/// [`open_beneath`] one component at a time, each with `O_NOFOLLOW`.
fn open_components(root: BorrowedFd<'_>, rel: &Path) -> io::Result<OwnedFd> {
    let mut dir: Option<OwnedFd> = None;
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return Err(io::Error::from_raw_os_error(libc::EXDEV));
        };
        let parent = dir.as_ref().map_or(root, AsFd::as_fd);
        dir = Some(open_child(parent, name)?);
    }
    dir.map_or_else(|| open_child(root, OsStr::new(".")), Ok)
}

/// Lists directories, reusing its buffer from one listing to the next.
#[derive(Debug, Default)]
pub(crate) struct DirLister {
    buf: Vec<MaybeUninit<u8>>,
}

impl DirLister {
    /// The entries of the open directory `dir` but `.` and `..`; a symlink to a
    /// directory is not a directory here. A directory deleted since it was
    /// opened answers `ENOENT`.
    #[cfg(test)]
    pub(crate) fn list(&mut self, dir: BorrowedFd<'_>) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        while !self.list_some(dir, &mut out)? {}
        Ok(out)
    }

    /// Appends to `out` the entries of one `getdents64` buffer of the open
    /// directory `dir` (as [`DirLister::list`] lists them); true once the end
    /// is reached. The fd's offset is where the next call goes on: every entry
    /// of the buffer is taken, so none is lost or repeated between calls.
    pub(crate) fn list_some(&mut self, dir: BorrowedFd<'_>, out: &mut Vec<Entry>) -> io::Result<bool> {
        if self.buf.len() < BUF_LEN {
            self.buf.resize(BUF_LEN, MaybeUninit::uninit());
        }
        let mut iter = RawDir::new(dir, &mut self.buf);
        while let Some(entry) = iter.next() {
            let entry = entry?;
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if name != "." && name != ".." {
                let is_dir = match entry.file_type() {
                    FileType::Unknown => is_dir_at(dir, name),
                    kind => kind == FileType::Directory,
                };
                out.push(Entry { name: name.to_owned(), is_dir, ino: entry.ino() });
            }
            if iter.is_buffer_empty() {
                return Ok(false); // the next call reads on from the fd's offset
            }
        }
        Ok(true)
    }
}

/// Whether `name` in `dir` is a directory (not following a symlink): for file
/// systems whose `getdents64` leaves the type out.
fn is_dir_at(dir: BorrowedFd<'_>, name: &OsStr) -> bool {
    rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::fs;
    use std::os::unix::fs::DirEntryExt;

    /// What `std::fs::read_dir` says: name → (is_dir without following, inode).
    fn std_listing(path: &Path) -> BTreeMap<Vec<u8>, (bool, u64)> {
        fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().as_bytes().to_vec(), (e.file_type().unwrap().is_dir(), e.ino())))
            .collect()
    }

    fn open(path: &Path) -> io::Result<OwnedFd> {
        Ok(rustix::fs::open(path, DIR_FLAGS, Mode::empty())?)
    }

    fn listing(lister: &mut DirLister, path: &Path) -> BTreeMap<Vec<u8>, (bool, u64)> {
        let entries = lister.list(open(path).unwrap().as_fd()).unwrap();
        let map: BTreeMap<_, _> = entries.iter().map(|e| (e.name.as_bytes().to_vec(), (e.is_dir, e.ino))).collect();
        assert_eq!(map.len(), entries.len(), "no name twice");
        map
    }

    fn scratch(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gw-dirlist-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn lists_what_read_dir_lists_across_many_buffers() {
        let dir = scratch("many");
        for i in 0..1000 {
            let name = format!("{i:04}-{}", "x".repeat(i % 200));
            if i % 7 == 0 { fs::create_dir(dir.join(name)) } else { fs::write(dir.join(name), b"") }.unwrap();
        }
        std::os::unix::fs::symlink(".", dir.join("link-to-dir")).unwrap();
        fs::write(dir.join(OsStr::from_bytes(b"bad-\xff")), b"").unwrap();
        let mut lister = DirLister::default();
        let got = listing(&mut lister, &dir);
        assert_eq!(got.len(), 1002);
        assert_eq!(got, std_listing(&dir));
        assert!(!got[&b"link-to-dir"[..]].0, "a symlink is not followed");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_listing_in_chunks_lists_each_entry_once_with_other_work_in_between() {
        let dir = scratch("chunks");
        fs::create_dir(dir.join("big")).unwrap();
        let names: BTreeSet<String> = (0..3000).map(|i| format!("{i:05}-{}", "y".repeat(40))).collect();
        names.iter().for_each(|n| fs::write(dir.join("big").join(n), b"").unwrap());
        let fd = open(&dir.join("big")).unwrap();
        let mut lister = DirLister::default();
        let (mut out, mut chunks) = (Vec::new(), 0);
        while !lister.list_some(fd.as_fd(), &mut out).unwrap() {
            chunks += 1;
            // Between two chunks: another listing through the same buffer, and a new name.
            assert_eq!(listing(&mut lister, &dir).len(), 1);
            fs::write(dir.join("big").join(format!("new-{chunks}")), b"").unwrap();
        }
        assert!(chunks >= 2, "3,000 entries of 46-byte names take several 32 KiB buffers: {chunks}");
        let got: Vec<String> = out.iter().map(|e| e.name.to_str().unwrap().to_owned()).collect();
        let unique: BTreeSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), got.len(), "no name twice");
        let old: BTreeSet<String> = got.into_iter().filter(|n| !n.starts_with("new-")).collect();
        assert_eq!(old, names, "every name there all along, once");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_symlink_or_a_file_never_opens_as_a_directory() {
        let dir = scratch("links");
        fs::create_dir_all(dir.join("real/sub")).unwrap();
        fs::write(dir.join("file"), b"").unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
        let root = open(&dir).unwrap();
        // ELOOP, or ENOTDIR where the kernel checks O_DIRECTORY first.
        let err = open_child(root.as_fd(), OsStr::new("link")).unwrap_err();
        assert!(matches!(err.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)), "{err}");
        assert!(is_gone(&err));
        let err = open_child(root.as_fd(), OsStr::new("file")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR));
        assert!(open_child(root.as_fd(), OsStr::new("real")).is_ok());
        for rel in ["link/sub", "../x", "real/../../x"] {
            let err = open_beneath(root.as_fd(), Path::new(rel)).unwrap_err();
            assert!(is_gone(&err), "{rel}: {err}");
        }
        let err = open_components(root.as_fd(), Path::new("link/sub")).unwrap_err();
        assert!(is_gone(&err), "{err}");
        assert!(open_beneath(root.as_fd(), Path::new("real/sub")).is_ok());
        assert!(open_components(root.as_fd(), Path::new("real/sub")).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_directory_lists_nothing_and_a_deleted_one_is_gone() {
        let dir = scratch("empty");
        let mut lister = DirLister::default();
        fs::create_dir(dir.join("d")).unwrap();
        let fd = open(&dir.join("d")).unwrap();
        assert!(lister.list(fd.as_fd()).unwrap().is_empty());
        fs::remove_dir(dir.join("d")).unwrap();
        let err = lister.list(fd.as_fd()).unwrap_err();
        assert!(is_gone(&err), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
