"""Bi-encoder variants side by side in one run: catalog encoding rate, query latency, size on disk
and how far each variant's vectors are from fp32 torch.

The anchor is plain sentence-transformers (`SentenceTransformer.encode`, fp32, its default batch
of 32, which already sorts texts by length); the variants are Shelfwise's encoder on ONNX Runtime
in fp32 and int8 (`shelfwise/models/onnx_encoder.py`). Rounds alternate between the variants so
that a change of machine load hits all of them alike; the median round is reported.

    .venv/bin/python benchmarks/encoder_speed.py --products ../shared/data/homedepot/products.tsv \
        --queries runs/hd/validation_queries.tsv --data-dir runs/hd --texts 4000 --rounds 3

`--data-dir` takes that folder's active (fine-tuned) encoder and its ONNX exports; without it the
bundled all-MiniLM-L6-v2 is measured, with exports in a temporary folder. When the folder has a
published document student (`shelfwise train encoder-student`), or `--student DIR` names one, the
student is timed too ("student onnx-int8", what a data folder serves its catalog texts with, and
"student onnx-fp32"); its cosine to fp32 is then its distance from the full encoder's vectors.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from shelfwise.evaluate import describe_machine
from shelfwise.models import SentenceTransformerEncoder, bundled_minilm_path, onnx_root_of
from shelfwise.models.onnx_encoder import onnx_path_for


def read_column(path: Path, column: str, limit: int) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [row[column] for _, row in zip(range(limit), rows, strict=False)]


def rate(encode, texts: list[str]) -> float:  # noqa: ANN001
    started = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - started)


def latencies_ms(encode_one, queries: list[str]) -> dict[str, float]:  # noqa: ANN001
    for query in queries[:5]:
        encode_one(query)
    times = []
    for query in queries:
        started = time.perf_counter()
        encode_one(query)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95, p99 = np.percentile(times, [50, 95, 99])
    return {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2), "p99_ms": round(float(p99), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=Path, required=True, help="TSV with a title column")
    parser.add_argument("--queries", type=Path, required=True, help="TSV with a query column")
    parser.add_argument("--data-dir", type=Path, help="use this folder's active encoder")
    parser.add_argument("--model", type=Path, help="a sentence-transformers folder (e.g. a pruned one)")
    parser.add_argument(
        "--student", type=Path, help="a document student's folder (default: the data folder's published one)"
    )
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--query-count", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="threads for catalog batches")
    parser.add_argument("--batch-size", type=int, default=32, help="texts per ONNX batch")
    parser.add_argument(
        "--other-batch-sizes", type=int, nargs="*", default=[], help="int8 at these batch sizes too"
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from shelfwise.train import active_document_student, active_encoder_path

    active = active_encoder_path(args.data_dir) if args.data_dir else None
    student = args.student or (active_document_student(args.data_dir) if args.data_dir else None)
    folder = args.model or active or bundled_minilm_path()
    root = onnx_root_of(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="onnx-"))
    titles = read_column(args.products, "title", args.texts)
    queries = read_column(args.queries, "query", args.query_count)
    torch.set_num_threads(args.threads)
    plain = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    variants = {
        "onnx-fp32": SentenceTransformerEncoder(
            folder, threads=args.threads, onnx_root=root, onnx_documents=True, batch_size=args.batch_size
        ),
        "onnx-int8": SentenceTransformerEncoder(
            folder, threads=args.threads, onnx_root=root, precision="int8", batch_size=args.batch_size
        ),
    }
    if student is not None:
        for precision in ("int8", "fp32"):
            variants[f"student onnx-{precision}"] = SentenceTransformerEncoder(
                student,
                threads=args.threads,
                onnx_root=root,
                precision=precision,
                onnx_documents=True,
                batch_size=args.batch_size,
                name=f"document-student:{student.name}",
            )
    for size in args.other_batch_sizes:
        variants[f"onnx-int8 batch {size}"] = SentenceTransformerEncoder(
            folder, threads=args.threads, onnx_root=root, precision="int8", batch_size=size
        )
    reference = plain.encode(titles, normalize_embeddings=True)
    results: dict[str, dict[str, object]] = {}
    encoders = {"sentence-transformers fp32": lambda texts: plain.encode(texts, normalize_embeddings=True)}
    for name, encoder in variants.items():
        vectors = encoder.encode(titles)  # exports on first use, outside the timed rounds
        cosines = (vectors * reference).sum(axis=1)
        results[name] = {
            "mean_cosine_to_fp32": round(float(cosines.mean()), 5),
            "min_cosine_to_fp32": round(float(cosines.min()), 5),
        }
        encoders[name] = encoder.encode
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    for round_number in range(args.rounds):
        for name, encode in encoders.items():
            rates[name].append(rate(encode, titles))
        print(
            f"round {round_number + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rates.items()),
            flush=True,
        )
    anchor = statistics.median(rates["sentence-transformers fp32"])
    sizes = {
        "sentence-transformers fp32": sum(p.stat().st_size for p in folder.glob("*.safetensors")),
        "onnx-fp32": onnx_path_for(root, variants["onnx-fp32"].version, "fp32").stat().st_size,
        "onnx-int8": onnx_path_for(root, variants["onnx-fp32"].version, "int8").stat().st_size,
    }
    if student is not None:
        for precision in ("int8", "fp32"):
            sizes[f"student onnx-{precision}"] = (
                onnx_path_for(root, variants["student onnx-fp32"].version, precision).stat().st_size
            )
    # queries: one at a time, one thread, as a search request encodes them
    torch.set_num_threads(1)
    torch_small = SentenceTransformerEncoder(folder, threads=1)
    onnx_fp32 = SentenceTransformerEncoder(folder, threads=1, onnx_root=root)
    onnx_int8 = SentenceTransformerEncoder(folder, threads=1, onnx_root=root, precision="int8")
    one_thread = {
        "sentence-transformers fp32": lambda q: plain.encode([q], normalize_embeddings=True),
        "torch fp32 (Shelfwise's direct forward)": lambda q: torch_small.encode([q], kind="query"),
        "onnx-fp32": lambda q: onnx_fp32.encode([q], kind="query"),
        "onnx-int8": lambda q: onnx_int8.encode([q], kind="query"),
    }
    for name, encode in one_thread.items():
        results.setdefault(name, {})["query"] = latencies_ms(encode, queries)
    for name, measured in rates.items():
        median = statistics.median(measured)
        results[name].update(
            {
                "texts_per_s": round(median, 1),
                "x_sentence_transformers": round(median / anchor, 2),
                "rounds": [round(r, 1) for r in measured],
                "bytes": sizes.get(name),
            }
        )
    report = {
        "model": str(folder),
        "student": student and str(student),
        "texts": len(titles),
        "queries": len(queries),
        "threads": args.threads,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": describe_machine().model_dump(),
        "results": results,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
