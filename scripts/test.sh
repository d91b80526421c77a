#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up (once), install the browser the report's
# and TensorBoard's tests open (Debian's headless Chromium) and the project's Python
# environment (TensorBoard, whose reader and server read lsgan's event files), then every
# unit, integration and end-to-end test, in release mode (the end-to-end ring run trains for
# real).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh
bash scripts/python-env.sh >/dev/null
if [ "$#" -gt 0 ]; then
  echo "[test] cargo test --release $*"
  exec cargo test --release "$@"
fi
# The unit tests run side by side like the integration tests: those that seed or draw from
# libtorch's one global random generator hold it through a lock (`process::seeded`), so that
# no neighbour draws between a test's seed and its draws.
echo "[test] cargo test --release --lib"
cargo test --release --lib
echo "[test] cargo test --release --bins --test '*'"
cargo test --release --bins --test '*'
echo "[test] cargo test --release --doc"
cargo test --release --doc
