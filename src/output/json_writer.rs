//! A `--json` writer that formats what a run of events shares once, not once per event.
//!
//! A burst of events comes from a few watches: every line of one watch repeats
//! its escaped path twice (`path`, and `pathname`'s directory part), and every
//! line of one (watch, mask) pair the same head (`wd`, `mask`, `maskname`). The
//! writer keeps both texts in a small table of slots indexed by (wd, mask), and
//! escapes and formats them again only when a slot's key or path changes.
//! The lines are byte for byte those of `format::write_json`, built from the
//! same pieces. pyinotify counterpart: none.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use crate::output::json::{json_head, json_name, json_paths, json_tail, needs_slash};
use crate::types::event::{Event, Wd};
use crate::types::mask::Mask;

/// How many (wd, mask) pairs the writer remembers: a slot per pair, direct-mapped.
const SLOTS: usize = 16;

/// Writes events as JSON lines, as [`write_json`](crate::format::write_json)
/// does, but remembering the formatted head and escaped path of the last few
/// (watch, mask) pairs, so that a burst of events on a few watches costs a
/// copy of each, not their formatting. Keep one writer for a stream of events.
///
/// # Examples
///
/// ```
/// use greenwatch::{Event, Mask, format};
///
/// let mut writer = format::JsonWriter::new();
/// let (mut fast, mut plain) = (Vec::new(), Vec::new());
/// for name in ["a", "b", "c"] {
///     let event = Event::new(1, Mask::IN_CREATE, "/w", name);
///     writer.write(&mut fast, &event);
///     format::write_json(&mut plain, &event);
/// }
/// assert_eq!(fast, plain);
/// ```
#[derive(Debug, Default)]
pub struct JsonWriter {
    slots: [Slot; SLOTS],
}

/// The shared texts of one (wd, mask) pair on one path.
///
/// Invariant: when `key` is set, `head` is `json_head` of it and `paths` is
/// `json_paths` of `path`; `slash` is `needs_slash(path)`.
#[derive(Debug, Default)]
struct Slot {
    key: Option<(Wd, Mask)>,
    /// The path the texts were made for: the watch's own, shared with its events.
    path: Option<Arc<Path>>,
    head: Vec<u8>,
    paths: Vec<u8>,
    slash: bool,
}

impl Slot {
    /// True if the slot holds the texts of `key` on `path`: the same shared
    /// path (no byte compared) or an equal one.
    fn holds(&self, key: (Wd, Mask), path: &Arc<Path>) -> bool {
        self.key == Some(key)
            && self.path.as_ref().is_some_and(|mine| Arc::ptr_eq(mine, path) || bytes_of(mine) == bytes_of(path))
    }

    /// Formats the texts of `key` on `path`, reusing the slot's buffers.
    fn fill(&mut self, key: (Wd, Mask), path: &Arc<Path>) {
        self.key = Some(key);
        self.path = Some(Arc::clone(path));
        let path = bytes_of(path);
        self.head.clear();
        json_head(&mut self.head, key.0, key.1);
        self.paths.clear();
        json_paths(&mut self.paths, path);
        self.slash = needs_slash(path);
    }
}

impl JsonWriter {
    /// A writer that remembers nothing yet.
    #[must_use]
    pub fn new() -> JsonWriter {
        JsonWriter::default()
    }

    /// Appends `event` as one JSON line, byte for byte as
    /// [`write_json`](crate::format::write_json) does.
    pub fn write(&mut self, out: &mut Vec<u8>, event: &Event) {
        let slot = self.slot(event);
        out.extend_from_slice(&slot.head);
        let name = json_name(out, event.name().as_bytes());
        out.extend_from_slice(&slot.paths);
        if !name.is_empty() {
            if slot.slash {
                out.push(b'/');
            }
            out.extend_from_within(name);
        }
        json_tail(out, event);
    }

    /// The slot of the event's (wd, mask) pair, filled for its path.
    fn slot(&mut self, event: &Event) -> &Slot {
        let key = (event.wd(), event.mask());
        let path = event.shared_path();
        let slot = &mut self.slots[slot_index(key)];
        if !slot.holds(key, path) {
            slot.fill(key, path);
        }
        slot
    }
}

fn bytes_of(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

/// Spreads (wd, mask) over the slots: the mask's bits are rotated away from
/// the wd's before a multiplicative hash, whose top bits pick the slot.
fn slot_index((wd, mask): (Wd, Mask)) -> usize {
    let mixed = (wd as u32 ^ mask.bits().rotate_left(16)).wrapping_mul(0x9e37_79b9);
    (mixed >> (32 - SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::json::write_json;
    use std::ffi::OsStr;

    fn same_as_write_json(writer: &mut JsonWriter, event: &Event) {
        let (mut fast, mut plain) = (Vec::new(), Vec::new());
        writer.write(&mut fast, event);
        write_json(&mut plain, event);
        assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&plain));
    }

    fn assorted_events() -> Vec<Event> {
        let odd = OsStr::from_bytes(b"caf\xe9 \"q\"\n\x01");
        vec![
            Event::new(1, Mask::IN_CREATE, "/w", "a"),
            Event::new(1, Mask::IN_CLOSE_WRITE, "/w", "a"),
            Event::new(1, Mask::IN_CREATE | Mask::IN_ISDIR, "/w", "d"),
            Event::new(2, Mask::IN_CREATE, OsStr::from_bytes(b"/w/\xff\"dir\\"), odd),
            Event::new(2, Mask::IN_DELETE_SELF, "/w/x", "").with_dir(true),
            Event::new(3, Mask::IN_CREATE, "/", "top"),
            Event::new(3, Mask::IN_MOVED_TO, "/", "b").with_cookie(7).with_src_pathname("/a\n"),
            Event::new(4, Mask::IN_CREATE, "/r", "x").with_recovered(true),
            Event::new(5, Mask::IN_ACCESS | Mask::IN_MODIFY, "/m", "two-bits"),
            Event::overflow(),
        ]
    }

    #[test]
    fn every_line_matches_write_json_first_time_and_from_the_table() {
        let mut writer = JsonWriter::new();
        for _ in 0..3 {
            for event in assorted_events() {
                same_as_write_json(&mut writer, &event);
            }
        }
    }

    #[test]
    fn a_watch_whose_path_changed_is_written_with_its_new_path() {
        let mut writer = JsonWriter::new();
        same_as_write_json(&mut writer, &Event::new(1, Mask::IN_CREATE, "/old", "a"));
        same_as_write_json(&mut writer, &Event::new(1, Mask::IN_CREATE, "/new/place", "a"));
        same_as_write_json(&mut writer, &Event::new(1, Mask::IN_CREATE, "/old", "a"));
    }

    #[test]
    fn pairs_sharing_a_slot_evict_each_other_and_stay_exact() {
        let mut writer = JsonWriter::new();
        let key = |wd| (wd, Mask::IN_CREATE);
        let first = slot_index(key(1));
        let twin = (2..).find(|&wd| slot_index(key(wd)) == first).unwrap();
        for wd in [1, twin, 1, twin] {
            same_as_write_json(&mut writer, &Event::new(wd, Mask::IN_CREATE, format!("/d{wd}"), "f"));
        }
    }

    #[test]
    fn a_create_and_its_close_write_keep_separate_slots() {
        for wd in 1..=64 {
            assert_ne!(slot_index((wd, Mask::IN_CREATE)), slot_index((wd, Mask::IN_CLOSE_WRITE)), "wd {wd}");
        }
    }
}
