//! Exclude filters: rules naming directories that are never watched and, for
//! the glob and ignore-file rules, files whose events are never reported.
//!
//! pyinotify counterpart: `ExcludeFilter` (its regular expressions); the
//! glob and ignore-file rules are greenwatch's own.

use std::fmt;
#[cfg(feature = "regex")]
use std::fs;
#[cfg(feature = "regex")]
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
#[cfg(feature = "ignore")]
use std::sync::Arc;

#[cfg(feature = "regex")]
use regex::bytes::RegexSet;

#[cfg(any(feature = "regex", feature = "ignore"))]
use crate::types::error::Result;
#[cfg(feature = "regex")]
use crate::types::error::{Error, ErrorKind};
use crate::types::event::Event;

#[cfg(feature = "ignore")]
mod globs;
#[cfg(feature = "ignore")]
mod ignore_files;

/// A set of exclude rules. A directory that one of them matches is never
/// watched (nor walked), and with glob or ignore-file rules the events of
/// matching files are dropped too (see [`ExcludeFilter::ignores_event`]).
///
/// Three kinds of rules, which [`ExcludeFilter::union`] combines:
/// - regular expressions ([`ExcludeFilter::new`], feature `regex`): a path is
///   excluded when one matches at its start (pyinotify's `re.match`), as bytes,
///   so non-UTF-8 paths can be excluded too;
/// - `.gitignore`-style globs ([`ExcludeFilter::from_globs`], feature `ignore`);
/// - the ignore files found in the watched trees
///   ([`ExcludeFilter::from_ignore_files`], feature `ignore`).
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
#[derive(Clone, Default)]
pub struct ExcludeFilter {
    /// The regular expressions, anchored, as compiled into `set`.
    patterns: Vec<String>,
    #[cfg(feature = "regex")]
    set: Option<RegexSet>,
    #[cfg(feature = "ignore")]
    globs: Option<Arc<globs::Globs>>,
    #[cfg(feature = "ignore")]
    ignore_files: Option<Arc<ignore_files::IgnoreFiles>>,
}

#[cfg(feature = "regex")]
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
        let set = compile(&patterns)?;
        Ok(ExcludeFilter { patterns, set, ..ExcludeFilter::default() })
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
}

/// Compiles the anchored patterns, naming the first bad one.
#[cfg(feature = "regex")]
fn compile(patterns: &[String]) -> Result<Option<RegexSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for p in patterns {
        if let Err(e) = regex::bytes::Regex::new(p) {
            return Err(Error::new(ErrorKind::InvalidPattern, format!("invalid exclude pattern {p:?}: {e}")));
        }
    }
    let set = RegexSet::new(patterns)
        .map_err(|e| Error::new(ErrorKind::InvalidPattern, format!("invalid exclude patterns: {e}")))?;
    Ok(Some(set))
}

#[cfg(feature = "ignore")]
impl ExcludeFilter {
    /// Builds a filter from `.gitignore`-style globs (`target/`, `*.log`,
    /// `/srv/in/tmp`, `!keep.log`), each a line of one ignore file rooted at
    /// `/`: a glob without a `/` matches a name at any depth, one with a `/`
    /// matches the absolute path, a trailing `/` matches directories only.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::InvalidPattern`] naming the glob that does not parse.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::{Event, ExcludeFilter, Mask};
    ///
    /// let filter = ExcludeFilter::from_globs(["target/", "*.log"])?;
    /// assert!(filter.matches("/src/app/target"));
    /// assert!(filter.ignores_event(&Event::new(1, Mask::IN_CREATE, "/src/app", "run.log")));
    /// assert!(!filter.ignores_event(&Event::new(1, Mask::IN_CREATE, "/src/app", "main.rs")));
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn from_globs<I, S>(globs: I) -> Result<ExcludeFilter>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let globs = globs::Globs::new(globs)?;
        Ok(ExcludeFilter { globs: Some(Arc::new(globs)), ..ExcludeFilter::default() })
    }

    /// A filter honouring the ignore files found in the watched trees, as
    /// ripgrep and git do: `.gitignore` and `.ignore` in every directory
    /// (`.ignore` wins over `.gitignore`, a deeper file over a shallower one,
    /// `!` re-includes) and `.git/info/exclude` of a repository's top
    /// directory; every `.git` directory is excluded too. The files of a
    /// directory's ancestors apply up to the top of its repository (the
    /// nearest ancestor holding `.git`), or up to `/` outside any repository.
    ///
    /// Ignore files are read when first needed and read again when they
    /// change: an event naming one (see [`ExcludeFilter::notice`]), or a
    /// change of their size, time or inode, checked at most twice a second.
    /// A directory that a changed rule no longer ignores is watched only
    /// when it is created or moved in afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::ExcludeFilter;
    ///
    /// let repo = tempfile::tempdir()?;
    /// std::fs::create_dir(repo.path().join(".git"))?;
    /// std::fs::write(repo.path().join(".gitignore"), "target/\n")?;
    /// let filter = ExcludeFilter::from_ignore_files();
    /// assert!(filter.matches(repo.path().join("target")));
    /// assert!(filter.matches(repo.path().join(".git")));
    /// assert!(!filter.matches(repo.path().join("src")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_ignore_files() -> ExcludeFilter {
        let files = ignore_files::IgnoreFiles::default();
        ExcludeFilter { ignore_files: Some(Arc::new(files)), ..ExcludeFilter::default() }
    }
}

impl ExcludeFilter {
    /// True if a rule excludes the directory `path` (regular expressions
    /// match at its start; globs and ignore files take it as a directory).
    /// This is what the walk asks before watching a directory.
    #[must_use]
    pub fn matches(&self, path: impl AsRef<Path>) -> bool {
        self.excludes(path.as_ref(), true)
    }

    /// True if the glob or ignore-file rules exclude `event`'s subject (the
    /// entry it names, a file or a directory, or the path of a watched item
    /// itself), so that it should not be reported. Regular expressions are
    /// not asked: as in pyinotify, they only keep directories unwatched.
    #[must_use]
    pub fn ignores_event(&self, event: &Event) -> bool {
        if !self.has_file_rules() || event.wd() < 0 {
            return false;
        }
        let is_dir = event.mask().contains(crate::types::mask::Mask::IN_ISDIR);
        self.excludes_as_file(&event.pathname(), is_dir)
    }

    /// Lets ignore-file rules know of `event`: a `.gitignore` or `.ignore`
    /// that was written, created, moved or deleted is read again before the
    /// next decision. Cheap for every other event.
    pub fn notice(&self, event: &Event) {
        #[cfg(feature = "ignore")]
        if let Some(files) = &self.ignore_files {
            files.notice(event);
        }
        #[cfg(not(feature = "ignore"))]
        let _ = event;
    }

    /// True if the filter has rules that apply to files (globs or ignore
    /// files), so that [`ExcludeFilter::ignores_event`] can say yes.
    #[must_use]
    pub fn has_file_rules(&self) -> bool {
        #[cfg(feature = "ignore")]
        return self.globs.is_some() || self.ignore_files.is_some();
        #[cfg(not(feature = "ignore"))]
        false
    }

    /// The regular expressions, as given (anchored at the start).
    #[must_use]
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// A filter holding the rules of both.
    ///
    /// # Errors
    ///
    /// Never in practice: both pattern lists compiled already.
    pub fn union(&self, other: &ExcludeFilter) -> crate::types::error::Result<ExcludeFilter> {
        let mut all = self.clone();
        all.patterns.extend(other.patterns.iter().cloned());
        #[cfg(feature = "regex")]
        {
            all.set = compile(&all.patterns)?;
        }
        #[cfg(feature = "ignore")]
        {
            all.globs = globs::Globs::union(self.globs.as_ref(), other.globs.as_ref())?.map(Arc::new);
            all.ignore_files = self.ignore_files.clone().or_else(|| other.ignore_files.clone());
        }
        Ok(all)
    }

    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        #[cfg(feature = "regex")]
        if self.set.as_ref().is_some_and(|set| set.is_match(path.as_os_str().as_bytes())) {
            return true;
        }
        self.excludes_as_file(path, is_dir)
    }

    /// The glob and ignore-file rules only.
    fn excludes_as_file(&self, path: &Path, is_dir: bool) -> bool {
        #[cfg(feature = "ignore")]
        {
            self.globs.as_ref().is_some_and(|g| g.excludes(path, is_dir))
                || self.ignore_files.as_ref().is_some_and(|f| f.excludes(path, is_dir))
        }
        #[cfg(not(feature = "ignore"))]
        {
            let _ = (path, is_dir);
            false
        }
    }
}

/// `re.match` semantics: the match must start at the beginning of the path.
#[cfg(feature = "regex")]
fn anchor(pattern: &str) -> String {
    if pattern.starts_with('^') { pattern.to_owned() } else { format!("^(?:{pattern})") }
}

impl fmt::Debug for ExcludeFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = f.debug_tuple("ExcludeFilter");
        t.field(&self.patterns);
        #[cfg(feature = "ignore")]
        {
            if let Some(globs) = &self.globs {
                t.field(globs);
            }
            if self.ignore_files.is_some() {
                t.field(&"ignore files");
            }
        }
        t.finish()
    }
}

#[cfg(all(test, feature = "regex"))]
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

    #[test]
    fn regex_rules_never_drop_events() {
        let f = ExcludeFilter::new([".*"]).unwrap();
        assert!(!f.has_file_rules());
        assert!(!f.ignores_event(&Event::new(1, crate::types::mask::Mask::IN_CREATE, "/w", "a")));
    }

    #[cfg(feature = "ignore")]
    #[test]
    fn union_keeps_every_kind() {
        let f = ExcludeFilter::new(["^/a"]).unwrap().union(&ExcludeFilter::from_globs(["*.o"]).unwrap()).unwrap();
        assert!(f.matches("/a/b") && f.matches("/x/y.o") && !f.matches("/x/y"));
        let g = f.union(&ExcludeFilter::from_globs(["tmp/"]).unwrap()).unwrap();
        assert!(g.matches("/x/tmp") && g.matches("/x/y.o"));
    }
}
