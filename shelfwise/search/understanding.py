"""Applying a query reading to fused candidates: negated words demote, category intent boosts,
and the interpretation that the search result carries (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from shelfwise.query.understand import QueryReading
from shelfwise.records import (
    CATEGORY_SEPARATOR,
    CategoryGuess,
    Filters,
    InterpretedConstraint,
    QueryInterpretation,
)
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.fusion import FusedCandidate, order_key
from shelfwise.search.intent import CategoryPrediction
from shelfwise.search.table import MAX_CATEGORY_DEPTH


def demote_negated(
    candidates: Sequence[FusedCandidate], terms: TitleTerms, negative_terms: Sequence[str], kept: float
) -> list[FusedCandidate]:
    """Scale the score of candidates whose title or brand has a negated word by `kept`."""
    banned = frozenset().union(*(terms.analyze(t) for t in negative_terms)) if negative_terms else frozenset()
    if not banned or kept >= 1.0:
        return list(candidates)
    out = [
        replace(c, score=c.score * kept) if banned & terms.terms_of(c.product_id) else c for c in candidates
    ]
    return sorted(out, key=order_key)


def boost_categories(
    candidates: Sequence[FusedCandidate], boosts: np.ndarray, weight: float
) -> list[FusedCandidate]:
    """Add `weight` times each candidate's predicted-category share to its score."""
    if weight <= 0 or not np.any(boosts):
        return list(candidates)
    out = [
        replace(c, score=c.score + weight * float(b)) if b else c
        for c, b in zip(candidates, boosts.tolist(), strict=True)
    ]
    return sorted(out, key=order_key)


def named_category_predictions(reading: QueryReading) -> list[CategoryPrediction]:
    """The categories the query names, as predictions with the name's confidence for share."""
    return [
        CategoryPrediction(path=path, depth=path.count(CATEGORY_SEPARATOR) + 1, share=confidence)
        for path, confidence in reading.parsed.named_categories()
        if path.count(CATEGORY_SEPARATOR) < MAX_CATEGORY_DEPTH
    ]


def interpretation(
    reading: QueryReading,
    added: Filters,
    relaxed: bool,
    categories: Sequence[CategoryPrediction],
    named_boosted: bool = False,
) -> QueryInterpretation:
    """The result's account of how the query was read; `added` are the filters search applied
    from the query (empty when relaxed); with `named_boosted`, the categories the query names
    (boosted, never applied as filters) follow its constraints."""
    applied_fields = _fields(added)
    constraints = [
        InterpretedConstraint(
            field=c.field,
            values=list(c.values),
            price_min=c.price_min,
            price_max=c.price_max,
            negated=c.negated,
            confidence=round(c.confidence, 3),
            source=c.source,
            applied=not relaxed and not c.negated and _applied(c.field, c.values, applied_fields, added),
        )
        for c in (*reading.parsed.constraints, *(reading.parsed.categories if named_boosted else ()))
    ]
    return QueryInterpretation(
        searched_text=reading.text,
        corrected_query=reading.did_you_mean,
        constraints=constraints,
        filters_applied=[] if relaxed else added.describe(),
        relaxed=relaxed,
        negative_terms=list(reading.negative_terms),
        synonyms=[f"{e.original} -> {e.alternative}" for e in reading.synonyms],
        categories=[CategoryGuess(path=p.path, share=p.share) for p in categories],
    )


def _fields(filters: Filters) -> set[str]:
    fields = {f"attr:{name}" for name in filters.attributes}
    if filters.brands:
        fields.add("brand")
    if filters.price is not None:
        fields.add("price")
    return fields


def _applied(field: str, values: Sequence[str], fields: set[str], filters: Filters) -> bool:
    if field not in fields:
        return False
    if field == "price":
        return True
    chosen = filters.brands if field == "brand" else filters.attributes.get(field.removeprefix("attr:"), ())
    return any(v in chosen for v in values)


def added_filters(requested: Filters, merged: Filters) -> Filters:
    """The part of `merged` that the request did not ask for itself."""
    return Filters(
        brands=() if requested.brands else merged.brands,
        price=None if requested.price is not None else merged.price,
        attributes={k: v for k, v in merged.attributes.items() if k not in requested.attributes},
    )
