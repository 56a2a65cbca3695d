//! `--completions SHELL` and `--man`: the shell completions and the man page,
//! both generated from the clap definition, so they never drift from `--help`.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::args::Args;
use crate::fail::Fail;

/// Writes the completion script of `shell` to stdout.
///
/// # Errors
///
/// [`Fail::Runtime`] if stdout cannot be written.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Fail> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Args::command(), "greenwatch", &mut out);
    write_all(&out)
}

/// Writes the man page (roff) to stdout: NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
/// then the sections of `--help`'s end (OUTPUT, COMMANDS, EXIT STATUS…).
///
/// # Errors
///
/// [`Fail::Runtime`] if stdout cannot be written.
pub fn man_page() -> Result<(), Fail> {
    let mut out = Vec::new();
    let cmd = Args::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    render_long_help_sections(&mut out, &cmd)?;
    man.render_version_section(&mut out)?;
    write_all(&out)
}

/// `--help`'s closing text, one man section per upper-case heading.
fn render_long_help_sections(out: &mut Vec<u8>, cmd: &clap::Command) -> io::Result<()> {
    let text = cmd.get_after_long_help().map(ToString::to_string).unwrap_or_default();
    for line in text.lines() {
        let is_heading = !line.is_empty() && !line.starts_with(' ') && line == line.to_uppercase();
        if is_heading {
            writeln!(out, ".SH {line}")?;
            writeln!(out, ".nf")?;
        } else {
            writeln!(out, "{}", roff_escape(line))?;
        }
    }
    writeln!(out, ".fi")
}

/// A literal line of roff: backslashes doubled, a leading `.` or `'` guarded.
fn roff_escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}

fn write_all(bytes: &[u8]) -> Result<(), Fail> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(Fail::runtime(format!("cannot write: {err}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_lines_cannot_become_requests() {
        assert_eq!(roff_escape(".SH x"), "\\&.SH x");
        assert_eq!(roff_escape("a \\udcXX"), "a \\eudcXX");
    }
}
