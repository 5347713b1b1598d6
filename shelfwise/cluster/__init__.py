"""Scale-out on Ray (issue 29): a cluster a shop starts with `shelfwise cluster up|status|down`.

PostgreSQL (SHELFWISE_DATABASE_URL) stays the one source of truth and artifacts go to a folder
every node sees (SHELFWISE_ARTIFACT_ROOT); Ray runs the work. One machine with SQLite needs none
of this: no module of this package imports Ray when it is imported (only the child processes it
starts do), and no other shelfwise package imports Ray at all. docs/scale.md has the design.
"""

from shelfwise.cluster.control import ClusterSettings, ClusterStatus, ClusterUpError, down, status, up
from shelfwise.cluster.node import NodeSpec, NodeStartError, ray_env
from shelfwise.cluster.probe import ClusterNode, ProbeError
from shelfwise.cluster.state import ClusterState, ClusterStateError, NodeRecord, load_state

__all__ = [
    "ClusterNode",
    "ClusterSettings",
    "ClusterState",
    "ClusterStateError",
    "ClusterStatus",
    "ClusterUpError",
    "NodeRecord",
    "NodeSpec",
    "NodeStartError",
    "ProbeError",
    "down",
    "load_state",
    "ray_env",
    "status",
    "up",
]
