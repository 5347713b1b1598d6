"""Shelfwise: the object the CLI and the worker talk to. It is the server's role (`ShopServer`,
shop_server.py: serving, catalog writes, index builds, swapping in kept versions) plus training
run in the calling process (the CLI's `shelfwise train ...`; a worker's jobs, worker/kinds.py).
The HTTP process holds a `ShopServer`, never a `Shelfwise`: the web process never trains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shelfwise.personalize.provider import ProfileFeatures
from shelfwise.progress import Progress
from shelfwise.recommend.recommender import FitReport, RecommenderTrainingConfig
from shelfwise.recommend.sequential import SequentialFit
from shelfwise.serving import Health
from shelfwise.shop_server import ShopServer
from shelfwise.train.recommender import train_recommender as fit_recommender

__all__ = ["Health", "Progress", "Shelfwise", "ShopServer"]


class Shelfwise(ShopServer):
    """A `ShopServer` that also trains the recommender and the ranking model in this process."""

    def train_recommender(
        self,
        config: RecommenderTrainingConfig | None = None,
        log: Callable[[str], None] | None = None,
        sequential_fit: SequentialFit | None = None,
    ) -> tuple[str, FitReport]:
        """Fit a recommender on every stored event and the catalog, publish it and serve it
        (`sequential_fit`: the sequential channel trained elsewhere, on a Ray cluster)."""
        data_dir = self.settings.data_dir
        live, report = fit_recommender(
            self.store, self.events, self.encoder, data_dir, config, log, sequential_fit
        )
        self._recommender = live
        return live.version, report

    def train_ranker(self, config: Any = None, log: Callable[[str], None] = print) -> Any:
        """Train the CTR/CVR ranking model on the logged impressions and their attributed events,
        with point-in-time profile features; publish it when it beats the active one. Returns
        the `RankerArtifact`."""
        from shelfwise.rank.train import train_ranker

        examples, stats = self.labeled_impressions()
        log(f"{stats.shown_items} shown items in {stats.impressions} responses; events credited by "
            f"request id {stats.by_request_id}, by session window {stats.by_window}")  # fmt: skip
        if not examples:
            raise ValueError("no impressions logged yet: serve searches or recommendations first")
        products = list(self.store.iter_products())
        vectors = self.encoder.encode_products(products)
        features = ProfileFeatures(self.profiles, point_in_time=True)
        artifact = train_ranker(self.settings.data_dir, examples, products, vectors, config, self.encoder,
                                features, log)  # fmt: skip
        self._release_ranking()
        return artifact
