"""Scoped search keys: a filter and an expiry signed by a parent key, as Algolia's secured keys.

A scoped key reads `sws_<payload>.<signature>`:

    payload   = base64url(JSON {"v": 1, "parent": <parent key id>, "filters": {<Filters>},
                                "expires": <unix seconds>, "actions": ["search", ...]})
    signature = base64url(HMAC-SHA256(signing secret, "sws_" + payload))
    signing secret = hex(HMAC-SHA256(parent key, "shelfwise-signing-v1"))   (see base.signing_secret)

base64url has no padding. The shop's backend mints one offline from a key it holds
(`mint_scoped_key`, or the same few lines in any language); the server verifies it with the
signing secret stored beside the parent key's hash. The filters are ANDed with every request's,
so a request can narrow them but never remove or widen them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.keys.base import key_id_of, master_key_id, signing_secret
from shelfwise.records import Filters

SCOPED_PREFIX = "sws_"
SCOPABLE_ACTIONS = ("search", "events")


class Scope(BaseModel):
    """What a scoped key carries (its JSON payload)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: int = 1
    parent: str = Field(min_length=1, description="the key id of the key that signed it")
    filters: Filters = Field(default_factory=Filters)
    expires: int = Field(description="unix seconds after which the key is refused")
    actions: tuple[str, ...] = ("search",)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode("ascii"), (SCOPED_PREFIX + payload).encode("ascii"), hashlib.sha256)
    return _b64(mac.digest())


def parent_id_of(parent_key: str) -> str:
    """The key id a scoped key names: a stored key's own id, or a configured master key's."""
    return key_id_of(parent_key) or master_key_id(parent_key)


def mint_scoped_key(
    parent_key: str,
    filters: Filters,
    expires: datetime | int,
    actions: Iterable[str] = ("search",),
) -> str:
    """A scoped key signed by `parent_key` (which must hold every action in `actions`)."""
    wanted = tuple(actions)
    if not wanted or set(wanted) - set(SCOPABLE_ACTIONS):
        raise ValueError(f"a scoped key's actions are among {', '.join(SCOPABLE_ACTIONS)}")
    seconds = int(expires.timestamp()) if isinstance(expires, datetime) else int(expires)
    scope = Scope(parent=parent_id_of(parent_key), filters=filters, expires=seconds, actions=wanted)
    payload = _b64(scope.model_dump_json(exclude_defaults=False).encode("utf-8"))
    return f"{SCOPED_PREFIX}{payload}.{_signature(signing_secret(parent_key), payload)}"


def read_scope(token: str) -> tuple[Scope, str, str]:
    """The scope, the payload and the signature of a scoped key (not yet verified);
    ValueError when it is not one."""
    payload, _, signature = token.removeprefix(SCOPED_PREFIX).partition(".")
    if not token.startswith(SCOPED_PREFIX) or not payload or not signature:
        raise ValueError("not a scoped key")
    try:
        scope = Scope.model_validate(json.loads(_unb64(payload)))
    except (ValueError, ValidationError) as error:  # binascii.Error and JSON errors are ValueErrors
        raise ValueError("malformed scoped key") from error
    return scope, payload, signature


def signature_valid(secret: str, payload: str, signature: str) -> bool:
    return hmac.compare_digest(_signature(secret, payload).encode("ascii"), signature.encode("utf-8"))
