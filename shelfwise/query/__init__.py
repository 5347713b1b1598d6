"""Query understanding: structured constraints (price, brand, attributes, negations) read from
free-text queries against the catalog's own vocabulary."""

from shelfwise.query.attributes import (
    AttributeParser,
    CatalogVocabulary,
    NegatedTerm,
    ParsedConstraint,
    ParsedQuery,
)

__all__ = ["AttributeParser", "CatalogVocabulary", "NegatedTerm", "ParsedConstraint", "ParsedQuery"]
