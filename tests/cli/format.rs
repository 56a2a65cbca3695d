//! `--format`: inotifywait's conversions %w %f %e %Xe %T %0, plus --timefmt and --no-newline.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use crate::cli_util::{Tree, Watcher, run};

#[test]
fn watched_path_name_and_events() {
    let tree = Tree::new();
    let w_path = tree.w_arg();
    let mut w = Watcher::start(["-e", "IN_CREATE,IN_DELETE", "--format", "%w|%f|%e|%:e|%%", &w_path]);
    fs::create_dir(tree.w().join("d")).unwrap();
    fs::remove_dir(tree.w().join("d")).unwrap();
    assert_eq!(w.line(), format!("{w_path}/|d|CREATE,ISDIR|CREATE:ISDIR|%"));
    assert_eq!(w.line(), format!("{w_path}/|d|DELETE,ISDIR|DELETE:ISDIR|%"));
}

#[test]
fn a_watched_file_has_no_slash_and_no_name() {
    let tree = Tree::new();
    let file = tree.w().join("f");
    fs::write(&file, "").unwrap();
    let mut w = Watcher::start(["-e", "IN_MODIFY", "--format", "[%w][%f][%e]", file.to_str().unwrap()]);
    fs::write(&file, "x").unwrap();
    assert_eq!(w.line(), format!("[{}][][MODIFY]", file.display()));
}

#[test]
fn nul_terminated_records_keep_newlines_and_raw_bytes() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_CREATE", "--format", "%w%f%0", &tree.w_arg()]);
    let names: [&[u8]; 3] = [b"two\nlines", b"bad\xff", b"plain"];
    for name in names {
        fs::write(tree.w().join(OsStr::from_bytes(name)), "").unwrap();
    }
    for name in names {
        let mut want = tree.w().as_os_str().as_bytes().to_vec();
        want.push(b'/');
        want.extend_from_slice(name);
        assert_eq!(w.record(0), want, "a NUL ends each record, with no newline after it");
    }
}

#[test]
fn no_newline_joins_events() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_CREATE", "--no-newline", "--format", "%f;", &tree.w_arg()]);
    for name in ["a", "b"] {
        fs::write(tree.w().join(name), "").unwrap();
    }
    assert_eq!(w.record(b';'), b"a");
    assert_eq!(w.record(b';'), b"b");
    w.signal("TERM");
    assert!(!w.rest().contains(&b'\n'));
}

#[test]
fn time_follows_timefmt() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_CREATE", "--format", "%T %f", "--timefmt", "%Y|%%", &tree.w_arg()]);
    fs::write(tree.w().join("a"), "").unwrap();
    let line = w.line();
    let (year, rest) = line.split_once('|').unwrap();
    assert!(year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()), "{line}");
    assert_eq!(rest, "% a");
}

#[test]
fn time_has_an_iso_default() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_CREATE", "--format", "%T", &tree.w_arg()]);
    fs::write(tree.w().join("a"), "").unwrap();
    let line = w.line();
    // 2025-01-31T12:34:56+0100
    assert_eq!(line.len(), 24, "{line}");
    assert_eq!(&line[10..11], "T", "{line}");
}

#[test]
fn bad_formats_are_usage_errors() {
    let tree = Tree::new();
    let (status, _, err) = run(["--format", "%w %q", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2));
    assert!(err.contains("unknown conversion '%q'"), "{err}");
    let (status, _, err) = run(["--format", "100%", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2), "{err}");
    let (status, _, _) = run(["--timefmt", "%Y", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2), "--timefmt needs --format");
    let (status, _, _) = run(["--json", "--format", "%w", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2), "--json and --format exclude each other");
}
