//! The async front-ends' reader: the pipeline, fed when the async-io reactor
//! reports the inotify fd readable.
//!
//! As smol's own `linux-inotify` example does, the watch manager's fd is
//! duplicated into an `OwnedFd` and wrapped in [`Async`]; the duplicate shares
//! the open file description (non-blocking already), so readiness and reads are
//! the original's. Dropping the source closes only the duplicate.

use std::future::{Future, poll_fn};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use async_io::Async;
use event_listener::EventListener;
use futures_lite::future;

use crate::bookkeeping::Routed;
use crate::green::async_stop::AsyncStopHandle;
use crate::green::budget::DEFAULT_BUDGET;
use crate::pipeline::Pipeline;
use crate::types::error::Result;
use crate::watches::watch_manager::WatchManager;

/// What one wait for the fd ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// A read happened; this many events were queued.
    Read(usize),
    /// The stop handle was used.
    Stopped,
}

/// The pipeline and the duplicated fd it waits on.
#[derive(Debug)]
pub(crate) struct AsyncSource {
    pub pipeline: Pipeline,
    fd: Async<OwnedFd>,
    /// Woken by the stop handle of the last wait: kept from wait to wait (a
    /// listener is an allocation and a list entry) until a stop.
    stop_wait: Option<StopWait>,
}

/// A listener of a stop handle, made when the handle had been stopped
/// `stops` times, and the waker it was last polled with.
#[derive(Debug)]
struct StopWait {
    handle: AsyncStopHandle,
    stops: u64,
    listener: EventListener,
    waker: Option<Waker>,
}

impl StopWait {
    fn new(handle: &AsyncStopHandle) -> StopWait {
        let stops = handle.stops();
        StopWait { handle: handle.clone(), stops, listener: handle.listen(), waker: None }
    }
}

impl AsyncSource {
    /// Duplicates `wm`'s fd and registers the duplicate with the async-io reactor.
    pub(crate) fn new(wm: WatchManager) -> Result<AsyncSource> {
        let owned = wm.as_fd().try_clone_to_owned()?;
        let fd = Async::new(owned)?;
        let mut pipeline = Pipeline::new(wm);
        pipeline.walk_budget = Some(crate::pipeline::WALK_STEP);
        let mut source = AsyncSource { pipeline, fd, stop_wait: None };
        source.set_budget(DEFAULT_BUDGET);
        Ok(source)
    }

    /// Sizes reads for a cooperative budget of `events`: one read holds about
    /// that many records of short names (64 bytes each, at least 4 KiB), so the
    /// bookkeeping of one read is a slice of about the budget's length.
    pub(crate) fn set_budget(&mut self, events: usize) {
        self.pipeline.set_read_size(events.saturating_mul(64).max(4096));
    }

    /// The watch manager.
    pub(crate) fn wm(&self) -> &WatchManager {
        &self.pipeline.wm
    }

    /// True when nothing read waits to be routed and no walk has steps to go:
    /// a settle marker read earlier now has every event before it (synthesized
    /// ones included) behind it.
    pub(crate) fn is_idle(&self) -> bool {
        self.pipeline.queued() == 0 && !self.pipeline.walk_pending()
    }

    /// True if there is work before the next wait for the fd: a burst (the
    /// last read left records in the kernel queue) or a walk with steps to go.
    fn has_more(&self) -> bool {
        !self.pipeline.drained() || self.pipeline.walk_pending()
    }

    /// The next event read and processed, not yet dispatched.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Routed> {
        self.pipeline.pop_routed()
    }

    /// Waits until the fd is readable (or `stop` is used), then reads once and
    /// runs the bookkeeping. A wake-up with nothing to read waits again.
    ///
    /// During a burst (the last read did not empty the kernel queue) the read
    /// is tried first: asking the reactor would cost a turn of its loop (and
    /// its system calls) for each read. After a read that emptied the queue the
    /// reactor is asked straight away: a read then would only fail, and the
    /// wait for readiness yields anyway. During a burst, and between the steps
    /// of a walk, other tasks get a turn before each read or step.
    pub(crate) async fn fill(&mut self, stop: &AsyncStopHandle) -> Result<Fill> {
        if self.has_more() {
            future::yield_now().await; // other tasks first, once a read
            if stop.is_stopped() {
                return Ok(Fill::Stopped);
            }
            if let Some(n) = self.read_once()? {
                return Ok(Fill::Read(n));
            }
        }
        poll_fn(|cx| self.poll_wait(stop, cx)).await
    }

    /// One poll of the wait for the fd (or `stop`): the fd's readiness as the
    /// reactor reports it (no future to build and drop), and the stop listener
    /// kept from the previous wait.
    fn poll_wait(&mut self, stop: &AsyncStopHandle, cx: &mut Context<'_>) -> Poll<Result<Fill>> {
        loop {
            if self.poll_stopped(stop, cx) {
                return Poll::Ready(Ok(Fill::Stopped));
            }
            match self.fd.poll_readable(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Ready(Ok(())) => {}
            }
            if let Some(n) = self.read_once()? {
                return Poll::Ready(Ok(Fill::Read(n)));
            }
        }
    }

    /// True once `stop` is used; otherwise its listener (made once, kept
    /// until a stop) holds `cx`'s waker. Polled with the waker it already
    /// holds, and no stop since it was made, the listener is left alone: a
    /// wait costs no lock of the stop handle's list.
    fn poll_stopped(&mut self, stop: &AsyncStopHandle, cx: &mut Context<'_>) -> bool {
        loop {
            if stop.is_stopped() {
                self.stop_wait = None;
                return true;
            }
            match &mut self.stop_wait {
                Some(wait) if wait.handle.same(stop) && wait.stops == stop.stops() => {
                    if wait.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        return false;
                    }
                    match Pin::new(&mut wait.listener).poll(cx) {
                        Poll::Ready(()) => self.stop_wait = None,
                        Poll::Pending => {
                            wait.waker = Some(cx.waker().clone());
                            return false;
                        }
                    }
                }
                // Counted before the listener is made, checked after: no stop can slip between.
                _ => self.stop_wait = Some(StopWait::new(stop)),
            }
        }
    }

    /// The poll form of [`AsyncSource::fill`] without the stop handle (streams
    /// watch it themselves). `Ready(Ok(n))` once a read queued something.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.has_more()
            && let Some(n) = self.read_once()?
        {
            return Poll::Ready(Ok(n)); // a burst: the kernel queue holds more
        }
        loop {
            match self.fd.poll_readable(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {}
            }
            if let Some(n) = self.read_once()? {
                return Poll::Ready(Ok(n));
            }
        }
    }

    /// One non-blocking read and the bookkeeping over it; `None` if nothing was
    /// read. While a walk of new directories is pending, one bounded step of it
    /// instead: the caller routes its events and yields before the next.
    fn read_once(&mut self) -> io::Result<Option<usize>> {
        if let Some(n) = self.pipeline.walk_step() {
            return Ok(Some(n));
        }
        if self.pipeline.read()? == 0 {
            return Ok(None);
        }
        let n = self.pipeline.process_raw();
        self.pipeline.end_pass();
        Ok(Some(n))
    }
}
