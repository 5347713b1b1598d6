"""QueryUnderstanding: one entry point that reads a shopper's query before retrieval.

    understanding = QueryUnderstanding.build(products, UnderstandingConfig())
    reading = understanding.read("red dres under $50 without sleeves")

It also owns the autocomplete `suggester` over the same catalog. A reading holds the spelling
correction ("did you mean"), the structured constraints parsed from the corrected query (price,
brand, colour, size, material, negations) with their confidence, the filters made from the
confident ones, the text left to match, and the synonym alternatives of that text. Search
applies it and shows it in the result's interpretation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shelfwise.config import UnderstandingConfig
from shelfwise.query.attributes import AttributeParser, CatalogVocabulary
from shelfwise.query.parsed import ParsedQuery
from shelfwise.query.spelling import SpellingCorrection, SpellingCorrector, TokenCorrection
from shelfwise.query.spelling_vocabulary import SpellingVocabulary
from shelfwise.query.suggest import Suggester, Suggestion
from shelfwise.query.synonyms import SynonymExpansion, SynonymSet, stem_normalizer
from shelfwise.query.zh_pinyin import PinyinChange, PinyinIndex
from shelfwise.query.zh_table import fold_keep_offsets
from shelfwise.query.zh_text import has_han, words
from shelfwise.records import Filters, Product


@dataclass(frozen=True)
class QueryReading:
    """What was understood of one query."""

    original: str
    corrected: SpellingCorrection | None
    """None when spelling correction is off; `changed` says whether it changed the query"""
    parsed: ParsedQuery
    filters: Filters
    """hard filters from constraints at or above the configured confidence"""
    text: str
    """what retrieval matches: the corrected query less its price and negated phrases"""
    synonyms: tuple[SynonymExpansion, ...] = ()

    @property
    def did_you_mean(self) -> str | None:
        return self.corrected.corrected if self.corrected is not None and self.corrected.changed else None

    @property
    def negative_terms(self) -> tuple[str, ...]:
        return self.parsed.negative_terms(include_free_forms=False)


class QueryUnderstanding:
    """Spelling, attribute parsing and synonyms over one catalog's vocabulary; read-only after
    construction, so one instance serves many threads."""

    def __init__(
        self,
        vocabulary: CatalogVocabulary,
        spelling: SpellingCorrector | None,
        synonyms: SynonymSet | None,
        config: UnderstandingConfig,
        suggester: Suggester | None = None,
        spelling_words: SpellingVocabulary | None = None,
    ) -> None:
        """`spelling_words` is the vocabulary `spelling` was made from, kept so that the
        understanding can be saved (understanding_snapshot.py)."""
        self.vocabulary = vocabulary
        self.parser = AttributeParser(vocabulary)
        self.spelling = spelling
        self.synonyms = synonyms
        self.config = config
        self.suggester = suggester
        self.spelling_words = spelling_words
        self.pinyin: PinyinIndex | None = None
        """the catalog's Chinese words by pinyin (homophones, "lianyiqun", "lyq"); None: no Chinese"""

    def with_pinyin(self, products: Sequence[Product]) -> QueryUnderstanding:
        """Index the catalog's Chinese words by pinyin, when its titles have any (else a no-op)."""
        titles = [p.title for p in products]
        if self.config.spelling and any(has_han(t) for t in titles):
            names = [name for p in products for name in (*p.category, p.brand)]
            self.pinyin = PinyinIndex.build(titles, names)
        return self

    @classmethod
    def build(
        cls,
        products: Sequence[Product],
        config: UnderstandingConfig | None = None,
        queries: Iterable[tuple[str, int]] = (),
        synonyms: SynonymSet | None = None,
    ) -> QueryUnderstanding:
        """From the catalog (and popular queries with their counts, when there are some).
        Synonyms come from `synonyms`, else from the configured file, else none."""
        config = config or UnderstandingConfig()
        vocabulary = CatalogVocabulary.from_products(products)
        queries = list(queries)
        spelling, words = None, None
        if config.spelling:
            words = SpellingVocabulary.from_products(products).add_queries(queries)
            spelling = SpellingCorrector(words)
        if synonyms is None:
            synonyms = configured_synonyms(config)
        suggester = Suggester.build(products, queries) if config.suggest else None
        understanding = cls(vocabulary, spelling, synonyms, config, suggester, spelling_words=words)
        return understanding.with_pinyin(products)

    def read(self, query: str) -> QueryReading:
        corrected = self._correct(query)
        text = corrected.corrected if corrected is not None and corrected.changed else query
        parsed = self.parser.parse(text) if self.config.attributes else ParsedQuery(text, text)
        filters = _filters(parsed, self.config)
        remaining = parsed.remaining_text.strip() or text
        expansions: tuple[SynonymExpansion, ...] = ()
        if self.synonyms is not None and len(self.synonyms):
            expansions = tuple(self.synonyms.expand(words(remaining))[: self.config.max_synonyms])
        return QueryReading(query, corrected, parsed, filters, remaining, expansions)

    def _correct(self, query: str) -> SpellingCorrection | None:
        """Chinese first (homophones, pinyin), then English spelling over the result."""
        if self.spelling is None:
            return None
        changes = self.pinyin.changes(query, self._known_latin) if self.pinyin is not None else []
        text = _splice(query, changes)
        english = self.spelling.correct(text)
        corrections = tuple(_token_correction(query, c) for c in changes) + english.corrections
        final = english.corrected
        return SpellingCorrection(
            original=query, corrected=final, changed=final != query, corrections=corrections
        )

    def _known_latin(self, word: str) -> bool:
        words = self.spelling_words
        return words is not None and (word in words.words or word in words.query_words)

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Autocomplete (traditional characters read as simplified); where the typed text completes
        to fewer than `limit` suggestions, the suggestions of the Chinese words its pinyin or
        initials stand for follow ("lyq" -> 连衣裙)."""
        if self.suggester is None:
            return []
        if has_han(prefix):  # "連衣" completes as "连衣" (and full-width as half-width)
            prefix = fold_keep_offsets(prefix)
        found = self.suggester.suggest(prefix, limit)
        words = self.pinyin.lookup(prefix) if self.pinyin is not None else []
        if not words or len(found) >= limit:
            return found
        extra = [s for word in words[:3] for s in self.suggester.suggest(word, limit)]
        merged: dict[str, Suggestion] = {}
        for suggestion in found + extra:
            merged.setdefault(suggestion.text, suggestion)
        return list(merged.values())[:limit]


def _splice(query: str, changes: list[PinyinChange]) -> str:
    pieces, position = [], 0
    for change in changes:
        pieces.append(query[position : change.start] + change.replacement)
        position = change.end
    return "".join(pieces) + query[position:]


def _token_correction(query: str, change: PinyinChange) -> TokenCorrection:
    original = query[change.start : change.end]
    return TokenCorrection(
        original=original, replacement=change.replacement, edit_distance=1, confidence=change.confidence
    )


def configured_synonyms(config: UnderstandingConfig) -> SynonymSet | None:
    """The synonyms of `config.synonyms_file`, or None when it names none."""
    return load_synonyms(Path(config.synonyms_file)) if config.synonyms_file else None


def load_synonyms(path: Path) -> SynonymSet:
    """Approved pairs of a review file (.jsonl, from `shelfwise synonyms mine`), else the rules
    of a Solr-format or JSON synonym file."""
    if path.suffix == ".jsonl":
        return SynonymSet.from_reviewed(path, normalize=stem_normalizer())
    return SynonymSet.from_file(path, normalize=stem_normalizer())


def _filters(parsed: ParsedQuery, config: UnderstandingConfig) -> Filters:
    """The parsed filters of the kinds the configuration applies."""
    filters = parsed.to_filters(config.filter_confidence)
    kinds = set(config.filter_fields)
    return Filters(
        brands=filters.brands if "brand" in kinds else (),
        price=filters.price if "price" in kinds else None,
        attributes={k: v for k, v in filters.attributes.items() if "attributes" in kinds},
    )


def merge_filters(requested: Filters, parsed: Filters) -> Filters:
    """The request's filters, plus the parsed ones for fields the request leaves open."""
    return requested.model_copy(
        update={
            "brands": requested.brands or parsed.brands,
            "price": requested.price if requested.price is not None else parsed.price,
            "attributes": {**parsed.attributes, **requested.attributes},
        }
    )
