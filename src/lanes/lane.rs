//! One watch's lane: its queue, the task that empties it, and the count of
//! events in it, which the router reads to apply the bound and to tell an idle lane.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_channel::{self as channel, Receiver, Sender};
use async_executor::Task;
use event_listener::Event as Signal;
use futures_lite::{FutureExt, future};

use super::calls::{Call, Kept, RouteCache, call_blocking, conclude, route};
use crate::async_process_event::AsyncProcessEvent;
use crate::async_stop::AsyncStopHandle;
use crate::bookkeeping::Routed;
use crate::budget::Budget;
use crate::event::Event;
use crate::mask::Mask;
use crate::notifier_handle::Shared;
use crate::spawner::{LaneFuture, Spawner};

/// Makes a lane's task from its context and the receiving end of its queue.
pub(super) type MakeLane = Arc<dyn Fn(LaneCtx, Receiver<Item>) -> LaneFuture + Send + Sync>;

/// What travels down a lane.
pub(super) enum Item {
    /// Events of the watch, in kernel order.
    Batch(Vec<Routed>),
    /// A handler call the router started, and that had to wait, for this event.
    Call(Call, Event),
    /// Dropped by the lane once it got there; when every clone is gone, the
    /// channel closes and the waiter (settle, process_events) resumes.
    Barrier(Arc<Sender<()>>),
    /// The watch is gone (`rm_watch`, or an `IN_IGNORED` the router delivered): end the task.
    End,
}

/// What the router and a lane's task share.
#[derive(Default)]
struct LaneState {
    /// Events sent down the lane and not yet handled (the one in the handler's
    /// hands included): the queue length the bound applies to.
    queued: AtomicUsize,
    /// Set while the router waits for room: only then does the task notify `space`.
    waiting: AtomicBool,
    /// Notified when the task is done with an event while the router waits.
    space: Signal,
}

impl LaneState {
    /// The task is done with one event.
    fn done_one(&self) {
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) {
            self.space.notify(1);
        }
    }
}

/// One watch's lane: from its first event until the watch is gone.
pub(super) struct Lane {
    /// The task and its queue, once the lane needed them (see the module docs).
    task: Option<LaneTask>,
    /// Events routed to the lane but not sent yet; never more than its queue
    /// has room for. Only a lane with a task has any.
    pub outbox: Vec<Routed>,
    /// Counts the lane in the statistics until it is dropped, or until its task is.
    count: Option<LaneCount>,
}

/// A lane's task and the sending end of its queue.
struct LaneTask {
    tx: Sender<Item>,
    state: Arc<LaneState>,
    task: Task<()>,
}

impl Lane {
    pub(super) fn new(shared: &Arc<Shared>) -> Lane {
        shared.counters.lanes.fetch_add(1, Ordering::Relaxed);
        Lane { task: None, outbox: Vec::new(), count: Some(LaneCount(shared.clone())) }
    }

    /// Spawns the lane's task, if it has none yet.
    pub(super) fn spawn<S: Spawner>(&mut self, spawner: &S, make_lane: &MakeLane, budget: usize) {
        if self.task.is_some() {
            return;
        }
        let (tx, rx) = channel::unbounded();
        let state = Arc::new(LaneState::default());
        let count = self.count.take().expect("counted until the task is spawned");
        let ctx = LaneCtx { shared: count.0.clone(), state: state.clone(), budget, _count: count };
        let task = spawner.spawn_lane(make_lane(ctx, rx));
        self.task = Some(LaneTask { tx, state, task });
    }

    /// Sends `item` down the lane's queue, counting `n` events more in it.
    pub(super) fn send(&self, item: Item, n: usize, shared: &Shared) {
        let Some(lane) = &self.task else { return };
        let queued = lane.state.queued.fetch_add(n, Ordering::SeqCst) + n;
        shared.note_queue_len(queued);
        let _ = lane.tx.try_send(item);
    }

    /// Sends the outbox down the lane as one batch.
    pub(super) fn send_outbox(&mut self, shared: &Shared) {
        if !self.outbox.is_empty() {
            let batch = std::mem::take(&mut self.outbox);
            let n = batch.len();
            self.send(Item::Batch(batch), n, shared);
        }
    }

    /// Puts a barrier behind what the lane's queue holds (the outbox must be empty).
    pub(super) fn barrier(&self, token: &Arc<Sender<()>>) {
        if let Some(lane) = &self.task {
            let _ = lane.tx.try_send(Item::Barrier(token.clone()));
        }
    }

    /// Tells the task to end after what its queue holds.
    pub(super) fn end(&self) {
        if let Some(lane) = &self.task {
            let _ = lane.tx.try_send(Item::End);
        }
    }

    /// True if one more event fits in the queue (or the task is gone).
    #[inline]
    pub(super) fn has_room(&self, bound: usize) -> bool {
        self.task.as_ref().is_none_or(|lane| {
            lane.state.queued.load(Ordering::SeqCst) + self.outbox.len() < bound || lane.tx.is_closed()
        })
    }

    /// True if the lane holds nothing: an event may be handled at once, ahead of nothing.
    #[inline]
    pub(super) fn is_idle(&self) -> bool {
        self.outbox.is_empty() && self.task.as_ref().is_none_or(|lane| lane.state.queued.load(Ordering::SeqCst) == 0)
    }

    /// True while the lane's task runs.
    pub(super) fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|lane| !lane.task.is_finished())
    }

    /// The lane's task, taken out of it (to close its queue, await or cancel it).
    pub(super) fn take_task(&mut self) -> Option<(Sender<Item>, Task<()>)> {
        self.task.take().map(|lane| (lane.tx, lane.task))
    }
}

/// Counts a lane in [`DispatchStats::lanes`](crate::DispatchStats::lanes) until dropped.
struct LaneCount(Arc<Shared>);

impl Drop for LaneCount {
    fn drop(&mut self) {
        self.0.counters.lanes.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Waits until `lane` has room for one more event (or is closed). False if `stop` was used first.
pub(super) async fn room(lane: &Lane, bound: usize, stop: Option<&AsyncStopHandle>) -> bool {
    let Some(task) = lane.task.as_ref().filter(|_| !lane.has_room(bound)) else { return true };
    task.state.waiting.store(true, Ordering::SeqCst);
    let woke = wait_room(lane, &task.state, bound, stop).await;
    task.state.waiting.store(false, Ordering::SeqCst);
    woke
}

async fn wait_room(lane: &Lane, state: &LaneState, bound: usize, stop: Option<&AsyncStopHandle>) -> bool {
    loop {
        let listener = state.space.listen();
        if lane.has_room(bound) {
            return true;
        }
        let Some(stop) = stop else {
            listener.await;
            continue;
        };
        let woke = async {
            listener.await;
            true
        };
        let stopped = async {
            stop.stopped().await;
            false
        };
        if !future::or(woke, stopped).await {
            return false;
        }
    }
}

/// What a lane task needs. Its lane is counted until the task's future is
/// dropped (ended or cancelled).
pub(super) struct LaneCtx {
    shared: Arc<Shared>,
    state: Arc<LaneState>,
    /// Events handled in a row before the task yields.
    budget: usize,
    _count: LaneCount,
}

impl LaneCtx {
    /// What the lane shares with the notifier.
    pub(super) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }
}

/// One watch's task: its events, one after the other, until its `IN_IGNORED`
/// (or an [`Item::End`]).
pub(super) async fn lane_loop<H: AsyncProcessEvent + 'static>(ctx: LaneCtx, rx: Receiver<Item>, default: Arc<H>) {
    let (mut cache, mut kept) = (None, Kept::default());
    let mut budget = Budget::new(ctx.budget);
    while let Ok(item) = rx.recv().await {
        match item {
            Item::Barrier(token) => drop(token), // this watch has passed the barrier
            Item::End => break,
            Item::Call(call, event) => {
                let last = event.mask().contains(Mask::IN_IGNORED);
                let outcome = AssertUnwindSafe(call).catch_unwind().await;
                conclude(&ctx.shared, outcome, || event);
                ctx.state.done_one();
                if last {
                    return;
                }
                budget.reset(); // the call had to wait: the task yielded
            }
            Item::Batch(batch) => {
                for routed in batch {
                    let last = routed.event.mask().contains(Mask::IN_IGNORED);
                    ctx.deliver(&*default, routed, &mut cache, &mut kept).await;
                    ctx.state.done_one();
                    if last {
                        return;
                    }
                    if budget.spend() {
                        future::yield_now().await;
                        budget.reset();
                    }
                }
            }
        }
    }
}

impl LaneCtx {
    /// Calls the event's handler (the watch's own, async or blocking, or the
    /// default one), catching its panic, and reports a failure.
    async fn deliver<H: AsyncProcessEvent>(
        &self,
        default: &H,
        routed: Routed,
        cache: &mut RouteCache,
        kept: &mut Kept,
    ) {
        let Routed { event, handler } = routed;
        // The handler takes the event: what a failure report needs is kept.
        let outcome = match handler {
            None => {
                kept.keep(&event);
                AssertUnwindSafe(default.handle(event)).catch_unwind().await
            }
            Some(handler) => match route(&self.shared, cache, &handler) {
                Some(h) => {
                    kept.keep(&event);
                    AssertUnwindSafe(h.dispatch(event)).catch_unwind().await
                }
                None => return conclude(&self.shared, call_blocking(&handler, &event), || event),
            },
        };
        conclude(&self.shared, outcome, || kept.event());
    }
}
