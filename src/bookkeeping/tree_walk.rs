//! The recursive `add_watch` walk, resumable in bounded steps.
//!
//! Below a root every directory is opened relative to its parent's handle
//! without following a symlink, watched as that very directory, then listed
//! through it; the walk goes depth first, in listing order.
//!
//! The blocking `AddWatch::apply` walks a tree whole; `AddWatch::apply_async`
//! walks it a step at a time, releasing the watch manager's lock and yielding
//! between steps. A step is bounded by a `StepBudget`: at most so many
//! directories begun and so many entries listed. A directory being listed
//! stays in the walk with its open handle (a `Listing`, see `listing.rs`) and
//! is listed on, a chunk of entries per step, until its listing is complete;
//! only then does the listing become its record (for overflow recovery) and are
//! its subdirectories walked, in listing order. So one huge directory is
//! spread over several steps, and the walk watches, records and reports what
//! the whole one does, in the same order. The root is listed in steps too (as
//! is a directory given without `rec` whose watch keeps a record).
//!
//! Between two steps the notifier may run. A directory deleted meanwhile is
//! skipped (its listing, or the opening of its subdirectories, finds it gone);
//! one whose watch was removed meanwhile is listed and walked no further; one
//! moved meanwhile is walked on under the path its watch now has.
//!
//! Open fds: one per level of the branch being walked, and the one being listed.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::listing::{Listing, NO_WATCH, StepBudget};
use super::records::keeps_record;
use super::tree::Outcome;
use super::{Bookkeeper, Skip};
use crate::bookkeeping::watch_table::{WatchOptions, kernel_mask};
use crate::kernel::dir_list::is_gone;
use crate::kernel::fs_view::FsView;
use crate::types::error::Error;
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// The outcomes of `add_watch`, one per path, in walk order.
type Outcomes = Vec<(Arc<Path>, Outcome)>;

/// A recursive `add_watch` walk below one root, resumable in steps (see
/// [`Bookkeeper::tree_step`]).
#[derive(Debug)]
pub(crate) struct TreeWalk<D> {
    root: PathBuf,
    options: WatchOptions,
    /// The directory being listed: its listing is complete before the walk goes on.
    listing: Option<DirListing<D>>,
    /// The listed directories of the branch being walked, one per level.
    stack: Vec<Frame<D>>,
    limited: Option<PathBuf>,
}

/// A directory of a walk being listed: its listing (which holds its open
/// handle), its path, its watch (none past the limit), and its subdirectories
/// listed so far, in listing order.
#[derive(Debug)]
struct DirListing<D> {
    listing: Listing<D>,
    path: Arc<Path>,
    wd: Option<Wd>,
    subdirs: Vec<OsString>,
}

/// A directory of a walk that was listed and whose subdirectories are being
/// walked: its open handle (the parent of the next), its watch and path, and
/// what is left.
#[derive(Debug)]
struct Frame<D> {
    dir: D,
    wd: Option<Wd>,
    path: Arc<Path>,
    subdirs: std::vec::IntoIter<OsString>,
}

/// Appends the failure of `path` (the error names it); `None`.
fn failed<T>(out: &mut Outcomes, path: &Path, e: std::io::Error) -> Option<T> {
    out.push((Arc::from(path), Outcome::Failed(Error::from_io(e, path))));
    None
}

impl<F: FsView> Bookkeeper<F> {
    /// Watches `root` (and, with `rec`, every directory below it), appending one
    /// outcome per path. `root` is opened once (following a symlink it may be,
    /// unless the mask has `IN_DONT_FOLLOW`); below it nothing is followed (see
    /// [`Bookkeeper::tree_step`]). Directories that vanish during the walk are
    /// skipped. Once the watch limit (or the cap) is met, the rest of the walk
    /// only lists directories, into the unwatched list, and one error (with
    /// their count) is appended at the end.
    pub(crate) fn add_tree(&mut self, root: &Path, options: &WatchOptions, out: &mut Outcomes) {
        if let Some(mut walk) = self.start_tree(root, options, out) {
            while !self.tree_step(&mut walk, StepBudget::WHOLE, out) {}
        }
    }

    /// [`Bookkeeper::add_tree`] up to the listing of the root, which is left,
    /// with the walk below it, to [`Bookkeeper::tree_step`]: the walk, if the
    /// root is a directory to walk (`rec`) or to keep a record of.
    pub(crate) fn start_tree(
        &mut self,
        root: &Path,
        options: &WatchOptions,
        out: &mut Outcomes,
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
        if !is_dir || !(options.rec || self.table.get(wd).is_some_and(keeps_record)) {
            self.limit_hit = false;
            return None;
        }
        let listing = self.root_listing(&opened.dir, root, wd, options.rec, out)?;
        Some(TreeWalk { root: root.to_path_buf(), options, listing: Some(listing), stack: Vec::new(), limited: None })
    }

    /// A listing of the root `wd`, open by path only as `dir`: it is opened
    /// again, to be listed a chunk at a time. `None` if it cannot be (a
    /// failure is appended with `rec`, as for any directory the walk lists).
    fn root_listing(
        &mut self,
        dir: &F::Dir,
        root: &Path,
        wd: Wd,
        rec: bool,
        out: &mut Outcomes,
    ) -> Option<DirListing<F::Dir>> {
        match self.fs.open_child(dir, OsStr::new(".")) {
            Ok(dir) => {
                let listing = self.start_listing(wd, dir);
                Some(DirListing { listing, path: Arc::from(root), wd: Some(wd), subdirs: Vec::new() })
            }
            Err(e) if rec && !is_gone(&e) => failed(out, root, e),
            Err(_) => None,
        }
    }

    /// A step of a walk, up to `budget` (directories begun, entries listed):
    /// goes on listing the directory being listed, then walks subdirectories
    /// depth first in listing order, each opened relative to its parent's
    /// handle without following a symlink, watched as that very directory, then
    /// listed through it. True when the walk is done.
    pub(crate) fn tree_step(&mut self, walk: &mut TreeWalk<F::Dir>, budget: StepBudget, out: &mut Outcomes) -> bool {
        let mut left = budget;
        loop {
            if let Some(current) = walk.listing.take() {
                self.list_on(current, &mut left.entries, walk, out);
                if walk.listing.is_some() {
                    return false;
                }
            }
            let Some(top) = walk.stack.last_mut() else { break };
            if left.dirs == 0 || left.entries == 0 {
                return false;
            }
            // A directory whose watch was removed meanwhile is walked no further.
            let parent = match top.wd {
                Some(wd) => self.table.get(wd).map(|e| e.path.clone()),
                None => Some(top.path.clone()),
            };
            let (Some(parent), Some(name)) = (parent, top.subdirs.next()) else {
                walk.stack.pop();
                continue;
            };
            left.dirs -= 1;
            self.begin_dir(parent.join(&name), &name, walk, out);
        }
        if let Some(first) = walk.limited.take() {
            let count = self.unwatched.keys().filter(|p| p.starts_with(&walk.root)).count();
            out.push((Arc::from(first.as_path()), Outcome::Failed(self.limit_error(&first, count))));
        }
        self.limit_hit = false;
        true
    }

    /// Opens subdirectory `name` of the walk's top frame, found at `path`, and
    /// watches it (unless excluded); its listing is begun.
    fn begin_dir(&mut self, path: PathBuf, name: &OsStr, walk: &mut TreeWalk<F::Dir>, out: &mut Outcomes) {
        if walk.options.filter.as_ref().is_some_and(|f| f.matches(&path)) {
            out.push((Arc::from(path), Outcome::Excluded));
            return;
        }
        let Some(top) = walk.stack.last() else { return };
        let child = match self.fs.open_child(&top.dir, name) {
            Ok(child) => child,
            Err(e) if is_gone(&e) => return,
            Err(e) => {
                failed::<()>(out, &path, e);
                return;
            }
        };
        let Some((path, wd)) = self.watch_in_walk(&child, path, walk, out) else { return };
        let listing = match wd {
            Some(wd) => self.start_listing(wd, child),
            None => Listing::new(NO_WATCH, child, false),
        };
        walk.listing = Some(DirListing { listing, path, wd, subdirs: Vec::new() });
    }

    /// Watches `child` for a tree walk: its path and wd, or no wd past the
    /// limit (it is listed all the same); `None` if it is not to be walked.
    fn watch_in_walk(
        &mut self,
        child: &F::Dir,
        path: PathBuf,
        walk: &mut TreeWalk<F::Dir>,
        out: &mut Outcomes,
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

    /// Goes on listing `current`, up to `left` entries, noting its
    /// subdirectories (with `rec`). Once its listing is complete it becomes
    /// the record of its watch, and its subdirectories the next frame of the
    /// walk. Put back in `walk` if not done; dropped if its directory is gone,
    /// or its watch was removed meanwhile.
    fn list_on(
        &mut self,
        mut current: DirListing<F::Dir>,
        left: &mut usize,
        walk: &mut TreeWalk<F::Dir>,
        out: &mut Outcomes,
    ) {
        if current.wd.is_some_and(|wd| self.table.get(wd).is_none()) {
            return;
        }
        while *left > 0 {
            match current.listing.next(&mut self.fs) {
                Ok(Some(entry)) => {
                    *left -= 1;
                    if entry.is_dir && walk.options.rec {
                        current.subdirs.push(entry.name);
                    }
                }
                Ok(None) => return self.listed(current, walk),
                Err(e) if is_gone(&e) => return,
                Err(e) => {
                    if walk.options.rec {
                        failed::<()>(out, &current.path, e);
                    }
                    return;
                }
            }
        }
        walk.listing = Some(current);
    }

    /// A directory's listing is complete: it becomes the record of its watch,
    /// and its subdirectories, if any, are walked next.
    fn listed(&mut self, current: DirListing<F::Dir>, walk: &mut TreeWalk<F::Dir>) {
        let (dir, record) = current.listing.into_parts();
        if let Some(wd) = current.wd {
            self.store_record(wd, record);
        }
        if !current.subdirs.is_empty() {
            let subdirs = current.subdirs.into_iter();
            walk.stack.push(Frame { dir, wd: current.wd, path: current.path, subdirs });
        }
    }
}
