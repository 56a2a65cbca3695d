//! The words every layer speaks: `Mask`, `Event` and
//! its `Wd`, the inline entry name, `Error`, and the
//! kernel's limits that errors quote.
//!
//! Uses nothing else in the crate (`limits` reads `/proc/sys/fs/inotify` to word
//! a limit error). Used by every other layer.

pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod event_kind;
pub mod limits;
pub(crate) mod mask;
pub(crate) mod mask_names;
pub(crate) mod mask_ops;
pub(crate) mod name;
