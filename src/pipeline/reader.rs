//! The reader: one `read(2)` into a large buffer, records parsed in place.
//!
//! pyinotify counterpart: `Notifier.read_events` (FIONREAD, `threshold`, one
//! `os.read`, `struct.unpack` per record) and the coalescing set.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;

use crate::kernel::sys::InotifyFd;
use crate::types::event::RawEvent;
use crate::types::mask::Mask;

/// The size of one read: 256 KiB holds at least 8,192 records (64 KiB is
/// pyinotify's floor). One read per pass keeps memory bounded whatever the
/// kernel queue holds.
pub(crate) const READ_SIZE: usize = 256 * 1024;
/// The largest record: a header and a `NAME_MAX` name with its NUL.
const MAX_RECORD: usize = HEADER + 256;
const HEADER: usize = 16;

/// Bytes read from the kernel and not yet processed.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    buf: Vec<u8>,
    /// Whether the last read found the kernel queue empty afterwards.
    drained: bool,
    /// The most bytes one read takes (0: [`READ_SIZE`]).
    limit: usize,
}

impl Reader {
    /// One read of up to [`READ_SIZE`] bytes, appended to the buffer. Reads
    /// nothing while fewer than `threshold` bytes wait (checked with `FIONREAD`,
    /// which costs the kernel a walk of its queue, so only when a threshold is set).
    /// Returns the bytes read.
    pub(crate) fn read(&mut self, fd: &InotifyFd, threshold: usize) -> io::Result<usize> {
        if threshold > 0 && fd.bytes_available()? < threshold {
            return Ok(0);
        }
        let size = self.read_size();
        self.buf.reserve(size);
        let room = (self.buf.capacity() - self.buf.len()).min(size);
        let n = fd.read_into(&mut self.buf, size)?;
        // Had the kernel held more, it would have filled the room up to the last record.
        self.drained = n + MAX_RECORD < room;
        Ok(n)
    }

    /// Caps one read at `bytes` (at least one record of the longest name; at
    /// most [`READ_SIZE`]): the async front-ends read less at a time so that the
    /// bookkeeping of one read stays a small slice of their thread.
    #[cfg(feature = "async")]
    pub(crate) fn set_read_size(&mut self, bytes: usize) {
        self.limit = bytes.clamp(MAX_RECORD, READ_SIZE);
    }

    fn read_size(&self) -> usize {
        if self.limit == 0 { READ_SIZE } else { self.limit }
    }

    /// True if the last read left the kernel queue empty (as far as it could tell).
    pub(crate) fn drained(&self) -> bool {
        self.drained
    }

    /// True if no unprocessed bytes are buffered.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The buffered records.
    pub(crate) fn records(&self) -> Records<'_> {
        Records { buf: &self.buf }
    }

    /// Forgets the buffered records (after processing), keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    #[cfg(test)]
    pub(crate) fn push_bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

/// Iterator over the records of a buffer; stops at a truncated record.
#[derive(Debug)]
pub(crate) struct Records<'a> {
    buf: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = RawEvent<'a>;

    fn next(&mut self) -> Option<RawEvent<'a>> {
        let header = self.buf.get(..HEADER)?;
        let word = |i: usize| u32::from_ne_bytes(header[i..i + 4].try_into().expect("4 bytes"));
        let len = word(12) as usize;
        let name = self.buf.get(HEADER..HEADER + len)?;
        self.buf = &self.buf[HEADER + len..];
        Some(RawEvent {
            wd: word(0) as i32,
            mask: Mask::from_bits_retain(word(4)),
            cookie: word(8),
            name: OsStr::from_bytes(&name[..name_len(name)]),
        })
    }
}

/// Where a name padded with NULs ends (its first NUL), or the field's length.
/// Looks at 8 bytes at a time (the kernel pads names to multiples of 16): the
/// word trick flags every zero byte, and no false flag falls below the first.
fn name_len(padded: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut words = padded.chunks_exact(8);
    for (i, word) in words.by_ref().enumerate() {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let zeros = word.wrapping_sub(ONES) & !word & (ONES << 7);
        if zeros != 0 {
            return 8 * i + (zeros.trailing_zeros() / 8) as usize;
        }
    }
    let tail = words.remainder();
    let start = padded.len() - tail.len();
    start + tail.iter().position(|&b| b == 0).unwrap_or(tail.len())
}

/// pyinotify's `coalesce_events`: drops a record identical (wd, mask, cookie,
/// name) to one already seen since the set was last cleared.
#[derive(Debug, Default)]
pub(crate) struct Coalescer {
    seen: HashSet<(i32, u32, u32, Box<[u8]>)>,
}

impl Coalescer {
    /// True the first time a record is seen.
    pub(crate) fn first_time(&mut self, raw: &RawEvent<'_>) -> bool {
        self.seen.insert((raw.wd, raw.mask.bits(), raw.cookie, raw.name.as_bytes().into()))
    }

    pub(crate) fn clear(&mut self) {
        self.seen.clear();
    }
}

/// Parses every record of `buf` as the reader does and returns them (benches).
#[cfg(feature = "internals")]
pub fn parse_records(buf: &[u8]) -> impl Iterator<Item = RawEvent<'_>> {
    Records { buf }
}

/// Runs the bookkeeping of a watch manager over made-up records (benches: the
/// per-event cost without the kernel), into a queue reused from run to run as
/// the notifier's is.
///
/// Internal (feature `internals`, for `benches/hot_path.rs`): not part of the
/// API and not covered by semver.
#[cfg(feature = "internals")]
#[derive(Debug, Default)]
pub struct Bookkeep {
    out: Vec<crate::bookkeeping::Routed>,
}

#[cfg(feature = "internals")]
impl Bookkeep {
    /// Runs the bookkeeping of `wm` over the records of `buf` (the kernel's
    /// format) as one batch that read the queue empty; returns how many events it built.
    pub fn run(&mut self, wm: &crate::watches::watch_manager::WatchManager, buf: &[u8]) -> usize {
        self.out.clear();
        let mut book = wm.lock();
        for raw in parse_records(buf) {
            book.process(raw, &mut self.out);
        }
        book.end_batch(true, &mut self.out);
        self.out.len()
    }
}

/// Encodes a record as the kernel does (tests and benches).
#[cfg(any(test, feature = "internals"))]
pub fn encode_record(out: &mut Vec<u8>, wd: i32, mask: u32, cookie: u32, name: &[u8]) {
    let len = if name.is_empty() { 0 } else { (name.len() + 1).next_multiple_of(16) };
    out.extend_from_slice(&wd.to_ne_bytes());
    out.extend_from_slice(&mask.to_ne_bytes());
    out.extend_from_slice(&cookie.to_ne_bytes());
    out.extend_from_slice(&(len as u32).to_ne_bytes());
    out.extend_from_slice(name);
    out.resize(out.len() + len - name.len(), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_in_place_and_strips_padding() {
        let mut r = Reader::default();
        let mut bytes = Vec::new();
        encode_record(&mut bytes, 1, 0x100, 0, b"a.txt");
        encode_record(&mut bytes, 2, 0x400, 0, b"");
        encode_record(&mut bytes, 1, 0x40, 9, b"bad-\xff");
        r.push_bytes(&bytes);
        let got: Vec<_> = r.records().collect();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].wd, got[0].mask, got[0].name), (1, Mask::IN_CREATE, OsStr::new("a.txt")));
        assert_eq!(got[1].name, OsStr::new(""));
        assert_eq!((got[2].cookie, got[2].name.as_bytes()), (9, &b"bad-\xff"[..]));
    }

    #[test]
    fn a_name_ends_at_its_first_nul_whatever_its_length_and_bytes() {
        for field in 0..=40 {
            for len in 0..=field {
                for byte in [1, b'a', 0x7f, 0x80, 0xff] {
                    let mut padded = vec![byte; len];
                    padded.resize(field, 0);
                    assert_eq!(name_len(&padded), len, "{len} bytes of {byte:#x} in {field}");
                }
            }
        }
    }

    #[test]
    fn a_truncated_record_ends_the_iteration() {
        let mut bytes = Vec::new();
        encode_record(&mut bytes, 1, 0x100, 0, b"abc");
        bytes.truncate(bytes.len() - 1);
        assert_eq!(Records { buf: &bytes }.count(), 0);
    }

    #[test]
    fn coalescer_drops_repeats_until_cleared() {
        let mut c = Coalescer::default();
        let a = RawEvent { wd: 1, mask: Mask::IN_MODIFY, cookie: 0, name: OsStr::new("a") };
        let b = RawEvent { name: OsStr::new("b"), ..a };
        assert!(c.first_time(&a));
        assert!(c.first_time(&b));
        assert!(!c.first_time(&a));
        c.clear();
        assert!(c.first_time(&a));
    }
}
