//! [`Spawner`]: where an [`AsyncNotifier`](crate::AsyncNotifier) spawns its
//! per-watch dispatch tasks — smol's `Executor` or `LocalExecutor`, owned or borrowed.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::{Executor, LocalExecutor, Task};

/// One watch's dispatch task, as handed to a [`Spawner`].
pub type LaneFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// An executor the notifier can spawn its per-watch tasks on.
///
/// Implemented for smol's [`Executor`] and [`LocalExecutor`], by reference,
/// `Arc` or `Rc`. Dropping the returned task cancels it (the notifier does so
/// on stop). Whoever passes an executor in must also run it (e.g.
/// `ex.run(notifier.run())`): the notifier runs only the executor it made itself.
pub trait Spawner {
    /// Spawns `task` and returns its handle.
    fn spawn_lane(&self, task: LaneFuture) -> Task<()>;
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
}

impl<S: Spawner + ?Sized> Spawner for &S {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
}

impl<S: Spawner + ?Sized> Spawner for Arc<S> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
}

impl<S: Spawner + ?Sized> Spawner for Rc<S> {
    fn spawn_lane(&self, task: LaneFuture) -> Task<()> {
        (**self).spawn_lane(task)
    }
}
