//! Async handlers: the [`AsyncProcessEvent`] trait, with pyinotify's per-event
//! methods and family fallbacks, and the adapters that make closures and
//! blocking [`ProcessEvent`] handlers async handlers too.
//!
//! pyinotify counterpart: `ProcessEvent`, as the seed's eventlet notifier used it
//! (one green thread per handler call).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::handlers::event_methods::event_methods;
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;
use crate::types::mask::Mask;

pub use crate::handlers::handler_failure::HandlerError;

/// What every [`AsyncProcessEvent`] method returns.
///
/// `?` works on any error type inside a handler: it is boxed into a
/// [`HandlerError`]. An `Err` is reported (see
/// [`AsyncNotifier::on_handler_error`](crate::AsyncNotifier::on_handler_error)),
/// and the watch's next events are still delivered.
///
/// ```
/// use greenwatch::{AsyncProcessEvent, Event, HandlerResult, Mask};
///
/// struct SizeOf;
/// impl AsyncProcessEvent for SizeOf {
///     async fn process_in_close_write(&self, ev: Event) -> HandlerResult {
///         let len = std::fs::metadata(ev.pathname())?.len(); // io::Error → HandlerError
///         println!("{} has {len} bytes", ev.pathname().display());
///         Ok(())
///     }
/// }
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("here"), "abc")?;
/// let ok = Event::new(1, Mask::IN_CLOSE_WRITE, dir.path(), "here");
/// let gone = Event::new(1, Mask::IN_CLOSE_WRITE, dir.path(), "gone");
/// assert!(smol::block_on(SizeOf.process_in_close_write(ok)).is_ok());
/// assert!(smol::block_on(SizeOf.process_in_close_write(gone)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type HandlerResult = Result<(), HandlerError>;

/// The trait's per-event methods, from the table of `event_methods.rs`.
macro_rules! async_methods {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {$(
        $(#[$doc])*
        fn $name(&self, event: Event) -> impl Future<Output = HandlerResult> + Send {
            self.$fallback(event)
        }
    )*};
}

/// [`dispatch_async`], from the same table.
macro_rules! async_dispatch {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {
        /// Calls the method of `handler` that matches `event`'s mask (`IN_ISDIR` ignored).
        ///
        /// # Errors
        ///
        /// What the method returns.
        pub async fn dispatch_async<H: AsyncProcessEvent + ?Sized>(handler: &H, event: Event) -> HandlerResult {
            match event.mask() - Mask::IN_ISDIR {
                $($(Mask::$mask => handler.$name(event).await,)?)*
                _ => handler.process_default(event).await,
            }
        }
    };
}

/// An async event handler with one method per event kind, dispatched as
/// pyinotify does; the async twin of [`ProcessEvent`].
///
/// Implement the methods you need with `async fn`; the others fall back like
/// the blocking trait's:
///
/// | method | falls back to |
/// |---|---|
/// | `process_in_close_write`, `process_in_close_nowrite` | `process_in_close` |
/// | `process_in_moved_from`, `process_in_moved_to` | `process_in_moved` |
/// | `process_in_move_self` | `process_in_move` |
/// | `process_in_delete_self` | `process_in_delete` |
/// | `process_in_q_overflow` | `process_in_q` |
/// | every other, and each family method | `process_default` (does nothing) |
///
/// # Threads and tasks
///
/// Methods take `&self` and their futures must be `Send`: the trait requires
/// `Send + Sync`, so a handler runs on any smol executor — the notifier's own
/// one-thread executor, a [`LocalExecutor`](async_executor::LocalExecutor) you pass in, or a
/// multi-threaded [`Executor`](async_executor::Executor). Keep mutable state in a
/// `Mutex`, an atomic or an `async_lock` type (never hold a `std` guard across an
/// `.await`). The notifier calls one watch's events one after the other, so
/// `&self` is never shared by two calls *of the same watch* at once; different
/// watches' calls do run concurrently.
///
/// # Errors and panics
///
/// A method that returns `Err` or panics is reported to the notifier's error
/// callback ([`AsyncNotifier::on_handler_error`](crate::AsyncNotifier::on_handler_error));
/// the next events are still delivered.
///
/// # Examples
///
/// ```
/// use greenwatch::{AsyncProcessEvent, Event, HandlerResult, Mask};
/// use std::sync::Mutex;
///
/// #[derive(Default)]
/// struct Log(Mutex<Vec<String>>);
///
/// impl AsyncProcessEvent for Log {
///     async fn process_in_close(&self, e: Event) -> HandlerResult {
///         async_io::Timer::after(std::time::Duration::from_millis(1)).await; // any await
///         self.0.lock().unwrap().push(format!("closed {}", e.pathname().display()));
///         Ok(())
///     }
///     async fn process_default(&self, e: Event) -> HandlerResult {
///         self.0.lock().unwrap().push(e.maskname().into_owned());
///         Ok(())
///     }
/// }
///
/// let log = Log::default();
/// smol::block_on(async {
///     log.handle(Event::new(1, Mask::IN_CLOSE_WRITE, "/w", "a")).await.unwrap();
///     log.handle(Event::new(1, Mask::IN_CREATE, "/w", "a")).await.unwrap();
/// });
/// assert_eq!(*log.0.lock().unwrap(), ["closed /w/a", "IN_CREATE"]);
/// ```
pub trait AsyncProcessEvent: Send + Sync {
    /// Dispatches `event` to the method for its mask ([`dispatch_async`]);
    /// override it to see every event first. [`Flow::Stop`] stops the notifier.
    fn handle(&self, event: Event) -> impl Future<Output = Result<Flow, HandlerError>> + Send {
        async move { dispatch_async(self, event).await.map(|()| Flow::Continue) }
    }

    /// Called for events no more specific method handles. Does nothing by default.
    fn process_default(&self, event: Event) -> impl Future<Output = HandlerResult> + Send {
        drop(event);
        std::future::ready(Ok(()))
    }

    event_methods!(async_methods);

    /// For handlers that never wait, such as [`SyncHandler`]: handles `event`
    /// at once and returns its flow; `None` (the default) sends it through
    /// [`handle`](Self::handle). The notifiers try it first, which saves them a
    /// future and a copy of the event per call. Override it only in a handler
    /// whose every call completes without waiting; a panic in it is caught and
    /// reported like one in `handle`.
    fn handle_now(&self, event: &Event) -> Option<Flow> {
        let _ = event;
        None
    }
}

event_methods!(async_dispatch);

/// What an async closure handler may return: `()`, [`Flow`], or a `Result` of
/// either with any error convertible to [`HandlerError`].
///
/// So a closure handler can return nothing, ask to stop, or fail with its
/// own error type:
///
/// ```
/// use greenwatch::{AsyncProcessEvent, Event, Flow, IntoHandlerResult, Mask};
///
/// assert!(matches!(().into_handler_result(), Ok(Flow::Continue)));
/// assert!(matches!(Flow::Stop.into_handler_result(), Ok(Flow::Stop)));
///
/// // Stops the notifier at the first file named "STOP"; an io::Error is reported.
/// let handler = |ev: Event| async move {
///     if ev.name() == "STOP" {
///         return Ok(Flow::Stop);
///     }
///     std::fs::metadata(ev.pathname()).map(|_| Flow::Continue)
/// };
/// let stop = Event::new(1, Mask::IN_CREATE, "/nowhere", "STOP");
/// assert!(matches!(smol::block_on(handler.handle(stop)), Ok(Flow::Stop)));
/// let gone = Event::new(1, Mask::IN_CREATE, "/nowhere", "file");
/// assert!(smol::block_on(handler.handle(gone)).is_err());
/// ```
pub trait IntoHandlerResult {
    /// The flow, or the error.
    ///
    /// # Errors
    ///
    /// The closure's error, boxed.
    fn into_handler_result(self) -> Result<Flow, HandlerError>;
}

impl IntoHandlerResult for () {
    fn into_handler_result(self) -> Result<Flow, HandlerError> {
        Ok(Flow::Continue)
    }
}

impl IntoHandlerResult for Flow {
    fn into_handler_result(self) -> Result<Flow, HandlerError> {
        Ok(self)
    }
}

impl<T: IntoHandlerResult, E: Into<HandlerError>> IntoHandlerResult for Result<T, E> {
    fn into_handler_result(self) -> Result<Flow, HandlerError> {
        self.map_err(Into::into)?.into_handler_result()
    }
}

/// Closures `Fn(Event) -> impl Future` are handlers: every event goes to the closure.
///
/// ```
/// use greenwatch::{AsyncProcessEvent, Event, Mask};
///
/// let handler = |e: Event| async move { println!("{e}") };
/// smol::block_on(handler.handle(Event::new(1, Mask::IN_CREATE, "/w", "a"))).unwrap();
/// ```
impl<F, Fut> AsyncProcessEvent for F
where
    F: Fn(Event) -> Fut + Send + Sync,
    Fut: Future + Send,
    Fut::Output: IntoHandlerResult,
{
    async fn handle(&self, event: Event) -> Result<Flow, HandlerError> {
        self(event).await.into_handler_result()
    }
}

/// No handler: events are dropped (useful with per-watch handlers only).
impl AsyncProcessEvent for () {}

impl<H: AsyncProcessEvent + ?Sized> AsyncProcessEvent for Arc<H> {
    fn handle(&self, event: Event) -> impl Future<Output = Result<Flow, HandlerError>> + Send {
        (**self).handle(event)
    }

    fn handle_now(&self, event: &Event) -> Option<Flow> {
        (**self).handle_now(event)
    }
}

/// A blocking [`ProcessEvent`] used as an async handler: each event is handled
/// inline, under a mutex, by the handler's `call` (its [`Flow::Stop`] stops the notifier).
///
/// Keep such handlers quick: while one runs, no other task of its thread does.
///
/// # Examples
///
/// ```
/// use greenwatch::{AsyncNotifier, Stats, SyncHandler, WatchManager};
///
/// let stats = Stats::new();
/// let notifier = AsyncNotifier::new(WatchManager::new()?, SyncHandler::new(stats.clone()))?;
/// # drop(notifier);
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub struct SyncHandler<H>(Mutex<H>);

impl<H: ProcessEvent + Send> SyncHandler<H> {
    /// Wraps a blocking handler.
    pub fn new(handler: H) -> SyncHandler<H> {
        SyncHandler(Mutex::new(handler))
    }

    /// The handler, back.
    pub fn into_inner(self) -> H {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn call_sync(&self, event: &Event) -> Flow {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).handle(event)
    }
}

impl<H: ProcessEvent + Send> AsyncProcessEvent for SyncHandler<H> {
    // An `async fn`: the work happens when the future is polled, so a panic is caught with it.
    async fn handle(&self, event: Event) -> Result<Flow, HandlerError> {
        Ok(self.call_sync(&event))
    }

    fn handle_now(&self, event: &Event) -> Option<Flow> {
        Some(self.call_sync(event))
    }
}

impl<H> fmt::Debug for SyncHandler<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncHandler")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(h: &impl AsyncProcessEvent, mask: Mask) -> Result<Flow, HandlerError> {
        futures_lite::future::block_on(h.handle(Event::new(1, mask, "/w", "x")))
    }

    #[test]
    fn closures_return_unit_flow_or_results() {
        assert_eq!(run(&|_: Event| async {}, Mask::IN_CREATE).unwrap(), Flow::Continue);
        assert_eq!(run(&|_: Event| async { Flow::Stop }, Mask::IN_CREATE).unwrap(), Flow::Stop);
        let failing = |_: Event| async { Err::<(), _>(std::io::Error::other("boom")) };
        assert_eq!(run(&failing, Mask::IN_CREATE).unwrap_err().to_string(), "boom");
    }

    #[test]
    fn sync_handlers_keep_their_flow() {
        let h = SyncHandler::new(|e: &Event| if e.name() == "x" { Flow::Stop } else { Flow::Continue });
        assert_eq!(run(&h, Mask::IN_CREATE).unwrap(), Flow::Stop);
        let y = Event::new(1, Mask::IN_CREATE, "/w", "y");
        assert_eq!(h.handle_now(&y), Some(Flow::Continue), "called at once, no future");
        let later = |_: Event| async {};
        assert_eq!(later.handle_now(&y), None, "an async handler goes through handle");
        assert_eq!(run(&Arc::new(()), Mask::IN_CREATE).unwrap(), Flow::Continue);
    }
}
