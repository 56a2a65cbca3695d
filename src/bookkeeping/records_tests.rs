//! `DirRecord` on its own: lookups, replacement, byte-exact names, tombstones
//! and compaction, checked against a plain `HashMap` model.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::*;

fn os(name: &str) -> &OsStr {
    OsStr::new(name)
}

/// The record's entries, sorted, as owned values.
fn entries(record: &DirRecord) -> Vec<(OsString, u64, bool)> {
    let mut all: Vec<_> = record.iter().map(|(n, ino, dir)| (n.to_owned(), ino, dir)).collect();
    all.sort();
    all
}

/// The model's entries, sorted, in the same form.
fn model_entries(model: &HashMap<OsString, (u64, bool)>) -> Vec<(OsString, u64, bool)> {
    let mut all: Vec<_> = model.iter().map(|(n, (ino, dir))| (n.clone(), *ino, *dir)).collect();
    all.sort();
    all
}

/// A deterministic xorshift generator for the model test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn insert_get_remove_replace() {
    let mut record = DirRecord::default();
    assert_eq!(record.get(os("a")), None);
    record.insert(os("a"), 7, false);
    record.insert(os("sub"), 9, true);
    assert_eq!(record.get(os("a")), Some((7, false)));
    assert_eq!(record.get(os("sub")), Some((9, true)));
    record.insert(os("a"), 8, true);
    assert_eq!(record.get(os("a")), Some((8, true)), "replaced in place");
    assert_eq!(record.iter().count(), 2);
    assert_eq!(record.remove(os("a")), Some((8, true)));
    assert_eq!(record.remove(os("a")), None);
    assert_eq!(record.get(os("a")), None);
    assert_eq!(entries(&record), vec![(OsString::from("sub"), 9, true)]);
    record.insert(os("a"), 0, false);
    assert_eq!(record.get(os("a")), Some((0, false)), "a removed name comes back");
}

#[test]
fn the_directory_bit_and_large_inodes_round_trip() {
    let mut record = DirRecord::default();
    let big = (1 << 63) - 1;
    record.insert(os("f"), big, false);
    record.insert(os("d"), big, true);
    assert_eq!(record.get(os("f")), Some((big, false)));
    assert_eq!(record.get(os("d")), Some((big, true)));
}

#[test]
fn note_create_keeps_a_known_inode_of_the_same_kind() {
    let mut record = DirRecord::default();
    record.insert(os("f"), 42, false);
    record.note_create(os("f"), false);
    assert_eq!(record.get(os("f")), Some((42, false)), "the listing's inode is kept");
    record.note_create(os("f"), true);
    assert_eq!(record.get(os("f")), Some((0, true)), "another kind replaces it");
    record.note_create(os("new"), false);
    assert_eq!(record.get(os("new")), Some((0, false)));
    assert_eq!(record.iter().count(), 2);
}

#[test]
fn many_names_are_all_found() {
    let mut record = DirRecord::default();
    let names: Vec<String> = (0..20_000).map(|i| format!("{i}")).collect();
    for (i, name) in (0u64..).zip(&names) {
        record.insert(os(name), i, i % 3 == 0);
    }
    for (i, name) in (0u64..).zip(&names) {
        assert_eq!(record.get(os(name)), Some((i, i % 3 == 0)), "{name}");
    }
    for name in names.iter().step_by(2) {
        assert!(record.remove(os(name)).is_some());
    }
    for (i, name) in (0u64..).zip(&names) {
        let expected = (i % 2 == 1).then_some((i, i % 3 == 0));
        assert_eq!(record.get(os(name)), expected, "{name}");
    }
    assert_eq!(record.iter().count(), 10_000);
    assert_eq!(record.get(os("20000")), None);
    assert_eq!(record.get(os("")), None);
}

#[test]
fn names_that_are_not_utf8_survive_byte_exact() {
    let names: Vec<OsString> = vec![
        OsString::from_vec(b"\xff\xfe".to_vec()),
        OsString::from_vec(b"\xff\xff".to_vec()),
        OsString::from_vec(b"caf\xe9".to_vec()),
        OsString::from_vec(b"caf\xc3\xa9".to_vec()),
        OsString::from_vec(b"a\nb\tc\x01".to_vec()),
        OsString::from_vec(vec![0x80; 255]),
        OsString::from_vec(vec![0x80; 254]),
    ];
    let mut record = DirRecord::default();
    for (i, name) in (1u64..).zip(&names) {
        record.insert(name, i, false);
    }
    for (i, name) in (1u64..).zip(&names) {
        assert_eq!(record.get(name), Some((i, false)));
    }
    let mut listed: Vec<Vec<u8>> = record.iter().map(|(n, _, _)| n.as_bytes().to_vec()).collect();
    let mut expected: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes().to_vec()).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
}

#[test]
fn from_listing_records_every_entry_and_nothing_spare() {
    let listing: Vec<Entry> = (0..10)
        .map(|i| Entry { name: OsString::from(format!("file-{i:02}.txt")), is_dir: i == 9, ino: 100 + i })
        .collect();
    let record = DirRecord::from_listing(&listing);
    for e in &listing {
        assert_eq!(record.get(&e.name), Some((e.ino, e.is_dir)));
    }
    let expected: Vec<_> = listing.iter().map(|e| (e.name.clone(), e.ino, e.is_dir)).collect();
    assert_eq!(entries(&record), expected);
    assert_eq!(record.arena.bytes.capacity(), 110, "the names, back to back");
    assert_eq!(record.arena.items.capacity(), 10);
    assert!(DirRecord::from_listing(&[]).heap_bytes() == 0, "an empty directory allocates nothing");
}

#[test]
fn iter_returns_exactly_the_live_entries_through_compactions() {
    let mut record = DirRecord::default();
    let mut model: HashMap<OsString, (u64, bool)> = HashMap::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for step in 0..200_000u64 {
        let r = rng.next();
        let name = OsString::from(format!("n{}", r % 700));
        match (r >> 32) % 8 {
            0..=2 => {
                record.insert(&name, step, r & 1 == 1);
                model.insert(name, (step, r & 1 == 1));
            }
            3 => {
                record.note_create(&name, r & 1 == 1);
                let old = model.get(&name).filter(|(_, dir)| *dir == (r & 1 == 1));
                model.insert(name.clone(), old.copied().unwrap_or((0, r & 1 == 1)));
            }
            4..=6 => assert_eq!(record.remove(&name), model.remove(&name), "step {step}"),
            _ => assert_eq!(record.get(&name), model.get(&name).copied(), "step {step}"),
        }
        if step % 10_000 == 0 {
            assert_eq!(entries(&record), model_entries(&model), "step {step}");
        }
    }
    assert_eq!(entries(&record), model_entries(&model));
}

#[test]
fn churn_of_the_same_names_keeps_memory_bounded() {
    let mut record = DirRecord::from_listing(&[Entry { name: OsString::from("kept"), is_dir: false, ino: 1 }]);
    let names = ["a.tmp", "b.tmp", ".#lock", "4913"];
    let mut peak = 0;
    for i in 0..100_000 {
        let name = os(names[i % names.len()]);
        record.note_create(name, false);
        record.remove(name);
        peak = peak.max(record.heap_bytes());
    }
    assert!(peak < 4096, "peak {peak} bytes");
    assert!(record.arena.items.len() <= 2 * MIN_DEAD as usize, "tombstones are dropped");
    assert_eq!(entries(&record), vec![(OsString::from("kept"), 1, false)]);
}

#[test]
fn emptying_a_large_directory_gives_memory_back() {
    let listing: Vec<Entry> =
        (0..10_000).map(|i| Entry { name: OsString::from(format!("entry-{i:05}")), is_dir: false, ino: i }).collect();
    let mut record = DirRecord::from_listing(&listing);
    let full = record.heap_bytes();
    for e in &listing[..9_990] {
        assert_eq!(record.remove(&e.name), Some((e.ino, false)));
    }
    assert!(record.heap_bytes() * 20 < full, "{} of {full} bytes kept", record.heap_bytes());
    let expected: Vec<_> = listing[9_990..].iter().map(|e| (e.name.clone(), e.ino, false)).collect();
    assert_eq!(entries(&record), expected);
}

#[test]
fn an_entry_costs_its_name_plus_under_30_bytes() {
    let listing: Vec<Entry> =
        (0..1000).map(|i| Entry { name: OsString::from(format!("file-{i:04}.txt")), is_dir: false, ino: i }).collect();
    let record = DirRecord::from_listing(&listing);
    let per_entry = record.heap_bytes() as f64 / 1000.0;
    assert!(per_entry < 13.0 + 30.0, "{per_entry} bytes per entry");
}
