//! What the notifiers dispatch to: the `ProcessEvent` and
//! `AsyncProcessEvent` traits (generated from one
//! table of methods), the stock handlers, and the policy for a failing handler.
//!
//! Uses `types`. Used by the watch table (each watch holds its handler), the
//! pipeline and both front-ends.

#[cfg(feature = "async")]
pub(crate) mod async_process_event;
pub(crate) mod event_methods;
pub(crate) mod handler_failure;
pub(crate) mod process_event;
