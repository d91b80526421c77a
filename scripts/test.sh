#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up (once), then every unit, integration and
# end-to-end test, in release mode (the end-to-end ring run trains for real).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
echo "[test] cargo test --release"
cargo test --release "$@"
