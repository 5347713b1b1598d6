"""Cross-encoder relevance model: reads a (query, product text) pair together and predicts its
graded relevance, plus the class (exact / substitute / complement / irrelevant) when it was
trained with class labels.

A saved model is a folder:

    manifest.json        kind, base model, grade range, max length, classes, version
    backbone/            the transformer and its tokenizer (Hugging Face format)
    heads.safetensors    grade head (and class head) weights

The backbone starts from the bundled all-MiniLM-L6-v2 weights; the heads read the mean of the
pair's token states. Torch loads lazily: importing this module costs nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from shelfwise.config import RerankConfig
from shelfwise.progress import StageProgress

if TYPE_CHECKING:
    from shelfwise.models.onnx_encoder import Precision

MANIFEST = "manifest.json"
BACKBONE = "backbone"
HEADS = "heads.safetensors"
KIND = "shelfwise-cross-encoder"
RELEVANCE_CLASSES: tuple[str, ...] = ("exact", "substitute", "complement", "irrelevant")


@dataclass(frozen=True)
class RerankerSpec:
    """What a relevance model predicts and how it reads its input."""

    grade_min: float = 1.0
    grade_max: float = 3.0
    max_length: int = 64
    classes: tuple[str, ...] = ()
    """empty when the model was trained without class labels"""
    base_model: str = "all-MiniLM-L6-v2"

    def to_json(self) -> dict[str, Any]:
        return {
            "grade_min": self.grade_min,
            "grade_max": self.grade_max,
            "max_length": self.max_length,
            "classes": list(self.classes),
            "base_model": self.base_model,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RerankerSpec:
        return cls(
            float(data["grade_min"]),
            float(data["grade_max"]),
            int(data["max_length"]),
            tuple(data.get("classes", ())),
            str(data.get("base_model", "")),
        )


@dataclass(frozen=True)
class RelevancePrediction:
    """Predicted grade of each pair, and class probabilities (rows follow `classes`) if any."""

    grades: np.ndarray
    classes: tuple[str, ...] = ()
    class_probabilities: np.ndarray | None = None

    def label(self, i: int) -> str | None:
        if self.class_probabilities is None:
            return None
        return self.classes[int(np.argmax(self.class_probabilities[i]))]


class RelevanceNetwork:
    """The trainable parts: transformer backbone, tokenizer and the linear heads (torch)."""

    def __init__(self, backbone: Any, tokenizer: Any, spec: RerankerSpec) -> None:
        import torch

        self.backbone = backbone
        self.tokenizer = tokenizer
        self.spec = spec
        hidden = int(backbone.config.hidden_size)
        self.grade_head = torch.nn.Linear(hidden, 1)
        self.class_head = torch.nn.Linear(hidden, len(spec.classes)) if spec.classes else None
        self.dropout = torch.nn.Dropout(0.1)

    @classmethod
    def from_base(cls, folder: Path, spec: RerankerSpec) -> RelevanceNetwork:
        """Backbone from a (sentence-transformers or plain) transformer folder, new heads."""
        from transformers import AutoModel, AutoTokenizer

        backbone = AutoModel.from_pretrained(str(folder), local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        return cls(backbone, tokenizer, spec)

    def modules(self) -> list[Any]:
        return [m for m in (self.backbone, self.grade_head, self.class_head) if m is not None]

    def parameters(self) -> list[Any]:
        return [p for m in self.modules() for p in m.parameters()]

    def train(self, mode: bool = True) -> None:
        for module in [*self.modules(), self.dropout]:
            module.train(mode)

    def state_dict(self) -> dict[str, Any]:
        out = {f"backbone.{k}": v for k, v in self.backbone.state_dict().items()}
        out.update({f"heads.{k}": v for k, v in self._heads_state().items()})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.backbone.load_state_dict({k[9:]: v for k, v in state.items() if k.startswith("backbone.")})
        self._load_heads({k[6:]: v for k, v in state.items() if k.startswith("heads.")})

    def _heads_state(self) -> dict[str, Any]:
        out = {f"grade.{k}": v for k, v in self.grade_head.state_dict().items()}
        if self.class_head is not None:
            out.update({f"class.{k}": v for k, v in self.class_head.state_dict().items()})
        return out

    def _load_heads(self, state: dict[str, Any]) -> None:
        self.grade_head.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("grade.")})
        if self.class_head is not None:
            self.class_head.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("class.")})

    def forward(self, queries: Sequence[str], texts: Sequence[str]) -> tuple[Any, Any | None]:
        """(grades in [grade_min, grade_max], class logits or None) for aligned pairs."""
        import torch

        features = self.tokenizer(
            list(queries),
            list(texts),
            padding=True,
            truncation="only_second",
            max_length=self.spec.max_length,
            return_tensors="pt",
        )
        hidden = self.backbone(**features).last_hidden_state
        mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = self.dropout((hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9))
        span = self.spec.grade_max - self.spec.grade_min
        grades = self.spec.grade_min + span * torch.sigmoid(self.grade_head(pooled).squeeze(-1))
        logits = self.class_head(pooled) if self.class_head is not None else None
        return grades, logits

    def predict(
        self,
        queries: Sequence[str],
        texts: Sequence[str],
        batch_size: int = 64,
        progress: StageProgress | None = None,
    ) -> RelevancePrediction:
        """Predicted grades (and class probabilities) of aligned (query, text) pairs, without
        gradients. Pairs are batched by length so that padding stays small."""
        import torch

        def score(batch_queries: list[str], batch_texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
            with torch.inference_mode():
                grades, logits = self.forward(batch_queries, batch_texts)
            return grades.float().numpy(), None if logits is None else logits.float().numpy()

        return predict_batched(score, self.spec.classes, queries, texts, batch_size, progress)

    def save(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.backbone.save_pretrained(str(folder / BACKBONE))
        self.tokenizer.save_pretrained(str(folder / BACKBONE))
        heads = {k: v.detach().contiguous() for k, v in self._heads_state().items()}
        save_file(heads, str(folder / HEADS))
        manifest = {"kind": KIND, "spec": self.spec.to_json(), **(extra or {})}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> RelevanceNetwork:
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        spec = read_spec(folder)
        backbone = AutoModel.from_pretrained(str(folder / BACKBONE), local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder / BACKBONE), local_files_only=True)
        network = cls(backbone, tokenizer, spec)
        network._load_heads(load_file(str(folder / HEADS)))
        return network


BatchScorer = Callable[[list[str], list[str]], "tuple[np.ndarray, np.ndarray | None]"]


def predict_batched(
    score: BatchScorer,
    classes: tuple[str, ...],
    queries: Sequence[str],
    texts: Sequence[str],
    batch_size: int,
    progress: StageProgress | None = None,
) -> RelevancePrediction:
    """Run `score` (grades, class logits) over pairs batched by length, rows back in order."""
    order = np.argsort([len(q) + len(t) for q, t in zip(queries, texts, strict=True)], kind="stable")
    grades = np.zeros(len(order), dtype=np.float32)
    probs = np.zeros((len(order), len(classes)), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch_grades, logits = score([queries[i] for i in rows], [texts[i] for i in rows])
        grades[rows] = batch_grades
        if classes and logits is not None:
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs[rows] = shifted / shifted.sum(axis=1, keepdims=True)
        if progress is not None:
            progress(min(start + batch_size, len(order)), len(order))
    return RelevancePrediction(grades, classes, probs if classes else None)


def read_spec(folder: Path) -> RerankerSpec:
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"not a reranker folder (no {MANIFEST}): {folder}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("kind") != KIND:
        raise ValueError(f"{path}: kind is {data.get('kind')!r}, expected {KIND!r}")
    return RerankerSpec.from_json(data["spec"])


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([folder / HEADS, *sorted((folder / BACKBONE).glob("*.safetensors"))]):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:12]


class CrossEncoderReranker:
    """Scores (query, product text) pairs with a saved relevance model, on the CPU.

    `runtime` onnx runs the exported graph on ONNX Runtime (`onnx_reranker.py`; exported into the
    model's folder on first use; fp32 scores equal torch's). `int8` quantizes the linear layers
    (torch: after loading; onnx: the exported graph): faster, slightly different grades.
    `threads` sets the intra-op threads (torch's for this process, or the ONNX session's).
    `max_length` caps the tokens of each pair below the model's own (faster; the model was
    trained on longer inputs, so measure what it costs in quality first).
    """

    def __init__(
        self, folder: Path, batch_size: int = 64, threads: int | None = None, int8: bool = False,
        runtime: Literal["torch", "onnx"] = "torch", max_length: int | None = None,
    ) -> None:  # fmt: skip
        self.folder = Path(folder)
        self.spec = read_spec(self.folder)
        if max_length is not None and max_length < self.spec.max_length:
            self.spec = dataclasses.replace(self.spec, max_length=max_length)
            suffix_length = f"+len{max_length}"
        else:
            suffix_length = ""
        self.batch_size = batch_size
        self._threads = threads
        self._int8 = int8
        self.runtime = runtime
        suffix = {("torch", False): "", ("torch", True): "+int8", ("onnx", False): "",
                  ("onnx", True): "+onnx-int8"}[(runtime, int8)]  # fmt: skip
        self.version = f"reranker:{self.folder.name}@{_fingerprint(self.folder)}{suffix}{suffix_length}"
        self._network: RelevanceNetwork | None = None
        self._onnx: Any = None

    @property
    def network(self) -> RelevanceNetwork:
        if self._network is None:
            import torch

            if self._threads is not None and self.runtime == "torch":
                torch.set_num_threads(self._threads)
            network = RelevanceNetwork.load(self.folder)
            network.spec = self.spec  # with the serving cap on input tokens, if any
            network.train(False)
            if self._int8 and self.runtime == "torch":
                network.backbone = torch.ao.quantization.quantize_dynamic(
                    network.backbone, {torch.nn.Linear}, dtype=torch.qint8
                )
            self._network = network
        return self._network

    def _onnx_scorer(self) -> Any:
        if self._onnx is None:
            from shelfwise.models.onnx_reranker import OnnxScorer, export_reranker, onnx_reranker_path

            precision: Precision = "int8" if self._int8 else "fp32"
            path = onnx_reranker_path(self.folder, precision)
            if not path.is_file():
                path = export_reranker(self.network, self.folder, precision)
            self._onnx = OnnxScorer(path, self.network, self._threads)
        return self._onnx

    def predict(
        self, queries: Sequence[str], texts: Sequence[str], progress: StageProgress | None = None
    ) -> RelevancePrediction:
        """Predicted grades (and class probabilities) of aligned (query, text) pairs. Pairs are
        batched by length so that padding stays small."""
        if len(queries) != len(texts):
            raise ValueError(f"{len(queries)} queries but {len(texts)} texts")
        if self.runtime == "onnx":
            scorer = self._onnx_scorer()
            return predict_batched(scorer, self.spec.classes, queries, texts, self.batch_size, progress)
        return self.network.predict(queries, texts, self.batch_size, progress)

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Predicted grade of each text for one query."""
        return self.predict([query] * len(texts), texts).grades


def load_reranker(config: RerankConfig, active_model: Path | None) -> CrossEncoderReranker | None:
    """The configured reranker: an explicit model path wins, then the data folder's active one;
    None when reranking is disabled or no reranker has been trained."""
    if not config.enabled:
        return None
    path = Path(config.model_path) if config.model_path else active_model
    if path is None:
        return None
    return CrossEncoderReranker(
        path,
        batch_size=config.batch_size,
        threads=config.threads,
        int8=config.int8,
        runtime=config.runtime,
        max_length=config.max_length,
    )


__all__ = [
    "RELEVANCE_CLASSES",
    "CrossEncoderReranker",
    "RelevanceNetwork",
    "RelevancePrediction",
    "RerankerSpec",
    "load_reranker",
    "read_spec",
]
