//! `greenwatch`: watch paths and print their events (`python -m pyinotify`, done right).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use greenwatch::{Event, Flow, Mask, Notifier, ProcessEvent, WatchManager, format};

/// Watch paths with inotify and print each event.
#[derive(Parser, Debug)]
#[command(name = "greenwatch", version)]
struct Args {
    /// Also watch every directory below each path.
    #[arg(short, long)]
    recursive: bool,
    /// Watch directories created later too.
    #[arg(short, long = "auto-add", alias = "auto_add")]
    auto_add: bool,
    /// Events to report, comma-separated pyinotify names.
    #[arg(short, long = "events-list", value_name = "EVENT[,...]")]
    events_list: Option<String>,
    /// One JSON object per event per line.
    #[arg(long)]
    json: bool,
    /// Paths to watch.
    #[arg(required = true)]
    paths: Vec<std::path::PathBuf>,
}

struct Printer {
    out: Vec<u8>,
    json: bool,
}

impl ProcessEvent for Printer {
    fn process_default(&mut self, event: &Event) -> Flow {
        if self.json {
            format::write_json(&mut self.out, event);
        } else {
            format::write_pyinotify(&mut self.out, event, false);
        }
        Flow::Continue
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mask = match args.events_list.as_deref().map(str::parse::<Mask>).transpose() {
        Ok(m) => m.unwrap_or(Mask::ALL_EVENTS),
        Err(e) => {
            eprintln!("greenwatch: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args, mask) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("greenwatch: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args, mask: Mask) -> greenwatch::Result<()> {
    let wm = WatchManager::new()?;
    let results = wm.add_watch(args.paths.clone(), mask).rec(args.recursive).auto_add(args.auto_add).apply()?;
    for err in results.errors() {
        eprintln!("greenwatch: {err}");
    }
    if results.watched() == 0 {
        return Err(greenwatch::Error::new(greenwatch::ErrorKind::NotFound, "nothing to watch"));
    }
    let mut notifier = Notifier::new(wm, Printer { out: Vec::with_capacity(1 << 16), json: args.json })?;
    let stop = notifier.stop_handle();
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            stop.stop();
        }
    });
    eprintln!("Watches established.");
    let mut stdout = std::io::stdout().lock();
    let result = notifier.run_with(|n| {
        let out = &mut n.handler().out;
        if !out.is_empty() {
            let _ = stdout.write_all(out).and_then(|()| stdout.flush());
            out.clear();
        }
        Flow::Continue
    });
    let out = &mut notifier.handler().out;
    let _ = stdout.write_all(out).and_then(|()| stdout.flush());
    result
}
