"""`shelfwise train sentiment`: the shop's own review-sentiment model from reviews with ratings.

Reviews come as any iterable of `ReviewExample` (a TSV file through `reviews_file.py`, or the
shop's review store). Star summaries ("Five Stars") are dropped: they name the rating. The
reviews are split by product (`split.py`; by review when none has a product), each member's
head is fitted on its backbone's cached vectors (`head.py`: class-weighted, early-stopped on the
held-out macro-F1), exported int8 (`export.py`) and the folder is published as the data folder's
active sentiment model.

Members (`backbones`): `e5` one multilingual-e5 model for every language (the default);
`minilm` MiniLM for every language (it cannot read Chinese); `by-language` MiniLM for English
and E5 for the rest, each fitted on its languages' reviews (E5 on all of them, so a shop with
English reviews only still reads Chinese ones). Measured (benchmarks/sentiment_giftcards.py,
5 seeds): on Gift Cards held out by product MiniLM and E5 are level (macro-F1 0.571 +- 0.035
and 0.562 +- 0.046), while on held-out Chinese products a model trained on English only reads
0.357 +- 0.053 with E5 and 0.215 +- 0.022 with MiniLM (the majority class: 0.201). One E5 model
is therefore the default: the same English quality, Chinese read, one backbone to embed and
serve; `by-language` scores English faster (MiniLM int8) at the cost of a second backbone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.artifact_files import folder_digests
from shelfwise.sentiment.backbones import Backbone, BackboneName, MiniLMBackbone, open_backbone
from shelfwise.sentiment.export import export_head, export_minilm
from shelfwise.sentiment.head import CLASSES, HeadConfig, fit_head, predict_probabilities
from shelfwise.sentiment.metrics import accuracy, macro_f1
from shelfwise.sentiment.model import MANIFEST, MemberManifest, SentimentManifest
from shelfwise.sentiment.published import sentiment_registry
from shelfwise.sentiment.records import LABELS, ReviewExample, is_star_summary, label_index, text_language
from shelfwise.sentiment.split import group_of, split_by_product

Log = Callable[[str], None]
Members = Literal["e5", "minilm", "by-language"]


class SentimentTrainingConfig(BaseModel):
    backbones: Members = "e5"
    validation_fraction: float = Field(default=0.2, gt=0, lt=1, description="products held out")
    seed: int = 13
    head: HeadConfig = HeadConfig()
    max_examples: int = Field(default=200_000, ge=2, description="reviews read at most")


class MemberReport(BaseModel):
    backbone: BackboneName
    languages: list[str]
    train_reviews: int
    validation_reviews: int
    validation_macro_f1: float
    validation_accuracy: float
    majority_macro_f1: float
    """predicting the training part's most common label for every held-out review"""
    epochs: int
    best_epoch: int
    int8_agreement: float
    history: list[float]


class SentimentTrainingReport(BaseModel):
    reviews: int
    star_summaries_skipped: int
    split: Literal["product", "review"]
    train_groups: int
    validation_groups: int
    labels: dict[str, int]
    languages: dict[str, int]
    members: list[MemberReport]
    seconds: float


class SentimentArtifact(BaseModel):
    version: str
    path: str
    config: dict
    report: SentimentTrainingReport
    published: bool


def prepare_examples(examples: Iterable[ReviewExample], limit: int) -> tuple[list[ReviewExample], int]:
    """(the reviews to learn from, each with its language; how many star summaries were left out)."""
    kept: list[ReviewExample] = []
    skipped = 0
    for example in examples:
        if is_star_summary(example.text):
            skipped += 1
        elif len(kept) < limit:
            kept.append(
                example if example.language else replace(example, language=text_language(example.text))
            )
    return kept, skipped


def member_plan(members: Members) -> list[tuple[BackboneName, list[str]]]:
    if members == "by-language":
        return [("minilm", ["en"]), ("e5", ["*"])]
    return [(members, ["*"])]


def _reads(languages: Sequence[str], example: ReviewExample) -> bool:
    return "*" in languages or (example.language or "en").split("-")[0] in languages


def fit_member(
    backbone: Backbone,
    languages: list[str],
    parts: tuple[list[ReviewExample], list[ReviewExample]],
    folder: Path,
    head: HeadConfig,
) -> tuple[MemberManifest, MemberReport]:
    """Fit one member's head on the reviews in its languages, export it into `folder`."""
    train, validation = ([e for e in part if _reads(languages, e)] for part in parts)
    if not train or not validation:
        raise ValueError(
            f"the {backbone.name} member ({', '.join(languages)}) has {len(train)} training "
            f"and {len(validation)} held-out reviews: it needs both"
        )
    train_y = np.array([label_index(e.rating) for e in train])
    val_y = np.array([label_index(e.rating) for e in validation])
    val_x = backbone.embed([e.text for e in validation])
    module, fit = fit_head(backbone.embed([e.text for e in train]), train_y, val_x, val_y, head)
    predicted = predict_probabilities(module, val_x).argmax(1).tolist()
    majority = int(np.bincount(train_y, minlength=CLASSES).argmax())
    graph, tokenizer = f"{backbone.name}.int8.onnx", None
    _save_head(module, folder / f"{backbone.name}.head.safetensors")
    if isinstance(backbone, MiniLMBackbone):
        agreement = export_minilm(backbone, module, folder / graph, [e.text for e in validation[:200]])
        tokenizer = "tokenizer"
        backbone.tokenizer.save_pretrained(str(folder / tokenizer))
    else:
        agreement = export_head(module, folder / graph, val_x[:512])
    manifest = MemberManifest(
        backbone=backbone.name,
        backbone_version=backbone.version,
        languages=languages,
        graph=graph,
        tokenizer=tokenizer,
        max_length=getattr(backbone, "max_length", 512),
        int8_agreement=round(agreement, 4),
    )
    truth = val_y.tolist()
    report = MemberReport(
        backbone=backbone.name,
        languages=languages,
        train_reviews=len(train),
        validation_reviews=len(validation),
        validation_macro_f1=round(macro_f1(truth, predicted, CLASSES), 4),
        validation_accuracy=round(accuracy(truth, predicted), 4),
        majority_macro_f1=round(macro_f1(truth, [majority] * len(truth), CLASSES), 4),
        epochs=fit.epochs,
        best_epoch=fit.best_epoch,
        int8_agreement=round(agreement, 4),
        history=fit.history,
    )
    return manifest, report


def _save_head(module: Any, path: Path) -> None:
    from safetensors.torch import save_file

    save_file({name: tensor.contiguous() for name, tensor in module.state_dict().items()}, str(path))


def fit_sentiment(
    examples: Iterable[ReviewExample],
    folder: Path,
    config: SentimentTrainingConfig,
    log: Log = print,
    backbones: Mapping[str, Backbone] | None = None,
    version: str | None = None,
) -> SentimentTrainingReport:
    """Train every member on `examples` and write the model into `folder` (manifest last).
    `backbones` supplies already opened backbones by name (a benchmark's memoised ones, a test's
    tiny MiniLM); the others are opened here."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    reviews, skipped = prepare_examples(examples, config.max_examples)
    if skipped:
        log(f"left out {skipped} star summaries such as 'Five Stars': they name the rating")
    if len(reviews) < 2:
        raise ValueError(f"{len(reviews)} usable reviews: sentiment training needs more")
    train, validation = split_by_product(reviews, config.validation_fraction, config.seed)
    by_review = all(e.product_id is None for e in reviews)
    held_groups, all_groups = len({group_of(e) for e in validation}), len({group_of(e) for e in reviews})
    log(
        f"{len(reviews)} reviews; {len(validation)} held out by {'review' if by_review else 'product'} "
        f"({held_groups} of {all_groups})"
    )
    members, reports = [], []
    for name, languages in member_plan(config.backbones):
        backbone = (backbones or {}).get(name) or open_backbone(name)
        member, member_report = fit_member(backbone, languages, (train, validation), folder, config.head)
        log(
            f"{name} ({', '.join(languages)}): held-out macro-F1 {member_report.validation_macro_f1:.4f} "
            f"(majority class {member_report.majority_macro_f1:.4f}), "
            f"int8 agrees on {member_report.int8_agreement:.0%}"
        )
        members.append(member)
        reports.append(member_report)
    report = SentimentTrainingReport(
        reviews=len(reviews),
        star_summaries_skipped=skipped,
        split="review" if by_review else "product",
        train_groups=all_groups - held_groups,
        validation_groups=held_groups,
        labels=dict(Counter(LABELS[label_index(e.rating)] for e in reviews)),
        languages=dict(Counter(e.language or "en" for e in reviews)),
        members=reports,
        seconds=round(time.perf_counter() - started, 1),
    )
    _write_manifest(folder, version or folder.name, members, config, report)
    return report


def _write_manifest(
    folder: Path,
    version: str,
    members: list[MemberManifest],
    config: SentimentTrainingConfig,
    report: SentimentTrainingReport,
) -> None:
    manifest = SentimentManifest(
        version=version,
        labels=list(LABELS),
        members=members,
        files=folder_digests(folder, skip=(MANIFEST,)),
        training={"config": config.model_dump(), "report": report.model_dump()},
    )
    # the folder is not published yet: `publish` fsyncs it before CURRENT names it
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def train_sentiment(
    examples: Iterable[ReviewExample],
    data_dir: Path,
    config: SentimentTrainingConfig,
    log: Log = print,
    backbones: Mapping[str, Backbone] | None = None,
) -> SentimentArtifact:
    """Train a sentiment model on `examples` and make it the data folder's active one."""
    registry = sentiment_registry(data_dir)
    version, path = registry.new_version()
    report = fit_sentiment(examples, path, config, log, backbones, version)
    registry.publish(version)
    log(f"published sentiment model {version}")
    return SentimentArtifact(
        version=version, path=str(path), config=config.model_dump(), report=report, published=True
    )
