//! A wider stdout pipe, so that a burst of events goes out in one write.
//!
//! A pipe holds 64 KiB by default. A pass over a burst formats hundreds of
//! kilobytes, which would then go out in 64 KiB turns, the CLI and its reader
//! waking each other for every one. With room for a whole pass, the CLI writes
//! once and goes on reading events while the reader catches up.
//! pyinotify counterpart: none.

use std::os::fd::BorrowedFd;

use rustix::pipe::{fcntl_getpipe_size, fcntl_setpipe_size};

/// The pipe size asked for: `/proc/sys/fs/pipe-max-size`'s default, the most
/// an unprivileged process may set.
const WANTED: usize = 1 << 20;

/// Grows the pipe behind `fd` to [`WANTED`] bytes if it is a smaller pipe.
/// Best effort: not a pipe (`F_GETPIPE_SZ` fails), or a limit refusing it
/// (`EPERM` over the user's pipe quota, `EBUSY`), leaves things as they were.
pub fn widen(fd: BorrowedFd<'_>) {
    if fcntl_getpipe_size(fd).is_ok_and(|size| size < WANTED) {
        let _ = fcntl_setpipe_size(fd, WANTED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_pipe_grows_and_a_file_is_left_alone() {
        let (r, w) = std::io::pipe().unwrap();
        assert!(fcntl_getpipe_size(w.as_fd()).unwrap() < WANTED);
        widen(w.as_fd());
        assert_eq!(fcntl_getpipe_size(w.as_fd()).unwrap(), WANTED);
        assert_eq!(fcntl_getpipe_size(r.as_fd()).unwrap(), WANTED, "both ends share the buffer");
        let file = std::fs::File::open("/proc/self/status").unwrap();
        widen(file.as_fd());
        assert!(fcntl_getpipe_size(file.as_fd()).is_err());
    }
}
