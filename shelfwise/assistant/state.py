"""The dialogue state: what the shopper has asked for so far in one conversation, immutable, one
new state per turn (`update.py` makes it from the previous one and the turn's reading)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.records import Filters, PriceRange

Language = str  # "en" or "zh"


class DialogueState(BaseModel):
    """A conversation's need: the product words, category, price range, wanted and excluded
    brands and attribute values, the use, and what was shown and asked last."""

    model_config = ConfigDict(frozen=True)

    language: Language = "en"
    turn: int = Field(default=0, ge=0, description="turns taken so far")
    text: str = Field(default="", description="the product words retrieval matches ('laptop', '连衣裙')")
    use: str = Field(default="", description="what it is for ('running', '跑步')")
    category: str | None = Field(default=None, description="category path prefix chosen by the shopper")
    price_min: float | None = None
    price_max: float | None = None
    brands: tuple[str, ...] = ()
    excluded_brands: tuple[str, ...] = ()
    attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    excluded: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="attribute name -> values the shopper does not want"
    )
    settled: tuple[str, ...] = Field(
        default=(),
        description="fields the shopper answered, or said any value is fine ('brand', 'attr:color')",
    )
    questions_in_row: int = Field(
        default=0, ge=0, description="questions asked since products were last shown"
    )
    pending: str | None = Field(default=None, description="the field of the question just asked")
    shown: tuple[str, ...] = Field(default=(), description="product ids shown last, in order")

    @property
    def has_need(self) -> bool:
        """Whether anything is known of what the shopper wants."""
        return bool(
            self.text or self.category or self.brands or self.attributes or self.use
            or self.price_min is not None or self.price_max is not None
        )  # fmt: skip

    def retrieval_text(self) -> str:
        """The words retrieval matches: the product words, then the use."""
        return " ".join(part for part in (self.text, self.use) if part)

    def filters(self) -> Filters:
        """The hard filters: category, brands, price, wanted attribute values (exclusions are
        applied to the candidates after retrieval: filters have no 'not')."""
        price = None
        if self.price_min is not None or self.price_max is not None:
            price = PriceRange(min=self.price_min, max=self.price_max)
        return Filters(
            category=self.category, brands=self.brands, price=price, attributes=dict(self.attributes)
        )

    def constrained(self) -> frozenset[str]:
        """Fields that a question need not ask about any more."""
        fields = set(self.settled)
        fields |= {"brand"} if self.brands else set()
        fields |= {"price"} if self.price_min is not None or self.price_max is not None else set()
        fields |= {f"attr:{name}" for name in self.attributes}
        return frozenset(fields)
