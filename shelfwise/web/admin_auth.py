"""The admin console's sign-in: the API key (SHELFWISE_SERVE__API_KEY) is typed once into the
login form; the browser then holds a cookie signed with that key (HMAC-SHA256 over its expiry),
never the key itself. Changing the key signs every session out. With no key set, the console is
closed, as writes are."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from shelfwise.config import ServeConfig

COOKIE = "shelfwise_admin"
SESSION_SECONDS = 8 * 3600
_CONTEXT = b"shelfwise-admin-session:"


def _signature(api_key: str, expires: int) -> str:
    return hmac.new(api_key.encode("utf-8"), _CONTEXT + str(expires).encode(), hashlib.sha256).hexdigest()


def issue_token(api_key: str, now: float, seconds: int = SESSION_SECONDS) -> str:
    expires = int(now) + seconds
    return f"{expires}.{_signature(api_key, expires)}"


def token_valid(token: str | None, api_key: str, now: float) -> bool:
    """A token this key signed that has not expired."""
    if not token:
        return False
    expires_text, _, signature = token.partition(".")
    if not expires_text.isdigit():
        return False
    expires = int(expires_text)
    return expires > now and hmac.compare_digest(signature, _signature(api_key, expires))


def serve_config(request: Request) -> ServeConfig:
    config: ServeConfig = request.app.state.serve_config
    return config


def signed_in(request: Request) -> bool:
    key = serve_config(request).api_key
    return bool(key) and token_valid(request.cookies.get(COOKIE), key, time.time())


def form_fields(body: bytes) -> dict[str, str]:
    """A posted form's fields (application/x-www-form-urlencoded), last value of each."""
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def key_accepted(presented: str, config: ServeConfig) -> bool:
    """The configured key, compared in constant time (as bytes: any input is safe)."""
    if not config.api_key or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), config.api_key.encode("utf-8"))


def same_origin(request: Request) -> bool:
    """A form posted from this server's own pages: the browser's Origin header, when it sends
    one, names this host (besides the SameSite=Strict cookie, against cross-site posts)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this console only (no open redirect)."""
    if not target:
        return "/admin"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or target.startswith("//"):
        return "/admin"
    return target
