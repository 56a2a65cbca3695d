//! The blocking notifiers' failure policy on a real kernel: a panicking handler
//! is contained and reported, the events after it are still delivered, and
//! `stop_on_handler_error` ends the loop with the rest kept queued.

use std::fs;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use greenwatch::{ErrorKind, Event, FailureCause, Mask, Notifier, ProcessEvent, ThreadedNotifier, WatchManager};

use crate::common::{DEADLINE, Tree};

type Log = Arc<Mutex<Vec<String>>>;

/// A handler that records names and panics on the one called `bad`.
fn fragile(seen: &Log) -> impl FnMut(&Event) + Send + 'static {
    let seen = seen.clone();
    move |ev: &Event| {
        let name = ev.name().to_string_lossy().into_owned();
        assert!(name != "bad", "cannot handle {name}");
        seen.lock().unwrap().push(name);
    }
}

/// A failure callback that records `name: message` of each failure.
fn recorder(failures: &Log) -> impl Fn(&greenwatch::HandlerFailure) + Send + Sync + 'static {
    let failures = failures.clone();
    move |f| {
        assert!(f.is_panic());
        let FailureCause::Panic(message) = f.failure_cause() else { unreachable!() };
        failures.lock().unwrap().push(format!("{}: {message}", f.event().name().to_string_lossy()));
    }
}

fn watched(t: &Tree) -> WatchManager {
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    wm
}

/// The manual loop until `seen` holds `n` names (within the deadline).
#[track_caller]
fn pump_until<H: ProcessEvent>(notifier: &mut Notifier<H>, seen: &Log, n: usize) {
    let end = Instant::now() + DEADLINE;
    while seen.lock().unwrap().len() < n {
        assert!(Instant::now() < end, "only {:?} within {DEADLINE:?}", seen.lock().unwrap());
        if notifier.check_events(Some(Duration::from_millis(20))).unwrap() {
            notifier.read_events().unwrap();
        }
        let _ = notifier.process_events();
    }
}

#[test]
fn a_panicking_handler_is_reported_and_the_events_after_it_still_arrive() {
    let t = Tree::new();
    let (seen, failures) = (Log::default(), Log::default());
    let mut n = Notifier::new(watched(&t), fragile(&seen)).unwrap().on_handler_error(recorder(&failures));
    for name in ["a", "bad", "c"] {
        fs::write(t.p(name), "").unwrap();
    }
    pump_until(&mut n, &seen, 2);
    assert_eq!(*seen.lock().unwrap(), ["a", "c"]);
    assert_eq!(*failures.lock().unwrap(), ["bad: cannot handle bad"]);
    fs::write(t.p("d"), "").unwrap();
    pump_until(&mut n, &seen, 3);
    assert_eq!(seen.lock().unwrap()[2], "d", "the same handler goes on");
}

#[test]
fn a_panicking_per_watch_handler_is_contained_too() {
    let t = Tree::new();
    let (seen, failures) = (Log::default(), Log::default());
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).proc_fun(fragile(&seen)).apply().unwrap();
    let mut n = Notifier::new(wm, |_: &Event| ()).unwrap().on_handler_error(recorder(&failures));
    fs::write(t.p("bad"), "").unwrap();
    fs::write(t.p("e"), "").unwrap();
    pump_until(&mut n, &seen, 1);
    assert_eq!(*seen.lock().unwrap(), ["e"]);
    assert_eq!(*failures.lock().unwrap(), ["bad: cannot handle bad"]);
}

#[test]
fn stop_on_handler_error_ends_run_with_the_failure_and_keeps_the_rest_queued() {
    let t = Tree::new();
    let (seen, failures) = (Log::default(), Log::default());
    let n = Notifier::new(watched(&t), fragile(&seen)).unwrap();
    let mut n = n.on_handler_error(recorder(&failures)).stop_on_handler_error(true);
    for name in ["a", "bad", "c"] {
        fs::write(t.p(name), "").unwrap(); // all three wait in the kernel: one read takes them
    }
    let err = n.run().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped);
    assert!(err.to_string().contains("cannot handle bad"), "{err}");
    assert_eq!(*seen.lock().unwrap(), ["a"]);
    assert_eq!(n.queued(), 1, "c waits for the next pass");
    assert_eq!(n.process_events(), greenwatch::Flow::Continue);
    assert_eq!(*seen.lock().unwrap(), ["a", "c"]);
    assert_eq!(failures.lock().unwrap().len(), 1, "reported once");
}

#[test]
fn a_threaded_notifier_survives_a_panicking_handler() {
    let t = Tree::new();
    let (seen, failures) = (Log::default(), Log::default());
    let n = Notifier::new(watched(&t), fragile(&seen)).unwrap().on_handler_error(recorder(&failures));
    let mut threaded = ThreadedNotifier::from_notifier(n).unwrap();
    threaded.start().unwrap();
    fs::write(t.p("bad"), "").unwrap();
    fs::write(t.p("f"), "").unwrap();
    let end = Instant::now() + DEADLINE;
    while seen.lock().unwrap().is_empty() {
        assert!(Instant::now() < end, "no event after the panic within {DEADLINE:?}");
        std::thread::yield_now();
    }
    assert!(threaded.is_alive());
    threaded.stop().unwrap();
    assert_eq!(*seen.lock().unwrap(), ["f"]);
    assert_eq!(*failures.lock().unwrap(), ["bad: cannot handle bad"]);
}
