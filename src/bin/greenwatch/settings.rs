//! What the options mean once checked: the mask, the exclude filter, the output style.
//!
//! Every error here is a usage error (status 2).

use std::io::IsTerminal;

use greenwatch::format::JsonWriter;
use greenwatch::{ExcludeFilter, Mask, Stats};

use crate::args::{Args, ColorWhen};
use crate::clock::{Clock, DEFAULT_TIMEFMT};
use crate::event_names;
use crate::fail::Fail;
use crate::output::Style;
use crate::pair::PairedJson;
use crate::template::Template;

/// The checked meaning of the options.
#[derive(Debug)]
pub struct Settings {
    /// The events to report.
    pub mask: Mask,
    /// Directories never watched, files never reported (`--exclude`,
    /// `--exclude-from`, `--exclude-glob`, `--gitignore`).
    pub filter: Option<ExcludeFilter>,
    /// How events are written.
    pub style: Style,
}

impl Settings {
    /// Checks `args`.
    ///
    /// # Errors
    ///
    /// [`Fail::Usage`] naming the bad event name, pattern, file or format.
    pub fn from_args(args: &Args) -> Result<Settings, Fail> {
        Ok(Settings { mask: parse_mask(&args.events_list)?, filter: exclude_filter(args)?, style: style(args)? })
    }
}

/// ORs every `-e` list; `ALL_EVENTS` when there is none.
fn parse_mask(lists: &[String]) -> Result<Mask, Fail> {
    if lists.is_empty() {
        return Ok(Mask::ALL_EVENTS);
    }
    let mut mask = Mask::empty();
    for list in lists {
        mask |= event_names::parse_list(list).map_err(Fail::Usage)?;
    }
    Ok(mask)
}

/// The union of `--exclude` patterns and `--exclude-from` files, if any.
fn exclude_filter(args: &Args) -> Result<Option<ExcludeFilter>, Fail> {
    let mut filters = Vec::new();
    if !args.exclude.is_empty() {
        let patterns = args.exclude.iter().map(|p| search_pattern(p));
        filters.push(ExcludeFilter::new(patterns).map_err(|e| Fail::usage(format!("--exclude: {}", e.message())))?);
    }
    if !args.exclude_glob.is_empty() {
        let globs = ExcludeFilter::from_globs(&args.exclude_glob)
            .map_err(|e| Fail::usage(format!("--exclude-glob: {}", e.message())))?;
        filters.push(globs);
    }
    if args.gitignore {
        filters.push(ExcludeFilter::from_ignore_files());
    }
    for file in &args.exclude_from {
        let filter = ExcludeFilter::from_file(file)
            .map_err(|e| Fail::usage(format!("--exclude-from {}: {}", file.display(), e.message())))?;
        filters.push(filter);
    }
    let mut filters = filters.into_iter();
    let Some(first) = filters.next() else { return Ok(None) };
    filters.try_fold(first, |all, next| all.union(&next)).map(Some).map_err(Fail::from)
}

/// `--exclude` searches the whole path (like inotifywait's), while the
/// library matches at the start (pyinotify's `re.match`): prefix any bytes,
/// unless the user anchored the pattern.
fn search_pattern(pattern: &str) -> String {
    if pattern.starts_with('^') { pattern.to_owned() } else { format!("(?s-u:.*?)(?:{pattern})") }
}

/// The output style the options ask for.
fn style(args: &Args) -> Result<Style, Fail> {
    if args.quiet {
        return Ok(Style::Quiet);
    }
    if args.stats {
        return Ok(Style::Stats(Stats::new()));
    }
    if args.json {
        return Ok(if args.pair_moves {
            Style::PairedJson(PairedJson::default())
        } else {
            Style::Json(JsonWriter::new())
        });
    }
    if let Some(format) = &args.format {
        let template = Template::parse(format, args.no_newline, !args.raw_names).map_err(Fail::Usage)?;
        let timefmt = args.timefmt.as_deref().unwrap_or(DEFAULT_TIMEFMT);
        let clock = template.uses_time().then(|| Clock::new(timefmt)).transpose().map_err(Fail::Usage)?;
        return Ok(Style::Template(template, clock));
    }
    Ok(Style::Pyinotify { color: use_color(args), escape: !args.raw_names })
}

/// `-f` and `--color=never`: never; `--color=always`: always; else only on a
/// terminal, unless `NO_COLOR` (set and not empty) says no.
fn use_color(args: &Args) -> bool {
    match args.color {
        _ if args.raw_format => false,
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && std::io::stdout().is_terminal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn settings(argv: &[&str]) -> Result<Settings, Fail> {
        let args = Args::try_parse_from(["greenwatch"].iter().chain(argv).chain(&["/w"])).unwrap();
        Settings::from_args(&args)
    }

    fn usage_message(argv: &[&str]) -> String {
        match settings(argv) {
            Err(Fail::Usage(message)) => message,
            other => panic!("not a usage error: {other:?}"),
        }
    }

    #[test]
    fn event_lists_are_ored_and_default_to_all_events() {
        assert_eq!(settings(&[]).unwrap().mask, Mask::ALL_EVENTS);
        let s = settings(&["-e", "IN_CREATE,IN_DELETE", "-e", "IN_MOVED_TO"]).unwrap();
        assert_eq!(s.mask, Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVED_TO);
    }

    #[test]
    fn a_bad_event_name_is_named() {
        let message = usage_message(&["-e", "IN_CREATE,IN_BOGUS"]);
        assert!(message.starts_with("the event 'IN_BOGUS' given with -e"), "{message}");
        assert!(message.contains("ALL_EVENTS"), "{message}");
        assert!(usage_message(&["-e", "IN_CREATE,"]).contains("empty event name"));
    }

    #[test]
    fn exclude_searches_unless_anchored() {
        let f = settings(&["--exclude", "/skip$", "--exclude", "^/top"]).unwrap().filter.unwrap();
        assert!(f.matches("/w/a/skip"));
        assert!(!f.matches("/w/skip/b"));
        assert!(f.matches("/top/x"));
        assert!(!f.matches("/w/top"));
        assert!(usage_message(&["--exclude", "(unclosed"]).starts_with("--exclude: "));
    }

    #[test]
    fn exclude_search_crosses_non_utf8_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let f = settings(&["--exclude", "/skip$"]).unwrap().filter.unwrap();
        assert!(f.matches(std::ffi::OsStr::from_bytes(b"/w/\xff/skip")));
    }

    #[test]
    fn missing_exclude_file_is_a_usage_error() {
        let message = usage_message(&["--exclude-from", "/no/such/file"]);
        assert!(message.starts_with("--exclude-from /no/such/file: "), "{message}");
    }

    #[test]
    fn styles() {
        assert!(matches!(settings(&["--json"]).unwrap().style, Style::Json(_)));
        assert!(matches!(settings(&["-s"]).unwrap().style, Style::Stats(_)));
        assert!(matches!(settings(&["-q", "--json"]).unwrap().style, Style::Quiet));
        assert!(matches!(settings(&["-f"]).unwrap().style, Style::Pyinotify { color: false, escape: true }));
        assert!(matches!(settings(&["--format", "%T"]).unwrap().style, Style::Template(_, Some(_))));
        assert!(usage_message(&["--format", "%q"]).contains("%q"));
        let always = settings(&["--color=always"]).unwrap().style;
        assert!(matches!(always, Style::Pyinotify { color: true, escape: true }));
        let raw = settings(&["--color=always", "-f", "--raw-names"]).unwrap().style;
        assert!(matches!(raw, Style::Pyinotify { color: false, escape: false }));
        assert!(matches!(settings(&["--color", "never"]).unwrap().style, Style::Pyinotify { color: false, .. }));
    }

    #[test]
    fn globs_and_ignore_files_join_the_filter() {
        let f = settings(&["--exclude-glob", "*.o", "--exclude", "/skip$"]).unwrap().filter.unwrap();
        assert!(f.matches("/w/a.o") && f.matches("/w/skip") && f.has_file_rules());
        assert!(usage_message(&["--exclude-glob", "a{b"]).starts_with("--exclude-glob: "));
        assert!(settings(&["--gitignore"]).unwrap().filter.unwrap().matches("/w/.git"));
    }
}
