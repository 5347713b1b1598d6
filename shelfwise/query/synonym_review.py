"""The review file of mined synonym candidates: JSON lines, one candidate each, with a status.

Mining writes candidates as "pending"; a person (or the CLI) marks them "approved" or "rejected"
with `approve` / `reject`; `SynonymSet.from_reviewed` uses only the approved ones. Writing fresh
candidates over a reviewed file keeps the decisions already made.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.query.zh_text import join_han

Status = Literal["pending", "approved", "rejected"]


class CandidateEvidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    queries: int = 0  # distinct queries with term_a, and term_b in a relevant product's title
    relevant_pairs: int = 0  # relevant (query, product) pairs aligning term_a with term_b
    irrelevant_pairs: int = 0  # the same among pairs judged not relevant
    pmi: float | None = None  # log of observed over expected co-occurrence
    similarity: float | None = None  # cosine similarity, for embedding neighbours
    examples: tuple[str, ...] = ()  # a few of the queries


class SynonymCandidate(BaseModel):
    """A proposed pair: term_a as shoppers write it, term_b as the catalog does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term_a: str
    term_b: str
    score: float
    source: Literal["judgments", "embeddings"]
    evidence: CandidateEvidence = Field(default_factory=CandidateEvidence)
    status: Status = "pending"

    @property
    def pair(self) -> tuple[str, str]:
        return self.term_a, self.term_b


def write_candidates(path: Path, candidates: Iterable[SynonymCandidate], keep_reviewed: bool = True) -> int:
    """Write candidates as JSON lines, atomically; returns how many lines were written.

    With keep_reviewed, decisions already in the file win over the new candidates' status, and
    decided candidates that were not mined again stay at the end, so no review is lost.
    """
    decided: dict[frozenset[str], SynonymCandidate] = {}
    if keep_reviewed and path.exists():
        decided = {frozenset(c.pair): c for c in read_candidates(path) if c.status != "pending"}
    out = []
    for candidate in candidates:
        earlier = decided.pop(frozenset(candidate.pair), None)
        out.append(candidate if earlier is None else candidate.model_copy(update={"status": earlier.status}))
    out.extend(decided.values())
    _write_atomic(path, "".join(candidate.model_dump_json() + "\n" for candidate in out))
    return len(out)


def read_candidates(path: Path) -> list[SynonymCandidate]:
    candidates = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                candidates.append(SynonymCandidate.model_validate_json(line))
            except ValidationError as error:
                raise ValueError(f"{path}:{number}: not a synonym candidate: {error}") from error
    return candidates


def review(
    candidates: Iterable[SynonymCandidate], pairs: Iterable[tuple[str, str]], status: Status
) -> list[SynonymCandidate]:
    """Candidates with the given pairs (either order) set to status; raises KeyError for unknown pairs."""
    wanted = {_pair_key(pair) for pair in pairs}
    out = [c.model_copy(update={"status": status}) if _pair_key(c.pair) in wanted else c for c in candidates]
    missing = wanted - {_pair_key(c.pair) for c in out}
    if missing:
        raise KeyError(f"not among the candidates: {sorted(tuple(sorted(pair)) for pair in missing)}")
    return out


def _pair_key(pair: tuple[str, str]) -> frozenset[str]:
    """Either order; Chinese written with or without spaces between words ("蓝牙 耳机", "蓝牙耳机")."""
    return frozenset(join_han(" ".join(term.split())) for term in pair)


def approve(path: Path, pairs: Iterable[tuple[str, str]]) -> None:
    """Mark pairs of a review file approved."""
    _set_status(path, pairs, "approved")


def reject(path: Path, pairs: Iterable[tuple[str, str]]) -> None:
    """Mark pairs of a review file rejected."""
    _set_status(path, pairs, "rejected")


def _set_status(path: Path, pairs: Iterable[tuple[str, str]], status: Status) -> None:
    write_candidates(path, review(read_candidates(path), pairs, status), keep_reviewed=False)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
