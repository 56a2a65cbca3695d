//! [`Spawner`]: where an [`AsyncNotifier`](crate::AsyncNotifier) spawns its
//! per-watch dispatch tasks — smol's `Executor` or `LocalExecutor`, owned or borrowed.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::{Executor, LocalExecutor, Task};

/// One watch's dispatch task, as handed to a [`Spawner`].
///
/// ```
/// use async_executor::Executor;
/// use greenwatch::{LaneFuture, Spawner};
///
/// let ex = Executor::new();
/// let lane: LaneFuture = Box::pin(async { /* a watch's handler calls */ });
/// let task = ex.spawn_lane(lane);
/// smol::block_on(ex.run(task));
/// ```
pub type LaneFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// An executor the notifier can spawn its per-watch tasks on.
///
/// Implemented for smol's [`Executor`] and [`LocalExecutor`], by reference,
/// `Arc` or `Rc`. Dropping the returned task cancels it (the notifier does so
/// on stop). Whoever passes an executor in must also run it (e.g.
/// `ex.run(notifier.run())`): the notifier runs only the executor it made itself.
///
/// # Examples
///
/// A spawner of your own, here one that counts the watch tasks it starts
/// and hands them to smol's `Executor`:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// use async_executor::{Executor, Task};
/// use greenwatch::{AsyncNotifier, Event, LaneFuture, Mask, Spawner, WatchManager};
///
/// struct Counting {
///     ex: Executor<'static>,
///     spawned: AtomicUsize,
/// }
///
/// impl Spawner for Counting {
///     fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
///         self.spawned.fetch_add(1, Ordering::Relaxed);
///         self.ex.spawn(task)
///     }
/// }
///
/// let counting = Arc::new(Counting { ex: Executor::new(), spawned: AtomicUsize::new(0) });
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let notifier = AsyncNotifier::new(wm, |_: Event| async {})?.with_executor(counting.clone());
/// let handle = notifier.handle();
/// smol::block_on(counting.ex.run(async {
///     let run = counting.ex.spawn(notifier.run());
///     std::fs::write(dir.path().join("a"), "")?;
///     handle.settle().await?;
///     handle.stop();
///     run.await
/// }))?;
/// assert!(counting.spawned.load(Ordering::Relaxed) >= 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Spawner {
    /// Spawns `task` and returns its handle.
    fn spawn_lane(&self, task: LaneFuture) -> Task<()>;

    /// True if the tasks spawned here run on the thread that runs the notifier
    /// (a [`LocalExecutor`]). Then the notifier makes a handler call itself when
    /// the watch has nothing queued, and hands it to the watch's task only if
    /// it has to wait: the same order, without a task switch per event. False
    /// by default (an [`Executor`] may run tasks on other threads, where the
    /// calls run in parallel).
    fn is_local(&self) -> bool {
        false
    }
}

impl Spawner for Executor<'_> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        self.spawn(task)
    }
}

impl Spawner for LocalExecutor<'_> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        self.spawn(task)
    }

    fn is_local(&self) -> bool {
        true
    }
}

impl<S: Spawner + ?Sized> Spawner for &S {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
    fn is_local(&self) -> bool {
        (**self).is_local()
    }
}

impl<S: Spawner + ?Sized> Spawner for Arc<S> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
    fn is_local(&self) -> bool {
        (**self).is_local()
    }
}

impl<S: Spawner + ?Sized> Spawner for Rc<S> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
    fn is_local(&self) -> bool {
        (**self).is_local()
    }
}
