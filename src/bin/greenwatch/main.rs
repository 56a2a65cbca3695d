//! `greenwatch`: watch paths and report their events (`python -m pyinotify`, done right).
//!
//! Run `greenwatch --help` for the manual. The binary uses only the crate's public API.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod args;
mod clock;
mod command;
mod deadline;
mod fail;
mod handler;
mod logger;
mod output;
mod pair;
mod pipe;
mod run;
mod settings;
mod signals;
mod template;
mod watch;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    logger::install(args.verbose);
    match run::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => fail.report(),
    }
}
