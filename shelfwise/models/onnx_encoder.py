"""The bi-encoder on ONNX Runtime: the same network exported once, in fp32 or int8.

Two uses, one graph per precision (torch.onnx with the TorchScript exporter: a small wrapper whose
`forward(input_ids, attention_mask)` runs the transformer and mean-pools, as `mean_pooled` does):

- queries, a few texts per call, where torch's per-call overhead dominates: ONNX Runtime runs the
  same fp32 graph in about half the time on one thread;
- catalog batches, sorted by token length so that a batch pads to its own longest text, not the
  chunk's: several times sentence-transformers' rate with the int8 graph (docs/benchmarks.md,
  "Compression and encoding speed").

The fp32 export equals torch to float precision (checked at export: a max absolute difference
above `FP32_TOLERANCE` refuses it), so vectors made by torch stay valid and the encoder version
does not change. The int8 graph (dynamic quantization: int8 weights per output channel, int8
activations scaled per call, so a text's vector also moves a little with its batch companions)
moves vectors slightly (mean cosine to fp32 about 0.99), so an int8 encoder has a version of
its own and its catalog vectors are never mixed with fp32 ones; an int8 export whose vectors
fall below `INT8_MIN_COSINE` to fp32 on the probe texts is refused.
Exports live beside the data folder's other artifacts, keyed by the encoder version.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

logger = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]

FP32_TOLERANCE = 1e-4
INT8_MIN_COSINE = 0.95
_PROBES = (
    "cordless drill 18v",
    "white kitchen faucet with sprayer",
    "a",
    "2x4 pressure treated lumber 8 ft",
    "Hampton Bay 52 in. Brushed Nickel Ceiling Fan with Light Kit and Remote Control",
    "women's merino wool crew neck sweater, navy, size M; machine washable and soft against the skin",
)


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


def onnx_path_for(root: Path, version: str, precision: Precision = "fp32") -> Path:
    """Where the `precision` export of encoder `version` (the fp32 network's version) lives."""
    digest = hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]
    return root / digest / f"encoder.{precision}.onnx"


def _probe_inputs(tokenizer: Any, max_length: int) -> dict[str, np.ndarray]:
    features = tokenizer(list(_PROBES), padding=True, truncation=True, max_length=max_length,
                         return_tensors="np")  # fmt: skip
    return {name: features[name].astype(np.int64) for name in ("input_ids", "attention_mask")}


def export_fp32(transformer: Any, target: Path) -> Path:
    """Export a sentence-transformers Transformer module to `target`, atomically, after checking
    the graph against torch on the probe texts."""
    import torch

    module = _Pooled.module(transformer)
    features = transformer.tokenizer(list(_PROBES), padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(target) as temporary, torch.inference_mode(), quiet_tracer():
        torch.onnx.export(
            module,
            (features["input_ids"], features["attention_mask"]),
            str(temporary),
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
        got = onnx_session(temporary, threads=1).run(None, inputs)[0]
        difference = float(np.abs(got - expected).max())
        if difference > FP32_TOLERANCE:
            raise RuntimeError(f"ONNX export differs from torch by {difference:.2e} (> {FP32_TOLERANCE:g})")
        os.replace(temporary, target)
    target.with_suffix(".json").write_text(json.dumps({"max_abs_difference": difference}))
    return target


def quantize_int8(fp32: Path, target: Path, tokenizer: Any, max_length: int) -> Path:
    """Dynamic int8 quantization of the fp32 graph (weights per output channel), refused when a
    probe text's vector moves below `INT8_MIN_COSINE` from its fp32 vector."""
    target.parent.mkdir(parents=True, exist_ok=True)
    inputs = _probe_inputs(tokenizer, max_length)
    with temporary_beside(target) as temporary:
        quantize_graph_int8(fp32, temporary)
        reference = onnx_session(fp32, threads=1).run(None, inputs)[0]
        got = onnx_session(temporary, threads=1).run(None, inputs)[0]
        cosines = (_unit(reference) * _unit(got)).sum(axis=1)
        if float(cosines.min()) < INT8_MIN_COSINE:
            raise RuntimeError(f"int8 encoder moves a probe vector to cosine {cosines.min():.3f} "
                               f"from fp32 (< {INT8_MIN_COSINE})")  # fmt: skip
        os.replace(temporary, target)
    target.with_suffix(".json").write_text(json.dumps({"min_probe_cosine": float(cosines.min())}))
    return target


def quantize_graph_int8(fp32: Path, target: Path) -> None:
    """Dynamic int8 quantization of an fp32 graph: int8 weights per output channel, activations
    scaled per call (the encoder's and the cross-encoder's recipe)."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with quiet_tracer():
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})  # fmt: skip


@contextlib.contextmanager
def quiet_tracer() -> Iterator[None]:
    """The exporter's tracer warnings (data-dependent branches that are constant for this
    network) and the quantizer's advice would reach shop logs; the results are checked instead."""

    def advice(record: logging.LogRecord) -> bool:  # the quantizer's generic pre-processing tip
        return "pre-processing before quantization" not in record.getMessage()

    root = logging.getLogger()
    root.addFilter(advice)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(advice)


class temporary_beside:
    """A temporary file name in `target`'s folder (so that os.replace is atomic), removed on exit."""

    def __init__(self, target: Path) -> None:
        self._target = target

    def __enter__(self) -> Path:
        handle, name = tempfile.mkstemp(dir=self._target.parent, suffix=".onnx.tmp")
        os.close(handle)
        self._path = Path(name)
        return self._path

    def __exit__(self, *exc: object) -> None:
        self._path.unlink(missing_ok=True)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def onnx_session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxTextEncoder:
    """Encodes texts through an exported graph with the model's own tokenizer. Sessions are made
    on first use: one with `query_threads` for a few texts per call, one with `batch_threads`
    for catalog batches."""

    def __init__(
        self, path: Path, tokenizer: Any, max_length: int, query_threads: int = 1,
        batch_threads: int | None = None, batch_size: int = 32,
    ) -> None:  # fmt: skip
        self.path = path
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._threads = {"query": query_threads, "batch": batch_threads or os.cpu_count() or 1}
        self._sessions: dict[str, Any] = {}
        self._batch_size = batch_size
        self._session("query")  # a graph that cannot load fails here, where the caller can fall back

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def max_length(self) -> int:
        return self._max_length

    @property
    def batch_size(self) -> int:
        return self._batch_size

    def _session(self, kind: str) -> Any:
        if kind not in self._sessions:
            self._sessions[kind] = onnx_session(self.path, self._threads[kind])
        return self._sessions[kind]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors, in the order of `texts`. Many texts are encoded in batches of
        similar token length, so that padding costs little."""
        if len(texts) <= 4:
            return self._run("query", list(texts))
        lengths = [len(ids) for ids in self._tokenizer(list(texts), truncation=True,
                                                       max_length=self._max_length)["input_ids"]]  # fmt: skip
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            rows = order[start : start + self._batch_size]
            vectors = self._run("batch", [texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _run(self, kind: str, texts: list[str]) -> np.ndarray:
        features = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="np"
        )
        inputs = {name: features[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
        return _unit(np.asarray(self._session(kind).run(None, inputs)[0], dtype=np.float32))
