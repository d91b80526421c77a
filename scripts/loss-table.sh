#!/usr/bin/env bash
# Measures every loss on the ring and the grid with its default budget and prints the
# Markdown table of docs/RESULTS.md. Two runs go at a time, one thread each (a 2-core machine's best use), into
# runs/table/<data>-<loss>/. About 4 minutes for the ring and 6 for the grid on 2 cores.
# Usage: scripts/loss-table.sh [ROOT] [DATASETS (default "ring grid")]
# Runs whose final_metrics.json exists are kept, so a second call only fills in what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="${1:-runs/table}"
datasets="${2:-ring grid}"
bash scripts/setup.sh
cargo build --release --quiet
mkdir -p "$root"
runs=()
for data in $datasets; do
  for loss in wgan-gp wgan lsgan glsgan gan; do
    [[ -f "$root/$data-$loss/final_metrics.json" ]] || runs+=("$data $loss")
  done
done
echo "[table] ${#runs[@]} runs into $root (2 at a time, --threads 1)"
printf '%s\n' "${runs[@]}" | xargs -r -P 2 -L 1 bash -c \
  'target/release/lsgan train --data "$0" --loss "$1" --threads 1 --out "'"$root"'/$0-$1" --force --quiet \
     && echo "[table] done: $0 $1"'
python3 - "$root" "$datasets" <<'PY'
import json, sys, pathlib
root = pathlib.Path(sys.argv[1])
print("| data | loss | modes | high-quality | energy distance | s/iteration | command |")
print("|---|---|---|---|---|---|---|")
for data in sys.argv[2].split():
    for loss in ("lsgan", "glsgan", "wgan", "wgan-gp", "gan"):
        m = json.loads((root / f"{data}-{loss}" / "final_metrics.json").read_text())
        print(f"| {data} | {loss} | {m['modes_covered']}/{m['modes_total']} "
              f"| {100 * m['high_quality_share']:.1f}% | {m['energy_distance']:.4f} "
              f"| {1000 * m['seconds_per_iteration']:.0f} ms "
              f"| `lsgan train --data {data} --loss {loss} --threads 1` |")
PY
