//! The async notifier against the blocking one on the same burst: N files are
//! created while the notifier is not reading, then the time to drain the
//! kernel queue through the bookkeeping into a handler is measured.
//!
//! Usage: `cargo bench --bench async_vs_blocking [-- FILES [ROUNDS]]`
//!
//! N defaults to 20,000, lowered to 90 % of `fs.inotify.max_queued_events` so
//! that the kernel never overflows. Each scenario prints the median of the
//! rounds (the two taken in turn), in events per second, and the async/blocking
//! ratio. The files are made in the temporary directory: `TMPDIR=/dev/shm`
//! keeps a slow disk out of the setup.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use greenwatch::{AsyncNotifier, Event, Flow, Mask, Notifier, WatchManager};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// `dirs` watched directories under a fresh temporary directory.
fn setup(dirs: usize) -> BenchResult<(tempfile::TempDir, WatchManager, Vec<PathBuf>)> {
    let root = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    let paths: Vec<PathBuf> = (0..dirs).map(|i| root.path().join(format!("d{i:03}"))).collect();
    for dir in &paths {
        std::fs::create_dir(dir)?;
        wm.add_watch(dir, Mask::IN_CREATE).quiet(false).apply()?;
    }
    Ok((root, wm, paths))
}

/// The burst: `files` empty files spread over `dirs`, round robin.
fn burst(dirs: &[PathBuf], files: usize) -> BenchResult<()> {
    for i in 0..files {
        std::fs::File::create(dirs[i % dirs.len()].join(format!("f{i:06}")))?;
    }
    Ok(())
}

/// A counter that says stop at the `n`th event.
fn counter(n: usize) -> impl Fn() -> Flow + Clone + Send + Sync {
    let seen = Arc::new(AtomicUsize::new(0));
    move || if seen.fetch_add(1, Ordering::Relaxed) + 1 >= n { Flow::Stop } else { Flow::Continue }
}

fn blocking_round(dirs: usize, files: usize) -> BenchResult<Duration> {
    let (_root, wm, paths) = setup(dirs)?;
    let count = counter(files);
    let mut notifier = Notifier::new(wm, move |_: &Event| count())?;
    burst(&paths, files)?;
    let start = Instant::now();
    notifier.run()?;
    Ok(start.elapsed())
}

fn async_round(dirs: usize, files: usize) -> BenchResult<Duration> {
    let (_root, wm, paths) = setup(dirs)?;
    let count = counter(files);
    // The clone kept here closes the inotify instance after the clock stops, as in `blocking_round`.
    let notifier = AsyncNotifier::new(wm.clone(), move |_: Event| {
        let flow = count();
        async move { flow }
    })?;
    burst(&paths, files)?;
    let start = Instant::now();
    async_io::block_on(notifier.run())?;
    Ok(start.elapsed())
}

/// The median time of `times`, as events per second.
fn rate(times: &mut [Duration], files: usize) -> f64 {
    times.sort();
    files as f64 / times[times.len() / 2].as_secs_f64()
}

/// Blocking and async events per second over `rounds` rounds each, taken in
/// turn so that a change of load on the machine weighs on both alike.
fn rates(rounds: usize, dirs: usize, files: usize) -> BenchResult<(f64, f64)> {
    let (mut blocking, mut green) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        blocking.push(blocking_round(dirs, files)?);
        green.push(async_round(dirs, files)?);
    }
    Ok((rate(&mut blocking, files), rate(&mut green, files)))
}

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let limit = greenwatch::limits::read("max_queued_events")? as usize;
    let files = args.first().map_or(Ok(20_000), |a| a.parse())?.min(limit / 10 * 9);
    let rounds = args.get(1).map_or(Ok(5), |a| a.parse())?.max(1);
    println!("burst of {files} IN_CREATE events (max_queued_events {limit}), median of {rounds} rounds");
    println!("{:<12} {:>16} {:>16} {:>16}", "watches", "blocking ev/s", "async ev/s", "async/blocking");
    for dirs in [1, 100] {
        let (blocking, green) = rates(rounds, dirs, files)?;
        println!("{dirs:<12} {blocking:>16.0} {green:>16.0} {:>16.2}", green / blocking);
    }
    Ok(())
}
