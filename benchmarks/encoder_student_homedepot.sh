#!/usr/bin/env bash
# The bi-encoder's document student on Home Depot (issue 6, part 2): what it costs in search
# quality. Its encoding rate is timed by `benchmarks/encoder_speed.py --data-dir STUDENT_DIR`.
# From the repository root, after `make install`:
#   bash benchmarks/encoder_student_homedepot.sh runs/hd runs/hd-student
# TEACHER_DIR is a data folder of benchmarks/search_homedepot.sh (its active encoder is the
# teacher) or a new folder (then the bundled all-MiniLM-L6-v2 is); the encoder alone is scored
# there first unless it already has bench-hybrid.json. STUDENT_DIR gets a copy of the teacher's
# encoder, the student (`shelfwise train encoder-student`), an index of the student's catalog
# vectors and a learned fusion trained on them, and is scored the same way. Both score hybrid
# (learned fusion: the default), vector and hybrid with weighted fusion on the validation queries.
# MAX_RELATIVE_LOSS (default 0.05) is passed to the student's gate; a refused student stops here.
set -euo pipefail
HD=${HD:-../shared/data/homedepot}
TEACHER=${1:?usage: encoder_student_homedepot.sh TEACHER_DIR STUDENT_DIR}
STUDENT=${2:?usage: encoder_student_homedepot.sh TEACHER_DIR STUDENT_DIR}
SW=.venv/bin/shelfwise
PY=.venv/bin/python
score() {  # score DIR: index, learned fusion, then bench + eval of each mode into DIR
  local dir=$1
  $SW bench search --data-dir "$dir" --products "$HD/products.tsv" --queries "$dir/validation_queries.tsv" \
      --mode lexical --out "$dir/warm-up.trec" > "$dir/warm-up.json"   # builds the index (encodes the catalog)
  grep -E '"index_seconds"' "$dir/warm-up.json"
  $SW train fusion --data-dir "$dir" --products "$HD/products.tsv" \
      --judgments "$dir/tuning_judgments.tsv" > "$dir/train-fusion.json"
  for mode in hybrid vector hybrid-weighted; do
    fusion=(); [ "$mode" = hybrid-weighted ] && fusion=(--fusion weighted)
    $SW bench search --data-dir "$dir" --products "$HD/products.tsv" \
        --queries "$dir/validation_queries.tsv" --mode "${mode%-weighted}" "${fusion[@]}" \
        --out "$dir/validation-$mode.trec" > "$dir/bench-$mode.json"
    echo "== $dir $mode"; grep -E '"(p50_ms|p95_ms|p99_ms)"' "$dir/bench-$mode.json" | tr -d ' \n'; echo
    $SW eval search --judgments "$dir/validation_judgments.tsv" --run "$dir/validation-$mode.trec" \
        | tee "$dir/eval-$mode.txt"
  done
}
mkdir -p "$TEACHER" "$STUDENT"
[ -f "$TEACHER/validation_judgments.tsv" ] || $PY benchmarks/split_judgments.py "$HD/dev_judgments.tsv" "$TEACHER"
[ -f "$TEACHER/bench-hybrid.json" ] || score "$TEACHER"
cp "$TEACHER"/{tuning,validation}_{judgments,queries}.tsv "$STUDENT/"
if [ -d "$TEACHER/models/encoder" ]; then
  rm -rf "$STUDENT/models/encoder"; mkdir -p "$STUDENT/models"; cp -r "$TEACHER/models/encoder" "$STUDENT/models/"
fi
$SW train encoder-student --data-dir "$STUDENT" --products "$HD/products.tsv" \
    --judgments "$STUDENT/tuning_judgments.tsv" --max-relative-loss "${MAX_RELATIVE_LOSS:-0.05}" \
    > "$STUDENT/train-encoder-student.json"
grep -E '"(held_out_cosine_after|vector_ndcg10_teacher|vector_ndcg10_student|published)"' "$STUDENT/train-encoder-student.json"
if ! grep -q '"published": true' "$STUDENT/train-encoder-student.json"; then
  echo "the student was refused by its gate (see $STUDENT/train-encoder-student.json)"; exit 1
fi
score "$STUDENT"
