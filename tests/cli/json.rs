//! `--json`: every line is one valid JSON object with the contract's fields,
//! whatever the names hold (newlines, quotes, backslashes, bytes that are not UTF-8).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::cli_util::json::{Value, bytes, parse_ok, text};
use crate::cli_util::{Tree, Watcher};

/// Names that break naive JSON writers, as bytes.
const ODD_NAMES: &[&[u8]] = &[
    b"new\nline",
    b"quo\"te",
    b"back\\slash",
    b"tab\there",
    b"bell\x07",
    "café 日本 🎉".as_bytes(),
    b"-leading dash",
    b"bad\xff\xfe",
    b"caf\xe9",
    b"dir-\xc3(",
];

#[test]
fn odd_and_non_utf8_names_round_trip() {
    let tree = Tree::new();
    let mut w = Watcher::start(["--json", "-e", "IN_CREATE", &tree.w_arg()]);
    for name in ODD_NAMES {
        fs::write(tree.w().join(OsStr::from_bytes(name)), "").unwrap();
    }
    for name in ODD_NAMES {
        let line = w.line();
        let event = parse_ok(&line);
        assert_eq!(bytes(&event, "name"), *name, "{line}");
        let mut pathname = tree.w().into_os_string().into_vec();
        pathname.push(b'/');
        pathname.extend_from_slice(name);
        assert_eq!(bytes(&event, "pathname"), pathname, "{line}");
        assert_eq!(text(&event, "path"), tree.w_arg());
        assert_eq!(text(&event, "maskname"), "IN_CREATE");
        assert_eq!(event["mask"], Value::Int(256));
        assert_eq!(event["dir"], Value::Bool(false));
        assert_eq!(event["cookie"], Value::Int(0));
        assert!(matches!(event["wd"], Value::Int(1..)), "{line}");
        if std::str::from_utf8(name).is_err() {
            assert!(line.contains("\\udc"), "invalid bytes are escaped as \\udcXX: {line}");
        }
    }
}

#[test]
fn every_field_of_a_paired_move() {
    let tree = Tree::new();
    fs::create_dir(tree.w().join("d")).unwrap();
    let mut w = Watcher::start(["--json", "-e", "IN_MOVED_FROM,IN_MOVED_TO", &tree.w_arg()]);
    fs::rename(tree.w().join("d"), tree.w().join("e\n\"")).unwrap();
    let from = parse_ok(&w.line());
    let to = parse_ok(&w.line());
    assert_eq!(text(&from, "maskname"), "IN_MOVED_FROM|IN_ISDIR");
    assert_eq!(text(&to, "maskname"), "IN_MOVED_TO|IN_ISDIR");
    assert_eq!(to["dir"], Value::Bool(true));
    assert_eq!(from["cookie"], to["cookie"]);
    assert_ne!(to["cookie"], Value::Int(0));
    assert!(!from.contains_key("src_pathname"));
    assert_eq!(text(&to, "src_pathname"), format!("{}/d", tree.w_arg()));
    assert_eq!(text(&to, "pathname"), format!("{}/e\n\"", tree.w_arg()));
    let keys: Vec<&str> = to.keys().map(String::as_str).collect();
    assert_eq!(keys, ["cookie", "dir", "mask", "maskname", "name", "path", "pathname", "src_pathname", "wd"]);
}

#[test]
fn a_rename_has_its_source_even_without_moved_from_in_the_mask() {
    let tree = Tree::new();
    fs::write(tree.w().join("a"), "").unwrap();
    let mut w = Watcher::start(["--json", "-e", "IN_MOVED_TO", &tree.w_arg()]);
    fs::rename(tree.w().join("a"), tree.w().join("b")).unwrap();
    let to = parse_ok(&w.line());
    assert_eq!(text(&to, "maskname"), "IN_MOVED_TO");
    assert_eq!(text(&to, "src_pathname"), format!("{}/a", tree.w_arg()));
}

#[test]
fn events_on_the_watched_item_have_an_empty_name() {
    let tree = Tree::new();
    let file = tree.w().join("watched");
    fs::write(&file, "").unwrap();
    let mut w = Watcher::start(["--json", "-e", "IN_MODIFY", file.to_str().unwrap()]);
    fs::write(&file, "more").unwrap();
    let event = parse_ok(&w.line());
    assert_eq!(text(&event, "name"), "");
    assert_eq!(text(&event, "path"), file.to_str().unwrap());
    assert_eq!(text(&event, "pathname"), file.to_str().unwrap());
}
