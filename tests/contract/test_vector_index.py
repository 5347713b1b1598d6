"""Contract suite for VectorIndex: the exact (flat), the IVF and the HNSW kind must all pass it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import VectorConfig
from shelfwise.index.vector import VectorHit, VectorIndex

DIM = 4
KINDS = {
    "flat": VectorConfig(),
    "hnsw": VectorConfig(exact_max_items=0, approximate="hnsw", hnsw_m=8, hnsw_ef_search=32),
    "ivf": VectorConfig(exact_max_items=0, approximate="ivf"),
}
APPROXIMATE = ("hnsw", "ivf")


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


# Similarity to the query e0 = (1, 0, 0, 0) falls from a to e.
TOY = {
    "a": unit(1, 0, 0, 0),
    "b": unit(0.9, 0.1, 0, 0),
    "c": unit(0.6, 0.4, 0, 0),
    "d": unit(0.2, 0.8, 0, 0),
    "e": unit(0, 0, 1, 0),
    "f": unit(0, 0, 0.2, 1),
}
E0 = unit(1, 0, 0, 0)
E3 = unit(0, 0, 0, 1)
E23 = unit(0, 0, 1, 1)  # nearest: f, then e; the rest are orthogonal


def ids(hits: list[VectorHit]) -> list[str]:
    return [hit.product_id for hit in hits]


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(kind: str) -> VectorIndex:
    return VectorIndex.build(list(TOY), np.stack(list(TOY.values())), DIM, KINDS[kind])


class TestBuild:
    def test_kind_follows_size(self, index: VectorIndex, kind: str) -> None:
        assert index.kind == kind
        assert len(index) == len(TOY)
        assert index.dim == DIM

    @pytest.mark.parametrize("approximate", APPROXIMATE)
    def test_flat_grows_into_approximate(self, approximate: str) -> None:
        config = VectorConfig(exact_max_items=3, hnsw_m=8, approximate=approximate)
        index = VectorIndex.build(["a", "b"], np.stack([TOY["a"], TOY["b"]]), DIM, config)
        assert index.kind == "flat"
        index.upsert(["c", "d"], np.stack([TOY["c"], TOY["d"]]))
        assert index.kind == approximate
        assert ids(index.search(E0, 4)[0]) == ["a", "b", "c", "d"]

    def test_empty_index(self, kind: str) -> None:
        index = VectorIndex(DIM, KINDS[kind])
        assert len(index) == 0
        assert index.search(E0, 3) == [[]]
        index.upsert(["a"], TOY["a"][None, :])
        assert ids(index.search(E0, 3)[0]) == ["a"]

    def test_wrong_shapes_rejected(self, index: VectorIndex) -> None:
        with pytest.raises(ValueError):
            index.upsert(["x"], np.ones((1, DIM + 1), dtype=np.float32))
        with pytest.raises(ValueError):
            index.upsert(["x", "y"], np.ones((1, DIM), dtype=np.float32))
        with pytest.raises(ValueError):
            index.search(np.ones(DIM + 1, dtype=np.float32), 3)


class TestSearch:
    def test_known_neighbours(self, index: VectorIndex) -> None:
        hits = index.search(E0, 4)[0]
        assert ids(hits) == ["a", "b", "c", "d"]
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
        assert hits[2].similarity == pytest.approx(float(TOY["c"] @ E0), abs=1e-5)

    def test_one_list_per_query(self, index: VectorIndex) -> None:
        results = index.search(np.stack([E0, E23]), 2)
        assert [ids(hits) for hits in results] == [["a", "b"], ["f", "e"]]

    def test_k_larger_than_index(self, index: VectorIndex) -> None:
        assert len(index.search(E0, 100)[0]) == len(TOY)
        assert index.search(E0, 0) == [[]]

    def test_allowed_restricts_exactly(self, index: VectorIndex) -> None:
        allowed = np.array(["d", "e", "c", "unknown"])
        assert ids(index.search(E0, 10, allowed=allowed)[0]) == ["c", "d", "e"]
        assert ids(index.search(E0, 1, allowed=["f"])[0]) == ["f"]
        assert index.search(E0, 5, allowed=np.array([], dtype=str)) == [[]]

    def test_allowed_with_many_queries(self, index: VectorIndex) -> None:
        results = index.search(np.stack([E0, E23]), 1, allowed=["b", "e"])
        assert [ids(hits) for hits in results] == [["b"], ["e"]]

    def test_rows_restrict_like_ids(self, index: VectorIndex) -> None:
        rows = index.rows_of(["d", "unknown", "e", "c"])
        assert rows[1] == -1 and rows.dtype == np.int64
        assert ids(index.search_rows(E0, 10, rows)[0]) == ["c", "d", "e"]
        assert index.search_rows(E0, 10, np.array([-1, 10_000])) == [[]]

    def test_rows_of_a_deleted_product_select_nothing(self, index: VectorIndex) -> None:
        rows = index.rows_of(["a", "b"])
        index.delete(["a"])
        assert ids(index.search_rows(E0, 5, rows)[0]) == ["b"]

    def test_generation_changes_with_rows(self, index: VectorIndex) -> None:
        seen = [index.generation]
        index.upsert(["g"], E3[None, :])
        seen.append(index.generation)
        index.delete(["g"])
        seen.append(index.generation)
        index.rebuild()
        seen.append(index.generation)
        assert len(set(seen)) == 4
        index.search(E0, 3)
        index.delete(["not there"])
        assert index.generation == seen[-1]

    def test_vectors_for(self, index: VectorIndex) -> None:
        np.testing.assert_allclose(index.vectors_for(["c", "a"]), np.stack([TOY["c"], TOY["a"]]))
        assert index.vectors_for([]).shape == (0, DIM)
        with pytest.raises(KeyError):
            index.vectors_for(["a", "nope"])


class TestWrites:
    def test_upsert_replaces(self, index: VectorIndex) -> None:
        index.upsert(["e", "g"], np.stack([unit(1, 0.01, 0, 0), unit(0, 1, 0, 0)]))
        assert len(index) == len(TOY) + 1
        assert ids(index.search(E0, 2)[0]) == ["a", "e"]
        assert ids(index.search(unit(0, 0, 1, 0), 1)[0]) == ["f"]
        np.testing.assert_allclose(index.vectors_for(["e"])[0], unit(1, 0.01, 0, 0))

    def test_repeated_id_in_one_batch_keeps_last(self, index: VectorIndex) -> None:
        index.upsert(["x", "x"], np.stack([E3, E0]))
        assert len(index) == len(TOY) + 1
        np.testing.assert_allclose(index.vectors_for(["x"])[0], E0)

    def test_delete_removes(self, index: VectorIndex) -> None:
        index.delete(["a", "missing"])
        assert len(index) == len(TOY) - 1
        assert ids(index.search(E0, 3)[0]) == ["b", "c", "d"]
        assert "a" not in index
        assert index.search(E0, 5, allowed=["a"]) == [[]]
        with pytest.raises(KeyError):
            index.vectors_for(["a"])

    def test_delete_then_upsert_again(self, index: VectorIndex) -> None:
        index.delete(["a"])
        index.upsert(["a"], TOY["a"][None, :])
        assert ids(index.search(E0, 1)[0]) == ["a"]
        assert len(index) == len(TOY)

    def test_many_deletes_rebuild(self, kind: str) -> None:
        rng = np.random.default_rng(3)
        vectors = normalised(rng.standard_normal((200, 16)))
        names = [f"p{i}" for i in range(200)]
        index = VectorIndex.build(names, vectors, 16, KINDS[kind])
        index.delete(names[:150])
        assert len(index) == 50
        assert index.kind == kind
        hits = index.search(vectors[150:160], 1)
        assert [ids(h) for h in hits] == [[name] for name in names[150:160]]


class TestPersistence:
    def test_save_load_roundtrip(self, index: VectorIndex, kind: str, tmp_path: Path) -> None:
        index.delete(["f"])
        index.upsert(["b"], unit(1, 0.05, 0, 0)[None, :])
        before = index.search(np.stack([E0, E23]), 5)
        index.save(tmp_path / "vector")
        loaded = VectorIndex.load(tmp_path / "vector", KINDS[kind])
        assert loaded.kind == kind
        assert len(loaded) == len(index)
        assert [ids(h) for h in loaded.search(np.stack([E0, E23]), 5)] == [ids(h) for h in before]
        np.testing.assert_allclose(loaded.vectors_for(["b"]), index.vectors_for(["b"]))
        files = {"flat": ["vectors.npy"], "hnsw": ["vectors.npy", "index.faiss"], "ivf": ["index.faiss"]}
        assert sorted(p.name for p in (tmp_path / "vector").iterdir()) == sorted(["ids.json", *files[kind]])

    def test_loaded_index_accepts_writes(self, index: VectorIndex, kind: str, tmp_path: Path) -> None:
        index.save(tmp_path)
        loaded = VectorIndex.load(tmp_path, KINDS[kind])
        loaded.upsert(["g"], E3[None, :])
        loaded.delete(["a"])
        assert ids(loaded.search(E3, 1)[0]) == ["g"]
        assert ids(loaded.search(E0, 1)[0]) == ["b"]

    def test_mismatched_files_rejected(self, index: VectorIndex, kind: str, tmp_path: Path) -> None:
        index.save(tmp_path)
        other = VectorIndex.build(["z"], E0[None, :], DIM, KINDS[kind])
        other.save(tmp_path / "other")
        vectors_file = "index.faiss" if kind == "ivf" else "vectors.npy"
        (tmp_path / "other" / vectors_file).replace(tmp_path / vectors_file)
        with pytest.raises(ValueError):
            VectorIndex.load(tmp_path, KINDS[kind])


def normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = matrix.astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.mark.parametrize("approximate", APPROXIMATE)
def test_approximate_recall_against_exact(approximate: str) -> None:
    rng = np.random.default_rng(7)
    dim, n, n_queries, k = 32, 5_000, 200, 10
    vectors = normalised(rng.standard_normal((n, dim)))
    queries = normalised(rng.standard_normal((n_queries, dim)))
    names = [str(i) for i in range(n)]
    exact = VectorIndex.build(names, vectors, dim, VectorConfig())
    config = VectorConfig(exact_max_items=0, approximate=approximate)
    approx = VectorIndex.build(names, vectors, dim, config)
    assert (exact.kind, approx.kind) == ("flat", approximate)
    truth = [set(ids(hits)) for hits in exact.search(queries, k)]
    found = [set(ids(hits)) for hits in approx.search(queries, k)]
    recall = np.mean([len(t & f) / k for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95


@pytest.mark.parametrize("approximate", APPROXIMATE)
def test_filtered_approximate_matches_exact(approximate: str) -> None:
    rng = np.random.default_rng(11)
    dim, n = 16, 2_000
    vectors = normalised(rng.standard_normal((n, dim)))
    names = [str(i) for i in range(n)]
    allowed = np.array(names[::7])
    query = vectors[5]
    exact = VectorIndex.build(names, vectors, dim, VectorConfig())
    for filter_exact_max in (0, 10_000):  # approximate search with a selector, then exhaustive
        config = VectorConfig(
            exact_max_items=0,
            filter_exact_max=filter_exact_max,
            approximate=approximate,
            ivf_lists=40,
            ivf_nprobe=4,  # a selector of 1 in 7 widens IVF to 28 lists
        )
        approx = VectorIndex.build(names, vectors, dim, config)
        hits = approx.search(query, 10, allowed=allowed)[0]
        assert set(ids(hits)) <= set(allowed)
        overlap = set(ids(hits)) & set(ids(exact.search(query, 10, allowed=allowed)[0]))
        assert len(overlap) >= 9


@pytest.mark.parametrize("approximate", APPROXIMATE)
def test_tombstones_survive_save_and_load(tmp_path: Path, approximate: str) -> None:
    rng = np.random.default_rng(5)
    vectors = normalised(rng.standard_normal((100, 8)))
    names = [f"p{i}" for i in range(100)]
    config = VectorConfig(exact_max_items=0, hnsw_m=8, approximate=approximate)
    index = VectorIndex.build(names, vectors, 8, config)
    index.delete(names[:10])
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, config)
    assert loaded.kind == approximate
    assert len(loaded) == 90
    assert ids(loaded.search(vectors[0], 1)[0]) != ["p0"]
    assert ids(loaded.search(vectors[50], 1)[0]) == ["p50"]
    assert all("p0" not in ids(hits) for hits in loaded.search(vectors[:10], 90))


def test_ivf_uses_many_lists_and_widens_for_sparse_selections() -> None:
    rng = np.random.default_rng(13)
    vectors = normalised(rng.standard_normal((4_000, 16)))
    names = [str(i) for i in range(4_000)]
    index = VectorIndex.build(names, vectors, 16, VectorConfig(exact_max_items=0, ivf_nprobe=1))
    assert index.kind == "ivf"
    # 4 * sqrt(4000) = 252 lists wanted, capped so that k-means has 39 points a list
    assert index._index.nlist == 4_000 // 39
    allowed = np.array(names[::500])  # 8 products, most of them in lists one probe never reads
    hits = index.search(vectors[0], 8, allowed=allowed)[0]
    assert sorted(ids(hits), key=int) == list(allowed)


def test_a_capped_filtered_ivf_search_searches_on_when_its_lists_hold_fewer_than_k() -> None:
    rng = np.random.default_rng(17)
    vectors = normalised(rng.standard_normal((4_000, 16)))
    names = [str(i) for i in range(4_000)]
    flat = VectorIndex.build(names, vectors, 16, VectorConfig())
    capped = VectorIndex.build(names, vectors, 16, VectorConfig(
        exact_max_items=0, ivf_lists=100, ivf_nprobe=2, ivf_filter_max_nprobe=4, filter_exact_max=0,
    ))  # fmt: skip
    # a wide selection: 4 of 100 lists hold at least 10 of its rows, so the capped search answers
    wide = np.array(names[::2])
    hits = capped.search(vectors[2], 10, allowed=wide)[0]
    assert set(ids(hits)) <= set(wide) and len(hits) == 10
    assert ids(hits)[0] == ids(flat.search(vectors[2], 1, allowed=wide)[0])[0] == "2"
    # 8 rows spread over the lists: 4 lists hold fewer than 8 of them, so every list is searched
    sparse = np.array(names[::500])
    hits = capped.search(vectors[0], 8, allowed=sparse)[0]
    assert sorted(ids(hits), key=int) == list(sparse)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_filter_row_map_is_patched_after_changes_as_a_recomputation_gives_it(kind: str) -> None:
    """LiveIndex.patch_vector_rows updates the table-row -> vector-row map for the changed ids
    only; it must equal what a full recomputation gives, and step aside after a renumbering."""
    from shelfwise.records import Product
    from shelfwise.search.live_index import LiveIndex
    from shelfwise.search.table import ProductTable

    def change(live: LiveIndex, upserted: dict[str, np.ndarray], deleted: list[str]) -> None:
        before = (live.table, live.vector.generation, live.vector.layout)
        if upserted:
            live.vector.upsert(list(upserted), np.stack(list(upserted.values())))
        live.vector.delete(deleted)
        products = [Product(product_id=pid, title=pid) for pid in upserted]
        live.table = live.table.with_changes(products, deleted)
        live.patch_vector_rows(before, list(upserted) + deleted)

    vector = VectorIndex.build(list(TOY), np.stack(list(TOY.values())), DIM, KINDS[kind])
    table = ProductTable.build([Product(product_id=pid, title=pid) for pid in [*TOY, "no-vector"]])
    live = LiveIndex("v", Path("."), None, None, vector, table)  # type: ignore[arg-type]
    live.vector_rows()
    steps = [({"g": unit(1, 1, 0, 0)}, []), ({"b": unit(0, 1, 0, 0)}, ["c"]), ({}, ["a", "zzz"])]
    for upserted, deleted in steps:
        layout = live.vector.layout
        change(live, upserted, deleted)
        cached = live._vector_rows  # noqa: SLF001
        if live.vector.layout != layout:  # renumbered: left to the next use
            assert cached is None or cached[0] is not live.table
        else:
            assert cached is not None and cached[0] is live.table
        assert np.array_equal(live.vector_rows(), live.vector.rows_of(live.table.ids))


def test_a_deferred_rebuild_is_built_beside_the_index_it_replaces(kind: str) -> None:
    """With `compact` off, tombstones past rebuild_dead_fraction stay until the caller builds
    `rebuilt()`: a new index with the same answers, the old one untouched meanwhile."""
    vectors = normalised(np.random.default_rng(9).standard_normal((60, 8)))
    names = [f"p{i}" for i in range(60)]
    index = VectorIndex.build(names, vectors, 8, KINDS[kind])
    index.delete(names[:20], compact=False)
    index.upsert(["p20"], vectors[:1], compact=False)
    assert index.due_for_rebuild
    generation, layout = index.generation, index.layout
    fresh = index.rebuilt()
    assert (index.generation, index.layout) == (generation, layout)
    assert fresh is not index and not fresh.due_for_rebuild
    assert sorted(fresh.product_ids()) == sorted(index.product_ids())
    queries = vectors[20:30]
    assert [ids(h) for h in fresh.search(queries, 5)] == [ids(h) for h in index.search(queries, 5)]
    index.delete(names[21:25])  # compacting by default, as before
    assert not index.due_for_rebuild and index.layout != layout


DELTA_CONFIGS = {
    name: config.model_copy(update={"delta_max_fraction": 0.5}) for name, config in KINDS.items()
}


def random_index(kind: str, n: int = 120, seed: int = 3) -> tuple[VectorIndex, np.ndarray]:
    vectors = normalised(np.random.default_rng(seed).standard_normal((n, 8)))
    return VectorIndex.build([f"p{i}" for i in range(n)], vectors, 8, DELTA_CONFIGS[kind]), vectors


def same_answers(a: VectorIndex, b: VectorIndex, queries: np.ndarray) -> None:
    assert sorted(a.product_ids()) == sorted(b.product_ids())
    assert [ids(h) for h in a.search(queries, 10)] == [ids(h) for h in b.search(queries, 10)]
    np.testing.assert_allclose(a.vectors_for(a.product_ids()), b.vectors_for(a.product_ids()))


def saved_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class TestDeltaSaves:
    def changes(self, index: VectorIndex, round_: int) -> None:
        rng = np.random.default_rng(100 + round_)
        index.upsert([f"new{round_}-{i}" for i in range(4)], normalised(rng.standard_normal((4, 8))))
        index.upsert([f"p{round_}"], normalised(rng.standard_normal((1, 8))))  # replaced
        index.delete([f"p{50 + round_}"])

    def test_a_later_save_writes_only_the_changes(self, kind: str, tmp_path: Path) -> None:
        index, vectors = random_index(kind)
        index.save(tmp_path)
        whole = {name: (tmp_path / name).read_bytes() for name in saved_files(tmp_path)}
        for round_ in (1, 2):
            self.changes(index, round_)
            index.save(tmp_path)
        assert saved_files(tmp_path) == sorted([*whole, "delta-00001.npz", "delta-00002.npz"])
        assert all((tmp_path / name).read_bytes() == body for name, body in whole.items())
        loaded = VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])
        same_answers(loaded, index, vectors[:20])
        assert "p51" not in loaded and "new2-3" in loaded

    def test_a_loaded_index_goes_on_with_deltas(self, kind: str, tmp_path: Path) -> None:
        index, vectors = random_index(kind)
        index.upsert(["x"], vectors[:1])
        index.save(tmp_path)
        index.upsert(["y"], vectors[1:2])
        index.save(tmp_path)
        loaded = VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])
        loaded.upsert(["z"], vectors[2:3])
        loaded.save(tmp_path)
        assert "delta-00002.npz" in saved_files(tmp_path)
        again = VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])
        same_answers(again, loaded, vectors[:10])

    def test_nothing_changed_writes_nothing(self, kind: str, tmp_path: Path) -> None:
        index, _ = random_index(kind)
        index.save(tmp_path)
        stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
        index.save(tmp_path)
        assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps

    def test_too_many_changed_rows_save_whole_and_drop_the_deltas(self, kind: str, tmp_path: Path) -> None:
        index, vectors = random_index(kind)
        index.save(tmp_path)
        self.changes(index, 1)
        index.save(tmp_path)
        assert "delta-00001.npz" in saved_files(tmp_path)
        index.upsert([f"bulk{i}" for i in range(70)], vectors[:70])  # past half the saved rows
        index.save(tmp_path)
        assert not [name for name in saved_files(tmp_path) if name.startswith("delta-")]
        same_answers(VectorIndex.load(tmp_path, DELTA_CONFIGS[kind]), index, vectors[:10])

    def test_hnsw_deltas_stop_at_the_rows_an_open_replays_quickly(self, kind: str, tmp_path: Path) -> None:
        config = DELTA_CONFIGS[kind].model_copy(update={"hnsw_delta_max_rows": 8})
        vectors = normalised(np.random.default_rng(3).standard_normal((120, 8)))
        index = VectorIndex.build([f"p{i}" for i in range(120)], vectors, 8, config)
        index.save(tmp_path)
        self.changes(index, 1)  # 5 changed rows: within the cap
        index.save(tmp_path)
        assert "delta-00001.npz" in saved_files(tmp_path)
        self.changes(index, 2)  # 10 rows since the whole save: past it for HNSW only
        index.save(tmp_path)
        deltas = [name for name in saved_files(tmp_path) if name.startswith("delta-")]
        assert deltas == ([] if kind == "hnsw" else ["delta-00001.npz", "delta-00002.npz"])
        same_answers(VectorIndex.load(tmp_path, config), index, vectors[:10])

    def test_a_rebuild_saves_whole(self, kind: str, tmp_path: Path) -> None:
        index, vectors = random_index(kind)
        index.save(tmp_path)
        index.delete([f"p{i}" for i in range(30)])  # past rebuild_dead_fraction: rows renumbered
        index.save(tmp_path)
        assert not [name for name in saved_files(tmp_path) if name.startswith("delta-")]
        same_answers(VectorIndex.load(tmp_path, DELTA_CONFIGS[kind]), index, vectors[:10])

    def test_zero_fraction_always_saves_whole(self, kind: str, tmp_path: Path) -> None:
        config = KINDS[kind].model_copy(update={"delta_max_fraction": 0.0})
        index = VectorIndex.build(list(TOY), np.stack(list(TOY.values())), DIM, config)
        index.save(tmp_path)
        index.upsert(["g"], E3[None, :])
        index.save(tmp_path)
        assert not [name for name in saved_files(tmp_path) if name.startswith("delta-")]

    def test_deltas_of_an_earlier_whole_save_are_ignored(self, kind: str, tmp_path: Path) -> None:
        index, vectors = random_index(kind)
        index.save(tmp_path)
        self.changes(index, 1)
        index.save(tmp_path)
        stale = (tmp_path / "delta-00001.npz").read_bytes()
        index.upsert([f"bulk{i}" for i in range(70)], vectors[:70])
        index.save(tmp_path)  # whole again: a crash could have left the old delta behind
        (tmp_path / "delta-00001.npz").write_bytes(stale)
        same_answers(VectorIndex.load(tmp_path, DELTA_CONFIGS[kind]), index, vectors[:10])

    def test_a_missing_delta_is_an_error(self, kind: str, tmp_path: Path) -> None:
        index, _ = random_index(kind)
        index.save(tmp_path)
        for round_ in (1, 2):
            self.changes(index, round_)
            index.save(tmp_path)
        (tmp_path / "delta-00001.npz").unlink()
        with pytest.raises(ValueError, match="missing"):
            VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])

    def test_a_damaged_delta_is_an_error(self, kind: str, tmp_path: Path) -> None:
        index, _ = random_index(kind)
        index.save(tmp_path)
        self.changes(index, 1)
        index.save(tmp_path)
        body = (tmp_path / "delta-00001.npz").read_bytes()
        (tmp_path / "delta-00001.npz").write_bytes(body[: len(body) // 2])
        with pytest.raises(ValueError, match="delta-00001.npz"):
            VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])

    def test_a_folder_of_the_first_format_loads_and_is_saved_whole_next(
        self, kind: str, tmp_path: Path
    ) -> None:
        index, vectors = random_index(kind)
        index.save(tmp_path)
        meta = json.loads((tmp_path / "ids.json").read_text())
        meta["format"] = 1
        del meta["token"]
        (tmp_path / "ids.json").write_text(json.dumps(meta))
        loaded = VectorIndex.load(tmp_path, DELTA_CONFIGS[kind])
        same_answers(loaded, index, vectors[:10])
        loaded.upsert(["g"], vectors[:1])
        loaded.save(tmp_path)
        assert json.loads((tmp_path / "ids.json").read_text())["format"] == 2
        assert not [name for name in saved_files(tmp_path) if name.startswith("delta-")]


@pytest.mark.parametrize("kind", list(KINDS))
def test_compacts_on_save_says_when_a_save_would_rebuild_in_place(kind: str, tmp_path: Path) -> None:
    """Only a flat index with tombstones, saved whole, is rebuilt by its save: a caller that
    shares the index with readers builds the compacted one beside it instead."""
    for fraction, whole in ((0.5, False), (0.0, True)):
        config = KINDS[kind].model_copy(update={"delta_max_fraction": fraction})
        index = VectorIndex.build(list(TOY), np.stack(list(TOY.values())), DIM, config)
        folder = tmp_path / f"{fraction}"
        assert index.compacts_on_save(folder) is False  # never saved there, but nothing is dead
        index.save(folder)
        index.delete(["a"], compact=False)
        index.upsert(["g"], E3[None, :], compact=False)  # a new row: past a fraction of 0
        assert index.tombstones == 1
        assert index.compacts_on_save(folder) is (kind == "flat" and whole)
        before = (index.generation, index.layout)
        if not index.compacts_on_save(folder):
            index.save(folder)
            assert (index.generation, index.layout) == before  # the save left the index as it was
