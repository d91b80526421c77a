#!/usr/bin/env bash
# The main job on a fresh machine: set up (once), build, and train LS-GAN on the 8-Gaussian
# ring with the default budget (72 s to 2.5 minutes on 2 CPU cores, depending on the CPU: EXPERIMENTS.md). Writes runs/ring-lsgan/.
# Extra arguments go to `lsgan train` (e.g. --loss wgan-gp --out runs/ring-wgan-gp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
echo "[demo] building lsgan (release; the first build compiles libtorch's C++ wrapper, ~3 min)"
cargo build --release --quiet
# The run folder is runs/ring-lsgan unless the extra arguments name their own --out.
out=(--out runs/ring-lsgan)
for argument in "$@"; do
  case "$argument" in --out | --out=*) out=() ;; esac
done
echo "[demo] training: target/release/lsgan train --data ring --loss lsgan ${out[*]} --force $*"
exec target/release/lsgan train --data ring --loss lsgan "${out[@]}" --force "$@"
