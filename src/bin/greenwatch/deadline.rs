//! `--timeout`: end the run after a fixed time, whether events keep coming or not.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use greenwatch::StopHandle;

/// Calls `stop` once `after` has passed, from a thread that sleeps until then,
/// and returns a flag that tells whether it was this timer that stopped the
/// run (not a signal or `--count` before it).
///
/// # Errors
///
/// The OS error if the thread cannot be spawned.
pub fn spawn(after: Duration, stop: StopHandle) -> io::Result<Arc<AtomicBool>> {
    let fired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&fired);
    std::thread::Builder::new().name("greenwatch-timeout".into()).spawn(move || {
        std::thread::sleep(after);
        if !stop.is_stopped() {
            flag.store(true, Ordering::SeqCst);
            stop.stop();
        }
    })?;
    Ok(fired)
}
