"""Synonyms: parsing configured lists, expanding queries, mining candidates with known answers, review."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.query.synonyms import (
    MiningConfig,
    SynonymCandidate,
    SynonymRule,
    SynonymSet,
    approve,
    embedding_candidates,
    mine_synonym_candidates,
    parse_synonym_file,
    read_candidates,
    reject,
    review,
    stem_normalizer,
    write_candidates,
)

SOLR_FILE = """\
# appliances
tv, television
fridge => refrigerator

ac, air conditioner, a/c
# bad lines follow, good ones in between must survive
tv =>
lone
sofa, couch
a => b => c
hose, , pipe
comma\\, escaped, escaped comma
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- parsing --------------------------------------------------------------------------------------


def test_solr_file_keeps_good_lines_and_reports_bad_ones_by_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "synonyms.txt", SOLR_FILE)
    parsed = parse_synonym_file(path)
    assert [rule.terms for rule in parsed.rules] == [
        ("tv", "television"),
        ("fridge",),
        ("ac", "air conditioner", "a/c"),
        ("sofa", "couch"),
        ("comma, escaped", "escaped comma"),
    ]
    assert parsed.rules[1].alternatives == ("refrigerator",)
    assert [(error.line, error.reason) for error in parsed.errors] == [
        (7, "empty term (two commas in a row, or a comma at an end)"),
        (8, "an equivalence needs at least two terms"),
        (10, "more than one '=>'"),
        (11, "empty term (two commas in a row, or a comma at an end)"),
    ]
    assert str(parsed.errors[0]).startswith(f"{path}:7: empty term")


def test_from_file_refuses_a_file_with_bad_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "synonyms.txt", SOLR_FILE)
    with pytest.raises(ValueError, match=r"synonyms.txt:8: an equivalence needs"):
        SynonymSet.from_file(path)
    good = _write(tmp_path, "good.txt", "tv, television\n")
    assert len(SynonymSet.from_file(good)) == 1


def test_json_file_with_lists_and_one_way_rules(tmp_path: Path) -> None:
    entries = [
        ["tv", "Television"],
        {"from": "fridge", "to": ["refrigerator"], "weight": 0.7},
        ["lonely"],
        {"from": "x"},
        {"from": "a", "to": "b", "weight": 2},
    ]
    path = _write(tmp_path, "synonyms.json", json.dumps({"synonyms": entries}))
    parsed = parse_synonym_file(path)
    assert [rule.terms for rule in parsed.rules] == [("tv", "television"), ("fridge",)]
    assert parsed.rules[1].weight == 0.7
    assert [error.line for error in parsed.errors] == [3, 4, 5]
    assert parsed.errors[2].reason == "weight: Input should be less than or equal to 1"
    broken = _write(tmp_path, "broken.json", '{"synonyms": [\n  ["a", "b"],\n]')
    (error,) = parse_synonym_file(broken).errors
    assert error.line == 3


# -- expansion ------------------------------------------------------------------------------------


def _rules() -> SynonymSet:
    return SynonymSet(
        [
            SynonymRule.equivalent(["tv", "television"]),
            SynonymRule(terms=("fridge",), alternatives=("refrigerator",), weight=0.9),
            SynonymRule.equivalent(["ac", "air conditioner"], weight=0.8),
        ]
    )


def test_expand_equivalences_both_ways_and_one_way_rules_one_way() -> None:
    synonyms = _rules()
    (tv,) = synonyms.expand(["samsung", "TV"])
    assert (tv.start, tv.end, tv.original, tv.alternative, tv.weight) == (1, 2, "TV", "television", 1.0)
    assert [e.alternative for e in synonyms.expand(["television"])] == ["tv"]
    assert [e.alternative for e in synonyms.expand(["mini", "fridge"])] == ["refrigerator"]
    assert synonyms.expand(["refrigerator"]) == []


def test_expand_multiword_phrases() -> None:
    synonyms = _rules()
    (phrase,) = synonyms.expand(["window", "air", "conditioner", "unit"])
    assert (phrase.start, phrase.end, phrase.alternative, phrase.weight) == (1, 3, "ac", 0.8)
    (short,) = synonyms.expand(["portable", "ac"])
    assert short.alternative == "air conditioner"
    assert synonyms.phrasings(["portable", "ac"]) == [(("portable", "air", "conditioner"), 0.8)]


def test_stem_normalizer_matches_other_forms() -> None:
    synonyms = SynonymSet([SynonymRule.equivalent(["fridge", "refrigerator"])], normalize=stem_normalizer())
    assert [e.alternative for e in synonyms.expand(["fridges"])] == ["refrigerator"]
    assert _rules().expand(["fridges"]) == []


# -- mining ---------------------------------------------------------------------------------------

TITLES = {
    "r1": "Coldmax 18 cu. ft. Frost Free Refrigerator in White",
    "r2": "Coldmax 3 cu. ft. Compact Refrigerator with Freezer",
    "r3": "Coldmax 25 cu. ft. French Door Refrigerator in Stainless Steel",
    "r4": "Coldmax 20 cu. ft. Top Freezer Refrigerator in Black",
    "s1": "Homely 84 in. Modern Leather Couch in Brown",
    "s2": "Homely 96 in. Sectional Fabric Couch in Grey",
    "s3": "Softa 72 in. Velvet Couch with Pillows",
    "t1": "Bemis Round Closed Front Toilet Seat in White",
    "t2": "Bemis Elongated Toilet Seat in Biscuit",
    "t3": "Aqua 2-Piece Comfort Height Toilet in White",
    "m1": "Zap 1.1 cu. ft. Countertop Microwave Oven in White",
    "m2": "Zap 1.9 cu. ft. Over the Range Microwave in Black",
    "k1": "Woodline Kitchen Cabinet Door in Oak",
    "k2": "Woodline Kitchen Cabinet Pulls in Nickel",
}
JUDGMENTS = [
    ("mini fridge", "r2", 3),
    ("mini fridge", "m1", 1),
    ("white fridge", "r1", 3),
    ("white fridge", "m1", 1),
    ("stainless fridge", "r3", 3),
    ("black fridge", "r4", 2.67),
    ("black fridge", "m2", 1),
    ("refrigerator french door", "r3", 3),
    ("black refrigerator", "r4", 3),
    ("coldmax refrigerator", "r1", 3),
    ("coldmax compact", "r2", 3),
    ("leather sofa", "s1", 3),
    ("grey sofa", "s2", 3),
    ("velvet sofa", "s3", 3),
    ("brown couch", "s1", 3),
    ("sectional couch", "s2", 2.67),
    ("round toliet seat", "t1", 3),
    ("toliet seat elongated", "t2", 3),
    ("white toliet", "t3", 3),
    ("toilet seat", "t1", 3),
    ("white toilet", "t3", 3),
    ("kitchen cabinets oak", "k1", 3),
    ("kitchen cabinets nickel", "k2", 3),
    ("cabinets door", "k1", 3),
    ("microwave white", "m1", 3),
    ("microwave black", "m2", 3),
]


def test_mining_finds_the_synonyms_and_skips_spelling_and_stems() -> None:
    candidates = mine_synonym_candidates(JUDGMENTS, TITLES, MiningConfig(min_queries=3))
    pairs = [c.pair for c in candidates]
    assert pairs[:2] == [("fridge", "refrigerator"), ("sofa", "couch")] or pairs[:2] == [
        ("sofa", "couch"),
        ("fridge", "refrigerator"),
    ]
    assert not any("toliet" in pair or "cabinets" in pair for pair in pairs)  # spelling, stems
    fridge = candidates[pairs.index(("fridge", "refrigerator"))]
    assert fridge.status == "pending" and fridge.source == "judgments"
    assert fridge.evidence.queries == 4 and fridge.evidence.irrelevant_pairs == 0
    assert set(fridge.evidence.examples) <= {q for q, _, _ in JUDGMENTS}


def test_spelling_variants_are_mined_only_when_the_filter_is_off() -> None:
    config = MiningConfig(min_queries=3, spelling_distance=0)
    assert ("toliet", "toilet") in [c.pair for c in mine_synonym_candidates(JUDGMENTS, TITLES, config)]


def test_brand_names_are_mined_only_when_the_filter_is_off() -> None:
    config = MiningConfig(min_queries=3, max_leading_share=None)
    assert ("fridge", "coldmax") in [c.pair for c in mine_synonym_candidates(JUDGMENTS, TITLES, config)]


def test_mining_needs_enough_queries() -> None:
    candidates = mine_synonym_candidates(JUDGMENTS, TITLES, MiningConfig(min_queries=5))
    assert candidates == []


def test_irrelevant_pairs_count_against_a_candidate() -> None:
    noisy = JUDGMENTS + [(f"{color} fridge", "m1", 0.5) for color in ("red", "blue", "green", "pink")]
    noisy += [("red fridge", "r9", 1), ("blue fridge", "r9", 1), ("green fridge", "r9", 1)]
    titles = {**TITLES, "r9": "Refrigerator Water Filter"}
    config = MiningConfig(min_queries=3, max_irrelevant_share=0.2)
    assert ("fridge", "refrigerator") not in [c.pair for c in mine_synonym_candidates(noisy, titles, config)]


def test_embedding_neighbours_with_a_known_space() -> None:
    space = {
        "sofa": [1.0, 0.0, 0.0],
        "couch": [0.95, 0.05, 0.0],
        "lamp": [0.0, 1.0, 0.0],
        "drill": [0.0, 0.0, 1.0],
    }

    def embed(terms: list[str]) -> np.ndarray:
        return np.array([space[term] for term in terms], dtype=np.float32)

    (candidate,) = embedding_candidates(list(space), embed, MiningConfig(neighbours=1, min_similarity=0.9))
    assert candidate.pair == ("sofa", "couch") or candidate.pair == ("couch", "sofa")
    assert candidate.source == "embeddings" and candidate.evidence.similarity == pytest.approx(
        0.9986, abs=1e-3
    )


# -- review ---------------------------------------------------------------------------------------


def _candidates() -> list[SynonymCandidate]:
    return [
        SynonymCandidate(term_a="fridge", term_b="refrigerator", score=0.6, source="judgments"),
        SynonymCandidate(term_a="sofa", term_b="couch", score=0.5, source="judgments"),
        SynonymCandidate(term_a="stone", term_b="pallet", score=0.2, source="judgments"),
    ]


def test_only_approved_candidates_become_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "candidates.jsonl"
    assert write_candidates(path, _candidates()) == 3
    assert {c.status for c in read_candidates(path)} == {"pending"}
    assert len(SynonymSet.from_reviewed(path)) == 0
    approve(path, [("refrigerator", "fridge")])  # either order
    reject(path, [("stone", "pallet")])
    assert [c.status for c in read_candidates(path)] == ["approved", "pending", "rejected"]
    synonyms = SynonymSet.from_reviewed(path, weight=0.7)
    assert [(e.alternative, e.weight) for e in synonyms.expand(["mini", "fridge"])] == [("refrigerator", 0.7)]
    assert synonyms.expand(["sofa"]) == [] and synonyms.expand(["stone"]) == []


def test_mining_again_keeps_the_decisions(tmp_path: Path) -> None:
    path = tmp_path / "candidates.jsonl"
    write_candidates(path, _candidates())
    approve(path, [("sofa", "couch")])
    reject(path, [("stone", "pallet")])
    write_candidates(path, _candidates()[:2])  # "stone" is no longer mined
    assert [(c.term_a, c.status) for c in read_candidates(path)] == [
        ("fridge", "pending"),
        ("sofa", "approved"),
        ("stone", "rejected"),
    ]


def test_review_rejects_unknown_pairs_and_read_reports_bad_lines(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="tv"):
        review(_candidates(), [("tv", "television")], "approved")
    path = _write(tmp_path, "candidates.jsonl", _candidates()[0].model_dump_json() + "\n{not json}\n")
    with pytest.raises(ValueError, match=r"candidates.jsonl:2"):
        read_candidates(path)
