"""Write the tuning and validation parts of a judgments file (split by query, seeded).

python benchmarks/split_judgments.py ../shared/data/homedepot/dev_judgments.tsv runs/hd
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shelfwise.evaluate import read_judgments, split_judgments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("judgments", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--validation-fraction", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    parts = split_judgments(read_judgments(args.judgments), args.validation_fraction, args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    lines = args.judgments.read_text().splitlines(keepends=True)
    for name, part in (("tuning", parts.tuning), ("validation", parts.validation)):
        keep = set(part.query_ids)
        body = [line for line in lines[1:] if line.split("\t", 1)[0] in keep]
        (args.out_dir / f"{name}_judgments.tsv").write_text(lines[0] + "".join(body))
        queries = {line.split("\t")[0]: line.split("\t")[1] for line in body}
        (args.out_dir / f"{name}_queries.tsv").write_text(
            "query_id\tquery\n" + "".join(f"{q}\t{t}\n" for q, t in queries.items())
        )
        print(f"{name}: {len(keep)} queries, {len(body)} pairs")


if __name__ == "__main__":
    main()
