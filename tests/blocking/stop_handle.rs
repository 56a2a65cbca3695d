//! `StopHandle` made before the notifier, shared by several, and used by a
//! handler to sleep until a stop (`wait_timeout`), on a real kernel.

use std::fs;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use greenwatch::{Event, Mask, Notifier, ProcessEvent, StopHandle, WatchManager};

use crate::common::{DEADLINE, Tree};

/// Far longer than any test may take: a wait that long must be cut short by a stop.
const HOUR: Duration = Duration::from_secs(3600);

/// Runs `notifier` on a thread; the receiver gets `run`'s result.
fn spawn_run<H: ProcessEvent + Send + 'static>(mut notifier: Notifier<H>) -> mpsc::Receiver<greenwatch::Result<()>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(notifier.run()).unwrap());
    rx
}

#[track_caller]
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let end = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < end, "{what} not within {DEADLINE:?}");
        thread::yield_now();
    }
}

#[test]
fn new_and_default_are_not_stopped_and_reset_clears_a_stop() {
    let stop = StopHandle::new();
    assert!(!stop.is_stopped());
    assert!(!StopHandle::default().is_stopped());
    stop.stop();
    stop.stop();
    assert!(stop.is_stopped(), "idempotent");
    stop.reset();
    assert!(!stop.is_stopped());
}

#[test]
fn wait_timeout_lasts_its_timeout_when_nobody_stops() {
    let stop = StopHandle::new();
    let started = Instant::now();
    assert!(!stop.wait_timeout(Duration::from_millis(30)));
    assert!(started.elapsed() >= Duration::from_millis(30), "returned early: {:?}", started.elapsed());
}

#[test]
fn wait_timeout_returns_at_once_on_a_stop_from_another_thread() {
    let stop = StopHandle::new();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let sleeper = stop.clone();
    thread::spawn(move || {
        entered_tx.send(()).unwrap();
        done_tx.send(sleeper.wait_timeout(HOUR)).unwrap();
    });
    entered_rx.recv_timeout(DEADLINE).unwrap();
    stop.stop();
    assert_eq!(done_rx.recv_timeout(DEADLINE), Ok(true), "a stop ends the wait early");
    assert!(stop.wait_timeout(HOUR), "returns at once once stopped");
}

#[test]
fn a_handle_made_before_the_notifier_stops_its_loop() {
    let stop = StopHandle::new();
    stop.stop(); // before the notifier even exists
    let notifier = Notifier::new(WatchManager::new().unwrap(), |_: &Event| ()).unwrap();
    let done = spawn_run(notifier.with_stop_handle(stop.clone()).unwrap());
    assert!(done.recv_timeout(DEADLINE).unwrap().is_ok());

    stop.reset();
    let notifier = Notifier::new(WatchManager::new().unwrap(), |_: &Event| ()).unwrap();
    let mut notifier = notifier.with_stop_handle(stop.clone()).unwrap();
    assert!(!notifier.check_events(Some(Duration::from_millis(1))).unwrap());
    let done = spawn_run(notifier);
    stop.stop();
    assert!(done.recv_timeout(DEADLINE).unwrap().is_ok());
}

#[test]
fn one_handle_stops_several_waiting_notifiers() {
    let stop = StopHandle::new();
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let notifier = Notifier::new(WatchManager::new().unwrap(), |_: &Event| ()).unwrap();
            spawn_run(notifier.with_stop_handle(stop.clone()).unwrap())
        })
        .collect();
    stop.stop();
    for done in runs {
        assert!(done.recv_timeout(DEADLINE).unwrap().is_ok(), "every notifier sharing the handle ends");
    }
}

/// pyinotify's `time.sleep(n)` in a handler, made interruptible: the handler holds
/// a clone of a handle made before the notifier, and a stop wakes it at once.
#[test]
fn a_handler_sleeping_in_wait_timeout_is_woken_by_the_stop() {
    let t = Tree::new();
    let stop = StopHandle::new();
    let sleeping = Arc::new(AtomicBool::new(false));
    let (woken_tx, woken_rx) = mpsc::channel();
    let handler = {
        let (stop, sleeping) = (stop.clone(), sleeping.clone());
        move |_: &Event| {
            sleeping.store(true, Ordering::SeqCst);
            woken_tx.send(stop.wait_timeout(HOUR)).unwrap();
        }
    };
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let done = spawn_run(Notifier::new(wm, handler).unwrap().with_stop_handle(stop.clone()).unwrap());
    fs::write(t.p("a"), "").unwrap();
    wait_until("the handler's sleep", || sleeping.load(Ordering::SeqCst));
    stop.stop();
    assert_eq!(woken_rx.recv_timeout(DEADLINE), Ok(true), "the handler's sleep ended by the stop");
    assert!(done.recv_timeout(DEADLINE).unwrap().is_ok(), "then the loop ends");
}
