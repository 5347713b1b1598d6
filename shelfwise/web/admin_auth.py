"""The admin console's sign-in: a key with the models or admin action (the master key,
SHELFWISE_SERVE__API_KEY, or a stored key) is typed once into the login form; the browser then
holds a cookie naming the key's id and signed with the master key (HMAC-SHA256 over the id and
its expiry), never the key itself. Each request checks the named key again, so revoking it signs
its sessions out; changing the master key signs every session out. With no master key set, the
console is closed, as writes are."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from shelfwise.config import ServeConfig
from shelfwise.keys import KeyRefused, Principal

if TYPE_CHECKING:  # shelfwise.serve imports the web routes
    from shelfwise.serve.guard import Guard

COOKIE = "shelfwise_admin"
SESSION_SECONDS = 8 * 3600
CONSOLE_ACTIONS = frozenset({"models", "admin"})
_CONTEXT = b"shelfwise-admin-session:"


def _signature(secret: str, key_id: str, expires: int) -> str:
    message = _CONTEXT + f"{key_id}:{expires}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def issue_token(secret: str, now: float, seconds: int = SESSION_SECONDS, key_id: str = "master") -> str:
    expires = int(now) + seconds
    return f"{expires}.{key_id}.{_signature(secret, key_id, expires)}"


def token_key_id(token: str | None, secret: str, now: float) -> str | None:
    """The key id in a token `secret` signed that has not expired; None for any other."""
    if not token or not secret:
        return None
    expires_text, _, rest = token.partition(".")
    key_id, _, signature = rest.rpartition(".")
    if not expires_text.isdigit() or not key_id:
        return None
    expires = int(expires_text)
    expected = _signature(secret, key_id, expires).encode()
    if expires <= now or not hmac.compare_digest(signature.encode("utf-8"), expected):
        return None
    return key_id


def token_valid(token: str | None, secret: str, now: float) -> bool:
    return token_key_id(token, secret, now) is not None


def serve_config(request: Request) -> ServeConfig:
    config: ServeConfig = request.app.state.serve_config
    return config


def _guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


def signed_in(request: Request) -> Principal | None:
    """The key this browser signed in with, while it is valid and may use the console."""
    key = serve_config(request).api_key
    key_id = token_key_id(request.cookies.get(COOKIE), key or "", time.time())
    if key_id is None:
        return None
    principal = _guard(request).keyring.principal(key_id, datetime.now(UTC))
    return principal if principal is not None and principal.actions & CONSOLE_ACTIONS else None


def console_principal(presented: str, request: Request) -> Principal | None:
    """The key typed into the login form, if it may use the console (never without a master key)."""
    if not serve_config(request).api_key or not presented:
        return None
    guard = _guard(request)
    try:
        principal = guard.keyring.authenticate(presented, guard.now())
    except KeyRefused:
        return None
    return principal if principal.actions & CONSOLE_ACTIONS else None


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/admin/login?next={quote(target)}", status_code=303)


def refused(request: Request, action: str) -> Response | None:
    """Why a state-changing post is refused: posted from another site, not signed in, or signed
    in with a key that may not do `action`."""
    if not same_origin(request):
        return Response("cross-site form posts are refused", status_code=403, media_type="text/plain")
    principal = signed_in(request)
    if principal is None:
        return to_login(request)
    if action not in principal.actions:
        return Response(f"this key may not {action}", status_code=403, media_type="text/plain")
    return None


def form_fields(body: bytes) -> dict[str, str]:
    """A posted form's fields (application/x-www-form-urlencoded), last value of each."""
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


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
