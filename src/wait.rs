//! The blocking notifier's wait: `ppoll(2)` on the inotify fd and a wake-up eventfd.
//!
//! One system call per wait. `polling`'s epoll backend, which this replaced,
//! re-arms a timerfd and its own eventfd around every `epoll_wait` (five calls
//! per wait in all): on a live stream of events, where each wait returns a few
//! events, those calls cost more CPU than reading the events (see the README's
//! Performance section). Level-triggered: a wait returns at once while either
//! fd is readable, so nothing is missed between waits.
//! pyinotify counterpart: the `select.poll` object of `Notifier`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Waits for an fd to become readable; another thread can cut the wait short.
#[derive(Debug)]
pub(crate) struct Waiter {
    /// A non-blocking eventfd: non-zero once [`Waiter::wake`] was called.
    wake: OwnedFd,
}

/// What ended a wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ready {
    /// The watched fd is readable.
    pub readable: bool,
    /// [`Waiter::wake`] was called (the wake-up is consumed).
    pub woken: bool,
}

impl Waiter {
    /// A waiter with its eventfd.
    #[allow(unsafe_code)]
    pub(crate) fn new() -> io::Result<Waiter> {
        // SAFETY: eventfd takes no pointers; the result is checked before use.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nothing else.
        Ok(Waiter { wake: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Ends the current wait, or the next one if none is under way.
    #[allow(unsafe_code)]
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to an fd owned by `self`. It
        // fails only if the counter would overflow, and then a wake-up is pending anyway.
        let _ = unsafe { libc::write(self.wake.as_raw_fd(), (&raw const one).cast(), 8) };
    }

    /// Waits until `fd` is readable, [`Waiter::wake`] is called, or `timeout`
    /// passes (`None`: no limit). `EINTR` resumes the wait for the time left.
    pub(crate) fn wait(&self, fd: RawFd, timeout: Option<Duration>) -> io::Result<Ready> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut fds = [pollfd(fd), pollfd(self.wake.as_raw_fd())];
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match ppoll(&mut fds, left) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        let woken = fds[1].revents != 0;
        if woken {
            self.drain();
        }
        Ok(Ready { readable: fds[0].revents != 0, woken })
    }

    /// Resets the eventfd's counter, consuming the wake-up.
    #[allow(unsafe_code)]
    fn drain(&self) {
        let mut n: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64; the fd is non-blocking.
        let _ = unsafe { libc::read(self.wake.as_raw_fd(), (&raw mut n).cast(), 8) };
    }
}

fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd { fd, events: libc::POLLIN, revents: 0 }
}

/// `ppoll(2)` over `fds` for at most `timeout` (exact to the nanosecond, unlike `poll`'s milliseconds).
#[allow(unsafe_code)]
fn ppoll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<()> {
    #[allow(clippy::unnecessary_fallible_conversions)] // c_long has 32 bits on 32-bit targets
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::try_from(t.subsec_nanos()).unwrap_or(0),
    });
    let ts_ptr = ts.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
    // SAFETY: `fds` is a live, writable array of `fds.len()` pollfds; `ts_ptr`
    // is null or points to `ts`, alive until the call returns; no signal mask.
    let rc = unsafe { libc::ppoll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ts_ptr, std::ptr::null()) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe: (read end, write end).
    #[allow(unsafe_code)]
    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: `fds` is a writable array of two ints.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: both fds were just created and are owned by nothing else.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    #[test]
    fn a_timeout_ends_the_wait_with_nothing_ready() {
        let (r, _w) = pipe();
        let waiter = Waiter::new().unwrap();
        let ready = waiter.wait(r.as_raw_fd(), Some(Duration::from_millis(5))).unwrap();
        assert_eq!(ready, Ready::default());
    }

    #[test]
    fn a_readable_fd_ends_the_wait_and_stays_ready_until_read() {
        let (r, w) = pipe();
        assert_eq!(write_bytes(&w, b"x"), 1);
        let waiter = Waiter::new().unwrap();
        for _ in 0..2 {
            let ready = waiter.wait(r.as_raw_fd(), Some(Duration::from_secs(10))).unwrap();
            assert_eq!(ready, Ready { readable: true, woken: false }, "level-triggered");
        }
    }

    #[test]
    fn a_wake_before_the_wait_ends_it_once() {
        let (r, _w) = pipe();
        let waiter = Waiter::new().unwrap();
        waiter.wake();
        waiter.wake();
        let ready = waiter.wait(r.as_raw_fd(), Some(Duration::from_secs(10))).unwrap();
        assert_eq!(ready, Ready { readable: false, woken: true });
        let ready = waiter.wait(r.as_raw_fd(), Some(Duration::from_millis(5))).unwrap();
        assert_eq!(ready, Ready::default(), "the wake-up was consumed");
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_wait_without_timeout() {
        let (r, _w) = pipe();
        let waiter = std::sync::Arc::new(Waiter::new().unwrap());
        let other = waiter.clone();
        let t = std::thread::spawn(move || other.wake());
        let ready = waiter.wait(r.as_raw_fd(), None).unwrap();
        assert!(ready.woken);
        t.join().unwrap();
    }

    #[allow(unsafe_code)]
    fn write_bytes(fd: &OwnedFd, bytes: &[u8]) -> isize {
        // SAFETY: `bytes` is a live slice of `bytes.len()` bytes.
        unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) }
    }
}
