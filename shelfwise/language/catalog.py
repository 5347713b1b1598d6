"""The language a shop runs in, decided once and kept in its data folder.

The encoder must be chosen before the index is built, so the decision is made when a shop first
has products (`resolve_catalog_language`: a sample of the stored titles, `detect_language`) and
written to `catalog_language.json`, which serving, training and rebuilds all read
(`stored_language`). A configured language (`catalog.language` other than auto) wins and is
written too. A catalog that changes language later is a rebuild: set `catalog.language`, or
delete the file, then `shelfwise index`.

What the language changes (`encoder_for`): zh and multi get the multilingual encoder unless
`encoder.name` is set explicitly; zh gets Chinese lexical analysis (the index's own business).
An English shop keeps every default.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Literal

from shelfwise.config import EncoderConfig, Settings
from shelfwise.language.detect import LANGUAGES, SAMPLE_TITLES, Language, detect_language

LANGUAGE_FILE = "catalog_language.json"
MULTILINGUAL_ENCODER = "multilingual-e5-small"
Source = Literal["configured", "detected", "default"]
logger = logging.getLogger("shelfwise.language")


@dataclass(frozen=True)
class CatalogLanguage:
    """A shop's language, and where it came from: `configured` (catalog.language), `detected`
    (from `sampled` titles) or `default` (no products yet: English, decided again later)."""

    language: Language
    source: Source
    sampled: int = 0

    @property
    def settled(self) -> bool:
        return self.source != "default"


def stored_language(data_dir: Path) -> CatalogLanguage | None:
    """The decision kept in the data folder, if any (an unreadable file is logged and ignored)."""
    path = data_dir / LANGUAGE_FILE
    if not path.exists():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        language, source = payload["language"], payload["source"]
        if language not in LANGUAGES or source not in ("configured", "detected"):
            raise ValueError(f"language {language!r}, source {source!r}")
        return CatalogLanguage(language, source, int(payload.get("sampled", 0)))
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("%s is unreadable (%s): the language is decided again", path, error)
        return None


def save_language(data_dir: Path, decision: CatalogLanguage) -> None:
    """Keep the decision (atomically); a data folder that cannot be written is logged, and the
    language is decided again next time."""
    payload = {"language": decision.language, "source": decision.source, "sampled": decision.sampled}
    path = data_dir / LANGUAGE_FILE
    temporary = path.with_name(f".{LANGUAGE_FILE}.{os.getpid()}.tmp")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(payload) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        logger.warning("could not keep the catalog language in %s: %s", path, error)


def resolve_catalog_language(
    configured: str, data_dir: Path, titles: Callable[[], Iterable[str]]
) -> CatalogLanguage:
    """The shop's language: the configured one (kept), else the kept decision, else detected from
    a sample of `titles()` (kept), else English by default (not kept: the catalog is empty)."""
    stored = stored_language(data_dir)
    if configured != "auto":
        decision = CatalogLanguage(configured, "configured")  # type: ignore[arg-type]
        if stored != decision:
            save_language(data_dir, decision)
        return decision
    if stored is not None:
        return stored
    sample = list(islice(titles(), SAMPLE_TITLES))
    if not sample:
        return CatalogLanguage("en", "default")
    decision = CatalogLanguage(detect_language(sample), "detected", len(sample))
    save_language(data_dir, decision)
    logger.info("catalog language %s (from %d titles)", decision.language, decision.sampled)
    return decision


def encoder_for(config: EncoderConfig, language: Language) -> EncoderConfig:
    """The encoder settings for a shop in `language`: the multilingual encoder for zh and multi,
    unless encoder.name was set explicitly."""
    if language == "en" or "name" in config.model_fields_set or config.name == MULTILINGUAL_ENCODER:
        return config
    return config.model_copy(update={"name": MULTILINGUAL_ENCODER})


def with_language(settings: Settings, language: Language) -> Settings:
    """Settings whose encoder follows the shop's language (unchanged for English)."""
    encoder = encoder_for(settings.encoder, language)
    return settings if encoder is settings.encoder else settings.model_copy(update={"encoder": encoder})


def settings_for_data_dir(settings: Settings) -> Settings:
    """Settings whose encoder follows the language configured or kept in the data folder (for
    commands that load the encoder without opening the shop: evaluation, training)."""
    if settings.catalog.language != "auto":
        return with_language(settings, settings.catalog.language)
    stored = stored_language(settings.data_dir)
    return settings if stored is None else with_language(settings, stored.language)
