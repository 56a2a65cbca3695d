//! The blocking front-end: `Notifier` (waiting in `ppoll(2)`),
//! `ThreadedNotifier` and their stop handle.
//!
//! Uses the layers below (`pipeline` to read, `handlers` to dispatch). Used by
//! users only.

pub(crate) mod notifier;
pub(crate) mod stop_handle;
pub(crate) mod threaded;
