//! `WatchManager`: the user's handle on one inotify
//! instance, holding its fd and the bookkeeping behind one lock; adding,
//! updating and removing watches, and the public face of overflow recovery.
//!
//! Uses `types`, `kernel`, `handlers`, `bookkeeping`. Used by the pipeline and
//! the front-ends.

pub(crate) mod add_results;
pub(crate) mod add_watch;
pub(crate) mod change_watch;
pub(crate) mod paths;
pub(crate) mod recovery;
pub(crate) mod watch;
pub(crate) mod watch_manager;
