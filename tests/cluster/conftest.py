"""The Ray cluster fixtures of `ray_harness.py`, for every test module of this folder: a two-node
cluster per module (`two_node_cluster`) and one cluster with PostgreSQL for the session
(`shop_cluster`)."""

from ray_harness import netns_pair, shop_cluster, two_node_cluster

__all__ = ["netns_pair", "shop_cluster", "two_node_cluster"]
