"""What reranking the top N costs per query, by input length and threads, on demo-catalog texts.

    .venv/bin/python benchmarks/rerank_latency.py --top 30 --max-lengths 64,48,32 --threads 1,2 \
        --layers 6,3

Builds cross-encoders from the bundled MiniLM with untrained heads (the network, and so the cost,
of a trained reranker; its grades mean nothing) at each `max_length`, exported to ONNX int8 (the
served runtime), and times `score(query, texts)` for `--queries` queries over `--top` product
texts each (`Product.text()`, what search reranks), single requests as a server makes them.
`--layers` keeps that many of MiniLM's 6 layers, evenly spaced, as a distilled student does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from shelfwise.evaluate.machine import describe_machine

sys.path.insert(0, str(Path(__file__).parent))
from search_scale import make_queries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--max-lengths", default="64,48,32")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--layers", default="6", help="transformer layers kept (students: 3, 2)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import torch

    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.models import bundled_minilm_path
    from shelfwise.models.reranker import CrossEncoderReranker, RelevanceNetwork, RerankerSpec
    from shelfwise.train.distill import kept_layers

    products = generate_demo_catalog(5_000, seed=7)
    queries = make_queries(5_000, args.queries, seed=3)
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        variants = [(int(layers), int(length)) for layers in args.layers.split(",")
                    for length in args.max_lengths.split(",")]  # fmt: skip
        for layers, max_length in variants:
            folder = Path(work) / f"ce{layers}-{max_length}"
            network = RelevanceNetwork.from_base(bundled_minilm_path(), RerankerSpec(max_length=max_length))
            kept = kept_layers(len(network.backbone.encoder.layer), layers)
            network.backbone.encoder.layer = torch.nn.ModuleList(
                [network.backbone.encoder.layer[i] for i in kept]
            )
            network.backbone.config.num_hidden_layers = len(kept)
            network.save(folder)
            for threads in [int(v) for v in args.threads.split(",")]:
                model = CrossEncoderReranker(folder, threads=threads, int8=True, runtime="onnx")
                model.score("warm up", [products[0].text()] * args.top)
                timings = []
                for query in queries:
                    chosen = rng.choice(len(products), args.top, replace=False)
                    texts = [products[int(i)].text() for i in chosen]
                    started = time.perf_counter()
                    model.score(query, texts)
                    timings.append((time.perf_counter() - started) * 1000)
                p50, p95 = np.percentile(timings, [50, 95])
                row = {"layers": layers, "max_length": max_length, "threads": threads, "top": args.top,
                       "p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}  # fmt: skip
                print(json.dumps(row), flush=True)
                rows.append(row)
    if args.out:
        report = {"machine": describe_machine().model_dump(), "rows": rows}
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
