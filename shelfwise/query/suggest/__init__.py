"""Autocomplete: suggestions for a typed prefix from popular queries, title phrases, brands,
categories and product titles.

    suggester = Suggester.build(products, queries=[("stainless steel sink", 42)])
    suggester.suggest("stainles st")   # "stainless steel sink", "stainless steel", ...
    suggester.add_queries([("patio heater", 3)])
    suggester.save(folder); Suggester.load(folder)

Matching: the typed words match a suggestion's words in order and next to each other, starting at
any word of the suggestion (from its first word earns `lead_bonus`). Every typed word but the last
is complete; the last is a prefix unless the text ends with a space or punctuation. Matching folds
case, accents and (for complete words) English plurals. Typo tolerance: 1 edit for typed words of
4+ characters, 2 for 8+ (transpositions count as one), also inside the word being typed (prefix
edit distance: "refridg" -> "refrig..."). Chinese and other unspaced scripts match by character
prefix of each run of characters. When fewer than `limit` suggestions hold the typed words in
sequence, suggestions holding them anywhere are added, with completions made up from the typed
words ("dewalt impa" -> "dewalt impact"); see suggest/scatter.py.

Ranking: popularity (search counts, products containing the text, kind) plus match quality: a
match from the first word beats one inside, the whole suggestion typed gets `exact_bonus`, each
typo costs `typo_penalty`; at equal popularity a query beats a phrase. Results are deduplicated
ignoring case, accents and plurals. An empty prefix gives the most popular queries.

Updates: `add_queries` adds search counts and new queries (a merge into the sorted keys, tens of
milliseconds at 55k products; the first call also indexes the existing texts once, ~0.3 s; batch
search events). `remove_products` hides products at once (phrase counts stay until a rebuild).
Adding or changing products means a rebuild, a few seconds for ~55k products:
`Suggester.build(products, suggester.popular_queries(), config)`. Readers never see a half-made
update: each update swaps in a new immutable state; writers are serialised by a lock.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from itertools import chain
from pathlib import Path

import numpy as np

from shelfwise.query.suggest.entries import (
    Draft,
    EntryTable,
    catalog_drafts,
    display_forms,
    merge_drafts,
    phrase_drafts,
    product_draft,
    query_drafts,
)
from shelfwise.query.suggest.keys import KeyIndex
from shelfwise.query.suggest.match import combinations, parse_typed
from shelfwise.query.suggest.phrases import EDGE_STOPWORDS, PHRASE_BREAKS, extract_phrases
from shelfwise.query.suggest.rank import find_hits, popular, to_suggestions
from shelfwise.query.suggest.store import SuggestState, load_state, make_state, save_state
from shelfwise.query.suggest.text import BREAK, dedup_key, words, words_and_breaks
from shelfwise.query.suggest.types import (
    KINDS,
    PRODUCT,
    SuggestConfig,
    Suggestion,
    SuggestionKind,
    SuggestStats,
)
from shelfwise.query.suggest.vocab import Vocabulary
from shelfwise.query.suggest.words import WordRows
from shelfwise.records import Product

__all__ = ["SuggestConfig", "Suggester", "Suggestion", "SuggestionKind", "SuggestStats"]

INNER_STOPWORDS = EDGE_STOPWORDS | PHRASE_BREAKS  # no in-sequence match starts inside a text here


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building makes ~10^5 small lists and no cycles; collector passes would add ~40% to it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _word_counts(drafts: Iterable[Draft]) -> Counter[str]:
    """How often each word occurs in suggestions, plus the searches of the queries it is in."""
    drafts = list(drafts)
    counts: Counter[str] = Counter(chain.from_iterable(draft.words for draft in drafts))
    for draft in drafts:
        if draft.count:
            for word in draft.words:
                counts[word] += draft.count
    return counts


def _collect(
    products: list[Product], queries: Iterable[tuple[str, int]], config: SuggestConfig
) -> list[Draft]:
    title_tokens = [words_and_breaks(product.title) for product in products]
    phrases = extract_phrases(
        title_tokens,
        min_products=config.min_phrase_products,
        max_words=config.max_phrase_words,
        max_phrases=config.max_phrases,
        subsume_ratio=config.phrase_subsume_ratio,
    )
    forms = display_forms(product.title for product in products)
    merged = merge_drafts(
        chain(
            query_drafts(queries, config.max_query_chars),
            catalog_drafts(products, config.min_brand_category_products),
            phrase_drafts(phrases, forms),
        )
    )
    if not config.include_products:
        return merged
    titles = (list(filter(BREAK.__ne__, found)) for found in title_tokens)
    return merged + [
        product_draft(product, config, title_words)
        for product, title_words in zip(products, titles, strict=True)
        if title_words
    ]


class Suggester:
    """The autocomplete engine over one catalog and its popular queries."""

    def __init__(
        self, state: SuggestState, config: SuggestConfig, build_seconds: float | None = None
    ) -> None:
        self._state = state
        self._config = config
        self._build_seconds = build_seconds
        self._lock = threading.Lock()
        self._dedup: dict[str, int] | None = None

    @classmethod
    def build(
        cls,
        products: Iterable[Product],
        queries: Iterable[tuple[str, int]] = (),
        config: SuggestConfig | None = None,
    ) -> Suggester:
        """Index products and (query text, search count) pairs."""
        config = config or SuggestConfig()
        started = time.perf_counter()
        with _gc_paused():
            drafts = _collect(list(products), queries, config)
            word_lists = [draft.words for draft in drafts]
            vocab = Vocabulary(_word_counts(drafts))
            state = make_state(
                EntryTable.from_drafts(drafts),
                KeyIndex.build(word_lists, config.key_bytes, skip_inner=INNER_STOPWORDS),
                vocab,
                WordRows.build(word_lists, vocab.ids),
                config,
            )
        return cls(state, config, round(time.perf_counter() - started, 3))

    @property
    def config(self) -> SuggestConfig:
        return self._config

    def stats(self) -> SuggestStats:
        state = self._state
        kinds = np.bincount(state.table.kind, minlength=len(KINDS))
        return SuggestStats(
            suggestions=len(state.table),
            live=int(state.table.alive.sum()),
            by_kind={kind: int(kinds[code]) for code, kind in enumerate(KINDS)},
            keys=len(state.keys),
            words=len(state.vocab),
            build_seconds=self._build_seconds,
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Up to `limit` suggestions for what has been typed so far, best first."""
        state, config = self._state, self._config
        limit = min(limit, config.max_limit)
        if limit <= 0:
            return []
        typed = parse_typed(prefix)
        if typed is None:
            return popular(state, limit)
        combos = combinations(typed, state.vocab, config)
        return to_suggestions(state, find_hits(state, combos, config, limit), limit)

    def add_queries(self, queries: Iterable[tuple[str, int]]) -> int:
        """Add searches: counts add to known suggestions, unknown queries become new ones.

        Returns the number of new suggestions.
        """
        drafts = query_drafts(queries, self._config.max_query_chars)
        if not drafts:
            return 0
        with self._lock:
            state = self._state
            known = self._dedup_rows(state)
            searches: Counter[int] = Counter()
            fresh: list[Draft] = []
            for draft in drafts:
                row = known.get(dedup_key(draft.words))
                if row is None:
                    fresh.append(draft)
                else:
                    searches[row] += draft.count
            fresh = merge_drafts(fresh)
            table = state.table.with_searches(searches)
            keys, vocab, word_rows = state.keys, state.vocab, state.words
            if fresh:
                first = len(table)
                word_lists = [draft.words for draft in fresh]
                table = table.appended(fresh)
                keys = keys.merged(KeyIndex.build(word_lists, keys.key_bytes, first, INNER_STOPWORDS))
                new_words = _word_counts(fresh)
                if any(word not in vocab.counts for word in new_words):
                    vocab = vocab.merged(new_words)
                word_rows = word_rows.appended(word_lists, vocab.ids)
                for offset, draft in enumerate(fresh):
                    known[dedup_key(draft.words)] = first + offset
            self._state = make_state(table, keys, vocab, word_rows, self._config)
            return len(fresh)

    def _dedup_rows(self, state: SuggestState) -> dict[str, int]:
        if self._dedup is None:
            table = state.table
            self._dedup = {
                dedup_key(words(table.text[row])): row
                for row in np.flatnonzero(table.kind != PRODUCT).tolist()
            }
        return self._dedup

    def remove_products(self, product_ids: Iterable[str]) -> int:
        """Stop suggesting these products; returns how many were live. Phrases keep their counts
        until the next rebuild."""
        wanted = set(product_ids)
        with self._lock:
            state = self._state
            table = state.table
            listed = np.fromiter((pid in wanted for pid in table.product_id), dtype=bool, count=len(table))
            gone = listed & (table.kind == PRODUCT) & table.alive
            removed = int(gone.sum())
            if removed:
                table = replace(table, alive=table.alive & ~gone)
                self._state = make_state(table, state.keys, state.vocab, state.words, self._config)
            return removed

    def popular_queries(self) -> list[tuple[str, int]]:
        """(text, search count) of every searched suggestion, to feed a rebuild."""
        table = self._state.table
        rows = np.flatnonzero((table.count > 0) & (table.kind != PRODUCT))
        return [(table.text[row], int(table.count[row])) for row in rows.tolist()]

    def save(self, folder: Path) -> None:
        """Write the index to folder (manifest.json + JSON + npy), replacing it atomically."""
        save_state(Path(folder), self._state, self._config, {"build_seconds": self._build_seconds})

    @classmethod
    def load(cls, folder: Path) -> Suggester:
        state, config, manifest = load_state(Path(folder))
        return cls(state, config, manifest.get("notes", {}).get("build_seconds"))
