"""Lexical (tantivy BM25) and vector (faiss) indexes, and versioned index folders."""

from shelfwise.index.artifacts import IndexManifest, IndexVersions, read_manifest, write_manifest
from shelfwise.index.lexical import LexicalHit, LexicalIndex
from shelfwise.index.vector import VectorHit, VectorIndex

__all__ = [
    "IndexManifest",
    "IndexVersions",
    "LexicalHit",
    "LexicalIndex",
    "VectorHit",
    "VectorIndex",
    "read_manifest",
    "write_manifest",
]
