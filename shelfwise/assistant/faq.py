"""The shop's FAQ: entries read from a JSON-lines or YAML file (`shelfwise assistant faq import`
checks and copies one into the data folder), and a question's best entry found with the shop's
encoder (the bundled MiniLM, or multilingual E5 for Chinese): a cosine under the floor is "I
don't know", never a guess."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.models.encoder import TextKind
from shelfwise.query.zh_text import has_han
from shelfwise.search.match_floor import encoder_family

FAQ_FILE = Path("assistant") / "faq.jsonl"
FAQ_FLOORS = {"minilm": 0.45, "fine-tuned": 0.45, "multilingual-e5-small": 0.885, "hashing": 0.45}
"""encoder family -> cosine a shopper's question needs to a FAQ question. Set on 14 hand-written
questions against a 7-entry FAQ (benchmarks/assistant_faq_floors.py, 2026-12-08): E5's right
matches reached 0.895-0.991 and its questions without an answer 0.806-0.873; MiniLM's English right
matches 0.458-0.710 and its unanswerable ones 0.240-0.301 (MiniLM cannot read Chinese: a Chinese
question goes to E5 on a MiniLM shop). Hashing (tests only) was not measured."""
ENGLISH_ONLY = frozenset({"minilm", "fine-tuned"})


class TextEncoder(Protocol):
    @property
    def version(self) -> str: ...

    def encode(
        self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False
    ) -> np.ndarray: ...


class FaqEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default="", max_length=200)
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(min_length=1, max_length=4000)
    alternatives: tuple[str, ...] = Field(default=(), description="other ways shoppers ask it")
    language: str = Field(default="", description="en, zh or empty (any)")


class FaqFileError(ValueError):
    """A FAQ file that cannot be read: names the file and the line or entry."""


def read_faq(path: Path) -> list[FaqEntry]:
    """Entries of a `.jsonl` file (one object a line) or a `.yaml`/`.yml` file (a list of
    mappings, or a mapping with `faq:` holding one); ids default to the entry's number."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FaqFileError(f"{path}: cannot read the FAQ file ({error})") from error
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(path, raw)
    else:
        rows = _jsonl_rows(path, raw)
    entries: list[FaqEntry] = []
    for where, row in rows:
        try:
            entry = FaqEntry.model_validate(row)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in error.errors()
            )
            raise FaqFileError(f"{path}:{where}: {problems}") from error
        entries.append(entry if entry.id else entry.model_copy(update={"id": str(len(entries) + 1)}))
    if not entries:
        raise FaqFileError(f"{path}: the FAQ file has no entries")
    return entries


def _jsonl_rows(path: Path, raw: str) -> list[tuple[str, object]]:
    rows = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((str(number), json.loads(line)))
        except json.JSONDecodeError as error:
            raise FaqFileError(f"{path}:{number}: not JSON ({error.msg})") from error
    return rows


def _yaml_rows(path: Path, raw: str) -> list[tuple[str, object]]:
    import yaml

    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise FaqFileError(f"{path}: not YAML ({error})") from error
    if isinstance(data, dict) and "faq" in data:
        data = data["faq"]
    if not isinstance(data, list):
        raise FaqFileError(f"{path}: expected a list of entries (question, answer)")
    return [(f"entry {i}", row) for i, row in enumerate(data, 1)]


def write_faq(entries: Sequence[FaqEntry], data_dir: Path) -> Path:
    """Replace the data folder's FAQ (written beside, then moved into place)."""
    target = data_dir / FAQ_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text("".join(e.model_dump_json() + "\n" for e in entries), encoding="utf-8")
    temporary.replace(target)
    return target


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    similarity: float
    known: bool
    """whether the similarity reaches the floor (else the assistant says it does not know)"""


class FaqIndex:
    """The entries' questions (and alternatives) encoded once; `match` finds a question's entry."""

    def __init__(self, entries: Sequence[FaqEntry], encoder: TextEncoder, floor: float) -> None:
        self.entries = list(entries)
        self.floor = floor
        self._owner = [i for i, e in enumerate(self.entries) for _ in (e.question, *e.alternatives)]
        texts = [t for e in self.entries for t in (e.question, *e.alternatives)]
        self._encoder = encoder
        self._vectors = encoder.encode(texts, kind="query") if texts else None

    def match(self, question: str, language: str) -> FaqMatch | None:
        """The closest entry in the question's language (or any); None when the FAQ is empty."""
        if self._vectors is None:
            return None
        vector = self._encoder.encode([question], kind="query")[0]
        scores = self._vectors @ vector
        order = np.argsort(-scores)
        for row in order:
            entry = self.entries[self._owner[int(row)]]
            if entry.language in ("", language):
                similarity = float(scores[int(row)])
                return FaqMatch(entry, similarity, similarity >= self.floor)
        return None


def faq_floor(encoder_version: str, configured: float | None) -> float:
    if configured is not None:
        return configured
    return FAQ_FLOORS.get(encoder_family(encoder_version), FAQ_FLOORS["minilm"])


class ShopFaq:
    """The shop's FAQ over its encoder; a Chinese question on a shop whose encoder reads only
    English goes to the multilingual encoder `chinese` makes (built, and the FAQ encoded with
    it, on the first such question)."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        encoder: TextEncoder,
        configured_floor: float | None,
        chinese: Callable[[], TextEncoder] | None = None,
    ) -> None:
        self.entries = list(entries)
        self.configured_floor = configured_floor
        self.index = FaqIndex(self.entries, encoder, faq_floor(encoder.version, configured_floor))
        english_only = encoder_family(encoder.version) in ENGLISH_ONLY
        self._chinese = chinese if english_only and self.entries else None
        self._chinese_index: FaqIndex | None = None
        self._lock = threading.Lock()

    def match(self, question: str, language: str) -> FaqMatch | None:
        if self._chinese is None or not has_han(question):
            return self.index.match(question, language)
        with self._lock:
            if self._chinese_index is None:
                encoder = self._chinese()
                floor = faq_floor(encoder.version, self.configured_floor)
                self._chinese_index = FaqIndex(self.entries, encoder, floor)
        return self._chinese_index.match(question, language)
