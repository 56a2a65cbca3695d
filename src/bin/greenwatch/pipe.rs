//! A wider stdout pipe, so that a burst of events goes out in one write.
//!
//! A pipe holds 64 KiB by default. A pass over a burst formats hundreds of
//! kilobytes, which would then go out in 64 KiB turns, the CLI and its reader
//! waking each other for every one. With room for a whole pass, the CLI writes
//! once and goes on reading events while the reader catches up.
//! pyinotify counterpart: none.

use std::os::fd::{AsRawFd, BorrowedFd};

/// The pipe size asked for: `/proc/sys/fs/pipe-max-size`'s default, the most
/// an unprivileged process may set.
const WANTED: libc::c_int = 1 << 20;

/// Grows the pipe behind `fd` to [`WANTED`] bytes if it is a smaller pipe.
/// Best effort: not a pipe, or a limit refusing it, leaves things as they were.
#[allow(unsafe_code)]
pub fn widen(fd: BorrowedFd<'_>) {
    // SAFETY: F_GETPIPE_SZ takes no argument and only reads the fd's state; on
    // anything but a pipe it fails with EBADF/EINVAL, which is checked.
    let size = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETPIPE_SZ) };
    if (0..WANTED).contains(&size) {
        // SAFETY: F_SETPIPE_SZ takes an int by value; a refusal (EPERM over the
        // user's pipe quota, EBUSY) changes nothing and is ignored.
        let _ = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, WANTED) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, FromRawFd, OwnedFd};

    #[allow(unsafe_code)]
    fn pipe_size(fd: BorrowedFd<'_>) -> libc::c_int {
        // SAFETY: as in `widen`.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETPIPE_SZ) }
    }

    #[test]
    #[allow(unsafe_code)]
    fn a_pipe_grows_and_a_file_is_left_alone() {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a writable array of two ints.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: both fds were just created and are owned by nothing else.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        assert!(pipe_size(w.as_fd()) < WANTED);
        widen(w.as_fd());
        assert_eq!(pipe_size(w.as_fd()), WANTED);
        assert_eq!(pipe_size(r.as_fd()), WANTED, "both ends share the buffer");
        let file = std::fs::File::open("/proc/self/status").unwrap();
        widen(file.as_fd());
        assert!(pipe_size(file.as_fd()) < 0);
    }
}
