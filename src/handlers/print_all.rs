//! [`PrintAllEvents`]: the stock handler that prints every event in
//! pyinotify's form.
//!
//! pyinotify counterpart: `PrintAllEvents`.

use std::fmt;
use std::io::{self, Write};

use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;

    fn run(h: &mut impl ProcessEvent, mask: Mask) {
        let _ = h.handle(&Event::new(1, mask, "/w", "x"));
    }

    #[test]
    fn print_all_events_writes_one_line_per_event() {
        let mut p = PrintAllEvents::with_writer(Vec::new());
        run(&mut p, Mask::IN_CREATE);
        let text = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(text, "<Event dir=False mask=0x100 maskname=IN_CREATE name=x path=/w pathname=/w/x wd=1 >\n");
    }
}
