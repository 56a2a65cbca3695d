//! The notifier's own calls ("inline": a handler that completes without
//! waiting never reaches its watch's task) keep the guarantees of one task per
//! watch: kernel order within a watch, one call at a time, a waiting handler
//! holds up its own watch only, failures are contained. Each test runs on the
//! notifier's own executor and on a `LocalExecutor` (inline calls), and on an
//! `Executor` of two threads (every event through its watch's task).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use greenwatch::{
    AsyncNotifier, AsyncProcessEvent, AsyncStopHandle, Event, HandlerResult, Mask, NotifierHandle, WatchManager,
};

use crate::async_common::{EXECS, Exec, Recorder, drive};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i:03}")).collect()
}

/// Two watched directories under a fresh temporary one.
fn two_dirs() -> Result<(tempfile::TempDir, PathBuf, PathBuf), Box<dyn std::error::Error>> {
    let root = tempfile::tempdir()?;
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    std::fs::create_dir(&a)?;
    std::fs::create_dir(&b)?;
    Ok((root, a, b))
}

/// Awaits a short timer on every 10th call, and the gate on `f050`; records
/// each event, and the most calls it had in progress at once.
#[derive(Clone, Default)]
struct Sometimes {
    rec: Recorder,
    gate: AsyncStopHandle,
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl AsyncProcessEvent for Sometimes {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if event.name() == "f050" {
            self.gate.stopped().await;
        } else if self.calls.fetch_add(1, Ordering::SeqCst) % 10 == 9 {
            async_io::Timer::after(Duration::from_millis(2)).await;
        }
        self.rec.push(event);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Never awaits: sends the name of each event on.
struct Never(async_channel::Sender<String>);

impl AsyncProcessEvent for Never {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        self.0.try_send(event.name().to_string_lossy().into_owned())?;
        Ok(())
    }
}

/// Creates `f000`… in `a` and `b` in turn, one burst.
fn interleaved_burst(a: &Path, b: &Path, n: usize) -> std::io::Result<()> {
    for name in names(n) {
        std::fs::write(a.join(&name), b"")?;
        std::fs::write(b.join(&name), b"")?;
    }
    Ok(())
}

/// `a` has a handler that sometimes waits (and is held at `f050` until `b` is
/// done), `b` one that never does; `default_waits` picks which is the default
/// handler and which the per-watch one.
fn sometimes_and_never(exec: Exec, default_waits: bool) -> TestResult {
    let wm = WatchManager::new()?;
    let (_root, a, b) = two_dirs()?;
    let (tx, rx) = async_channel::unbounded();
    let (sometimes, never) = (Sometimes::default(), Never(tx));
    let notifier = if default_waits {
        let notifier = AsyncNotifier::new(wm.clone(), sometimes.clone())?;
        wm.add_watch(&b, Mask::IN_CREATE).shared_proc_fun(notifier.async_proc_fun(never)).apply()?;
        wm.add_watch(&a, Mask::IN_CREATE).apply()?;
        notifier
    } else {
        let notifier = AsyncNotifier::new(wm.clone(), never)?;
        wm.add_watch(&a, Mask::IN_CREATE).shared_proc_fun(notifier.async_proc_fun(sometimes.clone())).apply()?;
        wm.add_watch(&b, Mask::IN_CREATE).apply()?;
        notifier
    };
    let handle = notifier.handle();
    let stats = drive(exec, notifier, async {
        interleaved_burst(&a, &b, 100).unwrap();
        let mut seen = Vec::new();
        while seen.len() < 100 {
            seen.push(rx.recv().await.unwrap()); // b goes on while a is held at f050
        }
        assert_eq!(seen, names(100), "order in b on {exec:?}");
        let held = sometimes.rec.names_in(&a);
        assert!(held.len() <= 50 && held == names(held.len()), "a is held at f050 on {exec:?}: {held:?}");
        sometimes.gate.stop();
        handle.settle().await.unwrap();
        handle.stop();
        handle.stats()
    });
    assert_eq!(sometimes.rec.names_in(&a), names(100), "order in a on {exec:?}");
    assert_eq!(sometimes.max_in_flight.load(Ordering::SeqCst), 1, "one call at a time on {exec:?}");
    assert_eq!((stats.delivered, stats.failures), (200, 0), "{exec:?}");
    Ok(())
}

#[test]
fn a_handler_that_sometimes_waits_keeps_its_order_and_holds_up_only_its_watch() -> TestResult {
    for exec in EXECS {
        sometimes_and_never(exec, true)?;
        sometimes_and_never(exec, false)?;
    }
    Ok(())
}

/// With a queue bound of 4 the waiting watch fills its queue again and again:
/// the notifier waits for room, and nothing is lost or reordered.
#[test]
fn a_small_bound_with_a_handler_that_sometimes_waits_keeps_every_event_in_order() -> TestResult {
    for exec in EXECS {
        let wm = WatchManager::new()?;
        let (_root, a, b) = two_dirs()?;
        wm.add_watch(&a, Mask::IN_CREATE).apply()?;
        let never = Recorder::new();
        let sometimes = Sometimes::default();
        sometimes.gate.stop(); // f050 does not wait here
        let notifier = AsyncNotifier::new(wm.clone(), sometimes.clone())?.with_queue_bound(4);
        wm.add_watch(&b, Mask::IN_CREATE).shared_proc_fun(notifier.async_proc_fun(never.clone())).apply()?;
        let handle = notifier.handle();
        let stats = drive(exec, notifier, async {
            interleaved_burst(&a, &b, 300).unwrap();
            handle.settle().await.unwrap();
            handle.stop();
            handle.stats()
        });
        assert_eq!(sometimes.rec.names_in(&a), names(300), "order in a on {exec:?}");
        assert_eq!(never.names_in(&b), names(300), "order in b on {exec:?}");
        assert!(stats.queue_high_water <= 4, "queue grew to {} on {exec:?}", stats.queue_high_water);
    }
    Ok(())
}

/// Never awaits: panics on `boom`, fails on `err`, records the rest.
#[derive(Clone, Default)]
struct Brittle(Recorder);

impl AsyncProcessEvent for Brittle {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        match event.name().to_str() {
            Some("boom") => panic!("boom without waiting"),
            Some("err") => Err(std::io::Error::other("failed without waiting").into()),
            _ => {
                self.0.push(event);
                Ok(())
            }
        }
    }
}

type Failures = Arc<Mutex<Vec<(bool, PathBuf, String)>>>;

/// Default (`a`), per-watch async (`b`) and per-watch blocking (`c`) handlers
/// that fail without waiting.
fn failures_without_waiting(exec: Exec) -> TestResult {
    let root = tempfile::tempdir()?;
    let [a, b, c] = ["a", "b", "c"].map(|n| root.path().join(n));
    let wm = WatchManager::new()?;
    let (default, own, blocking) = (Brittle::default(), Brittle::default(), Recorder::new());
    let failures: Failures = Arc::default();
    let sink = failures.clone();
    let notifier = AsyncNotifier::new(wm.clone(), default.clone())?.on_handler_error(move |f| {
        sink.lock().unwrap().push((f.is_panic(), f.event().pathname().into(), f.to_string()))
    });
    for d in [&a, &b, &c] {
        std::fs::create_dir(d)?;
    }
    wm.add_watch(&a, Mask::IN_CREATE).apply()?;
    wm.add_watch(&b, Mask::IN_CREATE).shared_proc_fun(notifier.async_proc_fun(own.clone())).apply()?;
    let rec = blocking.clone();
    let blocking_handler = move |e: &Event| {
        assert!(e.name() != "boom", "blocking boom");
        rec.push(e.clone());
    };
    wm.add_watch(&c, Mask::IN_CREATE).proc_fun(blocking_handler).apply()?;
    let handle = notifier.handle();
    let stats = drive(exec, notifier, async {
        for d in [&a, &b, &c] {
            for name in ["x1", "boom", "x2", "err", "x3"] {
                std::fs::write(d.join(name), b"")?;
            }
        }
        handle.settle().await?;
        handle.stop();
        Ok::<_, Box<dyn std::error::Error>>(handle.stats())
    })?;
    for (rec, dir) in [(&default.0, &a), (&own.0, &b)] {
        assert_eq!(rec.names_in(dir), ["x1", "x2", "x3"], "{exec:?}");
    }
    assert_eq!(blocking.names_in(&c), ["x1", "x2", "err", "x3"], "{exec:?}");
    let mut failures = failures.lock().unwrap().clone();
    failures.sort();
    let expected: Vec<(bool, PathBuf)> = vec![
        (false, a.join("err")),
        (false, b.join("err")),
        (true, a.join("boom")),
        (true, b.join("boom")),
        (true, c.join("boom")),
    ];
    let got: Vec<(bool, PathBuf)> = failures.iter().map(|(p, path, _)| (*p, path.clone())).collect();
    assert_eq!(got, expected, "{exec:?}: {failures:?}");
    assert!(
        failures.iter().all(|(_, _, m)| m.contains("without waiting") || m.contains("blocking boom")),
        "{failures:?}"
    );
    assert_eq!((stats.delivered, stats.failures), (15, 5), "{exec:?}");
    Ok(())
}

#[test]
fn failures_of_calls_that_never_wait_are_reported_with_their_event_and_contained() -> TestResult {
    for exec in EXECS {
        failures_without_waiting(exec)?;
    }
    Ok(())
}

/// Stops the notifier from inside the call for `stop` (which never waits).
#[test]
fn a_handler_that_never_waits_stops_the_notifier_from_its_call() -> TestResult {
    for exec in EXECS {
        let dir = tempfile::tempdir()?;
        let wm = WatchManager::new()?;
        wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
        let slot: Arc<OnceLock<NotifierHandle>> = Arc::default();
        let (seen, rec) = (slot.clone(), Recorder::new());
        let sink = rec.clone();
        let notifier = AsyncNotifier::new(wm, move |e: Event| {
            if e.name() == "stop" {
                seen.get().expect("set before run").stop();
            }
            sink.push(e);
            async {}
        })?;
        let stop = notifier.stop_handle();
        slot.set(notifier.handle()).unwrap_or_else(|_| unreachable!());
        for name in ["a", "stop", "b", "c"] {
            std::fs::write(dir.path().join(name), b"")?;
        }
        drive(exec, notifier, async move { stop.stopped().await });
        assert_eq!(rec.names(Mask::IN_CREATE)[..2], ["a", "stop"], "{exec:?}");
    }
    Ok(())
}
