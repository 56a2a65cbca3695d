//! Dispatch on real kernel events: pyinotify's method-per-event lookup with its
//! family fallbacks, per-watch handlers, chaining, `Stats` and `PrintAllEvents`.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use greenwatch::{
    ChainIfTrue, Chained, Event, Flow, Mask, Notifier, PrintAllEvents, ProcessEvent, Stats, WatchManager,
};

use crate::common::queue_limit;
use crate::common::{DEADLINE, Recorder, Tree, Watchdog, drain_until, settle};

/// What a probe saw: (method that ran, maskname).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(&'static str, String)>>>);

impl Log {
    /// Logs every event but `IN_MODIFY` (the flood that fills the queue in the overflow tests).
    fn push(&self, method: &'static str, e: &Event) {
        if e.mask() != Mask::IN_MODIFY {
            self.0.lock().unwrap().push((method, e.maskname().into_owned()));
        }
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn entries(&self) -> Vec<(&'static str, String)> {
        self.0.lock().unwrap().clone()
    }
}

/// A handler overriding only the listed methods (plus `process_default`), each
/// logging its own name: what it does not override falls back as the library decides.
macro_rules! probe {
    ($name:ident { $($method:ident),* }) => {
        #[derive(Clone, Default)]
        struct $name(Log);
        impl ProcessEvent for $name {
            $(fn $method(&mut self, e: &Event) -> Flow {
                self.0.push(stringify!($method), e);
                Flow::Continue
            })*
            fn process_default(&mut self, e: &Event) -> Flow {
                self.0.push("process_default", e);
                Flow::Continue
            }
        }
    };
}

probe!(DefaultOnly {});
probe!(CloseSpecific { process_in_close_write, process_in_close_nowrite, process_in_close });
probe!(CloseFamily { process_in_close });
probe!(MovedSpecific { process_in_moved_from, process_in_moved_to, process_in_moved });
probe!(MovedFamily { process_in_moved });
probe!(MoveSelfSpecific { process_in_move_self, process_in_move });
probe!(MoveFamily { process_in_move });
probe!(DeleteSelfSpecific { process_in_delete_self, process_in_delete, process_in_ignored });
probe!(DeleteFamily { process_in_delete });
probe!(OverflowSpecific { process_in_q_overflow, process_in_q });
probe!(OverflowFamily { process_in_q });
probe!(CreateOnly { process_in_create });

fn owned(entries: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    entries.iter().map(|(m, n)| (*m, (*n).to_owned())).collect()
}

/// Runs `action` under a watch of `target` with `mask`, dispatching to `probe`
/// until `expected` entries were logged, then until the queue is quiet.
fn drive<P: ProcessEvent>(
    probe: P,
    log: &Log,
    target: &Path,
    mask: Mask,
    expected: usize,
    action: impl FnOnce(),
) -> Vec<(&'static str, String)> {
    let wm = WatchManager::new().unwrap();
    wm.add_watch(target, mask).quiet(false).apply().unwrap();
    let mut n = Notifier::new(wm, probe).unwrap();
    action();
    drain_until(&mut n, || log.len() >= expected, DEADLINE);
    settle(&mut n);
    log.entries()
}

fn close_events<P: ProcessEvent>(probe: P, log: &Log) -> Vec<(&'static str, String)> {
    let t = Tree::new();
    t.touch(&["f"]);
    drive(probe, log, &t.w, Mask::IN_CLOSE, 2, || {
        fs::write(t.p("f"), b"x").unwrap();
        fs::read(t.p("f")).unwrap();
    })
}

#[test]
fn close_write_and_nowrite_reach_their_own_methods() {
    let p = CloseSpecific::default();
    let got = close_events(p.clone(), &p.0);
    let want = [("process_in_close_write", "IN_CLOSE_WRITE"), ("process_in_close_nowrite", "IN_CLOSE_NOWRITE")];
    assert_eq!(got, owned(&want));
}

#[test]
fn close_write_and_nowrite_fall_back_to_process_in_close() {
    let p = CloseFamily::default();
    let got = close_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_in_close", "IN_CLOSE_WRITE"), ("process_in_close", "IN_CLOSE_NOWRITE")]));
}

#[test]
fn close_events_fall_back_to_process_default() {
    let p = DefaultOnly::default();
    let got = close_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_default", "IN_CLOSE_WRITE"), ("process_default", "IN_CLOSE_NOWRITE")]));
}

fn moved_events<P: ProcessEvent>(probe: P, log: &Log) -> Vec<(&'static str, String)> {
    let t = Tree::new();
    t.touch(&["f"]);
    drive(probe, log, &t.w, Mask::IN_MOVE, 2, || fs::rename(t.p("f"), t.p("g")).unwrap())
}

#[test]
fn moved_from_and_to_reach_their_own_methods() {
    let p = MovedSpecific::default();
    let got = moved_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_in_moved_from", "IN_MOVED_FROM"), ("process_in_moved_to", "IN_MOVED_TO")]));
}

#[test]
fn moved_from_and_to_fall_back_to_process_in_moved() {
    let p = MovedFamily::default();
    let got = moved_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_in_moved", "IN_MOVED_FROM"), ("process_in_moved", "IN_MOVED_TO")]));
}

#[test]
fn moved_events_fall_back_to_process_default() {
    let p = DefaultOnly::default();
    let got = moved_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_default", "IN_MOVED_FROM"), ("process_default", "IN_MOVED_TO")]));
}

fn move_self_events<P: ProcessEvent>(probe: P, log: &Log) -> Vec<(&'static str, String)> {
    let t = Tree::new();
    t.mkdirs(&["d"]);
    drive(probe, log, &t.p("d"), Mask::IN_MOVE_SELF, 1, || fs::rename(t.p("d"), t.p("e")).unwrap())
}

#[test]
fn move_self_reaches_its_own_method() {
    let p = MoveSelfSpecific::default();
    assert_eq!(move_self_events(p.clone(), &p.0), owned(&[("process_in_move_self", "IN_MOVE_SELF")]));
}

#[test]
fn move_self_falls_back_to_process_in_move() {
    let p = MoveFamily::default();
    assert_eq!(move_self_events(p.clone(), &p.0), owned(&[("process_in_move", "IN_MOVE_SELF")]));
}

#[test]
fn move_self_falls_back_to_process_default() {
    let p = DefaultOnly::default();
    assert_eq!(move_self_events(p.clone(), &p.0), owned(&[("process_default", "IN_MOVE_SELF")]));
}

/// Watches a file for `IN_DELETE_SELF` and unlinks it: `IN_DELETE_SELF`, then
/// the `IN_IGNORED` that every watch gets when its item goes away.
fn delete_self_events<P: ProcessEvent>(probe: P, log: &Log) -> Vec<(&'static str, String)> {
    let t = Tree::new();
    t.touch(&["f"]);
    drive(probe, log, &t.p("f"), Mask::IN_DELETE_SELF, 2, || fs::remove_file(t.p("f")).unwrap())
}

#[test]
fn delete_self_and_ignored_reach_their_own_methods() {
    let p = DeleteSelfSpecific::default();
    let got = delete_self_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_in_delete_self", "IN_DELETE_SELF"), ("process_in_ignored", "IN_IGNORED")]));
}

#[test]
fn delete_self_falls_back_to_process_in_delete_and_ignored_to_default() {
    let p = DeleteFamily::default();
    let got = delete_self_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_in_delete", "IN_DELETE_SELF"), ("process_default", "IN_IGNORED")]));
}

#[test]
fn delete_self_and_ignored_fall_back_to_process_default() {
    let p = DefaultOnly::default();
    let got = delete_self_events(p.clone(), &p.0);
    assert_eq!(got, owned(&[("process_default", "IN_DELETE_SELF"), ("process_default", "IN_IGNORED")]));
}

#[test]
fn isdir_bit_does_not_change_the_method() {
    let t = Tree::new();
    let p = CreateOnly::default();
    let got = drive(p.clone(), &p.0, &t.w, Mask::IN_CREATE | Mask::IN_DELETE, 3, || {
        fs::create_dir(t.p("d")).unwrap();
        fs::write(t.p("f"), b"").unwrap();
        fs::remove_dir(t.p("d")).unwrap();
    });
    let want = [
        ("process_in_create", "IN_CREATE|IN_ISDIR"),
        ("process_in_create", "IN_CREATE"),
        ("process_default", "IN_DELETE|IN_ISDIR"),
    ];
    assert_eq!(got, owned(&want));
}

/// Draining a queue of a million events takes a few seconds in a debug build.
const OVERFLOW_DEADLINE: Duration = Duration::from_secs(60);

/// Fills the kernel queue of a watch on `dir` past `limit` with `IN_MODIFY`
/// events the kernel cannot merge (two files written in turn).
fn overflow_queue(dir: &Path, limit: u64) {
    // The sysctl may have changed since `limit` was read; fill up to the larger value.
    let limit = limit.max(greenwatch::limits::read("max_queued_events").unwrap());
    let mut a = File::create(dir.join("a")).unwrap();
    let mut b = File::create(dir.join("b")).unwrap();
    for _ in 0..limit / 2 + 10 {
        a.write_all(b"x").unwrap();
        b.write_all(b"x").unwrap();
    }
}

/// Counts `IN_MODIFY` events and keeps every other event: cheap enough for a
/// queue of a million events.
#[derive(Clone, Default)]
struct Flood {
    modify: Arc<AtomicUsize>,
    others: Recorder,
}

impl ProcessEvent for Flood {
    fn process_default(&mut self, e: &Event) -> Flow {
        if e.mask() == Mask::IN_MODIFY {
            self.modify.fetch_add(1, Ordering::Relaxed);
            Flow::Continue
        } else {
            self.others.process_default(e)
        }
    }
}

fn overflow_events<P: ProcessEvent>(probe: P, log: &Log) -> Option<Vec<(&'static str, String)>> {
    let limit = queue_limit()?;
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_MODIFY).apply().unwrap();
    let mut n = Notifier::new(wm, probe).unwrap();
    overflow_queue(&t.w, limit);
    drain_until(&mut n, || log.entries().iter().any(|(_, m)| m == "IN_Q_OVERFLOW"), OVERFLOW_DEADLINE);
    settle(&mut n);
    Some(log.entries())
}

#[test]
fn q_overflow_reaches_its_own_method() {
    let p = OverflowSpecific::default();
    if let Some(got) = overflow_events(p.clone(), &p.0) {
        assert_eq!(got, owned(&[("process_in_q_overflow", "IN_Q_OVERFLOW")]));
    }
}

#[test]
fn q_overflow_falls_back_to_process_in_q() {
    let p = OverflowFamily::default();
    if let Some(got) = overflow_events(p.clone(), &p.0) {
        assert_eq!(got, owned(&[("process_in_q", "IN_Q_OVERFLOW")]));
    }
}

#[test]
fn q_overflow_falls_back_to_process_default() {
    let p = DefaultOnly::default();
    if let Some(got) = overflow_events(p.clone(), &p.0) {
        assert_eq!(got, owned(&[("process_default", "IN_Q_OVERFLOW")]));
    }
}

#[test]
fn overflow_event_has_wd_minus_one_and_no_path_and_the_notifier_goes_on() {
    let Some(limit) = queue_limit() else { return };
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_MODIFY | Mask::IN_CREATE).apply().unwrap();
    let flood = Flood::default();
    let mut n = Notifier::new(wm, flood.clone()).unwrap();
    overflow_queue(&t.w, limit);
    drain_until(&mut n, || flood.others.events().iter().any(Event::is_overflow), OVERFLOW_DEADLINE);
    settle(&mut n);
    let others = flood.others.take();
    let ov = others.iter().find(|e| e.is_overflow()).unwrap();
    assert_eq!(ov.wd(), -1);
    assert_eq!(ov.mask(), Mask::IN_Q_OVERFLOW);
    assert_eq!(ov.path(), Path::new(""));
    assert_eq!(ov.name(), "");
    assert_eq!(ov.to_string(), "<Event mask=0x4000 maskname=IN_Q_OVERFLOW >");
    assert_eq!(
        others.iter().filter(|e| e.is_overflow()).count(),
        1,
        "one overflow event: {}",
        crate::common::dump(&others)
    );
    assert!(flood.modify.load(Ordering::Relaxed) > 0);
    // Events after the overflow are delivered as usual.
    t.touch(&["after"]);
    drain_until(&mut n, || flood.others.has(Mask::IN_CREATE, t.p("after")), DEADLINE);
}

#[test]
fn watch_handler_gets_its_events_and_overflow_goes_to_the_default_handler() {
    let t = Tree::new();
    t.mkdirs(&["mine", "other"]);
    let limit = queue_limit();
    let wm = WatchManager::new().unwrap();
    let default = Flood::default();
    let own = Flood::default();
    let mut n = Notifier::new(wm.clone(), default.clone()).unwrap();
    wm.add_watch(t.p("mine"), Mask::IN_CREATE | Mask::IN_MODIFY).proc_fun(own.clone()).apply().unwrap();
    wm.add_watch(t.p("other"), Mask::IN_CREATE).apply().unwrap();
    t.touch(&["mine/f", "other/g"]);
    drain_until(&mut n, || default.others.has(Mask::IN_CREATE, t.p("other/g")), DEADLINE);
    drain_until(&mut n, || own.others.has(Mask::IN_CREATE, t.p("mine/f")), DEADLINE);
    assert!(own.others.events().iter().all(|e| e.path() == t.p("mine")), "{:?}", own.others);
    assert!(default.others.events().iter().all(|e| e.path() == t.p("other")), "{:?}", default.others);

    let Some(limit) = limit else { return };
    overflow_queue(&t.p("mine"), limit);
    drain_until(&mut n, || default.others.events().iter().any(Event::is_overflow), OVERFLOW_DEADLINE);
    assert!(!own.others.events().iter().any(Event::is_overflow), "the watch's own handler got the overflow");
    assert!(own.modify.load(Ordering::Relaxed) > 0);
    assert_eq!(default.modify.load(Ordering::Relaxed), 0);
}

#[test]
fn chain_if_true_lets_only_matching_real_events_through() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE).apply().unwrap();
    let rec = Recorder::new();
    let chain = Chained::new(ChainIfTrue::new(|e: &Event| e.name() == "app.pid"), rec.clone());
    let mut n = Notifier::new(wm, chain).unwrap();
    t.touch(&["other", "app.pid"]);
    fs::remove_file(t.p("app.pid")).unwrap();
    fs::remove_file(t.p("other")).unwrap();
    drain_until(&mut n, || rec.len() >= 2, DEADLINE);
    settle(&mut n);
    let got = crate::common::lines(&rec.events(), &t.w);
    assert_eq!(got, ["IN_CREATE app.pid", "IN_DELETE app.pid"]);
}

#[test]
fn chained_pevent_sees_every_event_and_can_break_or_stop() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap();
    let first = Recorder::new();
    let outer = Recorder::new();
    let mut seen = first.clone();
    let pevent = move |e: &Event| {
        let _ = seen.handle(e);
        match e.name().to_str() {
            Some("skip") => Flow::Break,
            Some("stop") => Flow::Stop,
            _ => Flow::Continue,
        }
    };
    let mut n = Notifier::new(wm, Chained::new(pevent, outer.clone())).unwrap();
    t.touch(&["a", "skip", "b", "stop", "c"]);
    // run() returns at the Flow::Stop passed up the chain; "c" stays queued.
    let watchdog = Watchdog::new(n.stop_handle());
    n.run().unwrap();
    assert!(!watchdog.fired(), "run() did not return by itself");
    let names = |r: &Recorder| r.events().iter().map(|e| e.name().to_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&first), ["a", "skip", "b", "stop"]);
    assert_eq!(names(&outer), ["a", "b"]);
    assert_eq!(n.queued(), 1, "the event after the stop stays queued");
    let _ = n.process_events();
    assert_eq!(names(&outer), ["a", "b", "c"]);
}

#[test]
fn stats_count_real_events_per_name() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&t.w, Mask::IN_CREATE | Mask::IN_DELETE).apply().unwrap();
    let stats = Stats::new();
    let mut n = Notifier::new(wm, stats.clone()).unwrap();
    fs::create_dir(t.p("d")).unwrap();
    t.touch(&["f", "g"]);
    fs::remove_file(t.p("f")).unwrap();
    drain_until(&mut n, || stats.count("IN_DELETE") == 1, DEADLINE);
    settle(&mut n);
    assert_eq!(stats.count("IN_CREATE"), 3);
    assert_eq!(stats.count("IN_ISDIR"), 1);
    assert_eq!(stats.count("IN_DELETE"), 1);
    assert_eq!(stats.counts().len(), 3);
    let repr = stats.repr();
    assert!(repr.starts_with("<Stats ElapsedTime="), "{repr}");
    assert!(repr.ends_with(" IN_CREATE=3 IN_DELETE=1 IN_ISDIR=1 >"), "{repr}");
    let chart = stats.to_string();
    let lines: Vec<_> = chart.lines().collect();
    assert_eq!(lines.len(), 3, "{chart}");
    assert_eq!(lines[0], format!("{:<26}{} 3", "IN_CREATE", "@".repeat(45)));
    assert_eq!(lines[1], format!("{:<26}{} 1", "IN_DELETE", "@".repeat(15)));
}

/// A writer whose bytes stay readable while the notifier owns a clone.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn print_all_events_prints_pyinotify_lines_for_real_events() {
    let t = Tree::new();
    let wm = WatchManager::new().unwrap();
    let wd = wm.add_watch(&t.w, Mask::IN_CREATE).apply().unwrap().wd(&t.w).unwrap();
    let buf = SharedBuf::default();
    let mut n = Notifier::new(wm, PrintAllEvents::with_writer(buf.clone())).unwrap();
    t.touch(&["f"]);
    drain_until(&mut n, || !buf.0.lock().unwrap().is_empty(), DEADLINE);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let w = t.w.display();
    assert_eq!(
        text,
        format!("<Event dir=False mask=0x100 maskname=IN_CREATE name=f path={w} pathname={w}/f wd={wd} >\n")
    );
}
