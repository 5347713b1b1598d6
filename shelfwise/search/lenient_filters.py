"""Filters read from a query are lenient: a brand or attribute read from the query excludes the
products that contradict it, not those that do not state it (pure functions over the table)."""

from __future__ import annotations

import numpy as np

from shelfwise.records import Filters, SearchRequest
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.table import ProductTable


def inferred_fields(request: SearchRequest, effective: SearchRequest) -> frozenset[str]:
    """Brand and attribute filters read from the query rather than asked for, as mask field
    names ("brand", "attr:NAME"): lenient towards products that do not state them."""
    names = frozenset(effective.filters.attributes) - frozenset(request.filters.attributes)
    fields = {f"attr:{name}" for name in names}
    if effective.filters.brands and not request.filters.brands:
        fields.add("brand")
    return frozenset(fields)


def admit_unknowns(
    table: ProductTable,
    terms: TitleTerms | None,
    effective: SearchRequest,
    inferred: frozenset[str],
    mask: np.ndarray,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A candidate (of `rows`) without an `inferred` field passes if its title has the value's
    words ("wool coat" keeps "Wool Blend Coat" with no material given, "voltrix speaker" a
    speaker titled "Voltrix ..." from a feed without brands) and every other filter. `inferred`
    holds mask field names ("brand", "attr:NAME"). Returns the widened mask and the rows it
    admitted."""
    if not inferred or terms is None:
        return mask, rows[:0]
    strict = mask
    mask = mask.copy()
    for name in inferred:
        unknown, values = unstated(table, effective.filters, name, rows)
        if not unknown.size:
            continue
        others = table.mask(effective.filters, skip=name)
        wanted = [terms.analyze(v) for v in values]
        for row in unknown[others[unknown]].tolist():
            title = terms.terms_of(table.ids[row])
            mask[row] |= any(words and words <= title for words in wanted)
    admitted = rows[mask[rows] & ~strict[rows]]
    return mask, admitted


def unstated(
    table: ProductTable, filters: Filters, field: str, rows: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The `rows` that state no value for `field` (a mask field name) and the values asked for."""
    if field == "brand":
        return rows[table.brand[rows] < 0], filters.brands
    name = field.removeprefix("attr:")
    column = table.attributes.get(name.lower())
    return (rows if column is None else rows[column[rows] < 0]), tuple(filters.attributes[name])
