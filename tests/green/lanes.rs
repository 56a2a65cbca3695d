//! Lanes: a watch's task ends once it has nothing to do (its watch still
//! there, or removed) and the next events start a new one, in order; a full
//! lane holds back only its own watch, whose events wait while the other
//! watches' events of the same read go on. Each test runs on the notifier's
//! own executor, a `LocalExecutor`, and an `Executor` of two threads.

use std::path::Path;
use std::time::Duration;

use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, NotifierHandle, WatchManager};

use crate::async_common::{EXECS, Recorder, deadline, drive, touch_all};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Waits (with the default deadline) until `cond` holds, looking every millisecond.
async fn until(cond: impl Fn() -> bool) {
    deadline(async {
        while !cond() {
            async_io::Timer::after(Duration::from_millis(1)).await;
        }
    })
    .await;
}

/// Records each event after a 1 ms wait: every call goes on in its watch's task.
#[derive(Clone, Default)]
struct Waits(Recorder);

impl AsyncProcessEvent for Waits {
    async fn process_default(&self, event: Event) -> HandlerResult {
        async_io::Timer::after(Duration::from_millis(1)).await;
        self.0.push(event);
        Ok(())
    }
}

fn two_watches(root: &Path, wm: &WatchManager) -> TestResult {
    for d in ["a", "b"] {
        std::fs::create_dir(root.join(d))?;
        wm.add_watch(root.join(d), Mask::IN_CREATE).apply()?;
    }
    Ok(())
}

#[test]
fn idle_lane_tasks_end_and_the_next_events_start_new_ones_in_order() -> TestResult {
    for exec in EXECS {
        let root = tempfile::tempdir()?;
        let wm = WatchManager::new()?;
        two_watches(root.path(), &wm)?;
        let waits = Waits::default();
        let notifier = AsyncNotifier::new(wm.clone(), waits.clone())?;
        let handle = notifier.handle();
        let names = |p: &str, r: std::ops::Range<usize>| r.map(|i| format!("{p}{i:02}")).collect::<Vec<_>>();
        drive(exec, notifier, async {
            for round in 0..2 {
                touch_all(&root.path().join("a"), names("a", round * 10..round * 10 + 10));
                touch_all(&root.path().join("b"), names("b", round * 10..round * 10 + 10));
                handle.settle().await.expect("settled");
                until(|| handle.stats().lanes == 0).await;
            }
            // A removed watch's lane ends too.
            touch_all(&root.path().join("a"), names("c", 0..5));
            wm.rm_watch(wm.get_wd(root.path().join("a")).unwrap()).apply().expect("removed");
            handle.settle().await.expect("settled");
            until(|| handle.stats().lanes == 0).await;
            handle.stop();
        });
        assert!(handle.stats().lanes_high_water >= 1, "{exec:?}: tasks ran");
        assert_eq!(waits.0.names_in(&root.path().join("a"))[..20], names("a", 0..20), "{exec:?}");
        assert_eq!(waits.0.names_in(&root.path().join("b")), names("b", 0..20), "{exec:?}");
    }
    Ok(())
}

/// Watch `a`'s handler waits for the gate on its first event, `a1`; the others record at once.
#[derive(Clone)]
struct Gated {
    gate: async_channel::Receiver<()>,
    rec: Recorder,
}

impl AsyncProcessEvent for Gated {
    async fn process_default(&self, event: Event) -> HandlerResult {
        if event.name() == "a1" {
            let _ = self.gate.recv().await;
        }
        self.rec.push(event);
        Ok(())
    }
}

#[test]
fn a_full_lane_holds_back_only_its_own_watch() -> TestResult {
    for exec in EXECS {
        let root = tempfile::tempdir()?;
        let wm = WatchManager::new()?;
        two_watches(root.path(), &wm)?;
        // All in the kernel queue before the notifier reads: one read routes them.
        touch_all(&root.path().join("a"), ["a1", "a2", "a3"].map(String::from));
        touch_all(&root.path().join("b"), ["b1", "b2"].map(String::from));
        let (open, gate) = async_channel::bounded(1);
        let rec = Recorder::new();
        let gated = Gated { gate, rec: rec.clone() };
        let notifier = AsyncNotifier::new(wm, gated)?.with_queue_bound(1);
        let handle: NotifierHandle = notifier.handle();
        drive(exec, notifier, async {
            // `a`'s lane is full (a1 waits at the gate, a2 and a3 held back); `b`'s events go on.
            until(|| rec.names_in(&root.path().join("b")).len() == 2).await;
            assert!(rec.names_in(&root.path().join("a")).is_empty(), "{exec:?}: a1 is at the gate");
            open.close();
            handle.settle().await.expect("settled");
            handle.stop();
        });
        assert_eq!(rec.names_in(&root.path().join("a")), ["a1", "a2", "a3"], "{exec:?}");
        assert_eq!(rec.names_in(&root.path().join("b")), ["b1", "b2"], "{exec:?}");
    }
    Ok(())
}
