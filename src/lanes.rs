//! Green dispatch: one task ("lane") per watch, fed through a bounded queue.
//!
//! The router (the notifier's own task) takes processed events from the
//! pipeline in kernel order and appends each to its watch's queue, spawning the
//! watch's task on first use. A task hands its events to the handler one at a
//! time, so one watch's events keep their order, while the tasks of different
//! watches interleave at every `.await`: a handler waiting on a timer or a
//! socket holds up its own watch only.
//!
//! Bounds: a queue never holds more than `bound` items. When a watch's queue is
//! full, the router waits for room before routing anything else (it does not
//! skip ahead, which would reorder events); meanwhile nothing more is read, so
//! the burst waits in the kernel's queue, which turns into `IN_Q_OVERFLOW` past
//! `fs.inotify.max_queued_events`. Memory held is therefore at most one read's
//! events (with what auto_add synthesizes) plus `bound` events per watch.
//!
//! pyinotify counterpart: none (pyinotify calls handlers inline).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_channel::{self as channel, Receiver, Sender};
use async_executor::Task;
use event_listener::Event as Signal;
use futures_lite::{FutureExt, future};

use crate::async_process_event::DynAsyncHandler;
use crate::async_source::AsyncSource;
use crate::async_stop::AsyncStopHandle;
use crate::bookkeeping::Routed;
use crate::event::Wd;
use crate::handler_failure::{FailureCause, HandlerFailure};
use crate::mask::Mask;
use crate::notifier_handle::{Shared, lock};
use crate::process_event::{Flow, SharedHandler};
use crate::settle;
use crate::spawner::Spawner;

/// The default bound of each watch's queue.
pub(crate) const DEFAULT_BOUND: usize = 1024;

/// What travels down a lane.
enum Item {
    Event(Routed),
    /// Dropped by the lane once it got there; when every clone is gone, the
    /// channel closes and the waiter (settle, process_events) resumes.
    Barrier(Arc<Sender<()>>),
    /// The watch is gone without an `IN_IGNORED` reaching us: end the task.
    End,
}

struct Lane {
    tx: Sender<Item>,
    /// Notified each time the task takes an item: there may be room.
    space: Arc<Signal>,
    task: Task<()>,
}

/// Routes events to per-watch tasks spawned on `S`.
pub(crate) struct Router<S> {
    spawner: S,
    shared: Arc<Shared>,
    default: Arc<dyn DynAsyncHandler>,
    lanes: HashMap<Wd, Lane>,
    /// Lanes whose watch is gone, until their task ends.
    closing: Vec<Lane>,
    pub bound: usize,
    /// An event taken from the pipeline whose routing was interrupted by a stop.
    pending: Option<Routed>,
}

impl<S: Spawner> Router<S> {
    pub(crate) fn new(spawner: S, shared: Arc<Shared>, default: Arc<dyn DynAsyncHandler>) -> Router<S> {
        let (lanes, closing, pending) = (HashMap::new(), Vec::new(), None);
        Router { spawner, shared, default, lanes, closing, bound: DEFAULT_BOUND, pending }
    }

    /// The same router on another executor; the current tasks are cancelled.
    pub(crate) fn with_spawner<T: Spawner>(self, spawner: T) -> Router<T> {
        let Router { shared, default, bound, pending, .. } = self;
        let (lanes, closing) = (HashMap::new(), Vec::new());
        Router { spawner, shared, default, lanes, closing, bound, pending }
    }

    /// The event whose routing a stop interrupted, if any.
    pub(crate) fn take_pending(&mut self) -> Option<Routed> {
        self.pending.take()
    }

    /// Routes every event the pipeline holds. With `stop` given, returns false
    /// as soon as it is used (the event being routed is kept for later).
    pub(crate) async fn route_all(&mut self, source: &mut AsyncSource, stop: Option<&AsyncStopHandle>) -> bool {
        while let Some(routed) = self.pending.take().or_else(|| source.pop()) {
            if !self.route(routed, stop).await {
                return false;
            }
        }
        true
    }

    async fn route(&mut self, routed: Routed, stop: Option<&AsyncStopHandle>) -> bool {
        let event = &routed.event;
        if settle::is_marker(event) {
            return self.on_marker(event.wd(), stop).await;
        }
        if event.is_overflow() {
            self.shared.counters.overflows.fetch_add(1, Ordering::Relaxed);
            settle::retrigger(&self.shared);
        }
        let (wd, last) = (event.wd(), event.mask().contains(Mask::IN_IGNORED));
        self.ensure_lane(wd);
        // Kept here while waiting, so that neither a stop nor a dropped future loses it.
        self.pending = Some(routed);
        let lane = &self.lanes[&wd];
        if !room(lane, self.bound, stop).await {
            return false;
        }
        let routed = self.pending.take().expect("set above");
        let _ = lane.tx.try_send(Item::Event(routed));
        self.shared.note_queue_len(lane.tx.len());
        if last {
            self.retire(wd);
        }
        true
    }

    /// A settle marker's event: every lane gets a barrier for its waiter.
    async fn on_marker(&mut self, wd: Wd, stop: Option<&AsyncStopHandle>) -> bool {
        let Some(waiter) = lock(&self.shared.settles).remove(&wd) else { return true };
        self.broadcast(&Arc::new(waiter.done), stop).await
    }

    /// Puts a clone of `token` behind what every lane already holds.
    async fn broadcast(&self, token: &Arc<Sender<()>>, stop: Option<&AsyncStopHandle>) -> bool {
        for lane in self.lanes.values().chain(&self.closing) {
            if !room(lane, self.bound, stop).await {
                return false;
            }
            let _ = lane.tx.try_send(Item::Barrier(token.clone()));
        }
        true
    }

    /// Waits until every lane has dealt with everything routed so far.
    pub(crate) async fn wait_idle(&self, stop: Option<&AsyncStopHandle>) -> bool {
        let (tx, rx) = channel::bounded::<()>(1);
        if !self.broadcast(&Arc::new(tx), stop).await {
            return false;
        }
        match stop {
            None => rx.recv().await.is_err(),
            Some(stop) => {
                future::or(async { rx.recv().await.is_err() }, async {
                    stop.stopped().await;
                    false
                })
                .await
            }
        }
    }

    fn ensure_lane(&mut self, wd: Wd) {
        if self.lanes.contains_key(&wd) {
            return;
        }
        let (tx, rx) = channel::unbounded();
        let space = Arc::new(Signal::new());
        self.shared.counters.lanes.fetch_add(1, Ordering::Relaxed);
        let ctx = LaneCtx { shared: self.shared.clone(), default: self.default.clone(), space: space.clone() };
        let task = self.spawner.spawn_lane(Box::pin(lane_loop(ctx, rx)));
        self.lanes.insert(wd, Lane { tx, space, task });
    }

    /// The watch is gone: its task ends once it has delivered what it holds.
    fn retire(&mut self, wd: Wd) {
        if let Some(lane) = self.lanes.remove(&wd) {
            self.closing.push(lane);
        }
    }

    /// Forgets ended tasks, and ends the lanes of watches removed without an
    /// `IN_IGNORED` reaching us (`rm_watch` drops it). The table is searched
    /// only when there are more watch lanes than watches (settle markers aside),
    /// so a removed watch's idle task lasts at most until another watch's first event.
    pub(crate) fn prune(&mut self) {
        self.closing.retain(|lane| !lane.task.is_finished());
        let watch_lanes = self.lanes.len() - usize::from(self.lanes.contains_key(&-1));
        let book = self.shared.wm.lock();
        let watches = book.table.len().saturating_sub(self.shared.markers.load(Ordering::SeqCst));
        if watch_lanes <= watches {
            return;
        }
        let gone: Vec<Wd> = self.lanes.keys().copied().filter(|&wd| wd >= 0 && book.table.get(wd).is_none()).collect();
        drop(book);
        for wd in gone {
            let _ = self.lanes[&wd].tx.try_send(Item::End); // may pass the bound by one
            self.retire(wd);
        }
    }

    /// Ends every task: with `drain`, after each has delivered what it holds;
    /// otherwise at once (a handler call in progress is dropped at its next `.await`).
    pub(crate) async fn shutdown(&mut self, drain: bool) {
        let lanes: Vec<Lane> = self.lanes.drain().map(|(_, lane)| lane).chain(self.closing.drain(..)).collect();
        if drain {
            for lane in &lanes {
                lane.tx.close();
            }
            for lane in lanes {
                lane.task.await;
            }
        }
    }
}

/// Waits until `lane` has room for one more item (or is closed). False if `stop` was used first.
async fn room(lane: &Lane, bound: usize, stop: Option<&AsyncStopHandle>) -> bool {
    let has_room = || lane.tx.len() < bound || lane.tx.is_closed();
    loop {
        if has_room() {
            return true;
        }
        let listener = lane.space.listen();
        if has_room() {
            return true;
        }
        let Some(stop) = stop else {
            listener.await;
            continue;
        };
        let woke = future::or(
            async {
                listener.await;
                true
            },
            async {
                stop.stopped().await;
                false
            },
        );
        if !woke.await {
            return false;
        }
    }
}

/// What a lane task needs. Counted in `lanes` from spawn until the task's
/// future is dropped (ended or cancelled).
struct LaneCtx {
    shared: Arc<Shared>,
    default: Arc<dyn DynAsyncHandler>,
    space: Arc<Signal>,
}

impl Drop for LaneCtx {
    fn drop(&mut self) {
        self.shared.counters.lanes.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The last per-watch handler seen, and the async handler behind it if any.
type RouteCache = Option<(SharedHandler, Option<Arc<dyn DynAsyncHandler>>)>;

enum Target {
    Async(Arc<dyn DynAsyncHandler>),
    Sync(SharedHandler),
}

/// One watch's task: its events, one after the other, until its `IN_IGNORED`.
async fn lane_loop(ctx: LaneCtx, rx: Receiver<Item>) {
    let mut cache = None;
    while let Ok(item) = rx.recv().await {
        ctx.space.notify(1);
        match item {
            Item::Barrier(token) => drop(token), // this watch has passed the barrier
            Item::End => break,
            Item::Event(routed) => {
                let last = routed.event.mask().contains(Mask::IN_IGNORED);
                ctx.deliver(routed, &mut cache).await;
                if last {
                    break;
                }
            }
        }
    }
}

impl LaneCtx {
    /// Calls the event's handler, catching its panic, and reports a failure.
    async fn deliver(&self, routed: Routed, cache: &mut RouteCache) {
        let Routed { event, handler } = routed;
        let outcome = match self.target(handler, cache) {
            Target::Async(h) => {
                let ev = event.clone();
                AssertUnwindSafe(async move { h.dispatch(ev).await }).catch_unwind().await
            }
            Target::Sync(h) => std::panic::catch_unwind(AssertUnwindSafe(|| Ok(h.handle(&event)))),
        };
        self.shared.counters.delivered.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(Ok(Flow::Stop)) => self.shared.stop.stop(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => self.shared.report(&HandlerFailure::new(event, FailureCause::Error(e))),
            Err(payload) => self.shared.report(&HandlerFailure::from_panic(event, &*payload)),
        }
    }

    /// The watch's own handler (async or blocking), or the default one.
    fn target(&self, handler: Option<SharedHandler>, cache: &mut RouteCache) -> Target {
        let Some(handler) = handler else { return Target::Async(self.default.clone()) };
        let cached = cache.as_ref().filter(|(h, _)| h.ptr_eq(&handler)).map(|(_, a)| a.clone());
        let route = cached.unwrap_or_else(|| {
            let route = self.shared.async_route(&handler);
            *cache = Some((handler.clone(), route.clone()));
            route
        });
        match route {
            Some(h) => Target::Async(h),
            None => Target::Sync(handler),
        }
    }
}
