//! The inotify limits in `/proc/sys/fs/inotify`, and messages that say how to raise them.
//!
//! pyinotify counterpart: `ProcINotify` (`max_queued_events`, `max_user_instances`, `max_user_watches`).

use std::fs;
use std::io;

const DIR: &str = "/proc/sys/fs/inotify";

/// Reads one inotify limit (`max_user_watches`, `max_user_instances`, `max_queued_events`).
///
/// # Errors
///
/// The I/O error of reading `/proc/sys/fs/inotify/<name>`, passed through, or
/// `InvalidData` if it does not hold a number.
///
/// # Examples
///
/// ```
/// let watches = greenwatch::limits::read("max_user_watches")?;
/// assert!(watches > 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read(name: &str) -> io::Result<u64> {
    let text = fs::read_to_string(format!("{DIR}/{name}"))?;
    text.trim().parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The number of inotify watches this process holds, summed over its inotify fds.
///
/// # Errors
///
/// The I/O error of reading `/proc/self/fdinfo`, passed through.
pub fn watches_in_this_process() -> io::Result<u64> {
    let mut count = 0;
    for entry in fs::read_dir("/proc/self/fdinfo")? {
        let Ok(text) = fs::read_to_string(entry?.path()) else { continue };
        count += text.lines().filter(|l| l.starts_with("inotify wd:")).count() as u64;
    }
    Ok(count)
}

pub(crate) fn watch_limit_message() -> String {
    let held = watches_in_this_process().map_or("?".into(), |n| n.to_string());
    match read("max_user_watches") {
        Ok(limit) => format!(
            "inotify watch limit reached (this process holds {held} watches; \
             fs.inotify.max_user_watches is {limit}); raise it with: sysctl fs.inotify.max_user_watches={}",
            (limit * 2).max(524_288)
        ),
        Err(_) => "inotify watch limit reached (fs.inotify.max_user_watches); raise it with: \
                   sysctl fs.inotify.max_user_watches=524288"
            .into(),
    }
}

pub(crate) fn instance_limit_message() -> String {
    match read("max_user_instances") {
        Ok(limit) => format!(
            "too many inotify instances or open files (fs.inotify.max_user_instances is {limit}); \
             close unused instances or raise it with: sysctl fs.inotify.max_user_instances={}",
            (limit * 2).max(1024)
        ),
        Err(_) => "too many inotify instances or open files (fs.inotify.max_user_instances)".into(),
    }
}
