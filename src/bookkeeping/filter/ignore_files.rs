//! The ignore files found in the watched trees (`.gitignore`, `.ignore`,
//! `.git/info/exclude`), read lazily per directory and re-read when they change.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::types::event::Event;

/// The per-directory ignore files, lowest precedence first (a later file's
/// match wins): the repository's exclude file, then `.gitignore`, then `.ignore`.
const NAMES: [&str; 2] = [".gitignore", ".ignore"];

/// How long a directory's rules are trusted before their files are checked again.
const RECHECK: Duration = Duration::from_millis(500);

/// Lazily read rules of every directory asked about, shared by the filter's clones.
#[derive(Default)]
pub(super) struct IgnoreFiles {
    state: Mutex<State>,
}

impl IgnoreFiles {
    /// True if `path` (a directory when `is_dir`) is a `.git` directory or
    /// inside one, or ignored by the files of its ancestors, or lies below an
    /// ignored directory.
    pub(super) fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        if path.components().any(|c| c.as_os_str() == ".git") {
            return true;
        }
        let Some(parent) = path.parent() else { return false };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let chain = state.chain(parent);
        state.decide(path, is_dir, &chain) || (0..chain.len().saturating_sub(1)).any(|i| state.dir_ignored(&chain, i))
    }

    /// Forgets the rules of a directory whose `.gitignore`, `.ignore` or `.git` an event names.
    pub(super) fn notice(&self, event: &Event) {
        let name = event.name();
        if NAMES.iter().any(|n| name == OsStr::new(n)) || name == OsStr::new(".git") {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.dirs.remove(event.path());
            state.verdicts.clear();
        }
    }
}

/// The rules read so far, and the verdicts on directories derived from them.
#[derive(Default)]
struct State {
    dirs: HashMap<PathBuf, DirRules>,
    /// Whether each directory asked about is ignored; cleared whenever a rule changes.
    verdicts: HashMap<PathBuf, bool>,
}

impl State {
    /// `dir` and its ancestors, deepest first, up to the top of its
    /// repository (the first holding `.git`) or `/`.
    fn chain(&mut self, dir: &Path) -> Vec<PathBuf> {
        let mut chain = Vec::new();
        let mut next = Some(dir);
        while let Some(dir) = next {
            chain.push(dir.to_path_buf());
            if self.rules(dir).top {
                break;
            }
            next = dir.parent();
        }
        chain
    }

    /// The rules of `dir`, read or re-read when missing or stale.
    fn rules(&mut self, dir: &Path) -> &DirRules {
        let stale = match self.dirs.get_mut(dir) {
            None => true,
            Some(rules) if rules.checked.elapsed() < RECHECK => false,
            Some(rules) => {
                rules.checked = Instant::now();
                rules.stamps != stamps(&sources(dir, rules.top))
            }
        };
        if stale {
            if self.dirs.contains_key(dir) {
                self.verdicts.clear();
            }
            self.dirs.insert(dir.to_path_buf(), DirRules::read(dir));
        }
        &self.dirs[dir]
    }

    /// The deepest rule about `path` among `dirs` decides; no rule: not ignored.
    fn decide(&mut self, path: &Path, is_dir: bool, dirs: &[PathBuf]) -> bool {
        for dir in dirs {
            match self.rules(dir).matcher.as_ref().map(|m| m.matched(path, is_dir)) {
                Some(Match::Ignore(_)) => return true,
                Some(Match::Whitelist(_)) => return false,
                _ => {}
            }
        }
        false
    }

    /// Whether `chain[i]` is ignored by the rules above it (cached).
    fn dir_ignored(&mut self, chain: &[PathBuf], i: usize) -> bool {
        if let Some(&verdict) = self.verdicts.get(&chain[i]) {
            return verdict;
        }
        let verdict = self.decide(&chain[i], true, &chain[i + 1..]);
        self.verdicts.insert(chain[i].clone(), verdict);
        verdict
    }
}

/// One directory's compiled ignore files.
struct DirRules {
    matcher: Option<Gitignore>,
    /// The directory holds `.git`: the top of a repository.
    top: bool,
    /// What the files looked like when read.
    stamps: Vec<Option<Stamp>>,
    checked: Instant,
}

/// Inode, size and modification time of a file: a changed one is read again.
type Stamp = (u64, u64, i64, i64);

impl DirRules {
    fn read(dir: &Path) -> DirRules {
        let top = dir.join(".git").symlink_metadata().is_ok();
        let files = sources(dir, top);
        let stamps = stamps(&files);
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        for (file, stamp) in files.iter().zip(&stamps) {
            if stamp.is_some() {
                // A bad line is skipped, as git does; the others still apply.
                let _ = builder.add(file);
                any = true;
            }
        }
        let matcher = if any { builder.build().ok() } else { None };
        DirRules { matcher, top, stamps, checked: Instant::now() }
    }
}

/// The ignore files of `dir`, lowest precedence first.
fn sources(dir: &Path, top: bool) -> Vec<PathBuf> {
    let exclude = top.then(|| dir.join(".git/info/exclude"));
    exclude.into_iter().chain(NAMES.iter().map(|n| dir.join(n))).collect()
}

fn stamps(files: &[PathBuf]) -> Vec<Option<Stamp>> {
    let stamp = |f: &PathBuf| {
        let m = std::fs::metadata(f).ok().filter(std::fs::Metadata::is_file)?;
        Some((m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
    };
    files.iter().map(stamp).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".git/info")).unwrap();
        fs::create_dir_all(root.join("src/gen")).unwrap();
        fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        fs::write(root.join(".git/info/exclude"), "secret\n").unwrap();
        fs::write(root.join("src/.gitignore"), "gen/\n!keep.log\n").unwrap();
        fs::write(root.join("src/.ignore"), "scratch.rs\n").unwrap();
        dir
    }

    #[test]
    fn nested_files_deeper_wins_and_dot_git_is_always_ignored() {
        let dir = repo();
        let root = dir.path();
        let files = IgnoreFiles::default();
        assert!(files.excludes(&root.join("target"), true));
        assert!(!files.excludes(&root.join("target"), false));
        assert!(files.excludes(&root.join("a.log"), false));
        assert!(!files.excludes(&root.join("src/keep.log"), false));
        assert!(files.excludes(&root.join("src/x.log"), false));
        assert!(files.excludes(&root.join("src/gen"), true));
        assert!(files.excludes(&root.join("src/gen/deep/file.rs"), false));
        assert!(files.excludes(&root.join("src/scratch.rs"), false));
        assert!(files.excludes(&root.join("secret"), false));
        assert!(files.excludes(&root.join(".git"), true));
        assert!(files.excludes(&root.join(".git/objects/ab"), false));
        assert!(!files.excludes(&root.join("src/main.rs"), false));
    }

    #[test]
    fn an_edited_file_is_read_again_after_notice() {
        let dir = repo();
        let root = dir.path();
        let files = IgnoreFiles::default();
        assert!(!files.excludes(&root.join("src/main.rs"), false));
        fs::write(root.join("src/.gitignore"), "main.rs\n").unwrap();
        files.notice(&Event::new(1, crate::types::mask::Mask::IN_CLOSE_WRITE, root.join("src"), ".gitignore"));
        assert!(files.excludes(&root.join("src/main.rs"), false));
        assert!(!files.excludes(&root.join("src/gen"), true));
    }
}
