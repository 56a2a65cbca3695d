//! The event output's writer: a burst's output goes to stdout from a thread of
//! its own, while the loop reads and formats the next events.
//!
//! Written from the loop's thread, each `write(2)` of a burst waits for room
//! in the pipe and for the pipe's lock (held while the reader copies out), and
//! meanwhile nobody reads the kernel queue. Handed to a writer thread, the
//! write overlaps the loop's next read: a 20,000-file drain through `--json`
//! went from 45 to 38 ms (shared bench, drain-only run, medians of 9
//! repetitions, both builds in the same run).
//!
//! - Small outputs (a live event or a few) are written directly when nothing
//!   is in flight, so live latency pays no thread hop; the thread starts with
//!   the first output too big for that, so a quiet watcher never has one.
//! - Order: a direct write happens only once every buffer handed over has come
//!   back written, so bytes reach the sink in the order they were produced.
//! - Memory: at most [`DEPTH`] buffers wait for the thread; past that the loop
//!   blocks, as it would on a full pipe. Nothing is dropped, and the buffers
//!   are reused.
//! - Errors: the thread stops at its first write error; the next write (or
//!   [`Writer::finish`]) returns it, and every write after that fails too.
//!
//! pyinotify counterpart: none (`python -m pyinotify` writes from its loop).

use std::io::{self, Write};
use std::mem;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// Where the bytes go: stdout in the binary, a buffer in tests.
pub type Sink = Box<dyn Write + Send>;

/// Outputs up to this size are written directly when the thread is idle.
const DIRECT_MAX: usize = 16 * 1024;
/// How many buffers may wait for the thread before the loop blocks.
const DEPTH: usize = 4;

/// Writes output buffers to a sink, directly or through a writer thread.
pub struct Writer {
    sink: Arc<Mutex<Sink>>,
    lane: Option<Lane>,
    /// Written buffers, emptied, for the next hand-over.
    spare: Vec<Vec<u8>>,
    /// Set by the first write error: later writes fail with its kind.
    failed: Option<io::ErrorKind>,
    /// The thread could not be started: write everything directly.
    no_thread: bool,
}

/// The writer thread and its two channels.
struct Lane {
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
    /// Buffers handed over and not yet back.
    in_flight: usize,
    thread: JoinHandle<io::Result<()>>,
}

impl Writer {
    /// A writer to `sink`, with no thread until the first big output.
    pub fn new(sink: Sink) -> Writer {
        Writer { sink: Arc::new(Mutex::new(sink)), lane: None, spare: Vec::new(), failed: None, no_thread: false }
    }

    /// A writer to this process's stdout.
    pub fn stdout() -> Writer {
        Writer::new(Box::new(io::stdout()))
    }

    /// Sends `buf`'s bytes on their way and leaves `buf` empty (its capacity
    /// kept, or a reused buffer's).
    ///
    /// # Errors
    ///
    /// The first error the sink returned (now or in the thread), then its kind.
    pub fn write(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(kind) = self.failed {
            buf.clear();
            return Err(kind.into());
        }
        self.reap()?;
        let idle = self.lane.as_ref().is_none_or(|lane| lane.in_flight == 0);
        if self.no_thread || (idle && buf.len() <= DIRECT_MAX) {
            let result = write_out(&self.sink, buf);
            buf.clear();
            return self.note(result);
        }
        self.hand_over(buf)
    }

    /// Waits until every buffer handed over is written and stops the thread.
    ///
    /// # Errors
    ///
    /// The first write error, if the thread met one and it was not returned yet.
    pub fn finish(&mut self) -> io::Result<()> {
        match self.lane.take() {
            Some(lane) => self.end(lane),
            None => Ok(()),
        }
    }

    /// Moves `buf` to the thread (starting it if needed), blocking while
    /// [`DEPTH`] buffers wait.
    fn hand_over(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        if self.lane.is_none() {
            match Lane::start(&self.sink) {
                Ok(lane) => self.lane = Some(lane),
                Err(_) => {
                    self.no_thread = true; // a thread limit: direct writes still work
                    return self.write(buf);
                }
            }
        }
        let next = self.spare.pop().unwrap_or_else(|| Vec::with_capacity(buf.capacity()));
        let lane = self.lane.as_mut().expect("started above");
        if lane.full.send(mem::replace(buf, next)).is_err() {
            return self.lane_ended(); // the thread stopped on an error
        }
        lane.in_flight += 1;
        Ok(())
    }

    /// Takes back the buffers the thread has written.
    fn reap(&mut self) -> io::Result<()> {
        let Some(lane) = self.lane.as_mut() else { return Ok(()) };
        loop {
            match lane.empty.try_recv() {
                Ok(buf) => {
                    lane.in_flight -= 1;
                    self.spare.push(buf);
                }
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => return self.lane_ended(),
            }
        }
    }

    /// The thread ended (on an error): its result.
    fn lane_ended(&mut self) -> io::Result<()> {
        let lane = self.lane.take().expect("a lane was running");
        self.end(lane)?;
        self.note(Err(io::Error::other("the output thread stopped"))) // it only stops on an error
    }

    fn end(&mut self, lane: Lane) -> io::Result<()> {
        drop(lane.full);
        let result = lane.thread.join().unwrap_or_else(|_| Err(io::Error::other("the output thread panicked")));
        self.note(result)
    }

    /// Remembers an error's kind, so that later writes fail too.
    fn note(&mut self, result: io::Result<()>) -> io::Result<()> {
        if let Err(err) = &result {
            self.failed.get_or_insert(err.kind());
        }
        result
    }
}

impl Lane {
    fn start(sink: &Arc<Mutex<Sink>>) -> io::Result<Lane> {
        let (full, to_write) = mpsc::sync_channel(DEPTH);
        let (written, empty) = mpsc::channel();
        let sink = Arc::clone(sink);
        let thread = thread::Builder::new()
            .name("greenwatch-out".into())
            .spawn(move || write_loop(&sink, &to_write, &written))?;
        Ok(Lane { full, empty, in_flight: 0, thread })
    }
}

/// The thread: writes each buffer and gives it back, until the loop's end or
/// the first error.
fn write_loop(sink: &Mutex<Sink>, to_write: &Receiver<Vec<u8>>, written: &Sender<Vec<u8>>) -> io::Result<()> {
    for mut buf in to_write {
        write_out(sink, &buf)?;
        buf.clear();
        let _ = written.send(buf); // the loop may be finishing: then the buffer just goes
    }
    Ok(())
}

fn write_out(sink: &Mutex<Sink>, buf: &[u8]) -> io::Result<()> {
    let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
    sink.write_all(buf).and_then(|()| sink.flush())
}

#[cfg(test)]
impl Writer {
    /// True once the thread was started.
    pub fn threaded(&self) -> bool {
        self.lane.is_some()
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("threaded", &self.lane.is_some())
            .field("in_flight", &self.lane.as_ref().map_or(0, |lane| lane.in_flight))
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// A sink the tests can read back.
#[cfg(test)]
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl Captured {
    /// A writer into this buffer.
    pub fn writer(&self) -> Writer {
        Writer::new(Box::new(self.clone()))
    }

    /// What was written so far, taken out.
    pub fn take(&self) -> Vec<u8> {
        mem::take(&mut self.0.lock().unwrap())
    }
}

#[cfg(test)]
impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
