//! One watch's lane: its queue, the task that empties it, and the count of
//! events in it, which the router reads to apply the bound and to tell an idle lane.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_channel::{self as channel, Receiver, Sender};
use async_executor::Task;
use event_listener::Event as Signal;
use futures_lite::{FutureExt, future};

use super::calls::{Call, Kept, call_blocking, call_now, conclude, route};
use crate::bookkeeping::Routed;
use crate::green::budget::Budget;
use crate::green::shared::Shared;
use crate::green::spawner::{LaneFuture, Spawner};
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::types::event::Event;
use crate::types::mask::Mask;

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

/// Set in [`LaneState::queued`] once the task has ended (its queue empty): the
/// router then spawns a new task for the lane's next event.
const ENDED: usize = 1 << (usize::BITS - 1);

/// What the router and a lane's task share.
struct LaneState {
    /// Events sent down the lane and not yet handled (the one in the handler's
    /// hands included): the queue length the bound applies to; with [`ENDED`]
    /// set once the task has ended.
    queued: AtomicUsize,
    /// Set while the router waits for room: only then does the task notify `space`.
    waiting: AtomicBool,
    /// The router's, notified when the task is done with an event while the router waits.
    space: Arc<Signal>,
}

impl LaneState {
    /// The task is done with one event.
    fn done_one(&self) {
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) {
            self.space.notify(1);
        }
    }

    /// The task ends if nothing is queued or on its way: true if it did. The
    /// router counts an event before it sends it, so one it counts after this
    /// finds [`ENDED`] and goes to a new task instead.
    fn try_end(&self) -> bool {
        self.queued.compare_exchange(0, ENDED, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// Events queued (the ended flag aside).
    fn len(&self) -> usize {
        self.queued.load(Ordering::SeqCst) & !ENDED
    }
}

/// One watch's lane: a task while the watch has events to handle, which ends
/// once it has none (the next event starts a new one).
#[derive(Default)]
pub(super) struct Lane {
    /// The task and its queue, once the lane needed them (see the module docs).
    task: Option<LaneTask>,
    /// Events routed to the lane but not sent yet; never more than its queue
    /// has room for.
    pub outbox: Vec<Routed>,
    /// Events of the current read for which the queue had no room, in order:
    /// they wait here while the other watches' events go on.
    pub held: VecDeque<Routed>,
}

/// A lane's task and the sending end of its queue.
struct LaneTask {
    tx: Sender<Item>,
    state: Arc<LaneState>,
    task: Task<()>,
}

/// What spawning a lane's task takes.
pub(super) struct Spawn<'a, S> {
    pub spawner: &'a S,
    pub make_lane: &'a MakeLane,
    pub shared: &'a Arc<Shared>,
    pub space: &'a Arc<Signal>,
    pub budget: usize,
}

impl Lane {
    /// Starts a task for the lane (the previous one, if any, has ended), with
    /// `queued` events counted in its queue before it can look at it.
    fn spawn<S: Spawner>(&mut self, how: &Spawn<'_, S>, queued: usize) -> &LaneTask {
        let (tx, rx) = channel::unbounded();
        let state = Arc::new(LaneState {
            queued: AtomicUsize::new(queued),
            waiting: AtomicBool::new(false),
            space: how.space.clone(),
        });
        let count = LaneCount::new(how.shared);
        let ctx = LaneCtx { shared: how.shared.clone(), state: state.clone(), budget: how.budget, _count: count };
        let task = how.spawner.spawn_lane((how.make_lane)(ctx, rx));
        self.task.insert(LaneTask { tx, state, task })
    }

    /// Sends `item` down the lane's queue, counting `n` events more in it; the
    /// lane's task is started if it has none running.
    pub(super) fn send<S: Spawner>(&mut self, item: Item, n: usize, how: &Spawn<'_, S>) {
        // Counted first: a task that has not ended by then cannot end before it gets the item.
        let alive =
            self.task.as_ref().is_some_and(|lane| lane.state.queued.fetch_add(n, Ordering::SeqCst) & ENDED == 0);
        if !alive {
            // Counted before the task starts: on another thread, it could find its queue empty and end.
            self.spawn(how, n);
        }
        let lane = self.task.as_ref().expect("running");
        how.shared.note_queue_len(lane.state.len());
        let _ = lane.tx.try_send(item);
    }

    /// Sends the outbox down the lane as one batch.
    pub(super) fn send_outbox<S: Spawner>(&mut self, how: &Spawn<'_, S>) {
        if !self.outbox.is_empty() {
            let batch = std::mem::take(&mut self.outbox);
            let n = batch.len();
            self.send(Item::Batch(batch), n, how);
        }
    }

    /// Puts a barrier behind what the lane's queue holds (the outbox must be
    /// empty). A task that ends meanwhile drops it, which is as good as passing it.
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

    /// True if one more event fits in the queue (or the task is gone); events
    /// held back aside.
    #[inline]
    pub(super) fn has_room(&self, bound: usize) -> bool {
        let queued = self.task.as_ref().filter(|lane| !lane.tx.is_closed()).map_or(0, |lane| lane.state.len());
        queued + self.outbox.len() < bound
    }

    /// True if the lane holds nothing: an event may be handled at once, ahead of nothing.
    #[inline]
    pub(super) fn is_idle(&self) -> bool {
        self.outbox.is_empty() && self.held.is_empty() && self.task.as_ref().is_none_or(|lane| lane.state.len() == 0)
    }

    /// Asks the task to notify the router's `space` signal as it handles events (or not).
    pub(super) fn set_waiting(&self, on: bool) {
        if let Some(lane) = &self.task {
            lane.state.waiting.store(on, Ordering::SeqCst);
        }
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

/// Counts a lane's task in [`DispatchStats::lanes`](crate::DispatchStats::lanes) until dropped.
struct LaneCount(Arc<Shared>);

impl LaneCount {
    fn new(shared: &Arc<Shared>) -> LaneCount {
        let now = shared.counters.lanes.fetch_add(1, Ordering::Relaxed) + 1;
        shared.counters.lanes_high_water.fetch_max(now, Ordering::Relaxed);
        LaneCount(shared.clone())
    }
}

impl Drop for LaneCount {
    fn drop(&mut self) {
        self.0.counters.lanes.fetch_sub(1, Ordering::Relaxed);
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
    let mut kept = Kept::default();
    let mut budget = Budget::new(ctx.budget);
    loop {
        let item = match rx.try_recv() {
            Ok(item) => item,
            Err(channel::TryRecvError::Closed) => return,
            // Nothing queued: the task ends, unless an event is on its way.
            Err(channel::TryRecvError::Empty) if ctx.state.try_end() => return,
            Err(channel::TryRecvError::Empty) => match rx.recv().await {
                Ok(item) => item,
                Err(_) => return,
            },
        };
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
                    ctx.deliver(&*default, routed, &mut kept).await;
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
    async fn deliver<H: AsyncProcessEvent>(&self, default: &H, routed: Routed, kept: &mut Kept) {
        let Routed { event, handler } = routed;
        // The handler takes the event: what a failure report needs is kept.
        let outcome = match handler {
            None => {
                if let Some(outcome) = call_now(default, &event) {
                    return conclude(&self.shared, outcome, || event);
                }
                kept.keep(&event);
                AssertUnwindSafe(default.handle(event)).catch_unwind().await
            }
            Some(handler) => match route(&handler) {
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
