#!/usr/bin/env bash
# Runs the shared benchmark harness (../shared/bench) with greenwatch's contenders
# beside the floor, notify, pyinotify, inotifywait and watchdog, and writes the table.
#
# The harness is copied to a scratch folder (shared/ is read-only), set up there
# (inotify-tools, a Python venv, its Rust helpers), and run as root.
# Usage: scripts/bench.sh [run.py options, e.g. --reps 1 -w drain]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${GREENWATCH_SHARED:-$repo/../shared}
work=${GREENWATCH_BENCH_DIR:-/tmp/greenwatch-bench}

cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin greenwatch --example bench_count
mkdir -p "$work"
cp -r "$shared/bench/." "$work/"
chmod -R u+w "$work"
"$work/setup.sh"

# Copies, so that a rebuild during the run cannot swap the binaries under it.
mkdir -p "$work/bin"
cp "$repo/target/release/greenwatch" "$repo/target/release/examples/bench_count" "$work/bin/"
gw=$work/bin/greenwatch
lib=$work/bin/bench_count
cd "$work"
python3 run.py \
    --contender "greenwatch=$gw -r -a -e IN_CREATE,IN_CLOSE_WRITE {dir}" \
    --contender "greenwatch-json=$gw --json -r -a -e IN_CREATE,IN_CLOSE_WRITE {dir}" \
    --contender "greenwatch-lib=$lib {dir}" \
    --contender "greenwatch-async=$lib --async {dir}" \
    --ready greenwatch=stderr:Watches --ready greenwatch-json=stderr:Watches \
    -c floor,floor-print,notify-rs,pyinotify,inotifywait,watchdog,greenwatch,greenwatch-json,greenwatch-lib,greenwatch-async \
    "$@"
