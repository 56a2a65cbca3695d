//! The local notifier: handlers that are not `Send` (`Rc<RefCell<…>>` state
//! held across an `.await`) on a `LocalExecutor`, in kernel order, with a
//! timer task beside them; settle inside such a handler fails at once.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use async_executor::LocalExecutor;
use greenwatch::{ErrorKind, Event, LocalAsyncNotifier, Mask, NotifierHandle, WatchManager};

use crate::async_common::{deadline, touch_all};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn rc_refcell_handlers_run_in_order_on_a_local_executor() -> TestResult {
    let dir = tempfile::tempdir()?;
    let wm = WatchManager::new()?;
    wm.add_watch(dir.path(), Mask::IN_CREATE).apply()?;
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let settled_inside: Rc<RefCell<Vec<Option<ErrorKind>>>> = Rc::default();
    let handle_cell: Rc<RefCell<Option<NotifierHandle>>> = Rc::default();
    let (sink, inside, cell) = (seen.clone(), settled_inside.clone(), handle_cell.clone());
    let notifier = LocalAsyncNotifier::new(wm, move |ev: Event| {
        let (sink, inside, cell) = (sink.clone(), inside.clone(), cell.clone());
        async move {
            let name = ev.name().to_string_lossy().into_owned();
            if name == "settle" {
                let handle = cell.borrow().clone().expect("set");
                let result = handle.settle().await;
                inside.borrow_mut().push(result.err().map(|e| e.kind()));
            }
            let held = sink.clone(); // an Rc held across an await: the future is not Send
            async_io::Timer::after(Duration::from_micros(100)).await;
            held.borrow_mut().push(name);
        }
    })?
    .with_budget(4);
    let handle = notifier.handle();
    *handle_cell.borrow_mut() = Some(handle.clone());
    let names: Vec<String> = (0..50).map(|i| format!("f{i:02}")).chain(["settle".to_owned()]).collect();
    touch_all(dir.path(), names.clone());
    let ex = LocalExecutor::new();
    let run = ex.spawn(notifier.run());
    let ticks = Rc::new(RefCell::new(0));
    let tick_count = ticks.clone();
    let _timer = ex.spawn(async move {
        loop {
            async_io::Timer::after(Duration::from_millis(1)).await;
            *tick_count.borrow_mut() += 1;
        }
    });
    smol::block_on(deadline(ex.run(async {
        handle.settle().await?;
        handle.stop();
        run.await
    })))?;
    assert_eq!(*seen.borrow(), names, "every event, in kernel order");
    assert_eq!(*settled_inside.borrow(), [Some(ErrorKind::WouldDeadlock)]);
    assert!(*ticks.borrow() > 0, "the timer task ran beside the handlers");
    Ok(())
}
