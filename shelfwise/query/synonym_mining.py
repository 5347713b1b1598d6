"""Synonym candidates mined from graded judgments (or clicks), and from an embedding space.

For each relevant (query, product) pair, every query term whose words are all missing from the
title is aligned with every title term whose words are all missing from the query: "fridge" in the
query, "refrigerator" in the title. Pairs that stand in for each other consistently (Dice over
per-query counts), more often than chance (PMI), in several queries, rarely in pairs judged not
relevant and seldom typed together become `SynonymCandidate`s; so do mutual near neighbours in an
embedding space when an embedding function is given. Spelling variants, compounds and forms of one
stem are left to the spelling corrector and the stemmer, and brand names (words that open most
titles they are in) are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from symspellpy.editdistance import DistanceAlgorithm, EditDistance

from shelfwise.evaluate.trec import Judgments
from shelfwise.index.lexical import build_analyzer
from shelfwise.query.synonym_review import CandidateEvidence, SynonymCandidate
from shelfwise.query.zh_text import has_han, join_han
from shelfwise.query.zh_text import words as zh_words

EmbedTerms = Callable[[Sequence[str]], np.ndarray]

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)*")
_LETTERS_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class JudgedPair(NamedTuple):
    """One judged (or clicked) query-product pair; relevance on the judgments' scale."""

    query: str
    product_id: str
    relevance: float


class MiningConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    relevance_threshold: float = Field(default=2.33, description="grades at or above are relevant")
    min_queries: int = Field(default=3, ge=1, description="distinct queries that must support a pair")
    min_pmi: float = Field(default=1.0, description="log of observed over expected co-occurrence")
    min_score: float = Field(default=0.05, ge=0)
    smoothing: float = Field(default=1.0, ge=0, description="added to the Dice denominator")
    max_irrelevant_share: float = Field(default=0.34, ge=0, le=1, description="of the pair's judged pairs")
    max_phrase_words: int = Field(default=2, ge=1, le=2, description="longest phrase on either side")
    min_collocation: float = Field(default=0.3, ge=0, le=1, description="title phrase / its rarer word")
    min_phrase_count: int = Field(default=5, ge=1, description="titles a title phrase must appear in")
    spelling_distance: int = Field(default=2, ge=0, description="pairs this close are spelling, skipped")
    min_term_queries: int = Field(default=2, ge=0, description="queries the catalog-side term must be in")
    # synonyms stand in for each other, so they are seldom typed together ("ledger stone" is no pair)
    max_query_cooccurrence: float = Field(default=0.2, ge=0, le=1, description="of the rarer term's queries")
    # a title term that opens (first two words) most titles it is in is a brand; None: keep brands
    max_leading_share: float | None = Field(default=0.5, ge=0, le=1)
    min_term_length: int = Field(default=2, ge=1)
    max_candidates: int = Field(default=200, ge=1)
    examples: int = Field(default=3, ge=0)
    neighbours: int = Field(default=3, ge=1, description="embedding neighbours per term")
    min_similarity: float = Field(default=0.8, ge=-1, le=1)
    min_term_count: int = Field(default=5, ge=1, description="queries a term needs to be embedded")


def judged_pairs(judgments: Judgments) -> list[JudgedPair]:
    return [
        JudgedPair(judgments.queries[qid], pid, grade)
        for qid, grades in judgments.grades.items()
        for pid, grade in grades.items()
    ]


def mine_synonym_candidates(
    pairs: Iterable[tuple[str, str, float]],
    titles: Mapping[str, str],
    config: MiningConfig | None = None,
    embed: EmbedTerms | None = None,
) -> list[SynonymCandidate]:
    """Candidates from judged pairs (and embedding neighbours when `embed` is given), best first.

    For each relevant (query, product) pair, every query term whose words are all missing from the
    title is aligned with every title term whose words are all missing from the query. Each query
    counts once (its relevant products share one unit), so Dice = 2 * together / (count_a + count_b)
    says how consistently the two stand in for each other; PMI must show it is no accident.
    """
    config = config or MiningConfig()
    text = _TextTerms(config, titles.values())
    judged: dict[str, list[tuple[frozenset[str], bool]]] = defaultdict(list)
    for query, product_id, relevance in pairs:
        if product_id in titles:
            judged[query].append((text.terms(titles[product_id]), relevance >= config.relevance_threshold))
    stats = _AlignmentStats(text, {query: text.terms(query, phrases=False) for query in judged}, judged)
    candidates = [
        c
        for c in stats.candidates(config)
        if stats.query_term_counts[c.term_b] >= config.min_term_queries
        and not text.brand_like(c.term_b)
        and not text.same_word(c.term_a, c.term_b)
        and not stats.typed_together(c.term_a, c.term_b, config.max_query_cooccurrence)
    ]
    candidates = _dedupe(candidates)[: config.max_candidates]
    if embed is not None:
        found = {frozenset(c.pair) for c in candidates}
        vocabulary = sorted(t for t, n in stats.query_term_counts.items() if n >= config.min_term_count)
        for candidate in embedding_candidates(vocabulary, embed, config):
            if frozenset(candidate.pair) not in found and not text.same_word(*candidate.pair):
                candidates.append(candidate)
    return [_as_written(candidate) for candidate in candidates]


def _as_written(candidate: SynonymCandidate) -> SynonymCandidate:
    """Chinese phrases without the space between their words ("蓝牙 耳机" -> "蓝牙耳机"), as shoppers
    write them; expansion cuts them into the same words again."""
    if not (has_han(candidate.term_a) or has_han(candidate.term_b)):
        return candidate
    return candidate.model_copy(
        update={"term_a": join_han(candidate.term_a), "term_b": join_han(candidate.term_b)}
    )


def embedding_candidates(
    terms: Sequence[str], embed: EmbedTerms, config: MiningConfig | None = None
) -> list[SynonymCandidate]:
    """Pairs of terms that are among each other's nearest neighbours in the embedding space (cosine)."""
    config = config or MiningConfig()
    if len(terms) < 2:
        return []
    vectors = np.asarray(embed(list(terms)), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    k = min(config.neighbours, len(terms) - 1)
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    found: dict[tuple[int, int], float] = {}
    for i, row in enumerate(nearest):
        for j in map(int, row):
            if similarity[i, j] >= config.min_similarity:
                found[min(i, j), max(i, j)] = round(float(similarity[i, j]), 4)
    out = [
        SynonymCandidate(
            term_a=terms[i],
            term_b=terms[j],
            score=value,
            source="embeddings",
            evidence=CandidateEvidence(similarity=value),
        )  # fmt: skip
        for (i, j), value in found.items()
    ]
    return sorted(out, key=lambda c: (-c.score, c.term_a, c.term_b))


def _han_words(word: str) -> list[str]:
    """A word with Han characters as jieba's words (folded): "透明保护套" -> "透明", "保护套"."""
    return zh_words(word) if has_han(word) else [word]


class _TextTerms:
    """Words and title phrases of text: lowercased, no digits, no stop words; stems for checks."""

    def __init__(self, config: MiningConfig, titles: Iterable[str]) -> None:
        self._config = config
        self._analyzer = build_analyzer()
        self._stems: dict[str, str] = {}
        self._distance = EditDistance(DistanceAlgorithm.DAMERAU_OSA)
        words: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        self._leading: Counter[str] = Counter()  # titles a word or phrase opens
        for title in titles:
            runs = self._runs(title)
            words.update({word for run in runs for word in run})
            bigrams.update({" ".join(run[i : i + 2]) for run in runs for i in range(len(run) - 1)})
            if runs:
                self._leading.update({*runs[0][:2], " ".join(runs[0][:2])})
        self._title_counts = words + bigrams
        self._phrases = {
            phrase
            for phrase, count in bigrams.items()
            if count >= config.min_phrase_count
            and count >= config.min_collocation * min(words[word] for word in phrase.split())
        }

    def terms(self, text: str, phrases: bool = True) -> frozenset[str]:
        """Words, and pairs of neighbouring words (title pairs only when they are set phrases)."""
        found: set[str] = set()
        for run in self._runs(text):
            found.update(run)
            if self._config.max_phrase_words > 1:
                pairs = (" ".join(run[i : i + 2]) for i in range(len(run) - 1))
                found.update(pair for pair in pairs if not phrases or pair in self._phrases)
        return frozenset(found)

    def _runs(self, text: str) -> list[list[str]]:
        runs: list[list[str]] = [[]]
        for word in (w for found in _WORD_RE.findall(text.lower()) for w in _han_words(found)):
            if not _LETTERS_RE.fullmatch(word) or not self.stem(word):
                runs.append([])  # numbers and stop words end a phrase
            elif len(word) >= self._config.min_term_length:
                runs[-1].append(word)
        return [run for run in runs if run]

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            stems = self._analyzer.analyze(word)
            stem = self._stems[word] = stems[0] if stems else ""
        return stem

    def uncovered(self, terms: frozenset[str], other: frozenset[str]) -> list[str]:
        """Terms none of whose words' stems are among the stems of other's words."""
        stems = {self.stem(word) for term in other for word in term.split()}
        return [term for term in terms if not any(self.stem(word) in stems for word in term.split())]

    def brand_like(self, term: str) -> bool:
        """A term among the first two words of most titles it is in (titles tend to open with the brand)."""
        share, count = self._config.max_leading_share, self._title_counts[term]
        return share is not None and count > 0 and self._leading[term] > share * count

    def same_word(self, a: str, b: str) -> bool:
        """Spelling variants, compounds ("cook top", "cooktop") and phrases sharing a stem: no synonyms."""
        joined_a, joined_b = a.replace(" ", ""), b.replace(" ", "")
        if joined_a in joined_b or joined_b in joined_a:
            return True
        stems_a, stems_b = [self.stem(w) for w in a.split()], [self.stem(w) for w in b.split()]
        if set(stems_a) & set(stems_b) or "".join(stems_a) == "".join(stems_b):
            return True
        if has_han(joined_a) or has_han(joined_b):
            return False  # one different character is another word in Chinese ("耳机", "耳麦")
        if self._close(joined_a, joined_b, self._config.spelling_distance):
            return True
        # a misspelled word against a phrase holding its correct form; "shelves" against "shelf"
        pairs = [(wa, wb) for wa in a.split() for wb in b.split() if min(len(wa), len(wb)) >= 4]
        limit = self._config.spelling_distance
        return any(
            self._close(wa, wb, min(limit, 1 if min(len(wa), len(wb)) < 8 else 2))
            or self._close(self.stem(wa), self.stem(wb), min(limit, 1))
            for wa, wb in pairs
        )

    def _close(self, a: str, b: str, limit: int) -> bool:
        return limit > 0 and 0 <= self._distance.compare(a, b, limit) <= limit


class _AlignmentStats:
    """Query terms missing from relevant titles against the title terms missing from the query.

    Counts are per query: a query's relevant products share one unit. Two passes over the data: the
    first counts single terms, the second only pairs of terms frequent enough to pass.
    """

    def __init__(
        self,
        text: _TextTerms,
        query_terms: Mapping[str, frozenset[str]],
        judged: Mapping[str, list[tuple[frozenset[str], bool]]],
    ) -> None:
        self._text, self._query_terms, self._judged = text, query_terms, judged
        self.queries = 0
        self.count_a: dict[str, float] = defaultdict(float)  # weight of relevant pairs missing a
        self.count_b: dict[str, float] = defaultdict(float)  # weight of relevant pairs whose title adds b
        self.query_term_counts: Counter[str] = Counter(t for terms in query_terms.values() for t in terms)
        self._queries_a: Counter[str] = Counter()
        self._queries_b: Counter[str] = Counter()
        self._by_stem: dict[str, set[str]] = defaultdict(set)  # queries holding a word of that stem
        for query, terms in query_terms.items():
            for word in {word for term in terms for word in term.split()}:
                self._by_stem[text.stem(word)].add(query)
        for query, products in judged.items():
            relevant = [title for title, is_relevant in products if is_relevant]
            self.queries += bool(relevant)
            seen_a: set[str] = set()
            seen_b: set[str] = set()
            for title in relevant:
                missing, extra = self._align(query, title)
                for a in missing:
                    self.count_a[a] += 1 / len(relevant)
                for b in extra:
                    self.count_b[b] += 1 / len(relevant)
                seen_a.update(missing)
                seen_b.update(extra)
            self._queries_a.update(seen_a)
            self._queries_b.update(seen_b)

    def typed_together(self, a: str, b: str, max_share: float) -> bool:
        """Whether a and b appear in the same queries more than max_share of the rarer one's queries."""
        with_a, with_b = self._queries_with(a), self._queries_with(b)
        return len(with_a & with_b) > max_share * max(1, min(len(with_a), len(with_b)))

    def _queries_with(self, term: str) -> set[str]:
        sets = [self._by_stem.get(self._text.stem(word), set()) for word in term.split()]
        return set.intersection(*sets) if sets else set()

    def _align(self, query: str, title: frozenset[str]) -> tuple[list[str], list[str]]:
        terms = self._query_terms[query]
        return self._text.uncovered(terms, title), self._text.uncovered(title, terms)

    def candidates(self, config: MiningConfig) -> list[SynonymCandidate]:
        out = []
        for (a, b), pair in self._pairs(config.min_queries).items():
            if len(pair.queries) < config.min_queries:
                continue
            pmi = math.log(pair.together * self.queries / (self.count_a[a] * self.count_b[b]))
            dice = 2 * pair.together / (self.count_a[a] + self.count_b[b] + config.smoothing)
            share = pair.irrelevant / (pair.irrelevant + pair.relevant)
            if pmi < config.min_pmi or dice < config.min_score or share > config.max_irrelevant_share:
                continue
            evidence = CandidateEvidence(
                queries=len(pair.queries),
                relevant_pairs=pair.relevant,
                irrelevant_pairs=pair.irrelevant,
                pmi=round(pmi, 3),
                examples=tuple(sorted(pair.queries)[: config.examples]),
            )
            out.append(SynonymCandidate(term_a=a, term_b=b, score=round(dice, 4), source="judgments",
                                        evidence=evidence))  # fmt: skip
        return sorted(out, key=lambda c: (-c.score, c.term_a, c.term_b))

    def _pairs(self, min_queries: int) -> dict[tuple[str, str], _PairCounts]:
        """Second pass: counts for pairs of terms that each have min_queries queries."""
        pairs: dict[tuple[str, str], _PairCounts] = defaultdict(_PairCounts)
        for query, products in self._judged.items():
            relevant = sum(is_relevant for _, is_relevant in products)
            for title, is_relevant in products:
                missing, extra = self._align(query, title)
                missing = [a for a in missing if self._queries_a[a] >= min_queries]
                extra = [b for b in extra if self._queries_b[b] >= min_queries]
                for key in ((a, b) for a in missing for b in extra):
                    pair = pairs[key]
                    if is_relevant:
                        pair.together += 1 / relevant
                        pair.relevant += 1
                        pair.queries.add(query)
                    else:
                        pair.irrelevant += 1
        return pairs


@dataclass
class _PairCounts:
    together: float = 0.0  # relevant pairs, each query's weighing 1 in all
    relevant: int = 0
    irrelevant: int = 0
    queries: set[str] = field(default_factory=set)


def _dedupe(candidates: list[SynonymCandidate]) -> list[SynonymCandidate]:
    """Best first, skipping a pair whose one side matches a kept pair's and other side shares a word.

    ("ac", "air conditioner") keeps ("ac", "conditioner") out; ("nail gun", "nailer") keeps out
    ("gun", "nailer"); a reversed pair counts as the same pair.
    """
    kept: list[tuple[set[str], set[str], str, str]] = []
    out = []
    for c in candidates:
        words_a, words_b = set(c.term_a.split()), set(c.term_b.split())
        if not any(
            (a == c.term_a and bool(wb & words_b))
            or (b == c.term_b and bool(wa & words_a))
            or {a, b} == {c.term_a, c.term_b}
            for wa, wb, a, b in kept
        ):
            kept.append((words_a, words_b, c.term_a, c.term_b))
            out.append(c)
    return out
