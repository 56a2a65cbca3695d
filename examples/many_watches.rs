//! 1,000 watched directories, each with its own dispatch task, plus a writer
//! and a ticking timer — all cooperative on one thread (a smol `LocalExecutor`).
//!
//! Usage: `cargo run --example many_watches [SECONDS] [--watches N]`
//!
//! Every handler call awaits a 20 ms timer (standing in for network I/O), so
//! the calls overlap: the process keeps up with a thousand events a second on
//! one thread. Each second a line reports the events handled, the watch tasks
//! alive and the process's thread count. With `SECONDS` (or
//! `GREENWATCH_EXAMPLE_SECONDS`) it stops by itself after that long.

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::Timer;
use futures_lite::StreamExt;
use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, NotifierHandle, WatchManager};

/// Counts events, and how many handler calls are in progress at once.
#[derive(Clone, Default)]
struct Worker {
    handled: Arc<AtomicU64>,
    in_flight: Arc<AtomicU64>,
}

impl AsyncProcessEvent for Worker {
    async fn process_default(&self, _event: Event) -> HandlerResult {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Timer::after(Duration::from_millis(20)).await; // "upload" the event
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.handled.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// `[SECONDS] [--watches N]`.
fn parse_args() -> Result<(Option<Duration>, usize), Box<dyn Error>> {
    let (mut seconds, mut watches) = (std::env::var("GREENWATCH_EXAMPLE_SECONDS").ok(), 1000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--watches" => watches = args.next().ok_or("--watches needs a value")?.parse()?,
            "--seconds" => seconds = Some(args.next().ok_or("--seconds needs a value")?),
            _ => seconds = Some(arg),
        }
    }
    let seconds = seconds.map(|s| s.parse::<f64>().map(Duration::from_secs_f64)).transpose()?;
    Ok((seconds, watches))
}

/// The process's thread count, from `/proc/self/status`.
fn threads() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap_or("Threads: ?");
    line["Threads:".len()..].trim().to_owned()
}

/// Creates, then on the next lap removes, a file in each directory in turn: one
/// change every half millisecond.
async fn writer(dirs: Vec<PathBuf>) {
    let mut ticks = Timer::interval(Duration::from_micros(500));
    for lap in 0.. {
        for dir in &dirs {
            ticks.next().await;
            let file = dir.join("f");
            let _ = if lap % 2 == 0 { std::fs::write(file, b"") } else { std::fs::remove_file(file) };
        }
    }
}

/// Prints one status line a second, and stops the notifier after `run_time`.
async fn ticker(handle: NotifierHandle, worker: Worker, run_time: Option<Duration>) {
    let start = Instant::now();
    let mut ticks = Timer::interval(Duration::from_secs(1));
    for tick in 1.. {
        ticks.next().await;
        let stats = handle.stats();
        println!(
            "tick {tick}: {} events handled by {} watch tasks, {} calls in flight, {} threads",
            worker.handled.load(Ordering::Relaxed),
            stats.lanes,
            worker.in_flight.load(Ordering::Relaxed),
            threads(),
        );
        if run_time.is_some_and(|t| start.elapsed() >= t) {
            handle.stop();
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let (run_time, watches) = parse_args()?;
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let dirs: Vec<PathBuf> = (0..watches).map(|i| root.path().join(format!("d{i:04}"))).collect();
    for dir in &dirs {
        std::fs::create_dir(dir)?;
        wm.add_watch(dir, Mask::IN_CREATE | Mask::IN_DELETE).quiet(false).apply()?;
    }
    println!("Watching {watches} directories below {}", root.path().display());
    println!("Watches established.");

    let ex = LocalExecutor::new();
    let worker = Worker::default();
    let notifier = AsyncNotifier::new(wm, worker.clone())?.with_executor(&ex);
    let handle = notifier.handle();
    async_io::block_on(ex.run(async {
        ex.spawn(writer(dirs)).detach();
        ex.spawn(ticker(handle.clone(), worker.clone(), run_time)).detach();
        notifier.run().await
    }))?;
    let stats = handle.stats();
    println!(
        "Stopped: {} events handled, {} handler failures.",
        worker.handled.load(Ordering::Relaxed),
        stats.failures
    );
    Ok(())
}
