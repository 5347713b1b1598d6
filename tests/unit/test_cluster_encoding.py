"""The pure pieces of the distributed encoding (issue 29 part 2), without Ray: id-range shards,
the encoding chunks (the single-process encoder's own), the binary COPY into the pgvector cache,
the encoder bundle's refusals and the atomic publish under the artifact root."""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import psycopg
import pytest

from shelfwise.cluster.encode_plan import IdRange, id_ranges, plan_chunks, range_boundaries
from shelfwise.cluster.encode_tasks import chunk_texts, uncached_in_range
from shelfwise.cluster.encoder_bundle import write_bundle
from shelfwise.cluster.pg_copy import HEADER, TRAILER, copy_binary, copy_embeddings
from shelfwise.cluster.publish import STAGING_PREFIX, publish_staged
from shelfwise.index import IndexManifest, IndexVersions
from shelfwise.models import CachedEncoder
from shelfwise.models.encoder import HashingEncoder, TextKind
from shelfwise.records import Product, text_hash
from shelfwise.store.memory import MemoryEmbeddingCache
from shelfwise.store.postgres import PostgresEmbeddingCache, PostgresStore


def _in(id_range: IdRange, product_id: str) -> bool:
    return (id_range.after is None or product_id > id_range.after) and (
        id_range.last is None or product_id <= id_range.last
    )


def test_id_ranges_cover_every_id_once() -> None:
    ids = [f"p{i:03d}" for i in range(10)]
    ranges = id_ranges(ids[2::3])  # cut after p002, p005, p008
    assert [(r.after, r.last) for r in ranges] == [
        (None, "p002"), ("p002", "p005"), ("p005", "p008"), ("p008", None),
    ]  # fmt: skip
    assert [sum(_in(r, pid) for r in ranges) for pid in [*ids, "a", "zzz"]] == [1] * 12
    assert id_ranges([]) == [IdRange(0, None, None)]
    assert IdRange(0, None, None).where() == ("TRUE", ())
    assert IdRange(1, "a", "b").where() == ("product_id > %s AND product_id <= %s", ("a", "b"))
    with pytest.raises(ValueError, match="distinct"):
        id_ranges(["a", "a"])


class _Recording(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dim=8)
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        return super().encode(texts, kind, progress)


def _product(pid: str, title: str) -> Product:
    return Product(product_id=pid, title=title)


def test_plan_chunks_are_the_single_process_encoders_calls() -> None:
    """Same texts, chunk by chunk, as CachedEncoder passes to its encoder (so the int8 graph sees
    the same batches): cached texts left out, a repeated text encoded with its first product."""
    titles = ["drill", "saw", "drill", "hammer", "lamp", "saw", "rug", "vase", "desk"]
    products = [_product(f"p{i}", title) for i, title in enumerate(titles)]
    recording = _Recording()
    cache = MemoryEmbeddingCache()
    cache.put(recording.version, {text_hash(products[3].text()): np.ones(8, np.float32)})
    CachedEncoder(recording, cache, chunk_size=3).encode_products(products)
    rows = [(p.product_id, text_hash(p.text())) for p in products if p.product_id != "p3"]
    chunks = plan_chunks(rows, chunk_size=3)
    by_id = {p.product_id: p.text() for p in products}
    assert [[by_id[pid] for pid in chunk] for chunk in chunks] == recording.calls
    assert chunks == [["p0", "p1", "p4"], ["p6", "p7", "p8"]]
    with pytest.raises(ValueError, match="chunk size"):
        plan_chunks(rows, 0)


def _read_stream(stream: bytes) -> list[tuple[str, str, np.ndarray]]:
    """A small reader of PostgreSQL's binary COPY format, for the test."""
    assert stream.startswith(HEADER) and stream.endswith(TRAILER)
    at, rows = len(HEADER), []
    while stream[at : at + 2] != TRAILER:
        (fields,) = struct.unpack_from(">h", stream, at)
        at += 2
        values = []
        for _ in range(fields):
            (size,) = struct.unpack_from(">i", stream, at)
            values.append(stream[at + 4 : at + 4 + size])
            at += 4 + size
        dims, unused = struct.unpack_from(">hh", values[2])
        vector = np.frombuffer(values[2], ">f4", count=dims, offset=4).astype(np.float32)
        rows.append((values[0].decode(), values[1].decode(), vector))
        assert unused == 0
    assert at + 2 == len(stream)
    return rows


def test_copy_binary_frames_every_row() -> None:
    vectors = np.array([[0.1, -2.5, 3e-8], [1.0, 0.0, -0.0]], dtype=np.float32)
    rows = _read_stream(copy_binary("enc@1+int8", ["h1", "h2"], vectors))
    assert [(v, h) for v, h, _ in rows] == [("enc@1+int8", "h1"), ("enc@1+int8", "h2")]
    assert all(np.array_equal(got, want) for (_, _, got), want in zip(rows, vectors, strict=True))
    assert _read_stream(copy_binary("v", [], np.zeros((0, 3), np.float32))) == []
    with pytest.raises(ValueError, match="2 text hashes for 1 vectors"):
        copy_binary("v", ["a", "b"], vectors[:1])
    with pytest.raises(ValueError, match="NaN"):
        copy_binary("v", ["a"], np.array([[np.nan, 1.0]], np.float32))


def test_copy_lands_exact_vectors_in_the_pgvector_cache(postgres_url: str) -> None:
    cache = PostgresEmbeddingCache(postgres_url)  # the schema: the embeddings migration
    rng = np.random.default_rng(3)
    before = rng.standard_normal(384).astype(np.float32)
    cache.put("enc", {"h0": before})
    vectors = rng.standard_normal((3, 384)).astype(np.float32)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert copy_embeddings(conn, "enc", ["h0", "h1", "h2"], vectors) == 2  # h0 was cached
        assert copy_embeddings(conn, "enc", ["h2", "h3", "h3"], vectors) == 1  # repeats load too
        with pytest.raises(psycopg.DataError):  # a NUL in a text: the whole load is rolled back
            copy_embeddings(conn, "enc", ["h4", "bad\x00"], vectors[:2])
    got = cache.get("enc", ["h0", "h1", "h2", "h3", "h4"])
    assert set(got) == {"h0", "h1", "h2", "h3"}
    assert np.array_equal(got["h0"], before) and np.array_equal(got["h1"], vectors[1])
    assert np.array_equal(got["h2"], vectors[2]) and np.array_equal(got["h3"], vectors[1])
    cache.close()


def test_read_ranges_keep_uncached_products_in_store_order(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    titles = ["drill", "saw", "drill", "hammer", "lamp", "saw", "rug"]
    store.upsert([_product(f"p{i}", title) for i, title in enumerate(titles)])
    cache = PostgresEmbeddingCache(postgres_url)
    cache.put("enc", {text_hash(_product("x", "hammer").text()): np.ones(4, np.float32)})
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        ranges = id_ranges(range_boundaries(conn, 3))
        assert len(ranges) == 3  # cut after the 3rd and the 6th id
        rows = [row for r in ranges for row in uncached_in_range(conn, r, "enc")]
        texts, hashes = chunk_texts(conn, ["p4", "gone", "p0"])
    expected = [(p.product_id, text_hash(p.text())) for p in store.iter_products() if p.title != "hammer"]
    assert rows == expected
    assert texts == [_product("p4", "lamp").text(), _product("p0", "drill").text()]
    assert hashes == [text_hash(text) for text in texts]
    store.close()
    cache.close()


def test_write_bundle_refuses_an_encoder_it_cannot_ship(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encode on one machine"):
        write_bundle(HashingEncoder(), tmp_path)
    assert not (tmp_path / "encoders").exists()


def _manifest(version: str) -> IndexManifest:
    return IndexManifest(version=version, created_at="2026-12-07T00:00:00+00:00", store_seq=0, encoder="e",
                         dim=2, product_count=1, vector_kind="flat", lexical_config={}, vector_config={},
                         build_seconds=0.0)  # fmt: skip


def _builder(root: Path, seen: list[list[str]], fail: bool = False) -> Callable[[IndexVersions], str]:
    """A build that writes a version's files, notes what a reader lists meanwhile, and fails
    before its manifest when asked."""

    def build(registry: IndexVersions) -> str:
        version, path = registry.new_version()
        (path / "lexical").mkdir()
        (path / "lexical" / "segment").write_bytes(b"x" * 1000)
        seen.append(IndexVersions(root).versions())  # what a reader lists meanwhile
        if fail:
            raise RuntimeError("build failed")
        registry.write_manifest(path / "manifest.json", _manifest(version))
        return version

    return build


def test_publish_staged_shows_readers_only_complete_versions(tmp_path: Path) -> None:
    root = tmp_path / "indexes"
    registry = IndexVersions(root)
    complete: list[bool] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            current = registry.current()
            if current is not None:
                complete.append(
                    (current[1] / "manifest.json").is_file() and (current[1] / "lexical").is_dir()
                )

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        seen: list[list[str]] = []
        first = publish_staged(root, _builder(root, seen))
        second = publish_staged(root, _builder(root, seen))
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert seen == [[], [first]]  # a version being built is never listed
    assert complete and all(complete)
    assert registry.current() == (second, registry.path_of(second))
    assert registry.read_manifest(registry.path_of(second)).version == second
    with pytest.raises(RuntimeError, match="build failed"):
        publish_staged(root, _builder(root, seen, fail=True))
    assert registry.current() == (second, registry.path_of(second))  # the failed build changed nothing
    assert registry.versions() == [first, second]
    assert not [p for p in registry.versions_dir.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_publish_staged_refuses_a_version_without_its_manifest(tmp_path: Path) -> None:
    root = tmp_path / "indexes"

    def unfinished(registry: IndexVersions) -> str:
        return registry.new_version()[0]

    with pytest.raises(FileNotFoundError):
        publish_staged(root, unfinished)
    assert IndexVersions(root).current() is None and IndexVersions(root).versions() == []


def test_cluster_encode_needs_a_recorded_cluster_and_postgresql(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shelfwise.cli import app
    from shelfwise.cluster.state import ClusterState, save_state

    command = ["cluster", "encode", "-d", str(tmp_path)]
    done = CliRunner().invoke(app, command, env={"SHELFWISE_DATABASE_URL": None})
    assert done.exit_code == 2 and "`shelfwise cluster up` first" in done.output
    save_state(tmp_path, ClusterState(address="10.203.0.1:6379", token_file=str(tmp_path / "t"),
                                      artifact_root=str(tmp_path)))  # fmt: skip
    done = CliRunner().invoke(app, command, env={"SHELFWISE_DATABASE_URL": None})
    assert done.exit_code == 2 and "SHELFWISE_DATABASE_URL" in done.output


def test_a_failed_driver_is_reported_with_its_reason(tmp_path: Path) -> None:
    import os

    from shelfwise.cluster.encoding import EncodeError, EncodeJob, encode_on_cluster
    from shelfwise.config import Settings

    url = f"postgresql://postgres@/shop_x?host={tmp_path / 'no-server'}"
    job = EncodeJob(address="10.203.0.1:6379", database_url=url, artifact_root=tmp_path,
                    settings=Settings(data_dir=tmp_path / "data").model_dump_json())  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with pytest.raises(EncodeError, match="failed: .*cannot open PostgreSQL database .*shop_x"):
        encode_on_cluster(job, env, timeout_seconds=120)
    assert not (tmp_path / "indexes").exists()
