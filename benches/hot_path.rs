//! The per-event costs that do not involve the kernel, so regressions show without
//! its noise: parsing a read buffer, the bookkeeping per event (with and without
//! overflow-recovery records), and writing events as JSON and as pyinotify's line.
//!
//! `cargo bench --features internals --bench hot_path` (the parts it measures
//! are reached through the `internals` feature, which is not part of the API).

use std::ffi::OsStr;
use std::hint::black_box;

use divan::Bencher;
use greenwatch::internals::{Bookkeep, encode_record, parse_records};
use greenwatch::{Event, Mask, WatchManager, format};

fn main() {
    divan::main();
}

/// A read buffer as the kernel fills it: creates and close-writes of `n` files.
fn kernel_buffer(n: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    for i in 0..n {
        let name = format!("file-{i:06}.log");
        encode_record(&mut buf, 1, Mask::IN_CREATE.bits(), 0, name.as_bytes());
        encode_record(&mut buf, 1, Mask::IN_CLOSE_WRITE.bits(), 0, name.as_bytes());
    }
    buf
}

/// Parsing 8,192 records in place (one 256 KiB read's worth).
#[divan::bench]
fn parse_read_buffer(bencher: Bencher<'_, '_>) {
    let buf = kernel_buffer(4096);
    bencher.counter(divan::counter::ItemsCount::new(8192usize)).bench(|| parse_records(black_box(&buf)).count());
}

/// The bookkeeping of 4,096 files created, written and deleted (12,288 records)
/// in a watched directory (rec, auto_add), with overflow-recovery records or without.
/// The directory is real; the records are made up, as no file is created.
#[divan::bench(args = [false, true])]
fn bookkeeping_per_event(bencher: Bencher<'_, '_>, recovery: bool) {
    let dir = std::env::temp_dir().join(format!("gw-bench-bookkeeping-{}-{recovery}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wm = WatchManager::new().unwrap();
    wm.set_recovery(recovery);
    let mask = Mask::IN_CREATE | Mask::IN_CLOSE_WRITE | Mask::IN_DELETE;
    wm.add_watch(&dir, mask).rec(true).auto_add(true).apply().unwrap();
    let wd = wm.get_wd(&dir).unwrap();
    let mut buf = Vec::new();
    for i in 0..4096 {
        let name = format!("file-{i:06}.log");
        for mask in [Mask::IN_CREATE, Mask::IN_CLOSE_WRITE, Mask::IN_DELETE] {
            encode_record(&mut buf, wd, mask.bits(), 0, name.as_bytes());
        }
    }
    let mut bookkeep = Bookkeep::default();
    bencher.counter(divan::counter::ItemsCount::new(3 * 4096usize)).bench_local(|| bookkeep.run(&wm, black_box(&buf)));
    drop(wm);
    std::fs::remove_dir(&dir).unwrap();
}

fn sample_events() -> Vec<Event> {
    (0..1000).map(|i| Event::new(1, Mask::IN_CLOSE_WRITE, "/var/log/app", format!("file-{i:06}.log"))).collect()
}

/// `format::write_json`, which formats every part of every line, per 1,000 events.
#[divan::bench]
fn json_lines(bencher: Bencher<'_, '_>) {
    let events = sample_events();
    let mut out = Vec::with_capacity(1 << 20);
    bencher.counter(divan::counter::ItemsCount::new(events.len())).bench_local(|| {
        out.clear();
        for e in &events {
            format::write_json(&mut out, black_box(e));
        }
        out.len()
    });
}

/// The CLI's `--json` writer (`format::JsonWriter`) on a drain's events: a
/// create and a close-write of each of 500 files in one directory.
#[divan::bench]
fn json_lines_writer(bencher: Bencher<'_, '_>) {
    let events: Vec<Event> = (0..1000)
        .map(|i| {
            let mask = if i % 2 == 0 { Mask::IN_CREATE } else { Mask::IN_CLOSE_WRITE };
            Event::new(1, mask, "/var/log/app", format!("file-{:06}.log", i / 2))
        })
        .collect();
    let mut writer = format::JsonWriter::new();
    let mut out = Vec::with_capacity(1 << 20);
    bencher.counter(divan::counter::ItemsCount::new(events.len())).bench_local(|| {
        out.clear();
        for e in &events {
            writer.write(&mut out, black_box(e));
        }
        out.len()
    });
}

/// JSON of names that need escaping (non-UTF-8 bytes, quotes, newlines).
#[divan::bench]
fn json_lines_escaped(bencher: Bencher<'_, '_>) {
    use std::os::unix::ffi::OsStrExt;
    let name = OsStr::from_bytes(b"caf\xe9 \"quoted\"\nline");
    let events: Vec<Event> = (0..1000).map(|_| Event::new(1, Mask::IN_CREATE, "/w", name)).collect();
    let mut out = Vec::with_capacity(1 << 20);
    bencher.counter(divan::counter::ItemsCount::new(events.len())).bench_local(|| {
        out.clear();
        for e in &events {
            format::write_json(&mut out, black_box(e));
        }
        out.len()
    });
}

/// The CLI's default line (pyinotify's repr), per 1,000 events.
#[divan::bench]
fn pyinotify_lines(bencher: Bencher<'_, '_>) {
    let events = sample_events();
    let mut out = Vec::with_capacity(1 << 20);
    bencher.counter(divan::counter::ItemsCount::new(events.len())).bench_local(|| {
        out.clear();
        for e in &events {
            format::write_pyinotify(&mut out, black_box(e), false);
        }
        out.len()
    });
}
