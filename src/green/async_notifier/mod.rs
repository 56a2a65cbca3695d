//! [`AsyncNotifier`]: the notifier as a green task on smol.
//!
//! It awaits the inotify fd on the async-io reactor (never a helper thread,
//! never a timer), runs the shared pipeline, and hands each event to its
//! watch's own task (see `lanes.rs`), so one thread serves many watches, timers
//! and sockets cooperatively.
//!
//! pyinotify counterpart: `AsyncioNotifier`, and the eventlet notifier of the seed.

mod config;

use std::fmt;
use std::sync::Arc;

use async_executor::Executor;
use futures_lite::future;

use crate::green::async_source::{AsyncSource, Fill};
use crate::green::async_stop::AsyncStopHandle;
use crate::green::drive::{Slice, drive};
use crate::green::lanes::Router;
#[cfg(any(doc, test))]
use crate::green::notifier_handle::NotifierHandle;
use crate::green::shared::{Shared, StopOnDrop};
use crate::green::spawner::Spawner;
use crate::green::stream::EventStream;
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::types::error::{Error, ErrorKind, Result};
use crate::watches::watch_manager::WatchManager;

/// Reads a [`WatchManager`]'s events on the async-io reactor and dispatches them
/// to async handlers, one green task per watch.
///
/// - **Order and concurrency.** Events of one watch reach its handler in kernel
///   order, one call at a time; different watches' handlers run concurrently,
///   so a handler awaiting a timer or a socket never holds up another watch.
///   Each watch has its own lane from its first event (auto_add watches
///   included) until its `IN_IGNORED` (or, for a watch removed with `rm_watch`,
///   whose `IN_IGNORED` is not delivered, soon after). `IN_Q_OVERFLOW` has a
///   lane of its own. Events of *different* watches have no order between
///   them: the two halves of a rename across directories may be handled in either order.
/// - **Green tasks, when needed.** When the tasks run on the notifier's thread
///   (its own executor, or a `LocalExecutor`), the notifier makes the handler
///   call itself for an event whose watch has nothing queued: a blocking
///   handler runs, an async one runs up to its first `.await` that has to wait.
///   Only a call that has to wait goes on in the watch's task (spawned then),
///   where the watch's next events queue behind it. A burst of events whose
///   handlers never wait costs no task switch, while the order and the
///   concurrency stay those of one task per watch. On an `Executor` of several
///   threads, every event goes through its watch's task, spawned on its first event.
/// - **Handlers.** The default handler given to [`AsyncNotifier::new`] gets the
///   events of watches without their own; a watch's own handler is set with
///   [`AddWatch::proc_fun`](crate::AddWatch::proc_fun) (blocking, called in
///   the watch's turn like an async one that never waits) or
///   [`NotifierHandle::async_proc_fun`] (async).
/// - **Executor.** By default the tasks run on an executor the notifier owns
///   and runs itself inside [`run`](AsyncNotifier::run) and
///   [`process_events`](AsyncNotifier::process_events): all on the thread that
///   polls them. [`with_executor`](AsyncNotifier::with_executor) spawns them on
///   yours (a `LocalExecutor` for one thread, an `Executor` for several), which
///   you then run.
/// - **Bounded memory.** Each watch's queue holds at most
///   [`with_queue_bound`](AsyncNotifier::with_queue_bound) events, the one
///   being handled included (1024 by default). When a handler falls behind and
///   its queue is full, that watch's further events are held back, and the
///   other watches' events of the same read still go to their handlers; only
///   then does the notifier wait for room, reading nothing more: the burst
///   waits in the kernel's queue (`fs.inotify.max_queued_events`, 16384 by
///   default), and past that the kernel drops events and reports
///   `IN_Q_OVERFLOW`, which reaches the default handler. So one full lane
///   holds back its own watch at once, and the others only from the next read.
///   Memory never grows with the burst: the notifier holds at most one read's
///   events (plus the `IN_CREATE`s auto_add synthesizes for a new directory's
///   content) and the watches' queues. A watch's task ends as soon as its
///   queue is empty (its next events start a new one), so idle and removed
///   watches hold no task.
/// - **Cooperative.** The notifier hands out at most
///   [`with_budget`](AsyncNotifier::with_budget) events in a row (128 by
///   default) before it yields to the executor: handler calls it makes, events
///   a watch's task handles, and reads (sized to about that many events). A
///   timer or socket task on the same thread waits at most about that many
///   handler calls that do not await.
/// - **Stop.** [`AsyncStopHandle::stop`] (from any thread, task or handler), a
///   handler's [`Flow::Stop`](crate::Flow::Stop), or a failure with
///   [`with_stop_on_handler_error`](AsyncNotifier::with_stop_on_handler_error) ends
///   `run` promptly: nothing more is read, and events already read but not yet
///   handled are dropped — handler calls in progress are cancelled at their next
///   `.await` — unless [`with_drain_on_stop`](AsyncNotifier::with_drain_on_stop) is set,
///   in which case they are all delivered first. Events not yet read stay in
///   the kernel queue, with the watch manager.
/// - **Failures.** A handler that returns an error or panics is reported to
///   [`on_handler_error`](AsyncNotifier::on_handler_error) (by default: logged
///   once through the `log` crate, at `error`); its watch and the others go on.
///
/// - **Cancellation.** Dropping the [`run`](AsyncNotifier::run) future (or
///   the notifier) is a stop: its handles report stopped, `stopped()` waiters
///   wake and pending [`settle`](NotifierHandle::settle)s fail with
///   [`ErrorKind::Stopped`]. Events read but not yet handled are dropped;
///   events not yet read stay in the kernel queue, with the watch manager. The
///   watch tasks are cancelled (on another thread, a handler in the middle of
///   a poll finishes that poll). `run` returning after a stop, by contrast,
///   means no handler runs anywhere: it waits for the cancelled tasks.
///
/// Dropping the notifier closes its duplicate of the inotify fd; the watch
/// manager keeps the original, and its watches.
///
/// # Examples
///
/// ```no_run
/// use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};
///
/// struct OnChange;
/// impl AsyncProcessEvent for OnChange {
///     async fn process_in_create(&self, ev: Event) -> HandlerResult {
///         println!("created {}", ev.pathname().display());
///         Ok(())
///     }
/// }
///
/// smol::block_on(async {
///     let wm = WatchManager::new()?;
///     wm.add_watch("/tmp", Mask::IN_CREATE).rec(true).auto_add(true).apply()?;
///     let notifier = AsyncNotifier::new(wm, OnChange)?;
///     let stop = notifier.stop_handle();
///     let task = smol::spawn(notifier.run());
///     smol::Timer::after(std::time::Duration::from_secs(60)).await;
///     stop.stop();
///     task.await
/// })?;
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub struct AsyncNotifier<S = Arc<Executor<'static>>> {
    /// Stops the handles when the notifier (or its `run` future) is dropped;
    /// first, so that it acts before the lanes' barriers are dropped.
    guard: StopOnDrop,
    source: AsyncSource,
    router: Router<S>,
    shared: Arc<Shared>,
    /// The executor the notifier owns and runs itself, if it was not given one.
    own: Option<Arc<Executor<'static>>>,
    drain: bool,
}

impl AsyncNotifier {
    /// A notifier over `wm`'s fd, with `default_handler` for the events of
    /// watches without their own handler, and for `IN_Q_OVERFLOW`.
    ///
    /// # Errors
    ///
    /// The OS error of duplicating the fd or registering it with the reactor.
    ///
    /// # Examples
    ///
    /// The default handler may be a type implementing [`AsyncProcessEvent`],
    /// an async closure, a blocking handler in a
    /// [`SyncHandler`](crate::SyncHandler), or `()` to drop what no watch's own
    /// handler takes:
    ///
    /// ```
    /// use greenwatch::{AsyncNotifier, Event, SyncHandler, WatchManager};
    ///
    /// let wm = WatchManager::new()?;
    /// let _closure = AsyncNotifier::new(wm.clone(), |ev: Event| async move { println!("{ev}") })?;
    /// let _blocking = AsyncNotifier::new(wm.clone(), SyncHandler::new(|ev: &Event| println!("{ev}")))?;
    /// let _none = AsyncNotifier::new(wm, ())?;
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn new(wm: WatchManager, default_handler: impl AsyncProcessEvent + 'static) -> Result<AsyncNotifier> {
        let source = AsyncSource::new(wm.clone())?;
        let shared = Shared::new(wm);
        let executor = Arc::new(Executor::new());
        // The notifier runs its own executor on its own thread: it may make handler calls itself.
        let router = Router::new(executor.clone(), shared.clone(), default_handler, true);
        let guard = StopOnDrop(Some(shared.clone()));
        Ok(AsyncNotifier { source, router, shared, own: Some(executor), drain: false, guard })
    }
}

impl<S: Spawner> AsyncNotifier<S> {
    /// Waits for events (or a stop), reads one batch, dispatches it, and returns
    /// once every handler is done with it: for callers who drive the notifier
    /// themselves (pyinotify's `check_events` + `read_events` + `process_events`).
    /// Returns how many events the batch held; 0 once stopped.
    ///
    /// Dropping the future loses no event: one being routed is kept for the next call.
    ///
    /// # Errors
    ///
    /// The OS error of waiting on or reading the fd.
    pub async fn process_events(&mut self) -> Result<usize> {
        let (own, slice) = self.slice();
        drive(own.as_deref(), slice, self.one_batch()).await
    }

    async fn one_batch(&mut self) -> Result<usize> {
        let stop = self.shared.stop.clone();
        if stop.is_stopped() || !self.router.route_all(&mut self.source, Some(&stop)).await {
            return Ok(0);
        }
        let Fill::Read(n) = self.source.fill(&stop).await? else { return Ok(0) };
        if self.router.route_all(&mut self.source, Some(&stop)).await {
            self.router.wait_idle(Some(&stop)).await;
        }
        self.router.prune();
        Ok(n)
    }

    /// Processes events until every change made before the call has been
    /// handled (see [`NotifierHandle::settle`]); for callers who drive the
    /// notifier with [`process_events`](AsyncNotifier::process_events). When
    /// `run` drives it, use [`NotifierHandle::settle`] instead.
    ///
    /// # Errors
    ///
    /// As [`NotifierHandle::settle`] and [`AsyncNotifier::process_events`].
    pub async fn settle(&mut self) -> Result<()> {
        let handle = self.handle();
        let (own, slice) = self.slice();
        let pump = async {
            loop {
                if self.shared.stop.is_stopped() {
                    return Err(Error::new(ErrorKind::Stopped, "the notifier stopped before settling"));
                }
                self.one_batch().await?;
            }
        };
        drive(own.as_deref(), slice, future::or(handle.settle(), pump)).await
    }

    /// Runs until stopped (pyinotify's `loop()`): spawn it on any executor, or
    /// `smol::block_on` it. See the type's docs for what stop does.
    ///
    /// # Errors
    ///
    /// The OS error of waiting on or reading the fd; with
    /// [`with_stop_on_handler_error`](AsyncNotifier::with_stop_on_handler_error), the
    /// handler failure that stopped it ([`ErrorKind::Stopped`]).
    ///
    /// # Examples
    ///
    /// Blocking on it (it runs its handlers itself); a handler's
    /// [`Flow::Stop`](crate::Flow::Stop) ends it:
    ///
    /// ```
    /// use greenwatch::{AsyncNotifier, Event, Flow, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let notifier = AsyncNotifier::new(wm, |ev: Event| async move {
    ///     println!("{}", ev.pathname().display());
    ///     if ev.name() == "last" { Flow::Stop } else { Flow::Continue }
    /// })?;
    /// std::fs::write(dir.path().join("first"), "")?;
    /// std::fs::write(dir.path().join("last"), "")?;
    /// smol::block_on(notifier.run())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "loop")]
    pub async fn run(mut self) -> Result<()> {
        let (own, slice) = self.slice();
        drive(own.as_deref(), slice, self.run_loop()).await
    }

    /// The own executor, if any, and what `drive` needs to share its slices.
    fn slice(&self) -> (Option<Arc<Executor<'static>>>, Slice) {
        (self.own.clone(), Slice { shared: self.shared.clone(), budget: self.router.budget.limit() })
    }

    async fn run_loop(&mut self) -> Result<()> {
        let stop = self.shared.stop.clone();
        let result = self.pump(&stop).await;
        if self.drain {
            self.router.route_all(&mut self.source, None).await;
        }
        self.router.shutdown(self.drain).await;
        self.shared.cancel_settles();
        result?;
        self.shared.fatal_error().map_or(Ok(()), Err)
    }

    async fn pump(&mut self, stop: &AsyncStopHandle) -> Result<()> {
        loop {
            if stop.is_stopped() || !self.router.route_all(&mut self.source, Some(stop)).await {
                return Ok(());
            }
            self.router.prune();
            if self.source.fill(stop).await? == Fill::Stopped {
                return Ok(());
            }
        }
    }

    /// The same core as an event [`Stream`](futures_core::Stream): handlers and
    /// tasks are dropped, the fd, the pipeline and the handles stay.
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// use greenwatch::{AsyncNotifier, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let mut events = AsyncNotifier::new(wm, ())?.with_budget(64).into_stream();
    /// std::fs::write(dir.path().join("a"), "")?;
    /// let ev = smol::block_on(events.next()).expect("the stream ends only when stopped")?;
    /// assert_eq!(ev.name(), "a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn into_stream(mut self) -> EventStream {
        let pending = self.router.take_held();
        let markers = self.router.take_markers();
        let budget = self.router.budget;
        let AsyncNotifier { source, shared, guard, .. } = self;
        guard.disarm();
        EventStream::from_parts(source, shared, pending).with_markers(markers).with_budget(budget.limit())
    }
}

impl<S> fmt::Debug for AsyncNotifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncNotifier")
            .field("watch_manager", self.source.wm())
            .field("own_executor", &self.own.is_some())
            .field("drain_on_stop", &self.drain)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::async_process_event::SyncHandler;
    use crate::types::event::Event;

    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn the_default_notifier_and_its_run_future_can_move_between_threads() {
        send_sync::<NotifierHandle>();
        send_sync::<AsyncStopHandle>();
        send_sync::<EventStream>();
        let notifier = AsyncNotifier::new(WatchManager::new().unwrap(), SyncHandler::new(|_: &Event| ())).unwrap();
        send(&notifier);
        notifier.stop_handle().stop();
        let run = notifier.run();
        send(&run);
        futures_lite::future::block_on(run).unwrap();
    }
}
