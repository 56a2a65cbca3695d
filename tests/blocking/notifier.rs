//! The notifiers on a real inotify fd: check/read/process, threshold and
//! read_freq batching, stopping (from another thread, from a handler, from the
//! loop's callback), `ThreadedNotifier`, coalescing and `ignore_events`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, Stats, ThreadedNotifier, WatchManager};

use crate::common::{DEADLINE, Recorder, Tree, Watchdog, drain_until, notifier, settle, wait_event};

/// A tree whose root is watched (alone) for `mask`.
fn watched_tree(mask: Mask) -> (Tree, WatchManager) {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, mask).apply().unwrap();
    (t, wm)
}

/// A handler that records every event in `rec` and stops the loop once it
/// has recorded the entry named `stop_at`.
fn recording_until(rec: &Recorder, stop_at: &'static str) -> impl FnMut(&Event) -> Flow + Send + 'static {
    let mut inner = rec.clone();
    move |e: &Event| {
        let _ = inner.handle(e);
        if e.name() == stop_at { Flow::Stop } else { Flow::Continue }
    }
}

/// Polls `cond` (shared state another thread updates) until it holds or the deadline passes.
#[track_caller]
fn eventually(mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < end, "condition not met within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn names(rec: &Recorder) -> Vec<String> {
    rec.events().iter().map(|e| e.name().to_string_lossy().into_owned()).collect()
}

#[test]
fn threshold_holds_back_small_reads() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let rec = Recorder::new();
    let mut n = Notifier::new(wm, rec.clone()).unwrap().with_threshold(1000);
    t.touch(&["a"]); // one record: 16 bytes of header, "a" padded to 16
    assert!(n.check_events(Some(DEADLINE)).unwrap(), "the fd is readable");
    assert_eq!(n.read_events().unwrap(), 0, "32 bytes are below the threshold: nothing is read");
    let _ = n.process_events();
    assert!(rec.is_empty());
    let more: Vec<String> = (0..40).map(|i| format!("f{i:02}")).collect();
    t.touch(&more.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(n.read_events().unwrap(), 41 * 32, "past the threshold everything is read at once");
    let _ = n.process_events();
    assert_eq!(rec.len(), 41);
    assert_eq!(names(&rec)[0], "a", "kernel order is kept");
}

#[test]
fn read_freq_batches_events() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let rec = Recorder::new();
    let read_freq = Duration::from_millis(500);
    let mut n = Notifier::new(wm, rec.clone()).unwrap().with_read_freq(read_freq);
    let (started_tx, started_rx) = mpsc::channel();
    let dir = t.w.clone();
    let producer = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        let first = Instant::now();
        for name in ["a", "b", "c"] {
            fs::write(dir.join(name), b"").unwrap();
            std::thread::sleep(Duration::from_millis(20)); // spreads the events; not a synchronisation
        }
        first
    });
    let mut started_tx = Some(started_tx);
    let mut sizes = Vec::new();
    let watchdog = Watchdog::new(n.stop_handle());
    n.run_with(|_| {
        if let Some(tx) = started_tx.take() {
            tx.send(()).unwrap();
        }
        sizes.push(rec.len());
        if rec.len() >= 3 { Flow::Stop } else { Flow::Continue }
    })
    .unwrap();
    let delivered = Instant::now();
    assert!(!watchdog.fired(), "run_with did not end by itself");
    let first = producer.join().unwrap();
    assert_eq!(sizes.iter().find(|&&s| s > 0), Some(&3), "one batch holds all three: {sizes:?}");
    assert!(delivered - first >= read_freq / 2, "read after {:?}, read_freq {read_freq:?}", delivered - first);
}

#[test]
fn stop_ends_a_read_freq_wait_at_once() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let rec = Recorder::new();
    let mut n = Notifier::new(wm, rec.clone()).unwrap().with_read_freq(Duration::from_secs(60));
    t.touch(&["a"]);
    let start = Instant::now();
    let watchdog = Watchdog::with_deadline(n.stop_handle(), Duration::from_millis(200));
    n.run().unwrap();
    assert!(watchdog.fired());
    assert!(start.elapsed() < DEADLINE, "run took {:?}", start.elapsed());
    assert!(rec.is_empty(), "stopped before the read");
}

#[test]
fn stop_from_another_thread_ends_run() {
    let (_wm, mut n, _rec) = notifier();
    let stop = n.stop_handle();
    let (tx, rx) = mpsc::channel::<()>();
    let stopper = std::thread::spawn(move || {
        rx.recv().unwrap();
        let at = Instant::now();
        stop.stop();
        at
    });
    let mut tx = Some(tx);
    let watchdog = Watchdog::new(n.stop_handle());
    n.run_with(|_| {
        if let Some(tx) = tx.take() {
            tx.send(()).unwrap(); // the loop runs: now stop it from the other thread
        }
        Flow::Continue
    })
    .unwrap();
    let returned = Instant::now();
    assert!(!watchdog.fired(), "stop() from another thread did not end run()");
    let stopped_at = stopper.join().unwrap();
    assert!(returned - stopped_at < Duration::from_secs(2), "run returned {:?} after stop()", returned - stopped_at);
}

#[test]
fn stop_handle_is_idempotent_and_resettable() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let stop = n.stop_handle();
    assert!(!stop.is_stopped());
    stop.stop();
    stop.clone().stop();
    assert!(stop.is_stopped());
    n.run().unwrap(); // returns after its first pass
    stop.reset();
    assert!(!stop.is_stopped());
    t.touch(&["after-reset"]);
    let mut seen = false;
    n.run_with(|_| {
        seen = rec.len() == 1;
        if seen { Flow::Stop } else { Flow::Continue }
    })
    .unwrap();
    assert!(seen);
}

#[test]
fn callback_runs_before_any_event_and_can_stop_the_loop() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    t.touch(&["pending"]);
    let mut calls = 0;
    n.run_with(|n| {
        calls += 1;
        assert!(n.watch_manager().get_wd(&t.w).is_some());
        Flow::Stop
    })
    .unwrap();
    assert_eq!(calls, 1);
    assert!(rec.is_empty(), "the first pass comes before any read");
}

#[test]
fn handler_stop_leaves_the_rest_queued() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let rec = Recorder::new();
    let handler = recording_until(&rec, "b");
    let mut n = Notifier::new(wm, handler).unwrap();
    t.touch(&["a", "b", "c", "d"]);
    assert!(n.check_events(Some(DEADLINE)).unwrap());
    assert!(n.read_events().unwrap() > 0);
    assert_eq!(n.process_events(), Flow::Stop);
    assert_eq!(names(&rec), ["a", "b"]);
    assert_eq!(n.queued(), 2);
    assert_eq!(n.process_events(), Flow::Continue);
    assert_eq!(names(&rec), ["a", "b", "c", "d"]);
    assert_eq!(n.queued(), 0);
}

#[test]
fn run_returns_when_a_handler_stops_it() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let mut n = Notifier::new(wm, |e: &Event| if e.name() == "quit" { Flow::Stop } else { Flow::Continue }).unwrap();
    t.touch(&["one", "quit", "two"]);
    let watchdog = Watchdog::new(n.stop_handle());
    n.run().unwrap();
    assert!(!watchdog.fired());
    assert_eq!(n.queued(), 1, "\"two\" waits for the next pass");
}

#[test]
fn check_events_times_out_and_reports_readiness() {
    let t = Tree::new();
    let (wm, n, _rec) = notifier();
    let mut n = n.with_timeout(Some(Duration::from_millis(50)));
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let start = Instant::now();
    assert!(!n.check_events(None).unwrap(), "nothing happened: the default timeout expires");
    assert!(!n.check_events(Some(Duration::ZERO)).unwrap());
    assert!(start.elapsed() < DEADLINE);
    t.touch(&["x"]);
    assert!(n.check_events(None).unwrap());
    let bytes = n.read_events().unwrap();
    assert_eq!(bytes % 16, 0);
    assert!(bytes >= 32);
    assert_eq!(n.read_events().unwrap(), 0, "nothing left to read");
}

#[test]
fn coalesce_events_drops_repeats_within_a_pass() {
    fn modifies(coalesce: bool) -> usize {
        let t = Tree::new();
        t.touch(&["a", "b"]);
        let (wm, mut n, rec) = notifier();
        wm.add_watch(&t.w, Mask::IN_MODIFY).apply().unwrap();
        n.set_coalesce_events(coalesce);
        let open = |name| OpenOptions::new().append(true).open(t.p(name)).unwrap();
        let (mut a, mut b) = (open("a"), open("b"));
        for _ in 0..3 {
            a.write_all(b"x").unwrap();
            b.write_all(b"x").unwrap();
        }
        assert!(n.check_events(Some(DEADLINE)).unwrap());
        n.read_events().unwrap();
        let _ = n.process_events();
        let first_pass = rec.len();
        // A new pass starts with an empty set: the same event counts again.
        a.write_all(b"x").unwrap();
        assert!(n.check_events(Some(DEADLINE)).unwrap());
        n.read_events().unwrap();
        let _ = n.process_events();
        assert_eq!(rec.len(), first_pass + 1);
        first_pass
    }
    assert_eq!(modifies(false), 6, "interleaved writes are not merged by the kernel");
    assert_eq!(modifies(true), 2, "one per file with coalescing");
}

#[test]
fn coalescing_can_be_switched_off_again() {
    let t = Tree::new();
    t.touch(&["a", "b"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_MODIFY).apply().unwrap();
    n.set_coalesce_events(true);
    n.set_coalesce_events(false);
    let mut a = OpenOptions::new().append(true).open(t.p("a")).unwrap();
    let mut b = OpenOptions::new().append(true).open(t.p("b")).unwrap();
    for _ in 0..2 {
        a.write_all(b"x").unwrap();
        b.write_all(b"x").unwrap();
    }
    drain_until(&mut n, || rec.len() >= 4, DEADLINE);
    settle(&mut n);
    assert_eq!(rec.len(), 4);
}

#[test]
fn ignore_events_drops_events_while_set() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    assert!(!wm.ignore_events());
    wm.set_ignore_events(true);
    assert!(wm.ignore_events());
    t.touch(&["dropped"]);
    settle(&mut n);
    assert!(rec.is_empty(), "{rec:?}");
    wm.set_ignore_events(false);
    t.touch(&["kept"]);
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("kept"));
    settle(&mut n);
    assert_eq!(names(&rec), ["kept"], "dropped events are not deferred");
}

#[test]
fn dropping_a_notifier_keeps_the_watch_manager() {
    let t = Tree::new();
    let (wm, n, _rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    drop(n);
    t.touch(&["while-no-notifier"]);
    let rec = Recorder::new();
    let mut n = Notifier::new(wm.clone(), rec.clone()).unwrap();
    wait_event(&mut n, &rec, Mask::IN_CREATE, t.p("while-no-notifier"));
    t.mkdirs(&["d"]);
    assert!(wm.add_watch(t.p("d"), Mask::IN_CREATE).quiet(false).apply().is_ok());
}

#[test]
fn threaded_notifier_start_stop_join() {
    let (t, wm) = watched_tree(Mask::IN_CREATE | Mask::IN_DELETE);
    let stats = Stats::new();
    let mut tn = ThreadedNotifier::new(wm, stats.clone()).unwrap();
    assert!(!tn.is_alive());
    tn.start().unwrap();
    assert!(tn.is_alive());
    t.touch(&["a", "b"]);
    fs::remove_file(t.p("a")).unwrap();
    eventually(|| stats.count("IN_DELETE") == 1);
    assert_eq!(stats.count("IN_CREATE"), 2);
    let start = Instant::now();
    tn.stop().unwrap();
    assert!(start.elapsed() < Duration::from_secs(2), "stop took {:?}", start.elapsed());
    assert!(!tn.is_alive());
    tn.stop().unwrap(); // a second stop is fine (pyinotify raised EBADF)
    tn.join().unwrap();
    assert_eq!(tn.handler().unwrap().count("IN_CREATE"), 2, "the handler is back once the thread ended");
}

#[test]
fn threaded_notifier_can_be_started_again() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let stats = Stats::new();
    let mut tn = ThreadedNotifier::new(wm, stats.clone()).unwrap();
    tn.start().unwrap();
    t.touch(&["first"]);
    eventually(|| stats.count("IN_CREATE") == 1);
    tn.stop().unwrap();
    t.touch(&["while-stopped"]);
    tn.start().unwrap();
    t.touch(&["second"]);
    eventually(|| stats.count("IN_CREATE") == 3);
    tn.stop().unwrap();
}

#[test]
fn threaded_notifier_ends_when_a_handler_stops_it() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let rec = Recorder::new();
    let handler = recording_until(&rec, "quit");
    let mut tn = ThreadedNotifier::new(wm, handler).unwrap();
    tn.start().unwrap();
    t.touch(&["quit"]);
    eventually(|| !tn.is_alive());
    tn.join().unwrap();
    assert_eq!(names(&rec), ["quit"]);
}

#[test]
fn threaded_notifier_runs_a_configured_notifier_and_stops_on_drop() {
    let (t, wm) = watched_tree(Mask::IN_CREATE);
    let stats = Stats::new();
    let n = Notifier::new(wm, stats.clone()).unwrap().with_timeout(Some(Duration::from_millis(100)));
    let mut tn = ThreadedNotifier::from_notifier(n).unwrap();
    let stop = tn.stop_handle();
    tn.start().unwrap();
    t.touch(&["x"]);
    eventually(|| stats.count("IN_CREATE") == 1);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        drop(tn); // stops and joins the thread
        tx.send(()).unwrap();
    });
    let dropped = rx.recv_timeout(DEADLINE);
    if dropped.is_err() {
        stop.stop();
        panic!("dropping a running ThreadedNotifier did not return");
    }
}

#[test]
fn ignore_events_keeps_watch_paths_true() {
    // Events are dropped while ignored, but the bookkeeping must still follow
    // renames and deletions, or later events carry stale paths.
    let t = Tree::new();
    t.mkdirs(&["a/b", "gone"]);
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE).rec(true).apply().unwrap();
    wm.set_ignore_events(true);
    fs::rename(t.p("a"), t.p("x")).unwrap();
    fs::remove_dir(t.p("gone")).unwrap();
    settle(&mut n);
    wm.set_ignore_events(false);
    t.touch(&["x/b/f"]);
    let events = crate::common::wait_for(&mut n, &rec, |evs| !evs.is_empty());
    assert_eq!(events[0].pathname(), t.p("x/b/f"));
    assert_eq!(wm.get_wd(t.p("gone")), None, "the deleted directory's watch is gone");
}

#[test]
fn timeout_makes_the_loop_pass_without_events() {
    let (_wm, n, _rec) = notifier();
    let mut n = n.with_timeout(Some(Duration::from_millis(20)));
    let mut calls = 0;
    let watchdog = Watchdog::new(n.stop_handle());
    n.run_with(|_| {
        calls += 1;
        if calls == 3 { Flow::Stop } else { Flow::Continue }
    })
    .unwrap();
    assert!(!watchdog.fired());
    assert_eq!(calls, 3);
}

#[test]
fn many_events_arrive_complete_and_in_order() {
    let t = Tree::new();
    let (wm, mut n, rec) = notifier();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_CLOSE_WRITE).apply().unwrap();
    let files: Vec<String> = (0..5000).map(|i| format!("file-{i:05}-with-a-longer-name")).collect();
    for f in &files {
        fs::write(t.p(f), b"").unwrap();
    }
    drain_until(&mut n, || rec.len() >= 2 * files.len(), DEADLINE);
    settle(&mut n);
    let got = rec.events();
    assert_eq!(got.len(), 2 * files.len());
    for (pair, f) in got.chunks(2).zip(&files) {
        assert_eq!((pair[0].mask(), pair[0].name().to_str()), (Mask::IN_CREATE, Some(f.as_str())));
        assert_eq!((pair[1].mask(), pair[1].name().to_str()), (Mask::IN_CLOSE_WRITE, Some(f.as_str())));
    }
}

#[test]
fn a_handler_can_add_watches_while_the_notifier_runs() {
    let t = Tree::new();
    t.mkdirs(&["late"]);
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let rec = Recorder::new();
    let (wm2, late, mut inner) = (wm.clone(), t.p("late"), rec.clone());
    let handler = move |e: &Event| {
        if e.name() == "go" {
            wm2.add_watch(&late, Mask::IN_CREATE).quiet(false).apply().unwrap();
        }
        inner.handle(e)
    };
    let mut tn = ThreadedNotifier::new(wm.clone(), handler).unwrap();
    tn.start().unwrap();
    t.touch(&["go"]);
    eventually(|| wm.get_wd(t.p("late")).is_some());
    t.touch(&["late/f"]);
    eventually(|| rec.has(Mask::IN_CREATE, t.p("late/f")));
    tn.stop().unwrap();
}
