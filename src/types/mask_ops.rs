//! [`Mask`]'s set operations in the `bitflags` crate's shape: `const` unions for
//! constants, a checked `from_bits`, `insert`/`remove`, and iteration over flags.
//!
//! pyinotify counterpart: the integer arithmetic on `IN_*` constants.

use crate::types::mask::Mask;

impl Mask {
    /// Every flag greenwatch knows: the events, `IN_UNMOUNT`, `IN_Q_OVERFLOW`,
    /// `IN_IGNORED`, `IN_ISDIR`, the watch options and greenwatch's `GW_*` notices.
    #[must_use]
    pub const fn all() -> Mask {
        Mask::ALL_EVENTS
            .union(Mask::IN_UNMOUNT)
            .union(Mask::IN_Q_OVERFLOW)
            .union(Mask::IN_IGNORED)
            .union(Mask::GW_RESYNC_START)
            .union(Mask::GW_RESYNC_END)
            .union(Mask::IN_ONLYDIR)
            .union(Mask::IN_DONT_FOLLOW)
            .union(Mask::IN_EXCL_UNLINK)
            .union(Mask::IN_MASK_ADD)
            .union(Mask::IN_ISDIR)
            .union(Mask::IN_ONESHOT)
    }

    /// `bits` as a mask if every bit is a known flag (see [`Mask::all`]), else
    /// `None`. [`Mask::from_bits_retain`] keeps unknown bits instead.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// assert_eq!(Mask::from_bits(0x100), Some(Mask::IN_CREATE));
    /// assert_eq!(Mask::from_bits(0x0004_0000), None);
    /// assert_eq!(Mask::from_bits_truncate(0x0004_0100), Mask::IN_CREATE);
    /// ```
    #[must_use]
    pub const fn from_bits(bits: u32) -> Option<Mask> {
        if bits & !Mask::all().bits() == 0 { Some(Mask::from_bits_retain(bits)) } else { None }
    }

    /// `bits` without the unknown ones.
    #[must_use]
    pub const fn from_bits_truncate(bits: u32) -> Mask {
        Mask::from_bits_retain(bits & Mask::all().bits())
    }

    /// `self | other`, usable in a `const`.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// const CHANGES: Mask = Mask::IN_CREATE.union(Mask::IN_DELETE).union(Mask::IN_MOVE);
    /// assert_eq!(CHANGES, Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVE);
    /// ```
    #[must_use]
    pub const fn union(self, other: Mask) -> Mask {
        Mask::from_bits_retain(self.bits() | other.bits())
    }

    /// `self & other`, usable in a `const`.
    #[must_use]
    pub const fn intersection(self, other: Mask) -> Mask {
        Mask::from_bits_retain(self.bits() & other.bits())
    }

    /// `self - other` (the bits of `self` not in `other`), usable in a `const`.
    #[must_use]
    pub const fn difference(self, other: Mask) -> Mask {
        Mask::from_bits_retain(self.bits() & !other.bits())
    }

    /// `self ^ other`, usable in a `const`.
    #[must_use]
    pub const fn symmetric_difference(self, other: Mask) -> Mask {
        Mask::from_bits_retain(self.bits() ^ other.bits())
    }

    /// Sets the bits of `other`.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// let mut mask = Mask::IN_CREATE;
    /// mask.insert(Mask::IN_DELETE);
    /// mask.remove(Mask::IN_CREATE);
    /// assert_eq!(mask, Mask::IN_DELETE);
    /// mask.set(Mask::IN_ISDIR, true);
    /// assert_eq!(mask, Mask::IN_DELETE | Mask::IN_ISDIR);
    /// ```
    pub fn insert(&mut self, other: Mask) {
        *self = self.union(other);
    }

    /// Clears the bits of `other`.
    pub fn remove(&mut self, other: Mask) {
        *self = self.difference(other);
    }

    /// Flips the bits of `other`.
    pub fn toggle(&mut self, other: Mask) {
        *self = self.symmetric_difference(other);
    }

    /// Sets the bits of `other` if `value`, clears them otherwise.
    pub fn set(&mut self, other: Mask, value: bool) {
        if value { self.insert(other) } else { self.remove(other) }
    }

    /// Each bit that is set, as a mask of its own, lowest first (unknown bits included).
    ///
    /// ```
    /// use greenwatch::Mask;
    /// let flags: Vec<Mask> = (Mask::IN_CREATE | Mask::IN_ISDIR).iter().collect();
    /// assert_eq!(flags, [Mask::IN_CREATE, Mask::IN_ISDIR]);
    /// ```
    pub fn iter(self) -> impl Iterator<Item = Mask> {
        (0..u32::BITS).map(|i| 1u32 << i).filter(move |b| self.bits() & b != 0).map(Mask::from_bits_retain)
    }

    /// Each known flag that is set, with its pyinotify name, lowest first.
    ///
    /// ```
    /// use greenwatch::Mask;
    /// let names: Vec<&str> = (Mask::IN_CREATE | Mask::IN_ISDIR).iter_names().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["IN_CREATE", "IN_ISDIR"]);
    /// ```
    pub fn iter_names(self) -> impl Iterator<Item = (&'static str, Mask)> {
        self.iter().filter_map(|bit| Some((bit.static_maskname()?, bit)))
    }
}

impl IntoIterator for Mask {
    type Item = Mask;
    type IntoIter = Box<dyn Iterator<Item = Mask>>;

    /// As [`Mask::iter`].
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<Mask> for Mask {
    /// The union of every mask.
    fn from_iter<I: IntoIterator<Item = Mask>>(iter: I) -> Mask {
        iter.into_iter().fold(Mask::empty(), Mask::union)
    }
}

impl Extend<Mask> for Mask {
    fn extend<I: IntoIterator<Item = Mask>>(&mut self, iter: I) {
        for m in iter {
            self.insert(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_holds_every_named_flag_and_nothing_else() {
        for (name, mask) in Mask::names() {
            assert!(Mask::all().contains(*mask), "{name}");
        }
        assert_eq!(Mask::all().iter().count(), Mask::all().iter_names().count(), "every bit of all() has a name");
        assert_eq!(Mask::from_bits(Mask::all().bits()), Some(Mask::all()));
        assert_eq!(Mask::from_bits(1 << 12), None, "bit 12 is no inotify flag");
    }

    #[test]
    fn iteration_and_collection_round_trip() {
        let mask = Mask::IN_MODIFY | Mask::IN_CREATE | Mask::from_bits_retain(1 << 12);
        assert_eq!(mask.iter().count(), 3);
        assert_eq!(mask.iter().collect::<Mask>(), mask);
        assert_eq!(mask.iter_names().count(), 2, "the unknown bit has no name");
        let mut m = Mask::empty();
        m.extend(mask);
        m.toggle(Mask::IN_MODIFY);
        assert_eq!(m, Mask::IN_CREATE | Mask::from_bits_retain(1 << 12));
    }
}
