//! Adding watches: [`WatchManager::add_watch`] and its options
//! ([`AddWatch`]), run at once or in steps for async code, and
//! [`WatchManager::watch_transient_file`].
//!
//! pyinotify counterpart: `WatchManager.add_watch`, `watch_transient_file`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[cfg(feature = "async")]
use crate::bookkeeping::StepBudget;
use crate::bookkeeping::filter::ExcludeFilter;
use crate::bookkeeping::tree::Outcome;
use crate::bookkeeping::watch_table::WatchOptions;
use crate::handlers::chain::{ChainIfTrue, Chained};
use crate::handlers::process_event::ProcessEvent;
use crate::handlers::shared_handler::SharedHandler;
use crate::types::error::{Error, ErrorKind, Result};
use crate::types::event::Event;
use crate::types::mask::Mask;
use crate::watches::add_results::AddResults;
use crate::watches::paths::{WatchPaths, normalize};
use crate::watches::watch_manager::WatchManager;

/// How much one step of [`AddWatch::apply_async`] does: at most 32
/// directories begun (opened, watched and listed) and as many entries listed
/// as a step of the notifier's walks, so a huge directory is listed over
/// several steps.
#[cfg(feature = "async")]
const ASYNC_WALK_STEP: StepBudget = StepBudget { dirs: 32, entries: crate::pipeline::WALK_STEP_ENTRIES };

impl WatchManager {
    /// Starts adding watches on one path or several (a `&str`, `Path`, `Vec`,
    /// array or slice of them) for the events in `mask`; set options on the
    /// returned [`AddWatch`] and call [`AddWatch::apply`].
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir_all(dir.path().join("2026/12"))?;
    /// let wm = WatchManager::new()?;
    /// let mask = Mask::IN_CLOSE_WRITE | Mask::IN_MOVED_TO;
    /// let added = wm.add_watch(dir.path(), mask).rec(true).auto_add(true).apply()?;
    /// assert_eq!(added.watched(), 3); // the directory, 2026 and 2026/12
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_watch(&self, paths: impl WatchPaths, mask: Mask) -> AddWatch<'_> {
        AddWatch {
            wm: self,
            paths: paths.into_paths(),
            options: WatchOptions { mask, filter: self.exclude_filter(), ..Default::default() },
            do_glob: false,
            quiet: true,
        }
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
        let only_this = ChainIfTrue::new(move |e: &Event| e.name() == base);
        let handler = Chained::new(only_this, handler);
        self.add_watch(dir, mask | Mask::IN_CREATE | Mask::IN_DELETE).proc_fun(handler).quiet(false).apply()
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
    ///
    /// # Examples
    ///
    /// Quiet (the default), a path that cannot be watched is one result among
    /// the others; with `quiet(false)` it is the call's error:
    ///
    /// ```
    /// use greenwatch::{ErrorKind, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let missing = dir.path().join("missing");
    /// let wm = WatchManager::new()?;
    ///
    /// let added = wm.add_watch(vec![dir.path(), missing.as_path()], Mask::IN_CREATE).apply()?;
    /// assert_eq!(added.watched(), 1);
    /// assert_eq!(added.errors().next().unwrap().path(), Some(missing.as_path()));
    ///
    /// let err = wm.add_watch(&missing, Mask::IN_CREATE).quiet(false).apply().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::NotFound);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// steps (at most 32 directories and 1,024 entries each, a huge directory
    /// being listed a chunk at a time over several steps), releasing the watch
    /// manager's lock and yielding to the executor between them, so a large
    /// tree, or a huge directory in it, does not hold the thread (or a notifier
    /// running on the same manager). The result is the same as `apply`'s.
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
