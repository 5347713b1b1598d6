"""The storefront in the browser: server-rendered pages whose scripts talk to the JSON API."""

from shelfwise.web.routes import storefront_router

__all__ = ["storefront_router"]
