"""TREC run files and graded judgments.

A run file has one line per retrieved product: `qid Q0 product_id rank score tag`, fields
separated by whitespace. In memory a run is `{query_id: [ScoredId(product_id, score), ...]}`,
best first. Judgments come from a header-led TSV (`query_id`, `query`, `product_id`,
`relevance`) and are held in a `Judgments` record.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from shelfwise.evaluate.tables import FormatError, iter_tsv

__all__ = [
    "JUDGMENT_COLUMNS",
    "Judgments",
    "Run",
    "ScoredId",
    "rank_items",
    "read_judgments",
    "read_run",
    "write_run",
]

JUDGMENT_COLUMNS = ("query_id", "query", "product_id", "relevance")


class ScoredId(NamedTuple):
    """One retrieved product of a query, with the score that ranked it."""

    product_id: str
    score: float


Run = dict[str, list[ScoredId]]


@dataclass(frozen=True)
class Judgments:
    """Graded judgments: the query text and `{product_id: grade}` of every judged query.

    Query order is the order of first appearance in the source. Both mappings are read-only
    views; build a new record with `from_grades` or `subset`.
    """

    queries: Mapping[str, str]
    grades: Mapping[str, Mapping[str, float]]

    def __post_init__(self) -> None:
        if set(self.queries) != set(self.grades):
            raise ValueError("queries and grades must have the same query ids")
        frozen = {qid: MappingProxyType(dict(g)) for qid, g in self.grades.items()}
        object.__setattr__(self, "queries", MappingProxyType(dict(self.queries)))
        object.__setattr__(self, "grades", MappingProxyType(frozen))

    @classmethod
    def from_grades(
        cls,
        grades: Mapping[str, Mapping[str, float]],
        queries: Mapping[str, str] | None = None,
    ) -> Judgments:
        """Judgments from grades alone; missing query texts become ``""``."""
        texts = {qid: (queries or {}).get(qid, "") for qid in grades}
        return cls(queries=texts, grades=grades)

    @property
    def query_ids(self) -> tuple[str, ...]:
        return tuple(self.grades)

    @property
    def num_pairs(self) -> int:
        return sum(len(g) for g in self.grades.values())

    def __len__(self) -> int:
        return len(self.grades)

    def subset(self, query_ids: Iterable[str]) -> Judgments:
        """The judgments of the given queries (in this record's order); unknown ids are errors."""
        wanted = set(query_ids)
        unknown = wanted - set(self.grades)
        if unknown:
            raise KeyError(f"unknown query ids: {', '.join(sorted(unknown)[:5])}")
        keep = [qid for qid in self.grades if qid in wanted]
        return Judgments(
            queries={qid: self.queries[qid] for qid in keep},
            grades={qid: self.grades[qid] for qid in keep},
        )


def _check_token(value: str, what: str) -> None:
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"{what} must be non-empty and contain no whitespace: {value!r}")


def rank_items(items: Iterable[tuple[str, float]]) -> list[ScoredId]:
    """Items sorted by score, highest first; ties keep their given order. Scores must be finite."""
    ranked = [ScoredId(str(p), float(s)) for p, s in items]
    for item in ranked:
        if not math.isfinite(item.score):
            raise ValueError(f"score of product '{item.product_id}' is not finite: {item.score}")
    ranked.sort(key=lambda item: -item.score)
    return ranked


def write_run(
    path: str | Path,
    run: Mapping[str, Sequence[tuple[str, float]]],
    tag: str,
    depth: int | None = 100,
) -> int:
    """Write a TREC run (`qid Q0 product_id rank score tag`); returns the number of lines.

    Each query's products are sorted by score, highest first (ties keep their given order), cut
    at `depth` (None keeps all) and ranked from 1. Queries appear in the mapping's order; a
    query with no products writes no line (TREC cannot say "nothing"), so a reader sees it as
    missing. Ids and the tag must not contain whitespace; a product twice in one query, or a
    score that is not finite, is an error. The file is replaced atomically.
    """
    _check_token(tag, "tag")
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    lines: list[str] = []
    for qid, items in run.items():
        _check_token(qid, "query id")
        seen: set[str] = set()
        for rank, item in enumerate(rank_items(items)[:depth], start=1):
            _check_token(item.product_id, "product id")
            if item.product_id in seen:
                raise ValueError(f"product '{item.product_id}' appears twice for query '{qid}'")
            seen.add(item.product_id)
            lines.append(f"{qid} Q0 {item.product_id} {rank} {item.score!r} {tag}\n")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(lines)


def _parse_run_line(path: Path, number: int, text: str) -> tuple[str, str, int, float]:
    fields = text.split()
    if len(fields) != 6:
        raise FormatError(
            path,
            number,
            f"expected 6 fields 'qid Q0 product_id rank score tag', found {len(fields)}",
        )
    qid, _, product_id, rank_text, score_text, _ = fields
    try:
        rank = int(rank_text)
    except ValueError:
        raise FormatError(path, number, f"rank is not an integer: {rank_text!r}") from None
    try:
        score = float(score_text)
    except ValueError:
        raise FormatError(path, number, f"score is not a number: {score_text!r}") from None
    if not math.isfinite(score):
        raise FormatError(path, number, f"score is not finite: {score_text!r}")
    return qid, product_id, rank, score


def read_run(path: str | Path) -> Run:
    """Read a TREC run: `{qid: [ScoredId, ...]}`, each list sorted by score, highest first.

    Equal scores are ordered by the file's rank, then by line order. The Q0 and tag fields
    are not checked. A product twice for one query is an error. Errors read `path:line: reason`.
    """
    path = Path(path)
    entries: dict[str, list[tuple[float, int, int, str]]] = {}
    first_seen: dict[tuple[str, str], int] = {}
    with path.open("r", encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            qid, product_id, rank, score = _parse_run_line(path, number, raw)
            key = (qid, product_id)
            if key in first_seen:
                raise FormatError(
                    path,
                    number,
                    f"product '{product_id}' appears twice for query '{qid}' "
                    f"(first at line {first_seen[key]})",
                )
            first_seen[key] = number
            entries.setdefault(qid, []).append((-score, rank, number, product_id))
    run: Run = {}
    for qid, rows in entries.items():
        rows.sort()
        run[qid] = [ScoredId(product_id, -neg_score) for neg_score, _, _, product_id in rows]
    return run


def read_judgments(path: str | Path, columns: Mapping[str, str] | None = None) -> Judgments:
    """Read graded judgments from a TSV with a header (`query_id`, `query`, `product_id`,
    `relevance`; `columns` maps these names to the file's own).

    A query id must carry the same query text on every line; a (query, product) pair may
    appear once; relevance must be a finite number. Errors read `path:line: reason`.
    """
    path = Path(path)
    queries: dict[str, str] = {}
    query_line: dict[str, int] = {}
    grades: dict[str, dict[str, float]] = {}
    pair_line: dict[tuple[str, str], int] = {}
    for row in iter_tsv(path, JUDGMENT_COLUMNS, columns):
        qid, text, product_id = (
            row.fields["query_id"],
            row.fields["query"],
            row.fields["product_id"],
        )
        if not qid or not product_id:
            raise FormatError(path, row.line, "empty query_id or product_id")
        try:
            grade = float(row.fields["relevance"])
        except ValueError:
            grade = math.nan
        if not math.isfinite(grade):
            raise FormatError(path, row.line, f"relevance is not a number: {row.fields['relevance']!r}")
        if qid in queries and queries[qid] != text:
            raise FormatError(
                path,
                row.line,
                f"query '{qid}' has text {text!r} here but {queries[qid]!r} at line {query_line[qid]}",
            )
        if (qid, product_id) in pair_line:
            raise FormatError(
                path,
                row.line,
                f"pair ({qid}, {product_id}) judged twice (first at line {pair_line[qid, product_id]})",
            )
        queries.setdefault(qid, text)
        query_line.setdefault(qid, row.line)
        pair_line[qid, product_id] = row.line
        grades.setdefault(qid, {})[product_id] = grade
    return Judgments(queries=queries, grades=grades)
