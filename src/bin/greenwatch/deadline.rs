//! `--timeout`: end the run after a fixed time, whether events keep coming or not.

use std::io;
use std::time::Duration;

use greenwatch::StopHandle;

/// Calls `stop` once `after` has passed, from a thread that sleeps until then.
///
/// # Errors
///
/// The OS error if the thread cannot be spawned.
pub fn spawn(after: Duration, stop: StopHandle) -> io::Result<()> {
    std::thread::Builder::new().name("greenwatch-timeout".into()).spawn(move || {
        std::thread::sleep(after);
        stop.stop();
    })?;
    Ok(())
}
