//! `-c CMD`: once per event, the event in the environment and never in the
//! shell text, every child reaped, no event lost behind a slow command.

#[path = "../util/cli_util/mod.rs"]
mod cli_util;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use cli_util::{Tree, Watcher, command, wait_until};

/// Appends NUL-terminated fields of each run to `$LOG`: maskname, name, pathname, `$1`.
const LOG_FIELDS: &str =
    r#"printf '%s\0%s\0%s\0%s\0' "$GREENWATCH_MASKNAME" "$GREENWATCH_NAME" "$GREENWATCH_PATHNAME" "$1" >> "$LOG""#;

/// The log's runs, each a list of fields, `per_run` fields a run.
fn runs(log: &Path, per_run: usize) -> Vec<Vec<Vec<u8>>> {
    let bytes = fs::read(log).unwrap_or_default();
    let fields: Vec<Vec<u8>> = bytes.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    let fields = &fields[..fields.len() - 1]; // after the last NUL
    fields.chunks(per_run).map(<[Vec<u8>]>::to_vec).collect()
}

/// `w/name` as bytes.
fn join(dir: &Path, name: &[u8]) -> Vec<u8> {
    let mut path = dir.as_os_str().as_bytes().to_vec();
    path.push(b'/');
    path.extend_from_slice(name);
    path
}

#[test]
fn hostile_names_reach_the_command_intact_and_run_nothing() {
    let tree = Tree::new();
    fs::create_dir(tree.p("x")).unwrap();
    let names: &[&[u8]] =
        &[b"$(touch pwned)", b"; rm -rf x", b"a'b\"c", b"`touch pwned2`", b"new\nline; touch pwned3", b"bad\xff\xfe"];
    let log = tree.p("log");
    let count = names.len().to_string();
    let mut cmd = command(["-q", "-e", "IN_CREATE", "--count", &count, "-c", LOG_FIELDS, &tree.w_arg()]);
    cmd.current_dir(tree.dir.path()).env("LOG", &log);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    for name in names {
        fs::write(tree.w().join(OsStr::from_bytes(name)), "").unwrap();
    }
    let (status, out, err) = w.finish();
    assert!(status.success(), "{err}");
    assert!(out.is_empty(), "-q prints no events");
    let runs = runs(&log, 4);
    assert_eq!(runs.len(), names.len(), "one run per event");
    for (run, name) in runs.iter().zip(names) {
        assert_eq!(run[0], b"IN_CREATE");
        assert_eq!(run[1], *name);
        assert_eq!(run[2], join(&tree.w(), name));
        assert_eq!(run[3], run[2], "$1 is the pathname");
    }
    let mut top: Vec<_> = fs::read_dir(tree.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    top.sort();
    assert_eq!(top, ["log", "w", "x"], "the command ran nothing else");
    assert_eq!(fs::read_dir(tree.w()).unwrap().count(), names.len());
}

#[test]
fn every_variable_of_a_paired_move() {
    let tree = Tree::new();
    fs::write(tree.w().join("a"), "").unwrap();
    let log = tree.p("log");
    let script = r#"printf '%s\0' "$GREENWATCH_MASKNAME" "$GREENWATCH_MASK" "$GREENWATCH_NAME" "$GREENWATCH_PATH" \
        "$GREENWATCH_PATHNAME" "$GREENWATCH_WD" "$GREENWATCH_COOKIE" "$GREENWATCH_DIR" \
        "${GREENWATCH_SRC_PATHNAME-unset}" >> "$LOG""#;
    let mut cmd = command(["-e", "IN_MOVED_FROM,IN_MOVED_TO", "-n", "2", "-c", script, &tree.w_arg()]);
    cmd.env("LOG", &log).env("GREENWATCH_SRC_PATHNAME", "inherited");
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    fs::rename(tree.w().join("a"), tree.w().join("b")).unwrap();
    let (status, out, _) = w.finish();
    assert!(status.success());
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2, "events are still printed with -c");
    let runs = runs(&log, 9);
    let text = |run: usize, field: usize| String::from_utf8(runs[run][field].clone()).unwrap();
    let w_path = tree.w_arg();
    assert_eq!(runs.len(), 2);
    assert_eq!([text(0, 0), text(0, 1), text(0, 2), text(0, 3)], ["IN_MOVED_FROM", "64", "a", w_path.as_str()]);
    assert_eq!([text(1, 0), text(1, 1), text(1, 2), text(1, 3)], ["IN_MOVED_TO", "128", "b", w_path.as_str()]);
    assert_eq!(text(1, 4), format!("{w_path}/b"));
    assert_eq!(text(0, 5), "1");
    assert_ne!(text(0, 6), "0");
    assert_eq!(text(0, 6), text(1, 6), "one cookie for the pair");
    assert_eq!(text(1, 7), "0");
    assert_eq!(text(0, 8), "unset", "an inherited GREENWATCH_SRC_PATHNAME is removed");
    assert_eq!(text(1, 8), format!("{w_path}/a"));
}

/// The processes whose parent is `pid`, zombies included (from `/proc/N/stat`).
fn children(pid: u32) -> Vec<String> {
    let parent_of =
        |stat: &str| stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok());
    let procs = fs::read_dir("/proc").unwrap().filter_map(Result::ok);
    let stats = procs.filter_map(|p| fs::read_to_string(p.path().join("stat")).ok());
    stats.filter(|stat| parent_of(stat) == Some(pid)).collect()
}

#[test]
fn children_are_reaped() {
    let tree = Tree::new();
    let log = tree.p("log");
    let mut cmd = command(["-e", "IN_CREATE", "-c", r#"printf x >> "$LOG""#, &tree.w_arg()]);
    cmd.env("LOG", &log);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    for i in 0..5 {
        fs::write(tree.w().join(i.to_string()), "").unwrap();
    }
    assert!(children(std::process::id()).iter().any(|c| c.contains("(greenwatch)")), "the scan sees children");
    wait_until("five runs", || fs::read(&log).is_ok_and(|b| b.len() == 5));
    wait_until("no child left, zombie or not", || children(w.pid()).is_empty());
    w.signal("TERM");
    assert!(w.wait_exit().success());
}

#[test]
fn a_slow_command_loses_no_event() {
    let tree = Tree::new();
    let log = tree.p("log");
    let n = 60;
    let count = n.to_string();
    let mut cmd =
        command(["-q", "-e", "IN_CREATE", "-n", &count, "-c", r#"sleep 0.01; printf x >> "$LOG""#, &tree.w_arg()]);
    cmd.env("LOG", &log);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    for i in 0..n {
        fs::write(tree.w().join(i.to_string()), "").unwrap();
    }
    assert!(w.wait_exit().success());
    assert_eq!(fs::read(&log).unwrap().len(), n, "every event's command ran before exit");
}

#[test]
fn a_second_signal_drops_commands_not_started() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_CREATE", "-c", "sleep 1", &tree.w_arg()]);
    for i in 0..30 {
        fs::write(tree.w().join(i.to_string()), "").unwrap();
    }
    for _ in 0..30 {
        w.line();
    }
    w.signal("TERM");
    w.signal("INT");
    // 30 one-second commands would outlast the deadline of wait_exit.
    assert!(w.wait_exit().success());
}
