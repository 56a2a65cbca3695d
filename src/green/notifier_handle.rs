//! [`NotifierHandle`]: what a running async notifier shares with other tasks —
//! stop, settle, per-watch async handlers, dispatch statistics.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::green::async_stop::AsyncStopHandle;
use crate::green::settle;
use crate::green::shared::Shared;
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::handlers::dyn_handler::{AsyncProxy, DynAsyncHandler};
use crate::handlers::shared_handler::SharedHandler;
#[allow(unused_imports)] // for the docs' links
use crate::types::error::ErrorKind;
use crate::types::error::Result;
use crate::watches::watch_manager::WatchManager;

/// Counts kept while dispatching; see [`NotifierHandle::stats`].
///
/// ```
/// use greenwatch::{AsyncNotifier, Event, Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let notifier = AsyncNotifier::new(wm, |_: Event| async {})?;
/// let handle = notifier.handle();
/// smol::block_on(async {
///     let run = smol::spawn(notifier.run());
///     std::fs::write(dir.path().join("a"), "")?;
///     handle.settle().await?;
///     handle.stop();
///     run.await
/// })?;
/// let stats = handle.stats();
/// assert_eq!((stats.delivered, stats.failures, stats.overflows), (1, 0, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchStats {
    /// Watch tasks alive now: one per watch whose events are queued or whose
    /// handler call is waiting (see [`AsyncNotifier`](crate::AsyncNotifier)); a
    /// watch's task ends once it has nothing to do, and the watch's next events
    /// start a new one.
    pub lanes: usize,
    /// The most watch tasks alive at once.
    pub lanes_high_water: usize,
    /// The longest any watch's queue has been (never above the queue bound).
    pub queue_high_water: usize,
    /// Events handed to handlers (failed calls included).
    pub delivered: u64,
    /// Handler calls that returned an error or panicked.
    pub failures: u64,
    /// `IN_Q_OVERFLOW` events read.
    pub overflows: u64,
}

/// A cloneable handle on an [`AsyncNotifier`](crate::AsyncNotifier) or
/// [`EventStream`](crate::EventStream), usable from any thread or task
/// (handlers included) while it runs.
///
/// Get one from [`AsyncNotifier::handle`](crate::AsyncNotifier::handle),
/// [`LocalAsyncNotifier::handle`](crate::LocalAsyncNotifier::handle) or
/// [`EventStream::handle`](crate::EventStream::handle) before the notifier
/// moves into its `run` future.
///
/// # Examples
///
/// Stopping the notifier from another thread:
///
/// ```
/// use greenwatch::{AsyncNotifier, Event, WatchManager};
///
/// let notifier = AsyncNotifier::new(WatchManager::new()?, |_: Event| async {})?;
/// let handle = notifier.handle();
/// let from_thread = handle.clone();
/// let stopper = std::thread::spawn(move || from_thread.stop());
/// smol::block_on(notifier.run())?; // returns once the thread has stopped it
/// stopper.join().unwrap();
/// assert!(handle.is_stopped());
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone)]
pub struct NotifierHandle {
    pub(crate) shared: Arc<Shared>,
}

impl NotifierHandle {
    /// Stops the notifier (see [`AsyncStopHandle::stop`]).
    ///
    /// A stop before `run` makes `run` return at once; see
    /// [`AsyncNotifier`](crate::AsyncNotifier) for what happens to events
    /// already read.
    ///
    /// ```
    /// use greenwatch::{AsyncNotifier, Event, WatchManager};
    ///
    /// let notifier = AsyncNotifier::new(WatchManager::new()?, |_: Event| async {})?;
    /// let handle = notifier.handle();
    /// handle.stop();
    /// assert!(handle.is_stopped());
    /// smol::block_on(notifier.run())?;
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn stop(&self) {
        self.shared.stop.stop();
    }

    /// True once stopped.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.shared.stop.is_stopped()
    }

    /// The stop handle.
    #[must_use]
    pub fn stop_handle(&self) -> AsyncStopHandle {
        self.shared.stop.clone()
    }

    /// The watch manager (add or remove watches while the notifier runs).
    #[must_use]
    pub fn watch_manager(&self) -> &WatchManager {
        &self.shared.wm
    }

    /// Counts kept while dispatching.
    #[must_use]
    pub fn stats(&self) -> DispatchStats {
        let c = &self.shared.counters;
        DispatchStats {
            lanes: c.lanes.load(Ordering::Relaxed),
            lanes_high_water: c.lanes_high_water.load(Ordering::Relaxed),
            queue_high_water: c.high_water.load(Ordering::Relaxed),
            delivered: c.delivered.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            overflows: c.overflows.load(Ordering::Relaxed),
        }
    }

    /// Resolves once every change made before the call has been dispatched:
    /// its events were handled (by an [`AsyncNotifier`](crate::AsyncNotifier)'s
    /// handlers) or yielded (by an [`EventStream`](crate::EventStream)).
    ///
    /// It writes a uniquely named marker file (`.greenwatch-settle-<pid>-<n>`) in
    /// the temporary directory, watches it through the same inotify instance and
    /// opens it: the kernel queues that event after every earlier one, so once
    /// the notifier reads it, everything before it has been read; the notifier
    /// then waits until each watch's lane has passed that point. The marker and
    /// its watch are removed afterwards and never reach a handler. No watched
    /// directory is written to, and none is needed.
    ///
    /// Someone must be running the notifier (or polling the stream) meanwhile;
    /// [`AsyncNotifier::settle`](crate::AsyncNotifier::settle) drives it itself.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] if the notifier stops first; the I/O error of
    /// creating or watching the marker.
    ///
    /// # Examples
    ///
    /// Waiting until a handler has seen a file just written, with no sleep:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// use greenwatch::{AsyncNotifier, Event, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CLOSE_WRITE).apply()?;
    /// let written = Arc::new(AtomicUsize::new(0));
    /// let counter = written.clone();
    /// let notifier = AsyncNotifier::new(wm, move |_: Event| {
    ///     counter.fetch_add(1, Ordering::Relaxed);
    ///     async {}
    /// })?;
    /// let handle = notifier.handle();
    /// smol::block_on(async {
    ///     let run = smol::spawn(notifier.run());
    ///     std::fs::write(dir.path().join("report.csv"), "1,2,3")?;
    ///     handle.settle().await?;
    ///     assert_eq!(written.load(Ordering::Relaxed), 1); // handled, not just read
    ///     handle.stop();
    ///     run.await
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn settle(&self) -> Result<()> {
        settle::settle(&self.shared).await
    }

    /// Wraps an async handler so that it can be a watch's own handler:
    /// pass the result to [`AddWatch::shared_proc_fun`](crate::AddWatch::shared_proc_fun).
    /// Watches auto_add creates below that watch inherit it.
    ///
    /// Every async notifier or stream on the watch manager (not only this
    /// one) calls the handler in the watch's turn, like the default one (see
    /// [`AsyncNotifier`](crate::AsyncNotifier)): nothing is registered, so
    /// nothing grows with each call. A blocking [`Notifier`](crate::Notifier)
    /// given the same watch manager runs each call to completion with `block_on`
    /// on its own thread.
    pub fn async_proc_fun<H: AsyncProcessEvent + 'static>(&self, handler: H) -> SharedHandler {
        let handler: Arc<dyn DynAsyncHandler> = Arc::new(handler);
        SharedHandler::from_async(handler.clone(), AsyncProxy(handler))
    }
}

impl fmt::Debug for NotifierHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifierHandle").field("stopped", &self.is_stopped()).field("stats", &self.stats()).finish()
    }
}
