//! The auto_add failures a watch manager holds until [`take_failures`]: bounded,
//! with a count of those dropped, and each one sent to the `log` facade.
//!
//! pyinotify counterpart: the `log.error` lines of `_SysProcessEvent` when a new
//! directory cannot be watched.
//!
//! [`take_failures`]: crate::WatchManager::take_failures

use crate::types::error::Error;

/// The most failures kept between two `take_failures` calls: a tree that
/// cannot be watched, with nobody taking the failures, must not grow memory
/// without bound.
pub(crate) const CAP: usize = 1024;

/// Failures waiting to be taken (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Failures {
    /// The first [`CAP`] failures since the last take.
    kept: Vec<Error>,
    /// How many came after the cap and were dropped; the last one is kept
    /// for its kind and path.
    dropped: u64,
    last_dropped: Option<Error>,
}

impl Failures {
    /// Records `err`, logged at `debug` (the caller reports it through
    /// `take_failures`); past the cap it is counted instead, with one `warn`
    /// when the dropping starts.
    pub(crate) fn push(&mut self, err: Error) {
        log::debug!(target: "greenwatch", "auto_add: {err}");
        if self.kept.len() < CAP {
            self.kept.push(err);
            return;
        }
        if self.dropped == 0 {
            log::warn!(
                target: "greenwatch",
                "{CAP} auto_add failures were not taken (WatchManager::take_failures); counting the next ones only"
            );
        }
        self.dropped += 1;
        self.last_dropped = Some(err);
    }

    /// How many failures are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.kept.len()
    }

    /// True if there is nothing to take.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept failures, then (if some were dropped) one error saying how many,
    /// with the kind and path of the last one dropped; empties the store.
    pub(crate) fn take(&mut self) -> Vec<Error> {
        let mut out = std::mem::take(&mut self.kept);
        if let Some(last) = self.last_dropped.take() {
            let note = format!(" (and {} more failures like it were dropped: only {CAP} are kept)", self.dropped);
            out.push(last.with_note(&note));
        }
        self.dropped = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::error::ErrorKind;

    #[test]
    fn past_the_cap_failures_are_counted_and_summed_up_in_one_error() {
        let mut f = Failures::default();
        for i in 0..CAP + 5 {
            f.push(Error::new(ErrorKind::PermissionDenied, "permission denied").with_path(format!("/w/{i}")));
        }
        assert_eq!(f.len(), CAP);
        let taken = f.take();
        assert_eq!(taken.len(), CAP + 1);
        let last = taken.last().unwrap();
        assert_eq!(last.kind(), ErrorKind::PermissionDenied);
        assert_eq!(last.path().unwrap().to_str(), Some(&*format!("/w/{}", CAP + 4)));
        assert!(last.message().ends_with("(and 5 more failures like it were dropped: only 1024 are kept)"));
        assert!(f.is_empty() && f.take().is_empty(), "taking empties the store and the count");
    }

    #[test]
    fn under_the_cap_nothing_is_added() {
        let mut f = Failures::default();
        f.push(Error::new(ErrorKind::NotFound, "gone"));
        let taken = f.take();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].message(), "gone");
    }
}
