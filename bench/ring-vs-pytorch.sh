#!/usr/bin/env bash
# Speed of the default ring run, lsgan against the PyTorch eager reference
# (bench/reference/ring_lsgan.py: same nets, objective, optimiser, batch), alternated in one
# script so both see the same machine. Prints ms/iteration and the ratio lsgan/PyTorch per round.
# lsgan's figure is its seconds_per_iteration, which also counts its metric evaluations.
# Usage: bench/ring-vs-pytorch.sh [ROUNDS=3] [ITERS=300] [THREADS=2]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-3}" iters="${2:-300}" threads="${3:-2}"
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
# The torch wheel's own venv (setup.sh): LIBTORCH is <venv>/lib/python3.X/site-packages/torch.
libtorch="$(sed -n 's/^LIBTORCH *= *"\(.*\)"/\1/p' .cargo/config.toml)"
python="${libtorch%/lib/python*}/bin/python"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
  target/release/lsgan train --data ring --iters "$iters" --threads "$threads" --out "$out/run" \
    --force --quiet >/dev/null 2>&1
  ours="$(python3 -c 'import json,sys; print(1000*json.load(open(sys.argv[1]))["seconds_per_iteration"])' \
    "$out/run/final_metrics.json")"
  reference="$("$python" -W ignore bench/reference/ring_lsgan.py --iters "$iters" --threads "$threads")"
  theirs="$(sed -n 's/.*mean \([0-9.]*\) ms.*/\1/p' <<<"$reference")"
  python3 -c 'import sys; a,b=map(float,sys.argv[2:]); print(f"round {sys.argv[1]}: lsgan {a:.1f} ms/iteration, pytorch {b:.1f}, ratio {a/b:.2f}")' \
    "$round" "$ours" "$theirs"
done
