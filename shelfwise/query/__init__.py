"""Query understanding: `QueryUnderstanding` reads a query (spelling, price/brand/attribute
constraints with confidence, negations, synonyms) against the catalog's own vocabulary;
`Suggester` completes typed prefixes."""

from shelfwise.query.attributes import (
    AttributeParser,
    CatalogVocabulary,
    NegatedTerm,
    ParsedConstraint,
    ParsedQuery,
)
from shelfwise.query.spelling import SpellingCorrection, SpellingCorrector, SpellingVocabulary
from shelfwise.query.suggest import Suggester, Suggestion
from shelfwise.query.synonyms import SynonymSet
from shelfwise.query.understand import QueryReading, QueryUnderstanding, load_synonyms

__all__ = [
    "AttributeParser",
    "CatalogVocabulary",
    "NegatedTerm",
    "ParsedConstraint",
    "ParsedQuery",
    "QueryReading",
    "QueryUnderstanding",
    "SpellingCorrection",
    "SpellingCorrector",
    "SpellingVocabulary",
    "Suggester",
    "Suggestion",
    "SynonymSet",
    "load_synonyms",
]
