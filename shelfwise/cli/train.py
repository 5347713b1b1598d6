"""`shelfwise train ...`: fine-tune models on the shop's own data and publish them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import (
    DataDir,
    ProductColumns,
    column_map,
    console,
    log_line,
    open_shop,
    settings_of,
)
from shelfwise.cli.errors import InputError

if TYPE_CHECKING:
    from shelfwise.shop_data import ShopData

train_app = typer.Typer(help="Fine-tune models on the shop's own data.", no_args_is_help=True)
ProductsFile = Annotated[
    Path | None,
    typer.Option(help="TSV: product_id, title, more columns (default: the shop's catalog)", exists=True),
]


@contextmanager
def shop_data(data_dir: Path | None) -> Iterator[tuple[Path, ShopData]]:
    """The data folder (where the models go) and the shop's stores (`ShopData`, by URL) for a
    training command; an empty catalog with no --products is an input error."""
    from shelfwise.shop_data import ShopData
    from shelfwise.train.sources import EmptyCatalogError

    settings = settings_of(data_dir)
    with ShopData.open(settings) as data:
        try:
            yield settings.data_dir, data
        except EmptyCatalogError as error:
            raise InputError(str(error)) from error


@train_app.command("encoder")
def train_encoder_command(
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    products: ProductsFile = None,
    product_columns: ProductColumns = None,
    epochs: int = 2,
    batch_size: int = 64,
    learning_rate: float = 3e-5,
    validation_fraction: Annotated[float, typer.Option(help="queries held out for early stopping")] = 0.15,
    seed: int = 13,
    base_model: Annotated[
        Path | None,
        typer.Option(help="start from this model folder, e.g. DATA_DIR/models/encoder/checkpoints/best"),
    ] = None,
    teacher: Annotated[
        Path | None,
        typer.Option(
            help="a trained reranker folder that grades the mined hard negatives first",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Fine-tune the bi-encoder on graded judgments and make it the active encoder."""
    from shelfwise.train import EncoderTrainingConfig, train_encoder

    config = EncoderTrainingConfig(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        validation_fraction=validation_fraction,
        seed=seed,
    )
    with shop_data(data_dir) as (folder, data):
        artifact = train_encoder(data, folder, products, judgments, config,
                                 product_columns=column_map(product_columns), base_model=base_model,
                                 log=log_line, teacher=teacher)  # fmt: skip
    typer.echo(artifact.model_dump_json(indent=2))


@train_app.command("recommender")
def train_recommender(
    channels: Annotated[
        str, typer.Option(help="comma-separated recall channels fused by the ranker")
    ] = "cooccurrence,sequential,popularity",
    threads: Annotated[int, typer.Option(help="CPU threads for training")] = 2,
    seed: int = 0,
    data_dir: DataDir = None,
) -> None:
    """Fit the recommender on the data folder's events and catalog, and make it the one that
    /recommend serves (a running server picks it up within a second)."""
    from shelfwise.recommend import recommender_config

    try:
        config = recommender_config(channels, threads, seed)
    except ValueError as error:  # an unknown channel name
        raise typer.BadParameter(str(error), param_hint="--channels") from error
    shop = open_shop(data_dir)
    try:
        version, report = shop.train_recommender(config, log=log_line)
    finally:
        shop.close()
    console.print(
        f"published recommender {version}: channels {', '.join(report.channels)} fused by {report.fused_by}"
    )


@train_app.command("reranker")
def train_reranker_command(
    judgments: Annotated[
        Path,
        typer.Option(
            help="TSV: query_id, query, product_id, relevance (1-3), optional label (E/S/C/I)",
            exists=True,
        ),
    ],
    products: ProductsFile = None,
    product_columns: ProductColumns = None,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 4e-5,
    mined_negatives: Annotated[int, typer.Option(help="unjudged BM25 hits per query as negatives")] = 2,
    validation_fraction: Annotated[float, typer.Option(help="queries held out for early stopping")] = 0.15,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Fine-tune the cross-encoder relevance model and make it the active reranker."""
    from shelfwise.train import RerankerTrainingConfig, train_reranker

    config = RerankerTrainingConfig(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        mined_negatives=mined_negatives,
        validation_fraction=validation_fraction,
        seed=seed,
    )
    with shop_data(data_dir) as (folder, data):
        artifact = train_reranker(data, folder, products, judgments, config,
                                  product_columns=column_map(product_columns), log=log_line)  # fmt: skip
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"history"}}))


@train_app.command("reranker-student")
def train_reranker_student_command(
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    products: ProductsFile = None,
    product_columns: ProductColumns = None,
    layers: Annotated[int, typer.Option(min=1, help="transformer layers the student keeps")] = 3,
    max_length: Annotated[
        int | None, typer.Option(min=8, help="tokens the student reads (default: the teacher's)")
    ] = None,
    teacher: Annotated[
        Path | None, typer.Option(help="reranker folder to distil (default: the active one)")
    ] = None,
    epochs: int = 1,
    extra_candidates: Annotated[
        int, typer.Option(help="unjudged BM25 hits per query graded by the teacher")
    ] = 4,
    max_relative_loss: Annotated[
        float, typer.Option(help="share of the teacher's held-out NDCG@10 the student may lose")
    ] = 0.01,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Distil the active cross-encoder into a student with fewer layers (made active when it
    keeps the teacher's held-out NDCG@10 within --max-relative-loss)."""
    from shelfwise.train import DistillationConfig, RerankerTrainingConfig, train_reranker_student

    config = DistillationConfig(
        layers=layers,
        max_length=max_length,
        extra_candidates=extra_candidates,
        max_relative_loss=max_relative_loss,
        training=RerankerTrainingConfig(epochs=epochs, learning_rate=8e-5, batch_size=48, seed=seed),
    )
    try:
        with shop_data(data_dir) as (folder, data):
            artifact = train_reranker_student(data, folder, products, judgments, config,
                                              product_columns=column_map(product_columns),
                                              teacher=teacher, log=log_line)  # fmt: skip
    except InputError:
        raise
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"student": {"history"}}}))


@train_app.command("encoder-student")
def train_encoder_student_command(
    products: ProductsFile = None,
    judgments: Annotated[
        Path | None,
        typer.Option(help="optional TSV of judged queries: also judge how the student ranks", exists=True),
    ] = None,
    product_columns: ProductColumns = None,
    layers: Annotated[int, typer.Option(min=1, help="transformer layers the student keeps")] = 2,
    epochs: Annotated[int, typer.Option(min=1)] = 2,
    max_texts: Annotated[int, typer.Option(min=2, help="catalog texts drawn for training")] = 100_000,
    min_cosine: Annotated[
        float, typer.Option(help="mean cosine to the encoder on held-out texts the student must reach")
    ] = 0.9,
    max_relative_loss: Annotated[
        float, typer.Option(help="with --judgments: share of the encoder's vector NDCG@10 it may lose")
    ] = 0.05,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Distil the active bi-encoder into a document student with fewer layers that encodes the
    catalog several times faster (queries keep the full encoder); published when it stays close."""
    from shelfwise.train import DocumentStudentConfig, train_encoder_student

    config = DocumentStudentConfig(layers=layers, epochs=epochs, max_texts=max_texts, min_cosine=min_cosine,
                                   max_relative_loss=max_relative_loss, seed=seed)  # fmt: skip
    try:
        with shop_data(data_dir) as (folder, data):
            artifact = train_encoder_student(data, folder, products, config, judgments=judgments,
                                             product_columns=column_map(product_columns),
                                             log=log_line)  # fmt: skip
    except InputError:
        raise
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"history"}}))


@train_app.command("fusion")
def train_fusion_command(
    judgments: Annotated[
        Path, typer.Option(help="TSV: query_id, query, product_id, relevance (1-3)", exists=True)
    ],
    products: ProductsFile = None,
    product_columns: ProductColumns = None,
    candidates: Annotated[int, typer.Option(help="weighted fusion's top candidates per query")] = 200,
    validation_fraction: Annotated[float, typer.Option(help="queries held out to stop and judge")] = 0.25,
    exclude_encoder_queries: Annotated[
        bool, typer.Option(help="leave out the queries the active encoder was fine-tuned on")
    ] = False,
    seed: int = 13,
    threads: int = 2,
    data_dir: DataDir = None,
) -> None:
    """Learn hybrid fusion (LambdaMART over each candidate's BM25, cosine, coverage...) from
    judgments with the active encoder, and make it active when it beats weighted fusion."""
    from shelfwise.bench import train_fusion
    from shelfwise.train import FusionTrainingConfig
    from shelfwise.train.sources import EmptyCatalogError

    config = FusionTrainingConfig(
        candidates=candidates,
        validation_fraction=validation_fraction,
        seed=seed,
        threads=threads,
        exclude_encoder_queries=exclude_encoder_queries,
    )
    try:
        artifact = train_fusion(
            settings_of(data_dir),
            products,
            judgments,
            config,
            product_columns=column_map(product_columns),
            log=log_line,
        )
    except EmptyCatalogError as error:
        raise InputError(str(error)) from error
    except ValueError as error:  # too few usable judged queries
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(artifact.model_dump_json(indent=2))


@train_app.command("ranker")
def train_ranker_command(
    architecture: Annotated[str, typer.Option(help="esmm or mmoe")] = "esmm",
    epochs: Annotated[int, typer.Option(min=1, help="at most; early stopping on held-out requests")] = 30,
    split: Annotated[str, typer.Option(help="time (the latest requests are held out) or request")] = "time",
    seed: int = 0,
    data_dir: DataDir = None,
) -> None:
    """Train the CTR/CVR ranking model (the last ranking stage) from the logged impressions and
    the shoppers' attributed clicks and purchases; make it active when it beats the active one."""
    from shelfwise.rank import ModelConfig
    from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig

    try:
        config = CtrCvrRankerConfig(
            model=ModelConfig(architecture=architecture),  # type: ignore[arg-type]
            training=TrainingConfig(epochs=epochs, split=split, seed=seed),  # type: ignore[arg-type]
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    shop = open_shop(data_dir)
    try:
        artifact = shop.train_ranker(config, log=log_line)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        shop.close()
    typer.echo(artifact.model_dump_json(indent=2))


@train_app.command("sentiment")
def train_sentiment_command(
    reviews: Annotated[
        Path | None,
        typer.Option(
            help="TSV: review_id, text, rating (1-5); optional product_id, language "
            "(default: the shop's stored reviews, flagged ones left out)",
            exists=True,
        ),
    ] = None,
    backbones: Annotated[
        str, typer.Option(help="e5 (one multilingual model), minilm, or by-language (MiniLM for English)")
    ] = "e5",
    validation_fraction: Annotated[float, typer.Option(help="products held out for early stopping")] = 0.2,
    seed: int = 13,
    data_dir: DataDir = None,
) -> None:
    """Train the shop's review-sentiment model (1-2 stars negative, 3 neutral, 4-5 positive) and
    make it the data folder's active one."""
    from shelfwise.sentiment import ReviewFileError, read_training_reviews
    from shelfwise.sentiment.from_store import examples_from_store
    from shelfwise.sentiment.train import SentimentTrainingConfig, train_sentiment

    try:
        config = SentimentTrainingConfig(
            backbones=backbones,  # type: ignore[arg-type]
            validation_fraction=validation_fraction,
            seed=seed,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    with shop_data(data_dir) as (folder, shop):
        try:
            examples = read_training_reviews(reviews) if reviews else list(examples_from_store(shop.reviews))
        except ReviewFileError as error:
            raise InputError(str(error)) from error
    source = reviews or "the shop's reviews"
    if not examples:
        raise InputError(f"{source}: no review to learn from (shelfwise reviews import, or --reviews FILE)")
    try:
        artifact = train_sentiment(examples, folder, config, log=log_line)
    except ValueError as error:  # too few reviews or products to hold some out
        raise InputError(f"{source}: {error}") from error
    typer.echo(artifact.model_dump_json(indent=2, exclude={"report": {"members": {"__all__": {"history"}}}}))
