//! 1,000 watches, each with its own dispatch task, all on the test's one
//! thread. The only test of this binary, so the process's thread count is ours.

#[path = "../util/async_common.rs"]
mod async_common;

use std::time::{Duration, Instant};

use async_common::{Recorder, deadline, threads};
use futures_lite::future;
use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};

/// Waits on a timer before recording: 1,000 such calls one after the other
/// would take 100 s.
#[derive(Clone, Default)]
struct Napper(Recorder);

impl AsyncProcessEvent for Napper {
    async fn process_default(&self, event: Event) -> HandlerResult {
        async_io::Timer::after(Duration::from_millis(100)).await;
        self.0.push(event);
        Ok(())
    }
}

#[test]
fn a_thousand_watches_each_get_a_task_on_one_thread() -> Result<(), Box<dyn std::error::Error>> {
    const N: usize = 1000;
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let dirs: Vec<_> = (0..N).map(|i| root.path().join(format!("d{i:04}"))).collect();
    for d in &dirs {
        std::fs::create_dir(d)?;
        wm.add_watch(d, Mask::IN_CREATE).quiet(false).apply()?;
    }
    let handler = Napper::default();
    let notifier = AsyncNotifier::new(wm, handler.clone())?; // starts async-io's reactor
    let handle = notifier.handle();
    let before = threads();
    let start = Instant::now();
    let (run, checks) = smol::block_on(deadline(future::zip(notifier.run(), async {
        for d in &dirs {
            std::fs::write(d.join("x"), b"")?;
        }
        handle.settle().await?;
        let stats = handle.stats();
        handle.stop();
        Ok::<_, greenwatch::Error>((stats, threads()))
    })));
    run?;
    let (stats, during) = checks?;
    assert_eq!(handler.0.len(), N);
    // A watch's task ends once its handler returns, so how many ran at once
    // depends on how fast the files were made; the time taken shows they overlapped.
    assert!(stats.lanes_high_water > 1, "tasks ran side by side: {stats:?}");
    assert_eq!(stats.lanes, 0, "every task ended once idle");
    assert_eq!(during, before, "no thread was started");
    assert_eq!(threads(), before);
    println!("1,000 napping handlers on one thread: {:?}", start.elapsed());
    assert!(start.elapsed() < Duration::from_secs(5), "the handlers did not overlap: {:?}", start.elapsed());
    Ok(())
}
