//! Hands each file that rsync finishes transferring into a directory to a pool
//! of worker threads, which run a command on it.
//!
//! Ports pyinotify's `examples/rsync_processing_pool.py`. rsync writes a file
//! as a hidden temporary (`.name.XXXXXX`) and renames it to `name` once the
//! transfer is complete; the original's handler remembers the temporaries it
//! sees created (`IN_CREATE`) and, when one is renamed into place
//! (`IN_MOVED_TO`), gives the final path to a `multiprocessing.Pool` that copies
//! it to an output directory and logs the result. Here:
//!
//! - the handler is the same state machine, keyed by the final path (so equal
//!   names in two subdirectories do not mix), for names ending in `--suffix`
//!   (default `.raw`; the original's predicate is `'.raw' in name`);
//! - the pool is `--workers` threads (default 4) fed through a bounded channel
//!   of `--queue` jobs (default 16): when every worker is busy and the queue is
//!   full, the notifier waits, rather than the backlog growing without bound;
//! - each job runs the command given after `--` (default `true`) with the
//!   file's path appended as its last argument and the event in environment
//!   variables (`GREENWATCH_PATH`, `GREENWATCH_NAME`, `GREENWATCH_DIR`,
//!   `GREENWATCH_MASK`), never through a shell: a file name cannot inject
//!   anything. `-- cp -t OUT` does what the original's `process_rawfile` did;
//! - each result is printed as `done: PATH (exit status: 0)` or `failed: PATH: …`,
//!   the original's `processed_callback`. A failing job does not stop the others.
//!
//! When the run time is over, the notifier stops, the queue is closed, and the
//! program waits for the jobs already queued.
//!
//! Usage: `rsync_processing_pool [DIR] [--suffix S] [--workers N] [--queue N]
//! [--seconds N] [-- COMMAND [ARGS…]]`
//!
//! Try it: `rsync -a src/ DIR/` with some `*.raw` files in `src/`.

mod common;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};

use common::{Cli, WatchedDir, say_ready, stop_notifier_on_time_or_signal};

const USAGE: &str = "rsync_processing_pool [DIR] [--suffix S] [--workers N] [--queue N] [--seconds N] \
                     [-- COMMAND [ARGS...]]";

/// One file to process: what the command is given.
#[derive(Debug)]
struct Job {
    path: PathBuf,
    mask: String,
}

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    dir: Option<OsString>,
    suffix: OsString,
    workers: usize,
    queue: usize,
    command: CommandLine,
    run_time: Option<Duration>,
}

/// The command each job runs, before the file's path is appended.
#[derive(Debug)]
struct CommandLine {
    program: OsString,
    args: Vec<OsString>,
}

impl CommandLine {
    /// The words after `--`, or `true` when there are none.
    fn from_words(words: Vec<OsString>) -> CommandLine {
        let mut words = words.into_iter();
        match words.next() {
            Some(program) => CommandLine { program, args: words.collect() },
            None => CommandLine { program: "true".into(), args: Vec::new() },
        }
    }
}

/// rsync's temporary name `.NAME.XXXXXX` → `NAME`; `None` for other names.
fn final_name(temp_name: &OsStr) -> Option<&OsStr> {
    let rest = temp_name.as_bytes().strip_prefix(b".")?;
    let dot = rest.iter().rposition(|&b| b == b'.')?;
    (dot > 0).then(|| OsStr::from_bytes(&rest[..dot]))
}

/// Spots finished rsync transfers and queues them (the original's `RsyncNewFileHandler`).
#[derive(Debug)]
struct RsyncNewFile {
    suffix: OsString,
    /// Final path → temporary path, for transfers under way.
    transfers: HashMap<PathBuf, PathBuf>,
    jobs: SyncSender<Job>,
}

impl ProcessEvent for RsyncNewFile {
    /// A transfer starts: remember its temporary file. A new directory is
    /// watched already (`auto_add`) when its event arrives.
    fn process_in_create(&mut self, event: &Event) -> Flow {
        if event.is_dir() {
            println!("new directory: {}", event.pathname().display());
            return Flow::Continue;
        }
        if let Some(name) = final_name(event.name())
            && name.as_bytes().ends_with(self.suffix.as_bytes())
        {
            self.transfers.insert(event.path().join(name), event.pathname().into_owned());
        }
        Flow::Continue
    }

    /// A transfer ends: its temporary is renamed into place. Blocks while the queue is full.
    fn process_in_moved_to(&mut self, event: &Event) -> Flow {
        let path = event.pathname().into_owned();
        if self.transfers.remove(&path).is_none() {
            return Flow::Continue;
        }
        println!("queued: {}", path.display());
        let job = Job { path, mask: event.maskname().into_owned() };
        if self.jobs.send(job).is_err() {
            eprintln!("error: every worker has ended; stopping");
            return Flow::Stop;
        }
        Flow::Continue
    }
}

/// Runs `command` on one file, without a shell; the line to print.
fn process(command: &CommandLine, job: &Job) -> String {
    let name = job.path.file_name().unwrap_or_default();
    let dir = job.path.parent().unwrap_or(Path::new("/"));
    let status = Command::new(&command.program)
        .args(&command.args)
        .arg(&job.path)
        .env("GREENWATCH_PATH", &job.path)
        .env("GREENWATCH_NAME", name)
        .env("GREENWATCH_DIR", dir)
        .env("GREENWATCH_MASK", &job.mask)
        .status();
    match status {
        Ok(status) if status.success() => format!("done: {} ({status})", job.path.display()),
        Ok(status) => format!("failed: {}: the command ended with {status}", job.path.display()),
        Err(e) => format!("failed: {}: cannot run {}: {e}", job.path.display(), command.program.to_string_lossy()),
    }
}

/// Starts `count` workers taking jobs from one shared receiver until it closes.
fn start_pool(count: usize, jobs: Receiver<Job>, command: CommandLine) -> std::io::Result<Vec<JoinHandle<()>>> {
    let jobs = Arc::new(Mutex::new(jobs));
    let command = Arc::new(command);
    (0..count)
        .map(|i| {
            let (jobs, command) = (Arc::clone(&jobs), Arc::clone(&command));
            std::thread::Builder::new().name(format!("worker-{i}")).spawn(move || work(&jobs, &command))
        })
        .collect()
}

/// One worker's loop: the lock is held while waiting for a job, not while running it.
fn work(jobs: &Mutex<Receiver<Job>>, command: &CommandLine) {
    loop {
        let next = jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        println!("{}", process(command, &job));
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::from_env(USAGE);
    let suffix = cli.value("--suffix").unwrap_or_else(|| ".raw".into());
    let workers = cli.parsed::<usize>("--workers").unwrap_or(4);
    let queue = cli.parsed::<usize>("--queue").unwrap_or(16);
    if workers == 0 || queue == 0 {
        cli.fail("--workers and --queue must be at least 1");
    }
    let command = CommandLine::from_words(cli.tail());
    let run_time = cli.run_time();
    let dir = cli.positional();
    cli.finish();
    common::report(run(Options { dir, suffix, workers, queue, command, run_time }))
}

fn run(options: Options) -> common::Result {
    let dir = WatchedDir::from_arg(options.dir)?;
    let (sender, receiver) = sync_channel(options.queue);
    let pool = start_pool(options.workers, receiver, options.command)?;
    let handler = RsyncNewFile { suffix: options.suffix, transfers: HashMap::new(), jobs: sender };

    let wm = WatchManager::new()?;
    wm.add_watch(&dir.path, Mask::IN_CREATE | Mask::IN_MOVED_TO).rec(true).auto_add(true).quiet(false).apply()?;
    let mut notifier = Notifier::new(wm, handler)?;
    stop_notifier_on_time_or_signal(notifier.stop_handle(), options.run_time)?;
    say_ready();
    let result = notifier.run();
    // Dropping the notifier drops the handler, whose sender is the only one:
    // the workers finish the queue, then end.
    drop(notifier);
    for worker in pool {
        let _ = worker.join();
    }
    println!("All jobs finished.");
    Ok(result?)
}
