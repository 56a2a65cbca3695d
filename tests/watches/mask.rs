//! Mask names: every pyinotify name parses to its bits and prints back
//! (`EventsCodes.ALL_FLAGS` and `maskname`), and real kernel events carry the
//! names pyinotify prints.

use std::fs;

use greenwatch::{ErrorKind, Mask};

use crate::common::{Tree, notifier, wait_event};

/// One test per name: the constant has pyinotify's value, the name parses to it,
/// `from_name` finds it, and `maskname`/`Display` print the name back.
macro_rules! roundtrip {
    ($($test:ident: $name:literal => $konst:ident = $bits:literal;)*) => {$(
        #[test]
        fn $test() {
            assert_eq!(Mask::$konst.bits(), $bits, "value of {}", $name);
            assert_eq!($name.parse::<Mask>().unwrap(), Mask::$konst);
            assert_eq!(Mask::from_name($name), Some(Mask::$konst));
            assert_eq!(Mask::$konst.maskname(), $name);
            assert_eq!(Mask::$konst.to_string(), $name);
            assert_eq!(Mask::$konst.static_maskname(), Some($name));
            assert!(Mask::names().contains(&($name, Mask::$konst)), "{} missing from Mask::names()", $name);
            // Surrounding spaces and a repeat change nothing.
            assert_eq!(format!(" {0} | {0} ", $name).parse::<Mask>().unwrap(), Mask::$konst);
        }
    )*};
}

roundtrip! {
    name_in_access: "IN_ACCESS" => IN_ACCESS = 0x0000_0001;
    name_in_modify: "IN_MODIFY" => IN_MODIFY = 0x0000_0002;
    name_in_attrib: "IN_ATTRIB" => IN_ATTRIB = 0x0000_0004;
    name_in_close_write: "IN_CLOSE_WRITE" => IN_CLOSE_WRITE = 0x0000_0008;
    name_in_close_nowrite: "IN_CLOSE_NOWRITE" => IN_CLOSE_NOWRITE = 0x0000_0010;
    name_in_open: "IN_OPEN" => IN_OPEN = 0x0000_0020;
    name_in_moved_from: "IN_MOVED_FROM" => IN_MOVED_FROM = 0x0000_0040;
    name_in_moved_to: "IN_MOVED_TO" => IN_MOVED_TO = 0x0000_0080;
    name_in_create: "IN_CREATE" => IN_CREATE = 0x0000_0100;
    name_in_delete: "IN_DELETE" => IN_DELETE = 0x0000_0200;
    name_in_delete_self: "IN_DELETE_SELF" => IN_DELETE_SELF = 0x0000_0400;
    name_in_move_self: "IN_MOVE_SELF" => IN_MOVE_SELF = 0x0000_0800;
    name_in_unmount: "IN_UNMOUNT" => IN_UNMOUNT = 0x0000_2000;
    name_in_q_overflow: "IN_Q_OVERFLOW" => IN_Q_OVERFLOW = 0x0000_4000;
    name_in_ignored: "IN_IGNORED" => IN_IGNORED = 0x0000_8000;
    name_in_onlydir: "IN_ONLYDIR" => IN_ONLYDIR = 0x0100_0000;
    name_in_dont_follow: "IN_DONT_FOLLOW" => IN_DONT_FOLLOW = 0x0200_0000;
    name_in_excl_unlink: "IN_EXCL_UNLINK" => IN_EXCL_UNLINK = 0x0400_0000;
    name_in_mask_add: "IN_MASK_ADD" => IN_MASK_ADD = 0x2000_0000;
    name_in_isdir: "IN_ISDIR" => IN_ISDIR = 0x4000_0000;
    name_in_oneshot: "IN_ONESHOT" => IN_ONESHOT = 0x8000_0000;
    name_all_events: "ALL_EVENTS" => ALL_EVENTS = 0x0000_0fff;
}

#[test]
fn names_table_is_pyinotify_all_flags_in_bit_order() {
    let names = Mask::names();
    assert_eq!(names.len(), 22, "21 flags plus ALL_EVENTS");
    assert_eq!(names.last().unwrap().0, "ALL_EVENTS");
    let flags = &names[..21];
    assert!(flags.windows(2).all(|w| w[0].1.bits() < w[1].1.bits()), "bit order: {flags:?}");
    assert!(flags.iter().all(|(_, m)| m.bits().is_power_of_two()));
    // ALL_EVENTS is the OR of the twelve OP_FLAGS.
    let ops = flags.iter().take(12).fold(Mask::empty(), |acc, (_, m)| acc | *m);
    assert_eq!(ops, Mask::ALL_EVENTS);
}

#[test]
fn every_event_name_with_isdir_prints_pyinotify_form() {
    for (name, mask) in Mask::names().iter().take(15) {
        let both = *mask | Mask::IN_ISDIR;
        assert_eq!(both.maskname(), format!("{name}|IN_ISDIR"));
        assert_eq!(both.to_string(), format!("{name}|IN_ISDIR"));
    }
}

#[test]
fn combined_names_parse_and_print_back() {
    for (a, ma) in Mask::names().iter().take(21) {
        for (b, mb) in Mask::names().iter().take(21) {
            let parsed: Mask = format!("{a},{b}").parse().unwrap();
            assert_eq!(parsed, *ma | *mb);
            // maskname of a combination joins the names; parsing that gives the bits back.
            assert_eq!(parsed.maskname().parse::<Mask>().unwrap(), parsed, "{a}|{b}");
        }
    }
}

#[test]
fn aliases_not_in_pyinotify_parse() {
    assert_eq!("IN_ALL_EVENTS".parse::<Mask>().unwrap(), Mask::ALL_EVENTS);
    assert_eq!("IN_CLOSE".parse::<Mask>().unwrap(), Mask::IN_CLOSE_WRITE | Mask::IN_CLOSE_NOWRITE);
    assert_eq!("IN_MOVE".parse::<Mask>().unwrap(), Mask::IN_MOVED_FROM | Mask::IN_MOVED_TO);
    assert_eq!(Mask::IN_ALL_EVENTS, Mask::ALL_EVENTS);
}

#[test]
fn unknown_and_empty_names_are_invalid_mask() {
    for text in ["IN_BOGUS", "IN_CREATE,IN_BOGUS", "in_create", "", "IN_CREATE,", ",IN_CREATE", "IN_CREATE||IN_DELETE"]
    {
        let err = text.parse::<Mask>().expect_err(text);
        assert_eq!(err.kind(), ErrorKind::InvalidMask, "{text:?}");
        assert!(!err.to_string().ends_with('\n'));
    }
    let err = "IN_CREATE,IN_BOGUS".parse::<Mask>().unwrap_err();
    assert!(err.to_string().contains("IN_BOGUS"), "{err}");
}

#[test]
fn kernel_events_carry_pyinotify_masknames() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE).apply().unwrap();
    fs::create_dir(t.p("d")).unwrap();
    fs::write(t.p("f"), b"").unwrap();
    fs::remove_dir(t.p("d")).unwrap();
    let events = wait_event(&mut n, &rec, Mask::IN_DELETE | Mask::IN_ISDIR, t.p("d"));
    let names: Vec<_> = events.iter().map(|e| e.maskname().into_owned()).collect();
    assert_eq!(names, ["IN_CREATE|IN_ISDIR", "IN_CREATE", "IN_DELETE|IN_ISDIR"]);
    for e in &events {
        assert_eq!(e.maskname(), e.mask().maskname());
        assert_eq!(e.maskname().parse::<Mask>().unwrap(), e.mask());
        assert_eq!(e.is_dir(), e.mask().contains(Mask::IN_ISDIR));
    }
}
