"""`shelfwise synonyms ...`: mine synonym candidates from judgments, review them, list them.

    shelfwise synonyms mine --products P.tsv --judgments J.tsv --out synonyms.review.jsonl
    shelfwise synonyms review synonyms.review.jsonl
    shelfwise synonyms approve synonyms.review.jsonl "fridge=refrigerator" "ac=air conditioner"
    SHELFWISE_UNDERSTANDING__SYNONYMS_FILE=synonyms.review.jsonl shelfwise serve

Search uses only the approved pairs of a review file (or every rule of a Solr/JSON file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

synonyms_app = typer.Typer(help="Mine, review and list synonyms.", no_args_is_help=True)


@synonyms_app.command("mine")
def mine(
    products: Annotated[Path, typer.Option(help="TSV: product_id, title", exists=True)],
    judgments: Annotated[Path, typer.Option(help="TSV: query_id, query, product_id, relevance", exists=True)],
    out: Annotated[Path, typer.Option(help="review file (JSON lines) to write or update")],
    relevance_threshold: Annotated[float, typer.Option(help="grades at or above are relevant")] = 2.33,
    max_candidates: int = 200,
) -> None:
    """Propose synonym pairs from judged (or clicked) query-product pairs, as 'pending'.
    Decisions already in OUT are kept."""
    from shelfwise.evaluate.tables import read_products_tsv
    from shelfwise.evaluate.trec import read_judgments
    from shelfwise.query.synonyms import (
        MiningConfig,
        judged_pairs,
        mine_synonym_candidates,
        write_candidates,
    )

    titles = {row.product_id: row.title for row in read_products_tsv(products)}
    config = MiningConfig(relevance_threshold=relevance_threshold, max_candidates=max_candidates)
    candidates = mine_synonym_candidates(judged_pairs(read_judgments(judgments)), titles, config)
    written = write_candidates(out, candidates)
    typer.echo(f"{len(candidates)} candidates mined; {written} in {out} (earlier decisions kept)")


@synonyms_app.command("review")
def review_file(
    path: Annotated[Path, typer.Argument(help="review file", exists=True)],
    status: Annotated[str, typer.Option(help="pending, approved, rejected or all")] = "pending",
    limit: int = 50,
) -> None:
    """List candidates with their evidence, best first."""
    from shelfwise.query.synonyms import read_candidates

    shown = [c for c in read_candidates(path) if status == "all" or c.status == status]
    for c in shown[:limit]:
        examples = "; ".join(c.evidence.examples)
        typer.echo(
            f"{c.status:9} {c.score:6.3f}  {c.term_a} = {c.term_b}  "
            f"({c.evidence.queries} queries{', e.g. ' + examples if examples else ''})"
        )
    typer.echo(f"{len(shown)} {status} candidate(s)")


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise typer.BadParameter(f"'{value}' is not TERM=TERM")
        out.append((left.strip(), right.strip()))
    return out


@synonyms_app.command("approve")
def approve_pairs(
    path: Annotated[Path, typer.Argument(help="review file", exists=True)],
    pairs: Annotated[list[str], typer.Argument(help="TERM=TERM pairs")],
) -> None:
    """Approve candidate pairs: search uses them from its next start."""
    from shelfwise.query.synonyms import approve

    try:
        approve(path, _pairs(pairs))
    except KeyError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"approved {len(pairs)} pair(s) in {path}")


@synonyms_app.command("reject")
def reject_pairs(
    path: Annotated[Path, typer.Argument(help="review file", exists=True)],
    pairs: Annotated[list[str], typer.Argument(help="TERM=TERM pairs")],
) -> None:
    """Reject candidate pairs: mining again will not propose them as pending."""
    from shelfwise.query.synonyms import reject

    try:
        reject(path, _pairs(pairs))
    except KeyError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"rejected {len(pairs)} pair(s) in {path}")
