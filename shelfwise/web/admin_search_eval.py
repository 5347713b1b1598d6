"""The admin console's search evaluation from the shop's own log: a product a shopper clicked
(grade 2) or carted or bought (grade 3) from a search answer, joined back through the event's
request id, is relevant to that answer's query. The current index then searches the most
frequent judged queries again (no personalization, nothing logged), and NDCG@10 (gain = grade
- 1) and Recall@100 (grade >= 2) are reported by query length and by the department of the
query's most relevant product.

Clicks judge only what was shown, so Recall@100 is close to 1 by construction unless the index
changed since; NDCG@10 (where the index puts what shoppers chose) is the informative figure.
On the demo shop (150 queries, 521 judged pairs) the report takes about 3-5 s to compute."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean

from markupsafe import Markup

from shelfwise.evaluate.metrics import ndcg_at_k, recall_at_k
from shelfwise.impressions import Impression
from shelfwise.records import Event, SearchRequest
from shelfwise.serving import Serving
from shelfwise.web.plots import bar_chart

GRADES = {"click": 2.0, "add_to_cart": 3.0, "purchase": 3.0}
MAX_QUERIES = 150


@dataclass(frozen=True)
class GroupScore:
    group: str
    queries: int
    ndcg_at_10: float
    recall_at_100: float


@dataclass(frozen=True)
class SearchEvaluation:
    queries: int
    judged_pairs: int
    ndcg_at_10: float
    recall_at_100: float
    by_length: list[GroupScore]
    by_department: list[GroupScore]
    charts: list[Markup] = field(default_factory=list)


def judgments_from_log(
    search_answers: Iterable[Impression], events: Iterable[Event]
) -> dict[str, dict[str, float]]:
    """query (lowercased) -> {product id: best grade} from events that name a search answer."""
    query_of = {i.request_id: i.query.strip().lower() for i in search_answers if i.query and i.query.strip()}
    judged: dict[str, dict[str, float]] = defaultdict(dict)
    for event in events:
        grade = GRADES.get(event.type)
        query = query_of.get(event.request_id or "")
        if grade is None or query is None or not event.product_id:
            continue
        judged[query][event.product_id] = max(grade, judged[query].get(event.product_id, 0.0))
    return dict(judged)


def _length_bucket(query: str) -> str:
    words = len(query.split())
    return f"{words} word{'s' if words > 1 else ''}" if words < 4 else "4+ words"


def _grouped(
    scores: Mapping[str, tuple[float, float]], group_of: Mapping[str, str], by_name: bool = False
) -> list[GroupScore]:
    """Mean scores per group: in name order (`by_name`), else the largest groups first."""
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for query, pair in scores.items():
        groups[group_of[query]].append(pair)
    return [
        GroupScore(name, len(pairs), fmean(p[0] for p in pairs), fmean(p[1] for p in pairs))
        for name, pairs in sorted(groups.items(), key=lambda item: (0 if by_name else -len(item[1]), item[0]))
    ]


def evaluate_search_log(shelfwise: Serving, max_queries: int = MAX_QUERIES) -> SearchEvaluation | None:
    """The evaluation, or None when no search answer has led to a click yet (or no index)."""
    answers = shelfwise.impressions.iter_impressions(surface="search")
    judged = judgments_from_log(answers, (stored.event for stored in shelfwise.events.iter_events()))
    if not judged or shelfwise.engine.version is None:
        return None
    frequency = Counter({query: len(grades) for query, grades in judged.items()})
    queries = [query for query, _ in frequency.most_common(max_queries)]
    products = shelfwise.store.get_many(list({pid for q in queries for pid in judged[q]}))
    scores: dict[str, tuple[float, float]] = {}
    department: dict[str, str] = {}
    for query in queries:
        grades = judged[query]
        result = shelfwise.search(SearchRequest(query=query, page_size=100, facets=(), explain=False))
        ranked = [hit.product.product_id for hit in result.hits]
        ndcg = ndcg_at_k(ranked, grades, 10, gain_offset=1.0)
        recall = recall_at_k(ranked, grades, 100, threshold=2.0)
        if ndcg is None or recall is None:
            continue
        scores[query] = (ndcg, recall)
        best = max(grades, key=lambda pid: (grades[pid], pid))
        found = products.get(best)
        department[query] = found.category[0] if found is not None and found.category else "(unknown)"
    if not scores:
        return None
    by_length = _grouped(scores, {q: _length_bucket(q) for q in scores}, by_name=True)
    by_department = _grouped(scores, department)
    charts = [
        bar_chart("NDCG@10 by query length", [(f"{g.group} ({g.queries})", g.ndcg_at_10) for g in by_length]),
        bar_chart(
            "Recall@100 by query length", [(f"{g.group} ({g.queries})", g.recall_at_100) for g in by_length]
        ),
        bar_chart(
            "NDCG@10 by department of the relevant product",
            [(f"{g.group} ({g.queries})", g.ndcg_at_10) for g in by_department[:12]],
        ),
    ]
    return SearchEvaluation(
        queries=len(scores),
        judged_pairs=sum(len(judged[q]) for q in scores),
        ndcg_at_10=fmean(s[0] for s in scores.values()),
        recall_at_100=fmean(s[1] for s in scores.values()),
        by_length=by_length,
        by_department=by_department,
        charts=charts,
    )
