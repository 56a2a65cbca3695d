//! The async notifier against the real kernel: delivery, per-watch order,
//! concurrency between watches, stop, failures, settle, watches that come and go.

#[path = "../util/async_common.rs"]
mod async_common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_common::{Recorder, Workers, beside, deadline, touch_all, watched_dirs};
use async_executor::LocalExecutor;
use futures_lite::future;
use greenwatch::{
    AsyncNotifier, AsyncProcessEvent, AsyncStopHandle, ErrorKind, Event, Flow, HandlerResult, Mask, WatchManager,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

#[test]
fn run_delivers_events_and_stops_from_another_thread() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let rec = Recorder::new();
    let notifier = AsyncNotifier::new(wm, rec.clone())?;
    let (handle, stop) = (notifier.handle(), notifier.stop_handle());
    smol::block_on(deadline(async {
        let task = smol::spawn(notifier.run()); // the run future is Send
        touch_all(dir.path(), names("f", 3));
        handle.settle().await?;
        assert_eq!(rec.names(Mask::IN_CREATE), names("f", 3));
        let t = std::thread::spawn(move || stop.stop());
        task.await?;
        t.join().unwrap();
        TestResult::Ok(())
    }))
}

#[test]
fn stop_before_run_returns_at_once() -> TestResult {
    let notifier = AsyncNotifier::new(WatchManager::new()?, Recorder::new())?;
    notifier.stop_handle().stop();
    smol::block_on(deadline(notifier.run()))?;
    Ok(())
}

/// Records per-dir order and how many handler calls were in progress at once.
#[derive(Clone, Default)]
struct Interleaving {
    rec: Recorder,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl AsyncProcessEvent for Interleaving {
    async fn process_default(&self, event: Event) -> HandlerResult {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let yields = event.name().len() % 3 + usize::from(event.name().to_string_lossy().ends_with('7'));
        for _ in 0..yields {
            future::yield_now().await;
        }
        self.rec.push(event);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn per_watch_order_is_kept_while_watches_interleave() -> TestResult {
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let dirs: Vec<_> = (0..10).map(|i| root.path().join(format!("d{i}"))).collect();
    for d in &dirs {
        std::fs::create_dir(d)?;
        wm.add_watch(d, Mask::IN_CREATE).apply()?;
    }
    let handler = Interleaving::default();
    let mut notifier = AsyncNotifier::new(wm, handler.clone())?;
    for i in 0..100 {
        for d in &dirs {
            std::fs::write(d.join(format!("f{i:03}")), b"")?;
        }
    }
    smol::block_on(deadline(notifier.settle()))?;
    for d in &dirs {
        assert_eq!(handler.rec.names_in(d), names("f", 100), "order in {}", d.display());
    }
    assert!(handler.max_in_flight.load(Ordering::SeqCst) > 1, "watches ran one after the other");
    Ok(())
}

/// Sleeps a second on events of `slow`, and reports each event when handled.
struct SlowOne {
    slow: std::path::PathBuf,
    done: async_channel::Sender<(String, Instant)>,
}

impl AsyncProcessEvent for SlowOne {
    async fn process_default(&self, event: Event) -> HandlerResult {
        if event.path() == self.slow {
            async_io::Timer::after(Duration::from_secs(1)).await;
        }
        let name = event.name().to_string_lossy().into_owned();
        self.done.send((name, Instant::now())).await?;
        Ok(())
    }
}

#[test]
fn a_slow_handler_does_not_delay_other_watches() -> TestResult {
    let root = tempfile::tempdir()?;
    let (slow, fast) = (root.path().join("slow"), root.path().join("fast"));
    let wm = WatchManager::new()?;
    for d in [&slow, &fast] {
        std::fs::create_dir(d)?;
        wm.add_watch(d, Mask::IN_CREATE).apply()?;
    }
    let (tx, rx) = async_channel::unbounded();
    let notifier = AsyncNotifier::new(wm, SlowOne { slow: slow.clone(), done: tx })?;
    let stop = notifier.stop_handle();
    beside(notifier, async {
        let start = Instant::now();
        std::fs::write(slow.join("x"), b"")?;
        std::fs::write(fast.join("y"), b"")?;
        let (first, at) = rx.recv().await?;
        assert_eq!(first, "y");
        assert!(at - start < Duration::from_millis(500), "the fast watch waited {:?}", at - start);
        let (second, at) = rx.recv().await?;
        assert_eq!(second, "x");
        assert!(at - start >= Duration::from_secs(1));
        stop.stop();
        TestResult::Ok(())
    })
    .0?;
    Ok(())
}

#[test]
fn a_handler_stops_the_notifier_with_flow_stop_or_its_handle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let by_flow = AsyncNotifier::new(wm.clone(), |e: Event| async move {
        if e.name() == "stop" { Flow::Stop } else { Flow::Continue }
    })?;
    std::fs::write(dir.path().join("stop"), b"")?;
    smol::block_on(deadline(by_flow.run()))?;

    let slot: Arc<OnceLock<AsyncStopHandle>> = Arc::default();
    let seen = slot.clone();
    let by_handle = AsyncNotifier::new(wm, move |e: Event| {
        let stop = seen.get().cloned();
        async move {
            if e.name() == "halt" {
                stop.expect("set before run").stop();
            }
        }
    })?;
    slot.set(by_handle.stop_handle()).unwrap();
    std::fs::write(dir.path().join("halt"), b"")?;
    smol::block_on(deadline(by_handle.run()))?;
    Ok(())
}

/// Panics on `boom`, fails on `err`, records the rest.
#[derive(Clone, Default)]
struct Fragile(Recorder);

impl AsyncProcessEvent for Fragile {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        future::yield_now().await;
        match event.name().to_str() {
            Some("boom") => panic!("boom on purpose"),
            Some("err") => Err(std::io::Error::other("failed on purpose").into()),
            _ => {
                self.0.push(event);
                Ok(())
            }
        }
    }
}

#[test]
fn panics_and_errors_are_reported_and_contained() -> TestResult {
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let [a, b] = watched_dirs(&wm, root.path(), ["a", "b"], Mask::IN_CREATE)?;
    let failures: Arc<Mutex<Vec<(bool, String)>>> = Arc::default();
    let sink = failures.clone();
    let handler = Fragile::default();
    let notifier = AsyncNotifier::new(wm, handler.clone())?
        .on_handler_error(move |f| sink.lock().unwrap().push((f.is_panic(), f.to_string())));
    let handle = notifier.handle();
    beside(notifier, async {
        touch_all(&a, ["boom", "err", "ok1"].map(String::from));
        touch_all(&b, ["ok2".to_owned()]);
        handle.settle().await?;
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    let mut got = handler.0.names(Mask::IN_CREATE);
    got.sort();
    assert_eq!(got, ["ok1", "ok2"]);
    let failures = failures.lock().unwrap();
    assert_eq!(failures.len(), 2);
    assert!(failures[0].0 && failures[0].1.contains("boom on purpose"), "{failures:?}");
    assert!(!failures[1].0 && failures[1].1.contains("failed on purpose"), "{failures:?}");
    assert_eq!(handle.stats().failures, 2);
    Ok(())
}

#[test]
fn stop_on_handler_error_ends_run_with_the_failure() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let notifier =
        AsyncNotifier::new(wm, Fragile::default())?.on_handler_error(|_| {}).with_stop_on_handler_error(true);
    std::fs::write(dir.path().join("boom"), b"")?;
    let err = smol::block_on(deadline(notifier.run())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    assert!(err.to_string().contains("boom on purpose"), "{err}");
    Ok(())
}

#[test]
fn settle_waits_for_every_earlier_change_and_hides_its_marker() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    // The marker lives in the temporary directory: watch it too, to see it is hidden.
    wm.add_watch(std::env::temp_dir(), Mask::ALL_EVENTS).apply()?;
    let rec = Recorder::new();
    let notifier = AsyncNotifier::new(wm, rec.clone())?;
    let handle = notifier.handle();
    beside(notifier, async {
        for round in 0..3 {
            touch_all(dir.path(), names(&format!("r{round}-"), 200));
            handle.settle().await?;
            assert_eq!(rec.names_in(dir.path()).len(), 200 * (round + 1));
        }
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    let leaked: Vec<_> = rec
        .events()
        .iter()
        // Other test processes settle in the same temporary directory: only this
        // process's markers (named after its pid) must stay hidden.
        .filter(|e| e.pathname().to_string_lossy().contains(&format!(".greenwatch-settle-{}-", std::process::id())))
        .cloned()
        .collect();
    assert!(leaked.is_empty(), "markers reached the handler: {leaked:?}");
    Ok(())
}

#[test]
fn settle_without_a_running_notifier_fails_once_stopped() -> TestResult {
    let notifier = AsyncNotifier::new(WatchManager::new()?, Recorder::new())?;
    let handle = notifier.handle();
    drop(notifier);
    let stop = handle.stop_handle();
    let t = std::thread::spawn(move || stop.stop());
    let err = smol::block_on(deadline(handle.settle())).unwrap_err();
    t.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    Ok(())
}

/// Watches each new directory itself, through its own clone of the watch manager.
struct Adder {
    wm: WatchManager,
    rec: Recorder,
}

impl AsyncProcessEvent for Adder {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        if event.is_dir() {
            self.wm.add_watch(event.pathname().into_owned(), Mask::IN_CREATE).quiet(false).apply()?;
        }
        self.rec.push(event);
        Ok(())
    }
}

#[test]
fn watches_added_by_a_handler_get_their_own_task() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let rec = Recorder::new();
    let notifier = AsyncNotifier::new(wm.clone(), Adder { wm, rec: rec.clone() })?;
    let handle = notifier.handle();
    let sub = dir.path().join("sub");
    beside(notifier, async {
        std::fs::create_dir(&sub)?;
        handle.settle().await?;
        std::fs::write(sub.join("x"), b"")?;
        handle.settle().await?;
        assert_eq!(rec.names_in(&sub), ["x"]);
        assert_eq!(handle.stats().lanes, 0, "handlers that never wait need no task");
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    Ok(())
}

#[test]
fn auto_add_watches_get_a_task_that_ends_with_in_ignored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let mask = Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_DELETE_SELF;
    wm.add_watch(dir.path(), mask).rec(true).auto_add(true).apply()?;
    let rec = Recorder::new();
    let notifier = AsyncNotifier::new(wm, rec.clone())?;
    let handle = notifier.handle();
    let sub = dir.path().join("d");
    beside(notifier, async {
        std::fs::create_dir(&sub)?;
        std::fs::write(sub.join("f"), b"")?;
        handle.settle().await?;
        assert_eq!(rec.names_in(&sub), ["f"], "reported exactly once");
        std::fs::remove_file(sub.join("f"))?;
        std::fs::remove_dir(&sub)?;
        handle.settle().await?;
        let ignored = rec.events().iter().filter(|e| e.mask().contains(Mask::IN_IGNORED)).count();
        assert_eq!(ignored, 1);
        assert_eq!(handle.stats().lanes, 0, "no task is left");
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    Ok(())
}

#[test]
fn a_watch_removed_while_running_ends_its_task() -> TestResult {
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let [a, b] = watched_dirs(&wm, root.path(), ["a", "b"], Mask::IN_CREATE)?;
    let rec = Recorder::new();
    let notifier = AsyncNotifier::new(wm.clone(), rec.clone())?;
    let handle = notifier.handle();
    beside(notifier, async {
        touch_all(&a, ["x".to_owned()]);
        touch_all(&b, ["y".to_owned()]);
        handle.settle().await?;
        wm.rm_watch(wm.get_wd(&a).unwrap()).quiet(false).apply()?; // its IN_IGNORED is not delivered
        touch_all(&a, ["unseen".to_owned()]);
        handle.settle().await?;
        assert_eq!(handle.stats().lanes, 0, "no task is left");
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    let mut names = rec.names(Mask::IN_CREATE);
    names.sort();
    assert_eq!(names, ["x", "y"]);
    Ok(())
}

#[test]
fn watches_have_their_own_async_or_blocking_handlers() -> TestResult {
    let root = tempfile::tempdir()?;
    let [a, b, c] = ["a", "b", "c"].map(|n| root.path().join(n));
    let wm = WatchManager::new()?;
    let (default, own) = (Recorder::new(), Recorder::new());
    let blocking: Arc<Mutex<Vec<String>>> = Arc::default();
    let notifier = AsyncNotifier::new(wm.clone(), default.clone())?;
    let handle = notifier.handle();
    for d in [&a, &b, &c] {
        std::fs::create_dir(d)?;
    }
    let own_handler = handle.async_proc_fun(own.clone());
    wm.add_watch(&a, Mask::IN_CREATE).auto_add(true).shared_proc_fun(own_handler).apply()?;
    let sink = blocking.clone();
    let sync_handler = move |e: &Event| sink.lock().unwrap().push(e.name().to_string_lossy().into_owned());
    wm.add_watch(&b, Mask::IN_CREATE).proc_fun(sync_handler).apply()?;
    wm.add_watch(&c, Mask::IN_CREATE).apply()?;
    beside(notifier, async {
        std::fs::create_dir(a.join("sub"))?;
        handle.settle().await?;
        std::fs::write(a.join("sub").join("deep"), b"")?;
        touch_all(&b, ["in-b".to_owned()]);
        touch_all(&c, ["in-c".to_owned()]);
        handle.settle().await?;
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    assert_eq!(own.names(Mask::IN_CREATE), ["sub", "deep"], "auto_add inherits the async handler");
    assert_eq!(*blocking.lock().unwrap(), ["in-b"]);
    assert_eq!(default.names(Mask::IN_CREATE), ["in-c"]);
    Ok(())
}

#[test]
fn process_events_drives_the_notifier_one_batch_at_a_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let rec = Recorder::new();
    let mut notifier = AsyncNotifier::new(wm, rec.clone())?;
    touch_all(dir.path(), names("f", 5));
    let n = smol::block_on(deadline(notifier.process_events()))?;
    assert_eq!(n, 5);
    assert_eq!(rec.names(Mask::IN_CREATE), names("f", 5), "handled before process_events returns");
    notifier.stop_handle().stop();
    assert_eq!(smol::block_on(deadline(notifier.process_events()))?, 0);
    Ok(())
}

#[test]
fn a_local_executor_passed_in_runs_the_watch_tasks() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let rec = Recorder::new();
    let ex = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm, rec.clone())?.with_executor(&ex);
    let handle = notifier.handle();
    let (run, driven) = smol::block_on(deadline(ex.run(future::zip(notifier.run(), async {
        touch_all(dir.path(), names("f", 10));
        handle.settle().await?;
        handle.stop();
        TestResult::Ok(())
    }))));
    run?;
    driven?;
    assert_eq!(rec.names(Mask::IN_CREATE), names("f", 10));
    Ok(())
}

#[test]
fn a_multi_threaded_executor_keeps_each_watch_in_order() -> TestResult {
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let dirs: Vec<_> = (0..4).map(|i| root.path().join(format!("d{i}"))).collect();
    for d in &dirs {
        std::fs::create_dir(d)?;
        wm.add_watch(d, Mask::IN_CREATE).apply()?;
    }
    let workers = Workers::start(2);
    let handler = Interleaving::default();
    let notifier = AsyncNotifier::new(wm, handler.clone())?.with_executor(workers.ex.clone());
    let handle = notifier.handle();
    beside(notifier, async {
        for i in 0..50 {
            for d in &dirs {
                std::fs::write(d.join(format!("f{i:03}")), b"")?;
            }
        }
        handle.settle().await?;
        handle.stop();
        TestResult::Ok(())
    })
    .1?;
    workers.join();
    for d in &dirs {
        assert_eq!(handler.rec.names_in(d), names("f", 50));
    }
    Ok(())
}

/// Records, asks to stop on the first event, and yields so the notifier can act.
#[derive(Clone, Default)]
struct StopsEarly(Recorder, Arc<OnceLock<AsyncStopHandle>>);

impl AsyncProcessEvent for StopsEarly {
    async fn process_default(&self, event: Event) -> HandlerResult {
        self.0.push(event);
        self.1.get().expect("set").stop();
        future::yield_now().await;
        Ok(())
    }
}

fn stop_early(dir: &Path, drain: bool) -> Result<usize, Box<dyn std::error::Error>> {
    let wm = WatchManager::new()?;
    wm.add_watch(dir, Mask::IN_CREATE).apply()?;
    let handler = StopsEarly::default();
    let notifier = AsyncNotifier::new(wm, handler.clone())?.with_drain_on_stop(drain);
    handler.1.set(notifier.stop_handle()).unwrap();
    touch_all(dir, names(if drain { "d" } else { "n" }, 100));
    smol::block_on(deadline(notifier.run()))?;
    Ok(handler.0.len())
}

#[test]
fn stop_drops_pending_events_unless_asked_to_drain() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert!(stop_early(dir.path(), false)? < 100, "dropped by default");
    assert_eq!(stop_early(dir.path(), true)?, 100, "drained");
    Ok(())
}

/// Yields twice, then records whether another task of the thread ran meanwhile.
#[derive(Clone, Default)]
struct SeesOthers {
    ticks: Arc<AtomicUsize>,
    others_ran: Arc<Mutex<Vec<bool>>>,
}

impl AsyncProcessEvent for SeesOthers {
    async fn process_default(&self, _: Event) -> HandlerResult {
        let before = self.ticks.load(Ordering::SeqCst);
        future::yield_now().await;
        future::yield_now().await;
        self.others_ran.lock().unwrap().push(self.ticks.load(Ordering::SeqCst) > before);
        Ok(())
    }
}

#[test]
fn an_async_per_watch_handler_made_by_one_notifier_runs_as_a_task_under_another() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let sees = SeesOthers::default();
    let first = AsyncNotifier::new(wm.clone(), ())?;
    let handler = first.async_proc_fun(sees.clone());
    drop(first);
    wm.add_watch(dir.path(), Mask::IN_CREATE).shared_proc_fun(handler).apply()?;
    let ex = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm, ())?.with_executor(&ex);
    let handle = notifier.handle();
    let ticks = sees.ticks.clone();
    let spinner = ex.spawn(async move {
        loop {
            ticks.fetch_add(1, Ordering::SeqCst);
            future::yield_now().await;
        }
    });
    touch_all(dir.path(), ["a".to_owned(), "b".to_owned()]);
    smol::block_on(deadline(ex.run(future::zip(notifier.run(), async {
        handle.settle().await?;
        handle.stop();
        TestResult::Ok(())
    }))))
    .1?;
    drop(spinner);
    // Run with `block_on` on the executor's thread, no other task would have run.
    assert_eq!(*sees.others_ran.lock().unwrap(), [true, true]);
    Ok(())
}
