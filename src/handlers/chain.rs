//! Chains of handlers: [`Chained`] passes an event to its second handler
//! unless the first one breaks the chain, and [`ChainIfTrue`] is the link that
//! breaks it when a predicate is false.
//!
//! pyinotify counterpart: `ProcessEvent(pevent=…)`, `ChainIfTrue`.

use std::fmt;

use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;

/// Two handlers in a chain: `pevent` sees each event first, and `handler` only
/// when `pevent` did not return [`Flow::Break`] (pyinotify's `ProcessEvent(pevent=…)`).
///
/// # Examples
///
/// ```
/// use greenwatch::{ChainIfTrue, Chained, Event, Mask, ProcessEvent};
///
/// let mut seen = Vec::new();
/// let mut chain = Chained::new(ChainIfTrue::new(|e: &Event| e.name() != "skip"), |e: &Event| {
///     seen.push(e.name().to_owned());
/// });
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "keep"));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "skip"));
/// drop(chain);
/// assert_eq!(seen, ["keep"]);
/// ```
#[derive(Debug, Clone)]
pub struct Chained<P, H> {
    pevent: P,
    handler: H,
}

impl<P: ProcessEvent, H: ProcessEvent> Chained<P, H> {
    /// `pevent` first, then `handler`.
    pub fn new(pevent: P, handler: H) -> Chained<P, H> {
        Chained { pevent, handler }
    }

    /// The nested handler (pyinotify's `nested_pevent()`).
    #[must_use]
    pub fn nested_pevent(&self) -> &P {
        &self.pevent
    }

    /// The nested handler, mutably.
    #[must_use]
    pub fn nested_pevent_mut(&mut self) -> &mut P {
        &mut self.pevent
    }

    /// The outer handler.
    #[must_use]
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The outer handler, mutably.
    #[must_use]
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<P: ProcessEvent, H: ProcessEvent> ProcessEvent for Chained<P, H> {
    fn handle(&mut self, event: &Event) -> Flow {
        match self.pevent.handle(event) {
            Flow::Break => Flow::Continue,
            Flow::Stop => Flow::Stop,
            Flow::Continue => self.handler.handle(event),
        }
    }
}

/// A chain link that lets an event through only when `func(event)` is true
/// (pyinotify's `ChainIfTrue`). Use it as the `pevent` of a [`Chained`].
///
/// ```
/// use greenwatch::{ChainIfTrue, Chained, Event, Mask, ProcessEvent};
///
/// let only_logs = ChainIfTrue::new(|ev: &Event| ev.name().to_string_lossy().ends_with(".log"));
/// let mut seen = Vec::new();
/// let mut chain = Chained::new(only_logs, |ev: &Event| seen.push(ev.name().to_owned()));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a.log"));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a.txt"));
/// drop(chain);
/// assert_eq!(seen, ["a.log"]);
/// ```
pub struct ChainIfTrue<F> {
    func: F,
}

impl<F: FnMut(&Event) -> bool> ChainIfTrue<F> {
    /// Passes on the events for which `func` returns true.
    pub fn new(func: F) -> ChainIfTrue<F> {
        ChainIfTrue { func }
    }
}

impl<F: FnMut(&Event) -> bool> ProcessEvent for ChainIfTrue<F> {
    fn handle(&mut self, event: &Event) -> Flow {
        Flow::from(!(self.func)(event))
    }
}

impl<F> fmt::Debug for ChainIfTrue<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainIfTrue")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;

    #[test]
    fn chain_stops_when_pevent_breaks() {
        let mut order = Vec::new();
        {
            let first = |e: &Event| e.name() == "skip-me";
            let second = |e: &Event| order.push(e.name().to_str().unwrap().to_owned());
            let mut chain = Chained::new(first, second);
            for name in ["keep", "skip-me", "keep2"] {
                let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", name));
            }
        }
        assert_eq!(order, ["keep", "keep2"]);
    }

    /// As in pyinotify, a filter that stops an inner chain hides the event from
    /// that chain's handler only: the inner chain then answers "go on" to the outer one.
    #[test]
    fn chains_nest() {
        let mut hits = 0;
        {
            let inner = Chained::new(
                ChainIfTrue::new(|e: &Event| e.name() != "a"),
                ChainIfTrue::new(|e: &Event| e.name() != "b"),
            );
            let mut chain = Chained::new(inner, |_: &Event| hits += 1);
            for name in ["a", "b", "c"] {
                let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", name));
            }
        }
        assert_eq!(hits, 2, "a passes (inner filter hid it from the inner handler only), b stops, c passes");
    }

    #[test]
    fn stop_propagates_through_a_chain() {
        let mut chain = Chained::new(|_: &Event| Flow::Stop, |_: &Event| -> Flow { panic!("not reached") });
        assert_eq!(chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a")), Flow::Stop);
    }
}
