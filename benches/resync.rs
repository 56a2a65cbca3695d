//! The cost of overflow recovery: one resync over 10,000 watched directories
//! holding 100,000 files, and the memory the records take per watch.
//!
//! Run with `cargo bench --bench resync`. Prints the time of a resync that finds
//! nothing, of one that finds 1,000 new files, and the records' memory per
//! watch (counted bytes, and the VmRSS difference against recovery off).

use std::fs;
use std::path::Path;
use std::time::Instant;

use greenwatch::{Mask, WatchManager};

const TOP: usize = 100;
const SUB: usize = 99;
const FILES_PER_DIR: usize = 10;

/// 100 directories of 99 subdirectories (10,000 with the root), 10 files in each.
fn build(root: &Path) -> usize {
    let mut dirs = vec![root.to_path_buf()];
    for t in 0..TOP {
        let top = root.join(format!("t{t:03}"));
        fs::create_dir(&top).unwrap();
        dirs.push(top.clone());
        for s in 0..SUB {
            let sub = top.join(format!("s{s:03}"));
            fs::create_dir(&sub).unwrap();
            dirs.push(sub);
        }
    }
    for dir in &dirs {
        for f in 0..FILES_PER_DIR {
            fs::write(dir.join(format!("file-{f:02}.txt")), b"").unwrap();
        }
    }
    dirs.len()
}

fn vm_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// A manager watching `root` (rec, auto_add) and the VmRSS it added, in KiB.
fn watch(root: &Path, recovery: bool) -> (WatchManager, u64) {
    let before = vm_rss_kib();
    let wm = WatchManager::new().unwrap();
    wm.set_recovery(recovery);
    wm.add_watch(root, Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply().unwrap();
    (wm, vm_rss_kib().saturating_sub(before))
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    fs::create_dir(&root).unwrap();
    let dirs = build(&root);
    let files = dirs * FILES_PER_DIR;

    let (plain, rss_plain) = watch(&root, false);
    let (wm, rss_recovery) = watch(&root, true);
    let watches = wm.len();
    assert_eq!(watches, dirs);
    drop(plain);

    let started = Instant::now();
    let events = wm.resync();
    let idle = started.elapsed();
    assert_eq!(events.len(), 2, "only the notices: nothing changed");

    for i in 0..1000 {
        fs::write(root.join(format!("t{:03}/s000/new-{i}", i % TOP)), b"").unwrap();
    }
    let started = Instant::now();
    let events = wm.resync();
    let busy = started.elapsed();
    assert_eq!(events.len(), 1002);

    let bytes = wm.recovery_bytes();
    println!("resync: {watches} directories, {files} files");
    println!("  one resync, nothing changed:  {:.1} ms", idle.as_secs_f64() * 1e3);
    println!("  one resync, 1,000 new files:  {:.1} ms", busy.as_secs_f64() * 1e3);
    println!("  records, counted:  {bytes} bytes = {} bytes per watch", bytes / watches);
    let delta = rss_recovery.saturating_sub(rss_plain) * 1024;
    println!(
        "  VmRSS with recovery {rss_recovery} KiB, without {rss_plain} KiB: ~{} bytes per watch",
        delta / watches as u64
    );
}
