//! pyinotify's `WatchManager` / `Notifier` / `ProcessEvent` model for Linux inotify,
//! with paths that stay true after moves, directories that are never missed, and
//! names kept as bytes.
//!
//! # Quick start (async)
//!
//! An [`AsyncNotifier`] is a future: it awaits the inotify fd on the async-io
//! reactor, so it shares one thread with your other tasks (sockets, timers),
//! and it runs each watch's handler calls as a green task of their own.
//!
//! ```
//! use greenwatch::{AsyncNotifier, AsyncProcessEvent, Event, HandlerResult, Mask, WatchManager};
//!
//! struct OnChange;
//! impl AsyncProcessEvent for OnChange {
//!     async fn process_in_create(&self, ev: Event) -> HandlerResult {
//!         println!("created {}", ev.pathname().display()); // or await a socket, a timer…
//!         Ok(())
//!     }
//! }
//!
//! # let dir = tempfile::tempdir()?;
//! # let dir = dir.path();
//! let wm = WatchManager::new()?;
//! wm.add_watch(dir, Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply()?;
//! let notifier = AsyncNotifier::new(wm, OnChange)?;
//! let handle = notifier.handle(); // stop, settle: from any task or thread
//! smol::block_on(async {
//!     let task = smol::spawn(notifier.run());
//!     std::fs::write(dir.join("hello"), "")?;
//!     handle.settle().await?; // "created …/hello" has been printed
//!     handle.stop();
//!     task.await
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Events of one watch reach its handler in order; a handler that awaits never
//! holds up another watch. Queues are bounded: a handler that falls behind
//! makes the notifier stop reading, and the burst waits in the kernel. A
//! failing or panicking handler is reported, not fatal. Blocking handlers work
//! too ([`SyncHandler`]), and [`EventStream`] yields the same events for code
//! that prefers to pull. See [`AsyncNotifier`] for executors, stop and drain.
//!
//! # Examples
//!
//! ```no_run
//! use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager};
//!
//! struct OnChange;
//! impl ProcessEvent for OnChange {
//!     fn process_in_create(&mut self, ev: &Event) -> Flow {
//!         println!("created {}", ev.pathname().display());
//!         Flow::Continue
//!     }
//!     fn process_in_delete(&mut self, ev: &Event) -> Flow {
//!         println!("removed {}", ev.pathname().display());
//!         Flow::Continue
//!     }
//! }
//!
//! let wm = WatchManager::new()?;
//! wm.add_watch("/var/log", Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply()?;
//! Notifier::new(wm, OnChange)?.run()?; // pyinotify's notifier.loop()
//! # Ok::<(), greenwatch::Error>(())
//! ```
//!
//! # From pyinotify
//!
//! | pyinotify | greenwatch |
//! |---|---|
//! | `WatchManager()` | [`WatchManager::new`] |
//! | `wm.add_watch(path, mask, rec=True, auto_add=True)` | `wm.add_watch(path, mask).rec(true).auto_add(true).apply()` |
//! | `wm.update_watch(wd, mask=m)` | `wm.update_watch(wd).mask(m).apply()` |
//! | `wm.rm_watch(wd, rec=True)` | `wm.rm_watch(wd).rec(true).apply()` |
//! | `wm.get_wd(path)`, `wm.get_path(wd)`, `wm.watches` | [`WatchManager::get_wd`], [`WatchManager::get_path`], [`WatchManager::watches`] |
//! | `Notifier(wm, handler, read_freq, threshold, timeout)` | `Notifier::new(wm, handler)?.with_read_freq(..).with_threshold(..).with_timeout(..)` |
//! | `notifier.loop(callback)` | [`Notifier::run`], [`Notifier::run_with`] |
//! | `check_events`, `read_events`, `process_events` | same names on [`Notifier`] |
//! | `ThreadedNotifier` | [`ThreadedNotifier`] |
//! | `ProcessEvent.process_IN_CREATE` | [`ProcessEvent::process_in_create`] (and so on) |
//! | `ProcessEvent(pevent=p)` | [`Chained::new(p, handler)`](Chained::new) |
//! | `PrintAllEvents`, `Stats`, `ChainIfTrue`, `ExcludeFilter` | same names |
//! | `IN_CREATE`, `ALL_EVENTS`, `EventsCodes.maskname` | [`Mask::IN_CREATE`], [`Mask::ALL_EVENTS`], [`Mask::maskname`] |
//! | `WatchManagerError`, `-1` results | [`Error`] with [`ErrorKind`], [`Outcome::Failed`] |
//!
//! # Differences from pyinotify, on purpose
//!
//! - A directory renamed inside the tree rewrites every watch path below it at
//!   once, whatever the mask; a moved root is followed; a directory moved out of
//!   the tree stops being watched. No `-unknown-path`.
//! - With auto_add, a new directory is watched, then listed, and every entry is
//!   reported exactly once.
//! - The kernel mask includes what the bookkeeping needs (moves, creates of
//!   directories); only the events asked for are delivered.
//! - Names are bytes: a non-UTF-8 name never stops the notifier.
//! - `IN_Q_OVERFLOW` reaches `process_default` unless `process_in_q_overflow` is overridden.
//!
//! # Overflow and recovery
//!
//! When the kernel queue (`fs.inotify.max_queued_events`, 16,384 by default)
//! fills, events are lost and an `IN_Q_OVERFLOW` (wd -1) is delivered to every
//! handler's `process_in_q_overflow` (or `process_default`). With recovery on
//! ([`WatchManager::set_recovery`], before `add_watch`; on by default in the
//! CLI with `-r`, off with `--no-recovery`), each watched directory keeps a
//! compact record of its entries (name, inode, kind: about 36 bytes an entry),
//! and the notifier then rescans every watched tree: new entries are reported
//! with `IN_CREATE`, vanished ones with `IN_DELETE` (a name whose inode changed
//! with both), new directories are watched (with auto_add) and their content
//! reported, gone ones stop being watched. These events are marked
//! [`Event::is_recovered`] and framed by two notices with wd -1,
//! [`Mask::GW_RESYNC_START`] and [`Mask::GW_RESYNC_END`] (`process_gw_resync_start`
//! and `process_gw_resync_end`). A late kernel `IN_CREATE` or `IN_DELETE` for an entry the
//! rescan reported is not delivered again. File changes (`IN_MODIFY`) are not
//! recovered: that would need a `stat` per file. [`WatchManager::resync`] runs
//! the same rescan on demand.
//!
//! When the watch limit (`ENOSPC`) stops a recursive walk, greenwatch goes on
//! in a degraded mode: one error (naming the path, the watches this process
//! holds, `max_user_watches` and the `sysctl` line) is reported with the count
//! of directories left out, those are listed by [`WatchManager::unwatched`], and
//! [`WatchManager::retry_unwatched`] (or the next resync) watches them once the
//! limit allows.
//!
//! ```
//! use greenwatch::{Mask, WatchManager};
//!
//! let wm = WatchManager::new()?;
//! wm.set_recovery(true);
//! let dir = tempfile::tempdir()?;
//! wm.add_watch(dir.path(), Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply()?;
//! assert!(wm.unwatched().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Cargo features
//!
//! - `async` (default): the async front-ends ([`AsyncNotifier`], [`EventStream`],
//!   [`AsyncProcessEvent`]…) and smol's crates. Without it only the blocking
//!   [`Notifier`] and [`ThreadedNotifier`] remain, and no async crate is compiled.
//! - `cli` (default): the `greenwatch` command line's dependencies; a library
//!   depends on greenwatch with `default-features = false` (plus `features = ["async"]`).
//! - `serde` (off): `Serialize`/`Deserialize` for [`Event`] and [`Mask`]. Names
//!   and paths keep their exact bytes: a string when they are UTF-8, a byte
//!   sequence otherwise (both are read back).
//!
//! Diagnostics (a handler's failure, auto_add failures nobody took) go to the
//! [`log`](https://docs.rs/log) facade, target `greenwatch`; the library never
//! prints.
//!
//! # inotify gotchas
//!
//! - Events that happen inside a directory before its watch exists are lost to
//!   every inotify program; auto_add reports the entries it then finds with
//!   synthesized `IN_CREATE` events, but not their earlier writes.
//! - The kernel merges an event into an identical unread one at the tail of its queue.
//! - Watches and instances are limited per user (`fs.inotify.max_user_watches`,
//!   `fs.inotify.max_user_instances`); errors name the sysctl to raise.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
// No hand-written `unsafe`: every system call goes through rustix.
#![forbid(unsafe_code)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "greenwatch supports Linux only: it is built on inotify(7), which other systems lack \
     (for a portable watcher, see the `notify` crate)"
);

// The layers, bottom up: each uses only the ones before it (ARCHITECTURE.md).
// The words every layer speaks: Mask, Event, Wd, Error, the kernel's limits.
mod types;
// Every syscall: the inotify fd, the wait, directory listings, the FsView seam.
mod kernel;
// What events are dispatched to: ProcessEvent, AsyncProcessEvent, failure policy.
mod handlers;
// The watch table and the rules (moves, auto_add, roots, walks, recovery); no I/O.
mod bookkeeping;
// WatchManager: the fd and the bookkeeping behind one lock.
mod watches;
// Read, then bookkeeping, then a queue of routed events: shared by the front-ends.
mod pipeline;
// The blocking front-end: Notifier, ThreadedNotifier.
mod blocking;
// The green front-end on smol: AsyncNotifier, EventStream, lanes, settle.
mod green;
// Text forms of events for the CLI and users.
mod output;

pub use blocking::notifier::Notifier;
pub use blocking::stop_handle::StopHandle;
pub use blocking::threaded::ThreadedNotifier;
pub use bookkeeping::filter::ExcludeFilter;
pub use bookkeeping::pairing::{Change, DEFAULT_MOVE_BOUND, MovePairer};
pub use bookkeeping::tree::Outcome;
#[cfg(feature = "async")]
pub use green::async_notifier::AsyncNotifier;
#[cfg(feature = "async")]
pub use green::async_stop::AsyncStopHandle;
#[cfg(feature = "async")]
pub use green::local_notifier::{LocalAsyncNotifier, LocalProcessEvent};
#[cfg(feature = "async")]
pub use green::moves_stream::Moves;
#[cfg(feature = "async")]
pub use green::notifier_handle::{DispatchStats, NotifierHandle};
#[cfg(feature = "signal")]
pub use green::signal::CtrlC;
#[cfg(feature = "async")]
pub use green::spawner::{LaneFuture, Spawner};
#[cfg(feature = "async")]
pub use green::stream::EventStream;
#[cfg(feature = "async")]
pub use handlers::async_process_event::{
    AsyncProcessEvent, HandlerError, HandlerResult, IntoHandlerResult, SyncHandler, dispatch_async,
};
pub use handlers::chain::{ChainIfTrue, Chained};
pub use handlers::handler_failure::{FailureCause, HandlerFailure};
pub use handlers::print_all::PrintAllEvents;
pub use handlers::process_event::{Flow, ProcessEvent, dispatch};
pub use handlers::shared_handler::SharedHandler;
pub use handlers::stats::Stats;
pub use output::format;
pub use types::error::{Error, ErrorKind, Result};
pub use types::event::{Event, Wd};
pub use types::event_kind::EventKind;
pub use types::limits;
pub use types::mask::Mask;
pub use watches::add_results::AddResults;
pub use watches::add_watch::AddWatch;
pub use watches::change_watch::{RmWatch, UpdateWatch};
pub use watches::paths::WatchPaths;
pub use watches::watch::Watch;
pub use watches::watch_manager::WatchManager;

/// The executor crate of [`AsyncNotifier`]'s default executor and of the
/// [`Spawner`] implementations, re-exported so its version always matches.
#[cfg(feature = "async")]
pub use async_executor;
/// The crate of the [`Stream`](futures_core::Stream) trait that [`EventStream`]
/// implements, re-exported so its version always matches.
#[cfg(feature = "async")]
pub use futures_core;

/// The hot path's parts, for the benches (`--features internals`): not part
/// of the API, and not covered by semver.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::pipeline::reader::{Bookkeep, encode_record, parse_records};
    pub use crate::types::event::RawEvent;
}

/// The README's and the porting guide's Rust blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/porting.md")]
struct PortingDoctests;
