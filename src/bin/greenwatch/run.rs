//! One run: build the notifier, establish the watches, loop, and flush on the way out.
//!
//! pyinotify counterpart: the body of `pyinotify.command_line()`.

use std::io;
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;
use std::time::Duration;

use greenwatch::{Flow, Notifier, WatchManager};

use crate::args::Args;
use crate::command::CommandQueue;
use crate::fail::Fail;
use crate::handler::CliHandler;
use crate::output::{Output, Style};
use crate::settings::Settings;
use crate::writer::Writer;
use crate::{deadline, pipe, signals, watch};

/// pyinotify's `read_freq` for `-s`.
const STATS_READ_FREQ: Duration = Duration::from_secs(5);

/// Runs the command line until a stop; `Ok` means exit status 0.
///
/// # Errors
///
/// [`Fail`] for a usage error, a path that cannot be watched, an I/O failure.
pub fn run(args: &Args) -> Result<(), Fail> {
    let Settings { mask, filter, style } = Settings::from_args(args)?;
    let wm = WatchManager::new()?;
    wm.set_recovery(args.recovery());
    wm.set_max_watches(args.max_watches);
    let mut notifier = build_notifier(&wm, args, style)?;
    notifier.handler_mut().filter_events(filter.clone());
    let abandon = notifier.handler_mut().commands.as_ref().map(CommandQueue::abandon_flag);
    signals::install(notifier.stop_handle(), abandon)?;
    watch::establish(&wm, args, mask, filter)?;
    let timer = args.timeout.filter(|t| !t.is_zero()).map(|after| deadline::spawn(after, notifier.stop_handle()));
    let timer = timer.transpose()?;
    let result = event_loop(&mut notifier, args.verbose);
    if let Some(commands) = notifier.handler_mut().commands.take() {
        commands.finish();
    }
    result?;
    let timed_out = timer.is_some_and(|fired| fired.load(Ordering::SeqCst));
    if timed_out && args.event_limit().is_some() && !notifier.handler().limit_reached() {
        return Err(Fail::TimedOut);
    }
    Ok(())
}

/// The notifier with the CLI's handler (and `-s`'s read frequency).
fn build_notifier(wm: &WatchManager, args: &Args, style: Style) -> Result<Notifier<CliHandler>, Fail> {
    let stats = matches!(style, Style::Stats(_));
    let commands = args.command.clone().map(|cmd| CommandQueue::start(cmd, args.verbose, args.debounce)).transpose()?;
    let handler = CliHandler::new(Output::new(style, wm.clone(), Writer::stdout()), commands, args.event_limit());
    let notifier = Notifier::new(wm.clone(), handler)?;
    Ok(if stats { notifier.with_read_freq(STATS_READ_FREQ) } else { notifier })
}

/// Loops until a stop, sending each pass's output to the writer, then drains
/// what a stop request left in the kernel queue and writes the rest.
fn event_loop(notifier: &mut Notifier<CliHandler>, verbose: bool) -> Result<(), Fail> {
    pipe::widen(io::stdout().as_fd());
    let mut write_error = None;
    let result = notifier.run_with(|n| after_pass(n, &mut write_error, verbose));
    if let Some(err) = notifier.handler_mut().write_error.take() {
        write_error.get_or_insert(err); // a write in the middle of a pass (a burst)
    }
    if result.is_ok() && write_error.is_none() && notifier.stop_handle().is_stopped() {
        drain(notifier);
    }
    notifier.handler_mut().output.end_run();
    if let Err(err) = notifier.handler_mut().output.finish() {
        write_error.get_or_insert(err);
    }
    result?;
    write_error.map_or(Ok(()), write_failure)
}

/// After each pass: warn about directories auto_add could not watch, send the
/// output, and end the loop when the output is gone or nothing is left to watch.
fn after_pass(n: &mut Notifier<CliHandler>, write_error: &mut Option<io::Error>, verbose: bool) -> Flow {
    for err in n.watch_manager().take_failures() {
        eprintln!("greenwatch: {err}");
    }
    let output = &mut n.handler_mut().output;
    output.end_pass();
    if let Err(err) = output.flush() {
        *write_error = Some(err);
        return Flow::Stop;
    }
    if n.watch_manager().is_empty() {
        if verbose {
            eprintln!("greenwatch: nothing left to watch");
        }
        return Flow::Stop;
    }
    Flow::Continue
}

/// After SIGINT, SIGTERM or `--timeout`: one last read, so every event that
/// happened before the stop is reported (unless `--count` is already reached).
fn drain(notifier: &mut Notifier<CliHandler>) {
    if notifier.handler_mut().limit_reached() {
        return;
    }
    if let Ok(true) = notifier.check_events(Some(Duration::ZERO))
        && notifier.read_events().is_ok()
    {
        let _ = notifier.process_events();
    }
}

/// A closed pipe (`greenwatch … | head`) ends the run quietly; other write errors fail it.
fn write_failure(err: io::Error) -> Result<(), Fail> {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Fail::runtime(format!("cannot write the events: {err}")))
    }
}
