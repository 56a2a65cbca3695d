//! `settle()`: wait until every change made so far has been dispatched, with a
//! marker file whose inotify event travels the same kernel queue as the others.
//!
//! pyinotify counterpart: none (pyinotify users sleep and hope).

use std::cell::Cell;
use std::fs::{self, File, OpenOptions};
use std::future::{Future, poll_fn};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use async_channel as channel;
use futures_lite::future;

use crate::green::shared::{SettleWaiter, Shared, lock};
use crate::types::error::{Error, ErrorKind, Result};
use crate::types::event::{Event, Wd};
use crate::types::mask::Mask;

thread_local! {
    /// The `Shared` (by address) whose handler this thread is running, or 0.
    static IN_HANDLER: Cell<usize> = const { Cell::new(0) };
}

/// Marks the thread as running one of `shared`'s handlers until dropped (a
/// settle awaited meanwhile fails at once instead of waiting for itself).
pub(crate) struct HandlerScope(usize);

impl HandlerScope {
    pub(crate) fn enter(shared: &Shared) -> HandlerScope {
        HandlerScope(IN_HANDLER.replace(address(shared)))
    }
}

impl Drop for HandlerScope {
    fn drop(&mut self) {
        IN_HANDLER.set(self.0);
    }
}

fn address(shared: &Shared) -> usize {
    std::ptr::from_ref(shared) as usize
}

/// Runs `fut` (a lane's task) with every poll of it in `shared`'s handler scope.
pub(crate) async fn in_handler_scope<F: Future>(shared: Arc<Shared>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    poll_fn(|cx| {
        let _scope = HandlerScope::enter(&shared);
        fut.as_mut().poll(cx)
    })
    .await
}

/// The start of every marker's name.
const PREFIX: &str = ".greenwatch-settle-";

static NEXT: AtomicU64 = AtomicU64::new(0);

/// `.greenwatch-settle-<pid>-`: this process's markers.
fn prefix() -> &'static str {
    static PREFIX_PID: OnceLock<String> = OnceLock::new();
    PREFIX_PID.get_or_init(|| format!("{PREFIX}{}-", std::process::id()))
}

/// True for any event about one of this process's markers: in a watched
/// directory (by name) or on the marker's own watch (by path). Such events
/// never reach a handler.
#[inline]
pub(crate) fn is_marker(event: &Event) -> bool {
    let prefix = prefix().as_bytes();
    let name = event.name().as_bytes();
    if !name.is_empty() {
        return name.starts_with(prefix);
    }
    event.path().file_name().is_some_and(|n| n.as_bytes().starts_with(prefix))
}

/// Opens the markers of every waiting request again: after an overflow their
/// first event may have been dropped by the kernel.
pub(crate) fn retrigger(shared: &Shared) {
    for waiter in lock(&shared.settles).values() {
        let _ = File::open(&waiter.path);
    }
}

fn stopped() -> Error {
    Error::new(ErrorKind::Stopped, "the notifier stopped before settling")
}

/// The marker file and its watch; both removed on drop, with the request.
struct Marker<'a> {
    shared: &'a Shared,
    path: PathBuf,
    wd: Wd,
}

impl<'a> Marker<'a> {
    fn create(shared: &'a Shared) -> Result<Marker<'a>> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{}{n}", prefix()));
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::from_io(e, &path))?;
        let added = shared.wm.add_watch(&path, Mask::IN_OPEN).quiet(false).apply();
        match added.map(|r| r.into_iter().find_map(|(_, o)| o.wd())) {
            Ok(Some(wd)) => {
                shared.markers.fetch_add(1, Ordering::SeqCst);
                Ok(Marker { shared, path, wd })
            }
            Ok(None) => {
                let _ = fs::remove_file(&path);
                Err(Error::new(ErrorKind::Io, "the settle marker could not be watched").with_path(path))
            }
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Queues the marker's event (`IN_OPEN`) behind everything already queued.
    fn touch(&self) -> Result<()> {
        File::open(&self.path).map(drop).map_err(|e| Error::from_io(e, &self.path))
    }
}

impl Drop for Marker<'_> {
    fn drop(&mut self) {
        lock(&self.shared.settles).remove(&self.wd);
        let _ = self.shared.wm.rm_watch(self.wd).apply();
        self.shared.markers.fetch_sub(1, Ordering::SeqCst);
        let _ = fs::remove_file(&self.path);
    }
}

/// See [`NotifierHandle::settle`](crate::NotifierHandle::settle).
pub(crate) async fn settle(shared: &Shared) -> Result<()> {
    if IN_HANDLER.get() == address(shared) {
        return Err(Error::new(
            ErrorKind::WouldDeadlock,
            "settle() was awaited inside one of the notifier's own handlers, which it would wait for; \
             await it in another task",
        ));
    }
    if shared.stop.is_stopped() {
        return Err(stopped());
    }
    let marker = Marker::create(shared)?;
    let (done, passed) = channel::bounded::<()>(1);
    lock(&shared.settles).insert(marker.wd, SettleWaiter { path: marker.path.clone(), done });
    marker.touch()?;
    let settled = future::or(
        async {
            let _ = passed.recv().await; // closed once every task passed the marker
            true
        },
        async {
            shared.stop.stopped().await;
            false
        },
    )
    .await;
    drop(marker);
    if settled && !shared.stop.is_stopped() { Ok(()) } else { Err(stopped()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_recognised_by_name_or_by_path() {
        let name = format!("{}7", prefix());
        assert!(is_marker(&Event::new(1, Mask::IN_CREATE, "/w", &name)));
        assert!(is_marker(&Event::new(2, Mask::IN_OPEN, format!("/tmp/{name}"), "")));
        assert!(!is_marker(&Event::new(1, Mask::IN_CREATE, "/w", "a")));
        assert!(!is_marker(&Event::new(1, Mask::IN_CREATE, "/w", ".greenwatch-settle-0-1")));
        assert!(!is_marker(&Event::overflow()));
    }
}
