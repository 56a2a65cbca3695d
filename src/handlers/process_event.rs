//! Handlers: the [`ProcessEvent`] trait with pyinotify's method-per-event dispatch,
//! chaining, and the stock handlers [`PrintAllEvents`], [`Stats`] and [`ChainIfTrue`].
//!
//! pyinotify counterpart: `_ProcessEvent`, `ProcessEvent`, `PrintAllEvents`, `Stats`, `ChainIfTrue`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::handlers::event_methods::event_methods;
use crate::types::event::Event;
use crate::types::mask::Mask;

/// What a handler asks of the loop after an event.
///
/// ```
/// use greenwatch::{Event, Flow, Mask, ProcessEvent};
///
/// struct StopOnDelete;
/// impl ProcessEvent for StopOnDelete {
///     fn process_in_delete(&mut self, _: &Event) -> Flow {
///         Flow::Stop // the notifier's run() returns
///     }
/// }
/// let mut h = StopOnDelete;
/// assert_eq!(h.handle(&Event::new(1, Mask::IN_DELETE, "/w", "a")), Flow::Stop);
/// assert_eq!(h.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a")), Flow::Continue);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[must_use]
pub enum Flow {
    /// Go on (pyinotify's `None`).
    #[default]
    Continue,
    /// In a chain: do not pass this event to the next handler (pyinotify's truthy
    /// return from a `pevent`). Elsewhere the same as `Continue`.
    Break,
    /// Stop the notifier's loop once this event is handled. Events not yet
    /// dispatched stay queued for the next `process_events`.
    Stop,
}

impl From<()> for Flow {
    fn from((): ()) -> Flow {
        Flow::Continue
    }
}

impl From<bool> for Flow {
    /// pyinotify's chaining convention: `true` stops the chain ([`Flow::Break`]).
    fn from(stop_chain: bool) -> Flow {
        if stop_chain { Flow::Break } else { Flow::Continue }
    }
}

/// The trait's per-event methods, from the table of `event_methods.rs`.
macro_rules! sync_methods {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {$(
        $(#[$doc])*
        fn $name(&mut self, event: &Event) -> Flow {
            self.$fallback(event)
        }
    )*};
}

/// [`dispatch`], from the same table.
macro_rules! sync_dispatch {
    ($($(#[$doc:meta])* [$($mask:ident)?] $name:ident => $fallback:ident;)*) => {
        /// Calls the method of `handler` that matches `event`'s mask (`IN_ISDIR` ignored).
        pub fn dispatch<H: ProcessEvent + ?Sized>(handler: &mut H, event: &Event) -> Flow {
            match event.mask() - Mask::IN_ISDIR {
                $($(Mask::$mask => handler.$name(event),)?)*
                _ => handler.process_default(event),
            }
        }
    };
}

/// An event handler with one method per event kind, dispatched as pyinotify does.
///
/// [`ProcessEvent::handle`] picks the method for the event's mask (`IN_ISDIR`
/// ignored): `IN_CREATE` → `process_in_create`, and so on. Every method's
/// default falls back to its *family* method, then to
/// [`ProcessEvent::process_default`], exactly like pyinotify's lookup of
/// `process_IN_<second word>`:
///
/// | method | falls back to |
/// |---|---|
/// | `process_in_close_write`, `process_in_close_nowrite` | `process_in_close` |
/// | `process_in_moved_from`, `process_in_moved_to` | `process_in_moved` |
/// | `process_in_move_self` | `process_in_move` |
/// | `process_in_delete_self` | `process_in_delete` (a pyinotify quirk kept on purpose) |
/// | `process_in_q_overflow` | `process_in_q` |
/// | every other, and each family method | `process_default` |
///
/// Unlike pyinotify, whose stock `process_IN_Q_OVERFLOW` only logs,
/// `process_in_q_overflow` reaches `process_default` by default, so no handler
/// misses an overflow.
///
/// Closures `FnMut(&Event) -> R` (with `R` = `()`, `bool` or [`Flow`]) are handlers too.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Flow, Mask, ProcessEvent};
///
/// #[derive(Default)]
/// struct Log(Vec<String>);
/// impl ProcessEvent for Log {
///     fn process_in_close(&mut self, e: &Event) -> Flow {
///         self.0.push(format!("closed {}", e.pathname().display()));
///         Flow::Continue
///     }
///     fn process_default(&mut self, e: &Event) -> Flow {
///         self.0.push(e.maskname().into_owned());
///         Flow::Continue
///     }
/// }
///
/// let mut log = Log::default();
/// let _ = log.handle(&Event::new(1, Mask::IN_CLOSE_WRITE, "/w", "a"));
/// let _ = log.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a"));
/// assert_eq!(log.0, ["closed /w/a", "IN_CREATE"]);
/// ```
pub trait ProcessEvent {
    /// Dispatches `event` to the method for its mask (pyinotify's `__call__`).
    fn handle(&mut self, event: &Event) -> Flow {
        dispatch(self, event)
    }

    /// Called for events no more specific method handles. Does nothing by default.
    fn process_default(&mut self, event: &Event) -> Flow {
        let _ = event;
        Flow::Continue
    }

    event_methods!(sync_methods);
}

event_methods!(sync_dispatch);

impl<F, R> ProcessEvent for F
where
    F: FnMut(&Event) -> R,
    R: Into<Flow>,
{
    fn process_default(&mut self, event: &Event) -> Flow {
        self(event).into()
    }
}

impl ProcessEvent for Box<dyn ProcessEvent + Send> {
    fn handle(&mut self, event: &Event) -> Flow {
        (**self).handle(event)
    }
}

/// Two handlers in a chain: `pevent` sees each event first, and `handler` only
/// when `pevent` did not return [`Flow::Break`] (pyinotify's `ProcessEvent(pevent=…)`).
///
/// # Examples
///
/// ```
/// use greenwatch::{ChainIfTrue, Chained, Event, Mask, ProcessEvent};
///
/// let mut seen = Vec::new();
/// let mut chain = Chained::new(ChainIfTrue::new(|e: &Event| e.name() != "skip"), |e: &Event| {
///     seen.push(e.name().to_owned());
/// });
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "keep"));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "skip"));
/// drop(chain);
/// assert_eq!(seen, ["keep"]);
/// ```
#[derive(Debug, Clone)]
pub struct Chained<P, H> {
    pevent: P,
    handler: H,
}

impl<P: ProcessEvent, H: ProcessEvent> Chained<P, H> {
    /// `pevent` first, then `handler`.
    pub fn new(pevent: P, handler: H) -> Chained<P, H> {
        Chained { pevent, handler }
    }

    /// The nested handler (pyinotify's `nested_pevent()`).
    #[must_use]
    pub fn nested_pevent(&self) -> &P {
        &self.pevent
    }

    /// The nested handler, mutably.
    #[must_use]
    pub fn nested_pevent_mut(&mut self) -> &mut P {
        &mut self.pevent
    }

    /// The outer handler.
    #[must_use]
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The outer handler, mutably.
    #[must_use]
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<P: ProcessEvent, H: ProcessEvent> ProcessEvent for Chained<P, H> {
    fn handle(&mut self, event: &Event) -> Flow {
        match self.pevent.handle(event) {
            Flow::Break => Flow::Continue,
            Flow::Stop => Flow::Stop,
            Flow::Continue => self.handler.handle(event),
        }
    }
}

/// A chain link that lets an event through only when `func(event)` is true
/// (pyinotify's `ChainIfTrue`). Use it as the `pevent` of a [`Chained`].
///
/// ```
/// use greenwatch::{ChainIfTrue, Chained, Event, Mask, ProcessEvent};
///
/// let only_logs = ChainIfTrue::new(|ev: &Event| ev.name().to_string_lossy().ends_with(".log"));
/// let mut seen = Vec::new();
/// let mut chain = Chained::new(only_logs, |ev: &Event| seen.push(ev.name().to_owned()));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a.log"));
/// let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a.txt"));
/// drop(chain);
/// assert_eq!(seen, ["a.log"]);
/// ```
pub struct ChainIfTrue<F> {
    func: F,
}

impl<F: FnMut(&Event) -> bool> ChainIfTrue<F> {
    /// Passes on the events for which `func` returns true.
    pub fn new(func: F) -> ChainIfTrue<F> {
        ChainIfTrue { func }
    }
}

impl<F: FnMut(&Event) -> bool> ProcessEvent for ChainIfTrue<F> {
    fn handle(&mut self, event: &Event) -> Flow {
        Flow::from(!(self.func)(event))
    }
}

impl<F> fmt::Debug for ChainIfTrue<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainIfTrue")
    }
}

/// Prints every event in pyinotify's form, one a line (pyinotify's `PrintAllEvents`).
///
/// Writes to standard output unless given another writer; flushes after each event.
///
/// ```
/// use greenwatch::{Event, Mask, PrintAllEvents, ProcessEvent};
///
/// let mut printer = PrintAllEvents::with_writer(Vec::new());
/// let _ = printer.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a"));
/// let text = String::from_utf8(printer.into_inner()).unwrap();
/// assert!(text.starts_with("<Event dir=False mask=0x100 maskname=IN_CREATE name=a "));
/// ```
pub struct PrintAllEvents<W = io::Stdout> {
    out: W,
}

impl PrintAllEvents {
    /// Prints to standard output.
    #[must_use]
    pub fn new() -> PrintAllEvents {
        PrintAllEvents { out: io::stdout() }
    }
}

impl Default for PrintAllEvents {
    fn default() -> PrintAllEvents {
        PrintAllEvents::new()
    }
}

impl<W: Write> PrintAllEvents<W> {
    /// Prints to `out`.
    #[doc(alias = "to_writer")]
    pub fn with_writer(out: W) -> PrintAllEvents<W> {
        PrintAllEvents { out }
    }

    /// The writer, back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> ProcessEvent for PrintAllEvents<W> {
    fn process_default(&mut self, event: &Event) -> Flow {
        let _ = writeln!(self.out, "{event}").and_then(|()| self.out.flush());
        Flow::Continue
    }
}

impl<W> fmt::Debug for PrintAllEvents<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrintAllEvents")
    }
}

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

    fn run(h: &mut impl ProcessEvent, mask: Mask) {
        let _ = h.handle(&Event::new(1, mask, "/w", "x"));
    }

    #[test]
    fn overflow_reaches_process_default_by_default() {
        let mut seen = Vec::new();
        let mut h = |e: &Event| seen.push(e.mask());
        let _ = h.handle(&Event::overflow());
        assert_eq!(seen, [Mask::IN_Q_OVERFLOW]);
    }

    #[test]
    fn chain_stops_when_pevent_breaks() {
        let mut order = Vec::new();
        {
            let first = |e: &Event| e.name() == "skip-me";
            let second = |e: &Event| order.push(e.name().to_str().unwrap().to_owned());
            let mut chain = Chained::new(first, second);
            for name in ["keep", "skip-me", "keep2"] {
                let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", name));
            }
        }
        assert_eq!(order, ["keep", "keep2"]);
    }

    /// As in pyinotify, a filter that stops an inner chain hides the event from
    /// that chain's handler only: the inner chain then answers "go on" to the outer one.
    #[test]
    fn chains_nest() {
        let mut hits = 0;
        {
            let inner = Chained::new(
                ChainIfTrue::new(|e: &Event| e.name() != "a"),
                ChainIfTrue::new(|e: &Event| e.name() != "b"),
            );
            let mut chain = Chained::new(inner, |_: &Event| hits += 1);
            for name in ["a", "b", "c"] {
                let _ = chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", name));
            }
        }
        assert_eq!(hits, 2, "a passes (inner filter hid it from the inner handler only), b stops, c passes");
    }

    #[test]
    fn stop_propagates_through_a_chain() {
        let mut chain = Chained::new(|_: &Event| Flow::Stop, |_: &Event| -> Flow { panic!("not reached") });
        assert_eq!(chain.handle(&Event::new(1, Mask::IN_CREATE, "/w", "a")), Flow::Stop);
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
    fn print_all_events_writes_one_line_per_event() {
        let mut p = PrintAllEvents::with_writer(Vec::new());
        run(&mut p, Mask::IN_CREATE);
        let text = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(text, "<Event dir=False mask=0x100 maskname=IN_CREATE name=x path=/w pathname=/w/x wd=1 >\n");
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
