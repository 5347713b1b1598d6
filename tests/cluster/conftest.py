"""The two-node Ray cluster fixtures of `ray_harness.py`, for every test module of this folder."""

from ray_harness import netns_pair, two_node_cluster

__all__ = ["netns_pair", "two_node_cluster"]
