//! Runs each example ported from pyinotify's asynchronous examples (issue 8:
//! asyncore, Tornado, asyncio, all on smol here) as a subprocess against a
//! temporary directory.
//!
//! The examples are built once, with `$CARGO build --examples --quiet` (the
//! environment, `RUSTFLAGS` included, is inherited as is, so nothing is rebuilt
//! for other flags). Each test starts one, waits with a deadline for its
//! `Watches established.` line, works in the watched directory, and checks what
//! it printed. No test sleeps to synchronise: every wait reads the example's
//! output, and a deadline kills the example and fails the test with everything
//! it printed.

use std::fs;
use std::path::Path;

use crate::example_util::{Example, args, rename, temp, write_file};

/// The run time given to examples: a test interrupts them (`SIGINT`) once it
/// has seen what it waits for, so they end by themselves only if that fails.
const RUN_SECONDS: &str = "15";

#[test]
fn async_moved_from_reports_moves_with_their_source_and_orphans() {
    let (_t, dir) = temp();
    let (_o, outside) = temp();
    fs::create_dir(dir.join("sub")).unwrap();
    let mut ex =
        Example::start("async_moved_from", &args([&dir, &"--orphan-after", &"0.2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    let (a, b, c) = (dir.join("a"), dir.join("sub/b"), dir.join("c"));
    let (a, b, c) = (a.display(), b.display(), c.display());

    write_file(dir.join("a"), b"");
    rename(dir.join("a"), dir.join("sub/b"));
    ex.wait_for_line(&[&format!("{a} moved to {b}")]);

    rename(dir.join("sub/b"), outside.join("b"));
    ex.wait_for_line(&[&format!("{b} moved to <unknown>")]);

    rename(outside.join("b"), dir.join("c"));
    ex.wait_for_line(&[&format!("<unknown> moved to {c}")]);

    ex.interrupt();
    let out = ex.finish();
    out.assert_success("async_moved_from");
    let text = out.stdout_text();
    assert_eq!(out.stdout_lines().iter().filter(|l| l.contains("moved to")).count(), 3, "one line per move:\n{text}");
    assert!(!text.contains(&format!("{a} moved to <unknown>")), "a paired source is no orphan:\n{text}");
}

#[test]
fn transient_file_tornado_reports_app_pid_only() {
    let (_t, dir) = temp();
    let mut ex = Example::start("transient_file_tornado", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("other.txt"), b"x");
    fs::remove_file(dir.join("other.txt")).unwrap();
    write_file(dir.join("app.pid"), b"1234\n");
    fs::remove_file(dir.join("app.pid")).unwrap();
    // Events of one watch are handled in order: other.txt's came before.
    ex.wait_for_line(&["maskname=IN_DELETE ", "name=app.pid "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("transient_file_tornado");
    let text = out.stdout_text();
    assert!(text.contains("maskname=IN_CREATE name=app.pid "), "{text}");
    assert!(text.contains(&format!("\t{} -> written", dir.join("app.pid").display())), "{text}");
    assert!(!text.contains("other.txt"), "events of other files must be filtered out:\n{text}");
}

#[test]
fn tutorial_asyncnotifier_prints_creations_and_deletions() {
    let (_t, dir) = temp();
    fs::create_dir(dir.join("sub")).unwrap();
    let mut ex = Example::start("tutorial_asyncnotifier", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"");
    write_file(dir.join("sub/x"), b"");
    fs::remove_file(dir.join("a")).unwrap();
    fs::remove_file(dir.join("sub/x")).unwrap();
    let (a, x) = (dir.join("a"), dir.join("sub/x"));
    ex.wait_for_line(&[&format!("Removing: {}", a.display())]);
    ex.wait_for_line(&[&format!("Removing: {}", x.display())]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("tutorial_asyncnotifier");
    for line in [format!("Creating: {}", a.display()), format!("Creating: {}", x.display())] {
        assert!(out.stdout_lines().contains(&line), "missing {line:?}:\n{}", out.stdout_text());
    }
    assert!(!out.stdout_text().contains("IN_"), "nothing but creations and deletions:\n{}", out.stdout_text());
}

#[test]
fn asyncio_notifier_calls_back_after_each_batch_and_stops_after_max() {
    let (_t, dir) = temp();
    let mut ex = Example::start("asyncio_notifier", &args([&dir, &"--batches", &"2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    ex.wait_for_line(&["handle_read callback: batch 1,"]);
    write_file(dir.join("b"), b"b");
    let out = ex.finish(); // by itself, after the second batch
    out.assert_success("asyncio_notifier");
    let text = out.stdout_text();
    let first_event = out.position("name=a ").unwrap_or_else(|| panic!("no event of a:\n{text}"));
    let batch1 = out.position("handle_read callback: batch 1,").expect("seen above");
    let batch2 = out.position("handle_read callback: batch 2,").unwrap_or_else(|| panic!("no batch 2:\n{text}"));
    assert!(first_event < batch1 && batch1 < batch2, "each batch is handled before its callback:\n{text}");
    assert!(!text.contains("batch 3"), "--batches 2 stops after two:\n{text}");
    assert!(text.contains("Stopped after 2 batch(es)."), "{text}");
}

#[test]
fn asyncio_notifier_stream_prints_each_event() {
    let (_t, dir) = temp();
    let mut ex = Example::start("asyncio_notifier", &args([&dir, &"--stream", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    ex.wait_for_line(&["maskname=IN_CREATE ", "name=a "]);
    ex.wait_for_line(&["maskname=IN_CLOSE_WRITE ", "name=a "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("asyncio_notifier --stream");
    let text = out.stdout_text();
    let events = out.stdout_lines().iter().filter(|l| l.starts_with("<Event ")).count();
    assert!(events >= 2, "{text}");
    assert!(text.contains(&format!("Stream ended after {events} event(s).")), "{text}");
    assert!(!text.contains("handle_read callback"), "a stream has no batches:\n{text}");
}

#[test]
fn tornado_notifier_ticks_while_events_are_handled() {
    let (_t, dir) = temp();
    let mut ex = Example::start("tornado_notifier", &args([&dir, &"--tick", &"0.05", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    ex.wait_for_line(&["tick 1"]);
    write_file(dir.join("a"), b"a");
    ex.wait_for_line(&["handle_read callback: batch 1,"]);
    ex.wait_for_next_line(&["tick "]); // the timer goes on after the batch
    write_file(dir.join("b"), b"b");
    ex.wait_for_line(&["maskname=IN_CLOSE_WRITE ", "name=b "]);
    ex.wait_for_next_line(&["tick "]);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("tornado_notifier");
    let text = out.stdout_text();
    let event = out.position("name=a ").unwrap_or_else(|| panic!("no event of a:\n{text}"));
    let batch = out.position("handle_read callback: batch 1,").expect("seen above");
    assert!(event < batch, "the batch is handled before its callback:\n{text}");
    assert!(text.contains("Stopped after "), "{text}");
}

#[test]
fn tornado_notifier_stops_after_one_batch_like_the_original() {
    let (_t, dir) = temp();
    let mut ex = Example::start("tornado_notifier", &args([&dir, &"--batches", &"1", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("a"), b"a");
    let out = ex.finish();
    out.assert_success("tornado_notifier --batches 1");
    assert!(out.stdout_text().contains("Stopped after 1 batch(es)."), "{}", out.stdout_text());
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    let out = Example::start("asyncio_notifier", &args([&"--stream", &"--batches", &"1"])).finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_lines().iter().any(|l| l.contains("usage: asyncio_notifier")), "{:?}", out.stderr_lines());
    let out = Example::start("async_moved_from", &args([&"--orphan-after", &"soon"])).finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_lines().iter().any(|l| l.contains("--orphan-after soon")), "{:?}", out.stderr_lines());
    let out = Example::start("tornado_notifier", &args([&"--tick", &"0"])).finish();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_async_example_names_its_pyinotify_original_and_smol() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let ported = [
        "async_moved_from",
        "asyncio_notifier",
        "tornado_notifier",
        "transient_file_tornado",
        "tutorial_asyncnotifier",
    ];
    for name in ported {
        let path = examples.join(format!("{name}.rs"));
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header: String = text.lines().take_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join("\n");
        assert!(!header.is_empty(), "examples/{name}.rs must open with a //! header");
        assert!(header.contains(&format!("`examples/{name}.py`")), "examples/{name}.rs must name {name}.py");
        assert!(header.contains("smol"), "examples/{name}.rs must say it runs on smol");
    }
}
