//! [`SharedHandler`]: one handler shared by the watch table and the
//! notifiers (a watch's own handler, pyinotify's `proc_fun`), blocking or async.

use std::fmt;
use std::sync::{Arc, Mutex};

#[cfg(feature = "async")]
use crate::handlers::dyn_handler::DynAsyncHandler;
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;

/// A handler shared between the watch table and a notifier (a watch's own
/// handler, pyinotify's `proc_fun`). Cloning shares the same handler.
///
/// ```
/// use greenwatch::{Event, Mask, SharedHandler, Stats};
///
/// let stats = Stats::new();
/// let shared = SharedHandler::new(stats.clone());
/// let other = shared.clone(); // e.g. given to a second watch's `shared_proc_fun`
/// let _ = other.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a"));
/// assert!(shared.ptr_eq(&other));
/// assert_eq!(stats.count("IN_CREATE"), 1);
/// ```
#[derive(Clone)]
pub struct SharedHandler {
    handler: Arc<Mutex<dyn ProcessEvent + Send>>,
    /// The async handler behind it, for an async per-watch handler: every
    /// async notifier calls it in the watch's turn.
    #[cfg(feature = "async")]
    async_handler: Option<Arc<dyn DynAsyncHandler>>,
}

impl SharedHandler {
    /// Wraps `handler` so that several watches can share it.
    pub fn new<H: ProcessEvent + Send + 'static>(handler: H) -> SharedHandler {
        SharedHandler {
            handler: Arc::new(Mutex::new(handler)),
            #[cfg(feature = "async")]
            async_handler: None,
        }
    }

    /// An async handler's shared form: async notifiers call it as such; a
    /// blocking one runs each call to completion through `proxy`.
    #[cfg(feature = "async")]
    pub(crate) fn from_async<P: ProcessEvent + Send + 'static>(
        handler: Arc<dyn DynAsyncHandler>,
        proxy: P,
    ) -> SharedHandler {
        SharedHandler { handler: Arc::new(Mutex::new(proxy)), async_handler: Some(handler) }
    }

    /// The async handler behind it, if it is an async one.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn async_handler(&self) -> Option<&Arc<dyn DynAsyncHandler>> {
        self.async_handler.as_ref()
    }

    /// Dispatches one event to the shared handler.
    pub fn handle(&self, event: &Event) -> Flow {
        let mut guard = self.handler.lock().unwrap_or_else(|e| e.into_inner());
        guard.handle(event)
    }

    /// True if both share one handler.
    #[must_use]
    pub fn ptr_eq(&self, other: &SharedHandler) -> bool {
        Arc::ptr_eq(&self.handler, &other.handler)
    }
}

impl fmt::Debug for SharedHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedHandler")
    }
}
