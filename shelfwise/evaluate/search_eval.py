"""Scoring a search run against graded judgments: NDCG@k, Recall@k, MRR, and report tables.

The Home Depot protocol (`../shared/data/README.md`): NDCG@10 with gain = grade - 1 and
unjudged = 0, and Recall@100 of the products graded at least 2.33. Every query in the judgments
is scored; a query missing from the run is scored as an empty ranking (0) and listed. Queries
where a metric is undefined (see `shelfwise.evaluate.metrics`) are left out of that metric's
mean and counted: NDCG skips queries whose products are all graded at the gain offset, Recall
and MRR skip queries with no product at the threshold. Run queries without judgments are
ignored and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.evaluate.metrics import (
    DEFAULT_GAIN_OFFSET,
    DEFAULT_RELEVANCE_THRESHOLD,
    distinct_top_k,
    mean_score,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    relevant_ids,
)
from shelfwise.evaluate.splits import split_queries
from shelfwise.evaluate.trec import Judgments, rank_items, read_judgments, read_run

__all__ = [
    "QueryEval",
    "SearchEvalReport",
    "TableStyle",
    "evaluate_run",
    "format_search_comparison",
    "format_search_report",
]

TableStyle = Literal["markdown", "text"]


class QueryEval(BaseModel):
    """The scores of one judged query; None where the metric is undefined for it."""

    model_config = ConfigDict(frozen=True)

    query_id: str
    query: str
    in_run: bool
    retrieved: int = Field(description="distinct products the run returned")
    judged: int
    relevant: int = Field(description="judged products at or above the threshold")
    ndcg: float | None
    recall: float | None
    reciprocal_rank: float | None


class SearchEvalReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    k_ndcg: int
    k_recall: int
    threshold: float
    gain_offset: float
    ndcg: float = Field(description="mean NDCG@k_ndcg over queries_scored")
    recall: float = Field(description="mean Recall@k_recall over queries with a relevant product")
    mrr: float = Field(description="mean reciprocal rank of the first relevant one, same queries")
    queries_judged: int
    queries_scored: int = Field(description="queries in the NDCG mean")
    queries_without_gain: int = Field(description="all products at gain 0: left out of NDCG")
    queries_without_relevant: int = Field(description="none at the threshold: out of Recall, MRR")
    queries_missing_from_run: int = Field(description="judged queries the run lacks; scored 0")
    missing_query_ids: list[str]
    run_queries_not_judged: int = Field(description="run queries without judgments; ignored")
    per_query: list[QueryEval]

    @property
    def queries_scored_recall(self) -> int:
        return self.queries_judged - self.queries_without_relevant

    @property
    def ndcg_at_10(self) -> float:
        return _at_k(self.ndcg, self.k_ndcg, 10, "ndcg")

    @property
    def recall_at_100(self) -> float:
        return _at_k(self.recall, self.k_recall, 100, "recall")


def _at_k(value: float, actual_k: int, wanted_k: int, name: str) -> float:
    if actual_k != wanted_k:
        raise AttributeError(f"this report has {name}@{actual_k}, not @{wanted_k}; read .{name}")
    return value


def _evaluate_query(
    query_id: str,
    query: str,
    grades: Mapping[str, float],
    items: Sequence[tuple[str, float]] | None,
    k_ndcg: int,
    k_recall: int,
    threshold: float,
    gain_offset: float,
) -> QueryEval:
    ranking = distinct_top_k((item[0] for item in rank_items(items or ())), None)
    return QueryEval(
        query_id=query_id,
        query=query,
        in_run=items is not None,
        retrieved=len(ranking),
        judged=len(grades),
        relevant=len(relevant_ids(grades, threshold)),
        ndcg=ndcg_at_k(ranking, grades, k_ndcg, gain_offset),
        recall=recall_at_k(ranking, grades, k_recall, threshold),
        reciprocal_rank=reciprocal_rank(ranking, grades, None, threshold),
    )


def evaluate_run(
    run: Mapping[str, Sequence[tuple[str, float]]],
    judgments: Judgments,
    k_ndcg: int = 10,
    k_recall: int = 100,
    threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
    gain_offset: float = DEFAULT_GAIN_OFFSET,
) -> SearchEvalReport:
    """Score `run` (`{qid: [(product_id, score), ...]}`) on every query of `judgments`.

    Each query's products are ranked by score, highest first, ties in the given order: the
    order `write_run` would write them in, so scoring a run before or after a round trip
    through a TREC file gives the same numbers (up to the file's depth).
    """
    per_query = [
        _evaluate_query(
            qid,
            judgments.queries[qid],
            grades,
            run.get(qid),
            k_ndcg,
            k_recall,
            threshold,
            gain_offset,
        )
        for qid, grades in judgments.grades.items()
    ]
    ndcg = mean_score(q.ndcg for q in per_query)
    recall = mean_score(q.recall for q in per_query)
    mrr = mean_score(q.reciprocal_rank for q in per_query)
    missing = [q.query_id for q in per_query if not q.in_run]
    return SearchEvalReport(
        k_ndcg=k_ndcg,
        k_recall=k_recall,
        threshold=threshold,
        gain_offset=gain_offset,
        ndcg=ndcg.value,
        recall=recall.value,
        mrr=mrr.value,
        queries_judged=len(per_query),
        queries_scored=ndcg.queries_scored,
        queries_without_gain=ndcg.queries_undefined,
        queries_without_relevant=recall.queries_undefined,
        queries_missing_from_run=len(missing),
        missing_query_ids=missing,
        run_queries_not_judged=sum(1 for qid in run if qid not in judgments.grades),
        per_query=per_query,
    )


def _render(headers: Sequence[str], rows: Sequence[Sequence[str]], style: TableStyle) -> str:
    if style == "markdown":
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    if style != "text":
        raise ValueError(f"unknown table style {style!r}; use 'markdown' or 'text'")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def format_search_report(report: SearchEvalReport, style: TableStyle = "markdown") -> str:
    """One run's scores, the queries each mean covers, and what was left out."""
    rows = [
        [f"NDCG@{report.k_ndcg}", f"{report.ndcg:.4f}", str(report.queries_scored)],
        [f"Recall@{report.k_recall}", f"{report.recall:.4f}", str(report.queries_scored_recall)],
        ["MRR", f"{report.mrr:.4f}", str(report.queries_scored_recall)],
    ]
    table = _render(["metric", "value", "queries"], rows, style)
    notes = [
        f"{report.queries_judged} judged queries; "
        f"{report.queries_missing_from_run} missing from the run (scored 0); "
        f"{report.run_queries_not_judged} run queries without judgments (ignored).",
        f"Left out: {report.queries_without_gain} from NDCG (every product graded "
        f"{report.gain_offset:g}), {report.queries_without_relevant} from Recall and MRR "
        f"(no product graded {report.threshold:g} or more).",
    ]
    return table + "\n\n" + "\n".join(notes)


def _protocol(report: SearchEvalReport) -> tuple[int, int, float, float]:
    return (report.k_ndcg, report.k_recall, report.threshold, report.gain_offset)


def format_search_comparison(reports: Mapping[str, SearchEvalReport], style: TableStyle = "markdown") -> str:
    """Several runs side by side, one row each; all must share cut-offs, threshold and offset."""
    if not reports:
        raise ValueError("no reports to compare")
    first = next(iter(reports.values()))
    headers = ["system", f"NDCG@{first.k_ndcg}", f"Recall@{first.k_recall}", "MRR", "missing"]
    rows = []
    for name, r in reports.items():
        if _protocol(r) != _protocol(first):
            raise ValueError(f"report '{name}' uses other cut-offs or grades than the first one")
        rows.append(
            [
                name,
                f"{r.ndcg:.4f}",
                f"{r.recall:.4f}",
                f"{r.mrr:.4f}",
                str(r.queries_missing_from_run),
            ]
        )
    return _render(headers, rows, style)


def evaluate_search_run(
    judgments_path: Path,
    run_path: Path,
    split: str = "all",
    validation_fraction: float = 0.3,
    seed: int = 13,
) -> SearchEvalReport:
    """Score a run against judgments, optionally on the tuning or validation part only."""
    if split not in ("all", "tuning", "validation"):
        raise ValueError(f"split must be all, tuning or validation, not '{split}'")
    judgments = read_judgments(judgments_path)
    if split != "all":
        tuning, validation = split_queries(list(judgments.grades), validation_fraction, seed)
        keep = set(tuning if split == "tuning" else validation)
        judgments = judgments.subset(keep)
    return evaluate_run(read_run(run_path), judgments)
