//! [`ThreadedNotifier`]: a blocking [`Notifier`] run on a thread of its own,
//! started, stopped and joined from the caller's.
//!
//! pyinotify counterpart: `ThreadedNotifier`.

use std::fmt;
use std::thread::JoinHandle;

use crate::blocking::notifier::Notifier;
use crate::blocking::stop_handle::StopHandle;
#[allow(unused_imports)] // for the docs' links
use crate::handlers::process_event::Flow;
use crate::handlers::process_event::ProcessEvent;
use crate::types::error::{Error, ErrorKind, Result};
use crate::watches::watch_manager::WatchManager;

/// A [`Notifier`] on its own thread (pyinotify's `ThreadedNotifier`):
/// [`start`](ThreadedNotifier::start), [`stop`](ThreadedNotifier::stop),
/// [`join`](ThreadedNotifier::join). Dropping it stops and joins the thread.
///
/// A handler that panics is contained and reported as on a [`Notifier`] (see
/// [Handler panics](Notifier#handler-panics)); the thread goes on, unless
/// [`stop_on_handler_error`](Notifier::stop_on_handler_error) was set
/// (configure it on a `Notifier` and use [`ThreadedNotifier::from_notifier`]),
/// and then `stop`/`join` return the failure as [`ErrorKind::Stopped`].
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
    ///
    /// # Examples
    ///
    /// The handler runs on the notifier's thread; the caller's thread goes on:
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// use greenwatch::{Event, Mask, ThreadedNotifier, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let (tx, rx) = mpsc::channel();
    /// let mut notifier = ThreadedNotifier::new(wm, move |ev: &Event| {
    ///     let _ = tx.send(ev.name().to_owned());
    /// })?;
    /// notifier.start()?;
    /// assert!(notifier.is_alive());
    /// std::fs::write(dir.path().join("hello"), "")?;
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(10))?, "hello");
    /// notifier.stop()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// Once stopped, the handler is back in reach (and the notifier can be
    /// started again):
    ///
    /// ```
    /// use greenwatch::{Mask, Stats, ThreadedNotifier, WatchManager};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let wm = WatchManager::new()?;
    /// wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    /// let mut notifier = ThreadedNotifier::new(wm, Stats::new())?;
    /// notifier.start()?;
    /// assert!(notifier.handler().is_none()); // the thread has it
    /// notifier.stop()?;
    /// assert!(!notifier.is_alive());
    /// assert_eq!(notifier.handler().unwrap().count("IN_CREATE"), 0);
    /// notifier.stop()?; // a second stop does nothing
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
