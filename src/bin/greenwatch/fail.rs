//! Why a run ends early, and the exit status each reason maps to.

use std::fmt;
use std::process::ExitCode;

/// A reason to end the run with a non-zero status.
#[derive(Debug)]
pub enum Fail {
    /// The command line is wrong (status 2): an option value, an event name, a pattern.
    Usage(String),
    /// The run failed (status 1): no path could be watched, an I/O error.
    Runtime(String),
    /// A runtime failure whose messages are already on stderr (status 1).
    Reported,
    /// `--timeout` ended a run still waiting for `--count`/`--oneshot` (status 3, quietly).
    TimedOut,
}

/// The exit status of [`Fail::TimedOut`] (inotifywait uses 2, taken here by usage errors).
pub const TIMED_OUT: u8 = 3;

impl Fail {
    /// A usage error with this message.
    pub fn usage(message: impl fmt::Display) -> Fail {
        Fail::Usage(message.to_string())
    }

    /// A runtime failure with this message.
    pub fn runtime(message: impl fmt::Display) -> Fail {
        Fail::Runtime(message.to_string())
    }

    /// Prints the message on stderr and returns the exit status.
    pub fn report(self) -> ExitCode {
        match self {
            Fail::Usage(message) => {
                eprintln!("greenwatch: error: {message}");
                eprintln!("Try 'greenwatch --help' for more information.");
                ExitCode::from(2)
            }
            Fail::Runtime(message) => {
                eprintln!("greenwatch: {message}");
                ExitCode::from(1)
            }
            Fail::Reported => ExitCode::from(1),
            Fail::TimedOut => ExitCode::from(TIMED_OUT),
        }
    }
}

impl From<greenwatch::Error> for Fail {
    /// Invalid masks and patterns are usage errors; everything else is a runtime failure.
    fn from(err: greenwatch::Error) -> Fail {
        match err.kind() {
            greenwatch::ErrorKind::InvalidMask | greenwatch::ErrorKind::InvalidPattern => Fail::usage(err),
            _ => Fail::runtime(err),
        }
    }
}

impl From<std::io::Error> for Fail {
    fn from(err: std::io::Error) -> Fail {
        Fail::runtime(err)
    }
}
