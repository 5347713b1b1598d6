"""The catalog's language: detected from its titles, kept in the data folder, and choosing the
encoder (multilingual for Chinese shops unless encoder.name is set; English shops unchanged)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.language import detect_language
from shelfwise.language.catalog import (
    LANGUAGE_FILE,
    CatalogLanguage,
    encoder_for,
    resolve_catalog_language,
    settings_for_data_dir,
    stored_language,
    with_language,
)

CHINESE = ["小米 Redmi Buds 5 真无线蓝牙耳机 主动降噪 黑色", "夏季碎花连衣裙", "苏泊尔 不粘炒锅 32cm"]
ENGLISH = ["Ceramic Coffee Mug 12 oz", "Husky 30x80 in. Steel Door", "Sony WH-1000XM5 Headphones"]


@pytest.mark.parametrize(
    ("titles", "language"),
    [
        (CHINESE, "zh"),
        (ENGLISH, "en"),
        (ENGLISH * 3 + CHINESE[:1], "zh"),  # mixed: 1 in 10 is Chinese
        (ENGLISH * 20 + CHINESE[:1], "en"),
        (["Кофта шерстяная", "Mug"], "multi"),
        ([], "en"),
        (["😀 🎧", "１２３"], "en"),
    ],
)
def test_language_from_titles(titles: list[str], language: str) -> None:
    assert detect_language(titles) == language


def test_detected_language_is_kept_and_wins_over_later_titles(tmp_path: Path) -> None:
    first = resolve_catalog_language("auto", tmp_path, lambda: iter(CHINESE))
    assert first == CatalogLanguage("zh", "detected", 3)
    assert json.loads((tmp_path / LANGUAGE_FILE).read_text())["language"] == "zh"
    assert resolve_catalog_language("auto", tmp_path, lambda: iter(ENGLISH)) == first


def test_an_empty_catalog_is_english_until_it_has_titles(tmp_path: Path) -> None:
    decision = resolve_catalog_language("auto", tmp_path, lambda: iter(()))
    assert decision == CatalogLanguage("en", "default") and not decision.settled
    assert not (tmp_path / LANGUAGE_FILE).exists()


def test_configured_language_wins_and_is_kept(tmp_path: Path) -> None:
    resolve_catalog_language("auto", tmp_path, lambda: iter(CHINESE))
    assert resolve_catalog_language("en", tmp_path, lambda: iter(CHINESE)).language == "en"
    assert stored_language(tmp_path) == CatalogLanguage("en", "configured")


def test_unreadable_decision_is_decided_again(tmp_path: Path) -> None:
    (tmp_path / LANGUAGE_FILE).write_text("{not json")
    assert resolve_catalog_language("auto", tmp_path, lambda: iter(CHINESE)).language == "zh"


def test_chinese_shops_get_the_multilingual_encoder_unless_one_is_named() -> None:
    assert encoder_for(EncoderConfig(), "zh").name == "multilingual-e5-small"
    assert encoder_for(EncoderConfig(threads=2), "multi").name == "multilingual-e5-small"
    assert encoder_for(EncoderConfig(name="minilm"), "zh").name == "minilm"
    assert encoder_for(EncoderConfig(name="hashing"), "zh").name == "hashing"
    settings = Settings(data_dir=Path("x"))
    assert with_language(settings, "en") is settings


def test_commands_load_the_encoder_the_shop_runs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings_for_data_dir(settings) is settings
    resolve_catalog_language("auto", tmp_path, lambda: iter(CHINESE))
    assert settings_for_data_dir(settings).encoder.name == "multilingual-e5-small"


def test_a_folder_that_cannot_be_written_still_gets_a_language(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert resolve_catalog_language("auto", blocked, lambda: iter(CHINESE)).language == "zh"
