//! How an [`AsyncNotifier`](crate::AsyncNotifier) runs the executor it owns:
//! beside its own loop, in short turns bounded by the budget, so that a stop
//! and the thread's other tasks get a look in often.

use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;

use async_executor::Executor;
use futures_lite::future;

use crate::green::shared::Shared;

/// How many watch-task polls the own executor runs before the notifier's loop
/// gets another look (at a stop request, at the fd).
const TICKS_PER_TURN: usize = 16;

/// What bounds one turn of the own executor: the budget, counted in events delivered.
pub(crate) struct Slice {
    pub shared: Arc<Shared>,
    pub budget: usize,
}

/// Runs `fut`, with the notifier's own executor running alongside if it has one.
///
/// Unlike `Executor::run`, which polls up to 200 tasks between two looks at its
/// main future, this lets `fut` (the notifier's loop) in every
/// [`TICKS_PER_TURN`] task polls, and yields to the thread's other tasks as
/// soon as the watch tasks have delivered a budget of events, so a stop is
/// acted on promptly, and timers fire on time, even while handlers are busy.
///
/// While no watch task exists (the handlers' calls all completed where the
/// router made them), the executor is not even looked at: only the router
/// spawns tasks on it, in a poll of `fut`, after which the tasks are polled.
pub(crate) async fn drive<T>(own: Option<&Executor<'static>>, slice: Slice, fut: impl Future<Output = T>) -> T {
    let Some(executor) = own else { return fut.await };
    let counters = &slice.shared.counters;
    let delivered = &counters.delivered;
    // Pending without a waker: `fut`'s next poll, which `or` follows with one of `tasks`, is the only way out.
    let some_task =
        || poll_fn(|_| if counters.lanes.load(Ordering::Relaxed) > 0 { Poll::Ready(()) } else { Poll::Pending });
    let tasks = async {
        loop {
            let start = delivered.load(Ordering::Relaxed);
            for _ in 0..TICKS_PER_TURN {
                some_task().await;
                executor.tick().await;
                if delivered.load(Ordering::Relaxed).wrapping_sub(start) >= slice.budget as u64 {
                    break;
                }
            }
            future::yield_now().await;
        }
    };
    future::or(fut, tasks).await
}
