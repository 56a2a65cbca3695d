//! The attack on a root watcher of a tree others can write (issue 14): while the
//! watcher reacts, an unprivileged user swaps directories in the tree for
//! symlinks to a private, root-only directory, tens of thousands of times. A walk
//! that worked by path would follow them: report the private directory's names
//! and hold watches inside it. Afterwards no reported name and no held watch
//! (read from `/proc/<pid>/fdinfo`) may belong to the private directory.
//!
//! Runs as root with `setpriv` (the attacker is this test binary, run again as
//! user 65534); skipped with a message otherwise. Every wait has a deadline.
//! `GREENWATCH_ATTACK_BIN` runs the CLI case against another build of the CLI
//! (to see the test fail against one that walks by path).

#[path = "../util/async_common.rs"]
mod async_common;
#[path = "../util/cli_util/mod.rs"]
mod cli_util;
#[path = "../util/common.rs"]
mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{DEADLINE, child_done, command_works, is_child, run_child, running_as_root, wait_event};
use greenwatch::{AsyncNotifier, Event, Mask, WatchManager};

/// Rounds of the attacker's loop (each swaps two directories for symlinks)…
const ROUNDS: usize = 20_000;
/// …unless this time runs out first (a loaded machine), after at least [`MIN_ROUNDS`].
/// A quiet 2-core machine runs the 20,000 rounds in about 10 s.
const ATTACK_TIME: Duration = Duration::from_secs(30);
const MIN_ROUNDS: usize = 1_000;
/// One attack at a time: three at once would share the CPUs and each would
/// run a third of the rounds.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
const SETPRIV: [&str; 4] = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const ATTACK_ENV: &str = "GREENWATCH_ATTACK";

/// A tree user 65534 owns and a private directory only root can read.
struct Scene {
    _turn: std::sync::MutexGuard<'static, ()>,
    _tmp: tempfile::TempDir,
    tree: PathBuf,
    private: PathBuf,
    /// In every name of the private directory (and in no other).
    secret: String,
    /// The inodes of the private directory and of the directory inside it.
    private_inos: BTreeSet<u64>,
}

impl Scene {
    /// The scene, or `None` (with the reason printed) where the attack cannot run.
    fn new() -> Option<Scene> {
        if !running_as_root() {
            eprintln!("skipped: the symlink attack needs root (the watcher) and setpriv (the attacker)");
            return None;
        }
        let exe = std::env::current_exe().unwrap();
        let list = [SETPRIV[1], SETPRIV[2], SETPRIV[3], exe.to_str().unwrap(), "--list"];
        if !command_works(SETPRIV[0], &list) {
            eprintln!("skipped: `setpriv` cannot run this test binary as user 65534 here");
            return None;
        }
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tmp = tempfile::tempdir().unwrap();
        let top = fs::canonicalize(tmp.path()).unwrap();
        fs::set_permissions(&top, fs::Permissions::from_mode(0o755)).unwrap();
        let (tree, private) = (top.join("tree"), top.join("private"));
        fs::create_dir(&tree).unwrap();
        std::os::unix::fs::chown(&tree, Some(65534), Some(65534)).unwrap();
        let secret = format!("SECRET-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos());
        // `sub` too: a walk following a swapped `a` would find `a/sub` there.
        fs::create_dir_all(private.join("sub")).unwrap();
        fs::write(private.join(format!("{secret}-file")), b"").unwrap();
        fs::create_dir(private.join(format!("{secret}-dir"))).unwrap();
        fs::write(private.join("sub").join(format!("{secret}-inner")), b"").unwrap();
        fs::set_permissions(&private, fs::Permissions::from_mode(0o700)).unwrap();
        let ino = |p: &Path| fs::metadata(p).unwrap().ino();
        let private_inos = [ino(&private), ino(&private.join("sub")), ino(&private.join(format!("{secret}-dir")))];
        Some(Scene { _turn: turn, _tmp: tmp, tree, private, secret, private_inos: private_inos.into_iter().collect() })
    }

    /// Starts the attacker (as user 65534); the flag turns true when it is
    /// done, and the thread returns how many rounds it ran.
    fn attack(&self) -> (JoinHandle<usize>, Arc<AtomicBool>) {
        let done = Arc::new(AtomicBool::new(false));
        let env = format!("{ATTACK_ENV}={}\t{}", self.tree.display(), self.private.display());
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let mut wrapper = SETPRIV.to_vec();
            wrapper.extend(["env", env.as_str()]);
            let output = run_child("attacker", &wrapper);
            flag.store(true, Ordering::SeqCst);
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let rounds = stdout.lines().find_map(|l| l.split("attack rounds: ").nth(1));
            let rounds = rounds.unwrap_or_else(|| panic!("no rounds line in {stdout}"));
            let rounds: usize = rounds.parse().unwrap();
            eprintln!("the attacker ran {rounds} rounds ({} swaps)", 2 * rounds);
            assert!(rounds >= MIN_ROUNDS, "the attacker ran only {rounds} rounds");
            rounds
        });
        (thread, done)
    }

    /// Fails if a name, a path or a watch belongs to the private directory.
    #[track_caller]
    fn check(&self, what: &str, texts: impl IntoIterator<Item = String>, watched_inos: &BTreeSet<u64>) {
        let private = self.private.display().to_string();
        let leaked: Vec<String> =
            texts.into_iter().filter(|t| t.contains(&self.secret) || t.contains(&private)).take(5).collect();
        assert!(leaked.is_empty(), "{what} reported the private directory: {leaked:?}");
        let held: Vec<_> = watched_inos.intersection(&self.private_inos).collect();
        assert!(held.is_empty(), "{what} holds watches on private inodes {held:?}");
        eprintln!("{what}: {} watches held, none in the private directory", watched_inos.len());
    }

    /// The file whose event says the watcher has handled everything before it.
    fn marker(&self) -> PathBuf {
        let marker = self.tree.join("zz-end-marker");
        fs::write(&marker, b"").unwrap();
        marker
    }
}

/// The inodes the inotify fds of process `pid` watch (`/proc/PID/fdinfo`).
fn watched_inodes(pid: &str) -> BTreeSet<u64> {
    let mut inos = BTreeSet::new();
    for entry in fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap() {
        let Ok(text) = fs::read_to_string(entry.unwrap().path()) else { continue };
        for line in text.lines().filter(|l| l.starts_with("inotify wd:")) {
            let ino = line.split_whitespace().find_map(|f| f.strip_prefix("ino:")).expect("an ino: field");
            inos.insert(u64::from_str_radix(ino, 16).expect("a hex inode"));
        }
    }
    inos
}

fn texts(events: &[Event]) -> impl Iterator<Item = String> + '_ {
    events.iter().map(|e| e.pathname().display().to_string())
}

fn watch_paths(wm: &WatchManager) -> impl Iterator<Item = String> {
    wm.watches().into_iter().map(|w| w.path().display().to_string())
}

#[test]
fn attacker() {
    if !is_child("attacker") {
        return;
    }
    assert!(!running_as_root());
    let spec = std::env::var(ATTACK_ENV).unwrap();
    let (tree, private) = spec.split_once('\t').unwrap();
    let (tree, private) = (Path::new(tree), Path::new(private));
    let (a, old, b) = (tree.join("a"), tree.join("old"), tree.join("b"));
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < ROUNDS && (rounds < MIN_ROUNDS || start.elapsed() < ATTACK_TIME) {
        rounds += 1;
        // A new directory (and one inside it) swapped for a symlink while queued…
        let _ = fs::create_dir(&a);
        let _ = fs::create_dir(a.join("sub"));
        let _ = fs::rename(&a, &old);
        let _ = std::os::unix::fs::symlink(private, &a);
        // …and one swapped at once, before it can be opened.
        let _ = fs::create_dir(&b);
        let _ = fs::remove_dir(&b);
        let _ = std::os::unix::fs::symlink(private, &b);
        let _ = fs::remove_file(&a);
        let _ = fs::remove_file(&b);
        let _ = fs::remove_dir(old.join("sub"));
        let _ = fs::remove_dir(&old);
    }
    println!("attack rounds: {rounds}");
    child_done();
}

#[test]
fn library_watch_manager_with_rec_and_auto_add_is_not_steered() {
    let Some(scene) = Scene::new() else { return };
    let (wm, mut notifier, rec) = common::notifier();
    wm.add_watch(&scene.tree, Mask::ALL_EVENTS).rec(true).auto_add(true).apply().unwrap();
    let (thread, done) = scene.attack();
    let end = Instant::now() + Duration::from_secs(90);
    while !done.load(Ordering::SeqCst) {
        assert!(Instant::now() < end, "the attacker did not finish within 90 s");
        if notifier.check_events(Some(Duration::from_millis(20))).unwrap() {
            notifier.read_events().unwrap();
            let _ = notifier.process_events();
        }
    }
    let rounds = thread.join().unwrap();
    let marker = scene.marker();
    wait_event(&mut notifier, &rec, Mask::IN_CREATE, &marker);
    let events = rec.events();
    assert!(events.len() > rounds, "the watcher saw the attack ({} events)", events.len());
    scene.check("WatchManager", texts(&events).chain(watch_paths(&wm)), &watched_inodes("self"));
}

#[test]
fn async_notifier_is_not_steered() {
    let Some(scene) = Scene::new() else { return };
    let wm = WatchManager::new().unwrap();
    wm.add_watch(&scene.tree, Mask::ALL_EVENTS).rec(true).auto_add(true).apply().unwrap();
    let rec = async_common::Recorder::new();
    let mut notifier = AsyncNotifier::new(wm.clone(), rec.clone()).unwrap();
    let (thread, done) = scene.attack();
    smol::block_on(async {
        let end = Instant::now() + Duration::from_secs(90);
        while !done.load(Ordering::SeqCst) {
            assert!(Instant::now() < end, "the attacker did not finish within 90 s");
            let tick = async {
                async_io::Timer::after(Duration::from_millis(20)).await;
                Ok(0)
            };
            futures_lite::future::or(notifier.process_events(), tick).await.unwrap();
        }
        let marker = scene.marker();
        let end = Instant::now() + DEADLINE;
        while !rec.events().iter().any(|e| e.pathname() == marker) {
            assert!(Instant::now() < end, "the marker was not reported within {DEADLINE:?}");
            let tick = async {
                async_io::Timer::after(Duration::from_millis(20)).await;
                Ok(0)
            };
            futures_lite::future::or(notifier.process_events(), tick).await.unwrap();
        }
    });
    let rounds = thread.join().unwrap();
    let events = rec.events().clone();
    assert!(events.len() > rounds, "the watcher saw the attack ({} events)", events.len());
    scene.check("AsyncNotifier", texts(&events).chain(watch_paths(&wm)), &watched_inodes("self"));
}

#[test]
fn cli_recursive_auto_add_json_is_not_steered() {
    let Some(scene) = Scene::new() else { return };
    let tree = scene.tree.display().to_string();
    let mut cmd = cli_util::command(["-r", "-a", "--json", tree.as_str()]);
    if let Ok(bin) = std::env::var("GREENWATCH_ATTACK_BIN") {
        let mut other = std::process::Command::new(bin);
        other.args(cmd.get_args()).stdin(std::process::Stdio::null());
        other.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        cmd = other;
    }
    let mut watcher = cli_util::Watcher::from_command(cmd);
    watcher.wait_established();
    let (thread, _) = scene.attack();
    let rounds = thread.join().unwrap();
    let marker = scene.marker().display().to_string();
    let mut lines = watcher.lines_until(|l| l.contains(&marker) && l.contains("IN_CREATE"));
    assert!(lines.len() > rounds, "the watcher saw the attack ({} lines)", lines.len());
    let held = watched_inodes(&watcher.pid().to_string());
    watcher.signal("TERM");
    let (_, rest, stderr) = watcher.finish();
    lines.extend(String::from_utf8_lossy(&rest).lines().map(str::to_owned));
    lines.extend(stderr.lines().map(str::to_owned));
    scene.check("greenwatch -r -a --json", lines, &held);
}
