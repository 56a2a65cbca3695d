//! Settle barriers: a marker's waiter, or the router's own wait for every
//! lane to be idle, passed behind what each busy lane holds.

use std::sync::Arc;

use async_channel::{self as channel, Sender};
use futures_lite::future;

use super::Router;
use crate::green::async_stop::AsyncStopHandle;
use crate::green::shared::lock;
use crate::green::spawner::Spawner;
use crate::types::event::Wd;

impl<S: Spawner> Router<S> {
    /// A settle marker's event: every busy lane gets a barrier for its waiter.
    pub(super) fn on_marker(&mut self, wd: Wd) {
        let Some(waiter) = lock(&self.shared.settles).remove(&wd) else { return };
        self.broadcast(&Arc::new(waiter.done));
    }

    /// Puts a clone of `token` behind what every busy lane holds (outboxes
    /// are sent first); an idle lane has nothing before it to pass. Barriers
    /// are not events: they do not count against the bound.
    pub(super) fn broadcast(&mut self, token: &Arc<Sender<()>>) {
        self.flush();
        for lane in self.lanes.values().chain(&self.closing).filter(|lane| !lane.is_idle()) {
            lane.barrier(token);
        }
    }

    /// Waits until every lane has dealt with everything routed so far (at
    /// once, with no barrier made, if every lane is idle already: the usual
    /// case when the handlers' calls completed where the router made them).
    pub(crate) async fn wait_idle(&mut self, stop: Option<&AsyncStopHandle>) -> bool {
        self.flush();
        if self.lanes.values().chain(&self.closing).all(super::lane::Lane::is_idle) {
            return true;
        }
        let (tx, rx) = channel::bounded::<()>(1);
        self.broadcast(&Arc::new(tx));
        let idle = async { rx.recv().await.is_err() };
        match stop {
            None => idle.await,
            Some(stop) => {
                let stopped = async {
                    stop.stopped().await;
                    false
                };
                future::or(idle, stopped).await
            }
        }
    }
}
