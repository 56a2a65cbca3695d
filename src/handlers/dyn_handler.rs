//! The object-safe form of an async handler ([`DynAsyncHandler`]), which the
//! lanes and a [`SharedHandler`](crate::SharedHandler) hold, and its blocking
//! face ([`AsyncProxy`]) for a blocking notifier that meets one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::handlers::async_process_event::AsyncProcessEvent;
use crate::handlers::handler_failure::HandlerError;
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;

/// The future of one handler call, type-erased (used for per-watch handlers).
pub(crate) type BoxedCall<'a> = Pin<Box<dyn Future<Output = Result<Flow, HandlerError>> + Send + 'a>>;

/// The object-safe form of [`AsyncProcessEvent`] the dispatch tasks hold.
pub(crate) trait DynAsyncHandler: Send + Sync + 'static {
    /// A call that borrows the handler.
    fn dispatch(&self, event: Event) -> BoxedCall<'_>;

    /// A call that owns (a reference to) the handler, so that it can move to another task.
    fn dispatch_owned(self: Arc<Self>, event: Event) -> BoxedCall<'static>;
}

impl<H: AsyncProcessEvent + 'static> DynAsyncHandler for H {
    fn dispatch(&self, event: Event) -> BoxedCall<'_> {
        Box::pin(self.handle(event))
    }

    fn dispatch_owned(self: Arc<Self>, event: Event) -> BoxedCall<'static> {
        Box::pin(async move { self.handle(event).await })
    }
}

/// The blocking face of an async per-watch handler (see
/// [`NotifierHandle::async_proc_fun`](crate::NotifierHandle::async_proc_fun)):
/// an async notifier recognises it and calls the handler in the watch's turn;
/// a blocking `Notifier` that meets it runs the call to completion with `block_on`.
pub(crate) struct AsyncProxy(pub Arc<dyn DynAsyncHandler>);

impl ProcessEvent for AsyncProxy {
    fn handle(&mut self, event: &Event) -> Flow {
        match async_io::block_on(self.0.dispatch(event.clone())) {
            Ok(flow) => flow,
            Err(err) => {
                log::error!(target: "greenwatch", "handler failed on {event}: {err}");
                Flow::Continue
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::family_tests::Families;
    use crate::types::mask::Mask;

    #[test]
    fn the_proxy_runs_async_handlers_for_blocking_notifiers() {
        let h = Arc::new(Families::default());
        let mut proxy = AsyncProxy(h.clone());
        assert_eq!(proxy.handle(&Event::new(1, Mask::IN_MOVED_TO, "/w", "x")), Flow::Continue);
        assert_eq!(h.seen(), ["moved"]);
    }
}
