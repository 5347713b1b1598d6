"""The suggestions an autocomplete index can return, collected from products and past queries.

Popular queries, title phrases, brands (alone and per category) and category names are merged by a
case-, accent- and plural-insensitive key: the same text found twice becomes one suggestion of the
strongest kind (query > brand > category > phrase) with the search counts added up. Product titles
stay one suggestion per product; equal titles are merged when results are shown.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from shelfwise.query.suggest.phrases import Phrase
from shelfwise.query.suggest.text import dedup_key, tokenize, words
from shelfwise.query.suggest.types import BRAND, CATEGORY, PHRASE, PRODUCT, QUERY, SuggestConfig
from shelfwise.records import CATEGORY_SEPARATOR, Product

MERGE_RANK = {QUERY: 0, BRAND: 1, CATEGORY: 2, PHRASE: 3, PRODUCT: 4}


@dataclass(slots=True)
class Draft:
    """A suggestion being collected; `words` are the folded words of `text`."""

    text: str
    kind: int
    words: list[str]
    count: int = 0
    df: int = 0
    prior: float = 0.0
    product_id: str = ""
    category: str = ""
    brand: str = ""


@dataclass(frozen=True)
class EntryTable:
    """All suggestions, one row each; arrays are never written in place once built."""

    text: tuple[str, ...]
    kind: np.ndarray  # uint8 kind code
    count: np.ndarray  # int64 searches
    df: np.ndarray  # int64 products whose title or metadata holds the text
    prior: np.ndarray  # float32 product prior (rating, stock)
    alive: np.ndarray  # bool, False once the product is removed
    product_id: tuple[str, ...]
    category: tuple[str, ...]
    brand: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.text)

    @classmethod
    def from_drafts(cls, drafts: Sequence[Draft]) -> EntryTable:
        return cls(
            text=tuple(d.text for d in drafts),
            kind=np.array([d.kind for d in drafts], dtype=np.uint8),
            count=np.array([d.count for d in drafts], dtype=np.int64),
            df=np.array([d.df for d in drafts], dtype=np.int64),
            prior=np.array([d.prior for d in drafts], dtype=np.float32),
            alive=np.ones(len(drafts), dtype=bool),
            product_id=tuple(d.product_id for d in drafts),
            category=tuple(d.category for d in drafts),
            brand=tuple(d.brand for d in drafts),
        )

    def appended(self, drafts: Sequence[Draft]) -> EntryTable:
        more = EntryTable.from_drafts(drafts)
        return EntryTable(
            text=self.text + more.text,
            kind=np.concatenate([self.kind, more.kind]),
            count=np.concatenate([self.count, more.count]),
            df=np.concatenate([self.df, more.df]),
            prior=np.concatenate([self.prior, more.prior]),
            alive=np.concatenate([self.alive, more.alive]),
            product_id=self.product_id + more.product_id,
            category=self.category + more.category,
            brand=self.brand + more.brand,
        )

    def with_searches(self, added: Mapping[int, int]) -> EntryTable:
        """Add search counts to rows; a phrase that people search for becomes a query."""
        if not added:
            return self
        rows = np.fromiter(added.keys(), dtype=np.int64, count=len(added))
        count = self.count.copy()
        count[rows] += np.fromiter(added.values(), dtype=np.int64, count=len(added))
        kind = self.kind.copy()
        kind[rows[kind[rows] == PHRASE]] = QUERY
        return replace(self, count=count, kind=kind)

    def static_scores(self, config: SuggestConfig) -> np.ndarray:
        bonus = np.asarray(config.bonus_by_kind(), dtype=np.float32)[self.kind]
        scores = (
            bonus
            + config.count_weight * np.log1p(self.count).astype(np.float32)
            + config.df_weight * np.log1p(self.df).astype(np.float32)
            + self.prior
        )
        scores[~self.alive] = -np.inf
        return scores.astype(np.float32)


def merge_drafts(drafts: Iterable[Draft]) -> list[Draft]:
    """Merge non-product drafts with the same dedup key; search counts add up."""
    merged: dict[str, Draft] = {}
    for draft in drafts:
        key = dedup_key(draft.words)
        have = merged.get(key)
        if have is None:
            merged[key] = draft
            continue
        first = (MERGE_RANK[draft.kind], -draft.count, -draft.df) < (
            MERGE_RANK[have.kind],
            -have.count,
            -have.df,
        )
        keep, other = (draft, have) if first else (have, draft)
        merged[key] = replace(
            keep,
            count=keep.count + other.count,
            df=max(keep.df, other.df),
            category=keep.category or other.category,
            brand=keep.brand or other.brand,
        )
    return list(merged.values())


def query_drafts(queries: Iterable[tuple[str, int]], max_chars: int) -> list[Draft]:
    out = []
    for text, count in queries:
        clean = " ".join(str(text).split())
        found = words(clean)
        if count > 0 and found and len(clean) <= max_chars:
            out.append(Draft(clean, QUERY, found, count=int(count)))
    return out


def product_draft(product: Product, config: SuggestConfig, title_words: list[str]) -> Draft:
    prior = config.in_stock_bonus * product.in_stock
    if product.rating is not None:
        prior += config.rating_weight * product.rating / 5.0
    return Draft(
        product.title,
        PRODUCT,
        title_words,
        prior=prior,
        product_id=product.product_id,
        category=sys.intern(product.category_path),  # one string per category, not per product
        brand=sys.intern(product.brand),
    )


def catalog_drafts(products: Sequence[Product], min_brand_category: int) -> list[Draft]:
    """Brands, category names (every level of a path) and 'Brand Category' pairs."""
    brand_names: dict[str, Counter[str]] = {}
    brand_count: Counter[str] = Counter()
    paths: Counter[tuple[str, ...]] = Counter()
    pairs: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for product in products:
        if not product.category and not product.brand:
            continue
        path = tuple(part.strip() for part in product.category if part.strip())
        for depth in range(1, len(path) + 1):
            paths[path[:depth]] += 1
        brand = " ".join(product.brand.split())
        key = " ".join(words(brand))
        if not key:
            continue
        brand_names.setdefault(key, Counter())[brand] += 1
        brand_count[key] += 1
        if path:
            pairs[(key, path)] += 1
    out = []
    display = {key: names.most_common(1)[0][0] for key, names in brand_names.items()}
    for key, count in brand_count.items():
        out.append(Draft(display[key], BRAND, words(display[key]), df=count, brand=display[key]))
    for path, count in paths.items():
        out.append(
            Draft(path[-1], CATEGORY, words(path[-1]), df=count, category=CATEGORY_SEPARATOR.join(path))
        )
    for (key, path), count in pairs.items():
        if count >= min_brand_category:
            text = f"{display[key]} {path[-1]}"
            category = CATEGORY_SEPARATOR.join(path)
            out.append(Draft(text, BRAND, words(text), df=count, category=category, brand=display[key]))
    return [draft for draft in out if draft.words]


def display_forms(titles: Iterable[str]) -> dict[str, str]:
    """Lower-cased original spelling of folded words that lost accents: 'refrigerateur' -> 'réfrigérateur'."""
    forms: dict[str, str] = {}
    for title in titles:
        if title.isascii():
            continue
        for token in tokenize(title):
            original = title[token.start : token.end].lower()
            if original != token.norm and token.norm not in forms and words(original) == [token.norm]:
                forms[token.norm] = original
    return forms


def phrase_drafts(phrases: Iterable[Phrase], forms: Mapping[str, str]) -> list[Draft]:
    out = []
    for phrase in phrases:
        if forms and any(word in forms for word in phrase.words):
            text = " ".join(forms.get(word, word) for word in phrase.words)
            out.append(Draft(text, PHRASE, words(text), df=phrase.products))
        else:
            out.append(Draft(" ".join(phrase.words), PHRASE, list(phrase.words), df=phrase.products))
    return out
