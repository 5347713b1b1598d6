"""Multilingual search evaluation: non-English queries over the English demo catalog.

The test set (benchmarks/data/multilingual_queries.tsv) is a header-led TSV with the columns
`query_id, language, query, english_gloss, expected`. `expected` says which products answer the
query as a rule rather than a list of ids, so it holds for any demo catalog size: one JSON object
or a list of them (a product is relevant when any of them matches), each with optional

- `category`: a run of category levels, e.g. "Headphones" or "Men > Pants & Jeans" (exact, in
  order: "Men > Pants & Jeans" does not match "Women > Pants & Jeans");
- `title_all` / `title_any`: phrases that must all / at least one appear in the title
  (case-insensitive);
- `attributes`: `{name: [accepted values]}`, each named attribute must take one of its values.

Per query: Recall@k is 1 when any relevant product is in the top k (a hit), Precision@k is the
share of the top k that is relevant; both are averaged per language and overall.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shelfwise.config import FusionConfig
from shelfwise.evaluate.latency import LatencySummary, latency_summary
from shelfwise.evaluate.metrics import distinct_top_k, hit_rate_at_k, precision_at_k
from shelfwise.evaluate.tables import FormatError, iter_tsv
from shelfwise.models import CachedEncoder, Encoder
from shelfwise.progress import Progress
from shelfwise.records import CATEGORY_SEPARATOR, Product, SearchMode, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import EmbeddingCache, MemoryStore

QUERY_SET_COLUMNS = ("query_id", "language", "query", "english_gloss", "expected")
ALL_LANGUAGES = "all"
_SEPARATOR = CATEGORY_SEPARATOR.strip()


class RelevanceRule(BaseModel):
    """Conditions that a relevant product meets, all of them (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str | None = None
    title_all: tuple[str, ...] = ()
    title_any: tuple[str, ...] = ()
    attributes: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _not_empty(self) -> RelevanceRule:
        if not (self.category or self.title_all or self.title_any or self.attributes):
            raise ValueError("a rule needs at least one condition")
        return self

    def matches(self, product: Product) -> bool:
        if self.category and not _has_category_run(product.category, self.category):
            return False
        title = product.title.lower()
        if not all(phrase.lower() in title for phrase in self.title_all):
            return False
        if self.title_any and not any(phrase.lower() in title for phrase in self.title_any):
            return False
        values = {name.lower(): value.lower() for name, value in product.attributes.items()}
        return all(
            values.get(name.lower()) in {v.lower() for v in accepted}
            for name, accepted in self.attributes.items()
        )


def _has_category_run(path: Sequence[str], wanted: str) -> bool:
    """True when the levels of `wanted` ("A > B") appear consecutively in the category path."""
    levels = [level.strip() for level in wanted.split(_SEPARATOR)]
    width = len(levels)
    return any(list(path[i : i + width]) == levels for i in range(len(path) - width + 1))


@dataclass(frozen=True)
class MultilingualQuery:
    query_id: str
    language: str
    query: str
    english_gloss: str
    rules: tuple[RelevanceRule, ...]

    def is_relevant(self, product: Product) -> bool:
        return any(rule.matches(product) for rule in self.rules)


def parse_rules(text: str) -> tuple[RelevanceRule, ...]:
    """One rule (a JSON object) or several (a JSON list of objects)."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise ValueError("expected a JSON object or a non-empty list of objects")
    return tuple(RelevanceRule.model_validate(item) for item in items)


def read_multilingual_queries(path: str | Path) -> list[MultilingualQuery]:
    """The test set in file order; every error names the file and line."""
    path = Path(path)
    queries: list[MultilingualQuery] = []
    seen: set[str] = set()
    for row in iter_tsv(path, QUERY_SET_COLUMNS):
        fields = row.fields
        if not fields["query_id"] or fields["query_id"] in seen:
            raise FormatError(path, row.line, f"empty or duplicate query_id '{fields['query_id']}'")
        if not fields["query"] or not fields["language"]:
            raise FormatError(path, row.line, "empty query or language")
        seen.add(fields["query_id"])
        try:
            rules = parse_rules(fields["expected"])
        except (ValueError, ValidationError) as error:
            raise FormatError(path, row.line, f"bad expected rule: {error}") from error
        queries.append(
            MultilingualQuery(
                fields["query_id"], fields["language"], fields["query"], fields["english_gloss"], rules
            )
        )
    return queries


def relevant_products(
    queries: Sequence[MultilingualQuery], products: Iterable[Product]
) -> dict[str, frozenset[str]]:
    """query id -> ids of the products its rules accept."""
    catalog = list(products)
    return {q.query_id: frozenset(p.product_id for p in catalog if q.is_relevant(p)) for q in queries}


def answerable(
    queries: Sequence[MultilingualQuery], relevant: Mapping[str, frozenset[str]]
) -> list[MultilingualQuery]:
    """The queries with at least one relevant product (a small demo catalog lacks some)."""
    return [q for q in queries if relevant.get(q.query_id)]


def as_english(queries: Sequence[MultilingualQuery]) -> list[MultilingualQuery]:
    """The same queries in their English glosses (language "en"): an English control run."""
    return [
        MultilingualQuery(f"{q.query_id}-en", "en", q.english_gloss, q.english_gloss, q.rules)
        for q in queries
    ]


# ----- scoring (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryOutcome:
    query_id: str
    language: str
    hit: bool
    """a relevant product in the top k"""
    precision: float
    """share of the top k that is relevant"""
    first_relevant_rank: int | None
    top_ids: tuple[str, ...]


@dataclass(frozen=True)
class LanguageScore:
    language: str
    queries: int
    recall: float
    """Recall@k as defined here: share of queries with a relevant product in the top k"""
    precision: float


def score_query(
    query: MultilingualQuery, ranked_ids: Sequence[str], relevant: frozenset[str], k: int = 10
) -> QueryOutcome:
    if not relevant:
        raise ValueError(f"query {query.query_id} has no relevant product in this catalog")
    grades = dict.fromkeys(relevant, 1.0)
    hit = hit_rate_at_k(ranked_ids, grades, k, threshold=1.0)
    precision = precision_at_k(ranked_ids, grades, k, threshold=1.0)
    top = distinct_top_k(ranked_ids, k)
    first = next((rank for rank, pid in enumerate(top, 1) if pid in relevant), None)
    return QueryOutcome(query.query_id, query.language, bool(hit), float(precision or 0.0), first, tuple(top))


def summarise(outcomes: Sequence[QueryOutcome]) -> list[LanguageScore]:
    """One score per language (in order of first appearance), then all languages together."""
    languages = list(dict.fromkeys(o.language for o in outcomes))
    groups = [(lang, [o for o in outcomes if o.language == lang]) for lang in languages]
    groups.append((ALL_LANGUAGES, list(outcomes)))
    return [
        LanguageScore(
            language=lang,
            queries=len(group),
            recall=float(np.mean([o.hit for o in group])) if group else 0.0,
            precision=float(np.mean([o.precision for o in group])) if group else 0.0,
        )
        for lang, group in groups
    ]


def score_of(scores: Sequence[LanguageScore], language: str) -> LanguageScore:
    for score in scores:
        if score.language == language:
            return score
    raise KeyError(f"no score for language {language!r}")


# ----- running -------------------------------------------------------------------------------


def build_engine(
    products: Sequence[Product],
    encoder: Encoder,
    cache: EmbeddingCache,
    index_root: Path,
    fusion: FusionConfig | None = None,
    progress: Progress | None = None,
) -> SearchEngine:
    """A SearchEngine over `products` in an in-memory store; vectors go through `cache`.
    `index_root` should be a fresh folder: the store is new, so an old index would not match."""
    store = MemoryStore()
    store.upsert(list(products))
    engine = SearchEngine(store, CachedEncoder(encoder, cache), index_root, fusion=fusion)
    engine.open(progress)
    return engine


@dataclass(frozen=True)
class RunResult:
    label: str
    mode: SearchMode
    outcomes: tuple[QueryOutcome, ...]
    search_latency: LatencySummary

    @property
    def scores(self) -> list[LanguageScore]:
        return summarise(self.outcomes)


def run_queries(
    engine: SearchEngine,
    queries: Sequence[MultilingualQuery],
    relevant: Mapping[str, frozenset[str]],
    mode: SearchMode,
    label: str,
    k: int = 10,
    understand: bool = True,
) -> RunResult:
    """Each query's top k in `mode` ("vector", "hybrid" or "lexical"), scored against its rules;
    `understand` switches the engine's query understanding (spelling, parsed filters, ...)."""
    outcomes: list[QueryOutcome] = []
    seconds: list[float] = []
    for query in queries:
        request = SearchRequest(query=query.query, mode=mode, page_size=k, understand=understand)
        started = time.perf_counter()
        result = engine.search(request)
        seconds.append(time.perf_counter() - started)
        ranked = [hit.product.product_id for hit in result.hits]
        outcomes.append(score_query(query, ranked, relevant[query.query_id], k))
    return RunResult(label, mode, tuple(outcomes), latency_summary(seconds))


def query_encoding_latency(encoder: Encoder, texts: Sequence[str], repeats: int = 3) -> LatencySummary:
    """Time to encode one query at a time (what a search pays), after one warm-up call."""
    encoder.encode([texts[0]], kind="query")
    seconds = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            encoder.encode([text], kind="query")
            seconds.append(time.perf_counter() - started)
    return latency_summary(seconds)


@dataclass(frozen=True)
class Throughput:
    texts: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.texts / self.seconds if self.seconds > 0 else 0.0


def encoding_throughput(encoder: Encoder, texts: Sequence[str]) -> Throughput:
    """Batch encoding of documents (as an index build does), bypassing any cache."""
    started = time.perf_counter()
    encoder.encode(list(texts), kind="document")
    return Throughput(len(texts), time.perf_counter() - started)


# ----- reporting -----------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def format_scores(runs: Sequence[RunResult], k: int = 10) -> str:
    """Recall@k and Precision@k per language (rows) for each run (column pairs)."""
    languages = list(dict.fromkeys(s.language for run in runs for s in run.scores))
    headers = ["language", "queries"]
    for run in runs:
        headers += [f"{run.label} {run.mode} R@{k}", f"P@{k}"]
    rows = []
    for language in languages:
        cells: list[str] = []
        count = ""
        for run in runs:
            try:
                score = score_of(run.scores, language)
            except KeyError:
                cells += ["-", "-"]
                continue
            count = str(score.queries)
            cells += [f"{score.recall:.3f}", f"{score.precision:.3f}"]
        rows.append([language, count, *cells])
    return _table(headers, rows)


def format_latencies(runs: Sequence[RunResult]) -> str:
    rows = [
        [
            run.label,
            run.mode,
            str(run.search_latency.queries),
            f"{run.search_latency.p50_ms:.1f}",
            f"{run.search_latency.p95_ms:.1f}",
        ]
        for run in runs
    ]
    return _table(["encoder", "mode", "searches", "p50 ms", "p95 ms"], rows)


def format_misses(run: RunResult, queries: Sequence[MultilingualQuery]) -> str:
    """The queries a run found nothing relevant for, with their glosses (for error analysis)."""
    by_id = {q.query_id: q for q in queries}
    scored = [o for o in run.outcomes if o.query_id in by_id]
    missed = [o for o in scored if not o.hit]
    lines = [f"{run.label} {run.mode}: {len(missed)} of {len(scored)} queries missed"]
    for outcome in missed:
        query = by_id[outcome.query_id]
        lines.append(f"  {query.query_id} {query.query} ({query.english_gloss})")
    return "\n".join(lines)


__all__ = [
    "ALL_LANGUAGES",
    "LanguageScore",
    "MultilingualQuery",
    "QueryOutcome",
    "RelevanceRule",
    "RunResult",
    "Throughput",
    "answerable",
    "as_english",
    "build_engine",
    "encoding_throughput",
    "format_latencies",
    "format_misses",
    "format_scores",
    "parse_rules",
    "query_encoding_latency",
    "read_multilingual_queries",
    "relevant_products",
    "run_queries",
    "score_of",
    "score_query",
    "summarise",
]
