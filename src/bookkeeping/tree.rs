//! Adding, updating and removing watches: what becomes of each path given to
//! `add_watch` ([`Outcome`]), `update_watch` and `rm_watch`. The recursive
//! walk that adds a tree, whole for `AddWatch::apply` or in bounded steps
//! (directories and entries) for `AddWatch::apply_async`, is in `tree_walk.rs`.
//!
//! I/O goes through [`FsView`], like the rest of the bookkeeping.
//! pyinotify counterpart: `WatchManager.add_watch`, `update_watch`, `rm_watch`.

use crate::bookkeeping::Bookkeeper;
use crate::handlers::shared_handler::SharedHandler;
use crate::kernel::fs_view::FsView;
use crate::types::error::{Error, ErrorKind, Result};
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// What became of one path given to `add_watch` (pyinotify's wd, `-2` or `-1`).
///
/// By default (`quiet(true)`, as in pyinotify) a path that cannot be watched
/// does not fail the call: it comes back as [`Outcome::Failed`] among the
/// others, in the [`AddResults`](crate::AddResults).
///
/// ```
/// use greenwatch::{Mask, Outcome, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let missing = dir.path().join("missing");
/// let wm = WatchManager::new()?;
/// let added = wm.add_watch([dir.path(), missing.as_path()], Mask::IN_CREATE).apply()?;
/// for (path, outcome) in added.iter() {
///     match outcome {
///         Outcome::Added(wd) => println!("{} is watch {wd}", path.display()),
///         Outcome::Excluded => println!("{} is excluded", path.display()),
///         Outcome::Failed(e) => println!("{e}"), // the message names the path
///         _ => {}
///     }
/// }
/// assert!(matches!(added.get(dir.path()), Some(Outcome::Added(_))));
/// assert_eq!(added.get(&missing).map(Outcome::code), Some(-1)); // pyinotify's code
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Watched under this descriptor.
    Added(Wd),
    /// Matched the exclude filter: not watched, and not walked.
    Excluded,
    /// Could not be watched; the error names the path and the cause.
    Failed(Error),
}

impl Outcome {
    /// The wd, if the path is watched.
    #[must_use]
    pub fn wd(&self) -> Option<Wd> {
        match self {
            Outcome::Added(wd) => Some(*wd),
            _ => None,
        }
    }

    /// pyinotify's code: the wd, `-2` when excluded, `-1` on failure.
    #[must_use]
    pub fn code(&self) -> Wd {
        match self {
            Outcome::Added(wd) => *wd,
            Outcome::Excluded => -2,
            Outcome::Failed(_) => -1,
        }
    }
}

impl<F: FsView> Bookkeeper<F> {
    /// Changes what watch `wd` (and, with `rec`, every watch below it) reports.
    /// A mask with `IN_MASK_ADD` adds to the current one; otherwise it replaces it.
    pub(crate) fn update(&mut self, wd: Wd, change: &Update, rec: bool) -> Vec<(Wd, Result<()>)> {
        let Some(path) = self.table.get(wd).map(|e| e.path.clone()) else {
            return vec![(wd, Err(unknown_wd(wd)))];
        };
        let targets = if rec { self.table.subtree(&path) } else { vec![wd] };
        targets.into_iter().map(|w| (w, self.update_one(w, change))).collect()
    }

    fn update_one(&mut self, wd: Wd, change: &Update) -> Result<()> {
        let entry = self.table.get_mut(wd).ok_or_else(|| unknown_wd(wd))?;
        if let Some(mask) = change.mask {
            if mask.contains(Mask::IN_MASK_ADD) {
                entry.options.mask |= mask - Mask::IN_MASK_ADD;
            } else {
                entry.options.mask = mask;
            }
        }
        if let Some(auto_add) = change.auto_add {
            entry.options.auto_add = auto_add;
        }
        if let Some(handler) = &change.handler {
            entry.options.handler = Some(handler.clone());
        }
        let (path, mask, root) = (entry.path.clone(), entry.kernel_mask(), entry.root);
        // A root is what the user named; below it, the path is opened without
        // following a symlink, so the new mask lands on the watched tree only.
        let got = if root {
            self.fs.add_watch(&path, mask)
        } else {
            self.open_known(&path).and_then(|dir| self.fs.watch(&dir, mask | Mask::IN_ONLYDIR))
        };
        match got {
            Ok(got) if got == wd => Ok(()),
            Ok(got) => {
                if self.table.get(got).is_none() {
                    let _ = self.fs.rm_watch(got); // another directory is at the path now
                }
                Err(Error::new(ErrorKind::Io, format!("the kernel answered wd {got} for wd {wd}")).with_path(&*path))
            }
            Err(e) => Err(Error::from_io(e, &*path)),
        }
    }

    /// Removes watch `wd` (and, with `rec`, every watch below it). Its
    /// `IN_IGNORED` is not delivered, as in pyinotify.
    pub(crate) fn remove(&mut self, wd: Wd, rec: bool) -> Vec<(Wd, Result<()>)> {
        let targets = match self.table.get(wd) {
            Some(entry) if rec => self.table.subtree(&entry.path.clone()),
            _ => vec![wd],
        };
        let mut results = Vec::with_capacity(targets.len());
        for w in targets {
            let known = self.forget_watch(w);
            let result = match (self.fs.rm_watch(w), known) {
                (Ok(()), _) => Ok(()),
                (Err(_), None) => Err(unknown_wd(w)),
                (Err(e), Some(entry)) => Err(Error::from_io(e, &*entry.path)),
            };
            results.push((w, result));
        }
        results
    }
}

/// A change for `update_watch`: each `Some` field is applied.
#[derive(Debug, Default, Clone)]
pub(crate) struct Update {
    pub mask: Option<Mask>,
    pub auto_add: Option<bool>,
    pub handler: Option<SharedHandler>,
}

fn unknown_wd(wd: Wd) -> Error {
    Error::new(ErrorKind::UnknownWatch, format!("no watch with descriptor {wd}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_outcome_is_two_words_at_most() {
        assert!(size_of::<Outcome>() <= 2 * size_of::<usize>());
    }
}
