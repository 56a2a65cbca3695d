//! `--format`: inotifywait's printf-like event format (`%w %f %e %Xe %T`, plus `%c %0 %n %%`).

use std::collections::HashMap;
use std::iter::Peekable;
use std::os::unix::ffi::OsStrExt;
use std::str::Chars;

use greenwatch::{Event, Mask, WatchManager, Wd, format};

use crate::clock::Clock;

/// One piece of a parsed format.
#[derive(Debug, PartialEq)]
enum Part {
    /// Bytes copied as they are (`%0`, `%n`, `%%` included).
    Literal(Vec<u8>),
    /// `%w`: the watched path, `/`-terminated for a directory.
    Watched,
    /// `%f`: the entry's name.
    File,
    /// `%e` (separator `,`) or `%Xe`.
    Events(String),
    /// `%T`: the current time.
    Time,
    /// `%c`: the rename cookie.
    Cookie,
}

/// A parsed `--format`, ready to write events.
#[derive(Debug)]
pub struct Template {
    parts: Vec<Part>,
    newline: bool,
    /// Escape control bytes in `%w` and `%f` (off for `%0` records, which are unambiguous).
    escape: bool,
    /// Whether each watch seen so far is a directory, for `%w` on events that
    /// do not say (`IN_IGNORED` comes after the watch is gone).
    dirs: HashMap<Wd, bool>,
}

impl Template {
    /// Parses `format`. A newline ends each event unless `no_newline` is set or
    /// the format holds `%0` (NUL-terminated records). With `escape`, names
    /// and paths are escaped (`format::push_escaped`) unless the format holds `%0`.
    ///
    /// # Errors
    ///
    /// A message naming an unknown conversion, or a lone `%` at the end.
    pub fn parse(format: &str, no_newline: bool, escape: bool) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '%' => match conversion(&mut chars).map_err(|e| format!("--format: {e} in '{format}'"))? {
                    Part::Literal(bytes) => push_literal(&mut parts, &bytes),
                    part => parts.push(part),
                },
                c => push_literal(&mut parts, c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        let nul = parts.iter().any(|p| matches!(p, Part::Literal(bytes) if bytes.contains(&0)));
        Ok(Template { parts, newline: !no_newline && !nul, escape: escape && !nul, dirs: HashMap::new() })
    }

    /// True if the format uses `%T`.
    pub fn uses_time(&self) -> bool {
        self.parts.contains(&Part::Time)
    }

    /// Appends `event` as the format says. `wm` tells whether a watched item
    /// without `IN_ISDIR` on its event is a directory; `clock` serves `%T`.
    pub fn write(&mut self, out: &mut Vec<u8>, event: &Event, wm: &WatchManager, clock: Option<&mut Clock>) {
        let mut clock = clock;
        let watch_is_dir = self.parts.contains(&Part::Watched) && self.watch_is_dir(event, wm);
        for part in &self.parts {
            match part {
                Part::Literal(bytes) => out.extend_from_slice(bytes),
                Part::Watched => write_watched(out, event, watch_is_dir, self.escape),
                Part::File if self.escape => format::push_escaped(out, event.name().as_bytes()),
                Part::File => out.extend_from_slice(event.name().as_bytes()),
                Part::Events(sep) => write_events(out, event, sep),
                Part::Time => out.extend_from_slice(clock.as_mut().map_or(&b""[..], |c| c.now())),
                Part::Cookie => out.extend_from_slice(event.cookie().to_string().as_bytes()),
            }
        }
        if self.newline {
            out.push(b'\n');
        }
    }
}

impl Template {
    /// Whether `event`'s watch is a directory: certain when the event names an
    /// entry or carries `IN_ISDIR`, else remembered, else asked of `wm`.
    fn watch_is_dir(&mut self, event: &Event, wm: &WatchManager) -> bool {
        let wd = event.wd();
        if !event.name().is_empty() || event.is_dir() {
            self.dirs.insert(wd, true);
            return true;
        }
        if event.mask().contains(Mask::IN_IGNORED) {
            return self.dirs.remove(&wd).unwrap_or(false);
        }
        *self.dirs.entry(wd).or_insert_with(|| wm.get_watch(wd).is_some_and(|w| w.is_dir()))
    }
}

/// The conversion after a `%`.
fn conversion(chars: &mut Peekable<Chars<'_>>) -> Result<Part, String> {
    Ok(match chars.next() {
        Some('w') => Part::Watched,
        Some('f') => Part::File,
        Some('e') => Part::Events(",".into()),
        Some('T') => Part::Time,
        Some('c') => Part::Cookie,
        Some('0') => Part::Literal(vec![0]),
        Some('n') => Part::Literal(b"\n".to_vec()),
        Some('%') => Part::Literal(b"%".to_vec()),
        Some(sep) if chars.peek() == Some(&'e') => {
            chars.next();
            Part::Events(sep.into())
        }
        Some(other) => return Err(format!("unknown conversion '%{other}'")),
        None => return Err("a lone '%' at the end (write %% for a percent sign)".into()),
    })
}

/// Appends to the last literal, or starts one.
fn push_literal(parts: &mut Vec<Part>, bytes: &[u8]) {
    if let Some(Part::Literal(last)) = parts.last_mut() {
        last.extend_from_slice(bytes);
    } else {
        parts.push(Part::Literal(bytes.to_vec()));
    }
}

/// `%w`: the watch's path, with a `/` when the watched item is a directory,
/// as inotifywait prints it.
fn write_watched(out: &mut Vec<u8>, event: &Event, is_dir: bool, escape: bool) {
    let path = event.path().as_os_str().as_bytes();
    if escape {
        format::push_escaped(out, path);
    } else {
        out.extend_from_slice(path);
    }
    if is_dir && !path.is_empty() && !path.ends_with(b"/") {
        out.push(b'/');
    }
}

/// `%e`: `IN_CREATE|IN_ISDIR` becomes `CREATE<sep>ISDIR`.
fn write_events(out: &mut Vec<u8>, event: &Event, sep: &str) {
    for (i, name) in event.maskname().split('|').enumerate() {
        if i > 0 {
            out.extend_from_slice(sep.as_bytes());
        }
        out.extend_from_slice(name.strip_prefix("IN_").unwrap_or(name).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenwatch::Mask;

    fn render(format: &str, event: &Event) -> String {
        let wm = WatchManager::new().unwrap();
        let mut out = Vec::new();
        let mut clock = Clock::new("%Y").unwrap();
        Template::parse(format, false, true).unwrap().write(&mut out, event, &wm, Some(&mut clock));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn conversions_of_an_entry_event() {
        let ev = Event::new(1, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", "d");
        assert_eq!(render("%w%f %e", &ev), "/w/d CREATE,ISDIR\n");
        assert_eq!(render("%:e|%|e", &ev), "CREATE:ISDIR|CREATE|ISDIR\n");
        assert_eq!(render("100%% %c%n", &ev), "100% 0\n\n");
        assert_eq!(render("%f%0", &ev), "d\0");
    }

    #[test]
    fn watched_file_has_no_slash_and_a_watched_dir_has_one() {
        assert_eq!(render("[%w][%f]", &Event::new(1, Mask::IN_MODIFY, "/w/file", "")), "[/w/file][]\n");
        assert_eq!(render("[%w]", &Event::new(1, Mask::IN_ATTRIB | Mask::IN_ISDIR, "/w", "")), "[/w/]\n");
        assert_eq!(render("[%w]", &Event::new(1, Mask::IN_CREATE, "/", "a")), "[/]\n");
        assert_eq!(render("[%w][%e]", &Event::overflow()), "[][Q_OVERFLOW]\n");
    }

    #[test]
    fn ignored_remembers_that_the_watch_was_a_directory() {
        let wm = WatchManager::new().unwrap();
        let mut t = Template::parse("%w", false, true).unwrap();
        let mut out = Vec::new();
        t.write(&mut out, &Event::new(7, Mask::IN_DELETE_SELF, "/w", "").with_dir(true), &wm, None);
        t.write(&mut out, &Event::new(7, Mask::IN_IGNORED, "/w", ""), &wm, None);
        t.write(&mut out, &Event::new(7, Mask::IN_IGNORED, "/w", ""), &wm, None);
        assert_eq!(out, b"/w/\n/w/\n/w\n");
    }

    #[test]
    fn names_are_escaped_unless_records_end_in_nul() {
        let ev = Event::new(1, Mask::IN_CREATE, "/w\n", "a\nCREATE b");
        assert_eq!(render("%w%f %e", &ev), "/w\\n/a\\nCREATE b CREATE\n");
        assert_eq!(render("%w%f%0", &ev), "/w\n/a\nCREATE b\0");
        let wm = WatchManager::new().unwrap();
        let mut out = Vec::new();
        Template::parse("%f", false, false).unwrap().write(&mut out, &ev, &wm, None);
        assert_eq!(out, b"a\nCREATE b\n");
    }

    #[test]
    fn time_and_cookie() {
        let ev = Event::new(1, Mask::IN_MOVED_FROM, "/w", "a").with_cookie(42);
        let text = render("%T %c", &ev);
        assert!(text.starts_with('2') && text.ends_with(" 42\n"), "{text}");
        assert!(Template::parse("%T", false, true).unwrap().uses_time());
        assert!(!Template::parse("%w", false, true).unwrap().uses_time());
    }

    #[test]
    fn bad_formats_are_named() {
        let err = Template::parse("%w %q", false, true).unwrap_err();
        assert!(err.contains("'%q'"), "{err}");
        assert!(Template::parse("50%", false, true).unwrap_err().contains("lone"));
    }

    #[test]
    fn no_newline_and_literals_merge() {
        let t = Template::parse("a%%b", true, true).unwrap();
        assert_eq!(t.parts, [Part::Literal(b"a%b".to_vec())]);
        assert!(!t.newline);
    }
}
