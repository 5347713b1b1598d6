"""The HTTP API over a `ShopServer`: `create_app(shelfwise, config)`; `app_from_env()` for uvicorn."""

from shelfwise.serve.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
