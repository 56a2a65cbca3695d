//! The pipeline every front-end shares: read → bookkeeping → queue of routed events.
//!
//! The front-ends (`Notifier`, `ThreadedNotifier`, `AsyncNotifier`, the event
//! stream) differ only in how they wait for the fd and how they stop.
//! pyinotify counterpart: the body of `Notifier.read_events` and `process_events`.
//!
//! This folder is the core every front-end drives: the reader (one `read(2)`,
//! records parsed in place, batching, coalescing), then the bookkeeping, then a
//! queue of routed events. No front-end repeats a rule about events.
//!
//! Uses `types`, `kernel`, `handlers`, `bookkeeping`, `watches`. Used by the
//! blocking and the green front-ends.

use std::collections::VecDeque;
use std::io;

use crate::bookkeeping::{Routed, StepBudget};
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::pipeline::reader::{Coalescer, Reader};
use crate::watches::watch_manager::WatchManager;

pub(crate) mod reader;
/// Reader, bookkeeping and the queue of events awaiting dispatch.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub wm: WatchManager,
    reader: Reader,
    queue: VecDeque<Routed>,
    scratch: Vec<Routed>,
    coalescer: Option<Coalescer>,
    pub threshold: usize,
    /// Walk new directories in steps of this many (the async front-ends), not
    /// all at the end of the batch that announced them.
    pub walk_budget: Option<StepBudget>,
}

/// How many directories one step of a walk (or of an overflow resync) begins
/// in the async front-ends (a few hundred microseconds on a local disk).
#[cfg(feature = "async")]
pub(crate) const WALK_STEP_DIRS: usize = 16;

/// How many entries one step of a walk or a resync handles at most in the
/// async front-ends (each listed and reported, queued or compared with its
/// record, or reported gone), so that a huge directory is listed over several
/// steps: about a millisecond of work in a release build (2,048 took 1.4 to
/// 3.8 ms a step with recovery on). A step also reads at most one
/// `getdents64` buffer (32 KiB, up to about 1,300 entries) beyond what it
/// handles, kept for the next.
#[cfg(feature = "async")]
pub(crate) const WALK_STEP_ENTRIES: usize = 1024;

/// The budget of one step of a walk or a resync in the async front-ends.
#[cfg(feature = "async")]
pub(crate) const WALK_STEP: StepBudget = StepBudget { dirs: WALK_STEP_DIRS, entries: WALK_STEP_ENTRIES };

impl Pipeline {
    pub(crate) fn new(wm: WatchManager) -> Pipeline {
        Pipeline {
            wm,
            reader: Reader::default(),
            queue: VecDeque::new(),
            scratch: Vec::new(),
            coalescer: None,
            threshold: 0,
            walk_budget: None,
        }
    }

    /// One read of what the kernel holds (nothing below the threshold). Returns the bytes read.
    pub(crate) fn read(&mut self) -> io::Result<usize> {
        let book = self.wm.lock();
        self.reader.read(&book.fs.inotify, self.threshold)
    }

    /// True if the last read left the kernel queue empty (false before the first).
    #[cfg(feature = "async")]
    pub(crate) fn drained(&self) -> bool {
        self.reader.drained()
    }

    /// Caps the bytes of one read (see `Reader::set_read_size`).
    #[cfg(feature = "async")]
    pub(crate) fn set_read_size(&mut self, bytes: usize) {
        self.reader.set_read_size(bytes);
    }

    /// Runs the bookkeeping over every buffered record; the events join the queue.
    /// Returns how many were queued.
    pub(crate) fn process_raw(&mut self) -> usize {
        if self.reader.is_empty() {
            return 0;
        }
        let mut book = self.wm.lock();
        for raw in self.reader.records() {
            if self.coalescer.as_mut().is_none_or(|c| c.first_time(&raw)) {
                book.process(raw, &mut self.scratch);
            }
        }
        match self.walk_budget {
            Some(budget) => {
                book.start_end_batch(self.reader.drained());
                book.walk_step(budget, &mut self.scratch);
            }
            None => book.end_batch(self.reader.drained(), &mut self.scratch),
        }
        drop(book);
        self.reader.clear();
        self.enqueue_scratch()
    }

    /// Moves the events built into `scratch` to the end of the queue; returns how many.
    /// An empty queue takes the whole buffer instead (and gives `scratch` its own),
    /// so that a burst's events are not copied once more.
    fn enqueue_scratch(&mut self) -> usize {
        let n = self.scratch.len();
        if self.queue.is_empty() {
            let spare = Vec::from(std::mem::take(&mut self.queue));
            self.queue = VecDeque::from(std::mem::replace(&mut self.scratch, spare));
        } else {
            self.queue.extend(self.scratch.drain(..));
        }
        n
    }

    /// True while a walk a batch left pending has steps to go (see `walk_step`).
    #[cfg(feature = "async")]
    pub(crate) fn walk_pending(&self) -> bool {
        self.walk_budget.is_some() && self.wm.lock().walk_pending()
    }

    /// One bounded step of a walk a batch left pending (see `walk_budget`); its
    /// events join the queue. `None` if no walk is pending.
    #[cfg(feature = "async")]
    pub(crate) fn walk_step(&mut self) -> Option<usize> {
        let budget = self.walk_budget?;
        let mut book = self.wm.lock();
        if !book.walk_pending() {
            return None;
        }
        book.walk_step(budget, &mut self.scratch);
        drop(book);
        Some(self.enqueue_scratch())
    }

    /// Runs an overflow resync now (after an overflow of a user-space queue);
    /// its events join the queue. Returns how many were queued.
    #[allow(dead_code)] // for the async core's bounded queues
    pub(crate) fn resync(&mut self) -> usize {
        let mut out = Vec::new();
        self.wm.lock().resync(&mut out);
        let n = out.len();
        self.queue.extend(out);
        n
    }

    /// How many events wait for dispatch.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Takes the next queued event without dispatching it (the async front-ends
    /// route it to a watch's task, or yield it from a stream).
    #[inline]
    pub(crate) fn pop_routed(&mut self) -> Option<Routed> {
        self.queue.pop_front()
    }

    /// Turns pyinotify's coalescing on or off (off clears the set).
    pub(crate) fn set_coalesce(&mut self, on: bool) {
        self.coalescer = on.then(Coalescer::default);
    }

    /// Called after every `process_events`: the coalescing set starts afresh.
    pub(crate) fn end_pass(&mut self) {
        if let Some(c) = &mut self.coalescer {
            c.clear();
        }
    }
}

/// Sends one event to its watch's handler, or to `default`.
pub(crate) fn dispatch_one<H: ProcessEvent + ?Sized>(routed: &Routed, default: &mut H) -> Flow {
    match &routed.handler {
        Some(handler) => handler.handle(&routed.event),
        None => default.handle(&routed.event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::event::Event;
    use crate::types::mask::Mask;

    fn routed(name: &str) -> Routed {
        Routed { event: Event::new(1, Mask::IN_CREATE, "/w", name), handler: None }
    }

    fn names(pipeline: &mut Pipeline) -> Vec<String> {
        std::iter::from_fn(|| pipeline.pop_routed()).map(|r| r.event.name().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn batches_join_the_queue_in_order_whether_it_is_empty_or_not() {
        let mut pipeline = Pipeline::new(WatchManager::new().unwrap());
        pipeline.scratch.extend([routed("a"), routed("b")]);
        assert_eq!(pipeline.enqueue_scratch(), 2);
        assert_eq!(pipeline.pop_routed().unwrap().event.name(), "a");
        pipeline.scratch.extend([routed("c")]);
        assert_eq!(pipeline.enqueue_scratch(), 1);
        assert!(pipeline.scratch.is_empty());
        assert_eq!(names(&mut pipeline), ["b", "c"]);
        pipeline.scratch.extend([routed("d"), routed("e")]);
        assert_eq!(pipeline.enqueue_scratch(), 2);
        assert_eq!((pipeline.queued(), pipeline.scratch.len()), (2, 0));
        assert_eq!(names(&mut pipeline), ["d", "e"]);
    }
}
