#!/usr/bin/env bash
# One-time, idempotent set-up for lsgan on a fresh machine (rustup and python3 present).
#
# 1. Installs libtorch 2.11.0, the version tch 0.24 is built against, from the torch==2.11.0
#    wheel on PyPI into a cache outside the checkout, keyed by version, so every clone reuses it:
#    ${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}/torch-2.11.0
# 2. Writes .cargo/config.toml (git-ignored) so that plain `cargo build` / `cargo test` find it.
#    Binaries then carry an rpath to the cache: no LD_LIBRARY_PATH is needed to run them.
set -euo pipefail

TORCH_VERSION=2.11.0
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}"
torch_env="$cache_root/torch-$TORCH_VERSION"
python_bin="${PYTHON:-python3}"

say() { printf '[setup] %s\n' "$*"; }

mkdir -p "$cache_root"
# Two set-ups at once (two clones, CI beside a developer) must not install into one folder together.
exec 9>"$cache_root/.setup.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

if [ -f "$torch_env/.complete" ]; then
  say "libtorch $TORCH_VERSION already installed in $torch_env"
else
  command -v "$python_bin" >/dev/null || { echo "setup: $python_bin not found; python3 is needed to install libtorch" >&2; exit 2; }
  say "installing torch==$TORCH_VERSION (libtorch for tch 0.24) into $torch_env"
  say "this downloads about 4.7 GB from PyPI once; later clones reuse it"
  rm -rf "$torch_env"
  "$python_bin" -m venv "$torch_env"
  "$torch_env/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
    "torch==$TORCH_VERSION"
  "$torch_env/bin/python" -W ignore -c "import torch, sys; assert torch.__version__.startswith('$TORCH_VERSION'), torch.__version__"
  touch "$torch_env/.complete"
  say "libtorch $TORCH_VERSION installed"
fi

torch_dir="$("$torch_env/bin/python" -W ignore -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
cxx11_abi="$("$torch_env/bin/python" -W ignore -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
libtorch_lib="$torch_dir/lib"

mkdir -p "$repo_root/.cargo"
config="$repo_root/.cargo/config.toml"
new_config="# Written by scripts/setup.sh: points torch-sys at libtorch $TORCH_VERSION inside the cached
# torch wheel. (torch-sys's LIBTORCH_USE_PYTORCH would run whichever python is first on PATH,
# so the wheel's folder is named directly instead.)
[env]
LIBTORCH = \"$torch_dir\"
LIBTORCH_CXX11_ABI = \"$cxx11_abi\"
"
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$(printf '%s' "$new_config")" ]; then
  printf '%s' "$new_config" > "$config"
  say "wrote $config"
else
  say "$config is up to date"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup first (https://rustup.rs)" >&2
  exit 2
fi
say "ready: libtorch at $libtorch_lib"
