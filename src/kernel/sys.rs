//! The inotify instance: the few syscalls greenwatch makes on the inotify fd,
//! each through rustix's safe wrapper of the same system call.
//!
//! pyinotify counterpart: `INotifyWrapper` (`inotify_init`, `inotify_add_watch`,
//! `inotify_rm_watch`) and the `FIONREAD`/`read` calls of `Notifier.read_events`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

use rustix::buffer::spare_capacity;
use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use rustix::io::Errno;

use crate::types::event::Wd;
use crate::types::mask::Mask;

/// An inotify instance opened with `IN_CLOEXEC | IN_NONBLOCK`. Clones share the
/// descriptor, which is closed exactly once, when the last clone is dropped.
#[derive(Clone)]
pub(crate) struct InotifyFd {
    fd: Arc<OwnedFd>,
}

impl InotifyFd {
    /// Opens a new instance (`inotify_init1`). Errors are passed through
    /// (`EMFILE` when the instance limit is reached).
    pub(crate) fn open() -> io::Result<InotifyFd> {
        let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)?;
        Ok(InotifyFd { fd: Arc::new(fd) })
    }

    /// `inotify_add_watch`: the error is passed through as is.
    pub(crate) fn add_watch(&self, path: &Path, mask: Mask) -> io::Result<Wd> {
        Ok(inotify::add_watch(self.as_fd(), path, WatchFlags::from_bits_retain(mask.bits()))?)
    }

    /// `inotify_rm_watch`: the error is passed through as is (`EINVAL` for an unknown wd).
    pub(crate) fn rm_watch(&self, wd: Wd) -> io::Result<()> {
        Ok(inotify::remove_watch(self.as_fd(), wd)?)
    }

    /// How many bytes of events are waiting (`ioctl(FIONREAD)`).
    pub(crate) fn bytes_available(&self) -> io::Result<usize> {
        let n = rustix::io::ioctl_fionread(self.as_fd())?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// One non-blocking `read` into the spare capacity of `buf` (at most `max`
    /// bytes of it), appending what was read. Returns 0 when nothing is
    /// waiting. Other errors are passed through.
    pub(crate) fn read_into(&self, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        if max < buf.capacity() - buf.len() {
            return self.read_limited(buf, max);
        }
        loop {
            match rustix::io::read(self.as_fd(), spare_capacity(buf)) {
                Ok(n) => return Ok(n),
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => return Ok(0),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// [`read_into`](Self::read_into) for a `max` below the spare capacity:
    /// reads into `max` zeroed bytes at the end of `buf`, then keeps what the
    /// kernel wrote (the zeroing costs less than the `read` itself).
    fn read_limited(&self, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        let start = buf.len();
        buf.resize(start + max, 0);
        let result = loop {
            match rustix::io::read(self.as_fd(), &mut buf[start..]) {
                Ok(n) => break Ok(n),
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => break Ok(0),
                Err(e) => break Err(e.into()),
            }
        };
        buf.truncate(start + result.as_ref().map_or(0, |n| *n));
        result
    }
}

impl AsFd for InotifyFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for InotifyFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}

impl std::fmt::Debug for InotifyFd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InotifyFd({})", self.fd.as_raw_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_appends_to_the_buffer_and_fionread_counts_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        let fd = InotifyFd::open().unwrap();
        let wd = fd.add_watch(dir.path(), Mask::IN_CREATE).unwrap();
        let mut buf = Vec::with_capacity(4096);
        assert_eq!(fd.read_into(&mut buf, usize::MAX).unwrap(), 0, "nothing waits: EAGAIN is 0");
        std::fs::write(dir.path().join("a"), "").unwrap();
        let waiting = fd.bytes_available().unwrap();
        assert!(waiting >= 16, "one record waits: {waiting}");
        buf.extend_from_slice(b"kept");
        assert_eq!(fd.read_into(&mut buf, usize::MAX).unwrap(), waiting);
        assert_eq!(&buf[..4], b"kept");
        assert_eq!(buf.len(), 4 + waiting);
        fd.rm_watch(wd).unwrap();
        assert_eq!(fd.rm_watch(wd).unwrap_err().raw_os_error(), Some(libc::EINVAL));
    }

    #[test]
    fn a_limited_read_takes_whole_records_up_to_its_limit_and_keeps_the_rest_queued() {
        let dir = tempfile::tempdir().unwrap();
        let fd = InotifyFd::open().unwrap();
        fd.add_watch(dir.path(), Mask::IN_CREATE).unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let waiting = fd.bytes_available().unwrap();
        let record = waiting / 3; // three records with one-byte names: the same size
        let mut buf = Vec::with_capacity(64 * 1024);
        assert_eq!(fd.read_into(&mut buf, record + record / 2).unwrap(), record, "one whole record fits");
        assert_eq!(buf.len(), record, "nothing past what the kernel wrote is kept");
        assert_eq!(fd.bytes_available().unwrap(), waiting - record);
        assert_eq!(fd.read_into(&mut buf, usize::MAX).unwrap(), waiting - record);
    }
}
