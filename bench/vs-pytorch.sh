#!/usr/bin/env bash
# lsgan against the PyTorch eager reference (bench/reference/lsgan_step.py: same nets,
# objective, optimiser, batch and data) on the CPU, alternated in one script so both see the
# same machine: every workload at 1 and 2 threads, ROUNDS times; the same with the lazy
# penalty; then lsgan's batch scaling on DCGAN-MNIST (batch 32..512, 1 and 2 threads). Prints the tables of bench/table.py and
# keeps the raw results (JSON lines) in OUT. A benchmark, not a test.
#
# Usage: bench/vs-pytorch.sh [ROUNDS=3] [OUT=runs/bench/cpu.jsonl]
#   THREADS="1 2" WORKLOADS="ring mnist dcgan64" LAZY=4 (0: no lazy-penalty rows) SCALING=1
#   (0: no scaling rows) BF16="ring mnist" (workloads given bf16 rows; "": none) LOCKSTEP=1
#   (0: no lock-step rows, bench/lockstep.py) override.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-3}" out="${2:-runs/bench/cpu.jsonl}"
threads="${THREADS:-1 2}" workloads="${WORKLOADS:-ring mnist dcgan64}"
bash scripts/setup.sh >/dev/null
cargo build --release --quiet
# The PyTorch of the reference: the whole torch 2.11.0 wheel, in the cache's virtual
# environment (installed once, 4.7 GB, where the CPU set-up did not need it).
python="$(bash scripts/setup.sh --torch-python)"
mkdir -p "$(dirname "$out")"
: >"$out"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
  "$(target/release/lsgan --version); $("$python" -c 'import torch; print("torch", torch.__version__)')"
# Iterations per workload: the 64x64 DCGAN takes seconds per iteration on a small CPU.
# bf16 rows: a CPU without bfloat16 instructions (this one) runs them 20-30 times slower.
iterations() {
  case "$1 ${precision:-fp32}" in
    *bf16) echo "--warmup 1 --iters 5" ;;
    dcgan64*) echo "--warmup 2 --iters 8" ;;
    *) echo "--warmup 5 --iters 20" ;;
  esac
}
# One workload, both engines; odd rounds run lsgan first, even rounds PyTorch first, so that
# neither always runs on a machine the other has just warmed (or heated).
pair() { # round workload threads [extra flags]
  local round="$1" w="$2" t="$3"; shift 3
  # shellcheck disable=SC2046
  ours() { target/release/lsgan bench --workloads "$w" --threads "$t" $(iterations "$w") "$@" --json >>"$out"; }
  # shellcheck disable=SC2046
  theirs() { "$python" -W ignore bench/reference/lsgan_step.py --workloads "$w" --threads "$t" $(iterations "$w") "$@" >>"$out"; }
  if [ $((round % 2)) = 1 ]; then ours "$@"; theirs "$@"; else theirs "$@"; ours "$@"; fi
}
for round in $(seq "$rounds"); do
  for t in $threads; do
    for w in $workloads; do pair "$round" "$w" "$t"; done
  done
  echo "round $round of $rounds done" >&2
done
# Lazy regularisation (the penalty on every LAZY-th critic step, weighted LAZY·γ), both
# engines, at the largest thread count.
lazy="${LAZY:-4}"
if [ "$lazy" -gt 1 ]; then
  t="${threads##* }"
  for round in $(seq "$rounds"); do
    for w in $workloads; do pair "$round" "$w" "$t" --penalty-every "$lazy"; done
  done
fi
# Mixed precision (bf16 autocast), both engines, one round at the largest thread count.
for w in ${BF16-ring mnist}; do
  precision=bf16 pair 1 "$w" "${threads##* }" --precision bf16
done
# Lock-step: both engines at once, taking turns one iteration at a time (bench/lockstep.py),
# every workload at every thread count, then with the lazy penalty at the largest.
if [ "${LOCKSTEP:-1}" = 1 ]; then
  pairs() { case "$1" in dcgan64) echo "--pairs 12 --warmup 2" ;; mnist) echo "--pairs 30" ;; *) echo "--pairs 40" ;; esac; }
  lockstep() { # workload threads [extra flags]
    local w="$1" t="$2"; shift 2
    # shellcheck disable=SC2046
    python3 bench/lockstep.py --lsgan target/release/lsgan --python "$python" --workload "$w" \
      --threads "$t" $(pairs "$w") "$@" >>"$out"
  }
  for t in $threads; do
    for w in $workloads; do lockstep "$w" "$t"; done
  done
  if [ "$lazy" -gt 1 ]; then
    for w in $workloads; do lockstep "$w" "${threads##* }" --penalty-every "$lazy"; done
  fi
fi
if [ "${SCALING:-1}" = 1 ]; then
  for t in $threads; do
    for batch in 32 64 128 256 512; do
      target/release/lsgan bench --workloads mnist --threads "$t" --batch-size "$batch" \
        --warmup 2 --iters 10 --json >>"$out"
    done
  done
fi
python3 bench/table.py "$out"
