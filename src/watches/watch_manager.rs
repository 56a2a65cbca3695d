//! [`WatchManager`]: the inotify instance and its watch table behind one lock,
//! shared by the notifiers; the queries on its watches. Adding, changing and
//! removing watches have files of their own (`add_watch`, `change_watch`),
//! as has overflow recovery (`recovery`).
//!
//! pyinotify counterpart: `WatchManager`.

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::bookkeeping::Bookkeeper;
use crate::bookkeeping::filter::ExcludeFilter;
use crate::kernel::fs_view::RealFs;
use crate::kernel::sys::InotifyFd;
#[allow(unused_imports)] // for the docs' links
use crate::types::error::ErrorKind;
use crate::types::error::{Error, Result};
use crate::types::event::Wd;
use crate::watches::paths::normalize;
use crate::watches::watch::Watch;

/// The watches of one inotify instance (pyinotify's `WatchManager`).
///
/// A cheap handle: clones share the same instance and table, so a handler can
/// keep one to add or remove watches while a notifier runs. The inotify fd is
/// opened with `IN_CLOEXEC | IN_NONBLOCK` and closed once, when the last clone
/// (and the last notifier using it) is dropped.
///
/// Paths are stored absolute and normalised when a watch is added, so a later
/// `chdir` changes nothing; they are kept true after every move (see the crate docs).
///
/// # Examples
///
/// ```
/// use greenwatch::{Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir(dir.path().join("sub"))?;
/// let wm = WatchManager::new()?;
/// let added = wm.add_watch(dir.path(), Mask::IN_CREATE | Mask::IN_DELETE).rec(true).apply()?;
/// assert_eq!(added.len(), 2);
/// let wd = wm.get_wd(dir.path().join("sub")).unwrap();
/// assert_eq!(wm.get_path(wd).unwrap(), dir.path().join("sub"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WatchManager {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    book: Mutex<Bookkeeper<RealFs>>,
    /// The inotify fd, shared with the bookkeeping's `RealFs`.
    fd: InotifyFd,
    exclude_filter: Option<Arc<ExcludeFilter>>,
}

impl WatchManager {
    /// Opens a new inotify instance.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InstanceLimit`] when `fs.inotify.max_user_instances` (or the
    ///   open-file limit) is reached; the message says how to raise it.
    /// - [`ErrorKind::Io`] for any other failure of `inotify_init1`, passed through.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{ErrorKind, WatchManager};
    ///
    /// let wm = match WatchManager::new() {
    ///     Ok(wm) => wm,
    ///     Err(e) if e.kind() == ErrorKind::InstanceLimit => {
    ///         eprintln!("{e}"); // names fs.inotify.max_user_instances and how to raise it
    ///         std::process::exit(1);
    ///     }
    ///     Err(e) => return Err(e),
    /// };
    /// assert!(wm.is_empty());
    /// let same = wm.clone(); // the same instance and watches, e.g. for a handler
    /// assert_eq!(same.len(), 0);
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn new() -> Result<WatchManager> {
        WatchManager::build(None)
    }

    /// Opens a new instance whose watches use `filter` unless `add_watch` is given
    /// another (pyinotify's `WatchManager(exclude_filter=…)`).
    ///
    /// # Errors
    ///
    /// As [`WatchManager::new`].
    pub fn with_exclude_filter(filter: ExcludeFilter) -> Result<WatchManager> {
        WatchManager::build(Some(Arc::new(filter)))
    }

    fn build(exclude_filter: Option<Arc<ExcludeFilter>>) -> Result<WatchManager> {
        let inotify = InotifyFd::open().map_err(Error::from)?;
        let fd = inotify.clone();
        let book = Mutex::new(Bookkeeper::new(RealFs::new(inotify)));
        Ok(WatchManager { shared: Arc::new(Shared { book, fd, exclude_filter }) })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Bookkeeper<RealFs>> {
        self.shared.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The filter given to [`WatchManager::with_exclude_filter`], if any.
    pub(crate) fn exclude_filter(&self) -> Option<Arc<ExcludeFilter>> {
        self.shared.exclude_filter.clone()
    }

    /// The wd watching `path` (absolute or relative, normalised first), if any.
    #[must_use]
    pub fn get_wd(&self, path: impl AsRef<Path>) -> Option<Wd> {
        let path = normalize(path.as_ref()).ok()?;
        self.lock().table.wd_of(&path)
    }

    /// The current path of watch `wd`, if it exists.
    #[must_use]
    pub fn get_path(&self, wd: Wd) -> Option<PathBuf> {
        self.lock().table.get(wd).map(|e| e.path.to_path_buf())
    }

    /// A snapshot of watch `wd` (pyinotify's `get_watch`).
    #[must_use]
    pub fn get_watch(&self, wd: Wd) -> Option<Watch> {
        self.lock().table.get(wd).map(Watch::from_entry)
    }

    /// A snapshot of every watch, ordered by path.
    #[must_use]
    pub fn watches(&self) -> Vec<Watch> {
        self.lock().table.iter().map(Watch::from_entry).collect()
    }

    /// How many watches there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().table.len()
    }

    /// True when nothing is watched.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// While true, events are read and dropped, not deferred (pyinotify's `ignore_events`).
    pub fn set_ignore_events(&self, ignore: bool) {
        self.lock().ignore_events = ignore;
    }

    /// See [`WatchManager::set_ignore_events`].
    #[must_use]
    pub fn ignore_events(&self) -> bool {
        self.lock().ignore_events
    }

    /// Caps how many watches this manager holds: once `max` are held, walks
    /// (recursive `add_watch`, auto_add, resync) leave further directories
    /// unwatched, in the degraded mode of the kernel's watch limit: they are
    /// listed by [`WatchManager::unwatched`] and reported by one error of kind
    /// [`ErrorKind::WatchLimit`] per walk, with their count (in the results of
    /// `add_watch`, or from [`WatchManager::take_failures`]). `None` (the
    /// default) leaves only the kernel's limit. A path named to `add_watch`
    /// itself is always watched (with, as ever, a hidden watch on its parent,
    /// not counted). Meant for a service watching a tree others can
    /// write: they cannot make it spend more than `max` watches.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{ErrorKind, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// for d in ["a", "b", "c"] {
    ///     std::fs::create_dir(dir.path().join(d))?;
    /// }
    /// let wm = WatchManager::new()?;
    /// wm.set_max_watches(Some(2));
    /// let added = wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).apply()?;
    /// assert_eq!(added.watched(), 2);
    /// assert_eq!(wm.unwatched().len(), 2);
    /// assert_eq!(added.errors().next().unwrap().kind(), ErrorKind::WatchLimit);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_max_watches(&self, max: Option<usize>) {
        self.lock().max_watches = max;
    }

    /// See [`WatchManager::set_max_watches`].
    #[must_use]
    pub fn max_watches(&self) -> Option<usize> {
        self.lock().max_watches
    }

    /// Directories that auto_add or a move could not watch since the last call
    /// (permission denied, watch limit…), each error naming its path.
    ///
    /// Each failure is also logged (`log::debug!`, target `greenwatch`). At most
    /// 1,024 are kept between two calls; the ones after that are counted, and
    /// the last error returned then says how many were dropped.
    #[must_use]
    pub fn take_failures(&self) -> Vec<Error> {
        self.lock().failures.take()
    }
}

impl fmt::Debug for WatchManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchManager").field("fd", &self.shared.fd.as_raw_fd()).field("watches", &self.len()).finish()
    }
}

/// The inotify fd (pyinotify's `get_fd()`), to drive a `WatchManager` from
/// another event loop (tokio's `AsyncFd`, calloop, mio…): wait until it is
/// readable, then run a notifier's `read_events` and `process_events`. It stays
/// owned by the manager and is closed when the last clone is dropped.
///
/// ```
/// use std::os::fd::AsFd;
///
/// let wm = greenwatch::WatchManager::new()?;
/// let fd = wm.as_fd(); // borrowed for as long as `wm`
/// # let _ = fd;
/// # Ok::<(), greenwatch::Error>(())
/// ```
impl AsFd for WatchManager {
    #[doc(alias = "get_fd")]
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.shared.fd.as_fd()
    }
}

impl AsRawFd for WatchManager {
    fn as_raw_fd(&self) -> RawFd {
        self.shared.fd.as_raw_fd()
    }
}
