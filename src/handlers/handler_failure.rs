//! [`HandlerFailure`]: an async handler that returned an error or panicked, and
//! the policy that decides what the notifier does about it.
//!
//! pyinotify counterpart: none (an exception in a pyinotify handler ends the loop).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::types::event::Event;

/// What an async handler may fail with: any error type, boxed (`?` converts).
///
/// A string makes one too (`"…".into()`), and the original type can be
/// recovered with `downcast_ref` where the failure is reported.
///
/// ```
/// use greenwatch::HandlerError;
///
/// fn parse_port(text: &str) -> Result<u16, HandlerError> {
///     if text.is_empty() {
///         return Err("empty port file".into());
///     }
///     Ok(text.trim().parse()?) // ParseIntError → HandlerError
/// }
///
/// assert_eq!(parse_port("8080\n").unwrap(), 8080);
/// let err = parse_port("http").unwrap_err();
/// assert!(err.downcast_ref::<std::num::ParseIntError>().is_some());
/// assert_eq!(parse_port("").unwrap_err().to_string(), "empty port file");
/// ```
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a handler call failed.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use greenwatch::{AsyncNotifier, Event, FailureCause, Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let causes = Arc::new(Mutex::new(Vec::new()));
/// let log = causes.clone();
/// let handler = |ev: Event| async move {
///     assert_ne!(ev.name(), "bad", "refusing {}", ev.pathname().display());
/// };
/// let notifier = AsyncNotifier::new(wm, handler)?.on_handler_error(move |failure| {
///     let cause = match failure.failure_cause() {
///         FailureCause::Error(e) => format!("error: {e}"),
///         FailureCause::Panic(message) => format!("panic: {message}"),
///         _ => "other".to_owned(),
///     };
///     log.lock().unwrap().push(cause);
/// });
/// let handle = notifier.handle();
/// smol::block_on(async {
///     let run = smol::spawn(notifier.run());
///     std::fs::write(dir.path().join("bad"), "")?; // the handler panics on it
///     handle.settle().await?;
///     handle.stop();
///     run.await
/// })?;
/// assert!(causes.lock().unwrap()[0].starts_with("panic: assertion"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FailureCause {
    /// The handler returned this error.
    Error(HandlerError),
    /// The handler panicked with this message (`"<non-string panic>"` when the
    /// payload was neither `&str` nor `String`).
    Panic(String),
}

/// One failed handler call: the event it was handling and why it failed.
///
/// `Display` reads `handler failed on <event>: <error>` or
/// `handler panicked on <event>: <message>`; `source()` is the handler's error.
///
/// ```
/// use greenwatch::{AsyncNotifier, Event, FailureCause, HandlerResult, WatchManager};
///
/// let wm = WatchManager::new()?;
/// let handler = |_ev: Event| async { HandlerResult::Err("disk full".into()) };
/// let notifier = AsyncNotifier::new(wm, handler)?.on_handler_error(|failure| {
///     if let FailureCause::Error(e) = failure.failure_cause() {
///         eprintln!("{} failed: {e}", failure.event().pathname().display());
///     }
/// });
/// # drop(notifier);
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Debug)]
pub struct HandlerFailure {
    event: Event,
    cause: FailureCause,
}

impl HandlerFailure {
    pub(crate) fn new(event: Event, cause: FailureCause) -> HandlerFailure {
        HandlerFailure { event, cause }
    }

    pub(crate) fn from_panic(event: Event, payload: &(dyn Any + Send)) -> HandlerFailure {
        let message = match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
            (Some(s), _) => (*s).to_owned(),
            (_, Some(s)) => s.clone(),
            _ => "<non-string panic>".to_owned(),
        };
        HandlerFailure::new(event, FailureCause::Panic(message))
    }

    /// The event the handler was given.
    #[must_use]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Why it failed.
    #[must_use]
    #[doc(alias = "cause")]
    pub fn failure_cause(&self) -> &FailureCause {
        &self.cause
    }

    /// True if the handler panicked.
    #[must_use]
    pub fn is_panic(&self) -> bool {
        matches!(self.cause, FailureCause::Panic(_))
    }
}

impl fmt::Display for HandlerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            FailureCause::Error(e) => write!(f, "handler failed on {}: {e}", self.event),
            FailureCause::Panic(m) => write!(f, "handler panicked on {}: {m}", self.event),
        }
    }
}

impl std::error::Error for HandlerFailure {
    /// The handler's own error; `None` for a panic.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            FailureCause::Error(e) => Some(&**e),
            FailureCause::Panic(_) => None,
        }
    }
}

/// The error callback's type.
pub(crate) type Reporter = Arc<dyn Fn(&HandlerFailure) + Send + Sync>;

/// What the notifier does with a failure.
#[derive(Clone)]
pub(crate) struct FailurePolicy {
    pub report: Reporter,
    pub stop: bool,
}

impl Default for FailurePolicy {
    /// Log each failure once (`log::error!`, target `greenwatch`) and go on.
    fn default() -> FailurePolicy {
        FailurePolicy { report: Arc::new(|f: &HandlerFailure| log::error!(target: "greenwatch", "{f}")), stop: false }
    }
}

impl fmt::Debug for FailurePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FailurePolicy").field("stop", &self.stop).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;

    #[test]
    fn panics_keep_their_message() {
        let ev = Event::new(1, Mask::IN_CREATE, "/w", "a");
        let f = HandlerFailure::from_panic(ev.clone(), &"boom");
        assert!(f.is_panic());
        assert!(f.to_string().starts_with("handler panicked on <Event"));
        assert!(f.to_string().ends_with(": boom"));
        let f = HandlerFailure::from_panic(ev, &String::from("bang"));
        assert!(matches!(f.failure_cause(), FailureCause::Panic(m) if m == "bang"));
    }
}
