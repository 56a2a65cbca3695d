//! What the notifiers dispatch to: the `ProcessEvent` and
//! `AsyncProcessEvent` traits (generated from one
//! table of methods), the stock handlers, and the policy for a failing handler.
//!
//! Uses `types`. Used by the watch table (each watch holds its handler), the
//! pipeline and both front-ends.

#[cfg(feature = "async")]
pub(crate) mod async_process_event;
#[cfg(feature = "async")]
pub(crate) mod dyn_handler;
pub(crate) mod event_methods;
#[cfg(test)]
pub(crate) mod family_tests;
pub(crate) mod handler_failure;
pub(crate) mod process_event;
pub(crate) mod shared_handler;
