"""The term clauses a lexical query becomes (pure): the query's analysed tokens over every
boosted field, its alternatives' tokens at their weights, and the typo neighbours of its rare
long tokens over the fuzzy fields.

One implementation for one index (`LexicalIndex`, document frequencies from its own searcher)
and for a sharded one (`shelfwise.search.sharded`, frequencies summed over the shards): the
clauses, and therefore the candidates, are the same when the frequencies are."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from shelfwise.config import LexicalConfig
from shelfwise.language import chinese

FIELDS = ("title", "brand", "category", "description", "attributes")
FUZZY_FIELDS = ("title", "brand")

_DIGIT_RE = re.compile(r"\d")

DocFreq = Callable[[str, str], int]
"""(field, term) -> number of documents holding the term in the field"""


@dataclass(frozen=True)
class TermClause:
    """One should-clause of a query: `token` in `field`, its BM25 score times `boost`."""

    field: str
    token: str
    boost: float


@dataclass(frozen=True)
class QueryReader:
    """What planning needs of an index besides its frequencies: its analysis, field boosts,
    typo settings, whether it segments Chinese, and its fuzzy vocabulary's neighbour lookup."""

    analyze: Callable[[str], list[str]]
    boosts: Mapping[str, float]
    config: LexicalConfig
    segmented: bool
    neighbours: Callable[[str], set[str]]

    def fuzzy_applies(self, token: str, doc_freq: DocFreq) -> bool:
        """Whether `token` also matches its neighbours one edit away: long enough, no digits,
        not Han in a segmented index, and rare (at most `fuzzy_max_doc_freq` documents)."""
        config = self.config
        if not config.fuzzy or len(token) < config.fuzzy_min_length or _DIGIT_RE.search(token):
            return False
        if self.segmented and chinese.has_han(token):
            return False  # one character off is another word in Chinese (homophones: shelfwise.query)
        if config.fuzzy_max_doc_freq is None:
            return True
        return sum(doc_freq(field, token) for field in FIELDS) <= config.fuzzy_max_doc_freq

    def fuzzy_neighbours(self, token: str, doc_freq: DocFreq) -> list[str]:
        """The most frequent vocabulary terms one edit away from token."""
        neighbours = self.neighbours(token)
        if len(neighbours) <= self.config.fuzzy_max_expansions:
            return sorted(neighbours)
        by_freq = sorted(neighbours, key=lambda term: (-sum(doc_freq(f, term) for f in FUZZY_FIELDS), term))
        return by_freq[: self.config.fuzzy_max_expansions]

    def clauses(
        self, query: str, alternatives: Sequence[tuple[str, float]], doc_freq: DocFreq
    ) -> list[TermClause]:
        """The query's clauses in order: its tokens over every boosted field, the alternatives'
        new tokens at `boost * weight`, then the typo neighbours of the tokens fuzzy applies to."""
        boosts = self.boosts
        tokens = list(dict.fromkeys(self.analyze(query)))
        out = [TermClause(f, token, boost) for token in tokens for f, boost in boosts.items() if boost > 0]
        for text, weight in alternatives:
            out.extend(
                TermClause(field, token, boost * weight)
                for token in dict.fromkeys(self.analyze(text))
                if token not in tokens
                for field, boost in boosts.items()
                if boost > 0 and weight > 0
            )
        fuzzy_boost = self.config.fuzzy_boost
        for token in tokens:
            if self.fuzzy_applies(token, doc_freq):
                for neighbour in self.fuzzy_neighbours(token, doc_freq):
                    out.extend(
                        TermClause(field, neighbour, boosts[field] * fuzzy_boost)
                        for field in FUZZY_FIELDS
                        if boosts[field] > 0
                    )
        return out

    def frequencies_needed(
        self, query: str, alternatives: Sequence[tuple[str, float]]
    ) -> list[tuple[str, str]]:
        """Every (field, term) whose frequency `clauses` may read or score, whatever the
        frequencies turn out to be: planned as if every term were rare (so every typo rule
        applies), plus each clause's own pair."""
        asked: dict[tuple[str, str], None] = {}

        def record(field: str, term: str) -> int:
            asked[(field, term)] = None
            return 0

        for clause in self.clauses(query, alternatives, record):
            asked[(clause.field, clause.token)] = None
        return list(asked)
