//! `serde` support for [`Event`] and [`Mask`] (the optional `serde` feature).
//!
//! # Names and paths that are not UTF-8
//!
//! Names and paths are bytes, and they stay exactly those bytes. In a
//! human-readable format (JSON, TOML…) each one is written as a string when it
//! is valid UTF-8 and as a byte sequence otherwise (in JSON, an array of
//! numbers); reading accepts a string, bytes or a sequence of numbers. In a
//! binary format it is always written as bytes. Either way an event
//! round-trips byte for byte.
//!
//! A [`Mask`] is written as its raw `u32`, unknown bits included; reading a
//! human-readable format also accepts pyinotify's names (`"IN_CREATE|IN_ISDIR"`).
//!
//! pyinotify counterpart: none (its events are not serialisable).

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::types::event::{Event, Wd};
use crate::types::mask::Mask;

impl Serialize for Mask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.bits())
    }
}

impl<'de> Deserialize<'de> for Mask {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Mask, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(MaskVisitor)
        } else {
            deserializer.deserialize_u32(MaskVisitor)
        }
    }
}

struct MaskVisitor;

impl Visitor<'_> for MaskVisitor {
    type Value = Mask;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mask: its bits as a u32, or names such as \"IN_CREATE|IN_ISDIR\"")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Mask, E> {
        u32::try_from(v).map(Mask::from_bits_retain).map_err(|_| E::custom(format!("mask {v} does not fit in 32 bits")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Mask, E> {
        v.parse().map_err(E::custom)
    }
}

/// A name or path, written as the module docs say.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(self.0) {
            Ok(text) if serializer.is_human_readable() => serializer.serialize_str(text),
            _ => serializer.serialize_bytes(self.0),
        }
    }
}

/// A name or path read back, as the module docs say.
struct OwnedBytes(Vec<u8>);

impl<'de> Deserialize<'de> for OwnedBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OwnedBytes, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(BytesVisitor)
        } else {
            deserializer.deserialize_byte_buf(BytesVisitor)
        }
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = OwnedBytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name or path: a string, or bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<OwnedBytes, E> {
        Ok(OwnedBytes(v.as_bytes().to_vec()))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<OwnedBytes, E> {
        Ok(OwnedBytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<OwnedBytes, E> {
        Ok(OwnedBytes(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OwnedBytes, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(OwnedBytes(out))
    }
}

/// An [`Event`] as written: its public attributes, in pyinotify's names.
#[derive(Serialize)]
#[serde(rename = "Event")]
struct EventOut<'a> {
    wd: Wd,
    mask: Mask,
    cookie: u32,
    name: Bytes<'a>,
    path: Bytes<'a>,
    dir: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_pathname: Option<Bytes<'a>>,
    recovered: bool,
}

/// An [`Event`] as read; the fields written only sometimes may be absent.
#[derive(Deserialize)]
#[serde(rename = "Event")]
struct EventIn {
    wd: Wd,
    mask: Mask,
    #[serde(default)]
    cookie: u32,
    name: OwnedBytes,
    path: OwnedBytes,
    dir: bool,
    #[serde(default)]
    src_pathname: Option<OwnedBytes>,
    #[serde(default)]
    recovered: bool,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EventOut {
            wd: self.wd(),
            mask: self.mask(),
            cookie: self.cookie(),
            name: Bytes(self.name().as_bytes()),
            path: Bytes(self.path().as_os_str().as_bytes()),
            dir: self.is_dir(),
            src_pathname: self.src_pathname().map(|p| Bytes(p.as_os_str().as_bytes())),
            recovered: self.is_recovered(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        let e = EventIn::deserialize(deserializer)?;
        let path = PathBuf::from(OsStr::from_bytes(&e.path.0));
        let mut event = Event::new(e.wd, e.mask, path, OsStr::from_bytes(&e.name.0))
            .with_cookie(e.cookie)
            .with_dir(e.dir)
            .with_recovered(e.recovered);
        if let Some(src) = e.src_pathname {
            event = event.with_src_pathname(PathBuf::from(OsStr::from_bytes(&src.0)));
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf8_event_reads_as_plain_json_and_round_trips() {
        let ev = Event::new(1, Mask::IN_MOVED_TO, "/w", "b").with_cookie(7).with_src_pathname("/w/a");
        let json = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            json,
            r#"{"wd":1,"mask":128,"cookie":7,"name":"b","path":"/w","dir":false,"src_pathname":"/w/a","recovered":false}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), ev);
    }

    #[test]
    fn non_utf8_names_and_paths_keep_their_bytes() {
        let name = OsStr::from_bytes(b"bad-\xff");
        let ev =
            Event::new(3, Mask::IN_CREATE | Mask::IN_ISDIR, OsStr::from_bytes(b"/w/\xfe"), name).with_recovered(true);
        let json = serde_json::to_string(&ev).unwrap();
        assert!(json.contains(r#""name":[98,97,100,45,255]"#), "{json}");
        assert!(json.contains(r#""path":[47,119,47,254]"#), "{json}");
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ev);
        assert_eq!(back.name().as_bytes(), b"bad-\xff");
        assert!(back.is_dir() && back.is_recovered());
    }

    #[test]
    fn masks_are_bits_and_read_from_names_too() {
        assert_eq!(serde_json::to_string(&(Mask::IN_CREATE | Mask::IN_ISDIR)).unwrap(), "1073742080");
        assert_eq!(serde_json::from_str::<Mask>("256").unwrap(), Mask::IN_CREATE);
        assert_eq!(serde_json::from_str::<Mask>(r#""IN_CREATE|IN_ISDIR""#).unwrap(), Mask::IN_CREATE | Mask::IN_ISDIR);
        assert!(serde_json::from_str::<Mask>(r#""IN_NOPE""#).is_err());
        assert!(serde_json::from_str::<Mask>("4294967296").is_err());
    }
}
