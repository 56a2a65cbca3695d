//! Names reported ahead of the kernel, whose own record may still be queued.
//!
//! auto_add's listing and an overflow resync report entries with synthesized
//! `IN_CREATE`s, and a resync reports entries gone with recovered `IN_DELETE`s,
//! before the kernel's records of the same changes are read, if it queued
//! any. Each such name is remembered with the batch that reported it: the
//! kernel's twin, when it comes, is dropped instead of reported twice. Once a
//! read has found the kernel queue empty after that batch, no twin can come
//! and the name is forgotten. No I/O.
//! pyinotify counterpart: none (pyinotify reports both, or neither).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

use crate::bookkeeping::wd_hash::WdMap;
use crate::types::event::Wd;

/// Per watch, the names reported ahead and the batch of each.
#[derive(Debug, Default)]
pub(crate) struct Ahead {
    by_wd: WdMap<HashMap<OsString, u64>>,
}

impl Ahead {
    /// Remembers `name` in `wd`, reported in `batch`. False if it was already.
    pub(crate) fn remember(&mut self, wd: Wd, name: &OsStr, batch: u64) -> bool {
        let names = self.by_wd.entry(wd).or_default();
        if names.contains_key(name) {
            return false;
        }
        names.insert(name.to_owned(), batch);
        true
    }

    /// Forgets `name` in `wd`; true if it was remembered (its twin came).
    pub(crate) fn forget(&mut self, wd: Wd, name: &OsStr) -> bool {
        if self.by_wd.is_empty() {
            return false;
        }
        let Some(names) = self.by_wd.get_mut(&wd) else { return false };
        let found = names.remove(name).is_some();
        if names.is_empty() {
            self.by_wd.remove(&wd);
        }
        found
    }

    /// Forgets every name of `wd` (the watch is gone).
    pub(crate) fn forget_watch(&mut self, wd: Wd) {
        self.by_wd.remove(&wd);
    }

    /// Forgets the names reported up to batch `ended`, whose twins were all read.
    pub(crate) fn forget_until(&mut self, ended: u64) {
        self.by_wd.retain(|_, names| {
            names.retain(|_, batch| *batch > ended);
            !names.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twin_is_caught_once() {
        let mut ahead = Ahead::default();
        assert!(ahead.remember(1, OsStr::new("a"), 0));
        assert!(!ahead.remember(1, OsStr::new("a"), 0), "already remembered");
        assert!(!ahead.forget(2, OsStr::new("a")), "another watch");
        assert!(ahead.forget(1, OsStr::new("a")));
        assert!(!ahead.forget(1, OsStr::new("a")));
    }

    #[test]
    fn names_go_with_their_watch_or_once_their_batch_was_read_out() {
        let mut ahead = Ahead::default();
        ahead.remember(1, OsStr::new("old"), 3);
        ahead.remember(1, OsStr::new("new"), 4);
        ahead.remember(2, OsStr::new("x"), 4);
        ahead.forget_until(3);
        assert!(!ahead.forget(1, OsStr::new("old")));
        ahead.forget_watch(2);
        assert!(!ahead.forget(2, OsStr::new("x")));
        assert!(ahead.forget(1, OsStr::new("new")));
    }
}
