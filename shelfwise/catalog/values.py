"""Feed values -> typed fields: text, ids, prices (with currency), booleans, counts, ratings,
categories and attributes, each parser raising `InvalidValue` with the reason shown to the user."""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shelfwise.catalog.clean import clean_brand, clean_text
from shelfwise.catalog.feed import attribute_name

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


class InvalidValue(ValueError):
    """A field value that cannot be converted; the message is the reason shown to the user."""


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
