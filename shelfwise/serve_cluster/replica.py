"""One Ray Serve replica of the shop: the Shelfwise FastAPI app as its ingress, behind the switch
that swaps artifact versions in place.

`deploy.py` wraps `ShopReplica` with `serve.ingress()` and `serve.deployment` (inside a function:
no Ray at import). Ray Serve builds the replica (`__init__`, then `__serve_build_asgi_app__`, the
switch), and calls `reconfigure(user_config)` before routing any request to it, and again whenever
the deployment's user_config changes: that starts the named version's app and retires the old
one. With shards in the user_config, a replica's searches recall through the version's named
shard actors. Every replica's `ShopServer` runs on the shop's PostgreSQL (the settings' database
URL), so events, impressions and catalog writes from every replica land in the one database, and
each replica LISTENs for catalog changes (serve/catalog_wakeup.py) to refresh its own index.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from shelfwise.config import Settings
from shelfwise.search.retrieval import Recall
from shelfwise.serve import create_app
from shelfwise.serve_cluster.options import REPLICA_HEADER, VersionChoice, version_folder
from shelfwise.serve_cluster.switch import SwitchingApp
from shelfwise.shop_server import ShopServer


def version_app(settings: Settings, versions_root: Path, choice: VersionChoice | str) -> FastAPI:
    """The shop's app over the chosen version's data folder (its index and models), owning its
    server. With `choice.shards`, its searches recall through the version's named shard actors
    (`cluster.shard_actors`, started by the deploy driver) instead of its own index."""
    if isinstance(choice, str):
        choice = VersionChoice(version=choice)
    data_dir = version_folder(versions_root, choice.version)
    recall = None
    if choice.shards:
        recall = shard_recall(settings, data_dir, choice)
    shop = ShopServer(settings.model_copy(update={"data_dir": data_dir}), recall=recall)
    return create_app(shop, shop.settings.serve, owns_shelfwise=True)


def shard_recall(settings: Settings, data_dir: Path, choice: VersionChoice) -> Recall:
    """Recall through `choice`'s shard actors, with the lexical settings and the analysis of the
    version's index; RuntimeError when a shard has no actor that answers."""
    from shelfwise.cluster.shard_actors import connect_version_shards
    from shelfwise.cluster.shard_source import version_index
    from shelfwise.index.lexical import LexicalAnalysis
    from shelfwise.search.sharded import ShardedRecall

    _, index = version_index(data_dir)
    fanout = connect_version_shards(choice.version, choice.shards, choice.shard_replicas)
    return ShardedRecall.connect(fanout, settings.lexical, LexicalAnalysis.load(index / "lexical"))


def shop_settings(settings_json: str) -> Settings:
    """The shop's settings as the driver sent them (no environment is read here)."""
    settings = Settings.model_validate_json(settings_json)
    if not settings.database_url:
        raise ValueError("Serve replicas need the shop's database_url (PostgreSQL): every node writes to it")
    return settings


class ShopReplica:
    """The deployment's class: `serve.ingress()` turns it into an ASGI replica."""

    def __init__(self, settings_json: str, versions_root: str, drain_seconds: float) -> None:
        from ray import serve

        settings = self._settings = shop_settings(settings_json)
        root = self._root = Path(versions_root)
        replica = serve.get_replica_context().replica_id.unique_id
        self._switch = SwitchingApp(
            lambda version: version_app(settings, root, version),
            {REPLICA_HEADER: f"{replica}:{os.getpid()}"},
            drain_seconds,
        )

    def __serve_build_asgi_app__(self) -> SwitchingApp:
        return self._switch

    async def reconfigure(self, user_config: dict[str, object]) -> None:
        """Serve the version `user_config` names ({"version": ...}); the old one goes when its
        requests are done. A missing or broken version raises and the old one stays."""
        choice = VersionChoice.model_validate(user_config)
        build = partial(version_app, self._settings, self._root, choice)
        await self._switch.swap(choice.version, choice.model_dump_json(), build)
