//! [`CtrlC`]: Ctrl-C (`SIGINT`) and `SIGTERM` as a stop, for the blocking
//! [`Notifier`](crate::Notifier) and the [`AsyncNotifier`](crate::AsyncNotifier)
//! (feature `signal`, on by default with `cli`).
//!
//! Built on signal-hook's self-pipe: the signal handler only writes a byte to a
//! socket; [`CtrlC::recv`] awaits it on the async-io reactor, [`CtrlC::wait`]
//! blocks on it.
//!
//! pyinotify counterpart: the `except KeyboardInterrupt` around `loop()` or the
//! manual `process_events` / `check_events` / `read_events` loop.

use std::fmt;
use std::io::Read;
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::thread::JoinHandle;

use async_io::Async;
use signal_hook::SigId;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::low_level::{pipe, unregister};

use crate::blocking::stop_handle::StopHandle;
use crate::green::async_stop::AsyncStopHandle;
use crate::types::error::Result;

/// Signals turned into a stop: `SIGINT` (Ctrl-C) and `SIGTERM` by default.
///
/// While it lives, those signals no longer end the process (their default
/// action): they are only recorded, and [`recv`](CtrlC::recv) or
/// [`wait`](CtrlC::wait) return. Dropping it unregisters its handlers (the
/// signals are then ignored rather than fatal: signal-hook keeps its handler).
/// A signal that arrived before a `recv`/`wait` is not lost.
///
/// # Examples
///
/// The blocking manual loop (pyinotify's `while True: process_events(); if
/// check_events(): read_events()` inside `try/except KeyboardInterrupt`):
///
/// ```no_run
/// use greenwatch::{CtrlC, Event, Flow, Mask, Notifier, WatchManager};
///
/// let wm = WatchManager::new()?;
/// wm.add_watch("/tmp", Mask::IN_CLOSE_WRITE).apply()?;
/// let mut notifier = Notifier::new(wm, |ev: &Event| println!("{}", ev.pathname().display()))?;
/// let stop = notifier.stop_handle();
/// CtrlC::new()?.stop_on_signal(stop.clone())?; // a thread that stops the loop on Ctrl-C
/// while !stop.is_stopped() {
///     if notifier.process_events() == Flow::Stop {
///         break; // a handler asked to stop
///     }
///     if notifier.check_events(None)? {
///         notifier.read_events()?;
///     }
/// }
/// # Ok::<(), greenwatch::Error>(())
/// ```
///
/// The async notifier, stopped by Ctrl-C:
///
/// ```no_run
/// use greenwatch::{AsyncNotifier, CtrlC, Event, Mask, WatchManager};
///
/// smol::block_on(async {
///     let wm = WatchManager::new()?;
///     wm.add_watch("/tmp", Mask::IN_CREATE).apply()?;
///     let notifier = AsyncNotifier::new(wm, |ev: Event| async move { println!("{ev}") })?;
///     smol::spawn(CtrlC::new()?.stop_async_on_signal(notifier.stop_handle())).detach();
///     notifier.run().await // returns once Ctrl-C or SIGTERM arrives
/// })?;
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub struct CtrlC {
    read: Async<UnixStream>,
    ids: Vec<SigId>,
}

impl CtrlC {
    /// Catches `SIGINT` and `SIGTERM`.
    ///
    /// # Errors
    ///
    /// The OS error of making the socket pair or registering the handlers.
    pub fn new() -> Result<CtrlC> {
        CtrlC::with_signals(&[SIGINT, SIGTERM])
    }

    /// Catches `signals` (e.g. `signal_hook::consts::SIGHUP`).
    ///
    /// # Errors
    ///
    /// As [`CtrlC::new`]; a forbidden signal (`SIGKILL`, `SIGSTOP`…) is `InvalidInput`.
    pub fn with_signals(signals: &[c_int]) -> Result<CtrlC> {
        let (read, write) = UnixStream::pair()?;
        let mut ctrl_c = CtrlC { read: Async::new(read)?, ids: Vec::with_capacity(signals.len()) };
        for &signal in signals {
            // On error, dropping `ctrl_c` unregisters what was registered.
            ctrl_c.ids.push(pipe::register(signal, write.try_clone()?)?);
        }
        Ok(ctrl_c)
    }

    /// Resolves once one of the signals arrived (at once if one came since the
    /// last `recv`/`wait`).
    ///
    /// # Errors
    ///
    /// The OS error of reading the socket.
    pub async fn recv(&self) -> Result<()> {
        let mut buf = [0u8; 64];
        self.read.read_with(|s| (&*s).read(&mut buf)).await?;
        Ok(())
    }

    /// Blocks until one of the signals arrived.
    ///
    /// # Errors
    ///
    /// As [`CtrlC::recv`].
    pub fn wait(&self) -> Result<()> {
        async_io::block_on(self.recv())
    }

    /// Starts a thread (`greenwatch-signal`) that stops `stop` on the first
    /// signal: for the blocking [`Notifier`](crate::Notifier) and its manual loop.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be spawned.
    pub fn stop_on_signal(self, stop: StopHandle) -> Result<JoinHandle<()>> {
        let thread = std::thread::Builder::new().name("greenwatch-signal".into()).spawn(move || {
            let _ = self.wait();
            stop.stop();
        })?;
        Ok(thread)
    }

    /// Stops `stop` on the first signal: spawn it beside an
    /// [`AsyncNotifier`](crate::AsyncNotifier) or an [`EventStream`](crate::EventStream).
    pub async fn stop_async_on_signal(self, stop: AsyncStopHandle) {
        let _ = self.recv().await;
        stop.stop();
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            unregister(id);
        }
    }
}

impl fmt::Debug for CtrlC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtrlC").field("signals", &self.ids.len()).finish_non_exhaustive()
    }
}
