//! JSON lines, the CLI's `--json` contract: one object per event, names as
//! UTF-8 with `\udcXX` for the bytes that are not, built from pieces that
//! [`JsonWriter`](crate::format::JsonWriter) reuses per watch.
//!
//! Public through [`crate::format`]. pyinotify counterpart: none (pyinotify
//! prints only its own line).

use std::ops::Range;
use std::os::unix::ffi::OsStrExt;

use crate::types::event::{Event, Wd, maskname_of};
use crate::types::mask::Mask;

/// Appends `event` as one JSON object and a newline, the CLI's `--json` contract:
/// `wd`, `mask`, `maskname`, `name`, `path`, `pathname`, `dir`, `cookie`, then
/// `src_pathname` on a paired `IN_MOVED_TO` and `"recovered":true` on events an
/// overflow resync synthesized.
///
/// Names are written as UTF-8; each byte that is not part of valid UTF-8 is
/// written as the escape `\udcXX` (Python's surrogateescape), so the output is
/// always valid JSON and loses nothing.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask, format};
/// use std::{ffi::OsStr, os::unix::ffi::OsStrExt};
///
/// let mut out = Vec::new();
/// format::write_json(&mut out, &Event::new(1, Mask::IN_CREATE, "/w", OsStr::from_bytes(b"a\xff")));
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\"wd\":1,\"mask\":256,\"maskname\":\"IN_CREATE\",\"name\":\"a\\udcff\",\"path\":\"/w\",\
///      \"pathname\":\"/w/a\\udcff\",\"dir\":false,\"cookie\":0}\n"
/// );
/// ```
pub fn write_json(out: &mut Vec<u8>, event: &Event) {
    let path = event.path().as_os_str().as_bytes();
    out.reserve(128 + 2 * (path.len() + event.name().len()));
    json_head(out, event.wd(), event.mask());
    let name = json_name(out, event.name().as_bytes());
    json_paths(out, path);
    if !name.is_empty() {
        if needs_slash(path) {
            out.push(b'/');
        }
        out.extend_from_within(name);
    }
    json_tail(out, event);
}

/// The start of a JSON line, up to the opening quote of `name`: what depends
/// on the watch descriptor and the mask alone.
pub(crate) fn json_head(out: &mut Vec<u8>, wd: Wd, mask: Mask) {
    out.extend_from_slice(b"{\"wd\":");
    push_int(out, i64::from(wd));
    out.extend_from_slice(b",\"mask\":");
    push_int(out, i64::from(mask.bits()));
    out.extend_from_slice(b",\"maskname\":");
    json_string(out, maskname_of(mask).as_bytes());
    out.extend_from_slice(b",\"name\":\"");
}

/// The escaped name; where it lies in `out`, so that `pathname` copies it
/// instead of escaping it again.
pub(crate) fn json_name(out: &mut Vec<u8>, name: &[u8]) -> Range<usize> {
    let start = out.len();
    json_body(out, name);
    start..out.len()
}

/// From the closing quote of `name` to the end of `pathname`'s directory part:
/// what depends on the watch's path alone.
pub(crate) fn json_paths(out: &mut Vec<u8>, path: &[u8]) {
    out.extend_from_slice(b"\",\"path\":\"");
    let start = out.len();
    json_body(out, path);
    let escaped = start..out.len();
    out.extend_from_slice(b"\",\"pathname\":\"");
    out.extend_from_within(escaped); // the path, escaped once
}

/// True if `pathname` puts a `/` between `path` and a name.
pub(crate) fn needs_slash(path: &[u8]) -> bool {
    !path.ends_with(b"/")
}

/// The rest of a JSON line after `pathname`'s last byte.
pub(crate) fn json_tail(out: &mut Vec<u8>, event: &Event) {
    let plain = event.cookie() == 0 && event.src_pathname().is_none() && !event.is_recovered();
    if plain {
        // Most events: one copy of a constant.
        out.extend_from_slice(if event.is_dir() { PLAIN_DIR_TAIL } else { PLAIN_FILE_TAIL });
        return;
    }
    out.extend_from_slice(if event.is_dir() { b"\",\"dir\":true" } else { b"\",\"dir\":false" });
    out.extend_from_slice(b",\"cookie\":");
    push_int(out, i64::from(event.cookie()));
    if let Some(src) = event.src_pathname() {
        out.extend_from_slice(b",\"src_pathname\":");
        json_string(out, src.as_os_str().as_bytes());
    }
    if event.is_recovered() {
        out.extend_from_slice(b",\"recovered\":true");
    }
    out.extend_from_slice(b"}\n");
}

/// The tail of an event without cookie, source or recovery mark.
const PLAIN_FILE_TAIL: &[u8] = b"\",\"dir\":false,\"cookie\":0}\n";
const PLAIN_DIR_TAIL: &[u8] = b"\",\"dir\":true,\"cookie\":0}\n";

fn push_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
}

/// Appends a JSON string (with quotes) holding `bytes`.
pub fn json_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    json_body(out, bytes);
    out.push(b'"');
}

/// Appends the escaped inside of a JSON string.
pub(crate) fn json_body(out: &mut Vec<u8>, bytes: &[u8]) {
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        return;
    }
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            json_char(out, c);
        }
        for b in chunk.invalid() {
            out.extend_from_slice(b"\\udc");
            out.extend_from_slice(&hex2(*b));
        }
    }
}

/// True if `bytes` holds anything but printable ASCII other than `"` and `\\`.
/// Looks at 8 bytes at a time (the last word overlapping the one before it),
/// so that a short name costs a few word operations, not a loop per byte.
pub(crate) fn needs_escape(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        // Shifted into a word of spaces, which need no escape.
        return word_needs_escape(bytes.iter().fold(SPACES, |word, &b| word << 8 | u64::from(b)));
    }
    let mut words = bytes.chunks_exact(8);
    let any = words.by_ref().fold(false, |any, word| any | word_needs_escape(to_word(word)));
    any | word_needs_escape(to_word(&bytes[bytes.len() - 8..]))
}

/// Every byte of a word set to 1, to 0x80, to a space.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const SPACES: u64 = 0x20 * ONES;

fn to_word(eight: &[u8]) -> u64 {
    u64::from_ne_bytes(eight.try_into().expect("8 bytes"))
}

/// True if a byte of `word` is below 0x20, 0x7f or above, `"` or `\\`. Each
/// test is the exact "some byte is zero" (or "below n") word trick: a false
/// flag can only sit above a true one, so the word's answer is exact.
fn word_needs_escape(word: u64) -> bool {
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let below_space = word.wrapping_sub(SPACES) & !word & HIGHS;
    let special = has_zero(word ^ (ONES * u64::from(b'"')))
        | has_zero(word ^ (ONES * u64::from(b'\\')))
        | has_zero(word ^ (ONES * 0x7f));
    (word & HIGHS) | below_space | special != 0
}

fn json_char(out: &mut Vec<u8>, c: char) {
    match c {
        '"' => out.extend_from_slice(b"\\\""),
        '\\' => out.extend_from_slice(b"\\\\"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        '\u{8}' => out.extend_from_slice(b"\\b"),
        '\u{c}' => out.extend_from_slice(b"\\f"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(&hex2(c as u8));
        }
        c => {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

pub(crate) fn hex2(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::mask::Mask;

    fn json_of(name: &[u8]) -> String {
        let mut out = Vec::new();
        json_string(&mut out, name);
        String::from_utf8(out).unwrap()
    }

    macro_rules! escapes {
        ($($input:expr => $want:expr),* $(,)?) => {$( assert_eq!(json_of($input), $want, "{:?}", $input); )*};
    }

    #[test]
    fn needs_escape_flags_exactly_the_bytes_json_body_rewrites() {
        for b in 0..=u8::MAX {
            let plain = (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
            for (len, around) in (1..=25).flat_map(|len| [(len, b' '), (len, b'~'), (len, b'a')]) {
                for at in 0..len {
                    let mut bytes = vec![around; len];
                    bytes[at] = b;
                    assert_eq!(needs_escape(&bytes), !plain, "{b:#x} at {at} of {len}");
                }
            }
        }
        assert!(!needs_escape(b""));
    }

    #[test]
    fn json_escapes() {
        escapes! {
            b"plain" => "\"plain\"",
            b"a\"b" => r#""a\"b""#,
            b"back\\slash" => r#""back\\slash""#,
            b"new\nline" => r#""new\nline""#,
            b"tab\there" => r#""tab\there""#,
            b"\x01\x1f\x7f" => r#""\u0001\u001f\u007f""#,
            "café 日本 🎉".as_bytes() => "\"café 日本 🎉\"",
            b"\xff\xfe-caf\xe9" => r#""\udcff\udcfe-caf\udce9""#,
            b"dir-\xc3(" => r#""dir-\udcc3(""#,
        }
    }

    #[test]
    fn json_line_has_contract_fields_in_order() {
        let ev = Event::new(1, Mask::IN_MOVED_TO | Mask::IN_ISDIR, "/w", "b").with_cookie(5).with_src_pathname("/w/a");
        let mut out = Vec::new();
        write_json(&mut out, &ev);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"wd\":1,\"mask\":1073741952,\"maskname\":\"IN_MOVED_TO|IN_ISDIR\",\"name\":\"b\",\"path\":\"/w\",\
             \"pathname\":\"/w/b\",\"dir\":true,\"cookie\":5,\"src_pathname\":\"/w/a\"}\n"
        );
    }

    #[test]
    fn json_line_of_a_directory_and_of_a_cookie_alone() {
        let mut out = Vec::new();
        write_json(&mut out, &Event::new(3, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", "d"));
        write_json(&mut out, &Event::new(3, Mask::IN_MOVED_FROM, "/w", "f").with_cookie(9));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].ends_with("\"pathname\":\"/w/d\",\"dir\":true,\"cookie\":0}"), "{}", lines[0]);
        assert!(lines[1].ends_with("\"pathname\":\"/w/f\",\"dir\":false,\"cookie\":9}"), "{}", lines[1]);
    }

    #[test]
    fn json_of_overflow_and_recovered() {
        let mut out = Vec::new();
        write_json(&mut out, &Event::overflow());
        write_json(&mut out, &Event::new(2, Mask::IN_CREATE, "/", "x").with_recovered(true));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].starts_with("{\"wd\":-1,\"mask\":16384,\"maskname\":\"IN_Q_OVERFLOW\""));
        assert!(lines[1].contains("\"pathname\":\"/x\"") && lines[1].ends_with(",\"recovered\":true}"));
    }
}
