//! [`Moves`]: the pairing layer as a stream adaptor, with the bound on how long
//! an `IN_MOVED_FROM` waits for its partner kept by an async-io timer.
//!
//! pyinotify counterpart: none (see `pairing.rs`).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use futures_core::Stream;

use crate::bookkeeping::pairing::{Change, DEFAULT_MOVE_BOUND, MovePairer};
use crate::types::error::Result;
use crate::types::event::Event;

/// A stream of [`Change`]s over a stream of events (usually
/// [`EventStream::paired`](crate::EventStream::paired)): a rename inside the
/// watched trees is ONE item with both paths, an `IN_MOVED_FROM` whose
/// `IN_MOVED_TO` does not follow within the bound
/// ([`DEFAULT_MOVE_BOUND`], see [`Moves::with_bound`]) is a
/// [`EventKind::MoveOut`](crate::EventKind::MoveOut), and everything else passes at once, unchanged.
///
/// Only move-outs wait (for the bound); so an item may come after events that
/// followed it in the kernel queue. A rename comes out where its `IN_MOVED_TO`
/// was. An `IN_Q_OVERFLOW` first releases every held half as a move-out. The
/// watches' masks must hold [`Mask::IN_MOVE`](crate::Mask::IN_MOVE). Works on any executor (the timer
/// is async-io's).
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// use greenwatch::{EventKind, EventStream, Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a"), "")?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_MOVE | Mask::IN_CREATE).apply()?;
/// let mut changes = EventStream::new(wm)?.paired();
/// std::fs::rename(dir.path().join("a"), dir.path().join("b"))?;
/// let change = smol::block_on(changes.next()).unwrap()?;
/// match change.kind() {
///     EventKind::Rename { from, to } => println!("{} -> {}", from.display(), to.display()),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Moves<S> {
    inner: S,
    pairer: MovePairer,
    bound: Duration,
    ready: VecDeque<Change>,
    scratch: Vec<Change>,
    timer: Option<Timer>,
    done: bool,
}

impl<S: Stream<Item = Result<Event>> + Unpin> Moves<S> {
    /// Pairs the moves of `events`.
    pub fn new(events: S) -> Moves<S> {
        Moves {
            inner: events,
            pairer: MovePairer::new(),
            bound: DEFAULT_MOVE_BOUND,
            ready: VecDeque::new(),
            scratch: Vec::new(),
            timer: None,
            done: false,
        }
    }

    /// How long an `IN_MOVED_FROM` waits for its partner before it comes out
    /// as a move-out (default [`DEFAULT_MOVE_BOUND`]).
    #[must_use]
    pub fn with_bound(mut self, bound: Duration) -> Self {
        self.bound = bound;
        self
    }

    /// The stream of events underneath.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Moves what `pairer` decided into the ready queue.
    fn take_decided(&mut self) {
        self.ready.extend(self.scratch.drain(..));
    }

    /// Releases the held halves whose bound has passed.
    fn expire_due(&mut self) {
        if let Some(limit) = Instant::now().checked_sub(self.bound) {
            self.pairer.expire(limit, &mut self.scratch);
            self.take_decided();
        }
    }

    /// Releases the held halves whose bound has passed; otherwise arms the timer
    /// for the oldest one. True if the timer is armed and pending.
    fn poll_expiry(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            let Some(oldest) = self.pairer.oldest() else {
                self.timer = None;
                return false;
            };
            let due = oldest + self.bound;
            if Instant::now() >= due {
                self.expire_due();
                continue;
            }
            let timer = self.timer.get_or_insert_with(|| Timer::at(due));
            timer.set_at(due);
            if Pin::new(timer).poll(cx).is_pending() {
                return true;
            }
        }
    }
}

impl<S: Stream<Item = Result<Event>> + Unpin> Stream for Moves<S> {
    type Item = Result<Change>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Change>>> {
        let this = self.get_mut();
        loop {
            if let Some(change) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(change)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(event))) => {
                    this.expire_due(); // a busy stream never waits for the timer
                    this.pairer.push(event, Instant::now(), &mut this.scratch);
                    this.take_decided();
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    this.pairer.flush(&mut this.scratch);
                    this.take_decided();
                    this.done = true;
                }
                Poll::Pending => {
                    this.poll_expiry(cx);
                    if this.ready.is_empty() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}

impl<S> fmt::Debug for Moves<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Moves")
            .field("bound", &self.bound)
            .field("held", &self.pairer.held())
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}
