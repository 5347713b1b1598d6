"""The server process's role: `ShopServer` is `Serving` (serving.py: search, recommendations,
the final stage, experiments, the logs) plus what a running shop does besides answering, none of
it training: catalog writes (feeds, the API's upserts and deletes), index builds and refreshes,
and serving a kept recommender or ranking-model version. The HTTP process (serve/, web/) holds a
`ShopServer`; training runs in the CLI's `shelfwise train ...` and in the worker's jobs, through
`Shelfwise` (service.py), which adds it on top of this."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from shelfwise.catalog import FieldMapping, IngestReport, ingest_feed, ingest_products
from shelfwise.index import IndexManifest
from shelfwise.language.catalog import resolve_catalog_language, with_language
from shelfwise.models import CachedEncoder
from shelfwise.progress import Progress
from shelfwise.published_models import active_fusion, data_dir_encoder
from shelfwise.recommend.live import LiveRecommender, recommender_registry
from shelfwise.records import Product
from shelfwise.search import RefreshStats
from shelfwise.serving import Serving, understanding_for

__all__ = ["ShopServer"]

logger = logging.getLogger(__name__)


class ShopServer(Serving):
    """One shop's server: serves, writes the catalog, builds and refreshes its index and swaps in
    kept model versions; it has no training method (the web process never trains)."""

    def ingest(
        self,
        path: Path,
        mapping: FieldMapping | None = None,
        progress: Progress | None = None,
        extract_attributes: bool = False,
        strict: bool = False,
    ) -> IngestReport:
        """Validate and upsert a feed file; an existing index catches up incrementally. With
        `extract_attributes`, attributes the feed leaves out (brand, colour, material, sizes,
        pack counts...) are read from titles and descriptions, and marked as extracted. With
        `strict`, a row with a bad optional field is rejected instead of stored without it."""
        feed_progress = None if progress is None else lambda done, total: progress("ingest", done, total)
        extractor = None
        if extract_attributes:
            from shelfwise.catalog.extract import AttributeExtractor, ExtractionConfig, known_brands

            extractor = AttributeExtractor(ExtractionConfig(brands=known_brands(self.store.iter_products())))
        report = ingest_feed(
            path, self.store, mapping=mapping, progress=feed_progress, extractor=extractor, strict=strict
        )
        self._refresh_if_indexed(progress)
        return report

    def upsert_products(self, products: Sequence[Product]) -> IngestReport:
        """Upsert built products (API writes); the last feed's report stays the one on record."""
        report = ingest_products(self.store, list(products), save_report=False)
        self._refresh_if_indexed(None)
        return report

    def delete_products(self, product_ids: Sequence[str]) -> list[str]:
        gone = self.store.delete(list(dict.fromkeys(product_ids)))
        self._refresh_if_indexed(None)
        return gone

    def serve_model_version(self, kind: str, version: str) -> None:
        """Publish a kept recommender or ranking-model version (`kind` "recommender" or
        "ranker") and serve it from this process at once; other server processes switch at their
        catch-up. FileNotFoundError for a version that is not kept."""
        from shelfwise.rank import ranker_registry

        registries = {"recommender": recommender_registry, "ranker": ranker_registry}
        if kind not in registries:
            raise ValueError(f"no model kind '{kind}': recommender or ranker")
        registry = registries[kind](self.settings.data_dir)
        if not version or not registry.path_of(version).is_dir():
            raise FileNotFoundError(f"no kept {kind} version '{version}'")
        if kind == "recommender":  # loaded first: a version that cannot be served is not published
            live = LiveRecommender.load(registry.path_of(version))
            registry.publish(version)
            self._recommender = live
        else:
            registry.publish(version)
            self._release_ranking()

    def _settle_language(self) -> None:
        """A shop that had no products when it started decides its language before its first
        index: the encoder is switched then (never under an index built by another one)."""
        if self.language.settled:
            return
        settings = self.settings
        decision = resolve_catalog_language(settings.catalog.language, settings.data_dir, self._titles)
        if decision.language == self.language.language or self.engine.manifest() is not None:
            self.language = decision
            return
        self.language = decision
        self.settings = with_language(settings, decision.language)
        self.engine.language = decision.language
        self.engine.understanding = understanding_for(self.settings, decision.language)
        if self._own_encoder and self.settings.encoder.name != settings.encoder.name:
            encoder = data_dir_encoder(self.settings.encoder, self.settings.data_dir)
            self.encoder = self.engine.encoder = CachedEncoder(encoder, self.encoder.cache)
            if settings.fusion.learned:
                self.engine.learned_fusion = active_fusion(settings.data_dir, encoder.version, logger.warning)
        logger.info("catalog language %s: encoder %s", decision.language, self.encoder.encoder.version)

    def open_index(self, progress: Progress | None = None) -> IndexManifest:
        """Load the published index, catching up with the store; builds one when there is
        none, when the encoder changed, or when the index files are unusable."""
        self._settle_language()
        manifest = self.engine.open(progress, build=True)
        assert manifest is not None  # build=True always ends with an index
        return manifest

    def rebuild_index(self, progress: Progress | None = None) -> IndexManifest:
        self._settle_language()
        return self.engine.rebuild(progress)

    def refresh_index(self, progress: Progress | None = None) -> RefreshStats:
        return self.engine.refresh(progress)

    def _refresh_if_indexed(self, progress: Progress | None) -> None:
        """Bring an existing index up to date. If another process (a running server) owns the
        index files, this process only updates its own memory; the owner catches up by itself."""
        if self.engine.manifest() is None:
            self.engine.open(progress, build=False)
        else:
            self.engine.refresh(progress)
        self.catch_up_ranking()  # the ranking model scores a new or changed product at once
