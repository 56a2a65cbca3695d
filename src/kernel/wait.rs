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
use std::os::fd::{BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{EventfdFlags, PollFd, PollFlags, Timespec, eventfd};
use rustix::io::Errno;

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
    pub(crate) fn new() -> io::Result<Waiter> {
        Ok(Waiter { wake: eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)? })
    }

    /// Ends the current wait, or the next one if none is under way.
    pub(crate) fn wake(&self) {
        // Fails only if the counter would overflow, and then a wake-up is pending anyway.
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
    }

    /// Waits until `fd` is readable, [`Waiter::wake`] is called, or `timeout`
    /// passes (`None`: no limit). `EINTR` resumes the wait for the time left.
    pub(crate) fn wait(&self, fd: BorrowedFd<'_>, timeout: Option<Duration>) -> io::Result<Ready> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut fds = [PollFd::from_borrowed_fd(fd, PollFlags::IN), PollFd::new(&self.wake, PollFlags::IN)];
        loop {
            let left = deadline.map(|d| timespec(d.saturating_duration_since(Instant::now())));
            match rustix::event::poll(&mut fds, left.as_ref()) {
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
                Ok(_) => break,
            }
        }
        let woken = !fds[1].revents().is_empty();
        if woken {
            self.drain();
        }
        Ok(Ready { readable: !fds[0].revents().is_empty(), woken })
    }

    /// Resets the eventfd's counter, consuming the wake-up.
    fn drain(&self) {
        let mut n = [0u8; 8];
        let _ = rustix::io::read(&self.wake, &mut n);
    }
}

/// `ppoll(2)`'s timeout, exact to the nanosecond (unlike `poll`'s milliseconds);
/// one too long for a `Timespec` waits for its largest value.
fn timespec(d: Duration) -> Timespec {
    Timespec::try_from(d).unwrap_or(Timespec { tv_sec: i64::MAX, tv_nsec: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Write;
    use std::os::fd::AsFd;

    /// A pipe: (read end, write end).
    fn pipe() -> (std::io::PipeReader, std::io::PipeWriter) {
        std::io::pipe().unwrap()
    }

    #[test]
    fn a_timeout_ends_the_wait_with_nothing_ready() {
        let (r, _w) = pipe();
        let waiter = Waiter::new().unwrap();
        let ready = waiter.wait(r.as_fd(), Some(Duration::from_millis(5))).unwrap();
        assert_eq!(ready, Ready::default());
    }

    #[test]
    fn a_readable_fd_ends_the_wait_and_stays_ready_until_read() {
        let (r, w) = pipe();
        (&w).write_all(b"x").unwrap();
        let waiter = Waiter::new().unwrap();
        for _ in 0..2 {
            let ready = waiter.wait(r.as_fd(), Some(Duration::from_secs(10))).unwrap();
            assert_eq!(ready, Ready { readable: true, woken: false }, "level-triggered");
        }
    }

    #[test]
    fn a_wake_before_the_wait_ends_it_once() {
        let (r, _w) = pipe();
        let waiter = Waiter::new().unwrap();
        waiter.wake();
        waiter.wake();
        let ready = waiter.wait(r.as_fd(), Some(Duration::from_secs(10))).unwrap();
        assert_eq!(ready, Ready { readable: false, woken: true });
        let ready = waiter.wait(r.as_fd(), Some(Duration::from_millis(5))).unwrap();
        assert_eq!(ready, Ready::default(), "the wake-up was consumed");
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_wait_without_timeout() {
        let (r, _w) = pipe();
        let waiter = std::sync::Arc::new(Waiter::new().unwrap());
        let other = waiter.clone();
        let t = std::thread::spawn(move || other.wake());
        let ready = waiter.wait(r.as_fd(), None).unwrap();
        assert!(ready.woken);
        t.join().unwrap();
    }
}
