//! `-s`: pyinotify's statistics after every pass instead of the events.

use std::fs;

use crate::cli_util::{Tree, Watcher, run};

#[test]
fn stats_print_at_once_and_count_events_read_before_a_stop() {
    let tree = Tree::new();
    let mut w = Watcher::start(["-s", "-e", "IN_CREATE", &tree.w_arg()]);
    assert_eq!(w.line(), "<Stats ElapsedTime=0sec >", "the first, eventless pass");
    assert_eq!(w.line(), "", "an empty chart");
    fs::write(tree.w().join("a"), "").unwrap();
    fs::create_dir(tree.w().join("d")).unwrap();
    // The read frequency is 5 s: stopping now must still count both events.
    w.signal("INT");
    let (status, out, _) = w.finish();
    assert!(status.success());
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("<Stats ElapsedTime="), "{text}");
    assert!(lines[0].ends_with(" IN_CREATE=2 IN_ISDIR=1 >"), "{text}");
    assert!(lines[1].starts_with("IN_CREATE                 @"), "{text}");
    assert!(lines[1].ends_with(" 2"), "{text}");
}

#[test]
fn stats_exclude_other_output_styles() {
    let tree = Tree::new();
    for other in ["--json", "--format=%w"] {
        let (status, _, err) = run(["-s", other, &tree.w_arg()]);
        assert_eq!(status.code(), Some(2), "{other}: {err}");
    }
}
