#!/usr/bin/env bash
# Debian's headless Chromium, which the report's browser test (tests/report_browser.rs) and
# scripts/docs-pictures.sh (screenshots of report.html) use. Installed with apt-get where this
# runs as root; elsewhere the note says what to install. The demo does not need it.
set -euo pipefail
if command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1; then
  echo "[browser] headless Chromium already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[browser] installing Debian's chromium-headless-shell (for report.html in a real browser)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null
else
  echo "[browser] note: the report's browser test needs Debian's chromium-headless-shell (apt-get install chromium-headless-shell)"
fi
