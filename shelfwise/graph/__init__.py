"""The product knowledge graph (issue 30 part 4): products, brands, categories, attribute values
and aspects, linked by weighted edges with their evidence; learned substitute (`also_viewed`)
and complement (`bought_together`) links; neighbourhoods, explained paths and "goes with".

Build: `build_graph` / `build_and_publish` (models/graph/versions/<v>/ + CURRENT). Serve:
`PublishedGraph` (loads the current version, swaps in newer ones) behind `GraphService`."""

from shelfwise.graph.build import GraphBuildReport, build_and_publish, build_graph, graph_registry
from shelfwise.graph.goes_with import GoesWith, goes_with
from shelfwise.graph.graph import GraphFormatError, ProductGraph, UnknownProduct
from shelfwise.graph.paths import best_paths
from shelfwise.graph.published import GraphNotBuilt, PublishedGraph
from shelfwise.graph.service import ExplainedPath, GoesWithItem, GraphService
from shelfwise.graph.types import (
    EDGE_KINDS,
    AspectPraise,
    EdgeKind,
    GraphBuildConfig,
    GraphPath,
    Neighbour,
    Neighbourhood,
    Node,
    PathStep,
)
from shelfwise.graph.wording import render_path

__all__ = [
    "EDGE_KINDS",
    "AspectPraise",
    "EdgeKind",
    "ExplainedPath",
    "GoesWith",
    "GoesWithItem",
    "GraphBuildConfig",
    "GraphBuildReport",
    "GraphFormatError",
    "GraphNotBuilt",
    "GraphPath",
    "GraphService",
    "Neighbour",
    "Neighbourhood",
    "Node",
    "PathStep",
    "ProductGraph",
    "PublishedGraph",
    "UnknownProduct",
    "best_paths",
    "build_and_publish",
    "build_graph",
    "goes_with",
    "graph_registry",
    "render_path",
]
