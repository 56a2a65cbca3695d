//! [`AsyncNotifier`]'s configuration and accessors: the executor, the queue
//! bound, the budget, the failure policy, and the handles to stop, settle and
//! inspect it. The running itself is in `mod.rs`.

use std::sync::Arc;

use super::AsyncNotifier;
use crate::green::async_stop::AsyncStopHandle;
use crate::green::budget::Budget;
use crate::green::notifier_handle::NotifierHandle;
use crate::green::shared::lock;
use crate::green::spawner::Spawner;
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::handlers::handler_failure::HandlerFailure;
use crate::handlers::shared_handler::SharedHandler;
#[cfg(doc)]
use crate::types::error::ErrorKind;
use crate::watches::watch_manager::WatchManager;

impl<S: Spawner> AsyncNotifier<S> {
    /// Spawns the watch tasks on `executor` instead of the notifier's own
    /// (tasks already running are cancelled). You run the executor, e.g.
    /// `local_ex.run(notifier.run())`.
    ///
    /// # Examples
    ///
    /// On a `LocalExecutor` that also runs the program's other tasks:
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// use async_executor::LocalExecutor;
    /// use greenwatch::{AsyncNotifier, Event, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let ex = Rc::new(LocalExecutor::new());
    /// let notifier = AsyncNotifier::new(wm, |ev: Event| async move { println!("{ev}") })?.with_executor(ex.clone());
    /// let handle = notifier.handle();
    /// smol::block_on(ex.run(async {
    ///     let run = ex.spawn(notifier.run());
    ///     let other = ex.spawn(async { 6 * 7 }); // shares the thread with the handlers
    ///     std::fs::write(dir.path().join("a"), "")?;
    ///     handle.settle().await?;
    ///     assert_eq!(other.await, 42);
    ///     handle.stop();
    ///     run.await
    /// }))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_executor<T: Spawner>(self, executor: T) -> AsyncNotifier<T> {
        let AsyncNotifier { source, router, shared, drain, guard, .. } = self;
        AsyncNotifier { source, router: router.with_spawner(executor), shared, own: None, drain, guard }
    }

    /// The most events one watch's queue holds, the one being handled included
    /// (at least 1; default 1024).
    #[must_use]
    pub fn with_queue_bound(mut self, bound: usize) -> Self {
        self.router.bound = bound.max(1);
        self
    }

    /// The cooperative budget: how many events the notifier hands out in a row
    /// (handler calls it makes itself, events one watch's task handles, and,
    /// on its own executor, events all the watch tasks handle between two of
    /// its looks at other tasks) before it yields to the executor (at least 1;
    /// default 128). Another task of the thread waits at most about
    /// `budget` × the longest handler call that does not await; a smaller budget
    /// lowers that lateness, a larger one saves a little time per event.
    ///
    /// ```
    /// use greenwatch::{AsyncNotifier, Event, WatchManager};
    ///
    /// let notifier = AsyncNotifier::new(WatchManager::new()?, |_: Event| async {})?.with_budget(32);
    /// notifier.stop_handle().stop();
    /// smol::block_on(notifier.run())?;
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    #[must_use]
    pub fn with_budget(mut self, budget: usize) -> Self {
        self.router.budget = Budget::new(budget);
        self.source.set_budget(budget);
        self
    }

    /// On stop, deliver every event already read before `run` returns (default: drop them).
    #[must_use]
    #[doc(alias = "drain_on_stop")]
    pub fn with_drain_on_stop(mut self, drain: bool) -> Self {
        self.drain = drain;
        self
    }

    /// Called with each handler failure (error or panic), where the call ran
    /// (the notifier's task, or the watch's), instead of logging it.
    #[must_use]
    pub fn on_handler_error(self, callback: impl Fn(&HandlerFailure) + Send + Sync + 'static) -> Self {
        lock(&self.shared.policy).report = Arc::new(callback);
        self
    }

    /// `true`: the first handler failure stops the notifier, and `run` returns
    /// it as an [`ErrorKind::Stopped`] error. Default: `false`.
    #[must_use]
    #[doc(alias = "stop_on_handler_error")]
    pub fn with_stop_on_handler_error(self, stop: bool) -> Self {
        lock(&self.shared.policy).stop = stop;
        self
    }

    /// A handle that stops the notifier from any thread or task.
    #[must_use]
    pub fn stop_handle(&self) -> AsyncStopHandle {
        self.shared.stop.clone()
    }

    /// A handle for other tasks: stop, settle, statistics, async per-watch handlers.
    ///
    /// Take it before `run` consumes the notifier:
    ///
    /// ```
    /// use greenwatch::{AsyncNotifier, Event, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// let notifier = AsyncNotifier::new(wm, |ev: Event| async move { println!("{ev}") })?;
    /// let handle = notifier.handle();
    /// smol::block_on(async {
    ///     let run = smol::spawn(notifier.run());
    ///     // Watches can be added while it runs, through the handle's watch manager.
    ///     handle.watch_manager().add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    ///     std::fs::write(dir.path().join("late"), "")?;
    ///     handle.settle().await?;
    ///     assert_eq!(handle.stats().delivered, 1);
    ///     handle.stop();
    ///     run.await
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn handle(&self) -> NotifierHandle {
        NotifierHandle { shared: self.shared.clone() }
    }

    /// The watch manager.
    #[must_use]
    pub fn watch_manager(&self) -> &WatchManager {
        self.source.wm()
    }

    /// See [`NotifierHandle::async_proc_fun`].
    pub fn async_proc_fun<H: AsyncProcessEvent + 'static>(&self, handler: H) -> SharedHandler {
        self.handle().async_proc_fun(handler)
    }

    /// Events read but not yet routed to their watch.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.source.pipeline.queued()
    }
}
