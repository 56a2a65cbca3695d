//! The overflow resync in bounded steps.
//!
//! A resync lists every directory watched with recovery (see `recovery.rs`),
//! then walks the new directories it found, then retries the unwatched ones.
//! Done in one pass it would hold the watch manager (and, in the async
//! front-ends, the executor's thread) for as long as listing the whole tree
//! takes. So it is a state that [`Bookkeeper::walk_step`] advances a few
//! directories at a time, like the walk of a batch's new directories: first
//! the listings, then that walk, then the end. Nothing is read from the kernel
//! in between (the front-ends step a pending walk instead of reading), so the
//! resync sees the tree as the overflow left it, and its events stay framed by
//! `GW_RESYNC_START` and `GW_RESYNC_END` in order.

use std::path::Path;
use std::sync::Arc;

use super::new_dirs::BatchEnd;
use super::recovery::notice;
use super::{Bookkeeper, Routed};
use crate::kernel::fs_view::FsView;
use crate::types::event::Wd;
use crate::types::mask::Mask;

/// A resync under way.
#[derive(Debug)]
pub(crate) struct Resync {
    /// The directories still to list, parents first (the watch table's order).
    dirs: std::vec::IntoIter<(Wd, Arc<Path>)>,
    /// The batch whose overflow asked for it, ended once the resync is done.
    end: Option<BatchEnd>,
    /// The listings are done and the walk of the new directories is started.
    walking: bool,
}

impl<F: FsView> Bookkeeper<F> {
    /// After an overflow in the batch `end`: a stepped resync if recovery is on
    /// (true: it ends the batch when it is done), else a retry of the unwatched.
    pub(super) fn after_overflow(&mut self, end: BatchEnd, out: &mut Vec<Routed>) -> bool {
        if self.recovery || self.table.iter().any(|e| e.options.recovery) {
            self.begin_resync(Some(end), out);
            return true;
        }
        if !self.unwatched.is_empty() {
            self.retry_into_failures();
        }
        false
    }

    /// Starts a resync (its `GW_RESYNC_START` goes out now); `walk_step` does
    /// the rest. One already under way is left to finish instead.
    pub(super) fn begin_resync(&mut self, end: Option<BatchEnd>, out: &mut Vec<Routed>) {
        if self.resync.is_some() {
            return;
        }
        self.pending.clear();
        out.push(notice(Mask::GW_RESYNC_START));
        self.recovering = true;
        let dirs: Vec<(Wd, Arc<Path>)> =
            self.table.iter().filter(|e| e.dir && e.options.recovery).map(|e| (e.wd, e.path.clone())).collect();
        self.resync = Some(Resync { dirs: dirs.into_iter(), end, walking: false });
    }

    /// Lists up to `budget` directories of `resync`; once all are listed,
    /// starts the walk of the new ones; once that is done, ends the resync.
    pub(super) fn resync_step(&mut self, mut resync: Resync, budget: usize, out: &mut Vec<Routed>) {
        if !resync.walking {
            for (wd, path) in resync.dirs.by_ref().take(budget) {
                // A directory moved or dropped by an earlier listing is skipped.
                if self.table.get(wd).is_some_and(|e| e.path == path) {
                    self.resync_dir(wd, &path, out);
                }
            }
            if resync.dirs.len() == 0 {
                resync.walking = true;
                self.walk = Some(self.start_walk(None));
            }
            self.resync = Some(resync);
            return;
        }
        self.retry_into_failures();
        self.recovering = false;
        out.push(notice(Mask::GW_RESYNC_END));
        if let Some(end) = resync.end {
            self.forget_ended(end);
        }
    }
}
