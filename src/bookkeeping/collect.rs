//! The subtree of a directory auto_add could not watch (the watch limit or the
//! cap was met), collected into the unwatched list in bounded steps.
//!
//! The directory and every one below it are listed, not watched, and nothing
//! is followed: each is opened relative to its parent's handle. Excluded and
//! already watched directories are left out, with what is below them. The
//! walk goes depth first, in listing order, each directory listed whole (a
//! chunk at a time, see `listing.rs`) before its subdirectories are begun.
//! A step of the auto_add walk (see `new_dirs.rs`) goes on with a collection
//! under way, within the step's `StepBudget`, before it takes its next queued
//! directory; so one huge subtree is spread over several steps, and the walk
//! done whole collects the same directories as one done in steps.
//!
//! Open fds: one per level of the branch being collected, and the one listed.

use std::ffi::OsString;
use std::path::PathBuf;

use super::Bookkeeper;
use super::listing::{Listing, NO_WATCH, StepBudget};
use crate::bookkeeping::watch_table::WatchOptions;
use crate::kernel::fs_view::FsView;

/// A collection under way of the unwatched directories below one, resumable in
/// steps (see [`Bookkeeper::collect_step`]).
#[derive(Debug)]
pub(crate) struct Collect<D> {
    /// The options every collected directory is kept with (its watch's, once watched).
    options: WatchOptions,
    /// The directory being listed, its path, and its subdirectories found so far.
    listing: Option<(Listing<D>, PathBuf, Vec<OsString>)>,
    /// Listed directories whose subdirectories are being collected, one per
    /// level: the open handle, the path, and the subdirectories left.
    stack: Vec<(D, PathBuf, std::vec::IntoIter<OsString>)>,
}

impl<F: FsView> Bookkeeper<F> {
    /// A collection of `dir`, open at `path`, and of what is below it, kept
    /// with `options`; the listing of `dir` is begun.
    pub(super) fn start_collect(&mut self, dir: F::Dir, path: PathBuf, options: WatchOptions) -> Collect<F::Dir> {
        let mut collect = Collect { options, listing: None, stack: Vec::new() };
        self.collect_dir(&mut collect, dir, path);
        collect
    }

    /// Puts `dir`, at `path`, in the unwatched list and begins its listing,
    /// unless it is excluded or watched already.
    fn collect_dir(&mut self, collect: &mut Collect<F::Dir>, dir: F::Dir, path: PathBuf) {
        let excluded = collect.options.filter.as_ref().is_some_and(|f| f.matches(&path));
        if excluded || self.table.wd_of(&path).is_some() {
            return;
        }
        self.unwatched.insert(path.clone(), collect.options.clone());
        collect.listing = Some((Listing::new(NO_WATCH, dir, false), path, Vec::new()));
    }

    /// A step of `collect`, taking what it does off `left` (directories begun,
    /// entries listed): goes on listing the directory being listed, then
    /// begins its subdirectories, depth first. True when it is done.
    pub(super) fn collect_step(&mut self, collect: &mut Collect<F::Dir>, left: &mut StepBudget) -> bool {
        loop {
            if collect.listing.is_some() && !self.collect_listing(collect, &mut left.entries) {
                return false;
            }
            let Some((parent, path, subdirs)) = collect.stack.last_mut() else { return true };
            if subdirs.as_slice().is_empty() {
                collect.stack.pop();
                continue;
            }
            if left.dirs == 0 || left.entries == 0 {
                return false;
            }
            let name = subdirs.next().expect("checked");
            left.dirs -= 1;
            let path = path.join(&name);
            if let Ok(child) = self.fs.open_child(parent, &name) {
                self.collect_dir(collect, child, path);
            }
        }
    }

    /// Goes on listing the directory `collect` lists, up to `left` entries;
    /// true once its listing is over (its subdirectories are then the next
    /// level; a listing that fails has none, as if empty).
    fn collect_listing(&mut self, collect: &mut Collect<F::Dir>, left: &mut usize) -> bool {
        let Some((listing, _, subdirs)) = collect.listing.as_mut() else { return true };
        while *left > 0 {
            match listing.next(&mut self.fs) {
                Ok(Some(entry)) => {
                    *left -= 1;
                    if entry.is_dir {
                        subdirs.push(entry.name);
                    }
                }
                Ok(None) => {
                    let (listing, path, subdirs) = collect.listing.take().expect("checked");
                    let (dir, _) = listing.into_parts();
                    collect.stack.push((dir, path, subdirs.into_iter()));
                    return true;
                }
                Err(_) => {
                    collect.listing = None;
                    return true;
                }
            }
        }
        false
    }
}
