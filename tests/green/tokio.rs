//! greenwatch under tokio (a dev-dependency only: the runtime, no tokio
//! reactor): the stream, the pairing layer's timer and the `AsyncNotifier` all
//! run there, their fd and timers on async-io's own reactor thread.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_lite::StreamExt;
use greenwatch::{AsyncNotifier, Event, EventKind, EventStream, Mask, WatchManager};

use crate::async_common::deadline;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

#[test]
fn the_stream_yields_events_under_a_current_thread_runtime() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let mut events = EventStream::new(wm)?;
    let names = runtime().block_on(deadline(async {
        let writer = tokio::task::spawn_blocking({
            let dir = dir.path().to_owned();
            move || ["a", "b", "c"].map(|n| std::fs::write(dir.join(n), "").unwrap())
        });
        let mut names = Vec::new();
        while names.len() < 3 {
            names.push(events.next().await.unwrap()?.name().to_string_lossy().into_owned());
        }
        writer.await.unwrap();
        Ok::<_, greenwatch::Error>(names)
    }))?;
    assert_eq!(names, ["a", "b", "c"]);
    Ok(())
}

#[test]
fn the_pairing_timer_fires_under_tokio() -> TestResult {
    let top = tempfile::tempdir()?;
    let (w, out) = (top.path().join("w"), top.path().join("out"));
    std::fs::create_dir(&w)?;
    std::fs::create_dir(&out)?;
    std::fs::write(w.join("a"), "")?;
    let wm = WatchManager::new()?;
    wm.add_watch(&w, Mask::IN_MOVE).apply()?;
    let mut changes = EventStream::new(wm)?.paired().with_bound(Duration::from_millis(50));
    std::fs::rename(w.join("a"), out.join("a"))?;
    let change = runtime().block_on(deadline(changes.next())).unwrap()?;
    assert_eq!(change.kind(), &EventKind::MoveOut);
    Ok(())
}

#[test]
fn the_async_notifier_runs_under_tokio() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let notifier = AsyncNotifier::new(wm, move |ev: Event| {
        log.lock().unwrap().push(ev.name().to_string_lossy().into_owned());
        async {}
    })?;
    let handle = notifier.handle();
    let driver = async {
        std::fs::write(dir.path().join("x"), "").unwrap();
        handle.settle().await.unwrap();
        handle.stop();
    };
    let (result, ()) = runtime().block_on(deadline(futures_lite::future::zip(notifier.run(), driver)));
    result?;
    assert_eq!(*seen.lock().unwrap(), ["x"]);
    Ok(())
}
