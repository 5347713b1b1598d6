"""The autocomplete index as one immutable state, and its folder format.

    folder/
      manifest.json     format, version, config, counts, build seconds, sha256 of every file
      entries.json      text, product_id, category, brand per suggestion
      entry_*.npy       kind, count, df, prior, alive per suggestion
      key_*.npy         sorted keys, their suggestion rows and word positions
      row_*.npy         the word ids of each suggestion (CSR)
      vocabulary.json   words in id order and their frequencies

`save_state` writes a sibling temporary folder and renames it into place, so a reader sees the old
folder or the new one. No pickle: arrays load with allow_pickle=False.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.artifact_files import file_sha256
from shelfwise.query.suggest.entries import EntryTable
from shelfwise.query.suggest.keys import KeyIndex
from shelfwise.query.suggest.types import KINDS, PRODUCT, QUERY, SuggestConfig
from shelfwise.query.suggest.vocab import Vocabulary
from shelfwise.query.suggest.words import WordRows

FORMAT = "shelfwise-suggest"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
POPULAR_KEEP = 200
_ENTRY_ARRAYS = ("kind", "count", "df", "prior", "alive")
_KEY_ARRAYS = ("keys", "entry", "pos")


@dataclass(frozen=True)
class SuggestState:
    """Everything one suggest call reads; replaced as a whole on every update."""

    table: EntryTable
    keys: KeyIndex
    vocab: Vocabulary
    words: WordRows
    scores: np.ndarray  # float32 static score per row, -inf when removed
    popular: np.ndarray  # rows shown for an empty prefix, best first


def make_state(
    table: EntryTable, keys: KeyIndex, vocab: Vocabulary, words: WordRows, config: SuggestConfig
) -> SuggestState:
    scores = table.static_scores(config)
    return SuggestState(table, keys, vocab, words, scores, popular_rows(table, scores, POPULAR_KEEP))


def popular_rows(table: EntryTable, scores: np.ndarray, keep: int) -> np.ndarray:
    """Most popular queries first, then other non-product suggestions, best score first."""
    order = np.argsort(-scores, kind="stable")
    order = order[np.isfinite(scores[order])]
    kinds = table.kind[order]
    queries = order[kinds == QUERY][:keep]
    others = order[(kinds != QUERY) & (kinds != PRODUCT)][: keep - len(queries)]
    return np.concatenate([queries, others]).astype(np.int64)


def _write_files(folder: Path, state: SuggestState) -> None:
    table = state.table
    entries = {
        "text": list(table.text),
        "product_id": list(table.product_id),
        "category": list(table.category),
        "brand": list(table.brand),
    }
    (folder / "entries.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    for name in _ENTRY_ARRAYS:
        np.save(folder / f"entry_{name}.npy", getattr(table, name), allow_pickle=False)
    for name in _KEY_ARRAYS:
        np.save(folder / f"key_{name}.npy", getattr(state.keys, name), allow_pickle=False)
    np.save(folder / "row_start.npy", state.words.row_start, allow_pickle=False)
    np.save(folder / "row_word.npy", state.words.row_word, allow_pickle=False)
    vocabulary = {"words": state.vocab.by_id, "counts": [state.vocab.counts[w] for w in state.vocab.by_id]}
    (folder / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")


def save_state(folder: Path, state: SuggestState, config: SuggestConfig, notes: dict[str, Any]) -> None:
    """Write state to folder, replacing what is there."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        _write_files(staging, state)
        kinds = np.bincount(state.table.kind, minlength=len(KINDS))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "config": config.model_dump(mode="json"),
            "counts": {
                "suggestions": len(state.table),
                "live": int(state.table.alive.sum()),
                "by_kind": {kind: int(kinds[code]) for code, kind in enumerate(KINDS)},
                "keys": len(state.keys),
                "words": len(state.vocab),
            },
            "notes": notes,
            "files": {path.name: file_sha256(path) for path in sorted(staging.iterdir())},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, folder: Path) -> None:
    retired = None
    if folder.exists():
        retired = folder.with_name(f".{folder.name}.old-{os.getpid()}-{id(staging)}")
        os.replace(folder, retired)
    os.replace(staging, folder)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValueError(f"{folder} is not a {FORMAT} v{FORMAT_VERSION} folder")
    return manifest


def load_state(folder: Path) -> tuple[SuggestState, SuggestConfig, dict[str, Any]]:
    """Read what `save_state` wrote; raises ValueError when a file does not match its hash."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for name, expected in manifest["files"].items():
        if file_sha256(folder / name) != expected:
            raise ValueError(f"{folder / name} does not match its manifest hash")
    config = SuggestConfig.model_validate(manifest["config"])
    entries = json.loads((folder / "entries.json").read_text(encoding="utf-8"))
    arrays = {name: np.load(folder / f"entry_{name}.npy", allow_pickle=False) for name in _ENTRY_ARRAYS}
    table = EntryTable(
        text=tuple(entries["text"]),
        product_id=tuple(entries["product_id"]),
        category=tuple(entries["category"]),
        brand=tuple(entries["brand"]),
        **arrays,
    )
    keys = KeyIndex(**{name: np.load(folder / f"key_{name}.npy", allow_pickle=False) for name in _KEY_ARRAYS})
    vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
    vocab = Vocabulary(dict(zip(vocabulary["words"], vocabulary["counts"], strict=True)))
    words = WordRows.from_rows(
        np.load(folder / "row_start.npy", allow_pickle=False),
        np.load(folder / "row_word.npy", allow_pickle=False),
        len(vocab),
    )
    return make_state(table, keys, vocab, words, config), config, manifest
