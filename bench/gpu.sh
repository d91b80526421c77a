#!/usr/bin/env bash
# Everything this project measures on a GPU machine, in one script, for the `device` tool's
# machines (torch 2.11.0+cu130 in python3, no Rust, no network): run it from the repository
# root with the release binary built elsewhere and carried in target/release/lsgan, MNIST in
# $LSGAN_DATA_DIR/mnist and the digit classifier in $LSGAN_CACHE_DIR/classifiers. The binary
# must be the CUDA build (`LSGAN_TORCH=cuda scripts/setup.sh && cargo build --release` on the
# building machine; `lsgan --version` says "cuda build"): a CPU build cannot use the GPU.
#
# Sections (all when none is named):
#   bench          lsgan bench against bench/reference/lsgan_step.py on CUDA, alternated,
#                  3 workloads, 2 rounds; the same with the lazy penalty (every 4th step)
#                  and with bf16 mixed precision
#   precision      LS-GAN on MNIST, seeds 0..SEEDS-1, fp32 and bf16 side by side, each
#                  measured (classifier FID, precision, recall on 1,000 EMA samples)
#   scaling        batch scaling on DCGAN-MNIST; GPU utilisation while each workload runs
#   ring           the default ring run on CUDA (same quality as on the CPU?)
#   compare-ring   lsgan compare --data ring, 5 losses x 3 seeds, full budget
#   compare-mnist  lsgan compare --data mnist, 5 losses x 3 seeds, full budget
#
# Usage: bench/gpu.sh OUT_DIR [SECTION...]
#   Results: OUT_DIR/{log.txt,bench.jsonl,util-*.csv,*.tar.gz}
#   DEVICE=cuda, SEEDS=3, ITERS (the data's default), COMPARE_LIMIT=420 (seconds a compare's
#   runs may train before they are stopped with a checkpoint) override; DEVICE=cpu ITERS=20
#   tries the script on a machine without a GPU.
set -uo pipefail
out="${1:?usage: bench/gpu.sh OUT_DIR [SECTION...]}"
shift
sections=" ${*:-bench scaling ring precision compare-ring compare-mnist} "
device="${DEVICE:-cuda}" seeds="${SEEDS:-3}" limit="${COMPARE_LIMIT:-420}"
iters=()
[ -n "${ITERS:-}" ] && iters=(--iters "$ITERS")
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
if python3 -c 'import torch' 2>/dev/null; then
  export LD_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib"
fi
lsgan=target/release/lsgan
work="$(mktemp -d)"
stamp() { echo "== $(date +%T) $*"; }
wants() { [[ "$sections" == *" $1 "* ]]; }

stamp "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' 2>/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
"$lsgan" --version
if [ "$device" != cpu ] && "$lsgan" --version | grep -q "cpu build"; then
  echo "bench/gpu.sh: $lsgan is the CPU build of lsgan; build it after LSGAN_TORCH=cuda scripts/setup.sh" >&2
  exit 2
fi

# lsgan's compare, with its runs trained one process per (loss, seed), all at once: each run
# alone keeps a GPU busy a fifth to a half of the time (BENCHMARKS.md), so fifteen side by
# side finish in about the time of the longest. Each is the very run `compare` would train
# (`lsgan train --loss L --seed S` into DIR/runs/L-seedS); runs still training after `limit`
# seconds are stopped with a checkpoint (SIGTERM), and the compare that follows, which finds
# the finished runs, measures their images and writes the summary and the report, is given
# only the losses whose every seed finished, so that it trains nothing itself.
compare_all() {
  local data="$1" dir="$work/compare-$1" pids=() finished=() sampler=""
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 \
      -f "$out/util-compare-$data.csv" &
    sampler=$!
  fi
  for loss in lsgan glsgan wgan wgan-gp gan; do
    for seed in $(seq 0 $((seeds - 1))); do
      timeout "$limit" "$lsgan" train --data "$data" --device "$device" --threads 1 \
        --loss "$loss" --seed "$seed" "${iters[@]}" --out "$dir/runs/$loss-seed$seed" \
        --quiet >"$work/train-$data-$loss-$seed.log" 2>&1 &
      pids+=($!)
    done
  done
  for pid in "${pids[@]}"; do wait "$pid" || echo "a $data training process stopped ($?)"; done
  [ -n "$sampler" ] && kill "$sampler"
  tail -n 2 "$work"/train-"$data"-*.log
  for loss in lsgan glsgan wgan wgan-gp gan; do
    local all=1
    for seed in $(seq 0 $((seeds - 1))); do
      [ -f "$dir/runs/$loss-seed$seed/final_metrics.json" ] || all=0
    done
    if [ "$all" = 1 ]; then finished+=("$loss"); else echo "$data: $loss did not finish every seed"; fi
  done
  if [ "${#finished[@]}" -gt 0 ]; then
    local losses
    losses="$(IFS=,; echo "${finished[*]}")"
    stamp "compare --data $data --losses $losses (runs trained above)"
    timeout 300 "$lsgan" compare --data "$data" --device "$device" --threads 4 --seeds "$seeds" \
      "${iters[@]}" --losses "$losses" --out "$dir" --quiet
  fi
  tar -czf "$out/compare-$data.tar.gz" -C "$work" --exclude='*.safetensors' \
    --exclude='samples/*' "compare-$data"
}

if wants compare-mnist; then
  stamp "lsgan compare --data mnist (5 losses x $seeds seeds, one process per run)"
  compare_all mnist
fi
if wants compare-ring; then
  stamp "lsgan compare --data ring (5 losses x $seeds seeds, one process per run)"
  compare_all ring
fi

# One workload, both engines, lsgan first in odd rounds and PyTorch first in even ones.
pair() { # round [flags for both]
  local round="$1"
  shift
  ours() { timeout 90 "$lsgan" bench --device "$device" --warmup 20 --iters 100 --json "$@" >>"$out/bench.jsonl"; }
  theirs() {
    timeout 90 python3 -W ignore bench/reference/lsgan_step.py --device "$device" --warmup 20 \
      --iters 100 "$@" >>"$out/bench.jsonl"
  }
  if [ $((round % 2)) = 1 ]; then ours "$@"; theirs "$@"; else theirs "$@"; ours "$@"; fi
}
if wants bench; then
  stamp "bench on $device, lsgan and PyTorch alternated"
  for round in 1 2; do pair "$round"; done
  stamp "bench on $device with the lazy penalty (every 4th critic step)"
  for round in 1 2; do pair "$round" --penalty-every 4; done
  stamp "bench on $device in bf16 mixed precision"
  for round in 1 2; do pair "$round" --precision bf16; done
  python3 bench/table.py "$out/bench.jsonl"
fi

if wants scaling; then
  stamp "batch scaling, DCGAN-MNIST on $device"
  for batch in 32 64 128 256 512; do
    timeout 30 "$lsgan" bench --device "$device" --workloads mnist --batch-size "$batch" --warmup 10 \
      --iters 50 --json >>"$out/bench.jsonl"
    timeout 30 python3 -W ignore bench/reference/lsgan_step.py --device "$device" --workloads mnist \
      --batch "$batch" --warmup 10 --iters 50 >>"$out/bench.jsonl"
  done
  stamp "GPU utilisation while lsgan bench runs each workload"
  for workload in ring mnist dcgan64; do
    # nvidia-smi writes the file itself (-f): a pipe through sed lost its buffer when killed.
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 100 \
      -f "$out/util-$workload.csv" &
    sampler=$!
    timeout 30 "$lsgan" bench --device "$device" --workloads "$workload" --warmup 30 --iters 400 \
      >>"$work/bench-utilisation.txt"
    kill "$sampler"
  done
  cat "$work/bench-utilisation.txt" # into log.txt: the device tool returns at most 8 files
fi

# bf16's quality cost: the same LS-GAN MNIST runs in both precisions, all at once.
if wants precision; then
  stamp "LS-GAN on MNIST in fp32 and bf16, $seeds seeds each, one process per run"
  pids=()
  for precision in fp32 bf16; do
    for seed in $(seq 0 $((seeds - 1))); do
      timeout "$limit" "$lsgan" train --data mnist --device "$device" --threads 1 --seed "$seed" \
        --precision "$precision" "${iters[@]}" --out "$work/precision/$precision-seed$seed" \
        --quiet >"$work/precision-$precision-$seed.log" 2>&1 &
      pids+=($!)
    done
  done
  for pid in "${pids[@]}"; do wait "$pid" || echo "a precision run stopped ($?)"; done
  for precision in fp32 bf16; do
    for seed in $(seq 0 $((seeds - 1))); do
      run="$work/precision/$precision-seed$seed"
      [ -f "$run/final_metrics.json" ] || { echo "$run did not finish"; continue; }
      echo "$precision seed $seed: $(grep -h 'iterations in' "$work/precision-$precision-$seed.log")"
      timeout 120 "$lsgan" evaluate "$run" --count 1000 --features classifier --ema
    done
  done
  tar -czf "$out/precision.tar.gz" -C "$work" --exclude='*.safetensors' --exclude='samples/*' precision
fi

if wants ring; then
  stamp "the default ring run on $device"
  timeout 60 "$lsgan" train --device "$device" --out "$work/ring-$device" --quiet
  cat "$work/ring-$device/final_metrics.json"
  echo
  tar -czf "$out/ring-$device.tar.gz" -C "$work" --exclude='*.safetensors' "ring-$device"
fi
stamp "done"
ls -la "$out"
