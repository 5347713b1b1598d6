"""The bi-encoder's query path on ONNX Runtime: the same network and weights, exported once.

A search encodes one short query per request, where torch's per-call overhead dominates; ONNX
Runtime runs the same graph in about half the time on one thread. The export (torch.onnx with the
TorchScript exporter: a small wrapper whose `forward(input_ids, attention_mask)` runs the
transformer and mean-pools, as `mean_pooled` does) is kept beside the data folder's other
artifacts, keyed by the encoder version, so it is made once per model. Vectors equal torch's to
float precision (checked at export: a max absolute difference above `TOLERANCE` refuses the
export), so catalog vectors made by torch stay valid and the encoder version does not change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

TOLERANCE = 1e-4
_PROBES = ("cordless drill 18v", "white kitchen faucet with sprayer", "a", "2x4 pressure treated lumber 8 ft")


class _Pooled:
    """Built lazily so importing this module never imports torch."""

    @staticmethod
    def module(transformer: Any) -> Any:
        import torch

        class Pooled(torch.nn.Module):
            def __init__(self, model: Any) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
                hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, dim=-1)

        return Pooled(transformer.auto_model).eval()


def onnx_path_for(root: Path, version: str) -> Path:
    """Where the export of encoder `version` lives under `root`."""
    digest = hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]
    return root / digest / "query_encoder.onnx"


def export_query_encoder(transformer: Any, target: Path) -> Path:
    """Export a sentence-transformers Transformer module (with its tokenizer) to `target`,
    atomically, after checking the graph against torch on a few probe queries."""
    import torch

    module = _Pooled.module(transformer)
    features = transformer.tokenizer(list(_PROBES), padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with torch.inference_mode():
            torch.onnx.export(
                module,
                (features["input_ids"], features["attention_mask"]),
                temporary,
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
            expected = module(features["input_ids"], features["attention_mask"]).numpy()
        inputs = {name: features[name].numpy() for name in ("input_ids", "attention_mask")}
        got = _session(Path(temporary), threads=1).run(None, inputs)[0]
        difference = float(np.abs(got - expected).max())
        if difference > TOLERANCE:
            raise RuntimeError(f"ONNX export differs from torch by {difference:.2e} (> {TOLERANCE:g})")
        os.replace(temporary, target)
        target.with_suffix(".json").write_text(json.dumps({"max_abs_difference": difference}))
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxQueryEncoder:
    """Encodes a few texts at a time through an exported graph; `tokenizer` is the model's own."""

    def __init__(self, path: Path, tokenizer: Any, max_length: int, threads: int = 1) -> None:
        self.path = path
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._session = _session(path, threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        features = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
        )
        inputs = {
            "input_ids": features["input_ids"].astype(np.int64),
            "attention_mask": features["attention_mask"].astype(np.int64),
        }
        return np.asarray(self._session.run(None, inputs)[0], dtype=np.float32)
