//! The blocking [`Notifier`] (waiting in `ppoll(2)`), its [`StopHandle`], and [`ThreadedNotifier`].
//!
//! pyinotify counterpart: `Notifier` and `ThreadedNotifier`.

use std::fmt;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::Pipeline;
use crate::process_event::{Flow, ProcessEvent};
use crate::wait::Waiter;
use crate::watch_manager::WatchManager;

/// Ends a notifier's loop from any thread: cloneable, idempotent, wakes the
/// waiting loop at once (no polling interval, no timer while idle).
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Notifier, WatchManager};
///
/// let wm = WatchManager::new()?;
/// let mut notifier = Notifier::new(wm, |_: &Event| ())?;
/// let stop = notifier.stop_handle();
/// let t = std::thread::spawn(move || stop.stop());
/// notifier.run()?; // returns once stop() is called
/// t.join().unwrap();
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone)]
pub struct StopHandle {
    inner: Arc<StopInner>,
}

struct StopInner {
    stopped: AtomicBool,
    waiter: Waiter,
}

impl StopHandle {
    /// Asks the loop to end; it returns after the event being dispatched, if any.
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.waiter.wake();
    }

    /// True once [`StopHandle::stop`] was called.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Clears the stop request, so the loop can run again.
    pub fn reset(&self) {
        self.inner.stopped.store(false, Ordering::SeqCst);
    }

    /// Sleeps up to `dur`, waking early on `stop`. True if stopped.
    fn sleep(&self, dur: Duration) -> bool {
        let deadline = Instant::now().checked_add(dur);
        while !self.is_stopped() {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) || self.inner.waiter.sleep(left).is_err() {
                break;
            }
        }
        self.is_stopped()
    }
}

impl fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopHandle").field("stopped", &self.is_stopped()).finish()
    }
}

/// Reads the inotify fd, applies the bookkeeping and calls the handlers, on the
/// calling thread (pyinotify's `Notifier`).
///
/// Events go to their watch's own handler ([`AddWatch::proc_fun`]) or else to
/// the default handler given here. The loop sleeps in the kernel (`ppoll(2)`)
/// while nothing happens, with no timer.
///
/// [`AddWatch::proc_fun`]: crate::AddWatch::proc_fun
///
/// # Examples
///
/// ```no_run
/// use greenwatch::{Mask, Notifier, PrintAllEvents, WatchManager};
///
/// let wm = WatchManager::new()?;
/// wm.add_watch("/tmp", Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply()?;
/// Notifier::new(wm, PrintAllEvents::new())?.run()?;
/// # Ok::<(), greenwatch::Error>(())
/// ```
pub struct Notifier<H> {
    pipeline: Pipeline,
    handler: H,
    stop: StopHandle,
    read_freq: Duration,
    timeout: Option<Duration>,
}

impl<H: ProcessEvent> Notifier<H> {
    /// A notifier over `wm`'s fd with `default_handler` for events of watches
    /// without their own handler, and for `IN_Q_OVERFLOW`.
    ///
    /// # Errors
    ///
    /// The OS error of creating the wake-up eventfd (`EMFILE`: too many open files).
    pub fn new(wm: WatchManager, default_handler: H) -> Result<Notifier<H>> {
        let inner = StopInner { stopped: AtomicBool::new(false), waiter: Waiter::new()? };
        Ok(Notifier {
            pipeline: Pipeline::new(wm),
            handler: default_handler,
            stop: StopHandle { inner: Arc::new(inner) },
            read_freq: Duration::ZERO,
            timeout: None,
        })
    }

    /// Read at most once per `read_freq`, so events arrive in larger batches
    /// (pyinotify's `read_freq`; the CLI's `-s` uses 5 s). A stop request still
    /// ends the wait at once.
    #[must_use]
    pub fn with_read_freq(mut self, read_freq: Duration) -> Self {
        self.read_freq = read_freq;
        self
    }

    /// Read only once at least `bytes` bytes of events wait (pyinotify's
    /// `threshold`, checked with `FIONREAD`). Combine with a read frequency: on
    /// its own, the loop would wake up over and over while fewer bytes wait.
    #[must_use]
    pub fn with_threshold(mut self, bytes: usize) -> Self {
        self.pipeline.threshold = bytes;
        self
    }

    /// The default wait of [`Notifier::check_events`] and of each loop pass
    /// (pyinotify's `timeout`); `None` waits until something happens.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Drops records identical to one already read since the last
    /// `process_events` (pyinotify's `coalesce_events`). Default: `false`.
    #[must_use]
    #[doc(alias = "coalesce_events")]
    pub fn with_coalesce_events(mut self, coalesce: bool) -> Self {
        self.set_coalesce_events(coalesce);
        self
    }

    /// Turns [`with_coalesce_events`](Notifier::with_coalesce_events) on or off
    /// on a notifier in use, e.g. from a [`run_with`](Notifier::run_with) callback.
    #[doc(alias = "coalesce_events")]
    pub fn set_coalesce_events(&mut self, coalesce: bool) {
        self.pipeline.set_coalesce(coalesce);
    }

    /// A handle that ends [`Notifier::run`] from any thread.
    #[must_use]
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The watch manager.
    #[must_use]
    pub fn watch_manager(&self) -> &WatchManager {
        &self.pipeline.wm
    }

    /// The default handler (pyinotify's `proc_fun()`).
    #[must_use]
    #[doc(alias = "proc_fun")]
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The default handler, mutably.
    #[must_use]
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Waits up to `timeout` (`None`: the notifier's default) until events can be
    /// read or a stop is requested. True if events are waiting.
    ///
    /// # Errors
    ///
    /// The OS error of `ppoll`, passed through (`EINTR` resumes the wait).
    pub fn check_events(&mut self, timeout: Option<Duration>) -> Result<bool> {
        let ready = self.stop.inner.waiter.wait(self.pipeline.wm.as_fd(), timeout.or(self.timeout))?;
        Ok(ready.readable)
    }

    /// Reads what the kernel holds, in one `read(2)` (nothing while fewer
    /// bytes than the threshold wait). Returns the number of bytes read.
    ///
    /// # Errors
    ///
    /// The OS error of `read` or `ioctl(FIONREAD)`, passed through.
    pub fn read_events(&mut self) -> Result<usize> {
        Ok(self.pipeline.read()?)
    }

    /// Applies the bookkeeping to what was read and calls the handlers. Returns
    /// [`Flow::Stop`] if a handler asked to stop; events after it stay queued.
    pub fn process_events(&mut self) -> Flow {
        self.pipeline.process_raw();
        let (_, flow) = self.pipeline.dispatch_all(&mut self.handler);
        self.pipeline.end_pass();
        flow
    }

    /// Events processed but not yet dispatched (after a handler asked to stop).
    #[must_use]
    pub fn queued(&self) -> usize {
        self.pipeline.queued()
    }

    /// Processes events until a handler returns [`Flow::Stop`] or the
    /// [`StopHandle`] is used (pyinotify's `loop()`).
    ///
    /// # Errors
    ///
    /// An OS error from waiting or reading; the notifier can be run again after it.
    #[doc(alias = "loop")]
    pub fn run(&mut self) -> Result<()> {
        self.run_with(|_| Flow::Continue)
    }

    /// Like [`Notifier::run`], calling `callback` after every pass (the first one
    /// included, before any event, as pyinotify does); `Flow::Stop` ends the loop.
    ///
    /// # Errors
    ///
    /// As [`Notifier::run`].
    pub fn run_with<F: FnMut(&mut Self) -> Flow>(&mut self, mut callback: F) -> Result<()> {
        loop {
            if self.process_events() == Flow::Stop || callback(self) == Flow::Stop || self.stop.is_stopped() {
                return Ok(());
            }
            let started = Instant::now();
            if !self.check_events(None)? {
                continue;
            }
            if let Some(rest) = self.read_freq.checked_sub(started.elapsed())
                && !rest.is_zero()
                && self.stop.sleep(rest)
            {
                return Ok(());
            }
            self.read_events()?;
        }
    }
}

impl<H> fmt::Debug for Notifier<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("watch_manager", &self.pipeline.wm)
            .field("read_freq", &self.read_freq)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A [`Notifier`] on its own thread (pyinotify's `ThreadedNotifier`):
/// [`start`](ThreadedNotifier::start), [`stop`](ThreadedNotifier::stop),
/// [`join`](ThreadedNotifier::join). Dropping it stops and joins the thread.
///
/// A handler that panics ends the thread; `stop`/`join` then report
/// [`ErrorKind::Stopped`] instead of taking the caller down.
///
/// # Examples
///
/// ```
/// use greenwatch::{Mask, Stats, ThreadedNotifier, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let stats = Stats::new();
/// let mut notifier = ThreadedNotifier::new(wm, stats.clone())?;
/// notifier.start()?;
/// notifier.stop()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ThreadedNotifier<H: Send + 'static> {
    idle: Option<Notifier<H>>,
    thread: Option<JoinHandle<(Notifier<H>, Result<()>)>>,
    stop: StopHandle,
}

impl<H: ProcessEvent + Send + 'static> ThreadedNotifier<H> {
    /// A notifier that will run on its own thread once started.
    ///
    /// # Errors
    ///
    /// As [`Notifier::new`].
    pub fn new(wm: WatchManager, default_handler: H) -> Result<ThreadedNotifier<H>> {
        ThreadedNotifier::from_notifier(Notifier::new(wm, default_handler)?)
    }

    /// Runs an already configured notifier (read frequency, timeout…) on a thread.
    ///
    /// # Errors
    ///
    /// None today; kept fallible for symmetry with `new`.
    pub fn from_notifier(notifier: Notifier<H>) -> Result<ThreadedNotifier<H>> {
        let stop = notifier.stop_handle();
        Ok(ThreadedNotifier { idle: Some(notifier), thread: None, stop })
    }

    /// Starts the thread (named `greenwatch-notifier`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] if it already runs; the OS error if the thread cannot be spawned.
    pub fn start(&mut self) -> Result<()> {
        let mut notifier =
            self.idle.take().ok_or_else(|| Error::new(ErrorKind::Stopped, "the notifier is already running"))?;
        notifier.stop.reset();
        let thread = std::thread::Builder::new().name("greenwatch-notifier".into()).spawn(move || {
            let result = notifier.run();
            (notifier, result)
        })?;
        self.thread = Some(thread);
        Ok(())
    }

    /// A handle to stop the thread's loop from anywhere (handlers included).
    #[must_use]
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// True while the thread runs.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the loop and waits for the thread. Calling it again does nothing.
    ///
    /// # Errors
    ///
    /// The loop's own error, or [`ErrorKind::Stopped`] if a handler panicked.
    pub fn stop(&mut self) -> Result<()> {
        self.stop.stop();
        self.join()
    }

    /// Waits for the thread to end by itself (a handler returned [`Flow::Stop`],
    /// or the stop handle was used).
    ///
    /// # Errors
    ///
    /// As [`ThreadedNotifier::stop`].
    pub fn join(&mut self) -> Result<()> {
        let Some(thread) = self.thread.take() else { return Ok(()) };
        match thread.join() {
            Ok((notifier, result)) => {
                self.idle = Some(notifier);
                result
            }
            Err(_) => Err(Error::new(ErrorKind::Stopped, "a handler panicked; the notifier thread ended")),
        }
    }

    /// The default handler, once the thread has ended (`None` while it runs).
    #[must_use]
    pub fn handler(&self) -> Option<&H> {
        self.idle.as_ref().map(Notifier::handler)
    }

    /// The default handler, mutably, once the thread has ended.
    #[must_use]
    pub fn handler_mut(&mut self) -> Option<&mut H> {
        self.idle.as_mut().map(Notifier::handler_mut)
    }
}

impl<H: Send + 'static> Drop for ThreadedNotifier<H> {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<H: Send + 'static> fmt::Debug for ThreadedNotifier<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadedNotifier").field("running", &self.thread.is_some()).finish_non_exhaustive()
    }
}
