"""Compounds the dictionary lacks, read as phrases the catalog holds; English over Chinese."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from shelfwise.query.cedict import parse
from shelfwise.query.compounds import CompoundReader, agent_nouns
from shelfwise.query.translate import Translator, chinese_translation

LINES = [
    "噴 喷 [pen1] /to puff/to spout/to spray/",
    "水 水 [shui3] /water/river/",
    "器 器 [qi4] /device/tool/utensil/",
    "開 开 [kai1] /to open/to start/",
    "門 门 [men2] /door/gate/",
    "鋼 钢 [gang1] /steel/",
    "板 板 [ban3] /board/plank/plate/",
    "釘 钉 [ding1] /nail/to follow closely/",
    "槍 枪 [qiang1] /gun/firearm/spear/",
    "燈泡 灯泡 [deng1 pao4] /light bulb/",
    "耳機 耳机 [er3 ji1] /headphones/earphones/",
    "無線 无线 [wu2 xian4] /wireless/",
]
TITLES = [
    "Garden Water Sprayer 2 Gal.",
    "Hose Spray Nozzle",
    "Automatic Door Opener Kit",
    "Oak Board 1 in. x 6 in.",
    "Pine Board 2 in. x 4 in.",
    "Cedar Board Fence Picket",
    "Hot Rolled Steel Plate 1/4 in.",
    "Pneumatic Framing Nail Gun",
    "Galvanized Common Nail 16d",
]
STOP = {"a", "an", "the", "of", "in", "x"}


class Catalog:
    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = [self.analyze(t) for t in titles]
        self.df = Counter(w for t in self.titles for w in t)

    def analyze(self, text: str) -> frozenset[str]:
        return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP)

    def document_frequency(self, term: str) -> int:
        return self.df[term]

    def together(self, terms: frozenset[str]) -> int:
        return sum(1 for t in self.titles if terms <= t)

    def __len__(self) -> int:
        return len(self.titles)


CATALOG = Catalog(TITLES)
DICTIONARY = parse(LINES)


def translator(compounds: bool = True) -> Translator:
    return Translator(DICTIONARY, CATALOG, segment=lambda text: [text], together=CATALOG.together,
                      compounds=compounds)  # fmt: skip


def reader() -> CompoundReader:
    return CompoundReader(DICTIONARY.lookup, DICTIONARY.verbs, CATALOG.analyze,
                          CATALOG.document_frequency, CATALOG.together)  # fmt: skip


def test_agent_nouns() -> None:
    assert agent_nouns("spray") == ("sprayer", "sprayor")
    assert agent_nouns("sprinkle") == ("sprinkler",)
    assert agent_nouns("cut")[0] == "cutter"
    assert "detector" in agent_nouns("detect")
    assert agent_nouns("open a door") == ()


def test_a_verb_object_compound_with_an_agent_suffix_reads_as_an_agent_noun() -> None:
    # 喷 spray + 水 water + 器 device: the catalog sells "water sprayers"
    assert translator().translate("喷水器").text == "water sprayer"
    assert translator().translate("开门器").text == "door opener"


def test_the_pieces_senses_are_chosen_together_by_the_titles_holding_them() -> None:
    # 板 is "board" in most titles, but the one title with steel says "plate"
    reading = reader().read("钢板", ["钢", "板"])
    assert reading is not None and reading.text == "steel plate" and reading.titles == 1
    assert translator().translate("钉枪").text == "nail gun"


def test_a_compound_no_title_holds_is_left_to_the_word_by_word_choice() -> None:
    assert reader().read("钢门", ["钢", "门"]) is None
    words = translator().translate("钢门").words
    assert [w.source for w in words] == ["钢", "门"] and all(w.split for w in words)


def test_compounds_off_translates_the_pieces_one_by_one() -> None:
    assert translator(compounds=False).translate("喷水器").text != "water sprayer"


def test_english_over_chinese_phrases_and_plurals() -> None:
    titles = ["飞利浦 LED灯泡 9W", "小米 无线耳机 降噪"]

    def held(word: str) -> int:
        return sum(1 for t in titles if word in t)

    translation = chinese_translation("LED light bulbs", DICTIONARY, held)
    assert translation.text == "LED 灯泡"
    assert translation.pairs() == ["light bulbs -> 灯泡"]
    assert chinese_translation("wireless headphones", DICTIONARY, held).text == "无线 耳机"
    assert not chinese_translation("garden hose", DICTIONARY, held).translated


def test_senses_the_catalog_cannot_decide_between_are_searched_beside_the_chosen_one() -> None:
    # 板: "board" in three titles, "plate" in one, "plank" in none
    translation = translator().translate("板")
    assert translation.text == "board"
    assert translation.words[0].close == ("plate",)
    assert translation.alternatives == (("plate", 1.0),)
    assert Translator(DICTIONARY, CATALOG, segment=lambda t: [t], alternative_weight=0.0
                      ).translate("板").alternatives == ()  # fmt: skip


def test_an_agent_suffix_the_segmenter_cut_off_is_put_back() -> None:
    cut = Translator(DICTIONARY, CATALOG, segment=lambda text: ["喷水", "器"] if text == "喷水器" else [text],
                     together=CATALOG.together)  # fmt: skip
    assert cut.translate("喷水器").text == "water sprayer"
