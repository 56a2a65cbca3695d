//! [`WatchManager`]: the inotify instance and its watches, shared by the notifiers.
//!
//! pyinotify counterpart: `WatchManager` and `Watch`.

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::bookkeeping::Bookkeeper;
use crate::bookkeeping::filter::ExcludeFilter;
use crate::bookkeeping::tree::{Outcome, Update};
use crate::bookkeeping::watch_table::WatchOptions;
use crate::handlers::process_event::ProcessEvent;
use crate::handlers::shared_handler::SharedHandler;
use crate::kernel::fs_view::RealFs;
use crate::kernel::sys::InotifyFd;
use crate::types::error::{Error, ErrorKind, Result};
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// How many directories one step of [`AddWatch::apply_async`] watches.
#[cfg(feature = "async")]
const ASYNC_WALK_STEP: usize = 32;

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

    /// Starts adding watches on one path or several (a `&str`, `Path`, `Vec`,
    /// array or slice of them) for the events in `mask`; set options on the
    /// returned [`AddWatch`] and call [`AddWatch::apply`].
    pub fn add_watch(&self, paths: impl WatchPaths, mask: Mask) -> AddWatch<'_> {
        AddWatch {
            wm: self,
            paths: paths.into_paths(),
            options: WatchOptions { mask, filter: self.shared.exclude_filter.clone(), ..Default::default() },
            do_glob: false,
            quiet: true,
        }
    }

    /// Starts changing watch `wd`: see [`UpdateWatch`].
    pub fn update_watch(&self, wd: Wd) -> UpdateWatch<'_> {
        UpdateWatch { wm: self, wd, change: Update::default(), rec: false, quiet: true }
    }

    /// Starts removing watch `wd`: see [`RmWatch`].
    pub fn rm_watch(&self, wd: Wd) -> RmWatch<'_> {
        RmWatch { wm: self, wd, rec: false, quiet: true }
    }

    /// Watches a file that is created and deleted over and over (a pid file, a
    /// lock): its directory is watched for `mask | IN_CREATE | IN_DELETE`, and only
    /// events whose name is the file's reach `handler` (pyinotify's
    /// `watch_transient_file`). Another watch on the same directory shares its
    /// descriptor and replaces its handler, as in pyinotify.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] naming the file when it has no parent directory
    /// or no file name; otherwise as [`AddWatch::apply`] with `quiet(false)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{Event, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// let added = wm.watch_transient_file(dir.path().join("app.pid"), Mask::IN_MODIFY, |e: &Event| {
    ///     println!("{}", e.maskname());
    /// })?;
    /// assert_eq!(added.watched(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn watch_transient_file<H>(&self, filename: impl AsRef<Path>, mask: Mask, handler: H) -> Result<AddResults>
    where
        H: ProcessEvent + Send + 'static,
    {
        let path = normalize(filename.as_ref()).map_err(|e| Error::from_io(e, filename.as_ref()))?;
        let (Some(dir), Some(base)) = (path.parent(), path.file_name()) else {
            return Err(
                Error::new(ErrorKind::NotFound, "a transient file needs a directory and a name").with_path(&path)
            );
        };
        let base = base.to_owned();
        let only_this =
            crate::handlers::process_event::ChainIfTrue::new(move |e: &crate::types::event::Event| e.name() == base);
        let handler = crate::handlers::process_event::Chained::new(only_this, handler);
        self.add_watch(dir, mask | Mask::IN_CREATE | Mask::IN_DELETE).proc_fun(handler).quiet(false).apply()
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

/// One or several paths for [`WatchManager::add_watch`].
pub trait WatchPaths {
    /// The paths, in order.
    fn into_paths(self) -> Vec<PathBuf>;
}

macro_rules! one_path {
    ($($t:ty),*) => {$(
        impl WatchPaths for $t {
            fn into_paths(self) -> Vec<PathBuf> {
                vec![PathBuf::from(self)]
            }
        }
    )*};
}

one_path!(&str, String, &String, &Path, PathBuf, &PathBuf, &std::ffi::OsStr, std::ffi::OsString);

impl<P: AsRef<Path>> WatchPaths for Vec<P> {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

impl<P: AsRef<Path>> WatchPaths for &[P] {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

impl<P: AsRef<Path>, const N: usize> WatchPaths for [P; N] {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

/// Options of one `add_watch` call (pyinotify's keyword arguments); finish with [`AddWatch::apply`].
///
/// ```
/// use greenwatch::{Mask, Outcome, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let added = wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).auto_add(true).apply()?;
/// assert!(matches!(added.get(dir.path()), Some(Outcome::Added(_))));
/// assert_eq!(added.errors().count(), 0);
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[must_use = "nothing is watched until `apply` is called"]
pub struct AddWatch<'a> {
    wm: &'a WatchManager,
    paths: Vec<PathBuf>,
    options: WatchOptions,
    do_glob: bool,
    quiet: bool,
}

impl AddWatch<'_> {
    /// Also watch every directory below each path (pyinotify's `rec`). Symlinks
    /// below the path are not followed; excluded directories are not walked.
    pub fn rec(mut self, rec: bool) -> Self {
        self.options.rec = rec;
        self
    }

    /// Watch directories created later too, and report the entries they already
    /// hold with synthesized `IN_CREATE` events (pyinotify's `auto_add`).
    pub fn auto_add(mut self, auto_add: bool) -> Self {
        self.options.auto_add = auto_add;
        self
    }

    /// Expand shell wildcards in the paths (pyinotify's `do_glob`).
    pub fn do_glob(mut self, do_glob: bool) -> Self {
        self.do_glob = do_glob;
        self
    }

    /// `true` (the default, as in pyinotify): failures are reported in the results.
    /// `false`: the first failure is returned as an error (the watches added before
    /// it stay).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Directories matching `filter` are neither watched nor walked, now or when they appear later.
    pub fn exclude_filter(mut self, filter: ExcludeFilter) -> Self {
        self.options.filter = Some(Arc::new(filter));
        self
    }

    /// The handler for these watches' events, instead of the notifier's default
    /// (pyinotify's `proc_fun`). Watches auto_add creates below them share it.
    pub fn proc_fun<H: ProcessEvent + Send + 'static>(self, handler: H) -> Self {
        self.shared_proc_fun(SharedHandler::new(handler))
    }

    /// Like [`AddWatch::proc_fun`], with a handler shared with other watches.
    pub fn shared_proc_fun(mut self, handler: SharedHandler) -> Self {
        self.options.handler = Some(handler);
        self
    }

    /// Adds the watches.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidMask`] when the mask holds no event.
    /// - With `quiet(false)`: the first path that failed — [`ErrorKind::NotFound`],
    ///   [`ErrorKind::PermissionDenied`], [`ErrorKind::WatchLimit`] (the message
    ///   names `fs.inotify.max_user_watches` and the `sysctl` line to raise it),
    ///   [`ErrorKind::NotADirectory`] (with `IN_ONLYDIR`), or the OS error.
    pub fn apply(self) -> Result<AddResults> {
        let paths = self.checked_paths()?;
        let mut results = Vec::new();
        let mut book = self.wm.lock();
        for path in paths {
            book.add_tree(&path, &self.options, &mut results);
        }
        drop(book);
        self.finish(results)
    }

    /// [`AddWatch::apply`] for async code (feature `async`): a recursive walk proceeds in bounded
    /// steps (a few dozen directories each), releasing the watch manager's lock
    /// and yielding to the executor between them, so a large tree does not hold
    /// the thread (or a notifier running on the same manager). The result is the
    /// same as `apply`'s.
    ///
    /// # Errors
    ///
    /// As [`AddWatch::apply`].
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir_all(dir.path().join("a/b"))?;
    /// let wm = WatchManager::new()?;
    /// let added = smol::block_on(wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).apply_async())?;
    /// assert_eq!(added.watched(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "async")]
    pub async fn apply_async(self) -> Result<AddResults> {
        let paths = self.checked_paths()?;
        let mut results = Vec::new();
        for path in paths {
            let walk = self.wm.lock().start_tree(&path, &self.options, &mut results);
            let Some(mut walk) = walk else { continue };
            while !self.wm.lock().tree_step(&mut walk, ASYNC_WALK_STEP, &mut results) {
                futures_lite::future::yield_now().await;
            }
        }
        self.finish(results)
    }

    /// The paths to watch, once the mask is checked.
    fn checked_paths(&self) -> Result<Vec<PathBuf>> {
        if !self.options.mask.intersects(Mask::ALL_EVENTS | Mask::from_bits_retain(0xe000)) {
            return Err(Error::new(ErrorKind::InvalidMask, "the mask holds no event (e.g. IN_CREATE)"));
        }
        self.expanded_paths()
    }

    /// The results, or with `quiet(false)` the first failure.
    fn finish(&self, mut results: Vec<(Arc<Path>, Outcome)>) -> Result<AddResults> {
        if !self.quiet
            && let Some(pos) = results.iter().position(|(_, o)| matches!(o, Outcome::Failed(_)))
        {
            let Outcome::Failed(err) = results.swap_remove(pos).1 else { unreachable!() };
            return Err(err);
        }
        Ok(AddResults { entries: results })
    }

    fn expanded_paths(&self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for path in &self.paths {
            let abs = normalize(path).map_err(|e| Error::from_io(e, path))?;
            if !self.do_glob {
                out.push(abs);
                continue;
            }
            #[cfg(not(feature = "glob"))]
            return Err(Error::new(ErrorKind::InvalidPattern, "do_glob needs the `glob` feature").with_path(path));
            #[cfg(feature = "glob")]
            {
                let pattern = abs.to_str().ok_or_else(|| {
                    Error::new(ErrorKind::InvalidPattern, "a glob pattern must be valid UTF-8").with_path(path)
                })?;
                let matches = glob::glob(pattern)
                    .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid glob: {e}")).with_path(path))?;
                out.extend(matches.filter_map(std::result::Result::ok));
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for AddWatch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddWatch").field("paths", &self.paths).field("options", &self.options).finish()
    }
}

/// What `add_watch` did, per path (pyinotify's `{path: wd}`), in walk order.
///
/// ```
/// use greenwatch::{Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let added = wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let wd = added.wd(dir.path()).unwrap(); // pyinotify's `added[path]`
/// assert_eq!(wm.get_path(wd).as_deref(), Some(dir.path()));
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct AddResults {
    /// The paths of watched directories are the watch table's own (shared).
    entries: Vec<(Arc<Path>, Outcome)>,
}

impl AddResults {
    /// The outcome for `path` (compared after normalisation).
    #[must_use]
    pub fn get(&self, path: impl AsRef<Path>) -> Option<&Outcome> {
        let path = normalize(path.as_ref()).ok()?;
        self.entries.iter().find(|(p, _)| **p == *path).map(|(_, o)| o)
    }

    /// The wd of `path`, if it was watched.
    #[must_use]
    pub fn wd(&self, path: impl AsRef<Path>) -> Option<Wd> {
        self.get(path).and_then(Outcome::wd)
    }

    /// Every path with its outcome.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &Outcome)> {
        self.entries.iter().map(|(p, o)| (&**p, o))
    }

    /// The errors, each naming its path.
    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.entries.iter().filter_map(|(_, o)| match o {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
    }

    /// How many paths were considered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if no path was considered (e.g. a glob matched nothing).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many paths are now watched.
    #[must_use]
    pub fn watched(&self) -> usize {
        self.entries.iter().filter(|(_, o)| o.wd().is_some()).count()
    }
}

impl IntoIterator for AddResults {
    type Item = (PathBuf, Outcome);
    type IntoIter = std::iter::Map<std::vec::IntoIter<(Arc<Path>, Outcome)>, fn((Arc<Path>, Outcome)) -> Self::Item>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter().map(|(path, outcome)| (path.to_path_buf(), outcome))
    }
}

/// Options of one `update_watch` call; finish with [`UpdateWatch::apply`].
///
/// ```
/// use greenwatch::{Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let wd = wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?.wd(dir.path()).unwrap();
/// wm.update_watch(wd).mask(Mask::IN_DELETE).apply()?;
/// assert_eq!(wm.get_watch(wd).unwrap().mask(), Mask::IN_DELETE);
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[must_use = "nothing changes until `apply` is called"]
pub struct UpdateWatch<'a> {
    wm: &'a WatchManager,
    wd: Wd,
    change: Update,
    rec: bool,
    quiet: bool,
}

impl UpdateWatch<'_> {
    /// A new mask (with `IN_MASK_ADD`: added to the current one). Unlike
    /// pyinotify, the stored mask follows, so auto-added watches inherit it.
    pub fn mask(mut self, mask: Mask) -> Self {
        self.change.mask = Some(mask);
        self
    }

    /// Switch auto_add on or off (pyinotify could not switch it off).
    pub fn auto_add(mut self, auto_add: bool) -> Self {
        self.change.auto_add = Some(auto_add);
        self
    }

    /// A new handler for the watch.
    pub fn proc_fun<H: ProcessEvent + Send + 'static>(mut self, handler: H) -> Self {
        self.change.handler = Some(SharedHandler::new(handler));
        self
    }

    /// Apply to every watch below this one too.
    pub fn rec(mut self, rec: bool) -> Self {
        self.rec = rec;
        self
    }

    /// `false`: return the first failure as an error.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Applies the change; one result per wd (pyinotify's `{wd: bool}`).
    ///
    /// # Errors
    ///
    /// With `quiet(false)`: the first failure ([`ErrorKind::UnknownWatch`] or the OS error).
    pub fn apply(self) -> Result<Vec<(Wd, Result<()>)>> {
        let results = self.wm.lock().update(self.wd, &self.change, self.rec);
        first_error(results, self.quiet)
    }
}

impl fmt::Debug for UpdateWatch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateWatch").field("wd", &self.wd).field("change", &self.change).finish()
    }
}

/// Options of one `rm_watch` call; finish with [`RmWatch::apply`].
///
/// ```
/// use greenwatch::{Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let wd = wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?.wd(dir.path()).unwrap();
/// wm.rm_watch(wd).apply()?;
/// assert!(wm.is_empty());
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[must_use = "nothing is removed until `apply` is called"]
#[derive(Debug)]
pub struct RmWatch<'a> {
    wm: &'a WatchManager,
    wd: Wd,
    rec: bool,
    quiet: bool,
}

impl RmWatch<'_> {
    /// Remove every watch below this one too (safe, unlike pyinotify's #133).
    pub fn rec(mut self, rec: bool) -> Self {
        self.rec = rec;
        self
    }

    /// `false`: return the first failure as an error.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Removes the watches; one result per wd. Their `IN_IGNORED` is not delivered.
    ///
    /// # Errors
    ///
    /// With `quiet(false)`: the first failure ([`ErrorKind::UnknownWatch`] or the OS error).
    pub fn apply(self) -> Result<Vec<(Wd, Result<()>)>> {
        let results = self.wm.lock().remove(self.wd, self.rec);
        first_error(results, self.quiet)
    }
}

fn first_error(mut results: Vec<(Wd, Result<()>)>, quiet: bool) -> Result<Vec<(Wd, Result<()>)>> {
    if !quiet && let Some(pos) = results.iter().position(|(_, r)| r.is_err()) {
        return Err(results.swap_remove(pos).1.unwrap_err());
    }
    Ok(results)
}

/// A snapshot of one watch (pyinotify's `Watch`).
///
/// ```
/// use greenwatch::{Mask, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// let wd = wm.add_watch(dir.path(), Mask::IN_CREATE).auto_add(true).apply()?.wd(dir.path()).unwrap();
/// let watch = wm.get_watch(wd).unwrap();
/// assert!(watch.is_dir() && watch.is_auto_add() && !watch.is_recursive());
/// assert!(watch.to_string().starts_with("<Watch wd="));
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Watch {
    wd: Wd,
    path: PathBuf,
    mask: Mask,
    auto_add: bool,
    rec: bool,
    dir: bool,
    has_proc_fun: bool,
}

impl Watch {
    fn from_entry(e: &crate::bookkeeping::watch_table::WatchEntry) -> Watch {
        Watch {
            wd: e.wd,
            path: e.path.to_path_buf(),
            mask: e.options.mask,
            auto_add: e.options.auto_add,
            rec: e.options.rec,
            dir: e.dir,
            has_proc_fun: e.options.handler.is_some(),
        }
    }

    /// The watch descriptor.
    #[must_use]
    pub fn wd(&self) -> Wd {
        self.wd
    }

    /// The watched item's current path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The user's mask (what is delivered).
    #[must_use]
    pub fn mask(&self) -> Mask {
        self.mask
    }

    /// Whether new directories below are watched (pyinotify's `auto_add`).
    #[must_use]
    #[doc(alias = "auto_add")]
    pub fn is_auto_add(&self) -> bool {
        self.auto_add
    }

    /// Whether the watch was added recursively (`rec=True`).
    #[must_use]
    #[doc(alias = "rec")]
    pub fn is_recursive(&self) -> bool {
        self.rec
    }

    /// Whether the item was a directory when the watch was added (pyinotify's `dir`).
    #[must_use]
    #[doc(alias = "dir")]
    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// Whether the watch has its own handler.
    #[must_use]
    pub fn has_proc_fun(&self) -> bool {
        self.has_proc_fun
    }
}

impl fmt::Display for Watch {
    /// pyinotify's `repr`: `<Watch wd=1 path=/w mask=256 proc_fun=None auto_add=False … >`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = |v: bool| if v { "True" } else { "False" };
        write!(f, "<Watch wd={} path=", self.wd)?;
        crate::types::event::write_escaped(f, self.path.as_os_str().as_encoded_bytes())?;
        let proc_fun = if self.has_proc_fun { "ProcessEvent" } else { "None" };
        write!(f, " mask={} proc_fun={proc_fun} auto_add={} dir={} >", self.mask.bits(), b(self.auto_add), b(self.dir))
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

/// Makes `path` absolute against the current directory and removes `.` and `..`
/// lexically, like Python's `os.path.abspath` (symlinks are not resolved).
pub(crate) fn normalize(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical_and_absolute() {
        assert_eq!(normalize(Path::new("/a/./b/../c/")).unwrap(), Path::new("/a/c"));
        assert_eq!(normalize(Path::new("/..")).unwrap(), Path::new("/"));
        assert!(normalize(Path::new("rel")).unwrap().is_absolute());
    }

    #[test]
    fn outcome_codes_match_pyinotify() {
        assert_eq!(Outcome::Added(3).code(), 3);
        assert_eq!(Outcome::Excluded.code(), -2);
        assert_eq!(Outcome::Failed(Error::new(ErrorKind::Io, "x")).code(), -1);
    }
}
