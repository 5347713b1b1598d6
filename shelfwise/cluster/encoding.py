"""Distributed catalog encoding and index build on Ray Data (issue 29 part 2).

`encode_on_cluster(job, env)` runs the driver, `python -m shelfwise.cluster.encoding`, in a child
process (the job as JSON on its stdin, the report as the last line of its stdout), so that the
calling process never imports Ray. The driver:

1. opens the shop (`Serving`: the catalog in PostgreSQL, its encoder and index settings) and
   writes the encoder's bundle to the artifact root (encoder_bundle.py);
2. reads the catalog in id ranges with Ray Data tasks, which hash the texts and keep those the
   pgvector cache lacks (encode_plan.py, encode_tasks.py);
3. plans the single-process encoder's chunks and has a pool of `actors` encoder actors
   (`map_batches`, one CPU and one ONNX thread each) encode them and COPY the vectors into the
   cache;
4. builds the index version with `build_version` (the cache is full: it encodes nothing) and
   publishes it under `ARTIFACT_ROOT/indexes` atomically (publish.py), or, with
   `serving_version`, as a new Serve version `ARTIFACT_ROOT/serving/NAME` (serving_version.py).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shelfwise.cluster.encode_plan import IdRange, id_ranges, plan_chunks, range_boundaries
from shelfwise.cluster.encode_tasks import ChunkEncoder, hash_ranges
from shelfwise.cluster.encoder_bundle import write_bundle
from shelfwise.cluster.publish import publish_staged
from shelfwise.cluster.serving_version import NAME_PATTERN, check_new_version, publish_serving_version
from shelfwise.config import Settings
from shelfwise.index import IndexVersions
from shelfwise.storage.urls import redact

INDEX_DIR = "indexes"
ACTOR_START_SECONDS = 300
WORKER_ENV = {"TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}


class EncodeError(RuntimeError):
    """The distributed encoding failed; the message says where."""


class EncodeJob(BaseModel):
    """What the driver is asked to do; `settings` is the shop's `Settings` as JSON (its data
    folder, encoder and index settings; the database URL is `database_url`)."""

    model_config = ConfigDict(frozen=True)

    address: str
    database_url: str
    artifact_root: Path
    settings: str
    actors: int = Field(default=2, ge=1)
    read_shard_size: int = Field(default=5000, ge=1)
    chunk_size: int = Field(default=2048, ge=1, description="the single-process CachedEncoder's")
    build_index: bool = True
    serving_version: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="publish as this new Serve version's data folder"
    )

    @model_validator(mode="after")
    def _check(self) -> EncodeJob:
        if self.serving_version is not None and not self.build_index:
            raise ValueError("a serving version is published with its index: build_index must be true")
        return self


class EncodeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    encoder: str
    read_ranges: int
    uncached_products: int
    chunks: int
    actors: int
    texts_encoded: int
    rows_copied: int
    read_seconds: float
    encode_seconds: float = Field(description="the pass's wall time, the actors' start included")
    busy_seconds: float = Field(description="from the first chunk's start to the last one's end")
    chunks_by_node: dict[str, int]
    encoded_at_build: int | None = None
    version: str | None = None
    index_root: str | None = None
    serving_version: str | None = None
    carried: list[str] | None = Field(default=None, description="what the Serve version got from the shop")


def index_root(artifact_root: Path) -> Path:
    """Where index versions are published on shared storage."""
    return artifact_root / INDEX_DIR


def encode_on_cluster(job: EncodeJob, env: Mapping[str, str], timeout_seconds: float = 3600,
                      python: str = sys.executable) -> EncodeReport:  # fmt: skip
    """Run the driver in a child process with `env` (the cluster's token: `node.ray_env`)."""
    try:
        done = subprocess.run(
            [python, "-m", "shelfwise.cluster.encoding"], input=job.model_dump_json(), env=dict(env),
            capture_output=True, text=True, timeout=timeout_seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise EncodeError(
            f"the encoding on {job.address} did not finish within {timeout_seconds:.0f} s"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise EncodeError(f"the encoding on {job.address} failed: {lines[-1] if lines else done.returncode}")
    return EncodeReport.model_validate_json(done.stdout.strip().splitlines()[-1])


def _read_plan(ray: Any, job: EncodeJob, version: str) -> tuple[list[IdRange], list[list[str]]]:
    """Pass 1: the uncached products, read and hashed by Ray Data tasks range by range."""
    with psycopg.connect(job.database_url) as conn:
        ranges = id_ranges(range_boundaries(conn, job.read_shard_size))
    dataset = ray.data.from_items([{"range": r.index} for r in ranges], override_num_blocks=len(ranges))
    rows = dataset.map_batches(
        hash_ranges, batch_size=1, num_cpus=1, runtime_env={"env_vars": WORKER_ENV},
        fn_kwargs={"ranges": ranges, "database_url": job.database_url, "version": version},
    ).take_all()  # fmt: skip
    rows.sort(key=lambda row: (int(row["range"]), int(row["position"])))
    return ranges, plan_chunks(((str(r["product_id"]), str(r["text_hash"])) for r in rows), job.chunk_size)


def _encode_chunks(ray: Any, job: EncodeJob, bundle: Path, chunks: list[list[str]]) -> list[dict[str, Any]]:
    """Pass 2: the chunks encoded by a pool of `job.actors` actors, one chunk per call."""
    if not chunks:
        return []
    items = [{"chunk": index, "product_ids": ids} for index, ids in enumerate(chunks)]
    dataset = ray.data.from_items(items, override_num_blocks=len(items))
    pool = ray.data.ActorPoolStrategy(size=job.actors, max_tasks_in_flight_per_actor=1)
    return list(dataset.map_batches(
        ChunkEncoder, batch_size=1, compute=pool, num_cpus=1,
        fn_constructor_kwargs={"bundle": str(bundle), "database_url": job.database_url},
        runtime_env={"env_vars": WORKER_ENV},
    ).take_all())  # fmt: skip


def _distributed(job: EncodeJob, version: str, bundle: Path) -> EncodeReport:
    """Passes 1 and 2 on the cluster, as one driver connected for their length."""
    import logging

    import ray

    ray.init(address=job.address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.wait_for_min_actors_s = ACTOR_START_SECONDS  # every actor ready before a chunk goes out
        started = time.perf_counter()
        ranges, chunks = _read_plan(ray, job, version)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        stats = _encode_chunks(ray, job, bundle, chunks)
        encode_seconds = time.perf_counter() - started
    finally:
        ray.shutdown()
    by_node: dict[str, int] = {}
    for row in stats:
        by_node[str(row["node"])] = by_node.get(str(row["node"]), 0) + 1
    return EncodeReport(
        encoder=version, read_ranges=len(ranges), uncached_products=sum(len(c) for c in chunks),
        chunks=len(chunks), actors=job.actors, texts_encoded=sum(int(r["texts"]) for r in stats),
        rows_copied=sum(int(r["copied"]) for r in stats), read_seconds=round(read_seconds, 3),
        encode_seconds=round(encode_seconds, 3), busy_seconds=round(_span(stats), 3), chunks_by_node=by_node,
    )  # fmt: skip


def _span(stats: list[dict[str, Any]]) -> float:
    if not stats:
        return 0.0
    return max(float(r["finished"]) for r in stats) - min(float(r["started"]) for r in stats)


def run(job: EncodeJob) -> EncodeReport:
    """The driver: encode on the cluster, then build and publish the index version."""
    from shelfwise.serving import Serving

    settings = Settings.model_validate_json(job.settings).model_copy(
        update={"database_url": job.database_url}
    )
    if job.serving_version is not None:
        check_new_version(job.artifact_root, job.serving_version)  # refused before any work
    shop = Serving(settings)
    try:
        if shop.store.count() == 0:
            raise ValueError(f"the catalog in {redact(job.database_url)} has no products: nothing to encode")
        encoder = shop.encoder
        bundle = write_bundle(encoder.encoder, job.artifact_root)
        report = _distributed(job, encoder.version, bundle)
        if not job.build_index:
            return report
        return _publish(job, shop, report)
    finally:
        shop.close()


def _publish(job: EncodeJob, shop: Any, report: EncodeReport) -> EncodeReport:
    """Build the index version from the full cache and publish it: under ARTIFACT_ROOT/indexes,
    or in a new Serve version's data folder with the shop's published models."""
    from shelfwise.search.version_build import build_version

    engine, encoder = shop.engine, shop.encoder
    encoded: list[int] = []

    def build(registry: IndexVersions) -> str:
        live = build_version(shop.store, encoder, registry, engine.lexical_config, engine.vector_config,
                             engine.understanding, engine.language, None)  # fmt: skip
        live.lexical.close()
        encoded.append(encoder.last_stats.encoded)
        return live.version

    update: dict[str, Any] = {}
    if job.serving_version is None:
        root = index_root(job.artifact_root)
        version = publish_staged(root, build)
    else:
        published = publish_serving_version(
            job.artifact_root, job.serving_version, shop.settings.data_dir, build
        )
        root, version = published.folder / INDEX_DIR, published.index_version
        update = {"serving_version": published.name, "carried": list(published.carried)}
    return report.model_copy(
        update={"version": version, "index_root": str(root), "encoded_at_build": encoded[0], **update}
    )


def main() -> int:  # pragma: no cover - runs in the child process
    import traceback

    job = EncodeJob.model_validate_json(sys.stdin.read())
    try:
        report = run(job)
    except Exception as error:  # the traceback, then the reason on one line, the caller's message
        traceback.print_exc()
        print(" ".join(f"{type(error).__name__}: {error}".split()), file=sys.stderr)
        return 1
    print(report.model_dump_json())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
