"""Training jobs from data files to published artifacts (the active model of a data folder)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import BaseModel

from shelfwise.evaluate.bench import file_digest, product_from_row
from shelfwise.evaluate.tables import read_products_tsv
from shelfwise.evaluate.trec import read_judgments
from shelfwise.index import IndexRegistry
from shelfwise.models import bundled_minilm_path
from shelfwise.train.encoder import EncoderTrainer, EncoderTrainingConfig, EncoderTrainingReport

Log = Callable[[str], None]


class EncoderArtifact(BaseModel):
    version: str
    path: str
    base_model: str
    products_digest: str
    judgments_digest: str
    config: dict
    report: EncoderTrainingReport


def encoder_registry(data_dir: Path) -> IndexRegistry:
    """Versioned encoder folders with an atomic CURRENT pointer (the same mechanism as indexes)."""
    return IndexRegistry(data_dir / "models" / "encoder")


def active_encoder_path(data_dir: Path) -> Path | None:
    current = encoder_registry(data_dir).current()
    return None if current is None else current[1]


def train_encoder(
    data_dir: Path,
    products: Path,
    judgments: Path,
    config: EncoderTrainingConfig,
    product_columns: Mapping[str, str] | None = None,
    base_model: Path | None = None,
    log: Log = print,
) -> EncoderArtifact:
    """Fine-tune from `base_model` (default: the bundled MiniLM), save, and make it active."""
    started = time.perf_counter()
    catalog = {r.product_id: product_from_row(r) for r in read_products_tsv(products, product_columns)}
    graded = read_judgments(judgments)
    base = base_model or bundled_minilm_path()
    log(f"read {len(catalog)} products and {len(graded)} judged queries in "
        f"{time.perf_counter() - started:.1f}s; fine-tuning {base}")
    trainer = EncoderTrainer(base, config, log)
    report = trainer.fit(graded, catalog)
    registry = encoder_registry(data_dir)
    version, path = registry.new_version()  # keeps two versions: a rejected one may prune an old one
    trainer.save(path)
    artifact = EncoderArtifact(
        version=version, path=str(path), base_model=str(base),
        products_digest=file_digest(products), judgments_digest=file_digest(judgments),
        config=config.model_dump(), report=report,
    )
    (path / "shelfwise_manifest.json").write_text(json.dumps(artifact.model_dump(), indent=2))
    to_beat = report.validation_ndcg10_before
    active = active_encoder_path(data_dir)
    if active is not None and active != base:
        _, validation = trainer.validation_split(graded)
        to_beat = max(to_beat, EncoderTrainer(active, config, log).evaluate(validation, catalog))
        log(f"the active encoder scores {to_beat:.4f} on the same validation queries")
    if report.validation_ndcg10_after > to_beat:
        registry.publish(version)
        log(f"published encoder {version}: the next index build re-encodes the catalog with it")
    else:
        log(f"encoder {version} did not beat {to_beat:.4f} on validation; kept, not made active")
    return artifact
