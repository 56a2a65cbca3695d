//! Events: the kernel's raw record and the processed [`Event`] handlers receive.
//!
//! pyinotify counterpart: `_RawEvent` and `Event`.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::types::mask::Mask;
use crate::types::name::Name;

/// A watch descriptor, as the kernel numbers watches (pyinotify's `wd`). `-1` on
/// `IN_Q_OVERFLOW`.
///
/// A wd names one watch for as long as it exists: keep it to change or remove
/// the watch, or to tell which watch an event came from.
///
/// ```
/// use greenwatch::{Mask, Wd, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let wd: Wd = wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?.wd(dir.path()).unwrap();
/// assert_eq!(wm.get_wd(dir.path()), Some(wd));
/// assert_eq!(wm.get_path(wd).as_deref(), Some(dir.path()));
/// wm.rm_watch(wd).apply()?;
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub type Wd = i32;

/// One inotify record as the kernel wrote it, borrowed from the read buffer.
///
/// Internal: reachable only as `greenwatch::internals::RawEvent` with the
/// `internals` feature, for the benches; not part of the API and not covered
/// by semver. Handlers receive [`Event`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEvent<'a> {
    /// The watch descriptor (`-1` for `IN_Q_OVERFLOW`).
    pub wd: Wd,
    /// The event bits.
    pub mask: Mask,
    /// Links the two halves of a rename; 0 otherwise.
    pub cookie: u32,
    /// The entry's name, without the kernel's NUL padding; empty for the watched item itself.
    pub name: &'a OsStr,
}

/// A processed event: the raw record plus the watch's path at the moment it was read.
///
/// Names and paths are bytes (`OsStr`/`Path`), never decoded, so non-UTF-8
/// names survive untouched. `Display` prints pyinotify's form. With the `serde`
/// feature, an event serializes its attributes, each name and path as a string
/// when it is UTF-8 and as bytes otherwise, so it reads back byte for byte.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask};
///
/// let ev = Event::new(1, Mask::IN_CREATE, "/w", "a");
/// assert_eq!(ev.pathname(), std::path::Path::new("/w/a"));
/// assert_eq!(ev.maskname(), "IN_CREATE");
/// assert_eq!(
///     ev.to_string(),
///     "<Event dir=False mask=0x100 maskname=IN_CREATE name=a path=/w pathname=/w/a wd=1 >"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Event {
    wd: Wd,
    mask: Mask,
    cookie: u32,
    name: Name,
    path: Arc<Path>,
    dir: bool,
    src_pathname: Option<PathBuf>,
    recovered: bool,
}

impl Event {
    /// An event on the watch `wd` whose path is `path`, about the entry `name`
    /// (empty for the watched item itself). `dir` is taken from `IN_ISDIR`.
    pub fn new(wd: Wd, mask: Mask, path: impl AsRef<Path>, name: impl AsRef<OsStr>) -> Event {
        Event::from_parts(wd, mask, Arc::from(path.as_ref()), name.as_ref())
    }

    /// Inlined, so that the bookkeeping builds each event in its place in the
    /// queue rather than copying it there from a call's result.
    #[inline(always)]
    pub(crate) fn from_parts(wd: Wd, mask: Mask, path: Arc<Path>, name: &OsStr) -> Event {
        Event {
            wd,
            mask,
            cookie: 0,
            name: Name::new(name),
            path,
            dir: mask.contains(Mask::IN_ISDIR),
            src_pathname: None,
            recovered: false,
        }
    }

    /// The queue-overflow event (`wd` -1, no path, no name).
    #[must_use]
    pub fn overflow() -> Event {
        Event::from_parts(-1, Mask::IN_Q_OVERFLOW, Arc::from(Path::new("")), OsStr::new(""))
    }

    /// Sets the rename cookie.
    #[must_use]
    pub fn with_cookie(mut self, cookie: u32) -> Event {
        self.cookie = cookie;
        self
    }

    /// Sets `dir` (for `IN_DELETE_SELF`/`IN_MOVE_SELF`: whether the watched item is a directory).
    #[must_use]
    pub fn with_dir(mut self, dir: bool) -> Event {
        self.dir = dir;
        self
    }

    /// Sets the source of a paired `IN_MOVED_TO`.
    #[must_use]
    pub fn with_src_pathname(mut self, src: impl Into<PathBuf>) -> Event {
        self.src_pathname = Some(src.into());
        self
    }

    /// Marks the event as synthesized by an overflow resync rather than read from the kernel.
    #[must_use]
    pub fn with_recovered(mut self, recovered: bool) -> Event {
        self.recovered = recovered;
        self
    }

    /// The watch descriptor (`-1` for `IN_Q_OVERFLOW`).
    #[must_use]
    pub fn wd(&self) -> Wd {
        self.wd
    }

    /// The raw mask, `IN_ISDIR` included.
    #[must_use]
    pub fn mask(&self) -> Mask {
        self.mask
    }

    /// pyinotify's `maskname`, e.g. `IN_CREATE|IN_ISDIR`.
    #[must_use]
    pub fn maskname(&self) -> Cow<'static, str> {
        maskname_of(self.mask)
    }

    /// The rename cookie on `IN_MOVED_FROM`/`IN_MOVED_TO`, 0 otherwise.
    #[must_use]
    pub fn cookie(&self) -> u32 {
        self.cookie
    }

    /// The entry's name relative to the watch; empty for the watched item itself.
    #[must_use]
    pub fn name(&self) -> &OsStr {
        self.name.as_os_str()
    }

    /// The watch's path when the event was read (empty for `IN_Q_OVERFLOW`).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The watch's path as shared by the events read while it held (see [`Event::path`]).
    pub(crate) fn shared_path(&self) -> &Arc<Path> {
        &self.path
    }

    /// `path` joined with `name` (just `path` when `name` is empty).
    #[must_use]
    pub fn pathname(&self) -> Cow<'_, Path> {
        if self.name().is_empty() { Cow::Borrowed(&self.path) } else { Cow::Owned(self.path.join(self.name())) }
    }

    /// True if the event's subject is a directory (pyinotify's `dir`; see
    /// [`Event::with_dir`]).
    #[must_use]
    #[doc(alias = "dir")]
    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// On an `IN_MOVED_TO` paired with its `IN_MOVED_FROM`: where the entry came from.
    ///
    /// Set on every `IN_MOVED_TO` whose `IN_MOVED_FROM` the bookkeeping saw, that
    /// is a rename whose source and destination are both in watched directories
    /// (not `IN_ONESHOT` ones), **whatever the watch's mask**: unlike pyinotify,
    /// `IN_MOVED_FROM` need not be asked for. `None` for an entry moved in from
    /// outside every watched directory.
    #[must_use]
    pub fn src_pathname(&self) -> Option<&Path> {
        self.src_pathname.as_deref()
    }

    /// True if an overflow resync synthesized this event.
    #[must_use]
    #[doc(alias = "recovered")]
    pub fn is_recovered(&self) -> bool {
        self.recovered
    }

    /// True for the queue-overflow event.
    #[must_use]
    pub fn is_overflow(&self) -> bool {
        self.mask.contains(Mask::IN_Q_OVERFLOW)
    }
}

/// pyinotify's `maskname` of `mask` (see [`Event::maskname`]).
pub(crate) fn maskname_of(mask: Mask) -> Cow<'static, str> {
    match mask.static_maskname() {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(mask.maskname()),
    }
}

/// Writes bytes as text: valid UTF-8 as is, every other byte as `\xNN`.
pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        f.write_str(chunk.valid())?;
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

fn write_value(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    if bytes.is_empty() { f.write_str("''") } else { write_escaped(f, bytes) }
}

impl fmt::Display for Event {
    /// pyinotify's `repr`: public attributes in alphabetical order, `mask` in hex,
    /// empty strings as `''`, bytes that are not UTF-8 as `\xNN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_overflow() {
            return write!(f, "<Event mask=0x{:x} maskname={} >", self.mask, self.maskname());
        }
        f.write_str("<Event")?;
        if self.mask.intersects(Mask::IN_MOVE) {
            write!(f, " cookie={}", self.cookie)?;
        }
        let dir = if self.dir { "True" } else { "False" };
        write!(f, " dir={dir} mask=0x{:x} maskname={} name=", self.mask, self.maskname())?;
        write_value(f, self.name().as_bytes())?;
        f.write_str(" path=")?;
        write_value(f, self.path.as_os_str().as_bytes())?;
        f.write_str(" pathname=")?;
        write_value(f, self.pathname().as_os_str().as_bytes())?;
        if let Some(src) = &self.src_pathname {
            f.write_str(" src_pathname=")?;
            write_value(f, src.as_os_str().as_bytes())?;
        }
        write!(f, " wd={} >", self.wd)
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Event");
        s.field("wd", &self.wd).field("mask", &self.mask).field("cookie", &self.cookie);
        s.field("name", &self.name()).field("path", &self.path).field("dir", &self.dir);
        s.field("src_pathname", &self.src_pathname).field("recovered", &self.recovered);
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_pyinotify_repr() {
        let ev = Event::new(1, Mask::IN_CREATE, "/w", "f.txt");
        assert_eq!(
            ev.to_string(),
            "<Event dir=False mask=0x100 maskname=IN_CREATE name=f.txt path=/w pathname=/w/f.txt wd=1 >"
        );
    }

    #[test]
    fn display_of_overflow_has_mask_only() {
        assert_eq!(Event::overflow().to_string(), "<Event mask=0x4000 maskname=IN_Q_OVERFLOW >");
    }

    #[test]
    fn display_of_moves_has_cookie_and_src() {
        let ev = Event::new(1, Mask::IN_MOVED_TO, "/w", "b").with_cookie(7).with_src_pathname("/w/a");
        assert_eq!(
            ev.to_string(),
            "<Event cookie=7 dir=False mask=0x80 maskname=IN_MOVED_TO name=b path=/w pathname=/w/b \
             src_pathname=/w/a wd=1 >"
        );
    }

    #[test]
    fn empty_name_prints_quotes_and_pathname_is_path() {
        let ev = Event::new(2, Mask::IN_DELETE_SELF, "/w/d", "").with_dir(true);
        assert_eq!(ev.pathname(), Path::new("/w/d"));
        assert!(ev.to_string().contains("name='' path=/w/d pathname=/w/d"));
        assert!(ev.is_dir());
    }

    #[test]
    fn non_utf8_names_are_kept_as_bytes() {
        let name = OsStr::from_bytes(b"bad-\xff");
        let ev = Event::new(1, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", name);
        assert_eq!(ev.name().as_bytes(), b"bad-\xff");
        assert_eq!(ev.pathname().as_os_str().as_bytes(), b"/w/bad-\xff");
        assert!(ev.is_dir());
        assert!(ev.to_string().contains("name=bad-\\xff "));
    }
}
