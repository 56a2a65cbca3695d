//! `--debounce`: the command runs once per burst, after a quiet period,
//! never two at once, with the burst's events (hostile names intact) in
//! `$GREENWATCH_EVENTS`.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::cli_util::{Tree, Watcher, command, json, wait_until};

/// Copies the burst's events file to `$LOG.N` (N = the run's number) and
/// records `$GREENWATCH_COUNT`, `$GREENWATCH_NAME` and `$1` NUL-separated in `$LOG.N.vars`.
const COPY_BURST: &str = r#"n=$(ls "$LOG".*.vars 2>/dev/null | wc -l); cp "$GREENWATCH_EVENTS" "$LOG.$n";
printf '%s\0%s\0%s\0' "$GREENWATCH_COUNT" "$GREENWATCH_NAME" "$1" > "$LOG.$n.vars""#;

/// The `name` of every JSON line of a copied events file.
fn burst_names(file: &Path) -> Vec<Vec<u8>> {
    let text = String::from_utf8(fs::read(file).unwrap()).unwrap();
    text.lines().map(|line| json::bytes(&json::parse_ok(line), "name").to_vec()).collect()
}

fn vars(file: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(file).unwrap();
    bytes.split(|&b| b == 0).take(3).map(<[u8]>::to_vec).collect()
}

#[test]
fn a_burst_of_hostile_names_runs_the_command_once_with_every_event() {
    let tree = Tree::new();
    let log = tree.p("log");
    let names: &[&[u8]] = &[b"$(touch pwned)", b"a'b\"c", b"new\nline", b"tab\there", b"bad\xff\xfe", b"last"];
    let mut cmd = command(["-q", "-e", "create", "--debounce=1s", "-c", COPY_BURST, &tree.w_arg()]);
    cmd.current_dir(tree.dir.path()).env("LOG", &log);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    for name in names {
        fs::write(tree.w().join(OsStr::from_bytes(name)), "").unwrap();
    }
    let vars_file = tree.p("log.0.vars");
    wait_until("the burst's command", || vars_file.exists() && vars(&vars_file).len() == 3);
    let pid = w.pid();
    w.signal("INT");
    let (status, _, err) = w.finish();
    assert!(status.success(), "{err}");
    assert_eq!(burst_names(&tree.p("log.0")), names, "every event of the burst, in order");
    let vars = vars(&vars_file);
    assert_eq!(vars[0], b"6");
    assert_eq!(vars[1], b"last", "the last event's variables");
    assert_eq!(vars[2], [tree.w().as_os_str().as_bytes(), b"/last"].concat());
    assert!(!tree.p("log.1").exists(), "one run for one burst");
    assert!(!tree.p("pwned").exists() && !tree.dir.path().join("w/pwned").exists());
    let prefix = format!("greenwatch-{pid}-");
    let mut leftover = fs::read_dir(std::env::temp_dir()).unwrap().filter_map(Result::ok);
    assert!(!leftover.any(|e| e.file_name().to_string_lossy().starts_with(&prefix)), "the events file is removed");
}

#[test]
fn events_during_a_run_form_the_next_burst_and_runs_never_overlap() {
    let tree = Tree::new();
    let log = tree.p("log");
    let gate = tree.p("gate");
    // The first run waits (with a deadline) for the test to open the gate, so
    // that the second burst surely comes while it runs; a run that finds the
    // lock taken records the overlap.
    let script = format!(
        r#"mkdir "$LOG.lock" || echo overlap >> "$LOG.overlap"; {COPY_BURST}
        i=0; while [ ! -e '{gate}' ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; rmdir "$LOG.lock""#,
        gate = gate.display()
    );
    let mut cmd = command(["--format", "%f", "-e", "create", "--debounce=100ms", "-c", &script, &tree.w_arg()]);
    cmd.env("LOG", &log);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    fs::write(tree.w().join("first"), "").unwrap();
    assert_eq!(w.line(), "first");
    wait_until("the first run", || tree.p("log.0.vars").exists());
    for name in ["second", "third"] {
        fs::write(tree.w().join(name), "").unwrap();
    }
    // Printed means queued for the command: both wait while the first run goes on.
    assert_eq!([w.line(), w.line()], ["second", "third"]);
    fs::write(&gate, "").unwrap();
    wait_until("the second run", || tree.p("log.1.vars").exists() && !tree.p("log.lock").exists());
    w.signal("INT");
    let (status, _, err) = w.finish();
    assert!(status.success(), "{err}");
    assert_eq!(burst_names(&tree.p("log.0")), [b"first".to_vec()]);
    assert_eq!(burst_names(&tree.p("log.1")), [b"second".to_vec(), b"third".to_vec()]);
    assert!(!tree.p("log.overlap").exists(), "two commands ran at once");
}

#[test]
fn debounce_needs_a_command() {
    let tree = Tree::new();
    let (status, _, err) = crate::cli_util::run(["--debounce", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2), "{err}");
}
