//! Green dispatch: one lane per watch, each with a task fed through a bounded queue.
//!
//! The router (the notifier's own task) takes processed events from the
//! pipeline in kernel order and appends each to its watch's queue, spawning the
//! watch's task on first use. A task hands its events to the handler one at a
//! time, so one watch's events keep their order, while the tasks of different
//! watches interleave at every `.await`: a handler waiting on a timer or a
//! socket holds up its own watch only.
//!
//! Batches: the router gathers a watch's events in an outbox and sends them
//! down the queue as one message when it is done with the pipeline's events
//! or before it waits, so that one message and one task wake-up carry many
//! events, not one each.
//!
//! Inline calls: when the lanes run on the thread that runs the router (the
//! notifier's own executor, or a `LocalExecutor`) and a watch has nothing
//! queued, the router makes the handler call itself: a blocking handler is
//! called, an async one polled once. A call that completes there costs no queue,
//! no task switch; one that has to wait is handed, as it is, to the watch's
//! task (spawned then), where it goes on and everything after it waits its
//! turn. So the order is the same, and a waiting handler holds up its own watch only.
//!
//! Bounds: a queue never holds more than `bound` events (the one being handled
//! included). An event whose watch's queue is full is held back in its lane
//! (with every later event of that watch, so the order holds) while the other
//! watches' events of the same read go on; once the read is routed, the router
//! waits for room in any lane holding events back, and reads nothing more until
//! none does. Meanwhile the burst waits in the kernel's queue, which turns into
//! `IN_Q_OVERFLOW` past `fs.inotify.max_queued_events`. Memory held is therefore
//! at most one read's events (with what auto_add synthesizes) plus `bound`
//! events per watch.
//!
//! Lifetimes: a lane's task ends as soon as its queue is empty (the router
//! counts an event before sending it, so the task ends only if none is on its
//! way), whether its watch is still there or was removed; the watch's next
//! events start a new task. An idle watch costs nothing, and a removed one
//! leaves nothing behind. Settle barriers go only to lanes that hold events.
//!
//! Budget: the router, and each task, hands out at most a budget of events in
//! a row before yielding (see `budget.rs`).
//!
//! pyinotify counterpart: none (pyinotify calls handlers inline).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use event_listener::Event as Signal;
use futures_lite::future;

use self::calls::{CallSlot, InlineCalls, Kept};
use self::lane::{Lane, MakeLane, lane_loop};
use crate::bookkeeping::Routed;
use crate::bookkeeping::wd_hash::WdMap;
use crate::green::async_source::AsyncSource;
use crate::green::async_stop::AsyncStopHandle;
use crate::green::budget::Budget;
use crate::green::settle;
use crate::green::shared::Shared;
use crate::green::spawner::Spawner;
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::types::event::Wd;

/// What a lane needs to start its task, from the router's fields (borrowed
/// one by one, so that a lane of `self.lanes` can be borrowed meanwhile).
macro_rules! how {
    ($router:ident) => {
        Spawn {
            spawner: &$router.spawner,
            make_lane: &$router.make_lane,
            shared: &$router.shared,
            space: &$router.space,
            budget: $router.budget.limit(),
        }
    };
}

mod barriers;
mod calls;
mod inline;
mod lane;
mod lifetimes;
mod queues;

/// The default bound of each watch's queue.
pub(crate) const DEFAULT_BOUND: usize = 1024;

/// Where an event goes.
enum Placed {
    /// Nowhere: it was a settle marker's, now acted on.
    Consumed,
    /// In its lane's outbox.
    Outbox(Wd),
    /// Nowhere yet: its lane is full.
    Full(Wd),
    /// To the handler, called by the router: its lane is idle.
    Inline(Wd),
}

/// Where routing the pipeline's events without waiting ended.
enum Step {
    /// The pipeline is empty.
    Done,
    /// The stop handle was used (by a handler the router called).
    Stopped,
    /// Events are held back: their lanes are full.
    Full,
    /// The budget is spent: yield, then go on.
    Yield,
}

/// Routes events to per-watch lanes, whose tasks are spawned on `S`.
pub(crate) struct Router<S> {
    spawner: S,
    shared: Arc<Shared>,
    /// Makes a lane's task, with the default handler in it (typed, so that
    /// its calls are neither boxed nor dynamically dispatched).
    make_lane: MakeLane,
    /// The default handler's calls the router makes itself.
    default_calls: Box<dyn InlineCalls>,
    /// Whether the router may make handler calls itself (the lanes run on its thread).
    inline: bool,
    /// The event of the handler call the router makes, for a failure report.
    kept: Kept,
    lanes: WdMap<Lane>,
    /// The lanes whose outbox may hold events (a wd may repeat, or be gone).
    dirty: Vec<Wd>,
    /// Lanes whose watch is gone, until their task ends.
    closing: Vec<Lane>,
    pub bound: usize,
    /// Events routed (calls made here included) before the router yields.
    pub budget: Budget,
    /// The lanes holding events back for want of room, in the order they filled.
    held: Vec<Wd>,
    /// Notified by a lane's task as it handles an event while the router waits for room.
    space: Arc<Signal>,
    /// Settle markers read, acted on once everything read before them, the
    /// events the bookkeeping synthesized after them included, is routed.
    markers: Vec<Wd>,
}

impl<S: Spawner> Router<S> {
    /// A router with `default` for the events of watches without a handler of
    /// their own. `inline`: the lanes run on the router's thread (see the module docs).
    pub(crate) fn new<H: AsyncProcessEvent + 'static>(
        spawner: S,
        shared: Arc<Shared>,
        default: H,
        inline: bool,
    ) -> Self {
        let default = Arc::new(default);
        let lane_default = default.clone();
        let make_lane: MakeLane = Arc::new(move |ctx, rx| {
            let shared = ctx.shared();
            Box::pin(settle::in_handler_scope(shared, lane_loop(ctx, rx, lane_default.clone())))
        });
        let default_calls =
            CallSlot::boxed(default, |handler: Arc<H>, event| async move { handler.handle(event).await });
        Router::from_parts(spawner, shared, make_lane, default_calls, inline, DEFAULT_BOUND, Budget::default())
    }

    /// A router with no lane, no event held and no marker yet, from its parts.
    fn from_parts(
        spawner: S,
        shared: Arc<Shared>,
        make_lane: MakeLane,
        default_calls: Box<dyn InlineCalls>,
        inline: bool,
        bound: usize,
        budget: Budget,
    ) -> Self {
        Router {
            spawner,
            shared,
            make_lane,
            default_calls,
            inline,
            kept: Kept::default(),
            lanes: WdMap::default(),
            dirty: Vec::new(),
            closing: Vec::new(),
            bound,
            budget,
            held: Vec::new(),
            space: Arc::default(),
            markers: Vec::new(),
        }
    }

    /// The same router on another executor; the current tasks are cancelled.
    pub(crate) fn with_spawner<T: Spawner>(self, spawner: T) -> Router<T> {
        let Router { shared, make_lane, default_calls, bound, budget, .. } = self;
        let inline = spawner.is_local();
        Router::from_parts(spawner, shared, make_lane, default_calls, inline, bound, budget)
    }

    /// The events held back for want of room in their lane (a stop
    /// interrupted the routing): each watch's in order.
    pub(crate) fn take_held(&mut self) -> VecDeque<Routed> {
        let mut out = VecDeque::new();
        for wd in self.held.drain(..) {
            if let Some(lane) = self.lanes.get_mut(&wd) {
                out.extend(lane.held.drain(..));
            }
        }
        out
    }

    /// The settle markers read and not yet acted on (for a stream to settle).
    pub(crate) fn take_markers(&mut self) -> Vec<Wd> {
        std::mem::take(&mut self.markers)
    }

    /// Routes every event the pipeline holds. With `stop` given, returns false
    /// as soon as it is used (events held back for a full lane stay held; one
    /// whose call the router made itself was delivered).
    ///
    /// Every outbox is sent before any wait, so no event sits in an outbox at
    /// an `.await` (a dropped future loses only the events held back).
    pub(crate) async fn route_all(&mut self, source: &mut AsyncSource, stop: Option<&AsyncStopHandle>) -> bool {
        // The budget runs on across calls (and reads): it is renewed only by its own yields.
        loop {
            let step = poll_fn(|cx| {
                let _scope = settle::HandlerScope::enter(&self.shared);
                Poll::Ready(self.route_ready(source, stop, cx))
            })
            .await;
            self.flush();
            match step {
                Step::Done => return true,
                Step::Stopped => return false,
                Step::Yield => {
                    future::yield_now().await;
                    self.budget.reset();
                }
                Step::Full => {
                    if !wait_room(&self.lanes, &self.held, &self.space, self.bound, stop).await {
                        return false;
                    }
                }
            }
        }
    }

    /// Routes the pipeline's events until it is empty or a handler called here
    /// used the stop handle; then, if some lane is full, says which one the
    /// events held back wait for. Never waits: `cx` is the router's, for the
    /// handler calls it makes.
    fn route_ready(&mut self, source: &mut AsyncSource, stop: Option<&AsyncStopHandle>, cx: &mut Context<'_>) -> Step {
        while let Some(routed) = source.pop() {
            match self.place(&routed) {
                Placed::Consumed => {}
                Placed::Outbox(wd) => self.enqueue(wd, routed),
                Placed::Inline(wd) => {
                    self.call_inline(wd, routed, cx);
                    if stop.is_some_and(AsyncStopHandle::is_stopped) {
                        return Step::Stopped;
                    }
                }
                Placed::Full(wd) => self.hold(wd, routed),
            }
            if self.budget.spend() {
                return Step::Yield;
            }
        }
        if self.release_held() {
            return Step::Full;
        }
        if !self.markers.is_empty() && source.is_idle() {
            for wd in std::mem::take(&mut self.markers) {
                self.on_marker(wd);
            }
        }
        Step::Done
    }

    /// Where `routed` goes. A lane is made when it needs a queue.
    fn place(&mut self, routed: &Routed) -> Placed {
        let event = &routed.event;
        if settle::is_marker(event) {
            self.markers.push(event.wd());
            return Placed::Consumed;
        }
        let wd = event.wd();
        let lane = self.lanes.get(&wd);
        if lane.is_some_and(|lane| !lane.held.is_empty() || !lane.has_room(self.bound)) {
            return Placed::Full(wd);
        }
        if event.is_overflow() {
            self.shared.counters.overflows.fetch_add(1, Ordering::Relaxed);
            settle::retrigger(&self.shared);
        }
        if self.inline && lane.is_none_or(Lane::is_idle) { Placed::Inline(wd) } else { Placed::Outbox(wd) }
    }
}

/// Waits until one of the `held` lanes has room for one event (false if
/// `stop` was used first). The lanes' tasks notify `space` meanwhile.
async fn wait_room(
    lanes: &WdMap<Lane>,
    held: &[Wd],
    space: &Signal,
    bound: usize,
    stop: Option<&AsyncStopHandle>,
) -> bool {
    let held_lanes = || held.iter().filter_map(|wd| lanes.get(wd));
    held_lanes().for_each(|lane| lane.set_waiting(true));
    let woke = loop {
        let listener = space.listen();
        if held.iter().any(|wd| lanes.get(wd).is_none_or(|lane| lane.has_room(bound))) {
            break true;
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
            break false;
        }
    };
    held_lanes().for_each(|lane| lane.set_waiting(false));
    woke
}
