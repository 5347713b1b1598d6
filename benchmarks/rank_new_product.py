"""Issue 26 (a) on a shop folder: where the ranking model puts a product added while the service
runs, and after a restart.

    shelfwise demo --no-serve -d /tmp/demo
    .venv/bin/python benchmarks/rank_new_product.py -d /tmp/demo

On a copy of the folder (the original is not changed): open the service and load its ranking
model (as `shelfwise serve` does at start), upsert NC-HP with the title and the brand, category
and price of the catalog's best match for that title (a new variant of a listed product; a
product without the brand is filtered out when the query names the brand), search that exact
title (50 results, the model re-orders them), then close, reopen (a restart) and search again.
Prints NC-HP's position and the model's evidence each time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

TITLE = "Sonaro Wireless Over-Ear Headphones, Zebra Stripe"


def _search(shop: object, title: str, when: str) -> dict[str, object]:
    from shelfwise.records import SearchRequest

    result = shop.serve_search(SearchRequest(query=title, page_size=50, explain=True), f"new-{when}")  # type: ignore[attr-defined]
    found = [hit for hit in result.hits if hit.product.product_id == "NC-HP"]
    if not found:
        return {"when": when, "position": None}
    hit = found[0]
    personal = hit.explanation.personal if hit.explanation else None
    first = result.hits[0]
    return {
        "when": when,
        "position": hit.rank,
        "p_click": personal and personal.p_click,
        "p_conversion": personal and personal.p_conversion,
        "first": first.product.product_id,
        "first_p_conversion": first.explanation.personal.p_conversion
        if first.explanation and first.explanation.personal
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-d", "--data-dir", type=Path, required=True)
    parser.add_argument("--title", default=TITLE)
    args = parser.parse_args()
    from shelfwise.config import Settings
    from shelfwise.records import Product, SearchRequest
    from shelfwise.service import Shelfwise

    copy = Path(tempfile.mkdtemp()) / "data"
    shutil.copytree(args.data_dir, copy)
    settings = Settings(data_dir=copy)
    shop = Shelfwise(settings)
    shop.open_index()
    assert shop.ranking_stage is not None, "no ranking model in this folder"
    like = shop.search(SearchRequest(query=args.title, page_size=1)).hits[0].product
    new = Product(
        product_id="NC-HP", title=args.title, brand=like.brand, category=like.category, price=like.price
    )
    print(
        json.dumps(
            {"new": new.model_dump(include={"title", "brand", "category", "price"}), "like": like.product_id}
        )
    )
    shop.upsert_products([new])
    print(json.dumps(_search(shop, args.title, "added while serving")))
    shop.close()
    shop = Shelfwise(settings)
    shop.open_index()
    print(json.dumps(_search(shop, args.title, "after a restart")))
    shop.close()
    shutil.rmtree(copy.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
