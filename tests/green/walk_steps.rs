//! Walks in bounded steps on the async core: a 5,000-directory tree (5,051
//! directories) moved into a recursive auto_add watch is watched and reported
//! whole, while a 2 ms timer task on the same thread keeps its turns. The timer's
//! longest gap is printed (run with `--nocapture`; the figure to publish comes
//! from a release build: `cargo test --release --test green walk_steps:: -- --nocapture`);
//! speed targets are not asserted in tests.

use std::cell::Cell;
use std::fs;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future;
use greenwatch::{AsyncNotifier, Mask, WatchManager};
use smol::LocalExecutor;

use crate::async_common::{Recorder, within};

const TOP: usize = 50;
const PER: usize = 100;
const TICK: Duration = Duration::from_millis(2);

#[test]
fn a_moved_in_tree_is_walked_in_steps_while_a_timer_keeps_ticking() {
    let tmp = tempfile::tempdir().unwrap();
    let top = fs::canonicalize(tmp.path()).unwrap();
    let (w, staged) = (top.join("w"), top.join("m"));
    fs::create_dir(&w).unwrap();
    for i in 0..TOP {
        for j in 0..PER {
            fs::create_dir_all(staged.join(format!("d{i}")).join(format!("e{j}"))).unwrap();
        }
    }
    let dirs = 1 + TOP + TOP * PER;
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&w, Mask::IN_CREATE | Mask::IN_MOVED_TO).rec(true).auto_add(true).apply().unwrap();
    let rec = Recorder::new();
    let ex = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm.clone(), rec.clone()).unwrap().with_executor(&ex);
    let handle = notifier.handle();
    let longest = Rc::new(Cell::new(Duration::ZERO));
    let done = Rc::new(Cell::new(false));
    let (l, d) = (longest.clone(), done.clone());
    let timer = async move {
        let mut last = Instant::now();
        while !d.get() {
            async_io::Timer::after(TICK).await;
            let now = Instant::now();
            l.set(l.get().max(now - last));
            last = now;
        }
    };
    let body = async {
        async_io::Timer::after(Duration::from_millis(20)).await; // the timer has started
        longest.set(Duration::ZERO);
        fs::rename(&staged, w.join("m")).unwrap();
        let end = Instant::now() + Duration::from_secs(60);
        while wm.len() < dirs + 1 {
            assert!(Instant::now() < end, "{} of {} directories watched after 60 s", wm.len() - 1, dirs);
            async_io::Timer::after(Duration::from_millis(5)).await;
        }
        handle.settle().await.unwrap();
        done.set(true);
        handle.stop();
    };
    let (run, ((), ())) =
        smol::block_on(within(Duration::from_secs(120), ex.run(future::zip(notifier.run(), future::zip(body, timer)))));
    run.unwrap();
    assert_eq!(wm.len(), dirs + 1, "every directory watched");
    let creates = rec.names(Mask::IN_CREATE);
    assert_eq!(creates.len(), dirs - 1, "each directory below the moved one reported once");
    eprintln!(
        "{dirs} directories moved in: the {TICK:?} timer's longest gap was {:.1} ms",
        longest.get().as_secs_f64() * 1000.0
    );
}
