//! `-c CMD`: run the user's command once per event, with the event in its
//! environment, from a bounded queue on a worker thread.
//!
//! pyinotify counterpart: `-c`, minus its flaws (no event data, zombies, once per batch).

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use greenwatch::Event;

use crate::burst;

/// How many events may wait for their command before the notifier blocks.
pub const QUEUE_BOUND: usize = 10_000;

/// The environment variables of one run; `None` removes an inherited value.
type Vars = Vec<(&'static str, Option<OsString>)>;

/// One event's command: its environment and its pathname (also `$1`), and
/// with `--debounce` its JSON line.
#[derive(Debug)]
pub struct Job {
    vars: Vars,
    pathname: OsString,
    /// The event as a `--json` line, for the burst's events file.
    pub json: Vec<u8>,
}

impl Job {
    /// Copies the event's fields, as bytes, into environment values (and,
    /// when `with_json`, the event into a JSON line).
    fn from_event(event: &Event, with_json: bool) -> Job {
        let mut json = Vec::new();
        if with_json {
            greenwatch::format::write_json(&mut json, event);
        }
        let pathname = event.pathname().into_owned().into_os_string();
        let text = |s: String| Some(OsString::from(s));
        let vars = vec![
            ("GREENWATCH_PATHNAME", Some(pathname.clone())),
            ("GREENWATCH_PATH", Some(event.path().as_os_str().to_owned())),
            ("GREENWATCH_NAME", Some(event.name().to_owned())),
            ("GREENWATCH_MASKNAME", text(event.maskname().into_owned())),
            ("GREENWATCH_MASK", text(event.mask().bits().to_string())),
            ("GREENWATCH_WD", text(event.wd().to_string())),
            ("GREENWATCH_COOKIE", text(event.cookie().to_string())),
            ("GREENWATCH_DIR", text(u8::from(event.is_dir()).to_string())),
            ("GREENWATCH_SRC_PATHNAME", event.src_pathname().map(|p| p.as_os_str().to_owned())),
        ];
        Job { vars, pathname, json }
    }
}

/// The user's command and how loudly to report its failures.
#[derive(Debug)]
pub struct Program {
    command: OsString,
    verbose: bool,
}

impl Program {
    /// Runs `sh -c CMD greenwatch PATHNAME` with the job's variables (and
    /// `extra` ones) and waits for it, so no child is left a zombie.
    pub fn run(&self, job: &Job, extra: &[(&str, OsString)]) {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&self.command).arg("greenwatch").arg(&job.pathname).stdin(Stdio::null());
        cmd.envs(extra.iter().map(|(name, value)| (name, value)));
        for (name, value) in &job.vars {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        match cmd.status() {
            Ok(status) if !status.success() && self.verbose => {
                eprintln!("greenwatch: command {status} for {}", job_path(job));
            }
            Ok(_) => {}
            Err(err) => eprintln!("greenwatch: cannot run sh -c for {}: {err}", job_path(job)),
        }
    }
}

/// The pathname for a diagnostic.
fn job_path(job: &Job) -> std::path::Display<'_> {
    std::path::Path::new(OsStr::new(&job.pathname)).display()
}

/// Events waiting for the command, and the worker thread that runs them in order.
#[derive(Debug)]
pub struct CommandQueue {
    sender: Option<SyncSender<Job>>,
    worker: Option<JoinHandle<()>>,
    abandon: Arc<AtomicBool>,
    /// Jobs carry their JSON line (`--debounce`).
    debounce: bool,
}

impl CommandQueue {
    /// Starts the worker for `command`.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be spawned.
    /// Starts the worker for `command`: once per event, or with `debounce`
    /// once per burst (see [`burst`](crate::burst)).
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be spawned.
    pub fn start(command: OsString, verbose: bool, debounce: Option<Duration>) -> std::io::Result<CommandQueue> {
        let (sender, receiver) = sync_channel(QUEUE_BOUND);
        let abandon = Arc::new(AtomicBool::new(false));
        let program = Program { command, verbose };
        let flag = Arc::clone(&abandon);
        let worker = std::thread::Builder::new().name("greenwatch-command".into()).spawn(move || match debounce {
            Some(quiet) => burst::work(&receiver, &program, &flag, quiet),
            None => work(&receiver, &program, &flag),
        })?;
        Ok(CommandQueue { sender: Some(sender), worker: Some(worker), abandon, debounce: debounce.is_some() })
    }

    /// Queues the command for `event`; blocks while [`QUEUE_BOUND`] events wait.
    pub fn push(&self, event: &Event) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(Job::from_event(event, self.debounce));
        }
    }

    /// A flag that, once set, drops the commands that have not started.
    pub fn abandon_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.abandon)
    }

    /// Lets the worker run what is queued (unless abandoned), then joins it.
    pub fn finish(mut self) {
        self.sender.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The worker: one command at a time, in event order, until the queue closes.
fn work(receiver: &Receiver<Job>, program: &Program, abandon: &AtomicBool) {
    for job in receiver {
        if !abandon.load(Ordering::SeqCst) {
            program.run(&job, &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greenwatch::Mask;
    use std::os::unix::ffi::OsStrExt;

    fn var<'a>(job: &'a Job, name: &str) -> Option<&'a [u8]> {
        job.vars.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.as_deref()).map(OsStr::as_bytes)
    }

    #[test]
    fn job_carries_every_field_as_bytes() {
        let name = OsStr::from_bytes(b"$(touch x)\xff");
        let ev = Event::new(3, Mask::IN_MOVED_TO, "/w", name).with_cookie(9).with_src_pathname("/w/a");
        let job = Job::from_event(&ev, false);
        assert_eq!(var(&job, "GREENWATCH_NAME"), Some(&b"$(touch x)\xff"[..]));
        assert_eq!(var(&job, "GREENWATCH_PATHNAME"), Some(&b"/w/$(touch x)\xff"[..]));
        assert_eq!(var(&job, "GREENWATCH_MASKNAME"), Some(&b"IN_MOVED_TO"[..]));
        assert_eq!(var(&job, "GREENWATCH_WD"), Some(&b"3"[..]));
        assert_eq!(var(&job, "GREENWATCH_COOKIE"), Some(&b"9"[..]));
        assert_eq!(var(&job, "GREENWATCH_SRC_PATHNAME"), Some(&b"/w/a"[..]));
        assert_eq!(job.pathname.as_bytes(), b"/w/$(touch x)\xff");
    }

    #[test]
    fn src_pathname_is_removed_when_absent() {
        let job = Job::from_event(&Event::new(1, Mask::IN_CREATE, "/w", "a"), false);
        assert!(job.vars.iter().any(|(n, v)| *n == "GREENWATCH_SRC_PATHNAME" && v.is_none()));
    }

    #[test]
    fn queued_commands_run_before_finish_returns() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let cmd = format!("printf '%s\\n' \"$GREENWATCH_NAME\" >> '{}'", log.display());
        let queue = CommandQueue::start(cmd.into(), false, None).unwrap();
        for name in ["a", "b", "c"] {
            queue.push(&Event::new(1, Mask::IN_CREATE, "/w", name));
        }
        queue.finish();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "a\nb\nc\n");
    }
}
