//! The one table of handler methods: the mask each one handles and the method
//! it falls back to. [`ProcessEvent`](crate::ProcessEvent) and
//! [`AsyncProcessEvent`](crate::AsyncProcessEvent) are both generated from it,
//! so the two traits cannot drift apart.
//! pyinotify counterpart: the `process_IN_*` lookup of `_ProcessEvent.__call__`.

/// Calls `$callback!` with the table, one row per method:
/// `/// doc` `[MASK]` (empty for a family method) `name => fallback;`.
macro_rules! event_methods {
    ($callback:ident) => {
        $callback! {
            /// `IN_ACCESS`.
            [IN_ACCESS] process_in_access => process_default;
            /// `IN_MODIFY`.
            [IN_MODIFY] process_in_modify => process_default;
            /// `IN_ATTRIB`.
            [IN_ATTRIB] process_in_attrib => process_default;
            /// `IN_CLOSE_WRITE`; falls back to `process_in_close`.
            [IN_CLOSE_WRITE] process_in_close_write => process_in_close;
            /// `IN_CLOSE_NOWRITE`; falls back to `process_in_close`.
            [IN_CLOSE_NOWRITE] process_in_close_nowrite => process_in_close;
            /// Both close events (the family method).
            [] process_in_close => process_default;
            /// `IN_OPEN`.
            [IN_OPEN] process_in_open => process_default;
            /// `IN_MOVED_FROM`; falls back to `process_in_moved`.
            [IN_MOVED_FROM] process_in_moved_from => process_in_moved;
            /// `IN_MOVED_TO`; falls back to `process_in_moved`.
            [IN_MOVED_TO] process_in_moved_to => process_in_moved;
            /// Both rename halves (the family method).
            [] process_in_moved => process_default;
            /// `IN_CREATE`.
            [IN_CREATE] process_in_create => process_default;
            /// `IN_DELETE`, and `IN_DELETE_SELF` when that has no method of its own.
            [IN_DELETE] process_in_delete => process_default;
            /// `IN_DELETE_SELF`; falls back to `process_in_delete` as in pyinotify.
            [IN_DELETE_SELF] process_in_delete_self => process_in_delete;
            /// `IN_MOVE_SELF`; falls back to `process_in_move`.
            [IN_MOVE_SELF] process_in_move_self => process_in_move;
            /// The family method of `IN_MOVE_SELF`.
            [] process_in_move => process_default;
            /// `IN_UNMOUNT`.
            [IN_UNMOUNT] process_in_unmount => process_default;
            /// `IN_Q_OVERFLOW`; falls back to `process_in_q`.
            [IN_Q_OVERFLOW] process_in_q_overflow => process_in_q;
            /// The family method of `IN_Q_OVERFLOW`.
            [] process_in_q => process_default;
            /// `IN_IGNORED`: the watch is gone.
            [IN_IGNORED] process_in_ignored => process_default;
            /// [`Mask::GW_RESYNC_START`](crate::Mask::GW_RESYNC_START)
            /// (greenwatch's notice, wd -1): an overflow resync starts; the
            /// events until `process_gw_resync_end` are recovered.
            [GW_RESYNC_START] process_gw_resync_start => process_default;
            /// [`Mask::GW_RESYNC_END`](crate::Mask::GW_RESYNC_END) (greenwatch's
            /// notice, wd -1): the resync ended.
            [GW_RESYNC_END] process_gw_resync_end => process_default;
        }
    };
}

pub(crate) use event_methods;
