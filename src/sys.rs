//! The inotify instance: the few syscalls greenwatch makes on the inotify fd.
//!
//! pyinotify counterpart: `INotifyWrapper` (`inotify_init`, `inotify_add_watch`,
//! `inotify_rm_watch`) and the `FIONREAD`/`read` calls of `Notifier.read_events`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::Path;

use inotify::{Inotify, WatchMask};

use crate::event::Wd;
use crate::mask::Mask;

/// An inotify instance opened with `IN_CLOEXEC | IN_NONBLOCK`; closed exactly once, on drop.
pub(crate) struct InotifyFd {
    inner: Inotify,
}

impl InotifyFd {
    /// Opens a new instance. Errors are passed through (`EMFILE` when the
    /// instance limit is reached).
    pub(crate) fn open() -> io::Result<InotifyFd> {
        Ok(InotifyFd { inner: Inotify::init()? })
    }

    /// `inotify_add_watch`: the error is passed through as is.
    pub(crate) fn add_watch(&self, path: &Path, mask: Mask) -> io::Result<Wd> {
        let wd = self.inner.watches().add(path, WatchMask::from_bits_retain(mask.bits()))?;
        Ok(wd.get_watch_descriptor_id())
    }

    /// `inotify_rm_watch`: the error is passed through as is (`EINVAL` for an unknown wd).
    #[allow(unsafe_code)]
    pub(crate) fn rm_watch(&self, wd: Wd) -> io::Result<()> {
        // SAFETY: the fd is owned by `self.inner` and open for as long as `self` lives;
        // `inotify_rm_watch` only reads its two integer arguments.
        let rc = unsafe { libc::inotify_rm_watch(self.inner.as_raw_fd(), wd) };
        if rc == -1 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// How many bytes of events are waiting (`FIONREAD`).
    #[allow(unsafe_code)]
    pub(crate) fn bytes_available(&self) -> io::Result<usize> {
        let mut n: libc::c_int = 0;
        // SAFETY: the fd is open (owned by `self.inner`) and `n` is a valid `c_int`
        // for `FIONREAD` to write into.
        let rc = unsafe { libc::ioctl(self.inner.as_raw_fd(), libc::FIONREAD, &mut n) };
        if rc == -1 { Err(io::Error::last_os_error()) } else { Ok(n.max(0) as usize) }
    }

    /// One non-blocking `read` into the spare capacity of `buf` (at most `max`
    /// bytes of it), appending what was read. Returns 0 when nothing is
    /// waiting. Other errors are passed through.
    #[allow(unsafe_code)]
    pub(crate) fn read_into(&self, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        let spare = buf.spare_capacity_mut();
        let len = max.min(spare.len());
        let spare = &mut spare[..len];
        loop {
            // SAFETY: `spare` is writable memory of `spare.len()` bytes owned by `buf`;
            // the kernel writes at most that many bytes and we only mark as initialised
            // the count it reports.
            let n = unsafe { libc::read(self.inner.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
            if n >= 0 {
                let n = n as usize;
                // SAFETY: the kernel initialised the first `n` spare bytes.
                unsafe { buf.set_len(buf.len() + n) };
                return Ok(n);
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(0),
                _ => return Err(err),
            }
        }
    }
}

impl AsFd for InotifyFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for InotifyFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

impl std::fmt::Debug for InotifyFd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InotifyFd({})", self.inner.as_raw_fd())
    }
}
