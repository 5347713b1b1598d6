"""Writing reviews: `import_reviews(store, reviews)` flags each batch by the duplicate and spam
rules and upserts it, with the reviews of the same groups whose flags change because of it.

For each batch the store gives back the groups the rules look at: the reviews sharing a text
with the batch (the new texts and, for an update, the old one), and every review of the batch's
shoppers. The rules run over those groups, complete; a review of another shopper that shares a
text keeps the shopper flags it has. So a review stays flagged or is cleared as its group
changes: when an earlier copy of a text arrives later, the copy stored first becomes the
duplicate. Writers in two processes at once can each miss the other's batch; the next write to
the group, or `recheck_flags`, sets it right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from shelfwise.config.reviews import ReviewRules
from shelfwise.reviews.base import ReviewOutcome, ReviewStore
from shelfwise.reviews.flags import evaluate, text_key
from shelfwise.reviews.records import Review


@dataclass(frozen=True)
class ReviewWriteReport:
    """What writing some reviews did: each review given is inserted, updated or unchanged (a
    review id given twice counts twice: the later one wins); `flagged` of them now carry a flag;
    `reflagged` other stored reviews had their flags changed by them."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    reflagged: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    """flag code -> how many of the reviews given carry it"""

    def plus(self, other: ReviewWriteReport) -> ReviewWriteReport:
        codes = dict(self.flags)
        for code, n in other.flags.items():
            codes[code] = codes.get(code, 0) + n
        return ReviewWriteReport(
            self.inserted + other.inserted, self.updated + other.updated, self.unchanged + other.unchanged,
            self.flagged + other.flagged, self.reflagged + other.reflagged, dict(sorted(codes.items())),
        )  # fmt: skip


def _flag_batch(
    store: ReviewStore, batch: Sequence[Review], rules: ReviewRules
) -> tuple[list[Review], list[Review]]:
    """The batch with its flags, and the stored reviews whose flags change with it."""
    latest = {review.review_id: review for review in batch}
    stored = {r.review_id: r for r in store.related([], [], latest)}
    keys = {key for r in [*latest.values(), *stored.values()] if (key := text_key(r.text)) is not None}
    shoppers = {r.shopper_id for r in [*latest.values(), *stored.values()]}
    group = {r.review_id: r for r in store.related(keys, shoppers)} | latest
    flags = evaluate(list(group.values()), rules, keys, shoppers)
    flagged = {rid: review.model_copy(update={"flags": flags[rid]}) for rid, review in latest.items()}
    changed = [review.model_copy(update={"flags": flags[rid]}) for rid, review in group.items()
               if rid not in latest and review.flags != flags[rid]]  # fmt: skip
    return [flagged[review.review_id] for review in batch], changed


@dataclass(frozen=True)
class WrittenReviews:
    """One batch written: each review as stored (its flags set) and its outcome, in order."""

    reviews: list[Review]
    outcomes: list[ReviewOutcome]
    report: ReviewWriteReport


def write_batch(store: ReviewStore, batch: Sequence[Review], rules: ReviewRules) -> ReviewWriteReport:
    """Flag and upsert one batch (one transaction with the reflagged reviews)."""
    return write_reviews(store, batch, rules).report


def write_reviews(store: ReviewStore, batch: Sequence[Review], rules: ReviewRules) -> WrittenReviews:
    """Flag and upsert one batch (one transaction with the reflagged reviews), review by review."""
    if not batch:
        return WrittenReviews([], [], ReviewWriteReport())
    reviews, changed = _flag_batch(store, batch, rules)
    outcomes = store.upsert([*reviews, *changed])[: len(reviews)]
    codes: dict[str, int] = {}
    for review in reviews:
        for flag in review.flags:
            codes[flag.code] = codes.get(flag.code, 0) + 1
    report = ReviewWriteReport(
        inserted=outcomes.count(ReviewOutcome.INSERTED),
        updated=outcomes.count(ReviewOutcome.UPDATED),
        unchanged=outcomes.count(ReviewOutcome.UNCHANGED),
        flagged=sum(review.flagged for review in reviews),
        reflagged=len(changed),
        flags=dict(sorted(codes.items())),
    )
    return WrittenReviews(reviews, outcomes, report)


def import_reviews(
    store: ReviewStore,
    reviews: Iterable[Review],
    rules: ReviewRules | None = None,
    *,
    batch_size: int = 1000,
    shopper_id: Callable[[str], str] | None = None,
) -> ReviewWriteReport:
    """Flag and store `reviews`, `batch_size` to a transaction; returns what was done.
    `shopper_id` maps each shopper id before it is stored (the shop's pseudonyms)."""
    rules = rules or ReviewRules()
    report = ReviewWriteReport()
    batch: list[Review] = []
    for review in reviews:
        if shopper_id is not None:
            review = review.model_copy(update={"shopper_id": shopper_id(review.shopper_id)})
        batch.append(review)
        if len(batch) >= max(1, batch_size):
            report = report.plus(write_batch(store, batch, rules))
            batch = []
    return report.plus(write_batch(store, batch, rules))


def forget_shopper_reviews(store: ReviewStore, shopper_id: str, rules: ReviewRules | None = None) -> int:
    """Delete the shopper's reviews, then work out again the flags of the reviews that shared a
    text with them (a copy of a forgotten review's text may now be the earliest); returns how many
    reviews went."""
    keys = {key for review in store.by_shopper(shopper_id) if (key := text_key(review.text)) is not None}
    gone = store.forget_shopper(shopper_id)
    if keys:
        group = store.related(keys, [])
        flags = evaluate(group, rules or ReviewRules(), keys, ())  # others' shopper flags stay
        store.upsert([r.model_copy(update={"flags": flags[r.review_id]}) for r in group
                      if r.flags != flags[r.review_id]])  # fmt: skip
    return gone


def recheck_flags(store: ReviewStore, rules: ReviewRules | None = None) -> int:
    """Work out every review's flags again (after the rules changed, or after writers raced);
    returns how many reviews' flags changed. Holds the reviews' texts and times in memory."""
    rules = rules or ReviewRules()
    everything = list(store.iter_reviews(include_flagged=True))
    flags = evaluate(everything, rules)
    changed = [r.model_copy(update={"flags": flags[r.review_id]}) for r in everything
               if r.flags != flags[r.review_id]]  # fmt: skip
    for start in range(0, len(changed), 1000):
        store.upsert(changed[start : start + 1000])
    return len(changed)
