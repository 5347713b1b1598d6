"""Amazon Gift Cards (reviews.jsonl + meta.jsonl) to the recommendation benchmark's files:
items.tsv (item_id, text: title, brand, category, description without HTML; then the catalog
facts for the product-graph channel: brand, category as one path "A > B", also_buy and
also_view as space-separated ids) and sequences.tsv (each reviewer's items in review-time
order, ties by item id).

    .venv/bin/python benchmarks/giftcards_to_tsv.py ../shared/data/amazon-giftcards runs/giftcards
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

TAG = re.compile(r"<[^>]+>")
COLUMNS = ("item_id", "text", "brand", "category", "also_buy", "also_view")


def clean(text: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def item_row(meta: dict[str, Any]) -> tuple[str, ...] | None:
    """The items.tsv fields of one meta.jsonl record; None without an id or any text."""
    categories = list(dict.fromkeys(clean(c) for c in meta.get("category") or [] if clean(c)))
    brand = clean(meta.get("brand") or "")
    parts = [meta.get("title", ""), brand, " ".join(categories)]
    parts.append(" ".join(meta.get("description") or [])[:500])
    text = clean(". ".join(p for p in parts if p))
    asin = (meta.get("asin") or "").strip()
    if not asin or not text:
        return None

    def links(key: str) -> str:
        ids = (clean(i) for i in meta.get(key) or [])
        return " ".join(dict.fromkeys(i for i in ids if i and len(i.split()) == 1 and i != asin))

    return asin, text, brand, " > ".join(categories), links("also_buy"), links("also_view")


def main(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, tuple[str, ...]] = {}
    for line in (source / "meta.jsonl").read_text().splitlines():
        row = item_row(json.loads(line))
        if row is not None:
            rows[row[0]] = row
    events: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line in (source / "reviews.jsonl").read_text().splitlines():
        review = json.loads(line)
        events[review["reviewerID"]].append((int(review["unixReviewTime"]), review["asin"]))
    with (out / "sequences.tsv").open("w") as handle:
        handle.write("user_id\titems\n")
        for user, reviews in sorted(events.items()):
            items = list(dict.fromkeys(item for _, item in sorted(reviews)))
            handle.write(f"{user}\t{' '.join(items)}\n")
    with (out / "items.tsv").open("w") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for _, row in sorted(rows.items()):
            handle.write("\t".join(field.replace("\t", " ") for field in row) + "\n")
    linked = sum(1 for row in rows.values() if row[4] or row[5])
    print(f"{len(events)} users, {len(rows)} items with text ({linked} with also_buy/also_view) -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
