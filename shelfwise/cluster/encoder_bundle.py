"""The shop's catalog encoder shipped to the cluster's nodes through the artifact root.

A bundle is a folder, `ARTIFACT_ROOT/encoders/<digest of the encoder version>/`: the ONNX graph
the single-process path encodes catalog batches with (`encoder.onnx`, int8 by default), the
model's tokenizer (`tokenizer/`) and `bundle.json` (the encoder version, dimension, maximum text
length, batch size and the graph's SHA-256). An actor loads it into the same `OnnxTextEncoder`
class, with one thread, so that no node needs the data folder, torch or the exporter. It is
written once, under a temporary name, then renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from shelfwise.artifact_files import file_sha256
from shelfwise.models import Encoder
from shelfwise.models.encoder import SentenceTransformerEncoder
from shelfwise.models.onnx_encoder import OnnxTextEncoder

BUNDLE_FILE = "bundle.json"
GRAPH_FILE = "encoder.onnx"
TOKENIZER_DIR = "tokenizer"


class BundleManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    dim: int
    max_length: int
    batch_size: int
    graph_sha256: str


def bundle_folder(artifact_root: Path, version: str) -> Path:
    return artifact_root / "encoders" / hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]


def write_bundle(encoder: Encoder, artifact_root: Path) -> Path:
    """The encoder's bundle under the artifact root (made when missing); ValueError for an
    encoder whose catalog batches do not run on an ONNX graph."""
    if not isinstance(encoder, SentenceTransformerEncoder):
        raise ValueError(
            f"distributed encoding ships the MiniLM ONNX encoder; {encoder.version} is another kind "
            "(a document student or another model): encode on one machine (`shelfwise index`)"
        )
    graph = encoder.document_graph()
    if graph is None:
        raise ValueError("distributed encoding needs catalog batches on ONNX (encoder.document_runtime onnx)")
    folder = bundle_folder(artifact_root, encoder.version)
    manifest = BundleManifest(
        version=encoder.version, dim=encoder.dim, max_length=graph.max_length, batch_size=graph.batch_size,
        graph_sha256=file_sha256(graph.path),
    )  # fmt: skip
    if (folder / BUNDLE_FILE).is_file() and read_bundle(folder) == manifest:
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".bundle-", dir=folder.parent))
    try:
        shutil.copyfile(graph.path, temporary / GRAPH_FILE)
        graph.tokenizer.save_pretrained(str(temporary / TOKENIZER_DIR))
        (temporary / BUNDLE_FILE).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        if folder.exists():  # an older or partial bundle of this version: replaced whole
            shutil.rmtree(folder)
        os.rename(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return folder


def read_bundle(folder: Path) -> BundleManifest:
    return BundleManifest.model_validate_json((folder / BUNDLE_FILE).read_text(encoding="utf-8"))


def load_bundle(folder: Path, threads: int = 1) -> tuple[BundleManifest, OnnxTextEncoder]:
    """The bundle's manifest and its encoder on `threads` threads; ValueError when the graph is not
    the one the manifest names."""
    from transformers import AutoTokenizer

    manifest = read_bundle(folder)
    graph = folder / GRAPH_FILE
    if file_sha256(graph) != manifest.graph_sha256:
        raise ValueError(f"{graph}: not the graph of encoder {manifest.version} (SHA-256 differs)")
    tokenizer = AutoTokenizer.from_pretrained(str(folder / TOKENIZER_DIR), local_files_only=True)
    encoder = OnnxTextEncoder(graph, tokenizer, manifest.max_length, query_threads=threads,
                              batch_threads=threads, batch_size=manifest.batch_size)  # fmt: skip
    return manifest, encoder
