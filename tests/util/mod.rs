//! Helpers shared by the test binaries (each binary declares this module once).
//! Every wait in them has a deadline.

#![allow(dead_code, unused_imports)]

pub mod async_common;
pub mod cli_util;
pub mod common;
pub mod example_util;
