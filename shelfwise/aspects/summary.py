"""A product's review summary: what its reviews praise and blame, each statement with its counts
and the ids of the reviews that say it.

Rules (`SummaryConfig`), deterministic: each review counts once per aspect, by the balance of its
clauses about it (more positive than negative clauses: positive; the other way: negative; a tie:
neither). Flagged reviews (duplicates, spam) are left out.
- praise: at least `min_praise` positive reviews, and positive at least `praise_share` of the
  aspect's positive and negative reviews: "praised for its battery (23 reviews)";
- complaint: at least `min_complaints` negative reviews, and negative at least
  `complaint_share` of them: "some find the size too small (5 reviews)" with the opinion most
  of them use, "some complain about the strap" without one; "many" once negative is
  `many_share` of them and at least `many_min`; a negated opinion ("not comfortable") is not
  quoted;
- mixed, instead of either: both counts reached and neither side at `praise_share`: "mixed
  views on the fit (4 positive, 3 negative)". Praise and a complaint may both be said of one
  aspect (7 happy, 3 unhappy reviews).
Praise comes first, then mixed views and complaints, each by reviews (most first) then by name;
at most `max_statements`. Chinese summaries read "电池好评多（23条评价）", "部分买家反映尺码偏小（5条评价）".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.aspects.mentions import AspectMatcher, find_mentions
from shelfwise.aspects.records import (
    AspectLanguage,
    AspectMention,
    AspectReview,
    ReviewSummary,
    SummaryStatement,
)
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import SentenceSentiment
from shelfwise.aspects.text import lexicon


class SummaryConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min_praise: int = Field(default=3, ge=1, description="positive reviews for praise")
    praise_share: float = Field(default=0.7, ge=0, le=1, description="of the aspect's polar reviews")
    min_complaints: int = Field(default=2, ge=1, description="negative reviews for a complaint")
    complaint_share: float = Field(default=0.3, ge=0, le=1)
    many_share: float = Field(default=0.5, ge=0, le=1, description="complaints said by 'many'")
    many_min: int = Field(default=5, ge=1, description="negative reviews for 'many'")
    max_statements: int = Field(default=5, ge=1)
    rating_backoff: bool = True


@dataclass
class _Tally:
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    positive_words: Counter[str] = field(default_factory=Counter)
    negative_words: Counter[str] = field(default_factory=Counter)


def summarize_product(
    reviews: Sequence[AspectReview],
    aspects: Iterable[Aspect] | AspectMatcher,
    sentiment: SentenceSentiment,
    config: SummaryConfig | None = None,
) -> ReviewSummary:
    """The summary of one product's reviews (all of one product id)."""
    config = config or SummaryConfig()
    products = {review.product_id for review in reviews}
    if len(products) != 1:
        raise ValueError(
            f"summarize_product takes the reviews of one product, got {len(products)}: {sorted(products)[:5]}"
        )
    kept = [review for review in reviews if not review.flagged]
    mentions = find_mentions(kept, aspects, sentiment, rating_backoff=config.rating_backoff)
    return summary_from_mentions(next(iter(products)), kept, mentions, config)


def summary_from_mentions(
    product_id: str, reviews: Sequence[AspectReview], mentions: Iterable[AspectMention], config: SummaryConfig
) -> ReviewSummary:
    """The summary of a product from its (unflagged) reviews and their aspect mentions."""
    language = _language(reviews)
    statements = _statements(_tally(mentions), language, config)
    ratings = [review.rating for review in reviews if review.rating is not None]
    return ReviewSummary(
        product_id=product_id,
        language=language,
        reviews=len(reviews),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        statements=tuple(statements),
        text=_joined(statements, language),
    )


def _language(reviews: Sequence[AspectReview]) -> AspectLanguage:
    counts = Counter(review.language for review in reviews)
    return "zh" if counts["zh"] > counts["en"] else "en"


def _tally(mentions: Iterable[AspectMention]) -> dict[str, _Tally]:
    balance: dict[tuple[str, str], int] = defaultdict(int)
    words: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in mentions:
        if m.label != "neutral":
            balance[m.aspect, m.review_id] += 1 if m.label == "positive" else -1
            if m.opinion and not _negated(m.opinion):
                words[m.aspect, m.review_id].append(m.opinion)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for (aspect, review_id), value in sorted(balance.items()):
        tally = tallies[aspect]
        if value > 0:
            tally.positive.append(review_id)
            tally.positive_words.update(set(words[aspect, review_id]))
        elif value < 0:
            tally.negative.append(review_id)
            tally.negative_words.update(set(words[aspect, review_id]))
    return tallies


def _negated(opinion: str) -> bool:
    """Whether an opinion is a negated one ("not very excellent", "不太持久"); a lexicon word that
    starts like a negator ("不错", "不起球") is not."""
    en, zh = lexicon("en"), lexicon("zh")
    first = opinion.split()[0]
    if first in en.negators or first.endswith("n't"):
        return True
    return not zh.is_opinion(opinion) and any(opinion.startswith(negator) for negator in zh.negators)


def _statements(
    tallies: dict[str, _Tally], language: AspectLanguage, config: SummaryConfig
) -> list[SummaryStatement]:
    order = {"praise": 0, "mixed": 1, "complaint": 2}
    out: list[SummaryStatement] = []
    for aspect, tally in tallies.items():
        positive, negative = len(tally.positive), len(tally.negative)
        polar = positive + negative
        if polar == 0:
            continue
        praised = positive >= config.min_praise and positive >= config.praise_share * polar
        blamed = negative >= config.min_complaints and negative >= config.complaint_share * polar
        split = positive >= config.min_praise and negative >= config.min_complaints
        if split and not praised and negative < config.praise_share * polar:
            kinds = ["mixed"]  # both sides heard, neither dominant
        else:
            kinds = ["praise"] * praised + ["complaint"] * blamed
        out.extend(_statement(aspect, kind, tally, language, config) for kind in kinds)
    out.sort(key=lambda s: (order[s.kind], -s.reviews, s.aspect))
    return out[: config.max_statements]


def _statement(
    aspect: str, kind: str, tally: _Tally, language: AspectLanguage, config: SummaryConfig
) -> SummaryStatement:
    positive, negative = len(tally.positive), len(tally.negative)
    if kind == "praise":
        ids, opinion = tally.positive, _top(tally.positive_words)
    elif kind == "complaint":
        ids, opinion = tally.negative, _top(tally.negative_words)
    else:
        ids, opinion = sorted(tally.positive + tally.negative), None
    many = (
        kind == "complaint"
        and negative >= config.many_min
        and negative >= config.many_share * (positive + negative)
    )
    wording = _ZH if language == "zh" else _EN
    return SummaryStatement(
        kind=kind,  # type: ignore[arg-type]
        aspect=aspect,
        text=wording(kind, aspect, len(ids), positive, negative, opinion, many),
        reviews=len(ids),
        positive=positive,
        negative=negative,
        opinion=opinion,
        review_ids=tuple(sorted(ids)),
    )


def _top(counter: Counter[str]) -> str | None:
    """The opinion most reviews use (alphabetical among ties), when at least two use it."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0] if ranked and ranked[0][1] >= 2 else None


def _EN(kind: str, aspect: str, n: int, positive: int, negative: int, opinion: str | None, many: bool) -> str:  # noqa: N802
    reviews = f"{n} review{'s' if n != 1 else ''}"
    if kind == "praise":
        return f"praised for its {aspect} ({reviews})"
    if kind == "mixed":
        return f"mixed views on the {aspect} ({positive} positive, {negative} negative)"
    who = "many" if many else "some"
    if opinion and opinion in lexicon("en").phrases:  # "runs small", "fell apart"
        return f"{who} say the {aspect} {opinion} ({reviews})"
    if opinion:
        return f"{who} find the {aspect} {opinion} ({reviews})"
    return f"{who} complain about the {aspect} ({reviews})"


def _ZH(kind: str, aspect: str, n: int, positive: int, negative: int, opinion: str | None, many: bool) -> str:  # noqa: N802
    if kind == "praise":
        return f"{aspect}好评多（{n}条评价）"
    if kind == "mixed":
        return f"{aspect}评价不一（{positive}条好评，{negative}条差评）"
    who = "较多买家" if many else "部分买家"
    if opinion:
        return f"{who}反映{aspect}{opinion}（{n}条评价）"
    return f"{who}对{aspect}不满意（{n}条评价）"


def _joined(statements: list[SummaryStatement], language: AspectLanguage) -> str:
    """The statements in one line; English praise is said once: "Praised for its sound (23
    reviews) and battery (9 reviews); some find the size too small (5 reviews)."."""
    if not statements:
        return ""
    if language == "zh":
        return "；".join(s.text for s in statements) + "。"
    praised = [
        f"{s.aspect} ({s.reviews} review{'s' if s.reviews != 1 else ''})"
        for s in statements
        if s.kind == "praise"
    ]
    parts = [s.text for s in statements if s.kind != "praise"]
    if praised:
        listed = praised[0] if len(praised) == 1 else ", ".join(praised[:-1]) + " and " + praised[-1]
        parts.insert(0, f"praised for its {listed}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
