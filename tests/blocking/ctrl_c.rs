//! `CtrlC` (feature `signal`): a real signal sent to this process (`kill -USR1`)
//! ends a blocking wait, an async `recv`, and a notifier's loop. SIGUSR1 stands
//! in for Ctrl-C so that the test binary is never interrupted.
#![cfg(feature = "signal")]

#[path = "../util/common.rs"]
mod common;

use greenwatch::{CtrlC, Event, Notifier, WatchManager};
use signal_hook::consts::SIGUSR1;
use std::process::Command;

fn send_usr1() {
    let status = Command::new("kill").arg("-USR1").arg(std::process::id().to_string()).status();
    assert!(status.is_ok_and(|s| s.success()));
}

/// Runs `f` on a thread; fails the test if it does not return within the deadline.
#[track_caller]
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(common::DEADLINE).expect("not within the deadline")
}

// One test: the signal goes to the whole process, so the cases run in order.
#[test]
fn a_signal_ends_a_wait_a_recv_and_a_notifier_loop() {
    let ctrl_c = CtrlC::with_signals(&[SIGUSR1]).unwrap();
    send_usr1(); // before the wait: not lost
    let ctrl_c = within_deadline(move || {
        ctrl_c.wait().unwrap();
        ctrl_c
    });

    let ctrl_c = within_deadline(move || {
        smol::block_on(async {
            let sender = smol::spawn(async { send_usr1() });
            ctrl_c.recv().await.unwrap();
            sender.await;
        });
        ctrl_c
    });
    drop(ctrl_c);

    let mut notifier = Notifier::new(WatchManager::new().unwrap(), |_: &Event| ()).unwrap();
    let thread = CtrlC::with_signals(&[SIGUSR1]).unwrap().stop_on_signal(notifier.stop_handle()).unwrap();
    let (tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(notifier.run().is_ok()).unwrap());
    send_usr1();
    assert_eq!(done.recv_timeout(common::DEADLINE), Ok(true), "the loop ended on the signal");
    thread.join().unwrap();
}
