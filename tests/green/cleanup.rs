//! What the async front-ends leave behind: `settle()`'s marker files and
//! watches are gone whether it succeeded, failed or was cancelled, and dropping
//! a notifier closes its duplicate fd and nothing else. One test in this
//! binary, so that no other test's marker or fd is in flight while it counts.

#[path = "../util/async_common.rs"]
mod async_common;

use async_common::{Recorder, deadline, touch_all};
use futures_lite::{StreamExt, future};
use greenwatch::{AsyncNotifier, ErrorKind, EventStream, Mask, WatchManager};

fn marker_files() -> Vec<String> {
    let prefix = format!(".greenwatch-settle-{}-", std::process::id());
    let entries = std::fs::read_dir(std::env::temp_dir()).unwrap();
    let names = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned());
    names.filter(|n| n.starts_with(&prefix)).collect()
}

#[test]
fn settle_and_drop_leave_nothing_behind() -> Result<(), Box<dyn std::error::Error>> {
    settle_leaves_no_marker_and_no_watch_behind()?;
    dropping_a_notifier_closes_its_duplicate_fd_only()
}

/// The process's open file descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn dropping_a_notifier_closes_its_duplicate_fd_only() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    drop(AsyncNotifier::new(wm.clone(), Recorder::new())?); // the reactor's own fds are opened once, here
    let before = open_fds();
    let notifier = AsyncNotifier::new(wm.clone(), Recorder::new())?;
    assert_eq!(open_fds(), before + 1, "one duplicate of the inotify fd");
    let stream = notifier.into_stream();
    assert_eq!(open_fds(), before + 1, "the stream keeps the same duplicate");
    drop(stream);
    assert_eq!(open_fds(), before);
    // The watch manager's own fd and watches are intact: a new stream sees events.
    let mut stream = EventStream::new(wm)?;
    touch_all(dir.path(), ["after".to_owned()]);
    let event = smol::block_on(deadline(stream.next())).expect("an event")?;
    assert_eq!(event.name(), "after");
    Ok(())
}

fn settle_leaves_no_marker_and_no_watch_behind() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let rec = Recorder::new();
    let mut notifier = AsyncNotifier::new(wm.clone(), rec.clone())?;
    let handle = notifier.handle();

    // Settled, by the notifier driving itself.
    touch_all(dir.path(), (0..10).map(|i| format!("f{i}")));
    smol::block_on(deadline(notifier.settle()))?;
    assert_eq!(rec.names(Mask::IN_CREATE).len(), 10);
    assert_eq!((marker_files().len(), wm.len()), (0, 1));

    // Cancelled: nobody runs the notifier, and the future is dropped.
    let abandoned = smol::block_on(future::poll_once(Box::pin(handle.settle())));
    assert!(abandoned.is_none(), "nothing drove the notifier, so it cannot have settled");
    assert_eq!((marker_files().len(), wm.len()), (0, 1));

    // Failed: the notifier stops first.
    handle.stop();
    let err = smol::block_on(deadline(handle.settle())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    assert_eq!((marker_files().len(), wm.len()), (0, 1));

    // Works with no watched directory at all.
    handle.stop_handle().reset();
    let bare = WatchManager::new()?;
    let mut idle = AsyncNotifier::new(bare.clone(), Recorder::new())?;
    smol::block_on(deadline(idle.settle()))?;
    assert_eq!((marker_files().len(), bare.len()), (0, 0));
    Ok(())
}
