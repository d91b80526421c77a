#!/usr/bin/env bash
# LS-GAN vs WGAN-GP on MNIST and Fashion-MNIST at one iteration budget: trains each (two at a
# time, one thread each), measures each with `lsgan evaluate` (Inception and, for digits, the
# classifier's feature space; N generated vs N test images, EMA generator) and prints the
# Markdown table of docs/RESULTS.md. Finished stages are kept (a run with final_metrics.json is not
# retrained, one with a checkpoint is resumed, one with image_metrics.json is not re-measured),
# so a second call only does what is missing.
# Usage: [EVAL_N=1000] scripts/image-table.sh [ITERS] [ROOT] [DATASETS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters="${1:-1000}"
eval_n="${EVAL_N:-1000}"
root="${2:-runs/img-table}"
datasets=("${@:3}")
[ ${#datasets[@]} -gt 0 ] || datasets=(mnist fashion-mnist)
data_dir="../shared/data"
bash scripts/setup.sh
cargo build --release --quiet
lsgan=target/release/lsgan
cache="${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}"
for data in "${datasets[@]}"; do
  [[ -f "$cache/classifiers/$data.safetensors" ]] && continue
  $lsgan train-classifier --data "$data" --data-dir "$data_dir" \
    --out "$cache/classifiers/$data.safetensors" >&2
done
runs=()
for data in "${datasets[@]}"; do
  for loss in lsgan wgan-gp; do runs+=("$data $loss"); done
done
train_one() { # data loss
  local dir="$root/$1-$2"
  if [[ -f "$dir/final_metrics.json" ]]; then return; fi
  if [[ -f "$dir/checkpoint.safetensors" ]]; then
    $lsgan resume "$dir" --quiet
  else
    $lsgan train --data "$1" --loss "$2" --data-dir "$data_dir" --iters "$iters" --threads 1 \
      --out "$dir" --force --quiet
  fi
  echo "[image-table] trained $1 $2" >&2
}
export -f train_one
export lsgan root data_dir iters
printf '%s\n' "${runs[@]}" | xargs -r -P 2 -L 1 bash -c 'train_one "$0" "$1"'
for run in "${runs[@]}"; do
  set -- $run
  [[ -f "$root/$1-$2/image_metrics.json" ]] || $lsgan evaluate "$root/$1-$2" -n "$eval_n" --ema >&2
done
python3 - "$root" "$iters" "$eval_n" "${datasets[@]}" <<'PY'
import json, sys, pathlib
root, iters, n, datasets = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
print("| data | loss | feature space | FID | KID | precision | recall | s/iteration | command |")
print("|---|---|---|---|---|---|---|---|---|")
for data in datasets:
    for loss in ("lsgan", "wgan-gp"):
        run = root / f"{data}-{loss}"
        final = json.loads((run / "final_metrics.json").read_text())
        for m in json.loads((run / "image_metrics.json").read_text())["metrics"]:
            print(f"| {data} | {loss} | {m['feature']} | {m['fid']:.2f} | {m['kid_mean']:.4f} ± {m['kid_std']:.4f} "
                  f"| {m['precision']:.3f} | {m['recall']:.3f} | {final['seconds_per_iteration']:.2f} "
                  f"| `lsgan train --data {data} --loss {loss} --iters {iters}` + `lsgan evaluate -n {n} --ema` |")
PY
