#!/usr/bin/env bash
# The main job on a fresh machine: set up (once), build, and train LS-GAN on the 8-Gaussian
# ring with its default budget. Writes runs/ring-lsgan/. The README gives the time it takes.
# Extra arguments go to `lsgan train` (e.g. --loss wgan-gp --out runs/ring-wgan-gp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
echo "[demo] set-up done at ${SECONDS} s; building lsgan (release; a first build compiles tch's C++ wrapper, 1–3 minutes)"
cargo build --release --quiet
# The run folder is runs/ring-lsgan unless the extra arguments name their own --out.
out=(--out runs/ring-lsgan)
for argument in "$@"; do
  case "$argument" in --out | --out=*) out=() ;; esac
done
echo "[demo] built at ${SECONDS} s; training: target/release/lsgan train --data ring --loss lsgan ${out[*]} --force $*"
target/release/lsgan train --data ring --loss lsgan "${out[@]}" --force "$@"
echo "[demo] done in ${SECONDS} s; its curves and pictures in TensorBoard: tensorboard --logdir runs/ (README, \"A tour\")"
