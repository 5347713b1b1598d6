"""Dictionary translation of Chinese queries into an English catalog's words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from shelfwise.query.cedict import clean_sense, load_cedict, parse
from shelfwise.query.translate import Translator, english_to_chinese, split_known
from shelfwise.records import Product

LINES = [
    "# CC-CEDICT test excerpt",
    "無線 无线 [wu2 xian4] /wireless/",
    "耳機 耳机 [er3 ji1] /headphones/earphones/telephone receiver/",
    "不銹鋼 不锈钢 [bu4 xiu4 gang1] /stainless steel/",
    "炒鍋 炒锅 [chao3 guo1] /wok/frying pan/",
    "瓦 瓦 [wa3] /roof tile/abbr. for 瓦特[wa3 te4], watt/",
    "瓦特 瓦特 [wa3 te4] /watt/",
    "燈泡 灯泡 [deng1 pao4] /light bulb/CL:個|个[ge4]/",
    "鎖 锁 [suo3] /to lock up/lock/",
    "板 板 [ban3] /board/plank/surname Ban/",
    "石膏 石膏 [shi2 gao1] /gypsum/",
    "吊扇 吊扇 [diao4 shan4] /a ceiling fan/a punka/",
    "this line is malformed",
]
TITLES = [
    "Voltrix Wireless Noise Cancelling Headphones",
    "Chefline 14 in. Stainless Steel Wok",
    "Chefline Nonstick Frying Pan",
    "Brightway 60 Watt Light Bulb",
    "Gypsum Board 4 ft. x 8 ft.",
    "Hunter 52 in. Ceiling Fan",
]
STOP = {"a", "an", "the", "of", "in", "x", "to"}


class Catalog:
    """Titles' words as a catalog vocabulary (lower case, stop words left out)."""

    def __init__(self, titles: Sequence[str]) -> None:
        self.df = Counter(w for t in titles for w in self.analyze(t))
        self.size = len(titles)

    def analyze(self, text: str) -> frozenset[str]:
        return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP)

    def document_frequency(self, term: str) -> int:
        return self.df[term]

    def __len__(self) -> int:
        return self.size


def segment(text: str) -> list[str]:
    """A segmenter that knows nothing: the dictionary's longest-match split does the work."""
    return [text]


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator(parse(LINES), Catalog(TITLES), segment=segment)


def test_known_words_translate(translator: Translator) -> None:
    result = translator.translate("无线耳机")
    assert result.text == "wireless headphones"
    assert result.pairs() == ["无线 -> wireless", "耳机 -> headphones"]
    assert translator.translate("不锈钢炒锅").text == "stainless steel wok"


def test_sense_follows_the_catalog_vocabulary() -> None:
    # 炒锅 is "wok" first; a catalog that sells frying pans and no woks gets "frying pan"
    pans = Translator(parse(LINES), Catalog(["Chefline Nonstick Frying Pan 10 in."]), segment=segment)
    word = pans.translate("炒锅").words[0]
    assert word.target == "frying pan" and word.alternatives == ("wok",)


def test_pointer_senses_follow_and_the_encoder_breaks_ties() -> None:
    # 瓦 is "roof tile" or (abbr. for 瓦特) "watt"; a catalog with both words leaves it to the
    # cosine of each sense to the rest of the query
    catalog = Catalog([*TITLES, "Clay Roof Tile"])
    vectors = {"roof tile": [1.0, 0.0], "watt": [0.0, 1.0], "light bulb": [0.1, 1.0]}

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    with_encoder = Translator(parse(LINES), catalog, encode=encode, segment=segment)
    assert with_encoder.translate("25瓦 灯泡").text == "25 watt light bulb"
    assert Translator(parse(LINES), catalog, segment=segment).translate("25瓦").text == "25 roof tile"


def test_latin_tokens_and_numbers_are_kept_whole(translator: Translator) -> None:
    result = translator.translate("Voltrix WH-1000XM5 无线耳机 1-5/8 18x24")
    assert result.text == "Voltrix WH-1000XM5 wireless headphones 1-5/8 18x24"
    assert [w.kind for w in result.words][:2] == ["latin", "latin"]


def test_function_words_are_dropped(translator: Translator) -> None:
    result = translator.translate("我想买一个吊扇")
    assert result.text == "ceiling fan"
    assert {w.source for w in result.words if w.kind == "function"} >= {"一个"}


def test_unknown_words_pass_through(translator: Translator) -> None:
    result = translator.translate("无线 麒麟")
    assert result.text == "wireless 麒麟"
    assert [w.kind for w in result.words] == ["dictionary", "unknown"]
    assert not translator.translate("麒麟").translated


def test_words_no_title_holds_are_left_out(translator: Translator) -> None:
    # "telephone receiver" is an 耳机 sense, but the best sense is chosen; 锁 ("lock") is in no title
    result = translator.translate("无线锁")
    assert result.text == "wireless"
    assert result.words[1].kind == "unmatched"


@pytest.mark.parametrize("text", ["", "   ", "😀！！", "\x00\ufffd", "ａｂｃ１２３", "的的的", "?" * 500])
def test_bad_input_never_raises(translator: Translator, text: str) -> None:
    result = translator.translate(text)
    assert isinstance(result.text, str)


def test_a_failing_segmenter_leaves_the_query_as_it_was() -> None:
    def broken(text: str) -> list[str]:
        raise RuntimeError("segmenter down")

    result = Translator(parse(LINES), Catalog(TITLES), segment=broken).translate("无线耳机")
    assert result.text == "无线耳机" and not result.translated


def test_clean_sense() -> None:
    assert clean_sense("a ceiling fan") == "ceiling fan"
    assert clean_sense("CL:個|个[ge4]") is None
    assert clean_sense("surname Ban") is None
    assert clean_sense("(Tw) percent") is None
    assert clean_sense("to lock up") == "lock up"
    assert clean_sense("a long explanation of what this word might mean here") is None


def test_verb_senses_come_after_nouns() -> None:
    dictionary = parse(LINES)
    assert dictionary.lookup("锁") == ("lock", "lock up")
    assert dictionary.verbs["锁"] == frozenset({"lock up"})


def test_split_known() -> None:
    dictionary = parse(LINES)
    assert split_known("石膏板", dictionary) == ["石膏", "板"]
    assert split_known("麒麟", dictionary) == ["麒麟"]
    assert split_known("无线麒麟锁", dictionary) == ["无线", "麒麟", "锁"]


def test_english_to_chinese_picks_the_headword_the_catalog_uses() -> None:
    dictionary = parse(LINES)
    titles = ["小米 真无线蓝牙耳机 主动降噪", "不锈钢炒锅 32cm"]
    counts = {w: sum(1 for t in titles if w in t) for w in ("无线", "耳机", "炒锅", "無線")}
    assert english_to_chinese("wireless headphones", dictionary, lambda w: counts.get(w, 0)) == "无线 耳机"
    assert english_to_chinese("wok tripod", dictionary, lambda w: counts.get(w, 0)) == "炒锅 tripod"


@pytest.mark.slow
def test_the_shipped_cc_cedict_knows_shop_words() -> None:
    dictionary = load_cedict()
    assert "headphones" in dictionary.lookup("耳机")
    assert dictionary.lookup("無線") == dictionary.lookup("无线") == ("wireless",)
    assert "watt" in dictionary.lookup("瓦")  # through "abbr. for 瓦特"
    assert "faucet" in dictionary.lookup("水龙头")
    assert load_cedict() is dictionary  # parsed once per process, shared by every engine


def test_senses_that_share_titles_with_the_other_words_win() -> None:
    # 盘 is "plate" or "dish"; more titles hold "dish", but only "plate" shares one with "ceiling fan"
    lines = [*LINES, "盤 盘 [pan2] /plate/dish/"]
    titles = ["Ceiling Fan Mounting Plate", "Ceramic Dinner Plate", "Ceiling Fan Light Kit",
              "Dish Rack", "Dish Soap", "Dish Towel", "Dish Drainer"]  # fmt: skip
    catalog = Catalog(titles)

    def together(terms: frozenset[str]) -> int:
        return sum(1 for t in titles if terms <= catalog.analyze(t))

    plain = Translator(parse(lines), catalog, segment=lambda t: ["吊扇", "盘"])
    assert plain.translate("吊扇盘").text == "ceiling fan dish"  # more titles hold "dish"
    joint = Translator(parse(lines), catalog, together=together, segment=lambda t: ["吊扇", "盘"])
    assert joint.translate("吊扇盘").text == "ceiling fan plate"


def test_title_postings_count_titles_holding_terms_together() -> None:
    from shelfwise.search.coverage import TitleTerms
    from shelfwise.search.cross_lingual import TitlePostings

    terms = TitleTerms(lambda text: [w.lower() for w in text.split()])
    terms.update([Product(product_id=str(i), title=t) for i, t in enumerate(TITLES)])
    postings = TitlePostings(terms)
    assert postings.titles_with_all(frozenset({"chefline"})) == 2
    assert postings.titles_with_all(frozenset({"chefline", "wok"})) == 1
    assert postings.titles_with_all(frozenset({"chefline", "unheard"})) == 0
    assert postings.titles_with_all(frozenset()) == 0


def test_full_width_and_traditional_input_is_folded(translator: Translator) -> None:
    assert translator.translate("Ｖｏｌｔｒｉｘ　無線耳機").text == "Voltrix wireless headphones"
