"""Queries in the other language of a Chinese/English pair, for the search engine: when and what
to translate.

A query with Han letters over a catalog whose titles are not written in Han (the share of titles
using it is below the match floor's `script_min_share`) is translated into the catalog's words
(`shelfwise.query.translate`); a query with Latin words and no Han over a catalog written in Han
is translated the other way (`chinese_translation`: the headwords whose senses are the query's
words, chosen by how many titles hold them). The engine searches the translation through the
normal path (or, under a multilingual encoder, beside the query as typed); the answer's
interpretation shows the translation, word by word. The dictionary is read once, on the
first such query (about 3 s); the translator follows the live index version, whose title terms
give the catalog's vocabulary.

With a query student (`shelfwise.models.query_student`, trained into the encoder's space), a
translated Han query's vector is the translation's vector blended with the student's vector of the
query as typed (`student_weight`); without one, search is as before.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.config import FusionConfig, UnderstandingConfig
from shelfwise.models.cached import CachedEncoder
from shelfwise.models.query_student import QueryStudent
from shelfwise.query.cedict import Dictionary, load_cedict
from shelfwise.query.translate import (
    ALTERNATIVE_WEIGHT,
    Translation,
    Translator,
    chinese_translation,
    has_han,
)
from shelfwise.records import QueryInterpretation
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.feedback import Feedback, FeedbackConfig, toward


@dataclass(frozen=True)
class Translated:
    """Retrieval of a translated Han query: the student's vector of the query as typed (blended
    into the translation's), the weighted fusion's vector weight (None: the configured one), and
    the pseudo-relevance feedback of the first answers."""

    student: np.ndarray | None = None
    vector_weight: float | None = None
    feedback: Feedback | None = None
    """what the first answers added (`shelfwise.search.feedback`), on the second retrieval"""

    def fusion(self, config: FusionConfig) -> FusionConfig:
        if self.vector_weight is None:
            return config
        return config.model_copy(
            update={"vector_weight": self.vector_weight, "lexical_weight": 1 - self.vector_weight}
        )


STUDENT_WEIGHT = 0.5
"""the student's share of a translated Han query's vector (chosen on the dev half)"""


class CrossLingual:
    """Translates Han queries for a catalog written in other scripts (thread safe)."""

    def __init__(
        self,
        encoder: CachedEncoder,
        min_share: float = 0.05,
        senses_per_word: int = 1,
        compounds: bool = True,
        alternative_weight: float = ALTERNATIVE_WEIGHT,
    ) -> None:
        self._encoder = encoder
        self._min_share = min_share
        self._senses_per_word = senses_per_word
        self._compounds = compounds
        self._alternative_weight = alternative_weight
        self._lock = threading.Lock()
        self._dictionary: Dictionary | None = None
        self._translator: tuple[str, Translator] | None = None
        self._postings: tuple[str, TitlePostings] | None = None
        self.student: QueryStudent | None = None
        self.student_weight = STUDENT_WEIGHT
        self.feedback = FeedbackConfig()
        """pseudo-relevance feedback for translated Han queries (`shelfwise.search.feedback`; off)"""

    def use_student(self, student: QueryStudent | None, weight: float = STUDENT_WEIGHT) -> None:
        """Blend the student's vectors into translated Han queries' (None: stop). A student
        distilled from another encoder than the index's raises ValueError."""
        if student is not None and student.manifest.teacher != self._encoder.encoder.version:
            raise ValueError(
                f"query student of {student.manifest.teacher} cannot serve encoder "
                f"{self._encoder.encoder.version}"
            )
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"student weight must be in [0, 1], got {weight}")
        self.student, self.student_weight = student, weight

    def retrieval(
        self, translation: Translation | None, understanding: UnderstandingConfig
    ) -> Translated | None:
        """How retrieval differs for a Han query translated for a catalog not written in Han: its
        fusion's vector weight (`understanding.translated_vector_weight`, 0: the fusion's own) and
        the student's vector of the query as typed (None without a student). None otherwise."""
        if translation is None or not has_han(translation.query):
            return None
        weight = understanding.translated_vector_weight
        return Translated(self._student_vector(translation.query), weight if weight > 0 else None)

    def _student_vector(self, typed: str) -> np.ndarray | None:
        student = self.student
        if student is None or self.student_weight <= 0:
            return None
        vector = student.encode([typed])[0]
        return vector if np.any(vector) else None

    def blend(self, query_vector: np.ndarray, translated: Translated | None) -> np.ndarray:
        """The vector searched: the translation's, moved toward the student's by `student_weight`,
        then toward the first answers' by the feedback's `vector_weight`."""
        if translated is None:
            return query_vector
        if translated.student is not None:
            query_vector = toward(query_vector, translated.student, self.student_weight)
        return query_vector if translated.feedback is None else translated.feedback.moved(query_vector)

    def translate(
        self, version: str, shares: Mapping[str, float], terms: TitleTerms | None, query: str
    ) -> Translation | None:
        """The query's translation, or None when it is in the catalog's script already (Han over
        a Han catalog, no Han over another), the catalog's scripts are unknown, or no word of it
        could be translated."""
        if not query or terms is None or not shares:
            return None
        han_catalog = shares.get("Han", 0.0) >= self._min_share
        if has_han(query) and not han_catalog:
            translation = self._for(version, terms).translate(query)
        elif han_catalog and not has_han(query):
            translation = self._to_chinese(version, terms, query)
        else:
            return None
        return translation if translation.translated and translation.text.strip() else None

    def searched(
        self,
        version: str,
        shares: Mapping[str, float],
        terms: TitleTerms | None,
        typed: str,
        understanding: UnderstandingConfig,
        multilingual: bool,
    ) -> tuple[Translation | None, str, tuple[tuple[str, float], ...]]:
        """The query's translation (if any), the text searched, and lexical alternatives beside
        it. An encoder that reads one language (`multilingual` false) searches the translation,
        with the senses the catalog could not decide between as alternatives. A multilingual
        encoder reads the query as typed; an English query over a Chinese catalog then also
        matches its Chinese words (`understanding.translation_weight`), a Chinese one over an
        English catalog is not translated (unmeasured over E5)."""
        if not understanding.translate:
            return None, typed, ()
        if not multilingual:
            translation = self.translate(version, shares, terms, typed)
            if translation is None:
                return None, typed, ()
            return translation, translation.text, translation.alternatives
        weight = understanding.translation_weight
        translation = None if weight <= 0 or has_han(typed) else self.translate(version, shares, terms, typed)
        if translation is None:
            return None, typed, ()
        return translation, typed, ((translation.text, weight),)

    def _to_chinese(self, version: str, terms: TitleTerms, query: str) -> Translation:
        with self._lock:
            dictionary = self._read_dictionary()
            postings = self._postings_for(version, terms)
        return chinese_translation(query, dictionary, lambda h: postings.titles_with_all(terms.analyze(h)))

    def _for(self, version: str, terms: TitleTerms) -> Translator:
        with self._lock:
            dictionary = self._read_dictionary()
            if self._translator is None or self._translator[0] != version:
                postings = self._postings_for(version, terms)
                self._translator = (
                    version,
                    Translator(
                        dictionary,
                        terms,
                        self._encode,
                        together=postings.titles_with_all,
                        senses_per_word=self._senses_per_word,
                        compounds=self._compounds,
                        alternative_weight=self._alternative_weight,
                    ),
                )
            return self._translator[1]

    def _read_dictionary(self) -> Dictionary:
        if self._dictionary is None:
            self._dictionary = load_cedict()
        return self._dictionary

    def _postings_for(self, version: str, terms: TitleTerms) -> TitlePostings:
        if self._postings is None or self._postings[0] != version:
            self._postings = (version, TitlePostings(terms))
        return self._postings[1]

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encoder.encode(list(texts), kind="query")


class TitlePostings:
    """Which titles hold each analysed term (a snapshot of `TitleTerms`, 4 bytes a term a title),
    for counting the titles that hold several terms together."""

    def __init__(self, terms: TitleTerms) -> None:
        self._terms = terms
        codes, rows = [], []
        for row, packed in enumerate(terms.packed_titles()):
            unique = np.unique(np.frombuffer(packed, dtype=np.uint32))
            codes.append(unique)
            rows.append(np.full(len(unique), row, dtype=np.int32))
        flat = np.concatenate(codes) if codes else np.zeros(0, dtype=np.uint32)
        order = np.argsort(flat, kind="stable")
        self._rows = (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32))[order]
        self._starts = np.searchsorted(flat[order], np.arange(terms.vocabulary + 1))

    def titles_with_all(self, terms: frozenset[str]) -> int:
        lists = []
        for term in terms:
            code = self._terms.code_of(term)
            if code is None or code + 1 >= len(self._starts):
                return 0
            lists.append(self._rows[self._starts[code] : self._starts[code + 1]])
        if not lists:
            return 0
        lists.sort(key=len)
        held = lists[0]
        for other in lists[1:]:
            held = np.intersect1d(held, other, assume_unique=True)
            if not len(held):
                return 0
        return len(held)


def with_translation(
    interpretation: QueryInterpretation | None, translation: Translation | None, searched: str
) -> QueryInterpretation | None:
    """The answer's interpretation, saying what the query was translated into."""
    if translation is None:
        return interpretation
    update = {"translated_from": translation.query, "translation": translation.pairs()}
    if interpretation is None:
        return QueryInterpretation(searched_text=searched, **update)  # type: ignore[arg-type]
    return interpretation.model_copy(update=update)


__all__ = ["STUDENT_WEIGHT", "CrossLingual", "Translated", "TitlePostings", "with_translation"]
