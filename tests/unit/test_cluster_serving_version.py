"""`cluster encode --serving-version NAME` and the worker's rebuild-index job on the cluster (issue
29, parts 2 and 5 joined), without Ray: the Serve version folder is published whole or not at all,
carries what a replica's ShopServer loads, is accepted by `version_folder` and served by
`version_app` from its own index; an existing name is refused; the worker's job goes to the
cluster only with a recorded cluster and a PostgreSQL catalog and cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shelfwise.cluster import encoding_job
from shelfwise.cluster.encoding import EncodeJob, EncodeReport, _publish
from shelfwise.cluster.encoding_job import cluster_catalog_url, encode_job_for, rebuild_index_on_cluster
from shelfwise.cluster.publish import STAGING_PREFIX
from shelfwise.cluster.serving_version import NAME_PATTERN, publish_serving_version, serving_root
from shelfwise.cluster.state import ClusterState, NodeRecord, save_state
from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.index import IndexManifest, IndexVersions
from shelfwise.serve_cluster.options import VERSION_PATTERN, version_folder
from shelfwise.serve_cluster.replica import version_app
from shelfwise.shop_server import ShopServer

PG = "postgresql://shop@db.internal/shop"


def _manifest(version: str) -> IndexManifest:
    return IndexManifest(version=version, created_at="2026-12-07T00:00:00+00:00", store_seq=0, encoder="e",
                         dim=2, product_count=1, vector_kind="flat", lexical_config={}, vector_config={},
                         build_seconds=0.0)  # fmt: skip


def _builder(check: Callable[[], None], fail: bool = False) -> Callable[[IndexVersions], str]:
    def build(registry: IndexVersions) -> str:
        version, path = registry.new_version()
        (path / "lexical").mkdir()
        check()  # what a reader sees meanwhile
        if fail:
            raise RuntimeError("build failed")
        registry.write_manifest(path / "manifest.json", _manifest(version))
        return version

    return build


def _report(texts: int) -> EncodeReport:
    return EncodeReport(encoder="e", read_ranges=1, uncached_products=texts, chunks=1, actors=2,
                        texts_encoded=texts, rows_copied=texts, read_seconds=0, encode_seconds=0,
                        busy_seconds=0, chunks_by_node={})  # fmt: skip


def _publish_model(data_dir: Path, kind: str, *versions: str) -> None:
    registry = IndexVersions(data_dir / "models" / kind, keep=5)
    for version in versions:
        registry.versions_dir.joinpath(version).mkdir(parents=True)
        (registry.path_of(version) / "weights.bin").write_bytes(version.encode())
    registry.publish(versions[-1])


def test_the_name_rule_is_serves(tmp_path: Path) -> None:
    assert NAME_PATTERN == VERSION_PATTERN
    with pytest.raises(ValueError, match="serving version name '.hidden'"):
        publish_serving_version(tmp_path, ".hidden", tmp_path, _builder(lambda: None))


def test_a_serving_version_appears_whole_with_the_shops_models(tmp_path: Path) -> None:
    shop, artifacts = tmp_path / "shop", tmp_path / "artifacts"
    _publish_model(shop, "recommender", "r1", "r2")  # r1 kept, not current: not carried
    _publish_model(shop, "encoder", "e1")
    (shop / "models" / "encoder" / "checkpoints").mkdir()  # training state: not carried
    (shop / "models" / "onnx" / "enc").mkdir(parents=True)
    (shop / "models" / "onnx" / "enc" / "model.onnx").write_bytes(b"onnx")
    (shop / "experiments.json").write_text("[]")
    (shop / "cluster").mkdir()
    (shop / "cluster" / "auth_token").write_text("secret")
    root = serving_root(artifacts)
    seen: list[list[str]] = []

    def reader() -> None:  # no NAME until complete; the staging name is not a version name
        seen.append(sorted(p.name for p in root.iterdir()))
        with pytest.raises(FileNotFoundError):
            version_folder(root, "v2")

    published = publish_serving_version(artifacts, "v2", shop, _builder(reader))
    assert len(seen) == 1 and seen[0][0].startswith(STAGING_PREFIX) and "v2" not in seen[0]
    assert version_folder(root, "v2") == published.folder == root / "v2"
    assert IndexVersions(published.folder / "indexes").current() is not None
    assert IndexVersions(published.folder / "indexes").current()[0] == published.index_version  # type: ignore[index]
    assert published.carried == ("models/encoder/versions/e1", "models/recommender/versions/r2",
                                 "models/onnx", "experiments.json")  # fmt: skip
    assert IndexVersions(published.folder / "models" / "recommender").versions() == ["r2"]
    assert (
        published.folder / "models" / "recommender" / "versions" / "r2" / "weights.bin"
    ).read_bytes() == b"r2"
    assert not (published.folder / "cluster").exists()
    assert not (published.folder / "models" / "encoder" / "checkpoints").exists()
    assert sorted(p.name for p in root.iterdir()) == ["v2"]  # no staging left

    calls: list[int] = []
    with pytest.raises(FileExistsError, match="versions are immutable"):
        publish_serving_version(artifacts, "v2", shop, _builder(lambda: calls.append(1)))
    assert not calls  # refused before any work


def test_a_failed_build_leaves_no_version(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    with pytest.raises(RuntimeError, match="build failed"):
        publish_serving_version(artifacts, "v3", tmp_path / "shop", _builder(lambda: None, fail=True))
    assert list(serving_root(artifacts).iterdir()) == []
    publish_serving_version(artifacts, "v3", tmp_path / "shop", _builder(lambda: None))  # the name is free


def test_the_drivers_serving_version_is_served_by_a_replica_from_its_own_index(tmp_path: Path) -> None:
    """The encode driver's publish step (after the cluster filled the cache) over a real shop: a
    replica's app over the version folder serves the published index without building another."""
    settings = Settings(data_dir=tmp_path / "shop", encoder=EncoderConfig(name="hashing"),
                        store_url=f"sqlite:///{tmp_path / 'catalog.db'}",
                        embeddings_url=f"sqlite:///{tmp_path / 'embeddings.db'}")  # fmt: skip
    shop = ShopServer(settings)
    try:
        shop.upsert_products(generate_demo_catalog(40, seed=3))
        job = EncodeJob(address="10.0.0.1:6379", database_url=PG, artifact_root=tmp_path / "art",
                        settings=settings.model_dump_json(), serving_version="v1")  # fmt: skip
        report = _publish(job, shop, _report(0))
    finally:
        shop.close()
    root = serving_root(tmp_path / "art")
    assert report.serving_version == "v1" and report.index_root == str(root / "v1" / "indexes")
    app = version_app(settings, root, "v1")
    with TestClient(app) as client:
        health = client.get("/health").json()
    assert health["index_version"] == report.version and health["indexed_products"] == 40
    assert IndexVersions(root / "v1" / "indexes").versions() == [report.version]  # nothing built there


def _cluster(tmp_path: Path) -> ClusterState:
    head = NodeRecord(role="head", pid=1234, start_ticks=5, node_ip="10.203.0.1", temp_dir="/tmp/t",
                      log_file="/tmp/t/head.log", started_at="2026-12-07T18:00:00Z")  # fmt: skip
    state = ClusterState(address="10.203.0.1:6379", token_file=str(tmp_path / "token"),
                         artifact_root=str(tmp_path / "art"), nodes=(head,))  # fmt: skip
    save_state(tmp_path, state)
    return state


def test_rebuild_index_goes_to_the_cluster_only_over_postgresql(tmp_path: Path) -> None:
    assert cluster_catalog_url(Settings(data_dir=tmp_path)) is None  # SQLite files
    assert cluster_catalog_url(Settings(data_dir=tmp_path, database_url=PG)) == PG
    cache_apart = Settings(data_dir=tmp_path, database_url=PG, embeddings_url=f"sqlite:///{tmp_path}/e.db")
    assert cluster_catalog_url(cache_apart) is None  # the nodes could not fill the cache the build reads

    lines: list[str] = []
    assert rebuild_index_on_cluster(Settings(data_dir=tmp_path, database_url=PG), {}, lines.append) is None
    with pytest.raises(ValueError, match="serving_version needs a cluster"):
        rebuild_index_on_cluster(Settings(data_dir=tmp_path), {"serving_version": "v2"}, lines.append)
    _cluster(tmp_path)
    assert rebuild_index_on_cluster(Settings(data_dir=tmp_path), {}, lines.append) is None
    assert lines == [
        "the catalog or the embedding cache is not in PostgreSQL: the index is built in this process"
    ]


def test_a_rebuild_index_job_maps_onto_the_encode_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _cluster(tmp_path)
    settings = Settings(data_dir=tmp_path, database_url=PG)
    job = encode_job_for(settings, state, {"actors": 3, "serving_version": "v7"})
    assert job is not None
    assert (job.address, job.database_url, job.artifact_root) == (state.address, PG, tmp_path / "art")
    assert (job.actors, job.serving_version, job.build_index) == (3, "v7", True)
    assert Settings.model_validate_json(job.settings).data_dir == tmp_path
    own_root = settings.model_copy(update={"artifact_root": tmp_path / "mine"})
    assert encode_job_for(own_root, state, {}).artifact_root == tmp_path / "mine"  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        encode_job_for(settings, state, {"serving_version": "../v"})

    ran: list[tuple[EncodeJob, dict[str, str]]] = []

    def driver(job: EncodeJob, env: dict[str, str], timeout: float) -> EncodeReport:
        ran.append((job, env))
        return _report(5).model_copy(update={"version": "20261207T1", "index_root": "/art/indexes"})

    monkeypatch.setattr(encoding_job, "encode_on_cluster", driver)
    lines: list[str] = []
    outcome = rebuild_index_on_cluster(settings, {}, lines.append)
    assert (
        outcome
        == "published 20261207T1 in /art/indexes (5 texts encoded on the cluster, 5 products uncached)"
    )
    assert ran[0][0].serving_version is None and ran[0][1]["RAY_AUTH_TOKEN_PATH"] == state.token_file
    assert lines == ["encoding on the cluster at 10.203.0.1:6379 with 2 actors"]


def test_cluster_encode_refuses_an_existing_serving_version_before_any_work(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shelfwise.cli import app

    _cluster(tmp_path)
    (tmp_path / "art" / "serving" / "v1" / "indexes").mkdir(parents=True)
    env = {"SHELFWISE_DATABASE_URL": PG, "SHELFWISE_ARTIFACT_ROOT": None}
    command = ["cluster", "encode", "-d", str(tmp_path), "--serving-version"]
    done = CliRunner().invoke(app, [*command, "v1"], env=env)
    assert done.exit_code == 2 and "serving version v1 already exists" in done.output, done.output
    done = CliRunner().invoke(app, [*command, "v/2"], env=env)
    assert done.exit_code == 2 and "serving version name 'v/2'" in done.output, done.output
    done = CliRunner().invoke(app, [*command, "v2", "--no-index"], env=env)
    assert done.exit_code == 2 and "drop --no-index" in done.output, done.output


def test_a_rebuild_index_job_that_could_not_run_is_refused_when_queued(tmp_path: Path) -> None:
    from shelfwise.worker.kinds import check_params, job_kinds

    kinds = job_kinds()
    check_params(kinds, "rebuild-index", {})
    check_params(kinds, "rebuild-index", {"actors": 4, "serving_version": "v2"})
    with pytest.raises(ValueError, match="actors must be a whole number of at least 1, got 0"):
        check_params(kinds, "rebuild-index", {"actors": 0})
    with pytest.raises(ValueError, match="serving_version '../v2' is not a version name"):
        check_params(kinds, "rebuild-index", {"serving_version": "../v2"})
    with pytest.raises(ValidationError, match="build_index must be true"):
        EncodeJob(address="a:1", database_url=PG, artifact_root=tmp_path, settings="{}", serving_version="v1",
                  build_index=False)  # fmt: skip
