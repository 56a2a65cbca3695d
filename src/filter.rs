//! Exclude filters: regular expressions naming directories that are never watched.
//!
//! pyinotify counterpart: `ExcludeFilter`.

use std::fmt;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use regex::bytes::RegexSet;

use crate::error::{Error, ErrorKind, Result};

/// A list of regular expressions; a path is excluded when one of them matches
/// at its start (pyinotify's `re.match`). Paths are matched as bytes, so
/// non-UTF-8 paths can be excluded too.
///
/// Unlike pyinotify, an excluded directory is not walked either (#66), and the
/// filter also applies to directories that appear later (auto_add, moves in).
///
/// # Examples
///
/// ```
/// use greenwatch::ExcludeFilter;
///
/// let filter = ExcludeFilter::new(["^/src/target", r".*/\.git$"])?;
/// assert!(filter.matches("/src/target/debug"));
/// assert!(filter.matches("/src/app/.git"));
/// assert!(!filter.matches("/src/app"));
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone)]
pub struct ExcludeFilter {
    patterns: Vec<String>,
    set: RegexSet,
}

impl ExcludeFilter {
    /// Builds a filter from regular expressions (Rust `regex` syntax).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPattern`] naming the first pattern that does not compile.
    pub fn new<I, S>(patterns: I) -> Result<ExcludeFilter>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns: Vec<String> = patterns.into_iter().map(|p| anchor(p.as_ref())).collect();
        for p in &patterns {
            if let Err(e) = regex::bytes::Regex::new(p) {
                return Err(Error::new(ErrorKind::InvalidPattern, format!("invalid exclude pattern {p:?}: {e}")));
            }
        }
        let set = RegexSet::new(&patterns)
            .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid exclude patterns: {e}")))?;
        Ok(ExcludeFilter { patterns, set })
    }

    /// Reads patterns from a file in pyinotify's `exclude.lst` format: one
    /// pattern a line; blank lines and lines starting with `#` are skipped.
    ///
    /// # Errors
    ///
    /// The file's I/O error (with its path), or [`ErrorKind::InvalidPattern`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<ExcludeFilter> {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|e| Error::from_io(e, path).with_action("cannot read"))?;
        let lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        ExcludeFilter::new(lines).map_err(|e| e.with_path(path).with_action("bad exclude file"))
    }

    /// True if one of the patterns matches at the start of `path`.
    #[must_use]
    pub fn matches(&self, path: impl AsRef<Path>) -> bool {
        self.set.is_match(path.as_ref().as_os_str().as_bytes())
    }

    /// The patterns, as given (anchored at the start).
    #[must_use]
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Adds the patterns of `other`.
    ///
    /// # Errors
    ///
    /// Never in practice: both pattern lists compiled already.
    pub fn union(&self, other: &ExcludeFilter) -> Result<ExcludeFilter> {
        let all = self.patterns.iter().chain(&other.patterns);
        ExcludeFilter::new(all)
    }
}

/// `re.match` semantics: the match must start at the beginning of the path.
fn anchor(pattern: &str) -> String {
    if pattern.starts_with('^') { pattern.to_owned() } else { format!("^(?:{pattern})") }
}

impl fmt::Debug for ExcludeFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExcludeFilter").field(&self.patterns).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_is_anchored_at_the_start_like_re_match() {
        let f = ExcludeFilter::new(["tmp"]).unwrap();
        assert!(f.matches("tmpfile"));
        assert!(!f.matches("/w/tmp"));
        let f = ExcludeFilter::new([".*/tmp$"]).unwrap();
        assert!(f.matches("/w/tmp"));
    }

    #[test]
    fn bad_pattern_is_named() {
        let err = ExcludeFilter::new(["ok", "(unclosed"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPattern);
        assert!(err.to_string().contains("(unclosed"), "{err}");
    }

    #[test]
    fn non_utf8_paths_can_match() {
        use std::ffi::OsStr;
        let f = ExcludeFilter::new([r"(?-u)/w/\xff"]).unwrap();
        assert!(f.matches(Path::new(OsStr::from_bytes(b"/w/\xff/x"))));
    }

    #[test]
    fn from_file_skips_comments_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("exclude.lst");
        fs::write(&file, "# comment\n\n^/a/b\n  ^/c  \n").unwrap();
        let f = ExcludeFilter::from_file(&file).unwrap();
        assert_eq!(f.patterns(), ["^/a/b", "^/c"]);
        assert!(f.matches("/c/d"));
        let err = ExcludeFilter::from_file(dir.path().join("missing")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}
