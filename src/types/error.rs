//! The crate's error type: what went wrong, on which path, and how to fix it.
//!
//! pyinotify counterpart: `WatchManagerError`, `NotifierError` and the `-1` codes of `add_watch`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A `Result` whose error is greenwatch's [`Error`].
///
/// The second parameter defaults to [`Error`], so `Result<T>` reads as
/// greenwatch's and `Result<T, E>` still works where another error is meant.
///
/// ```
/// use std::path::Path;
///
/// use greenwatch::{Mask, Wd, WatchManager};
///
/// /// Watches `dir` for new files; the error names the path if it cannot.
/// fn watch_inbox(wm: &WatchManager, dir: &Path) -> greenwatch::Result<Wd> {
///     let added = wm.add_watch(dir, Mask::IN_CREATE).quiet(false).apply()?;
///     Ok(added.wd(dir).expect("quiet(false) returned no error"))
/// }
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// assert!(watch_inbox(&wm, dir.path()).is_ok());
/// let err = watch_inbox(&wm, &dir.path().join("missing")).unwrap_err();
/// assert_eq!(err.kind(), greenwatch::ErrorKind::NotFound);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is.
///
/// ```
/// use greenwatch::{ErrorKind, Mask, WatchManager};
///
/// let wm = WatchManager::new()?;
/// match wm.add_watch("/no/such/dir", Mask::IN_CREATE).quiet(false).apply() {
///     Err(e) if e.kind() == ErrorKind::NotFound => println!("skipped: {e}"),
///     Err(e) => return Err(e),
///     Ok(_) => unreachable!(),
/// }
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The path does not exist (`ENOENT`).
    NotFound,
    /// The path cannot be read or searched (`EACCES`, `EPERM`).
    PermissionDenied,
    /// The per-user watch limit `fs.inotify.max_user_watches` is reached (`ENOSPC`).
    WatchLimit,
    /// The per-user instance limit `fs.inotify.max_user_instances` is reached (`EMFILE`).
    InstanceLimit,
    /// `IN_ONLYDIR` was given and the path is not a directory (`ENOTDIR`).
    NotADirectory,
    /// A mask name could not be parsed, or a mask holds no event.
    InvalidMask,
    /// An exclude pattern is not a valid regular expression.
    InvalidPattern,
    /// The watch descriptor is not (or no longer) one of this manager's watches.
    UnknownWatch,
    /// The notifier was stopped, or a handler panicked and the notifier was set to stop.
    Stopped,
    /// Any other I/O error, passed through from the kernel.
    Io,
    /// [`NotifierHandle::settle`](crate::NotifierHandle::settle) was awaited
    /// inside one of the notifier's own handlers: it would wait for that very handler.
    WouldDeadlock,
}

impl ErrorKind {
    /// A short lowercase description, as `Display` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::WatchLimit => "inotify watch limit reached",
            ErrorKind::InstanceLimit => "inotify instance limit reached",
            ErrorKind::NotADirectory => "not a directory",
            ErrorKind::InvalidMask => "invalid mask",
            ErrorKind::InvalidPattern => "invalid exclude pattern",
            ErrorKind::UnknownWatch => "unknown watch descriptor",
            ErrorKind::Stopped => "notifier stopped",
            ErrorKind::Io => "i/o error",
            ErrorKind::WouldDeadlock => "settle awaited inside a handler would wait for itself",
        }
    }
}

impl fmt::Display for ErrorKind {
    /// The kind in a few lowercase words, e.g. `inotify watch limit reached`.
    ///
    /// ```
    /// assert_eq!(greenwatch::ErrorKind::NotFound.to_string(), "not found");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with its kind, the path it concerns and, for I/O failures, the OS error.
///
/// Messages are lowercase, end without a newline, and name the fix where there is
/// one (the `sysctl` line to raise an inotify limit).
///
/// # Examples
///
/// ```
/// use greenwatch::{ErrorKind, Mask, WatchManager};
///
/// let wm = WatchManager::new()?;
/// let err = wm.add_watch("/no/such/dir", Mask::IN_CREATE).quiet(false).apply().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.path().unwrap().to_str(), Some("/no/such/dir"));
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub struct Error {
    /// Boxed, so that an `Error` is one pointer: results, and the outcomes of
    /// a recursive walk (one per directory), stay small.
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    path: Option<PathBuf>,
    /// What was being done to `path` (`cannot watch`, `cannot read`…).
    action: &'static str,
    message: String,
    source: Option<io::Error>,
}

impl Inner {
    fn boxed(self) -> Error {
        Error { inner: Box::new(self) }
    }
}

impl Error {
    /// An error of `kind` with a message and no path.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Inner { kind, path: None, action: "cannot watch", message: message.into(), source: None }.boxed()
    }

    /// Classifies an OS error met while watching `path`, with the fix where one exists.
    pub fn from_io(err: io::Error, path: impl Into<PathBuf>) -> Error {
        let path = path.into();
        let (kind, message) = classify(&err);
        Inner { kind, path: Some(path), action: "cannot watch", message, source: Some(err) }.boxed()
    }

    /// Says what was being done to the path when it failed, for `Display`
    /// (`cannot watch` unless set, e.g. `cannot read` for an exclude file).
    #[must_use]
    pub fn with_action(mut self, action: &'static str) -> Error {
        self.inner.action = action;
        self
    }

    /// Attaches the path this error concerns.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Error {
        self.inner.path = Some(path.into());
        self
    }

    /// Appends `note` to the message (e.g. how many directories a limit left unwatched).
    #[must_use]
    pub(crate) fn with_note(mut self, note: &str) -> Error {
        self.inner.message.push_str(note);
        self
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The path concerned, if any.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The message without the path.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The OS error number, when the error came from the kernel.
    #[must_use]
    pub fn raw_os_error(&self) -> Option<i32> {
        self.inner.source.as_ref().and_then(io::Error::raw_os_error)
    }
}

/// Maps an OS error to a kind and a message that says how to fix it.
fn classify(err: &io::Error) -> (ErrorKind, String) {
    match err.raw_os_error() {
        Some(libc::ENOENT) => (ErrorKind::NotFound, "no such file or directory".into()),
        Some(libc::EACCES) | Some(libc::EPERM) => (ErrorKind::PermissionDenied, "permission denied".into()),
        Some(libc::ENOTDIR) => (ErrorKind::NotADirectory, "not a directory".into()),
        Some(libc::ENOSPC) => (ErrorKind::WatchLimit, crate::types::limits::watch_limit_message()),
        Some(libc::EMFILE) => (ErrorKind::InstanceLimit, crate::types::limits::instance_limit_message()),
        _ => (ErrorKind::Io, lowercase_first(&strip_os_suffix(&err.to_string()))),
    }
}

/// `io::Error`'s Display ends in " (os error N)"; keep the words only.
fn strip_os_suffix(text: &str) -> String {
    match text.rfind(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.path {
            Some(path) => write!(f, "{} {}: {}", self.inner.action, path.display(), self.inner.message),
            None => f.write_str(&self.inner.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("path", &self.inner.path)
            .field("message", &self.inner.message)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_ref().map(|e| e as _)
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        let (kind, message) = classify(&err);
        Inner { kind, path: None, action: "cannot watch", message, source: Some(err) }.boxed()
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        let kind = match err.inner.kind {
            ErrorKind::NotFound => io::ErrorKind::NotFound,
            ErrorKind::PermissionDenied => io::ErrorKind::PermissionDenied,
            ErrorKind::InvalidMask | ErrorKind::InvalidPattern => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_and_a_walk_outcome_are_small() {
        assert_eq!(size_of::<Error>(), size_of::<usize>());
    }

    fn os(code: i32) -> Error {
        Error::from_io(io::Error::from_raw_os_error(code), "/w/x")
    }

    #[test]
    fn each_errno_maps_to_its_kind() {
        assert_eq!(os(libc::ENOENT).kind(), ErrorKind::NotFound);
        assert_eq!(os(libc::EACCES).kind(), ErrorKind::PermissionDenied);
        assert_eq!(os(libc::ENOTDIR).kind(), ErrorKind::NotADirectory);
        assert_eq!(os(libc::ENOSPC).kind(), ErrorKind::WatchLimit);
        assert_eq!(os(libc::EMFILE).kind(), ErrorKind::InstanceLimit);
        assert_eq!(os(libc::EIO).kind(), ErrorKind::Io);
    }

    #[test]
    fn display_names_path_and_cause_without_newline() {
        let text = os(libc::ENOENT).to_string();
        assert_eq!(text, "cannot watch /w/x: no such file or directory");
        assert_eq!(os(libc::EIO).to_string(), "cannot watch /w/x: input/output error");
    }

    #[test]
    fn watch_limit_message_names_the_sysctl() {
        let text = os(libc::ENOSPC).to_string();
        assert!(text.contains("fs.inotify.max_user_watches"), "{text}");
        assert!(text.contains("sysctl fs.inotify.max_user_watches="), "{text}");
        let text = os(libc::EMFILE).to_string();
        assert!(text.contains("fs.inotify.max_user_instances"), "{text}");
    }

    #[test]
    fn source_is_the_os_error() {
        use std::error::Error as _;
        let err = os(libc::ENOENT);
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        assert!(err.source().is_some());
    }
}
