"""The published graph as a serving process holds it: loaded from `models/graph/CURRENT` on
first use, and replaced by a newer version at the process's catch-up, as recommender versions
are. Serving only reads; `build.py` writes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from shelfwise.graph.build import graph_registry
from shelfwise.graph.graph import GraphFormatError, ProductGraph

logger = logging.getLogger("shelfwise.graph")
NOT_BUILT = "no product graph built yet: run `shelfwise graph build` (or queue the `build-graph` job)"


class GraphNotBuilt(LookupError):
    """No usable graph version is published (answered 503, like a missing recommender)."""


class PublishedGraph:
    def __init__(self, data_dir: Path) -> None:
        self._registry = graph_registry(data_dir)
        self._graph: ProductGraph | None = None
        self._lock = threading.Lock()

    def _load_current(self) -> ProductGraph | None:
        try:
            current = self._registry.current()
        except FileNotFoundError as error:  # CURRENT names a version that is gone
            logger.warning("%s", error)
            return None
        if current is None:
            return None
        try:
            return ProductGraph.load(current[1])
        except (GraphFormatError, OSError, ValueError) as error:
            logger.warning("graph %s unusable: %s", current[0], error)
            return None

    def get(self) -> ProductGraph:
        """The loaded graph (loading the published one on first use), else `GraphNotBuilt`."""
        with self._lock:
            if self._graph is None:
                self._graph = self._load_current()
            if self._graph is None:
                raise GraphNotBuilt(NOT_BUILT)
            return self._graph

    @property
    def version(self) -> str | None:
        return None if self._graph is None else self._graph.version

    def catch_up(self) -> None:
        """Serve the version published since this one was loaded (one never loaded waits for
        its first use)."""
        if self._graph is None:
            return
        try:
            current = self._registry.current()
        except FileNotFoundError:
            return
        if current is not None and current[0] != self._graph.version:
            loaded = self._load_current()
            if loaded is not None:
                with self._lock:
                    self._graph = loaded
                logger.info("graph %s loaded", loaded.version)
