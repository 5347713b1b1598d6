"""A few lines about an index after `shelfwise index`: version, products, encoder, time, change."""

from __future__ import annotations

import contextlib

from shelfwise.index.artifacts import IndexManifest, IndexVersions, read_manifest


def published_manifest(registry: IndexVersions) -> IndexManifest | None:
    """The manifest of the published version, or None when there is none (or it is unreadable)."""
    with contextlib.suppress(OSError, ValueError):
        current = registry.current()
        if current is not None:
            return read_manifest(current[1])
    return None


def what_changed(before: IndexManifest | None, after: IndexManifest) -> str:
    if before is None:
        return "built the first version"
    if before.version != after.version:
        return f"built a new version (replacing {before.version})"
    if before.store_seq != after.store_seq:
        return f"caught up with catalog changes {before.store_seq} -> {after.store_seq}"
    return "already up to date"


def index_summary(after: IndexManifest, before: IndexManifest | None, seconds: float) -> str:
    """What `shelfwise index` prints (`--json` prints the whole manifest instead)."""
    return "\n".join(
        [
            f"index {after.version}: {after.product_count:,} products, {after.vector_kind} vectors",
            f"  encoder  {after.encoder} ({after.dim} dimensions)",
            f"  time     {seconds:.1f}s",
            f"  change   {what_changed(before, after)}",
        ]
    )
