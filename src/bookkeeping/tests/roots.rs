//! Pinned roots: a root's sentinel on its parent, and when it lets go.

use super::*;

// Pinned roots.

#[test]
fn root_deletion_releases_the_pin_when_the_sentinel_sees_delete() {
    let mut fs = FakeFs::with(&["/t/w/"]);
    fs.next_wd = 1;
    let mut bk = Bookkeeper::new(fs);
    let mut out = Vec::new();
    bk.add_tree(Path::new("/t/w"), &options(Mask::ALL_EVENTS, false), &mut out);
    let root = bk.table.wd_of(Path::new("/t/w")).unwrap();
    let sentinel = bk.fs.watched("/t").expect("the parent is guarded");
    assert!(bk.fs.roots.contains_key(&root));
    bk.fs.nodes.remove(Path::new("/t/w"));
    let mut events = Vec::new();
    bk.process(RawEvent { wd: sentinel, mask: DELETE_DIR, cookie: 0, name: OsStr::new("w") }, &mut events);
    bk.end_batch(true, &mut events);
    assert!(events.is_empty(), "the sentinel's own events are never delivered");
    assert!(!bk.fs.roots.contains_key(&root), "unpinned: the kernel may now report the deletion");
    assert!(bk.sentinels.is_empty() && bk.fs.watched("/t").is_none());
    // Now the kernel reports it.
    bk.process(RawEvent { wd: root, mask: DELETE_SELF, cookie: 0, name: OsStr::new("") }, &mut events);
    bk.process(RawEvent { wd: root, mask: IGNORED, cookie: 0, name: OsStr::new("") }, &mut events);
    let rendered: Vec<_> = events.iter().map(render).collect();
    assert_eq!(rendered, ["IN_DELETE_SELF /t/w", "IN_IGNORED /t/w"]);
    assert_eq!(bk.table.len(), 0);
}

#[test]
fn root_not_deleted_keeps_its_pin() {
    let mut h = Harness::new(&["/x"], Mask::ALL_EVENTS, false);
    let w = h.wd("/w");
    let sentinel = h.bk.fs.watched("/").expect("the parent is guarded");
    h.batch(&[(sentinel, DELETE, 0, "x")]);
    assert!(h.bk.fs.roots.contains_key(&w));
}
