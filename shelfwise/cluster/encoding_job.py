"""The worker's `rebuild-index` job on the cluster its data folder started (issue 29 part 2).

The job goes to the cluster when `shelfwise cluster up` recorded a node in the worker's data
folder (cluster/cluster.json, `cluster_for_jobs`) and the shop's catalog and embedding cache are
one PostgreSQL database, which every node reads and the encoder actors COPY into; otherwise it
builds in the worker's process, as before. On the cluster it runs the encode driver
(`encode_on_cluster`, a child process with the cluster's token, as `shelfwise cluster encode`
does) and reports the index version it published under ARTIFACT_ROOT/indexes, or, with the
job's `serving_version`, the new Serve version ARTIFACT_ROOT/serving/NAME.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pydantic import JsonValue

from shelfwise.cluster.encoding import EncodeJob, encode_on_cluster
from shelfwise.cluster.node import ray_env
from shelfwise.cluster.serving_version import NAME_PATTERN
from shelfwise.cluster.state import ClusterState
from shelfwise.cluster.training_job import cluster_for_jobs
from shelfwise.config import Settings
from shelfwise.shop_data import ShopUrls
from shelfwise.storage.urls import parse_url


def cluster_catalog_url(settings: Settings) -> str | None:
    """The PostgreSQL URL the cluster reads the catalog from and writes vectors to: the shop's
    catalog when its embedding cache is the same database; None otherwise (SQLite, or a cache
    elsewhere: the nodes could not fill the one the index build reads)."""
    urls = ShopUrls.from_settings(settings)
    if parse_url(urls.store).scheme != "postgresql" or urls.embeddings != urls.store:
        return None
    return urls.store


def check_rebuild_params(params: Mapping[str, JsonValue]) -> None:
    """ValueError for a `rebuild-index` job's parameters that could never run (when it is queued)."""
    actors = str(params.get("actors", 2))
    if not actors.isdigit() or int(actors) < 1:
        raise ValueError(
            f"job kind 'rebuild-index': actors must be a whole number of at least 1, got {actors}"
        )
    name = params.get("serving_version")
    if name not in (None, "") and not re.fullmatch(NAME_PATTERN, str(name)):
        raise ValueError(f"job kind 'rebuild-index': serving_version {name!r} is not a version name "
                         "(letters, digits, '.', '_', '-'; at most 64)")  # fmt: skip


def encode_job_for(
    settings: Settings, state: ClusterState, params: Mapping[str, JsonValue]
) -> EncodeJob | None:
    """The encode driver's job for a `rebuild-index` job with `params`, or None when the shop's
    data is not in PostgreSQL (the job builds in the worker's process)."""
    url = cluster_catalog_url(settings)
    if url is None:
        return None
    name = params.get("serving_version")
    root = settings.artifact_root or Path(state.artifact_root)
    return EncodeJob(
        address=state.address, database_url=url, artifact_root=root,
        settings=settings.model_dump_json(), actors=int(str(params.get("actors", 2))),
        serving_version=None if name in (None, "") else str(name),
    )  # fmt: skip


def rebuild_index_on_cluster(
    settings: Settings,
    params: Mapping[str, JsonValue],
    log: Callable[[str], None],
    timeout_seconds: float = 6 * 3600.0,
) -> str | None:
    """Run the job on the cluster when it goes there; the line it reports, or None when the
    worker builds the index itself. A `serving_version` without a cluster is refused."""
    state = cluster_for_jobs(settings.data_dir)
    job = None if state is None else encode_job_for(settings, state, params)
    if state is None or job is None:
        if params.get("serving_version") not in (None, ""):
            raise ValueError("serving_version needs a cluster started from this data folder and PostgreSQL")
        if state is not None:
            log("the catalog or the embedding cache is not in PostgreSQL: the index is built in this process")
        return None
    log(f"encoding on the cluster at {state.address} with {job.actors} actors")
    # the worker's own environment passed on to the driver, with the cluster's token
    report = encode_on_cluster(job, ray_env(os.environ, Path(state.token_file)), timeout_seconds)
    where = f"Serve version {report.serving_version}" if report.serving_version else report.index_root
    return (f"published {report.version} in {where} ({report.texts_encoded} texts encoded on the cluster, "
            f"{report.uncached_products} products uncached)")  # fmt: skip
