#!/usr/bin/env bash
# How long a first `cargo build --release` takes, and what the shipped build settings cost in
# speed: builds lsgan from nothing twice, each into its own empty target folder,
#   shipped  Cargo.toml as it is (tch's C++ wrapper at -O1, zstd and bzip2 at -O0)
#   o3       the same with those three at the release profile's -O3 (cargo's default)
# prints each build's wall time and its ten longest units (cargo --timings), then times a
# training step of both binaries with `lsgan bench`, taking turns ROUNDS times (default 3)
# so that a noisy machine's changes hit both alike. The registry is fetched first, so
# downloads are not counted. BENCHMARKS.md, "Build time", has the results.
# Usage: bench/build-time.sh [OUT_DIR (default a temporary folder)]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-$(mktemp -d)}"
rounds="${ROUNDS:-3}"
mkdir -p "$out"
bash scripts/setup.sh >/dev/null
cargo fetch --quiet
o3=(--config 'profile.release.package."torch-sys".opt-level=3'
    --config 'profile.release.package."zstd-sys".opt-level=3'
    --config 'profile.release.package."bzip2-sys".opt-level=3')
for variant in shipped o3; do
  extra=()
  [ "$variant" = o3 ] && extra=("${o3[@]}")
  rm -rf "$out/target-$variant"
  start=$SECONDS
  CARGO_TARGET_DIR="$out/target-$variant" cargo build --release --quiet --timings "${extra[@]}"
  echo "[build] $variant: $((SECONDS - start)) s"
  python3 - "$out/target-$variant/cargo-timings" <<'PY'
import glob, json, re, sys
page = open(sorted(glob.glob(sys.argv[1] + "/cargo-timing-*.html"))[-1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", page, re.S).group(1))
print(f"  CPU time over all units: {sum(u['duration'] for u in units):.0f} s")
for u in sorted(units, key=lambda u: -u["duration"])[:10]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u.get('target', '').strip()}")
PY
done
for round in $(seq "$rounds"); do
  for variant in shipped o3; do
    "$out/target-$variant/release/lsgan" bench --workloads ring,mnist --iters 30 --json |
      python3 -c 'import json, sys
rows = [json.loads(line) for line in sys.stdin]
print(sys.argv[1], sys.argv[2], "  ".join("%s %.2f ms" % (r["workload"], r["median_ms"]) for r in rows))' "$round" "$variant"
  done
done
