"""The cross-encoder on ONNX Runtime, in fp32 or int8 (dynamic quantization).

The exported graph is the whole scoring path: backbone, mean pooling and the grade head (and the
class head, when the model has one) -> (grades, class logits). It is kept inside the reranker's
own folder (`onnx/reranker.<precision>.onnx`), made once per model. The fp32 export must equal
torch within `FP32_TOLERANCE` of a grade on probe pairs; int8 moves grades a little (measured
for ranking quality in docs/benchmarks.md) and is refused beyond `INT8_MAX_GRADE_ERROR`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.models.onnx_encoder import (
    Precision,
    onnx_session,
    quantize_graph_int8,
    quiet_tracer,
    temporary_beside,
)

FP32_TOLERANCE = 1e-3
INT8_MAX_GRADE_ERROR = 0.25
_PROBES = (
    ("cordless drill", "DEWALT 20-Volt MAX Lithium-Ion Cordless Drill/Driver Kit"),
    ("white faucet", "Glacier Bay Single-Handle Pull-Down Sprayer Kitchen Faucet in White"),
    ("2x4", "2 in. x 4 in. x 8 ft. Premium Kiln-Dried Whitewood Stud"),
    ("ceiling fan with remote", "Hampton Bay 52 in. Brushed Nickel Indoor Ceiling Fan with Light Kit"),
    ("paint", "Everbilt #8 x 1-1/4 in. Phillips Flat Head Wood Screw (100-Pack)"),
)


def onnx_reranker_path(folder: Path, precision: Precision) -> Path:
    return folder / "onnx" / f"reranker.{precision}.onnx"


def _scoring_module(network: Any) -> Any:
    import torch

    class Scoring(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = network.backbone
            self.grade_head = network.grade_head
            self.class_head = network.class_head

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask,
                                   token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            span = network.spec.grade_max - network.spec.grade_min
            grades = network.spec.grade_min + span * torch.sigmoid(self.grade_head(pooled).squeeze(-1))
            logits = self.class_head(pooled) if self.class_head is not None else pooled[:, :0]
            return grades, logits

    return Scoring().eval()


def _features(network: Any, pairs: Sequence[tuple[str, str]], tensors: str) -> dict[str, Any]:
    features = network.tokenizer(
        [q for q, _ in pairs], [t for _, t in pairs], padding=True, truncation="only_second",
        max_length=network.spec.max_length, return_tensors=tensors,
    )  # fmt: skip
    if "token_type_ids" not in features:
        features["token_type_ids"] = features["input_ids"] * 0
    return {name: features[name] for name in ("input_ids", "attention_mask", "token_type_ids")}


def export_reranker(network: Any, folder: Path, precision: Precision) -> Path:
    """Export `network` (a RelevanceNetwork in eval mode) into `folder` and return the path of the
    `precision` graph, after checking it against torch on the probe pairs."""
    import torch

    fp32 = onnx_reranker_path(folder, "fp32")
    fp32.parent.mkdir(parents=True, exist_ok=True)
    module = _scoring_module(network)
    probe = _features(network, _PROBES, "pt")
    with torch.inference_mode():
        expected = module(**probe)[0].numpy()
    numpy_probe = {name: value.numpy().astype(np.int64) for name, value in probe.items()}
    if not fp32.is_file():
        with temporary_beside(fp32) as temporary, torch.inference_mode(), quiet_tracer():
            torch.onnx.export(
                module, tuple(probe.values()), str(temporary),
                input_names=list(probe), output_names=["grades", "class_logits"],
                dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in probe},
                              "grades": {0: "batch"}, "class_logits": {0: "batch"}},
                opset_version=17, dynamo=False,
            )  # fmt: skip
            _check(temporary, numpy_probe, expected, FP32_TOLERANCE)
            os.replace(temporary, fp32)
    if precision == "fp32":
        return fp32
    target = onnx_reranker_path(folder, precision)
    with temporary_beside(target) as temporary:
        quantize_graph_int8(fp32, temporary)
        error = _check(temporary, numpy_probe, expected, INT8_MAX_GRADE_ERROR)
        os.replace(temporary, target)
    target.with_suffix(".json").write_text(json.dumps({"max_probe_grade_error": error}))
    return target


def _check(path: Path, inputs: dict[str, np.ndarray], expected: np.ndarray, tolerance: float) -> float:
    got = onnx_session(path, threads=1).run(None, inputs)[0]
    error = float(np.abs(got - expected).max())
    if error > tolerance:
        raise RuntimeError(
            f"ONNX reranker {path.name} differs from torch by {error:.3g} grade (> {tolerance:g})"
        )
    return error


class OnnxScorer:
    """Runs an exported cross-encoder on (query, text) batches: (grades, class logits)."""

    def __init__(self, path: Path, network: Any, threads: int | None = None) -> None:
        self.path = path
        self._network = network  # for its tokenizer and spec; its torch weights are not used
        if threads is None:  # as many as torch has in this process (bench search sets 1)
            import torch

            threads = torch.get_num_threads()
        self._session = onnx_session(path, threads)

    def __call__(self, queries: Sequence[str], texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        inputs = _features(self._network, list(zip(queries, texts, strict=True)), "np")
        grades, logits = self._session.run(None, {k: v.astype(np.int64) for k, v in inputs.items()})
        return np.asarray(grades, dtype=np.float32), np.asarray(logits, dtype=np.float32)
