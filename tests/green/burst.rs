//! Bounded memory under bursts: a handler that falls behind makes the notifier
//! stop reading; the kernel queue absorbs the burst, and reports IN_Q_OVERFLOW
//! once past `fs.inotify.max_queued_events` (16384 by default).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_lite::future;
use greenwatch::{AsyncNotifier, AsyncProcessEvent, AsyncStopHandle, Event, HandlerResult, Mask, WatchManager};

use crate::async_common::within;
use crate::common::queue_limit;

/// Holds every call until the gate opens, then counts events and overflows.
#[derive(Clone, Default)]
struct Gated {
    gate: AsyncStopHandle,
    events: Arc<AtomicUsize>,
    overflows: Arc<AtomicUsize>,
}

impl AsyncProcessEvent for Gated {
    async fn process_default(&self, event: Event) -> HandlerResult {
        self.gate.stopped().await;
        future::yield_now().await; // and stays slow after
        let counter = if event.is_overflow() { &self.overflows } else { &self.events };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Runs a notifier with queue bound `bound` while another thread makes `files`
/// files (with `payload` in each), then opens the gate and
/// settles. Returns (events, overflows, queue high water).
fn burst(files: usize, payload: &'static [u8], mask: Mask, bound: usize) -> (usize, usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(dir.path(), mask).apply().unwrap();
    let handler = Gated::default();
    let notifier = AsyncNotifier::new(wm, handler.clone()).unwrap().with_queue_bound(bound);
    let handle = notifier.handle();
    let path: PathBuf = dir.path().into();
    let (done_tx, done_rx) = async_channel::bounded::<()>(1);
    let writer = std::thread::spawn(move || {
        for i in 0..files {
            std::fs::write(path.join(format!("f{i:05}")), payload).unwrap();
        }
        done_tx.send_blocking(()).unwrap();
    });
    let (run, checks) = smol::block_on(within(
        Duration::from_secs(120),
        future::zip(notifier.run(), async {
            done_rx.recv().await.unwrap();
            let high_water_while_gated = handle.stats().queue_high_water;
            handler.gate.stop(); // open the gate
            handle.settle().await.unwrap();
            let stats = handle.stats();
            handle.stop();
            (high_water_while_gated, stats.queue_high_water)
        }),
    ));
    run.unwrap();
    writer.join().unwrap();
    let (gated, high_water) = checks;
    let (events, overflows) = (handler.events.load(Ordering::Relaxed), handler.overflows.load(Ordering::Relaxed));
    eprintln!("{files} files: {events} events, {overflows} overflows, queue high water {high_water}");
    assert_eq!(gated, bound, "the queue filled up to its bound while the handler was held");
    (events, overflows, high_water)
}

#[test]
fn a_20k_create_burst_is_delivered_whole_or_reported_as_overflow() {
    let (events, overflows, high_water) = burst(20_000, b"", Mask::IN_CREATE, 1024);
    assert!(high_water <= 1024, "queue grew to {high_water}");
    // Whether the kernel overflowed depends on how much the notifier read before
    // its queue filled, and on fs.inotify.max_queued_events.
    assert!(events == 20_000 || overflows > 0, "{events} events and no overflow");
    assert!(events <= 20_000);
}

#[test]
fn a_100k_event_burst_waits_in_the_kernel_queue_not_in_the_process() {
    let mask = Mask::IN_CREATE | Mask::IN_OPEN | Mask::IN_MODIFY | Mask::IN_CLOSE_WRITE;
    let (events, overflows, high_water) = burst(25_000, b"x", mask, 256);
    assert!(high_water <= 256, "queue grew to {high_water}");
    assert!(events == 100_000 || overflows > 0, "{events} events and no overflow");
    assert!(events <= 100_000);
}

#[test]
fn a_kernel_overflow_reaches_the_default_handler_and_run_goes_on() {
    let Some(limit) = queue_limit() else { return };
    // Two files written in turn: IN_MODIFY events the kernel cannot merge.
    let writes = usize::try_from(limit).unwrap() + 20_000;
    let dir = tempfile::tempdir().unwrap();
    let wm = WatchManager::new().unwrap();
    wm.add_watch(dir.path(), Mask::IN_MODIFY).apply().unwrap();
    let handler = Gated::default();
    let notifier = AsyncNotifier::new(wm, handler.clone()).unwrap().with_queue_bound(64);
    let handle = notifier.handle();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (run, ()) = smol::block_on(within(
        Duration::from_secs(120),
        future::zip(notifier.run(), async {
            let mut files = [std::fs::File::create(&a).unwrap(), std::fs::File::create(&b).unwrap()];
            for i in 0..writes {
                std::io::Write::write_all(&mut files[i % 2], b"x").unwrap();
            }
            handler.gate.stop();
            handle.settle().await.unwrap();
            handle.stop();
        }),
    ));
    run.unwrap();
    assert!(handler.overflows.load(Ordering::Relaxed) >= 1, "no IN_Q_OVERFLOW");
    assert!(handler.events.load(Ordering::Relaxed) < writes);
    assert_eq!(handle.stats().overflows, handler.overflows.load(Ordering::Relaxed) as u64);
}
