//! The command line's basics: help and version, usage errors and their exit
//! status, paths that cannot be watched, the default line, -r, -a, -g, -e, -v.

use std::fs;

use crate::cli_util::{Tree, Watcher, run};

fn status_code(status: std::process::ExitStatus) -> Option<i32> {
    status.code()
}

#[test]
fn version_prints_and_exits() {
    let (status, out, _) = run(["-V"]);
    assert_eq!(status_code(status), Some(0));
    assert_eq!(String::from_utf8(out).unwrap(), format!("greenwatch {}\n", env!("CARGO_PKG_VERSION")));
    let (status, out, _) = run(["--version"]);
    assert!(status.success());
    assert!(String::from_utf8(out).unwrap().starts_with("greenwatch "));
}

#[test]
fn help_reads_like_a_man_page() {
    let (status, out, _) = run(["--help"]);
    assert!(status.success());
    let text = String::from_utf8(out).unwrap();
    for section in ["Usage: greenwatch [OPTIONS] <PATH>...", "EXAMPLES", "EXIT STATUS", "GREENWATCH_PATHNAME", "%w"] {
        assert!(text.contains(section), "--help lacks {section:?}:\n{text}");
    }
    let new = ["--color", "--raw-names", "--debounce", "--gitignore", "--exclude-glob", "--completions", "--man"];
    for option in ["--recursive", "--auto-add", "--glob", "--events-list", "--stats", "--raw-format", "--command"]
        .into_iter()
        .chain(new)
    {
        assert!(text.contains(option), "--help lacks {option}");
    }
    let (status, short, _) = run(["-h"]);
    assert!(status.success());
    assert!(short.len() < text.len());
}

#[test]
fn usage_errors_exit_2() {
    for argv in [&["--no-such-option", "/tmp"][..], &[], &["-n", "0", "/tmp"], &["--timeout", "-1", "/tmp"]] {
        let (status, _, err) = run(argv);
        assert_eq!(status_code(status), Some(2), "{argv:?}: {err}");
    }
    let (status, _, err) = run(["--json", "-s", "/tmp"]);
    assert_eq!(status_code(status), Some(2), "{err}");
}

#[test]
fn unknown_event_name_is_named_and_exits_2() {
    let tree = Tree::new();
    let (status, out, err) = run(["-e", "IN_CREATE,IN_BOGUS", &tree.w_arg()]);
    assert_eq!(status_code(status), Some(2));
    assert!(out.is_empty());
    assert!(err.contains("greenwatch: error: the event 'IN_BOGUS' given with -e/--events-list is not valid"), "{err}");
    assert!(!err.contains("Watches established."));
}

#[test]
fn missing_path_exits_1_naming_it() {
    let tree = Tree::new();
    let missing = tree.p("missing");
    let (status, out, err) = run([&missing]);
    assert_eq!(status_code(status), Some(1));
    assert!(out.is_empty());
    assert_eq!(err, format!("greenwatch: cannot watch {}: no such file or directory", missing.display()));
}

#[test]
fn a_missing_path_among_good_ones_is_a_warning() {
    let tree = Tree::new();
    let missing = tree.p("missing");
    let mut w = Watcher::start([
        "-e".as_ref(),
        "IN_CREATE".as_ref(),
        "--json".as_ref(),
        missing.as_os_str(),
        tree.w().as_os_str(),
    ]);
    assert!(
        w.stderr_text().contains(&format!("greenwatch: cannot watch {}: no such file or directory", missing.display()))
    );
    fs::write(tree.w().join("a"), "").unwrap();
    assert!(w.line().contains("\"name\":\"a\""));
    w.signal("INT");
    assert_eq!(w.wait_exit().code(), Some(0));
}

#[test]
fn default_output_is_pyinotifys_line_without_colour_off_a_terminal() {
    let tree = Tree::new();
    let w_path = tree.w_arg();
    for extra in [None, Some("-f"), Some("--raw-format")] {
        let mut argv = vec!["-e", "IN_CREATE", &w_path];
        argv.extend(extra);
        let mut w = Watcher::start(&argv);
        let name = format!("file{}", extra.unwrap_or(""));
        fs::write(tree.w().join(&name), "").unwrap();
        assert_eq!(
            w.line(),
            format!(
                "<Event dir=False mask=0x100 maskname=IN_CREATE name={name} path={w_path} pathname={w_path}/{name} wd=1 >"
            )
        );
    }
}

/// Runs `greenwatch FLAG -e IN_ATTRIB --oneshot W` on a terminal made by
/// script(1), changes W's mode once it watches, and returns what it printed.
fn output_on_a_terminal(tree: &Tree, env: &[(&str, &str)], flag: &str) -> String {
    let inner = format!("{} {flag} -e IN_ATTRIB --oneshot {}", crate::cli_util::bin(), tree.w_arg());
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"]).env_remove("NO_COLOR").envs(env.iter().copied());
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut w = Watcher::from_command(cmd);
    // On a terminal stderr and stdout are one stream: wait for the line there.
    while !String::from_utf8_lossy(&w.record(b'\n')).contains("Watches established.") {}
    fs::set_permissions(tree.w(), std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();
    let (status, out, _) = w.finish();
    assert!(status.success());
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn colour_on_a_terminal_unless_no_color_or_raw_format() {
    let script = std::process::Command::new("script").args(["-qec", "true", "/dev/null"]).output();
    if !script.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: script(1) cannot give greenwatch a terminal here");
        return;
    }
    let tree = Tree::new();
    let coloured = output_on_a_terminal(&tree, &[], "");
    assert!(coloured.contains("\x1b[31m\x1b[1mEvent\x1b[0m"), "no colour on a terminal: {coloured:?}");
    assert!(!output_on_a_terminal(&tree, &[("NO_COLOR", "1")], "").contains('\x1b'), "colour despite NO_COLOR");
    assert!(!output_on_a_terminal(&tree, &[], "-f").contains('\x1b'), "colour despite -f");
}

#[test]
fn recursive_watches_existing_subdirectories() {
    let tree = Tree::new();
    fs::create_dir_all(tree.w().join("sub/deeper")).unwrap();
    let mut w = Watcher::start(["-r", "-e", "IN_CREATE", "--json", &tree.w_arg()]);
    fs::write(tree.w().join("sub/deeper/f"), "").unwrap();
    let line = w.line();
    assert!(line.contains(&format!("\"pathname\":\"{}/sub/deeper/f\"", tree.w_arg())), "{line}");
}

#[test]
fn auto_add_watches_new_directories_under_both_spellings() {
    for flag in ["-a", "--auto-add", "--auto_add"] {
        let tree = Tree::new();
        let mut w = Watcher::start(["-r", flag, "-e", "IN_CREATE", "--json", &tree.w_arg()]);
        fs::create_dir(tree.w().join("new")).unwrap();
        assert!(w.line().contains("\"maskname\":\"IN_CREATE|IN_ISDIR\""));
        fs::write(tree.w().join("new/f"), "").unwrap();
        let line = w.line();
        assert!(
            line.contains(&format!("\"path\":\"{}/new\",\"pathname\":\"{}/new/f\"", tree.w_arg(), tree.w_arg())),
            "{flag}: {line}"
        );
    }
}

#[test]
fn glob_expands_patterns() {
    let tree = Tree::new();
    for d in ["d1", "d2", "x"] {
        fs::create_dir(tree.w().join(d)).unwrap();
    }
    let pattern = format!("{}/d*", tree.w_arg());
    let mut w = Watcher::start(["-g", "-e", "IN_CREATE", "--json", &pattern]);
    fs::write(tree.w().join("x/f"), "").unwrap();
    fs::write(tree.w().join("d2/f"), "").unwrap();
    let line = w.line();
    assert!(line.contains(&format!("\"pathname\":\"{}/d2/f\"", tree.w_arg())), "x/f is not watched, yet: {line}");
    fs::write(tree.w().join("d1/f"), "").unwrap();
    assert!(w.line().contains("/d1/f\""));
}

#[test]
fn glob_matching_nothing_exits_1() {
    let tree = Tree::new();
    let (status, _, err) = run(["-g".to_owned(), format!("{}/nothing*", tree.w_arg())]);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("no path matches"), "{err}");
}

#[test]
fn events_list_filters_and_may_repeat() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-e", "IN_DELETE", "-e", "IN_MOVED_TO", "--json", &tree.w_arg()]);
    fs::write(tree.w().join("a"), "x").unwrap();
    fs::rename(tree.w().join("a"), tree.w().join("b")).unwrap();
    fs::remove_file(tree.w().join("b")).unwrap();
    assert!(w.line().contains("\"maskname\":\"IN_MOVED_TO\""));
    assert!(w.line().contains("\"maskname\":\"IN_DELETE\""));
}

#[test]
fn verbose_reports_the_watch_count_and_time() {
    let tree = Tree::new();
    for d in ["a", "b", "a/c"] {
        fs::create_dir(tree.w().join(d)).unwrap();
    }
    let mut w = Watcher::start(["-v", "-r", &tree.w_arg()]);
    let summary = w.wait_stderr(|l| l.contains("watches added in"));
    assert!(summary.starts_with("greenwatch: 4 watches added in "), "{summary}");
    assert!(summary.ends_with("(0 excluded, 0 failed)"), "{summary}");
    assert!(w.stderr_text().contains("with mask ALL_EVENTS"));
}
