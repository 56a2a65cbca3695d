//! Every system call on the inotify fd and on directories: the instance
//! (`sys`), the blocking wait (`wait`), directory listings (`dir_list`), and
//! `fs_view`, the seam through which the bookkeeping reaches them.
//!
//! Uses `types`. Used by the bookkeeping (only through the `FsView` trait), the
//! watch manager, the pipeline and the front-ends.

pub(crate) mod dir_list;
pub(crate) mod fs_view;
pub(crate) mod sys;
pub(crate) mod wait;
