#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up (once), install the browser the report's
# test opens (Debian's headless Chromium), then every unit, integration and end-to-end test,
# in release mode (the end-to-end ring run trains for real).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh
if [ "$#" -gt 0 ]; then
  echo "[test] cargo test --release $*"
  exec cargo test --release "$@"
fi
# The library's unit tests share libtorch's one global random generator, and several of them
# seed it and expect the same draws twice (the same initial weights, say): they run one at a
# time, so that no neighbour draws in between. The integration tests run side by side.
echo "[test] cargo test --release --lib -- --test-threads=1"
cargo test --release --lib -- --test-threads=1
echo "[test] cargo test --release --bins --test '*'"
cargo test --release --bins --test '*'
echo "[test] cargo test --release --doc"
cargo test --release --doc
