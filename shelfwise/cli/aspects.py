"""`shelfwise aspects ...`: mine review aspects per category, review them, summarize products.

    shelfwise aspects demo-reviews --out reviews.jsonl            # the demo shop's reviews, to try it
    shelfwise aspects mine --reviews reviews.jsonl --out aspects.review.jsonl
    shelfwise aspects mine --out aspects.review.jsonl              # the shop's stored reviews
    shelfwise aspects review aspects.review.jsonl
    shelfwise aspects accept aspects.review.jsonl battery sound --category "Electronics > Audio"
    shelfwise aspects reject aspects.review.jsonl wash
    shelfwise aspects rename aspects.review.jsonl delivery shipping   # merged with "shipping"
    shelfwise aspects summarize --reviews reviews.jsonl --aspects aspects.review.jsonl

Only accepted aspects are matched and summarized. Summaries are published as a versioned artifact
under the data folder (`models/review-summaries/`); `shelfwise aspects show PRODUCT` prints one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from shelfwise.cli.common import DataDir, data_dir_of, settings_of
from shelfwise.cli.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from shelfwise.aspects.records import AspectReview
    from shelfwise.aspects.sentiment import SentenceSentiment

aspects_app = typer.Typer(help="Mine, review and summarize review aspects.", no_args_is_help=True)

Category = Annotated[
    str | None, typer.Option(help="only in this category ('A > B'); default: every category with the name")
]


def _read(path: Path) -> list[AspectReview]:
    from shelfwise.aspects.inputs import read_reviews

    read = read_reviews(path)
    for error in read.errors[:20]:
        typer.echo(error, err=True)
    if len(read.errors) > 20:
        typer.echo(f"... and {len(read.errors) - 20} more lines not read", err=True)
    if not read.reviews:
        raise InputError(f"{path}: no review could be read")
    return read.reviews


def _rows(reviews: Path | None, data_dir: Path | None) -> list[AspectReview]:
    """The reviews of --reviews FILE, else the shop's review store's (with the catalog's categories)."""
    if reviews is not None:
        return _read(reviews)
    from shelfwise.aspects.shop import shop_reviews
    from shelfwise.shop_data import ShopData

    with ShopData.open(settings_of(data_dir)) as shop:
        rows = shop_reviews(shop.reviews, shop.store)
    if not rows:
        raise InputError(
            "the shop's review store has no reviews: import some (`shelfwise reviews import`) "
            "or give --reviews FILE"
        )
    return rows


ReviewsFile = Annotated[
    Path | None,
    typer.Option(help="reviews, JSON lines; default: the shop's review store", exists=True, dir_okay=False),
]


@aspects_app.command("demo-reviews")
def demo_reviews(
    out: Annotated[Path, typer.Option(help="JSON lines to write")],
    products: Annotated[int, typer.Option(help="demo catalog size")] = 6000,
    language: Annotated[str, typer.Option(help="en or zh")] = "en",
    seed: int = 7,
) -> None:
    """Write the demo shop's generated reviews (demo data, not real reviews) as JSON lines."""
    from shelfwise.aspects.inputs import from_demo, write_reviews
    from shelfwise.demo import generate_demo_catalog
    from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
    from shelfwise.demo.reviews import generate_demo_reviews

    if language not in ("en", "zh"):
        raise typer.BadParameter(f"--language is en or zh, not {language!r}")
    catalog = (generate_demo_catalog if language == "en" else generate_demo_catalog_zh)(products, seed)
    written = write_reviews(out, from_demo(generate_demo_reviews(catalog, seed)))
    typer.echo(f"{written} demo reviews of {products} products in {out}")


@aspects_app.command("mine")
def mine(
    out: Annotated[Path, typer.Option(help="review file (JSON lines) to write or update")],
    reviews: ReviewsFile = None,
    language: Annotated[str, typer.Option(help="en, zh or all")] = "all",
    category_depth: Annotated[int, typer.Option(help="category levels to mine by; 0: the whole path")] = 0,
    min_reviews: Annotated[int, typer.Option(help="reviews that must mention an aspect")] = 3,
    similar: Annotated[bool, typer.Option(help="list near names (bundled MiniLM) for merging")] = False,
    data_dir: DataDir = None,
) -> None:
    """Propose aspects per category from the reviews' nouns, as 'pending'. Decisions already in
    OUT are kept."""
    from shelfwise.aspects.mining import AspectMiningConfig, mine_aspects
    from shelfwise.aspects.review import write_candidates

    if language not in ("en", "zh", "all"):
        raise typer.BadParameter(f"--language is en, zh or all, not {language!r}")
    rows = _rows(reviews, data_dir)
    config = AspectMiningConfig(category_depth=category_depth, min_reviews=min_reviews)
    embed = _minilm() if similar else None
    languages: list[Literal["en", "zh"]] = ["en", "zh"] if language == "all" else [language]  # type: ignore[list-item]
    candidates = []
    for lang in languages:
        if any(r.language == lang for r in rows):
            candidates.extend(mine_aspects(rows, lang, config=config, embed=embed))
    written = write_candidates(out, candidates)
    categories = len({c.category for c in candidates})
    typer.echo(
        f"{len(candidates)} aspects mined in {categories} categories; {written} in {out} (decisions kept)"
    )


def _minilm() -> Callable[[Sequence[str]], np.ndarray]:
    from shelfwise.config.search import EncoderConfig
    from shelfwise.models import load_encoder

    encoder = load_encoder(EncoderConfig(precision="fp32"))  # a few hundred names: no ONNX export needed
    return lambda texts: encoder.encode(list(texts), kind="query")


@aspects_app.command("review")
def review_file(
    path: Annotated[Path, typer.Argument(help="review file", exists=True, dir_okay=False)],
    status: Annotated[str, typer.Option(help="pending, accepted, rejected or all")] = "pending",
    category: Category = None,
    limit: int = 50,
) -> None:
    """List aspects with their evidence, by category, best first."""
    from shelfwise.aspects.review import read_candidates

    shown = [
        c
        for c in read_candidates(path)
        if (status == "all" or c.status == status) and (category is None or c.category == category)
    ]
    for c in shown[:limit]:
        e = c.evidence
        lift = "" if e.lift is None else f", lift {e.lift:g}"
        similar = f", close to {', '.join(e.similar)}" if e.similar else ""
        example = f' e.g. "{e.examples[0]}"' if e.examples else ""
        typer.echo(
            f"{c.status:8} {c.category} :: {c.name}  ({e.reviews} reviews, {e.opinion_reviews} with an "
            f"opinion{lift}{similar}){example}"
        )
    typer.echo(f"{len(shown)} {status} aspect(s)")


@aspects_app.command("accept")
def accept(
    path: Annotated[Path, typer.Argument(help="review file", exists=True, dir_okay=False)],
    names: Annotated[list[str], typer.Argument(help="aspect names")],
    category: Category = None,
) -> None:
    """Accept aspects: summaries and matching use them from the next `summarize`."""
    _decide(path, names, "accepted", category)


@aspects_app.command("reject")
def reject(
    path: Annotated[Path, typer.Argument(help="review file", exists=True, dir_okay=False)],
    names: Annotated[list[str], typer.Argument(help="aspect names")],
    category: Category = None,
) -> None:
    """Reject aspects: mining again will not propose them as pending."""
    _decide(path, names, "rejected", category)


def _decide(
    path: Path, names: list[str], status: Literal["accepted", "rejected"], category: str | None
) -> None:
    from shelfwise.aspects.review import update_file

    try:
        update_file(path, names, status, category)
    except KeyError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"{status} {len(names)} aspect name(s) in {path}")


@aspects_app.command("rename")
def rename(
    path: Annotated[Path, typer.Argument(help="review file", exists=True, dir_okay=False)],
    old: Annotated[str, typer.Argument(help="name as mined")],
    new: Annotated[str, typer.Argument(help="new name; an existing aspect's name merges the two")],
    category: Category = None,
) -> None:
    """Rename an aspect (and accept it)."""
    from shelfwise.aspects.review import rename_in_file

    try:
        rename_in_file(path, old, new, category)
    except (KeyError, ValueError) as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"renamed {old!r} to {new!r} in {path}")


@aspects_app.command("summarize")
def summarize(
    aspects: Annotated[Path, typer.Option(help="review file of aspects", exists=True, dir_okay=False)],
    reviews: ReviewsFile = None,
    data_dir: DataDir = None,
    show: Annotated[int, typer.Option(help="summaries to print")] = 3,
    sentiment: Annotated[
        str,
        typer.Option(
            help="who reads each clause's sentiment: model (the shop's, `shelfwise train sentiment`), "
            "lexicon (built-in word lists), or auto (the model when the shop has one)"
        ),
    ] = "auto",
) -> None:
    """Summarize every product's reviews with the accepted aspects and publish the summaries."""
    from shelfwise.aspects.artifact import summaries_root, summarize_with_features, write_summaries
    from shelfwise.aspects.review import accepted_aspects, read_candidates
    from shelfwise.aspects.summary import SummaryConfig

    accepted = accepted_aspects(read_candidates(aspects))
    if not accepted:
        raise InputError(f"{aspects}: no accepted aspect (accept some with `shelfwise aspects accept`)")
    config = SummaryConfig()
    reader, reader_name = _clause_sentiment(sentiment, data_dir_of(data_dir))
    typer.echo(f"clause sentiment: {reader_name}")
    rows = _rows(reviews, data_dir)
    summaries, mentions, features = summarize_with_features(rows, accepted, reader, config)
    root = summaries_root(data_dir_of(data_dir))
    version = write_summaries(root, summaries, accepted, reader_name, config, mentions, features)
    said = [s for s in summaries if s.statements]
    typer.echo(
        f"{len(summaries)} products summarized ({len(said)} with statements); version {version} in {root}"
    )
    for summary in said[:show]:
        typer.echo(f"  {summary.product_id}: {summary.text}")


def _clause_sentiment(choice: str, folder: Path) -> tuple[SentenceSentiment, str]:
    """The clause reader `choice` names (model, lexicon or auto) and how the summaries record it."""
    from shelfwise.aspects.sentiment import LexiconSentiment
    from shelfwise.sentiment import NoSentimentModelError, active_sentiment_path, load_active_sentiment

    if choice not in ("model", "lexicon", "auto"):
        raise typer.BadParameter(f"{choice!r}: model, lexicon or auto", param_hint="--sentiment")
    if choice == "lexicon":
        return LexiconSentiment(), "lexicon"
    try:
        model = load_active_sentiment(folder)
    except NoSentimentModelError as error:
        if choice == "model":
            raise InputError(str(error)) from error
        return LexiconSentiment(), "lexicon"
    return model, f"sentiment model {active_sentiment_path(folder).name}"  # type: ignore[union-attr]


@aspects_app.command("show")
def show(product_id: Annotated[str, typer.Argument()], data_dir: DataDir = None) -> None:
    """Print a product's published review summary with its evidence."""
    from shelfwise.aspects.artifact import load_summaries, summaries_root

    summary = load_summaries(summaries_root(data_dir_of(data_dir))).get(product_id)
    if summary is None:
        raise InputError(f"no review summary for product {product_id!r} (run `shelfwise aspects summarize`)")
    typer.echo(f"{summary.product_id}: {summary.reviews} reviews, average {summary.average_rating}")
    typer.echo(summary.text or "(nothing said often enough to summarize)")
    for s in summary.statements:
        typer.echo(f"  {s.kind:9} {s.aspect}: +{s.positive} -{s.negative}  reviews {', '.join(s.review_ids)}")
