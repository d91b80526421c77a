#!/usr/bin/env bash
# Does LS-GAN's ring run survive every seed? Trains each critic variant with seeds 0..SEEDS-1,
# JOBS runs at a time (one thread each), then prints per variant and seed: modes covered, the
# high-quality share, energy distance and the first logged iteration at which the critic was
# flat (lsgan's warning in the run's log: ‖∇L‖ ≈ 0 on the evaluation samples, e.g. a dead
# ReLU output or a sunk softplus one).
#
# Usage: scripts/ring-seeds.sh OUT [SEEDS=8] [ITERS=1000] [JOBS=2] [extra lsgan train flags...]
#   VARIANTS="name:flags|name:flags" overrides the variants; LSGAN=path picks the binary;
#   RUN_TIMEOUT=seconds stops each run after that long (it is then left out of the table).
set -euo pipefail
out="${1:?usage: scripts/ring-seeds.sh OUT [SEEDS] [ITERS] [JOBS] [flags...]}"
seeds="${2:-8}" iters="${3:-1000}" jobs="${4:-2}"
shift $(( $# < 4 ? $# : 4 ))
lsgan="${LSGAN:-target/release/lsgan}"
variants="${VARIANTS:-relu:--critic-output-bias 0|relu-bias1:--critic-output-bias 1|softplus:--critic-output softplus}"
mkdir -p "$out"
IFS='|' read -ra list <<<"$variants"
for variant in "${list[@]}"; do
  name="${variant%%:*}" flags="${variant#*:}"
  for seed in $(seq 0 $((seeds - 1))); do
    echo "$name $seed $flags"
  done
done | xargs -P "$jobs" -L 1 bash -c '
  name=$0 seed=$1; shift
  '"${RUN_TIMEOUT:+timeout $RUN_TIMEOUT}"' "'"$lsgan"'" train --seed "$seed" --iters "'"$iters"'" --threads 1 --force --quiet \
    --out "'"$out"'/$name-seed$seed" "$@" '"$*"' >"'"$out"'/$name-seed$seed.log" 2>&1 || true'
python3 - "$out" <<'PY'
import json, pathlib, re, sys
from collections import defaultdict
rows = defaultdict(list)
for run in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    final = run / "final_metrics.json"
    if not run.is_dir() or not final.is_file():
        continue
    name, seed = run.name.rsplit("-seed", 1)
    metrics = json.loads(final.read_text())
    # lsgan's own verdict: its run log's flat-critic warning, printed once, at the first
    # logged iteration where the critic was flat.
    log = run.with_name(run.name + ".log")
    warning = re.search(r"at iteration (\d+) the critic is flat", log.read_text()) \
        if log.is_file() else None
    flat_at = int(warning.group(1)) if warning else None
    rows[name].append((int(seed), metrics["modes_covered"], metrics["high_quality_share"],
                       metrics["energy_distance"], flat_at))
print("| variant | seeds | alive | modes covered per seed | mean high-quality share | mean energy |")
print("|---|---|---|---|---|---|")
for name, runs in rows.items():
    runs.sort()
    alive = sum(1 for r in runs if r[4] is None)
    modes = " ".join(str(r[1]) for r in runs)
    hq = sum(r[2] for r in runs) / len(runs)
    energy = sum(r[3] for r in runs) / len(runs)
    print(f"| {name} | {len(runs)} | {alive}/{len(runs)} | {modes} | {100 * hq:.1f}% | {energy:.4f} |")
PY
