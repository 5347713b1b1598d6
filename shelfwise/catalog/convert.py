"""Raw feed row -> Product, with one `RowError` per bad field.

A row without a usable id or title is rejected. A bad value in an optional field (a price that is
an HTML fragment) drops that field with a warning and keeps the product; with `strict` it rejects
the row. Text fields are cleaned of HTML tags, entities and runs of whitespace (`clean`).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from shelfwise.catalog.clean import clean_brand, clean_text, has_markup
from shelfwise.catalog.feed import ALIASES, DELETE_FIELD, RawRow, ResolvedColumns, attribute_name
from shelfwise.records import Product

_TRUE = frozenset({"true", "t", "yes", "y", "1", "in stock", "instock", "in_stock", "available"})
_FALSE = frozenset(
    {
        "false",
        "f",
        "no",
        "n",
        "0",
        "out of stock",
        "outofstock",
        "out_of_stock",
        "unavailable",
        "sold out",
        "sold_out",
        "discontinued",
    }
)
_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_PRICE = re.compile(r"^(?P<sym>US\$|[$€£¥₹])?\s*(?P<num>[+-]?[\d.,\s]*\d[\d.,]*)\s*(?P<sym2>[$€£¥₹])?$")
_CODE_PREFIX = re.compile(r"^([A-Za-z]{3})\s+(.*)$")
_CODE_SUFFIX = re.compile(r"^(.*?)\s+([A-Za-z]{3})$")
_RATING = re.compile(r"^(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?:/\s*5(?:\.0)?|out of 5(?: stars)?|stars?)?$", re.I)
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^\d+,\d+$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_CATEGORY_SEPARATORS = (">", "»", "|", "/")
_MAX_SHOWN = 60


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


class InvalidValue(ValueError):
    """A field value that cannot be converted; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Converted:
    """What one row turned into: a product, a deletion of `product_id`, or errors."""

    line: int
    product_id: str | None
    product: Product | None = None
    delete: bool = False
    errors: tuple[RowError, ...] = ()
    warnings: tuple[RowError, ...] = ()


@dataclass(frozen=True)
class Price:
    amount: float
    currency: str | None = None


def shown(value: object) -> str:
    """A value quoted for an error message, cut to a readable length."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split()) if isinstance(value, str) and value.strip() else text
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return f"'{text}'"


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, list | tuple | dict) and not value


def _number(value: object) -> float | None:
    """The value as a float when it already is a number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def parse_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(parse_text(v) for v in value if not is_missing(v))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        raise InvalidValue(f"{shown(value)} is an object, not text")
    return str(value).strip()


def parse_title(value: object) -> str:
    """Text with HTML tags, entities and runs of whitespace cleaned away."""
    return clean_text(parse_text(value))


def parse_brand(value: object) -> str:
    """Cleaned text without Amazon's 'by' byline."""
    return clean_brand(parse_text(value))


def parse_product_id(value: object) -> str:
    if isinstance(value, list | tuple | dict | bool):
        raise InvalidValue(f"{shown(value)} is not a valid id")
    return parse_text(value)


def _plain_number(text: str) -> float:
    """'1299.00', '1,299.00', '1,299', '12,50', '1.299,00', '1 299,00' -> float; else ValueError."""
    digits = text.replace(" ", "").replace("\u00a0", "")
    sign = -1.0 if digits.startswith("-") else 1.0
    digits = digits.lstrip("+-")
    if _PLAIN.match(digits):
        return sign * float(digits)
    if _COMMA_THOUSANDS.match(digits):
        return sign * float(digits.replace(",", ""))
    if _COMMA_DECIMAL.match(digits):
        return sign * float(digits.replace(",", "."))
    if _DOT_THOUSANDS.match(digits):
        return sign * float(digits.replace(".", "").replace(",", "."))
    raise ValueError(text)


def parse_price(value: object) -> Price:
    """12.5, '$1,299.00', '12.50 EUR', 'USD 3'; negative or non-numeric prices are errors."""
    number = _number(value)
    currency: str | None = None
    if number is None:
        if not isinstance(value, str):
            raise InvalidValue(f"{shown(value)} is not a number")
        text = value.strip()
        if match := _CODE_PREFIX.match(text) or _CODE_SUFFIX.match(text):
            first, second = match.groups()
            code, text = (first, second) if match.re is _CODE_PREFIX else (second, first)
            currency = code.upper()
        match = _PRICE.match(text.strip())
        if match is None:
            raise InvalidValue(f"{shown(value)} is not a number")
        symbol = match.group("sym") or match.group("sym2")
        if symbol:
            currency = currency or _CURRENCY_SYMBOLS[symbol]
        try:
            number = _plain_number(match.group("num"))
        except ValueError:
            raise InvalidValue(f"{shown(value)} is not a number") from None
    if not math.isfinite(number):
        raise InvalidValue(f"{shown(value)} is not a finite number")
    if number < 0:
        raise InvalidValue(f"{shown(value)} is negative")
    return Price(round(number, 6), currency)


def parse_bool(value: object) -> bool:
    """true/false, yes/no, 1/0, 'in stock'/'out of stock' (any case)."""
    if isinstance(value, bool):
        return value
    number = _number(value)
    if number is not None and number in (0.0, 1.0):
        return number == 1.0
    text = str(value).strip().lower().replace("-", " ")
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(f"{shown(value)} is not a yes/no value")


def parse_count(value: object) -> int:
    """A whole number >= 0: 12, '12', '12.0', '1,200'."""
    number = _number(value)
    if number is None:
        text = str(value).strip().replace(",", "") if isinstance(value, str) else None
        try:
            number = float(text) if text else None
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise InvalidValue(f"{shown(value)} is not a whole number")
    if not number.is_integer():
        raise InvalidValue(f"{shown(value)} is not a whole number")
    if number < 0:
        raise InvalidValue(f"{shown(value)} is negative")
    return int(number)


def parse_rating(value: object) -> float:
    """A rating from 0 to 5: 4.5, '4.5', '4.5/5', '4.5 out of 5 stars'."""
    number = _number(value)
    if number is None:
        match = _RATING.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise InvalidValue(f"{shown(value)} is not a number")
        number = float(match.group("num"))
    if not 0 <= number <= 5:
        raise InvalidValue(f"{shown(value)} is outside the range 0 to 5")
    return number


def _split_category(text: str) -> list[str]:
    for separator in _CATEGORY_SEPARATORS:
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    return [text.strip()] if text.strip() else []


def parse_category(value: object) -> tuple[str, ...]:
    """'A > B > C', 'A/B/C', 'A | B', ['A', 'B'], '["A", "B"]' -> ('A', 'B', 'C')."""
    if isinstance(value, str) and value.strip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if isinstance(value, str):
        parts = _split_category(clean_text(value))
    elif isinstance(value, list | tuple):
        parts = [clean_text(str(v)) for v in value if not is_missing(v)]
        if len(parts) == 1:
            parts = _split_category(parts[0])
    else:
        raise InvalidValue(f"{shown(value)} is not a category path")
    return tuple(part for part in parts if part)


def attribute_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(attribute_value(v) for v in value if not is_missing(v))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return clean_text(parse_text(value))


def _pairs_from_text(text: str) -> list[tuple[object, object]]:
    pairs: list[tuple[object, object]] = []
    for part in re.split(r"[;|]", text):
        if not part.strip():
            continue
        name, sep, val = part.partition("=") if "=" in part else part.partition(":")
        if not sep or not name.strip():
            raise InvalidValue(f"{shown(text)} is neither a JSON object nor name=value pairs")
        pairs.append((name, val))
    return pairs


def _attribute_pairs(value: object) -> list[tuple[object, object]]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise InvalidValue(f"{shown(value)} is not a valid JSON object") from None
        else:
            return _pairs_from_text(text)
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, list | tuple):
        pairs: list[tuple[object, object]] = []
        for item in value:
            if isinstance(item, list | tuple) and len(item) == 2:  # Parquet map entries
                pairs.append((item[0], item[1]))
            elif isinstance(item, Mapping) and "name" in item and "value" in item:
                pairs.append((item["name"], item["value"]))
            else:
                raise InvalidValue(f"{shown(value)} is not a list of name/value pairs")
        return pairs
    raise InvalidValue(f"{shown(value)} is not a set of attributes")


def parse_attributes(value: object) -> dict[str, str]:
    """A dict, a JSON object, 'color=red; size=M', or name/value pairs -> {name: text}."""
    out: dict[str, str] = {}
    for name, raw in _attribute_pairs(value):
        key = attribute_name(clean_text(str(name)))
        if key and not is_missing(raw):
            text = attribute_value(raw)
            if text:
                out[key] = text
    return out


def parse_currency(value: object) -> str:
    text = str(value).strip()
    return _CURRENCY_SYMBOLS.get(text, text.upper())


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
