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
//! # Quick start (blocking)
//!
//! pyinotify's own shape: a [`ProcessEvent`] handler with one method per event
//! kind, and a [`Notifier`] whose [`run`](Notifier::run) loops on the calling
//! thread ([`ThreadedNotifier`] runs it on a thread of its own).
//!
//! ```
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
//!         Flow::Stop // here: end the loop after the first removal
//!     }
//! }
//!
//! # let dir = tempfile::tempdir()?;
//! # let dir = dir.path();
//! let wm = WatchManager::new()?;
//! wm.add_watch(dir, Mask::IN_CREATE | Mask::IN_DELETE).rec(true).auto_add(true).apply()?;
//! let mut notifier = Notifier::new(wm, OnChange)?;
//! std::fs::write(dir.join("hello"), "")?;
//! std::fs::remove_file(dir.join("hello"))?;
//! notifier.run()?; // pyinotify's notifier.loop(); stop it from elsewhere with stop_handle()
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Errors are [`Error`] values with an [`ErrorKind`] and the path concerned; a
//! limit error names the `sysctl` to raise.
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
//! | feature | default | what it adds |
//! |---|---|---|
//! | `async` | yes | the async front-ends ([`AsyncNotifier`], [`LocalAsyncNotifier`], [`EventStream`], [`Moves`], [`AsyncProcessEvent`]…) on smol's crates; without it only the blocking [`Notifier`] and [`ThreadedNotifier`] remain, and no async crate is compiled |
//! | `regex` | yes | [`ExcludeFilter::new`] and [`ExcludeFilter::from_file`]: pyinotify's regular-expression excludes |
//! | `glob` | yes | [`AddWatch::do_glob`]: shell wildcards in watched paths |
//! | `ignore` | yes | [`ExcludeFilter::from_globs`] and [`ExcludeFilter::from_ignore_files`]: `.gitignore`-style rules |
//! | `signal` | with `cli` | [`CtrlC`]: SIGINT and SIGTERM as a stop for either notifier (turns `async` on) |
//! | `serde` | no | `Serialize`/`Deserialize` for [`Event`] and [`Mask`]; names and paths keep their exact bytes: a string when they are UTF-8, a byte sequence otherwise (both are read back) |
//! | `cli` | yes | the `greenwatch` command line's own dependencies (argument parsing, completions, man page); turns on every feature above but `serde` |
//!
//! A library leaves the command line out, and may leave the async stack out too:
//!
//! ```toml
//! [dependencies]
//! greenwatch = { version = "0.1", default-features = false, features = ["async"] } # or [] for blocking only
//! ```
//!
//! Diagnostics (a handler's failure, auto_add failures nobody took) go to the
//! [`log`](https://docs.rs/log) facade, target `greenwatch`; the library never
//! prints. Install any logger to see them.
//!
//! # Using it from tokio
//!
//! [`EventStream`] is a plain [`futures_core::Stream`] and
//! [`AsyncNotifier::run`] a plain future: both run inside a tokio runtime as
//! they are. Their fd is registered with async-io's reactor, which runs on a
//! thread of its own when no async-io `block_on` drives it; tokio's reactor is
//! not involved, so no tokio feature is needed beyond the runtime itself.
//!
//! ```
//! use futures_lite::StreamExt;
//! use greenwatch::{EventStream, Mask, WatchManager};
//!
//! let dir = tempfile::tempdir()?;
//! let wm = WatchManager::new()?;
//! wm.add_watch(dir.path(), Mask::IN_CLOSE_WRITE).apply()?;
//! let mut events = EventStream::new(wm)?;
//! std::fs::write(dir.path().join("a.txt"), "x")?;
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?; // or #[tokio::main]
//! let ev = runtime.block_on(events.next()).expect("ends only when stopped")?;
//! assert_eq!(ev.name(), "a.txt");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Exclude filters
//!
//! An [`ExcludeFilter`] keeps directories unwatched and unwalked, now and when
//! they appear later: pyinotify's regular expressions, `.gitignore`-style globs,
//! or the ignore files found in the tree, combined with
//! [`union`](ExcludeFilter::union). Give it to
//! [`WatchManager::with_exclude_filter`] or to one
//! [`add_watch(..).exclude_filter(..)`](AddWatch::exclude_filter);
//! [`ExcludeFilter::ignores_event`] tells a handler which file events the glob
//! and ignore-file rules exclude.
//!
//! # Running as a service
//!
//! greenwatch is built to watch, often as root, trees that other users can
//! write (spools, uploads, logs). Those users control every name and directory
//! below the paths you give, and may swap a directory for a symlink at any
//! moment; they must not be able to make greenwatch read, watch or report
//! anything outside the tree.
//!
//! - Every walk (recursive `add_watch`, auto_add, overflow resync,
//!   [`WatchManager::retry_unwatched`]) opens each directory relative to its
//!   parent's open descriptor, without following symlinks, and watches the
//!   directory it actually opened. Only the paths you name may be symlinks;
//!   they are resolved once. `/proc` must be mounted.
//! - [`WatchManager::set_max_watches`] caps the watches others can make it
//!   spend; directories beyond the cap are listed by
//!   [`WatchManager::unwatched`] and reported once per walk
//!   ([`ErrorKind::WatchLimit`]), as when the kernel's own limit is met.
//! - A user can still flood the event queue: that is what
//!   [overflow recovery](#overflow-and-recovery) is for. Treat names as data:
//!   a name may hold a newline or other control bytes ([`format::write_json`]
//!   and [`format::write_pyinotify_escaped`] write them so that no line can be
//!   forged).
//!
//! # inotify gotchas
//!
//! - Events that happen inside a directory before its watch exists are lost to
//!   every inotify program; auto_add reports the entries it then finds with
//!   synthesized `IN_CREATE` events, but not their earlier writes.
//! - The kernel merges an event into an identical unread one at the tail of its queue.
//! - Watches and instances are limited per user (`fs.inotify.max_user_watches`,
//!   `fs.inotify.max_user_instances`); errors name the sysctl to raise.
//!
//! # The command line
//!
//! The package also builds the `greenwatch` command (feature `cli`, on by
//! default; `cargo install greenwatch`). It mirrors `python -m pyinotify` on top
//! of this API and adds JSON lines, inotifywait's `--format`, a command run per
//! event or per burst, and exclude globs. `greenwatch --help` is its manual;
//! the package's README has the tables of options and output formats.

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
