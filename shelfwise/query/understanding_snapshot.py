"""Query understanding saved beside an index version, so that opening a large catalog loads it
instead of rebuilding it (at a million products the build is most of a server's start-up).

    folder/
      manifest.json       format, version, the store sequence number it was built at, its parts
      vocabulary.json     the CatalogVocabulary (brands, attribute values, prices, evidence)
      spelling/           the SpellingVocabulary (when spelling correction is on)
      suggest/            the autocomplete index (when /suggest is on)

Only what is derived from the products is saved: synonyms come from configuration and are read
again at load. The folder is written beside its final name and renamed into place, so a reader
finds the previous snapshot or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from shelfwise.config import UnderstandingConfig
from shelfwise.query.attributes import CatalogVocabulary
from shelfwise.query.spelling import SpellingCorrector
from shelfwise.query.spelling_vocabulary import SpellingVocabulary
from shelfwise.query.suggest import Suggester
from shelfwise.query.understand import QueryUnderstanding, configured_synonyms

FORMAT = "shelfwise-understanding"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class UnderstandingSnapshot:
    understanding: QueryUnderstanding
    store_seq: int
    """the store's sequence number when the products it was built from were read"""


def save_understanding(understanding: QueryUnderstanding, folder: Path, store_seq: int) -> None:
    """Write `understanding`'s catalog-derived parts to `folder`, replacing it atomically."""
    if understanding.spelling is not None and understanding.spelling_words is None:
        raise ValueError("this understanding keeps no spelling vocabulary to save")
    staging = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "vocabulary.json").write_text(understanding.vocabulary.to_json(), encoding="utf-8")
    if understanding.spelling_words is not None and understanding.spelling is not None:
        understanding.spelling_words.save(staging / "spelling")
    if understanding.suggester is not None:
        understanding.suggester.save(staging / "suggest")
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "store_seq": store_seq,
        "products": understanding.vocabulary.product_count,
        "spelling": understanding.spelling is not None,
        "suggest": understanding.suggester is not None,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    retired = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    if folder.exists():
        os.replace(folder, retired)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)


def load_understanding(folder: Path, config: UnderstandingConfig) -> UnderstandingSnapshot | None:
    """The snapshot in `folder` when there is one made with the parts `config` asks for (spelling,
    autocomplete); None when there is none or it was made with other parts. A damaged snapshot
    raises ValueError or OSError: the caller rebuilds."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValueError(f"{folder} is not a query understanding snapshot of version {FORMAT_VERSION}")
    if manifest["spelling"] != config.spelling or manifest["suggest"] != config.suggest:
        return None
    vocabulary = CatalogVocabulary.from_json((folder / "vocabulary.json").read_text(encoding="utf-8"))
    words = SpellingVocabulary.load(folder / "spelling") if config.spelling else None
    understanding = QueryUnderstanding(
        vocabulary,
        SpellingCorrector(words) if words is not None else None,
        configured_synonyms(config),
        config,
        Suggester.load(folder / "suggest") if config.suggest else None,
        spelling_words=words,
    )
    return UnderstandingSnapshot(understanding, int(manifest["store_seq"]))
