#!/usr/bin/env bash
# Everything this project measures on a GPU machine, in one script, for the `device` tool's
# machines (torch 2.11.0+cu130 in python3, no Rust, no network): run it from the repository
# root with the release binary built elsewhere and carried in target/release/lsgan, MNIST in
# $LSGAN_DATA_DIR/mnist and the digit classifier in $LSGAN_CACHE_DIR/classifiers.
#
#   1. lsgan bench against bench/reference/lsgan_step.py on CUDA, alternated, 3 workloads;
#      batch scaling on DCGAN-MNIST; GPU utilisation while each workload runs
#   2. the default ring run on CUDA (same quality as on the CPU?)
#   3. lsgan compare --data ring and --data mnist, 5 losses x 3 seeds, full budget
#
# Usage: bench/gpu.sh OUT_DIR    Results: OUT_DIR/{log.txt,bench.jsonl,util-*.csv,*.tar.gz}
set -uo pipefail
out="${1:?usage: bench/gpu.sh OUT_DIR}"
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
export LD_LIBRARY_PATH="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib"
lsgan=target/release/lsgan
work="$(mktemp -d)"
stamp() { echo "== $(date +%T) $*"; }

stamp "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
"$lsgan" --version

stamp "1. bench on CUDA, lsgan and PyTorch alternated"
for round in 1 2; do
  timeout 60 "$lsgan" bench --device cuda --warmup 20 --iters 100 --json >>"$out/bench.jsonl"
  timeout 60 python3 -W ignore bench/reference/lsgan_step.py --device cuda --warmup 20 \
    --iters 100 >>"$out/bench.jsonl"
done
stamp "1b. batch scaling, DCGAN-MNIST on CUDA"
for batch in 32 64 128 256 512; do
  timeout 30 "$lsgan" bench --device cuda --workloads mnist --batch "$batch" --warmup 10 \
    --iters 50 --json >>"$out/bench.jsonl"
  timeout 30 python3 -W ignore bench/reference/lsgan_step.py --device cuda --workloads mnist \
    --batch "$batch" --warmup 10 --iters 50 >>"$out/bench.jsonl"
done
stamp "1c. GPU utilisation while lsgan bench runs each workload"
for workload in ring mnist dcgan64; do
  # nvidia-smi writes the file itself (-f): a pipe through sed lost its buffer when killed.
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 100 \
    -f "$out/util-$workload.csv" &
  sampler=$!
  timeout 30 "$lsgan" bench --device cuda --workloads "$workload" --warmup 30 --iters 400 \
    >>"$work/bench-utilisation.txt"
  kill "$sampler"
done
cat "$work/bench-utilisation.txt"  # into log.txt: the device tool returns at most 8 files

stamp "2. the default ring run on CUDA"
timeout 60 "$lsgan" train --device cuda --out "$work/ring-cuda" --quiet
cat "$work/ring-cuda/final_metrics.json"; echo
tar -czf "$out/ring-cuda.tar.gz" -C "$work" --exclude='*.safetensors' ring-cuda

# One compare process per loss, all at once (each run is too small to fill the GPU), then
# one more that finds every run finished and writes the summary and the report.
compare_all() {
  local data="$1" limit="$2"
  local dir="$work/compare-$data" pids=()
  for loss in lsgan glsgan wgan wgan-gp gan; do
    timeout "$limit" "$lsgan" compare --data "$data" --device cuda --threads 2 --losses "$loss" \
      --out "$dir" --quiet >"$work/compare-$data-$loss.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || echo "a $data compare process failed ($?)"; done
  tail -n 3 "$work"/compare-"$data"-*.log
  timeout 45 "$lsgan" compare --data "$data" --device cuda --threads 2 --out "$dir" --quiet
  tar -czf "$out/compare-$data.tar.gz" -C "$work" --exclude='*.safetensors' \
    --exclude='samples/*' "compare-$data"
}
stamp "3a. lsgan compare --data ring (5 losses x 3 seeds, 3000 iterations)"
compare_all ring 180
stamp "3b. lsgan compare --data mnist (5 losses x 3 seeds, 3000 iterations)"
compare_all mnist 240
stamp "done"
ls -la "$out"
