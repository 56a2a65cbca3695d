//! Adding, updating and removing watches: the recursive walk, exclusions, results per path.
//!
//! I/O goes through [`FsView`], like the rest of the bookkeeping.
//! pyinotify counterpart: `WatchManager.add_watch`, `update_watch`, `rm_watch`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bookkeeping::Bookkeeper;
use crate::bookkeeping::Skip;
use crate::bookkeeping::watch_table::{WatchOptions, kernel_mask};
use crate::handlers::shared_handler::SharedHandler;
use crate::kernel::dir_list::is_gone;
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

/// A recursive `add_watch` walk below one root, resumable in steps (see
/// [`Bookkeeper::tree_step`]): it holds the open directories of the branch
/// being walked, one per level.
#[derive(Debug)]
pub(crate) struct TreeWalk<D> {
    root: PathBuf,
    options: WatchOptions,
    stack: Vec<Frame<D>>,
    limited: Option<PathBuf>,
}

/// Appends the failure of `path` (the error names it); `None`.
fn failed<T>(out: &mut Vec<(Arc<Path>, Outcome)>, path: &Path, e: std::io::Error) -> Option<T> {
    out.push((Arc::from(path), Outcome::Failed(Error::from_io(e, path))));
    None
}

/// A directory of a walk that was listed and whose subdirectories are being
/// walked: its open handle (the parent of the next), its path and what is left.
/// A walk holds one per level, so its open fds are bounded by the tree's depth.
#[derive(Debug)]
struct Frame<D> {
    dir: D,
    path: Arc<Path>,
    subdirs: std::vec::IntoIter<OsString>,
}

impl<F: FsView> Bookkeeper<F> {
    /// Watches `root` (and, with `rec`, every directory below it), appending one
    /// outcome per path. `root` is opened once (following a symlink it may be,
    /// unless the mask has `IN_DONT_FOLLOW`); below it nothing is followed (see
    /// [`Bookkeeper::tree_step`]). Directories that vanish during the walk are
    /// skipped. Once the watch limit (or the cap) is met, the rest of the walk
    /// only lists directories, into the unwatched list, and one error (with
    /// their count) is appended at the end.
    pub(crate) fn add_tree(&mut self, root: &Path, options: &WatchOptions, out: &mut Vec<(Arc<Path>, Outcome)>) {
        if let Some(mut walk) = self.start_tree(root, options, out) {
            while !self.tree_step(&mut walk, usize::MAX, out) {}
        }
    }

    /// [`Bookkeeper::add_tree`] up to the walk below the root, which it returns
    /// (if `rec` and the root is a directory) for [`Bookkeeper::tree_step`].
    pub(crate) fn start_tree(
        &mut self,
        root: &Path,
        options: &WatchOptions,
        out: &mut Vec<(Arc<Path>, Outcome)>,
    ) -> Option<TreeWalk<F::Dir>> {
        let options = WatchOptions { recovery: self.recovery, ..options.clone() };
        self.limit_hit = false;
        let follow = !options.mask.contains(Mask::IN_DONT_FOLLOW);
        let opened = match self.fs.open_root(root, follow) {
            Ok(o) => o,
            Err(e) => return failed(out, root, e),
        };
        let is_dir = opened.is_dir;
        if is_dir && options.filter.as_ref().is_some_and(|f| f.matches(root)) {
            out.push((Arc::from(root), Outcome::Excluded));
            return None;
        }
        let mask = kernel_mask(&options, is_dir);
        let added = if opened.is_link { self.fs.add_watch(root, mask) } else { self.fs.watch(&opened.dir, mask) };
        let wd = match added {
            Ok(wd) => wd,
            Err(e) => return failed(out, root, e),
        };
        self.insert_watch(wd, root, is_dir, true, options.clone());
        self.fs.pin_root(wd, &opened.dir);
        self.guard_root(wd);
        out.push((Arc::from(root), Outcome::Added(wd)));
        if !(options.rec && is_dir) {
            if is_dir {
                self.record_dir(wd, &opened.dir);
            }
            self.limit_hit = false;
            return None;
        }
        let stack = self.list_frame(opened.dir, Arc::from(root), Some(wd), out).into_iter().collect();
        Some(TreeWalk { root: root.to_path_buf(), options, stack, limited: None })
    }

    /// Up to `budget` directories of a depth-first walk below a root, in
    /// listing order: each subdirectory is opened relative to its parent's
    /// handle without following a symlink, watched as that very directory, then
    /// listed through it. True when the walk is done.
    pub(crate) fn tree_step(
        &mut self,
        walk: &mut TreeWalk<F::Dir>,
        budget: usize,
        out: &mut Vec<(Arc<Path>, Outcome)>,
    ) -> bool {
        let mut done = 0;
        while let Some(top) = walk.stack.last_mut() {
            if done == budget {
                return false;
            }
            let Some(name) = top.subdirs.next() else {
                walk.stack.pop();
                continue;
            };
            done += 1;
            let path = top.path.join(&name);
            if walk.options.filter.as_ref().is_some_and(|f| f.matches(&path)) {
                out.push((Arc::from(path), Outcome::Excluded));
                continue;
            }
            let child = match self.fs.open_child(&top.dir, &name) {
                Ok(child) => child,
                Err(e) if is_gone(&e) => continue,
                Err(e) => {
                    failed::<()>(out, &path, e);
                    continue;
                }
            };
            let Some((path, wd)) = self.watch_in_walk(&child, path, walk, out) else { continue };
            walk.stack.extend(self.list_frame(child, path, wd, out));
        }
        if let Some(first) = walk.limited.take() {
            let count = self.unwatched.keys().filter(|p| p.starts_with(&walk.root)).count();
            out.push((Arc::from(first.as_path()), Outcome::Failed(self.limit_error(&first, count))));
        }
        self.limit_hit = false;
        true
    }

    /// Watches `child` for a tree walk: its path and wd, or no wd past the
    /// limit (it is listed all the same); `None` if it is not to be walked.
    fn watch_in_walk(
        &mut self,
        child: &F::Dir,
        path: PathBuf,
        walk: &mut TreeWalk<F::Dir>,
        out: &mut Vec<(Arc<Path>, Outcome)>,
    ) -> Option<(Arc<Path>, Option<Wd>)> {
        match self.watch_opened(child, &path, walk.options.clone()) {
            Ok((wd, _)) => {
                let path = self.table.get(wd).map_or_else(|| Arc::from(path), |e| e.path.clone());
                out.push((path.clone(), Outcome::Added(wd)));
                Some((path, Some(wd)))
            }
            Err(Skip::Gone) => None,
            Err(Skip::Failed(err)) => {
                out.push((Arc::from(path), Outcome::Failed(err)));
                None
            }
            Err(Skip::Limit) => {
                walk.limited.get_or_insert_with(|| path.clone());
                self.unwatched.insert(path.clone(), walk.options.clone());
                Some((Arc::from(path), None))
            }
        }
    }

    /// Lists `dir` at `path`; the listing becomes the record of its watch `wd`,
    /// if any. A frame if it has subdirectories; none if it has none or vanished.
    fn list_frame(
        &mut self,
        dir: F::Dir,
        path: Arc<Path>,
        wd: Option<Wd>,
        out: &mut Vec<(Arc<Path>, Outcome)>,
    ) -> Option<Frame<F::Dir>> {
        match self.fs.list(&dir) {
            Ok(entries) => {
                if let Some(wd) = wd {
                    self.record_listing(wd, &entries);
                }
                let subdirs: Vec<OsString> = entries.into_iter().filter(|e| e.is_dir).map(|e| e.name).collect();
                (!subdirs.is_empty()).then(|| Frame { dir, path, subdirs: subdirs.into_iter() })
            }
            Err(e) if is_gone(&e) => None,
            Err(e) => {
                out.push((path.clone(), Outcome::Failed(Error::from_io(e, &*path))));
                None
            }
        }
    }

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
