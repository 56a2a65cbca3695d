//! The public face of overflow recovery and of the watch limit's degraded mode:
//! methods of [`WatchManager`] (the rules live in `bookkeeping/recovery.rs`).
//!
//! pyinotify counterpart: none (pyinotify only logs an overflow).

use std::path::PathBuf;

#[allow(unused_imports)] // for the docs' links
use crate::types::error::ErrorKind;
use crate::types::error::Result;
#[allow(unused_imports)] // for the docs' links
use crate::types::mask::Mask;
use crate::watches::watch_manager::WatchManager;

/// Overflow recovery and the watch limit's degraded mode (see the crate docs,
/// "Overflow and recovery").
impl WatchManager {
    /// Turns overflow recovery on or off for the watches added afterwards (off
    /// by default; call it before [`WatchManager::add_watch`]). With recovery,
    /// each watched directory keeps a compact record of its entries, and after
    /// `IN_Q_OVERFLOW` the notifier rescans the trees and delivers what changed
    /// as events marked [`recovered`](crate::Event::is_recovered), between the
    /// notices [`Mask::GW_RESYNC_START`] and [`Mask::GW_RESYNC_END`].
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.set_recovery(true);
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).auto_add(true).apply()?;
    /// std::fs::write(dir.path().join("missed"), b"")?;
    /// // What a resync after an overflow would report:
    /// let events = wm.resync();
    /// assert_eq!(events.first().unwrap().mask(), Mask::GW_RESYNC_START);
    /// assert!(events.iter().any(|e| e.is_recovered() && e.name() == "missed"));
    /// assert_eq!(events.last().unwrap().mask(), Mask::GW_RESYNC_END);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_recovery(&self, on: bool) {
        self.lock().recovery = on;
    }

    /// See [`WatchManager::set_recovery`].
    #[must_use]
    pub fn recovery(&self) -> bool {
        self.lock().recovery
    }

    /// Rescans every directory watched with recovery now, as after an overflow,
    /// and returns the events (notices first and last) instead of dispatching
    /// them: for a caller that drives the manager itself or met an overflow of
    /// its own queues. A notifier does this by itself on `IN_Q_OVERFLOW`.
    /// Directories left unwatched by the watch limit are retried too.
    ///
    /// # Examples
    ///
    /// See [`WatchManager::set_recovery`].
    #[must_use]
    pub fn resync(&self) -> Vec<crate::types::event::Event> {
        let mut out = Vec::new();
        self.lock().resync(&mut out);
        out.into_iter().map(|r| r.event).collect()
    }

    /// The directories a recursive walk or auto_add could not watch because the
    /// watch limit (`fs.inotify.max_user_watches`) was reached, parents first.
    ///
    /// # Examples
    ///
    /// ```
    /// let wm = greenwatch::WatchManager::new()?;
    /// assert!(wm.unwatched().is_empty());
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    #[must_use]
    pub fn unwatched(&self) -> Vec<PathBuf> {
        self.lock().unwatched.keys().cloned().collect()
    }

    /// Watches the directories [`WatchManager::unwatched`] lists (after watches
    /// were freed or the limit raised); returns how many were added. Those gone
    /// meanwhile are dropped from the list. A resync does this too.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::WatchLimit`] when the limit is met again; the directories
    /// watched before it stay watched, the rest stays listed.
    ///
    /// # Examples
    ///
    /// ```
    /// let wm = greenwatch::WatchManager::new()?;
    /// assert_eq!(wm.retry_unwatched()?, 0);
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn retry_unwatched(&self) -> Result<usize> {
        self.lock().retry_unwatched()
    }

    /// The heap bytes the recovery records hold (an estimate: table slots and names).
    ///
    /// # Examples
    ///
    /// ```
    /// let wm = greenwatch::WatchManager::new()?;
    /// assert_eq!(wm.recovery_bytes(), 0);
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    #[must_use]
    pub fn recovery_bytes(&self) -> usize {
        self.lock().record_bytes()
    }
}
