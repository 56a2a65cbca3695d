//! Handler calls the router makes itself for an idle lane (the inline calls
//! of the module docs).

use std::task::Context;

use super::Router;
use super::calls::{call_blocking, conclude, poll_call, route};
use super::lane::{Item, Spawn};
use crate::bookkeeping::Routed;
use crate::green::spawner::Spawner;
use crate::types::event::Wd;
use crate::types::mask::Mask;

impl<S: Spawner> Router<S> {
    /// Handles an event of an idle lane here: a blocking handler is called, an
    /// async one polled once; a call that has to wait goes on in the lane's task.
    pub(super) fn call_inline(&mut self, wd: Wd, routed: Routed, cx: &mut Context<'_>) {
        let Routed { event, handler } = routed;
        let last = event.mask().contains(Mask::IN_IGNORED);
        // An async handler takes the event: what a failure report needs is kept.
        let polled = match handler {
            None => {
                // A handler that never waits is called with the event it leaves us.
                if let Some(outcome) = self.default_calls.call_now(&event) {
                    conclude(&self.shared, outcome, || event);
                    return self.end_inline(wd, last, false);
                }
                self.kept.keep(&event);
                self.default_calls.call(event, cx)
            }
            Some(handler) => match route(&handler) {
                Some(h) => {
                    self.kept.keep(&event);
                    poll_call(h.clone().dispatch_owned(event), cx)
                }
                None => {
                    conclude(&self.shared, call_blocking(&handler, &event), || event);
                    return self.end_inline(wd, last, false);
                }
            },
        };
        let went_on = match polled {
            Ok(outcome) => {
                conclude(&self.shared, outcome, || self.kept.event());
                false
            }
            Err(call) => {
                let lane = self.lanes.entry(wd).or_default();
                lane.send(Item::Call(call, self.kept.event()), 1, &how!(self));
                true
            }
        };
        self.end_inline(wd, last, went_on);
    }

    /// After a call made here: the lane ends with its watch's `IN_IGNORED`
    /// (its task after the call, if the call `went_on` in it).
    pub(super) fn end_inline(&mut self, wd: Wd, last: bool, went_on: bool) {
        if last {
            self.retire(wd, !went_on);
        }
    }
}
