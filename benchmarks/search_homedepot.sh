#!/usr/bin/env bash
# Home Depot search benchmark, end to end (from the repository root, after `make install`):
#   1. split dev judgments by query into tuning (70%) and validation (30%) parts;
#   2. fine-tune the cross-encoder reranker on the tuning part, then the encoder, with the
#      reranker as the teacher that checks its mined hard negatives (both hold out 15% of the
#      tuning queries themselves);
#   3. learn fusion (LambdaMART) from the tuning part with that encoder;
#   4. bench + eval each mode on the validation queries with the default settings (hybrid uses the
#      learned fusion; hybrid-weighted is the hand-tuned weighted fusion beside it);
#   5. tune weighted fusion on the encoder's held-out queries, score every system on validation.
# Usage: bash benchmarks/search_homedepot.sh [DATA_DIR]     SKIP_TRAIN=1 reuses the active encoder;
#        EPOCHS=N fine-tunes the encoder for N epochs (default 1, the recorded runs' setting);
#        ENCODER_SEED=N seeds the encoder's own held-out split and batches (default 13).
set -euo pipefail
HD=${HD:-../shared/data/homedepot}
OUT=${1:-runs/hd}
SW=.venv/bin/shelfwise
PY=.venv/bin/python
mkdir -p "$OUT"
$PY benchmarks/split_judgments.py "$HD/dev_judgments.tsv" "$OUT"
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  $SW train reranker --data-dir "$OUT" --products "$HD/products.tsv" \
      --judgments "$OUT/tuning_judgments.tsv" --epochs 1
  teacher="$OUT/models/reranker/versions/$(ls "$OUT/models/reranker/versions" | tail -1)"
  $SW train encoder --data-dir "$OUT" --products "$HD/products.tsv" \
      --judgments "$OUT/tuning_judgments.tsv" --epochs "${EPOCHS:-1}" --teacher "$teacher" \
      --seed "${ENCODER_SEED:-13}"
fi
$PY benchmarks/encoder_holdout.py "$OUT/tuning_judgments.tsv" "$OUT/encoder_holdout_judgments.tsv"
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  $SW bench search --data-dir "$OUT" --products "$HD/products.tsv" --queries "$OUT/validation_queries.tsv" \
      --mode lexical --out "$OUT/warm-up.trec" > /dev/null   # builds the index (encodes the catalog)
  $SW train fusion --data-dir "$OUT" --products "$HD/products.tsv" \
      --judgments "$OUT/tuning_judgments.tsv" > "$OUT/train-fusion.json"
fi
for mode in hybrid lexical vector hybrid-weighted; do
  fusion=(); [ "$mode" = hybrid-weighted ] && fusion=(--fusion weighted)
  $SW bench search --data-dir "$OUT" --products "$HD/products.tsv" \
      --queries "$OUT/validation_queries.tsv" --mode "${mode%-weighted}" "${fusion[@]}" \
      --out "$OUT/validation-$mode.trec" > "$OUT/bench-$mode.json"
  echo "== $mode"; cat "$OUT/bench-$mode.json"
  $SW eval search --judgments "$OUT/validation_judgments.tsv" --run "$OUT/validation-$mode.trec"
done
work=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['work_dir'])" "$OUT/bench-hybrid.json")
$PY benchmarks/tune_search.py --data-dir "$OUT" --work-dir "$work" \
    --tune-judgments "$OUT/encoder_holdout_judgments.tsv" \
    --validation-judgments "$OUT/validation_judgments.tsv" --out "$OUT/tuning.json"
# 6. cross-encoder reranker (issue 3, trained in step 2), scored on validation
$SW bench search --data-dir "$OUT" --products "$HD/products.tsv" --queries "$OUT/validation_queries.tsv" \
    --mode hybrid --rerank --out "$OUT/validation-hybrid-rerank.trec" > "$OUT/bench-hybrid-rerank.json"
echo "== hybrid + rerank"; cat "$OUT/bench-hybrid-rerank.json"
$SW eval search --judgments "$OUT/validation_judgments.tsv" --run "$OUT/validation-hybrid-rerank.trec"
cut -f1-3 "$OUT/validation_judgments.tsv" > "$OUT/validation_pairs.tsv"
$SW bench relevance --data-dir "$OUT" --products "$HD/products.tsv" --pairs "$OUT/validation_pairs.tsv" \
    --out "$OUT/validation-relevance.tsv"
$SW eval relevance --judgments "$OUT/validation_judgments.tsv" --scores "$OUT/validation-relevance.tsv"
