"""What the catalog says about its own words: brands, attribute values, prices and title evidence.

`CatalogVocabulary` is plain data (JSON, no pickle) built once from the products; the query
attribute parser compiles its lookup tables from it. Besides counts it keeps, for every brand and
attribute phrase, how many titles contain the phrase and how many of those belong to products
that really have that brand or value: a brand called "Home" that turns up in many other brands'
titles is a weak signal, a brand called "Voltrix" a strong one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.query.lexicon import COMMON_WORDS, MIN_CATEGORY_PRICES, phrase_key, phrase_words, singular
from shelfwise.query.zh_text import bigrams, brand_aliases, has_han
from shelfwise.records import CATEGORY_SEPARATOR, Product

VOCABULARY_VERSION = 1
TAIL_ATTRIBUTES = frozenset({"color", "material"})  # "navy blue" is a kind of "blue"
MAX_PHRASE_TOKENS = 5
MIN_EVIDENCE_TITLES = 3
MIN_HINT_COUNT = 3
MIN_HINT_SHARE = 0.6


def attribute_field(name: str) -> str:
    return f"attr:{name}"


def phrase_tails(key: str) -> list[str]:
    """ "insulated stainless steel" -> itself, "stainless steel", "steel"."""
    words = key.split()
    return [" ".join(words[k:]) for k in range(len(words))]


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 2)


class PriceStats(BaseModel):
    """Price quantiles of a set of products."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=1)
    q10: float
    q25: float
    q50: float
    q75: float
    q90: float

    @classmethod
    def of(cls, prices: Iterable[float]) -> PriceStats | None:
        ordered = sorted(prices)
        if not ordered:
            return None
        return cls(
            count=len(ordered),
            q10=_quantile(ordered, 0.1),
            q25=_quantile(ordered, 0.25),
            q50=_quantile(ordered, 0.5),
            q75=_quantile(ordered, 0.75),
            q90=_quantile(ordered, 0.9),
        )

    def quantile(self, name: str) -> float:
        return float(getattr(self, name))


class PhraseEvidence(BaseModel):
    """How often a phrase appears in titles, and for how many of those it names the product's own
    value of a field (a color phrase counts when the product's color ends with it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    titles: int = 0
    hits: dict[str, int] = Field(default_factory=dict)


class CatalogVocabulary(BaseModel):
    """Brands, attribute values, price quantiles and category hints of one catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = VOCABULARY_VERSION
    product_count: int = 0
    brands: dict[str, int] = Field(default_factory=dict, description="brand as spelled -> products")
    attributes: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="attribute name -> value as spelled -> products"
    )
    prices: PriceStats | None = None
    category_prices: dict[str, PriceStats] = Field(
        default_factory=dict, description="top-level category -> its price quantiles"
    )
    category_hints: dict[str, str] = Field(
        default_factory=dict, description="singular title word -> the top-level category it mostly means"
    )
    evidence: dict[str, PhraseEvidence] = Field(default_factory=dict, description="phrase key -> evidence")
    categories: dict[str, int] = Field(
        default_factory=dict, description="category nodes (as the product graph's): path 'A > B' -> products"
    )

    @classmethod
    def from_products(cls, products: Iterable[Product]) -> CatalogVocabulary:
        items = list(products)
        brands: dict[str, int] = {}
        attributes: dict[str, dict[str, int]] = {}
        for product in items:
            if product.brand.strip():
                brands[product.brand.strip()] = brands.get(product.brand.strip(), 0) + 1
            for name, value in product.attributes.items():
                if value.strip():
                    values = attributes.setdefault(name.lower(), {})
                    values[value.strip()] = values.get(value.strip(), 0) + 1
        prices = [p.price for p in items if p.price is not None]
        titles = [phrase_words(product.title) for product in items]
        return cls(
            product_count=len(items),
            brands=brands,
            attributes=attributes,
            prices=PriceStats.of(prices),
            category_prices=_category_prices(items),
            category_hints=_category_hints(items, titles),
            evidence=_title_evidence(items, titles),
            categories=category_nodes(items),
        )

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> CatalogVocabulary:
        vocabulary = cls.model_validate_json(text)
        if vocabulary.version != VOCABULARY_VERSION:
            raise ValueError(f"vocabulary version {vocabulary.version}, expected {VOCABULARY_VERSION}")
        return vocabulary

    def evidence_ratio(self, key: str, field: str) -> float | None:
        """Share of titles containing `key` whose product has it as `field`; None without evidence."""
        evidence = self.evidence.get(key)
        if evidence is None or evidence.titles < MIN_EVIDENCE_TITLES:
            return None
        return min(1.0, evidence.hits.get(field, 0) / evidence.titles)

    def price_stats(self, category: str | None) -> PriceStats | None:
        """The category's price quantiles when it has enough products, else the catalog's."""
        if category is not None:
            stats = self.category_prices.get(category)
            if stats is not None and stats.count >= MIN_CATEGORY_PRICES:
                return stats
        return self.prices


def category_nodes(products: Iterable[Product]) -> dict[str, int]:
    """Category nodes as the product graph makes them (graph/entities.py): every level of each
    path, "A > B", one node per case-folded path (written as first seen), with its products."""
    spelled: dict[str, str] = {}
    counts: dict[str, int] = {}
    for product in products:
        for depth in range(1, len(product.category) + 1):
            path = CATEGORY_SEPARATOR.join(product.category[:depth])  # as search's table codes it
            key = path.casefold()
            spelled.setdefault(key, path)
            counts[key] = counts.get(key, 0) + 1
    return {spelled[key]: count for key, count in counts.items()}


def _category_prices(items: Sequence[Product]) -> dict[str, PriceStats]:
    by_category: dict[str, list[float]] = {}
    for product in items:
        if product.category and product.price is not None:
            by_category.setdefault(product.category[0], []).append(product.price)
    out: dict[str, PriceStats] = {}
    for category, prices in sorted(by_category.items()):
        stats = PriceStats.of(prices)
        if stats is not None:
            out[category] = stats
    return out


def _category_hints(items: Sequence[Product], titles: Sequence[list[str]]) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    path_words: dict[tuple[str, ...], list[str]] = {}
    for product, title in zip(items, titles, strict=True):
        if not product.category:
            continue
        if product.category not in path_words:
            path_words[product.category] = phrase_words(" ".join(product.category))
        words = set(title).union(path_words[product.category])
        words.update([pair for word in words if has_han(word) for pair in bigrams(word)])
        for word in {singular(w) for w in words if w.isalpha() and len(w) >= 2} - COMMON_WORDS:
            per_category = counts.setdefault(word, {})
            per_category[product.category[0]] = per_category.get(product.category[0], 0) + 1
    hints: dict[str, str] = {}
    for word, per_category in counts.items():
        category, best = max(per_category.items(), key=lambda item: (item[1], item[0]))
        total = sum(per_category.values())
        if total >= MIN_HINT_COUNT and best / total >= MIN_HINT_SHARE:
            hints[word] = category
    return hints


def _own_phrases(product: Product, keys: dict[str, str]) -> dict[str, set[str]]:
    """Phrase key -> the fields of `product` it names (brand, attr:<name>); `keys` memoizes keys."""
    own: dict[str, set[str]] = {}
    if product.brand.strip():
        own.setdefault(_memo_key(product.brand, keys), set()).add("brand")
        for alias in _han_aliases(product.brand, keys):  # "苹果" for "Apple": how often titles mean it
            own.setdefault(alias, set()).add("brand")
    for name, value in product.attributes.items():
        key = _memo_key(value, keys)
        keys_of = phrase_tails(key) if name.lower() in TAIL_ATTRIBUTES else [key]
        for phrase in keys_of:
            own.setdefault(phrase, set()).add(attribute_field(name.lower()))
    own.pop("", None)
    return own


def _han_aliases(brand: str, keys: dict[str, str]) -> list[str]:
    """Phrase keys of the brand's Chinese names (zh_text.brand_aliases), memoized in `keys`."""
    memo = f"\x00{brand}"
    if memo not in keys:
        keys[memo] = "\x00".join(sorted(phrase_key(a) for a in brand_aliases(brand) if has_han(a)))
    return [alias for alias in keys[memo].split("\x00") if alias]


def _memo_key(text: str, keys: dict[str, str]) -> str:
    key = keys.get(text)
    if key is None:
        key = keys[text] = phrase_key(text)
    return key


def _title_evidence(items: Sequence[Product], titles: Sequence[list[str]]) -> dict[str, PhraseEvidence]:
    memo: dict[str, str] = {}
    owned = [_own_phrases(product, memo) for product in items]
    keys = {key for own in owned for key in own}
    first_words = {key.split()[0] for key in keys}
    longest = min(MAX_PHRASE_TOKENS, max((len(key.split()) for key in keys), default=0))
    in_titles: dict[str, int] = {}
    hits: dict[str, dict[str, int]] = {}
    for norms, own in zip(titles, owned, strict=True):
        found: set[str] = set()
        for i, word in enumerate(norms):
            if word not in first_words:
                continue
            for n in range(1, min(longest, len(norms) - i) + 1):
                phrase = " ".join(norms[i : i + n])
                if phrase in keys:
                    found.add(phrase)
        for phrase in found:
            in_titles[phrase] = in_titles.get(phrase, 0) + 1
            for field in own.get(phrase, ()):
                per_field = hits.setdefault(phrase, {})
                per_field[field] = per_field.get(field, 0) + 1
    return {key: PhraseEvidence(titles=count, hits=hits.get(key, {})) for key, count in in_titles.items()}
