//! Runs each example ported from pyinotify's `examples/` (issue 8) as a
//! subprocess against a temporary directory, so that an example that rots fails CI.
//!
//! The examples are built once, with `cargo build --examples`. Each test starts
//! one, waits (with a deadline) for its `Watches established.` line, works in the
//! watched directory, then waits for the example to end by itself (`--seconds`)
//! and checks what it printed or did. Nothing sleeps to synchronise: every wait
//! reads the example's output, and a deadline kills the example and fails the
//! test with everything it printed.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::example_util::{Example, append, args, temp, write_file};

/// The run time of examples that a test interrupts (`SIGINT`, as Ctrl-C would)
/// once it has seen what it waits for: they end by themselves only if that fails.
const RUN_SECONDS: &str = "15";

/// The run time of examples whose test waits for them to end by themselves.
const SHORT_SECONDS: &str = "3";

#[test]
fn loop_callback_stops_after_max_events() {
    let (_t, dir) = temp();
    let mut ex = Example::start("loop", &args([&dir, &"--max-events", &"2", &"--seconds", &"60"]));
    ex.wait_ready();
    fs::create_dir(dir.join("a")).unwrap();
    fs::create_dir(dir.join("b")).unwrap();
    let out = ex.finish(); // long before the 60 s: the callback stopped the loop
    out.assert_success("loop");
    assert_eq!(out.stdout_lines_with("maskname=IN_CREATE|IN_ISDIR").len(), 2, "{}", out.stdout_text());
    assert!(out.stdout_text().contains("Stopping the loop: enough events (2 events)."), "{}", out.stdout_text());
}

#[test]
fn loop_callback_stops_when_time_is_up_from_the_environment() {
    let (_t, dir) = temp();
    let mut ex = Example::start_with_env("loop", &args([&dir]), Some("0.3"));
    ex.wait_ready();
    let out = ex.finish();
    out.assert_success("loop");
    assert!(out.stdout_text().contains("Stopping the loop: time is up (0 events)."), "{}", out.stdout_text());
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    let ex = Example::start("loop", &args([&"--bogus"]));
    let out = ex.finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_text().contains("unexpected argument \"--bogus\""), "{}", out.stderr_text());
    assert!(out.stderr_text().contains("usage: loop"), "{}", out.stderr_text());
    let out = Example::start("coalesce", &args([&"--read-freq", &"soon"])).finish();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr_text().contains("--read-freq soon"), "{}", out.stderr_text());
}

#[test]
fn transient_file_reports_its_file_only() {
    let (_t, dir) = temp();
    let mut ex = Example::start("transient_file", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join("other.txt"), b"x");
    fs::remove_file(dir.join("other.txt")).unwrap();
    write_file(dir.join("app.pid"), b"1234\n");
    fs::remove_file(dir.join("app.pid")).unwrap();
    ex.wait_for_text("default: IN_DELETE");
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("transient_file");
    let pid = dir.join("app.pid");
    let text = out.stdout_text();
    assert!(text.contains(&format!("default: IN_CREATE {}", pid.display())), "{text}");
    assert!(text.contains(&format!("\t{} -> written", pid.display())), "{text}");
    assert!(text.contains(&format!("default: IN_DELETE {}", pid.display())), "{text}");
    assert!(!text.contains("other.txt"), "events of other files must be filtered out:\n{text}");
}

#[test]
fn not_quiet_prints_the_error_naming_the_missing_path_and_fails() {
    let (_t, dir) = temp();
    let out = Example::start("not_quiet", &args([&dir])).finish();
    assert_eq!(out.status.code(), Some(1), "stdout:\n{}\nstderr:\n{}", out.stdout_text(), out.stderr_text());
    let missing = dir.join("does-not-exist");
    let (stdout, stderr) = (out.stdout_text(), out.stderr_text());
    assert!(stdout.contains(&format!("{} -> wd 1", dir.display())), "{stdout}");
    assert!(stdout.contains(&format!("{} -> failed (-1)", missing.display())), "{stdout}");
    let strict = format!("error: add_watch failed: cannot watch {}: no such file or directory", missing.display());
    assert!(stderr.contains(&strict), "{stderr}");
    assert!(stderr.contains("error: update_watch failed:") && stderr.contains("error: rm_watch failed:"), "{stderr}");
    assert!(stdout.contains("3 call(s) with quiet(false) failed."), "{stdout}");
}

#[test]
fn chain_filters_then_logs_tracks_and_counts() {
    let (_t, dir) = temp();
    let (_l, logs) = temp();
    let log = logs.join("events.log");
    let mut ex = Example::start("chain", &args([&dir, &"--log", &log, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    write_file(dir.join(".swap"), b"hidden");
    write_file(dir.join("visible.txt"), b"shown");
    // visible.txt's fourth event (IN_CLOSE_WRITE) through the chain: none is left to read.
    ex.wait_for_text("Outer chained method: 4 event(s)");
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("chain");
    let logged = fs::read_to_string(&log).expect("the log file");
    assert!(logged.contains("maskname=IN_CREATE name=visible.txt"), "{logged}");
    assert!(logged.contains("maskname=IN_MODIFY name=visible.txt"), "{logged}");
    assert!(!logged.contains(".swap"), "ChainIfTrue must drop hidden files:\n{logged}");
    let stdout = out.stdout_text();
    assert!(!stdout.contains(".swap"), "{stdout}");
    // visible.txt: IN_CREATE, IN_OPEN, IN_MODIFY, IN_CLOSE_WRITE reach the outer handler.
    assert_eq!(out.stdout_lines_with("Outer chained method").len(), logged.lines().count(), "{stdout}");
    assert!(stdout.contains("Outer chained method: 4 event(s)"), "{stdout}");
}

/// Appends to `a` and `b` in turn, `rounds` times, and returns the IN_MODIFY
/// lines printed for `a`.
fn coalesce_run(extra: &[&str], rounds: usize) -> Vec<String> {
    let (_t, dir) = temp();
    let (a, b) = (dir.join("a"), dir.join("b"));
    write_file(&a, b"");
    write_file(&b, b"");
    let mut list = args([&dir, &"--read-freq", &"0.5", &"--seconds", &SHORT_SECONDS]);
    list.extend(extra.iter().map(OsString::from));
    let mut ex = Example::start("coalesce", &list);
    ex.wait_ready();
    for _ in 0..rounds {
        append(&a, b"x");
        append(&b, b"y");
    }
    let out = ex.finish();
    out.assert_success("coalesce");
    out.stdout_lines_with("maskname=IN_MODIFY name=a ")
}

#[test]
fn coalesce_merges_identical_events_of_a_batch() {
    let modified = coalesce_run(&[], 5);
    // The first read after an idle spell is immediate, the next waits for the
    // read frequency: the five writes land in at most two batches.
    assert!((1..=2).contains(&modified.len()), "{modified:#?}");
}

#[test]
fn coalesce_off_reports_every_write() {
    let modified = coalesce_run(&["--no-coalesce"], 5);
    assert_eq!(modified.len(), 5, "{modified:#?}");
}

fn pid_of(path: &Path) -> u32 {
    fs::read_to_string(path).expect("the pid file").trim().parse().expect("a pid")
}

#[test]
fn daemon_writes_its_pid_file_and_removes_it_when_time_is_up() {
    let (_t, dir) = temp();
    let (_p, run) = temp();
    let pid_file = run.join("daemon.pid");
    let mut ex = Example::start("daemon", &args([&dir, &"--pid-file", &pid_file, &"--seconds", &SHORT_SECONDS]));
    ex.wait_ready();
    assert_eq!(pid_of(&pid_file), ex.child.id());
    assert_eq!(fs::metadata(&pid_file).unwrap().permissions().mode() & 0o777, 0o600);
    fs::create_dir(dir.join("sub")).unwrap();
    // Writes made before auto_add watches `sub` would be lost, to any inotify program.
    ex.wait_for_text("maskname=IN_CREATE|IN_ISDIR name=sub ");
    write_file(dir.join("sub/file"), b"");
    ex.wait_for_text("maskname=IN_CLOSE_WRITE name=file ");
    let out = ex.finish();
    out.assert_success("daemon");
    assert!(out.stdout_text().ends_with("Exit\n"), "{}", out.stdout_text());
    assert!(!pid_file.exists(), "the pid file must be removed on exit");
}

#[test]
fn daemon_stops_on_sigterm_and_removes_its_pid_file() {
    let (_t, dir) = temp();
    let (_p, run) = temp();
    let pid_file = run.join("daemon.pid");
    let mut ex = Example::start("daemon", &args([&dir, &"--pid-file", &pid_file, &"--seconds", &"60"]));
    ex.wait_ready();
    ex.signal(libc::SIGTERM);
    let out = ex.finish();
    out.assert_success("daemon");
    assert!(out.stdout_text().contains(&format!("Received signal {}, stopping.", libc::SIGTERM)));
    assert!(!pid_file.exists(), "the pid file must be removed on SIGTERM");
}

#[test]
fn daemon_refuses_an_existing_pid_file() {
    let (_t, dir) = temp();
    let (_p, run) = temp();
    let pid_file = run.join("daemon.pid");
    write_file(&pid_file, b"999999\n");
    let out = Example::start("daemon", &args([&dir, &"--pid-file", &pid_file, &"--seconds", &"60"])).finish();
    assert_eq!(out.status.code(), Some(1));
    let stderr = out.stderr_text();
    assert!(stderr.contains(&format!("pid file {} already exists", pid_file.display())), "{stderr}");
    assert_eq!(fs::read(&pid_file).unwrap(), b"999999\n", "an existing pid file is left alone");
}

#[test]
fn exclude_skips_directories_from_the_list_file_and_the_code_list() {
    let (_t, dir) = temp();
    for sub in ["keep", ".git", "build", "sub/node_modules"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let mut ex = Example::start("exclude", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    for file in [".git/in-git", "build/in-build", "sub/node_modules/in-modules", "keep/kept"] {
        write_file(dir.join(file), b"");
    }
    fs::create_dir(dir.join("node_modules")).unwrap(); // later: auto_add must skip it too
    write_file(dir.join("node_modules/in-new-modules"), b"");
    write_file(dir.join("keep/last"), b"");
    ex.wait_for_text("maskname=IN_CLOSE_WRITE name=last ");
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("exclude");
    let stdout = out.stdout_text();
    for excluded in [".git", "build", "sub/node_modules"] {
        assert!(stdout.contains(&format!("excluded {}\n", dir.join(excluded).display())), "{stdout}");
    }
    assert!(stdout.contains(&format!("watched  {} (wd", dir.join("keep").display())), "{stdout}");
    assert!(stdout.contains("maskname=IN_CREATE name=kept "), "{stdout}");
    assert!(stdout.contains("maskname=IN_CREATE|IN_ISDIR name=node_modules "), "{stdout}");
    for hidden in ["in-git", "in-build", "in-modules", "in-new-modules"] {
        assert!(!stdout.contains(hidden), "{hidden} is in an excluded directory:\n{stdout}");
    }
}

/// Writes `name` into `dir` the way rsync does: a hidden temporary, then a rename.
fn rsync_like(dir: &Path, name: &str, content: &[u8]) {
    let temp = dir.join(format!(".{name}.Xy12Ab"));
    write_file(&temp, content);
    fs::rename(&temp, dir.join(name)).unwrap();
}

#[test]
fn rsync_processing_pool_runs_the_command_once_per_transfer() {
    let (_t, dir) = temp();
    let (_m, marker) = temp();
    // Records, per job, the environment and the appended argument. Not built
    // from file names: they arrive as "$1" and in the environment.
    let script = r#"printf '%s|%s|%s\n' "$GREENWATCH_NAME" "$GREENWATCH_MASK" "$1" > "$0/$GREENWATCH_NAME""#;
    let mut ex = Example::start(
        "rsync_processing_pool",
        &args([
            &dir,
            &"--workers",
            &"2",
            &"--queue",
            &"1",
            &"--seconds",
            &RUN_SECONDS,
            &"--",
            &"sh",
            &"-c",
            &script,
            &marker,
        ]),
    );
    ex.wait_ready();
    for i in 1..=3 {
        rsync_like(&dir, &format!("file{i}.raw"), b"data");
    }
    rsync_like(&dir, "notes.txt", b"not raw");
    write_file(dir.join("direct.raw"), b"not an rsync transfer");
    fs::create_dir(dir.join("later")).unwrap();
    ex.wait_for_text(&format!("new directory: {}", dir.join("later").display()));
    rsync_like(&dir.join("later"), "deep.raw", b"in a new directory");
    for i in 1..=3 {
        ex.wait_for_text(&format!("done: {}", dir.join(format!("file{i}.raw")).display()));
    }
    ex.wait_for_text(&format!("done: {}", dir.join("later/deep.raw").display()));
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("rsync_processing_pool");
    assert_eq!(out.stdout_lines_with("done: ").len(), 4, "{}", out.stdout_text());
    assert!(out.stdout_lines_with("failed: ").is_empty(), "{}", out.stdout_text());
    assert!(out.stdout_text().ends_with("All jobs finished.\n"), "{}", out.stdout_text());
    let mut made: Vec<_> = fs::read_dir(&marker).unwrap().map(|e| e.unwrap().file_name()).collect();
    made.sort();
    assert_eq!(made, ["deep.raw", "file1.raw", "file2.raw", "file3.raw"]);
    let record = fs::read_to_string(marker.join("file2.raw")).unwrap();
    assert_eq!(record, format!("file2.raw|IN_MOVED_TO|{}\n", dir.join("file2.raw").display()));
}

#[test]
fn stats_prints_counts_periodically() {
    let (_t, dir) = temp();
    let mut ex = Example::start("stats", &args([&dir, &"--interval", &"0.2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    for name in ["a", "b", "c"] {
        write_file(dir.join(name), b"");
    }
    ex.wait_for_text(" IN_CREATE=3 ");
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("stats");
    let stdout = out.stdout_text();
    assert!(out.stdout_lines_with("<Stats ElapsedTime=").len() >= 2, "{stdout}");
    assert_eq!(out.stdout_lines_with("Does nothing with IN_CREATE").len(), 3, "{stdout}");
    let chart = stdout.rsplit("Final counts:\n").next().unwrap_or_default();
    assert!(chart.lines().any(|l| l.starts_with("IN_CREATE ") && l.ends_with(" 3")), "{stdout}");
}

#[test]
fn stats_threaded_counts_each_directory_on_its_own_thread() {
    let (_t, dir) = temp();
    let (_t2, dir2) = temp();
    fs::create_dir(dir2.join("sub")).unwrap();
    let mut ex =
        Example::start("stats_threaded", &args([&dir, &dir2, &"--interval", &"0.2", &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    fs::create_dir(dir.join("new")).unwrap();
    write_file(dir.join("one"), b"");
    write_file(dir.join("new/two"), b""); // seen: DIR is watched recursively, with auto_add
    write_file(dir2.join("three"), b"");
    write_file(dir2.join("sub/four"), b""); // not seen: DIR2 is watched alone
    ex.wait_for_text(" IN_CREATE=3 ");
    ex.wait_for(" IN_CREATE=1 from thread 2", |_, l| {
        let l = String::from_utf8_lossy(l);
        l.starts_with("Thread 2 <Stats") && l.contains(" IN_CREATE=1 ")
    });
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("stats_threaded");
    let stdout = out.stdout_text();
    let last = stdout.rsplit("Final counts:\n").next().unwrap_or_default();
    let first = last.lines().find(|l| l.starts_with("Thread 1 <Stats")).unwrap_or_default();
    let second = last.lines().find(|l| l.starts_with("Thread 2 <Stats")).unwrap_or_default();
    assert!(first.contains(" IN_CREATE=3 ") && first.contains(" IN_ISDIR="), "{stdout}");
    assert!(second.contains(" IN_CREATE=1 "), "{stdout}");
}

#[test]
fn unicode_prints_names_byte_exact() {
    let (_t, dir) = temp();
    let mut ex = Example::start("unicode", &args([&dir, &"--seconds", &RUN_SECONDS]));
    ex.wait_ready();
    ex.wait_for("the raw Latin-1 name", |_, l| l.starts_with(b"raw pathname: ") && l.ends_with(b"caf\xe9-latin1.txt"));
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("unicode");
    let watched = dir.join("testф");
    let mut raw = b"\nraw pathname: ".to_vec();
    raw.extend_from_slice(watched.as_os_str().as_bytes());
    raw.extend_from_slice(b"/caf\xe9-latin1.txt\n");
    let has = |needle: &[u8]| out.stdout.windows(needle.len()).any(|w| w == needle);
    assert!(has(&raw), "{}", out.stdout_text());
    assert!(has(b"maskname=IN_CREATE name=caf\\xe9-latin1.txt "), "{}", out.stdout_text());
    assert!(has("maskname=IN_CREATE name=файл.txt ".as_bytes()), "{}", out.stdout_text());
    assert!(has("maskname=IN_CLOSE_WRITE name=日本語-🦀.txt ".as_bytes()), "{}", out.stdout_text());
    assert!(has(format!("path={} ", watched.display()).as_bytes()), "{}", out.stdout_text());
}

#[test]
fn autocompile_runs_the_command_for_watched_extensions_only() {
    let (_t, dir) = temp();
    let (_m, marker) = temp();
    let log = marker.join("runs.log");
    let script = r#"printf '%s\n' "$GREENWATCH_PATH" >> "$0""#;
    let list = args([&dir, &"--ext", &".tex,bib", &"--seconds", &RUN_SECONDS, &"--", &"sh", &"-c", &script, &log]);
    let mut ex = Example::start("autocompile", &list);
    ex.wait_ready();
    write_file(dir.join("notes.txt"), b"ignored");
    write_file(dir.join("paper.tex"), b"\\documentclass{article}");
    // An editor's save: a temporary file renamed over the real one.
    write_file(dir.join(".refs.bib.swp"), b"@book{}");
    fs::rename(dir.join(".refs.bib.swp"), dir.join("refs.bib")).unwrap();
    ex.wait_for_count("==> sh succeeded", 2);
    ex.interrupt();
    let out = ex.finish();
    out.assert_success("autocompile");
    let runs = fs::read_to_string(&log).expect("the command's log");
    // Kernel behaviour: a child forked by another test between our open and close
    // holds a copy of the fd until its exec, so the last close (an IN_CLOSE_WRITE)
    // can come after the rename, under the new name. So a save may show twice.
    let mut lines: Vec<&str> = runs.lines().collect();
    lines.dedup();
    let (tex, bib) = (dir.join("paper.tex"), dir.join("refs.bib"));
    let expected = [tex.to_str().unwrap(), bib.to_str().unwrap()];
    assert_eq!(lines, expected, "once per save, for .tex and .bib only; stdout:\n{}", out.stdout_text());
    assert!(!out.stdout_text().contains("notes.txt"), "{}", out.stdout_text());
}

#[test]
fn every_example_has_a_header_naming_its_pyinotify_original() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let ported = [
        "autocompile",
        "chain",
        "coalesce",
        "daemon",
        "exclude",
        "loop",
        "not_quiet",
        "rsync_processing_pool",
        "stats",
        "stats_threaded",
        "transient_file",
        "unicode",
    ];
    for name in ported {
        let mut text = String::new();
        File::open(examples.join(format!("{name}.rs")))
            .and_then(|mut f| f.read_to_string(&mut text))
            .unwrap_or_else(|e| panic!("examples/{name}.rs: {e}"));
        assert!(text.starts_with("//! "), "examples/{name}.rs must open with a //! header");
        assert!(text.contains(&format!("`examples/{name}.py`")), "examples/{name}.rs must name {name}.py");
    }
}
