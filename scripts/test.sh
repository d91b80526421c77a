#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up (once), install the browser the report's
# test opens (Debian's headless Chromium), then every unit, integration and end-to-end test,
# in release mode (the end-to-end ring run trains for real).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# tests/report_browser.rs opens report.html in a real browser. Installed with apt-get where
# this runs as root; elsewhere the note says what that one test needs.
if command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1; then
  echo "[test] headless Chromium already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[test] installing Debian's chromium-headless-shell (for the report's browser test)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
else
  echo "[test] note: tests/report_browser.rs needs Debian's chromium-headless-shell (apt-get install chromium-headless-shell)"
fi
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
