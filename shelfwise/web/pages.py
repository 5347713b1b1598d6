"""Rendering a page: the Jinja2 templates, the static files' version and the headers that every
page carries (a Content-Security-Policy that admits this server's scripts and styles only)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from shelfwise.config import ServeConfig
from shelfwise.web.i18n import load_messages, translator

STATIC_PREFIX = "/shop/static"

# Pages load scripts, styles and data from this server only; product images may be anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def static_files(folder: Path) -> dict[str, Path]:
    """Served by name only: nothing outside this folder can be asked for."""
    return {path.name: path for path in sorted(folder.iterdir()) if path.is_file()}


def assets_version(files: dict[str, Path]) -> str:
    """Changes whenever a static file does, so browsers never run stale scripts."""
    digest = hashlib.sha256()
    for name, path in files.items():
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Pages:
    """Renders `<name>.html` with what every page needs; `private` pages are never cached."""

    def __init__(self, templates_dir: Path, assets: str, messages_dir: Path | None = None) -> None:
        self.templates = Jinja2Templates(directory=templates_dir)
        self.assets = assets
        self.messages = load_messages(messages_dir or templates_dir.parent / "messages")

    def serve_config(self, request: Request) -> ServeConfig:
        """The server's settings (the app's own, else the shop's)."""
        config: ServeConfig = (
            getattr(request.app.state, "serve_config", None) or request.app.state.shelfwise.settings.serve
        )
        return config

    def language(self, request: Request) -> str:
        """The storefront's language: the server's setting, or the catalog's as the shop decided it
        (a Chinese catalog: zh; every other: en)."""
        shelfwise = request.app.state.shelfwise
        chosen = str(self.serve_config(request).storefront_language)
        if chosen != "auto":
            return chosen
        decided = getattr(shelfwise, "language", None)  # the shop's catalog language (language/catalog.py)
        return "zh" if decided is not None and decided.language == "zh" else "en"

    def render(
        self, request: Request, name: str, *, status_code: int = 200, private: bool = False, **context: Any
    ) -> HTMLResponse:
        shelfwise = request.app.state.shelfwise
        lang = self.language(request)
        messages = self.messages.get(lang, {})
        response = self.templates.TemplateResponse(
            request,
            f"{name}.html",
            {
                "page": name,
                "static": STATIC_PREFIX,
                "assets": self.assets,
                "multilingual": shelfwise.settings.encoder.name == "multilingual-e5-small",
                "lang": lang,
                "messages": messages,
                "_": translator(messages),
                **context,
            },
            status_code=status_code,
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if private:
            response.headers["Cache-Control"] = "no-store"
        return response
