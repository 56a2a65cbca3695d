//! Text forms of events shared by the CLI and users (JSON lines, pyinotify's
//! line) and, with feature `serde`, their serde forms.
//!
//! Uses `types`. Used by users and the `greenwatch` binary.

pub mod format;
mod json;
mod json_writer;
#[cfg(feature = "serde")]
pub(crate) mod serde_impls;
