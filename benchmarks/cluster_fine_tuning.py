"""Issue 29 part 3: is the bi-encoder fine-tuned by Ray Train on 2 workers as good as the
single-process fine-tuning? NDCG@10 on held-out Home Depot queries (a seeded subsample of the
judged queries, a fixed fifth of them held out for the test; the pool every test query is ranked
in is the subsample's whole catalog: its judged products plus random ones).

The noise is measured, not assumed: the single-process fine-tuning runs with several seeds
(`--seeds`), whose spread is what "within noise" is judged against; the Ray runs (2 workers of
one thread each, one per node, each worker encoding half of every batch, in-batch negatives over
the whole batch) use seeds of their own (`--ray-seeds`). Both start from the bundled MiniLM with
the same config (no encoder-mined negatives: BM25's when a query has no judged negative).

The cluster is the test harness's (tests/cluster/ray_harness.py): two network namespaces, a head
and a worker of one CPU each, stopped at the end. Needs root (namespaces) and the `cluster` extra.

    nice -n 10 python benchmarks/cluster_fine_tuning.py --queries 300 --products 2000 \\
        --epochs 1 --seeds 0,1 --ray-seeds 0,1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluster_seeds import ray_runs, spread  # noqa: E402

from shelfwise.evaluate.tables import read_products_tsv  # noqa: E402
from shelfwise.evaluate.trec import Judgments, read_judgments  # noqa: E402
from shelfwise.models import bundled_minilm_path  # noqa: E402
from shelfwise.records import Product  # noqa: E402
from shelfwise.train import EncoderTrainer, EncoderTrainingConfig  # noqa: E402
from shelfwise.train.sources import product_from_row  # noqa: E402

DATA = ROOT.parent / "shared/data/homedepot"


def subsample(queries: int, extra_products: int) -> tuple[Judgments, Judgments, dict[str, Product]]:
    """(training judgments, test judgments, catalog), the same for every run."""
    judged = read_judgments(DATA / "dev_judgments.tsv")
    rng = random.Random(29)
    kept = sorted(rng.sample(list(judged.query_ids), queries))
    test = set(kept[: queries // 5])
    catalog = {r.product_id: product_from_row(r) for r in read_products_tsv(DATA / "products.tsv")}
    wanted = {p for q in kept for p in judged.grades[q] if p in catalog}
    others = sorted(set(catalog) - wanted)
    wanted |= set(rng.sample(others, min(extra_products, len(others))))

    def part(ids: list[str]) -> Judgments:
        return Judgments({q: judged.queries[q] for q in ids}, {q: dict(judged.grades[q]) for q in ids})

    products = {p: catalog[p] for p in sorted(wanted)}
    return part([q for q in kept if q not in test]), part([q for q in kept if q in test]), products


def config(args: argparse.Namespace, seed: int) -> EncoderTrainingConfig:
    return EncoderTrainingConfig(epochs=args.epochs, batch_size=args.batch_size, encoder_negatives=0,
                                 distractors=args.products, threads=1, seed=seed, patience=4)  # fmt: skip


def test_ndcg(trainer: EncoderTrainer, test: Judgments, products: dict[str, Product]) -> float:
    trainer.config = trainer.config.model_copy(update={"distractors": len(products)})  # the whole pool
    return trainer.evaluate(test, products)


def single_run(args: argparse.Namespace, seed: int) -> dict[str, float]:
    training, test, products = subsample(args.queries, args.products)
    trainer = EncoderTrainer(bundled_minilm_path(), config(args, seed), log=lambda _: None)
    started = time.perf_counter()
    report = trainer.fit(training, products)
    seconds = time.perf_counter() - started
    return {
        "seed": seed,
        "ndcg10": test_ndcg(trainer, test, products),
        "steps": report.steps,
        "train_s": seconds,
    }


def ray_run(address: str, args_json: str, seed: int, root: str) -> None:
    """The driver inside the head's namespace: fine-tune on the cluster, evaluate here, print JSON."""
    from shelfwise.cluster.fine_tuning import train_encoder_on_cluster
    from shelfwise.cluster.training import ClusterTraining

    args = argparse.Namespace(**json.loads(args_json))
    training, test, products = subsample(args.queries, args.products)
    trainer = EncoderTrainer(bundled_minilm_path(), config(args, seed), log=lambda _: None)
    cluster = ClusterTraining(address, Path(root), workers=2, run_name=f"bench-encoder-seed{seed}")
    started = time.perf_counter()
    report = train_encoder_on_cluster(cluster, trainer, training, products)
    seconds = time.perf_counter() - started
    ndcg = test_ndcg(trainer, test, products)
    print(json.dumps({"seed": seed, "ndcg10": ndcg, "steps": report.steps, "train_s": seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--queries", type=int, default=300, help="judged queries sampled (a fifth for the test)"
    )
    parser.add_argument("--products", type=int, default=2000, help="random products added to the judged ones")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seeds", default="0,1", help="single-process runs (their spread is the noise)")
    parser.add_argument("--ray-seeds", default="0,1", help="Ray Train runs, 2 workers")
    parser.add_argument("--ray-timeout", type=float, default=3600, help="seconds a Ray run may take")
    parser.add_argument("--out", type=Path, default=None, help="write the figures here as JSON")
    args = parser.parse_args()
    training, test, products = subsample(args.queries, args.products)
    before = EncoderTrainer(bundled_minilm_path(), config(args, 0), log=lambda _: None)
    base = test_ndcg(before, test, products)
    print(f"{len(training)} training and {len(test)} test queries, {len(products)} products; "
          f"MiniLM before fine-tuning: NDCG@10 {base:.4f}", flush=True)  # fmt: skip
    single = []
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        single.append(run := single_run(args, seed))
        print(f"single process seed {seed}: {run}", flush=True)
    args_json = json.dumps(vars(args), default=str)

    def call(seed: int, root: Path) -> str:
        return f"b.ray_run(ADDRESS, {args_json!r}, {seed}, {str(root)!r})"

    seeds = [int(s) for s in args.ray_seeds.split(",") if s]
    ray = ray_runs("cluster_fine_tuning", seeds, call, args.ray_timeout, "f")
    print("single process NDCG@10:", spread([r["ndcg10"] for r in single]))
    print("Ray 2 workers NDCG@10:", spread([r["ndcg10"] for r in ray]))
    if args.out is not None:
        args.out.write_text(json.dumps({"before": base, "single": single, "ray": ray, "args": vars(args)},
                                       default=str, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
