//! [`Mask`]'s names: pyinotify's `maskname`, the name table, and parsing
//! a mask from names (`FromStr`), with `Display` printing the name.
//!
//! pyinotify counterpart: `EventsCodes.maskname`, `EventsCodes.ALL_FLAGS`.

use std::fmt;
use std::str::FromStr;

use crate::types::error::{Error, ErrorKind};
use crate::types::mask::Mask;

impl Mask {
    /// The name pyinotify prints for this mask: one event name, with `|IN_ISDIR`
    /// appended when that bit is set (`IN_CREATE|IN_ISDIR`).
    ///
    /// pyinotify fails on masks the kernel never sends (several events at
    /// once); greenwatch joins every flag's name with `|` instead, in bit order.
    ///
    /// # Examples
    ///
    /// ```
    /// use greenwatch::Mask;
    /// assert_eq!(Mask::ALL_EVENTS.maskname(), "ALL_EVENTS");
    /// assert_eq!((Mask::IN_CREATE | Mask::IN_MODIFY).maskname(), "IN_MODIFY|IN_CREATE");
    /// ```
    #[must_use]
    pub fn maskname(self) -> String {
        match self.static_maskname() {
            Some(name) => name.to_owned(),
            None => self.joined_names(),
        }
    }

    /// [`Mask::maskname`] without allocating, for every mask the kernel sends
    /// (one event, optionally with `IN_ISDIR`) and for single flags.
    #[must_use]
    pub fn static_maskname(self) -> Option<&'static str> {
        if let Some((name, _)) = GW_NAMES.iter().find(|(_, m)| *m == self) {
            return Some(name);
        }
        let isdir = self.contains(Mask::IN_ISDIR) && self != Mask::IN_ISDIR;
        let base = if isdir { self - Mask::IN_ISDIR } else { self };
        let index = NAMES.iter().position(|(_, m)| *m == base)?;
        Some(if isdir { ISDIR_NAMES.get(index).copied()? } else { NAMES[index].0 })
    }

    fn joined_names(self) -> String {
        let mut out = String::new();
        for bit in (0..32).map(|i| Mask::from_bits_retain(1 << i)).filter(|b| self.contains(*b)) {
            if !out.is_empty() {
                out.push('|');
            }
            match NAMES.iter().chain(GW_NAMES).find(|(_, m)| *m == bit) {
                Some((name, _)) => out.push_str(name),
                None => out.push_str(&format!("0x{:08x}", bit.bits())),
            }
        }
        out
    }

    /// Looks up one name (`IN_CREATE`, `ALL_EVENTS`, `IN_ALL_EVENTS`, `IN_CLOSE`, `IN_MOVE`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Mask> {
        match name {
            "IN_ALL_EVENTS" => Some(Mask::ALL_EVENTS),
            "IN_CLOSE" => Some(Mask::IN_CLOSE),
            "IN_MOVE" => Some(Mask::IN_MOVE),
            _ => NAMES.iter().chain(GW_NAMES).find(|(n, _)| *n == name).map(|(_, m)| *m),
        }
    }

    /// Every pyinotify flag name with its mask (`EventsCodes.ALL_FLAGS`), in bit order,
    /// `ALL_EVENTS` last.
    #[must_use]
    pub fn names() -> &'static [(&'static str, Mask)] {
        NAMES
    }
}

/// pyinotify's `EventsCodes.ALL_FLAGS`, in bit order.
const NAMES: &[(&str, Mask)] = &[
    ("IN_ACCESS", Mask::IN_ACCESS),
    ("IN_MODIFY", Mask::IN_MODIFY),
    ("IN_ATTRIB", Mask::IN_ATTRIB),
    ("IN_CLOSE_WRITE", Mask::IN_CLOSE_WRITE),
    ("IN_CLOSE_NOWRITE", Mask::IN_CLOSE_NOWRITE),
    ("IN_OPEN", Mask::IN_OPEN),
    ("IN_MOVED_FROM", Mask::IN_MOVED_FROM),
    ("IN_MOVED_TO", Mask::IN_MOVED_TO),
    ("IN_CREATE", Mask::IN_CREATE),
    ("IN_DELETE", Mask::IN_DELETE),
    ("IN_DELETE_SELF", Mask::IN_DELETE_SELF),
    ("IN_MOVE_SELF", Mask::IN_MOVE_SELF),
    ("IN_UNMOUNT", Mask::IN_UNMOUNT),
    ("IN_Q_OVERFLOW", Mask::IN_Q_OVERFLOW),
    ("IN_IGNORED", Mask::IN_IGNORED),
    ("IN_ONLYDIR", Mask::IN_ONLYDIR),
    ("IN_DONT_FOLLOW", Mask::IN_DONT_FOLLOW),
    ("IN_EXCL_UNLINK", Mask::IN_EXCL_UNLINK),
    ("IN_MASK_ADD", Mask::IN_MASK_ADD),
    ("IN_ISDIR", Mask::IN_ISDIR),
    ("IN_ONESHOT", Mask::IN_ONESHOT),
    ("ALL_EVENTS", Mask::ALL_EVENTS),
];

/// greenwatch's own notices (not inotify flags, not in pyinotify's list).
const GW_NAMES: &[(&str, Mask)] = &[("GW_RESYNC_START", Mask::GW_RESYNC_START), ("GW_RESYNC_END", Mask::GW_RESYNC_END)];

/// The names of `NAMES[i] | IN_ISDIR`, for the event flags (same indices).
const ISDIR_NAMES: &[&str] = &[
    "IN_ACCESS|IN_ISDIR",
    "IN_MODIFY|IN_ISDIR",
    "IN_ATTRIB|IN_ISDIR",
    "IN_CLOSE_WRITE|IN_ISDIR",
    "IN_CLOSE_NOWRITE|IN_ISDIR",
    "IN_OPEN|IN_ISDIR",
    "IN_MOVED_FROM|IN_ISDIR",
    "IN_MOVED_TO|IN_ISDIR",
    "IN_CREATE|IN_ISDIR",
    "IN_DELETE|IN_ISDIR",
    "IN_DELETE_SELF|IN_ISDIR",
    "IN_MOVE_SELF|IN_ISDIR",
    "IN_UNMOUNT|IN_ISDIR",
    "IN_Q_OVERFLOW|IN_ISDIR",
    "IN_IGNORED|IN_ISDIR",
];

impl FromStr for Mask {
    type Err = Error;

    /// Parses names separated by `,` or `|` (spaces around them are ignored).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidMask`] naming the first word that is not a flag name,
    /// or saying that the list is empty.
    fn from_str(s: &str) -> Result<Mask, Error> {
        let mut mask = Mask::empty();
        for word in s.split([',', '|']).map(str::trim) {
            match Mask::from_name(word) {
                Some(m) => mask |= m,
                None if word.is_empty() => {
                    return Err(Error::new(ErrorKind::InvalidMask, format!("empty event name in {s:?}")));
                }
                None => {
                    let msg = format!("unknown event name {word:?} (expected names such as IN_CREATE or ALL_EVENTS)");
                    return Err(Error::new(ErrorKind::InvalidMask, msg));
                }
            }
        }
        Ok(mask)
    }
}

impl fmt::Display for Mask {
    /// Writes [`Mask::maskname`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.static_maskname() {
            Some(name) => f.write_str(name),
            None if self.is_empty() => f.write_str("0"),
            None => f.write_str(&self.joined_names()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! name_cases {
        ($($name:ident => $value:expr),* $(,)?) => {$(
            assert_eq!(Mask::from_name(stringify!($name)), Some(Mask::from_bits_retain($value)), stringify!($name));
            assert_eq!(Mask::$name.bits(), $value);
            assert_eq!(Mask::$name.maskname(), stringify!($name));
        )*};
    }

    #[test]
    fn every_pyinotify_name_round_trips() {
        name_cases! {
            IN_ACCESS => 0x1, IN_MODIFY => 0x2, IN_ATTRIB => 0x4, IN_CLOSE_WRITE => 0x8,
            IN_CLOSE_NOWRITE => 0x10, IN_OPEN => 0x20, IN_MOVED_FROM => 0x40, IN_MOVED_TO => 0x80,
            IN_CREATE => 0x100, IN_DELETE => 0x200, IN_DELETE_SELF => 0x400, IN_MOVE_SELF => 0x800,
            IN_UNMOUNT => 0x2000, IN_Q_OVERFLOW => 0x4000, IN_IGNORED => 0x8000,
            IN_ONLYDIR => 0x0100_0000, IN_DONT_FOLLOW => 0x0200_0000, IN_EXCL_UNLINK => 0x0400_0000,
            IN_MASK_ADD => 0x2000_0000, IN_ISDIR => 0x4000_0000, IN_ONESHOT => 0x8000_0000,
            ALL_EVENTS => 0xfff,
        }
        assert_eq!(Mask::names().len(), 22);
    }

    #[test]
    fn maskname_appends_isdir_like_pyinotify() {
        assert_eq!(Mask::from_bits_retain(0x4000_0100).maskname(), "IN_CREATE|IN_ISDIR");
        assert_eq!(Mask::from_bits_retain(0x4000_2000).maskname(), "IN_UNMOUNT|IN_ISDIR");
        assert_eq!(Mask::from_bits_retain(0x4000_0100).to_string(), "IN_CREATE|IN_ISDIR");
    }

    #[test]
    fn maskname_of_combinations_joins_names_instead_of_failing() {
        assert_eq!((Mask::IN_CREATE | Mask::IN_MODIFY).maskname(), "IN_MODIFY|IN_CREATE");
        assert_eq!(Mask::from_bits_retain(0x0004_0000).maskname(), "0x00040000");
    }

    #[test]
    fn resync_notices_have_names_of_their_own() {
        assert_eq!(Mask::GW_RESYNC_START.maskname(), "GW_RESYNC_START");
        assert_eq!(Mask::GW_RESYNC_END.static_maskname(), Some("GW_RESYNC_END"));
        assert_eq!("GW_RESYNC_END".parse::<Mask>().unwrap(), Mask::GW_RESYNC_END);
        assert!(!Mask::ALL_EVENTS.intersects(Mask::GW_RESYNC_START | Mask::GW_RESYNC_END));
        assert_eq!(Mask::names().len(), 22, "pyinotify's list is unchanged");
    }

    #[test]
    fn parse_accepts_commas_and_bars() {
        assert_eq!("IN_CREATE,IN_DELETE".parse::<Mask>().unwrap(), Mask::IN_CREATE | Mask::IN_DELETE);
        assert_eq!("IN_CREATE|IN_DELETE".parse::<Mask>().unwrap(), Mask::IN_CREATE | Mask::IN_DELETE);
        assert_eq!(" IN_OPEN , ALL_EVENTS".parse::<Mask>().unwrap(), Mask::ALL_EVENTS);
        assert_eq!("IN_ALL_EVENTS".parse::<Mask>().unwrap(), Mask::ALL_EVENTS);
        assert_eq!("IN_CLOSE".parse::<Mask>().unwrap(), Mask::IN_CLOSE_WRITE | Mask::IN_CLOSE_NOWRITE);
    }

    #[test]
    fn parse_error_names_the_bad_word() {
        let err = "IN_CREATE,IN_BOGUS".parse::<Mask>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidMask);
        assert!(err.to_string().contains("\"IN_BOGUS\""), "{err}");
        assert!("".parse::<Mask>().is_err());
        assert!("IN_CREATE,".parse::<Mask>().is_err());
    }
}
