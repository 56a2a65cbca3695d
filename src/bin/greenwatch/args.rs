//! The command-line syntax: every option, its help text, and the man-page sections of `--help`.
//!
//! pyinotify counterpart: the `optparse` parser of `python -m pyinotify`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser};

/// The description printed by `--help` (and, shortened, by `-h`).
const LONG_ABOUT: &str = "\
Watch files and directories with Linux inotify and report each event.

greenwatch is the command line of the greenwatch crate, a port of pyinotify \
to Rust. It mirrors `python -m pyinotify` (-r, -a, -g, -e, -s, -f, -c, -v) \
and prints every event as pyinotify's line by default, as one JSON object a \
line with --json, or in a format of your own with --format.

Paths stay true: a directory renamed inside a watched tree is reported under \
its new name, a watched root that moves is followed, and names that are not \
valid UTF-8 are kept byte for byte.

Output is written and flushed once per batch of events read from the kernel, \
so a program reading the output sees each event as soon as it is processed.";

/// Shown after the options by `-h`.
const AFTER_HELP: &str = "\
Run `greenwatch --help` for the output formats, --command, examples and exit status.";

/// Shown after the options by `--help`: the rest of the manual.
const AFTER_LONG_HELP: &str = "\
OUTPUT
  stdout holds the events; stderr holds diagnostics, and the line
  `Watches established.` once every initial watch is in place.

  Default    pyinotify's line, e.g.
             <Event dir=False mask=0x100 maskname=IN_CREATE name=a path=/w pathname=/w/a wd=1 >
             coloured per --color (auto: when stdout is a terminal and NO_COLOR
             is unset or empty; -f: never). Names and paths are escaped: each
             control byte and the backslash as \\\\, \\n, \\t, \\r or \\xHH, so a
             name cannot start a line of its own (--raw-names: raw bytes).
  --json     {\"wd\":1,\"mask\":256,\"maskname\":\"IN_CREATE\",\"name\":\"a\",\"path\":\"/w\",
             \"pathname\":\"/w/a\",\"dir\":false,\"cookie\":0}, plus \"src_pathname\" on an
             IN_MOVED_TO paired with its IN_MOVED_FROM. A byte that is not valid
             UTF-8 is written as \\udcXX (Python's surrogateescape).
  --format   inotifywait's conversions:
               %w   the watched path, with a trailing / when it is a directory
               %f   the entry's name inside a watched directory (empty for the
                    watched item itself)
               %e   the event names, comma-separated, without IN_ (CREATE,ISDIR)
               %Xe  the same names separated by the character X (%:e, %|e)
               %T   the current local time, formatted by --timefmt (strftime(3);
                    default %Y-%m-%dT%H:%M:%S%z)
               %c   the rename cookie (0 unless a move)
               %0   a NUL byte; %n a newline; %% a percent sign
             A newline follows each event unless the format holds %0 or
             --no-newline is given. %w and %f are escaped as in the default
             line, except in formats holding %0 (NUL-separated records keep
             the raw bytes) and with --raw-names.
  -s         pyinotify's statistics instead of events: after every batch (at
             most one every 5 seconds) the counts, as <Stats ElapsedTime=… >,
             then a bar chart.

COMMANDS (-c)
  CMD is run as `sh -c CMD greenwatch PATHNAME` once per event, in event
  order, one at a time, on a worker thread; every child is waited for. No
  event data is ever put into the shell text: the event reaches the command in
  its environment, byte for byte:
    GREENWATCH_PATHNAME  GREENWATCH_PATH  GREENWATCH_NAME  GREENWATCH_MASKNAME
    GREENWATCH_MASK      GREENWATCH_WD    GREENWATCH_COOKIE GREENWATCH_DIR (0/1)
    GREENWATCH_SRC_PATHNAME (only on a paired IN_MOVED_TO)
  and the pathname is also $1. Always quote them: \"$GREENWATCH_PATHNAME\".
  With --debounce, CMD runs once per burst, after DURATION without a new
  event, never two at once, with the last event's variables plus
  GREENWATCH_EVENTS (a private file of the burst's --json lines, removed
  after the run) and GREENWATCH_COUNT.
  Events are still printed (add -q to print nothing); the command's own
  output goes straight to the same stdout and stderr, so it may interleave
  with them. Up to 10000 events wait for their command; past that greenwatch
  stops reading until the command catches up, the kernel's queue
  (fs.inotify.max_queued_events) absorbs the burst, and if that overflows too
  an IN_Q_OVERFLOW event is reported. On exit, the commands of events already
  reported still run; a second SIGINT or SIGTERM drops those that have not
  started.

STOPPING
  SIGINT and SIGTERM flush every event already read and exit with status 0.
  --timeout, --count and --oneshot end the run the same way, and so does the
  removal of every watched path (nothing is left to watch).

EXAMPLES
  Watch a tree, including directories created later:
    greenwatch -r -a ~/src
  JSON lines of creations and deletions only:
    greenwatch --json -e IN_CREATE,IN_DELETE /var/spool/in
  inotifywait-style lines with a timestamp:
    greenwatch -r --format '%T %w%f %e' --timefmt '%H:%M:%S' /etc
  Rebuild once per burst of saves, honouring .gitignore:
    greenwatch -r -a -q --gitignore -e close_write,moved_to --debounce -c 'make' .
  NUL-separated paths for xargs -0, stopping after 100 events:
    greenwatch -r --format '%w%f%0' -n 100 . | xargs -0 -n1 echo
  Wait for one file to appear, at most 30 seconds:
    greenwatch -e IN_CREATE --oneshot --timeout 30 /tmp/drop

EXIT STATUS
  0  stopped by SIGINT/SIGTERM, --timeout, --count/--oneshot, nothing left
     to watch, or a closed stdout (greenwatch … | head); --completions, --man
  1  a runtime failure: no path could be watched, the inotify limits were
     reached, or an I/O error (a path that cannot be watched while others can
     is only a warning)
  2  a usage error: an unknown option or event name, a bad pattern or format
  3  --timeout ended the run while --count/--oneshot was still waiting";

/// Watch files and directories with inotify and report each event.
#[derive(Parser, Debug)]
#[command(
    name = "greenwatch",
    version,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    after_long_help = AFTER_LONG_HELP,
    override_usage = "greenwatch [OPTIONS] <PATH>...\n       greenwatch --completions <SHELL>\n       greenwatch --man",
    max_term_width = 100
)]
pub struct Args {
    /// Files and directories to watch.
    #[arg(required_unless_present_any = ["completions", "man"], value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also watch every directory below each path (pyinotify's rec).
    #[arg(help_heading = "Watching", short, long)]
    pub recursive: bool,

    /// Watch directories created later too, reporting the entries they already hold.
    #[arg(help_heading = "Watching", short, long = "auto-add", alias = "auto_add")]
    pub auto_add: bool,

    /// With -r: do not keep the per-directory records that let an overflow
    /// (IN_Q_OVERFLOW) be recovered by a rescan (recovery is on by default with -r).
    #[arg(help_heading = "Watching", long)]
    pub no_recovery: bool,

    /// Hold at most N watches: directories beyond are left unwatched and
    /// reported (one warning with their count), so that users writing to the
    /// tree cannot exhaust the inotify watches of whoever runs greenwatch.
    #[arg(help_heading = "Watching", long, value_name = "N")]
    pub max_watches: Option<usize>,

    /// Expand shell wildcards (*, ?, [..]) in the paths.
    #[arg(help_heading = "Watching", short, long)]
    pub glob: bool,

    /// Events to report, comma-separated; may be repeated. pyinotify's names
    /// (IN_CREATE, IN_CLOSE_WRITE, ALL_EVENTS: the default) or inotifywait's
    /// (create, close_write, close, move, all_events), in any case.
    #[arg(help_heading = "Watching", short, long = "events-list", value_name = "EVENT[,...]", action = ArgAction::Append)]
    pub events_list: Vec<String>,

    /// Do not watch directories whose absolute path matches REGEX anywhere
    /// (anchor it with ^); may be repeated.
    #[arg(help_heading = "Watching", long, value_name = "REGEX", action = ArgAction::Append)]
    pub exclude: Vec<String>,

    /// Read exclude patterns from FILE, one a line, # for comments; as in
    /// pyinotify, each matches at the start of the path.
    #[arg(help_heading = "Watching", long, value_name = "FILE", action = ArgAction::Append)]
    pub exclude_from: Vec<PathBuf>,

    /// Do not watch directories, nor report files, that match GLOB
    /// (.gitignore syntax: `target/`, `*.log`, `/abs/path`); may be repeated.
    #[arg(help_heading = "Watching", long, value_name = "GLOB", action = ArgAction::Append)]
    pub exclude_glob: Vec<String>,

    /// Honour the .gitignore, .ignore and .git/info/exclude files found in the
    /// watched trees (and skip .git/): ignored directories are not watched,
    /// ignored files not reported; edits to those files apply while running.
    #[arg(help_heading = "Watching", long)]
    pub gitignore: bool,

    /// One JSON object per event, one a line (fields under OUTPUT below).
    #[arg(help_heading = "Output", long, conflicts_with = "format")]
    pub json: bool,

    /// With --json: a rename inside the tree is one line ("kind":"rename", with
    /// src_pathname), an IN_MOVED_FROM whose partner is not in the same read one
    /// "move_out" line; every line gets a "kind" (create, modify, remove, …).
    #[arg(help_heading = "Output", long, requires = "json")]
    pub pair_moves: bool,

    /// inotifywait-style format: %w %f %e %Xe %T %c %0 %n %% (see below).
    #[arg(help_heading = "Output", long, value_name = "FMT")]
    pub format: Option<String>,

    /// strftime(3) format of %T.
    #[arg(help_heading = "Output", long, value_name = "FMT", requires = "format")]
    pub timefmt: Option<String>,

    /// No newline after each --format event.
    #[arg(help_heading = "Output", long, requires = "format")]
    pub no_newline: bool,

    /// Never colour the output (pyinotify's raw format; --color=never).
    #[arg(help_heading = "Output", short = 'f', long = "raw-format")]
    pub raw_format: bool,

    /// Colour pyinotify's lines: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(help_heading = "Output", long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Write names and paths as raw bytes in pyinotify's lines and --format
    /// (pyinotify's exact output), instead of escaping control bytes.
    #[arg(help_heading = "Output", long)]
    pub raw_names: bool,

    /// Print pyinotify's event statistics after every batch instead of the events.
    #[arg(help_heading = "Output", short, long, conflicts_with_all = ["json", "format"])]
    pub stats: bool,

    /// Print no events on stdout (with -c: only run the command).
    #[arg(help_heading = "Output", short, long)]
    pub quiet: bool,

    /// Run CMD with `sh -c` once per event, the event in GREENWATCH_* variables.
    #[arg(help_heading = "Commands", short, long, value_name = "CMD")]
    pub command: Option<OsString>,

    /// With -c: run the command once per burst of events, after DURATION
    /// without a new one (default 50ms; 200ms, 1.5s, 2m; a bare number is
    /// milliseconds), never two at once; the burst's events are in the JSON
    /// lines file $GREENWATCH_EVENTS.
    #[arg(
        help_heading = "Commands",
        long,
        value_name = "DURATION",
        requires = "command",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "50ms",
        value_parser = parse_duration
    )]
    pub debounce: Option<Duration>,

    /// Exit SECONDS after the watches are established, events or not; 0: never
    /// (status 0, or 3 if --count/--oneshot was still waiting).
    #[arg(help_heading = "Stopping", long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    /// Exit (status 0) after N events.
    #[arg(help_heading = "Stopping", short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Exit after the first event (--count 1).
    #[arg(help_heading = "Stopping", long, conflicts_with = "count")]
    pub oneshot: bool,

    /// Progress, a summary of the watches, and command failures on stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print the completion script of SHELL (bash, zsh, fish, elvish, powershell) and exit.
    #[arg(help_heading = "Manual", long, value_name = "SHELL", value_enum, exclusive = true)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit: greenwatch --man > greenwatch.1
    #[arg(help_heading = "Manual", long, exclusive = true)]
    pub man: bool,
}

/// `--color`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set and not empty.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

impl Args {
    /// Whether overflow recovery is on: with -r, unless --no-recovery.
    pub fn recovery(&self) -> bool {
        self.recursive && !self.no_recovery
    }

    /// The event limit of --count or --oneshot.
    pub fn event_limit(&self) -> Option<u64> {
        if self.oneshot { Some(1) } else { self.count }
    }
}

/// Parses a non-negative number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("'{text}' is not a number of seconds ≥ 0"))
}

/// Parses `50ms`, `1.5s`, `2m` or a bare number of milliseconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "" | "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        _ => return Err(format!("'{text}': the unit must be ms, s or m (e.g. 50ms, 1.5s)")),
    };
    let value: f64 = number.parse().map_err(|_| format!("'{text}' is not a duration such as 50ms or 1.5s"))?;
    Duration::try_from_secs_f64(value * scale).map_err(|_| format!("'{text}' is not a duration ≥ 0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn seconds_accept_fractions_and_reject_negatives() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("inf").is_err());
    }

    #[test]
    fn durations_take_units_and_bare_milliseconds() {
        assert_eq!(parse_duration("50ms"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("200"), Ok(Duration::from_millis(200)));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("-1s").is_err());
        let args = Args::parse_from(["greenwatch", "-c", "true", "--debounce", "/tmp"]);
        assert_eq!(args.debounce, Some(Duration::from_millis(50)));
        assert_eq!(args.paths, [PathBuf::from("/tmp")]);
        let args = Args::parse_from(["greenwatch", "-c", "true", "--debounce=1s", "/tmp"]);
        assert_eq!(args.debounce, Some(Duration::from_secs(1)));
    }

    #[test]
    fn oneshot_is_count_one() {
        let args = Args::parse_from(["greenwatch", "--oneshot", "/tmp"]);
        assert_eq!(args.event_limit(), Some(1));
        let args = Args::parse_from(["greenwatch", "-n", "3", "--auto_add", "/tmp"]);
        assert_eq!(args.event_limit(), Some(3));
        assert!(args.auto_add);
    }
}
