//! [`Shared`]: the state a running async notifier (or stream) shares with its
//! watch tasks and its [`NotifierHandle`](crate::NotifierHandle)s — the watch
//! manager, the stop, the counters, the settle requests waiting for their
//! marker, the failure policy — and [`StopOnDrop`], what a notifier dropped
//! mid-run leaves behind.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_channel::Sender;

use crate::green::async_stop::AsyncStopHandle;
use crate::handlers::handler_failure::{FailurePolicy, HandlerFailure};
use crate::types::error::{Error, ErrorKind};
use crate::types::event::Wd;
use crate::watches::watch_manager::WatchManager;

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub lanes: AtomicUsize,
    pub lanes_high_water: AtomicUsize,
    pub high_water: AtomicUsize,
    pub delivered: AtomicU64,
    pub failures: AtomicU64,
    pub overflows: AtomicU64,
}

/// State shared by a notifier (or stream), its watch tasks and its handles.
pub(crate) struct Shared {
    pub wm: WatchManager,
    pub stop: AsyncStopHandle,
    pub counters: Counters,
    /// Settle requests waiting for their marker event, by the marker's wd.
    pub settles: Mutex<HashMap<Wd, SettleWaiter>>,
    /// Settle markers currently watched (they are in the watch table, but are no one's watch).
    pub markers: AtomicUsize,
    pub policy: Mutex<FailurePolicy>,
    /// The failure that stopped the notifier, when it was set to stop on one.
    pub fatal: Mutex<Option<String>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn new(wm: WatchManager) -> Arc<Shared> {
        Arc::new(Shared {
            wm,
            stop: AsyncStopHandle::new(),
            counters: Counters::default(),
            settles: Mutex::new(HashMap::new()),
            markers: AtomicUsize::new(0),
            policy: Mutex::new(FailurePolicy::default()),
            fatal: Mutex::new(None),
        })
    }

    /// Counts and reports a failed handler call; stops the notifier if so configured.
    pub(crate) fn report(&self, failure: &HandlerFailure) {
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
        let policy = lock(&self.policy).clone();
        (policy.report)(failure);
        if policy.stop {
            lock(&self.fatal).get_or_insert_with(|| failure.to_string());
            self.stop.stop();
        }
    }

    /// The error `run` returns when a failure stopped it.
    pub(crate) fn fatal_error(&self) -> Option<Error> {
        lock(&self.fatal).clone().map(|m| Error::new(ErrorKind::Stopped, m))
    }

    /// Fails every waiting settle (the notifier stopped).
    pub(crate) fn cancel_settles(&self) {
        lock(&self.settles).clear();
    }

    pub(crate) fn note_queue_len(&self, len: usize) {
        self.counters.high_water.fetch_max(len, Ordering::Relaxed);
    }
}

/// A settle request waiting for its marker's event. Dropping `done` (once every
/// watch task has passed the marker) resolves the request.
#[derive(Debug)]
pub(crate) struct SettleWaiter {
    pub path: PathBuf,
    pub done: Sender<()>,
}

/// Dropping it stops `Shared`'s handle (waking every `stopped()` waiter) and
/// fails its pending settles: what a notifier dropped mid-run leaves behind.
pub(crate) struct StopOnDrop(pub Option<Arc<Shared>>);

impl StopOnDrop {
    /// Hands the duty over (to a stream, which does the same on drop).
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.stop.stop();
            shared.cancel_settles();
        }
    }
}
