"""Rankers to put in the closed loop: two references, a switch by experiment setting, and the shop.

- `TextMatchRanker`: searches by the query's words in titles and category names, the brand,
  colour, material and price it names, popularity and rating (as the open loop's own ranking,
  but over the whole catalog, from the query text alone); the home feed shows popular products of
  the categories the shopper viewed lately. It never reads a shopper's hidden taste or intent.
- `ShuffledRanker`: a deliberately worse one: a random page, in random order, of another
  ranker's top `depth` (seeded by request id, so the same request gets the same page).
- `RankerBySetting`: the ranker named by a setting of the request (an experiment's variant).
- `ShelfwiseRanker`: a real `Shelfwise` serves: `search` and `recommend`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np

from shelfwise.records import SearchRequest
from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.loop_serving import LoopRequest, ServingRanker

if TYPE_CHECKING:
    from shelfwise.service import Shelfwise

_WORD: Final = re.compile(r"[a-z0-9']+")
_STOP_WORDS: Final = frozenset(["a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "from"])
FEED_DECAY: Final = 0.8  # weight of a viewed product's category per step back in the history
# settings of a request that `ShelfwiseRanker` passes on to `SearchRequest`
SEARCH_SETTINGS: Final = ("mode", "fusion", "rerank", "understand")


class _QueryReading:
    """What a query text names: a brand, a colour, a material, a price cap or preference, words."""

    __slots__ = ("brand", "colour", "material", "max_price", "price_lean", "words")

    def __init__(self) -> None:
        self.brand = self.material = -1
        self.colour = ""
        self.max_price: float | None = None
        self.price_lean = 0.0  # +1 premium, -1 cheap
        self.words: list[str] = []


def _phrases(values: Sequence[str]) -> dict[str, list[tuple[tuple[str, ...], int]]]:
    """First word -> (the phrase's words, its index), longest phrase first."""
    out: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for index, value in enumerate(values):
        words = tuple(_WORD.findall(value.lower()))
        if words:
            out.setdefault(words[0], []).append((words, index))
    for options in out.values():
        options.sort(key=lambda option: -len(option[0]))
    return out


class TextMatchRanker:
    """The good reference ranker: text and attribute match plus popularity (see the module)."""

    def __init__(self, catalog: ShopCatalog) -> None:
        self.catalog = catalog
        self._index = {product_id: i for i, product_id in enumerate(catalog.ids)}
        self._base = 0.35 * catalog.popularity + 0.3 * catalog.rating_z - 0.5 * ~catalog.in_stock
        leaves = [set(_WORD.findall(path.split(" > ")[-1].lower())) for path in catalog.categories]
        postings: dict[str, list[int]] = {}
        for product, title_words in enumerate(catalog.title_words):
            words = title_words | leaves[int(catalog.category[product])] | set(catalog.nouns[product].split())
            for word in words - _STOP_WORDS:
                postings.setdefault(word, []).append(product)
        self._postings = {word: np.array(items, dtype=int) for word, items in postings.items()}
        self._brands = _phrases(catalog.brands)
        colours = sorted({str(c) for c in catalog.colour_text if c})
        self._colours = {
            first: [(w, colours[i]) for w, i in options] for first, options in _phrases(colours).items()
        }
        self._materials = _phrases(catalog.materials)
        self._cache: dict[tuple[str, int], tuple[str, ...]] = {}

    def __call__(self, request: LoopRequest) -> tuple[str, ...]:
        if request.surface == "search":
            return self.search(request.query or "", request.page_size)
        return self.feed(request.recent, request.page_size)

    def search(self, text: str, k: int) -> tuple[str, ...]:
        key = (text, k)
        if key not in self._cache:
            self._cache[key] = self._top(self._search_scores(self.read(text)), k)
        return self._cache[key]

    def feed(self, recent: Sequence[str], k: int) -> tuple[str, ...]:
        """Popular products of the categories viewed lately (the latest weigh most), none of them."""
        catalog, score = self.catalog, self._base.copy()
        seen = [self._index[p] for p in recent if p in self._index]
        if seen:
            weights = np.zeros(len(catalog.categories))
            for age, product in enumerate(reversed(seen)):
                weights[catalog.category[product]] += FEED_DECAY**age
            score += 2.5 * weights[catalog.category] / weights.max()
            score[seen] = -np.inf
        return self._top(score, k)

    def read(self, text: str) -> _QueryReading:
        """The brand, colour, material and price words of a query; what is left are its words."""
        reading, words, i = _QueryReading(), _WORD.findall(text.lower()), 0
        while i < len(words):
            word = words[i]
            if word == "under" and i + 1 < len(words) and words[i + 1].isdigit():
                reading.max_price, i = float(words[i + 1]), i + 2
                continue
            if word in ("cheap", "premium"):
                reading.price_lean, i = (-1.0 if word == "cheap" else 1.0), i + 1
                continue
            found = None
            for table, slot in (
                (self._brands, "brand"),
                (self._colours, "colour"),
                (self._materials, "material"),
            ):
                for phrase, value in table.get(word, ()):
                    if tuple(words[i : i + len(phrase)]) == phrase and getattr(reading, slot) in (-1, ""):
                        found = (slot, value, len(phrase))
                        break
                if found:
                    break
            if found:
                setattr(reading, found[0], found[1])
                i += found[2]
                continue
            if word not in _STOP_WORDS:
                reading.words.append(word)
            i += 1
        return reading

    def _search_scores(self, reading: _QueryReading) -> np.ndarray:
        catalog = self.catalog
        match = np.zeros(catalog.size)
        for word in reading.words:
            found = self._postings.get(word)
            if found is not None:
                match[found] += 1.0
        score = 3.0 * match / max(1, len(reading.words)) + self._base
        if reading.brand >= 0:
            score += 2.0 * (catalog.brand == reading.brand)
        if reading.colour:
            score += 1.5 * (catalog.colour_text == reading.colour)
        if reading.material >= 0:
            score += 1.0 * (catalog.material == reading.material)
        if reading.max_price is not None:
            score -= 4.0 * (np.nan_to_num(catalog.price, nan=0.0) > reading.max_price)
        if reading.price_lean:
            score += reading.price_lean * (catalog.price_q - 0.5)
        return score

    def _top(self, score: np.ndarray, k: int) -> tuple[str, ...]:
        k = min(k, int(np.isfinite(score).sum()))
        top = np.argpartition(-score, k - 1)[:k] if 0 < k < score.size else np.flatnonzero(np.isfinite(score))
        order = top[np.lexsort((top, -score[top]))]  # best first, ties by catalog position
        return tuple(self.catalog.ids[i] for i in order[:k])


def stable_seed(*parts: object) -> int:
    """A 64-bit number from `parts` that is the same in every process (unlike `hash`)."""
    digest = hashlib.blake2b("\n".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclasses.dataclass(frozen=True)
class ShuffledRanker:
    """The worse reference ranker: `page_size` products drawn at random from `base`'s top `depth`,
    in random order; the same request id (and seed) gets the same page."""

    base: ServingRanker
    depth: int = 30
    seed: int = 0

    def __call__(self, request: LoopRequest) -> list[str]:
        pool = list(self.base(dataclasses.replace(request, page_size=max(self.depth, request.page_size))))
        rng = np.random.default_rng(stable_seed(self.seed, request.request_id))
        return [pool[i] for i in rng.permutation(len(pool))[: request.page_size]]


@dataclasses.dataclass(frozen=True)
class RankerBySetting:
    """Serves with `rankers[request.settings[setting]]` (`default` when the setting is absent), so
    an experiment's variants can name the ranker they run, e.g. {"ranker": "shuffled"}."""

    rankers: Mapping[str, ServingRanker]
    default: str
    setting: str = "ranker"

    def __post_init__(self) -> None:
        if self.default not in self.rankers:
            raise ValueError(f"default ranker '{self.default}' is not one of {sorted(self.rankers)}")

    def __call__(self, request: LoopRequest) -> Sequence[str]:
        name = request.settings.get(self.setting, self.default)
        if not isinstance(name, str) or name not in self.rankers:
            raise ValueError(
                f"request {request.request_id}: setting {self.setting}={name!r} names no ranker "
                f"(known: {', '.join(sorted(self.rankers))})"
            )
        return self.rankers[name](request)


class ShelfwiseRanker:
    """A real shop in the loop. Searches go through `Shelfwise.serve_search`, as a shopper's
    search over HTTP does: the shop logs the impression under the loop's request id and applies
    the request's variant settings (`mode`, `fusion`, `personalize`, `ranking`, ...) and its final
    ranking stage for the signed-in shopper or the session. Home feeds go through
    `Shelfwise.recommend` for the shopper with their recent products; without a trained
    recommender they are served by `fallback`, or are the shop's `LookupError` when there is none."""

    def __init__(
        self, shop: Shelfwise, fallback: ServingRanker | None = None, settings: dict | None = None
    ) -> None:
        """`settings` apply to every search, over the request's variant settings."""
        self.shop, self.fallback, self.settings = shop, fallback, dict(settings or {})

    def __call__(self, request: LoopRequest) -> list[str]:
        if request.surface == "search":
            search = SearchRequest(
                query=request.query or "", page_size=request.page_size, facets=(), explain=False,
                user_id=request.user_id, session_id=request.session_id,
            )  # fmt: skip
            chosen = {**request.settings, **self.settings}
            result = self.shop.serve_search(search, request.request_id, request.timestamp, chosen)
            return [hit.product.product_id for hit in result.hits]
        if self.shop.recommender is None and self.fallback is not None:
            return list(self.fallback(request))
        items = self.shop.recommend(request.actor, items=request.recent, k=request.page_size)
        return [item.product_id for item in items]
