"""Cold items and diversity: reserved places and MMR on lists with known answers, the
recommender's simulation of cold items while its ranker learns, and item metadata files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.evaluate.sequences import read_item_metadata_tsv, read_items_tsv
from shelfwise.evaluate.tables import FormatError
from shelfwise.recommend import ChannelsConfig, ItemInfo, Recommender, RecommenderTrainingConfig, TrainingData
from shelfwise.recommend.diversity import mmr_order, rank_relevance, reserve_cold_slots
from shelfwise.recommend.offline import predict_next_items
from shelfwise.recommend.recommender import choose_cold_items, without_items


def test_rank_relevance_is_the_dcg_discount() -> None:
    assert rank_relevance(3) == pytest.approx([1.0, 1 / np.log2(3), 0.5])


def test_mmr_at_lambda_one_keeps_the_ranking() -> None:
    vectors = np.eye(4, dtype=np.float32)[[0, 0, 1, 2]]
    assert mmr_order(vectors, 3, 1.0).tolist() == [0, 1, 2]


def test_mmr_moves_a_near_duplicate_below_a_different_item() -> None:
    vectors = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)  # 0 and 1 read the same
    # lambda 0.5: item 1 is worth 0.5 * 0.63 - 0.5 * 1 < 0, item 2 is worth 0.5 * 0.5
    assert mmr_order(vectors, 3, 0.5).tolist() == [0, 2, 1]
    # lambda 0.9: item 1 is worth 0.9 * 0.63 - 0.1 = 0.47 > item 2's 0.45: relevance wins
    assert mmr_order(vectors, 3, 0.9).tolist() == [0, 1, 2]
    assert mmr_order(vectors, 2, 0.0).tolist() == [0, 2]
    assert mmr_order(vectors, 10, 0.5).shape == (3,)


def test_mmr_rejects_a_lambda_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="lambda"):
        mmr_order(np.eye(2, dtype=np.float32), 2, 1.5)


def test_reserved_places_bring_the_best_cold_items_into_the_top_k() -> None:
    cold = np.array([False, False, False, True, False, True])
    assert reserve_cold_slots(cold, 3, 0).tolist() == [0, 1, 2]
    assert reserve_cold_slots(cold, 3, 1).tolist() == [0, 1, 3]
    assert reserve_cold_slots(cold, 3, 2).tolist() == [0, 3, 5]
    assert reserve_cold_slots(cold, 3, 5).tolist() == [0, 3, 5]  # only two cold items exist
    already = np.array([True, False, False, True])
    assert reserve_cold_slots(already, 2, 1).tolist() == [0, 1]
    with pytest.raises(ValueError):
        reserve_cold_slots(cold, 3, -1)


def _data(sequences: list[list[int]], n_items: int, vectors: np.ndarray | None = None) -> TrainingData:
    ids = tuple(f"i{k}" for k in range(n_items))
    return TrainingData(ids, [np.array(s, dtype=np.int64) for s in sequences], None, vectors)


def test_without_items_removes_every_event_of_the_hidden_items_and_keeps_shoppers() -> None:
    data = _data([[0, 1, 2], [1, 1], [3]], 5)
    hidden = without_items(data, np.array([1, 3]))
    assert [s.tolist() for s in hidden.sequences] == [[0, 2], [], []]
    assert without_items(data, np.zeros(0, dtype=np.int64)) is data


def test_cold_items_are_a_share_of_the_items_with_events() -> None:
    data = _data([[k, k + 1] for k in range(0, 40, 2)], 50)  # items 40..49 have no events
    cold = choose_cold_items(data, 0.25, seed=0)
    assert len(cold) == 10 and len(set(cold.tolist())) == 10
    assert cold.max() < 40
    assert choose_cold_items(data, 0.25, seed=0).tolist() == cold.tolist()


def _two_topics(n_users: int, seed: int) -> tuple[TrainingData, np.ndarray]:
    """40 items in two text topics; each shopper walks one topic in order."""
    rng = np.random.default_rng(seed)
    vectors = np.zeros((40, 8), dtype=np.float32)
    vectors[:20, 0] = 1.0
    vectors[20:, 1] = 1.0
    vectors += rng.normal(0, 0.05, vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sequences = []
    for user in range(n_users):
        base, start = 20 * (user % 2), int(rng.integers(20))
        sequences.append([base + (start + j) % 20 for j in range(int(rng.integers(3, 7)))])
    return _data(sequences, 40, vectors), vectors


def test_fit_hides_a_share_of_items_for_the_ranker_and_refits_with_their_events() -> None:
    data, _ = _two_topics(400, seed=2)
    config = RecommenderTrainingConfig(
        channels=ChannelsConfig(enabled=("cooccurrence", "content", "popularity")), cold_item_share=0.25
    )
    recommender = Recommender(config)
    report = recommender.fit(data)
    assert report.cold_items == 10 and report.cold_examples > 0
    assert "is_cold" in recommender.builder.feature_names  # type: ignore[union-attr]
    # refitted with every event back: no item with events counts as cold when serving
    assert not recommender.builder.is_cold.any()  # type: ignore[union-attr]
    unrefitted = Recommender(config.model_copy(update={"refit_after_cold": False}))
    unrefitted.fit(data)
    assert unrefitted.builder.is_cold.sum() == 10  # type: ignore[union-attr]
    too_few = Recommender(config.model_copy(update={"min_cold_examples": report.cold_examples + 1}))
    assert too_few.fit(data).cold_items == 0  # too few cold examples to teach the ranker: none hidden


def test_reserved_places_show_an_item_without_events() -> None:
    data, vectors = _two_topics(300, seed=3)
    # item 40 has a text in topic 0 and no events
    data = TrainingData(data.item_ids + ("i40",), data.sequences, None, np.vstack([vectors, vectors[:1]]))
    recommender = Recommender(
        RecommenderTrainingConfig(
            channels=ChannelsConfig(enabled=("cooccurrence", "content")), cold_item_share=0
        )
    )
    recommender.fit(data)
    history = [np.array([3, 4])]
    plain = [item for item, _ in recommender.recommend(history, 3, cold_slots=0)[0]]
    reserved = [item for item, _ in recommender.recommend(history, 3, cold_slots=1)[0]]
    assert 40 not in plain
    assert reserved[:2] == plain[:2] and reserved[2] == 40


def test_offline_mmr_spreads_the_list_over_both_topics() -> None:
    data, _ = _two_topics(300, seed=4)
    sequences = {f"u{u}": [data.item_ids[i] for i in s] for u, s in enumerate(data.sequences)}
    texts = {item: ("red" if int(item[1:]) < 20 else "blue") + f" item {item}" for item in data.item_ids}
    eye = np.eye(2, dtype=np.float32)
    vectors = {item: eye[0 if text.startswith("red") else 1] for item, text in texts.items()}

    def encode(batch: list[str]) -> np.ndarray:
        return np.stack([vectors[text.split()[-1]] for text in batch])

    config = RecommenderTrainingConfig(
        channels=ChannelsConfig(enabled=("cooccurrence", "popularity")), cold_item_share=0
    )
    plain, _ = predict_next_items(sequences, texts, encode, 4, config)
    mixed, _ = predict_next_items(sequences, texts, encode, 4, config, mmr_lambda=0.0, mmr_pool=40)
    topics = lambda items: {texts[i].split()[0] for i in items}  # noqa: E731
    assert topics(plain["u0"]) == {"red"}
    assert topics(mixed["u0"]) == {"red", "blue"} and mixed["u0"][0] == plain["u0"][0]


def test_item_metadata_columns_are_optional_and_read_with_links(tmp_path: Path) -> None:
    path = tmp_path / "items.tsv"
    path.write_text(
        "item_id\ttext\tbrand\tcategory\talso_buy\talso_view\n"
        "a\tA card\tAcme\tCards > Food\tb c a\t\n"
        "b\tB card\t\t\t\t\n"
        "c\tC card\tAcme\t\t\tzz a\n"
    )
    info = read_item_metadata_tsv(path)
    assert info == {
        "a": ItemInfo(brand="Acme", category="Cards > Food", also_bought=("b", "c")),
        "c": ItemInfo(brand="Acme", also_viewed=("zz", "a")),
    }
    assert read_items_tsv(path) == {"a": "A card", "b": "B card", "c": "C card"}
    plain = tmp_path / "plain.tsv"
    plain.write_text("item_id\ttext\na\tA card\n")
    assert read_item_metadata_tsv(plain) == {}


def test_item_metadata_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "items.tsv"
    path.write_text("item_id\ttext\talso_buy\na\tA\tb\nb\tB\tc,d\n")
    with pytest.raises(FormatError, match=r"items.tsv:3: also_buy of item 'b' contains a comma"):
        read_item_metadata_tsv(path)
    path.write_text("item_id\ttext\tbrand\na\tA\tX\na\tA\tY\n")
    with pytest.raises(FormatError, match=r"items.tsv:3: duplicate item_id 'a'"):
        read_item_metadata_tsv(path)


def test_giftcards_converter_writes_catalog_facts(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "giftcards_to_tsv", Path(__file__).parents[2] / "benchmarks" / "giftcards_to_tsv.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = tmp_path / "src"
    source.mkdir()
    meta = [
        {"asin": "A1", "title": "Cafe <b>card</b>", "brand": "Cafe", "category": ["Gift Cards", "Food"],
         "also_buy": ["A2", "A1"], "also_view": ["A3"]},
        {"asin": "A2", "title": "Book card", "category": []},
    ]  # fmt: skip
    (source / "meta.jsonl").write_text("".join(json.dumps(m) + "\n" for m in meta))
    reviews = [("r1", "A2", 2), ("r1", "A1", 1)]
    (source / "reviews.jsonl").write_text(
        "".join(json.dumps({"reviewerID": u, "asin": a, "unixReviewTime": t}) + "\n" for u, a, t in reviews)
    )
    module.main(source, tmp_path / "out")
    info = read_item_metadata_tsv(tmp_path / "out" / "items.tsv")
    assert info == {"A1": ItemInfo("Cafe", "Gift Cards > Food", ("A2",), ("A3",))}
    text = read_items_tsv(tmp_path / "out" / "items.tsv")["A1"]
    assert text.startswith("Cafe card . Cafe. Gift Cards Food")
    assert (tmp_path / "out" / "sequences.tsv").read_text() == "user_id\titems\nr1\tA1 A2\n"


def test_serving_applies_mmr_before_the_category_cap() -> None:
    from shelfwise.config import RecommendServingConfig
    from shelfwise.recommend.cooccurrence import CooccurrenceChannel
    from shelfwise.recommend.live import LiveRecommender
    from shelfwise.records import Product

    data, _ = _two_topics(300, seed=5)
    eye = np.eye(2, dtype=np.float32)
    data.item_vectors = np.stack([eye[0 if k < 20 else 1] for k in range(40)])
    recommender = Recommender(
        RecommenderTrainingConfig(
            channels=ChannelsConfig(enabled=("cooccurrence", "popularity")), cold_item_share=0
        )
    )
    recommender.fit(data)
    catalog = {item: Product(product_id=item, title=f"title {item}") for item in data.item_ids}
    live = LiveRecommender(recommender, data.item_ids, {}, {}, CooccurrenceChannel())
    history = np.array([3, 4])

    def topics(lam: float) -> list[int]:
        picked = live.for_history(history, 4, catalog, RecommendServingConfig(mmr_lambda=lam, category_cap=3))
        return [int(int(r.product_id[1:]) >= 20) for r in picked]

    assert topics(1.0) == [0, 0, 0, 0]  # the personal ranking: topic 0 only
    # lambda 0: the best item, then the best of the other topic; once both topics are taken every
    # candidate is as close to the list as the next, and rank decides
    assert topics(0.0) == [0, 1, 0, 0]


def _bench(tmp_path: Path, items: str, *extra: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from shelfwise.cli import app

    rng = np.random.default_rng(1)
    (tmp_path / "items.tsv").write_text(items)
    lines = ["user_id\titems"]
    for user in range(200):
        base, start = 20 * (user % 2), int(rng.integers(20))
        lines.append(f"u{user}\t" + " ".join(f"p{base + (start + j) % 20}" for j in range(4)))
    (tmp_path / "seq.tsv").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        app,
        [
            "bench", "recommend", "--items", str(tmp_path / "items.tsv"), "--sequences",
            str(tmp_path / "seq.tsv"), "--out", str(tmp_path / "pred.jsonl"), "--k", "5",
            "-d", str(tmp_path / "data"), *extra,
        ],
    )  # fmt: skip
    return result.exit_code, result.output


def test_bench_recommend_reads_item_metadata_for_the_graph_channel(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    rows = "".join(
        f"p{k}\t{'red' if k < 20 else 'blue'} item {k}\t{'Acme' if k % 2 else ''}\t\tp{(k + 1) % 40}\t\n"
        for k in range(40)
    )
    header = "item_id\ttext\tbrand\tcategory\talso_buy\talso_view\n"
    code, output = _bench(tmp_path, header + rows, "--channels", "cooccurrence,graph", "--mmr", "0.5")
    assert code == 0, output
    assert "catalog facts (brand, category, links) for 40 items" in output
    assert "channels cooccurrence, graph fused by" in output
    predictions = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text().splitlines()]
    assert len(predictions) == 200 and all(len(p["items"]) == 5 for p in predictions)
    code, output = _bench(tmp_path, "item_id\ttext\n" + "".join(f"p{k}\titem {k}\n" for k in range(40)),
                          "--channels", "cooccurrence,graph")  # fmt: skip
    assert code == 0 and "no graph channel" in output
    code, output = _bench(tmp_path, header + rows.replace("\tp1\t", "\tp1,p2\t"), "--channels", "graph")
    assert code == 2 and "items.tsv:2: also_buy of item 'p0' contains a comma" in output  # an input error


def test_the_category_cap_never_leaves_a_list_short() -> None:
    from shelfwise.config import RecommendServingConfig
    from shelfwise.recommend.cooccurrence import CooccurrenceChannel
    from shelfwise.recommend.live import LiveRecommender
    from shelfwise.records import Product

    data, _ = _two_topics(300, seed=5)
    recommender = Recommender(
        RecommenderTrainingConfig(
            channels=ChannelsConfig(enabled=("cooccurrence", "popularity")), cold_item_share=0
        )
    )
    recommender.fit(data)
    # two categories only: a cap of 2 allows 4 items, the other 4 places come from what it held back
    catalog = {
        item: Product(product_id=item, title=f"title {item}", category=("Shop", "A" if k % 2 else "B"))
        for k, item in enumerate(data.item_ids)
    }
    live = LiveRecommender(recommender, data.item_ids, {}, {}, CooccurrenceChannel())
    serving = RecommendServingConfig(category_cap=2, mmr_lambda=1.0)
    picked = live.for_history(np.array([3, 4]), 8, catalog, serving)
    assert len(picked) == 8
    first = [r.product.category_path for r in picked[:4]]
    assert sorted(first) == ["Shop > A", "Shop > A", "Shop > B", "Shop > B"]
