"""Scoring next-item recommendations: leave-one-out accuracy with full ranking, and coverage,
intra-list diversity and novelty of the recommended lists.

    shelfwise eval holdout --sequences S.tsv --out-sequences TRAIN.tsv --out-truth T.tsv
    shelfwise bench recommend --items I.tsv --sequences TRAIN.tsv --k 20 --out PRED.jsonl
    shelfwise eval recommend --predictions PRED.jsonl --truth T.tsv --sequences TRAIN.tsv --items I.tsv

Conventions, shared by every function here:

- Each evaluated user has exactly one held-out item (binary relevance). A prediction list is
  the top of the model's ranking of the whole catalog ("full ranking": no sampled negatives),
  best first; only its first `k` items are read.
- Recall@k is 1 when the held-out item is in the top `k`, else 0; with one held-out item it
  equals the hit rate, reported as HR@k all the same. NDCG@k is 1 / log2(rank + 1) for the
  1-based rank of the held-out item within the top `k` (the ideal DCG is 1), else 0.
- The items read from a list must be distinct: a repeated item is a `ValueError` (a model
  bug, never silently dropped). `read_predictions_jsonl` rejects a repeat anywhere in a line.
- Accuracy is averaged over ALL evaluated users (the truth): a user without a prediction line
  scores 0 and is counted in `users_missing`. Prediction lines of users outside the truth are
  ignored and counted.
- Coverage, diversity and novelty describe the top-k lists of the evaluated users that have a
  prediction. Coverage: the share of the catalog's items found in at least one of them.
  Intra-list diversity: the mean over unordered pairs of a list's items of the cosine distance
  1 - cos(u, v), averaged over lists; items without a vector (or with a zero one) are left out
  of their list, and lists left with fewer than two items are left out of the mean (counted).
  Novelty: the mean self-information -log2 p(i) of a list's items, averaged over lists, with
  p(i) = (count(i) + 1) / (N + V) from the training sequences (add-one smoothing: N
  interactions, V distinct items of the training sequences and the catalog), so that an item
  never seen in training gets 1 / (N + V) rather than an infinite surprise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.evaluate.metrics import MeanScore, mean_score
from shelfwise.evaluate.search_eval import TableStyle, _render
from shelfwise.evaluate.sequences import (
    ITEM_COLUMNS,
    SEQUENCE_COLUMNS,
    column_names,
    read_items_tsv,
    read_predictions_jsonl,
    read_sequences_tsv,
    read_truth_tsv,
)

if TYPE_CHECKING:
    from shelfwise.models import CachedEncoder

__all__ = [
    "ItemPopularity",
    "ItemVectors",
    "RecommendAtK",
    "RecommendReport",
    "catalog_coverage",
    "evaluate_recommendation_files",
    "evaluate_recommendations",
    "format_recommend_report",
    "intra_list_diversity",
    "ndcg_at_k",
    "novelty",
    "recall_at_k",
]

Log = Callable[[str], None]
_EXAMPLES = 10
"""how many missing user ids a report lists"""


def _top_k(ranked: Sequence[str], k: int) -> Sequence[str]:
    """The first `k` items; ValueError when k < 1 or an item repeats among them."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    top = ranked[:k]
    if len(set(top)) != len(top):
        repeated = next(item for item, n in Counter(top).items() if n > 1)
        raise ValueError(f"item '{repeated}' appears twice in one recommendation list")
    return top


# --- accuracy, one user ----------------------------------------------------------------------


def _rank(ranked: Sequence[str], target: str, k: int) -> int | None:
    top = _top_k(ranked, k)
    for rank, item in enumerate(top, start=1):
        if item == target:
            return rank
    return None


def recall_at_k(ranked: Sequence[str], target: str, k: int) -> float:
    """1.0 if the held-out `target` is among the first `k` items, else 0.0 (= HR@k)."""
    return 0.0 if _rank(ranked, target, k) is None else 1.0


def ndcg_at_k(ranked: Sequence[str], target: str, k: int) -> float:
    """1 / log2(rank + 1) of the held-out `target` within the first `k` items, else 0.0."""
    rank = _rank(ranked, target, k)
    return 0.0 if rank is None else 1.0 / math.log2(rank + 1)


# --- beyond accuracy -------------------------------------------------------------------------


def catalog_coverage(lists: Iterable[Sequence[str]], catalog: Collection[str], k: int) -> float:
    """Share of the catalog's items that appear in the top `k` of at least one list. Items
    outside the catalog do not count."""
    catalog = catalog if isinstance(catalog, set | frozenset) else set(catalog)
    if not catalog:
        raise ValueError("the catalog is empty")
    shown: set[str] = set()
    for ranked in lists:
        shown.update(item for item in _top_k(ranked, k) if item in catalog)
    return len(shown) / len(catalog)


class ItemVectors:
    """Item vectors by id, rows L2-normalised. Build from an `(ids, matrix)` pair or, with
    `from_mapping`, from `{item_id: vector}`. A zero row counts as no vector."""

    __slots__ = ("ids", "matrix", "_row", "_nonzero")

    def __init__(self, ids: Sequence[str], matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != len(ids):
            raise ValueError(f"expected a ({len(ids)}, dim) matrix, got shape {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise ValueError("item vectors must be finite")
        self._row = {item: i for i, item in enumerate(ids)}
        if len(self._row) != len(ids):
            raise ValueError("item ids of the vectors repeat")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.ids = tuple(ids)
        self.matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
        self._nonzero = norms[:, 0] > 0

    @classmethod
    def from_mapping(cls, vectors: Mapping[str, Sequence[float] | np.ndarray]) -> ItemVectors:
        ids = list(vectors)
        if not ids:
            return cls([], np.zeros((0, 1)))
        return cls(ids, np.stack([np.asarray(vectors[i], dtype=np.float64) for i in ids]))

    def __contains__(self, item: object) -> bool:
        row = self._row.get(item) if isinstance(item, str) else None
        return row is not None and bool(self._nonzero[row])

    def rows(self, items: Iterable[str]) -> np.ndarray:
        """The unit vectors of those `items` that have one, in order."""
        return self.matrix[[self._row[i] for i in items if i in self]].reshape(-1, self.matrix.shape[1])


def intra_list_diversity(
    ranked: Sequence[str], item_vectors: ItemVectors | Mapping[str, Sequence[float] | np.ndarray], k: int
) -> float | None:
    """Mean cosine distance 1 - cos(u, v) over the unordered pairs of the top `k` items that
    have a vector; None when fewer than two of them do."""
    top = _top_k(ranked, k)
    if not isinstance(item_vectors, ItemVectors):
        item_vectors = ItemVectors.from_mapping({i: item_vectors[i] for i in top if i in item_vectors})
    rows = item_vectors.rows(top)
    m = rows.shape[0]
    if m < 2:
        return None
    similarity = rows @ rows.T
    pairs = similarity[np.triu_indices(m, k=1)]
    return float(np.mean(1.0 - pairs))


@dataclass(frozen=True, slots=True)
class ItemPopularity:
    """Item counts of the training sequences, for novelty (add-one smoothed probabilities)."""

    counts: Mapping[str, int]
    interactions: int
    vocabulary: int

    @classmethod
    def from_sequences(
        cls, sequences: Mapping[str, Sequence[str]], catalog: Iterable[str] = ()
    ) -> ItemPopularity:
        """Every occurrence counts (a repeat purchase twice). The vocabulary is the distinct
        items of the sequences and the catalog."""
        counts = Counter(item for items in sequences.values() for item in items)
        vocabulary = len(set(counts) | set(catalog))
        return cls(counts=dict(counts), interactions=sum(counts.values()), vocabulary=vocabulary)

    def probability(self, item: str) -> float:
        return (self.counts.get(item, 0) + 1) / (self.interactions + max(self.vocabulary, 1))

    def self_information(self, item: str) -> float:
        """-log2 p(item), in bits."""
        return -math.log2(self.probability(item))


def novelty(ranked: Sequence[str], popularity: ItemPopularity, k: int) -> float | None:
    """Mean self-information of the top `k` items, in bits; None for an empty list."""
    top = _top_k(ranked, k)
    if not top:
        return None
    return sum(popularity.self_information(item) for item in top) / len(top)


# --- the report ------------------------------------------------------------------------------


class RecommendAtK(BaseModel):
    model_config = ConfigDict(frozen=True)

    k: int
    recall: float = Field(description="mean over all evaluated users; missing users score 0")
    ndcg: float = Field(description="mean over all evaluated users; missing users score 0")
    hit_rate: float = Field(description="HR@k; equals recall with one held-out item")
    coverage: float | None = Field(description="share of the catalog in some top k; needs a catalog")
    diversity: float | None = Field(description="mean intra-list cosine distance; needs vectors")
    diversity_lists: int | None = Field(description="lists with two or more vectors, in the mean")
    novelty: float | None = Field(description="mean self-information in bits; needs training data")


class RecommendReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    users_evaluated: int = Field(description="users in the truth: every one is in the accuracy means")
    users_missing: int = Field(description="evaluated users without a prediction line; scored 0")
    missing_user_examples: list[str] = Field(description=f"the first {_EXAMPLES} missing users")
    prediction_users_not_evaluated: int = Field(description="prediction lines outside the truth")
    short_lists: int = Field(description="evaluated users whose list is shorter than the largest k")
    catalog_items: int | None = None
    unknown_predicted_items: int | None = Field(
        default=None, description="distinct items in the top lists that the catalog lacks"
    )
    truth_items_not_in_catalog: int | None = None
    items_without_vector: int | None = Field(
        default=None, description="distinct items in the top lists left out of diversity"
    )
    training_interactions: int | None = None
    encoder: str | None = None
    per_k: list[RecommendAtK]

    def at(self, k: int) -> RecommendAtK:
        for scores in self.per_k:
            if scores.k == k:
                return scores
        raise KeyError(f"this report has k = {[s.k for s in self.per_k]}, not {k}")


def _check_ks(ks: Iterable[int]) -> list[int]:
    values = sorted(set(ks))
    if not values or values[0] < 1:
        raise ValueError(f"cut-offs must be at least 1, got {list(ks)}")
    return values


def _scores_at_k(
    k: int,
    truth: Mapping[str, str],
    lists: Mapping[str, Sequence[str]],
    catalog: set[str] | None,
    vectors: ItemVectors | None,
    popularity: ItemPopularity | None,
) -> RecommendAtK:
    n = len(truth)
    recall = sum(recall_at_k(lists.get(u, ()), item, k) for u, item in truth.items()) / n
    ndcg = sum(ndcg_at_k(lists.get(u, ()), item, k) for u, item in truth.items()) / n
    diversity = None
    if vectors is not None:
        diversity = mean_score(intra_list_diversity(r, vectors, k) for r in lists.values())
    novel = None
    if popularity is not None:
        novel = mean_score(novelty(r, popularity, k) for r in lists.values())
    return RecommendAtK(
        k=k,
        recall=recall,
        ndcg=ndcg,
        hit_rate=recall,
        coverage=None if catalog is None else catalog_coverage(lists.values(), catalog, k),
        diversity=_defined_mean(diversity),
        diversity_lists=None if diversity is None else diversity.queries_scored,
        novelty=_defined_mean(novel),
    )


def _defined_mean(score: MeanScore | None) -> float | None:
    """The mean, or None when it was not asked for or no list had the figure defined."""
    return None if score is None or score.queries_scored == 0 else score.value


def evaluate_recommendations(
    predictions: Mapping[str, Sequence[str]],
    truth: Mapping[str, str],
    ks: Iterable[int] = (10, 20),
    train_sequences: Mapping[str, Sequence[str]] | None = None,
    catalog: Collection[str] | None = None,
    item_vectors: ItemVectors | Mapping[str, Sequence[float] | np.ndarray] | None = None,
) -> RecommendReport:
    """Score `predictions` (user -> items, best first) against `truth` (user -> held-out item)
    at every cut-off in `ks`. Novelty needs `train_sequences`, coverage the `catalog` (item ids,
    or a mapping keyed by them), diversity `item_vectors`; without one, its figure is None."""
    cutoffs = _check_ks(ks)
    if not truth:
        raise ValueError("nothing to evaluate: the truth holds no user")
    lists = {u: predictions[u] for u in truth if u in predictions}
    deepest = {item for ranked in lists.values() for item in _top_k(ranked, cutoffs[-1])}
    catalog_set = None if catalog is None else set(catalog)
    if isinstance(item_vectors, Mapping):
        item_vectors = ItemVectors.from_mapping({i: item_vectors[i] for i in deepest if i in item_vectors})
    popularity = None
    if train_sequences is not None:
        popularity = ItemPopularity.from_sequences(train_sequences, catalog_set or ())
    missing = [u for u in truth if u not in lists]
    return RecommendReport(
        users_evaluated=len(truth),
        users_missing=len(missing),
        missing_user_examples=missing[:_EXAMPLES],
        prediction_users_not_evaluated=sum(1 for u in predictions if u not in truth),
        short_lists=sum(1 for r in lists.values() if len(r) < cutoffs[-1]),
        catalog_items=None if catalog_set is None else len(catalog_set),
        unknown_predicted_items=None if catalog_set is None else len(deepest - catalog_set),
        truth_items_not_in_catalog=(
            None if catalog_set is None else sum(1 for i in truth.values() if i not in catalog_set)
        ),
        items_without_vector=(
            None if item_vectors is None else sum(1 for i in deepest if i not in item_vectors)
        ),
        training_interactions=None if popularity is None else popularity.interactions,
        per_k=[_scores_at_k(k, truth, lists, catalog_set, item_vectors, popularity) for k in cutoffs],
    )


def _figure(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_recommend_report(report: RecommendReport, style: TableStyle = "markdown") -> str:
    """The figures as a table, one column per cut-off, and what each mean covers."""
    headers = ["metric", *(f"@{s.k}" for s in report.per_k)]
    rows = [
        ["Recall", *(_figure(s.recall) for s in report.per_k)],
        ["NDCG", *(_figure(s.ndcg) for s in report.per_k)],
        ["HR", *(_figure(s.hit_rate) for s in report.per_k)],
        ["Coverage", *(_figure(s.coverage) for s in report.per_k)],
        ["ILD", *(_figure(s.diversity) for s in report.per_k)],
        ["Novelty (bits)", *(_figure(s.novelty, 3) for s in report.per_k)],
    ]
    notes = [
        f"{report.users_evaluated} users evaluated; {report.users_missing} without a prediction "
        f"(scored 0); {report.prediction_users_not_evaluated} predicted users outside the truth "
        f"(ignored); {report.short_lists} lists shorter than {report.per_k[-1].k}."
    ]
    if report.missing_user_examples:
        notes.append("Missing users, e.g.: " + ", ".join(report.missing_user_examples))
    if report.catalog_items is None:
        notes.append("Coverage needs the catalog (--items).")
    else:
        notes.append(
            f"Catalog of {report.catalog_items} items; {report.unknown_predicted_items} "
            f"predicted and {report.truth_items_not_in_catalog} held-out items not in it."
        )
    if report.items_without_vector is None:
        notes.append("ILD needs item vectors (--items with --diversity).")
    else:
        counted = ", ".join(f"{s.diversity_lists} @{s.k}" for s in report.per_k)
        notes.append(
            f"ILD over lists with two or more item vectors ({counted}); "
            f"{report.items_without_vector} items without a vector"
            + (f"; encoder {report.encoder}." if report.encoder else ".")
        )
    if report.training_interactions is None:
        notes.append("Novelty needs the training sequences (--sequences).")
    else:
        notes.append(f"Novelty from {report.training_interactions} training interactions.")
    return _render(headers, rows, style) + "\n\n" + "\n".join(notes)


# --- files -----------------------------------------------------------------------------------


def _encode_items(
    texts: Mapping[str, str], items: Iterable[str], encoder: CachedEncoder, log: Log
) -> ItemVectors:
    """Vectors of those `items` that have a non-empty text."""
    ids = sorted(i for i in set(items) if texts.get(i, "").strip())
    log(f"encoding {len(ids)} recommended items with {encoder.encoder.version}")

    def progress(done: int, total: int) -> None:
        log(f"encoded {done}/{total}")

    matrix = encoder.encode_texts([texts[i] for i in ids], progress=progress)
    return ItemVectors(ids, matrix if ids else np.zeros((0, encoder.encoder.dim)))


def evaluate_recommendation_files(
    predictions: Path,
    truth: Path,
    ks: Iterable[int] = (10, 20),
    sequences: Path | None = None,
    items: Path | None = None,
    encoder: CachedEncoder | None = None,
    sequence_columns: Mapping[str, str] | None = None,
    item_columns: Mapping[str, str] | None = None,
    log: Log = print,
) -> RecommendReport:
    """`evaluate_recommendations` on files: predictions JSONL, truth TSV, optional training
    sequences (novelty) and item texts (coverage; diversity when an `encoder` is given, which
    encodes only the items that the evaluated users' lists recommend)."""
    if encoder is not None and items is None:
        raise ValueError("diversity needs the item texts: pass the items file")
    cutoffs = _check_ks(ks)
    sequence_names = column_names(sequence_columns, SEQUENCE_COLUMNS)
    item_names = column_names(item_columns, ITEM_COLUMNS)
    truth_map = read_truth_tsv(truth)
    predicted = read_predictions_jsonl(predictions)
    train = None if sequences is None else read_sequences_tsv(sequences, *sequence_names)
    texts = None if items is None else read_items_tsv(items, *item_names)
    vectors = None
    if encoder is not None and texts is not None:
        shown = (i for u in truth_map if u in predicted for i in predicted[u][: cutoffs[-1]])
        vectors = _encode_items(texts, shown, encoder, log)
    report = evaluate_recommendations(predicted, truth_map, cutoffs, train, texts, vectors)
    if encoder is None:
        return report
    return report.model_copy(update={"encoder": encoder.encoder.version})
