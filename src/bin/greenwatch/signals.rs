//! SIGINT and SIGTERM: the first ends the loop (events already read are still
//! flushed), a second one also drops `-c` commands that have not started.
//!
//! pyinotify counterpart: the `KeyboardInterrupt` handling of `Notifier.loop`.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use greenwatch::StopHandle;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Catches SIGINT and SIGTERM on a thread of their own: the first calls
/// `stop`, any later one sets `abandon` (if given).
///
/// # Errors
///
/// The OS error of installing the handlers or spawning the thread.
pub fn install(stop: StopHandle, abandon: Option<Arc<AtomicBool>>) -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("greenwatch-signals".into()).spawn(move || {
        for (n, _) in signals.forever().enumerate() {
            if n == 0 {
                stop.stop();
            } else if let Some(flag) = &abandon {
                flag.store(true, Ordering::SeqCst);
            }
        }
    })?;
    Ok(())
}
