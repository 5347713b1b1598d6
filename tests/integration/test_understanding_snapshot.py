"""Query understanding is saved with the index version and loaded, not rebuilt, at open."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from shelfwise.config import UnderstandingConfig
from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.query.understanding_snapshot import load_understanding, save_understanding
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

CATALOG = [
    Product(product_id=f"p{i}", title=f"{brand} {material} {kind}", brand=brand,
            category=("Home", kind.title()), price=20.0 + i, attributes={"material": material})
    for i, (brand, material, kind) in enumerate(
        [("Voltrix", "stainless steel", "kettle"), ("Brewly", "ceramic", "teapot"),
         ("Voltrix", "cast iron", "skillet"), ("Aurelle", "linen", "tablecloth"),
         ("Brewly", "glass", "carafe"), ("Aurelle", "cotton", "napkin")] * 3
    )
]  # fmt: skip


def _engine(store: MemoryStore, root: Path, persist_every: int = 2000, **config: float) -> SearchEngine:
    return SearchEngine(store, CachedEncoder(HashingEncoder(64), MemoryEmbeddingCache()), root,
                        persist_every=persist_every, understanding=UnderstandingConfig(**config))  # fmt: skip


def _no_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("query understanding was rebuilt")

    monkeypatch.setattr(QueryUnderstanding, "build", refuse)


def _snapshot_dir(engine: SearchEngine) -> Path:
    current = engine.registry.current()
    assert current is not None
    return current[1] / "understanding"


@pytest.fixture()
def store() -> MemoryStore:
    store = MemoryStore()
    store.upsert(CATALOG)
    return store


def test_a_reopened_index_loads_the_saved_understanding(
    store: MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _engine(store, tmp_path / "idx")
    first.open()
    built = first._require().understanding
    assert built is not None and (_snapshot_dir(first) / "manifest.json").is_file()
    suggested = [s.text for s in first.suggest("bre")]
    first.close()
    _no_builds(monkeypatch)
    second = _engine(store, tmp_path / "idx")
    second.open()
    loaded = second._require().understanding
    assert loaded is not None
    for query in ("voltrx kettle", "brewly teapot under $30", "linen"):
        assert loaded.read(query) == built.read(query), query
    assert suggested and [s.text for s in second.suggest("bre")] == suggested
    second.close()


def test_a_snapshot_made_with_other_parts_is_rebuilt(store: MemoryStore, tmp_path: Path) -> None:
    first = _engine(store, tmp_path / "idx", suggest=False)
    first.open()
    first.close()  # else it may still hold the index's writer lock, and the next one only reads
    engine = _engine(store, tmp_path / "idx")
    engine.open()
    understanding = engine._require().understanding
    assert understanding is not None and understanding.suggester is not None
    snapshot = load_understanding(_snapshot_dir(engine), UnderstandingConfig())
    assert snapshot is not None and snapshot.understanding.suggester is not None  # saved again


@pytest.mark.parametrize(("persist_every", "products_understood"), [(10, 18), (100, 6)])
def test_a_snapshot_lagging_more_than_the_persist_interval_is_rebuilt(
    store: MemoryStore, tmp_path: Path, persist_every: int, products_understood: int
) -> None:
    """A snapshot may lag the store by fewer changes than `persist_every`, as a running writer's
    understanding does; one that lags more is rebuilt."""
    first = _engine(store, tmp_path / "idx")
    first.open()
    first.close()
    stale = QueryUnderstanding.build(CATALOG[:6], UnderstandingConfig())
    save_understanding(stale, _snapshot_dir(first), store_seq=0)  # 18 changes behind the store
    second = _engine(store, tmp_path / "idx", persist_every=persist_every)
    second.open()
    understanding = second._require().understanding
    assert understanding is not None
    assert understanding.vocabulary.product_count == products_understood


def test_a_damaged_snapshot_is_rebuilt_with_a_warning(
    store: MemoryStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = _engine(store, tmp_path / "idx")
    first.open()
    first.close()
    (_snapshot_dir(first) / "vocabulary.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="shelfwise.search"):
        second = _engine(store, tmp_path / "idx")
        second.open()
    assert "saved query understanding unusable" in caplog.text
    understanding = second._require().understanding
    assert understanding is not None and understanding.read("voltrix kettle").filters.brands == ("Voltrix",)


def test_saving_replaces_the_previous_snapshot_whole(tmp_path: Path) -> None:
    config = UnderstandingConfig()
    folder = tmp_path / "understanding"
    save_understanding(QueryUnderstanding.build(CATALOG[:6], config), folder, store_seq=6)
    save_understanding(QueryUnderstanding.build(CATALOG, config), folder, store_seq=18)
    snapshot = load_understanding(folder, config)
    assert snapshot is not None and snapshot.store_seq == 18
    assert snapshot.understanding.vocabulary.product_count == len(CATALOG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["understanding"]  # no staging left


NEW_BRAND = [
    Product(product_id=f"n{i}", title=f"Quillon velvet cushion {i}", brand="Quillon",
            category=("Home", "Cushion"), price=15.0 + i, attributes={"material": "velvet"})
    for i in range(6)
]  # fmt: skip


def test_a_persist_rebuilds_the_understanding_in_the_background(
    store: MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's refresh returns while the build runs; the new brand is understood, and
    saved, once it is done."""
    engine = _engine(store, tmp_path / "idx", persist_every=4)
    engine.open()
    gate = threading.Event()
    build = QueryUnderstanding.build

    def slow_build(*args: object, **kwargs: object) -> QueryUnderstanding:
        assert gate.wait(10), "the test never opened the gate"
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(QueryUnderstanding, "build", slow_build)
    store.upsert(NEW_BRAND)
    engine.refresh()  # 6 changes >= persist_every: persisted, and a build requested
    live = engine._require()
    assert live.understanding is not None
    assert live.understanding.read("quillon cushion").filters.brands == ()  # not yet
    assert not engine.wait_for_understanding(timeout=0.05)  # still building
    gate.set()
    assert engine.wait_for_understanding(timeout=10)
    assert live.understanding.read("quillon cushion").filters.brands == ("Quillon",)
    assert [s.text for s in engine.suggest("quil")]
    snapshot = load_understanding(_snapshot_dir(engine), UnderstandingConfig())
    assert snapshot is not None and snapshot.understanding.vocabulary.product_count == len(CATALOG) + 6
    assert live.understanding_seq == snapshot.store_seq == store.last_seq()
    engine.close()


def test_on_a_large_catalog_the_understanding_waits_for_a_share_of_it_to_change(
    store: MemoryStore, tmp_path: Path
) -> None:
    """rebuild_fraction 0.5: half the catalog's products must change, though a persist comes
    every 2 changes."""
    engine = _engine(store, tmp_path / "idx", persist_every=2, rebuild_fraction=0.5)
    engine.open()
    assert engine.understanding_interval(18) == 9
    store.upsert(NEW_BRAND[:4])
    engine.refresh()
    engine.wait_for_understanding(timeout=10)
    understanding = engine._require().understanding
    assert understanding is not None and understanding.vocabulary.product_count == 18  # 4 of 22: not due
    store.upsert(NEW_BRAND[4:])
    store.upsert([p.model_copy(update={"price": 99.0}) for p in CATALOG[:6]])
    engine.refresh()  # 12 products changed since it was built: half of the 24
    assert engine.wait_for_understanding(timeout=10)
    understanding = engine._require().understanding
    assert understanding is not None and understanding.vocabulary.product_count == 24
    engine.close()


def test_a_failed_background_build_keeps_the_previous_understanding(
    store: MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = _engine(store, tmp_path / "idx", persist_every=4)
    engine.open()
    before = engine._require().understanding

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr(QueryUnderstanding, "build", broken)
    store.upsert(NEW_BRAND)
    with caplog.at_level(logging.ERROR, logger="shelfwise.search"):
        engine.refresh()
        assert engine.wait_for_understanding(timeout=10)
    assert "query understanding build failed" in caplog.text
    assert engine._require().understanding is before
    assert engine.search(SearchRequest(query="quillon cushion")).hits[0].product.brand == "Quillon"
    engine.close()


def test_a_reader_takes_the_writers_newer_understanding_as_it_catches_up(
    store: MemoryStore, tmp_path: Path
) -> None:
    writer = _engine(store, tmp_path / "idx", persist_every=4)
    writer.open()
    reader = _engine(store, tmp_path / "idx", persist_every=4)
    reader.open()
    assert not reader._require().writable
    store.upsert(NEW_BRAND)
    writer.refresh()
    assert writer.wait_for_understanding(timeout=10)
    reader.catch_up()
    understanding = reader._require().understanding
    assert understanding is not None and understanding.read("quillon cushion").filters.brands == ("Quillon",)
    reader.close()
    writer.close()
