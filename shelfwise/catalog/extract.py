"""Product attribute extraction from free text, for feeds that lack structured attributes.

`AttributeExtractor` finds brand, color, material, dimensions (with width/height/length/depth where
labelled), weight, volume, pack size, voltage, wattage and amperage in a product's title (and, for
what the title lacks, its description), using rules and lexicons plus the spaCy English model:

    extractor = AttributeExtractor(ExtractionConfig(brands=known_brands(catalog)))
    found = extractor.extract("Milwaukee M18 18-Volt 1/2 in. Drill (2-Pack)")
    found.as_dict()  # {'brand': 'Milwaukee', 'dimensions': '1/2 in', 'pack_size': '2', 'voltage': '18V'}
    products = extractor.apply_many(products)  # fills only what the feed left out

Precedence: a known-brand (gazetteer) match beats spaCy's guess; rules beat spaCy for pack sizes;
title beats description. `apply` never overrides a value the feed gave and records each filled
value's source in `Product.attribute_sources` ('rules' or 'spacy').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from shelfwise.catalog.extract_brands import learn_brands
from shelfwise.catalog.extract_nlp import SpacyModel, brand_candidate, pack_from_entities, product_type
from shelfwise.catalog.extract_rules import RuleSet, clean_text, rule_values
from shelfwise.catalog.extract_types import (
    ALL_ATTRIBUTES,
    DEFAULT_ATTRIBUTES,
    SPACY_ATTRIBUTES,
    ExtractedAttributes,
    ExtractedValue,
    ExtractionConfig,
)
from shelfwise.catalog.feed import attribute_name
from shelfwise.records import Product

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "ALL_ATTRIBUTES",
    "DEFAULT_ATTRIBUTES",
    "AttributeExtractor",
    "ExtractedAttributes",
    "ExtractedValue",
    "ExtractionConfig",
    "SpacyModel",
    "fill_missing",
    "known_brands",
    "learn_brands",
]

DESCRIPTION_CONFIDENCE = 0.8
"""Values found only in the description count for a little less than title values."""


class AttributeExtractor:
    """Extracts attributes from product text; the spaCy model is loaded on first need, once."""

    def __init__(
        self,
        config: ExtractionConfig | None = None,
        *,
        nlp: Language | None = None,
        model: SpacyModel | None = None,
    ) -> None:
        """`nlp` (a loaded pipeline) or `model` (a SpacyModel, maybe shared) skips loading it again."""
        self.config = config or ExtractionConfig()
        self.model = model or SpacyModel(self.config.spacy_model, nlp)
        self._rules = RuleSet(self.config.brands)
        self._needs_spacy = self.config.use_spacy and any(self.config.wants(n) for n in SPACY_ATTRIBUTES)

    def with_config(self, config: ExtractionConfig) -> AttributeExtractor:
        """Another extractor with `config` that shares this one's spaCy model."""
        return AttributeExtractor(config, model=self.model)

    def extract(self, title: str, description: str = "") -> ExtractedAttributes:
        """Attributes found in one product's title and description."""
        return self.extract_texts([title], [description])[0]

    def extract_many(self, products: Iterable[Product], batch_size: int = 256) -> list[ExtractedAttributes]:
        """Attributes of each product, in order; titles go through spaCy `batch_size` at a time."""
        items = list(products)
        return self.extract_texts([p.title for p in items], [p.description for p in items], batch_size)

    def extract_texts(
        self, titles: Sequence[str], descriptions: Sequence[str] | None = None, batch_size: int = 256
    ) -> list[ExtractedAttributes]:
        """Attributes of each (title, description) pair, in order."""
        if descriptions is not None and len(descriptions) != len(titles):
            raise ValueError(f"{len(titles)} titles but {len(descriptions)} descriptions")
        clean_titles = [clean_text(t) for t in titles]
        docs: Iterable[Doc | None]
        if self._needs_spacy:
            docs = self.model.pipe(clean_titles, batch_size=max(1, batch_size))
        else:
            docs = (None for _ in clean_titles)
        descs = descriptions if descriptions is not None and self.config.use_description else None
        out: list[ExtractedAttributes] = []
        for i, (title, doc) in enumerate(zip(clean_titles, docs, strict=True)):
            description = clean_text(descs[i]) if descs is not None and descs[i] else ""
            out.append(self._extract_one(title, description, doc))
        return out

    def apply(self, product: Product, extracted: ExtractedAttributes | None = None) -> Product:
        """A copy of `product` with the attributes its feed lacked filled in (see `fill_missing`)."""
        found = extracted if extracted is not None else self.extract(product.title, product.description)
        return fill_missing(product, found)

    def apply_many(self, products: Sequence[Product], batch_size: int = 256) -> list[Product]:
        """`apply` over many products, with spaCy batched."""
        found = self.extract_many(products, batch_size)
        return [fill_missing(product, attrs) for product, attrs in zip(products, found, strict=True)]

    def _extract_one(self, title: str, description: str, doc: Doc | None) -> ExtractedAttributes:
        values: dict[str, ExtractedValue] = {}
        brand_end = self._brand(title, doc, values) if self.config.wants("brand") else 0
        brand_span = (0, brand_end) if brand_end else None
        for name, found in rule_values(self._rules, title, "title", brand_span).items():
            self._add(values, name, found)
        if doc is not None:
            pack = pack_from_entities(doc) if self.config.wants("pack_size") else None
            if pack is not None:
                self._add(values, "pack_size", pack)
            kind = product_type(doc, brand_end) if self.config.wants("product_type") else None
            if kind is not None:
                self._add(values, "product_type", kind)
        if description:
            for name, extra in rule_values(self._rules, description, "description", None).items():
                scaled = extra.model_copy(update={"confidence": extra.confidence * DESCRIPTION_CONFIDENCE})
                self._add(values, name, scaled)
        return ExtractedAttributes(values=values)

    def _add(self, values: dict[str, ExtractedValue], name: str, found: ExtractedValue) -> None:
        """Keep `found` if it is wanted, confident enough, and nothing was found for `name` before."""
        if name not in values and self.config.wants(name) and found.confidence >= self.config.min_confidence:
            values[name] = found

    def _brand(self, title: str, doc: Doc | None, values: dict[str, ExtractedValue]) -> int:
        """Put the brand in `values`; return where it ends in the title (0: none found)."""
        found = self._rules.brand(title)
        if found is None and doc is not None:
            found = brand_candidate(doc)
        if found is None or found[0].confidence < self.config.min_confidence:
            return 0
        values["brand"] = found[0]
        return found[1]


def fill_missing(product: Product, extracted: ExtractedAttributes) -> Product:
    """`product` with extracted values added where the feed gave none; feed values always win.

    The brand goes to `Product.brand`, the rest to `Product.attributes`; each added name is recorded
    in `Product.attribute_sources` with its source.
    """
    present = {attribute_name(name) for name in product.attributes}
    attributes = dict(product.attributes)
    sources = dict(product.attribute_sources)
    update: dict[str, object] = {}
    for name, found in extracted.values.items():
        if name == "brand":
            if not product.brand.strip():
                update["brand"] = found.value
                sources["brand"] = found.source
        elif name not in present:
            attributes[name] = found.value
            sources[name] = found.source
    if not update and attributes == product.attributes:
        return product
    return product.model_copy(update={**update, "attributes": attributes, "attribute_sources": sources})


def known_brands(products: Iterable[Product]) -> tuple[str, ...]:
    """The distinct brands of products whose feed gave one (not extracted), for a gazetteer."""
    seen: dict[str, str] = {}
    for product in products:
        brand = product.brand.strip()
        if brand and product.attribute_sources.get("brand", "feed") == "feed":
            seen.setdefault(brand.lower(), brand)
    return tuple(sorted(seen.values()))
