//! Directory listings with `getdents64(2)` into one reused buffer.
//!
//! `std::fs::read_dir` goes through libc's `opendir`, which `fstat`s the
//! directory and allocates a 32 KiB stream buffer each time, and then allocates
//! once more per entry. A recursive watch lists every directory of the tree, so
//! those costs add up to a third of the set-up's own (non-kernel) time; here a
//! listing is `open`, `getdents64` until the end, `close`, and one allocation
//! per entry name.
//! pyinotify counterpart: `os.listdir` / `os.scandir` in the walk.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::fs_view::Entry;

/// The buffer of one `getdents64` call: a few hundred entries of typical names.
const BUF_LEN: usize = 32 * 1024;

/// `d_type` values of a `linux_dirent64` record.
const DT_UNKNOWN: u8 = 0;
const DT_DIR: u8 = 4;

/// Lists directories, reusing its buffer from one listing to the next.
#[derive(Debug, Default)]
pub(crate) struct DirLister {
    buf: Vec<u8>,
}

impl DirLister {
    /// The entries of `path` but `.` and `..`. `path` itself is followed if
    /// a symlink; its entries are not (a symlink to a directory is not a directory here).
    pub(crate) fn list(&mut self, path: &Path) -> io::Result<Vec<Entry>> {
        let dir = OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY).open(path)?;
        self.buf.resize(BUF_LEN, 0);
        let mut out = Vec::new();
        loop {
            let n = getdents64(&dir, &mut self.buf)?;
            if n == 0 {
                return Ok(out);
            }
            for record in Records(&self.buf[..n]) {
                if let Some(entry) = record.entry(path) {
                    out.push(entry);
                }
            }
        }
    }
}

/// One `getdents64` call on `dir`, filling `buf`. Returns the bytes written (0 at the end).
#[allow(unsafe_code)]
fn getdents64(dir: &File, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is writable memory of `buf.len()` bytes owned by the
        // caller; the kernel writes at most that many; the fd is open (borrowed from `dir`).
        let rc = unsafe { libc::syscall(libc::SYS_getdents64, dir.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
        match usize::try_from(rc) {
            Ok(n) => return Ok(n),
            Err(_) if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(io::Error::last_os_error()),
        }
    }
}

/// One `linux_dirent64` record: `d_ino` (u64), `d_off` (i64), `d_reclen`
/// (u16), `d_type` (u8), then the NUL-terminated name.
struct Record<'a> {
    ino: u64,
    kind: u8,
    name: &'a [u8],
}

impl Record<'_> {
    /// The entry, or `None` for `.` and `..`. An unknown type (some file
    /// systems leave it out) is asked of `lstat`.
    fn entry(&self, dir: &Path) -> Option<Entry> {
        if self.name == b"." || self.name == b".." {
            return None;
        }
        let name = OsStr::from_bytes(self.name);
        let is_dir = match self.kind {
            DT_UNKNOWN => fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_dir()),
            kind => kind == DT_DIR,
        };
        Some(Entry { name: name.to_owned(), is_dir, ino: self.ino })
    }
}

/// The records of a buffer `getdents64` filled.
struct Records<'a>(&'a [u8]);

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        const NAME: usize = 19;
        let buf = self.0;
        let reclen = usize::from(u16::from_ne_bytes(buf.get(16..18)?.try_into().ok()?));
        let record = buf.get(..reclen).filter(|r| r.len() > NAME)?;
        self.0 = &buf[reclen..];
        let name = &record[NAME..];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        Some(Record { ino: u64::from_ne_bytes(record[..8].try_into().ok()?), kind: record[18], name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::fs::DirEntryExt;

    /// What `std::fs::read_dir` says: name → (is_dir without following, inode).
    fn std_listing(path: &Path) -> BTreeMap<Vec<u8>, (bool, u64)> {
        fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().as_bytes().to_vec(), (e.file_type().unwrap().is_dir(), e.ino())))
            .collect()
    }

    fn listing(lister: &mut DirLister, path: &Path) -> BTreeMap<Vec<u8>, (bool, u64)> {
        let entries = lister.list(path).unwrap();
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
    fn an_empty_directory_lists_nothing_and_errors_name_the_cause() {
        let dir = scratch("empty");
        let mut lister = DirLister::default();
        assert!(lister.list(&dir).unwrap().is_empty());
        let missing = lister.list(&dir.join("missing")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        fs::write(dir.join("file"), b"").unwrap();
        let not_dir = lister.list(&dir.join("file")).unwrap_err();
        assert_eq!(not_dir.raw_os_error(), Some(libc::ENOTDIR));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn records_parse_type_inode_and_name_and_stop_at_a_short_tail() {
        let mut buf = Vec::new();
        for (ino, kind, name) in [(7u64, DT_DIR, &b"sub"[..]), (9, 8, b"file.txt")] {
            let reclen = (19 + name.len() + 1).next_multiple_of(8);
            let start = buf.len();
            buf.extend_from_slice(&ino.to_ne_bytes());
            buf.extend_from_slice(&0i64.to_ne_bytes());
            buf.extend_from_slice(&u16::try_from(reclen).unwrap().to_ne_bytes());
            buf.push(kind);
            buf.extend_from_slice(name);
            buf.resize(start + reclen, 0);
        }
        buf.extend_from_slice(&[1, 2, 3]);
        let got: Vec<_> = Records(&buf).map(|r| (r.ino, r.kind, r.name.to_vec())).collect();
        assert_eq!(got, vec![(7, DT_DIR, b"sub".to_vec()), (9, 8, b"file.txt".to_vec())]);
    }
}
