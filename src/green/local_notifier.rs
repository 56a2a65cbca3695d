//! [`LocalAsyncNotifier`]: the async notifier for handlers that are not `Send`
//! (`Rc`, `RefCell` state), on one thread.
//!
//! It shares the async core's reader, settle, stop handle and budget, but makes
//! every handler call itself, in its own task, one after the other in kernel
//! order: no task per watch, so nothing needs to cross threads.
//!
//! pyinotify counterpart: `AsyncioNotifier` with a plain callback.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_lite::{FutureExt, future};

use crate::bookkeeping::Routed;
use crate::green::async_source::{AsyncSource, Fill};
use crate::green::async_stop::AsyncStopHandle;
use crate::green::budget::Budget;
use crate::green::notifier_handle::NotifierHandle;
use crate::green::settle;
use crate::green::shared::{Shared, lock};
use crate::handlers::async_process_event::{HandlerError, IntoHandlerResult};
use crate::handlers::handler_failure::{FailureCause, HandlerFailure};
use crate::handlers::process_event::Flow;
use crate::types::error::Result;
use crate::types::event::{Event, Wd};
use crate::watches::watch_manager::WatchManager;

/// A handler for a [`LocalAsyncNotifier`]: like
/// [`AsyncProcessEvent::handle`](crate::AsyncProcessEvent::handle), without
/// `Send` or `Sync`. Closures `Fn(Event) -> impl Future` whose output is `()`,
/// [`Flow`] or a `Result` of either are handlers.
///
/// # Examples
///
/// A handler whose state is an `Rc<Cell<…>>` (not `Send`), called directly here;
/// give it to [`LocalAsyncNotifier::new`] to have it called for each event:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// use greenwatch::{Event, Flow, HandlerError, LocalProcessEvent, Mask};
///
/// struct CountUntil {
///     seen: Rc<Cell<u32>>,
///     limit: u32,
/// }
///
/// impl LocalProcessEvent for CountUntil {
///     async fn handle(&self, _event: Event) -> Result<Flow, HandlerError> {
///         self.seen.set(self.seen.get() + 1);
///         Ok(if self.seen.get() >= self.limit { Flow::Stop } else { Flow::Continue })
///     }
/// }
///
/// let handler = CountUntil { seen: Rc::new(Cell::new(0)), limit: 2 };
/// let ev = || Event::new(1, Mask::IN_CREATE, "/w", "a");
/// assert_eq!(smol::block_on(handler.handle(ev()))?, Flow::Continue);
/// assert_eq!(smol::block_on(handler.handle(ev()))?, Flow::Stop);
/// # Ok::<(), HandlerError>(())
/// ```
pub trait LocalProcessEvent {
    /// Handles one event. [`Flow::Stop`] stops the notifier.
    fn handle(&self, event: Event) -> impl Future<Output = Result<Flow, HandlerError>>;
}

impl<F, Fut> LocalProcessEvent for F
where
    F: Fn(Event) -> Fut,
    Fut: Future,
    Fut::Output: IntoHandlerResult,
{
    async fn handle(&self, event: Event) -> Result<Flow, HandlerError> {
        self(event).await.into_handler_result()
    }
}

/// Reads a [`WatchManager`]'s events on the async-io reactor and hands them,
/// in kernel order, to a handler that need not be `Send`: its state can live in
/// an `Rc<RefCell<…>>`, and its future can hold one across an `.await`.
///
/// - **One task.** `run()` is a single `!Send` future: run it on a
///   [`LocalExecutor`](async_executor::LocalExecutor), `smol::block_on` or
///   `futures_lite::future::block_on`. Calls are made one at a time, in kernel
///   order across all watches: a handler that awaits holds up every watch
///   (use [`AsyncNotifier`](crate::AsyncNotifier) for one task per watch).
/// - **Watches' own handlers.** A blocking one ([`AddWatch::proc_fun`](crate::AddWatch::proc_fun))
///   is called, an async one ([`NotifierHandle::async_proc_fun`]) awaited, in turn.
/// - **Cooperative.** After [`with_budget`](LocalAsyncNotifier::with_budget)
///   events in a row (128 by default) it yields to the executor.
/// - **Stop, settle, failures** as for the `AsyncNotifier`: [`stop_handle`](LocalAsyncNotifier::stop_handle),
///   [`NotifierHandle::settle`], a failure is logged (`log::error!`) or given to
///   [`on_handler_error`](LocalAsyncNotifier::on_handler_error) and the next
///   events are delivered. Dropping the notifier (or its `run` future) stops
///   it; events read and not yet handled are dropped.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// use async_executor::LocalExecutor;
/// use greenwatch::{Event, LocalAsyncNotifier, Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let seen = Rc::new(RefCell::new(Vec::new())); // not Send
/// let counter = seen.clone();
/// let notifier = LocalAsyncNotifier::new(wm, move |ev: Event| {
///     let counter = counter.clone();
///     async move { counter.borrow_mut().push(ev.name().to_owned()) }
/// })?;
/// let handle = notifier.handle();
/// std::fs::write(dir.path().join("a"), "")?;
/// let ex = LocalExecutor::new();
/// let run = ex.spawn(notifier.run());
/// smol::block_on(ex.run(async {
///     handle.settle().await?;
///     handle.stop();
///     run.await
/// }))?;
/// assert_eq!(*seen.borrow(), ["a"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LocalAsyncNotifier<H> {
    source: AsyncSource,
    shared: Arc<Shared>,
    handler: H,
    budget: Budget,
    /// Settle markers read, settled once everything read before them is handled.
    markers: Vec<Wd>,
}

impl<H: LocalProcessEvent> LocalAsyncNotifier<H> {
    /// A notifier over `wm`'s fd, with `handler` for the events of watches
    /// without their own handler, and for `IN_Q_OVERFLOW`.
    ///
    /// # Errors
    ///
    /// The OS error of duplicating the fd or registering it with the reactor.
    pub fn new(wm: WatchManager, handler: H) -> Result<LocalAsyncNotifier<H>> {
        let source = AsyncSource::new(wm.clone())?;
        let shared = Shared::new(wm);
        Ok(LocalAsyncNotifier { source, shared, handler, budget: Budget::default(), markers: Vec::new() })
    }

    /// The cooperative budget: events handled in a row before yielding (at least 1; default 128).
    #[must_use]
    pub fn with_budget(mut self, budget: usize) -> Self {
        self.budget = Budget::new(budget);
        self.source.set_budget(budget);
        self
    }

    /// Called with each handler failure (error or panic) instead of logging it.
    #[must_use]
    pub fn on_handler_error(self, callback: impl Fn(&HandlerFailure) + Send + Sync + 'static) -> Self {
        lock(&self.shared.policy).report = Arc::new(callback);
        self
    }

    /// A handle that stops the notifier from any thread or task.
    #[must_use]
    pub fn stop_handle(&self) -> AsyncStopHandle {
        self.shared.stop.clone()
    }

    /// A handle for other tasks: stop, settle, statistics, async per-watch handlers.
    #[must_use]
    pub fn handle(&self) -> NotifierHandle {
        NotifierHandle { shared: self.shared.clone() }
    }

    /// Runs until stopped. Events read and not yet handled when it stops are dropped.
    ///
    /// # Errors
    ///
    /// The OS error of waiting on or reading the fd.
    pub async fn run(mut self) -> Result<()> {
        let stop = self.shared.stop.clone();
        loop {
            while let Some(routed) = self.source.pop() {
                if stop.is_stopped() {
                    return Ok(());
                }
                let shared = self.shared.clone();
                settle::in_handler_scope(shared, self.deliver(routed)).await;
                if self.budget.spend() {
                    future::yield_now().await;
                    self.budget.reset();
                }
            }
            self.settle_markers();
            if self.source.fill(&stop).await? == Fill::Stopped {
                return Ok(());
            }
        }
    }

    /// Everything read before the markers read so far is handled: their settles are done.
    fn settle_markers(&mut self) {
        let mut settles = lock(&self.shared.settles);
        for wd in self.markers.drain(..) {
            settles.remove(&wd); // dropping the waiter settles it
        }
    }

    /// Calls the event's handler (the watch's own, or the notifier's), catching a panic.
    async fn deliver(&mut self, routed: Routed) {
        let Routed { event, handler } = routed;
        if settle::is_marker(&event) {
            self.markers.push(event.wd());
            return;
        }
        if event.is_overflow() {
            self.shared.counters.overflows.fetch_add(1, Ordering::Relaxed);
            settle::retrigger(&self.shared);
        }
        let kept = event.clone();
        let outcome = match handler {
            None => AssertUnwindSafe(self.handler.handle(event)).catch_unwind().await,
            Some(own) => match own.async_handler() {
                Some(h) => AssertUnwindSafe(h.dispatch(event)).catch_unwind().await,
                None => std::panic::catch_unwind(AssertUnwindSafe(|| Ok(own.handle(&event)))),
            },
        };
        self.shared.counters.delivered.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(Ok(Flow::Stop)) => self.shared.stop.stop(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => self.shared.report(&HandlerFailure::new(kept, FailureCause::Error(e))),
            Err(payload) => self.shared.report(&HandlerFailure::from_panic(kept, &*payload)),
        }
    }
}

/// Dropping the notifier (or its `run` future) stops its handles and fails pending settles.
impl<H> Drop for LocalAsyncNotifier<H> {
    fn drop(&mut self) {
        self.shared.stop.stop();
        self.shared.cancel_settles();
    }
}

impl<H> fmt::Debug for LocalAsyncNotifier<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalAsyncNotifier").field("watch_manager", self.source.wm()).finish_non_exhaustive()
    }
}
