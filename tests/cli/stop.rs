//! How a run ends: SIGINT/SIGTERM (status 0, every event flushed), --timeout,
//! --count, --oneshot, and nothing left to watch.

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::cli_util::{Tree, Watcher};

/// Creates files `0`, `1`, … in `dir`.
fn create_files(dir: &std::path::Path, n: usize) {
    for i in 0..n {
        fs::write(dir.join(i.to_string()), "").unwrap();
    }
}

#[test]
fn sigterm_exits_0_after_flushing_every_event_before_it() {
    let tree = Tree::new();
    let w = Watcher::start(["--json", "-e", "IN_CREATE", &tree.w_arg()]);
    create_files(&tree.w(), 200);
    w.signal("TERM");
    let (status, out, err) = w.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 200, "{text}");
    let last = format!("\"pathname\":\"{}/199\",\"dir\":false,\"cookie\":0}}\n", tree.w_arg());
    assert!(text.ends_with(&last), "{text}");
}

#[test]
fn a_reader_gone_in_the_middle_of_a_burst_ends_the_run_with_status_0() {
    let tree = Tree::new();
    let (reader, writer) = std::io::pipe().unwrap();
    let mut cmd = crate::cli_util::command(["--json", "-e", "IN_CREATE", &tree.w_arg()]);
    cmd.stdout(writer);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    drop(reader);
    create_files(&tree.w(), 3000); // more than one early write's worth of JSON
    assert_eq!(w.wait_exit().code(), Some(0), "{}", w.stderr_text());
    assert_eq!(w.stderr_text(), "Watches established.", "a closed pipe is not an error");
}

#[test]
fn sigint_exits_0() {
    let tree = Tree::new();
    let mut w = Watcher::start([tree.w_arg()]);
    w.signal("INT");
    assert_eq!(w.wait_exit().code(), Some(0));
}

#[test]
fn timeout_ends_the_run_even_while_events_keep_coming() {
    let tree = Tree::new();
    let started = Instant::now();
    let mut w = Watcher::start(["--timeout", "1", "-e", "IN_CREATE", &tree.w_arg()]);
    let done = Arc::new(AtomicBool::new(false));
    let writer = std::thread::spawn({
        let (dir, done) = (tree.w(), Arc::clone(&done));
        move || {
            let mut i = 0u64;
            while !done.load(Ordering::SeqCst) {
                fs::write(dir.join(i.to_string()), "").unwrap();
                i += 1;
                std::thread::sleep(Duration::from_millis(5)); // a steady stream, not a synchronisation
            }
        }
    });
    let status = w.wait_exit();
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(!w.rest().is_empty(), "events were reported until the timeout");
}

#[test]
fn timeout_without_events() {
    let tree = Tree::new();
    let mut w = Watcher::start(["--timeout", "0.2", &tree.w_arg()]);
    assert_eq!(w.wait_exit().code(), Some(0));
    assert!(w.rest().is_empty());
}

#[test]
fn count_stops_after_n_events_and_flushes_them() {
    let tree = Tree::new();
    for flag in ["-n", "--count"] {
        let w = Watcher::start([flag, "3", "--json", "-e", "IN_CREATE", &tree.w_arg()]);
        create_files(&tree.w(), 5);
        let (status, out, _) = w.finish();
        assert!(status.success());
        let text = String::from_utf8(out).unwrap();
        let names: Vec<&str> =
            text.lines().map(|l| l.split("\"name\":\"").nth(1).unwrap().split('"').next().unwrap()).collect();
        assert_eq!(names, ["0", "1", "2"]);
        for i in 0..5 {
            fs::remove_file(tree.w().join(i.to_string())).unwrap();
        }
    }
}

#[test]
fn oneshot_stops_after_the_first_event() {
    let tree = Tree::new();
    let w = Watcher::start(["--oneshot", "-e", "IN_CREATE", "--format", "%f", &tree.w_arg()]);
    create_files(&tree.w(), 3);
    let (status, out, _) = w.finish();
    assert!(status.success());
    assert_eq!(out, b"0\n");
}

#[test]
fn exits_0_when_nothing_is_left_to_watch() {
    let tree = Tree::new();
    fs::create_dir(tree.w().join("sub")).unwrap();
    let w = Watcher::start(["-r", "--format", "%e %w%f", &tree.w_arg()]);
    fs::remove_dir_all(tree.w()).unwrap();
    let (status, out, _) = w.finish();
    assert_eq!(status.code(), Some(0));
    let text = String::from_utf8(out).unwrap();
    let w_path = tree.w_arg();
    assert!(text.ends_with(&format!("DELETE_SELF {w_path}/\nIGNORED {w_path}/\n")), "{text}");
}
