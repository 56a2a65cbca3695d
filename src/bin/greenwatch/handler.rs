//! The CLI's event handler: output, `-c` commands, and the `--count` limit.
//!
//! pyinotify counterpart: the `PrintAllEvents` / `Stats` handler given to `Notifier`.

use greenwatch::{Event, ExcludeFilter, Flow, ProcessEvent};

use crate::command::CommandQueue;
use crate::output::Output;

/// Handles every event the same way, whatever its kind (`process_default`).
#[derive(Debug)]
pub struct CliHandler {
    /// The buffered output of the current pass.
    pub output: Output,
    /// The `-c` worker, taken at exit to let it finish.
    pub commands: Option<CommandQueue>,
    /// `--count`: stop once this many events were handled.
    limit: Option<u64>,
    /// Events handled so far.
    seen: u64,
    /// The error of a write in the middle of a pass; the loop stops on it.
    pub write_error: Option<std::io::Error>,
    /// `--exclude-glob`, `--gitignore`: events of excluded files are dropped here.
    filter: Option<ExcludeFilter>,
}

impl CliHandler {
    /// A handler writing to `output`, running `commands`, stopping after `limit` events.
    pub fn new(output: Output, commands: Option<CommandQueue>, limit: Option<u64>) -> CliHandler {
        CliHandler { output, commands, limit, seen: 0, write_error: None, filter: None }
    }

    /// Drops the events that `filter`'s glob and ignore-file rules exclude
    /// (and lets it see edits of ignore files).
    pub fn filter_events(&mut self, filter: Option<ExcludeFilter>) {
        self.filter = filter.filter(ExcludeFilter::has_file_rules);
    }

    /// True if the filter drops `event`.
    fn excluded(&self, event: &Event) -> bool {
        self.filter.as_ref().is_some_and(|filter| {
            filter.notice(event);
            filter.ignores_event(event)
        })
    }

    /// True once the `--count` limit is reached.
    pub fn limit_reached(&self) -> bool {
        self.limit.is_some_and(|limit| self.seen >= limit)
    }
}

impl ProcessEvent for CliHandler {
    /// Every event goes to `process_default`, without the dispatch by mask.
    fn handle(&mut self, event: &Event) -> Flow {
        self.process_default(event)
    }

    fn process_default(&mut self, event: &Event) -> Flow {
        if self.limit_reached() {
            return Flow::Stop;
        }
        if self.excluded(event) {
            return Flow::Continue;
        }
        self.output.event(event);
        if let Some(commands) = &self.commands {
            commands.push(event);
        }
        self.seen += 1;
        if self.output.is_full()
            && let Err(err) = self.output.flush()
        {
            self.write_error = Some(err);
            return Flow::Stop;
        }
        if self.limit_reached() { Flow::Stop } else { Flow::Continue }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Style;
    use crate::writer::Captured;
    use greenwatch::{Mask, WatchManager};

    #[test]
    fn stops_on_the_nth_event_and_handles_no_more() {
        let sink = Captured::default();
        let style = Style::Json(greenwatch::format::JsonWriter::new());
        let output = Output::new(style, WatchManager::new().unwrap(), sink.writer());
        let mut handler = CliHandler::new(output, None, Some(2));
        let ev = Event::new(1, Mask::IN_CREATE, "/w", "a");
        assert_eq!(handler.handle(&ev), Flow::Continue);
        assert_eq!(handler.handle(&ev), Flow::Stop);
        assert_eq!(handler.handle(&ev), Flow::Stop);
        handler.output.finish().unwrap();
        let out = sink.take();
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 2);
    }
}
