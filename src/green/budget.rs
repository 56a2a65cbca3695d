//! The cooperative budget: how many events the async front-ends hand out in a
//! row before they give the thread back to the executor.
//!
//! A handler that never awaits (or awaits only things that are already ready)
//! would otherwise keep its task, and the thread, for a whole read or a whole
//! queue. Every place that hands out events counts them against a budget of
//! `n` and, once it is spent, yields (wakes itself and returns `Pending` once),
//! so timers, sockets and other tasks of the same thread get their turn:
//!
//! - the notifier's routing loop, which also makes the handler calls of idle
//!   watches itself;
//! - each watch's task, between two of its events;
//! - the notifier's own executor, between two rounds of watch tasks;
//! - [`EventStream`](crate::EventStream), between two items it yields and
//!   between two reads that yielded nothing (all filtered out).
//!
//! The worst-case lateness of another task of the thread is therefore about
//! `n` × (the slowest handler call that does not wait + the per-event cost of
//! the pipeline), times the number of watch tasks ready at once (a smol
//! executor runs ready tasks in turn).
//!
//! pyinotify counterpart: none (pyinotify's loop holds its thread).

/// The default budget: events handed out in a row before yielding.
pub(crate) const DEFAULT_BUDGET: usize = 128;

/// A count of events left in the current slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    limit: usize,
    left: usize,
}

impl Budget {
    /// A budget of `limit` events a slice (at least 1).
    pub(crate) fn new(limit: usize) -> Budget {
        let limit = limit.max(1);
        Budget { limit, left: limit }
    }

    /// The events a slice allows.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Spends one event; true once the slice is used up (yield, then [`Budget::reset`]).
    #[inline]
    pub(crate) fn spend(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        self.left == 0
    }

    /// A new slice (after a yield).
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.left = self.limit;
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(DEFAULT_BUDGET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_spent_after_its_limit_and_reset_to_it() {
        let mut budget = Budget::new(3);
        assert_eq!([budget.spend(), budget.spend(), budget.spend()], [false, false, true]);
        assert!(budget.spend(), "stays spent until reset");
        budget.reset();
        assert!(!budget.spend());
        assert_eq!(Budget::new(0).limit(), 1);
    }
}
