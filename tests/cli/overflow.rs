//! The CLI through a kernel queue overflow: `greenwatch --json -r -a DIR` is
//! stopped (SIGSTOP) while 20,000 files and 50 directories are created, then
//! continued; every file is reported exactly once, live or `"recovered":true`.

use std::collections::HashMap;
use std::fs;

use crate::cli_util::Watcher;
use crate::cli_util::json::{parse_ok, text};

const QUEUE_LIMIT: &str = "/proc/sys/fs/inotify/max_queued_events";
const DEFAULT_QUEUE: &str = "16384";
const FILES: usize = 20_000;
const DIRS: usize = 50;
const FILES_PER_DIR: usize = 10;

/// Starts the watcher while the kernel queue limit is the default (the kernel
/// reads it at `inotify_init`), restoring the old value at once.
fn start_with_default_queue(dir: &str) -> Watcher {
    let old = fs::read_to_string(QUEUE_LIMIT).unwrap_or_else(|_| DEFAULT_QUEUE.into());
    let changed = old.trim() != DEFAULT_QUEUE;
    if changed {
        fs::write(QUEUE_LIMIT, DEFAULT_QUEUE).expect("set max_queued_events (the tests run as root)");
    }
    let mut w = Watcher::spawn(["--json", "-r", "-a", "-e", "IN_CREATE", dir]);
    w.wait_established();
    if changed {
        fs::write(QUEUE_LIMIT, old.trim()).expect("restore max_queued_events");
    }
    w
}

#[test]
fn the_cli_recovers_an_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let mut w = start_with_default_queue(root.to_str().unwrap());
    w.signal("STOP");
    let mut expected: Vec<String> = Vec::new();
    for i in 0..FILES {
        let p = root.join(format!("f{i}"));
        fs::write(&p, b"").unwrap();
        expected.push(p.display().to_string());
    }
    for d in 0..DIRS {
        let dir = root.join(format!("d{d}"));
        fs::create_dir(&dir).unwrap();
        expected.push(dir.display().to_string());
        for i in 0..FILES_PER_DIR {
            let p = dir.join(format!("g{i}"));
            fs::write(&p, b"").unwrap();
            expected.push(p.display().to_string());
        }
    }
    w.signal("CONT");

    let mut lines = w.lines_until(|l| l.contains("\"maskname\":\"GW_RESYNC_END\""));
    // Whatever follows the resync is read up to a marker created after it.
    let marker = root.join("d0/marker");
    fs::write(&marker, b"").unwrap();
    let marker_text = marker.display().to_string();
    lines.extend(w.lines_until(|l| text(&parse_ok(l), "pathname") == marker_text));

    assert!(lines.iter().any(|l| l.contains("\"maskname\":\"IN_Q_OVERFLOW\"") && l.contains("\"wd\":-1")));
    assert!(lines.iter().any(|l| l.contains("GW_RESYNC_START")));
    assert!(lines.iter().any(|l| l.ends_with(",\"recovered\":true}")), "some events are recovered");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in &lines {
        let object = parse_ok(line);
        if text(&object, "maskname").starts_with("IN_CREATE") {
            *counts.entry(text(&object, "pathname").to_owned()).or_default() += 1;
        }
    }
    let wrong: Vec<_> = expected.iter().filter(|p| counts.get(*p) != Some(&1)).take(5).collect();
    assert!(wrong.is_empty(), "not reported exactly once (first 5): {wrong:?}");
    assert_eq!(counts.len(), expected.len() + 1, "nothing else (but the marker) was reported");
    w.signal("TERM");
    w.wait_exit();
}
