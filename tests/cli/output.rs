//! The output path: a burst bigger than the pipe, written beside the loop by
//! the output thread, arrives whole and in order, however slowly it is read,
//! and a small output made meanwhile (written directly when the thread is
//! idle) waits its turn.

use std::fs;
use std::io::Read;
use std::os::fd::AsFd;

use crate::cli_util::{Tree, Watcher, json, wait_until};

/// Files in the burst: two events each, within the default queue of 16,384.
const FILES: usize = 6000;

/// `(maskname, name)` of each JSON line.
fn masks_and_names(out: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(out).expect("UTF-8 JSON");
    let line = |l: &str| {
        let object = json::parse_ok(l);
        (json::text(&object, "maskname").to_owned(), json::text(&object, "name").to_owned())
    };
    text.lines().map(line).collect()
}

#[test]
fn a_burst_bigger_than_the_pipe_waits_for_its_reader_and_arrives_whole_in_order() {
    let tree = Tree::new();
    let (mut reader, writer) = std::io::pipe().unwrap();
    let events = (2 * FILES + 2).to_string();
    let args = ["--json", "-e", "IN_CREATE,IN_CLOSE_WRITE", "--count", &events, &tree.w_arg()];
    let mut cmd = crate::cli_util::command(args);
    cmd.stdout(writer);
    let mut w = Watcher::from_command(cmd);
    w.wait_established();
    w.signal("STOP"); // the whole burst waits in the kernel queue
    for i in 0..FILES {
        fs::write(tree.w().join(i.to_string()), "x").unwrap();
    }
    w.signal("CONT");
    // Nobody reads yet: the CLI fills the pipe (which it widens to 1 MiB, or
    // leaves at 64 KiB where the pipe quota refuses) and must then wait.
    let full = |n: usize| n >= 60 * 1024;
    wait_until("the pipe fills", || rustix::io::ioctl_fionread(reader.as_fd()).is_ok_and(|n| full(n as usize)));
    fs::write(tree.w().join("last"), "x").unwrap(); // a pass of two events, while the burst is in flight
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap(); // EOF: the CLI exited after --count events
    assert_eq!(w.wait_exit().code(), Some(0), "{}", w.stderr_text());
    let names = (0..FILES).map(|i| i.to_string()).chain(["last".to_owned()]);
    let want: Vec<(String, String)> =
        names.flat_map(|name| [("IN_CREATE".to_owned(), name.clone()), ("IN_CLOSE_WRITE".to_owned(), name)]).collect();
    let got = masks_and_names(&out);
    assert_eq!(got.len(), want.len(), "every event, once");
    assert!(
        got == want,
        "events out of order; first difference at line {:?}",
        got.iter().zip(&want).position(|(a, b)| a != b)
    );
}
