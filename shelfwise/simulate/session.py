"""One simulated shopper's visits: intent, search, clicks, browsing, cart, checkout and ratings.

Times are whole seconds from the start of the simulated window; each event in a session comes at
least a second after the one before. Events are collected as `RawEvent`s and turned into `Event`
records by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.prefs import Persona, Taste, utility
from shelfwise.simulate.query import build_query, rank_results

DAY: Final = 86_400
MAX_VIEWS: Final = 14  # per session
MAX_CLICKS: Final = 4  # per search
_CART_BIAS: Final = -3.3
_CART_SLOPE: Final = 0.9
_EXAMINE_DECAY: Final = 0.8


@dataclass(slots=True)
class RawEvent:
    t: int
    type: str
    session: str
    event_id: str
    product: int = -1
    query: str | None = None
    shown: tuple[int, ...] = ()
    rating: float | None = None
    request: str | None = None
    position: int | None = None


@dataclass(slots=True)
class _Visit:
    session: str
    t: int
    mission: bool
    cart: dict[int, str | None] = field(default_factory=dict)  # product -> the search that led to it
    viewed: set[int] = field(default_factory=set)


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _draw(score: np.ndarray, rng: np.random.Generator) -> int:
    """An index drawn with probability softmax(score); -inf never wins."""
    weights = np.cumsum(np.exp(score - score.max()))
    return min(int(np.searchsorted(weights, rng.random() * weights[-1], side="right")), score.size - 1)


class ShopperRun:
    """Simulates every session of one shopper, in time order, into `events`."""

    def __init__(
        self,
        catalog: ShopCatalog,
        complements: dict[int, tuple[int, ...]],
        persona: Persona,
        taste: Taste,
        ids: tuple[str, str],
        rng: np.random.Generator,
        page_size: int,
        rating_rate: float,
    ) -> None:
        self.catalog, self.complements, self.persona, self.taste = catalog, complements, persona, taste
        self.session_prefix, self.event_prefix = ids
        self.rng, self.page_size, self.rating_rate = rng, page_size, rating_rate
        self.events: list[RawEvent] = []
        self.sessions: list[str] = []
        self.consider: dict[int, int] = {}  # viewed or carted, not bought: product -> when
        self.pending: dict[int, int] = {}  # complement category -> until when it is still wanted
        self._utility: dict[int, np.ndarray] = {}
        self._scores: dict[tuple[int, float, float], np.ndarray] = {}

    def run(self, starts: np.ndarray, end: int) -> None:
        """One session per start (seconds, sorted); a session never begins before the last one ended.

        The log ends at `end`: a session still going then is cut there, as in a real export.
        """
        last_end = -DAY
        for start in starts:
            t = max(int(start), last_end + 600)
            if t > end - 2 * 3600:
                break
            last_end = self._session(t, end)
        self.events = [e for e in self.events if e.t < end]

    # ----- utilities -------------------------------------------------------------------------------

    def _category_utility(self, category: int) -> np.ndarray:
        if category not in self._utility:
            self._utility[category] = utility(self.taste, self.catalog, self.catalog.members[category])
        return self._utility[category]

    def _u(self, product: int) -> float:
        return float(self._category_utility(int(self.catalog.category[product]))[self.catalog.slot[product]])

    def _pick(self, category: int, weight_u: float, weight_pop: float, exclude: set[int]) -> int | None:
        """A product of `category` by softmax(weight_u * utility + weight_pop * popularity)."""
        members = self.catalog.members[category]
        key = (category, weight_u, weight_pop)
        if key not in self._scores:
            self._scores[key] = (
                weight_u * self._category_utility(category) + weight_pop * self.catalog.popularity[members]
            )
        score = self._scores[key]
        if exclude:
            excluded = np.fromiter(exclude, dtype=int, count=len(exclude))
            at = np.minimum(np.searchsorted(members, excluded), members.size - 1)
            score = score.copy()
            score[at[members[at] == excluded]] = -np.inf
        if not np.isfinite(score).any():
            return None
        return int(members[_draw(score, self.rng)])

    # ----- events ----------------------------------------------------------------------------------

    def _emit(
        self,
        visit: _Visit,
        gap: float,
        kind: str,
        product: int = -1,
        request: str | None = None,
        **search_or_rating: Any,
    ) -> str:
        """Record an event `gap` seconds (at least 1, at most 10 minutes) after the previous one."""
        visit.t += 1 + int(min(gap, 600.0))
        event_id = f"{self.event_prefix}-{len(self.events):05d}"
        raw = RawEvent(visit.t, kind, visit.session, event_id, product, request=request, **search_or_rating)
        self.events.append(raw)
        return event_id

    # ----- a session -------------------------------------------------------------------------------

    def _session(self, start: int, end: int) -> int:
        session = f"{self.session_prefix}-{len(self.sessions):03d}"
        self.sessions.append(session)
        category, mission, planned = self._intent(start)
        visit = _Visit(session, start, mission)
        rng = self.rng
        if self.consider and not planned and rng.random() < 0.25:
            self._revisit(visit)
        elif rng.random() < self.taste.search_rate:
            self._search(visit, category)
        else:
            landing = self._pick(category, 0.6, 0.6, set())
            if landing is not None:
                self._view(visit, landing, None)
        self._checkout(visit, end)
        return visit.t

    def _intent(self, now: int) -> tuple[int, bool, bool]:
        """The category this session is about, whether the shopper means to buy, and whether the
        visit was planned (a complement of an earlier purchase)."""
        rng, taste = self.rng, self.taste
        if self.pending:  # the oldest complement still wanted
            category, until = next(iter(self.pending.items()))
            if until < now:
                del self.pending[category]
            elif rng.random() < taste.complement_follow:
                del self.pending[category]
                return category, True, True
        if rng.random() < taste.explore:
            if rng.random() < 0.5:
                return (
                    int(rng.choice(self.persona.categories, p=self.persona.weights)),
                    rng.random() < 0.2,
                    False,
                )
            return int(rng.integers(len(self.catalog.categories))), rng.random() < 0.1, False
        return int(rng.choice(taste.favourites, p=taste.weights)), rng.random() < 0.35, False

    def _revisit(self, visit: _Visit) -> None:
        """Back to something seen before: recent and well-liked items are likelier."""
        items = list(self.consider)[-10:]
        score = np.array([self._u(p) for p in items]) + 0.15 * np.arange(len(items))
        product = items[_draw(score, self.rng)]
        visit.mission = visit.mission or self.rng.random() < 0.4
        self._view(visit, product, None, bonus=0.8)

    def _search(self, visit: _Visit, category: int) -> None:
        rng = self.rng
        for attempt in range(3):
            target = self._pick(category, 1.0, 0.3, set())
            if target is None:
                return
            query = build_query(self.catalog, self.taste, target, rng, refine=attempt > 0)
            shown = rank_results(self.catalog, query, category, rng, self.page_size)
            request = self._emit(
                visit, rng.exponential(20.0), "search", query=query.text, shown=tuple(int(p) for p in shown)
            )
            if self._scan(visit, shown, request) or rng.random() < 0.55:
                return

    def _scan(self, visit: _Visit, shown: np.ndarray, request: str) -> int:
        """Clicks on the shown results, top-down, with position bias; returns how many."""
        rng, clicks = self.rng, 0
        for position, product in enumerate(int(p) for p in shown):
            if len(visit.viewed) >= MAX_VIEWS or clicks >= MAX_CLICKS:
                break
            examine = 0.95 / (1.0 + position) ** _EXAMINE_DECAY
            if rng.random() >= examine * _sigmoid(self._u(product) - 0.6):
                continue
            clicks += 1
            self._emit(
                visit, 4 + rng.exponential(12.0), "click", product=product, request=request, position=position
            )
            carted = self._view(visit, product, request)
            if carted and rng.random() < 0.6:
                break
        return clicks

    def _view(self, visit: _Visit, product: int, request: str | None, bonus: float = 0.0) -> bool:
        """A product page view, maybe add to cart, maybe a chain of related products; True if carted."""
        rng, catalog = self.rng, self.catalog
        self._emit(visit, 2 + rng.exponential(6.0), "view", product=product, request=request)
        visit.viewed.add(product)
        u = self._u(product)
        carted = False
        logit = _CART_BIAS + _CART_SLOPE * u + bonus + (1.0 if visit.mission else 0.0)
        if catalog.in_stock[product] and product not in visit.cart and rng.random() < _sigmoid(logit):
            self._emit(visit, 10 + rng.exponential(45.0), "add_to_cart", product=product, request=request)
            visit.cart[product] = request
            carted = True
        self.consider.pop(product, None)
        self.consider[product] = visit.t
        if len(visit.viewed) < MAX_VIEWS and rng.random() < (0.2 if carted else 0.4):
            related = self._pick(int(catalog.category[product]), 0.8, 0.5, visit.viewed)
            if related is not None:
                self._view(visit, related, None)
        return carted

    def _checkout(self, visit: _Visit, end: int) -> None:
        rng = self.rng
        if not visit.cart or rng.random() >= (0.7 if visit.mission else 0.45):
            return
        visit.t += 30 + int(min(rng.exponential(90.0), 600.0))
        for product, request in visit.cart.items():
            if rng.random() >= 0.88:
                continue
            self._emit(visit, rng.exponential(2.0), "purchase", product=product, request=request)
            self.consider.pop(product, None)
            for complement in self.complements.get(int(self.catalog.category[product]), ()):
                self.pending[complement] = visit.t + 30 * DAY
            if self.taste.signed_in and rng.random() < self.rating_rate:
                self._rate(product, visit.t + int(rng.uniform(2, 20) * DAY), end)

    def _rate(self, product: int, when: int, end: int) -> None:
        """A rating some days after the purchase, in a visit of its own; stars follow the utility."""
        if when >= end:
            return
        category = int(self.catalog.category[product])
        relative = self._u(product) - float(np.mean(self._category_utility(category)))
        stars = 2.4 + 0.7 * relative + 0.35 * self.catalog.rating_z[product] + self.rng.normal(0.0, 0.8)
        session = f"{self.session_prefix}-{len(self.sessions):03d}"
        self.sessions.append(session)
        visit = _Visit(session, when - 1, mission=False)
        self._emit(visit, 0.0, "rating", product=product, rating=float(min(5, max(1, round(stars)))))
