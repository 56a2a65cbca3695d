//! The pairing layer (`EventStream::paired`) on a real kernel: a rename is one
//! change with both paths, a move-out comes out after its bound while nothing
//! else waits, a move-in passes at once, and an overflow releases held halves.

use std::fs;
use std::path::Path;
use std::time::Duration;

use futures_lite::StreamExt;
use greenwatch::{Change, EventKind, EventStream, Mask, Moves, WatchManager};

use crate::async_common::{deadline, within};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HOUR: Duration = Duration::from_secs(3600);

/// A temp dir holding the watched `w` (with `x/`, `y/` and the files `files`)
/// and an unwatched `out`.
fn tree(files: &[&str], mask: Mask) -> Result<(tempfile::TempDir, WatchManager), Box<dyn std::error::Error>> {
    let top = tempfile::tempdir()?;
    fs::create_dir_all(top.path().join("w/x"))?;
    fs::create_dir_all(top.path().join("w/y"))?;
    fs::create_dir(top.path().join("out"))?;
    for f in files {
        fs::write(top.path().join("w").join(f), "")?;
    }
    let wm = WatchManager::new()?;
    wm.add_watch(top.path().join("w"), mask).rec(true).auto_add(true).apply()?;
    Ok((top, wm))
}

async fn take(changes: &mut Moves<EventStream>, n: usize) -> greenwatch::Result<Vec<Change>> {
    let mut out = Vec::new();
    while out.len() < n {
        out.push(changes.next().await.expect("the stream ended")?);
    }
    Ok(out)
}

/// `kind name` of each change.
fn lines(changes: &[Change]) -> Vec<String> {
    changes.iter().map(|c| format!("{} {}", c.kind().name(), c.event().name().to_string_lossy())).collect()
}

fn rename(from: &Path, to: &Path) -> EventKind {
    EventKind::Rename { from: from.to_owned(), to: to.to_owned() }
}

#[test]
fn renames_inside_the_tree_are_one_change_each_with_both_paths() -> TestResult {
    let (top, wm) = tree(&["x/f"], Mask::IN_MOVE | Mask::IN_CREATE)?;
    let w = top.path().join("w");
    let mut changes = EventStream::new(wm)?.paired().with_bound(HOUR); // no rename may wait for it
    fs::rename(w.join("x/f"), w.join("y/g"))?;
    fs::rename(w.join("x"), w.join("y/x2"))?;
    let got = smol::block_on(deadline(take(&mut changes, 2)))?;
    assert_eq!(lines(&got), ["rename g", "rename x2"]);
    assert_eq!(got[0].kind(), &rename(&w.join("x/f"), &w.join("y/g")));
    assert_eq!(got[1].kind(), &rename(&w.join("x"), &w.join("y/x2")));
    assert!(got[1].event().is_dir());
    Ok(())
}

#[test]
fn a_move_out_comes_out_after_its_bound_and_nothing_else_waits() -> TestResult {
    let (top, wm) = tree(&["a"], Mask::IN_MOVE | Mask::IN_CREATE)?;
    let w = top.path().join("w");
    let mut changes = EventStream::new(wm)?.paired().with_bound(Duration::from_millis(300));
    fs::rename(w.join("a"), top.path().join("out/a"))?;
    fs::write(w.join("c"), "")?;
    fs::write(top.path().join("out/b"), "")?;
    fs::rename(top.path().join("out/b"), w.join("b"))?;
    let got = smol::block_on(deadline(take(&mut changes, 3)))?;
    assert_eq!(lines(&got), ["create c", "move_in b", "move_out a"], "only the move-out waited");
    assert_eq!(got[2].event().mask(), Mask::IN_MOVED_FROM);
    assert_eq!(got[2].event().pathname(), w.join("a"));
    Ok(())
}

#[test]
fn an_overflow_releases_held_halves_as_move_outs_before_it() -> TestResult {
    let limit = greenwatch::limits::read("max_queued_events")?;
    if limit > 1 << 21 {
        eprintln!("skipped: fs.inotify.max_queued_events is {limit}, too many events to overflow quickly");
        return Ok(());
    }
    let (top, wm) = tree(&["a", "r"], Mask::IN_MOVE | Mask::IN_CREATE | Mask::IN_MODIFY)?;
    let w = top.path().join("w");
    let mut changes = EventStream::new(wm)?.paired().with_bound(HOUR);
    fs::rename(w.join("r"), w.join("s"))?;
    fs::rename(w.join("a"), top.path().join("out/a"))?;
    let mut files = [fs::File::create(w.join("m1"))?, fs::File::create(w.join("m2"))?];
    for i in 0..limit + 10 {
        std::io::Write::write_all(&mut files[(i % 2) as usize], b"x")?; // unmergeable IN_MODIFYs
    }
    let got = smol::block_on(within(Duration::from_secs(120), async {
        let mut got = Vec::new();
        while let Some(change) = changes.next().await {
            let change = change?;
            let overflow = change.kind() == &EventKind::Overflow;
            if change.kind() != &EventKind::Modify {
                got.push(change);
            }
            if overflow {
                return Ok::<_, greenwatch::Error>(got);
            }
        }
        panic!("the stream ended");
    }))?;
    let kinds: Vec<_> = lines(&got);
    assert_eq!(kinds, ["rename s", "create m1", "create m2", "move_out a", "overflow "], "released by the overflow");
    Ok(())
}
