//! Adding, updating and removing watches: the recursive walk, exclusions, results per path.
//!
//! I/O goes through [`FsView`], like the rest of the bookkeeping.
//! pyinotify counterpart: `WatchManager.add_watch`, `update_watch`, `rm_watch`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bookkeeping::Bookkeeper;
use crate::bookkeeping::Skip;
use crate::error::{Error, ErrorKind, Result};
use crate::event::Wd;
use crate::fs_view::FsView;
use crate::mask::Mask;
use crate::process_event::SharedHandler;
use crate::watch_table::{WatchOptions, kernel_mask};

/// What became of one path given to `add_watch` (pyinotify's wd, `-2` or `-1`).
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
    /// Watches `root` (and, with `rec`, every directory below it), appending one
    /// outcome per path. Directories that vanish during the walk are skipped;
    /// symlinks below the root are not followed. Once the watch limit is met,
    /// the rest of the walk only lists directories, into the unwatched list, and
    /// one error (with their count) is appended at the end.
    pub(crate) fn add_tree(&mut self, root: &Path, options: &WatchOptions, out: &mut Vec<(Arc<Path>, Outcome)>) {
        let options = &WatchOptions { recovery: self.recovery, ..options.clone() };
        self.limit_hit = false;
        let is_dir = match self.fs.is_dir(root) {
            Ok(d) => d,
            Err(e) => return out.push((Arc::from(root), Outcome::Failed(Error::from_io(e, root)))),
        };
        if is_dir && options.filter.as_ref().is_some_and(|f| f.matches(root)) {
            return out.push((Arc::from(root), Outcome::Excluded));
        }
        let wd = match self.fs.add_watch(root, kernel_mask(options, is_dir)) {
            Ok(wd) => wd,
            Err(e) => return out.push((Arc::from(root), Outcome::Failed(Error::from_io(e, root)))),
        };
        self.insert_watch(wd, root, is_dir, true, options.clone());
        self.fs.pin_root(wd, root);
        self.guard_root(wd);
        out.push((Arc::from(root), Outcome::Added(wd)));
        if options.rec && is_dir {
            self.add_below(root, wd, options, out);
        } else if is_dir {
            self.record_dir(wd, root);
        }
        self.limit_hit = false;
    }

    /// Depth-first walk below `root` (as `os.walk`), watching each directory
    /// before listing it. The stack holds the directories watched and not yet
    /// listed: a few per level (a breadth-first queue would hold a whole level).
    fn add_below(&mut self, root: &Path, wd: Wd, options: &WatchOptions, out: &mut Vec<(Arc<Path>, Outcome)>) {
        let mut stack: Vec<(Arc<Path>, Option<Wd>)> = vec![(Arc::from(root), Some(wd))];
        let mut limited: Option<PathBuf> = None;
        while let Some((dir, wd)) = stack.pop() {
            let below = stack.len();
            for path in self.subdirs(&dir, wd, out) {
                match self.watch_dir(&path, options.clone()) {
                    Ok((wd, _)) => {
                        let path = self.table.get(wd).map_or_else(|| Arc::from(path), |e| e.path.clone());
                        out.push((path.clone(), Outcome::Added(wd)));
                        stack.push((path, Some(wd)));
                    }
                    Err(Skip::Excluded) => out.push((Arc::from(path), Outcome::Excluded)),
                    Err(Skip::Gone) => {}
                    Err(Skip::Failed(err)) => out.push((Arc::from(path), Outcome::Failed(err))),
                    Err(Skip::Limit) => {
                        limited.get_or_insert_with(|| path.clone());
                        self.unwatched.insert(path.clone(), options.clone());
                        stack.push((Arc::from(path), None));
                    }
                }
            }
            stack[below..].reverse(); // the first listed is walked first
        }
        if let Some(first) = limited {
            let count = self.unwatched.keys().filter(|p| p.starts_with(root)).count();
            out.push((Arc::from(first.as_path()), Outcome::Failed(crate::bookkeeping::limit_error(&first, count))));
        }
    }

    /// The subdirectories of `dir` (symlinks are not followed); none if it
    /// vanished. The listing becomes the record of its watch `wd`, if any.
    fn subdirs(&mut self, dir: &Path, wd: Option<Wd>, out: &mut Vec<(Arc<Path>, Outcome)>) -> Vec<PathBuf> {
        match self.fs.list_dir(dir) {
            Ok(entries) => {
                if let Some(wd) = wd {
                    self.record_listing(wd, &entries);
                }
                entries.into_iter().filter(|e| e.is_dir).map(|e| dir.join(e.name)).collect()
            }
            Err(e) if gone(&e) => Vec::new(),
            Err(e) => {
                out.push((Arc::from(dir), Outcome::Failed(Error::from_io(e, dir))));
                Vec::new()
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
        let (path, mask) = (entry.path.clone(), entry.kernel_mask());
        match self.fs.add_watch(&path, mask) {
            Ok(got) if got == wd => Ok(()),
            Ok(got) => {
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

fn gone(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR))
}

fn unknown_wd(wd: Wd) -> Error {
    Error::new(ErrorKind::UnknownWatch, format!("no watch with descriptor {wd}"))
}
