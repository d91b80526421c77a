#!/usr/bin/env bash
# The project's own Python environment for the test suite: a virtual environment in the
# cache, ${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}/python-env, holding the
# packages of scripts/python-requirements.txt from PyPI (TensorBoard 2.21, whose own reader
# and server the tests run over lsgan's event files). Idempotent: installed again only when
# the requirements change; an interrupted install is redone. Prints the environment's python.
# The demo and lsgan itself do not need it.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${LSGAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lsgan}"
env_dir="$cache_root/python-env"
requirements="$repo_root/scripts/python-requirements.txt"
python_bin="${PYTHON:-python3}"
say() { printf '[python-env] %s\n' "$*" >&2; }

command -v "$python_bin" >/dev/null || { echo "python-env: $python_bin not found" >&2; exit 2; }
mkdir -p "$cache_root"
exec 9>"$cache_root/.python-env.lock"
command -v flock >/dev/null 2>&1 && flock 9

stamp="$(cat "$requirements")"
if [ -f "$env_dir/.complete" ] && [ "$(cat "$env_dir/.complete")" = "$stamp" ]; then
  say "already installed in $env_dir"
else
  say "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $env_dir (about 180 MB, from PyPI, once)"
  rm -rf "$env_dir"
  "$python_bin" -m venv "$env_dir" ||
    { echo "python-env: \`$python_bin -m venv\` failed; on Debian or Ubuntu install python3-venv" >&2; exit 2; }
  "$env_dir/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q \
    -r "$requirements" >&2
  printf '%s' "$stamp" > "$env_dir/.complete"
  say "installed"
fi
echo "$env_dir/bin/python"
