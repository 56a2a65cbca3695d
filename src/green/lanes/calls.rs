//! Handler calls as the router and the lanes make them: started and polled once
//! by the router (a call that has to wait moves on to the watch's task), their
//! panics caught, their outcome counted and reported.

use std::ffi::OsString;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use crate::green::shared::Shared;
use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::handlers::dyn_handler::DynAsyncHandler;
use crate::handlers::handler_failure::HandlerError;
use crate::handlers::handler_failure::{FailureCause, HandlerFailure};
use crate::handlers::process_event::Flow;
use crate::handlers::shared_handler::SharedHandler;
use crate::types::event::{Event, Wd};
use crate::types::mask::Mask;

/// What a handler call returns, its panic caught.
pub(super) type Outcome = std::thread::Result<Result<Flow, HandlerError>>;

/// An async handler call that owns what it needs, so that it can move from the
/// router to a lane's task.
pub(super) type Call = Pin<Box<dyn Future<Output = Result<Flow, HandlerError>> + Send>>;

/// The default handler's calls, made by the router: started and polled once.
pub(super) trait InlineCalls: Send {
    /// The outcome of the handler's [`handle_now`](AsyncProcessEvent::handle_now),
    /// its panic caught: `None` if the handler has no such call.
    fn call_now(&self, event: &Event) -> Option<Outcome>;

    /// Starts a call with `event` and polls it once: its outcome, or the call
    /// itself if it has to wait.
    fn call(&mut self, event: Event, cx: &mut Context<'_>) -> Result<Outcome, Call>;
}

/// `handler`'s [`handle_now`](AsyncProcessEvent::handle_now), its panic caught.
#[inline]
pub(super) fn call_now<H: AsyncProcessEvent + ?Sized>(handler: &H, event: &Event) -> Option<Outcome> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle_now(event))) {
        Ok(Some(flow)) => Some(Ok(Ok(flow))),
        Ok(None) => None,
        Err(payload) => Some(Err(payload)),
    }
}

/// The calls of one (typed) handler, made in a buffer reused from call to call,
/// so that a call that completes at once allocates nothing. Each call owns a
/// clone of the handler's `Arc`, so a call that has to wait can move on alone.
pub(super) struct CallSlot<H: 'static, M, F> {
    call: Pin<Box<Option<F>>>,
    make: M,
    handler: Arc<H>,
}

impl<H, M, F> CallSlot<H, M, F>
where
    H: AsyncProcessEvent + 'static,
    M: Fn(Arc<H>, Event) -> F + Send + 'static,
    F: Future<Output = Result<Flow, HandlerError>> + Send + 'static,
{
    /// Calls of `handler`, each made by `make`.
    pub(super) fn boxed(handler: Arc<H>, make: M) -> Box<dyn InlineCalls> {
        Box::new(CallSlot { call: Box::pin(None), make, handler })
    }
}

impl<H, M, F> InlineCalls for CallSlot<H, M, F>
where
    H: AsyncProcessEvent + 'static,
    M: Fn(Arc<H>, Event) -> F + Send + 'static,
    F: Future<Output = Result<Flow, HandlerError>> + Send + 'static,
{
    fn call_now(&self, event: &Event) -> Option<Outcome> {
        call_now(&*self.handler, event)
    }

    fn call(&mut self, event: Event, cx: &mut Context<'_>) -> Result<Outcome, Call> {
        self.call.set(Some((self.make)(self.handler.clone(), event)));
        let call = &mut self.call;
        let polled =
            std::panic::catch_unwind(AssertUnwindSafe(|| call.as_mut().as_pin_mut().expect("set above").poll(cx)));
        let outcome = match polled {
            Ok(Poll::Pending) => return Err(Box::pin(self.waiting())),
            Ok(Poll::Ready(result)) => Ok(result),
            Err(payload) => Err(payload),
        };
        self.call.set(None);
        Ok(outcome)
    }
}

impl<H, M, F> CallSlot<H, M, F> {
    /// The call in the slot, taken out of it (the slot gets a fresh buffer).
    fn waiting(&mut self) -> Waiting<F> {
        Waiting { call: std::mem::replace(&mut self.call, Box::pin(None)) }
    }
}

/// A call started in a [`CallSlot`] that has to wait: it goes on where it is.
struct Waiting<F> {
    call: Pin<Box<Option<F>>>,
}

impl<F: Future> Future for Waiting<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.call.as_mut().as_pin_mut().expect("a started call").poll(cx)
    }
}

/// Polls `call` once: its outcome, or the call itself if it has to wait.
pub(super) fn poll_call(mut call: Call, cx: &mut Context<'_>) -> Result<Outcome, Call> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))) {
        Ok(Poll::Pending) => Err(call),
        Ok(Poll::Ready(result)) => Ok(Ok(result)),
        Err(payload) => Ok(Err(payload)),
    }
}

/// The async handler behind a per-watch handler, if it is one (`None`: a blocking one).
#[inline]
pub(super) fn route(handler: &SharedHandler) -> Option<&Arc<dyn DynAsyncHandler>> {
    handler.async_handler()
}

/// Calls a blocking per-watch handler, catching its panic.
pub(super) fn call_blocking(handler: &SharedHandler, event: &Event) -> Outcome {
    std::panic::catch_unwind(AssertUnwindSafe(|| Ok(handler.handle(event))))
}

/// Counts a handler call and acts on its outcome: a stop, or a failure to
/// report (with the event `event` gives).
#[inline]
pub(super) fn conclude(shared: &Shared, outcome: Outcome, event: impl FnOnce() -> Event) {
    shared.counters.delivered.fetch_add(1, Ordering::Relaxed);
    match outcome {
        Ok(Ok(Flow::Stop)) => shared.stop.stop(),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => shared.report(&HandlerFailure::new(event(), FailureCause::Error(e))),
        Err(payload) => shared.report(&HandlerFailure::from_panic(event(), &*payload)),
    }
}

/// What a failure report needs of an event the handler took: every field of
/// [`Event`], copied into buffers reused from event to event (a clone would
/// allocate its name each time). Keep it in step with `Event`'s fields.
#[derive(Default)]
pub(super) struct Kept {
    wd: Wd,
    mask: Mask,
    cookie: u32,
    name: OsString,
    path: PathBuf,
    dir: bool,
    src_pathname: Option<PathBuf>,
    recovered: bool,
}

impl Kept {
    /// Copies `event` in.
    pub(super) fn keep(&mut self, event: &Event) {
        (self.wd, self.mask, self.cookie) = (event.wd(), event.mask(), event.cookie());
        (self.dir, self.recovered) = (event.is_dir(), event.is_recovered());
        self.name.clear();
        self.name.push(event.name());
        self.path.as_mut_os_string().clear();
        self.path.as_mut_os_string().push(event.path());
        match (event.src_pathname(), &mut self.src_pathname) {
            (None, kept) => *kept = None,
            (Some(src), Some(kept)) => {
                kept.as_mut_os_string().clear();
                kept.as_mut_os_string().push(src);
            }
            (Some(src), kept) => *kept = Some(src.to_path_buf()),
        }
    }

    /// The event kept, again.
    pub(super) fn event(&self) -> Event {
        let event = Event::from_parts(self.wd, self.mask, Arc::from(self.path.as_path()), &self.name)
            .with_cookie(self.cookie)
            .with_dir(self.dir)
            .with_recovered(self.recovered);
        match &self.src_pathname {
            Some(src) => event.with_src_pathname(src.clone()),
            None => event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_event_comes_back_whole() {
        let mut kept = Kept::default();
        let moved = Event::new(3, Mask::IN_MOVED_TO | Mask::IN_ISDIR, "/w/d", "b")
            .with_cookie(7)
            .with_dir(true)
            .with_src_pathname("/w/a")
            .with_recovered(true);
        let plain = Event::new(4, Mask::IN_CREATE, "/w", "\u{e9}t\u{e9}");
        for event in [moved.clone(), plain, Event::overflow(), moved] {
            kept.keep(&event);
            assert_eq!(kept.event(), event);
        }
    }

    #[test]
    fn a_slot_call_that_waits_goes_on_outside_it() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut slot = CallSlot::boxed(Arc::new(()), |_: Arc<()>, event: Event| async move {
            if event.name() == "wait" {
                futures_lite::future::yield_now().await;
            }
            Ok(Flow::Continue)
        });
        let done = slot.call(Event::new(1, Mask::IN_CREATE, "/w", "now"), &mut cx);
        assert!(matches!(done, Ok(Ok(Ok(Flow::Continue)))));
        let Err(mut waiting) = slot.call(Event::new(1, Mask::IN_CREATE, "/w", "wait"), &mut cx) else {
            panic!("the call should have to wait");
        };
        let again = slot.call(Event::new(1, Mask::IN_CREATE, "/w", "now"), &mut cx);
        assert!(matches!(again, Ok(Ok(Ok(Flow::Continue)))), "the slot is free again");
        assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Ready(Ok(Flow::Continue))));
    }

    #[test]
    fn a_panicking_slot_call_is_caught_and_the_slot_reused() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut slot = CallSlot::boxed(Arc::new(()), |_: Arc<()>, event: Event| async move {
            assert!(event.name() != "boom", "boom on purpose");
            Ok(Flow::Continue)
        });
        let panicked = slot.call(Event::new(1, Mask::IN_CREATE, "/w", "boom"), &mut cx);
        assert!(matches!(panicked, Ok(Err(_))));
        assert!(matches!(slot.call(Event::new(1, Mask::IN_CREATE, "/w", "ok"), &mut cx), Ok(Ok(Ok(_)))));
    }
}
