#!/usr/bin/env bash
# The fault-injection tests, and the table of RELIABILITY.md they produce.
#
#   bash scripts/reliability.sh           # the counts CI runs (a few minutes)
#   bash scripts/reliability.sh --long    # the long campaign: 100000 cases per fuzz target,
#                                         # 200 SIGKILLs (about an hour on 2 cores)
#
# LSGAN_FUZZ_CASES and LSGAN_KILL_TRIALS set the counts directly. Each test writes its row to
# target/tmp/reliability/ once its assertions passed; the rows replace the table between the
# markers in RELIABILITY.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${1:-}" = "--long" ]; then
    export LSGAN_FUZZ_CASES="${LSGAN_FUZZ_CASES:-100000}"
    export LSGAN_KILL_TRIALS="${LSGAN_KILL_TRIALS:-200}"
fi
bash scripts/setup.sh
rows=target/tmp/reliability
rm -rf "$rows"
started=$(date +%s)
cargo test --release --test fuzz_parsers --test checkpoint_fuzz --test resume --test disk_full --test tensorboard
seconds=$(( $(date +%s) - started ))

table=$(mktemp)
{
    echo "<!-- table:start (written by scripts/reliability.sh; do not edit by hand) -->"
    echo "| fault | how it was tried | trials | outcome |"
    echo "|---|---|---:|---|"
    # The parsers (fuzz-*) first, then the faults of a running training in the order a run
    # meets them, then any other row.
    order="config checkpoint-fuzz damaged-checkpoint lock signals sigkill disk-full event-file divergence"
    slugs=$(ls "$rows" | sed 's/\.md$//' | sort)
    for slug in $slugs; do
        if [[ "$slug" == fuzz-* ]]; then cat "$rows/$slug.md"; fi
    done
    for slug in $order; do
        if [ -f "$rows/$slug.md" ]; then cat "$rows/$slug.md"; fi
    done
    for slug in $slugs; do
        if [[ "$slug" != fuzz-* && " $order " != *" $slug "* ]]; then cat "$rows/$slug.md"; fi
    done
    echo
    echo "Produced by \`bash scripts/reliability.sh ${1:-}\` on $(date -u +%Y-%m-%d) in ${seconds} s" \
        "(LSGAN_FUZZ_CASES=${LSGAN_FUZZ_CASES:-default}, LSGAN_KILL_TRIALS=${LSGAN_KILL_TRIALS:-default})."
    echo "<!-- table:end -->"
} > "$table"
awk -v table="$table" '
    /<!-- table:start/ { while ((getline line < table) > 0) print line; skipping = 1; next }
    /<!-- table:end -->/ { skipping = 0; next }
    !skipping { print }
' RELIABILITY.md > RELIABILITY.md.new
mv RELIABILITY.md.new RELIABILITY.md
rm -f "$table"
echo "[reliability] $(ls "$rows" | wc -l) rows written to RELIABILITY.md"
