//! `-e` takes inotifywait's names too; names in the output cannot forge lines;
//! `--color`; `--timeout` with `--count`/`--oneshot` exits 3.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use crate::cli_util::{Tree, Watcher, json, run};

fn code(status: ExitStatus) -> Option<i32> {
    status.code().or_else(|| status.signal().map(|s| 128 + s))
}

#[test]
fn inotifywait_names_in_any_case_select_the_same_events() {
    let tree = Tree::new();
    let w = Watcher::start(["--json", "-e", "create,Close_Write", "-e", "in_moved_to", "-n", "3", &tree.w_arg()]);
    fs::write(tree.w().join("a"), "x").unwrap();
    fs::rename(tree.w().join("a"), tree.w().join("b")).unwrap();
    let (status, out, err) = w.finish();
    assert_eq!(code(status), Some(0), "{err}");
    let mut names: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| json::text(&json::parse_ok(l), "maskname").to_owned())
        .collect();
    // Which events, not their order: a child forked by another test between
    // our open and close holds the file until its exec, so the kernel may
    // report IN_CLOSE_WRITE after the rename.
    names.sort();
    assert_eq!(names, ["IN_CLOSE_WRITE", "IN_CREATE", "IN_MOVED_TO"]);
}

#[test]
fn an_unknown_name_exits_2_listing_both_spellings() {
    let tree = Tree::new();
    let (status, out, err) = run(["-e", "create,creat", &tree.w_arg()]);
    assert_eq!(code(status), Some(2));
    assert!(out.is_empty());
    assert!(err.contains("the event 'creat' given with -e/--events-list is not valid"), "{err}");
    assert!(err.contains("IN_CLOSE_WRITE") && err.contains("with or without IN_"), "{err}");
}

/// A name that, written raw, would look like a second, forged event line (a
/// name cannot hold `/`).
const FORGED: &[u8] = b"x\n<Event dir=False mask=0x200 maskname=IN_DELETE name=passwd path=etc pathname=etc wd=1 >";

#[test]
fn a_hostile_name_cannot_forge_a_default_line() {
    let tree = Tree::new();
    let w = Watcher::start(["-e", "create", "-n", "2", &tree.w_arg()]);
    fs::write(tree.w().join(OsStr::from_bytes(FORGED)), "").unwrap();
    fs::write(tree.w().join(OsStr::from_bytes(b"esc\x1b[2Jback\\slash")), "").unwrap();
    let (status, out, err) = w.finish();
    assert_eq!(code(status), Some(0), "{err}");
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("<Event dir=False mask=0x100 maskname=IN_CREATE ")), "{text}");
    assert!(lines[0].contains(" name=x\\n<Event dir=False mask=0x200 "), "{text}");
    assert!(lines[1].contains(" name=esc\\x1b[2Jback\\\\slash path="), "{text}");
    assert!(!text.contains('\x1b'), "no raw escape reaches the output");
}

#[test]
fn format_escapes_names_but_nul_records_and_raw_names_keep_bytes() {
    let tree = Tree::new();
    let w = Watcher::start(["-e", "create", "-n", "1", "--format", "%f|%e", &tree.w_arg()]);
    fs::write(tree.w().join(OsStr::from_bytes(b"a\nb\tc")), "").unwrap();
    let (_, out, _) = w.finish();
    assert_eq!(out, b"a\\nb\\tc|CREATE\n");

    let w = Watcher::start(["-e", "create", "-n", "1", "--format", "%w%f%0", &tree.w_arg()]);
    fs::write(tree.w().join(OsStr::from_bytes(b"d\ne")), "").unwrap();
    let (_, out, _) = w.finish();
    assert_eq!(out, [tree.w().as_os_str().as_bytes(), b"/d\ne\0"].concat());

    let w = Watcher::start(["-e", "create", "-n", "1", "--raw-names", "--format", "%f", &tree.w_arg()]);
    fs::write(tree.w().join(OsStr::from_bytes(b"f\ng")), "").unwrap();
    let (_, out, _) = w.finish();
    assert_eq!(out, b"f\ng\n");
}

/// The first line of a run that reports one creation, with `args` added.
fn first_line(args: &[&str]) -> Vec<u8> {
    let tree = Tree::new();
    let argv: Vec<String> = ["-e", "create", "-n", "1"].iter().chain(args).map(|s| s.to_string()).collect();
    let w = Watcher::start(argv.iter().chain([&tree.w_arg()]));
    fs::write(tree.w().join("a"), "").unwrap();
    w.finish().1
}

#[test]
fn color_can_be_forced_or_refused_and_f_means_never() {
    assert!(first_line(&["--color=always"]).starts_with(b"\x1b[0m<"));
    assert!(first_line(&["--color", "never"]).starts_with(b"<Event dir=False"));
    assert!(first_line(&["--color=auto"]).starts_with(b"<Event dir=False"), "a pipe is not a terminal");
    assert!(first_line(&["--color=always", "-f"]).starts_with(b"<Event dir=False"));
    let (status, _, err) = run(["--color=sometimes", "/tmp"]);
    assert_eq!(code(status), Some(2), "{err}");
}

#[test]
fn timeout_before_the_count_exits_3_and_after_it_0() {
    let tree = Tree::new();
    let (status, out, err) = run(["--oneshot", "--timeout", "0.2", &tree.w_arg()]);
    assert_eq!(code(status), Some(3), "{err}");
    assert!(out.is_empty());
    let (status, _, err) = run(["-n", "5", "--timeout", "0.2", &tree.w_arg()]);
    assert_eq!(code(status), Some(3), "{err}");
    let (status, _, err) = run(["--timeout", "0.2", &tree.w_arg()]);
    assert_eq!(code(status), Some(0), "no count: a timeout is the normal end; {err}");
    let w = Watcher::start(["--oneshot", "--timeout", "30", &tree.w_arg()]);
    fs::write(tree.w().join("a"), "").unwrap();
    let (status, out, err) = w.finish();
    assert_eq!(code(status), Some(0), "{err}");
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
}
