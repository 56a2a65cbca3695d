//! Changing and removing watches: [`WatchManager::update_watch`] and
//! [`WatchManager::rm_watch`], with their options ([`UpdateWatch`], [`RmWatch`]).
//!
//! pyinotify counterpart: `WatchManager.update_watch`, `rm_watch`.

use std::fmt;

use crate::bookkeeping::tree::Update;
use crate::handlers::process_event::ProcessEvent;
use crate::handlers::shared_handler::SharedHandler;
#[allow(unused_imports)] // for the docs' links
use crate::types::error::ErrorKind;
use crate::types::error::Result;
use crate::types::event::Wd;
use crate::types::mask::Mask;
use crate::watches::watch_manager::WatchManager;

impl WatchManager {
    /// Starts changing watch `wd`: see [`UpdateWatch`].
    ///
    /// ```
    /// use greenwatch::{Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir(dir.path().join("sub"))?;
    /// let wm = WatchManager::new()?;
    /// let wd = wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).apply()?.wd(dir.path()).unwrap();
    /// // Add IN_DELETE to this watch and every one below it.
    /// wm.update_watch(wd).mask(Mask::IN_DELETE | Mask::IN_MASK_ADD).rec(true).quiet(false).apply()?;
    /// let sub = wm.get_wd(dir.path().join("sub")).unwrap();
    /// assert_eq!(wm.get_watch(sub).unwrap().mask(), Mask::IN_CREATE | Mask::IN_DELETE);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_watch(&self, wd: Wd) -> UpdateWatch<'_> {
        UpdateWatch { wm: self, wd, change: Update::default(), rec: false, quiet: true }
    }

    /// Starts removing watch `wd`: see [`RmWatch`].
    ///
    /// ```
    /// use greenwatch::{ErrorKind, Mask, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir_all(dir.path().join("a/b"))?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).apply()?;
    /// let a = wm.get_wd(dir.path().join("a")).unwrap();
    /// let removed = wm.rm_watch(a).rec(true).apply()?; // a and a/b
    /// assert_eq!(removed.len(), 2);
    /// assert_eq!(wm.len(), 1);
    /// let again = wm.rm_watch(a).quiet(false).apply().unwrap_err();
    /// assert_eq!(again.kind(), ErrorKind::UnknownWatch);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rm_watch(&self, wd: Wd) -> RmWatch<'_> {
        RmWatch { wm: self, wd, rec: false, quiet: true }
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
