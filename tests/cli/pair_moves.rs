//! `--json --pair-moves` on a real kernel: a rename inside the tree is one line
//! with both paths, a move out of the tree one `move_out` line, a move in a
//! `move_in` line, and every line has a `"kind"`.

use std::fs;

use crate::cli_util::json::{parse_ok, text};
use crate::cli_util::{Tree, Watcher, run};

#[test]
fn renames_move_outs_and_move_ins_are_one_line_each_with_a_kind() {
    let tree = Tree::new();
    fs::create_dir_all(tree.p("out")).unwrap();
    fs::create_dir_all(tree.w().join("x")).unwrap();
    fs::write(tree.w().join("a"), "").unwrap();
    fs::write(tree.w().join("c"), "").unwrap();
    fs::write(tree.p("out/d"), "").unwrap();
    let mut w = Watcher::start([
        "--json",
        "--pair-moves",
        "-r",
        "-a",
        "-e",
        "IN_MOVED_FROM,IN_MOVED_TO,IN_CREATE",
        &tree.w_arg(),
    ]);

    fs::rename(tree.w().join("a"), tree.w().join("x/b")).unwrap();
    let rename = parse_ok(&w.line());
    assert_eq!(text(&rename, "kind"), "rename", "one line, no IN_MOVED_FROM before it");
    assert_eq!(text(&rename, "maskname"), "IN_MOVED_TO");
    assert_eq!(text(&rename, "pathname"), format!("{}/x/b", tree.w_arg()));
    assert_eq!(text(&rename, "src_pathname"), format!("{}/a", tree.w_arg()));

    fs::rename(tree.w().join("c"), tree.p("out/c")).unwrap();
    let out = parse_ok(&w.line());
    assert_eq!(text(&out, "kind"), "move_out");
    assert_eq!(text(&out, "maskname"), "IN_MOVED_FROM");
    assert_eq!(text(&out, "pathname"), format!("{}/c", tree.w_arg()));

    fs::rename(tree.p("out/d"), tree.w().join("d")).unwrap();
    let moved_in = parse_ok(&w.line());
    assert_eq!(text(&moved_in, "kind"), "move_in");
    assert!(!moved_in.contains_key("src_pathname"));

    fs::write(tree.w().join("e"), "").unwrap();
    assert_eq!(text(&parse_ok(&w.line()), "kind"), "create");
}

#[test]
fn pair_moves_needs_json() {
    let tree = Tree::new();
    let (status, _, stderr) = run(["--pair-moves", &tree.w_arg()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--json"), "{stderr}");
}
