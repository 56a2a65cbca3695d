//! [`AsyncStopHandle`]: ends an [`AsyncNotifier`](crate::AsyncNotifier) or an
//! [`EventStream`](crate::EventStream) from any thread or task, built on `event-listener`.
//!
//! pyinotify counterpart: `Notifier.stop()` (which, in the seed, closed the fd;
//! here the fd stays open and the waiting task is woken instead).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use event_listener::{Event as Signal, EventListener};

/// A cloneable, idempotent stop request for the async front-ends.
///
/// `stop()` wakes the notifier's task at once, wherever it waits (for the
/// inotify fd, or for room in a watch's queue); no timer, no polling.
///
/// # Examples
///
/// ```
/// use greenwatch::{AsyncNotifier, Event, WatchManager};
///
/// let notifier = AsyncNotifier::new(WatchManager::new()?, |_: Event| async {})?;
/// let stop = notifier.stop_handle();
/// std::thread::spawn(move || stop.stop());
/// smol::block_on(notifier.run())?; // returns once stop() is called
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct AsyncStopHandle {
    inner: Arc<StopInner>,
}

#[derive(Default)]
struct StopInner {
    stopped: AtomicBool,
    /// How many times `stop` was called: a listener made since the last one
    /// has not been notified.
    stops: AtomicU64,
    signal: Signal,
}

impl AsyncStopHandle {
    /// A handle not yet stopped.
    #[must_use]
    pub fn new() -> AsyncStopHandle {
        AsyncStopHandle::default()
    }

    /// Asks the notifier (or stream) to end, and wakes everything awaiting
    /// [`AsyncStopHandle::stopped`].
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.stops.fetch_add(1, Ordering::SeqCst);
        self.inner.signal.notify(usize::MAX);
    }

    /// True once [`AsyncStopHandle::stop`] was called (and not reset).
    #[must_use]
    #[inline]
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Clears the stop request, so [`AsyncNotifier::process_events`](crate::AsyncNotifier::process_events)
    /// or a stream can be used again.
    pub fn reset(&self) {
        self.inner.stopped.store(false, Ordering::SeqCst);
    }

    /// Resolves once the handle is stopped (at once if it already is).
    pub async fn stopped(&self) {
        loop {
            if self.is_stopped() {
                return;
            }
            let listener = self.listen();
            if self.is_stopped() {
                return;
            }
            listener.await;
        }
    }

    /// True if `other` is a clone of this handle.
    pub(crate) fn same(&self, other: &AsyncStopHandle) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// How many times [`AsyncStopHandle::stop`] was called: while it stays the
    /// same, a listener made after reading it has not been notified.
    pub(crate) fn stops(&self) -> u64 {
        self.inner.stops.load(Ordering::SeqCst)
    }

    /// A listener woken by the next `stop()`; check `is_stopped` after creating it.
    pub(crate) fn listen(&self) -> EventListener {
        self.inner.signal.listen()
    }
}

impl fmt::Debug for AsyncStopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncStopHandle").field("stopped", &self.is_stopped()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_wakes_a_waiter_on_another_thread() {
        let stop = AsyncStopHandle::new();
        let remote = stop.clone();
        let t = std::thread::spawn(move || remote.stop());
        futures_lite::future::block_on(stop.stopped());
        t.join().unwrap();
        assert!(stop.is_stopped());
        stop.reset();
        assert!(!stop.is_stopped());
    }
}
