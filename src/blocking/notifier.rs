//! The blocking [`Notifier`]: reads, bookkeeping and handler calls on the
//! calling thread, waiting in `ppoll(2)`.
//!
//! pyinotify counterpart: `Notifier`.

use std::fmt;
use std::os::fd::AsFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::blocking::stop_handle::StopHandle;
use crate::handlers::handler_failure::{FailurePolicy, HandlerFailure};
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::pipeline::{Pipeline, dispatch_one};
use crate::types::error::{Error, ErrorKind, Result};
use crate::watches::watch_manager::WatchManager;

/// Reads the inotify fd, applies the bookkeeping and calls the handlers, on the
/// calling thread (pyinotify's `Notifier`).
///
/// Events go to their watch's own handler ([`AddWatch::proc_fun`]) or else to
/// the default handler given here. The loop sleeps in the kernel (`ppoll(2)`)
/// while nothing happens, with no timer.
///
/// [`AddWatch::proc_fun`]: crate::AddWatch::proc_fun
///
/// # Handler panics
///
/// pyinotify programs wrap their handlers in `try: … except Exception: print(…)`;
/// here that is the default. A handler (default or per-watch) that panics is
/// contained: its event is consumed and reported to
/// [`on_handler_error`](Notifier::on_handler_error) (by default logged through
/// the `log` crate, as the [`AsyncNotifier`](crate::AsyncNotifier)'s failures are), the
/// events queued after it stay queued and are dispatched next, and the loop goes
/// on. The same handler gets the next events: if a panic can leave its state
/// broken, set [`stop_on_handler_error`](Notifier::stop_on_handler_error), and
/// `run` returns the failure as an [`ErrorKind::Stopped`] error while the events
/// after it stay queued for a later `process_events`. (The panic hook still runs,
/// so the panic message is printed as usual unless you replace the hook.)
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use greenwatch::{ErrorKind, Event, Mask, Notifier, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
/// let failures = Arc::new(Mutex::new(Vec::new()));
/// let log = failures.clone();
/// let mut notifier = Notifier::new(wm, |ev: &Event| {
///     if ev.name() == "bad" {
///         panic!("cannot parse {}", ev.pathname().display());
///     }
/// })?
/// .on_handler_error(move |f| log.lock().unwrap().push(f.to_string()))
/// .stop_on_handler_error(true);
/// std::fs::write(dir.path().join("bad"), "")?;
/// let err = notifier.run().unwrap_err(); // the panic stopped the loop
/// assert_eq!(err.kind(), ErrorKind::Stopped);
/// assert!(failures.lock().unwrap()[0].ends_with("/bad"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// Reset by a [`ThreadedNotifier`](crate::ThreadedNotifier) before each start.
    pub(super) stop: StopHandle,
    read_freq: Duration,
    timeout: Option<Duration>,
    policy: FailurePolicy,
    /// The failure that stopped the loop (with `stop_on_handler_error`).
    fatal: Option<String>,
}

impl<H: ProcessEvent> Notifier<H> {
    /// A notifier over `wm`'s fd with `default_handler` for events of watches
    /// without their own handler, and for `IN_Q_OVERFLOW`.
    ///
    /// # Errors
    ///
    /// The OS error of creating the wake-up eventfd (`EMFILE`: too many open files).
    ///
    /// # Examples
    ///
    /// Any [`ProcessEvent`] is a handler, closures `FnMut(&Event)` included:
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use greenwatch::{Event, Notifier, WatchManager};
    ///
    /// let wm = WatchManager::new()?;
    /// let notifier = Notifier::new(wm, |ev: &Event| println!("{ev}"))?
    ///     .with_read_freq(Duration::from_millis(100)) // read at most ten times a second
    ///     .with_timeout(Some(Duration::from_secs(1)));
    /// assert!(notifier.watch_manager().is_empty());
    /// # Ok::<(), greenwatch::Error>(())
    /// ```
    pub fn new(wm: WatchManager, default_handler: H) -> Result<Notifier<H>> {
        let stop = StopHandle::new();
        stop.waiter()?;
        Ok(Notifier {
            pipeline: Pipeline::new(wm),
            handler: default_handler,
            stop,
            read_freq: Duration::ZERO,
            timeout: None,
            policy: FailurePolicy::default(),
            fatal: None,
        })
    }

    /// Uses `stop` (e.g. made with [`StopHandle::new`] before the notifier, and
    /// already given to a handler) instead of the notifier's own handle. One
    /// handle may stop several notifiers.
    ///
    /// # Errors
    ///
    /// The OS error of creating the handle's wake-up eventfd, if it has none yet.
    pub fn with_stop_handle(mut self, stop: StopHandle) -> Result<Self> {
        stop.waiter()?;
        self.stop = stop;
        Ok(self)
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

    /// Calls `callback` with each handler panic (the event and the panic's
    /// message) instead of the default report. See [Handler panics](Notifier#handler-panics).
    #[must_use]
    pub fn on_handler_error(mut self, callback: impl Fn(&HandlerFailure) + Send + Sync + 'static) -> Self {
        self.policy.report = Arc::new(callback);
        self
    }

    /// `true`: the first handler panic stops the loop after it is reported;
    /// [`Notifier::run`] returns it as an [`ErrorKind::Stopped`] error and
    /// [`Notifier::process_events`] returns [`Flow::Stop`]. Default: `false`
    /// (report it and go on with the next event).
    #[must_use]
    pub fn stop_on_handler_error(mut self, stop: bool) -> Self {
        self.policy.stop = stop;
        self
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
    /// read or a stop is requested. True if events are waiting. While the stop
    /// handle is stopped it returns at once, so a manual loop
    /// (`while !stop.is_stopped() { … check_events(None)? … }`) ends promptly.
    ///
    /// # Errors
    ///
    /// The OS error of `ppoll`, passed through (`EINTR` resumes the wait).
    ///
    /// # Examples
    ///
    /// pyinotify's manual loop, one pass at a time:
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::time::Duration;
    ///
    /// use greenwatch::{Event, Mask, Notifier, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let names = RefCell::new(Vec::new());
    /// let mut notifier = Notifier::new(wm, |ev: &Event| names.borrow_mut().push(ev.name().to_owned()))?;
    /// assert!(!notifier.check_events(Some(Duration::ZERO))?); // nothing yet
    /// std::fs::write(dir.path().join("a"), "")?;
    /// // Each pass waits at most 5 s; a pass that times out ends the loop.
    /// while names.borrow().is_empty() && notifier.check_events(Some(Duration::from_secs(5)))? {
    ///     notifier.read_events()?;
    ///     notifier.process_events();
    /// }
    /// assert_eq!(*names.borrow(), ["a"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_events(&mut self, timeout: Option<Duration>) -> Result<bool> {
        let waiter = self.stop.waiter()?;
        let ready = waiter.wait(self.pipeline.wm.as_fd(), timeout.or(self.timeout))?;
        if ready.woken && self.stop.is_stopped() {
            waiter.wake(); // keep the wake-up for other notifiers sharing the handle
        }
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
    /// [`Flow::Stop`] if a handler asked to stop (or panicked, with
    /// [`stop_on_handler_error`](Notifier::stop_on_handler_error)); events after
    /// it stay queued. A handler panic is contained and reported (see
    /// [Handler panics](Notifier#handler-panics)).
    pub fn process_events(&mut self) -> Flow {
        self.pipeline.process_raw();
        let flow = self.dispatch_queued();
        self.pipeline.end_pass();
        flow
    }

    /// Dispatches queued events until the queue is empty or a handler stops the
    /// loop; a panic is reported, and consumes only its own event.
    fn dispatch_queued(&mut self) -> Flow {
        while let Some(routed) = self.pipeline.pop_routed() {
            let handler = &mut self.handler;
            match catch_unwind(AssertUnwindSafe(|| dispatch_one(&routed, handler))) {
                Ok(Flow::Stop) => return Flow::Stop,
                Ok(_) => {}
                Err(payload) => {
                    let failure = HandlerFailure::from_panic(routed.event, &*payload);
                    (self.policy.report)(&failure);
                    if self.policy.stop {
                        self.fatal.get_or_insert_with(|| failure.to_string());
                        return Flow::Stop;
                    }
                }
            }
        }
        Flow::Continue
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
    /// An OS error from waiting or reading; with
    /// [`stop_on_handler_error`](Notifier::stop_on_handler_error), the handler
    /// panic that stopped it ([`ErrorKind::Stopped`]). The notifier can be run
    /// again after either.
    ///
    /// # Examples
    ///
    /// A handler ends the loop by returning [`Flow::Stop`]:
    ///
    /// ```
    /// use greenwatch::{Event, Flow, Mask, Notifier, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE | Mask::IN_DELETE).apply()?;
    /// let mut notifier = Notifier::new(wm, |ev: &Event| {
    ///     println!("{} {}", ev.maskname(), ev.pathname().display());
    ///     if ev.mask().contains(Mask::IN_DELETE) { Flow::Stop } else { Flow::Continue }
    /// })?;
    /// std::fs::write(dir.path().join("tmp"), "")?;
    /// std::fs::remove_file(dir.path().join("tmp"))?;
    /// notifier.run()?; // pyinotify's notifier.loop(); returns after the IN_DELETE
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// The callback gets the notifier: here it stops once the handler has
    /// counted three events.
    ///
    /// ```
    /// use greenwatch::{Flow, Mask, Notifier, Stats, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let mut notifier = Notifier::new(wm, Stats::new())?;
    /// for name in ["a", "b", "c"] {
    ///     std::fs::write(dir.path().join(name), "")?;
    /// }
    /// notifier.run_with(|n| if n.handler().count("IN_CREATE") >= 3 { Flow::Stop } else { Flow::Continue })?;
    /// assert_eq!(notifier.handler().count("IN_CREATE"), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_with<F: FnMut(&mut Self) -> Flow>(&mut self, mut callback: F) -> Result<()> {
        loop {
            if self.process_events() == Flow::Stop || callback(self) == Flow::Stop || self.stop.is_stopped() {
                return self.fatal.take().map_or(Ok(()), |m| Err(Error::new(ErrorKind::Stopped, m)));
            }
            let started = Instant::now();
            if !self.check_events(None)? {
                continue;
            }
            if let Some(rest) = self.read_freq.checked_sub(started.elapsed())
                && !rest.is_zero()
                && self.stop.wait_timeout(rest)
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
