//! Text forms of events shared by the CLI and users: JSON lines (written in
//! `json.rs` and `json_writer.rs`, re-exported here) and pyinotify's line.
//!
//! Every writer appends bytes to a `Vec<u8>`, without allocating per event.
//! pyinotify counterpart: `Event.__repr__`, `RawOutputFormat`, `ColoredOutputFormat`.

use std::os::unix::ffi::OsStrExt;

use crate::output::json::hex2;
pub use crate::output::json::{json_string, write_json};
pub use crate::output::json_writer::JsonWriter;
use crate::types::event::Event;
use crate::types::mask::Mask;

/// ANSI colours of pyinotify's `ColoredOutputFormat`.
mod ansi {
    pub const NORMAL: &[u8] = b"\x1b[0m";
    pub const CLASS: &[u8] = b"\x1b[31m\x1b[1m";
    pub const KEY: &[u8] = b"\x1b[34m";
    pub const VALUE: &[u8] = b"\x1b[35m";
}

/// Appends pyinotify's line for `event` (as `Display`, but with names as raw
/// bytes) and a newline; with `color`, wrapped in pyinotify's ANSI colours.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask, format};
///
/// let mut out = Vec::new();
/// format::write_pyinotify(&mut out, &Event::new(1, Mask::IN_CREATE, "/w", "a"), false);
/// assert_eq!(out, b"<Event dir=False mask=0x100 maskname=IN_CREATE name=a path=/w pathname=/w/a wd=1 >\n");
/// ```
pub fn write_pyinotify(out: &mut Vec<u8>, event: &Event, color: bool) {
    pyinotify_line(Line { out, color, escape: false }, event);
}

/// As [`write_pyinotify`], but with the names and paths escaped by
/// [`push_escaped`], so that a name holding a newline or another control
/// byte cannot make the line look like two (or drive a terminal).
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask, format};
///
/// let mut out = Vec::new();
/// format::write_pyinotify_escaped(&mut out, &Event::new(1, Mask::IN_CREATE, "/w", "a\n<Event"), false);
/// assert_eq!(
///     out,
///     b"<Event dir=False mask=0x100 maskname=IN_CREATE name=a\\n<Event path=/w pathname=/w/a\\n<Event wd=1 >\n"
/// );
/// ```
pub fn write_pyinotify_escaped(out: &mut Vec<u8>, event: &Event, color: bool) {
    pyinotify_line(Line { out, color, escape: true }, event);
}

/// Appends `bytes` with every control byte (0x00–0x1f, 0x7f) and every
/// backslash escaped: `\\`, `\n`, `\t`, `\r`, and `\xHH` (two lowercase
/// hex digits) for the others. Every other byte, non-UTF-8 ones included,
/// is copied as it is, so the escaping is reversible and the result holds
/// no newline.
///
/// # Examples
///
/// ```
/// use greenwatch::format;
///
/// let mut out = Vec::new();
/// format::push_escaped(&mut out, b"a\nb\\c\x1b[31m\xff");
/// assert_eq!(out, b"a\\nb\\\\c\\x1b[31m\xff");
/// ```
pub fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    if !bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == 0x7f) | (b == b'\\')) {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b if b < 0x20 || b == 0x7f => {
                out.extend_from_slice(b"\\x");
                out.extend_from_slice(&hex2(b));
            }
            b => out.push(b),
        }
    }
}

fn pyinotify_line(mut line: Line<'_>, event: &Event) {
    line.paint(ansi::NORMAL, b"<");
    line.paint(ansi::CLASS, b"Event");
    if event.is_overflow() {
        line.field("mask", format_args!("0x{:x}", event.mask()));
        line.field_bytes("maskname", event.maskname().as_bytes());
    } else {
        write_fields(&mut line, event);
    }
    line.out.push(b' ');
    line.paint(ansi::NORMAL, b">");
    line.out.push(b'\n');
}

/// The public attributes of `event` in pyinotify's (alphabetical) order.
fn write_fields(line: &mut Line<'_>, event: &Event) {
    if event.mask().intersects(Mask::IN_MOVE) {
        line.field("cookie", format_args!("{}", event.cookie()));
    }
    line.field_bytes("dir", if event.is_dir() { b"True" } else { b"False" });
    line.field("mask", format_args!("0x{:x}", event.mask()));
    line.field_bytes("maskname", event.maskname().as_bytes());
    line.field_name("name", event.name().as_bytes());
    let path = event.path().as_os_str().as_bytes();
    line.field_name("path", path);
    line.key("pathname");
    let push = if line.escape { push_escaped } else { <Vec<u8>>::extend_from_slice };
    line.value_with(|out| {
        push(out, path);
        if !event.name().is_empty() {
            if !path.ends_with(b"/") {
                out.push(b'/');
            }
            push(out, event.name().as_bytes());
        }
    });
    if let Some(src) = event.src_pathname() {
        line.field_name("src_pathname", src.as_os_str().as_bytes());
    }
    line.field("wd", format_args!("{}", event.wd()));
}

/// One pyinotify line being written, plain or coloured.
struct Line<'a> {
    out: &'a mut Vec<u8>,
    color: bool,
    /// Names and paths go through [`push_escaped`].
    escape: bool,
}

impl Line<'_> {
    fn paint(&mut self, code: &[u8], text: &[u8]) {
        if self.color {
            self.out.extend_from_slice(code);
            self.out.extend_from_slice(text);
            self.out.extend_from_slice(ansi::NORMAL);
        } else {
            self.out.extend_from_slice(text);
        }
    }

    fn key(&mut self, key: &str) {
        self.out.push(b' ');
        self.paint(ansi::KEY, key.as_bytes());
        self.paint(ansi::NORMAL, b"=");
    }

    /// Writes a value with `write`, `''` when it writes nothing.
    fn value_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if self.color {
            self.out.extend_from_slice(ansi::VALUE);
        }
        let start = self.out.len();
        write(self.out);
        if self.out.len() == start {
            self.out.extend_from_slice(b"''");
        }
        if self.color {
            self.out.extend_from_slice(ansi::NORMAL);
        }
    }

    fn field_bytes(&mut self, key: &str, value: &[u8]) {
        self.key(key);
        self.value_with(|out| out.extend_from_slice(value));
    }

    /// A name or path: escaped when the line says so.
    fn field_name(&mut self, key: &str, value: &[u8]) {
        let escape = self.escape;
        self.key(key);
        self.value_with(|out| if escape { push_escaped(out, value) } else { out.extend_from_slice(value) });
    }

    fn field(&mut self, key: &str, value: std::fmt::Arguments<'_>) {
        use std::io::Write;
        self.key(key);
        self.value_with(|out| {
            let _ = out.write_fmt(value);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;
    use std::ffi::OsStr;

    #[test]
    fn escaped_line_cannot_be_split_by_a_name() {
        let name = OsStr::from_bytes(b"x\n<Event dir=False \\ \x1b\x7f\xff");
        let ev = Event::new(1, Mask::IN_MOVED_TO, "/w\t", name).with_src_pathname("/w/\r");
        let mut out = Vec::new();
        write_pyinotify_escaped(&mut out, &ev, false);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let want = b" name=x\\n<Event dir=False \\\\ \\x1b\\x7f\xff path=/w\\t pathname=/w\\t/x\\n";
        assert!(out.windows(want.len()).any(|w| w == want), "{}", String::from_utf8_lossy(&out));
        let src = b"src_pathname=/w/\\r wd";
        assert!(out.windows(src.len()).any(|w| w == src));
    }

    #[test]
    fn push_escaped_round_trips_every_byte() {
        let all: Vec<u8> = (0..=u8::MAX).collect();
        let mut out = Vec::new();
        push_escaped(&mut out, &all);
        assert!(!out.iter().any(|&b| b < 0x20 || b == 0x7f));
        let mut back = Vec::new();
        let mut i = 0;
        while i < out.len() {
            if out[i] == b'\\' {
                let (b, len) = match out[i + 1] {
                    b'n' => (b'\n', 2),
                    b't' => (b'\t', 2),
                    b'r' => (b'\r', 2),
                    b'\\' => (b'\\', 2),
                    b'x' => (u8::from_str_radix(std::str::from_utf8(&out[i + 2..i + 4]).unwrap(), 16).unwrap(), 4),
                    other => panic!("bad escape {other}"),
                };
                back.push(b);
                i += len;
            } else {
                back.push(out[i]);
                i += 1;
            }
        }
        assert_eq!(back, all);
    }

    #[test]
    fn pyinotify_line_keeps_raw_bytes_and_colours_on_request() {
        let ev = Event::new(1, Mask::IN_CREATE, "/w", OsStr::from_bytes(b"\xff"));
        let mut out = Vec::new();
        write_pyinotify(&mut out, &ev, false);
        assert!(out.windows(7).any(|w| w == b"name=\xff "));
        let mut colored = Vec::new();
        write_pyinotify(&mut colored, &Event::new(1, Mask::IN_CREATE, "/w", "a"), true);
        let text = String::from_utf8(colored).unwrap();
        assert!(text.starts_with("\x1b[0m<\x1b[0m\x1b[31m\x1b[1mEvent\x1b[0m \x1b[34mdir\x1b[0m\x1b[0m=\x1b[0m"));
    }
}
