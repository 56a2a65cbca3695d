//! Cancellation: dropping the `run()` future or the stream stops the handles
//! (pending settles fail with `Stopped`, `stopped()` waiters wake) and leaves no
//! task behind; after `stop()`, `run()` returns only once no handler is still
//! running on any thread. One test at a time in this binary (each looks for
//! its own settle marker).

#[path = "../util/async_common.rs"]
mod async_common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_common::{Workers, deadline};
use futures_lite::{StreamExt, future};
use greenwatch::{AsyncNotifier, AsyncProcessEvent, ErrorKind, Event, EventStream, HandlerResult, Mask, WatchManager};

type TestResult = Result<(), Box<dyn std::error::Error>>;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Waits (with the default deadline) until `cond` holds, looking every millisecond.
async fn until(cond: impl Fn() -> bool) {
    deadline(async {
        while !cond() {
            async_io::Timer::after(Duration::from_millis(1)).await;
        }
    })
    .await;
}

/// True once one of this process's settle markers exists.
fn a_marker_exists() -> bool {
    let prefix = format!(".greenwatch-settle-{}-", std::process::id());
    let entries = std::fs::read_dir(std::env::temp_dir()).unwrap();
    entries.filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
}

/// A handler that never finishes its first call: a settle behind it cannot complete.
#[derive(Clone, Default)]
struct Stuck(Arc<AtomicUsize>);

impl AsyncProcessEvent for Stuck {
    async fn process_default(&self, _: Event) -> HandlerResult {
        self.0.fetch_add(1, Ordering::SeqCst);
        future::pending::<()>().await;
        Ok(())
    }
}

#[test]
fn dropping_the_run_future_fails_pending_settles_and_wakes_stopped_waiters() -> TestResult {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let stuck = Stuck::default();
    let notifier = AsyncNotifier::new(wm, stuck.clone())?;
    let (handle, stop) = (notifier.handle(), notifier.stop_handle());
    std::fs::write(dir.path().join("a"), b"")?;
    let settle = smol::spawn({
        let handle = handle.clone();
        async move { handle.settle().await }
    });
    let waiter = smol::spawn(async move { stop.stopped().await });
    smol::block_on(deadline(async {
        let mut run = Box::pin(notifier.run());
        let started = async {
            until(|| stuck.0.load(Ordering::SeqCst) == 1 && a_marker_exists()).await;
            Ok(())
        };
        future::or(run.as_mut(), started).await.expect("running");
        drop(run); // cancelled mid-run, a handler call and a settle pending
        let settled = settle.await;
        assert_eq!(settled.map_err(|e| e.kind()), Err(ErrorKind::Stopped));
        waiter.await;
    }));
    assert!(handle.is_stopped());
    assert_eq!(handle.stats().lanes, 0, "no lane left");
    Ok(())
}

#[test]
fn dropping_the_stream_fails_pending_settles_and_wakes_stopped_waiters() -> TestResult {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let mut stream = EventStream::new(wm)?;
    let (handle, stop) = (stream.handle(), stream.stop_handle());
    std::fs::write(dir.path().join("a"), b"")?;
    smol::block_on(deadline(async {
        assert_eq!(stream.next().await.expect("an event")?.name(), "a");
        // Nobody polls the stream now: the settle stays pending until the drop.
        let settle = smol::spawn({
            let handle = handle.clone();
            async move { handle.settle().await }
        });
        let waiter = smol::spawn(async move { stop.stopped().await });
        until(a_marker_exists).await;
        drop(stream);
        assert_eq!(settle.await.map_err(|e| e.kind()), Err(ErrorKind::Stopped));
        waiter.await;
        Ok::<_, greenwatch::Error>(())
    }))?;
    assert!(handle.is_stopped());
    Ok(())
}

/// A handler whose every poll holds its worker thread for 20 ms, counting the
/// polls in progress.
#[derive(Clone, Default)]
struct Busy {
    in_poll: Arc<AtomicUsize>,
    started: Arc<AtomicBool>,
}

impl AsyncProcessEvent for Busy {
    async fn process_default(&self, _: Event) -> HandlerResult {
        loop {
            self.in_poll.fetch_add(1, Ordering::SeqCst);
            self.started.store(true, Ordering::SeqCst);
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(20) {
                std::hint::spin_loop();
            }
            self.in_poll.fetch_sub(1, Ordering::SeqCst);
            future::yield_now().await;
        }
    }
}

#[test]
fn after_stop_run_returns_only_once_no_handler_runs_on_any_thread() -> TestResult {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    for d in ["a", "b"] {
        std::fs::create_dir(dir.path().join(d))?;
        wm.add_watch(dir.path().join(d), Mask::IN_CREATE).apply()?;
    }
    let busy = Busy::default();
    let workers = Workers::start(2);
    let notifier = AsyncNotifier::new(wm, busy.clone())?.with_executor(workers.ex.clone());
    let handle = notifier.handle();
    for d in ["a", "b"] {
        std::fs::write(dir.path().join(d).join("f"), b"")?;
    }
    let (run, ()) = smol::block_on(deadline(future::zip(notifier.run(), async {
        until(|| busy.started.load(Ordering::SeqCst)).await;
        handle.stop();
    })));
    let left = busy.in_poll.load(Ordering::SeqCst);
    workers.join();
    run?;
    assert_eq!(left, 0, "a handler was still in a poll when run returned");
    assert_eq!(handle.stats().lanes, 0, "no lane left");
    Ok(())
}
