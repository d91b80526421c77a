#!/usr/bin/env bash
# Regenerates every picture the docs show (docs/*.png) from the shipped defaults, and prints
# the tables docs/RESULTS.md quotes. Rerun it whenever a default changes.
#
# Usage: scripts/docs-pictures.sh [SECTION...]   (all sections when none is named)
#   ring           every loss on the ring, seeds 0-2, with `lsgan compare` (~10 min on 2 cores):
#                  ring-{lsgan,wgan,gan}.png, ring-lsgan-curves.png, report-ring.png
#   ring-1000      LS-GAN on the ring for 1,000 iterations (under a minute):
#                  ring-lsgan-diagnostics-1000.png, ring-lsgan-allocation-1000.png
#   grid           every loss on the 25-Gaussian grid, seed 0 (~6 min on 2 cores): grid-lsgan.png
#   mnist          LS-GAN on MNIST and on Fashion-MNIST, seed 0 (~10 min each):
#                  mnist-lsgan-samples.png, fashion-lsgan-samples.png
#   mnist-compare  every loss on MNIST, seed 0, each at its default 3,000 iterations (about
#                  an hour on 2 cores: WGAN and WGAN-GP take 5 critic steps a step):
#                  mnist-compare-samples.png, report-mnist.png
#   clsgan         CLS-GAN on MNIST, seed 0: every label kept (3,000 iterations, ~8 min) and
#                  100 labels (3,000 iterations, ~10 min): mnist-clsgan-classes.png,
#                  mnist-clsgan-100-confusion.png
#   tensorboard    LS-GAN and WGAN-GP on the ring, seeds 0-1 (`lsgan compare --jobs`, ~1 min),
#                  in TensorBoard (the project's Python environment: scripts/python-env.sh):
#                  tensorboard-scalars.png, tensorboard-pictures.png
# Runs go into ${PICTURES_RUNS:-runs/docs}/ (kept: a second call trains only what is
# missing). Image data comes from ${DATA_DIR:-the per-user cache}, downloaded there by
# `lsgan download` when absent. JOBS (default 2) runs side by side, one thread each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sections=" ${*:-ring ring-1000 grid mnist mnist-compare clsgan tensorboard} "
runs="${PICTURES_RUNS:-runs/docs}"
jobs="${JOBS:-2}"
wants() { [[ "$sections" == *" $1 "* ]]; }
say() { printf '[pictures] %s\n' "$*"; }

bash scripts/setup.sh >/dev/null
bash scripts/install-browser.sh
cargo build --release --quiet
lsgan="$PWD/target/release/lsgan"
mkdir -p "$runs"
browser="$(command -v chromium-headless-shell || command -v chromium)"

# A screenshot of a page (a file, or a URL), as a reader's 1400-pixel-wide window shows its top.
screenshot() {
  local page="$1" picture="$2" height="${3:-900}"
  [[ "$page" == http* ]] || page="file://$(realpath "$page")"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --window-size="1400,$height" --virtual-time-budget=15000 \
    --screenshot="$PWD/$picture" "$page" 2>/dev/null
  say "wrote $picture"
}

# --data-dir for image data: DATA_DIR, else the cache, filled by `lsgan download`.
data_dir() {
  local data="$1"
  if [ -n "${DATA_DIR:-}" ]; then
    echo "$DATA_DIR"
  else
    "$lsgan" download "$data" >&2
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/lsgan/data"
  fi
}

# The digit (or clothes) classifier whose space the image metrics use, trained once.
classifier() {
  local data="$1"
  [ -f "${XDG_CACHE_HOME:-$HOME/.cache}/lsgan/classifiers/$data.safetensors" ] ||
    "$lsgan" train-classifier --data "$data" --data-dir "$(data_dir "$data")"
}

if wants ring; then
  say "ring: every loss, seeds 0-2"
  "$lsgan" compare --data ring --seeds 3 --jobs "$jobs" --threads 1 --quiet --out "$runs/ring"
  for loss in lsgan wgan gan; do
    cp "$runs/ring/runs/$loss-seed0/critic_landscape.png" "docs/ring-$loss.png"
  done
  cp "$runs/ring/runs/lsgan-seed0/loss_curves.png" docs/ring-lsgan-curves.png
  screenshot "$runs/ring/report.html" docs/report-ring.png
  cat "$runs/ring/summary.md"
fi

if wants ring-1000; then
  say "ring: LS-GAN, 1,000 iterations"
  [ -f "$runs/ring-lsgan-1000/final_metrics.json" ] ||
    "$lsgan" train --data ring --iters 1000 --quiet --force --out "$runs/ring-lsgan-1000"
  cp "$runs/ring-lsgan-1000/diagnostics.png" docs/ring-lsgan-diagnostics-1000.png
  cp "$runs/ring-lsgan-1000/allocation.png" docs/ring-lsgan-allocation-1000.png
fi

if wants grid; then
  say "grid: every loss, seed 0"
  "$lsgan" compare --data grid --seeds 1 --jobs "$jobs" --threads 1 --quiet --out "$runs/grid"
  cp "$runs/grid/runs/lsgan-seed0/critic_landscape.png" docs/grid-lsgan.png
  cat "$runs/grid/summary.md"
fi

if wants mnist; then
  for data in mnist fashion-mnist; do
    say "$data: LS-GAN, seed 0"
    dir="$(data_dir "$data")"
    [ -f "$runs/$data-lsgan/final_metrics.json" ] ||
      "$lsgan" train --data "$data" --data-dir "$dir" --threads 2 --quiet --force --out "$runs/$data-lsgan"
    "$lsgan" sample "$runs/$data-lsgan" -n 64 --ema --out "docs/${data%-mnist}-lsgan-samples.png"
  done
fi

if wants mnist-compare; then
  say "mnist: every loss, seed 0, 3,000 iterations each"
  classifier mnist
  dir="$(data_dir mnist)"
  "$lsgan" compare --data mnist --data-dir "$dir" --seeds 1 --jobs "$jobs" --threads 1 --quiet \
    --out "$runs/mnist-compare"
  screenshot "$runs/mnist-compare/report.html" docs/report-mnist.png
  # One row of the five losses' samples (the averaged generator; each grid carries its own
  # caption), each figure captioned with its classifier FID, laid out by the browser.
  page="$runs/mnist-compare/samples.html"
  {
    echo '<html><body style="margin:8px;font:15px sans-serif;display:flex;gap:12px">'
    for loss in lsgan glsgan wgan wgan-gp gan; do
      run="$runs/mnist-compare/runs/$loss-seed0"
      "$lsgan" sample "$run" -n 64 --ema --out "$run/samples-ema.png" >/dev/null
      fid="$(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print("%.1f" % next(x["fid"] for x in m if x["feature"] == "classifier"))' "$run/image_metrics.json")"
      name="$(python3 -c 'import sys; print({"lsgan":"LS-GAN","glsgan":"GLS-GAN","wgan":"WGAN","wgan-gp":"WGAN-GP","gan":"GAN"}[sys.argv[1]])' "$loss")"
      echo "<figure style=\"margin:0;text-align:center\"><img src=\"runs/$loss-seed0/samples-ema.png\" width=\"264\"><figcaption>$name, seed 0 (FID $fid)</figcaption></figure>"
    done
    echo '</body></html>'
  } >"$page"
  screenshot "$page" docs/mnist-compare-samples.png 330
  cat "$runs/mnist-compare/summary.md"
fi

if wants clsgan; then
  say "mnist: CLS-GAN, every label and 100 labels, seed 0"
  classifier mnist
  dir="$(data_dir mnist)"
  [ -f "$runs/mnist-clsgan/final_metrics.json" ] ||
    "$lsgan" train --data mnist --data-dir "$dir" --loss clsgan --threads 2 --quiet --force \
      --out "$runs/mnist-clsgan"
  # Sample i is of class i mod 10: ten columns, a digit each.
  "$lsgan" sample "$runs/mnist-clsgan" -n 100 --out docs/mnist-clsgan-classes.png
  "$lsgan" evaluate "$runs/mnist-clsgan" --features classifier
  [ -f "$runs/mnist-clsgan-100/final_metrics.json" ] ||
    "$lsgan" train --data mnist --data-dir "$dir" --loss clsgan --labels 100 --threads 2 --quiet \
      --force --out "$runs/mnist-clsgan-100"
  "$lsgan" evaluate "$runs/mnist-clsgan-100" --features classifier
  cp "$runs/mnist-clsgan-100/confusion.png" docs/mnist-clsgan-100-confusion.png
fi
if wants tensorboard; then
  say "tensorboard: LS-GAN and WGAN-GP on the ring, seeds 0-1"
  python="$(bash scripts/python-env.sh)"
  "$lsgan" compare --data ring --losses lsgan,wgan-gp --seeds 2 --jobs "$jobs" --threads 1 --quiet \
    --out "$runs/tensorboard"
  port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$python" -m tensorboard.main --logdir "$runs/tensorboard" --host 127.0.0.1 --port "$port" 2>/dev/null &
  server=$!
  # Until the server has read the four runs' curves.
  "$python" - "$port" <<'PY'
import json, sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/data/plugin/scalars/tags"
for _ in range(240):
    try:
        if len(json.load(urllib.request.urlopen(url))) == 4:
            break
    except OSError:
        pass
    time.sleep(0.5)
PY
  # The scalars dashboard draws its curves without WebGL, which headless Chromium lacks.
  screenshot "http://127.0.0.1:$port/#scalars&tagFilter=quality%2Fhigh%7Cquality%2Fmodes_covered%7Closses%2Fpenalty%7Cspeed%2Fiter" \
    docs/tensorboard-scalars.png 760
  screenshot "http://127.0.0.1:$port/#images&tagFilter=pictures" docs/tensorboard-pictures.png 1000
  kill "$server"
fi
say "done"
