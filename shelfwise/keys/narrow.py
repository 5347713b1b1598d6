"""A scope's filters ANDed with a request's, and the checks that keep a scoped answer inside its
scope (products, facets, suggestions). Pure functions over records."""

from __future__ import annotations

from shelfwise.records import FacetValue, Filters, PriceRange, Product

_NOTHING = None  # intersect_filters' answer when no product can pass both


def _parts(path: str) -> list[str]:
    return [p.strip() for p in path.split(">") if p.strip()]


def _category(scope: str | None, asked: str | None) -> tuple[bool, str | None]:
    """(possible, the narrower path): both are path prefixes, so one must extend the other."""
    if not scope or not asked:
        return True, scope or asked
    a, b = _parts(scope), _parts(asked)
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if longer[: len(shorter)] != shorter:
        return False, None
    return True, " > ".join(longer)


def _price(scope: PriceRange | None, asked: PriceRange | None) -> tuple[bool, PriceRange | None]:
    if scope is None or asked is None:
        return True, scope or asked
    lows = [v for v in (scope.min, asked.min) if v is not None]
    highs = [v for v in (scope.max, asked.max) if v is not None]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if low is not None and high is not None and low > high:
        return False, None
    return True, PriceRange(min=low, max=high)


def _values(scope: tuple[str, ...], asked: tuple[str, ...], fold: bool) -> tuple[str, ...]:
    """Asked values the scope allows too (asked order); all scope values when nothing is asked."""
    if not scope or not asked:
        return scope or asked
    allowed = {v.lower() if fold else v for v in scope}
    return tuple(v for v in asked if (v.lower() if fold else v) in allowed)


def _attributes(
    scope: dict[str, tuple[str, ...]], asked: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]] | None:
    """Per attribute name (any case, as search matches them), the values both allow."""
    merged = {name.lower(): values for name, values in scope.items()}
    for name, values in asked.items():
        key = name.lower()
        both = _values(merged[key], values, fold=True) if key in merged else values
        if not both:
            return _NOTHING
        merged[key] = both
    return merged


def intersect_filters(scope: Filters, asked: Filters) -> Filters | None:
    """Filters that only products passing both pass; None when no product can (a request for
    another category than the scope's gets nothing, never that category)."""
    category_ok, category = _category(scope.category, asked.category)
    price_ok, price = _price(scope.price, asked.price)
    brands = _values(scope.brands, asked.brands, fold=False)
    attributes = _attributes(scope.attributes, asked.attributes)
    stock_clash = None not in (scope.in_stock, asked.in_stock) and scope.in_stock != asked.in_stock
    if not (category_ok and price_ok) or attributes is None or stock_clash:
        return _NOTHING
    if (scope.brands or asked.brands) and not brands:
        return _NOTHING
    in_stock = scope.in_stock if scope.in_stock is not None else asked.in_stock
    return Filters(category=category, brands=brands, price=price, attributes=attributes, in_stock=in_stock)


def admits(filters: Filters, product: Product) -> bool:
    """Whether `product` passes `filters` (as search's filter mask decides)."""
    wanted = _parts(filters.category or "")
    if wanted and list(product.category[: len(wanted)]) != wanted:
        return False
    if filters.brands and product.brand not in filters.brands:
        return False
    if filters.price is not None:
        if product.price is None:
            return False
        if filters.price.min is not None and product.price < filters.price.min:
            return False
        if filters.price.max is not None and product.price > filters.price.max:
            return False
    if filters.in_stock is not None and product.in_stock != filters.in_stock:
        return False
    values = {name.lower(): value.lower() for name, value in product.attributes.items()}
    return all(
        values.get(name.lower()) in {v.lower() for v in allowed}
        for name, allowed in filters.attributes.items()
    )


def scoped_facets(
    facets: dict[str, list[FacetValue]], scope: Filters, price_labels: dict[str, tuple[float, float]]
) -> dict[str, list[FacetValue]]:
    """Facet counts a scoped answer may show. A facet counts over every filter but its own (so a
    shopper sees what widening the choice gives): values outside the scope are dropped, and price
    buckets not wholly inside the scope's range (their counts would include products outside)."""
    out: dict[str, list[FacetValue]] = {}
    for name, values in facets.items():
        out[name] = [v for v in values if _facet_value_in_scope(name, v.value, scope, price_labels)]
    return out


def _facet_value_in_scope(
    name: str, value: str, scope: Filters, price_labels: dict[str, tuple[float, float]]
) -> bool:
    if name == "brand":
        return not scope.brands or value in scope.brands
    if name == "in_stock":
        return scope.in_stock is None or value == str(scope.in_stock).lower()
    if name == "price":
        if scope.price is None:
            return True
        low, high = price_labels.get(value, (float("-inf"), float("inf")))
        return (scope.price.min is None or low >= scope.price.min) and (
            scope.price.max is None or high <= scope.price.max
        )
    if name.startswith("attr:"):
        allowed = {n.lower(): {v.lower() for v in vs} for n, vs in scope.attributes.items()}
        wanted = allowed.get(name.removeprefix("attr:").lower())
        return wanted is None or value.lower() in wanted
    return True  # categories drill down within every filter, the scope's included
