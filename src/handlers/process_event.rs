//! The [`ProcessEvent`] trait: pyinotify's method-per-event dispatch with its
//! family fallbacks, and [`Flow`], what a handler asks of the loop. Closures
//! are handlers too.
//!
//! pyinotify counterpart: `_ProcessEvent`, `ProcessEvent`.

use crate::handlers::event_methods::event_methods;
use crate::types::event::Event;
use crate::types::mask::Mask;

/// What a handler asks of the loop after an event.
///
/// ```
/// use greenwatch::{Event, Flow, Mask, ProcessEvent};
///
/// struct StopOnDelete;
/// impl ProcessEvent for StopOnDelete {
///     fn process_in_delete(&mut self, _: &Event) -> Flow {
///         Flow::Stop // the notifier's run() returns
///     }
/// }
/// let mut h = StopOnDelete;
/// assert_eq!(h.handle(&Event::new(1, Mask::IN_DELETE, "/w", "a")), Flow::Stop);
/// assert_eq!(h.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a")), Flow::Continue);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub enum Flow {
    /// Go on (pyinotify's `None`).
    #[default]
    Continue,
    /// In a chain: do not pass this event to the next handler (pyinotify's truthy
    /// return from a `pevent`). Elsewhere the same as `Continue`.
    Break,
    /// Stop the notifier's loop once this event is handled. Events not yet
    /// dispatched stay queued for the next `process_events`.
    Stop,
}

impl From<()> for Flow {
    fn from((): ()) -> Flow {
        Flow::Continue
    }
}

impl From<bool> for Flow {
    /// pyinotify's chaining convention: `true` stops the chain ([`Flow::Break`]).
    fn from(stop_chain: bool) -> Flow {
        if stop_chain { Flow::Break } else { Flow::Continue }
    }
}

/// The trait's per-event methods, from the table of `event_methods.rs`.
macro_rules! sync_methods {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {$(
        $(#[$doc])*
        fn $name(&mut self, event: &Event) -> Flow {
            self.$fallback(event)
        }
    )*};
}

/// [`dispatch`], from the same table.
macro_rules! sync_dispatch {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {
        /// Calls the method of `handler` that matches `event`'s mask (`IN_ISDIR` ignored).
        pub fn dispatch<H: ProcessEvent + ?Sized>(handler: &mut H, event: &Event) -> Flow {
            match event.mask() - Mask::IN_ISDIR {
                $($(Mask::$mask => handler.$name(event),)?)*
                _ => handler.process_default(event),
            }
        }
    };
}

/// An event handler with one method per event kind, dispatched as pyinotify does.
///
/// [`ProcessEvent::handle`] picks the method for the event's mask (`IN_ISDIR`
/// ignored): `IN_CREATE` → `process_in_create`, and so on. Every method's
/// default falls back to its *family* method, then to
/// [`ProcessEvent::process_default`], exactly like pyinotify's lookup of
/// `process_IN_<second word>`:
///
/// | method | falls back to |
/// |---|---|
/// | `process_in_close_write`, `process_in_close_nowrite` | `process_in_close` |
/// | `process_in_moved_from`, `process_in_moved_to` | `process_in_moved` |
/// | `process_in_move_self` | `process_in_move` |
/// | `process_in_delete_self` | `process_in_delete` (a pyinotify quirk kept on purpose) |
/// | `process_in_q_overflow` | `process_in_q` |
/// | every other, and each family method | `process_default` |
///
/// Unlike pyinotify, whose stock `process_IN_Q_OVERFLOW` only logs,
/// `process_in_q_overflow` reaches `process_default` by default, so no handler
/// misses an overflow.
///
/// Closures `FnMut(&Event) -> R` (with `R` = `()`, `bool` or [`Flow`]) are handlers too.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Flow, Mask, ProcessEvent};
///
/// #[derive(Default)]
/// struct Log(Vec<String>);
/// impl ProcessEvent for Log {
///     fn process_in_close(&mut self, e: &Event) -> Flow {
///         self.0.push(format!("closed {}", e.pathname().display()));
///         Flow::Continue
///     }
///     fn process_default(&mut self, e: &Event) -> Flow {
///         self.0.push(e.maskname().into_owned());
///         Flow::Continue
///     }
/// }
///
/// let mut log = Log::default();
/// let _ = log.handle(&Event::new(1, Mask::IN_CLOSE_WRITE, "/w", "a"));
/// let _ = log.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a"));
/// assert_eq!(log.0, ["closed /w/a", "IN_CREATE"]);
/// ```
pub trait ProcessEvent {
    /// Dispatches `event` to the method for its mask (pyinotify's `__call__`).
    fn handle(&mut self, event: &Event) -> Flow {
        dispatch(self, event)
    }

    /// Called for events no more specific method handles. Does nothing by default.
    fn process_default(&mut self, event: &Event) -> Flow {
        let _ = event;
        Flow::Continue
    }

    event_methods!(sync_methods);
}

event_methods!(sync_dispatch);

impl<F, R> ProcessEvent for F
where
    F: FnMut(&Event) -> R,
    R: Into<Flow>,
{
    fn process_default(&mut self, event: &Event) -> Flow {
        self(event).into()
    }
}

impl ProcessEvent for Box<dyn ProcessEvent + Send> {
    fn handle(&mut self, event: &Event) -> Flow {
        (**self).handle(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_reaches_process_default_by_default() {
        let mut seen = Vec::new();
        let mut h = |e: &Event| seen.push(e.mask());
        let _ = h.handle(&Event::overflow());
        assert_eq!(seen, [Mask::IN_Q_OVERFLOW]);
    }
}
