"""The tiny judged set the training tests share: ten Home Depot-like products and eight judged
queries (grades 1-3 as in the Home Depot data), plus two more for the reranker's tests, and
writers of the TSV files the trainers read."""

from __future__ import annotations

from pathlib import Path

from shelfwise.evaluate.trec import Judgments
from shelfwise.records import Product

TITLES = {
    "1": "Simpson Strong-Tie 12-Gauge Angle",
    "2": "Everbilt 3 in. Zinc-Plated Corner Brace",
    "3": "BEHR Premium Textured DeckOver 1-gal. Tugboat",
    "4": "Rust-Oleum Deck Restore Paint",
    "5": "Moen Rain Shower Head Chrome",
    "6": "Delta Single Handle Shower Faucet",
    "7": "Charlotte Pipe 1/2 in. x 10 ft. PVC Pipe",
    "8": "SharkBite 1/2 in. Push-to-Connect Elbow",
    "9": "Husky 25 ft. Tape Measure",
    "10": "DEWALT 20V Cordless Drill",
}
QUERIES = [
    ("q1", "angle bracket", {"1": 3, "2": 2.67, "9": 1}),
    ("q2", "deck paint", {"3": 3, "4": 2.67, "10": 1}),
    ("q3", "rain shower head", {"5": 3, "6": 2, "7": 1}),
    ("q4", "pvc pipe", {"7": 3, "8": 2.33, "5": 1}),
    ("q5", "tape measure", {"9": 3, "1": 1}),
    ("q6", "cordless drill", {"10": 3, "9": 1}),
    ("q7", "corner brace", {"2": 3, "1": 2.33, "3": 1}),
    ("q8", "shower faucet", {"6": 3, "5": 2.33, "8": 1}),
]
MORE_QUERIES = [
    ("q9", "measuring tape", {"9": 3, "10": 1}),
    ("q10", "deck stain", {"3": 2.67, "4": 3, "2": 1}),
]
PRODUCTS = {k: Product(product_id=k, title=v) for k, v in TITLES.items()}
JUDGMENTS = Judgments({q: t for q, t, _ in QUERIES}, {q: g for q, _, g in QUERIES})

Judged = list[tuple[str, str, dict[str, float]]]


def write_judged_set(folder: Path, queries: Judged | None = None) -> tuple[Path, Path]:
    """products.tsv and judgments.tsv in `folder` (the eight queries unless `queries` given)."""
    products = folder / "products.tsv"
    products.write_text("product_id\ttitle\n" + "".join(f"{k}\t{v}\n" for k, v in TITLES.items()))
    judgments = folder / "judgments.tsv"
    judgments.write_text(
        "query_id\tquery\tproduct_id\trelevance\n"
        + "".join(
            f"{q}\t{text}\t{p}\t{g}\n" for q, text, grades in queries or QUERIES for p, g in grades.items()
        )
    )
    return products, judgments
