//! [`EventStream`]: the pipeline as a `futures_core::Stream` of events, for
//! code that prefers to pull.
//!
//! pyinotify counterpart: none (the closest is a `Notifier` whose handler
//! appends to a list).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use std::future::Future;

use event_listener::EventListener;
use futures_core::Stream;

use crate::bookkeeping::Routed;
use crate::green::async_source::AsyncSource;
use crate::green::async_stop::AsyncStopHandle;
use crate::green::budget::Budget;
use crate::green::notifier_handle::NotifierHandle;
use crate::green::settle;
use crate::green::shared::{Shared, lock};
use crate::types::error::Result;
use crate::types::event::{Event, Wd};
use crate::watches::watch_manager::WatchManager;

/// Every event of a [`WatchManager`], in kernel order, as a
/// [`Stream`] of `Result<Event>`.
///
/// It runs on any executor (it needs only the async-io reactor, which drives
/// itself): `smol::block_on`, `async_io::block_on`, `futures_lite::future::block_on`,
/// a smol task. Events of watches that have their own handler (`proc_fun`) are
/// yielded too; no handler is called. `IN_Q_OVERFLOW` is yielded like any event.
///
/// The stream ends (`None`) as soon as its [`AsyncStopHandle`] is used; events
/// already read stay queued and are yielded if the handle is
/// [reset](AsyncStopHandle::reset) and the stream polled again. An `Err` item
/// is an OS error of reading the fd; the stream can be polled again after it.
/// [`NotifierHandle::settle`] resolves once the stream has yielded every event
/// that came before it (so poll the stream meanwhile, e.g. from another task).
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// use greenwatch::{EventStream, Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let mut events = EventStream::new(wm)?;
/// std::fs::write(dir.path().join("a"), "")?;
/// let ev = smol::block_on(events.next()).unwrap()?;
/// assert_eq!(ev.name(), "a");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct EventStream {
    source: AsyncSource,
    shared: Arc<Shared>,
    /// Events taken from the pipeline before the stream was made.
    front: VecDeque<Routed>,
    listener: Option<EventListener>,
    /// Events taken (yielded, or consumed unseen) before the stream yields to the executor.
    budget: Budget,
    /// The budget is spent: the next poll yields first.
    spent: bool,
    /// Settle markers read, settled once every event before them (synthesized
    /// ones included) has been yielded.
    markers: Vec<Wd>,
}

impl EventStream {
    /// A stream of `wm`'s events.
    ///
    /// # Errors
    ///
    /// The OS error of duplicating the fd or registering it with the reactor.
    pub fn new(wm: WatchManager) -> Result<EventStream> {
        let source = AsyncSource::new(wm.clone())?;
        Ok(EventStream::from_parts(source, Shared::new(wm), VecDeque::new()))
    }

    pub(crate) fn from_parts(source: AsyncSource, shared: Arc<Shared>, front: VecDeque<Routed>) -> EventStream {
        EventStream {
            source,
            shared,
            front,
            listener: None,
            budget: Budget::default(),
            spent: false,
            markers: Vec::new(),
        }
    }

    /// Settle markers the notifier read before it became this stream.
    pub(crate) fn with_markers(mut self, markers: Vec<Wd>) -> EventStream {
        self.markers = markers;
        self
    }

    /// The cooperative budget: after this many items in a row (default 128;
    /// events filtered out or consumed unseen, such as settle markers, count
    /// too), `poll_next` returns `Pending` once, having woken its task, so a
    /// loop like `while let Some(ev) = stream.next().await` that never waits
    /// otherwise still lets the thread's other tasks (timers, sockets) run.
    ///
    /// ```
    /// use greenwatch::{EventStream, WatchManager};
    ///
    /// let events = EventStream::new(WatchManager::new()?)?.with_budget(16);
    /// # drop(events);
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    #[must_use]
    pub fn with_budget(mut self, budget: usize) -> EventStream {
        self.budget = Budget::new(budget);
        self.source.set_budget(budget);
        self
    }

    /// A handle that ends the stream from any thread or task.
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// use greenwatch::{EventStream, WatchManager};
    ///
    /// let mut events = EventStream::new(WatchManager::new()?)?;
    /// let stop = events.stop_handle();
    /// std::thread::spawn(move || stop.stop());
    /// assert!(smol::block_on(events.next()).is_none()); // stopped: the stream ends
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    #[must_use]
    pub fn stop_handle(&self) -> AsyncStopHandle {
        self.shared.stop.clone()
    }

    /// A handle for other tasks (stop, settle, statistics).
    #[must_use]
    pub fn handle(&self) -> NotifierHandle {
        NotifierHandle { shared: self.shared.clone() }
    }

    /// The watch manager.
    #[must_use]
    pub fn watch_manager(&self) -> &WatchManager {
        self.source.wm()
    }

    /// The same events with the halves of each move paired: a rename is one
    /// item, an unpaired `IN_MOVED_FROM` a move-out (see [`Moves`](crate::Moves)).
    #[must_use]
    pub fn paired(self) -> crate::green::moves_stream::Moves<EventStream> {
        crate::green::moves_stream::Moves::new(self)
    }

    /// The next event already read, settle markers consumed on the way.
    fn next_queued(&mut self) -> Option<Event> {
        while let Some(routed) = self.front.pop_front().or_else(|| self.source.pop()) {
            self.spent |= self.budget.spend();
            let event = routed.event;
            if settle::is_marker(&event) {
                self.markers.push(event.wd());
                if self.spent {
                    return None;
                }
                continue;
            }
            if event.is_overflow() {
                self.shared.counters.overflows.fetch_add(1, Ordering::Relaxed);
                settle::retrigger(&self.shared);
            }
            self.shared.counters.delivered.fetch_add(1, Ordering::Relaxed);
            return Some(event);
        }
        if !self.markers.is_empty() && self.source.is_idle() {
            let mut settles = lock(&self.shared.settles);
            for wd in self.markers.drain(..) {
                settles.remove(&wd); // dropping the waiter settles it
            }
        }
        None
    }

    /// True if stopped; otherwise makes sure `cx` is woken by a stop.
    fn poll_stopped(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.shared.stop.is_stopped() {
                self.listener = None;
                self.shared.cancel_settles();
                return true;
            }
            match &mut self.listener {
                None => self.listener = Some(self.shared.stop.listen()),
                Some(listener) => match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => self.listener = None,
                    Poll::Pending => return false,
                },
            }
        }
    }
}

impl Stream for EventStream {
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Event>>> {
        let this = self.get_mut();
        loop {
            if this.poll_stopped(cx) {
                return Poll::Ready(None);
            }
            if this.spent {
                // The budget is spent: let the thread's other tasks run first.
                this.spent = false;
                this.budget.reset();
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(event) = this.next_queued() {
                return Poll::Ready(Some(Ok(event)));
            }
            if this.spent {
                continue;
            }
            match this.source.poll_fill(cx) {
                Poll::Pending => {
                    this.budget.reset(); // the task waits: a new slice when it is woken
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
                // A read whose events were all filtered out counts too.
                Poll::Ready(Ok(_)) => this.spent |= this.budget.spend(),
            }
        }
    }
}

/// A dropped stream is a stopped one: its handles' `stopped()` waiters wake
/// and pending settles fail with [`ErrorKind::Stopped`](crate::ErrorKind::Stopped).
/// Events read and not yet yielded are dropped; those not yet read stay in
/// the kernel queue, with the watch manager.
impl Drop for EventStream {
    fn drop(&mut self) {
        self.shared.stop.stop();
        self.shared.cancel_settles();
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("watch_manager", self.source.wm())
            .field("stopped", &self.shared.stop.is_stopped())
            .finish_non_exhaustive()
    }
}
