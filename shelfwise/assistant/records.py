"""What the assistant answers: the reply, the products with the sources of what it says about
them, the one question with its options, and the state after the turn."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.assistant.state import DialogueState
from shelfwise.records import Product

Action = Literal["show", "ask", "compare", "faq", "unknown", "nothing"]


class Source(BaseModel):
    """One fact a reply states and where it came from: a product's field ('price', 'brand',
    'attr:weight', 'rating', 'review': a review summary's statement) or a FAQ entry ('faq')."""

    model_config = ConfigDict(frozen=True)

    product_id: str = Field(default="", description="empty for a FAQ answer")
    field: str
    value: str = Field(description="the value as the reply states it")


class Statement(BaseModel):
    """One sentence of a reply and the facts it states (the grounding checker reads both)."""

    model_config = ConfigDict(frozen=True)

    text: str
    sources: tuple[Source, ...] = ()


class ShownProduct(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: Product
    sources: list[Source] = Field(description="the facts the reply states about this product")


class Option(BaseModel):
    """A clickable answer: send `field` and `value` back as the request's `choice`."""

    model_config = ConfigDict(frozen=True)

    label: str
    field: str
    value: str = Field(description="empty: any value is fine")
    count: int = Field(ge=0, description="candidates with this value")
    price_min: float | None = None
    price_max: float | None = None


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = Field(description="category, brand, price or attr:<name>")
    text: str
    options: list[Option]
    information_bits: float = Field(description="entropy of the field over the current candidates")


class AssistantAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: str
    request_id: str
    action: Action
    reply: str
    statements: list[Statement] = Field(default_factory=list)
    products: list[ShownProduct] = Field(default_factory=list)
    question: Question | None = None
    hand_off: bool = Field(default=False, description="the assistant does not know: offer a person")
    state: DialogueState
    candidates: int = Field(default=0, ge=0, description="products that matched the state this turn")
    took_ms: float = 0.0
