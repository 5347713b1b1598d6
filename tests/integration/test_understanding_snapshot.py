"""Query understanding is saved with the index version and loaded, not rebuilt, at open."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from shelfwise.config import UnderstandingConfig
from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.query.understanding_snapshot import load_understanding, save_understanding
from shelfwise.records import Product
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


def _engine(store: MemoryStore, root: Path, persist_every: int = 2000, **config: bool) -> SearchEngine:
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
    _engine(store, tmp_path / "idx", suggest=False).open()
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
