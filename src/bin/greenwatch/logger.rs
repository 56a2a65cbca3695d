//! The CLI's logger for the library's `log` records: one `greenwatch: …` line
//! each on standard error, warnings and errors always, `info` and `debug`
//! with `-v` (where `debug` would repeat what the CLI prints itself, only up to
//! `info`).
//! pyinotify counterpart: `pyinotify.log`'s stream handler.

use std::io::Write;

use log::{LevelFilter, Log, Metadata, Record};

/// Writes records to standard error (see the module docs).
#[derive(Debug)]
struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let _ = writeln!(std::io::stderr().lock(), "{}", line(record));
        }
    }

    fn flush(&self) {}
}

/// `greenwatch: message`, with the level for warnings and errors.
fn line(record: &Record<'_>) -> String {
    match record.level() {
        log::Level::Error => format!("greenwatch: error: {}", record.args()),
        log::Level::Warn => format!("greenwatch: warning: {}", record.args()),
        _ => format!("greenwatch: {}", record.args()),
    }
}

/// Installs the logger: warnings and errors, plus `info` when `verbose`.
pub fn install(verbose: bool) {
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(if verbose { LevelFilter::Info } else { LevelFilter::Warn });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_program_and_the_level_of_problems() {
        let args = format_args!("4 failures dropped");
        let record = Record::builder().args(args).level(log::Level::Warn).build();
        assert_eq!(line(&record), "greenwatch: warning: 4 failures dropped");
        let args = format_args!("watching");
        let record = Record::builder().args(args).level(log::Level::Info).build();
        assert_eq!(line(&record), "greenwatch: watching");
    }
}
