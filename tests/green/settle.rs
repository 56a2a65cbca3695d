//! `settle()` is a true barrier: it returns only once every event caused before
//! it has been handled, the `IN_CREATE`s auto_add synthesizes after reading the
//! marker included; awaited inside one of the notifier's handlers it fails at
//! once instead of waiting for itself. Each test runs on the notifier's own
//! executor and a `LocalExecutor` (budget 1: the router yields after every
//! event), and on an `Executor` of two threads.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use greenwatch::{
    AsyncNotifier, AsyncProcessEvent, ErrorKind, Event, HandlerResult, Mask, NotifierHandle, WatchManager,
};

use crate::async_common::{self, EXECS, Exec, Recorder};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs `notifier` with a budget of 1 on `exec` alongside `body`, which must stop it.
fn drive<T>(exec: Exec, notifier: AsyncNotifier, body: impl Future<Output = T>) -> T {
    async_common::drive(exec, notifier.with_budget(1), body)
}

/// Records each event after a short wait, so that handling lags behind routing.
#[derive(Clone, Default)]
struct Slow(Recorder);

impl AsyncProcessEvent for Slow {
    async fn process_default(&self, event: Event) -> HandlerResult {
        async_io::Timer::after(Duration::from_micros(200)).await;
        self.0.push(event);
        Ok(())
    }
}

#[test]
fn settle_waits_for_the_events_auto_add_synthesizes_after_its_marker() -> TestResult {
    for exec in EXECS {
        let dir = tempfile::tempdir()?;
        let wm = WatchManager::new()?;
        wm.add_watch(dir.path(), Mask::IN_CREATE).rec(true).auto_add(true).apply()?;
        // Made before the notifier reads anything: when it reads `new`'s
        // IN_CREATE (with the marker's event), it lists all of this and
        // synthesizes an IN_CREATE for each entry, after the marker's event.
        for d in 0..10 {
            let sub = dir.path().join("new").join(format!("d{d}"));
            std::fs::create_dir_all(&sub)?;
            (0..10).try_for_each(|f| std::fs::write(sub.join(format!("f{f}")), b""))?;
        }
        let slow = Slow::default();
        let notifier = AsyncNotifier::new(wm, slow.clone())?;
        let handle = notifier.handle();
        let seen = drive(exec, notifier, async {
            handle.settle().await.expect("settled");
            let seen = slow.0.names(Mask::IN_CREATE).len();
            handle.stop();
            seen
        });
        assert_eq!(seen, 1 + 10 + 100, "{exec:?}: every IN_CREATE before settle returned");
    }
    Ok(())
}

/// Awaits `settle()` in the handler of the first event it gets, and keeps the result.
#[derive(Clone, Default)]
struct SettlesInside {
    handle: Arc<OnceLock<NotifierHandle>>,
    results: Arc<Mutex<Vec<Option<ErrorKind>>>>,
}

impl AsyncProcessEvent for SettlesInside {
    async fn process_default(&self, _: Event) -> HandlerResult {
        let handle = self.handle.get().expect("set before run");
        let result = handle.settle().await;
        self.results.lock().unwrap().push(result.err().map(|e| e.kind()));
        Ok(())
    }
}

#[test]
fn settle_awaited_inside_a_handler_fails_at_once_with_would_deadlock() -> TestResult {
    for exec in EXECS {
        let dir = tempfile::tempdir()?;
        let wm = WatchManager::new()?;
        wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
        let inside = SettlesInside::default();
        let notifier = AsyncNotifier::new(wm, inside.clone())?;
        let handle = notifier.handle();
        inside.handle.set(handle.clone()).expect("set once");
        std::fs::write(dir.path().join("a"), b"")?;
        drive(exec, notifier, async {
            handle.settle().await.expect("the handler returned, so settle from outside completes");
            handle.stop();
        });
        assert_eq!(*inside.results.lock().unwrap(), [Some(ErrorKind::WouldDeadlock)], "{exec:?}");
    }
    Ok(())
}
