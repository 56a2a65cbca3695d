//! `.gitignore`-style globs given directly (`--exclude-glob`), rooted at `/`.

use std::fmt;
use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::types::error::{Error, ErrorKind, Result};

/// Globs compiled as the lines of one ignore file at `/`.
pub(super) struct Globs {
    lines: Vec<String>,
    matcher: Gitignore,
}

impl Globs {
    /// Compiles `globs`, naming the first that does not parse.
    pub(super) fn new<I, S>(globs: I) -> Result<Globs>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let lines: Vec<String> = globs.into_iter().map(|g| g.as_ref().to_owned()).collect();
        let mut builder = GitignoreBuilder::new("/");
        for line in &lines {
            builder
                .add_line(None, line)
                .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid exclude glob {line:?}: {e}")))?;
        }
        let matcher = builder
            .build()
            .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid exclude globs: {e}")))?;
        Ok(Globs { lines, matcher })
    }

    /// The globs of both, or whichever exists.
    pub(super) fn union(a: Option<&std::sync::Arc<Globs>>, b: Option<&std::sync::Arc<Globs>>) -> Result<Option<Globs>> {
        let lines: Vec<&String> = a.iter().chain(b.iter()).flat_map(|g| &g.lines).collect();
        if a.is_none() && b.is_none() { Ok(None) } else { Globs::new(lines).map(Some) }
    }

    /// True if `path`, or a directory above it, is excluded (a later `!glob`
    /// re-includes, as in `.gitignore`).
    pub(super) fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        path.is_absolute() && self.matcher.matched_path_or_any_parents(path, is_dir).is_ignore()
    }
}

impl fmt::Debug for Globs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Globs").field(&self.lines).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_anywhere_paths_anchored_dirs_only_and_negation() {
        let g = Globs::new(["*.log", "/srv/tmp", "build/", "!keep.log"]).unwrap();
        assert!(g.excludes(Path::new("/a/b/x.log"), false));
        assert!(!g.excludes(Path::new("/a/b/keep.log"), false));
        assert!(g.excludes(Path::new("/srv/tmp"), true));
        assert!(g.excludes(Path::new("/srv/tmp/deep/file"), false));
        assert!(!g.excludes(Path::new("/x/srv/tmp"), true));
        assert!(g.excludes(Path::new("/p/build"), true));
        assert!(!g.excludes(Path::new("/p/build"), false));
        assert!(g.excludes(Path::new("/p/build/out.o"), false));
    }

    #[test]
    fn bad_glob_is_named() {
        let err = Globs::new(["ok", "a{b"]).unwrap_err();
        assert!(err.to_string().contains("a{b"), "{err}");
    }
}
