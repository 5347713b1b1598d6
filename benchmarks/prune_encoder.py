"""Magnitude pruning of the bi-encoder, to measure what sparsity costs and buys (issue 6).

Zeroes the smallest `--sparsity` share of each transformer Linear layer's weights (L1,
unstructured, no retraining) and saves a sentence-transformers folder that Shelfwise can serve
(`SHELFWISE_ENCODER__MODEL_PATH=OUT`). CPU kernels are dense, so the pruned network runs at the
same speed; only a compressed copy is smaller, which this script reports (gzip of the weights).

    .venv/bin/python benchmarks/prune_encoder.py --data-dir runs/hd --sparsity 0.3 --out runs/pruned-30
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="prune this folder's active encoder")
    parser.add_argument("--model", type=Path, help="or this sentence-transformers folder")
    parser.add_argument("--sparsity", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    from torch.nn.utils import prune

    from shelfwise.models import bundled_minilm_path
    from shelfwise.train import active_encoder_path

    active = active_encoder_path(args.data_dir) if args.data_dir else None
    folder = args.model or active or bundled_minilm_path()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    linears = [m for m in model[0].auto_model.modules() if isinstance(m, torch.nn.Linear)]
    for layer in linears:
        prune.l1_unstructured(layer, "weight", amount=args.sparsity)
        prune.remove(layer, "weight")
    zeros = sum(int((m.weight == 0).sum()) for m in linears)
    total = sum(m.weight.numel() for m in linears)
    model.save(str(args.out))
    weights = next(args.out.glob("*.safetensors"))
    original = next(folder.glob("*.safetensors"))
    report = {
        "model": str(folder),
        "sparsity": args.sparsity,
        "linear_weights_zero": round(zeros / total, 4),
        "bytes": weights.stat().st_size,
        "gzip_bytes": len(gzip.compress(weights.read_bytes(), 6)),
        "original_gzip_bytes": len(gzip.compress(original.read_bytes(), 6)),
        "out": str(args.out),
    }
    print(json.dumps(report, indent=2))
    (args.out / "pruning.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
