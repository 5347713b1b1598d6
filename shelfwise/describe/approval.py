"""The admin's decisions on a draft: save an edit (still pending), approve (the text becomes the
product's description) or reject. Each decides only a pending draft, and only once: two admins
deciding the same draft at once get one success and one `DraftConflict`.

Approving records the decision first, then writes the product through `write` (the server's
`upsert_products`: validated, stored with a new catalog sequence number, and in this process's
index at once; other server processes index it at their catch-up, and `shelfwise index` catches
up an index built offline). Should the write fail after the decision, the next `shelfwise
describe` finds an approved draft on a product without a description and writes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from shelfwise.describe.records import DescriptionDraft, with_description
from shelfwise.describe.store import DraftStore
from shelfwise.records import Product
from shelfwise.store import Store

MAX_TEXT = 5000


class DraftConflict(ValueError):
    """The draft is not pending (decided already, perhaps by someone else), or the product changed."""


def _pending(drafts: DraftStore, product_id: str) -> DescriptionDraft:
    draft = drafts.get(product_id)
    if draft is None:
        raise LookupError(f"no description draft for product '{product_id}'")
    if draft.status != "pending":
        raise DraftConflict(f"the draft of product '{product_id}' is {draft.status} already")
    return draft


def _checked_text(product_id: str, text: str) -> str:
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if not cleaned:
        raise ValueError(f"product '{product_id}': text: the description is empty")
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"product '{product_id}': text: longer than {MAX_TEXT} characters")
    return cleaned


def _decide(drafts: DraftStore, decided: DescriptionDraft) -> DescriptionDraft:
    if not drafts.decide(decided, "pending"):
        raise DraftConflict(f"the draft of product '{decided.product_id}' was decided meanwhile")
    return decided


def save_edit(drafts: DraftStore, product_id: str, text: str) -> DescriptionDraft:
    """The admin's wording, kept pending (marked edited; the generator stays on record)."""
    draft = _pending(drafts, product_id)
    cleaned = _checked_text(product_id, text)
    if cleaned == draft.text:
        return draft
    return _decide(drafts, draft.model_copy(update={"text": cleaned, "source": "edited"}))


def reject(drafts: DraftStore, product_id: str, by: str, now: datetime) -> DescriptionDraft:
    draft = _pending(drafts, product_id)
    return _decide(
        drafts, draft.model_copy(update={"status": "rejected", "decided_at": now, "decided_by": by})
    )


def approve(
    drafts: DraftStore,
    catalog: Store,
    write: Callable[[Sequence[Product]], object],
    product_id: str,
    by: str,
    now: datetime,
    text: str | None = None,
) -> DescriptionDraft:
    """Approve the draft (with the admin's `text`, if given) and make it the product's description.
    Refused (`DraftConflict`) when the product got a description of its own since."""
    draft = _pending(drafts, product_id)
    cleaned = draft.text if text is None else _checked_text(product_id, text)
    product = catalog.get(product_id)
    if product is None:
        raise LookupError(f"product '{product_id}' is no longer in the catalog")
    if product.description.strip() and product.description.strip() != cleaned:
        raise DraftConflict(
            f"product '{product_id}' has a description since the draft was written; reject the draft"
        )
    update: dict[str, object] = {"status": "approved", "decided_at": now, "decided_by": by, "text": cleaned}
    if cleaned != draft.text:
        update["source"] = "edited"
    decided = _decide(drafts, draft.model_copy(update=update))
    write([with_description(product, cleaned)])
    return decided
