//! What the notifiers dispatch to: the `ProcessEvent` and
//! `AsyncProcessEvent` traits (generated from one table of methods in
//! `event_methods`), the stock handlers (`chain`, `print_all`, `stats`), the
//! `SharedHandler` a watch holds (with `dyn_handler`, an async handler's
//! object-safe form), and the policy for a failing handler.
//!
//! Uses `types`. Used by the watch table (each watch holds its handler), the
//! pipeline and both front-ends.

#[cfg(feature = "async")]
pub(crate) mod async_process_event;
pub(crate) mod chain;
#[cfg(feature = "async")]
pub(crate) mod dyn_handler;
pub(crate) mod event_methods;
#[cfg(test)]
pub(crate) mod family_tests;
pub(crate) mod handler_failure;
pub(crate) mod print_all;
pub(crate) mod process_event;
pub(crate) mod shared_handler;
pub(crate) mod stats;
