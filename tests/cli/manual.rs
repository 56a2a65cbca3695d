//! `--completions SHELL` and `--man`: generated from the same definition as
//! `--help`, syntactically valid for their consumers.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::cli_util::run;

/// Stdout of a run that must succeed.
fn output_of(args: &[&str]) -> String {
    let (status, out, err) = run(args);
    assert!(status.success(), "{args:?}: {err}");
    String::from_utf8(out).unwrap()
}

/// Runs `program args` with `input` on stdin when the program exists; `None` when it does not.
fn check_with(program: &str, args: &[&str], input: &str) -> Option<(bool, String)> {
    let child =
        Command::new(program).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = child.ok()?;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Some((out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned()))
}

#[test]
fn bash_completion_is_valid_bash_and_knows_the_options() {
    let script = output_of(&["--completions", "bash"]);
    for option in ["--debounce", "--gitignore", "--exclude-glob", "--color", "--events-list", "--man"] {
        assert!(script.contains(option), "{option} missing");
    }
    let (ok, err) = check_with("bash", &["-n"], &script).expect("bash is needed");
    assert!(ok, "bash -n: {err}");
    assert!(script.contains("complete -F") && script.contains("greenwatch"));
}

#[test]
fn zsh_and_fish_completions_name_the_command_and_options() {
    let zsh = output_of(&["--completions", "zsh"]);
    assert!(zsh.starts_with("#compdef greenwatch"), "{}", &zsh[..40]);
    assert!(zsh.contains("--debounce") && zsh.contains("auto") && zsh.contains("always"));
    let fish = output_of(&["--completions", "fish"]);
    assert!(fish.contains("complete -c greenwatch") && fish.contains("-l gitignore"));
    for (shell, script) in [("zsh", &zsh), ("fish", &fish)] {
        match check_with(shell, &["-n"], script) {
            Some((ok, err)) => assert!(ok, "{shell} -n: {err}"),
            None if std::env::var_os("CI").is_some() => panic!("{shell} is needed in CI (.ci/run installs it)"),
            None => eprintln!("{shell} is not installed: its syntax check is skipped"),
        }
    }
}

#[test]
fn man_page_renders_with_every_section() {
    let page = output_of(&["--man"]);
    assert!(page.contains(".TH greenwatch 1"), "{}", &page[..80.min(page.len())]);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH OUTPUT", ".SH COMMANDS", ".SH EXIT STATUS"] {
        assert!(page.contains(section), "{section} missing");
    }
    assert!(page.contains("debounce") && page.contains("GREENWATCH_EVENTS"));
    let Some(_) = check_with("groff", &["-v"], "") else {
        eprintln!("groff is not installed: the rendering check is skipped");
        return;
    };
    let out = Command::new("sh")
        .args(["-c", "groff -k -man -Tutf8 -ww -z 2>&1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    let warnings = String::from_utf8_lossy(&out.stdout);
    assert!(warnings.trim().is_empty(), "groff warnings:\n{warnings}");
}

#[test]
fn manual_options_stand_alone() {
    let (status, _, err) = run(["--man", "--completions", "bash"]);
    assert_eq!(status.code(), Some(2), "{err}");
    let (status, _, err) = run(["--completions", "tcsh"]);
    assert_eq!(status.code(), Some(2), "{err}");
    let (status, _, err) = run(["--man", "/tmp"]);
    assert_eq!(status.code(), Some(2), "{err}");
}
