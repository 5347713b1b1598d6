"""The published review summaries as a server reads them: loaded once per version, and the newer
version picked up when one is published (as the models are), and each product's top praise in
words for the explanations of search answers and recommendations ("shoppers praise its battery
(23 reviews)", "买家称赞电池（23条评价）").

Praise quoted in an explanation changes no score or order. What search ranks on comes from the
review features published in the same version (`features.py`): `features` is None for a version
written without them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from shelfwise.aspects.artifact import load_features, load_summaries
from shelfwise.aspects.features import ReviewFeatureSet
from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.index.artifacts import IndexVersions
from shelfwise.recommend.live import Recommended
from shelfwise.records import SearchResult

logger = logging.getLogger(__name__)


def praise_text(summary: ReviewSummary | None, aspects: Sequence[str] = ()) -> str | None:
    """The summary's praise of the first of `aspects` it praises, else its first praise statement
    (the one most reviews say), in words; or None."""
    if summary is None:
        return None
    praised = [s for s in summary.statements if s.kind == "praise"]
    asked = [s for name in aspects for s in praised if s.aspect == name]
    top: SummaryStatement | None = next(iter(asked or praised), None)
    if top is None:
        return None
    if summary.language == "zh":
        return f"买家称赞{top.aspect}（{top.reviews}条评价）"
    return f"shoppers praise its {top.aspect} ({top.reviews} review{'s' if top.reviews != 1 else ''})"


class ServedSummaries:
    """The current version of a data folder's review summaries (`models/review-summaries/`).
    `catch_up` loads a version published since; a version that cannot be read is logged and the
    one loaded before stays."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.version: str | None = None
        self._summaries: dict[str, ReviewSummary] = {}
        self.features: ReviewFeatureSet | None = None
        self._lock = threading.Lock()
        self.catch_up()

    def catch_up(self) -> bool:
        """Load the published version if it is not the one loaded; whether it loaded one."""
        current = IndexVersions(self.root).current()
        name = None if current is None else current[0]
        if name == self.version:
            return False
        with self._lock:
            try:
                summaries = load_summaries(self.root) if name is not None else {}
                features = load_features(self.root) if name is not None else None
            except (OSError, ValueError):
                logger.exception("review summaries %s could not be read; %s stays", name, self.version)
                return False
            self._summaries, self.features, self.version = summaries, features, name
        logger.info("review summaries %s loaded (%d products)", name, len(summaries))
        return True

    def get(self, product_id: str) -> ReviewSummary | None:
        return self._summaries.get(product_id)

    def praised(self, product_id: str, aspect: str) -> int:
        """Reviews behind the summary's praise of `aspect`; 0 when it does not praise it."""
        summary = self._summaries.get(product_id)
        if summary is None:
            return 0
        return next((s.reviews for s in summary.statements if s.kind == "praise" and s.aspect == aspect), 0)

    def praise(self, product_id: str, aspects: Sequence[str] = ()) -> str | None:
        return praise_text(self._summaries.get(product_id), aspects)


def result_with_praise(result: SearchResult, summaries: ServedSummaries) -> SearchResult:
    """The search result with each explained hit's `praise` set: the praise of an aspect the
    query asked for when its summary has one (hits without an explanation, and the order and
    scores, as they were)."""
    hits = []
    changed = False
    asked = result.interpretation.aspects if result.interpretation is not None else []
    for hit in result.hits:
        praise = summaries.praise(hit.product.product_id, asked) if hit.explanation is not None else None
        if praise is not None and hit.explanation is not None:
            hit = hit.model_copy(
                update={"explanation": hit.explanation.model_copy(update={"praise": praise})}
            )
            changed = True
        hits.append(hit)
    return result.model_copy(update={"hits": hits}) if changed else result


def reasons_with_praise(found: Sequence[Recommended], summaries: ServedSummaries) -> list[Recommended]:
    """The recommendations with each one's top praise after its reason ("often bought with X;
    shoppers praise its sound (23 reviews)"), in the same order with the same scores."""
    out = []
    for item in found:
        praise = summaries.praise(item.product.product_id)
        out.append(item if praise is None else replace(item, reason=f"{item.reason}; {praise}"))
    return out
