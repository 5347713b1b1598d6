"""The storefront and the admin console in the browser: server-rendered pages; the storefront's
scripts talk to the JSON API."""

from shelfwise.web.routes import web_router

__all__ = ["web_router"]
