//! The current local time as text, for `--format`'s `%T`: strftime-style
//! conversions formatted by jiff's `strtime` in the system time zone (`TZ`, else
//! `/etc/localtime`), so the common conversions print what strftime(3) prints.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::Timestamp;
use jiff::fmt::strtime;
use jiff::tz::TimeZone;

/// The default of `--timefmt`: ISO 8601 with the UTC offset.
pub const DEFAULT_TIMEFMT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Formats the current time with a fixed strftime format, once per second at most.
#[derive(Debug)]
pub struct Clock {
    format: String,
    tz: TimeZone,
    /// The second `text` was made for (`None` before the first call).
    second: Option<i64>,
    text: Vec<u8>,
}

impl Clock {
    /// A clock for `format` (strftime conversions) in the system time zone.
    ///
    /// # Errors
    ///
    /// A message naming `--timefmt` if a conversion is unknown or incomplete.
    pub fn new(format: &str) -> Result<Clock, String> {
        let clock = Clock { format: format.to_owned(), tz: TimeZone::system(), second: None, text: Vec::new() };
        clock
            .format_at(0)
            .map_err(|e| format!("--timefmt {format:?}: {e} (strftime conversions, e.g. {DEFAULT_TIMEFMT})"))?;
        Ok(clock)
    }

    /// The current local time, formatted.
    pub fn now(&mut self) -> &[u8] {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if self.second != Some(now) {
            self.text = self.format_at(now).map(String::into_bytes).unwrap_or_default();
            self.second = Some(now);
        }
        &self.text
    }

    /// `secs` since the epoch in the clock's zone, formatted.
    fn format_at(&self, secs: i64) -> Result<String, jiff::Error> {
        let zoned = Timestamp::from_second(secs)?.to_zoned_datetime(self.tz.clone());
        strtime::format(&self.format, &zoned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_current_year() {
        let mut clock = Clock::new("%Y").unwrap();
        let year = String::from_utf8(clock.now().to_vec()).unwrap();
        assert_eq!(year.len(), 4, "{year}");
        assert!(year.starts_with('2'), "{year}");
    }

    #[test]
    fn literal_text_and_empty_formats() {
        assert_eq!(Clock::new("at %%").unwrap().now(), b"at %");
        assert_eq!(Clock::new("").unwrap().now(), b"");
    }

    #[test]
    fn a_long_text_is_whole() {
        let format = "x".repeat(5000);
        assert_eq!(Clock::new(&format).unwrap().now().len(), 5000);
    }

    #[test]
    fn an_unknown_conversion_is_refused_with_the_option_named() {
        let err = Clock::new("%Y %").unwrap_err();
        assert!(err.starts_with("--timefmt \"%Y %\": "), "{err}");
    }

    /// The common conversions print what strftime(3) prints: compared with
    /// date(1) (glibc's strftime) at fixed instants in three zones, summer and
    /// winter. Not in the list: `%r` (jiff pads the hour with no zero, glibc
    /// with one) and the locale's `%c`, `%x`, `%X`.
    #[test]
    fn common_conversions_match_strftime() {
        const FORMATS: &[&str] = &[
            DEFAULT_TIMEFMT,
            "%a %A %b %B %h %d %e %j %m %y %Y %C",
            "%H %I %k %l %M %S %p %P %s",
            "%z %Z %F %T %D %R %u %w %U %W %V %G %g",
            "at %% %n%t.",
        ];
        for zone in ["UTC", "America/New_York", "Asia/Kolkata"] {
            for secs in [1_720_000_000_i64, 1_700_000_005] {
                let tz = TimeZone::get(zone).unwrap();
                for format in FORMATS {
                    let clock = Clock { format: (*format).to_owned(), tz: tz.clone(), second: None, text: Vec::new() };
                    let ours = clock.format_at(secs).unwrap();
                    let date = std::process::Command::new("date")
                        .env("TZ", zone)
                        .env("LC_ALL", "C")
                        .arg(format!("--date=@{secs}"))
                        .arg(format!("+{format}"))
                        .output()
                        .unwrap();
                    let theirs = String::from_utf8(date.stdout).unwrap();
                    assert_eq!(ours, theirs.strip_suffix('\n').unwrap(), "{zone} {secs} {format}");
                }
            }
        }
    }
}
