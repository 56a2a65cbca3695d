//! The event stream on several executors: smol's, async-io's, futures-lite's.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_lite::{StreamExt, future};
use greenwatch::{AsyncNotifier, Event, EventStream, Mask, WatchManager};

use crate::async_common::{Recorder, deadline, touch_all, within};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn watched_dir() -> Result<(tempfile::TempDir, WatchManager), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    Ok((dir, wm))
}

/// Takes `n` events from `stream`.
async fn take(stream: &mut EventStream, n: usize) -> greenwatch::Result<Vec<String>> {
    let mut names = Vec::new();
    while names.len() < n {
        let event = stream.next().await.expect("the stream ended")?;
        names.push(event.name().to_string_lossy().into_owned());
    }
    Ok(names)
}

fn abc() -> Vec<String> {
    ["a", "b", "c"].map(String::from).to_vec()
}

#[test]
fn the_stream_runs_under_smol_block_on() -> TestResult {
    let (dir, wm) = watched_dir()?;
    let mut stream = EventStream::new(wm)?;
    touch_all(dir.path(), abc());
    assert_eq!(smol::block_on(deadline(take(&mut stream, 3)))?, abc());
    Ok(())
}

#[test]
fn the_stream_runs_under_async_io_block_on() -> TestResult {
    let (dir, wm) = watched_dir()?;
    let mut stream = EventStream::new(wm)?;
    let names = async_io::block_on(deadline(async {
        touch_all(dir.path(), abc()); // while the stream is already waiting
        take(&mut stream, 3).await
    }))?;
    assert_eq!(names, abc());
    Ok(())
}

#[test]
fn the_stream_runs_under_futures_lite_block_on_and_on_a_smol_task() -> TestResult {
    let (dir, wm) = watched_dir()?;
    let mut stream = EventStream::new(wm)?;
    touch_all(dir.path(), abc());
    assert_eq!(future::block_on(deadline(take(&mut stream, 3)))?, abc());
    let task = smol::spawn(async move { take(&mut stream, 1).await });
    touch_all(dir.path(), ["d".to_owned()]);
    assert_eq!(smol::block_on(deadline(task))?, ["d"]);
    Ok(())
}

#[test]
fn a_notifier_becomes_a_stream_that_stop_ends() -> TestResult {
    let (dir, wm) = watched_dir()?;
    let mut stream = AsyncNotifier::new(wm, Recorder::new())?.into_stream();
    let stop = stream.stop_handle();
    touch_all(dir.path(), abc());
    let rest = smol::block_on(deadline(async {
        let names = take(&mut stream, 3).await?;
        assert_eq!(names, abc());
        let t = std::thread::spawn(move || stop.stop());
        let rest = stream.next().await; // woken by the stop
        t.join().unwrap();
        Ok::<_, greenwatch::Error>(rest)
    }))?;
    assert!(rest.is_none());
    Ok(())
}

#[test]
fn settle_resolves_once_the_stream_has_yielded_everything_before_it() -> TestResult {
    let (dir, wm) = watched_dir()?;
    // The marker lives in the temporary directory: watch it too, to see it is hidden.
    wm.add_watch(std::env::temp_dir(), Mask::IN_CREATE | Mask::IN_OPEN | Mask::IN_DELETE).apply()?;
    let mut stream = EventStream::new(wm)?;
    let handle = stream.handle();
    let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = seen.clone();
    let consumer = async move {
        while let Some(event) = stream.next().await {
            sink.lock().unwrap().push(event?);
        }
        Ok::<_, greenwatch::Error>(())
    };
    let (consumed, settled) = smol::block_on(deadline(future::zip(consumer, async {
        touch_all(dir.path(), (0..100).map(|i| format!("f{i:03}")));
        handle.settle().await?;
        let count = seen.lock().unwrap().iter().filter(|e| e.path() == dir.path()).count();
        handle.stop();
        Ok::<_, greenwatch::Error>(count)
    })));
    consumed?;
    assert_eq!(settled?, 100);
    let seen = seen.lock().unwrap();
    assert!(
        !seen.iter().any(|e| e.pathname().to_string_lossy().contains(".greenwatch-settle-")),
        "a marker was yielded"
    );
    Ok(())
}

#[test]
fn an_unread_stream_reports_the_kernel_overflow() -> TestResult {
    let limit = greenwatch::limits::read("max_queued_events")?;
    if limit > 1 << 21 {
        eprintln!("skipped: fs.inotify.max_queued_events is {limit}, too many events to overflow quickly");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_MODIFY).apply()?;
    let mut stream = EventStream::new(wm)?;
    let mut files = [std::fs::File::create(dir.path().join("a"))?, std::fs::File::create(dir.path().join("b"))?];
    for i in 0..limit + 10 {
        std::io::Write::write_all(&mut files[(i % 2) as usize], b"x")?; // unmergeable IN_MODIFYs
    }
    let overflowed = smol::block_on(within(Duration::from_secs(120), async {
        while let Some(event) = stream.next().await {
            if event?.is_overflow() {
                return Ok::<_, greenwatch::Error>(true);
            }
        }
        Ok(false)
    }))?;
    assert!(overflowed);
    assert_eq!(stream.handle().stats().overflows, 1);
    Ok(())
}
