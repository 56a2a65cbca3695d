#!/usr/bin/env bash
# The recursive set-up curve: workload B of the shared harness at 1,000, 10,000
# and 100,000 directories, for the floor, greenwatch (CLI and library), notify
# and inotifywait, and a table of set-up time, time per directory and peak RSS.
#
# Usage (as root, as scripts/bench.sh): scripts/bench-setup-curve.sh [--reps N] [sizes...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${GREENWATCH_BENCH_DIR:-/tmp/greenwatch-bench}
reps=3
if [[ ${1:-} == --reps ]]; then reps=$2; shift 2; fi
sizes=("${@:-1000 10000 100000}")
read -r -a sizes <<<"${sizes[*]}"
contenders=floor,greenwatch,greenwatch-lib,notify-rs,inotifywait
stamp=$(date +%Y-%m-%d-%H%M%S)
outs=()
for n in "${sizes[@]}"; do
    out=$work/results/setup-curve-$stamp-$n.json
    "$repo/scripts/bench.sh" -w setup --dirs "$n" --reps "$reps" -c "$contenders" --out "$out" >&2
    outs+=("$out")
done
python3 - "${outs[@]}" <<'PY'
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
names = list(docs[0]["medians"]["setup"])
print("| contender | " + " | ".join(f"{d['params']['dirs']:,} dirs: s (us/dir), MiB" for d in docs) + " |")
print("|---|" + "---|" * len(docs))
for c in names:
    cells = []
    for d in docs:
        m = d["medians"]["setup"].get(c)
        if not m:
            cells.append("-")
            continue
        per = m["setup_s"] / d["params"]["dirs"] * 1e6
        floor = d["medians"]["setup"]["floor"]["setup_s"]
        cells.append(f"{m['setup_s']:.3f} ({per:.1f}; {m['setup_s'] / floor:.2f}x), {m['peak_rss_mib']:.1f}")
    print(f"| {c} | " + " | ".join(cells) + " |")
PY
