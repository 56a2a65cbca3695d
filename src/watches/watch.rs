//! [`Watch`]: a snapshot of one watch, as the queries of
//! [`WatchManager`](crate::WatchManager) return it.
//!
//! pyinotify counterpart: `Watch`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::bookkeeping::watch_table::WatchEntry;
use crate::types::event::Wd;
use crate::types::mask::Mask;

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
    pub(crate) fn from_entry(e: &WatchEntry) -> Watch {
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
