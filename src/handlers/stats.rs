//! [`Stats`]: the stock handler that counts events per name, with pyinotify's
//! `repr`, bar chart and dump.
//!
//! pyinotify counterpart: `Stats`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;

/// Counts events per name (pyinotify's `Stats`): `IN_CREATE|IN_ISDIR` counts
/// once for `IN_CREATE` and once for `IN_ISDIR`.
///
/// Clones share their counts, so keep one clone to read while the notifier owns another.
/// [`Stats::repr`] is pyinotify's `repr`, `Display` its bar chart (`str`).
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask, ProcessEvent, Stats};
///
/// let stats = Stats::new();
/// let mut handler = stats.clone();
/// let _ = handler.handle(&Event::new(1, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", "d"));
/// let _ = handler.handle(&Event::new(1, Mask::IN_CREATE, "/w", "f"));
/// assert_eq!(stats.count("IN_CREATE"), 2);
/// assert_eq!(stats.count("IN_ISDIR"), 1);
/// assert!(stats.repr().ends_with("IN_CREATE=2 IN_ISDIR=1 >"));
/// ```
#[derive(Clone)]
pub struct Stats {
    inner: Arc<Mutex<StatsInner>>,
}

struct StatsInner {
    start: Instant,
    counts: BTreeMap<String, u64>,
}

impl Stats {
    /// Empty counts; the elapsed time starts now.
    #[must_use]
    pub fn new() -> Stats {
        let inner = StatsInner { start: Instant::now(), counts: BTreeMap::new() };
        Stats { inner: Arc::new(Mutex::new(inner)) }
    }

    fn lock(&self) -> MutexGuard<'_, StatsInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The count for one name, e.g. `IN_CREATE` or `IN_ISDIR`.
    #[must_use]
    pub fn count(&self, name: &str) -> u64 {
        self.lock().counts.get(name).copied().unwrap_or(0)
    }

    /// Every name and count, sorted by name.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.lock().counts.clone()
    }

    /// Writes the bar chart (`Display`) to a new file, created with mode 0600; the
    /// file must not exist yet and is not followed if it is a symlink.
    ///
    /// # Errors
    ///
    /// The I/O error of creating or writing the file, passed through.
    pub fn dump(&self, path: impl AsRef<std::path::Path>) -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?;
        file.write_all(self.to_string().as_bytes())
    }
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new()
    }
}

impl ProcessEvent for Stats {
    fn process_default(&mut self, event: &Event) -> Flow {
        let name = event.maskname();
        let mut inner = self.lock();
        for part in name.split('|') {
            *inner.counts.entry(part.to_owned()).or_insert(0) += 1;
        }
        Flow::Continue
    }
}

/// pyinotify's elapsed-time form: `Nsec`, `MmnSsec`, `HhMmn`, `DdHh`.
fn elapsed_text(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}sec"),
        60..3600 => format!("{}mn{}sec", secs / 60, secs % 60),
        3600..86400 => format!("{}h{}mn", secs / 3600, (secs % 3600) / 60),
        _ => format!("{}d{}h", secs / 86400, (secs % 86400) / 3600),
    }
}

impl Stats {
    /// pyinotify's `repr`: `<Stats ElapsedTime=0sec IN_CREATE=2 … >`, names
    /// sorted, the elapsed time in pyinotify's units.
    ///
    /// ```
    /// assert_eq!(greenwatch::Stats::new().repr(), "<Stats ElapsedTime=0sec >");
    /// ```
    #[must_use]
    #[doc(alias = "__repr__")]
    pub fn repr(&self) -> String {
        use fmt::Write as _;
        let inner = self.lock();
        let mut all = inner.counts.iter().map(|(k, v)| (k.clone(), v.to_string())).collect::<BTreeMap<_, _>>();
        all.insert("ElapsedTime".into(), elapsed_text(inner.start.elapsed().as_secs()));
        let mut out = String::from("<Stats");
        for (name, value) in &all {
            let _ = write!(out, " {name}={value}");
        }
        out.push_str(" >");
        out
    }
}

impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("Stats").field("elapsed", &inner.start.elapsed()).field("counts", &inner.counts).finish()
    }
}

impl fmt::Display for Stats {
    /// pyinotify's `str`: one line per name, padded to 26 columns, a bar of `@`
    /// scaled so the largest count is 45 wide, then the count. Empty when nothing was counted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SCALE: u64 = 45;
        let counts = self.counts();
        let max = counts.values().copied().max().unwrap_or(0).max(1);
        let mut first = true;
        for (name, count) in &counts {
            if !first {
                f.write_str("\n")?;
            }
            first = false;
            let bar = "@".repeat(((count * SCALE) / max).max(1) as usize);
            write!(f, "{name:<26}{bar} {count}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;

    fn run(h: &mut impl ProcessEvent, mask: Mask) {
        let _ = h.handle(&Event::new(1, mask, "/w", "x"));
    }

    #[test]
    fn stats_counts_each_part_and_prints_like_pyinotify() {
        let stats = Stats::new();
        let mut h = stats.clone();
        run(&mut h, Mask::IN_CREATE | Mask::IN_ISDIR);
        run(&mut h, Mask::IN_CREATE);
        run(&mut h, Mask::IN_DELETE);
        assert_eq!(stats.count("IN_CREATE"), 2);
        assert_eq!(stats.repr(), "<Stats ElapsedTime=0sec IN_CREATE=2 IN_DELETE=1 IN_ISDIR=1 >");
        let text = stats.to_string();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], format!("{:<26}{} 2", "IN_CREATE", "@".repeat(45)));
        assert!(lines[1].starts_with("IN_DELETE                 @@@@@@@@@@@@@@@@@@@@@@ 1"));
        assert_eq!(Stats::new().to_string(), "");
    }

    #[test]
    fn elapsed_time_forms() {
        assert_eq!(elapsed_text(59), "59sec");
        assert_eq!(elapsed_text(61), "1mn1sec");
        assert_eq!(elapsed_text(3 * 3600 + 120), "3h2mn");
        assert_eq!(elapsed_text(2 * 86400 + 3600), "2d1h");
    }

    #[test]
    fn stats_dump_refuses_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats");
        let stats = Stats::new();
        run(&mut stats.clone(), Mask::IN_OPEN);
        stats.dump(&path).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("IN_OPEN"));
        assert!(stats.dump(&path).is_err());
    }
}
