//! A lane's outbox and the events held back while its queue is full: the
//! bounds of the module docs, on the router's side.

use super::Router;
use super::lane::Spawn;
use crate::bookkeeping::Routed;
use crate::green::spawner::Spawner;
use crate::types::event::Wd;
use crate::types::mask::Mask;

impl<S: Spawner> Router<S> {
    /// Puts `routed` in its lane's outbox (sent, and the lane's task started if
    /// need be, at the next flush).
    pub(super) fn enqueue(&mut self, wd: Wd, routed: Routed) {
        let last = routed.event.mask().contains(Mask::IN_IGNORED);
        let lane = self.lanes.entry(wd).or_default();
        if lane.outbox.is_empty() {
            self.dirty.push(wd);
        }
        lane.outbox.push(routed);
        if last {
            self.retire(wd, false); // the task ends after this event
        }
    }

    /// Keeps `routed` back: its lane is full. The other watches' events go on.
    pub(super) fn hold(&mut self, wd: Wd, routed: Routed) {
        let lane = self.lanes.get_mut(&wd).expect("a full lane exists");
        if lane.held.is_empty() {
            self.held.push(wd);
        }
        lane.held.push_back(routed);
    }

    /// Moves held events into their lanes' outboxes as far as there is room;
    /// true if some are still held.
    pub(super) fn release_held(&mut self) -> bool {
        let mut i = 0;
        while let Some(&wd) = self.held.get(i) {
            while let Some(lane) = self.lanes.get_mut(&wd) {
                if lane.held.is_empty() || !lane.has_room(self.bound) {
                    break;
                }
                let routed = lane.held.pop_front().expect("not empty");
                self.enqueue(wd, routed);
            }
            if self.lanes.get(&wd).is_some_and(|lane| !lane.held.is_empty()) {
                i += 1;
            } else {
                self.held.swap_remove(i);
            }
        }
        !self.held.is_empty()
    }

    /// Sends every outbox.
    pub(super) fn flush(&mut self) {
        for wd in self.dirty.drain(..) {
            if let Some(lane) = self.lanes.get_mut(&wd) {
                lane.send_outbox(&how!(self));
            }
        }
    }
}
