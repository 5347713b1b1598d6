"""Synonym mining, review and expansion on Chinese terms, whose titles and queries are not
separated by spaces ("透明保护套", "透明手机壳")."""

from __future__ import annotations

from pathlib import Path

from shelfwise.query.synonym_mining import MiningConfig, mine_synonym_candidates
from shelfwise.query.synonym_review import approve, write_candidates
from shelfwise.query.synonyms import SynonymRule, SynonymSet, stem_normalizer

TITLES = {
    "c1": "Apple苹果iPhone15透明保护套",
    "c2": "华为Mate60磨砂保护套黑色",
    "c3": "小米14硅胶保护套防摔",
    "c4": "三星S24皮革保护套",
    "e1": "索尼降噪耳机黑色",
    "e2": "漫步者蓝牙耳机白色",
}
JUDGMENTS = [
    ("苹果手机壳", "c1", 3.0),
    ("华为手机壳", "c2", 3.0),
    ("小米手机壳 防摔", "c3", 3.0),
    ("三星手机壳", "c4", 3.0),
    ("华为保护套", "c2", 3.0),
    ("透明保护套", "c1", 3.0),
    ("索尼耳机", "e1", 3.0),
    ("蓝牙耳机", "e2", 3.0),
]
CONFIG = MiningConfig(min_queries=3, min_pmi=0.0)  # PMI needs more data than a unit test has


def test_mining_aligns_chinese_words_inside_unspaced_titles() -> None:
    pairs = [c.pair for c in mine_synonym_candidates(JUDGMENTS, TITLES, CONFIG)]
    assert ("手机壳", "保护套") in pairs


def test_one_character_apart_is_no_spelling_variant_in_chinese() -> None:
    config = CONFIG
    titles = {k: v.replace("保护套", "手机套") for k, v in TITLES.items()}
    judgments = [(q.replace("保护套", "手机套"), p, g) for q, p, g in JUDGMENTS]
    pairs = [c.pair for c in mine_synonym_candidates(judgments, titles, config)]
    assert ("手机壳", "手机套") in pairs


def test_approved_chinese_pair_expands_an_unspaced_query(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.jsonl"
    write_candidates(path, mine_synonym_candidates(JUDGMENTS, TITLES, CONFIG))
    approve(path, [("手机壳", "保护套")])
    synonyms = SynonymSet.from_reviewed(path, normalize=stem_normalizer())
    from shelfwise.query.zh_text import words

    assert [e.alternative for e in synonyms.expand(words("透明手机壳"))] == ["保护套"]


def test_rule_written_as_one_chinese_word_matches_the_segmented_query() -> None:
    from shelfwise.query.zh_text import words

    rules = SynonymSet([SynonymRule.equivalent(("蓝牙耳机", "无线耳机"))])
    assert [e.alternative for e in rules.expand(words("索尼蓝牙耳机"))] == ["无线耳机"]


def test_chinese_phrases_are_written_and_approved_without_spaces(tmp_path: Path) -> None:
    titles = {f"t{i}": f"品牌{i} 无线耳机 黑色" for i in range(6)}  # a title phrase needs 5 titles
    judgments = [(f"蓝牙耳机 品牌{i}", f"t{i}", 3.0) for i in range(4)]
    config = MiningConfig(min_queries=3, min_pmi=0.0, min_term_queries=0, max_leading_share=None)
    mined = mine_synonym_candidates(judgments, titles, config)
    assert ("蓝牙耳机", "无线耳机黑色") in [c.pair for c in mined]  # mined as "蓝牙 耳机"
    path = tmp_path / "synonyms.jsonl"
    write_candidates(path, mined)
    approve(path, [("蓝牙 耳机", "无线耳机黑色")])  # a reviewer may type it either way
    rules = SynonymSet.from_reviewed(path)
    assert [e.alternative for e in rules.expand(["蓝牙", "耳机"])] == ["无线耳机黑色"]
