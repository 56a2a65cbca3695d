//! Overflow recovery's memory: what each watched directory held when last seen.
//!
//! With recovery on, every watched directory keeps a compact record of its
//! entries (name → inode, and whether it is a directory), filled from the
//! listings the walk and auto_add make anyway and kept current by every
//! `IN_CREATE`, `IN_DELETE`, `IN_MOVED_FROM` and `IN_MOVED_TO` (whose inode is
//! unknown: 0). No `stat` is made per event, so file sizes and times are not
//! recorded: a resync reports entries created and deleted, not modified.
//! pyinotify counterpart: none (pyinotify only logs an overflow).
//!
//! Layout: one record allocates three buffers however many names it holds. The
//! names lie back to back in a byte arena, each entry is a 16-byte [`Item`]
//! (where its name lies, 24 bits of its name's hash, its packed inode and
//! kind), and a `hashbrown` [`HashTable`] of entry indices, hashed from those
//! bits of a foldhash keyed once per process, finds a name (an index's name is
//! compared byte for byte in the arena, so colliding hashes only cost a
//! comparison). Growing the index rehashes from the items' bits, without
//! reading or hashing a name again: a directory filling up by thousands of
//! `IN_CREATE`s pays no second hash per name. A removal leaves a tombstone; once
//! tombstones outnumber the live entries (or their bytes the live bytes) the
//! arena is compacted and the index rebuilt, so churn keeps memory bounded.

use std::ffi::OsStr;
use std::hash::{BuildHasher, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::sync::LazyLock;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry as Slot;

use super::Bookkeeper;
use crate::bookkeeping::watch_table::WatchEntry;
use crate::kernel::dir_list::Entry;
use crate::kernel::fs_view::FsView;
use crate::types::event::{RawEvent, Wd};
use crate::types::mask::Mask;

/// The top bit of a packed value: the entry is a directory.
const DIR_BIT: u64 = 1 << 63;

/// The name length of a removed entry (a tombstone): no entry has an empty name.
const DEAD: u8 = 0;

/// The tombstones a record tolerates whatever its size before it compacts.
const MIN_DEAD: u32 = 32;

/// The spare arena bytes a compaction leaves allocated (beyond twice the live bytes).
const SPARE_BYTES: usize = 1024;

/// The names' hash: foldhash, with a random key drawn once per process, so
/// names chosen by another user cannot be made to collide on purpose.
static NAME_HASH: LazyLock<RandomState> = LazyLock::new(RandomState::default);

/// An inode (63 bits) and the directory bit in one value.
fn pack(ino: u64, is_dir: bool) -> u64 {
    (ino & !DIR_BIT) | if is_dir { DIR_BIT } else { 0 }
}

/// The inode and the directory bit of a packed value.
fn unpack(v: u64) -> (u64, bool) {
    (v & !DIR_BIT, v & DIR_BIT != 0)
}

/// 24 bits of the keyed hash of one name's bytes (all an [`Item`] has room for).
fn name_bits(name: &[u8]) -> u32 {
    let mut hasher = NAME_HASH.build_hasher();
    hasher.write(name);
    (hasher.finish() >> 40) as u32
}

/// The index's hash of a name's 24 bits: spread over the 64 bits, so that the
/// table's bucket (low bits) and its tag (top 7 bits) both vary with them.
fn index_hash(bits: u32) -> u64 {
    u64::from(bits).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// One entry of a record: its name is `arena[start..start + len]`, where `len`
/// is the low byte of `tag` ([`DEAD`] once removed) and the 24 bits above are
/// the name's [`name_bits`]; `packed` its inode and directory bit.
#[derive(Debug, Clone, Copy)]
struct Item {
    start: u32,
    tag: u32,
    packed: u64,
}

impl Item {
    /// The length of the entry's name ([`DEAD`] for a tombstone).
    fn len(&self) -> u8 {
        self.tag as u8
    }

    /// Whether the entry is still recorded (not a tombstone).
    fn is_live(&self) -> bool {
        self.len() != DEAD
    }

    /// The index's hash of the entry's name.
    fn hash(&self) -> u64 {
        index_hash(self.tag >> 8)
    }
}

/// The names of a record and their entries, in arena order, tombstones included.
///
/// Invariants: `items` are in increasing `start` order and every live item's
/// name lies inside `bytes` (below `u32::MAX`); `dead` counts the tombstones
/// and `dead_bytes` the arena bytes they still hold.
#[derive(Debug, Default, Clone)]
struct Arena {
    bytes: Vec<u8>,
    items: Vec<Item>,
    dead: u32,
    dead_bytes: u32,
}

impl Arena {
    /// The name of a live entry.
    fn name_of(&self, item: &Item) -> &[u8] {
        &self.bytes[item.start as usize..][..usize::from(item.len())]
    }

    /// Entry `i`.
    fn item(&self, i: u32) -> &Item {
        &self.items[i as usize]
    }

    /// The name of live entry `i`.
    fn name(&self, i: u32) -> &[u8] {
        self.name_of(self.item(i))
    }

    /// Appends an entry of `name`, whose [`name_bits`] are `bits`; its index,
    /// or `None` for a name no directory holds (empty, or over `NAME_MAX`, 255
    /// bytes) and past 4 GiB of names in one directory.
    fn push(&mut self, name: &[u8], bits: u32, packed: u64) -> Option<u32> {
        let len = u8::try_from(name.len()).ok().filter(|len| *len != DEAD)?;
        let start = u32::try_from(self.bytes.len()).ok().filter(|start| start.checked_add(len.into()).is_some())?;
        let index = u32::try_from(self.items.len()).ok()?;
        self.bytes.extend_from_slice(name);
        self.items.push(Item { start, tag: bits << 8 | u32::from(len), packed });
        Some(index)
    }

    /// Turns live entry `i` into a tombstone; its packed value.
    fn kill(&mut self, i: u32) -> u64 {
        let item = &mut self.items[i as usize];
        self.dead += 1;
        self.dead_bytes += u32::from(item.len());
        item.tag = u32::from(DEAD);
        item.packed
    }

    /// Whether the tombstones (or their bytes) outnumber the live ones, past [`MIN_DEAD`].
    fn wants_compaction(&self) -> bool {
        let live = self.items.len() - self.dead as usize;
        let live_bytes = self.bytes.len() - self.dead_bytes as usize;
        self.dead >= MIN_DEAD && (self.dead as usize > live || self.dead_bytes as usize > live_bytes)
    }

    /// Drops the tombstones and their bytes (live entries keep their order, not
    /// their indices) and gives back spare capacity beyond twice what is live.
    fn compact(&mut self) {
        self.items.retain(Item::is_live);
        let mut end = 0;
        for item in &mut self.items {
            let start = item.start as usize;
            let len = usize::from(item.len());
            self.bytes.copy_within(start..start + len, end);
            item.start = end as u32; // never above the old start
            end += len;
        }
        self.bytes.truncate(end);
        self.bytes.shrink_to(2 * end + SPARE_BYTES);
        self.items.shrink_to(2 * (self.items.len() + MIN_DEAD as usize));
        self.dead = 0;
        self.dead_bytes = 0;
    }

    /// The heap bytes of the arena and the entries.
    fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.items.capacity() * size_of::<Item>()
    }
}

/// The entries of one directory: name → inode (63 bits) and the directory bit
/// (see the module docs for the layout).
#[derive(Debug, Default, Clone)]
pub(crate) struct DirRecord {
    arena: Arena,
    /// The live entries' indices in `arena.items`, by the hash of their name.
    index: HashTable<u32>,
}

impl DirRecord {
    /// The record of a fresh listing.
    pub(crate) fn from_listing(entries: &[Entry]) -> DirRecord {
        let bytes = entries.iter().map(|e| e.name.len()).sum();
        let arena =
            Arena { bytes: Vec::with_capacity(bytes), items: Vec::with_capacity(entries.len()), ..Arena::default() };
        let mut record = DirRecord { arena, index: HashTable::with_capacity(entries.len()) };
        for e in entries {
            record.insert(&e.name, e.ino, e.is_dir);
        }
        record
    }

    /// Adds or replaces `name` (inode 0: unknown).
    pub(crate) fn insert(&mut self, name: &OsStr, ino: u64, is_dir: bool) {
        self.upsert(name.as_bytes(), |_| pack(ino, is_dir));
    }

    /// An `IN_CREATE` of `name`: recorded with inode 0 (unknown), unless it is
    /// recorded already with the same kind (a listing's inode is kept).
    pub(crate) fn note_create(&mut self, name: &OsStr, is_dir: bool) {
        self.upsert(name.as_bytes(), |old| match old {
            Some(v) if unpack(v).1 == is_dir => v,
            _ => pack(0, is_dir),
        });
    }

    /// Sets `name` to `value(its packed value, if recorded)`, with one hash and one probe.
    /// A name that does not fit (see [`Arena::push`]) is left out.
    fn upsert(&mut self, name: &[u8], value: impl FnOnce(Option<u64>) -> u64) {
        let arena = &self.arena;
        let bits = name_bits(name);
        let slot = self.index.entry(index_hash(bits), |&i| arena.name(i) == name, |&i| arena.item(i).hash());
        match slot {
            Slot::Occupied(found) => {
                let item = &mut self.arena.items[*found.get() as usize];
                item.packed = value(Some(item.packed));
            }
            Slot::Vacant(vacant) => {
                if let Some(i) = self.arena.push(name, bits, value(None)) {
                    vacant.insert(i);
                }
            }
        }
    }

    /// Removes `name`: its inode and whether it was a directory.
    pub(crate) fn remove(&mut self, name: &OsStr) -> Option<(u64, bool)> {
        let name = name.as_bytes();
        let arena = &self.arena;
        let found = self.index.find_entry(index_hash(name_bits(name)), |&i| arena.name(i) == name).ok()?;
        let (i, _) = found.remove();
        let packed = self.arena.kill(i);
        if self.arena.wants_compaction() {
            self.compact();
        }
        Some(unpack(packed))
    }

    /// Compacts the arena and rebuilds the index over the new entry indices.
    fn compact(&mut self) {
        self.arena.compact();
        let arena = &self.arena;
        self.index.clear();
        self.index.shrink_to(arena.items.len(), |&i| arena.item(i).hash());
        for (i, item) in (0u32..).zip(&arena.items) {
            self.index.insert_unique(item.hash(), i, |&j| arena.item(j).hash());
        }
    }

    /// Gives back the spare capacity of a record built entry by entry (a
    /// record built from a whole listing has none).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.arena.bytes.shrink_to_fit();
        self.arena.items.shrink_to_fit();
    }

    /// The inode and kind of `name`.
    #[cfg_attr(not(test), expect(dead_code, reason = "the bookkeeping looks up through upsert and remove"))]
    pub(crate) fn get(&self, name: &OsStr) -> Option<(u64, bool)> {
        let name = name.as_bytes();
        let i = self.index.find(index_hash(name_bits(name)), |&i| self.arena.name(i) == name)?;
        Some(unpack(self.arena.items[*i as usize].packed))
    }

    /// True if no entry is recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every entry: name, inode, directory.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&OsStr, u64, bool)> {
        self.iter_from(0).map(|(_, name, ino, dir)| (name, ino, dir))
    }

    /// The entries from position `from` on, each with the position after it:
    /// an iteration that stops there goes on from it while the record is unchanged.
    pub(crate) fn iter_from(&self, from: usize) -> impl Iterator<Item = (usize, &OsStr, u64, bool)> {
        let items = self.arena.items.iter().enumerate().skip(from);
        items.filter(|(_, item)| item.is_live()).map(|(i, item)| {
            let (ino, dir) = unpack(item.packed);
            (i + 1, OsStr::from_bytes(self.arena.name_of(item)), ino, dir)
        })
    }

    /// The heap bytes this record holds (names, entries and index), for measurements.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.heap_bytes() + self.index.allocation_size()
    }
}

impl<F: FsView> Bookkeeper<F> {
    /// Keeps `entries` as the record of directory `wd`, if its watch asked for recovery.
    pub(crate) fn record_listing(&mut self, wd: Wd, entries: &[Entry]) {
        if !self.table.get(wd).is_some_and(keeps_record) {
            return;
        }
        if entries.is_empty() {
            self.records.remove(&wd); // an absent record is an empty one
        } else {
            self.records.insert(wd, Box::new(DirRecord::from_listing(entries)));
        }
    }

    /// Lists directory `wd`, open as `dir`, for its record (a watch no walk lists).
    pub(crate) fn record_dir(&mut self, wd: Wd, dir: &F::Dir) {
        if self.table.get(wd).is_some_and(keeps_record)
            && let Ok(entries) = self.fs.list(dir)
        {
            self.record_listing(wd, &entries);
        }
    }

    /// Takes the record of directory `wd` (empty if none was kept).
    pub(super) fn take_record(&mut self, wd: Wd) -> DirRecord {
        self.records.remove(&wd).map(|record| *record).unwrap_or_default()
    }

    /// Applies one kernel record to the record of its directory, whose watch keeps one.
    pub(super) fn note_record(&mut self, raw: RawEvent<'_>) {
        let is_dir = raw.mask.contains(Mask::IN_ISDIR);
        match raw.mask - Mask::IN_ISDIR {
            Mask::IN_CREATE => self.records.entry(raw.wd).or_default().note_create(raw.name, is_dir),
            Mask::IN_MOVED_TO => self.records.entry(raw.wd).or_default().insert(raw.name, 0, is_dir),
            Mask::IN_DELETE | Mask::IN_MOVED_FROM => {
                if let Some(record) = self.records.get_mut(&raw.wd) {
                    record.remove(raw.name);
                    if record.is_empty() {
                        self.records.remove(&raw.wd);
                    }
                }
            }
            _ => {}
        }
    }

    /// The heap bytes of every record (see [`DirRecord::heap_bytes`]).
    pub(crate) fn record_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(Wd, Box<DirRecord>)>() + 1;
        let records: usize = self.records.values().map(|r| size_of::<DirRecord>() + r.heap_bytes()).sum();
        self.records.capacity() * slot + records
    }
}

/// True if the watch keeps a record of its directory's entries (recovery on).
pub(crate) fn keeps_record(entry: &WatchEntry) -> bool {
    entry.dir && entry.options.recovery
}

#[cfg(test)]
#[path = "records_tests.rs"]
mod tests;

#[cfg(test)]
mod item_tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn an_item_rehashes_as_its_name_was_hashed() {
        let mut record = DirRecord::default();
        let names: Vec<Vec<u8>> = (0..500).map(|i| format!("name-{i}").into_bytes()).chain([vec![0xff; 255]]).collect();
        for name in &names {
            record.insert(OsStr::from_bytes(name), 1, false);
        }
        for (item, name) in record.arena.items.iter().zip(&names) {
            assert_eq!((item.hash(), usize::from(item.len())), (index_hash(name_bits(name)), name.len()));
        }
    }

    #[test]
    fn a_name_no_directory_can_hold_is_left_out() {
        let mut record = DirRecord::default();
        let too_long = OsString::from_vec(vec![b'x'; 256]);
        record.insert(&too_long, 1, false);
        record.note_create(OsStr::new(""), false);
        record.insert(OsStr::new("kept"), 2, true);
        assert_eq!((record.get(&too_long), record.get(OsStr::new(""))), (None, None));
        assert_eq!(record.iter().map(|(name, ..)| name.to_owned()).collect::<Vec<_>>(), ["kept"]);
    }
}
