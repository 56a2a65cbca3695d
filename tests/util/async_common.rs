//! Shared helpers of the async kernel tests: deadlines, an event recorder, and
//! the process's thread count.
//!
//! Every wait here has a deadline; no test sleeps to synchronise with the kernel
//! (`settle()` does that).

#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use greenwatch::{AsyncProcessEvent, Event, HandlerResult, Mask};

/// How long any async wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Runs `fut`, failing the test if it takes longer than `limit`.
#[track_caller]
pub fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> impl Future<Output = T> {
    let caller = std::panic::Location::caller();
    futures_lite::future::or(fut, async move {
        async_io::Timer::after(limit).await;
        panic!("deadline of {limit:?} passed (waiting at {caller})");
    })
}

/// [`within`] the default [`DEADLINE`].
#[track_caller]
pub fn deadline<T>(fut: impl Future<Output = T>) -> impl Future<Output = T> {
    within(DEADLINE, fut)
}

/// The process's thread count, from `/proc/self/status`.
pub fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status.lines().find(|l| l.starts_with("Threads:")).expect("a Threads: line");
    line["Threads:".len()..].trim().parse().expect("a number")
}

/// An async handler that records every event it is given, in order.
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    pub fn events(&self) -> MutexGuard<'_, Vec<Event>> {
        self.events.lock().unwrap()
    }

    pub fn push(&self, event: Event) {
        self.events().push(event);
    }

    /// The names of the events with `mask` (ignoring `IN_ISDIR`), in order.
    pub fn names(&self, mask: Mask) -> Vec<String> {
        let events = self.events();
        let wanted = events.iter().filter(|e| e.mask() - Mask::IN_ISDIR == mask);
        wanted.map(|e| e.name().to_string_lossy().into_owned()).collect()
    }

    /// The names of the events whose path is `dir`, in order.
    pub fn names_in(&self, dir: &Path) -> Vec<String> {
        let events = self.events();
        let wanted = events.iter().filter(|e| e.path() == dir);
        wanted.map(|e| e.name().to_string_lossy().into_owned()).collect()
    }

    pub fn len(&self) -> usize {
        self.events().len()
    }
}

impl AsyncProcessEvent for Recorder {
    async fn process_default(&self, event: Event) -> HandlerResult {
        self.push(event);
        Ok(())
    }
}

/// Creates `names` as empty files in `dir`.
pub fn touch_all(dir: &Path, names: impl IntoIterator<Item = String>) {
    for name in names {
        std::fs::write(dir.join(name), b"").expect("create a file");
    }
}

/// An `Executor` run by `n` threads of its own until [`Workers::join`].
pub struct Workers {
    pub ex: Arc<async_executor::Executor<'static>>,
    quit: greenwatch::AsyncStopHandle,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Starts `n` threads running a fresh executor.
    pub fn start(n: usize) -> Workers {
        let ex = Arc::new(async_executor::Executor::new());
        let quit = greenwatch::AsyncStopHandle::new();
        let threads = (0..n)
            .map(|_| {
                let (ex, quit) = (ex.clone(), quit.clone());
                std::thread::spawn(move || smol::block_on(ex.run(quit.stopped())))
            })
            .collect();
        Workers { ex, quit, threads }
    }

    /// Stops the threads and waits for them.
    pub fn join(self) {
        self.quit.stop();
        self.threads.into_iter().for_each(|t| t.join().unwrap());
    }
}

/// Where a test runs the notifier's watch tasks.
#[derive(Clone, Copy, Debug)]
pub enum Exec {
    /// The notifier's own executor.
    Own,
    /// A `LocalExecutor` on the test's thread.
    Local,
    /// An `Executor` run by two worker threads.
    Threads,
}

/// Every [`Exec`], for tests that hold on each.
pub const EXECS: [Exec; 3] = [Exec::Own, Exec::Local, Exec::Threads];

/// Runs `notifier` on `exec` alongside `body`, which must stop it; returns
/// `body`'s output. Both run within [`DEADLINE`].
pub fn drive<T>(exec: Exec, notifier: greenwatch::AsyncNotifier, body: impl Future<Output = T>) -> T {
    use futures_lite::future;
    let (run, out) = match exec {
        Exec::Own => smol::block_on(deadline(future::zip(notifier.run(), body))),
        Exec::Local => {
            let ex = async_executor::LocalExecutor::new();
            let notifier = notifier.with_executor(&ex);
            smol::block_on(deadline(ex.run(future::zip(notifier.run(), body))))
        }
        Exec::Threads => {
            let workers = Workers::start(2);
            let out = smol::block_on(deadline(future::zip(notifier.with_executor(workers.ex.clone()).run(), body)));
            workers.join();
            out
        }
    };
    run.unwrap_or_else(|e| panic!("run failed on {exec:?}: {e}"));
    out
}

/// Runs `notifier` on its own executor beside `script` (which must stop it),
/// both within [`DEADLINE`]; `run`'s result and the script's output.
pub fn beside<T>(notifier: greenwatch::AsyncNotifier, script: impl Future<Output = T>) -> (greenwatch::Result<()>, T) {
    smol::block_on(deadline(futures_lite::future::zip(notifier.run(), script)))
}

/// Makes each of `names` a directory in `root` and watches it, alone, for `mask`.
pub fn watched_dirs<const N: usize>(
    wm: &greenwatch::WatchManager,
    root: &Path,
    names: [&str; N],
    mask: Mask,
) -> Result<[std::path::PathBuf; N], Box<dyn std::error::Error>> {
    let dirs = names.map(|name| root.join(name));
    for dir in &dirs {
        std::fs::create_dir(dir)?;
        wm.add_watch(dir, mask).apply()?;
    }
    Ok(dirs)
}
