//! The seed's use case, green-thread style: tail every log file in a directory
//! (new files picked up, rotated files followed) and ship each new line over
//! TCP to a collector — the watcher, the shipper, the collector and the demo
//! log writer all cooperative on one thread (a smol `LocalExecutor`).
//!
//! Usage: `cargo run --example logshipper [DIR] [--lines N] [--duration SECS] [--generate]`
//!
//! Without `DIR`, a temporary directory is watched and a demo writer fills it:
//! `app.log`, rotated twice (`app.log` → `app.log.1`, with a late line written
//! to the rotated file, then a fresh `app.log`), and a `worker.log` that
//! appears midway. The example then stops once every line has reached the
//! collector (exit status 0) or after 30 s (status 1, with what is missing).
//! With `DIR`, existing files are followed from their end, the demo writer runs
//! only with `--generate`, and the example runs until interrupted unless given
//! `--lines` or `--duration`. The collector listens on 127.0.0.1 only.

use std::collections::HashMap;
use std::error::Error;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use async_executor::LocalExecutor;
use async_io::{Async, Timer};
use futures_lite::io::BufReader;
use futures_lite::{AsyncBufReadExt, AsyncWriteExt, StreamExt};
use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, NotifierHandle, WatchManager};

/// One followed file: its open handle (which follows the file through renames)
/// and the start of a line not yet complete.
struct Tail {
    file: File,
    partial: Vec<u8>,
}

impl Tail {
    /// Follows `path` from its start (`from_end`: from its current end).
    fn open(path: &Path, from_end: bool) -> io::Result<Tail> {
        let mut file = File::open(path)?;
        if from_end {
            file.seek(SeekFrom::End(0))?;
        }
        Ok(Tail { file, partial: Vec::new() })
    }

    /// The complete lines written since the last call (from the start again if
    /// the file was truncated, as `copytruncate` does).
    fn new_lines(&mut self) -> io::Result<Vec<String>> {
        if self.file.metadata()?.len() < self.file.stream_position()? {
            self.file.seek(SeekFrom::Start(0))?;
            self.partial.clear();
        }
        self.file.read_to_end(&mut self.partial)?;
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            lines.push(String::from_utf8_lossy(&line[..end]).into_owned());
        }
        Ok(lines)
    }
}

/// The handler: follows the directory's files by name, in kernel order (one
/// watch, so one task), and hands new lines to the uploader.
struct Shipper {
    dir: PathBuf,
    tails: Mutex<HashMap<OsString, Tail>>,
    /// A file between its `IN_MOVED_FROM` and `IN_MOVED_TO`, by cookie.
    moving: Mutex<Option<(u32, Tail)>>,
    out: Sender<String>,
}

impl Shipper {
    /// Follows the files already in `dir` from their end, like `tail -n0 -F`.
    fn new(dir: &Path, out: Sender<String>) -> io::Result<Shipper> {
        let mut tails = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                tails.insert(entry.file_name(), Tail::open(&entry.path(), true)?);
            }
        }
        Ok(Shipper { dir: dir.to_owned(), tails: Mutex::new(tails), moving: Mutex::new(None), out })
    }

    /// Reads what `name` gained (following it from its start if it is new to us).
    fn read(&self, name: &OsStr) -> io::Result<Vec<String>> {
        let mut tails = self.tails.lock().unwrap();
        if !tails.contains_key(name) {
            tails.insert(name.to_owned(), Tail::open(&self.dir.join(name), false)?);
        }
        tails.get_mut(name).expect("inserted above").new_lines()
    }

    /// Reads `name` and ships its new lines; waits while the uploader is behind.
    async fn ship(&self, name: &OsStr) -> HandlerResult {
        let lines = match self.read(name) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()), // already gone
            result => result?,
        };
        for line in lines {
            self.out.send(format!("{}: {line}", name.to_string_lossy())).await?;
        }
        Ok(())
    }
}

impl AsyncProcessEvent for Shipper {
    async fn process_in_create(&self, event: Event) -> HandlerResult {
        if event.is_dir() {
            return Ok(());
        }
        self.tails.lock().unwrap().remove(event.name()); // a new file under an old name
        self.ship(event.name()).await
    }

    async fn process_in_modify(&self, event: Event) -> HandlerResult {
        self.ship(event.name()).await
    }

    async fn process_in_close_write(&self, event: Event) -> HandlerResult {
        self.ship(event.name()).await
    }

    async fn process_in_moved_from(&self, event: Event) -> HandlerResult {
        let tail = self.tails.lock().unwrap().remove(event.name());
        *self.moving.lock().unwrap() = tail.map(|t| (event.cookie(), t));
        Ok(())
    }

    /// A rotation (`app.log` → `app.log.1`): the same file, followed under its new name.
    async fn process_in_moved_to(&self, event: Event) -> HandlerResult {
        let moved = self.moving.lock().unwrap().take().filter(|(cookie, _)| *cookie == event.cookie());
        if let Some((_, tail)) = moved {
            self.tails.lock().unwrap().insert(event.name().to_owned(), tail);
        }
        self.ship(event.name()).await // lines written before or after the rename
    }

    async fn process_in_delete(&self, event: Event) -> HandlerResult {
        self.tails.lock().unwrap().remove(event.name());
        Ok(())
    }

    async fn process_in_q_overflow(&self, _event: Event) -> HandlerResult {
        eprintln!("logshipper: the kernel queue overflowed; catching up on every file");
        let names: Vec<OsString> = self.tails.lock().unwrap().keys().cloned().collect();
        for name in names {
            self.ship(&name).await?;
        }
        Ok(())
    }
}

/// Sends each line to the collector, one TCP connection for all.
async fn upload(addr: SocketAddr, lines: Receiver<String>) -> io::Result<usize> {
    let mut conn = Async::<TcpStream>::connect(addr).await?;
    let mut sent = 0;
    while let Ok(line) = lines.recv().await {
        conn.write_all(format!("{line}\n").as_bytes()).await?;
        sent += 1;
    }
    conn.flush().await?;
    Ok(sent)
}

/// The collector: prints each line received; stops the watcher after `limit` lines.
async fn collect(
    listener: Async<TcpListener>,
    limit: Option<usize>,
    watcher: NotifierHandle,
) -> io::Result<Vec<String>> {
    let (conn, _) = listener.accept().await?;
    let mut incoming = BufReader::new(conn).lines();
    let mut received = Vec::new();
    while let Some(line) = incoming.next().await {
        let line = line?;
        println!("collector: {line}");
        received.push(line);
        if limit.is_some_and(|n| received.len() >= n) {
            watcher.stop();
            break;
        }
    }
    Ok(received)
}

/// One step of the demo writer.
enum Step {
    App(String),
    /// A line written through the old handle after a rotation: it lands in the rotated file.
    Late(String),
    Worker(String),
    Rotate(usize),
}

/// What the demo writer does: 300 `app.log` lines, a rotation every 100 with a
/// late line, and a `worker.log` line every third step from step 100 on.
fn demo_plan() -> Vec<Step> {
    let mut plan = Vec::new();
    for i in 0..300 {
        plan.push(Step::App(format!("app line {i}")));
        if i >= 100 && i % 3 == 0 {
            plan.push(Step::Worker(format!("worker line {i}")));
        }
        if i % 100 == 99 && i < 299 {
            plan.push(Step::Rotate(i / 100 + 1));
            plan.push(Step::Late(format!("app late line {i}")));
        }
    }
    plan
}

/// The lines the demo writer writes, in order.
fn demo_lines(plan: &[Step]) -> Vec<String> {
    let line = |s: &Step| match s {
        Step::App(l) | Step::Late(l) | Step::Worker(l) => Some(l.clone()),
        Step::Rotate(_) => None,
    };
    plan.iter().filter_map(line).collect()
}

/// Runs the plan, a line every 2 ms, like an application that logs and rotates.
async fn write_demo(dir: PathBuf, plan: Vec<Step>) -> io::Result<()> {
    let app = dir.join("app.log");
    let (mut current, mut old, mut worker) = (File::create(&app)?, None::<File>, None::<File>);
    for step in plan {
        match step {
            Step::App(line) => writeln!(current, "{line}")?,
            Step::Late(line) => writeln!(old.as_mut().expect("rotated before"), "{line}")?,
            Step::Worker(line) => {
                let file = match &mut worker {
                    Some(file) => file,
                    None => worker.insert(File::create(dir.join("worker.log"))?),
                };
                writeln!(file, "{line}")?;
            }
            Step::Rotate(n) => {
                std::fs::rename(&app, dir.join(format!("app.log.{n}")))?;
                old = Some(std::mem::replace(&mut current, File::create(&app)?));
            }
        }
        Timer::after(Duration::from_millis(2)).await;
    }
    Ok(())
}

/// The command line.
struct Options {
    dir: Option<PathBuf>,
    lines: Option<usize>,
    duration: Option<Duration>,
    generate: bool,
}

fn parse_args() -> Result<Options, Box<dyn Error>> {
    let mut o = Options { dir: None, lines: None, duration: None, generate: false };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.into_string().ok()).ok_or(format!("{arg:?} needs a value"));
        match arg.to_str() {
            Some("--lines") => o.lines = Some(value()?.parse()?),
            Some("--duration") => o.duration = Some(Duration::from_secs_f64(value()?.parse()?)),
            Some("--generate") => o.generate = true,
            _ if o.dir.is_none() => o.dir = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg:?}").into()),
        }
    }
    Ok(o)
}

fn main() -> Result<ExitCode, Box<dyn Error>> {
    let mut options = parse_args()?;
    let temp = tempfile::tempdir()?;
    let demo = options.dir.is_none() || options.generate;
    let dir = options.dir.take().unwrap_or_else(|| temp.path().to_owned());
    let plan = if demo { demo_plan() } else { Vec::new() };
    let expected = demo_lines(&plan);
    if demo && options.lines.is_none() && options.duration.is_none() {
        (options.lines, options.duration) = (Some(expected.len()), Some(Duration::from_secs(30)));
    }

    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0))?;
    let addr = listener.get_ref().local_addr()?;
    let (to_upload, uploads) = async_channel::bounded(256);
    let wm = WatchManager::new()?;
    let mask = Mask::IN_CREATE | Mask::IN_MODIFY | Mask::IN_CLOSE_WRITE | Mask::IN_MOVE | Mask::IN_DELETE;
    wm.add_watch(&dir, mask).quiet(false).apply()?;
    let shipper = Shipper::new(&dir, to_upload)?;
    println!("Shipping the logs of {} to {addr}", dir.display());
    println!("Watches established.");

    let ex = LocalExecutor::new();
    let notifier = AsyncNotifier::new(wm, shipper)?.with_executor(&ex);
    let watcher = notifier.handle();
    let received = async_io::block_on(ex.run(async {
        let collector = ex.spawn(collect(listener, options.lines, watcher.clone()));
        let uploader = ex.spawn(upload(addr, uploads));
        if demo {
            ex.spawn(async move { write_demo(dir, plan).await.expect("the demo writer failed") }).detach();
        }
        if let Some(duration) = options.duration {
            let watcher = watcher.clone();
            ex.spawn(async move {
                Timer::after(duration).await;
                watcher.stop();
            })
            .detach();
        }
        notifier.run().await?; // returns once stopped; the shipper (and its sender) goes with it
        let sent = uploader.await?;
        let received = collector.await?;
        println!("Shipped {sent} lines; the collector received {}.", received.len());
        Ok::<_, Box<dyn Error>>(received)
    }))?;
    Ok(check(demo, &expected, &received))
}

/// In the demo, every line written must have been received exactly once.
fn check(demo: bool, expected: &[String], received: &[String]) -> ExitCode {
    if !demo {
        return ExitCode::SUCCESS;
    }
    let mut got: Vec<&str> = received.iter().filter_map(|l| l.split_once(": ").map(|(_, line)| line)).collect();
    let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
    got.sort_unstable();
    want.sort_unstable();
    if got == want {
        println!("All {} lines arrived, each once.", want.len());
        return ExitCode::SUCCESS;
    }
    let missing: Vec<_> = want.iter().filter(|l| !got.contains(l)).collect();
    eprintln!("logshipper: {} lines expected, {} received; missing: {missing:?}", want.len(), got.len());
    ExitCode::FAILURE
}
