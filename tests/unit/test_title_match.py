"""Title-match features of learned fusion: known answers, and the array code against a plain
per-title reference on a generated catalog."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from shelfwise.records import Product
from shelfwise.search.coverage import TitleTerms, trigrams
from shelfwise.search.title_match import TITLE_FEATURES, near, title_features


def _titles(rows: dict[str, str]) -> TitleTerms:
    terms = TitleTerms(lambda text: text.lower().split())
    terms.update(Product(product_id=pid, title=title) for pid, title in rows.items())
    return terms


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("hammer", "hammer", True),
        ("hamer", "hammer", True),  # a letter left out
        ("recieve", "receive", True),  # two letters swapped
        ("light", "night", True),  # the first letter wrong
        ("paint", "paints", True),
        ("galv", "galvanized", True),  # a prefix of four letters or more
        ("cat", "cats", False),  # too short to forgive
        ("light", "bright", False),
        ("paint", "pint", False),  # "pint" has four letters: only prefixes count there
        ("stain", "satin", True),  # two neighbours swapped
        ("stain", "spawn", False),  # two substitutions
    ],
)
def test_near_forgives_one_typo_or_an_ending(a: str, b: str, expected: bool) -> None:
    assert near(a, b) is expected
    assert near(b, a) is expected


def test_trigrams_are_padded_and_cross_the_gaps() -> None:
    assert trigrams(("ab",)) == {" ab", "ab "}
    assert trigrams(("ab", "c")) == {" ab", "ab ", "b c", " c "}


def test_title_features_have_known_values() -> None:
    titles = _titles(
        {
            "a": "deck over paint 2 gal",
            "b": "deckover stain 5 gal 5",
            "c": "hammer",
            "d": "paint deck",
        }
    )
    x = title_features(["a", "b", "c", "d"], ("deckover", "paint", "2"), titles)
    col = {name: x[:, i] for i, name in enumerate(TITLE_FEATURES)}
    idf = {t: math.log(1 + 4 / df) for t, df in {"deckover": 1, "paint": 2, "2": 1}.items()}
    total = sum(idf.values())
    np.testing.assert_allclose(col["title_terms"], [5, 4, 1, 2])  # "5" twice counts once
    np.testing.assert_allclose(col["head_term_in_title"], [1, 0, 0, 0])
    np.testing.assert_allclose(col["first_term_in_title"], [0, 1, 0, 0])
    np.testing.assert_allclose(col["numbers_in_title"], [1, 0, 0, 0])
    np.testing.assert_allclose(col["extra_numbers"], [0, 1, 0, 0])  # b's "5" is not asked for
    np.testing.assert_allclose(col["title_precision"], [2 / 5, 1 / 4, 0, 1 / 2])
    np.testing.assert_allclose(col["query_pairs_in_title"], [1 / 2, 0, 0, 0])  # "paint 2" in a
    np.testing.assert_allclose(
        col["idf_coverage"],
        [(idf["paint"] + idf["2"]) / total, idf["deckover"] / total, 0, idf["paint"] / total],
    )
    np.testing.assert_allclose(
        col["max_missing_idf"], [idf["deckover"], idf["2"], max(idf.values()), max(idf["deckover"], idf["2"])]
    )
    # a: "deck over" joins to "deckover", so all three are found; d: "paint", and "deck" is a
    # prefix of "deckover"
    np.testing.assert_allclose(col["fuzzy_coverage"], [1, 1 / 3, 0, 2 / 3])
    np.testing.assert_allclose(col["max_missing_idf_fuzzy"], [0, idf["2"], max(idf.values()), idf["2"]])
    np.testing.assert_allclose(col["head_position"], [3 / 4, -1, -1, -1])
    np.testing.assert_allclose(col["match_span"], [2 / 2, 1, 0, 1])
    query = trigrams(("deckover", "paint", "2"))
    for row, title in enumerate(["deck over paint 2 gal", "deckover stain 5 gal 5", "hammer", "paint deck"]):
        grams = trigrams(tuple(title.split()))
        assert col["trigram_jaccard"][row] == pytest.approx(len(query & grams) / len(query | grams))


def test_joined_query_terms_found_as_one_title_term_count_for_fuzzy_coverage() -> None:
    titles = _titles({"a": "deckover coating", "b": "deck coating", "c": "overdeck coating"})
    x = title_features(["a", "b", "c"], ("deck", "over", "coating"), titles)
    fuzzy = x[:, TITLE_FEATURES.index("fuzzy_coverage")]
    # a: "deck" (a prefix of "deckover"), "coating", and the joined pair "deckover" itself;
    # b: "deck" and "coating"; c: "over" (a prefix of "overdeck") and "coating"
    np.testing.assert_allclose(fuzzy, [3 / 3, 2 / 3, 2 / 3])


def test_no_titles_or_no_candidates_give_the_neutral_rows() -> None:
    assert title_features(["a", "b"], ("x",), None).shape == (2, len(TITLE_FEATURES))
    assert title_features([], ("x",), _titles({"a": "x"})).shape == (0, len(TITLE_FEATURES))
    empty_query = title_features(["a", "zzz"], (), _titles({"a": "red coat"}))
    assert empty_query.shape == (2, len(TITLE_FEATURES))
    assert empty_query[1, TITLE_FEATURES.index("title_terms")] == 0  # an unknown id has no terms


def _reference(product_id: str, terms: tuple[str, ...], titles: TitleTerms) -> list[float]:
    """The features one title at a time, written for clarity rather than speed."""
    ordered = titles.ordered_terms(product_id)
    title = set(ordered)
    distinct = list(dict.fromkeys(terms))
    idf = [titles.idf(t) for t in distinct]
    numbers = [t for t in terms if any(ch.isdigit() for ch in t)]
    pairs = list(zip(terms, terms[1:], strict=False))
    title_pairs = set(zip(ordered, ordered[1:], strict=False))
    joined_title = {a + b for a, b in title_pairs}
    found = [t in title for t in distinct]
    fuzzy = [
        f or any(near(t, w) for w in title) or t in joined_title for t, f in zip(distinct, found, strict=True)
    ]
    joined_query = {a + b for a, b in pairs}
    query_grams, title_grams = trigrams(terms), trigrams(tuple(ordered))
    head = [k for k, w in enumerate(ordered) if terms and w == terms[-1]]
    matched = [k for k, w in enumerate(ordered) if w in set(distinct)]
    return [
        len(title),
        float(bool(terms) and terms[-1] in title),
        float(bool(terms) and terms[0] in title),
        sum(t in title for t in numbers) / len(numbers) if numbers else -1.0,
        len(title & set(distinct)) / len(title) if title else 0.0,
        sum(p in title_pairs for p in pairs) / len(pairs) if pairs else -1.0,
        sum(w for w, f in zip(idf, found, strict=True) if f) / (sum(idf) or 1.0) if distinct else 0.0,
        max([w for w, f in zip(idf, found, strict=True) if not f], default=0.0),
        (sum(fuzzy) + len(joined_query & title)) / len(distinct) if distinct else 0.0,
        len(query_grams & title_grams) / len(query_grams | title_grams) if terms else 0.0,
        head[-1] / max(len(ordered) - 1, 1) if head else -1.0,
        len({w for w in title if any(ch.isdigit() for ch in w)} - set(numbers)) if numbers else -1.0,
        (matched[-1] - matched[0] + 1) / len({ordered[k] for k in matched}) if matched else 0.0,
        max([w for w, f in zip(idf, fuzzy, strict=True) if not f], default=0.0),
    ]


def test_the_array_code_equals_the_per_title_reference_on_a_generated_catalog() -> None:
    rng = random.Random(5)
    words = [
        "deck",
        "over",
        "deckover",
        "paint",
        "paints",
        "pant",
        "stain",
        "satin",
        "hammer",
        "hamer",
        "2",
        "5",
        "2x4",
        "gal",
        "wood",
        "woods",
        "light",
        "night",
        "x",
        "lightbulb",
        "bulb",
    ]
    rows = {f"p{i}": " ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for i in range(300)}
    titles = _titles(rows)
    ids = list(rows) + ["missing"]
    for _ in range(60):
        terms = tuple(rng.choice(words + ["unseen", "lihgt"]) for _ in range(rng.randint(1, 5)))
        chosen = rng.sample(ids, 80)
        got = title_features(chosen, terms, titles)
        want = np.array([_reference(pid, terms, titles) for pid in chosen])
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=str(terms))


def test_document_frequencies_follow_updates_and_deletes() -> None:
    titles = _titles({"a": "red coat", "b": "red hat"})
    assert titles.idf("red") == pytest.approx(math.log(1 + 2 / 2))
    assert titles.idf("coat") == pytest.approx(math.log(1 + 2 / 1))
    titles.update([Product(product_id="b", title="blue hat")])  # b no longer says red
    assert titles.idf("red") == pytest.approx(math.log(1 + 2 / 1))
    titles.remove(["a"])
    assert titles.idf("red") == pytest.approx(math.log(1 + 1 / 1))  # held by none: the rarest
    assert titles.idf("never") == pytest.approx(math.log(1 + 1))
