//! `--exclude REGEX` and `--exclude-from FILE`: excluded directories are neither
//! watched nor walked, now or when they appear later.

use std::fs;

use crate::cli_util::{Tree, Watcher, run};

/// Creates `w/SKIP/f-SKIP` then `w/keep/f-SKIP`, and checks that only the second
/// is reported: the kernel queues events in order, so the first would come first.
#[track_caller]
fn only_keep_is_reported(w: &mut Watcher, tree: &Tree, skip: &str) {
    let name = format!("f-{}", skip.replace('/', "-"));
    fs::write(tree.w().join(skip).join(&name), "").unwrap();
    fs::write(tree.w().join("keep").join(&name), "").unwrap();
    let lines = w.lines_until(|l| l.contains(&format!("/keep/{name}\"")));
    assert_eq!(lines.len(), 1, "{skip}/{name} was reported: {lines:?}");
}

fn tree_with_skip_and_keep() -> Tree {
    let tree = Tree::new();
    fs::create_dir_all(tree.w().join("skip/inner")).unwrap();
    fs::create_dir(tree.w().join("keep")).unwrap();
    tree
}

#[test]
fn exclude_keeps_a_subdirectory_unwatched() {
    let tree = tree_with_skip_and_keep();
    let mut w = Watcher::start(["-r", "--json", "-e", "IN_CREATE", "--exclude", "/skip$", &tree.w_arg()]);
    only_keep_is_reported(&mut w, &tree, "skip");
    only_keep_is_reported(&mut w, &tree, "skip/inner");
}

#[test]
fn exclude_applies_to_directories_created_later() {
    let tree = tree_with_skip_and_keep();
    let args = ["-r", "-a", "--json", "-e", "IN_CREATE", "--exclude", "/skip[^/]*$", &tree.w_arg()];
    let mut w = Watcher::start(args);
    fs::create_dir(tree.w().join("skip2")).unwrap();
    assert!(w.line().contains("\"name\":\"skip2\""), "its creation is still reported");
    only_keep_is_reported(&mut w, &tree, "skip2");
}

#[test]
fn exclude_from_reads_pyinotify_style_patterns() {
    let tree = tree_with_skip_and_keep();
    let list = tree.p("exclude.lst");
    fs::write(&list, format!("# pyinotify's exclude.lst\n\n^{}/skip\n", tree.w_arg())).unwrap();
    let args = ["-r", "--json", "-e", "IN_CREATE", "--exclude-from", list.to_str().unwrap(), &tree.w_arg()];
    let mut w = Watcher::start(args);
    only_keep_is_reported(&mut w, &tree, "skip");
}

#[test]
fn verbose_counts_excluded_paths() {
    let tree = tree_with_skip_and_keep();
    let mut w = Watcher::start(["-r", "-v", "--exclude", "/skip$", &tree.w_arg()]);
    let summary = w.wait_stderr(|l| l.contains("watches added"));
    assert!(summary.contains("2 watches added") && summary.contains("(1 excluded, 0 failed)"), "{summary}");
}

#[test]
fn bad_patterns_and_files_are_usage_errors() {
    let tree = Tree::new();
    let (status, _, err) = run(["--exclude", "(unclosed", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2));
    assert!(err.starts_with("greenwatch: error: --exclude: "), "{err}");
    let missing = tree.p("missing.lst");
    let (status, _, err) = run(["--exclude-from", missing.to_str().unwrap(), &tree.w_arg()]);
    assert_eq!(status.code(), Some(2));
    assert!(err.contains(&format!("--exclude-from {}", missing.display())), "{err}");
}
