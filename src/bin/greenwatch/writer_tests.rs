use super::*;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const BIG: usize = DIRECT_MAX + 1;

/// A sink whose writes wait for the test's go-ahead, one message per write.
struct Gated {
    out: Captured,
    go: Receiver<()>,
}

impl Write for Gated {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.go.recv_timeout(Duration::from_secs(10)).map_err(|_| io::Error::other("no go-ahead"))?;
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that refuses every write, as a pipe whose reader left.
struct Closed;

impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn filled(byte: u8, len: usize) -> Vec<u8> {
    vec![byte; len]
}

#[test]
fn small_outputs_are_written_directly_without_a_thread() {
    let out = Captured::default();
    let mut writer = out.writer();
    for byte in [b'a', b'b'] {
        let mut buf = filled(byte, 10);
        writer.write(&mut buf).unwrap();
        assert!(buf.is_empty());
        assert_eq!(out.take(), filled(byte, 10), "written before write returned");
    }
    assert!(!writer.threaded());
    writer.finish().unwrap();
}

#[test]
fn a_small_output_waits_behind_a_big_one_in_flight() {
    let out = Captured::default();
    let (go, gate) = mpsc::channel();
    let mut writer = Writer::new(Box::new(Gated { out: out.clone(), go: gate }));
    writer.write(&mut filled(b'a', BIG)).unwrap();
    assert!(writer.threaded());
    writer.write(&mut filled(b'b', 1)).unwrap(); // the thread is held at the gate
    writer.write(&mut filled(b'c', BIG)).unwrap();
    for _ in 0..3 {
        go.send(()).unwrap();
    }
    writer.finish().unwrap();
    let mut want = filled(b'a', BIG);
    want.push(b'b');
    want.extend(filled(b'c', BIG));
    assert!(out.take() == want, "bytes out of order");
}

#[test]
fn handed_over_buffers_come_back_for_reuse() {
    let out = Captured::default();
    let mut writer = out.writer();
    let mut buf = filled(b'a', BIG);
    writer.write(&mut buf).unwrap();
    assert!(buf.is_empty() && buf.capacity() >= BIG, "a buffer as big as the last one");
    writer.finish().unwrap();
    assert_eq!(out.take().len(), BIG);
}

#[test]
fn the_threads_error_reaches_the_next_write_and_every_one_after() {
    let mut writer = Writer::new(Box::new(Closed));
    writer.write(&mut filled(b'a', BIG)).unwrap(); // accepted: the thread fails it
    let deadline = Instant::now() + Duration::from_secs(10);
    let err = loop {
        if let Err(err) = writer.write(&mut filled(b'b', 1)) {
            break err;
        }
        assert!(Instant::now() < deadline, "the error never came back");
        thread::yield_now();
    };
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(writer.write(&mut filled(b'c', 1)).unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(writer.write(&mut filled(b'd', BIG)).unwrap_err().kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn finish_returns_an_error_no_write_returned_yet() {
    let mut writer = Writer::new(Box::new(Closed));
    writer.write(&mut filled(b'a', BIG)).unwrap();
    assert_eq!(writer.finish().unwrap_err().kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn a_direct_write_error_is_returned_at_once() {
    let mut writer = Writer::new(Box::new(Closed));
    assert_eq!(writer.write(&mut filled(b'a', 1)).unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    assert!(!writer.threaded());
    assert_eq!(writer.write(&mut filled(b'b', BIG)).unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    assert!(!writer.threaded(), "no thread started after a failure");
}
