"""One impression as a table row and back, shared by the SQLite and PostgreSQL logs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from shelfwise.impressions.records import Impression, ShownItem
from shelfwise.store.durable_sqlite import from_micros, to_micros


def impression_row(impression: Impression) -> tuple[object, ...]:
    """The impression as the row both SQL backends store (items, variants, context as JSON)."""
    items = [[item.product_id, item.position, item.score] for item in impression.items]
    return (
        impression.request_id,
        impression.surface,
        to_micros(impression.timestamp),
        impression.user_id,
        impression.session_id,
        impression.query,
        json.dumps(items, separators=(",", ":")),
        json.dumps(impression.variants, separators=(",", ":"), sort_keys=True),
        json.dumps(impression.context, separators=(",", ":"), sort_keys=True),
    )


def impression_from_row(row: Sequence[object]) -> Impression:
    """The impression a stored row holds (the columns of `impression_row`, in order)."""
    request_id, surface, ts, user_id, session_id, query, items, variants, context = row
    return Impression(
        request_id=str(request_id),
        surface=str(surface),
        timestamp=from_micros(int(ts)),  # type: ignore[call-overload]
        user_id=None if user_id is None else str(user_id),
        session_id=None if session_id is None else str(session_id),
        query=None if query is None else str(query),
        items=tuple(
            ShownItem(product_id=pid, position=pos, score=score) for pid, pos, score in json.loads(str(items))
        ),
        variants=json.loads(str(variants)),
        context=json.loads(str(context)),
    )
