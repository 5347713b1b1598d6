"""Aspects mined per category from the nouns of reviews, as candidates for a person to review.

Per category (the review's category path, cut to `category_depth` levels), every noun and
two-noun compound of every clause is counted once per review, and how often an opinion word
stands in the same clause. A candidate must be mentioned by `min_reviews` reviews (and
`min_share` of the category's), with an opinion beside it in `min_opinion_share` of them (aspects
are what opinions are about: "the battery is great"; "a gift for my daughter" is not), must not be
much rarer here than in the other categories (`lift`, the distinctiveness: its share of this
category's reviews over its share of the others'), and is none of the general non-aspect nouns or
the category's own name. Variants merge: inflections by lemma ("cushions", "cushion"), compounds
into the single noun they build on ("battery life" into "battery", named by the more frequent
form); near neighbours in an embedding space, when one is given, are listed as `similar` for the
reviewer to merge by renaming. Scores: reviews with an opinion, times 1 + log(lift).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.aspects.nouns import ChineseNouns, EnglishNouns, NounReader
from shelfwise.aspects.records import AspectCandidate, AspectEvidence, AspectLanguage, AspectReview
from shelfwise.aspects.text import clauses, lexicon, opinions, words

EmbedTerms = Callable[[Sequence[str]], np.ndarray]
CATEGORY_JOIN = " > "
_COVERED = 0.5  # a noun this share of whose reviews are one compound's goes with the compound


class AspectMiningConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    category_depth: int = Field(default=0, ge=0, description="levels of the category path; 0: all")
    min_reviews: int = Field(default=3, ge=1, description="reviews of the category that mention it")
    min_share: float = Field(default=0.005, ge=0, le=1, description="of the category's reviews")
    min_opinion_share: float = Field(default=0.25, ge=0, le=1, description="mentions beside an opinion")
    min_lift: float = Field(default=0.5, ge=0, description="share here over share elsewhere")
    max_aspects: int = Field(default=30, ge=1, description="per category")
    examples: int = Field(default=3, ge=0)
    min_similarity: float = Field(default=0.8, ge=-1, le=1)


def category_key(category: Sequence[str], depth: int = 0) -> str:
    """The category path joined with ' > ', cut to depth levels (0: all)."""
    return CATEGORY_JOIN.join(category[:depth] if depth else category)


@dataclass
class _TermStats:
    reviews: set[str] = field(default_factory=set)
    opinion_reviews: set[str] = field(default_factory=set)
    surfaces: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    members: set[str] = field(default_factory=set)  # the term keys merged into it
    compounds: set[str] = field(default_factory=set)  # its keys and forms that are compounds

    def add(self, review_id: str, surface: str, clause: str, opinionated: bool, examples: int) -> None:
        self.reviews.add(review_id)
        self.surfaces[surface] += 1
        if opinionated:
            self.opinion_reviews.add(review_id)
            if len(self.examples) < examples and clause not in self.examples:
                self.examples.append(clause)

    def merge(self, other: _TermStats, examples: int) -> None:
        self.reviews |= other.reviews
        self.opinion_reviews |= other.opinion_reviews
        self.surfaces += other.surfaces
        self.members |= other.members
        self.compounds |= other.compounds
        self.examples = list(dict.fromkeys(self.examples + other.examples))[:examples]


@dataclass
class _Counts:
    """Term statistics per category, and reviews per category."""

    terms: dict[str, dict[str, _TermStats]] = field(default_factory=lambda: defaultdict(dict))
    reviews: Counter[str] = field(default_factory=Counter)
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a compound's two nouns


def default_reader(language: AspectLanguage) -> NounReader:
    return ChineseNouns() if language == "zh" else EnglishNouns()


def mine_aspects(
    reviews: Iterable[AspectReview],
    language: AspectLanguage,
    reader: NounReader | None = None,
    config: AspectMiningConfig | None = None,
    embed: EmbedTerms | None = None,
) -> list[AspectCandidate]:
    """Aspect candidates ("pending") of every category among the reviews in `language`, best first
    within each category; categories in name order. Flagged reviews are left out."""
    config = config or AspectMiningConfig()
    reader = reader or default_reader(language)
    counts = _count(
        [r for r in reviews if r.language == language and not r.flagged], language, reader, config
    )
    out: list[AspectCandidate] = []
    for category in sorted(counts.terms):
        found = _category_candidates(category, counts, language, config)
        if embed is not None:
            found = _with_similar(found, embed, config.min_similarity)
        out.extend(found)
    return out


def _count(
    reviews: list[AspectReview], language: AspectLanguage, reader: NounReader, config: AspectMiningConfig
) -> _Counts:
    counts = _Counts()
    located: list[tuple[AspectReview, str, str]] = []  # review, category, clause
    for review in reviews:
        category = category_key(review.category, config.category_depth)
        counts.reviews[category] += 1
        counts.names[category].update(_name_words(review.category, language))
        located.extend((review, category, clause) for clause in clauses(review.text, language))
    terms_per_clause = reader.nouns([clause for _, _, clause in located])
    for (review, category, clause), terms in zip(located, terms_per_clause, strict=True):
        opinionated = bool(opinions(words(clause, language), language))
        stats = counts.terms[category]
        for term, surface, parts in dict.fromkeys(terms):
            if parts:
                counts.parts[term] = parts
            entry = stats.setdefault(term, _TermStats(members={term}, compounds={term} if parts else set()))
            if parts:
                entry.compounds.add(surface)
            entry.add(review.review_id, surface, clause, opinionated, config.examples)
    return counts


def _name_words(category: Sequence[str], language: AspectLanguage) -> set[str]:
    """The words of a category path (and their singulars), which name the product, not an aspect."""
    if language == "zh":
        return {part for part in category if part}
    out: set[str] = set()
    for word in words(" ".join(category), language):
        out.update({word, _singular(word)})
    return out


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _excluded(term: str, names: set[str], language: AspectLanguage) -> bool:
    lex = lexicon(language)
    if language == "zh":
        return term in lex.non_aspects or any(term in name or name in term for name in names)
    parts = term.split()
    return any(
        part in lex.non_aspects or lex.is_opinion(part) or part in lex.negators for part in parts
    ) or any(part in names or _singular(part) in names for part in parts)


def _category_candidates(
    category: str, counts: _Counts, language: AspectLanguage, config: AspectMiningConfig
) -> list[AspectCandidate]:
    terms = {
        t: s for t, s in counts.terms[category].items() if not _excluded(t, counts.names[category], language)
    }
    total = counts.reviews[category]
    needed = max(config.min_reviews, math.ceil(config.min_share * total))

    def passes(stats: _TermStats) -> bool:
        return len(stats.reviews) >= needed and len(stats.opinion_reviews) >= config.min_opinion_share * len(
            stats.reviews
        )

    groups = _merge_variants(terms, counts.parts, passes, config.examples)
    out = []
    for name, stats in groups.items():
        lift = _lift(category, stats.members, counts, len(stats.reviews))
        if not passes(stats) or (lift is not None and lift < config.min_lift):
            continue
        score = len(stats.opinion_reviews) * (1 + math.log(max(lift or 1.0, 1.0)))
        evidence = AspectEvidence(
            reviews=len(stats.reviews),
            opinion_reviews=len(stats.opinion_reviews),
            category_reviews=total,
            lift=None if lift is None else round(lift, 3),
            examples=tuple(stats.examples),
        )
        out.append(
            AspectCandidate(category=category, name=name, terms=_forms(name, stats),
                            language=language, score=round(score, 3), evidence=evidence)
        )  # fmt: skip
    out.sort(key=lambda c: (-c.score, c.name))
    return out[: config.max_aspects]


def _forms(name: str, stats: _TermStats) -> tuple[str, ...]:
    """The forms that mention an aspect: its name, its keys and forms as written; compounds only
    when written in two reviews or more (the single noun they build on matches the rest)."""
    forms = {name} | {form for form in set(stats.surfaces) | stats.members if form not in stats.compounds}
    forms |= {form for form, count in stats.surfaces.items() if count >= 2}
    return tuple(sorted(forms))


def _merge_variants(
    terms: dict[str, _TermStats],
    parts: dict[str, tuple[str, ...]],
    passes: Callable[[_TermStats], bool],
    examples: int,
) -> dict[str, _TermStats]:
    """Single nouns that pass, with the compounds built on them merged in (named by the more
    frequent form); compounds on no passing noun stay on their own."""
    heads = {t: s for t, s in terms.items() if t not in parts and passes(s)}
    groups: dict[str, _TermStats] = {t: _copy(s) for t, s in heads.items()}
    renamed: dict[str, str] = {t: t for t in heads}
    for term, stats in sorted(terms.items(), key=lambda item: (-len(item[1].reviews), item[0])):
        if term not in parts:
            continue
        first, last = parts[term]
        base = first if first in heads else last if last in heads else None
        if base is None:
            groups[term] = _copy(stats)
            continue
        group = groups.pop(renamed[base])
        name = (
            term
            if len(stats.reviews) >= len(heads[base].reviews) and renamed[base] == base
            else renamed[base]
        )
        group.merge(stats, examples)
        groups[name] = group
        renamed[base] = name
        other = last if base == first else first
        if other in heads and other in groups and len(stats.reviews) >= _COVERED * len(heads[other].reviews):
            group.merge(groups.pop(other), examples)  # "life" is all "battery life": one aspect
            renamed[other] = name
    return groups


def _copy(stats: _TermStats) -> _TermStats:
    return _TermStats(
        set(stats.reviews),
        set(stats.opinion_reviews),
        Counter(stats.surfaces),
        list(stats.examples),
        set(stats.members),
    )


def _lift(category: str, keys: set[str], counts: _Counts, here: int) -> float | None:
    """Share of this category's reviews mentioning it over the share elsewhere (add-one smoothed);
    None with a single category."""
    others = [c for c in counts.reviews if c != category]
    if not others:
        return None
    elsewhere = sum(
        len(set().union(*(stats.reviews for term, stats in counts.terms[c].items() if term in keys)))
        for c in others
    )
    other_total = sum(counts.reviews[c] for c in others)
    return ((here + 1) / (counts.reviews[category] + 1)) / ((elsewhere + 1) / (other_total + 1))


def _with_similar(found: list[AspectCandidate], embed: EmbedTerms, threshold: float) -> list[AspectCandidate]:
    """Each candidate with the others of its category whose names embed close to its own."""
    if len(found) < 2:
        return found
    vectors = np.asarray(embed([c.name for c in found]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ vectors.T
    out = []
    for i, candidate in enumerate(found):
        close = tuple(
            found[j].name for j in np.argsort(-similarity[i]) if j != i and similarity[i, j] >= threshold
        )
        evidence = candidate.evidence.model_copy(update={"similar": close})
        out.append(candidate.model_copy(update={"evidence": evidence}))
    return out
