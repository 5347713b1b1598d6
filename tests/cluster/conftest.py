"""The Ray cluster fixtures of `ray_harness.py`, for every test module of this folder: one cluster
with PostgreSQL for the session (`shop_cluster`) and a pair of network namespaces per module
(`netns_pair`, for the README's test, which starts its own cluster)."""

from ray_harness import netns_pair, shop_cluster

__all__ = ["netns_pair", "shop_cluster"]
