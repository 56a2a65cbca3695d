//! `--gitignore` and `--exclude-glob` on a real repository layout with nested
//! ignore files: ignored directories hold no watch, ignored files are never
//! reported, `.git/` is skipped, and ignore files edited or created while
//! watching apply from then on.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::cli_util::{Tree, Watcher, json};

/// How many inotify watches process `pid` holds (from its fdinfo), less the
/// one on the root's parent that lets a moved root be followed.
fn watches_of(pid: u32) -> usize {
    let dir = format!("/proc/{pid}/fdinfo");
    let infos = fs::read_dir(dir).unwrap().filter_map(Result::ok);
    let all: usize =
        infos.map(|e| fs::read_to_string(e.path()).unwrap_or_default().matches("inotify wd:").count()).sum();
    all - 1
}

/// A git repository at `w` (`git init` when git is installed, else a bare `.git`).
fn repository(tree: &Tree) {
    let w = tree.w();
    let init = Command::new("git").args(["init", "-q"]).arg(&w).status();
    if !init.is_ok_and(|s| s.success()) {
        fs::create_dir_all(w.join(".git/info")).unwrap();
    }
    fs::create_dir_all(w.join(".git/info")).unwrap();
    fs::write(w.join(".git/info/exclude"), "secret.txt\n").unwrap();
    fs::write(w.join(".gitignore"), "target/\n*.log\n/build\n").unwrap();
    for dir in ["src/gen", "src/build", "target/debug", "build", "docs"] {
        fs::create_dir_all(w.join(dir)).unwrap();
    }
    fs::write(w.join("src/.gitignore"), "gen/\n!keep.log\n").unwrap();
    fs::write(w.join("src/.ignore"), "scratch.rs\n").unwrap();
}

/// Writes `rel` under `w`, then a sentinel, and returns the relative
/// pathnames of every event reported up to the sentinel's.
fn reported(w: &mut Watcher, root: &Path, rels: &[&str], sentinel: &str) -> BTreeSet<String> {
    for rel in rels {
        fs::write(root.join(rel), "x").unwrap();
    }
    fs::write(root.join(sentinel), "").unwrap();
    let end = format!("{}\"", root.join(sentinel).display());
    let lines = w.lines_until(|l| l.contains(&end) && l.contains("IN_CLOSE_WRITE"));
    let prefix = format!("{}/", root.display());
    lines
        .iter()
        .map(|l| json::text(&json::parse_ok(l), "pathname").strip_prefix(&prefix).unwrap_or("").to_owned())
        .collect()
}

#[test]
fn gitignore_keeps_ignored_directories_unwatched_and_ignored_files_unreported() {
    let tree = Tree::new();
    repository(&tree);
    let root = tree.w();
    let args = ["--gitignore", "-r", "-a", "--json", "-e", "create,close_write", &tree.w_arg()];
    let mut w = Watcher::start(args);
    assert_eq!(watches_of(w.pid()), 4, "w, src, src/build, docs; not target, build, src/gen, .git");
    let ignored = ["target/debug/out.bin", "src/gen/x.rs", "a.log", "src/x.log", "secret.txt", "src/scratch.rs"];
    let mut all: Vec<&str> = ignored.to_vec();
    all.extend(["src/keep.log", "src/build/x", "docs/readme.md"]);
    fs::write(root.join(".git/info/touched"), "").unwrap();
    let got = reported(&mut w, &root, &all, "end1");
    let want: BTreeSet<String> = ["src/keep.log", "src/build/x", "docs/readme.md", "end1"].map(String::from).into();
    assert_eq!(got, want);
    assert_eq!(watches_of(w.pid()), 4);
}

#[test]
fn ignore_files_edited_or_created_while_watching_apply() {
    let tree = Tree::new();
    repository(&tree);
    let root = tree.w();
    let args = ["--gitignore", "-r", "-a", "--json", "-e", "create,close_write", &tree.w_arg()];
    let mut w = Watcher::start(args);
    fs::write(root.join(".gitignore"), "target/\n*.log\n/build\nnode_modules/\n").unwrap();
    fs::write(root.join("docs/.gitignore"), "*.tmp\n").unwrap();
    w.lines_until(|l| l.contains("docs/.gitignore\"") && l.contains("IN_CLOSE_WRITE"));
    fs::create_dir(root.join("node_modules")).unwrap();
    fs::create_dir(root.join("lib")).unwrap();
    let lib = format!("{}\"", root.join("lib").display());
    let lines = w.lines_until(|l| l.contains(&lib));
    assert_eq!(lines.len(), 1, "node_modules is not reported: {lines:?}");
    let got = reported(&mut w, &root, &["node_modules/pkg.js", "docs/a.tmp", "docs/b.md", "lib/c.rs"], "end2");
    let want: BTreeSet<String> = ["docs/b.md", "lib/c.rs", "end2"].map(String::from).into();
    assert_eq!(got, want, "node_modules (new rule) and *.tmp (new file) are ignored");
    assert_eq!(watches_of(w.pid()), 5, "lib is watched, node_modules is not");
}

#[test]
fn exclude_glob_drops_directories_and_files() {
    let tree = Tree::new();
    fs::create_dir_all(tree.w().join("cache/deep")).unwrap();
    fs::create_dir(tree.w().join("keep")).unwrap();
    let root = tree.w();
    let args =
        ["--exclude-glob", "cache/", "--exclude-glob", "*.swp", "-r", "--json", "-e", "close_write", &tree.w_arg()];
    let mut w = Watcher::start(args);
    assert_eq!(watches_of(w.pid()), 2, "w and keep");
    let got = reported(&mut w, &root, &["cache/deep/a", "keep/.x.swp", "keep/b", "c.swp", "c"], "end");
    let want: BTreeSet<String> = ["keep/b", "c", "end"].map(String::from).into();
    assert_eq!(got, want);
}
