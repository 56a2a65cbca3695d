//! The family rules of both handler traits, tested from one table:
//! [`family_cases`] lists each rule with the method pyinotify's lookup picks
//! for it, and [`Families`] records which method ran.

use std::sync::Mutex;

#[cfg(feature = "async")]
use crate::handlers::async_process_event::{AsyncProcessEvent, HandlerResult};
use crate::handlers::process_event::{Flow, ProcessEvent};
use crate::types::event::Event;
use crate::types::mask::Mask;

/// Every family rule: an event's mask, then the method that handles it in
/// [`Families`] (`IN_ISDIR` ignored; `default` is `process_default`).
pub(crate) fn family_cases() -> [(Mask, &'static str); 10] {
    [
        (Mask::IN_MOVED_FROM, "moved"),
        (Mask::IN_MOVED_TO, "moved"),
        (Mask::IN_CLOSE_WRITE, "close"),
        (Mask::IN_CLOSE_NOWRITE | Mask::IN_ISDIR, "close"),
        (Mask::IN_DELETE, "delete"),
        (Mask::IN_DELETE_SELF, "delete"),
        (Mask::IN_MOVE_SELF, "move"),
        (Mask::IN_Q_OVERFLOW, "q"),
        (Mask::IN_IGNORED, "default"),
        (Mask::IN_CREATE, "default"),
    ]
}

/// Records which method ran: the family methods, the resync notices and
/// `process_default` only, so every other method shows its fallback.
#[derive(Default)]
pub(crate) struct Families(Mutex<Vec<&'static str>>);

impl Families {
    fn push(&self, method: &'static str) {
        self.0.lock().unwrap().push(method);
    }

    /// The methods that ran, in order.
    pub(crate) fn seen(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().clone()
    }
}

/// Both traits' impls of [`Families`], from one list of methods.
macro_rules! recording {
    ($($name:ident => $method:literal;)*) => {
        impl ProcessEvent for Families {
            $(fn $name(&mut self, _: &Event) -> Flow {
                self.push($method);
                Flow::Continue
            })*
        }

        #[cfg(feature = "async")]
        impl AsyncProcessEvent for Families {
            $(async fn $name(&self, _: Event) -> HandlerResult {
                self.push($method);
                Ok(())
            })*
        }
    };
}

recording! {
    process_in_delete => "delete";
    process_in_close => "close";
    process_in_moved => "moved";
    process_in_move => "move";
    process_in_q => "q";
    process_gw_resync_start => "resync start";
    process_gw_resync_end => "resync end";
    process_default => "default";
}

#[test]
fn blocking_family_fallbacks_follow_pyinotify() {
    let mut h = Families::default();
    for (mask, _) in family_cases() {
        let _ = ProcessEvent::handle(&mut h, &Event::new(1, mask, "/w", "x"));
    }
    assert_eq!(h.seen(), family_cases().map(|(_, method)| method));
}

#[cfg(feature = "async")]
#[test]
fn async_family_fallbacks_follow_pyinotify() {
    let h = Families::default();
    let resync = [Mask::GW_RESYNC_START, Mask::GW_RESYNC_END];
    for mask in family_cases().map(|(mask, _)| mask).into_iter().chain(resync) {
        let call = AsyncProcessEvent::handle(&h, Event::new(1, mask, "/w", "x"));
        let _ = futures_lite::future::block_on(call).unwrap();
    }
    let want = family_cases().map(|(_, method)| method);
    assert_eq!(h.seen(), [&want[..], &["resync start", "resync end"]].concat());
}
