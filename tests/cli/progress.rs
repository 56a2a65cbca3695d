//! The set-up progress line: on a terminal only; a pipe sees exactly
//! `Watches established.`.

use std::fs;
use std::process::{Command, Stdio};

use crate::cli_util::{Tree, bin, command};

/// A tree of `n` directories under `w`.
fn tree_of(n: usize) -> Tree {
    let tree = Tree::new();
    for i in 0..n {
        fs::create_dir_all(tree.w().join(format!("d{}/e{i}", i % 10))).unwrap();
    }
    tree
}

#[test]
fn a_pipe_sees_only_watches_established() {
    let tree = tree_of(200);
    let mut cmd = command(["-r", "--timeout", "0.1", &tree.w_arg()]);
    cmd.env("GREENWATCH_PROGRESS_DELAY_MS", "0");
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "Watches established.\n");
}

#[test]
fn a_terminal_sees_the_count_then_the_line_is_erased() {
    if Command::new("script").arg("--version").stdout(Stdio::null()).status().is_err() {
        eprintln!("script(1) is not installed: no terminal to test with; skipped");
        return;
    }
    let tree = tree_of(3000); // long enough a walk for the first line, even on a fast machine
    let inner = format!("'{}' -r --timeout 0.1 '{}' >/dev/null", bin(), tree.w_arg());
    let out = Command::new("script")
        .args(["-qefc", &inner, "/dev/null"])
        .env("GREENWATCH_PROGRESS_DELAY_MS", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("directories watched ("), "{text:?}");
    let erased = text.rfind("\r\x1b[K").unwrap();
    let established = text.find("Watches established.").unwrap();
    assert!(erased < established, "the line is erased before `Watches established.`: {text:?}");
}
