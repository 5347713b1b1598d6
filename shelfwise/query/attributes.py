"""Query attribute parsing: prices, brands, colours, sizes, materials, negations and named
categories (the product graph's category nodes, `category_entities.py`) as structured, scored
constraints.

    parser = AttributeParser(CatalogVocabulary.from_products(products))
    parsed = parser.parse("red dress under $50 without sleeves")
    parsed.to_filters(min_confidence=0.6)   # Filters(price=..max 50, attributes={"color": ("Red",)})
    parsed.remaining_text                    # "red dress"
    parsed.negative_terms()                  # ("sleeves",)

What `remaining_text` keeps: price phrases ("under $50", "cheap") and negated phrases ("without
sleeves", "not red") are removed, because matching their words as text would pull in exactly the
wrong products. Brand, colour, size and material words stay: they are also good text evidence, and
a search that does not apply a low-confidence constraint as a filter still needs them. "X-free"
forms ("bpa free") stay too, since catalogs write them literally ("BPA-Free"); they are reported
as negations of the form "free", which `negative_terms(include_free_forms=False)` leaves out.
"""

from __future__ import annotations

from collections.abc import Iterable

from shelfwise.query.attribute_index import PhraseIndex, build_index
from shelfwise.query.attribute_scan import ScanResult, scan_tokens
from shelfwise.query.catalog_vocabulary import CatalogVocabulary
from shelfwise.query.category_entities import CategoryEntities
from shelfwise.query.lexicon import CONNECTORS, HIGH_QUANTILE, LOW_QUANTILE, singular, tokenize
from shelfwise.query.parsed import DEFAULT_MIN_CONFIDENCE, NegatedTerm, ParsedConstraint, ParsedQuery
from shelfwise.query.price_grammar import PriceMention, find_prices
from shelfwise.query.zh_scan import ZhScanner
from shelfwise.query.zh_table import ZhTable, build_zh_table, fold_keep_offsets
from shelfwise.query.zh_text import bigrams, has_han
from shelfwise.records import Product

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "AttributeParser",
    "CatalogVocabulary",
    "NegatedTerm",
    "ParsedConstraint",
    "ParsedQuery",
]

GLOBAL_PRICE_PENALTY = 0.05  # "cheap" judged against the whole catalog, not a category
_LEAD_INS = frozenset({"for", "at", "priced", "price", "costing", "cost", "costs", "that", "is"})
_EDGE_PUNCTUATION = ",;:-–—.!?()/"


class AttributeParser:
    """Reads structured constraints out of free-text queries, against one catalog's vocabulary."""

    def __init__(self, vocabulary: CatalogVocabulary) -> None:
        self.vocabulary = vocabulary
        self._index: PhraseIndex = build_index(vocabulary)
        self._zh: ZhTable = build_zh_table(vocabulary, self._index)
        self._categories = CategoryEntities.build(vocabulary)

    @classmethod
    def from_products(cls, products: Iterable[Product]) -> AttributeParser:
        return cls(CatalogVocabulary.from_products(products))

    def parse(self, query: str) -> ParsedQuery:
        """Prices first (regex grammar), then Chinese phrases (character scan, when the query has
        Han characters), then one token scan for phrases and negations. Matching reads the query
        folded (full-width, traditional) but offsets and sources are the query's own."""
        folded = query if query.isascii() else fold_keep_offsets(query)
        lowered = _lower_keep_offsets(folded)
        prices = find_prices(lowered)
        tokens = tokenize(folded)
        chinese, covered = self._scan_chinese(folded, prices)
        taken = [(p.start, p.end) for p in prices] + covered
        usable = [not any(a < t.end and t.start < b for a, b in taken) for t in tokens]
        scan = _merge(scan_tokens(self._index, folded, tokens, usable), chinese)
        if chinese is None:
            hint = self._category_hint([t.norm for t, ok in zip(tokens, usable, strict=True) if ok])
        else:  # a Han token may hold a price or phrase too: read the words left around them
            hint = self._category_hint([t.norm for t in tokenize(_masked(folded, taken))])
        constraints = list(scan.constraints)
        claimed = taken + [c.span for c in constraints] + [n.span for n in scan.negations]
        categories = tuple(self._categories.find(query, folded, tokens, claimed))
        removed = list(scan.removed)
        for mention in prices:
            span = (mention.start, mention.end)
            constraints.append(
                ParsedConstraint(
                    "price",
                    (),
                    mention.price_min,
                    mention.price_max,
                    False,
                    mention.confidence,
                    span,
                    query[mention.start : mention.end],
                )
            )
            removed.append((_extend_left(lowered, mention.start), _extend_right(folded, mention.end)))
        for constraint in self._relative_prices(scan, hint, query):
            constraints.append(constraint)
            removed.append(
                (_extend_left(lowered, constraint.span[0]), _extend_right(folded, constraint.span[1]))
            )
        return ParsedQuery(
            original=query,
            remaining_text=_remaining(query, removed),
            constraints=tuple(sorted(constraints, key=lambda c: c.span)),
            negations=scan.negations,
            category_hint=hint,
            categories=categories,
        )

    def _scan_chinese(
        self, folded: str, prices: list[PriceMention]
    ) -> tuple[ScanResult | None, list[tuple[int, int]]]:
        if not has_han(folded):
            return None, []
        usable = [True] * len(folded)
        for mention in prices:
            usable[mention.start : mention.end] = [False] * (mention.end - mention.start)
        scanner = ZhScanner(self._zh, folded, usable)
        return scanner.run(), scanner.covered

    def _category_hint(self, norms: list[str]) -> str | None:
        votes: dict[str, int] = {}
        words = [w for norm in norms for w in ([norm, *bigrams(norm)] if has_han(norm) else [norm])]
        for norm in words:
            category = self.vocabulary.category_hints.get(singular(norm))
            if category is not None:
                votes[category] = votes.get(category, 0) + 1
        return max(votes, key=lambda c: votes[c]) if votes else None

    def _relative_prices(self, scan: ScanResult, hint: str | None, query: str) -> list[ParsedConstraint]:
        out: list[ParsedConstraint] = []
        for mention in scan.relative_prices:
            stats = self.vocabulary.price_stats(hint)
            if stats is None:
                continue
            confidence = mention.word.confidence
            if stats is self.vocabulary.prices:
                confidence -= GLOBAL_PRICE_PENALTY
            word = mention.word
            low = stats.quantile(word.quantile or HIGH_QUANTILE) if word.direction == "min" else None
            high = stats.quantile(word.quantile or LOW_QUANTILE) if word.direction == "max" else None
            span = (mention.start, mention.end)
            source = query[span[0] : span[1]]
            out.append(ParsedConstraint("price", (), low, high, False, round(confidence, 3), span, source))
        return out


def _merge(scan: ScanResult, chinese: ScanResult | None) -> ScanResult:
    if chinese is None:
        return scan
    return ScanResult(
        scan.constraints + chinese.constraints,
        scan.negations + chinese.negations,
        scan.removed + chinese.removed,
        scan.relative_prices + chinese.relative_prices,
    )


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _extend_right(text: str, end: int) -> int:
    """Move a removal's end right over a Chinese "的": "200元以下的耳机" -> "耳机"."""
    while end < len(text) and text[end] == "的":
        end += 1
    return end


def _lower_keep_offsets(text: str) -> str:
    """Lower case with the same length as `text`, so offsets carry over (unlike "İ".lower())."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _extend_left(lowered: str, start: int) -> int:
    """Move a removal's start left over lead-in words: "shoes for under $50" -> "shoes"."""
    while True:
        head = lowered[:start].rstrip()
        word = head.rsplit(None, 1)[-1] if head else ""
        if word not in _LEAD_INS:
            return start
        start = len(head) - len(word)


def _remaining(query: str, removed: list[tuple[int, int]]) -> str:
    if not removed:
        return " ".join(query.split())
    pieces: list[str] = []
    position = 0
    for start, end in sorted(removed):
        pieces.append(query[position:start] if start > position else "")
        position = max(position, end)
    pieces.append(query[position:])
    words = " ".join(pieces).split()
    while words and _dangling(words[0]):
        words.pop(0)
    while words and _dangling(words[-1]):
        words.pop()
    return " ".join(words).strip(_EDGE_PUNCTUATION + " ")


def _dangling(word: str) -> bool:
    core = word.lower().strip(_EDGE_PUNCTUATION)
    return not core or core in CONNECTORS
