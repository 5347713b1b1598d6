"""Training the cross-lingual query student (`shelfwise.models.query_student`).

Pairs come from CC-CEDICT, the dictionary the translation already reads: each headword
(simplified and traditional) -> the teacher's vector of its first senses (the normalised mean of
their vectors), and, so that Latin words inside Chinese queries are read too, each sense -> its own
vector. The teacher is the encoder the index uses (the bundled MiniLM, as served); its vectors of
the senses are cached in a file (`teacher_cache`) since encoding them takes minutes.

The student is trained in torch on CPU with the mean squared error to the teacher's vectors plus
an in-batch contrastive loss (each student vector must pick its own teacher vector among the
batch's), then published as a version under `<data dir>/models/query-student`.

    python -m shelfwise.train.query_student --data-dir DATA [--teacher-cache FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.models.query_student import QueryStudent, StudentManifest, bucket_ids
from shelfwise.published_models import query_student_registry
from shelfwise.query.cedict import Dictionary

Log = Callable[[str], None]
Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class QueryStudentConfig:
    buckets: int = 1 << 17
    hidden: int = 128
    longest: int = 3
    senses: int = 3
    """senses of a headword whose vectors its target averages"""
    english_pairs: bool = True
    epochs: int = 8
    batch_size: int = 512
    learning_rate: float = 0.01
    temperature: float = 0.05
    contrastive_weight: float = 1.0
    seed: int = 0
    threads: int = 1


def dictionary_pairs(dictionary: Dictionary, senses: int) -> tuple[list[str], list[tuple[str, ...]]]:
    """(headwords, their first `senses` senses), headwords in a fixed order."""
    heads = sorted(h for h, s in dictionary.senses.items() if s)
    return heads, [dictionary.senses[h][:senses] for h in heads]


def teacher_vectors(texts: Sequence[str], encode: Encode, cache: Path | None, log: Log) -> np.ndarray:
    """The teacher's vectors of `texts`, read from `cache` (an .npy beside a .json naming the
    texts' hash) when it holds them, else encoded in batches and written there."""
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()
    if cache is not None and cache.is_file() and cache.with_suffix(".json").is_file():
        meta = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
        if meta.get("texts_sha256") == digest:
            return np.load(cache, allow_pickle=False)
    chunks = []
    for start in range(0, len(texts), 4096):
        chunks.append(encode(list(texts[start : start + 4096])))
        log(f"teacher: {min(start + 4096, len(texts))}/{len(texts)}")
    vectors = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, 0), np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors, allow_pickle=False)
        cache.with_suffix(".json").write_text(json.dumps({"texts_sha256": digest}), encoding="utf-8")
    return vectors


def training_set(
    dictionary: Dictionary, encode: Encode, config: QueryStudentConfig, cache: Path | None, log: Log
) -> tuple[list[str], np.ndarray]:
    """Student inputs and their teacher targets (L2-normalised)."""
    heads, senses = dictionary_pairs(dictionary, config.senses)
    unique = sorted({s for group in senses for s in group})
    vectors = teacher_vectors(unique, encode, cache, log)
    row = {s: i for i, s in enumerate(unique)}
    targets = np.stack([vectors[[row[s] for s in group]].mean(axis=0) for group in senses])
    inputs = list(heads)
    if config.english_pairs:
        inputs += unique
        targets = np.concatenate([targets, vectors])
    targets /= np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
    return inputs, targets.astype(np.float32)


def fit(
    inputs: Sequence[str], targets: np.ndarray, config: QueryStudentConfig, teacher: str, log: Log
) -> QueryStudent:
    """Train a student on (input text, target vector) pairs."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    ids = [bucket_ids(t, config.buckets, config.longest) for t in inputs]
    keep = [i for i, r in enumerate(ids) if r.size]
    flat = torch.from_numpy(np.concatenate([ids[i] for i in keep]) if keep else np.zeros(0, np.int64))
    lengths = np.array([ids[i].size for i in keep], dtype=np.int64)
    starts = torch.from_numpy(np.concatenate([[0], np.cumsum(lengths)]))
    wanted = torch.from_numpy(targets[keep])
    dim = targets.shape[1]
    table = torch.nn.EmbeddingBag(config.buckets, config.hidden, mode="mean", sparse=True)
    torch.nn.init.normal_(table.weight, std=0.1)
    projection = torch.nn.Linear(config.hidden, dim, bias=False)
    sparse = torch.optim.SparseAdam(table.parameters(), lr=config.learning_rate)
    dense = torch.optim.Adam(projection.parameters(), lr=config.learning_rate / 10)
    generator = torch.Generator().manual_seed(config.seed)
    for epoch in range(config.epochs):
        order, total = torch.randperm(len(keep), generator=generator), 0.0
        for begin in range(0, len(keep), config.batch_size):
            batch = order[begin : begin + config.batch_size]
            pieces = [flat[starts[i] : starts[i + 1]] for i in batch.tolist()]
            offsets = torch.tensor([0] + [len(p) for p in pieces[:-1]]).cumsum(0)
            out = torch.nn.functional.normalize(projection(table(torch.cat(pieces), offsets)), dim=-1)
            loss = _loss(out, wanted[batch], config)
            sparse.zero_grad()
            dense.zero_grad()
            loss.backward()
            sparse.step()
            dense.step()
            total += float(loss.detach()) * len(batch)
        log(f"epoch {epoch + 1}/{config.epochs}: loss {total / max(len(keep), 1):.4f}")
    manifest = StudentManifest(teacher, config.buckets, config.longest, dim, config.hidden, len(keep),
                               "CC-CEDICT headwords -> teacher(senses)")  # fmt: skip
    return QueryStudent(manifest, table.weight.detach().numpy().copy(),
                        projection.weight.detach().numpy().T.copy())  # fmt: skip


def _loss(out: Any, target: Any, config: QueryStudentConfig) -> Any:
    import torch

    mse = ((out - target) ** 2).sum(dim=-1).mean()
    if config.contrastive_weight <= 0 or len(out) < 2:
        return mse
    logits = out @ target.T / config.temperature
    labels = torch.arange(len(out))
    return mse + config.contrastive_weight * torch.nn.functional.cross_entropy(logits, labels)


def train_query_student(
    data_dir: Path, config: QueryStudentConfig, teacher_cache: Path | None = None, log: Log = print
) -> tuple[str, Path]:
    """Train a student of the data folder's encoder on CC-CEDICT and publish it; returns its
    version and folder."""
    from shelfwise.config import EncoderConfig
    from shelfwise.query.cedict import load_cedict
    from shelfwise.train.jobs import data_dir_encoder

    encoder = data_dir_encoder(EncoderConfig(), data_dir)
    inputs, targets = training_set(load_cedict(), lambda t: encoder.encode(t, kind="query"), config,
                                   teacher_cache, log)  # fmt: skip
    log(f"pairs: {len(inputs)}")
    student = fit(inputs, targets, config, encoder.version, log)
    registry = query_student_registry(data_dir)
    version, folder = registry.new_version()
    student.save(folder)
    registry.publish(version)
    return version, folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--teacher-cache", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=QueryStudentConfig.epochs)
    parser.add_argument("--threads", type=int, default=QueryStudentConfig.threads)
    args = parser.parse_args(argv)
    config = QueryStudentConfig(epochs=args.epochs, threads=args.threads)
    version, folder = train_query_student(args.data_dir, config, args.teacher_cache)
    print(f"query student {version}: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "QueryStudentConfig",
    "dictionary_pairs",
    "fit",
    "teacher_vectors",
    "train_query_student",
    "training_set",
]
