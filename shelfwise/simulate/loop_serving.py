"""What the closed-loop simulator asks a ranker under test, and how it checks and logs the answer.

The simulator calls a `ServingRanker` once per search or home-feed request with a `LoopRequest`;
the ranker answers with the product ids to show, best first. `LoopServer` does what serving does
around that call: it exposes the request to the running experiments (their settings overrides go
into the request), checks the answer and logs it as an `Impression`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import JsonValue

from shelfwise.experiments import Experiments
from shelfwise.impressions.records import Impression, ShownItem

LoopSurface = Literal["search", "recommend"]


@dataclass(frozen=True, slots=True)
class LoopRequest:
    """One request a simulated shopper makes; `settings` are the experiments' overrides for it.

    `recent` are the shopper's recently viewed product ids, oldest first: a signed-in shopper's
    history across visits, an anonymous shopper's current visit only (what a shop can know).
    """

    surface: LoopSurface
    request_id: str
    timestamp: datetime
    session_id: str
    page_size: int
    user_id: str | None = None
    query: str | None = None  # search requests: what the shopper typed
    settings: dict[str, JsonValue] = field(default_factory=dict)
    recent: tuple[str, ...] = ()

    @property
    def actor(self) -> str:
        """'user:<id>' when signed in, else 'session:<id>' (as `Event.actor`)."""
        return f"user:{self.user_id}" if self.user_id is not None else f"session:{self.session_id}"


@runtime_checkable
class ServingRanker(Protocol):
    """Whatever serves the shoppers in the loop: product ids to show, best first, at most
    `request.page_size`, each a catalog id and none twice."""

    def __call__(self, request: LoopRequest) -> Sequence[str]: ...


class RankerOutputError(ValueError):
    """A ranker answered something the loop cannot show; the message names the request and id."""


def check_ranking(ids: Sequence[str], request: LoopRequest, index: dict[str, int]) -> np.ndarray:
    """The catalog positions of `ids`, or a `RankerOutputError` saying what is wrong with them."""
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise RankerOutputError(
            f"request {request.request_id}: the ranker must return a sequence of product ids, "
            f"got {type(ids).__name__}"
        )
    if len(ids) > request.page_size:
        raise RankerOutputError(
            f"request {request.request_id}: {len(ids)} products returned for a page of {request.page_size}"
        )
    shown = np.empty(len(ids), dtype=int)
    for position, product_id in enumerate(ids):
        at = index.get(product_id) if isinstance(product_id, str) else None
        if at is None:
            raise RankerOutputError(
                f"request {request.request_id}: unknown product id {product_id!r} at position {position}"
            )
        shown[position] = at
    if np.unique(shown).size != shown.size:
        counts = Counter(ids)
        repeated = next(p for p in ids if counts[p] > 1)
        raise RankerOutputError(f"request {request.request_id}: product id {repeated!r} shown twice")
    return shown


@dataclass(frozen=True, slots=True)
class Served:
    """A checked response: its request and the catalog positions shown, in order."""

    request: LoopRequest
    shown: np.ndarray


class LoopServer:
    """Exposes each request to the experiments, asks the ranker, checks and logs the answer."""

    def __init__(
        self, ids: Sequence[str], ranker: ServingRanker, experiments: Experiments | None = None
    ) -> None:
        self.ids = tuple(ids)
        self.index = {product_id: i for i, product_id in enumerate(self.ids)}
        self.ranker = ranker
        self.experiments = experiments
        self.impressions: list[Impression] = []

    def serve(
        self,
        *,
        surface: LoopSurface,
        request_id: str,
        at: datetime,
        session_id: str,
        user_id: str | None,
        page_size: int,
        query: str | None = None,
        recent: tuple[str, ...] = (),
    ) -> Served:
        variants: dict[str, str] = {}
        settings: dict[str, JsonValue] = {}
        if self.experiments is not None:
            decision = self.experiments.expose(
                surface=surface, request_id=request_id, at=at, user_id=user_id, session_id=session_id
            )
            settings = decision.overrides()
            variants = {a.experiment: a.variant for a in decision.assignments}
        request = LoopRequest(
            surface=surface,
            request_id=request_id,
            timestamp=at,
            session_id=session_id,
            page_size=page_size,
            user_id=user_id,
            query=query,
            settings=settings,
            recent=recent,
        )
        shown = check_ranking(self.ranker(request), request, self.index)
        self.impressions.append(
            Impression(
                request_id=request_id,
                surface=surface,
                timestamp=at,
                user_id=user_id,
                session_id=session_id,
                query=query,
                items=tuple(
                    ShownItem(product_id=self.ids[p], position=i) for i, p in enumerate(shown.tolist())
                ),
                variants=variants,
                context={"page_size": page_size},
            )
        )
        return Served(request, shown)
