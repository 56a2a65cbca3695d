//! The current local time as text, formatted by strftime(3), for `--format`'s `%T`.

use std::ffi::CString;
use std::time::{SystemTime, UNIX_EPOCH};

/// The default of `--timefmt`: ISO 8601 with the UTC offset.
pub const DEFAULT_TIMEFMT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Longest text one `%T` may produce.
const MAX_TEXT: usize = 4096;

/// Formats the current time with a fixed strftime format, once per second at most.
#[derive(Debug)]
pub struct Clock {
    format: CString,
    /// The second `text` was made for (`None` before the first call).
    second: Option<i64>,
    text: Vec<u8>,
}

impl Clock {
    /// A clock for `format` (strftime conversions).
    ///
    /// # Errors
    ///
    /// A message if the format holds a NUL character.
    pub fn new(format: &str) -> Result<Clock, String> {
        let format = CString::new(format).map_err(|_| "--timefmt must not contain a NUL character".to_owned())?;
        Ok(Clock { format, second: None, text: Vec::new() })
    }

    /// The current local time, formatted.
    pub fn now(&mut self) -> &[u8] {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        if self.second != Some(now) {
            self.text = format_local(now, &self.format);
            self.second = Some(now);
        }
        &self.text
    }
}

/// `strftime(format, localtime_r(secs))`; empty if the time cannot be converted
/// or the text would be longer than [`MAX_TEXT`].
#[allow(unsafe_code)]
fn format_local(secs: i64, format: &CString) -> Vec<u8> {
    if format.as_bytes().is_empty() {
        return Vec::new();
    }
    let time: libc::time_t = secs;
    // SAFETY: `tm` is plain old data (integers and a nullable pointer), so all
    // zeroes is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; `localtime_r` is thread-safe.
    if unsafe { libc::localtime_r(&time, &mut tm) }.is_null() {
        return Vec::new();
    }
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: `buf` is writable for `buf.len()` bytes, `format` is a
        // NUL-terminated string and `tm` was filled by `localtime_r`.
        let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), format.as_ptr(), &tm) };
        if n > 0 || buf.len() >= MAX_TEXT {
            buf.truncate(n);
            return buf;
        }
        buf.resize(buf.len() * 2, 0);
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
        assert!(Clock::new("a\0b").is_err());
    }

    #[test]
    fn a_long_text_grows_the_buffer() {
        let format = "x".repeat(1000);
        assert_eq!(Clock::new(&format).unwrap().now().len(), 1000);
    }
}
