"""`describe_products`: drafts of descriptions for the products that lack one, written by the
category's template grammar (and, when asked, rephrased behind the fact check), stored as
pending drafts for the admin.

Which products: those without a description (or the ids asked for). A product is passed over,
with the reason in the report, when it has a description, when its draft is pending (the admin may
be editing it), or when its draft was rejected (unless its id is asked for). A product whose
approved description was lost (a feed without descriptions wrote it again) gets the approved
text back through `write`, with no new draft. Unknown ids and unusable fields are problems that
name the product and the field; nothing else in the run is held back by them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shelfwise.aspects.records import ReviewSummary
from shelfwise.catalog.extract import known_brands
from shelfwise.describe.grammar import Grammar, choose_grammar, render
from shelfwise.describe.grammars import GRAMMARS
from shelfwise.describe.inputs import ProductInput, product_input
from shelfwise.describe.records import DescribeProblem, DescribeReport, DescriptionDraft, with_description
from shelfwise.describe.rephrase import Rephraser, guarded
from shelfwise.describe.store import DraftStore
from shelfwise.records import Product
from shelfwise.store import Store

BATCH = 200


@dataclass(frozen=True)
class DescribeRequest:
    """`product_ids` None: every product without a description."""

    product_ids: tuple[str, ...] | None = None
    shop_language: str = "en"
    grammars: tuple[Grammar, ...] = GRAMMARS


def draft_for(source: ProductInput, rephraser: Rephraser | None, now: datetime,
              grammars: tuple[Grammar, ...] = GRAMMARS) -> DescriptionDraft:  # fmt: skip
    """One product's draft: its grammar's text, or the checked rephrasing of it (English only)."""
    grammar = choose_grammar(grammars, source.product.category, source.language)
    rendered = render(grammar, source.slots)
    kept = guarded(rendered.text, source.evidence, rephraser if source.language == "en" else None)
    generator = grammar.grammar_id
    if kept.rephrased and rephraser is not None:
        generator = f"{rephraser.model_id} over {grammar.grammar_id}"
    return DescriptionDraft(
        product_id=source.product.product_id, text=kept.text, language=source.language,
        source="rephrased" if kept.rephrased else "template", generator=generator,
        template_text=rendered.text, created_at=now, notes=kept.notes,
    )  # fmt: skip


@dataclass
class _Run:
    drafts: DraftStore
    pending: list[DescriptionDraft] = field(default_factory=list)
    restored: list[Product] = field(default_factory=list)
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    problems: list[DescribeProblem] = field(default_factory=list)
    written: list[DescriptionDraft] = field(default_factory=list)

    def flush(self) -> None:
        if self.pending:
            self.drafts.put(self.pending)
            self.written += self.pending
            self.pending = []


def _candidates(catalog: Store, request: DescribeRequest, run: _Run) -> Iterator[tuple[Product, bool]]:
    """(product, asked for by id) for each product to consider."""
    if request.product_ids is None:
        for product in catalog.iter_products():
            if not product.description.strip():
                yield product, False
        return
    wanted = list(dict.fromkeys(pid.strip() for pid in request.product_ids if pid.strip()))
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found = catalog.get_many(chunk)
        for pid in chunk:
            if pid not in found:
                run.problems.append(DescribeProblem(pid, "product_id", "not in the catalog", skipped=True))
            elif found[pid].description.strip():
                run.passed_over.append((pid, "has a description"))
            else:
                yield found[pid], True


def _stored_draft_decides(draft: DescriptionDraft | None, product: Product, asked: bool, run: _Run) -> bool:
    """Whether the product's stored draft settles it (no new draft written)."""
    if draft is None:
        return False
    pid = product.product_id
    if draft.status == "pending":
        run.passed_over.append((pid, "a draft is pending"))
        return True
    if draft.status == "approved":
        run.restored.append(with_description(product, draft.text))
        return True
    if not asked:
        run.passed_over.append((pid, "its draft was rejected (ask for it by id to write another)"))
        return True
    return False


def describe_products(
    catalog: Store,
    drafts: DraftStore,
    summaries: Mapping[str, ReviewSummary],
    request: DescribeRequest,
    now: datetime,
    rephraser: Rephraser | None = None,
    write: Callable[[Sequence[Product]], object] | None = None,
) -> DescribeReport:
    """Write pending drafts for the chosen products; `write` stores restored descriptions in the
    catalog (None: they are reported and left)."""
    brands = known_brands(catalog.iter_products())
    run = _Run(drafts)
    batch: list[tuple[Product, bool]] = []
    for candidate in _candidates(catalog, request, run):
        batch.append(candidate)
        if len(batch) >= BATCH:
            _draft_batch(batch, summaries, request, brands, now, rephraser, run)
            batch = []
    _draft_batch(batch, summaries, request, brands, now, rephraser, run)
    if run.restored and write is not None:
        write(run.restored)
    return DescribeReport(
        drafted=tuple(run.written), restored=tuple(p.product_id for p in run.restored),
        passed_over=tuple(run.passed_over), problems=tuple(run.problems),
    )  # fmt: skip


def _draft_batch(batch: list[tuple[Product, bool]], summaries: Mapping[str, ReviewSummary],
                 request: DescribeRequest, brands: Sequence[str], now: datetime,
                 rephraser: Rephraser | None, run: _Run) -> None:  # fmt: skip
    stored = run.drafts.get_many([product.product_id for product, _ in batch])
    for product, asked in batch:
        if _stored_draft_decides(stored.get(product.product_id), product, asked, run):
            continue
        source = product_input(product, summaries.get(product.product_id), request.shop_language, brands)
        run.problems += source.problems
        run.pending.append(draft_for(source, rephraser, now, request.grammars))
    run.flush()
