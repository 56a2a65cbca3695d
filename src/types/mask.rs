//! Event masks: the `Mask` type, every inotify flag under its pyinotify name,
//! and the bit operators (names and parsing: `mask_names.rs`; the
//! `bitflags`-shaped set operations: `mask_ops.rs`).
//!
//! pyinotify counterpart: `EventsCodes` and the module-level `IN_*` constants.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, Not, Sub};

/// A set of inotify flags (a `u32` bit set), named as in pyinotify.
///
/// Combine flags with `|`, test them with [`Mask::contains`] and
/// [`Mask::intersects`], parse them from pyinotify's comma- or `|`-separated
/// names with [`str::parse`], and print one as pyinotify does with
/// [`Mask::maskname`].
///
/// Unless noted, an event flag fires both for the watched item itself and,
/// when a directory is watched, for the entries inside it (then the event's
/// `name` is the entry's name).
///
/// # Examples
///
/// ```
/// use greenwatch::Mask;
///
/// let mask: Mask = "IN_CREATE,IN_DELETE".parse()?;
/// assert_eq!(mask, Mask::IN_CREATE | Mask::IN_DELETE);
/// assert_eq!((Mask::IN_CREATE | Mask::IN_ISDIR).maskname(), "IN_CREATE|IN_ISDIR");
/// assert!("IN_BOGUS".parse::<Mask>().unwrap_err().to_string().contains("IN_BOGUS"));
/// # Ok::<(), greenwatch::Error>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mask(u32);

impl Mask {
    /// A file was read (`read`, `execve`…). Fires for entries of a watched directory and for a watched file.
    pub const IN_ACCESS: Mask = Mask(0x0000_0001);
    /// A file was written (`write`, `truncate`…).
    pub const IN_MODIFY: Mask = Mask(0x0000_0002);
    /// Metadata changed: permissions, timestamps, owner, link count, extended attributes.
    pub const IN_ATTRIB: Mask = Mask(0x0000_0004);
    /// A file opened for writing was closed.
    pub const IN_CLOSE_WRITE: Mask = Mask(0x0000_0008);
    /// A file or directory not opened for writing was closed.
    pub const IN_CLOSE_NOWRITE: Mask = Mask(0x0000_0010);
    /// A file or directory was opened.
    pub const IN_OPEN: Mask = Mask(0x0000_0020);
    /// An entry was renamed away from the watched directory (carries a cookie).
    pub const IN_MOVED_FROM: Mask = Mask(0x0000_0040);
    /// An entry was renamed into the watched directory (carries a cookie).
    pub const IN_MOVED_TO: Mask = Mask(0x0000_0080);
    /// An entry was created in the watched directory.
    pub const IN_CREATE: Mask = Mask(0x0000_0100);
    /// An entry was deleted from the watched directory.
    pub const IN_DELETE: Mask = Mask(0x0000_0200);
    /// The watched item itself was deleted (fires on the watched item only).
    pub const IN_DELETE_SELF: Mask = Mask(0x0000_0400);
    /// The watched item itself was moved (fires on the watched item only).
    pub const IN_MOVE_SELF: Mask = Mask(0x0000_0800);
    /// The file system holding the watched item was unmounted (always reported).
    pub const IN_UNMOUNT: Mask = Mask(0x0000_2000);
    /// The event queue overflowed; events were lost (wd -1, always reported).
    pub const IN_Q_OVERFLOW: Mask = Mask(0x0000_4000);
    /// The watch was removed (explicitly, or because its item went away; always reported).
    pub const IN_IGNORED: Mask = Mask(0x0000_8000);
    /// Watch the path only if it is a directory (`add_watch` flag).
    pub const IN_ONLYDIR: Mask = Mask(0x0100_0000);
    /// Do not follow a symbolic link (`add_watch` flag).
    pub const IN_DONT_FOLLOW: Mask = Mask(0x0200_0000);
    /// Stop reporting events for children once they are unlinked (`add_watch` flag).
    pub const IN_EXCL_UNLINK: Mask = Mask(0x0400_0000);
    /// Add to the mask of an existing watch instead of replacing it (`add_watch` flag).
    pub const IN_MASK_ADD: Mask = Mask(0x2000_0000);
    /// The event's subject is a directory (set by the kernel on events).
    pub const IN_ISDIR: Mask = Mask(0x4000_0000);
    /// Report one event, then remove the watch (`add_watch` flag).
    pub const IN_ONESHOT: Mask = Mask(0x8000_0000);
    /// Both close events: `IN_CLOSE_WRITE | IN_CLOSE_NOWRITE` (not in pyinotify).
    pub const IN_CLOSE: Mask = Mask(0x0000_0018);
    /// Both move events: `IN_MOVED_FROM | IN_MOVED_TO` (not in pyinotify).
    pub const IN_MOVE: Mask = Mask(0x0000_00c0);
    /// The twelve event flags `IN_ACCESS` … `IN_MOVE_SELF`.
    pub const ALL_EVENTS: Mask = Mask(0x0000_0fff);
    /// greenwatch's own notice, not an inotify flag: an overflow resync starts
    /// (events marked [`recovered`](crate::Event::is_recovered) follow, then
    /// [`Mask::GW_RESYNC_END`]). Delivered with wd -1, like `IN_Q_OVERFLOW`.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// assert_eq!(Mask::GW_RESYNC_START.maskname(), "GW_RESYNC_START");
    /// assert_eq!("GW_RESYNC_START".parse::<Mask>().unwrap(), Mask::GW_RESYNC_START);
    /// ```
    pub const GW_RESYNC_START: Mask = Mask(0x0001_0000);
    /// greenwatch's own notice, not an inotify flag: an overflow resync ended;
    /// the handler has seen every change it found.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// assert_eq!(Mask::GW_RESYNC_END.maskname(), "GW_RESYNC_END");
    /// ```
    pub const GW_RESYNC_END: Mask = Mask(0x0002_0000);
    /// Alias of [`Mask::ALL_EVENTS`], the kernel header's spelling.
    pub const IN_ALL_EVENTS: Mask = Mask::ALL_EVENTS;

    /// The empty mask.
    #[must_use]
    pub const fn empty() -> Mask {
        Mask(0)
    }

    /// Wraps raw bits; unknown bits are kept.
    #[must_use]
    pub const fn from_bits_retain(bits: u32) -> Mask {
        Mask(bits)
    }

    /// The raw bits.
    #[must_use]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True if no bit is set.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if every bit of `other` is set in `self`.
    #[must_use]
    pub const fn contains(self, other: Mask) -> bool {
        self.0 & other.0 == other.0
    }

    /// True if `self` and `other` share a bit.
    #[must_use]
    pub const fn intersects(self, other: Mask) -> bool {
        self.0 & other.0 != 0
    }

    /// The event bits only (no `IN_ISDIR` or watch flags).
    #[must_use]
    pub const fn events(self) -> Mask {
        Mask(self.0 & (Mask::ALL_EVENTS.0 | 0xe000))
    }
}

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mask({self})")
    }
}

impl fmt::LowerHex for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

macro_rules! bit_op {
    ($tr:ident, $method:ident, $assign_tr:ident, $assign:ident, $op:tt) => {
        impl $tr for Mask {
            type Output = Mask;
            fn $method(self, rhs: Mask) -> Mask {
                Mask(self.0 $op rhs.0)
            }
        }
        impl $assign_tr for Mask {
            fn $assign(&mut self, rhs: Mask) {
                self.0 = self.0 $op rhs.0;
            }
        }
    };
}

bit_op!(BitOr, bitor, BitOrAssign, bitor_assign, |);
bit_op!(BitAnd, bitand, BitAndAssign, bitand_assign, &);

impl BitXor for Mask {
    type Output = Mask;
    fn bitxor(self, rhs: Mask) -> Mask {
        Mask(self.0 ^ rhs.0)
    }
}

impl Sub for Mask {
    type Output = Mask;
    /// The bits of `self` that are not in `rhs`.
    fn sub(self, rhs: Mask) -> Mask {
        Mask(self.0 & !rhs.0)
    }
}

impl Not for Mask {
    type Output = Mask;
    fn not(self) -> Mask {
        Mask(!self.0)
    }
}

impl From<Mask> for u32 {
    fn from(mask: Mask) -> u32 {
        mask.0
    }
}

impl From<u32> for Mask {
    fn from(bits: u32) -> Mask {
        Mask(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_operations() {
        let m = Mask::IN_CREATE | Mask::IN_ISDIR;
        assert!(m.contains(Mask::IN_CREATE));
        assert!(!m.contains(Mask::IN_CREATE | Mask::IN_DELETE));
        assert!(m.intersects(Mask::IN_CREATE | Mask::IN_DELETE));
        assert_eq!(m - Mask::IN_ISDIR, Mask::IN_CREATE);
        assert_eq!(m & Mask::IN_ISDIR, Mask::IN_ISDIR);
        assert_eq!(m.events(), Mask::IN_CREATE);
        assert_eq!(format!("{:x}", Mask::IN_CREATE), "100");
        assert_eq!(format!("{m:?}"), "Mask(IN_CREATE|IN_ISDIR)");
    }
}
