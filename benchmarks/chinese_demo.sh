#!/usr/bin/env bash
# The judged Chinese query set over the Chinese demo shop: NDCG@10 and Recall@10 for lexical, vector
# and hybrid search with the multilingual encoder (docs/benchmarks.md, "Chinese demo shop").
# Usage (repository root, after `make install`): bash benchmarks/chinese_demo.sh [OUT] [PRODUCTS]
# The same script gives the figures before and after a change to Chinese search; use a fresh OUT
# (or delete OUT/shop) when the change alters indexing, as the shop's index is reused otherwise.
set -euo pipefail
OUT=${1:-runs/zh-demo}
PRODUCTS=${2:-1500}
PY=${PY:-.venv/bin/python}
export OMP_WAIT_POLICY=PASSIVE HF_HUB_OFFLINE=1
export SHELFWISE_ENCODER__NAME=${SHELFWISE_ENCODER__NAME:-multilingual-e5-small}
git log -1 --format='commit %h %s' || true
nice -n 10 "$PY" benchmarks/chinese_demo.py --work-dir "$OUT" --products "$PRODUCTS"
