"""Write the judgments `shelfwise train encoder` held out for early stopping (never trained on).

    python benchmarks/encoder_holdout.py runs/hd/tuning_judgments.tsv runs/hd/encoder_holdout_judgments.tsv

Uses the trainer's own split rule and defaults (validation fraction 0.15, seed 13), so the file
holds exactly the queries the trainer did not learn from.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shelfwise.evaluate import split_judgments
from shelfwise.evaluate.trec import read_judgments
from shelfwise.train.early_stopping import SPLIT_SEED_OFFSET
from shelfwise.train.encoder import EncoderTrainingConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("judgments", type=Path, help="the file the encoder was trained on")
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--validation-fraction", type=float, default=EncoderTrainingConfig().validation_fraction
    )
    parser.add_argument("--seed", type=int, default=EncoderTrainingConfig().seed)
    args = parser.parse_args()
    parts = split_judgments(
        read_judgments(args.judgments), args.validation_fraction, args.seed + SPLIT_SEED_OFFSET
    )
    keep = set(parts.validation.query_ids)
    lines = args.judgments.read_text().splitlines(keepends=True)
    body = [line for line in lines[1:] if line.split("\t", 1)[0] in keep]
    args.out.write_text(lines[0] + "".join(body))
    print(f"{len(keep)} held-out queries, {len(body)} pairs -> {args.out}")


if __name__ == "__main__":
    main()
