"""Amazon Gift Cards (reviews.jsonl + meta.jsonl) to the recommendation benchmark's files:
items.tsv (item_id, text: title, brand, category, description without HTML) and sequences.tsv
(each reviewer's items in review-time order, ties by item id).

    .venv/bin/python benchmarks/giftcards_to_tsv.py ../shared/data/amazon-giftcards runs/giftcards
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

TAG = re.compile(r"<[^>]+>")


def clean(text: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def main(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    for line in (source / "meta.jsonl").read_text().splitlines():
        meta = json.loads(line)
        categories = " ".join(dict.fromkeys(meta.get("category") or []))
        parts = [meta.get("title", ""), meta.get("brand", ""), categories]
        parts.append(" ".join(meta.get("description") or [])[:500])
        text = clean(". ".join(p for p in parts if p))
        if meta.get("asin") and text:
            texts[meta["asin"]] = text.replace("\t", " ")
    events: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line in (source / "reviews.jsonl").read_text().splitlines():
        review = json.loads(line)
        events[review["reviewerID"]].append((int(review["unixReviewTime"]), review["asin"]))
    with (out / "sequences.tsv").open("w") as handle:
        handle.write("user_id\titems\n")
        for user, rows in sorted(events.items()):
            items = list(dict.fromkeys(item for _, item in sorted(rows)))
            handle.write(f"{user}\t{' '.join(items)}\n")
    with (out / "items.tsv").open("w") as handle:
        handle.write("item_id\ttext\n")
        for item, text in sorted(texts.items()):
            handle.write(f"{item}\t{text}\n")
    print(f"{len(events)} users, {len(texts)} items with text -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
