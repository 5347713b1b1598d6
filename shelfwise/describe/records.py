"""The records of generated descriptions: a draft waiting for the admin (generated, marked so,
with where it came from), a problem with one product's input, and what a run did."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.records import Product

DraftStatus = Literal["pending", "approved", "rejected"]
DraftSource = Literal["template", "rephrased", "edited"]
DescribeLanguage = Literal["en", "zh"]
DRAFT_STATUSES: tuple[DraftStatus, ...] = ("pending", "approved", "rejected")


class DescriptionDraft(BaseModel):
    """A generated description of one product, as stored until (and after) the admin decides.
    The record is the mark of generated text: where it came from, when, by which template or
    model, and the admin's decision; only an approved draft becomes the product's description."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str = Field(min_length=1, max_length=256)
    text: str = Field(min_length=1, max_length=5000)
    language: DescribeLanguage = "en"
    source: DraftSource = Field(description="template, rephrased by the model, or edited by the admin")
    generator: str = Field(description="the template grammar's id, or the model's, that wrote it")
    template_text: str = Field(description="what the template grammar wrote (the text that stands)")
    status: DraftStatus = "pending"
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, description="the key id that approved or rejected it")
    notes: tuple[str, ...] = Field(default=(), description="why a rephrasing was not kept, and the like")


@dataclass(frozen=True)
class DescribeProblem:
    """Bad input of one product: the product, the field and what is wrong. `skipped` when the
    product got no draft; otherwise the field was left out of its description."""

    product_id: str
    field: str
    message: str
    skipped: bool = False

    def __str__(self) -> str:
        outcome = "no draft" if self.skipped else "field left out"
        return f"product {self.product_id}: {self.field}: {self.message} ({outcome})"


@dataclass(frozen=True)
class DescribeReport:
    """What one `describe` run did: the drafts written, the approved descriptions restored on
    products that had lost them, products passed over (with why) and the input's problems."""

    drafted: tuple[DescriptionDraft, ...] = ()
    restored: tuple[str, ...] = ()
    passed_over: tuple[tuple[str, str], ...] = ()
    problems: tuple[DescribeProblem, ...] = ()

    @property
    def rephrased(self) -> int:
        return sum(1 for draft in self.drafted if draft.source == "rephrased")


def newest_first(drafts: Collection[DescriptionDraft]) -> list[DescriptionDraft]:
    """Newest first, then by product id (the order of every backend's lists)."""
    ordered = sorted(drafts, key=lambda d: d.product_id)
    return sorted(ordered, key=lambda d: d.created_at, reverse=True)


def zero_counts(found: dict[str, int]) -> dict[str, int]:
    """Drafts per status, every status named."""
    return {status: int(found.get(status, 0)) for status in DRAFT_STATUSES}


GENERATED_SOURCE = "generated"
"""`Product.attribute_sources["description"]` of a product whose description is an approved draft."""


def with_description(product: Product, text: str) -> Product:
    """The product with an approved generated description, marked as generated."""
    sources = {**product.attribute_sources, "description": GENERATED_SOURCE}
    return product.model_copy(update={"description": text, "attribute_sources": sources})
