//! `--json --pair-moves`: each rename inside the tree as ONE line, an unpaired
//! `IN_MOVED_FROM` as a move-out once the read that held it is done, and a
//! `"kind"` on every line.
//!
//! pyinotify counterpart: none.

use std::time::Instant;

use greenwatch::{Change, Event, EventKind, MovePairer, format};

/// The pairing state between the events of one read.
#[derive(Debug, Default)]
pub struct PairedJson {
    pairer: MovePairer,
    decided: Vec<Change>,
    json: format::JsonWriter,
}

impl PairedJson {
    /// Takes one event; writes what is decided (all but a held `IN_MOVED_FROM`).
    pub fn event(&mut self, buf: &mut Vec<u8>, event: &Event) {
        self.pairer.push(event.clone(), Instant::now(), &mut self.decided);
        self.write(buf);
    }

    /// The read is done: every `IN_MOVED_FROM` still held is a move-out.
    pub fn end_read(&mut self, buf: &mut Vec<u8>) {
        self.pairer.flush(&mut self.decided);
        self.write(buf);
    }

    fn write(&mut self, buf: &mut Vec<u8>) {
        for change in self.decided.drain(..) {
            let (kind, mut event) = change.into_parts();
            if let (EventKind::Rename { from, .. }, None) = (&kind, event.src_pathname()) {
                event = event.with_src_pathname(from.clone());
            }
            self.json.write(buf, &event);
            debug_assert!(buf.ends_with(b"}\n"));
            buf.truncate(buf.len() - 2);
            buf.extend_from_slice(b",\"kind\":\"");
            buf.extend_from_slice(kind.name().as_bytes());
            buf.extend_from_slice(b"\"}\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenwatch::Mask;

    #[test]
    fn a_rename_is_one_line_and_a_lone_half_a_move_out_at_the_end_of_the_read() {
        let (mut p, mut buf) = (PairedJson::default(), Vec::new());
        p.event(&mut buf, &Event::new(1, Mask::IN_MOVED_FROM, "/w", "a").with_cookie(4));
        p.event(&mut buf, &Event::new(1, Mask::IN_MOVED_TO, "/w", "b").with_cookie(4).with_src_pathname("/w/a"));
        p.event(&mut buf, &Event::new(1, Mask::IN_MOVED_FROM, "/w", "c").with_cookie(5));
        p.event(&mut buf, &Event::new(1, Mask::IN_CREATE, "/w", "d"));
        p.end_read(&mut buf);
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].contains("\"name\":\"b\"")
                && lines[0].ends_with(",\"src_pathname\":\"/w/a\",\"kind\":\"rename\"}")
        );
        assert!(lines[1].contains("\"name\":\"d\"") && lines[1].ends_with(",\"kind\":\"create\"}"));
        assert!(lines[2].contains("\"maskname\":\"IN_MOVED_FROM\"") && lines[2].ends_with(",\"kind\":\"move_out\"}"));
    }
}
