"""One shopper's visits in the closed loop: the ranker under test decides what they see.

Sessions are those of the open-loop `ShopperRun` (intent, mission, revisits, landing pages,
refined searches, checkout, ratings, complements), with two changes. Every search and every
home feed is served by the `LoopServer`, and what the shopper does with a response follows a
known model, so that each shown item's probabilities are exact:

- request utility `u` = the shopper's `utility` of the product + its relevance to the request
  (`relevance`: off-category results and ignored query words cost utility);
- click: `examine(position) * sigmoid(u - CLICK_OFFSET)`, one independent draw per shown item
  (no cascade: an earlier click never stops the scan);
- cart after a click: `sigmoid(CART_BIAS + CART_SLOPE * u + mission)`, 0 when out of stock or
  already in the cart when the response was served; the product pages a click leads on to are
  browsed (viewed) but never carted, so nothing else moves the cart while a response is open;
- purchase of a carted item: one checkout draw per visit (`checkout_probability(mission)`), then
  `ITEM_PURCHASE` per cart line, each independent.

So P(purchase | click) = cart * checkout * ITEM_PURCHASE, exactly, computed when served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.loop_serving import LoopServer, LoopSurface, Served
from shelfwise.simulate.prefs import Persona, Taste, utility
from shelfwise.simulate.query import Query, build_query
from shelfwise.simulate.session import (
    _CART_BIAS,
    _CART_SLOPE,
    _EXAMINE_DECAY,
    DAY,
    MAX_VIEWS,
    ShopperRun,
    _Visit,
)

EXAMINE_TOP: Final = 0.95  # chance the first result is looked at
EXAMINE_DECAY: Final = _EXAMINE_DECAY
CLICK_OFFSET: Final = 0.6
CART_BIAS: Final = _CART_BIAS
CART_SLOPE: Final = _CART_SLOPE
MISSION_BONUS: Final = 1.0  # added to the cart logit when the shopper came to buy
CHECKOUT_MISSION: Final = 0.7
CHECKOUT_BROWSING: Final = 0.45
ITEM_PURCHASE: Final = 0.88
RECENT_ITEMS: Final = 20  # product ids sent with a request
# relevance: what a shown product costs in utility when it misses the request
OTHER_CATEGORY: Final = -2.0  # search: same department as the intent, another category
OTHER_DEPARTMENT: Final = -4.0
MISSED_BRAND: Final = -0.8  # search: a brand, colour or material the query named, not this one's
MISSED_COLOUR: Final = -0.6
MISSED_MATERIAL: Final = -0.4
OVER_PRICE: Final = -1.5  # search: above the "under N" of the query
FEED_FAVOURITE: Final = -0.7  # home feed: a favourite category other than today's intent
FEED_DEPARTMENT: Final = -1.5
FEED_OTHER: Final = -2.5


def examine(positions: np.ndarray) -> np.ndarray:
    """Chance that the shopper looks at each 0-based position."""
    return EXAMINE_TOP / (1.0 + positions) ** EXAMINE_DECAY


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def checkout_probability(mission: bool) -> float:
    return CHECKOUT_MISSION if mission else CHECKOUT_BROWSING


def relevance(
    catalog: ShopCatalog,
    taste: Taste,
    surface: LoopSurface,
    intent: int,
    query: Query | None,
    shown: np.ndarray,
) -> np.ndarray:
    """How much each shown product misses what the shopper came for (0 = what they wanted)."""
    category = catalog.category[shown]
    same_department = catalog.department[category] == catalog.department[intent]
    if surface == "recommend":
        score = np.where(same_department, FEED_DEPARTMENT, FEED_OTHER)
        score = np.where(np.isin(category, taste.favourites), FEED_FAVOURITE, score)
        return np.where(category == intent, 0.0, score)
    score = np.where(category == intent, 0.0, np.where(same_department, OTHER_CATEGORY, OTHER_DEPARTMENT))
    if query is not None:
        if query.brand >= 0:
            score = score + MISSED_BRAND * (catalog.brand[shown] != query.brand)
        if query.colour:
            score = score + MISSED_COLOUR * (catalog.colour_text[shown] != query.colour)
        if query.material >= 0:
            score = score + MISSED_MATERIAL * (catalog.material[shown] != query.material)
        if query.max_price is not None:
            score = score + OVER_PRICE * (np.nan_to_num(catalog.price[shown], nan=0.0) > query.max_price)
    return score


class Outcome:
    """What is known and what came of one shown item (a mutable tally while the run goes on)."""

    __slots__ = ("carted", "clicked", "converted", "position", "revenue", "true_ctr", "true_cvr", "utility")

    def __init__(self, position: int, u: float, ctr: float, cvr: float) -> None:
        self.position, self.utility, self.true_ctr, self.true_cvr = position, u, ctr, cvr
        self.clicked = self.carted = self.converted = False
        self.revenue = 0.0


@dataclass(frozen=True)
class RunSettings:
    """What one shopper's run needs besides their taste: who they are and how pages are served."""

    user_id: str | None
    start: datetime  # the window's start: times are seconds after it
    page_size: int
    feed_size: int
    home_feed_share: float
    rating_rate: float


class LoopRun(ShopperRun):
    """Every session of one shopper, one at a time (`session`), served by `server`."""

    def __init__(
        self,
        catalog: ShopCatalog,
        complements: dict[int, tuple[int, ...]],
        persona: Persona,
        taste: Taste,
        ids: tuple[str, str, str],
        rng: np.random.Generator,
        settings: RunSettings,
        server: LoopServer,
        outcomes: dict[tuple[str, str], Outcome],
    ) -> None:
        session_prefix, event_prefix, self.request_prefix = ids
        super().__init__(
            catalog,
            complements,
            persona,
            taste,
            (session_prefix, event_prefix),
            rng,
            settings.page_size,
            settings.rating_rate,
        )
        self.settings, self.server, self.outcomes = settings, server, outcomes
        self.requests = 0
        self.recent: dict[int, None] = {}  # viewed products, oldest first
        self._lines: dict[int, int] = {}  # carted product -> the position it was shown at

    # ----- a session -------------------------------------------------------------------------------

    def session(self, start: int, end: int) -> int:
        """One visit from `start` (seconds); returns when it ended."""
        session = f"{self.session_prefix}-{len(self.sessions):03d}"
        self.sessions.append(session)
        category, mission, planned = self._intent(start)
        visit = _Visit(session, start, mission)
        self._lines = {}
        if not self.taste.signed_in:
            self.recent.clear()  # an anonymous shopper's visits are not linked
        rng = self.rng
        if self.consider and not planned and rng.random() < 0.25:
            self._revisit(visit)
        elif rng.random() < self.settings.home_feed_share:
            if not self._home_feed(visit, category) and rng.random() < 0.5:
                self._search(visit, category)
        elif rng.random() < self.taste.search_rate:
            self._search(visit, category)
        else:
            landing = self._pick(category, 0.6, 0.6, set())
            if landing is not None:
                self._view(visit, landing, None)
        self._checkout(visit, end)
        return visit.t

    def _emit(
        self,
        visit: _Visit,
        gap: float,
        kind: str,
        product: int = -1,
        request: str | None = None,
        **search_or_rating: Any,
    ) -> str:
        event_id = super()._emit(visit, gap, kind, product, request, **search_or_rating)
        if kind == "view":
            self.recent.pop(product, None)
            self.recent[product] = None
            if len(self.recent) > RECENT_ITEMS:
                del self.recent[next(iter(self.recent))]
        return event_id

    # ----- requests --------------------------------------------------------------------------------

    def _serve(self, visit: _Visit, t: int, surface: LoopSurface, query: str | None) -> Served:
        """The response to a request made `t` seconds into the window."""
        self.requests += 1
        ids, settings = self.catalog.ids, self.settings
        return self.server.serve(
            surface=surface,
            request_id=f"{self.request_prefix}-{self.requests:04d}",
            at=settings.start + timedelta(seconds=t),
            session_id=visit.session,
            user_id=settings.user_id,
            page_size=settings.page_size if surface == "search" else settings.feed_size,
            query=query,
            recent=tuple(ids[p] for p in self.recent),
        )

    def _search(self, visit: _Visit, category: int) -> None:
        rng = self.rng
        for attempt in range(3):
            target = self._pick(category, 1.0, 0.3, set())
            if target is None:
                return
            query = build_query(self.catalog, self.taste, target, rng, refine=attempt > 0)
            gap = rng.exponential(20.0)
            served = self._serve(visit, visit.t + 1 + int(min(gap, 600.0)), "search", query.text)  # as _emit
            shown = tuple(int(p) for p in served.shown)
            self._emit(visit, gap, "search", query=query.text, shown=shown, request=served.request.request_id)
            fit = relevance(self.catalog, self.taste, "search", category, query, served.shown)
            if self._react(visit, served, fit) or rng.random() < 0.55:
                return

    def _home_feed(self, visit: _Visit, category: int) -> int:
        """The home page's recommendations; returns how many were clicked."""
        visit.t += 1 + int(min(self.rng.exponential(8.0), 600.0))
        served = self._serve(visit, visit.t, "recommend", None)
        fit = relevance(self.catalog, self.taste, "recommend", category, None, served.shown)
        return self._react(visit, served, fit)

    def _react(self, visit: _Visit, served: Served, fit: np.ndarray) -> int:
        """The known model: every shown item's probabilities, then its independent click draw."""
        shown, catalog, request = served.shown, self.catalog, served.request.request_id
        u = utility(self.taste, catalog, shown) + fit
        ctr = examine(np.arange(shown.size)) * sigmoid(u - CLICK_OFFSET)
        cartable = catalog.in_stock[shown] & np.array([int(p) not in visit.cart for p in shown], dtype=bool)
        logit = CART_BIAS + CART_SLOPE * u + (MISSION_BONUS if visit.mission else 0.0)
        cart = np.where(cartable, sigmoid(logit), 0.0)
        buy = checkout_probability(visit.mission) * ITEM_PURCHASE
        outcomes = []
        for position, product in enumerate(shown.tolist()):
            outcome = Outcome(position, float(u[position]), float(ctr[position]), float(cart[position] * buy))
            self.outcomes[(request, catalog.ids[product])] = outcome
            outcomes.append(outcome)
        clicked = np.flatnonzero(self.rng.random(shown.size) < ctr)
        for position in clicked.tolist():
            outcomes[position].clicked = True
            outcomes[position].carted = self._respond(
                visit, int(shown[position]), request, position, float(cart[position])
            )
        return int(clicked.size)

    def _respond(self, visit: _Visit, product: int, request: str, position: int, cart: float) -> bool:
        """A click on a shown item: its page, maybe the cart (True), maybe a walk through related pages."""
        rng = self.rng
        self._emit(visit, 4 + rng.exponential(12.0), "click", product, request, position=position)
        self._emit(visit, 2 + rng.exponential(6.0), "view", product, request, position=position)
        visit.viewed.add(product)
        carted = bool(rng.random() < cart)
        if carted:
            self._emit(visit, 10 + rng.exponential(45.0), "add_to_cart", product, request, position=position)
            visit.cart[product] = request
            self._lines[product] = position
        self.consider.pop(product, None)
        self.consider[product] = visit.t
        if rng.random() < (0.2 if carted else 0.4):
            self._browse(visit, product)
        return carted

    def _browse(self, visit: _Visit, product: int) -> None:
        """Related product pages, viewed only (carting them would move the cart under an open response)."""
        while len(visit.viewed) < MAX_VIEWS:
            related = self._pick(int(self.catalog.category[product]), 0.8, 0.5, visit.viewed)
            if related is None:
                return
            self._emit(visit, 2 + self.rng.exponential(6.0), "view", related)
            visit.viewed.add(related)
            self.consider.pop(related, None)
            self.consider[related] = visit.t
            if self.rng.random() >= 0.4:
                return
            product = related

    def _checkout(self, visit: _Visit, end: int) -> None:
        """One checkout draw per visit, then one draw per cart line; positions go with the purchase."""
        rng = self.rng
        if not visit.cart or rng.random() >= checkout_probability(visit.mission):
            return
        visit.t += 30 + int(min(rng.exponential(90.0), 600.0))
        for product, request in visit.cart.items():
            if rng.random() >= ITEM_PURCHASE:
                continue
            position = self._lines.get(product) if request is not None else None
            self._emit(visit, rng.exponential(2.0), "purchase", product, request, position=position)
            if request is not None:
                outcome = self.outcomes[(request, self.catalog.ids[product])]
                outcome.converted = True
                price = float(self.catalog.price[product])
                outcome.revenue += 0.0 if np.isnan(price) else price
            self.consider.pop(product, None)
            for complement in self.complements.get(int(self.catalog.category[product]), ()):
                self.pending[complement] = visit.t + 30 * DAY
            if self.taste.signed_in and rng.random() < self.rating_rate:
                self._rate(product, visit.t + int(rng.uniform(2, 20) * DAY), end)
