"""Keys with known answers: who a presented key is, scoped keys and their signatures, a scope's
filters ANDed with a request's, facets and products kept inside a scope, token buckets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from shelfwise.keys import (
    KeyRefused,
    Keyring,
    MemoryKeyStore,
    admits,
    create_key,
    intersect_filters,
    mint_scoped_key,
    scoped_facets,
)
from shelfwise.records import FacetValue, Filters, PriceRange, Product
from shelfwise.serve.limits import RateLimiter, retry_after_header

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = int((NOW + timedelta(days=1)).timestamp())


def _ring(*actions: str, expires: datetime | None = None) -> tuple[Keyring, str, str]:
    store = MemoryKeyStore()
    record, raw = create_key(store, actions, "", NOW - timedelta(days=1), expires)
    return Keyring(store, ["master-now", "master-before"]), raw, record.key_id


def test_master_keys_current_and_previous_hold_every_action() -> None:
    ring, _, _ = _ring("search")
    for master in ("master-now", "master-before"):
        principal = ring.authenticate(master, NOW)
        assert principal.master and principal.actions == {
            "search",
            "events",
            "catalog",
            "models",
            "admin",
            "reviews",
        }
    with pytest.raises(KeyRefused) as refused:
        ring.authenticate("master-nope", NOW)
    assert refused.value.status == 401


def test_stored_keys_unknown_401_expired_and_revoked_403() -> None:
    ring, raw, key_id = _ring("search", "events", expires=NOW + timedelta(hours=1))
    assert ring.authenticate(raw, NOW).actions == {"search", "events"}
    wrong_secret = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    for presented, status in ((wrong_secret, 401), ("swk_000000000000_x", 401)):
        with pytest.raises(KeyRefused) as refused:
            ring.authenticate(presented, NOW)
        assert refused.value.status == status
    with pytest.raises(KeyRefused) as expired:
        ring.authenticate(raw, NOW + timedelta(hours=1))
    assert expired.value.status == 403 and "expired" in expired.value.message
    ring.store.revoke(key_id, NOW)
    with pytest.raises(KeyRefused) as revoked:
        ring.authenticate(raw, NOW)
    assert revoked.value.status == 403 and "revoked" in revoked.value.message


def test_a_scoped_key_carries_its_filters_and_actions() -> None:
    ring, raw, key_id = _ring("search", "catalog")
    token = mint_scoped_key(raw, Filters(category="Home > Kitchen"), LATER)
    principal = ring.authenticate(token, NOW)
    assert principal.actions == {"search"} and principal.filters == Filters(category="Home > Kitchen")
    assert principal.scope is not None and principal.scope.parent == key_id
    with pytest.raises(ValueError, match="among search, events"):
        mint_scoped_key(raw, Filters(), LATER, actions=["catalog"])


def test_the_documented_algorithm_mints_a_key_the_server_takes() -> None:
    """What a shop's backend in another language would do, step by step."""
    ring, raw, key_id = _ring("search")
    payload = json.dumps({"parent": key_id, "filters": {"brands": ["Sony"]}, "expires": LATER}).encode()
    payload_b64 = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    secret = hmac.new(raw.encode(), b"shelfwise-signing-secret-v1", hashlib.sha256).hexdigest()
    mac = hmac.new(secret.encode(), ("sws_" + payload_b64).encode(), hashlib.sha256).digest()
    token = f"sws_{payload_b64}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert ring.authenticate(token, NOW).filters == Filters(brands=("Sony",))


@pytest.mark.parametrize("change", ["payload", "signature"])
def test_a_changed_scoped_key_is_refused(change: str) -> None:
    ring, raw, _ = _ring("search")
    token = mint_scoped_key(raw, Filters(category="Home"), LATER)
    payload, signature = token.removeprefix("sws_").split(".")
    if change == "payload":  # the same scope without its filter, signed by nobody
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        body["filters"] = {}
        payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    else:
        signature = signature[::-1]
    with pytest.raises(KeyRefused) as refused:
        ring.authenticate(f"sws_{payload}.{signature}", NOW)
    assert refused.value.status == 401


def test_a_scoped_key_cannot_outlive_or_outgrow_its_parent() -> None:
    ring, raw, key_id = _ring("search")
    expired = mint_scoped_key(raw, Filters(), int(NOW.timestamp()) - 1)
    with pytest.raises(KeyRefused) as refused:
        ring.authenticate(expired, NOW)
    assert refused.value.status == 403
    wider = mint_scoped_key(raw, Filters(), LATER, actions=["search", "events"])  # parent lacks events
    with pytest.raises(KeyRefused) as refused:
        ring.authenticate(wider, NOW)
    assert refused.value.status == 403
    ring.store.revoke(key_id, NOW)
    with pytest.raises(KeyRefused) as refused:
        ring.authenticate(mint_scoped_key(raw, Filters(), LATER), NOW)
    assert refused.value.status == 403 and "revoked" in refused.value.message
    events_ring, events_parent, events_id = _ring("events")  # no search: it signs no scoped key
    with pytest.raises(KeyRefused) as refused:
        events_ring.authenticate(mint_scoped_key(events_parent, Filters(), LATER, actions=["events"]), NOW)
    assert refused.value.status == 403 and events_id in refused.value.message


@pytest.mark.parametrize(
    ("scope", "asked", "expected"),
    [
        (Filters(category="Home"), Filters(), Filters(category="Home")),
        (Filters(category="Home"), Filters(category="Home > Kitchen"), Filters(category="Home > Kitchen")),
        (Filters(category="Home > Kitchen"), Filters(category="Home"), Filters(category="Home > Kitchen")),
        (Filters(category="Home"), Filters(category="Clothing"), None),
        (Filters(category="Home"), Filters(category="Homeware"), None),
        (Filters(brands=("Sony", "Bose")), Filters(brands=("Bose", "JBL")), Filters(brands=("Bose",))),
        (Filters(brands=("Sony",)), Filters(brands=("JBL",)), None),
        (Filters(price=PriceRange(max=100)), Filters(price=PriceRange(min=50, max=500)),
         Filters(price=PriceRange(min=50, max=100))),
        (Filters(price=PriceRange(max=100)), Filters(price=PriceRange(min=200)), None),
        (Filters(attributes={"Color": ("red", "blue")}), Filters(attributes={"color": ("RED",)}),
         Filters(attributes={"color": ("RED",)})),
        (Filters(attributes={"color": ("red",)}), Filters(attributes={"color": ("blue",)}), None),
        (Filters(in_stock=True), Filters(in_stock=False), None),
        (Filters(in_stock=True), Filters(brands=("Sony",)), Filters(in_stock=True, brands=("Sony",))),
    ],
)  # fmt: skip
def test_a_request_narrows_a_scope_and_never_widens_it(
    scope: Filters, asked: Filters, expected: Filters | None
) -> None:
    assert intersect_filters(scope, asked) == expected


def test_admits_decides_as_the_filter_mask_does() -> None:
    kettle = Product(product_id="k", title="Kettle", brand="Smeg", category=("Home", "Kitchen"), price=80,
                     attributes={"Color": "Cream"})  # fmt: skip
    exact = Filters(category="Home > Kitchen", brands=("Smeg",), attributes={"color": ("cream",)})
    assert admits(exact, kettle)
    assert not admits(Filters(category="Home > Kit"), kettle)
    assert not admits(Filters(price=PriceRange(max=50)), kettle)
    assert not admits(Filters(in_stock=False), kettle)
    assert not admits(Filters(attributes={"material": ("steel",)}), kettle)


def test_facets_outside_the_scope_are_dropped() -> None:
    facets = {
        "brand": [FacetValue(value="Sony", count=3), FacetValue(value="Bose", count=2)],
        "price": [FacetValue(value="50-100", count=4), FacetValue(value="100-250", count=1)],
        "attr:color": [FacetValue(value="Red", count=2), FacetValue(value="blue", count=1)],
        "category": [FacetValue(value="Home > Kitchen", count=5)],
    }
    labels = {"50-100": (50.0, 100.0), "100-250": (100.0, 250.0)}
    scope = Filters(brands=("Sony",), price=PriceRange(min=40, max=120), attributes={"color": ("red",)})
    kept = scoped_facets(facets, scope, labels)
    assert [v.value for v in kept["brand"]] == ["Sony"]
    assert [v.value for v in kept["price"]] == ["50-100"]  # 100-250 reaches past the scope's 120
    assert [v.value for v in kept["attr:color"]] == ["Red"]
    assert kept["category"] == facets["category"]


def test_token_bucket_refills_with_the_clock() -> None:
    now = [1000.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0  # buckets are per id
    now[0] += 0.5
    assert limiter.take("a") == 0.0 and limiter.take("a") == pytest.approx(0.5)
    assert retry_after_header(0.2) == "1" and retry_after_header(1.5) == "2"
