"""Raw feed row -> Product, with one `RowError` per bad field.

A row without a usable id or title is rejected. A bad value in an optional field (a price that is
an HTML fragment) drops that field with a warning and keeps the product; with `strict` it rejects
the row. Text fields are cleaned of HTML tags, entities and runs of whitespace (`clean`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from shelfwise.catalog.clean import clean_text, has_markup
from shelfwise.catalog.feed import ALIASES, DELETE_FIELD, RawRow, ResolvedColumns
from shelfwise.catalog.values import (
    InvalidValue,
    Price,
    attribute_value,
    is_missing,
    parse_attributes,
    parse_bool,
    parse_brand,
    parse_category,
    parse_count,
    parse_currency,
    parse_price,
    parse_product_id,
    parse_rating,
    parse_text,
    parse_title,
)
from shelfwise.records import Product


class RowError(BaseModel):
    """One problem in one feed row; `field` is None when the row itself could not be read."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    field: str | None = None
    reason: str
    product_id: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.field is None:
            return f"{where}: {self.reason}"
        if self.reason.startswith("is "):  # 'product_id (column sku) is empty or missing'
            column = f" (column {self.column})" if self.column and self.column != self.field else ""
            return f"{where}: {self.field}{column} {self.reason}"
        return f"{where}: field '{self.field}': {self.reason}"


@dataclass(frozen=True)
class Converted:
    """What one row turned into: a product, a deletion of `product_id`, or errors."""

    line: int
    product_id: str | None
    product: Product | None = None
    delete: bool = False
    errors: tuple[RowError, ...] = ()
    warnings: tuple[RowError, ...] = ()


_PARSERS: dict[str, Callable[[object], Any]] = {
    "description": parse_text,  # cleaned in _optional_fields, which keeps its markup in `raw`
    "brand": parse_brand,
    "category": parse_category,
    "price": parse_price,
    "currency": parse_currency,
    "attributes": parse_attributes,
    "in_stock": parse_bool,
    "stock": parse_count,
    "rating": parse_rating,
    "image_url": lambda v: parse_text(v[0] if isinstance(v, list | tuple) and v else v),
}

_Problem = tuple[str, str | None, str]  # (field, column, reason)


def _required(
    row: RawRow,
    columns: ResolvedColumns,
    name: str,
    parser: Callable[[object], str],
    problems: list[_Problem],
) -> str | None:
    column = columns.fields.get(name) or columns.mapped.get(name)
    if column is None:
        names = " or ".join((name, *ALIASES.get(name, ())[:3]))
        problems.append((name, None, f"is missing: this row has no column {names}"))
        return None
    value = row.values.get(column)
    try:
        text = None if is_missing(value) else parser(value)
    except InvalidValue as exc:
        problems.append((name, column, str(exc)))
        return None
    if not text:
        reason = "is empty or missing" if is_missing(value) else "is empty once HTML is removed"
        problems.append((name, column, reason))
        return None
    return text


def _is_delete(row: RawRow, columns: ResolvedColumns, problems: list[_Problem]) -> bool:
    column = columns.fields.get(DELETE_FIELD)
    value = None if column is None else row.values.get(column)
    if is_missing(value):
        return False
    try:
        return parse_bool(value)
    except InvalidValue as exc:
        problems.append((DELETE_FIELD, column, str(exc)))
        return False


def _optional_fields(row: RawRow, columns: ResolvedColumns, problems: list[_Problem]) -> dict[str, Any]:
    """The optional fields that parse; each one that does not is a problem (and left out)."""
    parsed: dict[str, Any] = {}
    for name, parser in _PARSERS.items():
        column = columns.fields.get(name)
        if column is None or is_missing(value := row.values.get(column)):
            continue
        try:
            parsed[name] = parser(value)
        except InvalidValue as exc:
            problems.append((name, column, str(exc)))
    if "description" in parsed:
        text = parsed.pop("description")
        parsed["description"] = clean_text(text)
        if has_markup(text):
            parsed["raw"] = {"description": text}
    attributes = dict(parsed.get("attributes", {}))
    for column, name in columns.attribute_columns.items():
        value = row.values.get(column)
        try:
            text = "" if is_missing(value) else attribute_value(value)
        except InvalidValue as exc:
            problems.append((f"attributes.{name}", column, str(exc)))
            continue
        if text:
            attributes[name] = text
    parsed["attributes"] = attributes
    return parsed


def _priced(fields: dict[str, Any], columns: ResolvedColumns, dropped: list[_Problem]) -> None:
    """The parsed Price as an amount and a currency; a price whose currency contradicts the
    currency column is dropped (a problem)."""
    price: Price | None = fields.pop("price", None)
    if price is None:
        return
    stated = fields.get("currency")
    if stated and price.currency and stated != price.currency:
        reason = f"is in {price.currency} but the currency column says {stated}"
        dropped.append(("price", columns.fields.get("price"), reason))
        return
    fields["price"] = price.amount
    fields.setdefault("currency", price.currency or "USD")


def _product(
    product_id: str,
    title: str,
    parsed: dict[str, Any],
    columns: ResolvedColumns,
    problems: list[_Problem],
    dropped: list[_Problem],
) -> Product | None:
    """The product, leaving out each optional field the record refuses (a problem in `dropped`);
    None when a required one is refused or `dropped` is `problems` (strict)."""
    fields = dict(parsed)
    _priced(fields, columns, dropped)
    if dropped is problems and problems:
        return None
    if "in_stock" not in fields and fields.get("stock") is not None:
        fields["in_stock"] = fields["stock"] > 0
    for _ in range(len(fields) + 1):
        try:
            return Product(product_id=product_id, title=title, **fields)
        except ValidationError as exc:
            refused = set()
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "product"
                reason = str(error["msg"]).removeprefix("Value error, ")
                target = dropped if name in fields else problems
                target.append((name, columns.fields.get(name), reason[:1].lower() + reason[1:]))
                refused.add(name)
            if problems or not refused <= fields.keys():
                return None
            for name in refused:
                fields.pop(name)
    return None


def _row_errors(
    file: str, line: int, product_id: str | None, problems: list[_Problem]
) -> tuple[RowError, ...]:
    return tuple(
        RowError(file=file, line=line, field=name, reason=reason, product_id=product_id, column=column)
        for name, column, reason in problems
    )


def convert_row(row: RawRow, columns: ResolvedColumns, file: str, *, strict: bool = False) -> Converted:
    """Convert one row. A row without a usable id or title is rejected with every problem it
    has; a bad optional field is left out with a warning (`strict`: the row is rejected)."""
    if row.error is not None:
        error = RowError(file=file, line=row.line, reason=row.error)
        return Converted(row.line, None, errors=(error,))
    problems: list[_Problem] = []
    product_id = _required(row, columns, "product_id", parse_product_id, problems)
    if _is_delete(row, columns, problems) and product_id is not None and not problems:
        return Converted(row.line, product_id, delete=True)
    title = _required(row, columns, "title", parse_title, problems)
    dropped: list[_Problem] = problems if strict else []
    parsed = _optional_fields(row, columns, dropped)
    product = None
    if product_id is not None and title is not None and not problems:
        product = _product(product_id, title, parsed, columns, problems, dropped)
    if product is not None:
        return Converted(
            row.line, product_id, product=product, warnings=_row_errors(file, row.line, product_id, dropped)
        )
    everything = problems if strict else problems + dropped
    return Converted(row.line, product_id, errors=_row_errors(file, row.line, product_id, everything))


def row_product_id(row: RawRow, columns: ResolvedColumns) -> str | None:
    """The row's product id if it has a usable one (for finding duplicates before converting)."""
    column = columns.fields.get("product_id")
    value = None if column is None or row.error is not None else row.values.get(column)
    if is_missing(value):
        return None
    try:
        return parse_product_id(value) or None
    except InvalidValue:
        return None
