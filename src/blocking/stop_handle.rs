//! [`StopHandle`]: ends a blocking [`Notifier`](crate::Notifier)'s loop from
//! any thread, and lets a handler sleep until a stop.
//!
//! pyinotify counterpart: `Notifier.stop()` called from another thread (and the
//! `KeyboardInterrupt` that usually ends `loop()`).

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use event_listener::{Event as Signal, Listener};

use crate::kernel::wait::Waiter;

/// Ends a notifier's loop from any thread: cloneable, idempotent, wakes the
/// waiting loop at once (no polling interval, no timer while idle).
///
/// Make one with [`StopHandle::new`] before the notifier exists (for a handler
/// that must hold it) and give it to [`Notifier::with_stop_handle`], or take
/// the notifier's own with [`Notifier::stop_handle`]. A handler that waits can
/// [`wait_timeout`](StopHandle::wait_timeout) on it instead of sleeping, so a
/// stop wakes it at once.
///
/// [`Notifier::with_stop_handle`]: crate::Notifier::with_stop_handle
/// [`Notifier::stop_handle`]: crate::Notifier::stop_handle
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Notifier, StopHandle, WatchManager};
///
/// let stop = StopHandle::new(); // before the notifier: a handler may hold a clone
/// let wm = WatchManager::new()?;
/// let mut notifier = Notifier::new(wm, |_: &Event| ())?.with_stop_handle(stop.clone())?;
/// let t = std::thread::spawn(move || stop.stop());
/// notifier.run()?; // returns once stop() is called
/// t.join().unwrap();
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct StopHandle {
    inner: Arc<StopInner>,
}

#[derive(Default)]
struct StopInner {
    stopped: AtomicBool,
    /// Wakes [`StopHandle::wait_timeout`] callers.
    signal: Signal,
    /// Wakes the notifier waiting in `ppoll`; made when a notifier adopts the handle.
    waiter: OnceLock<Waiter>,
}

impl StopHandle {
    /// A handle not yet stopped, and not yet tied to a notifier.
    #[must_use]
    pub fn new() -> StopHandle {
        StopHandle::default()
    }

    /// Asks the loop to end; it returns after the event being dispatched, if
    /// any. Also wakes every [`StopHandle::wait_timeout`] at once.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.signal.notify(usize::MAX);
        if let Some(waiter) = self.inner.waiter.get() {
            waiter.wake();
        }
    }

    /// True once [`StopHandle::stop`] was called (and not reset).
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Clears the stop request, so the loop can run again.
    pub fn reset(&self) {
        self.inner.stopped.store(false, Ordering::SeqCst);
    }

    /// Blocks up to `timeout`, returning as soon as the handle is stopped (at
    /// once if it already is). True if stopped: an interruptible `sleep` for
    /// handlers and worker threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use greenwatch::StopHandle;
    ///
    /// let stop = StopHandle::new();
    /// assert!(!stop.wait_timeout(Duration::from_millis(1)), "nobody stopped it");
    /// let remote = stop.clone();
    /// let t = std::thread::spawn(move || remote.stop());
    /// assert!(stop.wait_timeout(Duration::from_secs(3600)), "woken by the stop, not the hour");
    /// t.join().unwrap();
    /// ```
    #[must_use = "true means the handle was stopped"]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let listener = self.inner.signal.listen();
            if self.is_stopped() {
                return true;
            }
            match deadline {
                None => listener.wait(),
                Some(deadline) => {
                    if listener.wait_deadline(deadline).is_none() {
                        return self.is_stopped();
                    }
                }
            }
        }
    }

    /// The `ppoll` waiter of the notifier using this handle, made on first use.
    pub(crate) fn waiter(&self) -> io::Result<&Waiter> {
        if let Some(waiter) = self.inner.waiter.get() {
            return Ok(waiter);
        }
        let made = Waiter::new()?;
        let _ = self.inner.waiter.set(made); // another thread may have won: use its waiter
        let waiter = self.inner.waiter.get().expect("set above");
        if self.is_stopped() {
            waiter.wake(); // a stop that came before the waiter existed
        }
        Ok(waiter)
    }
}

impl fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopHandle").field("stopped", &self.is_stopped()).finish()
    }
}
