//! The green front-end on smol: `AsyncNotifier` and
//! `EventStream` await the inotify fd on the async-io
//! reactor; per-watch lanes run handlers as green tasks; settle, stop, the
//! spawner and the shared handle.
//!
//! Uses the layers below (`pipeline` to read, `handlers` to dispatch). Used by
//! users only.

#[cfg(feature = "async")]
pub(crate) mod async_notifier;
#[cfg(feature = "async")]
pub(crate) mod async_source;
#[cfg(feature = "async")]
pub(crate) mod async_stop;
#[cfg(feature = "async")]
pub(crate) mod budget;
#[cfg(feature = "async")]
pub(crate) mod drive;
#[cfg(feature = "async")]
pub(crate) mod lanes;
#[cfg(feature = "async")]
pub(crate) mod local_notifier;
#[cfg(feature = "async")]
pub(crate) mod moves_stream;
#[cfg(feature = "async")]
pub(crate) mod notifier_handle;
#[cfg(feature = "async")]
pub(crate) mod settle;
#[cfg(feature = "async")]
pub(crate) mod shared;
#[cfg(feature = "signal")]
pub(crate) mod signal;
#[cfg(feature = "async")]
pub(crate) mod spawner;
#[cfg(feature = "async")]
pub(crate) mod stream;
