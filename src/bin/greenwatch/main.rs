//! `greenwatch`: watch paths and report their events (`python -m pyinotify`, done right).
//!
//! Run `greenwatch --help` for the manual. The binary uses only the crate's public API.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod args;
mod burst;
mod clock;
mod command;
mod deadline;
mod event_names;
mod fail;
mod handler;
mod logger;
mod manual;
mod output;
mod pair;
mod pipe;
mod progress;
mod run;
mod settings;
mod signals;
mod template;
mod watch;
mod writer;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    logger::install(args.verbose);
    let result = match (args.completions, args.man) {
        (Some(shell), _) => manual::completions(shell),
        (None, true) => manual::man_page(),
        (None, false) => run::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => fail.report(),
    }
}
