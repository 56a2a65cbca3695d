//! How lanes end: a watch gone, a task that ran out of work, the notifier's
//! shutdown (with or without draining).

use super::Router;
use super::lane::{Lane, Spawn};
use crate::green::spawner::Spawner;
use crate::types::event::Wd;

impl<S: Spawner> Router<S> {
    /// The watch is gone: its lane ends once its task has delivered what it
    /// holds (told so with `end`, unless its last event is the watch's `IN_IGNORED`).
    pub(super) fn retire(&mut self, wd: Wd, end: bool) {
        let Some(mut lane) = self.lanes.remove(&wd) else { return };
        lane.send_outbox(&how!(self));
        if end {
            lane.end();
        }
        if lane.is_running() {
            self.closing.push(lane);
        }
    }

    /// Forgets the lanes whose task has ended (a lane's task ends once it has
    /// nothing to do, whether its watch is still there or was removed) and
    /// that hold nothing.
    pub(crate) fn prune(&mut self) {
        self.closing.retain(Lane::is_running);
        self.lanes.retain(|_, lane| lane.is_running() || !lane.is_idle());
    }

    /// Ends every task: with `drain`, after each has delivered what it holds;
    /// otherwise at once (a handler call in progress is dropped at its next
    /// `.await`). Returns once no task runs, on any thread: a task in the middle
    /// of a poll on another thread is waited for until that poll ends.
    pub(crate) async fn shutdown(&mut self, drain: bool) {
        self.flush();
        let lanes = self.lanes.drain().map(|(_, lane)| lane).chain(self.closing.drain(..));
        let tasks: Vec<_> = lanes.filter_map(|mut lane| lane.take_task()).collect();
        if drain {
            for (tx, _) in &tasks {
                tx.close();
            }
        }
        for (_, task) in tasks {
            if drain {
                task.await;
            } else {
                task.cancel().await;
            }
        }
    }
}
