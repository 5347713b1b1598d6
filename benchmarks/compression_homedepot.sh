#!/usr/bin/env bash
# Compression table on the Home Depot validation queries (issue 6): each served transformer in each
# runtime/precision, scored by the same `shelfwise bench search` / `bench relevance` + `eval` as
# benchmarks/search_homedepot.sh, whose data folder (fine-tuned encoder, learned fusion, reranker)
# it reuses. Run that script first; then, from the repository root:
#   bash benchmarks/compression_homedepot.sh runs/hd
# Bi-encoder: fp32 (ONNX Runtime, vectors equal torch's) and int8, vector-only, hybrid with weighted
# fusion and hybrid with the learned fusion (int8 gets a fusion trained on its own cosines, in a
# copy of the fusion registry, so the data folder's published one is untouched).
# Cross-encoder: torch fp32, torch int8, ONNX fp32, ONNX int8 reranking the fp32 hybrid's top 20,
# and predicting the grade of every judged validation pair (RMSE).
# Speed on its own, all variants alternating in one process: benchmarks/encoder_speed.py.
# PART=encoder or PART=reranker runs one half (default: both); RERANK_VARIANTS picks cross-encoder rows.
set -euo pipefail
HD=${HD:-../shared/data/homedepot}
OUT=${1:-runs/hd}
SW=.venv/bin/shelfwise
RESULTS="$OUT/compression"
mkdir -p "$RESULTS"
bench() {  # bench NAME MODE [extra bench args...]: run + eval, output in $RESULTS/NAME.*
  local name=$1 mode=$2; shift 2
  $SW bench search --data-dir "$OUT" --products "$HD/products.tsv" --queries "$OUT/validation_queries.tsv" \
      --mode "$mode" "$@" --out "$RESULTS/$name.trec" > "$RESULTS/$name.json"
  echo "== $name"; grep -E '"(p50_ms|p95_ms|p99_ms|index_seconds)"' "$RESULTS/$name.json" | tr -d ' \n'; echo
  $SW eval search --judgments "$OUT/validation_judgments.tsv" --run "$RESULTS/$name.trec"
}
PART=${PART:-all}
for precision in fp32 int8; do
  [ "$PART" = reranker ] && break
  export SHELFWISE_ENCODER__PRECISION=$precision
  bench "encoder-$precision-vector" vector
  bench "encoder-$precision-weighted" hybrid --fusion weighted
  if [ "$precision" = int8 ]; then
    # learned fusion for int8 cosines, trained as search_homedepot.sh trains the fp32 one
    cp -r "$OUT/models/fusion" "$RESULTS/fusion-fp32-backup"
    $SW train fusion --data-dir "$OUT" --products "$HD/products.tsv" \
        --judgments "$OUT/tuning_judgments.tsv" > "$RESULTS/train-fusion-int8.json"
  fi
  bench "encoder-$precision-learned" hybrid
  if [ "$precision" = int8 ]; then
    rm -rf "$OUT/models/fusion" && mv "$RESULTS/fusion-fp32-backup" "$OUT/models/fusion"
  fi
done
# the cross-encoder rows rerank the fp32 encoder's hybrid (with its learned fusion), the reference
export SHELFWISE_ENCODER__PRECISION=fp32
cut -f1-3 "$OUT/validation_judgments.tsv" > "$OUT/validation_pairs.tsv"
for variant in ${RERANK_VARIANTS:-torch-fp32 torch-int8 onnx-fp32 onnx-int8}; do
  [ "$PART" = encoder ] && break
  export SHELFWISE_RERANK__RUNTIME=${variant%-*}
  if [ "${variant#*-}" = int8 ]; then export SHELFWISE_RERANK__INT8=true; else export SHELFWISE_RERANK__INT8=false; fi
  bench "reranker-$variant" hybrid --rerank
  $SW bench relevance --data-dir "$OUT" --products "$HD/products.tsv" --pairs "$OUT/validation_pairs.tsv" \
      --threads 2 --out "$RESULTS/relevance-$variant.tsv" > "$RESULTS/relevance-$variant.json"
  grep -E '"pairs_per_second"' "$RESULTS/relevance-$variant.json"
  $SW eval relevance --judgments "$OUT/validation_judgments.tsv" --scores "$RESULTS/relevance-$variant.tsv"
done
