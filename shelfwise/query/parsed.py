"""Parsed queries: the constraints and negations read from a query, and the filters they make."""

from __future__ import annotations

from dataclasses import dataclass

from shelfwise.records import Filters, PriceRange

DEFAULT_MIN_CONFIDENCE = 0.6


@dataclass(frozen=True, slots=True)
class ParsedConstraint:
    """One constraint read from the query.

    `field` is "price", "brand" or "attr:<name>"; `values` are catalog spellings (brand and
    attributes), `price_min`/`price_max` the bounds (price); `span` is the character range in the
    original query that `source` was read from.
    """

    field: str
    values: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    negated: bool = False
    confidence: float = 1.0
    span: tuple[int, int] = (0, 0)
    source: str = ""


@dataclass(frozen=True, slots=True)
class NegatedTerm:
    """Words the query asks to leave out: "lid" from "without lid"; `form` is the cue used
    ("without", "no", "not", "excluding", "except", "w/o" or "free" for "lid-free")."""

    term: str
    form: str
    span: tuple[int, int]
    source: str


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    original: str
    remaining_text: str
    constraints: tuple[ParsedConstraint, ...] = ()
    negations: tuple[NegatedTerm, ...] = ()
    category_hint: str | None = None  # the top-level category the query's words point to
    categories: tuple[ParsedConstraint, ...] = ()
    """categories the query names (field "category", `category_entities.py`): never filters"""

    def to_filters(self, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Filters:
        """Hard filters from the confident, non-negated constraints.

        Values of one field are alternatives ("red or blue" -> color in (Red, Blue)); price bounds
        intersect ("over $20 under $50"), and when they contradict, the most confident one wins.
        """
        chosen = [c for c in self.constraints if not c.negated and c.confidence >= min_confidence]
        brands: list[str] = []
        attributes: dict[str, list[str]] = {}
        for constraint in chosen:
            if constraint.field == "brand":
                target = brands
            elif constraint.field.startswith("attr:"):
                target = attributes.setdefault(constraint.field.removeprefix("attr:"), [])
            else:
                continue
            target.extend(v for v in constraint.values if v not in target)
        return Filters(
            brands=tuple(brands),
            price=_price_range([c for c in chosen if c.field == "price"]),
            attributes={name: tuple(values) for name, values in attributes.items()},
        )

    def named_categories(self) -> tuple[tuple[str, float], ...]:
        """Category paths the query names (`category_entities.py`) with their confidence."""
        return tuple((c.values[0], c.confidence) for c in self.categories)

    def negative_terms(self, include_free_forms: bool = True) -> tuple[str, ...]:
        """Negated words, once each, in query order: for search to demote or exclude."""
        terms: list[str] = []
        for negation in self.negations:
            if (include_free_forms or negation.form != "free") and negation.term not in terms:
                terms.append(negation.term)
        return tuple(terms)


def _price_range(constraints: list[ParsedConstraint]) -> PriceRange | None:
    if not constraints:
        return None
    low = max((c.price_min for c in constraints if c.price_min is not None), default=None)
    high = min((c.price_max for c in constraints if c.price_max is not None), default=None)
    if low is not None and high is not None and low > high:
        best = max(constraints, key=lambda c: c.confidence)
        low, high = best.price_min, best.price_max
    return PriceRange(min=low, max=high)
