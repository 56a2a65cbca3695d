//! The event output: one buffer per pass in the chosen style, handed to the
//! [`Writer`] at the pass's end (or every [`EARLY_WRITE`] bytes of a burst).
//!
//! pyinotify counterpart: `PrintAllEvents` and the `-s` stats callback of `python -m pyinotify`.

use std::io;

use greenwatch::{Event, ProcessEvent, Stats, WatchManager, format};

use crate::clock::Clock;
use crate::pair::PairedJson;
use crate::template::Template;
use crate::writer::Writer;

/// How events are written.
#[derive(Debug)]
pub enum Style {
    /// pyinotify's `<Event … >` line, with ANSI colours or not.
    Pyinotify {
        /// Colour the line as pyinotify's `ColoredOutputFormat` does.
        color: bool,
        /// Escape control bytes in names and paths (see `format::push_escaped`).
        escape: bool,
    },
    /// One JSON object a line, through a writer that formats each watch's
    /// shared text once.
    Json(format::JsonWriter),
    /// `--json --pair-moves`: one line per rename, a `"kind"` on each.
    PairedJson(PairedJson),
    /// `--format`, with the clock of `%T` when the format uses it.
    Template(Template, Option<Clock>),
    /// `-s`: count events, print the statistics after each pass.
    Stats(Stats),
    /// `-q`: nothing.
    Quiet,
}

/// Past this many bytes, the output of a pass is written before the pass ends
/// (see [`Output::is_full`]).
const EARLY_WRITE: usize = 256 * 1024;

/// The bytes of the current pass, in the chosen [`Style`].
#[derive(Debug)]
pub struct Output {
    buf: Vec<u8>,
    style: Style,
    /// For `%w`: whether a watched item is a directory.
    wm: WatchManager,
    /// Events counted by `-s` since its last print.
    unprinted_stats: bool,
    /// Where the bytes go.
    writer: Writer,
}

impl Output {
    /// An empty buffer writing in `style` to `writer`.
    pub fn new(style: Style, wm: WatchManager, writer: Writer) -> Output {
        Output { buf: Vec::with_capacity(1 << 16), style, wm, unprinted_stats: false, writer }
    }

    /// Appends one event (or, with `-s`, counts it).
    pub fn event(&mut self, event: &Event) {
        match &mut self.style {
            Style::Pyinotify { color, escape: true } => format::write_pyinotify_escaped(&mut self.buf, event, *color),
            Style::Pyinotify { color, escape: false } => format::write_pyinotify(&mut self.buf, event, *color),
            Style::Json(writer) => writer.write(&mut self.buf, event),
            Style::PairedJson(pairing) => pairing.event(&mut self.buf, event),
            Style::Template(template, clock) => template.write(&mut self.buf, event, &self.wm, clock.as_mut()),
            Style::Stats(stats) => {
                let _ = stats.handle(event);
                self.unprinted_stats = true;
            }
            Style::Quiet => {}
        }
    }

    /// True once the pass has produced [`EARLY_WRITE`] bytes: a burst's output
    /// then goes out in parts while the rest is formatted, so that the reader
    /// works through one part while the next is made, instead of waiting for
    /// the whole pass (and the pipe filling up under one big write).
    pub fn is_full(&self) -> bool {
        self.buf.len() >= EARLY_WRITE
    }

    /// Called after every pass of the loop: `-s` prints its statistics, as
    /// pyinotify does after each pass (the first, eventless one included).
    pub fn end_pass(&mut self) {
        self.print_stats();
        if let Style::PairedJson(pairing) = &mut self.style {
            pairing.end_read(&mut self.buf);
        }
    }

    /// Called once at exit: `-s` prints its statistics if events came since the last print.
    pub fn end_run(&mut self) {
        if let Style::PairedJson(pairing) = &mut self.style {
            pairing.end_read(&mut self.buf);
        }
        if self.unprinted_stats {
            self.print_stats();
        }
    }

    /// `repr(stats)` and `str(stats)`, each on its own line.
    fn print_stats(&mut self) {
        if let Style::Stats(stats) = &self.style {
            let text = format!("{}\n{stats}\n", stats.repr());
            self.buf.extend_from_slice(text.as_bytes());
            self.unprinted_stats = false;
        }
    }

    /// Sends what the pass produced to the writer and empties the buffer.
    ///
    /// # Errors
    ///
    /// The writer's first error (see [`Writer::write`]).
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.write(&mut self.buf)
    }

    /// Sends the rest and waits until every byte is written.
    ///
    /// # Errors
    ///
    /// The first write error not returned yet.
    pub fn finish(&mut self) -> io::Result<()> {
        let sent = self.flush();
        let written = self.writer.finish();
        sent.and(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::Captured;
    use greenwatch::Mask;

    fn output(style: Style) -> (Output, Captured) {
        let sink = Captured::default();
        (Output::new(style, WatchManager::new().unwrap(), sink.writer()), sink)
    }

    fn flushed((out, sink): &mut (Output, Captured)) -> String {
        out.flush().unwrap();
        String::from_utf8(sink.take()).unwrap()
    }

    #[test]
    fn each_style_writes_one_line_per_event() {
        let ev = Event::new(1, Mask::IN_CREATE, "/w", "a");
        let mut json = output(Style::Json(format::JsonWriter::new()));
        json.0.event(&ev);
        assert!(flushed(&mut json).starts_with("{\"wd\":1,"));
        let mut plain = output(Style::Pyinotify { color: false, escape: true });
        plain.0.event(&ev);
        assert!(flushed(&mut plain).starts_with("<Event dir=False"));
        let mut quiet = output(Style::Quiet);
        quiet.0.event(&ev);
        assert_eq!(flushed(&mut quiet), "");
    }

    #[test]
    fn stats_print_after_each_pass_and_at_exit_only_when_new() {
        let mut out = output(Style::Stats(Stats::new()));
        out.0.end_pass();
        assert_eq!(flushed(&mut out), "<Stats ElapsedTime=0sec >\n\n");
        out.0.event(&Event::new(1, Mask::IN_CREATE, "/w", "a"));
        out.0.end_run();
        let text = flushed(&mut out);
        assert!(text.starts_with("<Stats ElapsedTime=0sec IN_CREATE=1 >\nIN_CREATE"), "{text}");
        out.0.end_run();
        assert_eq!(flushed(&mut out), "");
    }
}
