#!/bin/bash
# Category entities in query understanding (query/category_entities.py): NDCG@10 of the demo
# shops' judged queries, hybrid search, with `understanding.entity_boost` at each given value
# (0: named categories read but not boosted, the default). English: the English demo shop and
# the English glosses of benchmarks/data/multilingual_queries.tsv; Chinese: the Chinese demo
# shop's 298 judged queries, MiniLM (E5 is much slower). Indexes are built once per work folder.
#
#   nice -n 10 bash benchmarks/category_entities.sh runs/entities "0 0.03 0.1 0.3"
set -euo pipefail
work=${1:-runs/entities}
boosts=${2:-"0 0.1 0.3"}
python=${PYTHON:-.venv/bin/python}
mkdir -p "$work"
for boost in $boosts; do
  SHELFWISE_UNDERSTANDING__ENTITY_BOOST=$boost "$python" benchmarks/chinese_demo.py \
    --work-dir "$work/en" --language en --modes hybrid > /dev/null
  cp "$work/en/results.json" "$work/en-$boost.json"
  SHELFWISE_ENCODER__NAME=minilm SHELFWISE_UNDERSTANDING__ENTITY_BOOST=$boost "$python" \
    benchmarks/chinese_demo.py --work-dir "$work/zh" --modes hybrid > /dev/null
  cp "$work/zh/results.json" "$work/zh-$boost.json"
  for language in en zh; do
    "$python" -c "import json, sys; h = json.load(open(sys.argv[1]))['hybrid']; \
print(f'{sys.argv[2]} entity_boost {sys.argv[3]}: NDCG@10 {h[\"ndcg@10\"]}, Recall@10 {h[\"recall@10\"]}')" \
      "$work/$language-$boost.json" "$language" "$boost"
  done
done
