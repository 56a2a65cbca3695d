//! [`EventKind`]: what happened, as a consumer thinks of it, so that code can
//! `match` instead of testing mask bits ([`Event::kind`]).
//!
//! pyinotify counterpart: none (pyinotify users test `event.mask` or write one
//! `process_IN_*` method per event).

use std::path::PathBuf;

use crate::types::event::Event;
use crate::types::mask::Mask;

/// What an event means to its consumer, from [`Event::kind`] or from the
/// pairing layer ([`Moves`](crate::Moves)).
///
/// | mask (`IN_ISDIR` ignored) | kind |
/// |---|---|
/// | `IN_CREATE` | [`Create`](EventKind::Create) |
/// | `IN_MODIFY` | [`Modify`](EventKind::Modify) |
/// | `IN_CLOSE_WRITE` | [`CloseWrite`](EventKind::CloseWrite) |
/// | `IN_ATTRIB` | [`Metadata`](EventKind::Metadata) |
/// | `IN_ACCESS`, `IN_OPEN`, `IN_CLOSE_NOWRITE` | [`Access`](EventKind::Access) |
/// | `IN_DELETE`, `IN_DELETE_SELF` | [`Remove`](EventKind::Remove) |
/// | `IN_MOVED_TO` with [`src_pathname`](Event::src_pathname) | [`Rename { from, to }`](EventKind::Rename) |
/// | `IN_MOVED_TO` without it (from outside the watched trees) | [`MoveIn`](EventKind::MoveIn) |
/// | `IN_MOVED_FROM` | [`MovedFrom`](EventKind::MovedFrom) from `Event::kind`; the pairing layer turns it into half of a `Rename` or a [`MoveOut`](EventKind::MoveOut) |
/// | `IN_Q_OVERFLOW` | [`Overflow`](EventKind::Overflow) |
/// | `IN_MOVE_SELF`, `IN_IGNORED`, `IN_UNMOUNT`, `GW_RESYNC_START`, `GW_RESYNC_END`, several bits at once | [`Other`](EventKind::Other) |
///
/// Whether the subject is a directory is [`Event::is_dir`], and whether an overflow
/// rescan made the event up is [`Event::is_recovered`]; neither changes the kind.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, EventKind, Mask};
///
/// let ev = Event::new(1, Mask::IN_MOVED_TO, "/w", "b").with_src_pathname("/w/a");
/// match ev.kind() {
///     EventKind::Rename { from, to } => assert_eq!((from.to_str(), to.to_str()), (Some("/w/a"), Some("/w/b"))),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(Event::new(1, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", "d").kind(), EventKind::Create);
/// assert_eq!(Event::new(1, Mask::IN_MOVED_TO, "/w", "b").kind(), EventKind::MoveIn);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A file or directory was created (or reported once by the listing of a new directory).
    Create,
    /// A file's content was written (`IN_MODIFY`).
    Modify,
    /// A file open for writing was closed: its content is complete (`IN_CLOSE_WRITE`).
    CloseWrite,
    /// Permissions, owner, timestamps, link count or extended attributes changed (`IN_ATTRIB`).
    Metadata,
    /// Read, opened, or closed without writing.
    Access,
    /// A file or directory was deleted (`IN_DELETE`), or the watched item itself (`IN_DELETE_SELF`).
    Remove,
    /// A rename whose both ends are in watched directories.
    Rename {
        /// The old path.
        from: PathBuf,
        /// The new path (the event's `pathname`).
        to: PathBuf,
    },
    /// An entry moved in from outside every watched directory.
    MoveIn,
    /// An entry moved out of every watched directory: only the pairing layer,
    /// which waits for the partner, reports this.
    MoveOut,
    /// An entry left this name (`IN_MOVED_FROM`): the first half of a `Rename`
    /// (whose `IN_MOVED_TO` follows) or a move out; [`Moves`](crate::Moves) tells which.
    MovedFrom,
    /// The kernel queue overflowed: events were lost (`IN_Q_OVERFLOW`).
    Overflow,
    /// Anything else: `IN_MOVE_SELF`, `IN_IGNORED`, `IN_UNMOUNT`, greenwatch's
    /// resync notices, or a mask with several events.
    Other,
}

impl EventKind {
    /// A short lowercase name: `create`, `modify`, `close_write`, `metadata`,
    /// `access`, `remove`, `rename`, `move_in`, `move_out`, `moved_from`,
    /// `overflow`, `other` (the `"kind"` of `greenwatch --json --pair-moves`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Create => "create",
            EventKind::Modify => "modify",
            EventKind::CloseWrite => "close_write",
            EventKind::Metadata => "metadata",
            EventKind::Access => "access",
            EventKind::Remove => "remove",
            EventKind::Rename { .. } => "rename",
            EventKind::MoveIn => "move_in",
            EventKind::MoveOut => "move_out",
            EventKind::MovedFrom => "moved_from",
            EventKind::Overflow => "overflow",
            EventKind::Other => "other",
        }
    }
}

impl Event {
    /// What the event means, for a `match` (see [`EventKind`] for the table).
    #[must_use]
    pub fn kind(&self) -> EventKind {
        match self.mask() - Mask::IN_ISDIR {
            Mask::IN_CREATE => EventKind::Create,
            Mask::IN_MODIFY => EventKind::Modify,
            Mask::IN_CLOSE_WRITE => EventKind::CloseWrite,
            Mask::IN_ATTRIB => EventKind::Metadata,
            Mask::IN_ACCESS | Mask::IN_OPEN | Mask::IN_CLOSE_NOWRITE => EventKind::Access,
            Mask::IN_DELETE | Mask::IN_DELETE_SELF => EventKind::Remove,
            Mask::IN_MOVED_TO => match self.src_pathname() {
                Some(from) => EventKind::Rename { from: from.to_owned(), to: self.pathname().into_owned() },
                None => EventKind::MoveIn,
            },
            Mask::IN_MOVED_FROM => EventKind::MovedFrom,
            Mask::IN_Q_OVERFLOW => EventKind::Overflow,
            _ => EventKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(mask: Mask) -> EventKind {
        Event::new(1, mask, "/w", "a").kind()
    }

    #[test]
    fn every_mask_of_the_table_maps_to_its_kind() {
        let table = [
            (Mask::IN_CREATE, EventKind::Create),
            (Mask::IN_MODIFY, EventKind::Modify),
            (Mask::IN_CLOSE_WRITE, EventKind::CloseWrite),
            (Mask::IN_ATTRIB, EventKind::Metadata),
            (Mask::IN_ACCESS, EventKind::Access),
            (Mask::IN_OPEN, EventKind::Access),
            (Mask::IN_CLOSE_NOWRITE, EventKind::Access),
            (Mask::IN_DELETE, EventKind::Remove),
            (Mask::IN_DELETE_SELF, EventKind::Remove),
            (Mask::IN_MOVED_TO, EventKind::MoveIn),
            (Mask::IN_MOVED_FROM, EventKind::MovedFrom),
            (Mask::IN_MOVE_SELF, EventKind::Other),
            (Mask::IN_IGNORED, EventKind::Other),
            (Mask::IN_UNMOUNT, EventKind::Other),
            (Mask::GW_RESYNC_START, EventKind::Other),
            (Mask::IN_CREATE | Mask::IN_DELETE, EventKind::Other),
        ];
        for (mask, want) in table {
            assert_eq!(kind(mask), want, "{mask:?}");
            assert_eq!(kind(mask | Mask::IN_ISDIR), want, "IN_ISDIR is ignored: {mask:?}");
        }
        assert_eq!(Event::overflow().kind(), EventKind::Overflow);
    }

    #[test]
    fn a_moved_to_with_its_source_is_a_rename_with_both_paths() {
        let ev = Event::new(1, Mask::IN_MOVED_TO | Mask::IN_ISDIR, "/w/y", "b").with_src_pathname("/w/x/a");
        assert_eq!(ev.kind(), EventKind::Rename { from: "/w/x/a".into(), to: "/w/y/b".into() });
        assert_eq!(ev.kind().name(), "rename");
    }
}
