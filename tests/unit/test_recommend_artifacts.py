"""The served recommender's artifact folder: no pickle, `load` mirrors `save` (every answer the
same after a round trip, through the learned ranker and saved item indexes too), the registry of
versions keeps working, and a version saved with pickle by an older Shelfwise is refused with a
message saying how to retrain, never unpickled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import RecommendConfig
from shelfwise.recommend import ChannelsConfig, RecommenderConfig, SequentialConfig
from shelfwise.recommend.artifact import ArtifactError
from shelfwise.recommend.channels import ChannelName
from shelfwise.recommend.content import ContentChannel
from shelfwise.recommend.live import LiveRecommender, active_recommender, recommender_registry
from shelfwise.records import Event, EventType, Product

KINDS: tuple[EventType, ...] = ("view", "view", "add_to_cart", "purchase")  # a shopper's four steps
AISLES = {"a": "Kitchen > Kettles", "b": "Garden > Hoses"}
EVERY_CHANNEL: tuple[ChannelName, ...] = (
    "cooccurrence",
    "sequential",
    "als",
    "content",
    "popularity",
    "trending",
    "graph",
)


def _products() -> list[Product]:
    return [
        Product(product_id=f"{aisle}{i}", title=f"{path.split(' > ')[1][:-1]} model {i}",
                brand=f"brand-{aisle}", category=tuple(path.split(" > ")),
                in_stock=not (aisle == "a" and i == 11))
        for aisle, path in AISLES.items() for i in range(12)
    ]  # fmt: skip


def _events() -> list[Event]:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    events = []
    for shopper in range(300):
        aisle, first = "ab"[shopper % 2], shopper % 9
        for step in range(4):
            events.append(Event(
                event_id=f"e{shopper}-{step}", type=KINDS[step],
                user_id=f"u{shopper}", product_id=f"{aisle}{first + step}",
                timestamp=start + timedelta(minutes=shopper * 10 + step),
            ))  # fmt: skip
    return events


def _vectors(n: int) -> np.ndarray:
    vectors = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _train(sparse: bool) -> LiveRecommender:
    config = RecommenderConfig(
        channels=ChannelsConfig(
            enabled=EVERY_CHANNEL, sequential=SequentialConfig(epochs=3, dim=16, heads=1, layers=1, threads=1)
        ),
        min_ranker_validation=5,
        sparse_recall_from=1 if sparse else 50_000,
    )
    products = _products()
    live, _ = LiveRecommender.train(products, _events(), _vectors(len(products)), config)
    return live


def _answers(live: LiveRecommender) -> list[object]:
    catalog = {p.product_id: p for p in _products()}
    config = RecommendConfig(mmr_lambda=0.7)
    out: list[object] = []
    for history in ([], ["a1", "a2"], ["b4"], ["a3", "b5", "a7"]):
        indices = np.array([live.index[i] for i in history], dtype=np.int64)
        out.append(
            [
                (r.product_id, r.score, r.reason, r.anchor_id)
                for r in live.for_history(indices, 6, catalog, config)
            ]
        )
        out.append(live.channel_candidates(indices, 5))
    for product in ("a0", "b3", "a11"):
        out.append(
            [(r.product_id, r.score, r.reason) for r in live.similar_items(product, 5, catalog, config)]
        )
        out.append([(r.product_id, r.score, r.reason) for r in live.bought_with(product, 5, catalog, config)])
    return out


@pytest.fixture(scope="module", params=[False, True], ids=["dense", "sparse-recall"])
def trained(request: pytest.FixtureRequest) -> LiveRecommender:
    return _train(request.param)


def test_a_saved_and_loaded_recommender_answers_exactly_the_same(
    trained: LiveRecommender, tmp_path: Path
) -> None:
    assert trained.recommender.ranker is not None, "the learned ranker is part of the round trip"
    assert [c.name for c in trained.recommender.channels] == list(EVERY_CHANNEL)
    trained.save(tmp_path / "v1", {"version": "v1", "events": 1200})
    loaded = LiveRecommender.load(tmp_path / "v1")
    assert loaded.version == "v1" and loaded.item_ids == trained.item_ids and loaded.info == trained.info
    assert loaded.recommender.builder is not None and trained.recommender.builder is not None
    assert loaded.recommender.builder.sparse == trained.recommender.builder.sparse
    assert _answers(loaded) == _answers(trained)
    content = next(c for c in loaded.recommender.channels if isinstance(c, ContentChannel))
    assert loaded.recommender.builder.item_vectors is content.vectors, "one array, as when fitted"
    assert not (tmp_path / "v1" / "recommender" / "item_vectors.npy").exists(), "not saved twice"


def test_without_a_content_channel_the_recommender_keeps_its_own_vectors(tmp_path: Path) -> None:
    products = _products()
    config = RecommenderConfig(channels=ChannelsConfig(enabled=("cooccurrence", "popularity")))
    live, _ = LiveRecommender.train(products, _events(), _vectors(len(products)), config)
    live.save(tmp_path / "v1", {})
    assert (tmp_path / "v1" / "recommender" / "item_vectors.npy").is_file()
    loaded = LiveRecommender.load(tmp_path / "v1")
    before, after = live.recommender.builder, loaded.recommender.builder
    assert before is not None and after is not None
    np.testing.assert_array_equal(after.item_vectors, before.item_vectors)
    assert _answers(loaded) == _answers(live)


def test_the_folder_holds_no_pickle_and_a_manifest(trained: LiveRecommender, tmp_path: Path) -> None:
    trained.save(tmp_path / "v1", {"version": "v1", "events": 1200, "fit": {"fused_by": "ranker"}})
    manifest = json.loads((tmp_path / "v1" / "manifest.json").read_text())
    assert manifest["format"] == "shelfwise-recommender/1"
    assert (
        manifest["version"] == "v1" and manifest["events"] == 1200 and manifest["fit"]["fused_by"] == "ranker"
    )
    assert manifest["sizes"] == {"items": 24, "channels": list(EVERY_CHANNEL)}
    files = [p for p in (tmp_path / "v1").rglob("*") if p.is_file()]
    assert set(manifest["files"]) == {p.relative_to(tmp_path / "v1").as_posix() for p in files} - {
        "manifest.json"
    }
    assert not [p for p in files if p.suffix in (".pkl", ".pickle") or p.read_bytes()[:1] == b"\x80"]
    for path in (tmp_path / "v1").rglob("*.npy"):
        np.load(path, allow_pickle=False)  # no object arrays


def test_a_damaged_file_is_refused(trained: LiveRecommender, tmp_path: Path) -> None:
    trained.save(tmp_path / "v1", {"version": "v1"})
    counts = tmp_path / "v1" / "recommender" / "item_counts.npy"
    counts.write_bytes(counts.read_bytes()[:-8] + b"\x01" * 8)
    with pytest.raises(ArtifactError, match="item_counts.npy does not match its manifest"):
        LiveRecommender.load(tmp_path / "v1")


def test_the_registry_serves_published_versions_and_refuses_a_pickled_one(
    trained: LiveRecommender, tmp_path: Path
) -> None:
    registry = recommender_registry(tmp_path)
    assert active_recommender(tmp_path) is None
    version, path = registry.new_version()
    trained.save(path, {"version": version})
    registry.publish(version)
    served = active_recommender(tmp_path)
    assert served is not None and served.version == version
    # a version an older Shelfwise wrote: a pickle beside its manifest
    old, old_path = registry.new_version()
    (old_path / "recommender.pkl").write_bytes(b"\x80\x05 not to be read")
    (old_path / "manifest.json").write_text(json.dumps({"version": old, "events": 10}))
    registry.publish(old)
    with pytest.raises(ArtifactError, match="saved with pickle") as refused:
        active_recommender(tmp_path)
    assert "shelfwise train recommender" in str(refused.value)
    assert isinstance(refused.value, LookupError), "the routes answer 503 'no recommender' with the message"
