//! What `add_watch` accepts as paths ([`WatchPaths`]), and how every path is
//! made absolute before it meets the watch table ([`normalize`]).

use std::path::{Component, Path, PathBuf};

/// One or several paths for [`WatchManager::add_watch`](crate::WatchManager::add_watch).
///
/// Implemented for one path (`&str`, `String`, `&Path`, `PathBuf`, `&OsStr`,
/// `OsString`) and for a `Vec`, slice or array of anything `AsRef<Path>`.
///
/// ```
/// use std::path::PathBuf;
///
/// use greenwatch::{Mask, WatchManager, WatchPaths};
///
/// let dir = tempfile::tempdir()?;
/// let (logs, spool) = (dir.path().join("logs"), dir.path().join("spool"));
/// std::fs::create_dir(&logs)?;
/// std::fs::create_dir(&spool)?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(&logs, Mask::IN_CREATE).apply()?; // one path
/// wm.add_watch(vec![logs.clone(), spool.clone()], Mask::IN_DELETE).apply()?; // several
/// assert_eq!(wm.len(), 2);
///
/// // Taking `impl WatchPaths` passes the same choice on to your callers.
/// fn count(paths: impl WatchPaths) -> usize {
///     paths.into_paths().len()
/// }
/// assert_eq!(count(["a", "b", "c"]), 3);
/// assert_eq!(count(PathBuf::from("/srv")), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait WatchPaths {
    /// The paths, in order.
    fn into_paths(self) -> Vec<PathBuf>;
}

macro_rules! one_path {
    ($($t:ty),*) => {$(
        impl WatchPaths for $t {
            fn into_paths(self) -> Vec<PathBuf> {
                vec![PathBuf::from(self)]
            }
        }
    )*};
}

one_path!(&str, String, &String, &Path, PathBuf, &PathBuf, &std::ffi::OsStr, std::ffi::OsString);

impl<P: AsRef<Path>> WatchPaths for Vec<P> {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

impl<P: AsRef<Path>> WatchPaths for &[P] {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

impl<P: AsRef<Path>, const N: usize> WatchPaths for [P; N] {
    fn into_paths(self) -> Vec<PathBuf> {
        self.iter().map(|p| p.as_ref().to_path_buf()).collect()
    }
}

/// Makes `path` absolute against the current directory and removes `.` and `..`
/// lexically, like Python's `os.path.abspath` (symlinks are not resolved).
pub(crate) fn normalize(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_is_lexical_and_absolute() {
        assert_eq!(normalize(Path::new("/a/./b/../c/")).unwrap(), Path::new("/a/c"));
        assert_eq!(normalize(Path::new("/..")).unwrap(), Path::new("/"));
        assert!(normalize(Path::new("rel")).unwrap().is_absolute());
    }
}
