"""The demo shop: a generated catalog (English, or Chinese: `catalog_zh`), its feed file, and the
judged Chinese query set over it (`queries_zh`). The vocabularies the catalog is drawn from are
package data (`data/*.json`), read by `vocab_data`."""

from __future__ import annotations

from shelfwise.demo.catalog import DemoFeed, demo_field_mapping, generate_demo_catalog, write_demo_feed

__all__ = ["DemoFeed", "demo_field_mapping", "generate_demo_catalog", "write_demo_feed"]
