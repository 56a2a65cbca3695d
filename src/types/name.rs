//! An event's entry name, kept inline when short, so that most events cost no allocation.
//!
//! A name of up to [`INLINE`] bytes (most file names) is stored in the event
//! itself; a longer one (up to `NAME_MAX`, 255) in a boxed slice. Bytes, never
//! decoded. pyinotify counterpart: the `name` string of `Event`.

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;

/// The longest name kept inline: the type then takes 32 bytes, a `Box<[u8]>` plus its tag's word.
const INLINE: usize = 30;

/// An entry name (see the module docs).
#[derive(Clone)]
pub(crate) enum Name {
    /// `len` bytes at the start of `bytes`.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// A name longer than [`INLINE`] bytes.
    Heap(Box<[u8]>),
}

impl Name {
    /// A copy of `name`. Inlined into the event's construction (see [`padded`]).
    #[inline(always)]
    pub(crate) fn new(name: &OsStr) -> Name {
        let src = name.as_bytes();
        match u8::try_from(src.len()) {
            Ok(len) if src.len() <= INLINE => Name::Inline { len, bytes: padded(src) },
            _ => Name::Heap(src.into()),
        }
    }

    /// The name.
    pub(crate) fn as_os_str(&self) -> &OsStr {
        OsStr::from_bytes(match self {
            Name::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Name::Heap(bytes) => bytes,
        })
    }
}

/// `src` (at most [`INLINE`] bytes) followed by zeros, assembled from 8-byte
/// words read at fixed offsets (the last one overlapping the one before) rather
/// than by a copy of variable length: the event holding the name is then
/// built from whole words, and its own copy into the queue does not wait on
/// the narrow stores of such a copy (a stall per event in a burst).
#[inline(always)]
fn padded(src: &[u8]) -> [u8; INLINE] {
    let mut bytes = [0; INLINE];
    for (k, chunk) in bytes.chunks_mut(WORD).enumerate() {
        chunk.copy_from_slice(&word_at(src, k * WORD).to_le_bytes()[..chunk.len()]);
    }
    bytes
}

const WORD: usize = 8;

/// The bytes of `src` from `start`, at most 8 of them, as a little-endian
/// word padded with zeros.
#[inline(always)]
fn word_at(src: &[u8], start: usize) -> u64 {
    let n = src.len();
    if n >= start + WORD {
        load(&src[start..start + WORD])
    } else if n <= start {
        0
    } else if n >= WORD {
        // The last 8 bytes, of which only those from `start` are wanted.
        load(&src[n - WORD..]) >> (8 * (start + WORD - n))
    } else {
        src[start..].iter().rev().fold(0, |word, &b| word << 8 | u64::from(b))
    }
}

fn load(eight: &[u8]) -> u64 {
    u64::from_le_bytes(eight.try_into().expect("8 bytes"))
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_os_str() == other.as_os_str()
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    /// Hashes the bytes only, as `eq` compares them.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_os_str().hash(state);
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_os_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_inline_long_ones_boxed_and_both_read_back_exactly() {
        for len in [0, 1, INLINE - 1, INLINE, INLINE + 1, 255] {
            let bytes: Vec<u8> = (0..len).map(|i| [b'a', 0xff, b'/', 0x80][i % 4]).collect();
            let name = Name::new(OsStr::from_bytes(&bytes));
            assert_eq!(name.as_os_str().as_bytes(), bytes, "len {len}");
            assert_eq!(matches!(name, Name::Inline { .. }), len <= INLINE, "len {len}");
        }
    }

    #[test]
    fn padded_keeps_every_byte_in_place_and_zeros_the_rest() {
        for len in 0..=INLINE {
            let src: Vec<u8> = (1..=len as u8).map(|b| b.wrapping_mul(37) | 1).collect();
            let mut want = [0; INLINE];
            want[..len].copy_from_slice(&src);
            assert_eq!(padded(&src), want, "len {len}");
        }
    }

    #[test]
    fn equality_compares_the_bytes_whatever_the_storage() {
        let a = Name::new(OsStr::new("same"));
        let b = Name::Heap(b"same"[..].into());
        assert_eq!(a, b);
        assert_ne!(a, Name::new(OsStr::new("other")));
    }

    #[test]
    fn the_inline_form_takes_no_more_room_than_a_string() {
        assert_eq!(std::mem::size_of::<Name>(), 32);
    }
}
