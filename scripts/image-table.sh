#!/usr/bin/env bash
# LS-GAN vs WGAN-GP on MNIST and Fashion-MNIST at one iteration budget: trains each (two at a
# time, one thread each), measures each with `lsgan evaluate` (Inception and, for digits, the
# classifier's feature space; 1,000 generated vs 1,000 test images, EMA generator) and prints
# the README's Markdown table. Usage: scripts/image-table.sh [ITERS] [ROOT] [DATASETS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters="${1:-1000}"
root="${2:-runs/img-table}"
datasets=("${@:3}")
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist fashion-mnist)
data_dir="../shared/data"
bash scripts/setup.sh
cargo build --release --quiet
lsgan=target/release/lsgan
for data in "${datasets[@]}"; do
  $lsgan train-classifier --data "$data" --data-dir "$data_dir" \
    --out "${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}/classifiers/$data.safetensors" >&2
done
runs=()
for data in "${datasets[@]}"; do
  for loss in lsgan wgan-gp; do runs+=("$data $loss"); done
done
printf '%s\n' "${runs[@]}" | xargs -P 2 -L 1 bash -c \
  "$lsgan"' train --data "$0" --loss "$1" --data-dir '"$data_dir"' --iters '"$iters"' --threads 1 \
     --out "'"$root"'/$0-$1" --force --quiet && echo "[image-table] trained $0 $1" >&2'
for run in "${runs[@]}"; do
  set -- $run
  $lsgan evaluate "$root/$1-$2" -n 1000 --ema >&2
done
python3 - "$root" "$iters" "${datasets[@]}" <<'PY'
import json, sys, pathlib
root, iters, datasets = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
print("| data | loss | feature space | FID | KID | precision | recall | s/iteration | command |")
print("|---|---|---|---|---|---|---|---|---|")
for data in datasets:
    for loss in ("lsgan", "wgan-gp"):
        run = root / f"{data}-{loss}"
        final = json.loads((run / "final_metrics.json").read_text())
        for m in json.loads((run / "image_metrics.json").read_text())["metrics"]:
            print(f"| {data} | {loss} | {m['feature']} | {m['fid']:.2f} | {m['kid_mean']:.4f} ± {m['kid_std']:.4f} "
                  f"| {m['precision']:.3f} | {m['recall']:.3f} | {final['seconds_per_iteration']:.2f} "
                  f"| `lsgan train --data {data} --loss {loss} --iters {iters}` + `lsgan evaluate -n 1000 --ema` |")
PY
