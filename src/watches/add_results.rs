//! [`AddResults`]: what one `add_watch` call did, path by path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bookkeeping::tree::Outcome;
use crate::types::error::Error;
use crate::types::event::Wd;
use crate::watches::paths::normalize;

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
    pub(super) entries: Vec<(Arc<Path>, Outcome)>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::error::ErrorKind;

    #[test]
    fn outcome_codes_match_pyinotify() {
        assert_eq!(Outcome::Added(3).code(), 3);
        assert_eq!(Outcome::Excluded.code(), -2);
        assert_eq!(Outcome::Failed(Error::new(ErrorKind::Io, "x")).code(), -1);
    }
}
