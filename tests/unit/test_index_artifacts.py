"""Versioned index folders: manifests, publishing and pruning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.index import LexicalIndex, VectorIndex
from shelfwise.index.artifacts import (
    IndexManifest,
    IndexVersions,
    read_manifest,
    utc_now_iso,
    write_manifest,
)
from shelfwise.records import Product


def manifest(version: str, **changes: object) -> IndexManifest:
    fields: dict[str, object] = {
        "version": version,
        "created_at": utc_now_iso(),
        "store_seq": 42,
        "encoder": "minilm-l6-v2@abc123",
        "dim": 384,
        "product_count": 1234,
        "vector_kind": "flat",
        "lexical_config": {"title_boost": 2.0, "fuzzy": True},
        "vector_config": {"exact_max_items": 200_000},
        "build_seconds": 3.5,
    }
    fields.update(changes)
    return IndexManifest.model_validate(fields)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def test_manifest_roundtrip(tmp_path: Path) -> None:
    original = manifest("v1", notes={"source": "products.tsv", "rows": [1, 2]})
    write_manifest(tmp_path / "manifest.json", original)
    assert read_manifest(tmp_path / "manifest.json") == original
    assert read_manifest(tmp_path) == original
    assert IndexVersions.read_manifest(tmp_path / "manifest.json") == original
    assert leftovers(tmp_path) == []


def test_manifest_rewrite_replaces_whole_file(tmp_path: Path) -> None:
    write_manifest(tmp_path / "manifest.json", manifest("v1", notes={"long": "x" * 5000}))
    updated = manifest("v1", store_seq=43)
    IndexVersions.write_manifest(tmp_path / "manifest.json", updated)
    assert read_manifest(tmp_path / "manifest.json") == updated
    assert leftovers(tmp_path) == []


def test_new_versions_are_unique_sorted_folders(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    made = [registry.new_version() for _ in range(5)]
    names = [version for version, _ in made]
    assert len(set(names)) == 5
    assert names == sorted(names)
    assert all(path.is_dir() and path.parent == tmp_path / "versions" for _, path in made)
    assert registry.versions() == names


def test_nothing_current_before_first_publish(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    assert registry.current() is None
    assert registry.versions() == []


def test_publish_switches_current(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    first, first_path = registry.new_version()
    registry.publish(first)
    assert registry.current() == (first, first_path)
    second, second_path = registry.new_version()
    assert registry.current() == (first, first_path)  # building does not switch
    registry.publish(second)
    assert registry.current() == (second, second_path)
    assert (tmp_path / "CURRENT").read_text().strip() == second
    assert leftovers(tmp_path) == []


def test_publish_prunes_old_versions(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    names = [registry.new_version()[0] for _ in range(4)]
    registry.publish(names[3])
    assert registry.versions() == names[2:]
    assert not registry.path_of(names[0]).exists()


def test_current_and_newer_builds_are_never_pruned(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path, keep=1)
    old, current, building = (registry.new_version()[0] for _ in range(3))
    registry.publish(current)
    assert registry.versions() == [current, building]
    registry.publish(current)
    assert registry.current() is not None
    assert registry.versions() == [current, building]
    assert old not in registry.versions()


def test_rollback_to_kept_version(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path, keep=2)
    older, newer = registry.new_version()[0], registry.new_version()[0]
    registry.publish(newer)
    registry.publish(older)
    assert registry.current() == (older, registry.path_of(older))
    assert registry.versions() == [older, newer]


def test_publish_unknown_version_fails(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    with pytest.raises(FileNotFoundError):
        registry.publish("20990101T000000000000Z-abcdef")
    assert registry.current() is None


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden"])
def test_bad_version_names_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        IndexVersions(tmp_path).path_of(name)


def test_current_pointing_at_missing_version_is_an_error(tmp_path: Path) -> None:
    registry = IndexVersions(tmp_path)
    version, path = registry.new_version()
    registry.publish(version)
    path.rmdir()
    with pytest.raises(FileNotFoundError):
        registry.current()


def test_rebuild_flow_publishes_a_readable_version(tmp_path: Path) -> None:
    """The engine's rebuild flow: build into a new version, write its manifest, publish, reopen."""
    products = [Product(product_id="a", title="Cordless Drill"), Product(product_id="b", title="Claw Hammer")]
    vectors = np.eye(2, 4, dtype=np.float32)
    registry = IndexVersions(tmp_path)
    version, path = registry.new_version()
    lexical = LexicalIndex.create(path / "lexical", LexicalConfig())
    lexical.upsert(products)
    lexical.close()
    vector = VectorIndex.build(["a", "b"], vectors, 4, VectorConfig())
    vector.save(path / "vector")
    write_manifest(path / "manifest.json", manifest(version, product_count=2, dim=4))
    registry.publish(version)

    current = registry.current()
    assert current is not None and current[0] == version
    assert read_manifest(current[1] / "manifest.json").product_count == 2
    reopened = LexicalIndex.open(current[1] / "lexical", LexicalConfig())
    assert [hit.product_id for hit in reopened.search("hammer", 5)] == ["b"]
    loaded = VectorIndex.load(current[1] / "vector", VectorConfig())
    assert [hit.product_id for hit in loaded.search(vectors[0], 1)[0]] == ["a"]
