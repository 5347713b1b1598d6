"""Pseudo-relevance feedback terms (shelfwise.search.feedback) on a tiny known catalog."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.records import Product
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.feedback import (
    Feedback,
    FeedbackConfig,
    feedback,
    feedback_terms,
    searchable,
    surface_words,
)

TITLES = {
    "t1": "Vinyl Wall Base 4 in. White",
    "t2": "Rubber Wall Base Cove 4 in. Black",
    "t3": "Wall Base Trim Vinyl 20 ft.",
    "t4": "Skirting Board Primed MDF",
    "t5": "Garden Hose 50 ft.",
    "t6": "Hose Reel Cart",
    "t7": "Vinyl Floor Plank",
    "t8": "Base Cabinet White",
}


def _analyze(text: str) -> list[str]:
    return [w for w in text.lower().replace(".", " ").split() if w]


@pytest.fixture()
def titles() -> TitleTerms:
    terms = TitleTerms(_analyze)
    terms.update(Product(product_id=pid, title=title) for pid, title in TITLES.items())
    return terms


def test_terms_shared_by_the_first_titles_are_added_best_first(titles: TitleTerms) -> None:
    config = FeedbackConfig(docs=3, min_titles=2, terms=5, weight=0.4)
    found = feedback(titles, None, ["skirting board"], ["t4", "t1", "t2", "t3"], config)
    words = [term for term, _ in found.alternatives]
    # "wall" is in 2 of the first 3 titles and rarer in the catalog than "base" (also in t8)
    assert words[:2] == ["wall", "base"]
    assert "vinyl" not in words  # in t1 and t3, but t3 is not among the first 3
    assert found.alternatives[0][1] == 0.4  # the best at the configured weight
    assert all(0 < weight <= 0.4 for _, weight in found.alternatives)
    assert found.centroid is None and found.vector_weight == 0.0


def test_query_terms_numbers_and_measures_are_not_added(titles: TitleTerms) -> None:
    config = FeedbackConfig(docs=4, min_titles=2, terms=10, weight=1.0)
    found = feedback(titles, None, ["wall"], ["t1", "t2", "t3", "t5"], config)
    words = {term for term, _ in found.alternatives}
    assert "wall" not in words  # in the query already
    assert "4" not in words and "in" not in words and "ft" not in words
    assert words == {"base", "vinyl"}


def test_min_titles_and_limits(titles: TitleTerms) -> None:
    shared = [titles.terms_of(pid) for pid in ("t1", "t2", "t3")]
    three = feedback_terms(shared, frozenset(), titles.idf, FeedbackConfig(docs=3, min_titles=3, terms=9))
    assert [term for term, _ in three] == ["wall", "base"]
    one = feedback_terms(shared, frozenset(), titles.idf, FeedbackConfig(docs=3, min_titles=2, terms=1))
    assert [term for term, _ in one] == ["wall"]
    assert feedback_terms(shared, frozenset(), titles.idf, FeedbackConfig(docs=3, terms=0)) == ()
    assert feedback_terms(shared, frozenset(), titles.idf, FeedbackConfig(docs=3, weight=0)) == ()
    assert feedback_terms([], frozenset(), titles.idf, FeedbackConfig(docs=3)) == ()


def test_off_or_no_answers_adds_nothing(titles: TitleTerms) -> None:
    assert feedback(titles, None, ["x"], ["t1", "t2"], FeedbackConfig(docs=0)) == Feedback()
    assert feedback(titles, None, ["x"], [], FeedbackConfig(docs=5)) == Feedback()


def test_searchable_terms(titles: TitleTerms) -> None:
    assert searchable("wall", titles)
    assert not searchable("4", titles) and not searchable("ft", titles) and not searchable("1/2", titles)
    assert not searchable("two words", titles)  # the analyser would read it as two terms


class _Vectors:
    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self._vectors = vectors

    def vectors_for(self, product_ids: list[str]) -> np.ndarray:
        return np.stack([self._vectors[pid] for pid in product_ids])

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._vectors


def test_rocchio_moves_the_query_vector_toward_the_answers(titles: TitleTerms) -> None:
    vectors = _Vectors({"t1": np.array([0.0, 1.0], np.float32), "t2": np.array([0.0, 1.0], np.float32)})
    config = FeedbackConfig(docs=2, vector_weight=0.5)
    found = feedback(titles, vectors, ["x"], ["t1", "t2", "t9"], config)
    assert found.centroid is not None and found.vector_weight == 0.5
    moved = found.moved(np.array([1.0, 0.0], np.float32))
    assert np.allclose(moved, [2**-0.5, 2**-0.5], atol=1e-6)
    assert np.allclose(Feedback().moved(np.array([1.0, 0.0])), [1.0, 0.0])


def test_min_similarity_keeps_the_terms_close_to_the_query(titles: TitleTerms) -> None:
    shared = [titles.terms_of(pid) for pid in ("t1", "t2", "t3")]
    cosines = {"wall": 0.2, "base": 0.7}
    asked: list[list[str]] = []

    def similarity(terms: list[str]) -> np.ndarray:
        asked.append(list(terms))
        return np.array([cosines[t] for t in terms])

    config = FeedbackConfig(docs=3, min_titles=3, terms=2, weight=0.5, min_similarity=0.5)
    kept = feedback_terms(shared, frozenset(), titles.idf, config, similarity=similarity)
    assert kept == (("base", 0.5),)  # "wall" scores higher but is not close enough
    assert asked == [["wall", "base"]]
    unchecked_config = config.model_copy(update={"min_similarity": 0.0})
    unchecked = feedback_terms(shared, frozenset(), titles.idf, unchecked_config, similarity=similarity)
    assert [term for term, _ in unchecked] == ["wall", "base"] and len(asked) == 1


def test_surface_words_give_each_term_as_written() -> None:
    def stem(text: str) -> frozenset[str]:
        return frozenset(w.rstrip("s").rstrip("er") for w in text.lower().split())

    words = surface_words(["Rain Bird Sprinklers (4-Pack)", "Pop-Up Sprinkler, 4 in."], stem)
    assert words["sprinkl"] == "sprinklers"  # the first title's spelling
    assert words["bird"] == "bird" and words["4-pack"] == "4-pack"  # punctuation around a word dropped
