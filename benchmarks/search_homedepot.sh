#!/usr/bin/env bash
# Home Depot search benchmark, end to end: split dev judgments by query, fine-tune the encoder on
# the tuning part, then BM25 / vector / hybrid runs on the validation queries, scored.
# Usage: bash benchmarks/search_homedepot.sh [DATA_DIR]   (from the repository root, after make install)
set -euo pipefail
HD=${HD:-../shared/data/homedepot}
OUT=${1:-runs/hd}
SW=.venv/bin/shelfwise
PY=.venv/bin/python
mkdir -p "$OUT"
$PY benchmarks/split_judgments.py "$HD/dev_judgments.tsv" "$OUT"
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  $SW train encoder --data-dir "$OUT" --products "$HD/products.tsv" \
      --judgments "$OUT/tuning_judgments.tsv" --epochs 3
fi
for mode in lexical vector hybrid; do
  $SW bench search --data-dir "$OUT" --products "$HD/products.tsv" \
      --queries "$OUT/validation_queries.tsv" --mode "$mode" --out "$OUT/validation-$mode.trec" \
      > "$OUT/bench-$mode.json"
  echo "== $mode"; cat "$OUT/bench-$mode.json"
  $SW eval search --judgments "$OUT/validation_judgments.tsv" --run "$OUT/validation-$mode.trec"
done
