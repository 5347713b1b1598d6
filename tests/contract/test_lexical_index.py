"""Contract suite for LexicalIndex: every storage mode and fuzzy policy must pass it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfwise.config import LexicalConfig
from shelfwise.index.lexical import LexicalHit, LexicalIndex, query_words, within_one_edit
from shelfwise.records import Product

CATALOG = [
    Product(
        product_id="shoe",
        title="Run Shoe",
        brand="Stride",
        category=("Sports", "Footwear"),
        description="A light trainer for road running.",
    ),
    Product(
        product_id="phones",
        title="Wireless Headphones with Noise Cancelling",
        brand="Sonic",
        category=("Electronics", "Audio"),
    ),
    Product(
        product_id="pipe",
        title="1/2 in. x 10 ft. PVC Pipe",
        brand="Charlotte",
        category=("Plumbing", "Pipes & Fittings"),
    ),
    Product(product_id="door", title="Prehung Interior Door 30 in. x 80 in.", brand="Masonite"),
    Product(
        product_id="deck",
        title="BEHR Premium Textured DeckOver 1-gal. Wood and Concrete Coating",
        brand="BEHR",
    ),
    Product(product_id="toilet", title="Elongated Closed Front Toilet Seat", brand="Kohler"),
    Product(
        product_id="knife",
        title="Stainless Steel Chef Knife",
        category=("Home", "Kitchen", "Knives"),
        description="A sharp knife for slicing.",
        attributes={"material": "steel", "color": "silver"},
    ),
    Product(product_id="spoon", title="Silver Serving Spoon", category=("Home", "Kitchen")),
]

WEIRD_QUERIES = [
    '"',
    '"unbalanced phrase',
    "a:b",
    "title:shoe",
    "(",
    ")",
    "AND",
    "AND OR NOT",
    "-",
    "-shoe",
    "*",
    "shoe*",
    "[1 TO 2]",
    "{",
    "\\",
    "~2",
    "shoe^3",
    "^",
    "+",
    "!",
    "/",
    "'",
    "shoe\x00",
    "🙂 emoji",
    "x" * 600,
    "run " * 200,
]

MODES = {
    "ram": LexicalConfig(),
    "disk": LexicalConfig(),
    "ram-fuzzy-always": LexicalConfig(fuzzy_max_doc_freq=None),
    "disk-fuzzy-unknown-only": LexicalConfig(fuzzy_max_doc_freq=0),
}


def build(mode: str, folder: Path) -> LexicalIndex:
    index = LexicalIndex.create(folder / "lexical" if mode.startswith("disk") else None, MODES[mode])
    index.upsert(CATALOG)
    return index


@pytest.fixture(params=sorted(MODES))
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LexicalIndex]:
    """A fresh index of CATALOG that a test may change."""
    built = build(request.param, tmp_path)
    yield built
    built.close()


@pytest.fixture(scope="module", params=sorted(MODES))
def reader(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LexicalIndex]:
    """An index of CATALOG shared by the tests of a module: only read it."""
    built = build(request.param, tmp_path_factory.mktemp("lexical"))
    yield built
    built.close()


def ids(hits: list[LexicalHit]) -> list[str]:
    return [hit.product_id for hit in hits]


class TestSearch:
    @pytest.mark.parametrize("product", CATALOG, ids=lambda p: p.product_id)
    def test_exact_title_ranks_product_first(self, reader: LexicalIndex, product: Product) -> None:
        assert ids(reader.search(product.title, 5))[0] == product.product_id

    def test_hits_are_best_first_with_scores(self, reader: LexicalIndex) -> None:
        hits = reader.search("steel knife silver", 10)
        assert ids(hits)[:2] == ["knife", "spoon"]
        assert all(isinstance(hit.score, float) for hit in hits)
        assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)

    def test_stemming_matches_inflections(self, reader: LexicalIndex) -> None:
        assert ids(reader.search("running shoes", 5))[0] == "shoe"

    def test_words_are_ored_not_anded(self, reader: LexicalIndex) -> None:
        assert set(ids(reader.search("headphones pvc", 10))) == {"phones", "pipe"}

    def test_more_matched_words_rank_higher(self, reader: LexicalIndex) -> None:
        assert ids(reader.search("silver spoon", 5))[0] == "spoon"

    def test_k_limits_results(self, reader: LexicalIndex) -> None:
        assert len(reader.search("steel silver kitchen", 1)) == 1
        assert reader.search("steel", 0) == []

    def test_title_outweighs_attributes(self, reader: LexicalIndex) -> None:
        assert ids(reader.search("silver", 5)) == ["spoon", "knife"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("1/2 in. pvc pipe", "pipe"),
            ("30 x 80 door", "door"),
            ("30x80 interior door", "door"),
            ("behr premium textured deckover", "deck"),
            ("toliet seat", "toilet"),
            ("toliet", "toilet"),
        ],
    )
    def test_home_improvement_queries(self, reader: LexicalIndex, query: str, expected: str) -> None:
        assert ids(reader.search(query, 5))[0] == expected

    @pytest.mark.parametrize("query", WEIRD_QUERIES)
    def test_weird_queries_do_not_crash(self, reader: LexicalIndex, query: str) -> None:
        hits = reader.search(query, 10)
        assert isinstance(hits, list)

    @pytest.mark.parametrize("query", ["", "   ", "the and of", '"', "*", "-", "AND"])
    def test_queries_without_terms_return_nothing(self, reader: LexicalIndex, query: str) -> None:
        assert reader.search(query, 10) == []


class TestTypos:
    def test_typo_finds_product(self, reader: LexicalIndex) -> None:
        assert ids(reader.search("hedphones", 5)) == ["phones"]

    def test_exact_match_beats_typo_match(self, index: LexicalIndex) -> None:
        index.upsert([Product(product_id="case", title="Hedphones Travel Case")])
        found = ids(index.search("hedphones", 5))
        assert found[0] == "case"
        assert found[1:] in ([], ["phones"])

    def test_rare_word_gets_exact_and_typo_matches(self) -> None:
        index = LexicalIndex.create(None, LexicalConfig(fuzzy_max_doc_freq=2))
        index.upsert([*CATALOG, Product(product_id="case", title="Hedphones Travel Case")])
        hits = index.search("hedphones", 5)
        assert ids(hits) == ["case", "phones"]
        assert hits[0].score > hits[1].score

    def test_short_words_get_no_typo_tolerance(self, reader: LexicalIndex) -> None:
        assert reader.search("shie", 5) == []  # "shoe" is 1 edit away but only 4 letters

    def test_numbers_get_no_typo_tolerance(self, reader: LexicalIndex) -> None:
        assert reader.search("1/4", 5) == []  # "1/2" is 1 edit away
        assert reader.search("81", 5) == []

    def test_fuzzy_off(self) -> None:
        index = LexicalIndex.create(None, LexicalConfig(fuzzy=False))
        index.upsert(CATALOG)
        assert index.search("hedphones", 5) == []


class TestWrites:
    def test_len_counts_live_documents(self, reader: LexicalIndex) -> None:
        assert len(reader) == len(CATALOG)

    def test_upsert_replaces_by_id(self, index: LexicalIndex) -> None:
        index.upsert([Product(product_id="shoe", title="Trail Boot", brand="Stride")])
        assert len(index) == len(CATALOG)
        assert "shoe" not in ids(index.search("running shoes", 10))
        assert ids(index.search("trail boot", 5)) == ["shoe"]

    def test_repeated_id_in_one_batch_keeps_last(self, index: LexicalIndex) -> None:
        index.upsert(
            [
                Product(product_id="new", title="Garden Hose"),
                Product(product_id="new", title="Garden Rake"),
            ]
        )
        assert len(index) == len(CATALOG) + 1
        assert ids(index.search("hose", 5)) == []
        assert ids(index.search("rake", 5)) == ["new"]

    def test_delete_removes(self, index: LexicalIndex) -> None:
        index.delete(["phones", "not-there"])
        assert len(index) == len(CATALOG) - 1
        assert index.search("wireless headphones", 5) == []
        index.delete([])
        assert len(index) == len(CATALOG) - 1

    def test_delete_then_add_back(self, index: LexicalIndex) -> None:
        index.delete(["phones"])
        index.upsert([CATALOG[1]])
        assert ids(index.search("wireless headphones", 5)) == ["phones"]

    def test_new_words_get_typo_tolerance(self, index: LexicalIndex) -> None:
        assert index.search("hedphones", 5)  # builds the typo vocabulary
        index.upsert([Product(product_id="mower", title="Cordless Lawnmower")])
        assert ids(index.search("lawnmowr", 5)) == ["mower"]


class TestAnalysis:
    @pytest.mark.parametrize(
        ("text", "tokens"),
        [
            ("1/2 in. PVC Pipes", ["1/2", "pvc", "pipe"]),
            ("30x80", ["30", "x", "80"]),
            ("2-1/2 x 4", ["2", "1/2", "x", "4"]),
            ("1½ in.", ["1", "1/2"]),
            ("1.9 cu. ft.", ["1.9", "cu", "ft"]),
            ("Running Shoes", ["run", "shoe"]),
            ("Men's Café", ["men", "cafe"]),
            ("the AND of", []),
        ],
    )
    def test_analyze(self, reader: LexicalIndex, text: str, tokens: list[str]) -> None:
        assert reader.analyze(text) == tokens

    def test_query_words(self) -> None:
        assert query_words('"1/2 in." PVC (pipe) pipe') == ["1/2", "in", "pvc", "pipe"]

    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            ("toilet", "toliet", True),
            ("headphon", "hedphon", True),
            ("paint", "point", True),
            ("pipe", "pipes", True),
            ("pipe", "pipe", True),
            ("pipe", "ripen", False),
            ("abcd", "badc", False),
        ],
    )
    def test_within_one_edit(self, a: str, b: str, expected: bool) -> None:
        assert within_one_edit(a, b) is expected
        assert within_one_edit(b, a) is expected


class TestMatchedTerms:
    def test_fields_and_stems(self, reader: LexicalIndex) -> None:
        assert reader.matched_terms("Running shoes STRIDE", CATALOG[0]) == {
            "title": ["running", "shoes"],
            "brand": ["stride"],
            "description": ["running"],
        }

    def test_category_and_attributes(self, reader: LexicalIndex) -> None:
        assert reader.matched_terms("steel home kitchens", CATALOG[6]) == {
            "title": ["steel"],
            "category": ["home", "kitchens"],
            "attributes": ["steel"],
        }

    def test_typo_match_reported(self, reader: LexicalIndex) -> None:
        assert reader.matched_terms("hedphones wireless", CATALOG[1]) == {"title": ["hedphones", "wireless"]}

    def test_no_match(self, reader: LexicalIndex) -> None:
        assert reader.matched_terms("garden hose", CATALOG[0]) == {}
        assert reader.matched_terms("", CATALOG[0]) == {}


class TestPersistence:
    def test_reopen_sees_same_documents(self, tmp_path: Path) -> None:
        path = tmp_path / "lexical"
        config = LexicalConfig()
        built = LexicalIndex.create(path, config)
        built.upsert(CATALOG)
        built.delete(["spoon"])
        expected = built.search("steel silver kitchen knife", 10)
        built.close()
        reopened = LexicalIndex.open(path, config)
        assert len(reopened) == len(CATALOG) - 1
        assert reopened.search("steel silver kitchen knife", 10) == expected
        assert ids(reopened.search("hedphones", 5)) == ["phones"]
        reopened.upsert([Product(product_id="spoon", title="Silver Serving Spoon")])
        assert ids(reopened.search("serving spoon", 5)) == ["spoon"]
        reopened.close()

    def test_create_refuses_existing_index(self, tmp_path: Path) -> None:
        LexicalIndex.create(tmp_path, LexicalConfig()).close()
        with pytest.raises(FileExistsError):
            LexicalIndex.create(tmp_path, LexicalConfig())

    def test_open_missing_index(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            LexicalIndex.open(tmp_path / "nothing", LexicalConfig())
