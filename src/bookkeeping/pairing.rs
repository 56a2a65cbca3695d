//! The optional pairing layer for consumers who think in moves: a rename inside
//! the watched trees comes out as ONE [`Change`] with both paths, and an
//! `IN_MOVED_FROM` whose partner does not follow as a move-out. [`MovePairer`]
//! is the rule (no I/O, no clock of its own); the stream adaptor
//! [`Moves`](crate::Moves) is in `moves_stream.rs`.
//!
//! pyinotify counterpart: none (pyinotify users pair `IN_MOVED_FROM` with a
//! timer of their own, as its `async_moved_from` example does).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::types::event::Event;
use crate::types::event_kind::EventKind;
use crate::types::mask::Mask;

/// How long [`Moves`](crate::Moves) waits for the `IN_MOVED_TO` of an `IN_MOVED_FROM` by default.
///
/// The kernel queues both halves of a rename within the same system call, so
/// the partner of a rename is normally in the same read; the bound only covers
/// a read that fell between the two.
pub const DEFAULT_MOVE_BOUND: Duration = Duration::from_millis(20);

/// One item of the pairing layer: what happened, and the event it came from.
///
/// For a [`EventKind::Rename`] the event is the `IN_MOVED_TO` (its
/// `IN_MOVED_FROM` is swallowed); for a [`EventKind::MoveOut`] the
/// `IN_MOVED_FROM`. Every other event comes with its own [`Event::kind`];
/// [`EventKind::MovedFrom`] never comes out of the pairing layer.
///
/// ```
/// use std::time::Instant;
///
/// use greenwatch::{Change, Event, EventKind, Mask, MovePairer};
///
/// let mut pairer = MovePairer::new();
/// let mut changes: Vec<Change> = Vec::new();
/// let now = Instant::now();
/// pairer.push(Event::new(1, Mask::IN_MOVED_FROM, "/srv", "draft").with_cookie(3), now, &mut changes);
/// pairer.push(Event::new(1, Mask::IN_MOVED_TO, "/srv", "final").with_cookie(3), now, &mut changes);
/// let (kind, event) = changes.remove(0).into_parts();
/// assert_eq!(kind, EventKind::Rename { from: "/srv/draft".into(), to: "/srv/final".into() });
/// assert_eq!(event.mask(), Mask::IN_MOVED_TO);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    kind: EventKind,
    event: Event,
}

impl Change {
    /// What happened.
    #[must_use]
    pub fn kind(&self) -> &EventKind {
        &self.kind
    }

    /// The event it came from.
    #[must_use]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The kind and the event, by value.
    #[must_use]
    pub fn into_parts(self) -> (EventKind, Event) {
        (self.kind, self.event)
    }
}

/// Pairs the halves of moves, from events given in kernel order; the blocking
/// counterpart of [`Moves`](crate::Moves) (it holds no timer: the caller says when to give up
/// on a partner).
///
/// [`push`](MovePairer::push) holds each `IN_MOVED_FROM`; its `IN_MOVED_TO`
/// (same cookie) makes one [`EventKind::Rename`]; what is still held when the
/// caller [`flush`](MovePairer::flush)es (e.g. at the end of each pass of a
/// blocking [`Notifier`](crate::Notifier), that is after each read) or
/// [`expire`](MovePairer::expire)s comes out as [`EventKind::MoveOut`]. Every
/// other event passes at once. The watch's mask must hold both `IN_MOVED_FROM`
/// and `IN_MOVED_TO` ([`Mask::IN_MOVE`]), or no pair is ever complete.
///
/// # Examples
///
/// ```
/// use std::time::Instant;
/// use greenwatch::{Event, EventKind, Mask, MovePairer};
///
/// let mut pairer = MovePairer::new();
/// let mut out = Vec::new();
/// let now = Instant::now();
/// pairer.push(Event::new(1, Mask::IN_MOVED_FROM, "/w", "a").with_cookie(7), now, &mut out);
/// pairer.push(Event::new(1, Mask::IN_MOVED_TO, "/w", "b").with_cookie(7).with_src_pathname("/w/a"), now, &mut out);
/// pairer.push(Event::new(1, Mask::IN_MOVED_FROM, "/w", "c").with_cookie(8), now, &mut out);
/// pairer.flush(&mut out); // the read ended: c left the tree
/// let kinds: Vec<_> = out.iter().map(|c| c.kind().name()).collect();
/// assert_eq!(kinds, ["rename", "move_out"]);
/// assert_eq!(out[0].kind(), &EventKind::Rename { from: "/w/a".into(), to: "/w/b".into() });
/// ```
///
/// With a blocking [`Notifier`](crate::Notifier): push from the handler, flush
/// after each pass (the callback of [`run_with`](crate::Notifier::run_with)
/// runs after each read has been handled):
///
/// ```
/// use std::cell::RefCell;
/// use std::time::Instant;
/// use greenwatch::{Event, Flow, Mask, MovePairer, Notifier, WatchManager};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a"), "")?;
/// let wm = WatchManager::new()?;
/// wm.add_watch(dir.path(), Mask::IN_MOVE).apply()?;
/// let paired = RefCell::new((MovePairer::new(), Vec::new()));
/// let mut notifier = Notifier::new(wm, |ev: &Event| {
///     let (pairer, changes) = &mut *paired.borrow_mut();
///     pairer.push(ev.clone(), Instant::now(), changes);
/// })?;
/// std::fs::rename(dir.path().join("a"), dir.path().join("b"))?;
/// notifier.run_with(|_| {
///     let (pairer, changes) = &mut *paired.borrow_mut();
///     pairer.flush(changes); // the read is done: an unpaired half moved out
///     if changes.is_empty() { Flow::Continue } else { Flow::Stop }
/// })?;
/// drop(notifier);
/// let (_, changes) = paired.into_inner();
/// assert_eq!(changes[0].kind().name(), "rename");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MovePairer {
    /// Held `IN_MOVED_FROM`s, oldest first, each with when it was pushed.
    held: VecDeque<(Event, Instant)>,
}

impl MovePairer {
    /// A pairer holding nothing.
    #[must_use]
    pub fn new() -> MovePairer {
        MovePairer::default()
    }

    /// Takes the next event (pushed at `now`), appending what is decided to `out`.
    pub fn push(&mut self, event: Event, now: Instant, out: &mut Vec<Change>) {
        match event.mask() - Mask::IN_ISDIR {
            Mask::IN_MOVED_FROM => self.held.push_back((event, now)),
            Mask::IN_MOVED_TO => out.push(self.pair(event)),
            Mask::IN_Q_OVERFLOW => {
                self.flush(out); // their partners may be lost: the rescan reports what is there
                out.push(Change { kind: EventKind::Overflow, event });
            }
            _ => out.push(Change { kind: event.kind(), event }),
        }
    }

    /// The `IN_MOVED_TO`, paired with its held `IN_MOVED_FROM` if there is one.
    fn pair(&mut self, to: Event) -> Change {
        let held = self.held.iter().position(|(from, _)| from.cookie() == to.cookie() && to.cookie() != 0);
        let from = held.and_then(|i| self.held.remove(i)).map(|(from, _)| from);
        let kind = match (to.src_pathname(), from) {
            (Some(src), _) => EventKind::Rename { from: src.to_owned(), to: to.pathname().into_owned() },
            (None, Some(from)) => {
                EventKind::Rename { from: from.pathname().into_owned(), to: to.pathname().into_owned() }
            }
            (None, None) => EventKind::MoveIn,
        };
        Change { kind, event: to }
    }

    /// Every held `IN_MOVED_FROM` comes out as a move-out.
    pub fn flush(&mut self, out: &mut Vec<Change>) {
        out.extend(self.held.drain(..).map(|(event, _)| Change { kind: EventKind::MoveOut, event }));
    }

    /// The `IN_MOVED_FROM`s pushed before `deadline` come out as move-outs.
    pub fn expire(&mut self, deadline: Instant, out: &mut Vec<Change>) {
        while self.held.front().is_some_and(|(_, at)| *at <= deadline) {
            let (event, _) = self.held.pop_front().expect("checked");
            out.push(Change { kind: EventKind::MoveOut, event });
        }
    }

    /// When the oldest held `IN_MOVED_FROM` was pushed, if one is held.
    #[must_use]
    pub fn oldest(&self) -> Option<Instant> {
        self.held.front().map(|(_, at)| *at)
    }

    /// How many `IN_MOVED_FROM`s wait for their partner.
    #[must_use]
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(name: &str, cookie: u32) -> Event {
        Event::new(1, Mask::IN_MOVED_FROM, "/w", name).with_cookie(cookie)
    }

    fn to(name: &str, cookie: u32) -> Event {
        Event::new(1, Mask::IN_MOVED_TO, "/w", name).with_cookie(cookie)
    }

    fn names(out: &[Change]) -> Vec<String> {
        out.iter().map(|c| format!("{} {}", c.kind().name(), c.event().name().to_string_lossy())).collect()
    }

    #[test]
    fn a_pair_is_one_rename_even_without_src_pathname_and_other_events_pass_at_once() {
        let (mut p, mut out, now) = (MovePairer::new(), Vec::new(), Instant::now());
        p.push(from("a", 3), now, &mut out);
        p.push(Event::new(1, Mask::IN_CREATE, "/w", "x"), now, &mut out);
        p.push(to("b", 3), now, &mut out);
        assert_eq!(names(&out), ["create x", "rename b"], "nothing but the held half waits");
        assert_eq!(out[1].kind(), &EventKind::Rename { from: "/w/a".into(), to: "/w/b".into() });
        assert_eq!(p.held(), 0);
    }

    #[test]
    fn unpaired_halves_expire_oldest_first_and_a_move_in_passes() {
        let (mut p, mut out, t0) = (MovePairer::new(), Vec::new(), Instant::now());
        p.push(from("a", 1), t0, &mut out);
        p.push(from("b", 2), t0 + Duration::from_millis(10), &mut out);
        p.push(to("c", 9), t0, &mut out);
        assert_eq!(names(&out), ["move_in c"]);
        p.expire(t0 + Duration::from_millis(5), &mut out);
        assert_eq!(names(&out[1..]), ["move_out a"]);
        assert_eq!(p.oldest(), Some(t0 + Duration::from_millis(10)));
        p.flush(&mut out);
        assert_eq!(names(&out[2..]), ["move_out b"]);
    }

    #[test]
    fn an_overflow_releases_the_held_halves_first() {
        let (mut p, mut out, now) = (MovePairer::new(), Vec::new(), Instant::now());
        p.push(from("a", 1), now, &mut out);
        p.push(Event::overflow(), now, &mut out);
        p.push(to("b", 1), now, &mut out);
        assert_eq!(names(&out), ["move_out a", "overflow ", "move_in b"]);
    }
}
