//! A hasher for maps keyed by watch descriptor: wds are small distinct integers the
//! kernel hands out, so they need no hashing against collisions (SipHash cost a
//! measurable share of the per-event time).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::types::event::Wd;

/// Hashes a wd to itself, spread over the high bits that hashbrown groups by.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WdHasher(u64);

impl Hasher for WdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_i32(&mut self, n: i32) {
        self.0 = u64::from(n as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by wd.
pub(crate) type WdMap<V> = HashMap<Wd, V, BuildHasherDefault<WdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_wds_get_distinct_hashes() {
        let hash = |wd: i32| {
            let mut h = WdHasher::default();
            h.write_i32(wd);
            h.finish()
        };
        assert_ne!(hash(1), hash(2));
        assert_ne!(hash(-1), hash(1));
        let mut map = WdMap::default();
        map.insert(3, "a");
        assert_eq!(map.get(&3), Some(&"a"));
    }
}
